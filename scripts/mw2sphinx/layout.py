"""Wiki layout that becomes sphinx-design: galleries, collapsible blocks, tabs.

The convert stage takes these out of a page's wikitext and leaves a block marker in their
place (pandoc knows none of them); their parts are read by pandoc like ref texts and
written by the MyST writer as a ``grid`` of cards, a ``dropdown`` or a ``tab-set``.

- ``<gallery>`` (options ``mode``, ``widths``, ``heights``, ``perrow``, ``caption``,
  ``showfilename``): its lines are file uses (caption, ``alt=``, ``link=``); its caption is
  left in the page's text, just before the gallery;
- ``mw-collapsible`` on a ``<div>`` or a wiki table: a dropdown, closed when the element
  also has ``mw-collapsed``; a ``mw-collapsible-content`` child leaves the text before it
  as the dropdown's title, as MediaWiki leaves it visible;
- ``<tabber>`` (``Label=content|-|Label=content``, the Tabber and TabberNeue extensions)
  and ``<tabs><tab name="Label">…</tab></tabs>`` (the Tabs extension): a tab set.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from urllib.parse import unquote

import mwparserfromhell
from mwparserfromhell.nodes import Tag, Text
from mwparserfromhell.wikicode import Wikicode

from . import titles as t
from .files import FileUse, link_option
from .vocabulary import (
    BOX_MARKER,
    GALLERY_CAPTION_CLOSE,
    GALLERY_CAPTION_OPEN,
    GALLERY_CAPTION_RE,
    GALLERY_MARKER,
    URL_PROTOCOLS,
)

GALLERY_MODES = frozenset(
    {"traditional", "nolines", "packed", "packed-hover", "packed-overlay", "slideshow"}
)
#: MediaWiki's defaults ($wgGalleryOptions).
GALLERY_SIZE = 120
#: The title of a dropdown whose wiki text gives none (MediaWiki's toggle says "Expand").
EXPAND = "Expand"


@dataclasses.dataclass(frozen=True)
class Gallery:
    mode: str
    widths: int
    heights: int
    perrow: int | None
    images: tuple[int, ...]  # numbers of the page's file uses
    #: ``showfilename``: each file's name above its caption
    show_filenames: bool = False
    #: whether it has a caption: the text just before its marker, in the same paragraph
    captioned: bool = False


@dataclasses.dataclass(frozen=True)
class Box:
    """A dropdown (one part) or a tab set (a part a tab): (label, wikitext) each."""

    kind: str  # "dropdown" or "tabs"
    title: str  # plain text
    open: bool
    parts: tuple[tuple[str, str], ...]


_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
# (its caption may hold an external link, marked and closed by a <nowiki/> already)
_GALLERY = re.compile(
    r"<gallery\b((?:<nowiki/>|[^>])*)>(.*?)</gallery\s*>", re.IGNORECASE | re.DOTALL
)
#: A gallery's line: a file's name, then its options (Parser::renderImageGallery).
_GALLERY_LINE = re.compile(r"^([^|]+)(?:\|(.*))?$")
#: The options of a file's handler that a gallery reads (a page of a document, a moment of
#: a video); for an image only alt= and link= are options, the rest is caption.
_HANDLER_OPTIONS = {"page", "thumbtime", "start", "end"}
#: A gallery line's ``link=`` to a URL: MediaWiki's legacy parser reads the options as
#: wiki text before it splits them at "|" (Parser::renderImageGallery), so a free URL
#: there runs on through a "|", which a URL may hold.
_LINK_URL = re.compile(
    r"\blink\s*=\s*(?:" + "|".join(re.escape(p) for p in URL_PROTOCOLS) + r")"
    r"[^\]\[<>\"\x00-\x20\x7F\s]*",
    re.IGNORECASE,
)
_HIDDEN_PIPE = "\x7fPIPE\x7f"


def gallery_options(text: str) -> list[str]:
    """A gallery line's options: split at "|" as a file link's are, but not in a URL."""
    from .convert import split_options  # the same option syntax as [[File:…]]

    hidden = _LINK_URL.sub(lambda m: m.group(0).replace("|", _HIDDEN_PIPE), text)
    return [option.replace(_HIDDEN_PIPE, "|") for option in split_options(hidden)]


def tag_attributes(text: str) -> dict[str, str]:
    """A tag's attributes, by lower-case name; a value without its quotes (only them: a
    caption may start or end with apostrophes)."""
    return {
        k.lower(): (v[1:-1] if v[:1] in "\"'" and len(v) > 1 else v).strip()
        for k, v in _ATTRIBUTE.findall(text)
    }


def _size(value: str | None, default: int) -> int:
    match = re.match(r"\s*(\d+)", value or "")
    return int(match.group(1)) if match and int(match.group(1)) > 0 else default


def gallery_file(
    title: str, options: list[str], *, is_title: Callable[[str], bool] = lambda _: True
) -> FileUse:
    """A gallery line's file use: ``alt=``, ``link=`` and the handler's options are read,
    the last option nobody claims is the caption (its size, format and alignment are not
    options in a gallery: "300px" is a caption there). ``link=`` is read as a file link's
    (:func:`files.link_option`); ``is_title`` tells a valid title."""
    values: dict = {}
    caption = ""
    is_image = FileUse(title).is_image
    for raw in options:
        key, equals, value = raw.strip().partition("=")
        key = key.strip().lower()
        if equals and key == "alt":
            values["alt"] = " ".join(mwparserfromhell.parse(value).strip_code().split())
        elif equals and key == "link":
            if (target := link_option(value, is_title)) is not None:
                values["link"] = target
        elif not (equals and key in _HANDLER_OPTIONS and not is_image):
            caption = raw
    return FileUse(title, format="gallery", caption=caption.strip(), **values)


def _gallery_caption(wikitext: str, quotes: Callable[[str], str]) -> str:
    """A gallery's caption as a paragraph of the page that its marker ends (the writer
    styles it as the caption): MediaWiki reads it as inline text, its quotes, links and
    templates, no lists or headings (hence the <nowiki/> before it) and no paragraphs."""
    inline = " ".join(quotes(wikitext).split())
    return f"\n\n<nowiki/>{inline} " if inline else "\n\n"


def extract_galleries(
    text: str,
    *,
    namespaces: t.Namespaces,
    images: list[FileUse],
    warn: Callable[[str, str], None],
    quotes: Callable[[str], str] = lambda text: text,
) -> tuple[str, list[Gallery]]:
    """Replace each ``<gallery>`` by its caption and a marker; its files are appended to
    ``images``. ``quotes`` reads bold and italics in a caption (MediaWiki reads them in
    each caption on its own, not in the gallery's lines)."""
    galleries: list[Gallery] = []

    def gallery(match: re.Match[str]) -> str:
        options = tag_attributes(match.group(1))
        mode = options.get("mode", "traditional").lower()
        if mode not in GALLERY_MODES:
            warn(f"gallery mode {mode!r} is not one MediaWiki knows; shown as traditional", mode)
            mode = "traditional"
        widths = _size(options.get("widths"), GALLERY_SIZE)
        heights = _size(options.get("heights"), GALLERY_SIZE)
        perrow = _size(options.get("perrow"), 0) or None
        packed = mode.startswith("packed") or mode == "slideshow"
        numbers: list[int] = []
        carried: list[str] = []
        for line in match.group(2).split("\n"):
            parts = _GALLERY_LINE.match(line)
            if parts is None:
                continue
            name, rest = parts.group(1), parts.group(2)
            if "%" in line:
                name = unquote(name)
            parsed = namespaces.parse(name, default_namespace=t.FILE)
            if parsed is None:
                if name.strip():
                    warn(f"gallery line {line.strip()[:60]!r} names no file; left out", line)
                continue
            if parsed.interwiki:
                warn(f"gallery line {line.strip()[:60]!r} names no file; left out", line)
                continue
            use = gallery_file(
                parsed.full,
                gallery_options(quotes(rest)) if rest else [],
                is_title=lambda text: namespaces.parse(text) is not None,
            )
            use = dataclasses.replace(use, width=None if packed else widths, height=heights)
            images.append(use)
            numbers.append(len(images) - 1)
            if use.caption:  # left in the text for its refs and links (take_captions)
                number = len(images) - 1
                carried.append(
                    GALLERY_CAPTION_OPEN.format(number)
                    + use.caption
                    + GALLERY_CAPTION_CLOSE.format(number)
                )
        # an attribute without a value is set too (isset() in MediaWiki)
        show_filenames = bool(re.search(r"\bshowfilename\b", match.group(1), re.IGNORECASE))
        caption = _gallery_caption(options.get("caption", ""), quotes)
        galleries.append(
            Gallery(
                mode, widths, heights, perrow, tuple(numbers), show_filenames, caption.strip() != ""
            )
        )
        marker = GALLERY_MARKER.format(len(galleries) - 1)
        return f"{caption}{marker}" + "".join(carried) + "\n\n"

    return _GALLERY.sub(gallery, text), galleries


def take_captions(text: str, images: list[FileUse]) -> str:
    """The gallery files' captions taken back out of the text (extract_galleries left them
    there, that their refs and links be read in the page's order) into their file uses."""

    def take(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if number < len(images):
            images[number] = dataclasses.replace(images[number], caption=match.group(2))
        return ""

    return GALLERY_CAPTION_RE.sub(take, text)


# --- collapsible blocks and tabs ---------------------------------------------------------

_LAYOUT_HINT = re.compile(r"mw-collapsible|<tabber\b|<tabs\b", re.IGNORECASE)


def _classes(tag: Tag) -> list[str]:
    for attribute in tag.attributes:
        if str(attribute.name).strip().lower() == "class":
            return str(attribute.value).split()
    return []


def _attribute(tag: Tag, name: str) -> str:
    for attribute in tag.attributes:
        if str(attribute.name).strip().lower() == name:
            return str(attribute.value).strip()
    return ""


def _plain(wikitext: str) -> str:
    code = mwparserfromhell.parse(wikitext)
    return " ".join(code.strip_code(keep_template_params=True).split())


def _name(node) -> str:
    return str(node.tag).strip().lower() if isinstance(node, Tag) else ""


_TABLE_CAPTION = re.compile(r"^\s*\|\+([^\n]*)", re.MULTILINE)


def _collapsible(tag: Tag, extract: Callable[[str], str]) -> Box:
    classes = _classes(tag)
    opened = "mw-collapsed" not in classes
    if tag.wiki_markup:  # a wiki table: it stays whole in the dropdown, its caption the title
        caption = _TABLE_CAPTION.search(str(tag.contents))
        heads = [n for n in tag.contents.filter_tags(recursive=True) if _name(n) == "th"]
        title = _plain(caption.group(1).rsplit("|", 1)[-1]) if caption else ""
        title = title or (_plain(str(heads[0].contents)) if heads else "")
        for attribute in tag.attributes:
            if str(attribute.name).strip().lower() == "class":
                kept = [c for c in classes if c not in {"mw-collapsible", "mw-collapsed"}]
                attribute.value = " ".join(kept)
        return Box("dropdown", title or EXPAND, opened, (("", extract(str(tag))),))
    nodes = list(tag.contents.nodes)
    for index, node in enumerate(nodes):
        if (
            isinstance(node, Tag)
            and _name(node) == "div"
            and "mw-collapsible-content" in _classes(node)
        ):
            title = _plain("".join(str(n) for n in nodes[:index]))
            rest = "".join(str(n) for n in nodes[index + 1 :])
            body = str(node.contents) + ("\n\n" + rest if rest.strip() else "")
            return Box("dropdown", title or EXPAND, opened, (("", extract(body)),))
    title = _plain(_attribute(tag, "data-expandtext").strip("\"'")) or EXPAND
    return Box("dropdown", title, opened, (("", extract(str(tag.contents))),))


def _tabber(tag: Tag, extract: Callable[[str], str]) -> Box:
    parts: list[tuple[str, str]] = []
    for piece in re.split(r"\|-\|", str(tag.contents)):
        label, equals, content = piece.partition("=")
        if not equals:
            label, content = "", piece
        if label.strip() or content.strip():
            parts.append((_plain(label) or f"Tab {len(parts) + 1}", extract(content.strip())))
    return Box("tabs", "", True, tuple(parts))


def _tabs(tag: Tag, extract: Callable[[str], str]) -> Box:
    parts: list[tuple[str, str]] = []
    for node in tag.contents.filter_tags(recursive=False):
        if _name(node) == "tab" and node.contents is not None:
            label = _plain(_attribute(node, "name").strip("\"'")) or f"Tab {len(parts) + 1}"
            parts.append((label, extract(str(node.contents).strip())))
    return Box("tabs", "", True, tuple(parts))


def _box_of(node, extract: Callable[[str], str]) -> Box | None:
    name = _name(node)
    if name in {"div", "table"} and "mw-collapsible" in _classes(node):
        return _collapsible(node, extract)
    if name == "tabber" and node.contents is not None:
        return _tabber(node, extract)
    if name == "tabs" and node.contents is not None:
        return _tabs(node, extract)
    return None


def extract_boxes(text: str, boxes: list[Box]) -> str:
    """Replace each collapsible block and tab set by a marker; nested ones too (their
    markers stand in their parts' text)."""
    if not _LAYOUT_HINT.search(text):
        return text
    code = mwparserfromhell.parse(text, skip_style_tags=True)
    _walk(code, boxes)
    return str(code)


def _walk(code: Wikicode, boxes: list[Box]) -> None:
    for index, node in enumerate(list(code.nodes)):
        box = _box_of(node, lambda inner: extract_boxes(inner, boxes))
        if box is not None:
            boxes.append(box)
            code.nodes[index] = Text(f"\n\n{BOX_MARKER.format(len(boxes) - 1)}\n\n")
        elif isinstance(node, Tag) and node.contents is not None:
            _walk(node.contents, boxes)
