"""Expanded wikitext to MyST: refs, categories and links, through pandoc's AST.

Per page: ``<ref>``s, ``<references />`` and category links are pulled out of
the wikitext and replaced by markers; the body and every ref's text are read by
pandoc (all pages in one batch); then each page is written as MyST, with its
wikilinks resolved against the whole page set.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import html
import io
import marshal
import re
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

import mwparserfromhell
from mwparserfromhell.nodes import Node, Tag, Wikilink
from mwparserfromhell.wikicode import Wikicode

from . import mwdata, pandoc_ast
from . import titles as t
from .expand import Expansion, expand_page
from .extlinks import mark_external_links
from .files import (
    BAD_IMAGE_LIST,
    FileUse,
    bad_images,
    display_width,
    measured,
    media_paths,
    parse_options,
)
from .layout import Box, Gallery, extract_boxes, extract_galleries, take_captions
from .model import Wiki, WikiFile
from .myst import (
    BlockPiece,
    GalleryBlock,
    Image,
    LayoutBlock,
    MystWriter,
    PageContext,
    Resolved,
    code_fence,
    plain_text,
)
from .pandoc_ast import (
    Block,
    Blocks,
    Parsed,
    ReadCache,
    html_headings,
    para,
    recover,
    text_node,
)
from .preparecache import PreparedCache
from .report import Kind, WikiWarning, find_line
from .sitedata import LanguageLink
from .sources.progress import Progress
from .tables import canonical_tables
from .vocabulary import (
    ALLOWED_TAGS,
    BLOCK_MARKER_RE,
    EXTENSION_TAGS,
    IMAGE_MARKER,
    INLINE_MARKER_RE,
    LIST_MARKER,
    MICRODATA_TAGS,
    REF_MARKER,
    URL_MARKER_RE,
    VERBATIM_TAGS,
    alternatives,
    safe_url,
    web_url,
)
from .wikilinks import mark_internal_links


@dataclasses.dataclass
class Citation:
    key: tuple[str, str]  # (group, name or "#n")


@dataclasses.dataclass
class Prepared:
    """A page's wikitext with refs and categories taken out."""

    body: str
    citations: list[Citation]
    ref_text: dict[tuple[str, str], str]
    #: for each <references /> marker, the keys it lists, in order.
    lists: list[list[tuple[str, str]]]
    categories: list[tuple[str, str]]  # (category title, sort key)
    warnings: list[WikiWarning]
    #: the [[File:…]] links, by marker number; their captions are converted like ref texts.
    images: list[FileUse] = dataclasses.field(default_factory=list)
    #: interlanguage links ("fr:Page"), which MediaWiki shows beside the page.
    languages: list[str] = dataclasses.field(default_factory=list)
    #: files linked rather than shown ([[Media:x]], [[:File:x]]), by their File: title.
    file_links: list[str] = dataclasses.field(default_factory=list)
    #: the external links' URLs, by marker number (extlinks.mark_external_links).
    urls: list[str] = dataclasses.field(default_factory=list)
    #: <gallery>s (their files are among ``images``), by marker number.
    galleries: list[Gallery] = dataclasses.field(default_factory=list)
    #: collapsible blocks and tab sets, by marker number; their parts are read like refs.
    boxes: list[Box] = dataclasses.field(default_factory=list)

    @functools.cached_property
    def _numbers(self) -> dict[tuple[str, str], int]:
        # Footnotes are numbered in the order refs are first cited, as MediaWiki does.
        return {key: n for n, key in enumerate(dict.fromkeys(c.key for c in self.citations), 1)}

    def footnote_label(self, key: tuple[str, str]) -> str:
        return f"ref-{self._numbers[key]}"


def _attribute(tag: Tag, name: str) -> str:
    for attribute in tag.attributes:
        if str(attribute.name).strip().lower() == name:
            return str(attribute.value).strip().strip("\"'").strip()
    return ""


# --- tags pandoc does not know, rewritten as wikitext it does ---------------------------

_POEM = re.compile(r"<poem(?:\s[^>]*)?>(.*?)</poem\s*>", re.IGNORECASE | re.DOTALL)
_INLINE_HIGHLIGHT = re.compile(
    r"<(syntaxhighlight|source)\b([^>]*)\binline\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL
)
_BLOCK_MATH = re.compile(
    r"<math\b[^>]*\bdisplay\s*=\s*[\"']?block[\"']?[^>]*>(.*?)</math\s*>[ \t]*",
    re.IGNORECASE | re.DOTALL,
)
# A <ref> whose attributes MediaWiki reads but mwparserfromhell does not (name"x", name=x y).
_LOOSE_NAME = re.compile(r"\bname\s*=?\s*[\"']?([^\"'>/]+)", re.IGNORECASE)
_LOOSE_REF = re.compile(
    rf"(?P<literal><!--.*?(?:-->|\Z)|<{alternatives(VERBATIM_TAGS)}\b[^>]*?(?<!/)>.*?</\2\s*>)"
    r"|<ref\b([^>/]*?)(/>|>(.*?)</ref\s*>)",
    re.IGNORECASE | re.DOTALL,
)


def _poem(match: re.Match[str]) -> str:
    lines = match.group(1).strip("\n").split("\n")
    kept = [re.sub(r"^ +", lambda m: "&nbsp;" * len(m.group(0)), line) for line in lines]
    return "<br />\n".join(kept)


