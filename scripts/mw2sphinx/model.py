"""The values that flow between the stages of the pipeline."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping


@dataclasses.dataclass(frozen=True)
class SiteInfo:
    """What the converter needs to know about the wiki itself."""

    name: str
    #: URL of an article with ``$1`` standing for the title, e.g. ``https://host/wiki/$1``.
    article_url: str = ""
    main_page: str = "Main Page"
    #: ``first-letter`` (MediaWiki's default) or ``case-sensitive``.
    case: str = "first-letter"
    #: namespace id -> canonical name; ``None`` means MediaWiki's defaults.
    namespaces: Mapping[int, str] | None = None
    #: extra names that mean a namespace (``Image`` -> 6 and the like).
    namespace_aliases: Mapping[str, int] | None = None
    #: the wiki's licence, as ``meta=siteinfo&siprop=rightsinfo`` names it (``$wgRightsText``)
    #: and its address (``$wgRightsUrl``); "" where the source does not say.
    rights_text: str = ""
    rights_url: str = ""
    #: the URL of the wiki's ``index.php`` (``https://host/w/index.php``), for
    #: ``{{localurl:…|query}}`` and the like; "" where the source does not say (then it is
    #: guessed from ``article_url``).
    script_url: str = ""
    #: the wiki's interwiki table (``meta=siteinfo&siprop=interwikimap``): prefix -> URL with
    #: ``$1`` for the title; ``None`` means the converter's own (Wikimedia's and Miraheze's
    #: usual prefixes and the language codes).
    interwiki: Mapping[str, str] | None = None
    #: the prefixes of that table that name this wiki itself ($wgLocalInterwikis): a link
    #: with one is a link to the wiki's own page.
    local_interwiki: tuple[str, ...] = ()
    #: prefixes of that table that make interlanguage links although they name no language
    #: ($wgExtraInterlanguageLinkPrefixes).
    extra_language_prefixes: tuple[str, ...] = ()
    #: the moment ``{{CURRENTYEAR}}``, ``{{LOCALTIME}}`` and the other clock variables read
    #: (ISO 8601, UTC); "" means the moment of the conversion.
    clock: str = ""
    #: the magic links the wiki makes (``$wgEnableMagicLinks``, ``siprop=general``'s
    #: ``magiclinks``): of "ISBN", "PMID" and "RFC"; MediaWiki's default (1.28 on) is none.
    magic_links: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of the wiki, as the source holds it."""

    title: str  # full, normalised title ("Category:Concepts")
    namespace: int
    text: str
    revision: int | None = None
    timestamp: str | None = None  # ISO 8601, UTC
    #: where the text came from (a file, an export), for messages.
    origin: str = ""


@dataclasses.dataclass(frozen=True)
class WikiFile:
    """An uploaded file (image, PDF …) as the source describes it."""

    title: str  # the file page's full title ("File:Diagram.png")
    url: str = ""  # where the wiki serves the file
    size: int | None = None
    sha1: str | None = None  # hex digest of the file's bytes
    mime: str = ""
    width: int | None = None
    height: int | None = None
    timestamp: str | None = None  # ISO 8601, UTC
    #: the absolute path of a local copy, when the source has one.
    path: str | None = None


@dataclasses.dataclass(frozen=True)
class SourceFailure:
    """A source entry that could not be read as a page."""

    origin: str
    message: str


@dataclasses.dataclass(frozen=True)
class Wiki:
    """Everything a source yields; the only input of the later stages."""

    site: SiteInfo
    pages: Mapping[str, Page]  # by full title
    redirects: Mapping[str, str] = dataclasses.field(default_factory=dict)
    files: Mapping[str, WikiFile] = dataclasses.field(default_factory=dict)  # by file page title
    failures: tuple[SourceFailure, ...] = ()
