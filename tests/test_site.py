"""A small fixture wiki of our own, converted and built with sphinx.testing: no warnings."""

from __future__ import annotations

import html as html_lib
import json
import re

import pytest
from wikis import FIXTURES, convert, sphinx_build, unpack


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("small")
    source = unpack(FIXTURES / "small-wiki.bundle", root / "wiki")
    assert convert(source, root / "src", "--site-name", "Small Wiki") == 0
    warnings, html = sphinx_build(root / "src", root / "build")
    return root / "src", html, warnings


def read(html, name):
    return (html / name).read_text("utf-8")


def test_builds_without_warnings(small_site):
    _src, _html, warnings = small_site
    assert warnings == ""


def test_every_page_is_on_the_site(small_site):
    src, html, _ = small_site
    site = json.loads((src / "_wiki" / "site.json").read_text("utf-8"))
    assert site["name"] == "Small Wiki"
    assert set(site["pages"]) == {
        "Main Page", "Category:Food", "Category:Plants", "Fruit", "Vegetable", "Orphan",
    }  # fmt: skip
    for page in site["pages"].values():
        assert (html / (page["docname"] + ".html")).is_file()


def test_home_page_is_the_main_page_with_the_site_name(small_site):
    _src, html, _ = small_site
    index = read(html, "index.html")
    assert "<title>Main Page - Small Wiki</title>" in index or "<title>Small Wiki" in index
    assert "Welcome to Small Wiki!" in index


def test_red_links_are_not_links(small_site):
    _src, html, _ = small_site
    index = read(html, "index.html")
    # Drinks has no page and no members; Bread is a missing page that Food transcludes.
    assert '<span class="wiki-redlink" title="Page does not exist">Nuts</span>' in index
    assert '<span class="wiki-redlink" title="Page does not exist">Drinks</span>' in index
    food = read(html, "categories/Food.html")
    assert '<span class="wiki-redlink" title="Page does not exist">Bread</span>' in food


def test_named_ref_is_one_footnote_cited_twice(small_site):
    _src, html, _ = small_site
    index = read(html, "index.html")
    assert index.count('class="footnote brackets"') == 1
    assert index.count('class="footnote-reference brackets"') == 2
    vegetable = read(html, "pages/Vegetable.html")
    # Listed at the end although the page has no <references />.
    assert "About vegetables." in vegetable
    assert vegetable.count('class="footnote-reference brackets"') == 2


def test_category_pages_list_members_and_subcategories(small_site):
    _src, html, _ = small_site
    food = read(html, "categories/Food.html")
    assert "Things to eat." in food
    assert "Pages in category “Food”" in food
    assert re.search(r'href="\.\./pages/Fruit\.html"', food)
    assert re.search(r'href="Plants\.html"', food)  # a subcategory
    fruit = read(html, "pages/Fruit.html")
    assert 'class="wiki-categories' in fruit


def test_section_links_and_external_links(small_site):
    _src, html, _ = small_site
    fruit = read(html, "pages/Fruit.html")
    assert re.search(r'href="Vegetable\.html#wiki-pages-vegetable-kinds"', fruit)
    assert 'href="https://example.org"' in fruit
    # Sphinx cloaks e-mail addresses as character references.
    assert 'href="mailto:fruit%40example.org"' in html_lib.unescape(fruit)


def test_wiki_text_that_looks_like_myst_stays_text(small_site):
    _src, html, _ = small_site
    orphan = read(html, "pages/Orphan.html")
    assert "{doc}`index`" in orphan.replace("&#96;", "`")


def test_uncategorized_pages_are_reachable(small_site):
    _src, html, _ = small_site
    special = read(html, "special/uncategorized.html")
    assert "Orphan.html" in special


def test_a_ref_in_an_image_caption_is_a_footnote(tmp_path):
    from mw2sphinx.model import SiteInfo, WikiFile
    from mw2sphinx.sources.snapshot import MANIFEST, Manifest, manifest_to_json

    wiki = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    (wiki / "file").mkdir()
    (wiki / "file" / "Example.png").write_bytes((FIXTURES / "files" / "Example.png").read_bytes())
    with (wiki / "misc" / "Orphan.mediawiki").open("a", encoding="utf-8") as page:
        page.write("\nA<ref>First.</ref>\n\n[[File:Example.png|thumb|A box.<ref>Drawn.</ref>]]\n")
    files = {"File:Example.png": WikiFile("File:Example.png", path="file/Example.png")}
    manifest = Manifest("https://small.example/w/api.php", "2026-01-01T00:00:00Z",
                        SiteInfo(name="Small Wiki"), pages={}, files=files)  # fmt: skip
    (wiki / MANIFEST).write_text(manifest_to_json(manifest), "utf-8")
    assert convert(wiki, tmp_path / "src") == 0
    warnings, html = sphinx_build(tmp_path / "src", tmp_path / "build")
    assert warnings == ""
    orphan = read(html, "pages/Orphan.html")
    caption = re.search(r"<figcaption>(.*?)</figcaption>", orphan, re.DOTALL)
    assert caption and 'class="footnote-reference brackets"' in caption.group(1), orphan
    assert "(Drawn.)" not in orphan and orphan.count('class="footnote brackets"') == 2
