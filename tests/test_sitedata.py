"""The site data (_wiki/site.json): what links here, addresses on the live wiki, round trips."""

from __future__ import annotations

import json

from mw2sphinx.sitedata import (
    Backlink,
    LanguageLink,
    PageEntry,
    SiteData,
    article_docnames,
    edit_url,
    page_url,
)


def site(**links_and_transclusions: tuple[tuple[str, ...], tuple[str, ...]]) -> SiteData:
    pages = {
        title: PageEntry(title, f"pages/{title}", links=links, transcludes=transcludes)
        for title, (links, transcludes) in links_and_transclusions.items()
    }
    return SiteData(name="Test", pages=pages)


def test_what_links_here_inverts_links_and_transclusions():
    data = site(
        A=(("B", "C"), ()),
        B=(("C",), ("C",)),  # links and transcludes: listed once, as a link
        C=((), ("D",)),  # transcludes only
        D=(("D", "Missing"), ()),  # a link to itself is not listed
    )
    assert data.what_links_here() == {
        "B": (Backlink("A", "pages/A", link=True),),
        "C": (
            Backlink("A", "pages/A", link=True),
            Backlink("B", "pages/B", link=True, transclusion=True),
        ),
        "D": (Backlink("C", "pages/C", transclusion=True),),
    }


def test_what_links_here_is_sorted_as_a_reader_expects():
    data = site(b=(("Z",), ()), A=(("Z",), ()), C=(("Z",), ()), Z=((), ()))
    assert [b.title for b in data.what_links_here()["Z"]] == ["A", "b", "C"]


FRENCH = LanguageLink("fr", "fr", "Français", "Fruit", "https://fr.example/wiki/Fruit")


def test_site_data_round_trips_through_json():
    data = SiteData(
        name="Wiki",
        article_url="https://w.example/wiki/$1",
        main_page="Start",
        pages={
            "Start": PageEntry("Start", "index", 0, 7, "2026-01-30T12:00:00Z", ("B", "A"), ()),
            "Category:X": PageEntry("Category:X", "categories/X", 14, generated=True),
            "Fruit": PageEntry("Fruit", "pages/Fruit", languages=(FRENCH,)),
        },
        special={"random": "special/random"},
    )
    text = data.to_json()
    assert json.loads(text)["pages"]["Start"]["links"] == ["A", "B"]  # sorted: deterministic
    again = SiteData.from_json(json.loads(text))
    assert again.pages["Start"].links == ("A", "B")
    assert again.pages["Category:X"].generated
    assert again.pages["Fruit"].languages == (FRENCH,)
    assert "languages" not in json.loads(text)["pages"]["Start"]  # none: not written
    assert again.special == data.special
    assert again.to_json() == text


def test_page_and_edit_urls_encode_titles_as_mediawiki_does():
    article = "https://w.example/wiki/$1"
    assert page_url(article, "Mechanistic Interpretability for AI Safety -- A Review") == (
        "https://w.example/wiki/Mechanistic_Interpretability_for_AI_Safety_--_A_Review"
    )
    assert page_url(article, "Locate, Steer: A?B&C#D") == (
        "https://w.example/wiki/Locate,_Steer:_A%3FB%26C%23D"
    )
    assert page_url(article, "Ünïcode") == "https://w.example/wiki/%C3%9Cn%C3%AFcode"
    assert edit_url(article, "A b") == "https://w.example/wiki/A_b?action=edit"
    assert edit_url("https://w.example/index.php?title=$1", "A b") == (
        "https://w.example/index.php?title=A_b&action=edit"
    )
    pattern = "https://w.example/w/index.php?title=$1&action=edit"
    assert edit_url(article, "A b", edit_pattern=pattern) == (
        "https://w.example/w/index.php?title=A_b&action=edit"
    )
    assert page_url("", "A") == "" and edit_url("", "A") == ""


def test_articles_are_the_main_namespace_pages_the_build_has():
    data = SiteData(
        pages={
            "Main Page": PageEntry("Main Page", "index"),
            "B": PageEntry("B", "pages/B"),
            "Gone": PageEntry("Gone", "pages/Gone"),
            "Category:C": PageEntry("Category:C", "categories/C", namespace=14),
        }
    )
    found = {"index", "pages/B", "categories/C", "special/random"}
    assert article_docnames(data, found) == ["index", "pages/B"]


def test_one_rule_for_titles_in_urls():
    # wfUrlencode: ;@$!*(),/~: stay, the apostrophe, & and ? do not
    from mw2sphinx import titles as t
    from mw2sphinx.expand import expand_page
    from mw2sphinx.model import Page, SiteInfo, Wiki

    title = "Rock 'n' Roll (band)/A;B & C?"
    encoded = "Rock_%27n%27_Roll_(band)/A;B_%26_C%3F"
    assert t.url_title(title) == encoded
    assert page_url("https://w.example/wiki/$1", title) == f"https://w.example/wiki/{encoded}"
    interwiki = t.interwiki_url("wikipedia", title, "Early years")
    assert interwiki == f"https://en.wikipedia.org/wiki/{encoded}#Early_years"
    site = SiteInfo(name="W", article_url="https://w.example/wiki/$1")
    namespaces = t.Namespaces(site)
    wiki = Wiki(site=site, pages={title: Page(title, 0, "")})
    text = "{{PAGENAMEE}} {{fullurl:" + title + "}}"
    expanded = expand_page(text, wiki=wiki, title=namespaces.page(title), namespaces=namespaces)
    assert expanded.text == f"{encoded} https://w.example/wiki/{encoded}"
