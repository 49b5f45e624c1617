"""``[[File:…]]`` options and the bad image list as MediaWiki reads them (mw2sphinx.files)."""

from __future__ import annotations

from mw2sphinx import titles as t
from mw2sphinx.files import link_option, parse_options
from mw2sphinx.model import SiteInfo

NAMESPACES = t.Namespaces(SiteInfo(name="W", article_url="https://w.example/wiki/$1"))


def is_title(text: str) -> bool:
    return NAMESPACES.parse(text) is not None


def test_link_option_reads_a_title_a_url_or_nothing() -> None:
    assert link_option("", is_title) == ""
    assert link_option("http://example.org/a", is_title) == "http://example.org/a"
    assert link_option("http://example.org/a b", is_title) is None  # not all URL
    assert link_option("Test%22123", is_title) == 'Test"123'  # decoded once
    assert link_option("Test%2522", is_title) is None  # Test%22 is no title
    assert link_option("<", is_title) is None
    assert link_option("''Main Page''", is_title) == "Main Page"
    assert link_option("Foo<nowiki>''s</nowiki>", is_title) == "Foo''s"
    assert link_option("[[wikipedia:Foo]]", is_title) == "wikipedia:Foo"


def test_options_are_case_sensitive_and_the_first_format_wins() -> None:
    use = parse_options("File:X.png", ["Thumb", "frame", "thumb", "Left"], is_title=is_title)
    assert (use.format, use.align, use.caption) == ("frame", "", "Left")
    use = parse_options("File:X.png", ["thumbnail=Y.png", "thumb", "left", "right"])
    assert (use.format, use.manual_thumb, use.align, use.caption) == (
        "thumb",
        "Y.png",
        "left",
        "thumb",
    )
    use = parse_options("File:X.png", ["link=<", "border"], is_title=is_title)
    assert (use.link, use.caption, use.format) == (None, "link=<", "border")


def test_a_pipe_in_an_extension_tag_or_a_comment_splits_no_option() -> None:
    from mw2sphinx.convert import split_options

    assert split_options('thumb|Test <nowiki bogus="a|b"/> 1') == [
        "thumb",
        'Test <nowiki bogus="a|b"/> 1',
    ]
    assert split_options("a<!-- b|c -->|<nowiki>d|e</nowiki>|[[f|g]]") == [
        "a<!-- b|c -->",
        "<nowiki>d|e</nowiki>",
        "[[f|g]]",
    ]
