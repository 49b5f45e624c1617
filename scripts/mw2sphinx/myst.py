"""Pandoc's JSON AST to MyST Markdown, with no raw HTML and nothing left unescaped.

Block and inline nodes are dispatched through tables of handlers. Everything
that comes from the wiki is text: it is escaped so that it can never become
MyST or Sphinx syntax (a directive, a role, a target, raw HTML). The only
syntax in the output is what these handlers write themselves.
"""

from __future__ import annotations

import dataclasses
import html
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, unquote

from .files import FileUse
from .layout import Gallery
from .pandoc_ast import NO_ATTR, Block, Blocks, Content, Inline, Inlines, Node, text_node
from .report import Kind
from .vocabulary import ALLOWED_TAGS, LIST_MARKER_RE, MICRODATA_TAG_RE, safe_url

# --- escaping ---------------------------------------------------------------------

# Always escaped: characters that start inline syntax anywhere in a line.
_ALWAYS = re.compile(r"([\\`*_\[\]{}<>|$~&^])")
# Escaped at the start of a line: characters that start block syntax there.
_LINE_START = re.compile(r"^([ \t]*)([#+\-=:%()])", re.MULTILINE)
_ORDERED_MARKER = re.compile(r"^([ \t]*\d{1,9})([.)])", re.MULTILINE)


def escape(text: str) -> str:
    """Escape wiki text so that MyST reads it as exactly that text."""
    return _ALWAYS.sub(r"\\\1", text)


def escape_line_starts(markdown: str) -> str:
    """Escape what would start a block (heading, list, target, fence) at a line start."""
    markdown = _LINE_START.sub(r"\1\\\2", markdown)
    return _ORDERED_MARKER.sub(r"\1\\\2", markdown)


def code_fence(text: str, char: str = "`", minimum: int = 3) -> str:
    """A fence longer than any run of the fence character inside ``text``."""
    longest = max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)
    return char * max(minimum, longest + 1)


def inline_code(text: str) -> str:
    text = text.replace("\n", " ")
    fence = code_fence(text, minimum=1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def url_destination(url: str) -> str:
    """A link destination that cannot end the link early or carry markup.

    URLs with parentheses (Wikipedia's disambiguations) keep them, inside ``<…>``.
    """
    if "(" in url or ")" in url:
        return "<" + quote(url, safe="/:@!$&'()*+,;=?#%~-._") + ">"
    return quote(url, safe="/:@!$&'*+,;=?#%~-._")


def link_title(target: str) -> str:
    """A wikilink's target as MediaWiki reads it: %-escapes and character references
    decoded, in Unicode's composed form (``[[Main&#160;Page]]``, ``[[7%25 Solution]]``)."""
    if "%" in target:
        target = unquote(target).replace("<", "&lt;").replace(">", "&gt;")
    return unicodedata.normalize("NFC", html.unescape(target))


def option_value(text: str) -> str:
    """A directive option's value, quoted: MyST reads options as YAML, where a leading
    quote, ``#`` or ``|`` would mean something else."""
    text = " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def indent(text: str, prefix: str, first: str | None = None) -> str:
    lines = text.split("\n")
    head = first if first is not None else prefix
    out = [head + lines[0] if lines[0] else head.rstrip()]
    out += [prefix + line if line else prefix.rstrip() for line in lines[1:]]
    return "\n".join(out)


def plain_text(inlines: Inlines) -> str:
    """The text of inline nodes, as MediaWiki uses it for anchors."""
    out: list[str] = []
    content: Any
    for node in inlines:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            out.append(content)
        elif kind in {"Space", "SoftBreak", "LineBreak"}:
            out.append(" ")
        elif kind in {"Code", "Math"}:
            out.append(content[1])
        elif kind in {"Link", "Image", "Span"}:
            out.append(plain_text(content[1]))
        elif kind == "Quoted":
            out.append('"' + plain_text(content[1]) + '"')
        elif kind == "Cite":
            out.append(plain_text(content[1]))
        elif kind in {"Note", "RawInline"}:
            continue
        elif isinstance(content, list):
            out.append(plain_text(content))
    return "".join(out)


# --- math --------------------------------------------------------------------------

#: TeX and MathJax commands that read or write files, define or redefine commands, change
#: how characters are read, or make links and HTML (MathJax's \href, \class, \style…). Math
#: that uses one is shown as its source, not typeset: MediaWiki's texvc refuses it too.
UNSAFE_TEX = frozenset(
    """input include InputIfFileExists endinput openin openout read readline write message
    immediate closein closeout newread newwrite catcode lccode uccode sfcode mathcode delcode
    def edef gdef xdef let futurelet newcommand renewcommand providecommand
    DeclareRobustCommand DeclareMathOperator newenvironment renewenvironment csname endcsname
    expandafter noexpand string detokenize scantokens usepackage RequirePackage documentclass
    special pdfliteral directlua latelua luaexec write18 ShellEscape jobname everyjob everymath
    everydisplay everypar everycr output shipout afterassignment aftergroup begingroup endgroup
    makeatletter makeatother href url class cssId style html htmlData data unicode require
    verb lstinputlisting verbatiminput includegraphics loop repeat typeout errmessage
    batchmode nonstopmode scrollmode errorstopmode tracingall font pdfobj pdfannot
    pdfstartlink XeTeXinterchartoks""".split()
)
#: Environments \begin may open in math.
MATH_ENVIRONMENTS = frozenset(
    """matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix cases array aligned
    alignedat gathered split subarray align align* alignat alignat* gather gather* multline
    multline* equation equation* eqnarray eqnarray* rcases dcases""".split()
)
_TEX_COMMAND = re.compile(r"\\([A-Za-z@]+|.)")
_TEX_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{([^}]*)\}")


def unsafe_tex(tex: str) -> str | None:
    """What makes the TeX unsafe to typeset, or ``None``."""
    if "^^" in tex:
        return "^^ character codes"
    if re.search(r"(?<!\\)#", tex):
        return "a macro parameter (#)"
    for match in _TEX_COMMAND.finditer(tex):
        name = match.group(1)
        if name in UNSAFE_TEX or "@" in name:
            return f"\\{name}"
    for environment in _TEX_ENVIRONMENT.findall(tex):
        if environment.strip() not in MATH_ENVIRONMENTS:
            return f"the environment {environment.strip()!r}"
    if re.search(r"\\(?:begin|end)(?!\s*\{)", tex):
        return "\\begin or \\end without an environment"
    return None


