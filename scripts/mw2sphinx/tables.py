"""Wiki tables read as MediaWiki's table pass reads them, written back in one form that
pandoc's reader reads alike.

MediaWiki (``Parser::handleTables``) reads a table line by line, after templates and
before links and bold: a line (trimmed) that starts with ``{|`` opens a table, ``|}``
closes it, ``|-`` starts a row (the rest is its attributes), ``|+`` a caption, ``|`` a
data cell, ``!`` a header cell; any other line goes on the cell before it. A cell line
holds several cells separated by ``||`` (on a header line ``!!`` too, but not inside an
HTML tag); each cell's text up to its first ``|`` is its attributes, unless that text
holds ``[[`` or ``-{``, or there is no ``|``: then it is all content. Content is trimmed.
Attributes are sanitized and written again with their values encoded, so that no later
pass finds links or magic words in them.

pandoc splits cells its own way: at ``||`` and ``!!`` anywhere (also on the lines after a
cell's first), it reads attributes wherever they parse as its ``key=value`` pairs, and
``|-``/``|}`` at a line's start are a row or the table's end even as a cell's text. Here
each cell is written on a line of its own, ``| attributes | content`` (attributes only
when there are some pandoc needs: ``colspan`` and ``rowspan``), a ``||`` or ``!!`` in
text as character references, a content that starts like attributes behind
``<nowiki/>``. Comments and extension tags are opaque, as MediaWiki's strip markers are
(but a ``||`` in a ``<nowiki>`` or ``<pre>`` in a table is written as references too).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable

from .vocabulary import EXTENSION_TAGS, alternatives

#: What MediaWiki has taken out of the text before its table pass: comments and
#: extension tags (an unclosed one is text).
_OPAQUE = re.compile(
    rf"<!--.*?(?:-->|\Z)|<({alternatives(tuple(sorted(EXTENSION_TAGS)))})\b[^>]*?(?:/>|>.*?</\1\s*>)",
    re.IGNORECASE | re.DOTALL,
)
_MARK = "\x7fMWT{}\x7f"
#: tags whose text shows as written, its character references read: in a table their
#: "||" and "!!" are references too (pandoc would split a cell in them)
_LITERAL = re.compile(r"<(?:nowiki|pre)\b", re.IGNORECASE)
_MARK_RE = re.compile("\x7fMWT(\\d+)\x7f")

_TRIM = " \t\n\r\x00\x0b"
_TABLE_START = re.compile(r"(:*)\s*\{\|(.*)")

# Sanitizer::getAttribsRegex, roughly: a name, and an optional value, quoted or not.
_ATTRIBUTE = re.compile(
    r"""(?:^|[\t\n\f\r ])([:_\w][:_\w.\-]*)"""
    r"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*"""
    r"""(?:"([^"]*)(?:"|$)|'([^']*)(?:'|$)|((?:(?![\t\n\f\r ]|>).)*)))?""",
    re.DOTALL,
)
#: the names pandoc's reader reads (a letter first)
_PANDOC_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_:.\-]*")
#: Sanitizer::safeEncodeAttribute: nothing in a value is read as markup afterwards
_ENCODED = {
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "{": "&#123;",
    "}": "&#125;",
    "[": "&#91;",
    "]": "&#93;",
    "''": "&#39;&#39;",
    "ISBN": "&#73;SBN",
    "RFC": "&#82;FC",
    "PMID": "&#80;MID",
    "|": "&#124;",
    "__": "&#95;&#95;",
    "\n": "&#10;",
    "\r": "&#13;",
    "\t": "&#9;",
}
_ENCODE_RE = re.compile("|".join(re.escape(k) for k in _ENCODED))
_URL_COLON = re.compile(r"(?i)(?<=[a-z])://")
#: the cell attributes the later stages use
_CELL_ATTRIBUTES = ("colspan", "rowspan")
#: a colspan or rowspan as a browser reads it: its leading digits
_DIGITS = re.compile(r"[\t\n\f\r ]*\+?(\d+)")
#: what pandoc starts to read as a cell's attributes (and, with no ``|`` after them,
#: then reads the cell as text of the one before)
_LOOKS_LIKE_ATTRIBUTES = re.compile(r"[ \t]*[A-Za-z][A-Za-z0-9_:.\-]*[ \t]*=")
_HTML_TAG = re.compile(r"<[^<>]*>")
#: a link opened at a cell's end, its target title characters, its text cut by the cell
_OPEN_LINK = re.compile(r"\[\[([^\[\]{}|<>\n]+)\|(?:(?!\[\[|\]\]).)*\Z", re.DOTALL)
_LINK_BRACKETS = re.compile(r"\[\[|\]\]")


def attributes(text: str) -> dict[str, str]:
    """A tag's attributes as the Sanitizer reads them: names lower-cased, values with
    their character references decoded; the first of a name wins."""
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        name = match.group(1).lower()
        value = next((v for v in match.groups()[1:] if v is not None), "")
        found.setdefault(name, html.unescape(value))
    return found


