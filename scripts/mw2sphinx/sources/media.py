"""The files pages use, downloaded from the wiki: checked, named safely, cached.

Two callers share this: ``mw2sphinx fetch --files`` (every original, into the snapshot)
and ``mw2sphinx convert --source API`` (the files the pages show, at the size they show
them, into the destination's ``_wiki/files/``, so that the next conversion downloads only
what changed on the wiki). A download is refused when it is larger than the limit, when
its content is not what its name says (``Diagram.png`` that is a web page), or when it
would leave the hosts the API named; each refusal is a :class:`SourceError` saying why.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from ..model import WikiFile
from .client import ApiClient
from .common import SourceError

#: The largest file downloaded (bytes); MediaWiki's own default upload limit is 100 MiB,
#: but what a page shows is rarely more than a few MiB.
MAX_FILE_BYTES = 25 * 1024 * 1024

#: What a file's name says it is: the content types a server may give it.
CONTENT_TYPES: dict[str, frozenset[str]] = {
    ".png": frozenset({"image/png"}),
    ".jpg": frozenset({"image/jpeg", "image/pjpeg"}),
    ".jpeg": frozenset({"image/jpeg", "image/pjpeg"}),
    ".gif": frozenset({"image/gif"}),
    ".webp": frozenset({"image/webp"}),
    ".svg": frozenset({"image/svg+xml", "image/svg"}),
    ".bmp": frozenset({"image/bmp", "image/x-ms-bmp"}),
    ".tif": frozenset({"image/tiff"}),
    ".tiff": frozenset({"image/tiff"}),
    ".pdf": frozenset({"application/pdf"}),
}
#: Servers that do not know a type say one of these; the bytes decide then.
UNKNOWN_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def _is_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")) and b"<svg" in head


#: The first bytes of each kind of file.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".bmp": (b"BM",),
    ".tif": (b"II*\x00", b"MM\x00*"),
    ".tiff": (b"II*\x00", b"MM\x00*"),
    ".pdf": (b"%PDF-",),
}


def content_problem(name: str, content_type: str, data: bytes) -> str | None:
    """Why bytes served as ``content_type`` are not the file ``name`` says; ``None`` if
    they are (or if the name's kind is not one this checks)."""
    suffix = PurePosixPath(name).suffix.lower()
    expected = CONTENT_TYPES.get(suffix)
    if expected is None:
        return None
    served = content_type.split(";", 1)[0].strip().lower()
    if served not in expected and served not in UNKNOWN_TYPES:
        return f"served as {served}, not as a {suffix} file"
    if suffix == ".svg":
        looks_right = _is_svg(data)
    elif suffix == ".webp":
        looks_right = data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    else:
        looks_right = data.startswith(SIGNATURES[suffix])
    return None if looks_right else f"its content is not a {suffix} file"


def download_file(
    client: ApiClient,
    url: str,
    target: Path,
    *,
    name: str,
    what: str,
    sha1: str | None = None,
    limit: int = MAX_FILE_BYTES,
) -> str:
    """Download ``url`` into ``target`` (a file name already made safe by the caller),
    checked against its ``name``, its size limit and, for an original, its ``sha1``.
    Returns the sha1 of what was written. Nothing is written when a check fails."""
    headers, data = client.download(url, what=what, limit=limit)
    problem = content_problem(name, headers.get("Content-Type", ""), data)
    if problem is not None:
        raise SourceError(f"{client.api_url}: {what}: {problem}; refused")
    digest = hashlib.sha1(data).hexdigest()
    if sha1 and digest != sha1:
        raise SourceError(f"{client.api_url}: {what}: the download does not match its sha1")
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".part")
    try:
        staged.write_bytes(data)
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    return digest


# --- the files a conversion needs ---------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Wanted:
    """A file as the pages show it: ``width`` px wide at most, or whole (``None``)."""

    title: str
    width: int | None


@dataclasses.dataclass(frozen=True)
class CacheEntry:
    source: str  # what the file is on the wiki: its sha1, else its URL and time
    width: int | None
    file: str  # under the cache folder
    sha1: str  # of the bytes stored


@dataclasses.dataclass
class Fetched:
    """The result: every wanted file the site can show, and why the others cannot."""

    files: dict[str, WikiFile]  # title -> the file, with ``path`` set to the local copy
    problems: dict[str, str]  # title -> why there is no copy
    downloaded: int = 0
    reused: int = 0


CACHE_FOLDER = "_wiki/files"
CACHE_INDEX = "_wiki/files.json"
#: imageinfo for this many titles a request (the API's limit for titles).
BATCH = 50
IMAGEINFO = "url|size|sha1|mime|timestamp"


def _identity(file: WikiFile) -> str:
    return file.sha1 or f"{file.url} {file.timestamp or ''}"


def read_cache(dest: Path) -> dict[str, CacheEntry]:
    try:
        data = json.loads((dest / CACHE_INDEX).read_text("utf-8"))
        return {title: CacheEntry(**entry) for title, entry in data.items()}
    except (OSError, ValueError, TypeError):
        return {}