# --- what the writer needs to know ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Resolved:
    """Where a wikilink leads."""

    kind: str  # "internal", "external", "file", "red", "self", "text"
    target: str = ""  # a Sphinx label (internal), a URL (external), a "media/…" path (file)
    title: str = ""  # the page it names, for red links


@dataclasses.dataclass(frozen=True)
class Image:
    """A ``[[File:…]]`` use, ready to write: its caption in pandoc blocks, its place."""

    use: FileUse
    caption: Blocks
    path: str | None  # "media/…" in the site tree, None if the source has no copy
    link: str | None  # a URL, a Sphinx label or "/media/…" (a file) the image links to
    width: int | None = None  # px, as MediaWiki shows it; None: as wide as it is
    #: the page a ``link=`` names that the wiki does not have (the image is a red link)
    red_link: str | None = None
    #: on the wiki's bad image list for this page: shown as its name, not as the image
    bad: bool = False
    #: a manual thumbnail (``thumbnail=…``) that is not a file the source has
    thumbnail_error: bool = False
    file: str | None = None  # the file's own place (``path`` may be its manual thumbnail)
    #: a missing file whose description page is a redirect: the label of the page it leads
    #: to ("": the site has none); None for any other
    description: str | None = None
    #: the file's title as MediaWiki shows it in a missing file's place: its bold and italics
    #: read (as ``<b>`` and ``<i>``), for Parser::doQuotes reads them after the links
    shown_title: str | None = None

    @property
    def unshown(self) -> bool:
        """A file the source has that MediaWiki shows as a link to it, not as an image."""
        return self.bad or self.thumbnail_error


#: What MediaWiki shows in place of a manual thumbnail it cannot show (thumbnail_error).
THUMBNAIL_ERROR_TEXT = "Error creating thumbnail"


@dataclasses.dataclass(frozen=True)
class GalleryBlock:
    """A ``<gallery>``, ready to write: its options and its files."""

    gallery: Gallery
    images: list[Image]


@dataclasses.dataclass(frozen=True)
class LayoutBlock:
    """A dropdown or a tab set: (label, pandoc blocks) a part."""

    kind: str  # "dropdown" or "tabs"
    title: str
    open: bool
    parts: list[tuple[str, Blocks]]


#: What stands as a block in a paragraph's text: a <references /> list (its number), a
#: figure, a gallery, a dropdown or tab set, or the text between them.
BlockPiece = str | int | Image | GalleryBlock | LayoutBlock


class PageContext:
    """The page-specific answers the writer asks for; the convert stage fills it in."""

    def resolve(self, target: str) -> Resolved:  # pragma: no cover - interface
        raise NotImplementedError

    def heading_label(self, index: int) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError

    def marker(self, text: str) -> Iterator[tuple[str, object]]:  # pragma: no cover
        """Split text at converter markers: ("text", s), ("ref", label), ("template", name)."""
        raise NotImplementedError

    def has_block_marker(self, text: str) -> bool:  # pragma: no cover
        raise NotImplementedError

    def split_block_markers(self, text: str) -> list[BlockPiece]:  # pragma: no cover
        """Text with what stands in it as a block: <references /> lists (their numbers),
        figures, galleries, dropdowns and tab sets."""
        raise NotImplementedError

    def footnotes(self, list_number: int) -> list[tuple[str, Blocks]]:  # pragma: no cover
        raise NotImplementedError

    def list_count(self) -> int:  # pragma: no cover
        """How many reference lists the page has (their numbers: 0 to this, exclusive)."""
        raise NotImplementedError

    def warn(self, kind: Kind, message: str, needle: str = "") -> None:  # pragma: no cover
        raise NotImplementedError


# --- the writer -------------------------------------------------------------------

#: Classes of the MediaWiki tags that format text, styled by the extension.
SPAN_CLASSES = {
    "u": "wiki-u", "ins": "wiki-u", "s": "wiki-s", "strike": "wiki-s", "del": "wiki-s",
    "small": "wiki-small", "big": "wiki-big", "mark": "wiki-mark",
    # ruby text: the extension writes them as their HTML tags (sphinxext.RubyText)
    "ruby": "wiki-ruby", "rb": "wiki-rb", "rt": "wiki-rt", "rp": "wiki-rp", "rtc": "wiki-rtc",
}  # fmt: skip
#: Every tag MediaWiki allows, to its class: a raw one pandoc leaves is not shown as text.
SPAN_TAGS = {tag: SPAN_CLASSES.get(tag, "") for tag in ALLOWED_TAGS}
#: HTML tags pandoc leaves raw when they have attributes, to the nodes they mean.
SEMANTIC_TAGS: dict[str, Callable[[Inlines], Inline]] = {
    "b": lambda inner: {"t": "Strong", "c": inner},
    "strong": lambda inner: {"t": "Strong", "c": inner},
    "i": lambda inner: {"t": "Emph", "c": inner},
    "em": lambda inner: {"t": "Emph", "c": inner},
    "sub": lambda inner: {"t": "Subscript", "c": inner},
    "sup": lambda inner: {"t": "Superscript", "c": inner},
    "code": lambda inner: {"t": "Code", "c": [["", [], []], plain_text(inner)]},
    "tt": lambda inner: {"t": "Code", "c": [["", [], []], plain_text(inner)]},
    "kbd": lambda inner: {"t": "Code", "c": [["", [], []], plain_text(inner)]},
    "samp": lambda inner: {"t": "Code", "c": [["", [], []], plain_text(inner)]},
}
#: A horizontal rule where docutils allows no transition: an empty paragraph the CSS draws.
HORIZONTAL_RULE = "{.wiki-hr}\n&nbsp;"
#: The class of a heading where docutils allows no section (in a list, a table, a quote, a
#: footnote, a caption), its level after it: bold text, which the Sphinx extension makes
#: a heading in HTML (sphinxext.NestedHeadings), as MediaWiki shows it.
NESTED_HEADING = "wiki-heading-"
#: The C0 control characters but tab, line feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: A transition, until the writer knows it does not end the document.
_TRANSITION = "\x00transition\x00"
#: A span standing for another tag (convert.inline_tags).
_NAMED_SPAN = re.compile(r'\sdata-mw-tag="([a-z]+)"')
_HTML_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9]*)\b[^>]*?(/?)\s*>\Z", re.DOTALL)