# Text MediaWiki takes out before it reads quotes: nowiki, pre, math, code blocks, comments,
# the targets of wikilinks (it reads links first), galleries (it reads each caption on its
# own: layout.extract_galleries).
_QUOTE_LITERAL = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|(?<=\[\[)[^\[\]|\n]+"
    rf"|<{alternatives((*VERBATIM_TAGS, 'gallery'))}\b[^>]*?(?:/>|>.*?(?:</\1\s*>|\Z))",
    re.IGNORECASE | re.DOTALL,
)
_QUOTE_RUN = re.compile(r"('{2,})")
_KEPT = re.compile("\x00(\\d+)\x00")
#: What a run of two, three or five apostrophes writes in each state, and the state after
#: (Parser::doQuotes; "both" is handled on its own).
_QUOTE_STATES: dict[tuple[str, int], tuple[str, str]] = {
    ("i", 2): ("</i>", ""),
    ("bi", 2): ("</i>", "b"),
    ("ib", 2): ("</b></i><b>", "b"),
    ("b", 2): ("<i>", "bi"),
    ("", 2): ("<i>", "i"),
    ("b", 3): ("</b>", ""),
    ("bi", 3): ("</i></b><i>", "i"),
    ("ib", 3): ("</b>", "i"),
    ("i", 3): ("<b>", "ib"),
    ("", 3): ("<b>", "b"),
    ("b", 5): ("</b><i>", "i"),
    ("i", 5): ("</i><b>", "b"),
    ("bi", 5): ("</i></b>", ""),
    ("ib", 5): ("</b></i>", ""),
}
_QUOTE_CLOSE = {"b": "</b>", "i": "</i>", "bi": "</i></b>", "ib": "</b></i>"}
_BOTH_CLOSE = {2: ("<b><i>{}</i>", "b"), 3: ("<i><b>{}</b>", "i"), 5: ("<i><b>{}</b></i>", "")}


def _quote_runs(parts: list[str]) -> None:
    """Parser::doQuotes' first pass: which runs of apostrophes are partly text."""
    bold = italics = 0
    for i in range(1, len(parts), 2):
        length = len(parts[i])
        if length == 4:  # the first is text: ' + bold
            parts[i - 1] += "'"
            parts[i], length = "'" * 3, 3
        elif length > 5:  # all text but the last five
            parts[i - 1] += "'" * (length - 5)
            parts[i], length = "'" * 5, 5
        italics += length in (2, 5)
        bold += length in (3, 5)
    if not (bold % 2 and italics % 2):
        return
    # One bold is an apostrophe and italics: the first after a one-letter word, else the
    # first after a longer word, else the first after a space.
    single = multi = space = -1
    for i in range(1, len(parts), 2):
        if len(parts[i]) != 3:
            continue
        before = parts[i - 1]
        if before[-1:] == " ":
            space = i if space == -1 else space
        elif before[-2:-1] == " ":
            single = i
            break
        elif multi == -1:
            multi = i
    chosen = next((i for i in (single, multi, space) if i > -1), -1)
    if chosen > -1:
        parts[chosen] = "'" * 2
        parts[chosen - 1] += "'"


def quote_line(line: str) -> tuple[str, bool]:
    """One line's bold and italics as ``<b>``/``<i>`` tags, exactly as MediaWiki's
    ``Parser::doQuotes`` reads its apostrophes; and whether the line left any open."""
    parts = _QUOTE_RUN.split(line)
    if len(parts) == 1:
        return line, False
    _quote_runs(parts)
    out: list[str] = []
    buffer: list[str] = []
    state = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            (buffer if state == "both" else out).append(part)
        elif state == "both":
            template, state = _BOTH_CLOSE[len(part)]
            out.append(template.format("".join(buffer)))
        elif len(part) == 5 and not state:
            buffer, state = [], "both"
        else:
            tags, state = _QUOTE_STATES[(state, len(part))]
            out.append(tags)
    if state == "both":
        out.append("<b><i>" + "".join(buffer) + "</i></b>" if "".join(buffer) else "")
    else:
        out.append(_QUOTE_CLOSE.get(state, ""))
    return "".join(out), bool(state)


_CHAR_REFERENCE = re.compile(r"&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));")


def _valid_codepoint(codepoint: int) -> bool:
    """Sanitizer::validateCodepoint: what HTML5 (and XML) allow."""
    return (
        codepoint in (0x09, 0x0A)
        or 0x20 <= codepoint <= 0x7E
        or 0xA0 <= codepoint <= 0xD7FF
        or 0xE000 <= codepoint <= 0xFFFD
        or 0x10000 <= codepoint <= 0x10FFFF
    )


def invalid_char_references(text: str) -> str:
    """A numeric character reference to a character HTML does not allow (``&#0;``,
    ``&#x7F;``, a surrogate) is text, as MediaWiki shows it."""

    def reference(match: re.Match[str]) -> str:
        decimal, hexadecimal = match.group(1), match.group(2)
        codepoint = int(decimal) if decimal else int(hexadecimal, 16)
        return match.group(0) if _valid_codepoint(codepoint) else "&amp;" + match.group(0)[1:]

    return _CHAR_REFERENCE.sub(reference, text)


# Parser::handleHeadings: the most "=" (up to six) a line starts and ends with
_HEADING = re.compile(r"^(={1,6})(.+)\1\s*$")


# Blocks in a heading's text (MediaWiki keeps them inside its <h2>): their text is the
# heading's; pandoc reads no heading around them.
_HEADING_BLOCK_TAGS = re.compile(r"<(/?)(blockquote|div|p|center)\b[^>]*>", re.IGNORECASE)


def _without_block_tags(text: str) -> str:
    """A heading's text without the block tags that open and close in it."""
    tags = [(m.group(1), m.group(2).lower()) for m in _HEADING_BLOCK_TAGS.finditer(text)]
    if not tags or any(tags.count(("", n)) != tags.count(("/", n)) for _, n in tags):
        return text
    return _HEADING_BLOCK_TAGS.sub("", text)


def heading_line(line: str) -> str:
    """A line as MediaWiki reads headings: a heading's level is the most ``=`` (at most
    six) it starts and ends with, and the other ``=`` are its text (``=foo==`` is "foo="
    at level 1); a line that only starts with ``=`` is text. Written so pandoc reads it so."""
    if not line.startswith("="):
        return line
    match = _HEADING.match(line)
    if match is None:
        return "&#61;" + line[1:]
    marks, text = match.group(1), _without_block_tags(match.group(2))
    inner = text.strip("=")
    if not inner:
        return marks + "&#61;" * len(text) + marks
    lead, trail = len(text) - len(text.lstrip("=")), len(text) - len(text.rstrip("="))
    return marks + "&#61;" * lead + inner + "&#61;" * trail + marks


_LIST_PREFIX = re.compile(r"^[*#:;]+")
_OPEN_LIST = {"*": "<ul><li>", "#": "<ol><li>", ":": "<dl><dd>", ";": "<dl><dt>"}
_CLOSE_LIST = {"*": "</li></ul>", "#": "</li></ol>", ":": "</dl>", ";": "</dl>"}


def _term_colon(text: str) -> int:
    """Where a "; term : definition" line's colon is: the first not in a link, a tag or a
    URL (BlockLevelPass::findColonNoLinks, simplified); -1 if there is none."""
    depth = 0
    for match in re.finditer(r"\[\[|\]\]|<[^>]*>|://|:", text):
        token = match.group(0)
        if token == "[[":
            depth += 1
        elif token == "]]":
            depth = max(depth - 1, 0)
        elif token == ":" and not depth:
            return match.start()
    return -1


class _ListBlock:
    """BlockLevelPass's lists: a run of lines whose prefixes mix list and indent markers
    (``*;``, ``:*``, ``#:``), which pandoc shows as text, written as HTML lists."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.dt_open = False

    def next_item(self, char: str) -> str:
        if char in "*#":
            return "</li><li>"
        close = "</dt>" if self.dt_open else "</dd>"
        self.dt_open = char == ";"
        return close + ("<dt>" if char == ";" else "<dd>")

    def open(self, char: str) -> str:
        self.dt_open = char == ";"
        return _OPEN_LIST[char]

    def close(self, char: str) -> str:
        if char in "*#":
            return _CLOSE_LIST[char]
        close = "</dt>" if self.dt_open else "</dd>"
        self.dt_open = False
        return close + "</dl>"

    def term(self, text: str) -> tuple[str, str]:
        colon = _term_colon(text)
        if colon < 0:
            return "", text
        return text[:colon] + self.next_item(":"), text[colon + 1 :]

    def write(self, lines: list[str]) -> str:
        last = ""
        for line in lines:
            prefix = _LIST_PREFIX.match(line).group(0)  # type: ignore[union-attr]
            text = line[len(prefix) :]
            same = prefix.replace(";", ":")
            out = ""
            if last == same:
                out += self.next_item(prefix[-1])
                if prefix[-1] == ";":
                    head, text = self.term(text)
                    out += head
            else:
                common = 0
                while common < min(len(prefix), len(last)) and prefix[common] == last[common]:
                    common += 1
                for char in reversed(last[common:]):
                    out += self.close(char)
                if len(prefix) <= common and common:
                    out += self.next_item(prefix[common - 1])
                if self.dt_open and common and prefix[common - 1] == ":":
                    out += self.next_item(":")
                for char in prefix[common:]:
                    out += self.open(char)
                    if char == ";":
                        head, text = self.term(text)
                        out += head
                last = same
            self.out.append(out + text)
        self.out.append("".join(self.close(char) for char in reversed(last)))
        return "\n".join(self.out)


def list_blocks(lines: list[str]) -> list[str]:
    """Runs of list lines that mix markers, as MediaWiki nests them, in HTML for pandoc."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        prefixes = [_LIST_PREFIX.match(line).group(0) for line in run]  # type: ignore[union-attr]
        mixed = any(re.search(r"[*#]", p) and re.search(r"[:;]", p) for p in prefixes)
        out.extend([_ListBlock().write(run)] if mixed else run)
        run.clear()

    for line in lines:
        if _LIST_PREFIX.match(line):
            run.append(line)
            continue
        if run:
            flush()
        out.append(line)
    if run:
        flush()
    return out


def do_quotes(text: str, *, blocks: bool = True) -> tuple[str, list[int]]:
    """Bold and italics as MediaWiki reads them, line by line, written as ``<b>``/``<i>``
    tags (pandoc reads runs of apostrophes its own way). Lines that start with a space are
    left to pandoc's preformatted text. Returns the text and the lines left open.
    ``blocks=False``: inline text (a gallery's caption), without headings and lists."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    lines = _QUOTE_LITERAL.sub(keep, text).split("\n")
    unclosed: list[int] = []
    line_number = 1
    for number, line in enumerate(lines):
        line = lines[number] = heading_line(line) if blocks else line
        if "''" in line and not (blocks and line.startswith(" ")):
            lines[number], left_open = quote_line(line)
            if left_open:
                unclosed.append(line_number)
        line_number += 1 + sum(kept[int(k)].count("\n") for k in _KEPT.findall(line))
    lines = list_blocks(lines) if blocks else lines
    return _KEPT.sub(lambda m: kept[int(m.group(1))], "\n".join(lines)), unclosed


_REF_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    rf"|<{alternatives(VERBATIM_TAGS)}\b[^>]*?(?<!/)>.*?</\1\s*>"
    r"|(?P<ref></?ref\b[^>]*>)",
    re.IGNORECASE | re.DOTALL,
)


def nested_refs(text: str) -> tuple[str, int]:
    """Show a ``<ref>`` inside a ``<ref>``, and a ``</ref>`` that closes none, as text.

    MediaWiki's preprocessor ends a ref at its first ``</ref>``, and Cite refuses a ref in a
    ref's text (it stays literal): ``<ref>a<ref>b</ref>c</ref>`` is one note "a<ref>b"
    and the text "c</ref>". Returns the text and how many tags became text.
    """
    inside = False
    shown = 0

    def token(match: re.Match[str]) -> str:
        nonlocal inside, shown
        tag = match.group("ref")
        if tag is None:
            return match.group(0)
        closing, self_closing = tag.startswith("</"), tag.endswith("/>")
        if closing and inside:
            inside = False
        elif not closing and not inside:
            inside = not self_closing
        else:
            shown += 1
            return _html_escape(tag)
        return tag

    return _REF_TOKEN.sub(token, text), shown


#: Extension tags that only add styles (TemplateStyles, which navbox and infobox modules call
#: with frame:extensionTag): MediaWiki shows nothing of them.
_STYLE_TAGS = re.compile(
    r"<templatestyles(?:\s[^>]*?)?(?:/>|>.*?</templatestyles\s*>)", re.IGNORECASE | re.DOTALL
)


#: ``<langconvert from=… to=…>``: MediaWiki shows its text converted into another variant
#: of the language (Serbian Latin to Cyrillic, simplified to traditional Chinese …); there is
#: no variant converter here, so the text is shown as written (and reported).
_LANGCONVERT = re.compile(
    r"<langconvert\b[^>]*?(?:/>|>(.*?)</langconvert\s*>)", re.IGNORECASE | re.DOTALL
)


def unconverted_variants(text: str) -> int:
    """How many ``<langconvert>`` tags of ``text`` hold text this converter shows as written."""
    return sum(1 for m in _LANGCONVERT.finditer(text) if (m.group(1) or "").strip())


#: the extension tags (their attributes are the preprocessor's, not the Sanitizer's)
_EXTENSION_TAGS = EXTENSION_TAGS | {"includeonly", "noinclude", "onlyinclude"}
_HTML_TAG_START = re.compile(r"<([A-Za-z][A-Za-z0-9]*)(\s[^<>]*)>")
_VERBATIM_OR_COMMENT = re.compile(
    rf"<!--.*?(?:-->|\Z)|<{alternatives(VERBATIM_TAGS)}\b[^>]*?(?:/>|>.*?(?:</\1\s*>|\Z))",
    re.IGNORECASE | re.DOTALL,
)


_WIKITEXT_PRE = re.compile(
    r"<pre\b[^>]*?\bformat\s*=\s*[\"']?wikitext\b[^>]*?(?<!/)>(.*?)</pre\s*>",
    re.IGNORECASE | re.DOTALL,
)


def wikitext_pres(text: str) -> str:
    """``<pre format="wikitext">`` is read as wikitext (its links, bold, headings rendered,
    as MediaWiki renders it): its text stands in the page on lines of its own."""
    if "wikitext" not in text:
        return text
    return _WIKITEXT_PRE.sub(lambda m: "\n" + m.group(1).strip("\n") + "\n", text)


def _tag_end(match: re.Match[str]) -> str:
    name, attributes = match.group(1), match.group(2)
    if name.lower() not in ALLOWED_TAGS or name.lower() in _EXTENSION_TAGS:
        return match.group(0)
    for quote in "\"'":
        if attributes.count(quote) % 2 and f"={quote}" in attributes.replace(" ", ""):
            return f"<{name}{attributes}{quote}>"
    return match.group(0)


def _outside_verbatim(text: str, rewrite: Callable[[str], str]) -> str:
    """``rewrite`` applied to the parts of ``text`` outside comments and verbatim tags."""
    out, last = [], 0
    for skip in _VERBATIM_OR_COMMENT.finditer(text):
        out.append(rewrite(text[last : skip.start()]))
        out.append(skip.group(0))
        last = skip.end()
    out.append(rewrite(text[last:]))
    return "".join(out)


def html_tag_ends(text: str) -> str:
    """An HTML tag ends at its first ``>``, also inside a quoted attribute value, as
    MediaWiki's Sanitizer reads it (``<sup class="a > b">x</sup>`` is a ``<sup>`` of
    ``class="a"`` and the text ``b">x``): the value's quote closed there."""
    if "<" not in text:
        return text
    return _outside_verbatim(text, lambda part: _HTML_TAG_START.sub(_tag_end, part))


#: Inline tags MediaWiki allows that pandoc reads as blocks, ending the paragraph there:
#: written as spans that name them (myst.py pairs them by that name).
_BLOCK_READ_INLINES = re.compile(r"<(/?)(rp|time)\b([^<>]*)>", re.IGNORECASE)


def _inline_span(match: re.Match[str]) -> str:
    if match.group(1):
        return "</span>"
    return f'<span data-mw-tag="{match.group(2).lower()}"{match.group(3)}>'


def inline_tags(text: str) -> str:
    """``<rp>`` and ``<time>`` as spans, so that pandoc keeps them in their paragraph."""
    if "<" not in text:
        return text
    return _outside_verbatim(text, lambda part: _BLOCK_READ_INLINES.sub(_inline_span, part))


#: Block tags whose end tag, with none of them open, pandoc reads as the end of a block.
_STRAY_END_CANDIDATES = ("div", "center", "blockquote")
_BLOCK_TAG = re.compile(rf"<(/?){alternatives(_STRAY_END_CANDIDATES)}\b[^<>]*?(/?)>", re.IGNORECASE)


def stray_end_tags(text: str) -> str:
    """An end tag of a block none of whose kind is open is dropped, as an HTML parser drops
    it (``*a</div>b`` is the item ``ab``, T368721): pandoc ends the block there and puts
    what follows in a paragraph of its own."""
    if "</" not in text:
        return text
    open_tags: dict[str, int] = {}

    def kept(match: re.Match[str]) -> str:
        end, name, empty = match.group(1), match.group(2).lower(), match.group(3)
        if not end:
            open_tags[name] = open_tags.get(name, 0) + (not empty)
            return match.group(0)
        if open_tags.get(name, 0):
            open_tags[name] -= 1
            return match.group(0)
        return ""

    return _outside_verbatim(text, lambda part: _BLOCK_TAG.sub(kept, part))


_NOWIKI_OPEN_OR_COMMENT = re.compile(
    r"<!--.*?(?:-->|\Z)|<nowiki\b([^>]*)>"
    r"|<(pre|math|syntaxhighlight|source)\b[^>]*?(?<!/)>.*?</\2\s*>",  # their text is text
    re.IGNORECASE | re.DOTALL,
)
_NOWIKI_CLOSE = re.compile(r"</nowiki\s*>", re.IGNORECASE)


def unclosed_nowikis(text: str) -> str:
    """A ``<nowiki>`` that neither closes itself (``/>``) nor is closed is text, as
    MediaWiki's preprocessor leaves it (``a<nowiki / >b``, ``a<nowiki>b`` show the tag
    as typed); pandoc reads some of them as empty tags, others as raw HTML it drops."""
    if "nowiki" not in text.lower():
        return text
    out, last, at = [], 0, 0
    while match := _NOWIKI_OPEN_OR_COMMENT.search(text, at):
        at = match.end()
        if match.group(1) is None or match.group(1).endswith("/"):
            continue  # a comment, a verbatim block, or a nowiki closing itself
        close = _NOWIKI_CLOSE.search(text, at)
        if close is not None:
            at = close.end()
            continue
        out.append(text[last : match.start()])
        out.append(_html_escape(match.group(0)))
        last = at
    out.append(text[last:])
    return "".join(out)


def rewrite_tags(text: str) -> str:
    """Rewrite the extension tags pandoc does not read as the wikitext they mean."""
    text = _STYLE_TAGS.sub("", text)
    text = _LANGCONVERT.sub(lambda m: m.group(1) or "", text)
    text = _POEM.sub(_poem, inline_tags(text))
    text = _INLINE_HIGHLIGHT.sub(lambda m: "<code>" + _html_escape(m.group(4)) + "</code>", text)
    text = _BLOCK_MATH.sub(lambda m: "\n:<math>" + m.group(1) + "</math>\n", text)
    return _PRE.sub(_pre, text)


_PRE = re.compile(r"(<pre\b[^>]*?(?<!/)>)(.*?)(</pre\s*>)", re.IGNORECASE | re.DOTALL)
_NOWIKI_PAIR = re.compile(r"<nowiki\s*>(.*?)</nowiki\s*>|<nowiki\s*/>", re.IGNORECASE | re.DOTALL)


def _pre(match: re.Match[str]) -> str:
    """``<pre>`` as CoreTagHooks::pre writes it: each ``<nowiki>…</nowiki>`` in it is its
    text, and its character references are read (pandoc shows both as typed). A ``<nowiki>``
    left unpaired is left to pandoc, which reads that case as MediaWiki does."""
    content = _NOWIKI_PAIR.sub(lambda m: m.group(1) or "", match.group(2))
    if re.search(r"nowiki|</?pre", content, re.IGNORECASE):
        return match.group(0)
    content = html.unescape(content)
    if re.search(r"nowiki|</?pre", content, re.IGNORECASE):
        return match.group(0)
    return match.group(1) + content + match.group(3)


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Extraction:
    """What :func:`prepare_page` takes out of one page's wikitext, as it goes."""

    def __init__(self, text: str, title: t.Title, namespaces: t.Namespaces):
        self.text, self.title, self.namespaces = text, title, namespaces
        self.warnings: list[WikiWarning] = []
        self.citations: list[Citation] = []
        self.ref_text: dict[tuple[str, str], str] = {}
        self.lists: list[list[tuple[str, str]]] = []
        self.categories: list[tuple[str, str]] = []
        self.images: list[FileUse] = []
        self.languages: list[str] = []
        self.file_links: list[str] = []
        #: group -> keys cited since its last list
        self.pending: dict[str, list[tuple[str, str]]] = {}
        self.listed: set[tuple[str, str]] = set()

    def warn(self, message: str, needle: str, kind: Kind = Kind.REF) -> None:
        self.warnings.append(
            WikiWarning(self.title.full, find_line(self.text, needle), kind, message)
        )

    def define(self, key: tuple[str, str], content: str, source: str) -> None:
        """The text of a ref; the first definition wins."""
        content = content.strip()
        if not content:
            return
        if key in self.ref_text and self.ref_text[key] != content:
            self.warn(f"ref {key[1]!r} is defined more than once with different text", source)
            return
        self.ref_text.setdefault(key, content)

    def cite(self, tag: Tag) -> str:
        """A ``<ref>``: its key cited (and its text defined); the marker that stands for it."""
        group, name = _attribute(tag, "group"), _attribute(tag, "name")
        if not name and (loose := _LOOSE_NAME.search(str(tag).split(">", 1)[0])):
            name = loose.group(1).strip()
            self.warn("a <ref> with malformed attributes, read as MediaWiki reads it", str(tag))
        key = (group, name) if name else (group, f"#{len(self.citations)}")
        if not tag.self_closing and tag.contents is not None:
            self.define(key, str(tag.contents), str(tag))
        self.citations.append(Citation(key))
        queue = self.pending.setdefault(group, [])
        if key not in queue and key not in self.listed:
            queue.append(key)
        return REF_MARKER.format(len(self.citations) - 1)

    def cite_loose(self, match: re.Match[str]) -> str:
        """A ``<ref>`` mwparserfromhell did not read as a tag (``name"x"``, ``name=x y``)."""
        if match.group("literal"):
            return match.group(0)  # a ref in <nowiki>, <pre> or a comment is text
        attributes, source = match.group(3), match.group(0)
        content = match.group(5) if match.group(4) != "/>" else None
        name = _LOOSE_NAME.search(attributes)
        self.warn("a <ref> with malformed attributes, read as MediaWiki reads it", source)
        tag = mwparserfromhell.nodes.Tag("ref", self_closing=content is None)
        if name:
            tag.add("name", name.group(1).strip())
        if content is not None:
            tag.contents = content
        return self.cite(tag)

    def references(self, tag: Tag) -> str:
        """A ``<references />``: the list-defined refs inside it, and its marker."""
        group = _attribute(tag, "group")
        if not tag.self_closing and tag.contents is not None:
            for inner in mwparserfromhell.parse(str(tag.contents)).filter_tags(
                matches=lambda n: str(n.tag).lower() == "ref"
            ):
                name = _attribute(inner, "name")
                if name and inner.contents is not None:
                    key = (_attribute(inner, "group") or group, name)
                    self.define(key, str(inner.contents), str(inner))
        keys = self.pending.pop(group, [])
        self.listed.update(keys)
        self.lists.append(keys)
        return f"\n\n{LIST_MARKER.format(len(self.lists) - 1)}\n\n"

    def is_image(self, node: Wikilink) -> bool:
        """Whether the link shows a file ([[File:…]], not [[:File:…]])."""
        target = str(node.title).strip()
        parsed = self.namespaces.parse(target) if not target.startswith(":") else None
        return parsed is not None and parsed.namespace == t.FILE and not parsed.interwiki

    def _is_title(self, text: str) -> bool:
        return self.namespaces.parse(text) is not None

    def wikilink(self, node: Wikilink, *, in_table: bool = False) -> str | None:
        """What stands for a category, interlanguage or file link; ``None`` for any other.
        ``in_table``: the link stands in a wiki table."""
        target = str(node.title).strip()
        parsed = self.namespaces.parse(target) if not target.startswith(":") else None
        linked = self.namespaces.parse(target.lstrip(":")) if target.startswith(":") else parsed
        if (
            linked is not None
            and not linked.interwiki
            and (linked.namespace == t.MEDIA or (linked.namespace == t.FILE and parsed is None))
        ):
            self.file_links.append(f"{self.namespaces.names[t.FILE]}:{linked.text}")
        if parsed is None or parsed.via_local:  # [[local:Category:X]] is a link to it
            return None
        if parsed.namespace == t.CATEGORY and not parsed.interwiki:
            sort_key = str(node.text).strip() if node.text is not None else ""
            self.categories.append((parsed.full, sort_key))
            return ""
        if parsed.interwiki in self.namespaces.languages:
            # an interlanguage link: beside the page
            self.languages.append(parsed.full + (f"#{parsed.fragment}" if parsed.fragment else ""))
            return ""
        if parsed.namespace == t.FILE and not parsed.interwiki:
            text = str(node.text) if node.text is not None else ""
            if in_table and "{|" not in text:  # the table pass made a cell of a line in it
                text = _CELL_LINE.sub("\n", text)
            options = split_options(text) if node.text is not None else []
            use = parse_options(parsed.full, options, is_title=self._is_title)
            if use.manual_thumb:  # thumbnail=Name: a file's title ("" if it names none)
                thumb = self.namespaces.parse(f"{self.namespaces.names[t.FILE]}:{use.manual_thumb}")
                manual = thumb.full if thumb is not None and not thumb.interwiki else ""
                use = dataclasses.replace(use, manual_thumb=manual)
            self.images.append(use)
            return IMAGE_MARKER.format(len(self.images) - 1)
        return None

    def tag(self, node: Tag) -> str | None:
        """What stands for a ``<ref>`` or ``<references>``; a tag MediaWiki does not allow is
        reported (and shown as text); ``None`` for the others."""
        name = _tag_name(node)
        microdata = name in MICRODATA_TAGS and node.has("itemprop")
        if not node.wiki_markup and name not in ALLOWED_TAGS and not microdata:
            message = f"<{name}> is not allowed in wiki text; shown as text"
            self.warn(message, str(node)[:40], kind=Kind.HTML)
        if name == "ref":
            return self.cite(node)
        if name == "references":
            return self.references(node)
        return None

    def list_the_rest(self) -> str:
        """Refs with no ``<references />`` after them, listed at the end as MediaWiki does."""
        markers = ""
        for group in sorted(self.pending):
            if self.pending[group]:
                self.lists.append(self.pending[group])
                markers += f"\n\n{LIST_MARKER.format(len(self.lists) - 1)}\n"
        return markers

    def warn_uncited(self) -> None:
        cited = {c.key for c in self.citations}
        for key in self.ref_text:
            if key not in cited:
                self.warn(f"ref {key[1]!r} is defined but never cited", key[1])

    def prepared(self, body: str) -> Prepared:
        return Prepared(
            body, self.citations, self.ref_text, self.lists, self.categories, self.warnings,
            self.images, self.languages, self.file_links,
        )  # fmt: skip


def _list_defined_refs(nodes: Iterable[Node]) -> set[int]:
    """The nodes inside ``<references>…</references>`` (of ``nodes``, every node of a
    page's tree): they define refs, they cite none."""
    return {
        id(inner)
        for tag in nodes
        if isinstance(tag, Tag) and tag.contents is not None and _tag_name(tag) == "references"
        for inner in tag.contents.filter(recursive=True)
    }


def prepare_page(
    text: str,
    *,
    title: t.Title,
    namespaces: t.Namespaces,
    magic_links: frozenset[str] = frozenset(),
) -> Prepared:
    """Replace refs, reference lists and category links by markers (a pure function);
    ``magic_links``: those the wiki makes (``SiteInfo.magic_links``)."""
    # MediaWiki strips NUL characters (and the quotes pass uses them as its own markers)
    text_links = mark_internal_links(
        canonical_tables(
            stray_end_tags(
                html_tag_ends(
                    unclosed_nowikis(
                        wikitext_pres(invalid_char_references(text.replace("\x00", "")))
                    )
                )
            ),
            shows_file=functools.partial(_shows_file, namespaces=namespaces),
        ),
        namespaces=namespaces,
    )
    balanced, unbalanced_lines = do_quotes(text_links)
    balanced, nested = nested_refs(balanced)
    balanced, urls = mark_external_links(balanced, magic_links=magic_links)
    parts = _Extraction(text, title, namespaces)
    balanced, galleries = extract_galleries(
        balanced,
        namespaces=namespaces,
        images=parts.images,
        warn=lambda message, needle: parts.warn(message, needle, Kind.LAYOUT),
        quotes=lambda caption: do_quotes(caption, blocks=False)[0],
    )
    code = mwparserfromhell.parse(rewrite_tags(balanced), skip_style_tags=True)
    if variants := unconverted_variants(balanced):
        message = (
            f"{variants} <langconvert> text(s) not converted to another variant; shown as written"
        )
        parts.warn(message, "<langconvert", Kind.VARIANT)
    if nested:
        message = f"{nested} <ref> tag(s) inside a <ref> or closing none, shown as text"
        parts.warn(message, "<ref")
    for line in unbalanced_lines:
        message = "bold or italics left open; closed at the end of the line"
        parts.warnings.append(WikiWarning(title.full, line, Kind.MARKUP, message))
    every = list(_with_parents(code))  # walked once: the tree of a long page is large
    inside_lists = _list_defined_refs(node for _, _, node in every)
    # Images last: a <ref> in a caption becomes its marker first, as in the text.
    images: list[tuple[Wikicode, int, Wikilink]] = []
    replaced: list[tuple[Wikicode, int, str]] = []
    for parent, index, node in every:
        if id(node) in inside_lists:
            continue
        if isinstance(node, Tag):
            value = parts.tag(node)
        elif isinstance(node, Wikilink) and parts.is_image(node):
            images.append((parent, index, node))
            continue
        elif isinstance(node, Wikilink):
            value = parts.wikilink(node)
        else:
            continue
        if value is not None:
            replaced.append((parent, index, value))
    _replace(replaced)
    in_tables = _in_tables(code)
    for parent, _, node in images:  # where pass one may have moved them in their lists
        if (value := parts.wikilink(node, in_table=id(node) in in_tables)) is not None:
            with contextlib.suppress(ValueError):
                parent.replace(node, value, recursive=False)
    body = take_captions(_LOOSE_REF.sub(parts.cite_loose, str(code)), parts.images)
    body += parts.list_the_rest()
    parts.warn_uncited()
    boxes: list[Box] = []
    prepared = parts.prepared(extract_boxes(body, boxes))
    prepared.urls, prepared.galleries, prepared.boxes = urls, galleries, boxes
    return prepared


def _shows_file(target: str, namespaces: t.Namespaces) -> bool:
    """Whether a link to ``target`` shows a file (``[[File:x]]``, not ``[[:File:x]]``)."""
    parsed = namespaces.parse(target.strip()) if not target.strip().startswith(":") else None
    return parsed is not None and parsed.namespace == t.FILE and not parsed.interwiki


def _in_tables(code: Wikicode) -> set[int]:
    """The wikilinks that stand in a wiki table (``{|``), by ``id``."""
    return {
        id(link)
        for table in code.filter_tags(recursive=True, matches=lambda n: n.wiki_markup == "{|")
        if table.contents is not None
        for link in table.contents.filter_wikilinks(recursive=True)
    }


# A line of a file link in a table that starts a cell: MediaWiki's table pass reads it
# first, and what is left of its "|" is a tag the caption's text leaves out.
_CELL_LINE = re.compile(r"\n[ \t]*[|!](?![-}+])")

# a table in a caption starts and ends at a line's start; an extension tag or a comment
# is a strip marker by then (a "|" in it splits nothing)
_OPTION_TOKEN = re.compile(
    r"(?P<opaque><!--.*?(?:-->|\Z)"
    rf"|<(?P<tag>{'|'.join(sorted(_EXTENSION_TAGS))})\b[^>]*?(?:/>|>.*?</(?P=tag)\s*>))"
    r"|\[\[|\]\]|\{\{|\}\}|(?:^|\n)[ \t]*(?:\{\||\|\})|\|",
    re.IGNORECASE | re.DOTALL,
)


def split_options(text: str) -> list[str]:
    """Split at the ``|`` that are not inside a nested link, template, table, extension
    tag or comment."""
    options, depth, start = [], 0, 0
    for match in _OPTION_TOKEN.finditer(text):
        token = match.group(0).strip()
        if match.group("opaque"):
            continue
        if token in {"[[", "{{", "{|"}:
            depth += 1
        elif token in {"]]", "}}", "|}"}:
            depth = max(depth - 1, 0)
        elif depth == 0:
            options.append(text[start : match.start()])
            start = match.end()
    options.append(text[start:])
    return options


def _tag_name(tag: Tag) -> str:
    return str(tag.tag).strip().lower()


def _with_parents(code: Wikicode) -> Iterator[tuple[Wikicode, int, Node]]:
    """Every node of the tree with the node list that holds it and its place there, in
    the order of ``code.filter(recursive=True)`` (a node before the nodes inside it)."""
    for index, node in enumerate(code.nodes):
        yield code, index, node
        for inner in node.__children__():
            yield from _with_parents(inner)


def _replace(replacements: Iterable[tuple[Wikicode, int, str]]) -> None:
    """Replace nodes by text, each given by the node list that holds it and its place
    there (a node inside another one replaced goes with it), the last place of a list
    first so that the others stay where they were. (Searching the page's tree for each
    node made preparing a page quadratic in its length.)"""
    for parent, index, value in sorted(replacements, key=lambda r: (id(r[0]), -r[1])):
        parent.nodes.pop(index)
        parent.insert(index, value)


# --- the whole wiki -----------------------------------------------------------------


@dataclasses.dataclass
class ConvertedPage:
    title: t.Title
    docname: str
    markdown: str  # the body, without the page title
    display_title: str
    sort_key: str
    categories: list[tuple[str, str]]
    switches: frozenset[str]
    heading_count: int
    links: set[str]  # titles of existing pages linked
    red_links: set[str]  # titles of missing pages linked
    transcluded: set[str]
    warnings: list[WikiWarning]
    recovered: bool = False
    languages: tuple[LanguageLink, ...] = ()
    #: templates the page uses that do not exist (shown as placeholders).
    unknown_templates: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class SiteIndex:
    """What is known about every page when links are resolved."""

    namespaces: t.Namespaces
    docnames: dict[str, str]  # title -> docname, for pages that will be on the site
    redirects: dict[str, str]  # title -> target title (with fragment)
    #: title -> MediaWiki anchor -> Sphinx label, for every heading.
    sections: dict[str, dict[str, str]]
    #: redirect title -> the docname of its stub page.
    redirect_docnames: dict[str, str] = dataclasses.field(default_factory=dict)
    #: file title -> its place in the site tree, for the files the source has.
    media: dict[str, str] = dataclasses.field(default_factory=dict)
    #: file title -> what the source says of it (with ``path``, the local copy, if any).
    files: dict[str, WikiFile] = dataclasses.field(default_factory=dict)
    #: file title -> why the site has no copy of it (a download refused or failed).
    file_problems: dict[str, str] = dataclasses.field(default_factory=dict)
    #: the wiki's bad image list (files.bad_images): file title -> the pages that may show it
    bad_images: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)

    def is_bad_image(self, file_title: str, page: str) -> bool:
        """Whether ``page`` shows the file only as a link (MediaWiki's bad image list)."""
        return file_title in self.bad_images and page not in self.bad_images[file_title]

    @property
    def category_docnames(self) -> dict[str, str]:
        """Category title -> docname, for every category page of the site."""
        return {k: v for k, v in self.docnames.items() if v.startswith("categories/")}

    def redirect_stubs(self) -> dict[str, tuple[str, str | None]]:
        """Redirect title -> (the docname of its stub page, the label it leads to)."""
        stubs = {}
        for title, docname in self.redirect_docnames.items():
            target = self.namespaces.parse(title)
            stubs[title] = (docname, self.locate(target)[1] if target else None)
        return stubs

    @property
    def media_sources(self) -> dict[str, str]:
        """File title -> the local copy, for every file with a place in the tree."""
        return {title: str(self.files[title].path) for title in self.media}

    def file_title(self, title: str) -> str:
        """A file's title after the redirects of its description page (File:A -> File:B),
        as MediaWiki's file repository follows them; the title itself if none leads to a file."""
        seen, full = {title}, title
        while full not in self.media and full in self.redirects:
            target = self.namespaces.parse(self.redirects[full])
            if target is None or target.interwiki or target.namespace != t.FILE:
                break
            if target.full in seen:
                break
            full = target.full
            seen.add(full)
        return full if full in self.media else title

    def locate(self, title: t.Title) -> tuple[str, str | None]:
        """Follow redirects to a page; its title and label (of the section, if it has it)."""
        full, fragment = title.full, title.fragment
        seen = {full}
        while full in self.redirects:
            target = self.namespaces.parse(self.redirects[full])
            if target is None or target.interwiki or target.full in seen:
                break
            full, fragment = target.full, fragment or target.fragment
            seen.add(full)
        if full not in self.docnames:
            return full, None
        section = self.sections.get(full, {}).get(t.anchor(fragment)) if fragment else None
        return full, section or t.label(self.docnames[full])


