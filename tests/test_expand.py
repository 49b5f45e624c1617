"""The expand stage, wikitext to wikitext: magic words, parser functions, transclusion."""

from __future__ import annotations

import html

import pytest
from mw2sphinx import expand, mwdata
from mw2sphinx import titles as t
from mw2sphinx.model import Page, SiteInfo, Wiki

SITE = SiteInfo(
    name="MediaWiki",
    article_url="http://example.org/wiki/$1",
    script_url="http://example.org/index.php",
    clock="1970-01-01T00:02:03Z",
)
NAMESPACES = t.Namespaces(SITE)
PAGES = {
    "Template:Foo": "FOO",
    "Template:Foo–bar": "",
    "Template:1x": "{{{1}}}",
    "Template:Raw": "''x'' * [[y]] {{z}}",
    "Template:Pipe": "Main Page{{!}}Something else",
    "MediaWiki:Greeting": "Hello $1, $2!",
}
WIKI = Wiki(
    site=SITE,
    pages={k: Page(k, NAMESPACES.title(k).namespace, v) for k, v in PAGES.items()},
    redirects={
        "Template:Redirect to foo": "Template:Foo",
        "Template:Twice": "Template:Redirect to foo",
    },
)


def expanded(text: str, *, wiki: Wiki = WIKI, title: str = "Parser test") -> str:
    return expand.expand_page(
        text, wiki=wiki, title=NAMESPACES.title(title), namespaces=NAMESPACES
    ).text


