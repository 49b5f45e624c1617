"""The Sphinx extension, built with sphinx.testing: what links here, links back to the wiki,
random page and preview data, red links, special pages; parallel builds, rebuilds, and no
web-site chrome in ePub or LaTeX."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mw2sphinx import mwdata
from mw2sphinx.model import Page, SiteInfo, Wiki
from mw2sphinx.pipeline import convert_tree
from mw2sphinx.site import write_tree
from mw2sphinx.sphinxext import WikiConfig, page_extract
from wikis import FIXTURES, convert, unpack, write_conf_shim

ARTICLE_URL = "https://small.example/wiki/$1"


def build(
    srcdir: Path,
    outdir: Path,
    *,
    builder: str = "html",
    parallel: int = 0,
    freshenv: bool = True,
    confoverrides: dict | None = None,
) -> tuple[str, str, Path]:
    """Build with sphinx.testing and the project's conf.py; (warnings, status, output)."""
    from sphinx.testing.util import SphinxTestApp

    write_conf_shim(srcdir)
    warnings, status = StringIO(), StringIO()
    app = SphinxTestApp(
        builder,
        srcdir=srcdir,
        builddir=outdir,
        warning=warnings,
        status=status,
        freshenv=freshenv,
        parallel=parallel,
        confoverrides=confoverrides or {},
    )
    try:
        if parallel:
            assert app.is_parallel_allowed("read") and app.is_parallel_allowed("write")
        app.build()
    finally:
        app.cleanup()
    return warnings.getvalue(), status.getvalue(), Path(app.outdir)


def small_source(root: Path) -> Path:
    source = unpack(FIXTURES / "small-wiki.bundle", root / "wiki")
    assert (
        convert(source, root / "src", "--site-name", "Small Wiki", "--article-url", ARTICLE_URL)
        == 0
    )
    return root / "src"


