"""The mirror layout: a folder of ``.mediawiki`` files.

``Main_Page.mediawiki`` at the root is the Main Page; every other file at the
root is a category page; files in sub-folders are pages whose title is the file
name with underscores for spaces (the folder name is only storage); ``%2F`` in a
file name stands for ``/``.

A folder the fetcher wrote also holds ``snapshot.json`` (see ``snapshot.py``): the
wiki's site info, and the revision of every page whose file is still the one fetched.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from ..model import Page, SiteInfo, SourceFailure, Wiki
from ..titles import CATEGORY, Namespaces
from .snapshot import SUFFIX, Manifest, decode_name, sha1_hex

_REDIRECT = re.compile(r"\A\s*#redirect\s*:?\s*\[\[([^\]|]+)(?:\|[^\]]*)?\]\]", re.IGNORECASE)


def redirect_target(text: str) -> str | None:
    """The target of a ``#REDIRECT [[X]]`` page, or ``None``."""
    match = _REDIRECT.match(text)
    return match.group(1).strip() if match else None


def read_folder(root: Path, *, site: SiteInfo, manifest: Manifest | None = None) -> Wiki:
    """Read a folder in the mirror layout; ``manifest`` adds revisions to unchanged files."""
    namespaces = Namespaces(site)
    pages: dict[str, Page] = {}
    redirects: dict[str, str] = {}
    failures: list[SourceFailure] = []
    media = {file.path for file in manifest.files.values()} if manifest else set()
    paths = sorted(root.rglob(f"*{SUFFIX}"), key=lambda p: p.relative_to(root).as_posix())
    for path in paths:
        relative = path.relative_to(root).as_posix()
        if relative in media or any(part.startswith(".") for part in relative.split("/")[:-1]):
            continue  # an uploaded file, or a hidden folder (a fetch's scratch space, .git)
        name = decode_name(path.name[: -len(SUFFIX)])
        at_root = path.parent == root
        if at_root and name == site.main_page.replace(" ", "_"):
            raw_title = site.main_page
        elif at_root:
            raw_title = f"{namespaces.names[CATEGORY]}:{name}"
        else:
            raw_title = name
        title = namespaces.title(raw_title)
        if title is None:
            failures.append(SourceFailure(relative, f"{name!r} is not a valid page title"))
            continue
        if title.full in pages or title.full in redirects:
            failures.append(SourceFailure(relative, f"a second file for the page {title.full!r}"))
            continue
        try:
            data = path.read_bytes()
        except OSError as error:
            failures.append(SourceFailure(relative, f"cannot be read: {error.strerror}"))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            failures.append(SourceFailure(relative, f"not UTF-8 text (byte {error.start})"))
            continue
        text = text.replace("\r\n", "\n").removeprefix("\ufeff")
        entry = manifest.pages.get(title.full) if manifest else None
        if entry is not None and (entry.path != relative or entry.sha1 != sha1_hex(data)):
            entry = None  # the file is no longer what was fetched
        target = entry.redirect if entry is not None else redirect_target(text)
        if target is not None:
            redirects[title.full] = target
            continue
        pages[title.full] = Page(
            title.full,
            title.namespace,
            text,
            revision=entry.revision if entry else None,
            timestamp=entry.timestamp if entry else None,
            origin=relative,
        )
    files = {}
    for name, file in (manifest.files if manifest else {}).items():
        local = root / file.path if file.path else None
        files[name] = dataclasses.replace(
            file, path=str(local.resolve()) if local and local.is_file() else None
        )
    return Wiki(site=site, pages=pages, redirects=redirects, files=files, failures=tuple(failures))
