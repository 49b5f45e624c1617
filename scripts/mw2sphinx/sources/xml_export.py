"""MediaWiki XML exports: Special:Export and dumpBackup.php files, plain, gzip or bzip2.

The file is read as a stream (a pull parser fed in chunks, every page's elements cleared
once read), so memory does not grow with the size of the file or the length of the page
histories: only the newest revision of each page is kept. Export schemas 0.3 to 0.11 are
read; ``<ns>`` (0.6+) is not needed, the title says the namespace. As from the API, the
pages of the site are those of the articles, categories, templates and files; talk, user
and project pages in a full dump are passed over.

The parser never expands entities beyond XML's five: a DOCTYPE (the only place entities
can be declared) is refused before parsing starts, and expat rejects any other entity.
"""

from __future__ import annotations

import bz2
import gzip
import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from ..model import Page, SiteInfo, SourceFailure, Wiki, WikiFile
from ..titles import DEFAULT_NAMESPACES, FILE, MODULE, Namespaces
from .common import DEFAULT_CONTENT_NAMESPACES, EXTRA_NAMESPACES, SourceError
from .folder import redirect_target

SUFFIXES = (".xml", ".xml.gz", ".xml.bz2")
_SCHEMA = re.compile(r"\{http://www\.mediawiki\.org/xml/export-0\.(\d+)/\}mediawiki")
_CHUNK = 1 << 16
#: Where the root element starts: the first tag that is not ``<?…`` or ``<!…``.
_ROOT_TAG = re.compile(rb"<(?![?!])")
_CORE_NAMESPACES = {k: v for k, v in DEFAULT_NAMESPACES.items() if k not in (MODULE, MODULE + 1)}
_SITE_NAMESPACES = frozenset((*DEFAULT_CONTENT_NAMESPACES, *EXTRA_NAMESPACES, MODULE))


def is_export(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES)


def read_xml_export(path: Path, *, default_site: SiteInfo) -> Wiki:
    """Read an export; ``default_site`` stands in only if the file has no ``<siteinfo>``."""
    try:
        with _open(path) as stream:
            return _read(stream, path.name, default_site=default_site)
    except ET.ParseError as error:
        line, column = error.position
        reason = str(error).split(":")[0]
        raise SourceError(
            f"{path}: not well-formed XML at line {line}, column {column + 1} ({reason})"
        ) from None
    except (OSError, EOFError, zlib.error) as error:
        raise SourceError(f"{path}: cannot be read ({_reason(error)})") from None


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _open(path: Path) -> BinaryIO:
    """The file's bytes, decompressed by what its first bytes say, not by its name."""
    with path.open("rb") as probe:
        magic = probe.read(3)
    if magic[:2] == b"\x1f\x8b":
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]  # a BinaryIO
    if magic == b"BZh":
        return bz2.BZ2File(path, "rb")  # type: ignore[return-value]  # a BinaryIO
    return path.open("rb")


def _chunks(stream: BinaryIO, spec: str) -> Iterator[bytes]:
    """The file in chunks, after checking that its prolog declares nothing."""
    head = stream.read(_CHUNK)
    while len(head) < 4 * _CHUNK and not _ROOT_TAG.search(head):
        more = stream.read(_CHUNK)
        if not more:
            break
        head += more
    root = _ROOT_TAG.search(head)
    prolog = head[: root.start()] if root else head
    if b"<!DOCTYPE" in prolog:
        raise SourceError(
            f"{spec}: has a DOCTYPE; MediaWiki exports have none, and its entities "
            "are not expanded (refused for safety)"
        )
    if root is None:
        raise SourceError(f"{spec}: not a MediaWiki XML export (no element in the first bytes)")
    yield head
    while chunk := stream.read(_CHUNK):
        yield chunk


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return child.text or ""
    return None


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _events(parser: ET.XMLPullParser[ET.Element]) -> Iterator[tuple[str, ET.Element]]:
    # start and end events only: each comes with its element
    return cast(Iterator[tuple[str, ET.Element]], parser.read_events())


