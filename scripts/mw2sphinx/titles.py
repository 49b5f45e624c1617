"""MediaWiki's title rules, and the mapping from a title to a safe file name.

Every other module asks this one what a title means: which namespace it is in,
how it is spelled after normalisation, where its fragment starts, and under
which file name it is stored in the site tree.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from .model import SiteInfo

MAIN, TALK, USER, PROJECT, FILE, MEDIAWIKI, TEMPLATE, HELP, CATEGORY = 0, 1, 2, 4, 6, 8, 10, 12, 14
SPECIAL, MEDIA = -1, -2
#: Scribunto's namespace of Lua modules (``{{#invoke:}}``); most wikis have it.
MODULE = 828

DEFAULT_NAMESPACES: Mapping[int, str] = {
    MEDIA: "Media",
    SPECIAL: "Special",
    MAIN: "",
    TALK: "Talk",
    USER: "User",
    3: "User talk",
    PROJECT: "Project",
    5: "Project talk",
    FILE: "File",
    7: "File talk",
    MEDIAWIKI: "MediaWiki",
    9: "MediaWiki talk",
    TEMPLATE: "Template",
    11: "Template talk",
    HELP: "Help",
    13: "Help talk",
    CATEGORY: "Category",
    15: "Category talk",
    MODULE: "Module",
    829: "Module talk",
}
DEFAULT_ALIASES: Mapping[str, int] = {"Image": FILE, "Image talk": 7}

#: Interwiki prefixes every wiki here understands, to their URL patterns.
INTERWIKI: Mapping[str, str] = {
    "w": "https://en.wikipedia.org/wiki/$1",
    "wikipedia": "https://en.wikipedia.org/wiki/$1",
    "wikt": "https://en.wiktionary.org/wiki/$1",
    "wiktionary": "https://en.wiktionary.org/wiki/$1",
    "commons": "https://commons.wikimedia.org/wiki/$1",
    "meta": "https://meta.wikimedia.org/wiki/$1",
    "mw": "https://www.mediawiki.org/wiki/$1",
    "mediawikiwiki": "https://www.mediawiki.org/wiki/$1",
    "mh": "https://meta.miraheze.org/wiki/$1",
    "miraheze": "https://meta.miraheze.org/wiki/$1",
}
#: Interwiki prefixes whose next prefix names a wiki of the farm: [[mh:wiki:Page]].
FARM_INTERWIKI: Mapping[str, str] = {
    "mh": "https://$2.miraheze.org/wiki/$1",
    "miraheze": "https://$2.miraheze.org/wiki/$1",
}


#: Language codes that make [[xx:Page]] an interlanguage link (shown beside the page, not in
#: the text, as MediaWiki does); a colon in front, [[:xx:Page]], makes it an inline link.
LANGUAGES = frozenset(
    "aa ab af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy "
    "da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht "
    "hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky "
    "la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny "
    "oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss "
    "st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo "
    "za zh zu simple als bar ceb nds pms scn sco sh szl vec war yue".split()
)
LANGUAGE_URL = "https://{code}.wikipedia.org/wiki/$1"


def fill_interwiki(pattern: str, text: str, fragment: str = "") -> str:
    """An interwiki URL pattern with its ``$1`` filled; a link with no title ([[meatball:]])
    leads to the part before the ``$1``, without the ``?`` of an empty query (T4372)."""
    if not text and not fragment:
        return pattern.split("$1", 1)[0].removesuffix("?")
    return pattern.replace("$1", url_title(text, fragment))


def interwiki_url(prefix: str, text: str, fragment: str = "") -> str:
    """The URL of an interwiki link."""
    wiki, colon, rest = text.partition(":")
    if prefix in FARM_INTERWIKI and colon and re.fullmatch(r"[a-z0-9]+", wiki) and wiki != "meta":
        return fill_interwiki(FARM_INTERWIKI[prefix].replace("$2", wiki), rest, fragment)
    if prefix in LANGUAGES and prefix not in INTERWIKI:
        return fill_interwiki(LANGUAGE_URL.format(code=prefix), text, fragment)
    return fill_interwiki(INTERWIKI[prefix], text, fragment)


#: Special pages the site has, by MediaWiki's names and aliases (compared case-insensitively,
#: without spaces), to their documents; site.py writes every one of them.
#: MediaWiki's canonical names of special pages, by their names and aliases in lower case
#: (for {{#special:}}); another name is only given a capital first letter.
CANONICAL_SPECIAL: Mapping[str, str] = {
    "random": "Random", "randompage": "Random", "allpages": "AllPages",
    "prefixindex": "PrefixIndex", "categories": "Categories", "wantedpages": "WantedPages",
    "brokenlinks": "WantedPages", "uncategorizedpages": "UncategorizedPages",
    "recentchanges": "RecentChanges", "search": "Search", "whatlinkshere": "WhatLinksHere",
    "specialpages": "SpecialPages", "version": "Version", "booksources": "BookSources",
    "badtitle": "Badtitle", "upload": "Upload", "listfiles": "ListFiles",
    "imagelist": "ListFiles", "newpages": "NewPages", "statistics": "Statistics",
    "userlogin": "UserLogin", "preferences": "Preferences", "watchlist": "Watchlist",
    "contributions": "Contributions", "log": "Log", "export": "Export",
}  # fmt: skip

SPECIAL_PAGES: Mapping[str, str] = {
    "random": "special/random",
    "randompage": "special/random",
    "allpages": "special/allpages",
    "categories": "special/categories",
    "wantedpages": "special/wanted",
    "brokenlinks": "special/wanted",  # an alias of WantedPages
    "uncategorizedpages": "special/uncategorized",
}

_SPACES = re.compile(r"[\s_\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# Characters MediaWiki never allows in a title ($wgLegalTitleChars is the complement).
# Titles that are relative paths: ".", "..", "./x", "x/../y", "x/.." (as MediaWiki has it).
# "~~~" anywhere (a signature), as MediaWiki has it.
_RELATIVE = re.compile(r"^\.{1,2}$|^\.{1,2}/|/\.{1,2}/|/\.{1,2}$|~{3}")
# ... and a %-escape or a character reference left in the title (MediaWikiTitleCodec's
# rxTc: "[[7%2525 x]]" is "7%25 x" once decoded, no title).
_CONTROL_SPACE = re.compile(r"[\t\n\r\f\v]")
_ILLEGAL = re.compile(
    r"[#<>\[\]|{}\x00-\x1f\x7f\ufffd]|%[0-9A-Fa-f]{2}|&[A-Za-z0-9\u0080-\U0010ffff]+;"
)


@dataclasses.dataclass(frozen=True)
class Title:
    """A parsed link target or page name."""

    namespace: int
    text: str  # without the namespace prefix
    fragment: str = ""
    interwiki: str = ""  # a prefix of INTERWIKI, or ""
    #: the name the wiki prints for the namespace ("Category"), "" for articles.
    prefix: str = ""
    #: written with one of the wiki's own interwiki prefixes ([[local:Category:X]]): a link
    #: to that page, never a category, file or interlanguage link. (The same title.)
    via_local: bool = dataclasses.field(default=False, compare=False)

    @property
    def full(self) -> str:
        if self.interwiki:
            return f"{self.interwiki}:{self.text}"
        return f"{self.prefix}:{self.text}" if self.prefix else self.text


#: How many link targets a :class:`Namespaces` keeps parsed (then it starts again).
PARSED_TITLES = 50_000


class Namespaces:
    """The namespaces of one wiki, with their aliases and case rule."""

    def __init__(self, site: SiteInfo):
        self.names = dict(site.namespaces or DEFAULT_NAMESPACES)
        if site.interwiki is None:
            self.interwiki: Mapping[str, str] = INTERWIKI
            #: the prefixes that make [[xx:Page]] an interlanguage link.
            self.languages: frozenset[str] = LANGUAGES
        else:
            self.interwiki = {k.lower(): v for k, v in site.interwiki.items()}
            extra = {p.lower() for p in site.extra_language_prefixes}
            self.languages = frozenset(p for p in self.interwiki if p in LANGUAGES or p in extra)
        self.local_interwiki = frozenset(p.lower() for p in site.local_interwiki)
        self._default_interwiki = site.interwiki is None
        self.names.setdefault(PROJECT, site.name)
        self.main_page = site.main_page
        self.case = site.case
        self._by_key: dict[str, int] = {}
        self._parsed: dict[tuple[str, int], Title | None] = {}
        aliases = dict(DEFAULT_ALIASES)
        aliases.update(site.namespace_aliases or {})
        if site.name:
            aliases.setdefault(site.name, PROJECT)
        for number, name in list(self.names.items()) + [(n, a) for a, n in aliases.items()]:
            if name:
                self._by_key.setdefault(_key(name), number)
        for number, name in DEFAULT_NAMESPACES.items():
            if name:
                self._by_key.setdefault(_key(name), number)

    def lookup(self, prefix: str) -> int | None:
        return self._by_key.get(_key(prefix))

    def parse(self, raw: str, *, default_namespace: int = MAIN) -> Title | None:
        """Parse a link target as MediaWiki does; ``None`` if it is not a valid title."""
        # Each link is parsed several times (preparing a page, writing it, resolving its
        # redirects) and a wiki's links repeat: the last few thousand targets are kept.
        key = (raw, default_namespace)
        if key in self._parsed:
            return self._parsed[key]
        if len(self._parsed) >= PARSED_TITLES:
            self._parsed.clear()
        parsed = self._parsed[key] = self._parse(raw, default_namespace)
        return parsed

    def _parse(self, raw: str, default_namespace: int) -> Title | None:
        text, _, fragment = decode_references(raw).partition("#")
        if _CONTROL_SPACE.search(text.strip()):
            return None  # a tab or a line break is no space in a title ({{1x\nfoo}})
        text = _clean(text)
        fragment = _clean(fragment)
        namespace = default_namespace
        interwiki = ""
        forced = text.startswith(":")
        if forced:
            text = text[1:].lstrip(" ")
            namespace = MAIN
        prefix, colon, rest = text.partition(":")
        if colon:
            number = self.lookup(prefix.strip())
            if number is not None:
                namespace, text = number, rest.strip()
            elif (key := prefix.strip().lower()) in self.local_interwiki:  # this wiki's own
                # (the prefix alone is the Main Page)
                page = rest.strip() or self.main_page
                local = self.parse(f"{page}#{fragment}" if fragment else page)
                return dataclasses.replace(local, via_local=True) if local else None
            elif key in self.interwiki or key in self.languages:
                # a colon after the prefix only makes the title start in the main namespace
                interwiki, text = key, rest.strip().removeprefix(":").strip(" ")
        if not text and not interwiki:
            if fragment and not forced:
                return Title(MAIN, "", fragment)  # a link within the page
            return None
        if text.startswith(":"):
            return None  # a title cannot start with a colon ([[::Page]], [[Talk::Page]])
        if _ILLEGAL.search(text) or _RELATIVE.search(text):
            return None  # MediaWiki refuses these titles too
        if len(text.encode("utf-8")) > 255:
            return None
        if not interwiki:
            text = self.fix_case(text)
        prefix_name = "" if interwiki else self.names.get(namespace, "")
        return Title(namespace, text, fragment, interwiki, prefix_name)

    def interwiki_url(self, prefix: str, text: str, fragment: str = "") -> str:
        """The URL of an interwiki link, by the wiki's own table where the source gave one."""
        if self._default_interwiki or prefix not in self.interwiki:
            return interwiki_url(prefix, text, fragment)
        return fill_interwiki(self.interwiki[prefix], text, fragment)

    def fix_case(self, text: str) -> str:
        if self.case == "first-letter" and text:
            return text[0].upper() + text[1:] if text[0] != "ß" else text
        return text

    def title(self, raw: str, *, default_namespace: int = MAIN) -> Title | None:
        """Like :meth:`parse` for a page name, where interwiki prefixes mean nothing."""
        parsed = self.parse(raw, default_namespace=default_namespace)
        if parsed is None or parsed.interwiki:
            return None
        return parsed

    def page(self, name: str) -> Title:
        """The title of a page the wiki has: the sources keep only valid titles."""
        title = self.title(name)
        if title is None:
            raise ValueError(f"{name!r} is not a valid page title")
        return title