@pytest.mark.parametrize(
    ("wikitext", "result"),
    [
        ("{{CURRENTYEAR}}-{{CURRENTMONTH}}-{{CURRENTDAY2}}", "1970-01-01"),
        ("{{CURRENTMONTH1}} {{CURRENTMONTHNAME}} {{CURRENTMONTHABBREV}}", "1 January Jan"),
        ("{{CURRENTDAY}} {{CURRENTDOW}} {{CURRENTDAYNAME}} {{CURRENTWEEK}}", "1 4 Thursday 1"),
        ("{{CURRENTTIME}} {{CURRENTHOUR}} {{CURRENTTIMESTAMP}}", "00:02 00 19700101000203"),
        ("{{LOCALYEAR}} {{LOCALDAYNAME}} {{LOCALTIME}}", "1970 Thursday 00:02"),
        (
            "{{SERVER}} {{SERVERNAME}} {{sErVeRNaMe}} [{{SCRIPTPATH}}] {{STYLEPATH}}",
            "http://example.org example.org example.org [] /skins",
        ),
        (
            "{{PAGENAMEE}} {{TALKPAGENAME}} {{TALKPAGENAMEE}} {{SUBJECTPAGENAME}}",
            "Parser_test Talk:Parser test Talk:Parser_test Parser test",
        ),
        ("{{TALKSPACE}} {{CONTENTLANGUAGE}}", "Talk en"),
        (
            "{{urlencode:hi world?!}} {{urlencode:hi world?!|WIKI}} {{urlencode:hi world?!|PATH}}",
            "hi+world%3F%21 hi_world%3F! hi%20world%3F%21",
        ),
        ("{{anchorencode:a  b_c}}", "a_b_c"),
        (
            "{{formatnum:1234567.5}} {{formatnum:9999999999999999}}",
            "1,234,567.5 10,000,000,000,000,000",
        ),
        (
            "{{formatnum:9999999999999999|LOSSLESS}} {{formatnum:1234|NOSEP}} "
            "{{formatnum:1,234|R}}",
            "9999999999999999 1234 1234",
        ),
        (
            "{{#formatdate:2009-03-24|mdy}} / {{#formatdate:2009-03-24|dmy}} / "
            "{{#formatdate:2009-03-24|ymd}}",
            "March 24, 2009 / 24 March 2009 / 2009 March 24",
        ),
        (
            "{{#formatdate:-0001-12-31|mdy}} / {{#formatdate:0000-12-31|mdy}}",
            "December 31, 2 BC / December 31, 1 BC",
        ),
        (
            "{{#formatdate:2009-03-24}} / {{#formatdate:2019-22-22|dmy}} / "
            "{{#formatdate:March 24|dmy}}",
            "2009-03-24 / 2019-22-22 / 24 March",
        ),
        (
            "{{localurl:Some page}} {{localurl:Some page|q=?&amp=&}}",
            "/wiki/Some_page /index.php?title=Some_page&q=?&amp=&",
        ),
        (
            "{{fullurl:Foo bar|action=edit}} {{localurle:A|b=1&c=2}}",
            "http://example.org/index.php?title=Foo_bar&action=edit "
            "/index.php?title=A&amp;b=1&amp;c=2",
        ),
        ("{{int:greeting|you|me}} {{int:no such message}}", "Hello you, me! ⧼no such message⧽"),
        ("{{redirect to foo}}", "FOO"),
        # an "=" in an HTML tag's attribute names the argument, as MediaWiki reads it
        ('{{1x|<div class="a">a</div>}}', "&#123;&#123;&#123;1&#125;&#125;&#125;"),
        (
            '{{1x|<ref name="a">r</ref>}} {{1x|1=<b class="c">d</b>}}',
            '<ref name="a">r</ref> <b class="c">d</b>',
        ),
        # subst: happens when a page is saved; a view shows it as written, safesubst: is read
        (
            "{{subst:Foo}} {{safesubst:Foo}} {{#foo}}",
            "&#123;&#123;subst:Foo&#125;&#125; FOO &#123;&#123;#foo&#125;&#125;",
        ),
        (
            "{{#special:RandomPage}} {{#special:BaDtItLe}} {{#special:Foobar}}",
            "Special:Random Special:Badtitle Special:Foobar",
        ),
        (
            "{{#contentmodel}} {{#contentmodel: canonical | MediaWiki:Common.js}}",
            "wikitext javascript",
        ),
        ("{{#dir:fa}} {{#dir: en}} {{#dir:blah<blah}}", "rtl ltr ltr"),
        ("{{Special:Prefixindex/Templ}}", ""),
        ("{{Foo&ndash;bar}}{{Fo&#111;}}", "FOO"),
        # brackets as the preprocessor reads them: a "}}" after an open "[[" is text, the
        # "|" of a single "[" ends an argument
        ("{{1x|[[Foo}}", "&#123;&#123;1x|[[Foo&#125;&#125;"),
        (
            "{{1x|[[Foo}}|bar]]|bat}} {{[[Foo|bar}}]]",
            "[[Foo&#125;&#125;|bar]] &#123;&#123;[[Foo|bar&#125;&#125;]]",
        ),
        ("{{1x|[http://x.example |123]}}", "[http://x.example "),
        ("{{1x|[[File:X.png|[[a|b]] [[c|d]]]]}}", "[[File:X.png|[[a|b]] [[c|d]]]]"),
        (
            "[http://x.example a|b] {{1x|[[http://x.example |123]]}}",
            "[http://x.example a|b] [[http://x.example |123]]",
        ),
        ("{{1x|[[ Foo\nB]]}} {{1x|[[1],[2]]}} {{1x|<!-- [[ -->}}}", "[[ Foo\nB]] [[1],[2]] }"),
        # a link through the interwiki table, whatever the prefix names (T363538)
        (
            "{{#interwikilink:wikipedia|Foo bar#S|the text}} {{#interwikilink:Wikipedia|Foo}}",
            "[https://en.wikipedia.org/wiki/Foo_bar#S the text] "
            "[https://en.wikipedia.org/wiki/Foo Wikipedia:Foo]",
        ),
        (
            "{{#interwikilink:nope|Foo}} {{#interwikilink:w|_Foo}}",
            "&#123;&#123;#interwikilink:nope|Foo&#125;&#125; "
            "&#123;&#123;#interwikilink:w|_Foo&#125;&#125;",
        ),
        # no title: shown as written, what it holds expanded (T290526); a line break in a
        # name makes it none
        ("{{1x\n{{1x|foo}}\n}}", "&#123;&#123;1x\nfoo\n&#125;&#125;"),
        (
            "{{ {{Pipe}} }} {{[[x]]|{{Foo}}}}",
            "&#123;&#123; Main Page|Something else &#125;&#125; &#123;&#123;[[x]]|FOO&#125;&#125;",
        ),
        # no pages are in a category whose name is no title (r33546)
        ("{{PAGESINCATEGORY:<bogus>}} {{PAGESINCAT:[[x]]}}", "0 0"),
        # literal blocks are out of the preprocessor's way, as MediaWiki's strip markers
        ("{{lc:X<nowiki/>Y}} {{urlencode:x<nowiki>?</nowiki>y}}", "x<nowiki/>y xy"),
        (
            "{{1x|a<nowiki>|</nowiki>b}} <nowiki>{{1x|q}}</nowiki>",
            "a<nowiki>|</nowiki>b <nowiki>{{1x|q}}</nowiki>",
        ),
    ],
)
def test_expands_as_mediawiki(wikitext: str, result: str) -> None:
    assert expanded(wikitext) == result


