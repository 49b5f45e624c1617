"""Templates expanded by the live wiki, for the pages the local expander cannot do.

For an API source, ``--expand auto`` (the default) expands every page locally first; a page
whose expansion needed what only the wiki has (``{{#invoke:}}`` without the modules' engine,
a parser function we do not implement, a magic word whose value lives on the server) is
expanded by the wiki instead, with ``action=expandtemplates`` (``action=parse&prop=wikitext``
gives the page's source, not its expansion). The preprocessor leaves extension tags and their
content as they are (Cite expands a ``<ref>``'s templates only when it renders it), so
templates inside ``<ref>``, ``<poem>``, ``<gallery>`` and ``<tabber>`` are
expanded by a second request, all of a page's at once. What comes back is wikitext: refs,
categories and links still go through our own conversion. The pages a page transcludes
(templates and modules) come from ``prop=templates``, 50 pages a request.

The answers are kept in ``_wiki/expand.cache`` in the destination, keyed by the page's
revision and the revisions of everything it transcluded: a page is asked again only when it
or one of its templates or modules changed. ``--expand wiki`` sends every page; ``local``
none. Every request goes through the source's :class:`ApiClient` (at most two in flight,
``maxlag``, ``Retry-After``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ..expand import Expansion
from ..model import Page, Wiki
from ..report import Kind, WikiWarning
from ..titles import MODULE
from .client import ApiClient
from .common import SourceError

MODES = ("local", "wiki", "auto")
#: Where the wiki's expansions are kept, in the destination.
CACHE = "_wiki/expand.cache"
CACHE_VERSION = 1
#: Titles a ``prop=templates`` request asks about.
BATCH = 50

#: Magic words whose value only the server knows (time, statistics, revision data).
SERVER_MAGIC_WORDS = frozenset(
    """CURRENTYEAR CURRENTMONTH CURRENTMONTH1 CURRENTMONTH2 CURRENTMONTHNAME CURRENTMONTHNAMEGEN
    CURRENTMONTHABBREV CURRENTDAY CURRENTDAY2 CURRENTDOW CURRENTDAYNAME CURRENTTIME CURRENTHOUR
    CURRENTWEEK CURRENTTIMESTAMP LOCALYEAR LOCALMONTH LOCALMONTH1 LOCALMONTH2 LOCALMONTHNAME
    LOCALMONTHNAMEGEN LOCALMONTHABBREV LOCALDAY LOCALDAY2 LOCALDOW LOCALDAYNAME LOCALTIME
    LOCALHOUR LOCALWEEK LOCALTIMESTAMP NUMBEROFPAGES NUMBEROFARTICLES NUMBEROFFILES
    NUMBEROFEDITS NUMBEROFUSERS NUMBEROFACTIVEUSERS NUMBEROFADMINS PAGESINCATEGORY
    PAGESINCAT PAGESIZE NUMBERINGROUP NUMBEROFVIEWS REVISIONID REVISIONDAY REVISIONDAY2
    REVISIONMONTH REVISIONMONTH1 REVISIONYEAR REVISIONTIMESTAMP REVISIONUSER REVISIONSIZE
    PAGEID CASCADINGSOURCES PROTECTIONLEVEL PROTECTIONEXPIRY CONTENTLANGUAGE CONTENTLANG
    DIRMARK DIRECTIONMARK SCRIPTPATH STYLEPATH SERVERNAME CURRENTVERSION""".split()
)
#: Tags whose content MediaWiki parses as wikitext when it renders them (not before).
_PARSED_TAGS = ("ref", "poem", "gallery", "tabber")
_PARSED_TAG = re.compile(
    r"(<(" + "|".join(_PARSED_TAGS) + r")(?:\s[^>]*)?>)(.*?)(</\2\s*>)", re.IGNORECASE | re.DOTALL
)
#: Between the contents of a page's tags in the second request: nothing a template makes.
_SEPARATOR = "\n9MWxQzSEP{}Q\n"
_SEPARATOR_RE = re.compile(r"\n9MWxQzSEP(\d+)Q\n")


def needs_wiki(expansion: Expansion) -> str | None:
    """Why the wiki must expand a page whose local expansion this is, or ``None``."""
    for warning in expansion.warnings:
        if warning.kind == Kind.PARSER_FUNCTION:
            return warning.message
    for name in expansion.placeholders:
        word = name.partition(":")[2].partition(":")[0].strip()
        if word.upper() in SERVER_MAGIC_WORDS and word == word.upper():
            return f"the magic word {word} depends on the server"
    return None


# --- the cache -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Expanded:
    """What the wiki made of one page."""

    title: str
    revision: int | None
    text: str
    #: the pages it transcludes (templates, modules), with their revisions when asked.
    depends: Mapping[str, int | None]
    display_title: str | None = None
    default_sort: str | None = None

    def current(self, page: Page, revisions: Mapping[str, int | None]) -> bool:
        """Whether the page and everything it transcludes are as they were."""
        if page.revision is None or page.revision != self.revision:
            return False
        return all(revisions.get(name) == rev for name, rev in self.depends.items())


class ExpandCache:
    """The wiki's expansions from earlier runs into a destination."""

    def __init__(self, entries: Iterable[Expanded] = ()):
        self.entries = {entry.title: entry for entry in entries}
        self.changed = False

    @classmethod
    def load(cls, dest: Path) -> ExpandCache:
        try:
            data = json.loads((dest / CACHE).read_text("utf-8"))
            if data.get("version") != CACHE_VERSION:
                return cls()
            return cls(Expanded(**{**e, "depends": dict(e["depends"])}) for e in data["pages"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return cls()  # no cache, or not ours: everything is asked again

    def save(self, dest: Path) -> None:
        if not self.changed:
            return
        path = dest / CACHE
        staged = path.with_name(path.name + ".new")
        pages = [dataclasses.asdict(e) for _, e in sorted(self.entries.items())]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            staged.write_text(
                json.dumps({"version": CACHE_VERSION, "pages": pages}, ensure_ascii=False),
                "utf-8",
            )
            os.replace(staged, path)
        except OSError:
            staged.unlink(missing_ok=True)  # costs requests next time, nothing else

    def put(self, entry: Expanded) -> None:
        self.entries[entry.title] = entry
        self.changed = True

    def keep_only(self, titles: Iterable[str]) -> None:
        keep = set(titles)
        for title in [t for t in self.entries if t not in keep]:
            del self.entries[title]
            self.changed = True


# --- asking the wiki -------------------------------------------------------------------


def _expand_request(client: ApiClient, title: str, text: str) -> dict:
    answer = client.call(
        {
            "action": "expandtemplates",
            "title": title,
            "text": text,
            "prop": "wikitext|properties",
        },
        what=f"expanding {title!r}",
    )
    result = answer.get("expandtemplates")
    if not isinstance(result, dict) or not isinstance(result.get("wikitext"), str):
        raise SourceError(f"{client.api_url}: expanding {title!r}: no wikitext in the answer")
    return result


def _properties(result: dict) -> dict[str, str]:
    props = result.get("properties") or {}
    if isinstance(props, list):  # formatversion=1 style
        return {str(p.get("name")): str(p.get("*", p.get("value", ""))) for p in props}
    return {str(k): str(v) for k, v in props.items()}


def expand_tag_contents(client: ApiClient, title: str, text: str) -> str:
    """Expand the templates inside the parsed extension tags of expanded text."""
    spans = [m for m in _PARSED_TAG.finditer(text) if "{{" in m.group(3)]
    if not spans:
        return text
    joined = "".join(_SEPARATOR.format(i) + m.group(3) for i, m in enumerate(spans))
    expanded = _expand_request(client, title, joined)["wikitext"]
    parts = _SEPARATOR_RE.split(expanded)
    # parts: [before, "0", content0, "1", content1, ...]
    numbers, contents = parts[1::2], parts[2::2]
    if numbers != [str(i) for i in range(len(spans))]:
        return text  # a template swallowed a separator: keep the tags as they were
    out, last = [], 0
    for match, content in zip(spans, contents, strict=True):
        out.append(text[last : match.start(3)])
        out.append(content)
        last = match.end(3)
    out.append(text[last:])
    return "".join(out)


def transclusions(client: ApiClient, titles: Iterable[str]) -> dict[str, set[str]]:
    """The templates and modules each page transcludes, as the wiki's link tables have them."""
    titles = sorted(set(titles))
    result: dict[str, set[str]] = {title: set() for title in titles}
    for start in range(0, len(titles), BATCH):
        chunk = titles[start : start + BATCH]
        params = {
            "action": "query",
            "titles": "|".join(chunk),
            "prop": "templates",
            "tllimit": "max",
        }
        for batch in client.pages(params, what=f"templates of {len(chunk)} pages"):
            for page in batch:
                used = {str(t["title"]) for t in page.get("templates") or []}
                result.setdefault(str(page["title"]), set()).update(used)
    return result


def ask_wiki(client: ApiClient, page: Page) -> tuple[str, dict[str, str]] | SourceError:
    """The page's text as the wiki expands it and the page properties it set, or why not."""
    try:
        result = _expand_request(client, page.title, page.text)
        text = expand_tag_contents(client, page.title, result["wikitext"])
    except SourceError as error:
        return error
    return text, _properties(result)


# --- the plan for a wiki ---------------------------------------------------------------


@dataclasses.dataclass
class Plan:
    """Each page's expansion, and where it was made."""

    expansions: dict[str, Expansion]
    #: "local", "wiki" (asked in this run) or "wiki-cache" (asked in an earlier one), by title.
    where: dict[str, str]
    #: why a page needed the wiki, by title.
    reasons: dict[str, str]
    requests: int = 0
    cache: ExpandCache | None = None
    warnings: list[WikiWarning] = dataclasses.field(default_factory=list)


ExpandPage = Callable[..., Expansion]


def plan_expansion(
    wiki: Wiki,
    *,
    mode: str,
    client: ApiClient,
    cache: ExpandCache,
    expand: ExpandPage,
    namespaces,
    titles: Iterable[str] | None = None,
) -> Plan:
    """Expand every page (``titles``: these) locally or on the wiki, as ``mode`` says.

    ``expand(text, wiki=…, title=…, namespaces=…, lua=False)`` is the local expander; it
    decides which pages need the wiki and expands
    what the wiki gave back (refs, switches and the rest are pulled out there).
    """
    if mode not in MODES:
        raise ValueError(f"expansion mode {mode!r}: one of {', '.join(MODES)}")
    before = client.requests
    plan = Plan({}, {}, {}, cache=cache)
    order = sorted(wiki.pages if titles is None else titles)
    parsed = {name: namespaces.title(name) for name in order}
    wanted: list[str] = []
    for name in order:
        page = wiki.pages[name]
        if parsed[name].namespace == MODULE:
            plan.where[name] = "local"  # Lua source, not wikitext: convert shows it as code
            continue
        # Modules are the wiki's to run: a page with an #invoke is one that needs it.
        local = expand(page.text, wiki=wiki, title=parsed[name], namespaces=namespaces, lua=False)
        reason = "--expand wiki" if mode == "wiki" else needs_wiki(local)
        if mode == "local" or reason is None:
            plan.expansions[name], plan.where[name] = local, "local"
            continue
        plan.reasons[name] = reason
        plan.expansions[name], plan.where[name] = local, "local"  # until the wiki answers
        wanted.append(name)
    revisions = {name: page.revision for name, page in wiki.pages.items()}
    to_ask = []
    for name in wanted:
        entry = cache.entries.get(name)
        if entry is not None and entry.current(wiki.pages[name], revisions):
            plan.where[name] = "wiki-cache"
        else:
            to_ask.append(name)
    answers = client.parallel([functools.partial(ask_wiki, client, wiki.pages[n]) for n in to_ask])
    answered = {}
    for name, answer in zip(to_ask, answers, strict=True):
        if isinstance(answer, SourceError):
            message = f"the wiki could not expand the page ({answer}); expanded here"
            plan.warnings.append(WikiWarning(name, None, Kind.EXPANSION, message))
            wanted.remove(name)
        else:
            answered[name] = answer
    try:
        used: dict[str, set[str]] | None = transclusions(client, answered) if answered else {}
    except SourceError as error:
        used = None  # the expansions are good; without what they use they are not kept
        message = f"the wiki did not say which templates the pages use ({error})"
        plan.warnings.append(WikiWarning(client.api_url, None, Kind.EXPANSION, message))
    fresh: dict[str, Expanded] = {}
    for name, (text, properties) in answered.items():
        depends = {t: revisions.get(t) for t in sorted((used or {}).get(name, ()))}
        fresh[name] = Expanded(
            name,
            wiki.pages[name].revision,
            text,
            depends,
            display_title=properties.get("displaytitle"),
            default_sort=properties.get("defaultsort"),
        )
        if used is not None:
            cache.put(fresh[name])
        plan.where[name] = "wiki"
    for name in wanted:
        entry = fresh.get(name) or cache.entries[name]
        expansion = expand(
            entry.text, wiki=wiki, title=parsed[name], namespaces=namespaces, lua=False
        )
        expansion.transcluded |= set(entry.depends)
        expansion.display_title = expansion.display_title or entry.display_title
        expansion.default_sort = expansion.default_sort or entry.default_sort
        plan.expansions[name] = expansion
    if titles is None:
        cache.keep_only(wanted)
    plan.requests = client.requests - before
    return plan