def special_docname(title: Title) -> str | None:
    """The document of a ``Special:`` page the site has, if it has it."""
    name = title.text.split("/", 1)[0].replace(" ", "").casefold()
    return SPECIAL_PAGES.get(name)


def _key(name: str) -> str:
    return _clean(name).casefold()


_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def decode_references(text: str) -> str:
    """Character references (``&ndash;``, ``&#160;``) as the characters they name, as
    MediaWiki reads a title; an unknown name stays as it is."""
    if "&" not in text:
        return text
    return _REFERENCE.sub(lambda m: html.unescape(m.group()), text)


def _clean(text: str) -> str:
    """Underscores are spaces, runs of space are one, no space at the ends, NFC."""
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text)).strip(" ")


def anchor(text: str) -> str:
    """MediaWiki's HTML5 section anchor for a heading or fragment text."""
    return _clean(text).replace(" ", "_")


# --- titles in URLs ------------------------------------------------------------------

#: What MediaWiki's wfUrlencode leaves as it is in a title (besides letters, digits, "-_.~").
URL_SAFE = ";@$!*(),/~:"


def url_title(text: str, fragment: str = "") -> str:
    """A title (and a section) as MediaWiki writes it in a URL: spaces as underscores,
    percent-encoded as wfUrlencode does; the only copy of this rule."""
    url = quote(text.replace(" ", "_"), safe=URL_SAFE)
    return url + ("#" + quote(anchor(fragment), safe="") if fragment else "")


