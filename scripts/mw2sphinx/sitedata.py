"""The site data, ``_wiki/site.json``: written by the converter, read by the Sphinx extension.

It says what the Sphinx side cannot know from the pages alone: the wiki's name and address,
which document is which wiki page, each page's last revision, the links and transclusions
between pages (MediaWiki's link tables, from which "What links here" is computed) and the
documents of the special pages. Only plain JSON values, sorted, so the file is deterministic.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from .titles import url_title
from .vocabulary import web_url as web_url  # its home; the site data's readers use it

#: Where the converter writes the site data, in the source folder.
SITE_DATA = "_wiki/site.json"


@dataclasses.dataclass(frozen=True)
class LanguageLink:
    """An interlanguage link ([[fr:Page]]): the same page in another language, which
    MediaWiki shows beside the page ("In other languages")."""

    #: the interwiki prefix ("fr") and the language's BCP 47 tag ("fr", "en-simple").
    prefix: str
    tag: str
    #: what the link reads: the language's name in itself ("Français"), else the prefix.
    name: str
    #: the page on the other wiki, and its (web) address.
    title: str
    url: str


@dataclasses.dataclass(frozen=True)
class PageEntry:
    """One page of the site as site.json describes it."""

    title: str
    docname: str
    namespace: int = 0
    revision: int | None = None
    timestamp: str | None = None  # ISO 8601, UTC
    #: titles of the existing pages this page links to, including links in transcluded text.
    links: tuple[str, ...] = ()
    #: titles of the pages this page transcludes (existing or not).
    transcludes: tuple[str, ...] = ()
    #: a category page the wiki does not have, generated for its members.
    generated: bool = False
    #: its interlanguage links, in the page's order, one a language.
    languages: tuple[LanguageLink, ...] = ()

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        del data["title"]
        data["links"] = sorted(self.links)
        data["transcludes"] = sorted(self.transcludes)
        for empty in ("generated", "languages"):
            if not data[empty]:
                del data[empty]
        return data


_LANGUAGE_FIELDS = tuple(f.name for f in dataclasses.fields(LanguageLink))


@dataclasses.dataclass(frozen=True)
class Redirect:
    """A redirect of the wiki: its title, and the label of its target (page or section) on
    the site, "" for a target the site does not have."""

    title: str
    target: str = ""


@dataclasses.dataclass(frozen=True)
class Backlink:
    """A page in another page's "What links here": it links there, transcludes it, or both."""

    title: str
    docname: str
    link: bool = False
    transclusion: bool = False


