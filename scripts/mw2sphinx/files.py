"""``[[File:…]]`` as MediaWiki reads it: the image options, and where the file lands.

The convert stage takes file links out of the wikitext before pandoc (pandoc
drops alignment, alt text and links); this module reads their options, and
names the place in the site tree where a file the source has is copied.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import unquote

import mwparserfromhell

from . import titles as t
from .model import WikiFile
from .vocabulary import URL_PROTOCOLS

_SIZE = re.compile(r"^\s*(\d*)\s*(?:x\s*(\d+))?\s*px\s*$")
#: MediaWiki's image options (MessagesEn.php ``img_*``) are case-sensitive: ``Left`` is a
#: caption. The formats are one group: the first of them wins, a later one is not read
#: as an option (so it may be the caption).
FORMATS = {"thumb": "thumb", "thumbnail": "thumb", "frame": "frame", "framed": "frame",
           "enframed": "frame", "frameless": "frameless"}  # fmt: skip
ALIGNMENTS = {"left", "right", "center", "centre", "none"}
VERTICAL = {"baseline", "sub", "super", "sup", "top", "text-top", "middle", "bottom",
            "text-bottom"}  # fmt: skip
#: ``thumbnail=File`` and ``thumb=File``: a file of the wiki shown as the thumbnail.
MANUAL_THUMB = {"thumbnail", "thumb"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".tif", ".tiff"}
#: MediaWiki's default thumbnail width ($wgThumbLimits[$wgDefaultUserOptions['thumbsize']])
#: and the factor of a bare ``upright`` ($wgThumbUpright).
THUMB_WIDTH = 300
UPRIGHT = 0.75
_UPRIGHT = re.compile(r"^upright\s*(?:=?\s*(\d+(?:\.\d*)?|\.\d+))?\s*$")
# Parser::EXT_LINK_URL_CLASS: a link= that starts with a protocol must be all URL
_URL = re.compile(r"(?:" + "|".join(re.escape(p) for p in URL_PROTOCOLS) + r"|//)"
                  r"[^\]\[<>\"\x00-\x20\x7F\s]+", re.IGNORECASE)  # fmt: skip
_URL_START = re.compile(
    r"(?:" + "|".join(re.escape(p) for p in URL_PROTOCOLS) + r"|//)", re.IGNORECASE
)
_NOWIKI = re.compile(r"<nowiki\s*>(.*?)</nowiki\s*>", re.IGNORECASE | re.DOTALL)


@dataclasses.dataclass(frozen=True)
class FileUse:
    """One ``[[File:…]]`` link: which file, and how the page shows it."""

    title: str  # "File:Example.png"
    format: str = ""  # thumb, frame, frameless, border or ""
    align: str = ""
    width: int | None = None
    height: int | None = None
    alt: str | None = None  # None: no alt= option (an inline image's alt is its caption)
    link: str | None = None  # None: the file itself; "": no link
    caption: str = ""  # wikitext
    upright: float | None = None
    manual_thumb: str | None = None  # thumbnail=: the file shown in the thumbnail's place

    @property
    def is_figure(self) -> bool:
        return self.format in {"thumb", "frame"}

    @property
    def is_image(self) -> bool:
        return PurePosixPath(self.title).suffix.lower() in IMAGE_SUFFIXES


def link_option(value: str, is_title: Callable[[str], bool]) -> str | None:
    """What ``link=value`` links to, as Parser::parseLinkParameter reads it: ``""`` (no
    link), a URL, or a title (percent-decoded once); ``None`` when it is none of these,
    and so no option at all. The value is read as text (stripAltText): a wikilink in it as
    its text, its italics left out, a ``<nowiki>``'s text kept as it is."""
    parts = _NOWIKI.split(value)  # odd parts: the text of a <nowiki>
    text = "".join(part if i % 2 else _text(part) for i, part in enumerate(parts)).strip()
    if not text:
        return ""
    if _URL_START.match(text):
        return text if _URL.fullmatch(text) else None
    decoded = unquote(text)
    return decoded if is_title(decoded) else None


def _text(wikitext: str) -> str:
    """The text of wiki text, its character references decoded once."""
    return t.decode_references(mwparserfromhell.parse(wikitext).strip_code(normalize=False))


def plain_text(wikitext: str) -> str:
    """Wiki text as the plain text MediaWiki gives an image's alt text: links as their
    text, markup and tags left out, character references decoded, one space."""
    return " ".join(_text(wikitext).split())