def encode_value(value: str) -> str:
    """An attribute value as MediaWiki writes it, inert to the passes after tables."""
    value = _ENCODE_RE.sub(lambda m: _ENCODED[m.group(0)], value)
    return _URL_COLON.sub("&#58;//", value)


def write_attributes(found: dict[str, str], names: tuple[str, ...] | None = None) -> str:
    """`` name="value"`` pairs pandoc reads (``names``: only those)."""
    return "".join(
        f' {name}="{encode_value(value)}"'
        for name, value in found.items()
        if _PANDOC_NAME.fullmatch(name) and (names is None or name in names)
    )


def cell_attributes(text: str) -> str:
    """The attributes of a cell that the later stages need, as pandoc reads them."""
    found = {
        name: match.group(1)
        for name, value in attributes(text).items()
        if name in _CELL_ATTRIBUTES and (match := _DIGITS.match(value)) is not None
    }
    return write_attributes(found)


def split_cells(line: str, header: bool) -> list[str]:
    """The cells of a cell line, its first ``|`` or ``!`` taken off (``header``: ``!``)."""
    if header:  # "!!" separates header cells too, but not inside an HTML tag
        pieces = []
        last = 0
        for tag in _HTML_TAG.finditer(line):
            pieces.append(line[last : tag.start()].replace("!!", "||"))
            pieces.append(tag.group(0).replace("||", "\x00"))
            last = tag.end()
        pieces.append(line[last:].replace("!!", "||"))
        return [cell.replace("\x00", "||") for cell in "".join(pieces).split("||")]
    return line.split("||")


def read_cell(cell: str) -> tuple[str | None, str]:
    """A cell's attributes (``None``: none) and its content, trimmed."""
    before, bar, after = cell.partition("|")
    if not bar or "[[" in before or "-{" in before:
        return None, cell.strip(_TRIM)
    return before, after.strip(_TRIM)


def escape_separators(text: str) -> str:
    """``||`` and ``!!`` in text as character references: pandoc would split a cell there."""
    return text.replace("||", "|&#124;").replace("!!", "!&#33;")


def _span(value: str | None) -> int:
    """A colspan or rowspan as a browser reads it: its leading digits (1 if none, or 0)."""
    match = _DIGITS.match(value or "")
    return max(int(match.group(1)), 1) if match else 1


def _cell_line(marker: str, attrs: str | None, content: str) -> tuple[str, str]:
    """A cell's line: its head (the marker, and attributes with the ``|`` after them) and
    its content."""
    written = cell_attributes(attrs) if attrs is not None else ""
    content = escape_separators(content)
    if not written and _LOOKS_LIKE_ATTRIBUTES.match(content):
        content = "<nowiki/>" + content
    return (f"{marker}{written} |" if written else marker), content


class _Line:
    """A line of output, of a ``kind``: "start", "end", "row", "cell", "caption" (of a
    table) or "text"; a cell's content is kept apart from its head for links cut by cells,
    and its ``spans`` (columns, rows) for the rows pandoc would cut."""

    def __init__(self, text: str, *, kind: str = "text", head: str = "", depth: int = 0):
        self.text, self.kind, self.head, self.depth = text, kind, head, depth
        self.spans = (1, 1)

    def __str__(self) -> str:
        return f"{self.head} {self.text}" if self.head and self.text else self.head + self.text


def _rewrite(line: str, depth: int) -> list[_Line] | None:
    """A line of a table rewritten (``None``: a line of text in a cell)."""
    trimmed = line.strip(_TRIM)
    first, first_two = trimmed[:1], trimmed[:2]
    if first_two == "|}":
        return [_Line(line, kind="end", depth=depth)]
    if first_two == "|-":  # the row's attributes: none the later stages use
        return [_Line("|-", kind="row", depth=depth)]
    if first not in {"|", "!"}:
        return None
    if first_two == "|+":
        marker, rest, header = "|+", trimmed[2:], False
    else:
        marker, rest, header = first, trimmed[1:], first == "!"
    lines = []
    for cell in split_cells(rest, header):
        attrs, content = read_cell(cell)
        head, content = _cell_line(marker, attrs, content)
        written = _Line(content, kind="caption" if marker == "|+" else "cell", head=head)
        written.depth = depth
        if attrs is not None:
            found = attributes(attrs)
            written.spans = (_span(found.get("colspan")), _span(found.get("rowspan")))
        lines.append(written)
    return lines


def _close_cut_links(lines: list[_Line], shows_file: Callable[[str], bool]) -> None:
    """A link opened in a cell and closed in a later one: MediaWiki's link holds the cell
    ends, which the HTML parser then closes it at; the link ends with its cell, and the
    ``]]`` that closed it is gone from the later cell. Not a file's: its caption holds the
    cell ends as text (convert reads it)."""
    for at, line in enumerate(lines):
        if line.kind != "cell" or (opened := _OPEN_LINK.search(line.text)) is None:
            continue
        if shows_file(opened.group(1)):
            continue
        crossed = False
        for later in lines[at + 1 :]:
            if later.depth < line.depth:
                break
            crossed = crossed or later.kind in {"cell", "row"}
            bracket = _LINK_BRACKETS.search(later.text)
            if bracket is None:
                continue
            if bracket.group(0) == "]]" and crossed:
                line.text += "]]"
                later.text = later.text[: bracket.start()] + later.text[bracket.end() :]
            break