@dataclasses.dataclass(frozen=True)
class SiteData:
    name: str = ""
    #: URL of an article with ``$1`` standing for the title, e.g. ``https://host/wiki/$1``.
    article_url: str = ""
    main_page: str = "Main Page"
    #: the wiki's licence (``$wgRightsText``) and its address (``$wgRightsUrl``), "" unknown.
    rights_text: str = ""
    rights_url: str = ""
    pages: Mapping[str, PageEntry] = dataclasses.field(default_factory=dict)
    #: special page name ("random", "allpages", ...) -> docname.
    special: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: a redirect's document (its old address) -> the redirect.
    redirects: Mapping[str, Redirect] = dataclasses.field(default_factory=dict)

    def to_json(self) -> str:
        data = {
            "name": self.name,
            "article_url": self.article_url,
            "main_page": self.main_page,
            "rights_text": self.rights_text,
            "rights_url": self.rights_url,
            "pages": {title: entry.to_json() for title, entry in self.pages.items()},
            "special": dict(self.special),
            "redirects": {d: dataclasses.asdict(r) for d, r in self.redirects.items()},
        }
        return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, data: Mapping) -> SiteData:
        pages = {}
        for title, entry in (data.get("pages") or {}).items():
            if isinstance(entry, str):  # an older, flat form: title -> docname
                entry = {"docname": entry}
            pages[title] = PageEntry(
                title=title,
                docname=str(entry["docname"]),
                namespace=int(entry.get("namespace") or 0),
                revision=entry.get("revision"),
                timestamp=entry.get("timestamp"),
                links=tuple(entry.get("links") or ()),
                transcludes=tuple(entry.get("transcludes") or ()),
                generated=bool(entry.get("generated")),
                languages=tuple(
                    LanguageLink(**{k: str(link.get(k) or "") for k in _LANGUAGE_FIELDS})
                    for link in entry.get("languages") or ()
                ),
            )
        return cls(
            name=str(data.get("name") or ""),
            article_url=str(data.get("article_url") or ""),
            main_page=str(data.get("main_page") or "Main Page"),
            rights_text=str(data.get("rights_text") or ""),
            rights_url=str(data.get("rights_url") or ""),
            pages=pages,
            special={str(k): str(v) for k, v in (data.get("special") or {}).items()},
            redirects={
                str(docname): Redirect(str(entry["title"]), str(entry.get("target") or ""))
                for docname, entry in (data.get("redirects") or {}).items()
            },
        )

    @classmethod
    def load(cls, path: Path) -> SiteData:
        """Read site.json; ``ValueError`` (or ``KeyError``) if it is not one."""
        return cls.from_json(json.loads(path.read_text("utf-8")))

    @classmethod
    def read(cls, path: Path) -> SiteData:
        """Read site.json; empty if there is none or it is not one."""
        try:
            return cls.load(path)
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    def by_docname(self) -> dict[str, PageEntry]:
        return {entry.docname: entry for entry in self.pages.values()}

    def what_links_here(self) -> dict[str, tuple[Backlink, ...]]:
        """For every page, the pages that link to it or transclude it, by title.

        As MediaWiki's Special:WhatLinksHere lists them from its link tables: links
        include those in transcluded text; a page that both links and transcludes is
        listed once; a page never lists itself.
        """
        found: dict[str, dict[str, Backlink]] = {}
        for source in self.pages.values():
            for targets, kind in ((source.links, "link"), (source.transcludes, "transclusion")):
                for target in targets:
                    if target not in self.pages or target == source.title:
                        continue
                    entries = found.setdefault(target, {})
                    previous = entries.get(source.title, Backlink(source.title, source.docname))
                    entries[source.title] = (
                        dataclasses.replace(previous, link=True)
                        if kind == "link"
                        else dataclasses.replace(previous, transclusion=True)
                    )
        return {
            target: tuple(sorted(entries.values(), key=lambda b: (b.title.casefold(), b.title)))
            for target, entries in found.items()
        }


def page_url(article_url: str, title: str) -> str:
    """The live wiki's URL of a page; "" without an article URL, or with one that is not a
    web address (the source's site info is as untrusted as its pages)."""
    if "$1" not in article_url or not web_url(article_url):
        return ""
    return web_url(article_url).replace("$1", url_title(title))


@dataclasses.dataclass(frozen=True)
class Licence:
    """The wiki's licence as the site states it: its name and (a web) address."""

    text: str = ""
    url: str = ""

    def __bool__(self) -> bool:
        return bool(self.text or self.url)

    @property
    def name(self) -> str:
        """What a reader sees: the licence's name, else its address."""
        return self.text or self.url


def licence(rights_text: str, rights_url: str) -> Licence:
    """The licence of the site data's (or conf.py's) ``rights_text`` and ``rights_url``;
    an address that is not a web address is left out, never linked."""
    return Licence(" ".join(rights_text.split()), web_url(rights_url))


def site_licence(site: SiteData, *, text: str = "", url: str = "") -> Licence:
    """The wiki's licence: ``text`` and ``url`` (conf.py's) where either is given (together:
    they name one licence), else the site data's; empty if neither knows one."""
    if text or url:
        return licence(text, url)
    return licence(site.rights_text, site.rights_url)


def wiki_name_phrase(name: str) -> str:
    """ "the X wiki", or "the X Wiki" for a wiki that says so in its name."""
    return f"the {name}" if name.casefold().endswith("wiki") else f"the {name} wiki"


def history_url(article_url: str, title: str) -> str:
    """The live wiki's history of a page (``?action=history`` on its article URL)."""
    url = page_url(article_url, title)
    if not url:
        return ""
    return url + ("&" if "?" in url else "?") + "action=history"


def edit_url(article_url: str, title: str, *, edit_pattern: str = "") -> str:
    """The live wiki's edit URL of a page: ``edit_pattern`` with ``$1``, else ``?action=edit``
    on the article URL (MediaWiki reads the query on its short article paths too)."""
    if edit_pattern:
        return page_url(edit_pattern, title)
    url = page_url(article_url, title)
    if not url:
        return ""
    return url + ("&" if "?" in url else "?") + "action=edit"


def article_docnames(site: SiteData, found: Iterable[str]) -> list[str]:
    """Documents of the wiki's articles (main namespace) that the build has, sorted."""
    found = set(found)
    return sorted(e.docname for e in site.pages.values() if e.namespace == 0 and e.docname in found)