def _text(wikitext: str) -> str:
    """What a reader sees of braces the expansion leaves as text (they are entities)."""
    return html.unescape(wikitext)


@pytest.mark.parametrize(
    ("wikitext", "result"),
    [
        # a template with no title is still a template: its parts close it, it is text
        ("{{1x|{{|foo}}}}", "{{|foo}}"),
        # an extension tag is opaque: the "}" in it closes nothing, so the outer one breaks
        ("{{1x|{{ }<nowiki>}</nowiki>}}", "{{1x|{{ }<nowiki>}</nowiki>}}"),
        # the rightmost opening wins: a link opened inside a template must close first
        ("{{1x|[[Foo}}", "{{1x|[[Foo}}"),
        ("{{1x|[[Foo|bar|bat=baz}}", "{{1x|[[Foo|bar|bat=baz}}"),
        ("{{1x|[[Foo}}|bar]]|bat}}", "[[Foo}}|bar]]"),
        ("*{{1x|[http://e.com/-{foo x]}}", "*{{1x|[http://e.com/-{foo x]}}"),
        # a title that is no title: text, its parts expanded, its "=" kept
        ("{{a<b>b</b>|{{1x|foo}}|{{1x|a}}={{1x|b}}|a = b}}", "{{a<b>b</b>|foo|a=b|a = b}}"),
        ("{{{{1x|1x}}<nowiki>hi</nowiki>|ho}}", "{{1x<nowiki>hi</nowiki>|ho}}"),
        ("{{1x\n{{1x|foo}}\n}}", "{{1x\nfoo\n}}"),
        # a "|" in an HTML attribute ends the argument (the next one, 1 too, wins)
        ('{{1x|1=<div class="hi|ho">ha</div>}}', 'ho">ha</div>'),
        # a heading line in an argument holds no name
        ("{{1x|\n==a=b==\n}}", "\n==a=b==\n"),
        # an "=" in an opening that never closes is text again
        ("{{1x|a=b", "{{1x|a=b"),
        ("{{{{1x|a}}", "{{a"),
        ("-{{1x|a}}", "-a"),
        # a comment on a line of its own takes the line with it
        ("a\n <!-- c --> <!-- d -->\nb <!-- e --> c", "a\nb  c"),
    ],
)
def test_brackets_match_as_in_mediawikis_preprocessor(wikitext: str, result: str) -> None:
    assert _text(expanded(wikitext)) == result