class _Context(PageContext):
    def __init__(
        self,
        page: str,
        title: t.Title,
        index: SiteIndex,
        prepared: Prepared,
        expansion: Expansion,
        heading_labels: list[str | None],
        ref_blocks: dict[tuple[str, str], Blocks],
        captions: dict[int, Blocks] | None = None,
        box_blocks: dict[tuple[int, int], Blocks] | None = None,
    ):
        self.page, self.title, self.index = page, title, index
        self.prepared, self.expansion = prepared, expansion
        self.labels = heading_labels
        self.ref_blocks = ref_blocks
        self.captions = captions or {}
        self.box_blocks = box_blocks or {}
        self._images: dict[int, Image] = {}
        self.links: set[str] = set()
        self.red_links: set[str] = set()
        self.warnings: list[WikiWarning] = []

    def warn(self, kind: Kind, message: str, needle: str = "") -> None:
        line = find_line(self.page, needle) if needle else None
        self.warnings.append(WikiWarning(self.title.full, line, kind, message))

    def heading_label(self, index: int) -> str | None:
        return self.labels[index] if index < len(self.labels) else None

    def footnotes(self, list_number: int) -> list[tuple[str, Blocks]]:
        out = []
        for key in self.prepared.lists[list_number]:
            blocks = self.ref_blocks.get(key)
            if blocks is None:
                self.warn(Kind.REF, f"ref {key[1]!r} is cited but has no text", key[1])
                message = f"Reference \u201c{key[1]}\u201d has no text in the wiki."
                blocks = [para([text_node(message)])]
            out.append((self.prepared.footnote_label(key), blocks))
        return out

    def list_count(self) -> int:
        return len(self.prepared.lists)

    def has_block_marker(self, text: str) -> bool:
        return any(
            match.group(1) in {"LIST", "GAL", "BOX"} or self._figure(int(match.group(2)))
            for match in BLOCK_MARKER_RE.finditer(text)
        )

    def _gallery(self, number: int) -> GalleryBlock | None:
        if number >= len(self.prepared.galleries):
            return None
        gallery = self.prepared.galleries[number]
        images = [self.image(n) for n in gallery.images]
        return GalleryBlock(gallery, [i for i in images if i is not None])

    def _box(self, number: int) -> LayoutBlock | None:
        if number >= len(self.prepared.boxes):
            return None
        box = self.prepared.boxes[number]
        parts = [
            (label, self.box_blocks.get((number, part), []))
            for part, (label, _) in enumerate(box.parts)
        ]
        return LayoutBlock(box.kind, box.title, box.open, parts)

    def split_block_markers(self, text: str) -> list[BlockPiece]:
        pieces: list[BlockPiece] = []
        last = 0
        for match in BLOCK_MARKER_RE.finditer(text):
            number = int(match.group(2))
            piece: BlockPiece | None
            if match.group(1) == "LIST" and number < len(self.prepared.lists):
                piece = number
            elif match.group(1) == "GAL":
                piece = self._gallery(number)
            elif match.group(1) == "BOX":
                piece = self._box(number)
            else:
                piece = self._figure(number)
            if piece is None:
                continue
            pieces += [text[last : match.start()], piece]
            last = match.end()
        pieces.append(text[last:])
        return pieces

    def _figure(self, number: int) -> Image | None:
        """An image MediaWiki shows as a ``<figure>``, a block: a thumbnail, a framed
        file, or one with a horizontal alignment (Linker::makeImageLink)."""
        image = self.image(number)
        return image if image is not None and (image.use.is_figure or image.use.align) else None

    def image(self, number: int) -> Image | None:
        if number >= len(self.prepared.images):
            return None
        if number not in self._images:
            self._images[number] = self._make_image(number)
        return self._images[number]

    def _make_image(self, number: int) -> Image:
        use = self.prepared.images[number]
        followed = self.index.file_title(use.title)
        if followed != use.title:
            use = dataclasses.replace(use, title=followed)
        path = self.index.media.get(use.title)
        description = None
        if path is None:
            why = self.index.file_problems.get(use.title, "is not in the source")
            self.warn(Kind.FILE, f"file {use.title!r} {why}", use.title.split(":")[-1])
            self.red_links.add(use.title)
            # MediaWiki links a missing file whose description page is a redirect to that
            # page (Linker::makeBrokenImageLinkObj), not to its upload form: here to where
            # the redirect leads ("": to no page the site has)
            page = self.index.namespaces.parse(use.title)
            if page is not None and page.full in self.index.redirects:
                full, description = self.index.locate(page)
                if description:
                    self.links.add(full)
                description = description or ""
        link = safe_url(use.link) if use.link else None
        red_link = None
        if use.link and link is None:
            resolved = self.resolve(use.link)
            if resolved.kind == "internal":
                link = resolved.target
            elif resolved.kind == "file" and use.format != "gallery":  # link=Media:X
                link = f"/{resolved.target}"  # the file itself (a gallery's cards link pages)
            red_link = resolved.title or use.link if resolved.kind == "red" else None
        file = self.index.files.get(use.title)
        width = display_width(use, file.width, file.height) if file else use.width
        caption = self.captions.get(number, [])
        shown, thumbnail_error = path, False
        bad = path is not None and self.index.is_bad_image(use.title, self.title.full)
        if path is not None and use.manual_thumb is not None and not bad:
            shown, width, thumbnail_error, bad = self._manual_thumb(use)
        return Image(
            use, caption, shown, link, width, red_link, bad, thumbnail_error, file=path,
            description=description, shown_title=quote_line(use.title)[0],
        )  # fmt: skip

    def _manual_thumb(self, use: FileUse) -> tuple[str | None, int | None, bool, bool]:
        """Where the thumbnail=… file is and how wide it is shown (as it is); whether it
        is a file the source does not have, or on the bad image list."""
        thumb = self.index.file_title(use.manual_thumb or "")
        place = self.index.media.get(thumb)
        if place is None:
            shown = repr(thumb) if thumb else "no file"
            message = f"the thumbnail of {use.title!r} names {shown}, not a file in the source"
            self.warn(Kind.FILE, message, use.manual_thumb or "thumb")
            return None, None, True, False
        if self.index.is_bad_image(thumb, self.title.full):
            return None, None, False, True
        file = self.index.files.get(thumb)
        return place, file.width if file else None, False, False

    def marker(self, text: str) -> Iterator[tuple[str, object]]:
        last = 0
        for match in INLINE_MARKER_RE.finditer(text):
            kind, number = match.group(1), int(match.group(2))
            value: object | None = None
            if kind == "REF" and number < len(self.prepared.citations):
                value = ("ref", self.prepared.footnote_label(self.prepared.citations[number].key))
            elif kind == "TPL" and number < len(self.expansion.placeholders):
                value = ("template", self.expansion.placeholders[number])
            elif kind == "IMG" and (image := self.image(number)) is not None:
                value = ("image", image)
            elif kind == "URL" and number < len(self.prepared.urls):
                value = ("url", self.prepared.urls[number])
            if value is None:
                continue
            if match.start() > last:
                yield "text", text[last : match.start()]
            yield value  # type: ignore[misc]
            last = match.end()
        if last < len(text):
            yield "text", text[last:]

    def resolve(self, target: str) -> Resolved:
        index = self.index
        marker = URL_MARKER_RE.fullmatch(target)
        if marker and int(marker.group(1)) < len(self.prepared.urls):  # an external link
            external = safe_url(self.prepared.urls[int(marker.group(1))])
            return Resolved("external", external) if external else Resolved("text")
        parsed = index.namespaces.parse(target.replace("_", " "))
        if parsed is None:
            self.warn(Kind.LINK, f"link to {target!r} is not a valid title", target)
            return Resolved("text")
        if parsed.interwiki:
            url = index.namespaces.interwiki_url(parsed.interwiki, parsed.text, parsed.fragment)
            return Resolved("external", url)
        if not parsed.text:  # [[#Section]]
            parsed = dataclasses.replace(
                parsed,
                namespace=self.title.namespace,
                text=self.title.text,
                prefix=self.title.prefix,
            )
        if parsed.namespace == t.SPECIAL:
            docname = t.special_docname(parsed)
            if docname is None:
                return Resolved("text", title=parsed.full)
            return Resolved("internal", t.label(docname), title=parsed.full)
        if parsed.namespace in {t.MEDIA, t.FILE}:  # [[Media:x]], [[:File:x]]: the file itself
            file_title = index.file_title(f"{index.namespaces.names[t.FILE]}:{parsed.text}")
            place = index.media.get(file_title)
            if place is None:
                self.red_links.add(file_title)
                return Resolved("red", title=file_title)
            return Resolved("file", place, title=file_title)
        full, label = index.locate(parsed)
        if label is None:
            self.red_links.add(full)
            return Resolved("red", title=full)
        if full == self.title.full and not parsed.fragment:
            return Resolved("self", title=full)
        self.links.add(full)
        return Resolved("internal", label, title=full)