class MystWriter:
    """Writes one page's blocks as MyST; one instance per page."""

    def __init__(self, context: PageContext):
        self.ctx = context
        self.nesting = 0  # > 0 inside lists, tables, quotes, footnotes
        self.heading_count = 0
        self.last_level = 1
        self.bullet_flip = False
        #: what the last top-level block was (its pandoc type), for transitions.
        self.previous: str | None = None
        self.in_link = False  # writing a link's text
        self.cited: set[str] = set()  # footnote labels written so far
        self.listed: set[int] = set()  # reference lists written so far
        self.block_rules: dict[str, Callable[[Any], str]] = {
            "Para": self.para,
            "Plain": self.para,
            "Header": self.header,
            "BulletList": self.bullet_list,
            "OrderedList": self.ordered_list,
            "DefinitionList": self.definition_list,
            "CodeBlock": self.code_block,
            "BlockQuote": self.block_quote,
            "HorizontalRule": self.rule,
            "Table": self.table,
            "Div": lambda c: self.blocks(c[1]),
            "Figure": lambda c: self.blocks(c[2]),
            "LineBlock": lambda c: self.inlines(
                [x for i, line in enumerate(c) for x in ([{"t": "LineBreak"}] if i else []) + line]
            ),
            "RawBlock": self.raw_block,
            "Null": lambda _: "",
        }
        self.inline_rules: dict[str, Callable[[Any], str]] = {
            "Str": self.str_,
            "Space": lambda _: " ",
            "SoftBreak": lambda _: " ",
            "LineBreak": lambda _: "\\\n",
            "Emph": lambda c: self.wrap("*", c),
            "Strong": lambda c: self.wrap("**", c),
            "Underline": lambda c: self.span(c, "wiki-u"),
            "Strikeout": lambda c: self.span(c, "wiki-s"),
            "SmallCaps": lambda c: self.span(c, "wiki-smallcaps"),
            "Superscript": lambda c: self.role("sup", c),
            "Subscript": lambda c: self.role("sub", c),
            "Quoted": self.quoted,
            "Cite": lambda c: self.inlines(c[1]),
            "Code": lambda c: self.code(c[1]),
            "Math": self.math,
            "RawInline": self.raw_inline,
            "Link": self.link,
            "Image": self.image,
            "Note": self.note,
            "Span": self.html_span,
            "WikiSpan": lambda c: self.span(c[1], c[0]),  # from a paired HTML tag
        }

    # blocks

    def document(self, blocks: Blocks) -> str:
        text = self.blocks(blocks).strip("\n")
        # A list whose marker was swallowed (by a <pre> left open to the page's end, as
        # MediaWiki reads it) still lists its refs, at the end, where Cite puts the rest.
        lost = [n for n in range(self.ctx.list_count()) if n not in self.listed]
        text = "\n\n".join([text, *(self.footnote_list(n) for n in lost)]).strip("\n")
        # A transition may not end the document either: the last one becomes a drawn rule.
        if text.endswith(_TRANSITION):
            text = text[: -len(_TRANSITION)] + HORIZONTAL_RULE
        # The control characters MediaWiki keeps (a backspace ends a URL there) no reader
        # sees, and the books cannot hold them (XML forbids them, TeX refuses them).
        return _CONTROL.sub("", text.replace(_TRANSITION, "---")) + "\n"

    def blocks(self, blocks: Blocks) -> str:
        parts = [self.block(b) for b in blocks]
        return "\n\n".join(p for p in parts if p.strip())

    def block(self, node: Node) -> str:
        rule = self.block_rules.get(node["t"])
        if rule is None:
            self.ctx.warn(Kind.MARKUP, f"pandoc block {node['t']!r} is not supported")
            return ""
        text = rule(node.get("c"))
        if not self.nesting and text.strip() and node["t"] not in {"Div", "Figure"}:
            self.previous = _TRANSITION if text == _TRANSITION else node["t"]
        return text

    def rule(self, _content: object) -> str:
        """``----``: a transition where docutils allows one, else a rule drawn by a class.

        docutils allows transitions only between body elements of a section (not first in
        it, not after another, not at the end of the document, not in a list or a quote).
        """
        if self.nesting or self.previous in {None, "Header", _TRANSITION}:
            return HORIZONTAL_RULE
        return _TRANSITION

    def para(self, inlines: Inlines) -> str:
        if _is_preformatted(inlines):
            return self.code_block([["", [], []], _preformatted_text(inlines)])
        # A <references /> list and display math stand on their own, between the text.
        out: list[str] = []
        run: Inlines = []

        def flush(prefix: str = "") -> None:
            text = escape_line_starts(self.inlines(_trim(run))).strip()
            if text:
                out.append(prefix + text)
            run.clear()

        for node in inlines:
            if node["t"] == "Math" and node["c"][0]["t"] == "DisplayMath":
                flush()
                out.append(self.display_math(node["c"][1]))
            elif node["t"] == "Str" and self.ctx.has_block_marker(node["c"]):
                for piece in self.ctx.split_block_markers(node["c"]):
                    if isinstance(piece, int):
                        flush()
                        out.append(self.footnote_list(piece))
                    elif isinstance(piece, Image):
                        flush()
                        out.append(self.figure(piece))
                    elif isinstance(piece, GalleryBlock):
                        # a gallery's caption is the text just before it (layout.py)
                        flush("{.wiki-gallery-caption}\n" if piece.gallery.captioned else "")
                        out.append(self.gallery(piece))
                    elif isinstance(piece, LayoutBlock):
                        flush()
                        out.append(self.layout(piece))
                    elif piece:
                        run.append({"t": "Str", "c": piece})
            else:
                run.append(node)
        flush()
        return "\n\n".join(p for p in out if p)

    def footnote_list(self, number: int) -> str:
        self.listed.add(number)
        out = []
        for label, blocks in self.ctx.footnotes(number):
            self.nesting += 1
            body = self.blocks(blocks).strip("\n") or escape("(no text)")
            self.nesting -= 1
            if label not in self.cited:
                # Its citation was lost on the way (docutils refuses an uncited footnote):
                # the text stays in the list, as a paragraph.
                self.ctx.warn(Kind.REF, f"footnote {label} has no citation left; shown as text")
                out.append(body)
                continue
            out.append(indent(body, "    ", first=f"[^{label}]: "))
        return "\n\n".join(out)

    def header(self, content: Content) -> str:
        level, _attr, inlines = content
        text = escape_line_starts(self.inlines(inlines)).replace("\\\n", " ").strip()
        label = self.ctx.heading_label(self.heading_count)
        self.heading_count += 1
        if self.nesting:  # no section here: bold text, a heading in HTML (the extension's)
            return f"{{.{NESTED_HEADING}{min(max(level, 2), 6)}}}\n**{text}**" if text else ""
        effective = min(max(level, 2), self.last_level + 1, 6)
        self.last_level = effective
        target = f"({label})=\n" if label else ""
        return f"{target}{'#' * effective} {text}"

    def _item_body(self, blocks: Blocks) -> str:
        """A list item's blocks; a leading Plain keeps the item (and its list) tight."""
        self.nesting += 1
        parts = [(b["t"], self.block(b)) for b in blocks]
        self.nesting -= 1
        out = ""
        previous = None
        for kind, text in parts:
            if not text.strip():
                continue
            if out:
                out += "\n" if previous == "Plain" else "\n\n"
            out += text
            previous = kind
        return out

    def _list_items(self, items: Content, markers: Iterator[str]) -> str:
        out = []
        for item in items:
            marker = next(markers)
            body = self._item_body(item)
            if not body.strip():
                continue  # MediaWiki hides empty items (mw-empty-elt)
            out.append(indent(body, " " * len(marker), first=marker))
        loose = any("\n\n" in o for o in out)
        return ("\n\n" if loose else "\n").join(out)

    def bullet_list(self, items: Content) -> str:
        # Two lists in a row stay two lists when their bullets differ.
        self.bullet_flip = not self.bullet_flip
        bullet = "- " if self.bullet_flip else "* "
        return self._list_items(items, iter(lambda: bullet, None))

    def ordered_list(self, content: Content) -> str:
        (start, _style, _delim), items = content
        self.bullet_flip = not self.bullet_flip
        delim = "." if self.bullet_flip else ")"
        width = len(str(start + len(items))) + 2
        numbers = (f"{start + i}{delim}".ljust(width) for i in range(len(items)))
        return self._list_items(items, numbers)

    def definition_list(self, items: Content) -> str:
        out: list[str] = []
        for term, definitions in items:
            term_text = escape_line_starts(self.inlines(term)).replace("\\\n", " ").strip()
            self.nesting += 1
            bodies = [self.blocks(d) for d in definitions]
            self.nesting -= 1
            if not term_text:
                # ":text" without a term is MediaWiki's indentation.
                out.extend(indent(b, "> ") for b in bodies if b.strip())
                continue
            parts = [term_text] + [indent(b or "\u00a0", "  ", first=": ") for b in bodies]
            out.append("\n".join(parts))
        return "\n\n".join(out)

    def code_block(self, content: Content) -> str:
        (_id, classes, _kv), text = content
        language = next((c for c in classes if re.fullmatch(r"[A-Za-z0-9_+\-]{1,30}", c)), "")
        text = LIST_MARKER_RE.sub("", text)  # a list swallowed by the code is listed at the end
        fence = code_fence(text)
        return f"{fence}{language}\n{text}\n{fence}"

    def block_quote(self, blocks: Blocks) -> str:
        self.nesting += 1
        body = self.blocks(blocks)
        self.nesting -= 1
        return indent(body, "> ") if body.strip() else ""

    def raw_block(self, content: Content) -> str:
        fmt, text = content
        tag = _HTML_TAG.match(text.strip()) if fmt == "html" else None
        if tag:
            name = tag.group(2).lower()
            if name == "hr":
                return self.rule(None)
            if name in SPAN_TAGS:
                return ""  # an allowed tag: its content is converted on its own
        if fmt == "html" and MICRODATA_TAG_RE.fullmatch(text.strip()):
            return ""  # microdata: nothing to see
        self.ctx.warn(Kind.HTML, f"markup shown as text: {text.strip()[:60]!r}", text.strip())
        return escape_line_starts(escape(text))

    # tables

    def table(self, content: Content) -> str:
        _attr, caption, _colspecs, head, bodies, foot = content
        rows: list[tuple[bool, Content]] = []
        for row in head[1]:
            rows.append((True, row[1]))
        for body in bodies:
            for row in body[2]:
                rows.append((False, row[1]))
            for row in body[3]:
                rows.append((False, row[1]))
        for row in foot[1]:
            rows.append((False, row[1]))
        caption_text = self.inlines(_caption_text(caption[1])).replace("\\\n", " ").strip()
        columns = max((len(line) for line in table_grid([cells for _, cells in rows])), default=0)
        if not rows or not columns:
            return escape_line_starts(caption_text)  # a table with no cells: its caption
        self.nesting += 1
        try:
            simple = self._pipe_table(rows, columns) if not caption_text else None
            return simple or self._list_table(rows, columns, caption_text)
        finally:
            self.nesting -= 1

    def _cell_blocks(self, cell: Content) -> Blocks:
        return cell[4]

    def _pipe_table(self, rows: list[tuple[bool, Content]], columns: int) -> str | None:
        header_rows = 0
        for is_head, _ in rows:
            if not is_head:
                break
            header_rows += 1
        if header_rows != 1 or len(rows) < 2:
            return None  # (a table of header cells only would have no body, which LaTeX needs)
        lines = []
        for _is_head, cells in rows:
            if len(cells) != columns or any(c[2] != 1 or c[3] != 1 for c in cells):
                return None
            texts = []
            for cell in cells:
                blocks = self._cell_blocks(cell)
                if len(blocks) > 1 or (blocks and blocks[0]["t"] not in {"Plain", "Para"}):
                    return None
                text = self.inlines(blocks[0]["c"]).strip() if blocks else ""
                if "\n" in text:
                    return None
                texts.append(text or " ")
            lines.append("| " + " | ".join(texts) + " |")
        lines.insert(1, "|" + "|".join(["---"] * columns) + "|")
        return "\n".join(lines)

    def _list_table(self, rows: list[tuple[bool, Content]], columns: int, caption: str) -> str:
        out_rows = []
        header_rows = 0
        for is_head, _ in rows:
            if not is_head:
                break
            header_rows += 1
        # docutils wants a body row after the header rows
        header_rows = min(header_rows, len(rows) - 1)
        for line in table_grid([cells for _, cells in rows]):
            # list-table has no spans: a spanning cell fills the first place it covers, and
            # the others stay empty.
            row_cells = [
                (self.blocks(self._cell_blocks(cell)).strip() if cell else "") or "\u00a0"
                for cell in line
            ]
            row_cells += ["\u00a0"] * (columns - len(row_cells))
            items = [indent(c, "    ", first="  - ") for c in row_cells]
            out_rows.append("* " + "\n".join(items)[2:])
        body = "\n".join(out_rows)
        fence = code_fence(body, minimum=3)
        title = f" {caption}" if caption else ""
        options = f":header-rows: {header_rows}\n"
        return f"{fence}{{list-table}}{title}\n{options}\n{body}\n{fence}"

    # inlines

    def inlines(self, nodes: Inlines) -> str:
        nodes = self._pair_raw_inlines(nodes)
        pieces = [self.inline(n) for n in nodes]
        for i, node in enumerate(nodes):
            if node["t"] in {"Emph", "Strong"} and pieces[i].strip():
                before = "".join(pieces[:i])[-1:]
                after = "".join(pieces[i + 1 :])[:1]
                pieces[i] = _holding_emphasis(pieces[i], before, after)
        return "".join(pieces)

    def inline(self, node: Node) -> str:
        rule = self.inline_rules.get(node["t"])
        if rule is None:
            self.ctx.warn(Kind.MARKUP, f"pandoc inline {node['t']!r} is not supported")
            return ""
        return rule(node.get("c"))

    def str_(self, text: str) -> str:
        out: list[str] = []
        for kind, value in self.ctx.marker(text):
            if kind == "text":
                piece = escape(value)  # type: ignore[arg-type]
                if out and out[-1].startswith("[^") and piece[:1] in {"(", ":"}:
                    piece = "\\" + piece  # "[^ref-1](x)" would be a link, "[^ref-1]: x" a note
                out.append(piece)
            else:
                out.append(self.marker(kind, value))
        return "".join(out)

    def marker(self, kind: str, value: object) -> str:
        """What a converter marker stands for: a footnote reference, an image, a template."""
        if kind == "ref":
            self.cited.add(str(value))
            return f"[^{value}]"
        if kind == "image":
            return self.inline_image(value)  # type: ignore[arg-type]
        if kind == "url":  # a free URL: itself, as a link unless it is a link's text
            url = str(value)
            destination = safe_url(url)
            if self.in_link or destination is None:
                return escape(url)
            return f"[{escape(url)}]({url_destination(destination)})"
        name = str(value)
        if name.startswith("#"):  # a parser function we do not run
            return f"[{escape('{{' + name + '}}')}]{{.wiki-missing-template}}"
        # a template that does not exist: a red link, as in MediaWiki
        return f"[{escape(name)}]{{.wiki-redlink .wiki-missing-template}}"

    def literal(self, text: str) -> tuple[str, str]:
        """Text that is written literally (code, a role's text), without the converter's
        markers in it; and what the markers stand for, to write after it."""
        kept, after = [], []
        for kind, value in self.ctx.marker(text):
            if kind == "text":
                kept.append(str(value))
            else:
                after.append(self.marker(kind, value))
        return "".join(kept), "".join(after)

    def alt_text(self, text: str) -> str:
        """Text for an image's alt text: without the converter's markers, but a URL in it
        as itself (MediaWiki's alt text is the caption before links are made)."""
        return "".join(
            str(value) for kind, value in self.ctx.marker(text) if kind in {"text", "url"}
        )

    def literal_prefix(self, text: str) -> tuple[str, str]:
        """The text up to the first converter marker in it, and the rest."""
        for kind, value in self.ctx.marker(text):
            return (str(value), text[len(str(value)) :]) if kind == "text" else ("", text)
        return "", ""

    def code(self, text: str) -> str:
        text, after = self.literal(text)
        return (inline_code(text) if text else "") + after

    def wrap(self, delimiter: str, nodes: Inlines) -> str:
        inner = self.inlines(nodes)
        stripped = inner.strip()
        if not stripped:
            return inner
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        if stripped.endswith("\\") and not stripped.endswith("\\\\"):
            stripped += " "
        return f"{lead}{delimiter}{stripped}{delimiter}{trail}"

    def span(self, nodes: Inlines, css_class: str) -> str:
        inner = self.inlines(nodes)
        if css_class == "wiki-rp" and inner and not inner.strip():
            return "[&#32;]{.wiki-rp}"  # a space a browser hides between ruby's parts
        if not css_class or not inner.strip():
            return inner
        return f"[{inner}]{{.{css_class}}}"

    def html_span(self, content: Content) -> str:
        (_id, classes, _kv), nodes = content
        if "kbd" in classes or "samp" in classes:
            return self.code(plain_text(nodes))
        return self.inlines(nodes)

    def role(self, name: str, nodes: Inlines) -> str:
        text, after = self.literal(plain_text(nodes))
        if not text.strip():
            return after
        return "{" + name + "}" + inline_code(text) + after

    def quoted(self, content: Content) -> str:
        kind, nodes = content
        quote_char = '"' if kind["t"] == "DoubleQuote" else "'"
        return f"{quote_char}{self.inlines(nodes)}{quote_char}"

    def math(self, content: Content) -> str:
        _kind, tex = content  # display math outside a paragraph (a heading, a cell) is inline
        if self._unsafe_math(tex):
            return inline_code(tex)
        return "{math}" + inline_code(tex)

    def display_math(self, tex: str) -> str:
        if self._unsafe_math(tex):
            return self.code_block([["", ["latex"], []], tex.strip()])
        fence = code_fence(tex)
        return f"{fence}{{math}}\n{tex.strip()}\n{fence}"

    def _unsafe_math(self, tex: str) -> bool:
        reason = unsafe_tex(tex)
        if reason is not None:
            self.ctx.warn(Kind.UNSAFE, f"math with {reason} is shown as its source", tex[:40])
        return reason is not None

    def raw_inline(self, content: Content) -> str:
        fmt, text = content
        if fmt == "mediawiki" and text.startswith("{{{"):
            return escape(text)  # a template's parameter, shown as such on the template's page
        match = _HTML_TAG.match(text.strip()) if fmt == "html" else None
        if match and match.group(2).lower() in SPAN_TAGS:
            if match.group(2).lower() == "br":
                return "\\\n"
            return ""  # unpaired allowed tag: dropped, content kept
        if fmt == "html" and MICRODATA_TAG_RE.fullmatch(text.strip()):
            return ""  # microdata: nothing to see
        self.ctx.warn(Kind.HTML, f"markup shown as text: {text[:60]!r}", text)
        return escape(text)

    def _pair_raw_inlines(self, nodes: Inlines) -> Inlines:
        """Turn ``<u>``…``</u>`` and the like into spans with a class."""
        out: Inlines = []
        i = 0
        while i < len(nodes):
            node = nodes[i]
            match = None
            if node["t"] == "RawInline" and node["c"][0] == "html":
                match = _HTML_TAG.match(node["c"][1].strip())
            if match and not match.group(1) and not match.group(3):
                name = tag = match.group(2).lower()
                if named := _NAMED_SPAN.search(node["c"][1]) if name == "span" else None:
                    tag = named.group(1)  # a tag pandoc would read as a block (convert.py)
                css = SPAN_TAGS.get(tag)
                if css or tag in SEMANTIC_TAGS:
                    end = _find_close(nodes, i + 1, name)
                    if end is not None:
                        inner = nodes[i + 1 : end]
                        if tag in SEMANTIC_TAGS:
                            out.append(SEMANTIC_TAGS[tag](inner))
                        else:
                            out.append({"t": "WikiSpan", "c": [css, inner]})
                        i = end + 1
                        continue
            out.append(node)
            i += 1
        return out

    def link(self, content: Content) -> str:
        (_id, classes, _kv), text_nodes, (target, _title) = content
        shown = plain_text(text_nodes)
        if self.in_link:  # a link in a link's text: MediaWiki shows only its text
            return self.inlines(text_nodes)
        if "wikilink" not in classes and shown == target:
            head, rest = self.literal_prefix(target)
            if rest:  # a free URL runs on into a marker (an image after it): it ends there
                attr = ["", classes, []]
                return self.link([attr, [text_node(head)], (head, "")]) + self.str_(rest)
        if "wikilink" in classes:
            if shown.replace(" ", "_") == target:  # no pipe: the target as typed ([[:X]]: X)
                text_nodes = [text_node(link_title(shown[1:] if shown[:1] == ":" else shown))]
            target = link_title(target)
        self.in_link = True
        try:
            text = self.inlines(text_nodes).replace("\\\n", " ")
        finally:
            self.in_link = False
        if "wikilink" in classes:
            resolved = self.ctx.resolve(target)
        else:
            url = safe_url(target)
            resolved = Resolved("external", url) if url else Resolved("text")
            if url is None and shown == target:
                return text  # free text that only looks like a URL: MediaWiki leaves it too
            if url is None:
                self.ctx.warn(Kind.LINK, f"link to {target[:80]!r} is not a web address", target)
                return escape(f"[{target} ") + text + escape("]")
        if not text.strip():
            text = escape(resolved.title or target)
        if resolved.kind == "internal":
            return f"[{text}](#{resolved.target})"
        if resolved.kind == "external":
            return f"[{text}]({url_destination(resolved.target)})"
        if resolved.kind == "file":
            return f"[{text}](/{resolved.target})"
        if resolved.kind == "red":
            return f"[{text}]{{.wiki-redlink}}"
        if resolved.kind == "self":
            return f"[{text}]{{.wiki-selflink}}"
        return text

    def image(self, content: Content) -> str:
        _attr, caption, (target, _title) = content
        self.ctx.warn(Kind.FILE, f"file {target!r} is not in the source", target)
        label = escape(f"File:{target}")
        text = self.inlines(caption).strip()
        return f"[{label}]{{.wiki-missing-file}}" + (f" {text}" if text and text != label else "")

    def _missing_file(self, image: Image) -> str:
        """A file the source does not have, or one MediaWiki does not show (``unshown``):
        a link in its place (red for a missing file, to the file for the others)."""
        use = image.use
        caption = self.inlines(_caption_text(image.caption)).replace("\\\n", " ").strip()
        # MediaWiki's broken-file link reads the alt text, or (inline) the caption as text
        # (its links as their text), or the title; a figure shows its caption below it.
        label = escape(use.alt) if use.alt else ""
        if use.alt is None and not use.is_figure:
            self.in_link = True
            try:
                label = self.inlines(_caption_text(image.caption)).replace("\\\n", " ").strip()
            finally:
                self.in_link = False
        if image.thumbnail_error:
            label = escape(THUMBNAIL_ERROR_TEXT)
        text = label or _tagged_markup(image.shown_title or use.title)
        if image.unshown:
            link = f"[{text}](/{image.file})"
        elif image.description:
            link = f"[{text}](#{image.description})"
        elif image.description is not None:  # a page of the wiki, if none of the site
            link = f"[{text}]{{.wiki-missing-file}}"
        else:
            link = f"[{text}]{{.wiki-redlink .wiki-missing-file}}"
        return link + (f" {caption}" if caption and use.is_figure else "")

    def inline_image(self, image: Image) -> str:
        use = image.use
        if image.path is None or image.unshown:
            return self._missing_file(image)
        alt = self.alt_text(use.alt or plain_text(_alt_inlines(image.caption)))
        text = escape(alt or use.title)
        if not use.is_image:
            return f"[{text}](/{image.path})"
        size = f"{{width={image.width}px}}" if image.width else ""
        picture = f"![{text}](/{image.path}){size}"
        if image.link:
            return f"[{picture}]({self._image_target(image.link)})"
        if image.red_link:
            return f"[{picture}]{{.wiki-redlink}}"
        return picture

    @staticmethod
    def _image_target(link: str) -> str:
        """Where an image's ``link=`` leads: a URL, a file (``/media/…``) or ``#label``
        (also as a figure's ``:target:``: the Sphinx extension resolves it as a link's)."""
        if safe_url(link):
            return url_destination(link)
        return link if link.startswith("/") else f"#{link}"

    def figure(self, image: Image) -> str:
        """A thumbnail or a framed file (its caption below it), or an aligned one (its
        caption only its alt text): a block of its own, as MediaWiki's ``<figure>``."""
        use = image.use
        if image.path is None or image.unshown or not use.is_image:
            return self.inline_image(image)
        if image.red_link:  # a link to a missing page: the image in a red link, on its own
            return self.inline_image(image)
        caption = ""
        if use.is_figure:
            self.nesting += 1
            caption = self.blocks(image.caption).strip()
            self.nesting -= 1
        if caption and image.caption[0]["t"] not in {"Para", "Plain"}:
            # docutils takes a figure's first block for its caption, and wants a paragraph:
            # a caption that starts with a table or a list is all legend, under an empty one
            caption = "&nbsp;\n\n" + caption
        options = []
        alt = self.alt_text(use.alt or plain_text(_alt_inlines(image.caption)))
        if not use.is_figure and use.alt is None:
            alt = alt or use.title  # as an inline image's
        if alt:
            options.append(f":alt: {option_value(alt)}")
        if image.width:
            options.append(f":width: {image.width}px")
        if use.align in {"left", "right", "center"}:
            options.append(f":align: {use.align}")
        elif use.format == "thumb":
            options.append(":align: right")  # MediaWiki floats thumbnails right
        if image.link and not image.link.startswith("/"):  # (a file's link: Sphinx's own)
            target = self._image_target(image.link)
            options.append(f":target: {option_value(target) if target[:1] == '#' else target}")
        body = "\n".join(options) + ("\n\n" + caption if caption else "")
        fence = code_fence(body)
        return f"{fence}{{figure}} /{image.path}\n{body}\n{fence}"

    # sphinx-design: galleries, dropdowns, tab sets

    def _inner(self, blocks: Blocks) -> str:
        """Blocks inside a directive: headings are bold text there, and not the page's."""
        self.nesting += 1
        count = self.heading_count
        try:
            return self.blocks(blocks).strip()
        finally:
            self.nesting -= 1
            self.heading_count = count

    def _card(self, image: Image, gallery: Gallery) -> str:
        use = image.use
        caption = self._inner(image.caption)
        if gallery.show_filenames:  # the file's name (its redirect's target), then the caption
            name = escape(use.title.split(":", 1)[-1])
            caption = name + ("\n\n" + caption if caption else "")
        below = f"\n\n{caption}" if caption else ""
        if image.path is None:  # MediaWiki's broken file: its alt text, caption or title
            caption_text = plain_text(_caption_text(image.caption))
            # (a URL in it reads as itself, the other markers as nothing)
            text = "".join(
                str(value)
                for kind, value in self.ctx.marker(caption_text)
                if kind in {"text", "url"}
            ).strip()
            label = escape(use.alt or text or use.title)
            return f"[{label}]{{.wiki-redlink .wiki-missing-file}}" + below
        if image.bad:  # MediaWiki links a bad image's page by its name instead
            return escape(use.title) + below
        if not use.is_image:
            return self.inline_image(image) + below
        alt = self.literal(use.alt or plain_text(_caption_text(image.caption)))[0]
        alt = alt or use.title.split(":", 1)[-1]
        size = "" if gallery.mode == "slideshow" else (
            f"width={image.width}px" if image.width else f"height={gallery.heights}px"
        )  # fmt: skip
        if (image.link and not safe_url(image.link)) or image.red_link:
            # a link to a page: the image inside a link (or a red link), as inline images are
            picture = f"![{escape(alt)}](/{image.path})" + (f"{{{size}}}" if size else "")
            if image.red_link:
                return f"[{picture}]{{.wiki-redlink}}" + below
            return f"[{picture}](#{image.link})" + below
        options = [f":alt: {option_value(alt)}"]
        if size:
            options.append(f":{size.replace('=', ': ')}")
        options.append(":align: center")
        if image.link and safe_url(image.link):
            options.append(f":target: {url_destination(image.link)}")
        body = "\n".join(options)
        fence = code_fence(body)
        return f"{fence}{{image}} /{image.path}\n{body}\n{fence}" + below

    def gallery(self, block: GalleryBlock) -> str:
        """A grid of cards, one a file, its caption below: the gallery's columns on a wide
        screen (``perrow``, else as many as fit), fewer on a narrow one. (Its caption is the
        paragraph before it.)"""
        gallery = block.gallery
        if gallery.mode == "slideshow":
            columns = "1"
        elif gallery.perrow:
            n = min(gallery.perrow, 12)
            columns = f"{min(n, 2)} {min(n, 3)} {n} {n}"
        else:
            columns = "2 3 4 5"
        if not block.images:  # MediaWiki shows an empty gallery as nothing but its caption
            return ""
        cards = []
        for image in block.images:
            body = self._card(image, gallery)
            fence = code_fence(body)
            cards.append(
                f"{fence}{{grid-item-card}}\n:class-card: wiki-gallery-item\n\n{body}\n{fence}"
            )
        inner = "\n\n".join(cards)
        fence = code_fence(inner)
        classes = f"wiki-gallery wiki-gallery-{gallery.mode}"
        options = f":gutter: 2\n:class-container: {classes}\n"
        return f"{fence}{{grid}} {columns}\n{options}\n{inner}\n{fence}"

    def layout(self, block: LayoutBlock) -> str:
        # A ref or file in a title cannot stand there: it follows, at the start of the body.
        if block.kind == "tabs":
            items = []
            for label, blocks in block.parts:
                text, after = self.literal(label)
                body = (after + "\n\n" if after else "") + self._inner(blocks)
                body = body.strip() or escape("(empty)")
                fence = code_fence(body)
                items.append(f"{fence}{{tab-item}} {_directive_title(text)}\n\n{body}\n{fence}")
            inner = "\n\n".join(items)
            fence = code_fence(inner)
            return f"{fence}{{tab-set}}\n:class: wiki-tabs\n\n{inner}\n{fence}"
        text, after = self.literal(block.title)
        body = "\n\n".join([after, *(self._inner(blocks) for _label, blocks in block.parts)])
        body = body.strip() or escape("(empty)")
        options = ":class-container: wiki-collapsible\n" + (":open:\n" if block.open else "")
        fence = code_fence(body)
        return f"{fence}{{dropdown}} {_directive_title(text)}\n{options}\n{body}\n{fence}"

    def note(self, blocks: Blocks) -> str:
        self.ctx.warn(Kind.REF, "a footnote that is not a <ref> was kept inline")
        return (
            " ("
            + " ".join(self.inlines(b["c"]) for b in blocks if b["t"] in {"Para", "Plain"})
            + ")"
        )