def test_braces_left_as_text_are_entities_but_a_table_ends() -> None:
    assert (
        expand.braces_as_text("{{x}} {|\n|a\n|}}") == "&#123;&#123;x&#125;&#125; {|\n|a\n|}&#125;"
    )


needs_mediawiki = pytest.mark.skipif(
    not mwdata.installed(), reason="MediaWiki's data is not installed (Debian's mediawiki)"
)


@needs_mediawiki
@pytest.mark.parametrize(
    ("wikitext", "result"),
    [
        # a MediaWiki: page the wiki does not have is its message's default text
        (
            "{{MediaWiki:Mainpage}} {{MediaWiki:history_short}} {{MediaWiki:history short}}",
            "Main Page History History",
        ),
        ("{{MediaWiki:Mainpagexxx}}", "[[:MediaWiki:Mainpagexxx]]"),
        # {{int:}}: the wiki's page first, else the default, expanded (its PLURAL read)
        ("{{int:greeting|you|me}} {{int:mainpage}}", "Hello you, me! Main Page"),
        ("{{int:nmembers|1}}, {{int:nmembers|2}}", "1 member, 2 members"),
        ("{{int:no such message}}", "⧼no such message⧽"),
        # languages by their names in themselves, any case, by BCP 47 codes too
        (
            "{{#language:ar}} {{#language:AR}} {{#language:de-x-formal}}",
            "العربية العربية Deutsch (Sie-Form)",
        ),
        ("{{#language:xx-unknown}} {{#language:}}", "xx-unknown English"),
        (
            "{{#bcp47:sr-ec}} {{#bcp47: de-formal}} {{#bcp47:simple}} {{#bcp47:roa-tara}} "
            "{{#bcp47:be-x-old}} {{#bcp47:zh-yue}} {{#bcp47:eml}} {{#bcp47:EN-gb}}",
            "sr-Cyrl de-x-formal en-simple nap-x-tara be-tarask yue egl en-GB",
        ),
    ],
)
def test_mediawikis_own_data(wikitext: str, result: str) -> None:
    assert expanded(wikitext) == result


@pytest.mark.parametrize(
    ("wikitext", "result"),
    [
        ("{{PLURAL:1|a|b}} {{PLURAL:2|a|b}} {{PLURAL:1,000|a|b}} {{PLURAL:1.5|a|b}}", "a b b b"),
        ("{{PLURAL:0|0=none|a|b}} {{PLURAL:5|a}} {{PLURAL:5|5=five|a|b}}", "none a five"),
        ("{{GENDER:|he|she|they}} {{GENDER:|he|she}} {{GRAMMAR:genitive|wiki}}", "they he wiki"),
    ],
)
def test_language_functions_in_english(wikitext: str, result: str) -> None:
    assert expanded(wikitext) == result