# --- file names -------------------------------------------------------------------

#: Names Sphinx or the build uses itself, and Windows' reserved device names.
_RESERVED = {
    "index", "genindex", "modindex", "py-modindex", "search", "searchindex", "objects",
    "con", "prn", "aux", "nul", "clock$",
    *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10)),
}  # fmt: skip
_UNSAFE_FILE_CHARS = re.compile(r"[^\w.\-]+")
_MAX_STEM_BYTES = 120


def readable_stem(title_text: str) -> str:
    """A readable, portable file stem for a title; not yet unique."""
    stem = unicodedata.normalize("NFC", title_text).replace(" ", "_")
    stem = _UNSAFE_FILE_CHARS.sub("-", stem)
    stem = re.sub(r"-{2,}", "-", stem).strip("-.") or "page"
    if stem.startswith("_"):
        stem = "u" + stem
    base, dot, rest = stem.partition(".")
    if base.lower() in _RESERVED:  # Windows reserves "NUL.txt" as much as "NUL"
        stem = f"{base}_{dot}{rest}"
    while len(stem.encode("utf-8")) > _MAX_STEM_BYTES:
        stem = stem[:-1]
    return stem.rstrip("-.")


def digest(title: str) -> str:
    """A short hash of a title's exact spelling, to tell apart names that fold together."""
    return hashlib.sha1(title.encode("utf-8")).hexdigest()[:8]