def _source_line(source: str, fragment: str, line: int | None) -> int | None:
    """The line of the page's source where a line of a converted fragment stands."""
    if line is None:
        return None
    lines = fragment.split("\n")
    text = lines[min(line, len(lines)) - 1].strip() if lines else ""
    return find_line(source, text) if text else None


def _plain(wikitext: str | None) -> str:
    """Wikitext as the plain text MediaWiki shows in a title."""
    if not wikitext:
        return ""
    return " ".join(mwparserfromhell.parse(wikitext).strip_code(keep_template_params=True).split())


def heading_anchors(blocks: Blocks, urls: list[str] | None = None) -> list[str]:
    """MediaWiki's anchors for a page's headings, in order, made unique as it does;
    ``urls``: the page's external links, whose markers stand in the headings' text."""
    anchors: list[str] = []
    seen: set[str] = set()
    for block in _walk_blocks(blocks):
        if block["t"] == "Header":
            text = plain_text(block["c"][2])
            if urls:
                text = URL_MARKER_RE.sub(lambda m: urls[int(m.group(1))], text)
            anchor = t.anchor(text) or "section"
            if anchor.lower() in seen:
                # Parser::finalizeHeadings: the first free "_2", "_3"… among every anchor so
                # far, so a third "A" after a heading "A 2" is "A_3".
                number = 2
                while f"{anchor}_{number}".lower() in seen:
                    number += 1
                anchor = f"{anchor}_{number}"
            seen.add(anchor.lower())
            anchors.append(anchor)
    return anchors