def test_without_mediawiki_a_message_is_its_name_and_a_warning(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(mwdata, "MEDIAWIKI", tmp_path)
    for cached in (mwdata.messages, mwdata.autonyms, mwdata._code_mappings):
        cached.cache_clear()
    try:
        result = expand.expand_page(
            "{{int:mainpage}} {{MediaWiki:Mainpage}} {{int:greeting|a|b}} {{#language:ar}} "
            "{{#bcp47:sr-ec}}",
            wiki=WIKI, title=NAMESPACES.title("P"), namespaces=NAMESPACES,
        )  # fmt: skip
    finally:
        for cached in (mwdata.messages, mwdata.autonyms, mwdata._code_mappings):
            cached.cache_clear()
    assert result.text == "⧼mainpage⧽ [[:MediaWiki:Mainpage]] Hello a, b! ar sr-EC"
    assert [w.kind for w in result.warnings] == ["message"]
    assert "mainpage" in result.warnings[0].message


def test_clock_variables_are_case_sensitive() -> None:
    """{{CurrentMonth}} is a template, as in MediaWiki: a placeholder for a missing one."""
    result = expand.expand_page(
        "{{CurrentMonth}}", wiki=WIKI, title=NAMESPACES.title("P"), namespaces=NAMESPACES
    )
    assert result.placeholders == ["Template:CurrentMonth"]


def test_no_clock_is_now() -> None:
    import datetime as dt

    wiki = Wiki(site=SiteInfo(name="W"), pages={})
    assert expanded("{{CURRENTYEAR}}", wiki=wiki) == str(dt.datetime.now(dt.UTC).year)


def test_a_redirect_to_a_redirect_is_not_followed() -> None:
    result = expand.expand_page(
        "{{Twice}}", wiki=WIKI, title=NAMESPACES.title("P"), namespaces=NAMESPACES
    )
    assert result.placeholders == ["Template:Twice"]
    assert {"Template:Twice", "Template:Redirect to foo"} <= result.transcluded


def test_msgnw_shows_the_source() -> None:
    text = expanded("{{msgnw:Raw}}")
    assert "[[" not in text and "''" not in text and "{{" not in text
    assert text == "&#39;&#39;x&#39;&#39; &#42; &#91;&#91;y&#93;&#93; &#123;&#123;z&#125;&#125;"
    missing = "&#91;&#91;&#58;Template&#58;No such page&#93;&#93;"
    assert expanded("{{MSGNW:No such page}}") == missing


def test_unknown_parser_function_keeps_every_argument() -> None:
    result = expand.expand_page(
        "{{#foo:bar|{{Foo}}|b=c}}", wiki=WIKI, title=NAMESPACES.title("P"), namespaces=NAMESPACES
    )
    assert result.placeholders == ["#foo:bar|FOO|b=c"]
    assert [w.kind for w in result.warnings] == ["parser-function"]


def test_the_wikis_own_interwiki_table() -> None:
    """A source's interwiki table replaces the converter's; local prefixes are this wiki."""
    site = SiteInfo(
        name="W",
        interwiki={"meatball": "http://www.usemod.com/cgi-bin/mb.pl?$1", "fr": "http://fr.x/$1"},
        local_interwiki=("local",),
    )
    namespaces = t.Namespaces(site)
    meatball = namespaces.parse("meatball:Some Page#Here")
    assert (meatball.interwiki, meatball.text) == ("meatball", "Some Page")
    assert namespaces.interwiki_url("meatball", "Some Page") == (
        "http://www.usemod.com/cgi-bin/mb.pl?Some_Page"
    )
    assert namespaces.parse("w:Foo").interwiki == ""  # not in this wiki's table
    assert namespaces.parse("local:Foo bar#S") == namespaces.parse("Foo bar#S")
    assert namespaces.languages == {"fr"}
    assert t.Namespaces(SiteInfo(name="Wiki")).parse("w:Foo").interwiki == "w"


@pytest.mark.parametrize(
    ("text", "viewed", "transcluded"),
    [
        ("a<noinclude>n</noinclude>b<includeonly>i</includeonly>c", "anbc", "abic"),
        # a closing tag with no opening is text where it is not an include tag of this view
        ("a</noinclude>b</includeonly>", "ab</includeonly>", "a</noinclude>b"),
        # an element that is not closed runs to the end; one closed at once holds nothing
        ("a<includeonly>b", "a", "ab"),
        ("a<noinclude>b", "ab", "a"),
        ("a<includeonly/>b<noinclude />c", "abc", "abc"),
        # <onlyinclude> only with both its tags: what stands between them
        ("x<onlyinclude>A</onlyinclude>y<onlyinclude>B</onlyinclude>z", "xAyBz", "AB"),
        ("x<onlyinclude>A", "xA", "x<onlyinclude>A"),
    ],
)
def test_include_tags_as_mediawiki_reads_them(text: str, viewed: str, transcluded: str) -> None:
    assert expand.text_for_view(text) == viewed
    assert expand.text_for_transclusion(text) == transcluded