def table_grid(rows: list[Content]) -> list[list[Content | None]]:
    """Pandoc's rows of cells laid out on a grid, as a browser lays out spans: each row a
    list of places, the cell that starts there, or ``None`` for a place a span covers."""
    grid: list[list[Content | None]] = []
    below: dict[tuple[int, int], bool] = {}  # places taken by row spans from above
    for number, cells in enumerate(rows):
        line: list[Content | None] = []
        for cell in cells:
            while below.get((number, len(line))):
                line.append(None)
            rowspan, colspan = max(cell[2], 1), max(cell[3], 1)
            for row in range(number + 1, min(number + rowspan, len(rows))):
                for column in range(len(line), len(line) + colspan):
                    below[(row, column)] = True
            line += [cell] + [None] * (colspan - 1)
        while below.get((number, len(line))):
            line.append(None)
        grid.append(line)
    return grid


def _flanking_char(char: str) -> str:
    """How CommonMark sees a character next to a delimiter run: " " (whitespace or the
    start or end of the text), "." (punctuation) or "a" (anything else)."""
    if not char or char.isspace():
        return " "
    if unicodedata.category(char)[0] in {"P", "S"}:
        return "."
    return "a"


def _holding_emphasis(text: str, before: str, after: str) -> str:
    """Emphasis written as ``*x*``/``**x**``, or inside a span where its delimiters would
    not open or close between these neighbours (CommonMark's flanking rules) and so show
    as asterisks: ``a*(b)*`` or ``**a***b*``."""
    core = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    run = len(core) - len(core.lstrip("*"))
    inner = core[run:-run] if run else core
    if not run or not inner:
        return text
    before = lead[-1:] or before
    after = trail[:1] or after
    outside_before, outside_after = _flanking_char(before), _flanking_char(after)
    first, last = _flanking_char(inner[0]), _flanking_char(inner[-1])
    opens = first != " " and (first != "." or outside_before != "a")
    closes = last != " " and (last != "." or outside_after != "a")
    if opens and closes and before != "*" and after != "*":
        return text
    return f"{lead}[{core}]{{.wiki-em}}{trail}"


