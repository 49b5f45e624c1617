"""The sidebar's navigation: the whole tree for a small wiki, the page's branch for a large one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mw2sphinx.navigation import read_navigation, render
from test_sphinxext import build, small_source

TITLES = {
    d: d.split("/")[-1].title() for d in ["c/a", "c/b", "c/sub", "p/x", "p/y", "p/z", "s/all"]
}
# c/a lists x and y and the subcategory c/sub, which lists y and z; c/b lists nothing.
NAVIGATION = read_navigation(
    [("Categories", ["c/a", "c/b"]), ("Special pages", ["s/all"])],
    {"c/a": ["c/sub", "p/x", "p/y"], "c/sub": ["p/y", "p/z"], "p/x": []},
    TITLES,
)


def uri(docname: str) -> str:
    return "/" + docname + ".html"


def entries(html: str) -> list[tuple[int, str, str]]:
    """(level, title, classes) of every entry, in order."""
    soup = BeautifulSoup(html, "html.parser")
    return [
        (
            int(li["class"][0].removeprefix("toctree-l")),
            li.find(["a", "span"]).text,
            " ".join(li["class"][1:]),
        )
        for li in soup.find_all("li")
    ]


def test_the_tree_is_read_in_the_order_it_is_shown():
    assert NAVIGATION.branches["p/y"] == ("c/a", "c/sub", "p/y")  # its first place
    assert NAVIGATION.branches["p/z"] == ("c/a", "c/sub", "p/z")
    assert NAVIGATION.size == 8  # y is listed twice


def test_a_small_tree_is_shown_whole_with_every_place_of_the_page_current():
    html = render(NAVIGATION, "p/y", uri=uri, limit=100)
    assert entries(html) == [
        (1, "A", "current has-children"),
        (2, "Sub", "current has-children"),
        (3, "Y", "current"),
        (3, "Z", ""),
        (2, "X", ""),
        (2, "Y", "current current-page"),  # furo's: the last one
        (1, "B", ""),
        (1, "All", ""),
    ]
    soup = BeautifulSoup(html, "html.parser")
    assert [a["href"] for a in soup.select("a.current")] == ["#", "#"]
    assert [c.text for c in soup.select("p.caption")] == ["Categories", "Special pages"]
    assert len(soup.select("input.toctree-checkbox[checked]")) == 2
    assert soup.select_one('a[href="/c/b.html"]').text == "B"


def test_a_page_outside_the_tree_has_nothing_current():
    html = render(NAVIGATION, "search", uri=uri)
    assert "current" not in html
    assert len(entries(html)) == 8


def test_a_large_tree_shows_the_branch_of_the_page_each_list_cut():
    html = render(NAVIGATION, "p/z", uri=uri, limit=1)
    assert entries(html) == [
        (1, "A", "current has-children"),
        (2, "Sub", "current has-children"),
        (3, "Y", ""),
        (3, "Z", "current current-page"),  # past the cut, but on the branch
        (2, "\u2026 2 more", "wiki-navigation-more"),
        (1, "\u2026 1 more", "wiki-navigation-more"),
        (1, "All", ""),
    ]
    soup = BeautifulSoup(html, "html.parser")
    more = soup.select("li.wiki-navigation-more")
    assert more[0].a["href"] == "/c/a.html"  # the page that lists them all
    assert more[1].a is None  # the top level has no such page


def test_past_the_cut_a_long_list_shows_the_entries_on_the_branch_in_their_order():
    # a category of 5,000 pages: the page past the cut is found by its place, and the
    # entries shown are the same whatever the list's length
    pages = [f"p/{n:05}" for n in range(5000)]
    titles = {"c/a": "A", **{d: d for d in pages}}
    long = read_navigation([("", ["c/a"])], {"c/a": [*pages, pages[4321]]}, titles)
    assert long.places["c/a"][pages[4321]] == (4321, 5000)  # listed twice
    assert [e[1] for e in entries(render(long, pages[4321], uri=uri, limit=2))] == [
        "A", pages[0], pages[1], pages[4321], pages[4321], "\u2026 4,997 more",
    ]  # fmt: skip


def test_a_large_tree_opens_nothing_off_the_branch():
    html = render(NAVIGATION, "c/b", uri=uri, limit=3)
    assert entries(html) == [
        (1, "A", ""),
        (1, "B", "current current-page"),
        (1, "All", ""),
    ]


def test_a_loop_in_the_toctrees_is_cut():
    looping = read_navigation([("", ["a"])], {"a": ["b"], "b": ["a"]}, {"a": "A", "b": "B"})
    assert [e[:2] for e in entries(render(looping, "b", uri=uri))] == [(1, "A"), (2, "B"), (3, "A")]
    assert looping.branches == {"a": ("a",), "b": ("a", "b")}


def test_titles_and_addresses_are_escaped():
    odd = read_navigation([("<i>", ["a"])], {}, {"a": 'Q&A "<b>"'})
    html = render(odd, "x", uri=lambda d: 'a"b.html')
    assert "<i>" not in html and "<b>" not in html
    assert BeautifulSoup(html, "html.parser").a["href"] == 'a"b.html'


# --- in a Sphinx build -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return small_source(tmp_path_factory.mktemp("navigation"))


def sidebar(html: Path, name: str) -> str:
    text = (html / name).read_text("utf-8")
    return re.search(r'<div class="sidebar-tree">(.*?)</div>', text, re.DOTALL).group(1)


def test_the_small_wiki_has_its_whole_tree_on_every_page(source, tmp_path):
    warnings, _, html = build(source, tmp_path / "out")
    assert warnings == ""
    fruit = entries(sidebar(html, "pages/Fruit.html"))
    titles = [title for _, title, _ in fruit]
    assert titles[:4] == ["Food", "Plants", "Fruit", "Vegetable"]
    assert {"All pages", "Orphan", "Wanted pages"} <= set(titles)
    assert [c for _, title, c in fruit if title == "Fruit"] == ["current", "current current-page"]
    assert "current" not in sidebar(html, "search.html")


def test_the_404_page_has_the_navigation_from_the_site_root_and_no_second_tree(
    source, tmp_path, monkeypatch
):
    from sphinx.environment.adapters import toctree

    # sphinx-notfound-page gives the 404 page a toctree function of its own, which
    # resolves the whole site's tree; furo would call it and the navigation replace it
    whole_trees = []
    resolve = toctree.global_toctree_for_doc
    monkeypatch.setattr(
        toctree,
        "global_toctree_for_doc",
        lambda *args, **kwargs: whole_trees.append(args[1]) or resolve(*args, **kwargs),
    )
    warnings, _, html = build(source, tmp_path / "out")
    assert warnings == ""
    assert whole_trees == []
    links = BeautifulSoup(sidebar(html, "404.html"), "html.parser").select("a[href]")
    titles = {a.get_text() for a in links}
    assert {"Food", "Fruit", "All pages"} <= titles
    # served at any address, the 404 page links from the site's root
    assert all(a["href"].startswith("/") for a in links), [a["href"] for a in links]
    fruit = BeautifulSoup(sidebar(html, "pages/Fruit.html"), "html.parser")
    assert not any(a["href"].startswith("/") for a in fruit.select("a[href]"))  # relative


def test_a_large_tree_in_a_parallel_build_shows_branches(source, tmp_path):
    warnings, _, html = build(
        source, tmp_path / "out", parallel=2, confoverrides={"wiki_navigation_limit": 1}
    )
    assert warnings == ""
    vegetable = entries(sidebar(html, "pages/Vegetable.html"))
    assert vegetable[:3] == [
        (1, "Food", "current has-children"),
        (2, "Plants", "current has-children"),
        (3, "Fruit", ""),
    ]
    assert (3, "Vegetable", "current current-page") in vegetable
    assert "Orphan" not in sidebar(html, "pages/Vegetable.html")  # not on its branch