def _walk_blocks(blocks: Blocks) -> Iterator[Block]:
    content: Any
    for block in blocks:
        yield block
        kind, content = block["t"], block.get("c")
        if kind in {"BlockQuote"}:
            yield from _walk_blocks(content)
        elif kind == "Div":
            yield from _walk_blocks(content[1])
        elif kind in {"BulletList"}:
            for item in content:
                yield from _walk_blocks(item)
        elif kind == "OrderedList":
            for item in content[1]:
                yield from _walk_blocks(item)


#: MediaWiki's own limit on a page ($wgMaxArticleSize, 2048 KiB); larger text is cut.
MAX_PAGE_BYTES = 2 * 1024 * 1024


def lua_source_page(text: str) -> str:
    """A module's page: its source as a Lua code block."""
    escaped = re.sub(r"</(syntaxhighlight)", r"&lt;/\1", text, flags=re.IGNORECASE)
    return f'<syntaxhighlight lang="lua">\n{escaped}\n</syntaxhighlight>'


def _expand_and_prepare(
    text: str,
    *,
    wiki: Wiki,
    title: t.Title,
    namespaces: t.Namespaces,
    expanded: Expansion | None = None,
    cache: tuple[PreparedCache, str] | None = None,
) -> tuple[Expansion, Prepared]:
    """Expand and prepare one page; a page too large or too deep is cut or shown as text.
    ``cache``: what earlier runs prepared, and the key of this wiki's site (see
    :mod:`.preparecache`)."""
    cut: list[WikiWarning] = []
    if len(text.encode("utf-8")) > MAX_PAGE_BYTES:
        text = text.encode("utf-8")[:MAX_PAGE_BYTES].decode("utf-8", "ignore")
        message = f"page longer than MediaWiki's {MAX_PAGE_BYTES // 1024} KiB; the rest is cut"
        cut.append(WikiWarning(title.full, None, Kind.LIMIT, message))
    if title.namespace == t.MODULE:  # Lua source: shown as code, as MediaWiki shows it
        expanded = Expansion(text=lua_source_page(text))
    expansion = expanded or expand_page(text, wiki=wiki, title=title, namespaces=namespaces)
    source = file_page_preview(title, wiki) + expansion.text
    key = PreparedCache.key(cache[1], title.full, source) if cache else ""
    try:
        prepared = cache[0].get(key) if cache else None
        if prepared is None:
            prepared = prepare_page(
                source, title=title, namespaces=namespaces, magic_links=wiki.site.magic_links
            )
            if cache:
                cache[0].put(key, prepared)
    except RecursionError:
        message = "markup nested too deeply to read; shown as text"
        cut.append(WikiWarning(title.full, None, Kind.LIMIT, message))
        prepared = Prepared(
            "<nowiki>" + _html_escape(expansion.text) + "</nowiki>", [], {}, [], [], []
        )
    prepared.warnings[:0] = cut
    return expansion, prepared