def write_cache(dest: Path, entries: Mapping[str, CacheEntry]) -> None:
    path = dest / CACHE_INDEX
    text = json.dumps(
        {title: dataclasses.asdict(entries[title]) for title in sorted(entries)}, indent=1
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(path.name + ".new")
    staged.write_text(text + "\n", "utf-8")
    os.replace(staged, path)


def _cached(dest: Path, entry: CacheEntry | None, file: WikiFile, width: int | None) -> bool:
    if entry is None or entry.source != _identity(file) or entry.width != width:
        return False
    try:
        data = (dest / CACHE_FOLDER / entry.file).read_bytes()
    except OSError:
        return False
    return hashlib.sha1(data).hexdigest() == entry.sha1


def file_info(
    client: ApiClient, titles: Iterable[str], *, width: int | None = None
) -> dict[str, dict]:
    """``prop=imageinfo`` of files (local or from a shared repository such as Commons);
    with ``width``, the URL of a thumbnail that wide (``thumburl``). Missing files are
    left out."""
    titles = sorted(set(titles))
    result: dict[str, dict] = {}
    for start in range(0, len(titles), BATCH):
        params = {
            "action": "query",
            "prop": "imageinfo",
            "iiprop": IMAGEINFO,
            "titles": "|".join(titles[start : start + BATCH]),
        }
        if width:
            params["iiurlwidth"] = str(width)
        answer = client.call(params, what="file info")
        query = answer.get("query", {})
        names = {n["to"]: n["from"] for n in query.get("normalized", [])}
        for page in query.get("pages", []):
            info = (page.get("imageinfo") or [None])[0]
            if isinstance(info, dict) and info.get("url"):
                result[names.get(page["title"], page["title"])] = info
    return result


def wiki_file(title: str, info: dict) -> WikiFile:
    """A file as the API's imageinfo describes it (the API reader and the downloads)."""
    return WikiFile(
        title=title,
        url=str(info.get("url", "")),
        size=info.get("size"),
        sha1=info.get("sha1"),
        mime=str(info.get("mime", "")),
        width=info.get("width") or None,
        height=info.get("height") or None,
        timestamp=info.get("timestamp"),
    )


def _hosts(urls: Iterable[str]) -> set[str]:
    return {urllib.parse.urlsplit(url).netloc.lower() for url in urls if url}


def fetch_wanted(
    client: ApiClient,
    wanted: Iterable[Wanted],
    *,
    known: Mapping[str, WikiFile],
    dest: Path,
    names: Mapping[str, str],
    limit: int = MAX_FILE_BYTES,
) -> Fetched:
    """Bring the wanted files into ``dest/_wiki/files/``, reusing what is there.

    ``known``: the files the API already described (their sha1 says whether the cached
    copy is current); others are asked for. ``names``: title -> the safe file name to
    store it under. The hosts the API names in its URLs may be downloaded from.
    """
    by_title = {w.title: w for w in wanted}
    files = {title: known[title] for title in by_title if title in known and known[title].url}
    missing = sorted(set(by_title) - set(files))
    for title, info in file_info(client, missing).items():
        files[title] = wiki_file(title, info)
    problems = {title: "is not on the wiki" for title in missing if title not in files}
    cache = read_cache(dest)
    result = Fetched({}, problems)
    downloads: list[tuple[str, WikiFile, int | None]] = []
    for title in sorted(files):
        file = files[title]
        width = _download_width(by_title[title].width, file)
        if _cached(dest, cache.get(title), file, width):
            result.files[title] = _with_path(file, dest / CACHE_FOLDER / cache[title].file)
            result.reused += 1
        else:
            downloads.append((title, file, width))
    urls = {title: file.url for title, file, _ in downloads}
    for width in sorted({w for _, _, w in downloads if w}):
        titles = [title for title, _, w in downloads if w == width]
        for title, info in file_info(client, titles, width=width).items():
            urls[title] = str(info.get("thumburl") or info.get("url") or urls[title])
    client.allowed_hosts |= _hosts([*urls.values(), *(f.url for f in files.values())])

    def job(title: str, file: WikiFile, width: int | None) -> None:
        name = names[title]
        target = dest / CACHE_FOLDER / name
        original = urls[title] == file.url
        try:
            digest = download_file(
                client,
                urls[title],
                target,
                name=name,
                what=title,
                sha1=file.sha1 if original else None,
                limit=limit,
            )
        except SourceError as error:
            result.problems[title] = f"could not be downloaded ({_reason(str(error), title)})"
            return
        cache[title] = CacheEntry(_identity(file), width, name, digest)
        result.files[title] = _with_path(file, target)
        result.downloaded += 1

    # Each job catches its own failure: one refused file never stops the others.
    client.parallel([functools.partial(job, *d) for d in downloads])
    used = {entry.file for title, entry in cache.items() if title in result.files}
    cache = {title: entry for title, entry in cache.items() if title in result.files}
    _prune(dest / CACHE_FOLDER, used)
    write_cache(dest, cache)
    return result


def _with_path(file: WikiFile, path: Path) -> WikiFile:
    return dataclasses.replace(file, path=str(path))


def _download_width(width: int | None, file: WikiFile) -> int | None:
    """The width to download: ``None`` (the original) for a drawing, which scales, or when
    the pages want it as wide as it is or wider."""
    if width is None or PurePosixPath(file.title).suffix.lower() == ".svg":
        return None
    if file.width and width >= file.width:
        return None
    return width


def _reason(message: str, title: str) -> str:
    """The part of a download error after the file's name."""
    marker = f"{title}: "
    return message.split(marker, 1)[1] if marker in message else message


def _prune(folder: Path, used: set[str]) -> None:
    """Remove cached files no page uses any more (only plain files of the cache folder)."""
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_file() and path.name not in used:
            path.unlink(missing_ok=True)


_SAFE = re.compile(r"^[^/\\\x00]+$")


def safe_name(place: str) -> str:
    """The file name of a ``media/…`` place, checked to stay in its folder."""
    name = PurePosixPath(place).name
    if not _SAFE.match(name) or name in {".", ".."}:
        raise ValueError(f"unsafe file name {name!r}")
    return name
