"""External links as MediaWiki finds them, before pandoc reads the text.

pandoc's reader finds URLs its own way: it links ``NOPEhttp://x`` and a lone ``http://``,
keeps a closing ``"`` or ``)`` in a URL, cuts IPv6 hosts at their first ``:``, does not read
``[//host text]``, and numbers ``[http://x]`` across all the text it reads at once. Here the
links are found with MediaWiki's own expressions (``Parser::handleExternalLinks`` for
``[url text]``, ``Parser::doMagicLinks`` and ``makeFreeExternalLink`` for free URLs) and
written as wikilinks to a marker, ``[[9MWxQzURL0Q|text]]``, that the writer resolves to
the URL; what only looks like a URL is kept from pandoc's autolinking.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote_plus

from .vocabulary import ALLOWED_TAGS, MICRODATA_TAG_RE, URL_MARKER, URL_MARKER_RE, URL_PROTOCOLS

_PROTOCOLS = "|".join(re.escape(p) for p in URL_PROTOCOLS)
# Parser::EXT_LINK_URL_CLASS and EXT_LINK_ADDR (\p{Zs} as Python's Unicode spaces)
_URL_CHAR = r"[^\]\[<>\"\x00-\x20\x7F\s\ufffd]"
_ADDR = r"(?:[0-9.]+|\[[0-9a-fA-F:.]+\]|" + _URL_CHAR + ")"
_SPACE = r"[^\S\n\r\t\f\v]"
_BRACKETED = re.compile(
    r"\[((?:" + _PROTOCOLS + r"|//)" + _ADDR + _URL_CHAR + r"*)" + _SPACE + r"*"
    r"([^\]\x00-\x08\x0a-\x1f\ufffd]*?)\]",
    re.IGNORECASE,
)
# ... with a wikilink in its text (MediaWiki reads wikilinks first: one ends at its "]]")
_WIKILINK = r"\[\[[^\[\]\n]*\]\]"
_BRACKETED_WITH_LINK = re.compile(
    r"(?<!\[)\[((?:" + _PROTOCOLS + r"|//)" + _ADDR + _URL_CHAR + r"*)" + _SPACE + r"*"
    r"((?:[^\[\]\n\x01]|"
    + _WIKILINK
    + r")*?"
    + _WIKILINK
    + r"(?:[^\[\]\n\x01]|"
    + _WIKILINK
    + r")*?)\]",
    re.IGNORECASE,
)
_FREE = re.compile(r"\b((?:" + _PROTOCOLS + r")" + _ADDR + _URL_CHAR + r"*)", re.IGNORECASE)
#: What no link is found in: comments, literal tags, HTML tags, wikilinks (MediaWiki reads
#: those first; a file's caption is read on its own: _in_file_link).
_VERBATIM = (
    r"<!--.*?(?:-->|\Z)"
    r"|<(nowiki|pre|math|syntaxhighlight|source)\b[^>]*?(?:/>|>.*?(?:</\1\s*>|\Z))"
)
_SKIP_VERBATIM = re.compile(_VERBATIM, re.IGNORECASE | re.DOTALL)
_SKIP_LITERAL = (
    _VERBATIM + r"|\[\[(?!\s*(?:" + _PROTOCOLS + r"|//))[^\[\]\n]*\]\]"
    r"|\blink\s*=[^|\]\n]*"
    r"|\[\[" + URL_MARKER_RE.pattern + r"\|[^\]\n]*\]\]<nowiki/>"
)
_SKIP = re.compile(_SKIP_LITERAL, re.IGNORECASE | re.DOTALL)
#: ... and for free URLs, the HTML tags MediaWiki keeps (doMagicLinks skips them; a link's
#: text may hold tags, such as the <i> of its italics); any other tag is text to it.
_SKIP_FREE = re.compile(
    _SKIP_LITERAL
    + r"|</?(?:"
    + "|".join(sorted(ALLOWED_TAGS))
    + r")\b[^>\n]*>|"
    + MICRODATA_TAG_RE.pattern.replace("[^>]", "[^>\n]"),
    re.IGNORECASE | re.DOTALL,
)
# A scheme and "//" left in the text, or one of MediaWiki's schemes without "//": pandoc
# would make a link of it.
_LOOSE_SCHEME = re.compile(
    r"\b([A-Za-z][A-Za-z0-9+.\-]*):(?=//)|\b("
    + "|".join(p[:-1] for p in URL_PROTOCOLS if not p.endswith("//"))
    + r"):",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\[{3,}(?!\[)")
#: A tag MediaWiki does not keep is text to it (Sanitizer::removeHTMLtags escapes it), and
#: a URL in it a link: written as text here, that the link be no part of a tag.
_TAG = re.compile(r"<(/?([A-Za-z][\w:-]*))\b([^>\n]*)>")
_HAS_PROTOCOL = re.compile(r"(?:" + _PROTOCOLS + r"|//)", re.IGNORECASE)


#: The formatting elements of HTML: one closed inside a link that it was open around ends
#: the link there, and the browser opens a second link after it (the adoption agency).
_FORMATTING = "a|b|big|code|em|font|i|nobr|s|small|strike|strong|tt|u"
_FORMATTING_TAG = re.compile(rf"<(/?)({_FORMATTING})\b[^>]*>", re.IGNORECASE)


def split_at_outer_closes(label: str) -> list[str]:
    """A link's text cut at each closing tag of a formatting element opened before it
    (``''a [http://x b'' c]`` is two links, "b" and " c", as the browser builds them):
    the pieces of text and, between them, those tags."""
    pieces, opened, last = [], [], 0
    for tag in _FORMATTING_TAG.finditer(label):
        name = tag.group(2).lower()
        if not tag.group(1):
            opened.append(name)
        elif name in opened:
            opened.remove(name)
        else:
            pieces += [label[last : tag.start()], tag.group(0)]
            last = tag.end()
    return [*pieces, label[last:]]


def _tag_as_text(match: re.Match[str]) -> str:
    tag = match.group(0)
    if (
        match.group(2).lower() in ALLOWED_TAGS
        or MICRODATA_TAG_RE.fullmatch(tag)
        or not _HAS_PROTOCOL.search(match.group(3))
    ):
        return tag
    return "&lt;" + tag[1:-1] + "&gt;"


#: A file link (with no link inside it): its caption and its alt text are text of the page.
_FILE_LINK = re.compile(r"\[\[\s*(?:File|Image)\s*:[^\[\]\n]*\]\]", re.IGNORECASE)
_LINK_OPTION = re.compile(r"\s*(?:link|alt)\s*=", re.IGNORECASE)
#: Magic links (Parser::doMagicLinks): "RFC 1234" and "PMID 1234", the keyword in capitals,
#: the spaces any but a newline (T30950), written as entities too; where they lead (the
#: messages rfcurl and pubmedurl). "ISBN …" leads to Special:BookSources, a page the site
#: does not have: it stays text.
MAGIC_LINK_URLS = {
    "RFC": "https://datatracker.ietf.org/doc/html/rfc{}",
    "PMID": "https://www.ncbi.nlm.nih.gov/pubmed/{}?dopt=Abstract",
}
_MAGIC_SPACES = (
    r"(?:[\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]|&nbsp;|&\#0*160;|&\#[xX]0*[aA]0;)+"
)
_ENTITY_END = re.compile(r"&(?:#x[0-9a-f]+|#[0-9]+|[a-z]+)$", re.IGNORECASE)
#: Entities that end a URL: "<" and ">" (and for a free URL a no-break space), as
#: Parser::makeFreeExternalLink and handleExternalLinks cut them off.
_FREE_URL_STOP = re.compile(r"&(?:lt|gt|nbsp|#x0*(?:3[CcEe]|[Aa]0)|#0*(?:60|62|160));")
_BRACKETED_URL_STOP = re.compile(r"&(?:lt|gt);")
#: What Sanitizer::cleanUrl escapes, and the characters an IDN ignores, which it takes out
#: of a URL's host.
_ESCAPED = re.compile(r'[\]\[<>"\x00-\x20\x7f|]')
_IDN_IGNORED = re.compile(
    "[\\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_HOST = re.compile(r"^([^:]+:)(//[^/]+)?(.*)$", re.DOTALL)
_IPV6_HOST = re.compile(r"^//%5B([0-9A-Fa-f:.]+)%5D((?::\d+)?)$")


_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def decode_references(text: str) -> str:
    """Character references decoded as Sanitizer::decodeCharReferences decodes them: only
    those that end with ";" (``&param2=`` is no ``&para``)."""
    return _REFERENCE.sub(lambda m: html.unescape(m.group()), text)


def clean_url(url: str) -> str:
    """A URL as Sanitizer::cleanUrl leaves it: its entities decoded, what cannot stand in
    a URL escaped as PHP's urlencode does (a space as "+", "|" as %7C), the characters an
    IDN ignores taken out of its host (an IPv6 host keeps its brackets)."""
    url = _ESCAPED.sub(lambda m: quote_plus(m.group()), decode_references(url))
    parts = _HOST.match(url)
    if parts is None:
        return url
    protocol, host, rest = (
        parts.group(1),
        _IDN_IGNORED.sub("", parts.group(2) or ""),
        parts.group(3),
    )
    ipv6 = _IPV6_HOST.match(host)
    if ipv6 is not None:
        host = f"//[{ipv6.group(1)}]{ipv6.group(2)}"
    return protocol + host + rest


#: A table's cell separators and cell attributes, which MediaWiki reads (handleTables)
#: before it looks for links: no link crosses or holds them. They are kept from the link
#: passes as placeholders (a control character ends a URL and a link's text). The tables
#: stage (tables.canonical_tables) has written each cell on a line of its own, its
#: attributes, if any, as ``name="value"`` pairs before a ``|``.
_KEPT = "\x01{}\x01"
_KEPT_RE = re.compile("\x01(\\d+)\x01")
_TABLE_START = re.compile(r"^\s*:*\s*\{\|")
_CELL_ATTRIBUTES = re.compile(r'(?:\s*[A-Za-z][\w:.\-]*="[^"]*")+\s*')


def _keep_table_cells(text: str, kept: list[str]) -> str:
    """The text with the cell markup of its tables' lines kept aside (``kept``): the
    ``|`` or ``!`` a cell line starts with, each ``||`` (and ``!!`` on a header line), and
    a cell's attributes with the ``|`` after them."""
    if "{|" not in text or "\x01" in text:
        return text
    verbatim = [m.span() for m in _SKIP_VERBATIM.finditer(text)]

    def keep(markup: str) -> str:
        kept.append(markup)
        return _KEPT.format(len(kept) - 1)

    lines, depth, offset = text.split("\n"), 0, 0
    for number, line in enumerate(lines):
        start, offset = offset, offset + len(line) + 1
        stripped = line.lstrip()
        if any(a <= start < b for a, b in verbatim):
            continue
        if _TABLE_START.match(line):
            depth += 1
        elif depth and stripped.startswith("|}"):
            depth -= 1
        elif depth and stripped[:1] in {"|", "!"} and not stripped.startswith(("|-", "|+")):
            separators = r"(\|\||!!)" if stripped[0] == "!" else r"(\|\|)"
            pieces = re.split(separators, stripped[1:])
            out = [line[: len(line) - len(stripped)], keep(stripped[0])]
            for index, piece in enumerate(pieces):
                attributes, bar, content = piece.partition("|")
                if index % 2:
                    out.append(keep(piece))
                elif bar and _CELL_ATTRIBUTES.fullmatch(attributes):
                    out.append(keep(attributes + bar) + content)
                else:
                    out.append(piece)
            lines[number] = "".join(out)
    return "\n".join(lines)


def _outside(pattern: re.Pattern[str], text: str, replace, skip_re: re.Pattern[str]) -> str:
    """``pattern`` replaced by ``replace(match)`` only where ``skip_re`` does not hold."""
    out, last = [], 0
    for skip in skip_re.finditer(text):
        out.append(pattern.sub(replace, text[last : skip.start()]))
        out.append(skip.group(0))
        last = skip.end()
    out.append(pattern.sub(replace, text[last:]))
    return "".join(out)


def free_url_end(url: str) -> int:
    """Where a free URL ends: trailing punctuation (and backslashes) is text, ``)`` too
    unless the URL has a ``(``, but not the ``;`` of an entity (``makeFreeExternalLink``)."""
    separators = ",;\\.:!?" + ("" if "(" in url else ")")
    end = len(url)
    while end and url[end - 1] in separators:
        end -= 1
    if end < len(url) and url[end] == ";" and _ENTITY_END.search(url[:end]):
        end += 1
    return end


def _bracket_run(match: re.Match[str]) -> str:
    """MediaWiki cuts the text at each "[[": in "[[[[x]]]]" the last two open a link to x,
    in "[[[x]]]" a title would start with "[", so it is no link at all."""
    count = len(match.group(0))
    return "&#91;" * count if count % 2 else "&#91;" * (count - 2) + "[["


def _free_pattern(magic_links: frozenset[str]) -> re.Pattern[str]:
    """Free URLs, and the magic links the wiki makes (MediaWiki finds both in one pass)."""
    kinds = sorted(k for k in magic_links if k in MAGIC_LINK_URLS)
    if not kinds:
        return _FREE
    magic = r"|(?-i:\b(" + "|".join(kinds) + r")" + _MAGIC_SPACES + r"([0-9]+)\b)"
    return re.compile(_FREE.pattern + magic, re.IGNORECASE)


def mark_external_links(
    text: str, *, magic_links: frozenset[str] = frozenset()
) -> tuple[str, list[str]]:
    """Write the text's external links as ``[[URL marker|text]]``; the URLs, by marker.

    ``[url]`` reads ``[1]``, ``[2]``… in the page's order, as MediaWiki numbers them;
    ``magic_links`` are those of :data:`MAGIC_LINK_URLS` the wiki makes.
    """
    urls: list[str] = []
    number = 0

    def link(url: str, label: str) -> str:
        urls.append(clean_url(url))
        return f"[[{URL_MARKER.format(len(urls) - 1)}|{label}]]<nowiki/>"

    def bracketed(match: re.Match[str]) -> str:
        nonlocal number
        url, label = match.group(1), match.group(2)
        if (stop := _BRACKETED_URL_STOP.search(url)) is not None:  # the rest is text
            url, label = url[: stop.start()], url[stop.start() :] + " " + label
        if "[[" in label:
            # A link cannot hold a link: MediaWiki's ends where the wikilink starts (the
            # browser closes it there), the wikilink and the rest of the text follow it; a
            # link with no text before it is an empty <a>, which no reader sees.
            before, rest = label.split("[[", 1)
            return link(url, before) + "[[" + rest if before.strip() else label
        pieces = split_at_outer_closes(label)
        if len(pieces) > 1 and any(p.strip() for p in pieces[::2]):
            return "".join(
                piece if i % 2 else (link(url, piece) if piece.strip() else piece)
                for i, piece in enumerate(pieces)
            )
        if not label.strip():
            number += 1
            label = f"&#91;{number}&#93;"
        return link(url, label)

    def free(match: re.Match[str]) -> str:
        if match.group(1) is None:  # a magic link: its keyword, one space, its number
            kind, ident = match.group(2), match.group(3)
            return link(MAGIC_LINK_URLS[kind].format(ident), f"{kind} {ident}")
        url = match.group(1)
        if (stop := _FREE_URL_STOP.search(url)) is not None:
            return free_link(url[: stop.start()]) + url[stop.start() :]
        return free_link(url)

    def free_link(url: str) -> str:
        end = free_url_end(url)
        bare = url[:end]
        protocol = re.match(f"(?:{_PROTOCOLS})", bare, flags=re.IGNORECASE)
        if protocol is None or protocol.end() == len(bare):
            return url  # a lone protocol is never linked
        return link(bare, URL_MARKER.format(len(urls))) + url[end:]

    kept: list[str] = []
    text = _keep_table_cells(text, kept)
    text = _outside(_TAG, text, _tag_as_text, _SKIP_VERBATIM)
    text = _outside(_BRACKETS, text, _bracket_run, _SKIP_VERBATIM)
    text = _outside(_BRACKETED_WITH_LINK, text, bracketed, _SKIP_VERBATIM)
    text = _outside(_BRACKETED, text, bracketed, _SKIP)
    free_re = _free_pattern(magic_links)

    def in_file_link(match: re.Match[str]) -> str:
        """Free URLs and magic links in a file link's options, each on its own (MediaWiki
        splits them at "|" first), but not in its target or its link= and alt= options
        (MediaWiki makes the image, its alt text too, before it looks for URLs)."""
        target, *options = match.group(0)[2:-2].split("|")
        read = [
            o if _LINK_OPTION.match(o) else _outside(free_re, o, free, _SKIP_FREE) for o in options
        ]
        return "[[" + "|".join([target, *read]) + "]]"

    text = _outside(free_re, text, free, _SKIP_FREE)
    text = _outside(_FILE_LINK, text, in_file_link, _SKIP_VERBATIM)
    text = _outside(_LOOSE_SCHEME, text, lambda m: (m.group(1) or m.group(2)) + "&#58;", _SKIP_FREE)
    # (a cell's attributes are no link either: what pandoc would take for one is escaped)
    loose = [_LOOSE_SCHEME.sub(lambda m: (m.group(1) or m.group(2)) + "&#58;", k) for k in kept]
    text = _KEPT_RE.sub(lambda m: loose[int(m.group(1))], text)
    # "[" just before a link is text: pandoc would read "[[[" as a link to "[…"
    return text.replace("[[[9MWxQzURL", "&#91;[[9MWxQzURL"), urls