#: How large a file's own page shows it (MediaWiki's default $wgImageLimits choice).
FILE_PAGE_SIZE = "800x600px"


def file_page_preview(title: t.Title, wiki: Wiki) -> str:
    """A file's page shows the file above its description, as MediaWiki's does: for the
    files the source knows (a live wiki's, a fetched snapshot's), not those it does not."""
    if title.namespace != t.FILE or title.full not in wiki.files:
        return ""
    return f"[[{title.full}|frameless|{FILE_PAGE_SIZE}]]\n\n"


def _literal(text: str) -> str:
    fence = code_fence(text)
    return f"{fence}\n{text}\n{fence}\n"


#: Seconds a conversion runs before it shows progress bars (on a terminal).
PROGRESS_DELAY = 1.0


def _bar(label: str, total: int, *, enabled: bool) -> Progress:
    bar = Progress(f"{label:<9}", enabled=enabled, delay=PROGRESS_DELAY)
    bar.expect(total)
    return bar


#: Where a conversion gets the files its pages use when the source can download them:
#: called with file title -> the width the pages show it at (``None``: whole); returns
#: the files it has a local copy of (``path`` set) and, for the others, why not.
FileFetcher = Callable[[dict[str, int | None]], tuple[dict[str, WikiFile], dict[str, str]]]


