"""MediaWiki's parser tests through the converter (tests/conformance.py), as a ratchet.

The whole judged suite (about 1,400 cases) is converted as one wiki and built with
``sphinx-build -W -n --keep-going``; the test fails when a case listed in
``conformance_passing.txt`` no longer comes through whole, or when a case not listed in
``conformance_warnings.txt`` gives a Sphinx warning or crashes the converter. After a fix,
``python tests/conformance.py --update`` rewrites both lists (check the diff: cases may only
join the passing list and leave the warning list).
"""

from __future__ import annotations

import conformance
import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not conformance.PARSER_TESTS.is_dir(), reason="MediaWiki's parser tests are not there"
    ),
]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("conformance")


@pytest.fixture(scope="module")
def results(out) -> dict:
    data = conformance.run(out=out)
    return {entry["case"]: entry for entry in data["results"]}


def test_every_case_goes_into_a_clean_epub_and_pdf(results: dict, out) -> None:
    # epubcheck and latexmk on the whole suite: the books of any wiki are clean
    assert conformance.books(out) == []


def test_every_listed_case_exists(results: dict) -> None:
    listed = conformance.load_list(conformance.PASSING) | conformance.load_list(
        conformance.WARNINGS
    )
    assert listed - set(results) == set(), "listed cases the suite no longer has"
    assert set(conformance.load_known()) - set(results) == set()


def test_passing_cases_still_pass(results: dict) -> None:
    regressed = {
        name: {k: results[name].get(k) for k in ("recall", "links", "redlinks", "external",
                                                 "headings", "missing", "sphinx_warnings")}
        for name in sorted(conformance.load_list(conformance.PASSING))
        if name in results and not (results[name]["whole"] and not results[name]["sphinx_warnings"])
    }  # fmt: skip
    assert regressed == {}


def test_no_new_sphinx_warnings_or_crashes(results: dict) -> None:
    allowed = conformance.load_list(conformance.WARNINGS)
    new = {
        name: entry["crash"] or entry["sphinx_warnings"]
        for name, entry in sorted(results.items())
        if (entry["sphinx_warnings"] or entry["crash"]) and name not in allowed
    }
    assert new == {}


def test_options_and_left_out_cases() -> None:
    """The options parser and the reasons for leaving cases out, on the forms the files use."""
    options = conformance.parse_options(
        'parsoid={\n "modes": ["wt2html"]\n}\ntitle=[[Foo bar]] language=is cat\n'
        "thumbsize=100 parsoid-compatible=wt2html,wt2wt"
    )
    assert options == {
        "parsoid": '{\n "modes": ["wt2html"]\n}',
        "title": "Foo bar",
        "language": "is",
        "cat": True,
        "thumbsize": "100",
        "parsoid-compatible": ["wt2html", "wt2wt"],
    }
    case = conformance.Case("x.txt", "n", 1, {}, {"wikitext": "a", "html/php": "<p>a</p>"})
    assert conformance.left_out(case) is None
    assert (
        conformance.left_out(conformance.Case("x.txt", "n", 1, {"pst": True}, case.sections))
        == "special-mode"
    )
    assert (
        conformance.left_out(
            conformance.Case("x.txt", "n", 1, {}, {"wikitext": "a", "html/parsoid": "<p>a</p>"})
        )
        == "parsoid-only"
    )
    assert (
        conformance.left_out(
            conformance.Case("x.txt", "n", 1, {}, {"wikitext": "<tag>a</tag>", "html": "x"})
        )
        == "hook"
    )


def test_harness_settings_and_protocol_relative_links() -> None:
    """The harness's magic links are on; a case that sets up its own interwiki prefix is
    per-case configuration; a protocol-relative link is compared as the https link the
    converted site makes of it (vocabulary.safe_url)."""
    sections = {"wikitext": "[[pmid:1|x]]", "html/php": "<p>x</p>"}
    case = conformance.Case("x.txt", "n", 1, {"pmid-interwiki": True}, sections)
    assert conformance.left_out(case) == "config"
    assert set(conformance.HARNESS_MAGIC_LINKS) == {"ISBN", "PMID", "RFC"}
    assert conformance._external("//example.com/a%20b/") == "https://example.com/a b"
    assert conformance._external("http://example.com/") == "http://example.com"
    assert conformance._external("HttP://MediaWiki.Org/") == "http://MediaWiki.Org"


def test_what_a_reader_sees_of_an_image() -> None:
    """A plain or frameless figure's caption is hidden by MediaWiki's CSS: its words count
    as the image's alt text; a thumbnail's caption is text. Alt text counts as alt text on
    both sides, and a file linked to a web address is an external link."""
    from mw2sphinx import titles as t
    from mw2sphinx.model import SiteInfo

    namespaces = t.Namespaces(SiteInfo(name="W", article_url="http://example.org/wiki/$1"))
    html = (
        '<figure typeof="mw:File"><a href="http://example.com/" rel="nofollow">'
        '<img alt="Hidden words" src="x.jpg"></a><figcaption>Hidden words</figcaption></figure>'
        '<figure typeof="mw:File/Thumb"><a href="/wiki/File:X.jpg"><img src="x.jpg"></a>'
        "<figcaption>Shown words</figcaption></figure>"
    )
    seen = conformance.expected_seen(html, namespaces, set(), {})
    assert dict(seen.extract.words) == {"alt:hidden": 1, "alt:words": 1, "shown": 1, "words": 1}
    assert dict(seen.external) == {"http://example.com": 1}
    ours = conformance.built_seen(
        '<article role="main"><p><img alt="Hidden words" src="x.jpg"/> Shown words</p></article>',
        docname="pages/X",
        titles={},
    )
    assert conformance.score(seen, ours).recall == 1.0
    alt_only = conformance.built_seen(
        '<article role="main"><p><img alt="Hidden words Shown words" src="x.jpg"/></p></article>',
        docname="pages/X",
        titles={},
    )
    assert conformance.score(seen, alt_only).recall == 0.5  # a caption must be seen
