"""Malformed or unsupported markup converts anyway, with typed warnings naming page and line."""

from __future__ import annotations

import json

import pytest
from mw2sphinx import titles as t
from mw2sphinx.convert import convert_wiki
from mw2sphinx.model import Page, SiteInfo, Wiki
from mw2sphinx.report import MEANINGS, Kind, Report, WikiWarning

SITE = SiteInfo(name="Warning Wiki")


def warnings_of(text: str, pages: dict[str, str] | None = None):
    namespaces = t.Namespaces(SITE)
    all_pages = {"Subject": Page("Subject", 0, text)}
    for title, body in (pages or {}).items():
        parsed = namespaces.title(title)
        all_pages[parsed.full] = Page(parsed.full, parsed.namespace, body)
    converted, _ = convert_wiki(Wiki(site=SITE, pages=all_pages), namespaces=namespaces)
    page = next(p for p in converted if p.title.full == "Subject")
    return page, [(w.kind, w.line) for w in page.warnings]


def test_unknown_template_is_a_typed_warning_with_its_line():
    page, warnings = warnings_of("Intro.\n\n{{Nowhere}}\n")
    assert ("template-unknown", 3) in warnings
    assert "[Template:Nowhere]{.wiki-redlink .wiki-missing-template}" in page.markdown


def test_template_loop_is_cut_with_a_warning():
    _page, warnings = warnings_of("{{Self}}", {"Template:Self": "a {{Self}} b"})
    assert any(kind == "template-loop" for kind, _ in warnings)


def test_pandoc_failure_is_recovered_and_counted():
    page, warnings = warnings_of("Intro.\n\n{|\n| cell one || cell two\n")
    assert page.recovered
    assert ("markup", 3) in warnings  # where the table that is never closed starts
    assert "cell one" in page.markdown and "cell two" in page.markdown


def test_ref_without_text_and_unused_ref_are_warned():
    _page, warnings = warnings_of(
        'A.<ref name="x" />\n<references>\n<ref name="unused">U</ref>\n</references>\n'
    )
    kinds = [kind for kind, _ in warnings]
    assert kinds.count("ref") == 2


def test_disallowed_html_is_shown_as_text_with_a_warning():
    page, warnings = warnings_of("Safe.\n<script>alert(1)</script>\n")
    assert ("html", 2) in warnings
    assert "<script" not in page.markdown.replace("\\<", "")


def test_langconvert_text_is_shown_as_written_with_a_warning():
    # MediaWiki converts it into the other variant (zdravo -> здраво); there is no variant
    # converter here, so the text stays, the tags go, and the report says so.
    page, warnings = warnings_of(
        'Intro.\n\n<langconvert from="sr-latn" to="sr-cyrl">zdravo</langconvert> x'
    )
    assert ("variant", 3) in warnings
    assert "zdravo x" in page.markdown and "langconvert" not in page.markdown


def test_empty_langconvert_is_nothing_and_no_warning():
    page, warnings = warnings_of('x<langconvert from="crh-latn" to="crh-cyrl"/>x')
    assert "xx" in page.markdown and "langconvert" not in page.markdown
    assert not any(kind in ("variant", "html") for kind, _ in warnings)


def test_unsupported_parser_function_is_a_placeholder_and_a_warning():
    page, warnings = warnings_of("{{#invoke:Module|main}}")
    assert ("parser-function", 1) in warnings
    assert "wiki-missing-template" in page.markdown


def test_warning_kinds_are_the_enum_and_the_report_says_what_each_means():
    assert set(MEANINGS) == set(Kind)
    with pytest.raises(ValueError):
        WikiWarning("Page", None, "no-such-kind", "a typo in a kind")  # type: ignore[arg-type]
    read_back = WikiWarning("Page", 3, "ref", "from report.json")  # type: ignore[arg-type]
    assert read_back.kind is Kind.REF and str(read_back) == "Page:3: from report.json [wiki.ref]"
    report = Report()
    report.extend([read_back, WikiWarning("Page", None, Kind.LINK, "a link")])
    data = json.loads(report.to_json())
    assert data["warnings_by_kind"] == {"link": 1, "ref": 1}
    assert data["kinds"] == {"link": MEANINGS[Kind.LINK], "ref": MEANINGS[Kind.REF]}


def test_a_tag_mediawiki_allows_is_not_shown_as_text():
    # one list of the tags MediaWiki allows, for the convert stage and the MyST writer
    page, kinds = warnings_of("a <ruby>b<rtc>d</rtc></ruby> e")
    assert [kind for kind, _ in kinds if kind == "html"] == []
    assert page.markdown == "a [b[d]{.wiki-rtc}]{.wiki-ruby} e\n"  # ruby (sphinxext.RubyText)


def test_a_named_ref_in_a_group_keeps_its_text():
    # issue 12's <ref group="g" name="a">…</ref>, in every way a page defines and cites it
    pages = {"Template:Note": '<ref group="{{{g}}}" name="{{{n}}}">{{{1}}}</ref>'}
    for text, citations in (
        ('x<ref group="g" name="a">The text.</ref> y<ref group="g" name="a" />\n'
         '<references group="g" />', 2),
        ('x<ref name="a" group="g" /> y<ref group="g" name="a">The text.</ref>', 2),
        ('x<ref group="g" name="a" />\n<references group="g"><ref name="a">The text.</ref>'
         "</references>", 1),
        ("x{{Note|The text.|g=g|n=a}} y<ref group=g name=a/>", 2),
        ("x{{#tag:ref|The text.|group=g|name=a}} y<ref group=g name=a/>", 2),
    ):  # fmt: skip
        page, kinds = warnings_of(text, pages)
        assert kinds == [], (text, [str(w) for w in page.warnings])
        assert page.markdown.count("[^ref-1]") == citations + 1, (text, page.markdown)
        assert "[^ref-1]: The text." in page.markdown and "[^ref-2]" not in page.markdown