def _read(stream: BinaryIO, spec: str, *, default_site: SiteInfo) -> Wiki:
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    state = _State(spec, default_site)
    for chunk in _chunks(stream, spec):
        parser.feed(chunk)
        for event, element in _events(parser):
            state.handle(event, element)
    parser.close()
    for event, element in _events(parser):
        state.handle(event, element)
    if state.root is None:
        raise SourceError(f"{spec}: not a MediaWiki XML export (empty)")
    return state.wiki()


class _State:
    """What the stream has said so far: the site, and the newest revision of each page."""

    def __init__(self, spec: str, default_site: SiteInfo):
        self.spec = spec
        self.site = default_site
        self.namespaces = Namespaces(default_site)
        self.version = 11
        self.root: ET.Element | None = None
        self.depth = 0
        self.pages: dict[str, Page] = {}
        self.redirects: dict[str, str] = {}
        self.files: dict[str, WikiFile] = {}
        self.failures: list[SourceFailure] = []
        self.raw_titles: dict[str, str] = {}  # title -> how the export spelled it first
        # the page being read: its newest revision so far
        self.best: tuple[str, int, str | None, str | None] | None = None  # time, id, text, why

    def handle(self, event: str, element: ET.Element) -> None:
        if event == "start":
            self.depth += 1
            if self.root is None:
                self._start_root(element)
            elif self.depth == 2 and _local(element.tag) == "page":
                self.best = None
            return
        self.depth -= 1
        name = _local(element.tag)
        if self.depth == 1 and name == "siteinfo":
            self.site = _site_info(element, fallback=self.site)
            self.namespaces = Namespaces(self.site)
            element.clear()
        elif self.depth == 2 and name == "revision":
            self._revision(element)
            element.clear()
        elif self.depth == 1 and name == "page":
            self._page(element)
            element.clear()
            assert self.root is not None
            self.root.clear()  # drop the emptied page from the root, too

    def _start_root(self, element: ET.Element) -> None:
        match = _SCHEMA.fullmatch(element.tag)
        if match is None:
            raise SourceError(
                f"{self.spec}: not a MediaWiki XML export "
                f"(the root element is <{_local(element.tag)}>)"
            )
        self.root = element
        self.version = int(match.group(1))

    def _revision(self, element: ET.Element) -> None:
        timestamp = _child_text(element, "timestamp") or ""
        revision_id = int(_child_text(element, "id") or 0)
        text_element = _child(element, "text")
        text: str | None = None
        why = None
        if text_element is None:
            why = "the export has no text for it (a stub dump?)"
        elif text_element.get("deleted"):
            why = "its newest text is hidden (revision deleted)"
        elif text_element.text is None and text_element.get("bytes", "0") != "0":
            why = "the export has no text for it (a stub dump?)"
        else:
            text = text_element.text or ""
        if self.best is None or (timestamp, revision_id) >= self.best[:2]:
            self.best = (timestamp, revision_id, text, why)

    def _page(self, element: ET.Element) -> None:
        raw_title = _child_text(element, "title") or ""
        origin = f"{self.spec}: {raw_title}"
        title = self.namespaces.title(raw_title)
        if title is None:
            self.failures.append(SourceFailure(origin, f"{raw_title!r} is not a valid page title"))
            return
        if title.namespace not in _SITE_NAMESPACES:
            return
        spelling = _spelling(raw_title)
        if self.raw_titles.setdefault(title.full, spelling) != spelling:
            # Two pages (Café in NFC and in NFD, say) are one title here; the same title
            # given twice is history, and the newest revision wins below.
            message = f"the same title as {self.raw_titles[title.full]!r} once normalised"
            self.failures.append(SourceFailure(origin, message))
            return
        upload = _child(element, "upload")
        if upload is not None and title.namespace == FILE:
            self.files[title.full] = _upload(title.full, upload)
        if self.best is None:
            self.failures.append(SourceFailure(origin, "the export has no revision of it"))
            return
        timestamp, revision_id, text, why = self.best
        previous = self.pages.get(title.full)
        if previous is not None and (previous.timestamp or "", previous.revision or 0) > (
            timestamp,
            revision_id,
        ):
            return  # the page came twice; an earlier block had a newer revision
        if text is None:
            self.failures.append(SourceFailure(origin, why or "no text"))
            return
        text = text.replace("\r\n", "\n")
        redirect = _child(element, "redirect")
        target = redirect_target(text)
        # Since schema 0.4 the export says which pages are redirects; before, the text does.
        if redirect is not None or (self.version < 4 and target is not None):
            self.pages.pop(title.full, None)
            self.redirects[title.full] = target or (
                (redirect.get("title") or "") if redirect is not None else ""
            )
            return
        self.redirects.pop(title.full, None)
        self.pages[title.full] = Page(
            title.full,
            title.namespace,
            text,
            revision=revision_id or None,
            timestamp=timestamp or None,
            origin=origin,
        )

    def wiki(self) -> Wiki:
        return Wiki(
            site=self.site,
            pages=self.pages,
            redirects={k: v for k, v in self.redirects.items() if v},
            files=self.files,
            failures=tuple(self.failures),
        )


