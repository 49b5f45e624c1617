"""Where MediaWiki's preprocessor finds templates, arguments and extension tags in wikitext.

mwparserfromhell reads wikitext as a tokenizer for editors, backtracking where markup does
not close; MediaWiki's preprocessor (Preprocessor_Hash) matches brackets with a stack, and
the two disagree on text that is not well formed: ``{{1x|{{|foo}}}}`` (a template with no
name is a template to MediaWiki, shown as text when expanded), ``{{1x|[[Foo}}`` (the link,
opened last, is what must close first: the template never closes), ``{{ }<nowiki>}</nowiki>}}``
(an extension tag is opaque), an ``=`` in an HTML attribute (text to the preprocessor: it
names the argument). This module finds what MediaWiki finds, in the same way:

- ``{{`` and ``{{{`` (and longer runs: the closing run decides, ``}}}`` first as an
  argument), ``[[`` and ``-{``, each pushed on a stack; only the innermost one's closing
  bracket is looked for, and only a template's or an argument's ``|`` and first ``=``;
- ``<!-- … -->`` and extension tags (``<ref>…</ref>``), whose insides are not read;
- a line that starts with ``=`` (a heading to be), inside which ``|`` and ``=`` are text;
- brackets that never close are text, with what was found inside them.

:func:`parse` gives the top-level nodes; the parts of a template are kept as the text they
were written as (the expand stage reads each part again when it expands it, which finds the
same nodes: a part's brackets are all closed inside it).
"""

from __future__ import annotations

import dataclasses
import functools
import re

from .vocabulary import EXTENSION_TAGS

# What MediaWiki's preprocessor opens: the closing bracket, the counts that make a node
# (None: no node, the brackets are text but still have to be matched), and the least count.
_RULES: dict[str, tuple[str, dict[int, str | None], int]] = {
    "{": ("}", {2: "template", 3: "argument"}, 2),
    "[": ("]", {2: None}, 2),
    "-{": ("}-", {2: None}, 2),
}


@dataclasses.dataclass
class Comment:
    text: str

    def __str__(self) -> str:
        return self.text


@dataclasses.dataclass
class Extension:
    """An extension tag (``<ref name="a">…</ref>``): its inside is not the preprocessor's."""

    name: str  # as written
    attributes: str  # ' name="a"', with the space before
    inner: str | None  # None: <ref … />
    close: str

    def __str__(self) -> str:
        if self.inner is None:
            return f"<{self.name}{self.attributes}/>"
        return f"<{self.name}{self.attributes}>{self.inner}{self.close}"


class _Equals:
    """The ``=`` that ends a part's name."""

    def __str__(self) -> str:
        return "="


EQUALS = _Equals()


@dataclasses.dataclass
class Part:
    """One ``|``-separated part of a template or argument: its nodes, and where its ``=``
    is among them (``None``: a positional part)."""

    nodes: list = dataclasses.field(default_factory=list)
    equals: int | None = None

    @property
    def text(self) -> str:
        return "".join(map(str, self.nodes))

    @property
    def name(self) -> str:
        return "".join(map(str, self.nodes[: self.equals]))

    @property
    def value(self) -> str:
        nodes = self.nodes if self.equals is None else self.nodes[self.equals + 1 :]
        return "".join(map(str, nodes))


@dataclasses.dataclass
class Braced:
    """A template (``{{title|part|…}}``) or an argument (``{{{name|default}}}``)."""

    kind: str  # "template" or "argument"
    parts: list[Part]

    def __str__(self) -> str:
        braces = 3 if self.kind == "argument" else 2
        inside = "|".join(part.text for part in self.parts)
        return "{" * braces + inside + "}" * braces


@dataclasses.dataclass
class _Piece:
    open: str
    close: str
    count: int
    parts: list[Part]
    saved_prefix: str = ""
    start: int = 0

    @property
    def nodes(self) -> list:
        return self.parts[-1].nodes

    def flags(self) -> tuple[bool, bool, bool]:
        """(find pipes, find an equals sign, in a heading) while this is the innermost."""
        pipe = self.open not in {"\n", "["}
        equals = pipe and len(self.parts) > 1 and self.parts[-1].equals is None
        return pipe, equals, self.open == "\n"

    def broken(self, count: int | None = None) -> list:
        """What an opening that never closes is: its brackets as text and what it holds."""
        if self.open == "\n":
            return [self.saved_prefix, *self.parts[0].nodes]
        count = self.count if count is None else count
        opening = self.open[:-1] + self.open[-1] * (count - len(self.open) + 1)
        out: list = [self.saved_prefix + opening]
        for number, part in enumerate(self.parts):
            if number:
                _add_text(out, "|")
            for node in part.nodes:
                if isinstance(node, str | _Equals):  # a broken part's "=" is text again
                    _add_text(out, str(node))
                else:
                    out.append(node)
        return out