def wanted_files(
    prepared: Iterable[Prepared], files: Mapping[str, WikiFile]
) -> dict[str, int | None]:
    """Every file the pages use, and the widest they show it (``None``: whole)."""
    wanted: dict[str, int | None] = {}
    for page in prepared:
        sizes: list[tuple[str, int | None]] = [(title, None) for title in page.file_links]
        for use in page.images:
            file = files.get(use.title)
            shown = display_width(use, file.width, file.height) if file else use.width
            sizes.append((use.title, shown if use.is_image else None))
            if use.manual_thumb:  # shown as large as it is
                sizes.append((use.manual_thumb, None))
        for title, width in sizes:
            if title in wanted and (wanted[title] is None or width is None):
                wanted[title] = None
            else:
                wanted[title] = max(width, wanted.get(title) or 0) if width else None
    return wanted


@dataclasses.dataclass
class _PageRead:
    """What pandoc read from one page: its body, its ref texts, captions and the parts of
    its collapsible blocks and tab sets."""

    body: Blocks
    ref_blocks: dict[tuple[str, str], Blocks]
    captions: dict[int, Blocks]
    #: by (box, part).
    boxes: dict[tuple[int, int], Blocks]

    def add(self, piece: _Fragment, blocks: Blocks) -> None:
        if piece.ref is not None:
            self.ref_blocks[piece.ref] = blocks
        elif piece.caption is not None:
            self.captions[piece.caption] = blocks
        elif piece.box is not None:
            self.boxes[piece.box] = blocks
        else:
            self.body = html_headings(blocks)


@dataclasses.dataclass(frozen=True)
class _Fragment:
    """A piece of a page that pandoc reads: its body, a ref's text or an image caption."""

    page: str
    ref: tuple[str, str] | None = None
    caption: int | None = None
    box: tuple[int, int] | None = None  # (box, part)


def page_fragments(name: str, prep: Prepared) -> Iterator[tuple[_Fragment, str]]:
    """What pandoc reads of a page, its body first."""
    yield _Fragment(name), prep.body
    for key, text in prep.ref_text.items():
        yield _Fragment(name, ref=key), text
    for number, image in enumerate(prep.images):
        if image.caption:
            yield _Fragment(name, caption=number), image.caption
    for number, box in enumerate(prep.boxes):
        for part, (_label, wikitext) in enumerate(box.parts):
            yield _Fragment(name, box=(number, part)), wikitext


class _Reads:
    """What pandoc read of every page, from when a page is read until it is written.

    The pages are handed over (:meth:`add`) as they are prepared, and pandoc reads them
    meanwhile (:class:`.pandoc_ast.Reader`). What each page needs when it is written, its
    blocks, waits in a temporary file (:meth:`take` reads it back), so that memory never
    holds more than a few batches' pandoc trees; kept in memory only what writing the
    whole site needs of every page: its heading anchors (for links to its sections), and
    what pandoc could not read of it (``errors``, by page).
    """

    def __init__(self, wiki: Wiki, *, target: int, cache: ReadCache | None = None) -> None:
        self.wiki = wiki
        self._reader = pandoc_ast.Reader(target=target, cache=cache)
        self._store: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  (closed on exit)
        self._places: dict[str, tuple[int, int]] = {}
        #: what is being read, in order: (piece, its text, whether it is its page's last)
        self._pending: deque[tuple[_Fragment, str, bool]] = deque()
        self._page: _PageRead | None = None
        self.anchors: dict[str, list[str]] = {}
        self._urls: dict[str, list[str]] = {}
        self.errors: dict[str, list[WikiWarning]] = {}
        self.pages = 0  # how many were handed over
        self.progress: Progress | None = None

    def __enter__(self) -> _Reads:
        self._reader.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._reader.__exit__(*exc)
        self._store.close()

    def add(self, name: str, prep: Prepared) -> None:
        """Have pandoc read a prepared page (and take what it has read meanwhile)."""
        pieces = list(page_fragments(name, prep))
        self._urls[name] = prep.urls
        for number, (piece, text) in enumerate(pieces):
            self._pending.append((piece, text, number == len(pieces) - 1))
            self._reader.add(text)
        self.pages += 1
        self._take(self._reader.ready())

    def finish(self) -> None:
        """Wait until pandoc has read every page handed over."""
        self._take(self._reader.finish())

    def take(self, name: str) -> _PageRead:
        """What pandoc read of a page, once (it is forgotten here)."""
        offset, size = self._places.pop(name)
        self._store.seek(offset)
        body, refs, captions, boxes = marshal.loads(self._store.read(size))
        return _PageRead(body, refs, captions, boxes)

    def _take(self, results: Iterable[Parsed]) -> None:
        for result in results:
            piece, fragment, last = self._pending.popleft()
            name, blocks = piece.page, result.blocks
            if result.error is not None:
                fix = recover(fragment, result.error)
                blocks = fix.blocks
                line = _source_line(self.wiki.pages[name].text, fragment, fix.error_line)
                message = f"pandoc could not read the markup ({result.error}); {fix.how}"
                warning = WikiWarning(name, line, Kind.MARKUP, message)
                self.errors.setdefault(name, []).append(warning)
            if self._page is None:
                self._page = _PageRead([], {}, {}, {})
            self._page.add(piece, blocks)
            if last:
                self._keep(name, self._page)
                self._page = None

    def _keep(self, name: str, page: _PageRead) -> None:
        self.anchors[name] = heading_anchors(page.body, self._urls.pop(name))
        data = marshal.dumps((page.body, page.ref_blocks, page.captions, page.boxes))
        offset = self._store.seek(0, io.SEEK_END)
        self._store.write(data)
        self._places[name] = (offset, len(data))
        if self.progress is not None:
            self.progress.add()


def read_pages(reads: _Reads, *, progress: bool = False) -> _Reads:
    """Wait for pandoc to read the pages it has not read yet; what pandoc cannot read is
    recovered (and reported)."""
    reads.progress = _bar("pandoc", reads.pages, enabled=progress)
    reads.progress.add(len(reads.anchors))
    reads.finish()
    reads.progress.close()
    reads.progress = None
    return reads


