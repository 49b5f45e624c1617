"""What a conversion's output depends on, as one digest: the wiki as the source yields it,
the converter's own code, and what it reads from the machine (pandoc, MediaWiki's messages
and Scribunto's Lua libraries). A conversion into a destination whose last conversion had
the same digest, and whose files are all still there, would write the same files: the
command line skips it (a no-op rebuild then costs the reading of the source, not the
conversion)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from . import mwdata
from .expand import Expansion
from .lua import engine
from .model import SiteInfo, Wiki, WikiFile
from .pandoc_ast import pandoc_version

#: Where the digest of the last conversion is kept, in the destination.
FINGERPRINT = "_wiki/source.sha256"
#: The converter's files that make its output (its code, templates, styles, Lua).
_CODE_SUFFIXES = {".py", ".html", ".css", ".js", ".lua", ".json", ".txt"}


@functools.cache
def code_digest() -> str:
    """The converter's own files, by their paths and bytes."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def site_json(site: SiteInfo) -> str:
    """The site information as text, the same for the same information."""
    return json.dumps(dataclasses.asdict(site), sort_keys=True, default=str)


def _stat(path: Path) -> list[object]:
    """A file the conversion reads from the machine, by its size and time (or its absence)."""
    try:
        status = path.stat()
    except OSError:
        return [str(path), None]
    return [str(path), status.st_size, status.st_mtime_ns]


def _machine() -> list[object]:
    return [
        pandoc_version(),
        _stat(mwdata.MEDIAWIKI / "languages" / "i18n" / "en.json"),
        _stat(engine.LUALIB),
    ]


def _file(file: WikiFile) -> list[object]:
    fields = [value for _, value in sorted(dataclasses.asdict(file).items())]
    return fields + ([_stat(Path(file.path))] if file.path else [])


def source_digest(wiki: Wiki, *, options: Iterable[object] = ()) -> str:
    """The digest of everything the conversion of ``wiki`` depends on; ``options``: what
    else changes its output (the command line's, the wiki's own expansions)."""
    digest = hashlib.sha256()

    def add(value: object) -> None:
        digest.update(json.dumps(value, sort_keys=True, default=str).encode() + b"\n")

    add([code_digest(), _machine(), list(options)])
    digest.update(site_json(wiki.site).encode() + b"\n")
    for title in sorted(wiki.pages):
        page = wiki.pages[title]
        add([title, page.namespace, page.revision, page.timestamp, page.origin])
        digest.update(page.text.encode("utf-8", "surrogatepass") + b"\0")
    add(sorted(wiki.redirects.items()))
    add([_file(wiki.files[title]) for title in sorted(wiki.files)])
    add([dataclasses.asdict(failure) for failure in wiki.failures])
    return digest.hexdigest()


def expansions(expanded: Mapping[str, Expansion]) -> list[object]:
    """Pages the live wiki expanded, as :func:`source_digest` takes them."""
    return [
        [name, e.text, e.display_title, e.default_sort, sorted(e.switches), e.placeholders,
         sorted(e.transcluded), sorted(e.links), [str(w) for w in e.warnings]]
        for name, e in sorted(expanded.items())
    ]  # fmt: skip


def unchanged(dest: Path, digest: str, *, manifest: str) -> int | None:
    """How many files the last conversion into ``dest`` wrote, if it had ``digest`` and
    they are all still in place (``manifest``: the list of them); else ``None``."""
    try:
        if (dest / FINGERPRINT).read_text("utf-8").strip() != digest:
            return None
        written = json.loads((dest / manifest).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return len(written) if all((dest / relative).is_file() for relative in written) else None
