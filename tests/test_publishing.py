"""A site that replaces the wiki: redirects that forward, a sitemap, cards for sharing
(sphinxext-opengraph: a page's first paragraph and image), a 404 page and canonical
addresses. A real MediaWiki on loopback with an uploaded image and redirects, converted
through its API and built with the project's conf.py; the redirects followed in Chromium.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mediawiki import MediaWiki, available
from mw2sphinx.sitedata import SiteData
from playwright.sync_api import sync_playwright
from test_browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, serve
from wikis import ROOT, convert

PIL = pytest.importorskip("PIL.Image", reason="Pillow is in requirements.txt")

BASE_URL = "https://wiki.example/site/"
FIRST_PARAGRAPH = "Alpha is the first page of the wiki, with a red box."
PAGES = {
    "Main Page": "Welcome. See [[Alpha]], [[Old alpha]], [[Old part]] and [[Old missing]]."
    "\n\n[[Category:Things]]",
    "Alpha": "[[File:Red box.png|thumb|alt=A red box|The box]]\n"
    + f"{FIRST_PARAGRAPH}\n\nA second paragraph.\n\n== Part ==\n"
    + "The part, long enough to scroll to.\n\n" * 60
    + "[[Category:Things]]",
    "Old alpha": "#REDIRECT [[Alpha]]",
    "Old part": "#REDIRECT [[Alpha#Part]]",
    "Old missing": "#REDIRECT [[Nowhere]]",
    "Category:Things": "Things.",
}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaWiki]:
    reason = available()
    if reason:
        pytest.fail(f"these tests need a real MediaWiki: {reason}")
    wiki = MediaWiki(name="Travel Wiki", settings="$wgUseImageMagick = false;\n").install()
    uploads = tmp_path_factory.mktemp("uploads")
    PIL.new("RGB", (320, 240), (200, 30, 30)).save(uploads / "Red_box.png")
    wiki.upload(uploads / "Red_box.png")
    for title, text in PAGES.items():
        wiki.edit(title, text)
    wiki.start()
    yield wiki
    wiki.remove()


def sphinx_html(src: Path, out: Path, *options: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html",
         "-c", str(ROOT), *options, str(src), str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


@pytest.fixture(scope="module")
def built(wiki: MediaWiki, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the converted tree, the site built with html_baseurl)."""
    base = tmp_path_factory.mktemp("travel")
    assert convert(wiki.api_url, base / "src") == 0  # type: ignore[arg-type]
    sphinx_html(base / "src", base / "html", "-D", f"html_baseurl={BASE_URL}")
    return base / "src", base / "html"