def expand_pages(
    wiki: Wiki,
    titles: dict[str, t.Title],
    *,
    namespaces: t.Namespaces,
    progress: bool = False,
    expanded: Mapping[str, Expansion] | None = None,
    then: Callable[[str, Prepared], object] | None = None,
    cache: PreparedCache | None = None,
) -> tuple[dict[str, Expansion], dict[str, Prepared]]:
    """Every page expanded (``expanded``: these already are) and prepared, in the order of
    ``titles``; ``then(name, prepared)`` is called as each page is prepared; ``cache``:
    what earlier runs prepared (updated with this run's)."""
    keyed = (cache, PreparedCache.site_key(wiki.site)) if cache is not None else None
    expansions: dict[str, Expansion] = {}
    prepared: dict[str, Prepared] = {}
    expanding = _bar("expanding", len(titles), enabled=progress)
    for name, title in titles.items():
        expansions[name], prepared[name] = _expand_and_prepare(
            wiki.pages[name].text,
            wiki=wiki,
            title=title,
            namespaces=namespaces,
            expanded=(expanded or {}).get(name),
            cache=keyed,
        )
        if then is not None:
            then(name, prepared[name])
        expanding.add()
    expanding.close()
    return expansions, prepared


def _site_names(
    wiki: Wiki,
    titles: dict[str, t.Title],
    prepared: dict[str, Prepared],
    namespaces: t.Namespaces,
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """The docnames of pages and category pages, of redirect stubs, and the redirects."""
    # Category pages exist for every category with a page or with members.
    all_titles = dict(titles)
    for prep in prepared.values():
        for category, _ in prep.categories:
            all_titles.setdefault(category, namespaces.page(category))
    redirect_titles = {}
    for source in wiki.redirects:
        parsed = namespaces.title(source)
        if parsed is not None and parsed.full not in all_titles:
            redirect_titles[parsed.full] = parsed
    names = t.docnames(
        [*all_titles.values(), *redirect_titles.values()], main_page=wiki.site.main_page
    )
    redirect_docnames = {full: names.pop(full) for full in redirect_titles}
    redirects = {
        title.full: target
        for s, target in wiki.redirects.items()
        if (title := namespaces.title(s)) is not None
    }
    return names, redirect_docnames, redirects


def _site_files(
    wiki: Wiki, prepared: dict[str, Prepared], fetch_files: FileFetcher | None
) -> tuple[dict[str, WikiFile], dict[str, str]]:
    """What is known of every file (measured, where there is a local copy); and why the
    files that could not be downloaded were not."""
    files = dict(wiki.files)
    problems: dict[str, str] = {}
    if fetch_files is not None:
        fetched, problems = fetch_files(wanted_files(prepared.values(), files))
        files.update(fetched)
    files.update({title: measured(f) for title, f in files.items() if f.path})
    return files, problems


def section_labels(anchors: list[str], docname: str) -> dict[str, str]:
    """MediaWiki anchor -> Sphinx label for a page's headings, unique within the page."""
    labels: dict[str, str] = {}
    used: set[str] = set()
    for anchor_text in anchors:
        candidate = label = t.label(docname, anchor_text)
        n = 1
        while label in used:
            n += 1
            label = f"{candidate}-{n}"
        used.add(label)
        labels[anchor_text] = label
    return labels


def language_links(links: Iterable[str], namespaces: t.Namespaces) -> tuple[LanguageLink, ...]:
    """A page's interlanguage links ("fr:Page") as readers see them beside it: the first
    link to each language (as MediaWiki keeps it, T26502), named in its own language (or by
    its prefix, "Mul", where MediaWiki knows no such language)."""
    found: dict[str, LanguageLink] = {}
    for link in links:
        title = namespaces.parse(link)
        if title is None or not title.interwiki or title.interwiki in found:
            continue
        url = web_url(namespaces.interwiki_url(title.interwiki, title.text, title.fragment))
        if url:
            name = mwdata.autonyms().get(title.interwiki) or title.interwiki
            name = name[:1].upper() + name[1:]  # as MediaWiki's skins write it ("Français")
            found[title.interwiki] = LanguageLink(
                title.interwiki, mwdata.bcp47(title.interwiki), name, title.text, url
            )
    return tuple(found.values())


def write_page(
    wiki: Wiki,
    name: str,
    *,
    title: t.Title,
    index: SiteIndex,
    expansion: Expansion,
    prepared: Prepared,
    read: _PageRead,
    anchors: list[str],
    errors: list[WikiWarning] | None = None,
) -> ConvertedPage:
    """One page as MyST, its links resolved against the whole site; ``errors``: what
    pandoc could not read of it (then recovered)."""
    source = wiki.pages[name].text
    context = _Context(
        source,
        title,
        index,
        prepared,
        expansion,
        [index.sections[name][a] for a in anchors],
        read.ref_blocks,
        read.captions,
        read.boxes,
    )
    recovered = errors is not None
    try:
        markdown = MystWriter(context).document(read.body)
    except RecursionError:
        context.warn(Kind.LIMIT, "markup nested too deeply to convert; shown as text")
        markdown = _literal(source)
        recovered = True
    # (each looked up: a set minus a dict's keys goes through all the keys, every page)
    known, redirects = index.docnames, index.redirects
    checked = expansion.links
    warnings = expansion.warnings + prepared.warnings + (errors or [])
    return ConvertedPage(
        title=title,
        docname=index.docnames[name],
        markdown=markdown,
        display_title=_plain(expansion.display_title) or title.full,
        sort_key=expansion.default_sort or "",
        categories=prepared.categories,
        switches=expansion.switches,
        heading_count=len(anchors),
        links=context.links | {n for n in checked if n in known},
        red_links=context.red_links | {n for n in checked if n not in known and n not in redirects},
        transcluded=expansion.transcluded,
        warnings=list(dict.fromkeys(warnings + context.warnings)),
        recovered=recovered,
        languages=language_links(prepared.languages, index.namespaces),
        unknown_templates=[
            n for n in dict.fromkeys(expansion.placeholders) if not n.startswith("#")
        ],
    )


def convert_wiki(
    wiki: Wiki,
    *,
    namespaces: t.Namespaces,
    progress: bool = False,
    cache: ReadCache | None = None,
    fetch_files: FileFetcher | None = None,
    expanded: Mapping[str, Expansion] | None = None,
    prepared_cache: PreparedCache | None = None,
) -> tuple[list[ConvertedPage], SiteIndex]:
    """Convert every page of the wiki; the result is sorted by title. ``progress``: show
    progress bars on stderr if it is a terminal; ``cache``: what pandoc read in an earlier
    run (updated with what it reads in this one); ``fetch_files``: downloads the files the
    pages use (a live wiki's API); ``expanded``: pages already expanded (by the live wiki,
    see sources/expansion.py), by title; ``prepared_cache``: what the pre-pass made of the
    pages in an earlier run (updated with this one's)."""
    with _rare_collections():
        return _convert_wiki(
            wiki, namespaces, progress, cache, fetch_files, expanded, prepared_cache
        )


class _RareCollections:
    """Python's cycle collector run seldom while a wiki converts: the conversion makes
    millions of small objects that live until its end (what every page keeps for the
    writing) and few cycles, and the collector, run every 700 new objects, went through
    them again and again (a tenth of the conversion's CPU at 1,250 pages, more with more
    pages). Re-entrant and safe across threads: the thresholds are the process's, so the
    first conversion to start saves them and the last to end puts them back (two
    conversions overlapping in threads, each saving and restoring its own, left the
    seldom thresholds set for good)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: tuple[int, ...] = ()

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if not self._depth:
                self._saved = gc.get_threshold()
                gc.set_threshold(100_000, 50, 1000)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if not self._depth:
                    gc.set_threshold(*self._saved)


_rare_collections = _RareCollections()


def _convert_wiki(
    wiki: Wiki,
    namespaces: t.Namespaces,
    progress: bool,
    cache: ReadCache | None,
    fetch_files: FileFetcher | None,
    expanded: Mapping[str, Expansion] | None,
    prepared_cache: PreparedCache | None,
) -> tuple[list[ConvertedPage], SiteIndex]:
    titles = {name: namespaces.page(name) for name in sorted(wiki.pages)}
    # pandoc reads each page while the next ones are expanded; the batches' size from the
    # wikitext before expansion, which is all there is to go on yet
    total = sum(len(wiki.pages[name].text) for name in titles)
    target = pandoc_ast.batch_target(total, count=pandoc_ast.workers())
    with _Reads(wiki, target=target, cache=cache) as reads:
        expansions, prepared = expand_pages(
            wiki,
            titles,
            namespaces=namespaces,
            progress=progress,
            expanded=expanded,
            then=reads.add,
            cache=prepared_cache,
        )
        names, redirect_docnames, redirects = _site_names(wiki, titles, prepared, namespaces)
        read_pages(reads, progress=progress)
        anchors = reads.anchors
        sections = {name: section_labels(anchors[name], names[name]) for name in titles}
        files, problems = _site_files(wiki, prepared, fetch_files)
        media = media_paths(sorted(title for title, f in files.items() if f.path))
        bad_list = wiki.pages.get(f"{namespaces.names[t.MEDIAWIKI]}:{BAD_IMAGE_LIST}")
        index = SiteIndex(
            namespaces, names, redirects, sections, redirect_docnames, media, files, problems,
            bad_images(bad_list.text, namespaces) if bad_list else {},
        )  # fmt: skip
        converted = []
        writing = _bar("writing", len(titles), enabled=progress)
        for name, title in titles.items():
            writing.add()
            converted.append(
                write_page(
                    wiki,
                    name,
                    title=title,
                    index=index,
                    expansion=expansions.pop(name),
                    prepared=prepared.pop(name),
                    read=reads.take(name),
                    anchors=anchors[name],
                    errors=reads.errors.get(name),
                )
            )
        writing.close()
    return converted, index
