"""Snapshots of a live wiki, kept up to date: ``python scripts/fetch.py --source URL --out DIR``.

The first fetch stores every page of the wiki in the mirror layout (see ``snapshot.py``);
the next ones ask the wiki only what changed since (``list=recentchanges``, or, when
recent changes no longer reach back that far, every page's revision id) and download
only those pages. Deletions and moves are applied.

A fetch runs in two phases. First everything is downloaded into ``DIR/.partial/``; a
failure there (or a kill) leaves the snapshot as it was. Then the changed files are moved
into place, files of pages that are gone are removed, and ``snapshot.json`` is written
last; if a file cannot be moved, every change is undone. A fetch that was killed in
either phase is completed by running it again: the new run starts from the last
manifest, and files that match no page of the result are removed, so no page is lost or
doubled.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import functools
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from ..model import SiteInfo, WikiFile
from ..titles import Namespaces
from . import api
from .client import ApiClient
from .common import SourceError
from .folder import redirect_target
from .media import download_file
from .progress import Progress
from .snapshot import (
    MANIFEST,
    MEDIA_FOLDER,
    SUFFIX,
    Entry,
    Manifest,
    ManifestError,
    manifest_to_json,
    media_path,
    read_manifest,
    sha1_hex,
    storable,
    storage_path,
    write_atomic,
)

STAGING = ".partial"
#: In the staging folder: the API the partial fetch belongs to.
MARKER = "source"
#: Recent changes are read from this long before the last fetch started: an edit saved
#: just before it may have been committed, or reached the replica the API reads from
#: (``maxlag`` keeps that under 5 s), just after it. Edits in the margin that the snapshot
#: has are recognised by their revision id; pages with log entries in it are read again.
MARGIN = dt.timedelta(seconds=60)


@dataclasses.dataclass
class FetchResult:
    mode: str  # "full", "recent changes" or "revision ids"
    pages: int = 0
    redirects: int = 0
    files: int = 0
    read: int = 0  # pages downloaded
    downloaded: int = 0  # files downloaded
    written: int = 0
    removed: int = 0
    requests: int = 0
    skipped: list[str] = dataclasses.field(default_factory=list)

    def summary(self, out: Path, seconds: float) -> str:
        lines = [
            f"{self.pages} pages, {self.redirects} redirects, {self.files} files "
            f"({self.mode}: {self.read} pages and {self.downloaded} files downloaded "
            f"in {self.requests} requests, {seconds:.1f} s)",
            f"{out}: {self.written} files written, {self.removed} removed",
        ]
        lines += [f"skipped: {reason}" for reason in self.skipped]
        return "\n".join(lines)


class _Staging:
    """The network phase's result: staged files and the entries of the next manifest."""

    def __init__(self, out: Path, site: SiteInfo):
        self.out = out
        self.root = out / STAGING / "new"
        self.site = site
        self.namespaces = Namespaces(site)
        self.entries: dict[str, Entry] = {}
        self.files: dict[str, WikiFile] = {}
        self.owner: dict[str, str] = {}  # path -> title
        self.skipped: list[str] = []
        self.unresolved: list[str] = []  # redirects whose text does not say the target
        self.read = 0
        self._lock = threading.Lock()

    def path_for(self, full: str, namespace: int, text: str) -> str | None:
        path = storage_path(full, namespace, text, main_page=self.site.main_page)
        with self._lock:
            if not storable(path):
                self.skipped.append(f"{full}: its file name would be too long")
                return None
            if self.owner.setdefault(path, full) != full:
                self.skipped.append(f"{full}: its file {path} is {self.owner[path]!r}'s")
                return None
        return path

    def stage(self, path: str, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def put(self, record: api.RemotePage) -> None:
        """Stage a page the API gave; a page that does not exist is simply not kept."""
        title = self.namespaces.title(record.title)
        if title is None:
            return
        with self._lock:
            if record.file is not None:
                self.files[title.full] = record.file
            if record.text is not None:
                self.read += 1
        if record.text is None:
            if record.problem:
                with self._lock:
                    self.skipped.append(f"{title.full}: {record.problem}")
            return
        path = self.path_for(title.full, title.namespace, title.text)
        if path is None:
            return
        data = record.text.encode("utf-8")
        target = None
        if record.redirect:
            target = redirect_target(record.text)
            if target is None:
                with self._lock:
                    self.unresolved.append(title.full)
        self.stage(path, data)
        with self._lock:
            self.entries[title.full] = Entry(
                path=path,
                namespace=title.namespace,
                revision=record.revision,
                timestamp=record.timestamp,
                sha1=sha1_hex(data),
                redirect=target,
            )

    def keep(self, full: str, entry: Entry) -> None:
        """Carry an unchanged page over from the last snapshot (moving its file if need be)."""
        title = self.namespaces.title(full)
        if title is None:
            return
        path = self.path_for(full, title.namespace, title.text)
        if path is None:
            return
        if path != entry.path:
            self.stage(path, (self.out / entry.path).read_bytes())
        with self._lock:
            self.entries[full] = dataclasses.replace(entry, path=path)


def fetch_snapshot(
    client: ApiClient,
    out: Path,
    *,
    files: bool = False,
    full: bool = False,
    progress: bool = False,
) -> FetchResult:
    """Bring the snapshot in ``out`` up to date with the wiki behind ``client``."""
    created = not out.exists()
    old = _claim(out, client.api_url)
    staging = out / STAGING
    try:
        result = _fetch(client, out, old, files=files, full=full, progress=progress)
    except BaseException:
        # Keep the marker only where it is what lets the next run finish an interrupted one.
        others = [p for p in out.iterdir() if p.name != STAGING]
        for child in staging.iterdir() if old is None and others else ():
            if child.name != MARKER:
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink()
        if old is not None or not others:
            shutil.rmtree(staging, ignore_errors=True)
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return result


def _claim(out: Path, api_url: str) -> Manifest | None:
    """Check that ``out`` is this wiki's snapshot (or new); make the staging folder."""
    if out.exists() and not out.is_dir():
        raise SourceError(f"{out}: not a folder")
    try:
        old = read_manifest(out) if out.is_dir() else None
    except ManifestError as error:
        raise SourceError(f"{out / MANIFEST}: {error}") from None
    staging = out / STAGING
    marker = staging / MARKER
    if old is not None and old.source != api_url:
        raise SourceError(
            f"{out}: holds a snapshot of {old.source}, not of {api_url}; choose another folder"
        )
    if old is None and out.is_dir():
        others = [p.name for p in out.iterdir() if p.name != STAGING]
        partial = marker.is_file() and marker.read_text("utf-8").strip() == api_url
        if others and not partial:
            raise SourceError(
                f"{out}: not empty and not a snapshot (no {MANIFEST}); give a new or empty folder"
            )
    try:
        staging.mkdir(parents=True, exist_ok=True)
        for child in staging.iterdir():
            if child.name != MARKER:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        marker.write_text(api_url + "\n", "utf-8")
        (staging / "tmp").mkdir()
    except OSError as error:
        raise SourceError(f"{out}: cannot be written ({error.strerror or error})") from None
    return old


def _fetch(
    client: ApiClient, out: Path, old: Manifest | None, *, files: bool, full: bool, progress: bool
) -> FetchResult:
    remote = api.probe(client, oldest_change=old is not None and not full)
    stored = set(remote.namespaces)
    staging = _Staging(out, remote.site)
    bar = Progress(f"fetching {client.host}", enabled=progress)
    same_structure = old is not None and (
        old.site.namespaces == remote.site.namespaces and old.site.case == remote.site.case
    )
    try:
        if old is None or full or not same_structure:
            mode = "full"
            bar.expect(remote.page_estimate)
            _read_all(client, staging, remote.namespaces, bar)
        else:
            known = {t: e for t, e in old.pages.items() if e.namespace in stored}
            mode, again, gone = _changes(client, out, old.fetched, known, remote)
            bar.expect(len(again))
            _read_titles(client, staging, again, bar)
            for title, entry in sorted(known.items()):
                if title not in again and title not in gone:
                    staging.keep(title, entry)
        if staging.unresolved:
            _resolve(client, staging)
        _carry_files(staging, old)
        downloaded = _download_files(client, staging, bar) if files else 0
    finally:
        bar.close()
    manifest = Manifest(
        source=client.api_url,
        fetched=remote.now,
        site=remote.site,
        pages=staging.entries,
        files=staging.files,
    )
    written, removed = _commit(out, staging, manifest)
    return FetchResult(
        mode=mode,
        pages=sum(1 for e in staging.entries.values() if e.redirect is None),
        redirects=sum(1 for e in staging.entries.values() if e.redirect is not None),
        files=len(staging.files),
        read=staging.read,
        downloaded=downloaded,
        written=written,
        removed=removed,
        requests=client.requests,
        skipped=sorted(staging.skipped),
    )


def _changes(
    client: ApiClient, out: Path, since: str, known: dict[str, Entry], remote: api.Remote
) -> tuple[str, set[str], set[str]]:
    """How the snapshot was checked, the titles to read again, and the titles gone.

    Recent changes say what changed if they reach back to the last fetch; else every
    page's revision id is compared. Pages whose file is not what the last fetch wrote
    are read again either way.
    """
    broken = {title for title, entry in known.items() if not _intact(out, entry)}
    stored = set(remote.namespaces)
    if remote.oldest_change is not None and remote.oldest_change <= since:
        start = _format_time(_parse_time(since) - MARGIN)
        changes = api.recent_changes(client, since=start)
        revisions = {title: entry.revision for title, entry in known.items()}
        again = api.titles_to_read(changes, namespaces=stored, revisions=revisions)
        return "recent changes", again | broken, set()
    listed: dict[str, int] = {}
    jobs = [lambda ns=ns: api.page_revisions(client, ns) for ns in remote.namespaces]
    for part in client.parallel(jobs):
        listed.update(part)
    again = {
        title
        for title, revision in listed.items()
        if title not in known or known[title].revision != revision
    }
    return "revision ids", again | broken, set(known) - set(listed)


def _intact(out: Path, entry: Entry) -> bool:
    try:
        return sha1_hex((out / entry.path).read_bytes()) == entry.sha1
    except OSError:
        return False


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read_all(client: ApiClient, staging: _Staging, namespaces: Iterable[int], bar) -> None:
    def chain(namespace: int) -> None:
        for batch in api.namespace_pages(client, namespace):
            for record in batch:
                staging.put(record)
            bar.add(len(batch))

    client.parallel([functools.partial(chain, ns) for ns in namespaces])


def _read_titles(client: ApiClient, staging: _Staging, titles: set[str], bar) -> None:
    ordered = sorted(titles)
    chunks = [ordered[i : i + api.BATCH] for i in range(0, len(ordered), api.BATCH)]

    def job(chunk: list[str]) -> None:
        for batch in api.titled_pages(client, chunk):
            for record in batch:
                staging.put(record)
            bar.add(len(batch))

    client.parallel([functools.partial(job, chunk) for chunk in chunks])


def _resolve(client: ApiClient, staging: _Staging) -> None:
    targets = api.resolve_redirects(client, staging.unresolved)
    for title in staging.unresolved:
        entry = staging.entries.get(title)
        if entry is not None:
            # A redirect whose target the wiki cannot say either stays a page.
            staging.entries[title] = dataclasses.replace(entry, redirect=targets.get(title))


def _carry_files(staging: _Staging, old: Manifest | None) -> None:
    """What the last snapshot knew of files: the file pages kept, and local copies."""
    if old is None:
        return
    for title, file in old.files.items():
        if title in staging.entries and title not in staging.files:
            staging.files[title] = file
    for title, file in staging.files.items():
        previous = old.files.get(title)
        if file.path or not previous or not previous.path or previous.sha1 != file.sha1:
            continue
        local = staging.out / previous.path
        if local.is_file() and (file.size is None or local.stat().st_size == file.size):
            staging.files[title] = dataclasses.replace(file, path=previous.path)


def _download_files(client: ApiClient, staging: _Staging, bar: Progress) -> int:
    """Download every file the snapshot has no copy of; count them."""
    wanted = []
    for title, file in sorted(staging.files.items()):
        name = staging.namespaces.title(title)
        if file.url and not file.path and name is not None:
            wanted.append((title, file, media_path(name.text)))

    def job(title: str, file: WikiFile, path: str) -> None:
        # The checks of every download: size, content against the name, sha1.
        download_file(client, file.url, staging.root / path, name=path, what=title, sha1=file.sha1)
        staging.files[title] = dataclasses.replace(file, path=path)
        bar.add()

    client.parallel([functools.partial(job, *w) for w in wanted])
    return len(wanted)


def _commit(out: Path, staging: _Staging, manifest: Manifest) -> tuple[int, int]:
    """Move the staged files into place and write the manifest; all of it, or none."""
    keep = {e.path for e in manifest.pages.values()}
    keep |= {f.path for f in manifest.files.values() if f.path}
    staged = sorted(
        p.relative_to(staging.root).as_posix() for p in staging.root.rglob("*") if p.is_file()
    )
    changed = [rel for rel in staged if rel in keep and not _same(staging.root / rel, out / rel)]
    stale = [rel for rel in _stored_files(out) if rel not in keep]
    backup = out / STAGING / "old"
    undo: list[tuple[str, bool, bool]] = []  # path, had an old file, has a new file
    current = ""
    try:
        for rel in changed:
            current = rel
            target = out / rel
            had = target.is_file()
            if had:
                (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, backup / rel)
            undo.append((rel, had, False))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging.root / rel, target)
            undo[-1] = (rel, had, True)
        for rel in stale:
            current = rel
            (backup / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(out / rel, backup / rel)
            undo.append((rel, True, False))
        current = MANIFEST
        write_atomic(
            out / MANIFEST,
            manifest_to_json(manifest).encode("utf-8"),
            scratch=out / STAGING / "tmp",
        )
    except BaseException as error:
        for rel, had, new in reversed(undo):
            if new:
                (out / rel).unlink(missing_ok=True)
            if had:
                os.replace(backup / rel, out / rel)
        if not isinstance(error, OSError):
            raise
        raise SourceError(
            f"{out}: cannot write {current} ({error.strerror or error}); the snapshot is unchanged"
        ) from None
    _remove_empty_folders(out)
    return len(changed), len(stale)


def _same(a: Path, b: Path) -> bool:
    try:
        return (
            b.is_file()
            and a.stat().st_size == b.stat().st_size
            and a.read_bytes() == b.read_bytes()
        )
    except OSError:
        return False


def _stored_files(out: Path) -> list[str]:
    """The page and media files of a snapshot folder (hidden folders are not part of it)."""
    result = []
    for path in out.rglob("*"):
        rel = path.relative_to(out).as_posix()
        if any(part.startswith(".") for part in rel.split("/")[:-1]) or rel.startswith(STAGING):
            continue
        if path.is_file() and (rel.endswith(SUFFIX) or rel.startswith(MEDIA_FOLDER + "/")):
            result.append(rel)
    return sorted(result)


def _remove_empty_folders(out: Path) -> None:
    for folder in sorted((p for p in out.rglob("*") if p.is_dir()), reverse=True):
        rel = folder.relative_to(out).as_posix()
        if rel.startswith(STAGING) or rel.startswith("."):
            continue
        with contextlib.suppress(OSError):  # not empty
            folder.rmdir()


# --- the command line ---------------------------------------------------------------


def parser(prog: str = "mw2sphinx fetch") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Store a live MediaWiki wiki as a folder in the mirror layout (with "
        f"{MANIFEST}: the site info and every page's revision), or bring such a folder up "
        "to date: the next fetch downloads only what changed. 'mw2sphinx convert' reads "
        "the folder with --source DIR.",
    )
    p.add_argument(
        "--source", required=True, help="the wiki's Action API, e.g. https://host/w/api.php"
    )
    p.add_argument(
        "--out", required=True, help="the snapshot folder: new, empty, or an earlier snapshot"
    )
    p.add_argument(
        "--files",
        action="store_true",
        help=f"also download the uploaded files (images …) into {MEDIA_FOLDER}/",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="a host other than the API's that files may be downloaded from "
        "(e.g. the wiki's upload server); may be given more than once",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="download every page again instead of only what changed",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=5,
        help="retries of a request the server answers with 429, 503 or a lag error, "
        "waiting as long as it asks or twice as long each time (default: %(default)s)",
    )
    p.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for an answer (default: 60)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    return p


def main(argv: list[str] | None = None, *, prog: str = "mw2sphinx fetch") -> int:
    args = parser(prog).parse_args(argv)
    started = time.monotonic()
    out = Path(args.out)
    try:
        client = ApiClient(
            args.source,
            retries=args.retries,
            timeout=args.timeout,
            allowed_hosts=tuple(args.allow_host),
        )
        result = fetch_snapshot(
            client,
            out,
            files=args.files,
            full=args.full,
            progress=not args.quiet,
        )
    except SourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"error: {args.source}: interrupted; {out} is unchanged", file=sys.stderr)
        return 130
    if not args.quiet:
        print(result.summary(out, time.monotonic() - started))
    return 0
