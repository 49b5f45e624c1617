"""A fetched snapshot: the mirror layout written by the fetcher, and its manifest.

The pages of a snapshot are an ordinary folder in the mirror layout (see ``folder.py``):
the Main Page and the category pages at the root, every other page in a sub-folder named
after its namespace (``pages/`` for articles, ``template/``, ``file/`` …; the folder name is
only storage). A title's ``/`` is stored as ``%2F``: MediaWiki titles never hold a ``%``
followed by two hex digits, so the file name still reads back as exactly one title.

``snapshot.json`` at the root says what the folder alone cannot: the wiki's site info,
where the pages came from, when they were fetched, and each page's revision. The
fetcher writes it last, so a snapshot with a manifest is always complete.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..model import SiteInfo, WikiFile
from ..titles import CATEGORY, DEFAULT_NAMESPACES, MAIN

SUFFIX = ".mediawiki"
MANIFEST = "snapshot.json"
FORMAT = "mw2sphinx-snapshot/1"
#: Longest file name most file systems take.
MAX_NAME_BYTES = 255
#: Where uploaded files go when the fetch downloads them.
MEDIA_FOLDER = "media"


class ManifestError(ValueError):
    """``snapshot.json`` exists but is not a manifest this code can read."""


@dataclasses.dataclass(frozen=True)
class Entry:
    """One stored page: where it is and which revision it holds."""

    path: str  # relative to the snapshot, with "/"
    namespace: int
    revision: int | None
    timestamp: str | None
    sha1: str  # of the stored file's bytes, to tell whether the file is still this revision
    redirect: str | None = None  # the target, for a redirect


@dataclasses.dataclass(frozen=True)
class Manifest:
    source: str  # the API URL the snapshot was fetched from
    fetched: str  # ISO 8601: the server's time when the fetch started
    site: SiteInfo
    pages: Mapping[str, Entry]  # by full title, redirects included
    files: Mapping[str, WikiFile] = dataclasses.field(default_factory=dict)  # path: relative


# --- the layout ---------------------------------------------------------------------


def encode_name(title: str) -> str:
    """The file name stem of a title: spaces as underscores, ``/`` as ``%2F``."""
    return title.replace(" ", "_").replace("/", "%2F")


def decode_name(stem: str) -> str:
    """The title text a file name stem stands for (the inverse of :func:`encode_name`)."""
    return stem.replace("%2F", "/").replace("%2f", "/")


def namespace_folder(namespace: int) -> str:
    if namespace == MAIN:
        return "pages"
    name = DEFAULT_NAMESPACES.get(namespace)
    return name.lower().replace(" ", "-") if name else f"ns{namespace}"


def storage_path(full_title: str, namespace: int, text: str, *, main_page: str) -> str:
    """Where a page is stored in the mirror layout, relative to the snapshot."""
    if full_title == main_page:
        return encode_name(full_title) + SUFFIX
    if namespace == CATEGORY:
        return encode_name(text) + SUFFIX
    return f"{namespace_folder(namespace)}/{encode_name(full_title)}{SUFFIX}"


def media_path(file_title_text: str) -> str:
    return f"{MEDIA_FOLDER}/{encode_name(file_title_text)}"


def storable(path: str) -> bool:
    """Whether every part of a relative path fits in a file name."""
    return all(0 < len(part.encode("utf-8")) <= MAX_NAME_BYTES for part in path.split("/"))


def sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


# --- the manifest -------------------------------------------------------------------


def site_to_json(site: SiteInfo) -> dict:
    return {
        "name": site.name,
        "article_url": site.article_url,
        "main_page": site.main_page,
        "case": site.case,
        "namespaces": (
            {str(k): v for k, v in sorted(site.namespaces.items())} if site.namespaces else None
        ),
        "namespace_aliases": (
            dict(sorted(site.namespace_aliases.items())) if site.namespace_aliases else None
        ),
        "rights_text": site.rights_text,
        "rights_url": site.rights_url,
        "magic_links": sorted(site.magic_links),
    }


def site_from_json(data: dict) -> SiteInfo:
    namespaces = data.get("namespaces")
    aliases = data.get("namespace_aliases")
    return SiteInfo(
        name=str(data["name"]),
        article_url=str(data.get("article_url", "")),
        main_page=str(data.get("main_page", "Main Page")),
        case=str(data.get("case", "first-letter")),
        namespaces={int(k): str(v) for k, v in namespaces.items()} if namespaces else None,
        namespace_aliases={str(k): int(v) for k, v in aliases.items()} if aliases else None,
        rights_text=str(data.get("rights_text") or ""),
        rights_url=str(data.get("rights_url") or ""),
        magic_links=frozenset(str(k) for k in data.get("magic_links") or ()),
    )


def manifest_to_json(manifest: Manifest) -> str:
    data = {
        "format": FORMAT,
        "source": manifest.source,
        "fetched": manifest.fetched,
        "site": site_to_json(manifest.site),
        "pages": {
            title: dataclasses.asdict(entry) for title, entry in sorted(manifest.pages.items())
        },
        "files": {
            title: {k: v for k, v in dataclasses.asdict(file).items() if k != "title"}
            for title, file in sorted(manifest.files.items())
        },
    }
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def manifest_from_json(text: str) -> Manifest:
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ManifestError(f"not a {FORMAT} manifest")
        return Manifest(
            source=str(data["source"]),
            fetched=str(data["fetched"]),
            site=site_from_json(data["site"]),
            pages={str(t): Entry(**e) for t, e in data["pages"].items()},
            files={str(t): WikiFile(title=str(t), **f) for t, f in data.get("files", {}).items()},
        )
    except ManifestError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ManifestError(f"not a readable manifest ({type(error).__name__}: {error})") from None


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of a snapshot folder; ``None`` for a folder without one."""
    path = folder / MANIFEST
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"cannot be read ({error})") from None
    return manifest_from_json(text)


def write_atomic(path: Path, data: bytes, *, scratch: Path) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=scratch, prefix="write-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