def _add_text(nodes: list, text: str) -> None:
    if nodes and isinstance(nodes[-1], str):
        nodes[-1] += text
    elif text:
        nodes.append(text)


@functools.cache
def _search(closing: str, pipe: bool, equals: bool) -> re.Pattern[str]:
    chars = "[{<\n-" + closing[:1] + ("|" if pipe else "") + ("=" if equals else "")
    return re.compile("[" + re.escape(chars) + "]")


_TAG_NAMES = "|".join(sorted(EXTENSION_TAGS, key=len, reverse=True))
_ELEMENT = re.compile(rf"({_TAG_NAMES})(?:\s|/>|>)|(!--)", re.IGNORECASE)


def parse(text: str) -> list:
    """The nodes MediaWiki's preprocessor finds at the top of ``text``: strings, and
    :class:`Braced`, :class:`Comment` and :class:`Extension` nodes."""
    return _Parser(text).run()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.root: list = []
        self.stack: list[_Piece] = []
        self.no_closing_tag: set[str] = set()
        self.no_more_gt = False

    @property
    def accum(self) -> list:
        return self.stack[-1].nodes if self.stack else self.root

    def flags(self) -> tuple[bool, bool, bool]:
        return self.stack[-1].flags() if self.stack else (False, False, False)

    def run(self) -> list:
        text, length = self.text, len(self.text)
        i = 0
        line_start = True  # the text starts as if after a newline
        while True:
            if line_start:
                line_start = False
                i = self.line_start(i, consume=False)
                continue
            top = self.stack[-1] if self.stack else None
            closing = top.close if top else ""
            pipe, equals, in_heading = self.flags()
            match = _search(closing, pipe, equals).search(text, i)
            end = match.start() if match else length
            if end > i:
                _add_text(self.accum, text[i:end])
                i = end
            if i >= length:
                if closing == "\n":
                    self.line_end(i)
                    continue
                break
            char = text[i]
            two = text[i : i + 2]
            if char == "|":
                self.stack[-1].parts.append(Part())
                i += 1
            elif char == "=":
                self.accum.append(EQUALS)
                self.stack[-1].parts[-1].equals = len(self.accum) - 1
                i += 1
            elif char == "<":
                i, line_start = self.angle(i)
            elif char == "\n":
                if in_heading:
                    self.line_end(i)
                else:
                    i = self.line_start(i, consume=True)
            elif closing and (two == closing or char == closing):
                i = self.close(i, two if two == closing else char)
            elif two in _RULES:
                i = self.open(i, two)
            elif char in _RULES:
                i = self.open(i, char)
            else:  # a "-" or "}" that opens or closes nothing
                _add_text(self.accum, char)
                i += 1
        for piece in self.stack:
            target = self.root
            for node in piece.broken():
                if isinstance(node, str):
                    _add_text(target, node)
                else:
                    target.append(node)
        return self.root

    # --- openings and closings ---------------------------------------------------------

    def push(self, piece: _Piece) -> None:
        self.stack.append(piece)

    def pop_into_parent(self, nodes: list) -> None:
        for node in nodes:
            if isinstance(node, str):
                _add_text(self.accum, node)
            else:
                self.accum.append(node)

    def open(self, i: int, opening: str) -> int:
        text = self.text
        if len(opening) > 1:
            count = len(opening) + _run(text, opening[-1], i + len(opening))
        else:
            count = _run(text, opening, i)
        prefix = ""
        if opening == "-{" and count > 2:  # "-{{": the braces are a template's, "-" is text
            prefix, opening, count, i = "-", "{", count - 1, i + 1
        close, _names, least = _RULES[opening]
        if count >= least:
            self.push(_Piece(opening, close, count, [Part()], prefix, i))
        else:
            _add_text(self.accum, prefix + opening[-1] * count)
        return i + count

    def close(self, i: int, closing: str) -> int:
        piece = self.stack[-1]
        most = piece.count
        if piece.close == "}-" and closing == "}":
            most -= 1  # the "-" after is not a brace
        count = len(closing) if len(closing) > 1 else _run(self.text, closing, i, most)
        _close, names, least = _RULES[piece.open]
        matching = min(count, max(names))
        while matching > 0 and matching not in names:
            matching -= 1
        if matching <= 0:
            _add_text(self.accum, self.text[i : i + count])
            return i + count
        kind = names[matching]
        if kind is None:  # brackets matched, but no node: text, with what they hold
            element = piece.broken(matching)
            _add_text(element, self.text[i : i + matching])
        else:
            element = [Braced(kind, piece.parts)]
        self.stack.pop()
        if matching < piece.count:
            piece.parts = [Part()]
            piece.count -= matching
            if piece.count >= least:
                self.push(piece)
            elif piece.count == 1 and piece.open == "{" and piece.saved_prefix == "-":
                piece.saved_prefix, piece.open, piece.count, piece.close = "", "-{", 2, "}-"
                self.push(piece)
            else:
                opening = piece.open[:-1] + piece.open[-1] * (piece.count - len(piece.open) + 1)
                _add_text(self.accum, piece.saved_prefix + opening)
        elif piece.saved_prefix:
            _add_text(self.accum, piece.saved_prefix)
        self.pop_into_parent(element)
        return i + matching

    # --- lines and headings -------------------------------------------------------------

    def line_start(self, i: int, *, consume: bool) -> int:
        if consume:
            _add_text(self.accum, "\n")
            i += 1
        count = _run(self.text, "=", i, 6)
        _pipe, equals, _in_heading = self.flags()
        if count == 1 and equals:
            return i  # more likely a name's "=" than a heading
        if count > 0:
            self.push(_Piece("\n", "\n", count, [Part(["=" * count])], start=i))
            return i + count
        return i

    def line_end(self, i: int) -> None:
        piece = self.stack.pop()
        self.pop_into_parent(piece.parts[0].nodes)

    # --- tags and comments --------------------------------------------------------------

    def angle(self, i: int) -> tuple[int, bool]:
        """``<``: a comment, an extension tag, or text. The place after it, and whether
        the next character starts a line as far as headings go."""
        text = self.text
        match = _ELEMENT.match(text, i + 1)
        if match is None:
            _add_text(self.accum, "<")
            return i + 1, False
        if match.group(2):
            return self.comment(i)
        name = match.group(1)
        attr_start = i + 1 + len(name)
        tag_end = -1 if self.no_more_gt else text.find(">", attr_start)
        if tag_end < 0:
            self.no_more_gt = True
            _add_text(self.accum, "<")
            return i + 1, False
        if text[tag_end - 1] == "/":
            self.accum.append(Extension(name, text[attr_start : tag_end - 1], None, ""))
            return tag_end + 1, False
        closing = None
        if name.lower() not in self.no_closing_tag:
            closing = re.compile(rf"</{re.escape(name)}\s*>", re.IGNORECASE).search(
                text, tag_end + 1
            )
        if closing is None:
            self.no_closing_tag.add(name.lower())
            _add_text(self.accum, text[i : tag_end + 1])
            return tag_end + 1, False
        self.accum.append(
            Extension(
                name,
                text[attr_start:tag_end],
                text[tag_end + 1 : closing.start()],
                closing.group(),
            )
        )
        return closing.end(), False

    def comment(self, i: int) -> tuple[int, bool]:
        """A comment; on a line of its own (with only spaces and other comments) it takes
        the line with it, as in MediaWiki."""
        text = self.text
        end = text.find("-->", i + 4)
        if end < 0:
            self.accum.append(Comment(text[i:]))
            return len(text), False
        ws_start = i
        while ws_start > 0 and text[ws_start - 1] in " \t":
            ws_start -= 1
        ws_end = end + 2 + _run(text, " \t", end + 3)
        while text.startswith("<!--", ws_end + 1):
            later = text.find("-->", ws_end + 4)
            if later < 0:
                break
            ws_end = later + 2 + _run(text, " \t", later + 3)
        own_line = ws_start > 0 and text[ws_start - 1] == "\n" and text[ws_end + 1 : ws_end + 2]
        if own_line == "\n":
            accum = self.accum
            spaces = i - ws_start
            if spaces and accum and isinstance(accum[-1], str):
                accum[-1] = accum[-1][:-spaces]
            self.accum.append(Comment(text[i : ws_end + 2]))
            return ws_end + 2, True
        self.accum.append(Comment(text[i : end + 3]))
        return end + 3, False


def _run(text: str, chars: str, start: int, most: int | None = None) -> int:
    """How many of ``chars`` there are in a row from ``start`` (at most ``most``)."""
    end = start
    limit = len(text) if most is None else min(len(text), start + most)
    while end < limit and text[end] in chars:
        end += 1
    return end - start
