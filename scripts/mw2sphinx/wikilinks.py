"""Internal links as MediaWiki finds them, before anything else reads the text.

MediaWiki reads ``[[…]]`` before external links, bold and italics
(``Parser::handleInternalLinks2``): it cuts the text at every ``[[``; a piece that starts
with a target of title characters, an optional ``|text`` and ``]]`` is a link, when its
target (``%``-escapes decoded) is a valid title that does not start with a URL protocol;
any other piece keeps its ``[[`` as text. A link's text is never read for external links,
so ``[[Test|[http://x y]]`` links to Test with the text ``[http://x y``.

pandoc and mwparserfromhell each find links their own way. Here every piece MediaWiki
leaves as text has its ``[[`` written as character references, and every link to a page
is written in one form both read alike: ``[[target|text]]``, the target decoded, the
brackets in its text as references. Links that show a file, categories and interlanguage
links are left as they are written (their target decoded), for the stages that read them.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from . import titles as t
from .vocabulary import URL_PROTOCOLS

# Title::legalChars() ($wgLegalTitleChars) and "#%" (a fragment, %-escapes).
_TITLE_CHARS = r" %!\"$&'()*,\-./0-9:;=?@A-Z\\^_`a-z~+\u0080-\U0010ffff#"
_LINK = re.compile(rf"([{_TITLE_CHARS}]+)(?:\|(.+?))?\]\](.*)", re.DOTALL)
#: no "]]": an image whose caption holds links, or no link at all
_OPEN_LINK = re.compile(rf"([{_TITLE_CHARS}]+)\|(.*)", re.DOTALL)
_PROTOCOL = re.compile("|".join(re.escape(p) for p in (*URL_PROTOCOLS, "//")), re.IGNORECASE)

#: What MediaWiki has taken out of the text (strip markers) before it reads links:
#: comments and the content of extension tags. A ref's and a reference list's text are
#: read for links on their own.
_OPAQUE = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(nowiki|pre|math|syntaxhighlight|source|score|graph|chem|gallery|templatestyles)\b"
    r"[^>]*?(?:/>|>.*?(?:</\1\s*>|\Z))"
    r"|(<(ref|references)\b[^>]*?(?<!/)>)(.*?)(</\4\s*>)",
    re.IGNORECASE | re.DOTALL,
)
_KEPT = re.compile("\x7fMWL(\\d+)\x7f")

#: "[[" as text: character references (the second stays a bracket, "[[http://x y]]" is
#: an external link in brackets, unless a "[" follows, or the next piece's "[[", and would
#: open a link with it).
_TEXT_BRACKETS = "&#91;["
_TEXT_BRACKETS_BEFORE_BRACKET = "&#91;&#91;"


def _as_text(rest: str) -> str:
    """A piece that is no link: its ``[[`` as text."""
    before_bracket = not rest or rest.startswith("[")
    return (_TEXT_BRACKETS_BEFORE_BRACKET if before_bracket else _TEXT_BRACKETS) + rest


_TEXT_REFERENCES = str.maketrans({"[": "&#91;", "]": "&#93;", "{": "&#123;", "}": "&#125;"})


def _escape_text(text: str) -> str:
    """A link's text, its brackets as references: MediaWiki reads no link in it, and its
    braces are text once templates are expanded (pandoc would read ``{{…}}`` as one)."""
    return text.translate(_TEXT_REFERENCES)


def _decoded(target: str) -> str:
    """A target's %-escapes decoded, ``<`` and ``>`` as references (as MediaWiki does)."""
    if "%" not in target:
        return target
    return unquote(target, errors="replace").replace("<", "&lt;").replace(">", "&gt;")


class _Links:
    def __init__(self, namespaces: t.Namespaces, kept: list[str]):
        self.namespaces = namespaces
        self.kept = kept  # what the markers in the text stand for

    def block_at(self, label: str) -> int:
        """Where a ``<pre>`` starts in a link's text (-1: none). MediaWiki's link holds it;
        a link here holds no block: it ends there, and the block follows it."""
        for marker in _KEPT.finditer(label):
            if self.kept[int(marker.group(1))][:4].lower() == "<pre":
                return marker.start()
        return -1

    def left_as_written(self, title: t.Title, forced: bool) -> bool:
        """Files shown, categories and interlanguage links: read by later stages."""
        if forced or title.via_local:
            return False
        if title.interwiki:
            return title.interwiki in self.namespaces.languages
        return title.namespace in {t.FILE, t.CATEGORY}

    def read(self, text: str) -> str:
        pieces = text.split("[[")
        out = [pieces[0]]
        at = 1
        while at < len(pieces):
            line = pieces[at]
            at += 1
            link = _LINK.match(line)
            open_link = None if link else _OPEN_LINK.match(line)
            if link:
                target, label, trail = link.group(1), link.group(2), link.group(3)
                if label and trail.startswith("]") and "[" in label:  # T4095
                    label, trail = label + "]", trail[1:]
            elif open_link:
                target, label, trail = open_link.group(1), open_link.group(2), ""
            else:
                out.append(_as_text(line))
                continue
            decoded = _decoded(target)
            written = decoded.lstrip(" ")
            title = None if _PROTOCOL.match(written) else self.namespaces.parse(written)
            if title is None:
                out.append(_as_text(line))
                continue
            forced = written.startswith(":")
            if open_link:
                image = title.namespace == t.FILE and not forced and not title.interwiki
                if not image:
                    out.append(_as_text(f"{written}|{label}"))
                    continue
                at, caption, closed = self._image_caption(pieces, at, label)
                if closed is None:  # no end: as text, the links in it read
                    out.append(_as_text(f"{written}|{self.read(caption)}"))
                else:
                    out.append(f"[[{decoded}|{self.read(caption)}]]{closed}")
                continue
            if self.left_as_written(title, forced):
                out.append(f"[[{decoded}{'' if label is None else '|' + label}]]{trail}")
            elif label is None and decoded == target:
                out.append(f"[[{target}]]{trail}")
            else:  # the text shown is the target as typed, decoded, without its ":"
                shown = written.removeprefix(":") if label is None else label
                block = self.block_at(shown)
                if block >= 0:
                    shown, trail = shown[:block], shown[block:] + trail
                out.append(f"[[{decoded}|{_escape_text(shown)}]]{trail}")
        return "".join(out)

    @staticmethod
    def _image_caption(pieces: list[str], at: int, caption: str) -> tuple[int, str, str | None]:
        """An image's caption with links in it runs on past their ``]]`` to its own: the
        next piece, the caption, and the trail after the image (``None``: it has no end)."""
        while at < len(pieces):
            parts = pieces[at].split("]]", 2)
            at += 1
            if len(parts) == 1:
                return at, caption + "[[" + parts[0], None
            caption += f"[[{parts[0]}]]{parts[1]}"
            if len(parts) == 3:
                return at, caption, parts[2]
        return at, caption, None


def mark_internal_links(text: str, *, namespaces: t.Namespaces) -> str:
    """The text with its internal links written as MediaWiki finds them (see above)."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        if match.group(3):  # <ref>…</ref>: its text is read on its own
            inner = mark_internal_links(match.group(5), namespaces=namespaces)
            kept.append(match.group(3) + inner + match.group(6))
        else:
            kept.append(match.group(0))
        return f"\x7fMWL{len(kept) - 1}\x7f"

    hidden = _OPAQUE.sub(keep, text)
    return _KEPT.sub(lambda m: kept[int(m.group(1))], _Links(namespaces, kept).read(hidden))