def soup(html: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((html / name).read_text("utf-8"), "html.parser")


def site_of(src: Path) -> SiteData:
    return SiteData.load(src / "_wiki" / "site.json")


def docname_of(site: SiteData, title: str) -> str:
    return site.pages[title].docname


def redirect_docname(src: Path, title: str) -> str:
    """The document at a redirect's old address (the converter names it as a page)."""
    site = site_of(src)
    (found,) = [d for d in site.redirects if d.endswith("/" + title.replace(" ", "_"))]
    return found


# --- redirects ---------------------------------------------------------------------------


def test_links_to_a_redirect_go_straight_to_its_target(built):
    src, html = built
    links = {a.get_text(): a["href"] for a in soup(html, "index.html").select("article a")}
    alpha = docname_of(site_of(src), "Alpha") + ".html"
    assert links["Old alpha"] == f"{alpha}#wiki-pages-alpha"
    assert links["Old part"] == f"{alpha}#wiki-pages-alpha-part"
    assert "Old missing" not in links  # a redirect to nowhere is a red link


def test_a_redirects_old_address_forwards_to_the_target_section(built):
    src, html = built
    site = site_of(src)
    for title, fragment in (
        ("Old alpha", "wiki-pages-alpha"),
        ("Old part", "wiki-pages-alpha-part"),
    ):
        page = soup(html, redirect_docname(src, title) + ".html")
        (refresh,) = page.head.select('meta[http-equiv="refresh"]')
        delay, url = refresh["content"].split("; url=")
        assert delay == "0" and url == f"Alpha.html#{fragment}", title
        # the address exists: the section is in the target page
        assert soup(html, docname_of(site, "Alpha") + ".html").find(id=fragment) is not None
        # the target is the canonical address, and the page links there for a reader
        canonical = page.head.select_one('link[rel="canonical"]')["href"]
        assert canonical == BASE_URL + docname_of(site, "Alpha") + ".html"
        assert page.select_one(".wiki-redirect a")["href"] == url
    missing = soup(html, redirect_docname(src, "Old missing") + ".html")
    assert not missing.select('meta[http-equiv="refresh"]')
    assert "a page the wiki does not have" in missing.select_one(".wiki-redirect").get_text()


@pytest.fixture(scope="module")
def base_url(built) -> Iterator[str]:
    with serve(built[1]) as address:
        yield address


def test_opening_a_redirect_in_a_browser_lands_on_the_target_section(built, base_url):
    src, _ = built
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)")
    alpha = docname_of(site_of(src), "Alpha") + ".html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)
            for title, fragment in (("Old part", "wiki-pages-alpha-part"), ("Old alpha", "")):
                page.goto(base_url + redirect_docname(src, title) + ".html")
                page.wait_for_url(f"**/{alpha}#*")
                page.wait_for_load_state("load")
                assert page.url == f"{base_url}{alpha}#{fragment or 'wiki-pages-alpha'}"
                if fragment:  # scrolled to the section: its heading at the top of the window
                    # (in the top third of the 900-pixel window: where the browser stops
                    # depends on the fonts it has and when they load; CI saw 123 and 165 px)
                    heading = page.locator(f"[id='{fragment}'] h2").bounding_box()
                    assert heading is not None and 0 <= heading["y"] < 300, heading
                    assert page.evaluate("scrollY") > 0
        finally:
            browser.close()


# --- a site that travels -------------------------------------------------------------------