def parse_options(
    title: str, options: list[str], *, is_title: Callable[[str], bool] | None = None
) -> FileUse:
    """Read the ``|``-separated options of a file link as MediaWiki does (Parser::makeImage);
    ``is_title`` tells a valid ``link=`` title (when not given, every one is)."""
    values: dict = {"title": title}
    caption = ""
    has_format = border = False
    for raw in options:
        option = raw.strip()
        key, equals, value = option.partition("=")
        if option in FORMATS or (equals and key in MANUAL_THUMB):
            if has_format:
                caption = raw  # only the first format counts; a later one is no option
                continue
            has_format = True
            values["format"] = FORMATS.get(option, "thumb")
            if equals:
                values["manual_thumb"] = value.strip()
        elif option == "border":
            border = True
        elif option in ALIGNMENTS:
            values.setdefault("align", "center" if option == "centre" else option)
        elif upright := _UPRIGHT.match(option):
            values["upright"] = float(upright.group(1)) if upright.group(1) else UPRIGHT
        elif option in VERTICAL:
            continue
        elif size := _SIZE.match(option):
            if size.group(1):
                values["width"] = int(size.group(1))
            if size.group(2):
                values["height"] = int(size.group(2))
        elif equals and key == "alt":
            values["alt"] = plain_text(value)  # MediaWiki's alt text has no markup
        elif (
            equals
            and key == "link"
            and ((target := link_option(value, is_title or (lambda _: True))) is not None)
        ):
            values["link"] = target
        elif equals and key in {"page", "class", "lang", "thumbtime", "start"}:
            continue
        else:
            caption = raw  # the last option nobody claims is the caption
    if border and not has_format:
        values["format"] = "border"
    return FileUse(caption=caption.strip(), **values)


def display_width(use: FileUse, width: int | None = None, height: int | None = None) -> int | None:
    """How wide MediaWiki shows a file (px), given its own ``width`` and ``height`` when
    known; ``None``: as wide as it is. A thumbnail is never wider than the file (but a
    drawing scales); a frame always shows the file whole. (A gallery's files have the
    format ``gallery`` and the gallery's box as their size.)"""
    if use.format == "frame":
        return width
    shown = use.width
    if shown is None and use.height and width and height:
        shown = round(width * use.height / height)
    elif use.width and use.height and width and height:
        shown = min(use.width, round(width * use.height / height))  # fits the box
    if shown is None and use.format in {"thumb", "frameless"}:
        # PHP's round(…, -1): to tens, halves away from zero
        shown = int(THUMB_WIDTH * use.upright / 10 + 0.5) * 10 if use.upright else THUMB_WIDTH
    scalable = PurePosixPath(use.title).suffix.lower() == ".svg"
    if shown and width and shown > width and use.format in {"thumb", "frameless", "gallery"}:
        return shown if scalable else width
    return shown or width


def measured(file: WikiFile) -> WikiFile:
    """The file with its width and height, read from its local copy when the source did
    not say them (a folder, an export); unchanged if it cannot be read as an image."""
    if file.width or not file.path:
        return file
    try:
        from PIL import Image, UnidentifiedImageError

        with Image.open(file.path) as image:
            width, height = image.size
    except (ImportError, OSError, UnidentifiedImageError, ValueError):
        return file
    return dataclasses.replace(file, width=width, height=height)


def media_paths(titles: list[str]) -> dict[str, str]:
    """Where in the site tree each file is copied: ``media/<safe name>.<suffix>``."""
    names = {}
    for title in titles:
        name = title.split(":", 1)[-1]
        suffix = PurePosixPath(name).suffix.lower()
        if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
            suffix = ""
        names[title] = (name[: len(name) - len(suffix)] if suffix else name, suffix)
    stems = t.assign_stems(sorted({stem for stem, _ in names.values()}))
    # Names that differ only in their suffix's case (Foo.PNG, Foo.png) are two files.
    places: dict[str, list[str]] = {}
    for title, (stem, suffix) in names.items():
        places.setdefault(f"{stems[stem]}{suffix}", []).append(title)
    paths = {}
    for same in places.values():
        for title in same:
            stem, suffix = names[title]
            unique = stems[stem] if len(same) == 1 else f"{stems[stem]}-{t.digest(title)}"
            paths[title] = f"media/{unique}{suffix}"
    return paths


#: The page that lists the files a page shows only as a link (MediaWiki's bad image list).
BAD_IMAGE_LIST = "Bad image list"
_LIST_LINK = re.compile(r"\[\[:?(.*?)\]\]")


def bad_images(text: str, namespaces: t.Namespaces) -> dict[str, frozenset[str]]:
    """``MediaWiki:Bad image list`` read as BadFileLookup reads it: on each line that
    starts with ``*``, the first link names a file, the others the pages that may show it.
    File title -> those pages' titles."""
    listed: dict[str, frozenset[str]] = {}
    for line in text.splitlines():
        if not line.startswith("*"):
            continue
        titles = [namespaces.parse(m) for m in _LIST_LINK.findall(line)]
        if not titles or titles[0] is None or titles[0].interwiki:
            continue
        file = f"{namespaces.names[t.FILE]}:{titles[0].text}"
        exceptions = frozenset(title.full for title in titles[1:] if title is not None)
        listed[file] = listed.get(file, frozenset()) | exceptions
    return listed