def _spelling(raw: str) -> str:
    """A title as given, but for spaces and underscores (which mean the same)."""
    return " ".join(raw.replace("_", " ").split())


def _upload(title: str, element: ET.Element) -> WikiFile:
    size = _child_text(element, "size")
    sha1 = _child_text(element, "sha1base36")
    return WikiFile(
        title=title,
        url=_child_text(element, "src") or "",
        size=int(size) if size and size.isdigit() else None,
        sha1=format(int(sha1, 36), "040x") if sha1 and sha1.isalnum() else None,
        timestamp=_child_text(element, "timestamp"),
    )


def _site_info(element: ET.Element, *, fallback: SiteInfo) -> SiteInfo:
    name = _child_text(element, "sitename") or fallback.name
    article_url, main_page = split_base(_child_text(element, "base") or "")
    namespaces: dict[int, str] = {}
    listing = _child(element, "namespaces")
    for namespace in listing if listing is not None else ():
        key = namespace.get("key", "")
        if key.lstrip("-").isdigit():
            namespaces[int(key)] = namespace.text or ""
    case = _child_text(element, "case") or fallback.case
    return SiteInfo(
        name=name,
        article_url=article_url or fallback.article_url,
        main_page=main_page or fallback.main_page,
        case=case,
        # A hand-made export may list only some namespaces; the rest keep their defaults
        # (but Module: only where the wiki has Scribunto, as its export then says).
        namespaces={**_CORE_NAMESPACES, **namespaces} if namespaces else fallback.namespaces,
        namespace_aliases=fallback.namespace_aliases,
    )


def split_base(base: str) -> tuple[str, str]:
    """The article URL pattern and the main page title from an export's ``<base>``.

    ``<base>`` is the URL of the main page: ``https://host/wiki/Main_Page``,
    ``https://host/index.php/Main_Page`` or ``https://host/index.php?title=Main_Page``.
    """
    if not base:
        return "", ""
    parts = urlsplit(base)
    query = parse_qsl(parts.query, keep_blank_values=True)
    titles = [value for key, value in query if key == "title"]
    if titles:
        rest = [(k, v) for k, v in query if k != "title"]
        pattern = urlencode([*rest, ("title", "$1")], safe="$")
        return urlunsplit(parts._replace(query=pattern, fragment="")), titles[0].replace("_", " ")
    path = parts.path
    for marker in ("/wiki/", "/index.php/"):
        if marker in path:
            prefix, _, title = path.partition(marker)
            prefix += marker
            break
    else:
        prefix, _, title = path.rpartition("/")
        prefix += "/"
    url = urlunsplit(parts._replace(path=prefix, query="", fragment="")) + "$1"
    return url, unquote(title).replace("_", " ")
