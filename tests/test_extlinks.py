"""External links and magic links as MediaWiki finds them (extlinks.py), and the site setting
that turns magic links on (``SiteInfo.magic_links``, read from the source's site info)."""

from __future__ import annotations

from mw2sphinx.extlinks import clean_url, mark_external_links, split_at_outer_closes
from mw2sphinx.model import Page, SiteInfo, Wiki
from mw2sphinx.sources.api import magic_links, site_info
from mw2sphinx.sources.snapshot import site_from_json, site_to_json
from wikis import tree_of

ALL = frozenset({"ISBN", "PMID", "RFC"})


def test_magic_links_are_off_unless_the_wiki_makes_them():
    text = "See RFC 822 and PMID 1234."
    assert mark_external_links(text) == (text, [])
    marked, urls = mark_external_links(text, magic_links=ALL)
    assert urls == [
        "https://datatracker.ietf.org/doc/html/rfc822",
        "https://www.ncbi.nlm.nih.gov/pubmed/1234?dopt=Abstract",
    ]
    assert "[[9MWxQzURL0Q|RFC 822]]" in marked and "[[9MWxQzURL1Q|PMID 1234]]" in marked
    # one kind on, the other off
    assert mark_external_links(text, magic_links=frozenset({"RFC"}))[1] == urls[:1]


def test_magic_links_as_doMagicLinks_reads_them():
    def urls(text: str) -> list[str]:
        return mark_external_links(text, magic_links=ALL)[1]

    # spaces of any kind but a newline, written as entities too; the text reads one space
    marked, found = mark_external_links("RFC &nbsp;&#160;&#xA0; 822", magic_links=ALL)
    assert found == ["https://datatracker.ietf.org/doc/html/rfc822"]
    assert marked.startswith("[[9MWxQzURL0Q|RFC 822]]")
    assert urls("RFC\n822") == []
    # a word boundary on both sides, the keyword in capitals
    assert urls("thisRFC 822 or RFC 822linked or rfc 822") == []
    assert urls("RFC RFC 1234") == ["https://datatracker.ietf.org/doc/html/rfc1234"]
    assert urls("RFC 983&#x20;987") == ["https://datatracker.ietf.org/doc/html/rfc983"]
    # not inside a wikilink, a URL, nowiki; but in a file's caption
    assert urls("[[RFC 1234]] http://x.org/RFC_1 <nowiki>RFC 1</nowiki>") == ["http://x.org/RFC_1"]
    assert urls("[[File:X.png|thumb|This is RFC 12354]]") == [
        "https://datatracker.ietf.org/doc/html/rfc12354"
    ]
    # a file link's options are read one by one: a URL ends at "|"; not its link= option
    assert urls("[[File:X.png|thumb|http://x|hello]] [[File:X.png|link=http://y|RFC 1]]") == [
        "http://x",
        "https://datatracker.ietf.org/doc/html/rfc1",
    ]
    # ISBN leads to Special:BookSources, a page the site does not have: text
    assert urls("ISBN 0-306-40615-2") == []


def test_a_wiki_with_magic_links_links_them():
    def page(site: SiteInfo) -> str:
        wiki = Wiki(site=site, pages={"Main Page": Page("Main Page", 0, "See RFC 822.\n")})
        return str(tree_of(wiki)["index.md"])

    site = SiteInfo(name="Magic Wiki")
    assert "[RFC 822](https://datatracker.ietf.org/doc/html/rfc822)" not in page(site)
    on = SiteInfo(name="Magic Wiki", magic_links=ALL)
    assert "[RFC 822](https://datatracker.ietf.org/doc/html/rfc822)" in page(on)


def test_the_site_info_says_which_magic_links_are_on():
    assert magic_links({"ISBN": False, "PMID": True, "RFC": True}) == {"PMID", "RFC"}
    assert magic_links(None) == ALL  # before MediaWiki 1.28 all three were always on
    assert magic_links("yes") == frozenset()
    query = {"general": {"sitename": "W", "server": "https://w.example", "magiclinks": {}}}
    assert site_info(query, api_url="https://w.example/api.php").magic_links == frozenset()
    query["general"]["magiclinks"] = {"RFC": True}
    site = site_info(query, api_url="https://w.example/api.php")
    assert site.magic_links == {"RFC"}
    # a fetched snapshot keeps it
    assert site_from_json(site_to_json(site)).magic_links == {"RFC"}
    assert site_from_json({"name": "Old snapshot"}).magic_links == frozenset()


