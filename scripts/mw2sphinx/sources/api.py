"""A live wiki through its Action API (``https://host/w/api.php``).

The site info comes from ``meta=siteinfo``; the pages of the content namespaces, the
Category and Template namespaces and the file pages (with ``imageinfo``) come from
``generator=allpages`` with ``prop=revisions``, 50 pages a request, following
``continue``. The namespaces are read two at a time (the client never has more than two
requests in flight). What changed since a time comes from ``list=recentchanges``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from ..model import Page, SiteInfo, SourceFailure, Wiki, WikiFile
from ..titles import FILE, MAIN, MODULE, Namespaces
from .client import ApiClient
from .common import EXTRA_NAMESPACES, SourceError
from .folder import redirect_target
from .media import wiki_file
from .progress import Progress

#: Pages a request: the API's limit for page content for clients that are not bots.
BATCH = 50
PAGE_PROPS = {
    "prop": "revisions|info",
    "rvprop": "content|ids|timestamp",
    "rvslots": "main",
}
FILE_PROPS = {
    "prop": "revisions|info|imageinfo",
    "rvprop": "content|ids|timestamp",
    "rvslots": "main",
    "iiprop": "url|sha1|size|mime|timestamp",
}
#: Log entries after which a page must be read again (it went, came back, moved, or its
#: file changed).
RELEVANT_LOGS = {"delete", "move", "upload", "import", "merge"}


@dataclasses.dataclass(frozen=True)
class Remote:
    """What the API says about the wiki itself."""

    site: SiteInfo
    now: str  # the server's clock, ISO 8601
    content_namespaces: tuple[int, ...]
    page_estimate: int | None  # pages in all namespaces
    oldest_change: str | None = None  # the oldest entry recent changes still holds

    @property
    def namespaces(self) -> tuple[int, ...]:
        """The namespaces a fetch stores, in order."""
        wanted = [*self.content_namespaces, *EXTRA_NAMESPACES]
        if MODULE in (self.site.namespaces or {}):  # Scribunto's modules, for #invoke
            wanted.append(MODULE)
        return tuple(dict.fromkeys(wanted))


@dataclasses.dataclass(frozen=True)
class RemotePage:
    """One page as the API gives it; ``text`` is ``None`` for a page that does not exist."""

    title: str
    namespace: int
    text: str | None
    revision: int | None = None
    timestamp: str | None = None
    redirect: bool = False
    file: WikiFile | None = None
    problem: str | None = None  # why there is no text, for a page that exists


def probe(client: ApiClient, *, oldest_change: bool = False) -> Remote:
    """The site info (the first request: it also tells whether the URL is an API)."""
    params = {
        "action": "query",
        "meta": "siteinfo",
        "siprop": "general|namespaces|namespacealiases|statistics|rightsinfo",
        "curtimestamp": "1",
    }
    if oldest_change:
        params.update(
            {"list": "recentchanges", "rcdir": "newer", "rclimit": "1", "rcprop": "timestamp"}
        )
    answer = client.call(params, what="site info", probe=True)
    query = answer.get("query")
    if not isinstance(query, dict):
        query = {}
    general = query.get("general")
    if not isinstance(general, dict) or "sitename" not in general:
        raise SourceError(f"{client.api_url}: not a MediaWiki API (no site info in its answer)")
    changes = query.get("recentchanges") or []
    return Remote(
        site=site_info(query, api_url=client.api_url),
        now=str(answer.get("curtimestamp") or general.get("time") or ""),
        content_namespaces=tuple(
            int(ns["id"])
            for ns in _namespace_list(query.get("namespaces"))
            if ns.get("content") and int(ns["id"]) >= 0
        )
        or (MAIN,),
        page_estimate=(query.get("statistics") or {}).get("pages"),
        oldest_change=changes[0]["timestamp"] if changes else None,
    )


def _namespace_list(namespaces) -> list[dict]:
    # formatversion=2 gives a dict keyed by id; be lenient with a list.
    if isinstance(namespaces, dict):
        return [ns for ns in namespaces.values() if isinstance(ns, dict)]
    return [ns for ns in namespaces or [] if isinstance(ns, dict)]


def site_info(query: dict, *, api_url: str) -> SiteInfo:
    """The :class:`SiteInfo` of ``meta=siteinfo`` (general, namespaces, namespacealiases,
    rightsinfo)."""
    general = query["general"]
    server = str(general.get("server", ""))
    if server.startswith("//"):  # protocol-relative: the API's own scheme
        server = f"{urlsplit(api_url).scheme}:{server}"
    article_path = str(general.get("articlepath", "/index.php/$1"))
    namespaces: dict[int, str] = {}
    aliases: dict[str, int] = {}
    for ns in _namespace_list(query.get("namespaces")):
        number = int(ns["id"])
        namespaces[number] = str(ns.get("name", ns.get("*", "")))
        canonical = ns.get("canonical")
        if canonical and canonical != namespaces[number]:
            aliases[str(canonical)] = number
    for alias in query.get("namespacealiases") or []:
        aliases[str(alias.get("alias", alias.get("*", "")))] = int(alias["id"])
    rights = rights_info(query.get("rightsinfo"))
    return SiteInfo(
        name=str(general["sitename"]),
        article_url=server + article_path,
        main_page=str(general.get("mainpage", "Main Page")),
        case=str(general.get("case", "first-letter")),
        namespaces=namespaces or None,
        namespace_aliases={k: v for k, v in sorted(aliases.items()) if k} or None,
        rights_text=rights.get("rights_text", ""),
        rights_url=rights.get("rights_url", ""),
        magic_links=magic_links(general.get("magiclinks")),
    )


def magic_links(setting: object) -> frozenset[str]:
    """The magic links ``siprop=general`` says are on (``magiclinks``: ``{"ISBN": false,
    …}``, MediaWiki 1.28 on; older wikis do not say and made all three)."""
    if setting is None:
        return frozenset({"ISBN", "PMID", "RFC"})
    if not isinstance(setting, dict):
        return frozenset()
    return frozenset(str(kind) for kind, on in setting.items() if on is True)


def rights_info(rights: object) -> dict[str, str]:
    """``rights_text`` and ``rights_url`` of ``siprop=rightsinfo`` (MediaWiki's
    ``$wgRightsText`` and ``$wgRightsUrl``; both "" on a wiki that sets neither)."""
    if not isinstance(rights, dict):
        return {}
    return {
        "rights_text": " ".join(str(rights.get("text") or "").split()),
        "rights_url": str(rights.get("url") or "").strip(),
    }


def _record(page: dict) -> RemotePage:
    title, namespace = str(page["title"]), int(page.get("ns", 0))
    if page.get("missing") or page.get("invalid"):
        return RemotePage(title, namespace, None)
    revisions = page.get("revisions") or []
    file = _file(title, page)
    if not revisions:
        return RemotePage(title, namespace, None, file=file, problem="the API gave no revision")
    revision = revisions[0]
    slot = (revision.get("slots") or {}).get("main", revision)  # before 1.32: no slots
    text = slot.get("content", slot.get("*"))
    problem = None
    if text is None:
        hidden = slot.get("texthidden") or slot.get("textmissing")
        problem = "its text is hidden" if hidden else "the API gave no text"
    return RemotePage(
        title,
        namespace,
        text,
        revision=revision.get("revid"),
        timestamp=revision.get("timestamp"),
        redirect=bool(page.get("redirect")),
        file=file,
        problem=problem,
    )


def _file(title: str, page: dict) -> WikiFile | None:
    info = (page.get("imageinfo") or [None])[0]
    if not isinstance(info, dict):
        return None
    return wiki_file(title, info)


def namespace_pages(client: ApiClient, namespace: int) -> Iterator[list[RemotePage]]:
    """Every page of a namespace, redirects included, a batch at a time."""
    params = {
        "action": "query",
        "generator": "allpages",
        "gapnamespace": str(namespace),
        "gaplimit": str(BATCH),
        **(FILE_PROPS if namespace == FILE else PAGE_PROPS),
    }
    for batch in client.pages(params, what=f"pages of namespace {namespace}"):
        yield [_record(page) for page in batch]


def titled_pages(client: ApiClient, titles: Iterable[str]) -> Iterator[list[RemotePage]]:
    """The pages of the given titles, 50 a request; missing pages have no text."""
    titles = sorted(set(titles))
    for start in range(0, len(titles), BATCH):
        chunk = titles[start : start + BATCH]
        params = {"action": "query", "titles": "|".join(chunk), **FILE_PROPS}
        what = chunk[0] if len(chunk) == 1 else f"{len(chunk)} pages from {chunk[0]!r}"
        for batch in client.pages(params, what=what):
            yield [_record(page) for page in batch]


def page_revisions(client: ApiClient, namespace: int) -> dict[str, int]:
    """The newest revision id of every page of a namespace (no content: 500 a request)."""
    params = {
        "action": "query",
        "generator": "allpages",
        "gapnamespace": str(namespace),
        "gaplimit": "max",
        "prop": "info",
    }
    result = {}
    for batch in client.pages(params, what=f"revisions of namespace {namespace}"):
        for page in batch:
            result[str(page["title"])] = int(page.get("lastrevid", 0))
    return result


def recent_changes(client: ApiClient, *, since: str) -> Iterator[dict]:
    """Edits, new pages and log entries from ``since`` on, oldest first."""
    params = {
        "action": "query",
        "list": "recentchanges",
        "rcstart": since,
        "rcdir": "newer",
        "rcprop": "title|ids|timestamp|loginfo",
        "rctype": "edit|new|log",
        "rclimit": "max",
    }
    yield from client.listing(params, "recentchanges", what="recent changes")


def titles_to_read(
    changes: Iterable[dict], *, namespaces: Iterable[int], revisions: Mapping[str, int | None]
) -> set[str]:
    """The stored titles that recent changes touched and that must be read again.

    An edit matters if it is newer than the stored revision; a deletion, move, upload,
    import or merge always does (for a move, both the old and the new title).
    """
    wanted = set(namespaces)
    result: set[str] = set()
    for change in changes:
        kind = change.get("type")
        title, namespace = str(change.get("title") or ""), change.get("ns")
        if kind in {"edit", "new"} and title:
            stored = revisions.get(title) or 0
            if namespace in wanted and (change.get("revid") or 0) > stored:
                result.add(title)
        elif kind == "log" and change.get("logtype") in RELEVANT_LOGS:
            if namespace in wanted and title:
                result.add(title)
            params = change.get("logparams") or {}
            if params.get("target_ns") in wanted and params.get("target_title"):
                result.add(str(params["target_title"]))
    return result


def resolve_redirects(client: ApiClient, titles: Iterable[str]) -> dict[str, str]:
    """Where redirects whose text we cannot read (a localised #REDIRECT) lead."""
    titles = sorted(set(titles))
    result = {}
    for start in range(0, len(titles), BATCH):
        params = {"action": "query", "titles": "|".join(titles[start : start + BATCH])}
        answer = client.call({**params, "redirects": "1"}, what="redirect targets")
        for hop in answer.get("query", {}).get("redirects", []):
            target = hop["to"] + (f"#{hop['tofragment']}" if hop.get("tofragment") else "")
            result[hop["from"]] = target
    return result


def read_api(
    url: str, *, progress: bool = False, client: ApiClient | None = None, **options
) -> Wiki:
    """The whole wiki, read into memory (for converting without a snapshot)."""
    client = client or ApiClient(url, **options)
    remote = probe(client)
    bar = Progress(f"reading {urlsplit(client.api_url).netloc}", enabled=progress)
    bar.expect(remote.page_estimate)

    def chain(namespace: int) -> list[RemotePage]:
        records = []
        for batch in namespace_pages(client, namespace):
            records.extend(batch)
            bar.add(len(batch))
        return records

    try:
        chains = client.parallel([functools.partial(chain, ns) for ns in remote.namespaces])
    finally:
        bar.close()
    return wiki_from_records(remote.site, [r for records in chains for r in records], client=client)


def wiki_from_records(
    site: SiteInfo, records: Iterable[RemotePage], *, client: ApiClient | None
) -> Wiki:
    """The :class:`Wiki` of a set of pages; redirects the text does not say are resolved."""
    namespaces = Namespaces(site)
    pages: dict[str, Page] = {}
    redirects: dict[str, str] = {}
    files: dict[str, WikiFile] = {}
    failures = []
    unresolved = []
    host = urlsplit(client.api_url).netloc if client else "api"
    seen: dict[str, str] = {}  # normalised title -> the title the wiki gave
    for record in records:
        title = namespaces.title(record.title)
        if title is None:
            message = f"{record.title!r} is not a valid page title"
            failures.append(SourceFailure(f"{host}: {record.title}", message))
            continue
        if title.full in seen:
            # Two pages of the wiki are one title here (Café in NFC and in NFD, which
            # MediaWiki can hold apart and its API prints alike): the second is a failure.
            message = f"a second page titled {seen[title.full]!r} once normalised"
            failures.append(SourceFailure(f"{host}: {record.title}", message))
            continue
        seen[title.full] = record.title
        if record.file is not None:
            files[title.full] = record.file
        if record.text is None:
            if record.problem:
                failures.append(_failure(host, record))
            continue
        if record.redirect:
            target = redirect_target(record.text)
            if target is None:
                unresolved.append(title.full)
            else:
                redirects[title.full] = target
            continue
        pages[title.full] = Page(
            title.full,
            title.namespace,
            record.text,
            revision=record.revision,
            timestamp=record.timestamp,
            origin=f"{host}: {title.full}",
        )
    if unresolved and client is not None:
        redirects.update(resolve_redirects(client, unresolved))
    return Wiki(site=site, pages=pages, redirects=redirects, files=files, failures=tuple(failures))


def _failure(host: str, record: RemotePage) -> SourceFailure:
    return SourceFailure(f"{host}: {record.title}", record.problem or "no text")