def test_the_sitemap_lists_every_page_and_nothing_else(built):
    src, html = built
    site = site_of(src)
    locations = [loc.text for loc in ET.parse(html / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")]
    expected = {BASE_URL + e.docname + ".html" for e in site.pages.values()}
    expected |= {BASE_URL + d + ".html" for d in site.special.values()}
    expected.discard(BASE_URL + "index.html")
    expected.add(BASE_URL + "index.html")
    assert sorted(locations) == sorted(expected)  # each once; no redirect, search or 404


def test_a_pages_card_is_its_first_paragraph_and_its_first_image(built):
    src, html = built
    page = soup(html, docname_of(site_of(src), "Alpha") + ".html")

    def meta(name: str) -> str:
        tag = page.head.select_one(f'meta[property="{name}"]') or page.head.select_one(
            f'meta[name="{name}"]'
        )
        assert tag is not None, name
        return tag["content"]

    paragraphs = [
        " ".join(p.get_text().split())
        for p in page.select("article section > p")
        if not p.find_parent("figure")
    ]
    assert paragraphs[0] == FIRST_PARAGRAPH
    # the lead of the page: its paragraphs before the first heading
    assert meta("og:description") == f"{FIRST_PARAGRAPH} A second paragraph."
    assert meta("description") == meta("og:description")
    assert meta("og:title") == "Alpha"
    assert meta("og:url") == BASE_URL + docname_of(site_of(src), "Alpha") + ".html"
    image = meta("og:image")
    assert image.startswith(BASE_URL + "_images/") and image.endswith(".png")
    assert (html / image.removeprefix(BASE_URL)).is_file()
    assert meta("og:image:alt") == "A red box"
    # a page without an image has no image in its card
    assert page.head.select('meta[property="og:image"]')
    assert not soup(html, "index.html").head.select('meta[property="og:image"]')


def test_a_404_page_with_addresses_from_the_site_root(built):
    _, html = built
    page = soup(html, "404.html")
    assert page.select_one("article h1").get_text() == "Page not found"
    assert page.select_one("article a")["href"] == "/site/"
    styles = [link["href"] for link in page.head.select('link[rel="stylesheet"]')]
    assert styles and all(href.startswith("/site/_static/") for href in styles)


def test_without_a_base_url_there_is_no_sitemap_and_no_warning(built, tmp_path: Path):
    src, _ = built
    sphinx_html(src, tmp_path / "html")  # -W: sphinx-sitemap's warning is not given
    assert not (tmp_path / "html" / "sitemap.xml").exists()
    assert (tmp_path / "html" / "404.html").is_file()
    page = soup(tmp_path / "html", "index.html")
    assert not page.head.select('link[rel="canonical"]')


# --- the wiki's own addresses (wiki_article_path) ---------------------------------------------


@pytest.fixture(scope="module")
def with_wiki_addresses(built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    src, _ = built
    html = tmp_path_factory.mktemp("wiki-addresses") / "html"
    sphinx_html(src, html, "-D", "wiki_article_path=wiki/", "-D", f"html_baseurl={BASE_URL}")
    return html


def test_the_wikis_own_addresses_forward_when_asked(built, with_wiki_addresses: Path):
    src, default = built
    assert not (default / "wiki").exists()  # off by default
    site = site_of(src)
    html = with_wiki_addresses
    expected = {
        "wiki/Alpha/index.html": "../../pages/Alpha.html",
        "wiki/Main_Page/index.html": "../../index.html",
        "wiki/Category:Things/index.html": "../../categories/Things.html",
        "wiki/Old_part/index.html": "../../pages/Alpha.html#wiki-pages-alpha-part",
        "wiki/Old_alpha/index.html": "../../pages/Alpha.html#wiki-pages-alpha",
    }
    # every page of the site has its address: the file's page too
    file_page = docname_of(site, "File:Red box.png")
    expected["wiki/File:Red_box.png/index.html"] = f"../../{file_page}.html"
    assert set(site.pages) == {"Main Page", "Alpha", "Category:Things", "File:Red box.png"}
    written = {p.relative_to(html).as_posix() for p in (html / "wiki").rglob("*.html")}
    assert written == set(expected)  # the redirect to nowhere forwards nowhere
    for path, target in expected.items():
        page = soup(html, path)
        (refresh,) = page.head.select('meta[http-equiv="refresh"]')
        assert refresh["content"] == f"0; url={target}", path
        assert page.select_one("body a")["href"] == target
        canonical = page.head.select_one('link[rel="canonical"]')["href"]
        assert canonical == BASE_URL + target.removeprefix("../../").split("#")[0]


def test_a_wiki_address_in_a_browser_lands_on_the_page(with_wiki_addresses: Path):
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)
            with serve(with_wiki_addresses) as root:
                # as the wiki wrote its addresses: /wiki/Title (the host adds the slash)
                page.goto(root + "wiki/Old_part")
                page.wait_for_url("**/pages/Alpha.html#*")
                assert page.url == f"{root}pages/Alpha.html#wiki-pages-alpha-part"
                page.goto(root + "wiki/Category:Things/")
                page.wait_for_url("**/categories/Things.html")
        finally:
            browser.close()


def test_forwarding_files_have_safe_names():
    from mw2sphinx.wikipaths import forwarding_path, valid_prefix

    assert forwarding_path("wiki/", "A b/C") == "wiki/A_b/C/index.html"
    assert forwarding_path("wiki/", "Category:X") == "wiki/Category:X/index.html"
    for title in ("../etc", "A/../../b", ".hidden", "A/", "a\x00b", "x" * 300, "50%"):
        assert forwarding_path("wiki/", title) is None, title
    assert valid_prefix("wiki/") and valid_prefix("w/index.php/")
    assert not any(map(valid_prefix, ["/wiki/", "wiki", "../x/", "", "a//b/"]))
