"""Internal links found as MediaWiki finds them (wikilinks.py), and the title rules they use."""

from __future__ import annotations

import pytest
from mw2sphinx import titles as t
from mw2sphinx.model import SiteInfo
from mw2sphinx.wikilinks import mark_internal_links

SITE = SiteInfo(
    name="Test Wiki",
    main_page="Main Page",
    interwiki={
        "local": "https://test.example/wiki/$1",
        "meatball": "http://www.usemod.com/cgi-bin/mb.pl?$1",
        "es": "http://es.wikipedia.org/wiki/$1",
        "mul": "http://wikisource.org/wiki/$1",
    },
    local_interwiki=("local",),
    extra_language_prefixes=("mul",),
)
NAMESPACES = t.Namespaces(SITE)


def links(text: str) -> str:
    return mark_internal_links(text, namespaces=NAMESPACES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[Foo]] and [[foo|bar]]s", "[[Foo]] and [[foo|bar]]s"),
        # not a title: the brackets are text
        ("[[foo~~~bar]]", "&#91;[foo~~~bar]]"),
        ("[[7%2525 x]]", "&#91;[7%2525 x]]"),
        ("[[%3c%23]]", "&#91;[%3c%23]]"),
        ("[[::Foo]]", "&#91;[::Foo]]"),
        ("[[ Foo\nBar]]", "&#91;[ Foo\nBar]]"),
        ("[[Foo|]]", "&#91;[Foo|]]"),  # the pipe trick is a pre-save transform
        # a URL in double brackets is an external link in brackets
        ("[[http://x.example/ y]]", "&#91;[http://x.example/ y]]"),
        ("[[//x.example/]]", "&#91;[//x.example/]]"),
        # a "[" after the text "[[" must not open a link with it
        ("[[[Foo]]]", "&#91;&#91;[Foo]]]"),
        ("[[[[Foo]]]]", "&#91;&#91;[[Foo]]]]"),
        # the text of a link is not read for links; its brackets are text (T4095)
        ("[[Foo|[http://x.example/ y]]]", "[[Foo|&#91;http://x.example/ y&#93;]]"),
        ("[[Foo|[http://x.example/ y]]", "[[Foo|&#91;http://x.example/ y]]"),
        # braces in a link's text are text: templates are expanded already
        ("{{1x|[[Foo|}}]]", "{{1x|[[Foo|&#125;&#125;]]"),
        # a link in a link's text: the outer one is text
        ("[[Hi|[[Ho]]]]", "&#91;[Hi|[[Ho]]]]"),
        # %-escapes decoded in the target, the text as typed
        ("[[7%25 x|7%25 x]]", "[[7% x|7%25 x]]"),
        ("[[7%25 x]]", "[[7% x|7% x]]"),
        ("[[:Foo%20bar]]", "[[:Foo bar|Foo bar]]"),
        # images, categories and interlanguage links are left as written
        ("[[File:A.png|a [[Foo]] b]]c", "[[File:A.png|a [[Foo]] b]]c"),
        ("[[File:A.png|a [[Foo|x]] [[Bar]] b]]", "[[File:A.png|a [[Foo|x]] [[Bar]] b]]"),
        ("[[File:A.png|a [[Foo]] b", "&#91;[File:A.png|a [[Foo]] b"),
        # ... their target decoded
        ("[[File:7%25 x.gif|[[7%25 x]]]]", "[[File:7% x.gif|[[7% x|7% x]]]]"),
        ("[[File:7%25 x.gif]]", "[[File:7% x.gif]]"),
        ("[[Category:X|[sort]]]", "[[Category:X|[sort]]]"),
        ("[[es:Foo]] [[mul:Bar]]", "[[es:Foo]] [[mul:Bar]]"),
        # ... unless a local prefix or a colon makes them links
        ("[[local:es:Foo]]", "[[local:es:Foo]]"),
        ("[[local:Category:X|[y]]]", "[[local:Category:X|&#91;y&#93;]]"),
        ("[[:Category:X|[y]]]", "[[:Category:X|&#91;y&#93;]]"),
    ],
)
def test_links_as_mediawiki_finds_them(text: str, expected: str) -> None:
    assert links(text) == expected


def test_what_mediawiki_took_out_is_not_read_but_a_refs_text_is() -> None:
    assert links("<nowiki>[[Foo|[x]]]</nowiki>") == "<nowiki>[[Foo|[x]]]</nowiki>"
    assert links("<!-- [[Foo|[x]]] -->") == "<!-- [[Foo|[x]]] -->"
    assert links("a<ref>[[Foo|[x]]]</ref>") == "a<ref>[[Foo|&#91;x&#93;]]</ref>"
    # the content of a tag is no title: a link around it is text
    assert links("[[Main<pre> Page</pre>]]") == "&#91;[Main<pre> Page</pre>]]"
    # a link holds no block here: it ends where a <pre> in its text starts
    assert links("[[Foo|the <pre>[x]</pre>]]s") == "[[Foo|the ]]<pre>[x]</pre>s"


@pytest.mark.parametrize(
    "raw", ["foo~~~bar", "7%25 x", "AT&foo;x", "::Foo", "Talk::Foo", "foo/..", "x[y", "1x\nfoo"]
)
def test_titles_mediawiki_refuses(raw: str) -> None:
    assert NAMESPACES.parse(raw) is None


def test_interwiki_prefix_rules() -> None:
    # a colon after an interwiki prefix only starts the title in the main namespace
    assert NAMESPACES.parse("meatball::Category:Hello").text == "Category:Hello"
    # a local prefix alone is the Main Page; a local prefix makes no interlanguage link
    main = NAMESPACES.parse("local:")
    assert (main.full, main.via_local) == ("Main Page", True)
    spanish = NAMESPACES.parse("local:es:Spanish")
    assert (spanish.interwiki, spanish.via_local) == ("es", True)
    assert NAMESPACES.languages == {"es", "mul"}
    # an interwiki link with no title leads to the wiki, without an empty query (T4372)
    assert NAMESPACES.interwiki_url("meatball", "") == "http://www.usemod.com/cgi-bin/mb.pl"
    assert t.interwiki_url("wikipedia", "") == "https://en.wikipedia.org/wiki/"
