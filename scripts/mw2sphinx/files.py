"""``[[File:…]]`` as MediaWiki reads it: the image options, and where the file lands.

The convert stage takes file links out of the wikitext before pandoc (pandoc
drops alignment, alt text and links); this module reads their options, and
names the place in the site tree where a file the source has is copied.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import PurePosixPath

import mwparserfromhell

from . import titles as t
from .model import WikiFile

_SIZE = re.compile(r"^\s*(\d*)\s*(?:x\s*(\d+))?\s*px\s*$")
FORMATS = {"thumb": "thumb", "thumbnail": "thumb", "frame": "frame", "framed": "frame",
           "frameless": "frameless", "border": "border"}  # fmt: skip
ALIGNMENTS = {"left", "right", "center", "centre", "none"}
VERTICAL = {"baseline", "sub", "super", "top", "text-top", "middle", "bottom", "text-bottom"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".tif", ".tiff"}
#: MediaWiki's default thumbnail width ($wgThumbLimits[$wgDefaultUserOptions['thumbsize']])
#: and the factor of a bare ``upright`` ($wgThumbUpright).
THUMB_WIDTH = 300
UPRIGHT = 0.75
_UPRIGHT = re.compile(r"^upright\s*(?:=?\s*(\d+(?:\.\d*)?|\.\d+))?\s*$", re.IGNORECASE)


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

    @property
    def is_figure(self) -> bool:
        return self.format in {"thumb", "frame"}

    @property
    def is_image(self) -> bool:
        return PurePosixPath(self.title).suffix.lower() in IMAGE_SUFFIXES


def parse_options(title: str, options: list[str]) -> FileUse:
    """Read the ``|``-separated options of a file link as MediaWiki does."""
    values: dict = {"title": title}
    caption = ""
    for raw in options:
        option = raw.strip()
        key, equals, value = option.partition("=")
        lowered = option.lower()
        if lowered in FORMATS:
            values["format"] = FORMATS[lowered]
        elif lowered in ALIGNMENTS:
            values["align"] = "center" if lowered == "centre" else lowered
        elif upright := _UPRIGHT.match(option):
            values["upright"] = float(upright.group(1)) if upright.group(1) else UPRIGHT
        elif lowered in VERTICAL:
            continue
        elif size := _SIZE.match(option):
            if size.group(1):
                values["width"] = int(size.group(1))
            if size.group(2):
                values["height"] = int(size.group(2))
        elif equals and key.strip().lower() == "alt":
            # MediaWiki's alt text is the option's text without its markup
            values["alt"] = " ".join(mwparserfromhell.parse(value).strip_code().split())
        elif equals and key.strip().lower() == "link":
            values["link"] = value.strip()
        elif equals and key.strip().lower() in {"page", "class", "lang", "thumbtime", "start"}:
            continue
        else:
            caption = raw  # the last option nobody claims is the caption
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