def assign_stems(titles: Iterable[str]) -> dict[str, str]:
    """Give each title a unique file stem, also on case-insensitive file systems.

    A title keeps its readable stem unless another title folds to the same one;
    then every title in that group gets a short hash of its exact spelling, so
    the result does not depend on which titles came first.
    """
    groups: dict[str, list[str]] = {}
    stems = {title: readable_stem(title) for title in titles}
    for title, stem in stems.items():
        groups.setdefault(stem.casefold(), []).append(title)
    for clashing in groups.values():
        if len(clashing) > 1:
            for title in clashing:
                stems[title] = f"{stems[title]}-{digest(title)}"
    return stems


def docnames(titles: Iterable[Title], *, main_page: str) -> dict[str, str]:
    """The Sphinx document name of every page: ``index``, ``categories/…`` or ``pages/…``."""
    by_folder: dict[str, list[Title]] = {}
    result: dict[str, str] = {}
    for title in titles:
        if title.full == main_page:
            result[title.full] = "index"
            continue
        folder = "categories" if title.namespace == CATEGORY else "pages"
        by_folder.setdefault(folder, []).append(title)
    for folder, members in by_folder.items():
        names = {t.full: (t.text if folder == "categories" else t.full) for t in members}
        stems = assign_stems(sorted(set(names.values())))
        for full, name in names.items():
            result[full] = f"{folder}/{stems[name]}"
    return result


def label(docname: str, section_anchor: str = "") -> str:
    """The Sphinx label of a document, or of a section in it."""
    base = "wiki-" + docname.replace("/", "-").lower()
    if not section_anchor:
        return base
    slug = re.sub(r"[^\w.\-]+", "-", section_anchor, flags=re.UNICODE).strip("-").lower()
    return f"{base}--{slug or 'section'}"
