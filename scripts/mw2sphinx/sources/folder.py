"""The mirror layout: a folder of ``.mediawiki`` files.

``Main_Page.mediawiki`` at the root is the Main Page; every other file at the
root is a category page; files in sub-folders are pages whose title is the file
name with underscores for spaces (the folder name is only storage).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Page, SiteInfo, SourceFailure, Wiki
from ..titles import CATEGORY, Namespaces

SUFFIX = ".mediawiki"
_REDIRECT = re.compile(r"\A\s*#redirect\s*:?\s*\[\[([^\]|]+)(?:\|[^\]]*)?\]\]", re.IGNORECASE)


def redirect_target(text: str) -> str | None:
    """The target of a ``#REDIRECT [[X]]`` page, or ``None``."""
    match = _REDIRECT.match(text)
    return match.group(1).strip() if match else None


def read_folder(root: Path, *, site: SiteInfo) -> Wiki:
    namespaces = Namespaces(site)
    pages: dict[str, Page] = {}
    redirects: dict[str, str] = {}
    failures: list[SourceFailure] = []
    files = sorted(root.rglob(f"*{SUFFIX}"), key=lambda p: p.relative_to(root).as_posix())
    for path in files:
        relative = path.relative_to(root).as_posix()
        name = path.name[: -len(SUFFIX)]
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
        target = redirect_target(text)
        if target is not None:
            redirects[title.full] = target
            continue
        pages[title.full] = Page(title.full, title.namespace, text, origin=relative)
    return Wiki(site=site, pages=pages, redirects=redirects, failures=tuple(failures))