def soup(html: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((html / name).read_text("utf-8"), "html.parser")


def what_links_here(html: Path, name: str) -> list[str]:
    box = soup(html, name).select_one("#wiki-whatlinkshere")
    assert box is not None, f"{name} has no What links here"
    return [" ".join(li.get_text().split()) for li in box.select("li")]


def data_file(html: Path, name: str) -> object:
    text = (html / "_static" / name).read_text("utf-8")
    match = re.fullmatch(r'wikiData\("\w+", (.*)\);\n', text, re.DOTALL)
    assert match, text[:200]
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("small-ext")
    src = small_source(root)
    warnings, _status, html = build(src, root / "build")
    assert warnings == ""
    return src, html


def test_what_links_here_on_every_wiki_page(small):
    _src, html = small
    # Food transcludes Fruit and Vegetable, whose included text links to them: both at once.
    assert what_links_here(html, "pages/Fruit.html") == ["Category:Food", "Main Page"]
    assert what_links_here(html, "pages/Vegetable.html") == ["Category:Food", "Fruit", "Main Page"]
    assert what_links_here(html, "index.html") == ["Orphan"]
    assert what_links_here(html, "categories/Food.html") == ["Main Page"]
    orphan = soup(html, "pages/Orphan.html").select_one("#wiki-whatlinkshere")
    assert "No pages link to this page." in orphan.get_text()
    # Its links lead to the pages, relative to this one.
    links = soup(html, "pages/Vegetable.html").select("#wiki-whatlinkshere a")
    assert [a["href"] for a in links] == ["../categories/Food.html", "Fruit.html", "../index.html"]
    # Outside the article: not part of the page's text, not in the comparison with MediaWiki.
    assert soup(html, "pages/Fruit.html").select("article #wiki-whatlinkshere") == []


def test_view_and_edit_on_the_wiki(small):
    _src, html = small
    page = soup(html, "pages/Fruit.html")
    view = page.select_one(".wiki-pageinfo a.wiki-view")
    edit = page.select_one(".wiki-pageinfo a.wiki-edit")
    assert view.get_text() == "View on the wiki"
    assert view["href"] == "https://small.example/wiki/Fruit"
    assert edit.get_text() == "Edit on the wiki"
    assert edit["href"] == "https://small.example/wiki/Fruit?action=edit"
    # furo's icons at the top of the page lead there too.
    assert page.select_one(".view-this-page a")["href"] == view["href"]
    assert page.select_one(".edit-this-page a")["href"] == edit["href"]
    food = soup(html, "categories/Food.html").select_one("a.wiki-view")
    assert food["href"] == "https://small.example/wiki/Category:Food"
    # The folder source knows no revisions: no date.
    assert page.select(".wiki-lastedited") == []
    # Special pages are not wiki pages: only the attribution every page has.
    (info,) = soup(html, "special/wanted.html").select(".wiki-pageinfo")
    assert [child["class"] for child in info.find_all(recursive=False)] == [["wiki-licence"]]


def test_options_from_the_configuration(tmp_path):
    src = small_source(tmp_path)
    overrides = {
        "wiki_article_url": "https://other.example/w/$1",
        "wiki_edit_url": "https://other.example/edit/$1",
        "wiki_what_links_here": False,
        "wiki_random_page": False,
        "wiki_link_previews": False,
    }
    warnings, _, html = build(src, tmp_path / "build", confoverrides=overrides)
    assert warnings == ""
    page = soup(html, "pages/Fruit.html")
    assert page.select_one("a.wiki-view")["href"] == "https://other.example/w/Fruit"
    assert page.select_one("a.wiki-edit")["href"] == "https://other.example/edit/Fruit"
    assert page.select("#wiki-whatlinkshere") == []
    assert page.select("a.wiki-random") == []
    script = page.select_one('script[src*="wiki.js"]')
    assert script["data-random-page"] == "" and script["data-previews"] == ""
    assert not (html / "_static" / "wiki-previews.js").exists()
    assert not (html / "_static" / "wiki-articles.js").exists()


def test_random_page_control_and_articles(small):
    src, html = small
    for name in ("index.html", "pages/Fruit.html", "special/wanted.html", "search.html"):
        link = soup(html, name).select_one(".sidebar-drawer a.wiki-random")
        assert link is not None, name
        assert (html / Path(name).parent / link["href"]).resolve() == (
            html / "special" / "random.html"
        ).resolve()
    script = soup(html, "pages/Fruit.html").select_one('script[src*="wiki.js"]')
    assert script["data-random-page"] == "special/random.html"
    # The articles: the main namespace, not categories or special pages.
    assert data_file(html, "wiki-articles.js") == [
        "index.html", "pages/Fruit.html", "pages/Orphan.html", "pages/Vegetable.html",
    ]  # fmt: skip
    # The wiki text's [[Special:Random]] resolves to the same page (see titles.SPECIAL_PAGES).
    site = json.loads((src / "_wiki" / "site.json").read_text("utf-8"))
    assert site["special"]["random"] == "special/random"


def test_previews_are_the_start_of_each_page(small):
    _src, html = small
    previews = data_file(html, "wiki-previews.js")
    # No footnote marker, no category footer; the title apart.
    assert previews["pages/Fruit.html"] == ["Fruit", "Fruit is sweet."]
    assert previews["categories/Food.html"][1].startswith("Things to eat.")
    assert previews["pages/Orphan.html"][1].startswith("A page in no category that links to")
    assert "special/random.html" not in previews
    script = soup(html, "index.html").select_one('script[src*="wiki.js"]')
    assert script["data-previews"] == "wiki-previews.js"


def test_page_extract_is_cut_at_a_word():
    from docutils.core import publish_doctree

    doctree = publish_doctree("Title\n=====\n\nOne two three four five six.\n\nSecond paragraph.\n")
    assert page_extract(doctree, 100) == "One two three four five six. Second paragraph."
    assert page_extract(doctree, 16) == "One two three\u2026"


def test_red_links_say_the_page_does_not_exist(small):
    _src, html = small
    page = soup(html, "index.html")
    nuts = [s for s in page.select(".wiki-redlink") if s.get_text() == "Nuts"]
    assert len(nuts) == 1
    assert nuts[0].name == "span" and nuts[0].find_parent("a") is None
    assert nuts[0]["title"] == "Page does not exist"


def test_special_pages(small):
    _src, html = small
    wanted = soup(html, "special/wanted.html")
    items = [" ".join(li.get_text().split()) for li in wanted.select("article li")]
    assert "Nuts (1 link: Main Page)" in items
    assert "Bread (1 link: Category:Food)" in items
    assert all(li.select_one(".wiki-redlink") for li in wanted.select("article li"))
    categories = soup(html, "special/categories.html")
    items = [" ".join(li.get_text().split()) for li in categories.select("article li")]
    assert items == ["Food (2 members)", "Plants (2 members)"]  # Food: Fruit and Plants
    allpages = soup(html, "special/allpages.html")
    titles = [a.get_text() for a in allpages.select("article li a")]
    assert titles == ["Fruit", "Main Page", "Orphan", "Vegetable"]


def test_category_members_follow_sort_keys_and_subcategories_are_listed(tmp_path):
    site = SiteInfo(name="Sorting Wiki", article_url=ARTICLE_URL)
    pages = {
        "Main Page": Page("Main Page", 0, "Home."),
        "Category:Animals": Page("Category:Animals", 14, "All animals."),
        "Category:Birds": Page("Category:Birds", 14, "[[Category:Animals]]"),
        "Zebra": Page("Zebra", 0, "{{DEFAULTSORT:Aardvark}}[[Category:Animals]]"),
        "Bee": Page("Bee", 0, "[[Category:Animals|Zz]]"),
        "Cat": Page("Cat", 0, "[[Category:Animals]]"),
    }
    src = write_wiki(Wiki(site=site, pages=pages), tmp_path / "src")
    warnings, _, html = build(src, tmp_path / "build")
    assert warnings == ""
    animals = soup(html, "categories/Animals.html")
    sections = animals.select("article section section")
    subcategories = [a.get_text() for a in sections[0].select("a.reference.internal")]
    members = [a.get_text() for a in sections[1].select("li a.reference.internal")]
    assert subcategories == ["Birds"]
    assert members == ["Zebra", "Cat", "Bee"]  # Aardvark, Cat, Zz


def write_wiki(wiki: Wiki, dest: Path) -> Path:
    write_tree(convert_tree(wiki)[0], dest)
    return dest


def test_last_revision_date_and_transclusions(tmp_path):
    site = SiteInfo(name="Dated Wiki", article_url=ARTICLE_URL)
    pages = {
        "Main Page": Page("Main Page", 0, "{{:Snippet}}", 3, "2026-01-30T14:05:09Z"),
        "Snippet": Page("Snippet", 0, "Shared text.", 2, "2025-07-04T09:00:00Z"),
    }
    src = write_wiki(Wiki(site=site, pages=pages), tmp_path / "src")
    warnings, _, html = build(src, tmp_path / "build")
    assert warnings == ""
    snippet = soup(html, "pages/Snippet.html")
    time = snippet.select_one(".wiki-lastedited time")
    assert time["datetime"] == "2025-07-04T09:00:00Z"
    assert time.get_text() == "4 July 2025, at 09:00"
    assert what_links_here(html, "pages/Snippet.html") == ["Main Page (transclusion)"]


def test_a_page_whose_backlinks_change_is_rewritten(tmp_path):
    """Only Orphan's source changes; Fruit's What links here must follow on a rebuild."""
    source = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    src = tmp_path / "src"
    assert convert(source, src, "--article-url", ARTICLE_URL) == 0
    warnings, _, html = build(src, tmp_path / "build")
    assert warnings == "" and what_links_here(html, "pages/Fruit.html") == [
        "Category:Food", "Main Page",
    ]  # fmt: skip
    fruit_source = (src / "pages" / "Fruit.md").read_bytes()
    (source / "misc" / "Orphan.mediawiki").write_text("Now about [[Fruit]].", "utf-8")
    assert convert(source, src, "--article-url", ARTICLE_URL) == 0
    assert (src / "pages" / "Fruit.md").read_bytes() == fruit_source  # not rewritten
    warnings, status, html = build(src, tmp_path / "build", freshenv=False)
    assert warnings == ""
    assert what_links_here(html, "pages/Fruit.html") == ["Category:Food", "Main Page", "Orphan"]
    assert what_links_here(html, "index.html") == []  # Orphan no longer links there
    status = re.sub(r"\x1b\[[\d;]*m", "", status)  # colours
    reread = set(re.findall(r"reading sources\.\.\. \[[ \d]+%\] (\S+)", status))
    assert reread == {"index", "pages/Fruit", "pages/Orphan"}


def test_parallel_build_is_the_same_as_a_serial_one(small, tmp_path):
    src, serial = small
    copy = tmp_path / "src"
    shutil.copytree(src, copy)
    warnings, _, parallel = build(copy, tmp_path / "build", parallel=2)
    assert warnings == ""
    for name in ("wiki-articles.js", "wiki-previews.js"):
        assert data_file(parallel, name) == data_file(serial, name)
    for page in ("index.html", "pages/Fruit.html", "pages/Vegetable.html", "categories/Food.html"):
        assert what_links_here(parallel, page) == what_links_here(serial, page)
        assert soup(parallel, page).select_one("a.wiki-view") is not None


@pytest.mark.parametrize("builder", ["epub", "latex"])
def test_no_web_site_chrome_in_books(small, tmp_path, builder):
    src, _ = small
    copy = tmp_path / "src"
    shutil.copytree(src, copy)
    _warnings, _, out = build(copy, tmp_path / "build", builder=builder)
    files = [p for p in out.rglob("*") if p.is_file() and ".doctrees" not in p.parts]
    assert files
    names = {p.name for p in files}
    assert not names & {"wiki.js", "wiki-site.css", "wiki-articles.js", "wiki-previews.js"}
    for path in files:
        if path.suffix in {".xhtml", ".html", ".tex", ".opf"}:
            text = path.read_text("utf-8")
            for chrome in ("wiki-pageinfo", "What links here", "View on the wiki", "wiki-random"):
                assert chrome not in text, f"{chrome!r} in {path.name}"
    if builder == "epub":
        # The wiki's own markup keeps its styles in the book.
        assert "wiki.css" in names


def test_options_are_prefixed_typed_and_documented():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    for field in dataclasses.fields(WikiConfig):
        assert f"`wiki_{field.name}`" in readme, f"wiki_{field.name} is not in the README"
        assert field.metadata["rebuild"] in {"env", "html"}
        assert field.metadata["doc"]


def test_a_url_without_the_title_placeholder_is_a_typed_warning(tmp_path):
    src = small_source(tmp_path)
    overrides = {"wiki_article_url": "https://other.example/wiki/"}
    warnings, _, html = build(src, tmp_path / "build", confoverrides=overrides)
    assert "wiki_article_url" in warnings and "[wiki.config]" in warnings
    # The site data's address is used instead.
    view = soup(html, "pages/Fruit.html").select_one("a.wiki-view")
    assert view["href"] == "https://small.example/wiki/Fruit"


def test_links_to_special_pages_lead_to_ours(tmp_path):
    site = SiteInfo(name="Special Wiki", article_url=ARTICLE_URL)
    text = (
        "[[Special:Random|a]] [[Special:RandomPage|b]] [[Special:AllPages|c]]"
        " [[Special:Categories|d]] [[Special:WantedPages|e]] [[Special:BrokenLinks|f]]"
        " [[Special:UncategorizedPages|g]] [[Special:RecentChanges|h]]"
    )
    pages = {"Main Page": Page("Main Page", 0, text)}
    src = write_wiki(Wiki(site=site, pages=pages), tmp_path / "src")
    warnings, _, html = build(src, tmp_path / "build")
    assert warnings == ""
    links = {
        a.get_text(): a["href"].split("#")[0]
        for a in soup(html, "index.html").select("article p a.reference.internal")
    }
    assert links == {
        "a": "special/random.html",
        "b": "special/random.html",
        "c": "special/allpages.html",
        "d": "special/categories.html",
        "e": "special/wanted.html",
        "f": "special/wanted.html",
        "g": "special/uncategorized.html",
    }  # RecentChanges: a page the site does not have, plain text


def test_no_matplotlib_for_cards_the_site_does_not_draw(small, tmp_path):
    import subprocess
    import sys

    from mw2sphinx.extension import social_cards_wanted
    from sphinx.config import Config
    from wikis import ROOT

    src, _ = small
    # a fresh interpreter: sphinxext-opengraph imports matplotlib for drawn cards, which
    # mw2sphinx turns off; a second or so of every Sphinx run, a no-op rebuild's included
    script = (
        "import sys\nfrom sphinx.cmd.build import main\n"
        f"code = main(['-q', '-b', 'html', '-c', {str(ROOT)!r}, {str(src)!r}, "
        f"{str(tmp_path / 'html')!r}])\n"
        "print(code, 'matplotlib' in sys.modules, 'sphinxext.opengraph' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.split() == ["0", "False", "True"], done.stdout + done.stderr
    page = BeautifulSoup((tmp_path / "html" / "pages" / "Fruit.html").read_text(), "html.parser")
    assert page.head.select_one('meta[property="og:title"]')["content"] == "Fruit"
    # a project that turns the cards on gets them (and matplotlib)
    assert not social_cards_wanted(Config({}))
    assert not social_cards_wanted(Config({"ogp_social_cards": {"enable": False}}))
    assert social_cards_wanted(Config({"ogp_social_cards": {"enable": True}}))
    assert social_cards_wanted(Config({"ogp_social_cards": {"site_url": "x"}}))


def test_interlanguage_links_in_the_sidebar(tmp_path):
    """[[fr:Page]] leaves the text and is listed beside the page, named in its language;
    the first link to a language is kept, as MediaWiki keeps it."""
    site = SiteInfo(
        name="Languages Wiki",
        article_url=ARTICLE_URL,
        interwiki={
            "fr": "https://fr.example/wiki/$1",
            "de": "https://de.example/wiki/$1",
            "mul": "https://multi.example/wiki/$1",
        },
        extra_language_prefixes=("mul",),
    )
    text = "Text.\n[[fr:Fruit#Pomme]]\n[[de:Obst]]\n[[fr:Autre]]\n[[mul:Fruit]]\n[[:de:Inline]]"
    pages = {"Main Page": Page("Main Page", 0, "Home."), "Fruit": Page("Fruit", 0, text)}
    src = write_wiki(Wiki(site=site, pages=pages), tmp_path / "src")
    warnings, _, html = build(src, tmp_path / "build")
    assert warnings == ""
    page = soup(html, "pages/Fruit.html")
    box = page.select_one("nav.wiki-languages")
    assert box.select_one(".wiki-languages-title").get_text() == "In other languages"
    items = [(a.get_text(), a["href"], a["hreflang"]) for a in box.select("a")]
    names = {"fr": "Français", "de": "Deutsch"} if mwdata.autonyms() else {}
    assert items == [
        (names.get("fr", "Fr"), "https://fr.example/wiki/Fruit#Pomme", "fr"),
        (names.get("de", "De"), "https://de.example/wiki/Obst", "de"),
        ("Mul", "https://multi.example/wiki/Fruit", "mul"),
    ]
    article = page.select_one("article")
    assert "Autre" not in article.get_text() and "Inline" in article.get_text()
    # a page without any has no such box
    assert soup(html, "index.html").select("nav.wiki-languages") == []


@pytest.mark.parametrize("base_url", ["", "https://wiki.example/site/"])
def test_the_sitemap_collects_pages_without_a_process_round_trip(small, tmp_path, base_url):
    import queue

    from sphinx.testing.util import SphinxTestApp

    src, _ = small
    app = SphinxTestApp(
        "html",
        srcdir=src,
        builddir=tmp_path / "out",
        warning=StringIO(),
        status=StringIO(),
        freshenv=True,
        confoverrides={"html_baseurl": base_url},
    )
    try:
        handlers = [listener.handler for listener in app.events.listeners["html-page-context"]]
        names = {getattr(h, "__module__", "") + "." + getattr(h, "__name__", "") for h in handlers}
        # without a site address there is no sitemap: nothing to collect page by page
        assert ("sphinx_sitemap.add_html_link" in names) == bool(base_url)
        if base_url:  # written in this process: its own queue, not a manager's proxy
            assert type(app.sitemap_links) is queue.Queue
        app.build()
    finally:
        app.cleanup()
    assert app.statuscode == 0 and app._warning.getvalue() == ""
    sitemap = Path(app.outdir) / "sitemap.xml"
    assert sitemap.exists() == bool(base_url)
    if base_url:
        text = sitemap.read_text("utf-8")
        assert f"<loc>{base_url}pages/Fruit.html</loc>" in text
        assert f"<loc>{base_url}categories/Food.html</loc>" in text


def test_ruby_text_is_ruby_on_the_site_and_in_parentheses_in_the_pdf(tmp_path):
    site = SiteInfo(name="Ruby Wiki", article_url=ARTICLE_URL)
    text = (
        "<ruby>日<rt>に</rt></ruby> and "
        "<ruby>東<rb>京</rb><rp>(</rp><rt>とうきょう</rt><rp>)</rp></ruby>"
    )
    src = write_wiki(Wiki(site=site, pages={"Ruby": Page("Ruby", 0, text)}), tmp_path / "src")
    warnings, _, html = build(src, tmp_path / "html")
    assert warnings == ""
    ruby = soup(html, "pages/Ruby.html").select("article ruby")
    assert [r.rt.get_text() for r in ruby] == ["に", "とうきょう"]
    assert [rp.get_text() for rp in ruby[1].select("rp")] == ["(", ")"]
    warnings, _, latex = build(src, tmp_path / "latex", builder="latex")
    tex = next(latex.glob("*.tex")).read_text("utf-8")
    shown = re.sub(r"\\DUrole\{wiki-r[a-z]+\}\{|\}", "", tex)
    assert "日(に)" in shown  # parentheses added
    assert "東京(とうきょう)" in shown  # its own, not twice
    # the ePub's XHTML schema refuses some orders of ruby's parts: parentheses there too
    warnings, _, epub = build(src, tmp_path / "epub", builder="epub")
    assert warnings == ""
    book = BeautifulSoup((epub / "pages" / "Ruby.xhtml").read_text("utf-8"), "html.parser")
    assert not book.select("ruby")
    assert "日(に) and 東京(とうきょう)" in book.get_text()