def grid_width(rows: list[list[tuple[int, int]]]) -> int:
    """The columns a browser lays rows of cells (their column and row spans) out on."""
    below: dict[tuple[int, int], bool] = {}
    widest = 0
    for number, cells in enumerate(rows):
        column = 0
        for colspan, rowspan in cells:
            while below.get((number, column)):
                column += 1
            for row in range(number + 1, min(number + rowspan, len(rows))):
                for covered in range(column, column + colspan):
                    below[(row, covered)] = True
            column += colspan
        while below.get((number, column)):
            column += 1
        widest = max(widest, column)
    return widest


def _without_empty_rows(lines: list[_Line]) -> list[_Line]:
    """MediaWiki opens a row at its first cell: a ``|-`` with none after it makes none
    (pandoc would make an empty row, and an empty first row cuts every other away)."""
    kept: list[_Line] = []
    # of each open table: whether its row has cells yet, and where its last "|-" is
    rows: list[tuple[bool, int | None]] = []

    def close() -> None:
        has_cells, last_row = rows.pop()
        if not has_cells and last_row is not None:
            del kept[last_row]

    for line in lines:
        if line.kind == "start":
            rows.append((False, None))
        elif line.kind == "end" and rows:
            close()
        elif line.kind == "cell" and rows and line.depth == len(rows):
            rows[-1] = (True, rows[-1][1])
        elif line.kind == "row" and rows:
            if not rows[-1][0]:
                continue
            rows[-1] = (False, len(kept))
        kept.append(line)
    while rows:
        close()
    return kept


class _Table:
    def __init__(self) -> None:
        self.rows: list[list[tuple[int, int]]] = [[]]
        self.first_end: int | None = None  # where in the output its first row ends


def _pad_first_rows(lines: list[_Line]) -> list[_Line]:
    """pandoc cuts every row of a table to the columns of its first: the first row is
    given empty cells up to the widest row's columns (a browser shows as many)."""
    stack: list[_Table] = []
    pads: list[tuple[int, int]] = []  # (where, how many)

    def close(table: _Table, at: int) -> None:
        if table.first_end is None:
            table.first_end = at
        missing = grid_width(table.rows) - sum(colspan for colspan, _ in table.rows[0])
        if missing > 0 and table.rows[0]:
            pads.append((table.first_end, missing))

    for at, line in enumerate(lines):
        if line.kind == "start":
            stack.append(_Table())
        elif not stack:
            continue
        elif line.kind == "end":
            close(stack.pop(), at)
        elif line.kind == "row" and stack[-1].rows[-1]:
            if stack[-1].first_end is None:
                stack[-1].first_end = at
            stack[-1].rows.append([])
        elif line.kind == "cell" and line.depth == len(stack):
            stack[-1].rows[-1].append(line.spans)
    while stack:
        close(stack.pop(), len(lines))
    for where, missing in sorted(pads, reverse=True):
        depth = lines[where - 1].depth
        lines[where:where] = [_Line("", kind="cell", head="|", depth=depth)] * missing
    return lines


def canonical_tables(text: str, *, shows_file: Callable[[str], bool] = lambda _: False) -> str:
    """The text with its wiki tables written one cell a line (see above); ``shows_file``:
    whether a link's target is a file it shows (``[[File:x.png|…]]``)."""
    if "{|" not in text:
        return text
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return _MARK.format(len(kept) - 1)

    masked = _OPAQUE.sub(keep, text)
    out: list[_Line] = []
    depth = 0
    for line in masked.split("\n"):
        trimmed = line.strip(_TRIM)
        start = _TABLE_START.fullmatch(trimmed)
        if start is not None:
            depth += 1
            found = attributes(_MARK_RE.sub(lambda m: kept[int(m.group(1))], start.group(2)))
            prefix = line[: line.index("{|")]
            written = f"{prefix}{{|{write_attributes(found)}"
            out.append(_Line(written, kind="start", depth=depth))
            continue
        if not depth or not trimmed:
            out.append(_Line(line, depth=depth))
            continue
        rewritten = _rewrite(line, depth)
        if rewritten is None:
            out.append(_Line(escape_separators(line), depth=depth))
            continue
        out.extend(rewritten)
        if trimmed.startswith("|}"):
            depth -= 1
    out = _without_empty_rows(out)
    _close_cut_links(out, shows_file)
    in_table = [escape_separators(k) if _LITERAL.match(k) else k for k in kept]
    return "\n".join(
        _MARK_RE.sub(functools.partial(_unmark, in_table if line.depth else kept), str(line))
        for line in _pad_first_rows(out)
    )


def _unmark(kept: list[str], match: re.Match[str]) -> str:
    return kept[int(match.group(1))]