def _find_close(nodes: Inlines, start: int, name: str) -> int | None:
    depth = 0
    for j in range(start, len(nodes)):
        node = nodes[j]
        if node["t"] != "RawInline" or node["c"][0] != "html":
            continue
        match = _HTML_TAG.match(node["c"][1].strip())
        if not match or match.group(2).lower() != name or match.group(3):
            continue
        if match.group(1):
            if depth == 0:
                return j
            depth -= 1
        else:
            depth += 1
    return None


def _is_preformatted(inlines: Inlines) -> bool:
    """pandoc reads MediaWiki's leading-space lines as code spans with line breaks."""
    kinds = {node["t"] for node in inlines}
    return (
        bool(inlines)
        and kinds <= {"Code", "LineBreak", "SoftBreak"}
        and "Code" in kinds
        and any("\u00a0" in node["c"][1] for node in inlines if node["t"] == "Code")
    )


def _preformatted_text(inlines: Inlines) -> str:
    lines = [""]
    for node in inlines:
        if node["t"] == "Code":
            lines[-1] += node["c"][1].replace("\u00a0", " ")
        else:
            lines.append("")
    return "\n".join(lines)


def _trim(inlines: Inlines) -> Inlines:
    while inlines and inlines[0]["t"] in {"Space", "SoftBreak", "LineBreak"}:
        inlines = inlines[1:]
    while inlines and inlines[-1]["t"] in {"Space", "SoftBreak", "LineBreak"}:
        inlines = inlines[:-1]
    return inlines