def test_urls_are_cleaned_as_sanitizer_cleanUrl_cleans_them():
    assert clean_url("http://testing.123?4=5&vert;6") == "http://testing.123?4=5%7C6"
    assert clean_url("http://x.org/?a&#x5B;&#x5D;=b") == "http://x.org/?a%5B%5D=b"
    assert clean_url("http://&#x20;www.example.org") == "http://+www.example.org"
    assert clean_url("http://t/?a=|b|&param2=1&amp;c") == "http://t/?a=%7Cb%7C&param2=1&c"
    # what an IDN ignores is taken out of the host, not the path
    assert clean_url("http://e&zwnj;xample.com/a\u200cb") == "http://example.com/a\u200cb"
    assert clean_url("http://[2001:db8::1]:80/x") == "http://[2001:db8::1]:80/x"


def test_where_urls_end_and_what_their_text_is():
    def marked(text: str) -> tuple[str, list[str]]:
        return mark_external_links(text)

    # a free URL's text is its cleaned URL; "<", ">" and a no-break space end it
    text, urls = marked("http://e&zwnj;xample.com/ and http://x.org/a&lt;b")
    assert urls == ["http://example.com/", "http://x.org/a"]
    assert text.endswith("[[9MWxQzURL1Q|9MWxQzURL1Q]]<nowiki/>&lt;b")
    # in brackets "<" and ">" end the URL and start the text
    assert marked("[http://x.org&lt;b c]") == ("[[9MWxQzURL0Q|&lt;b c]]<nowiki/>", ["http://x.org"])
    # a wikilink in a link's text ends the link: the wikilink and the rest follow it
    text, urls = marked("[http://x.org ''a'' [[B|b]] c.]")
    assert (text, urls) == ("[[9MWxQzURL0Q|''a'' ]]<nowiki/>[[B|b]] c.", ["http://x.org"])
    # ... and with no text before it the link is an empty <a>, nothing a reader sees
    assert marked("[http://x.org [[B|b]] c.] d") == ("[[B|b]] c. d", [])


def test_no_link_crosses_or_holds_a_tables_cell_markup():
    def urls(text: str) -> list[str]:
        return mark_external_links(text)[1]

    # "||" and "!!" end a cell before a URL or a link's text can run on
    assert urls('{|\n| |[ftp://|x||]" onmouseover="alert(1)">test\n|}') == ["ftp://%7Cx"]
    assert urls("{|\n!https://||||||\n|}") == []
    # a cell's attributes are no text: no link in them (the tables stage has written them)
    assert mark_external_links('{|\n| title="http://a" | b\n|}') == (
        '{|\n| title="http&#58;//a" | b\n|}',
        [],
    )
    assert urls('{|\n| style="x" | http://b.org || [http://c.org c]\n|}') == [
        "http://c.org",
        "http://b.org",
    ]
    # outside a table, or in nowiki, "|" is a URL's character as ever
    assert urls("| http://f.org|g") == ["http://f.org%7Cg"]
    assert urls("<nowiki>\n{|\n| http://a|\n</nowiki>") == []
    text = '{|\n| style="x" | http://b.org\n|}'
    assert mark_external_links(text)[0] == (
        '{|\n| style="x" | [[9MWxQzURL0Q|9MWxQzURL0Q]]<nowiki/>\n|}'
    )


def test_a_tag_mediawiki_does_not_keep_is_text_with_its_links():
    text, urls = mark_external_links('<link rel="stylesheet" href="http://x.org"> <b>b</b>')
    assert urls == ["http://x.org"]
    assert text.startswith('&lt;link rel="stylesheet" href="[[9MWxQzURL0Q|9MWxQzURL0Q]]')
    # tags it keeps are no text: no link in their attributes
    kept = '<span title="http://x.org">s</span> <link itemprop="p" href="http://y.org">'
    assert mark_external_links(kept) == (kept, [])


def test_microdata_tags_show_nothing_other_tags_are_text():
    page = Page(
        "Main Page",
        0,
        '<meta itemprop="a" content="secret"> <meta http-equiv="refresh" content="5"> '
        '<link rel="stylesheet" href="http://x.org"> end\n',
    )
    myst = str(tree_of(Wiki(site=SiteInfo(name="W"), pages={"Main Page": page}))["index.md"])
    assert "secret" not in myst and "itemprop" not in myst
    assert '\\<meta http-equiv="refresh" content="5"\\>' in myst
    assert '\\<link rel="stylesheet" href="[http://x.org](http://x.org)"\\>' in myst


def test_a_formatting_tag_closed_inside_a_link_cuts_it_in_two():
    assert split_at_outer_closes("pretty </i>italics<i> and stuff") == [
        "pretty ",
        "</i>",
        "italics<i> and stuff",
    ]
    assert split_at_outer_closes("<b>text</b> and </i>") == ["<b>text</b> and ", "</i>", ""]
    text, urls = mark_external_links("<i>Some [http://x.org/ pretty </i>italics<i> more]!</i>")
    assert urls == ["http://x.org/", "http://x.org/"]
    assert text == (
        "<i>Some [[9MWxQzURL0Q|pretty ]]<nowiki/></i>[[9MWxQzURL1Q|italics<i> more]]<nowiki/>!</i>"
    )