_SPACE: Inline = {"t": "Space"}


_BOLD_ITALIC_TAG = re.compile(r"(</?[bi]>)")


def _tagged_markup(text: str) -> str:
    """Text with ``<b>``/``<i>`` tags (:func:`convert.quote_line`'s) as MyST: the text
    escaped, the tags as ``**`` and ``*``."""
    parts = _BOLD_ITALIC_TAG.split(text)
    return "".join(
        ("**" if "b" in part else "*") if i % 2 else escape(part) for i, part in enumerate(parts)
    )


def _alt_inlines(blocks: Blocks) -> Inlines:
    """The inline text of all of a caption's blocks, a space between two, for its alt text:
    MediaWiki's alt text is the caption's text whatever its lines start with."""
    out: Inlines = []
    for block in blocks:
        inner = _block_inlines(block)
        if inner:
            out += ([_SPACE] if out else []) + inner
    return out


def _block_inlines(block: Block) -> Inlines:
    kind, content = block["t"], block.get("c") or []
    if kind in {"Plain", "Para"}:
        return list(content)
    if kind == "Header":
        return list(content[2])
    if kind == "LineBlock":
        return [node for line in content for node in [*line, _SPACE]]
    if kind in {"BulletList", "OrderedList"}:
        items = content if kind == "BulletList" else content[1]
        return _alt_inlines([{"t": "Div", "c": [NO_ATTR, item]} for item in items])
    if kind == "DefinitionList":
        parts: Blocks = []
        for term, definitions in content:
            parts.append({"t": "Plain", "c": term})
            parts += [{"t": "Div", "c": [NO_ATTR, d]} for d in definitions]
        return _alt_inlines(parts)
    if kind == "BlockQuote":
        return _alt_inlines(content)
    if kind == "Div":
        return _alt_inlines(content[1])
    return []


def _caption_text(blocks: Blocks) -> Inlines:
    return [n for b in blocks if b["t"] in {"Plain", "Para"} for n in b["c"]]


def _directive_title(text: str) -> str:
    """Wiki text as a directive's one-line title (read as inline MyST): escaped, and its
    backticks as character references (a backtick fence's opening line may hold none)."""
    title = escape(" ".join(text.split())).replace("\\`", "&#96;").replace("`", "&#96;")
    return title or escape("(untitled)")
