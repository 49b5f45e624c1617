"""Typed warnings and the conversion report.

Every problem the converter meets is a :class:`WikiWarning` with a kind, the page
and, where there is one, the line; the report counts them and says what did not
convert cleanly.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from .titles import CATEGORY, DEFAULT_NAMESPACES, MODULE

if TYPE_CHECKING:
    from .convert import ConvertedPage
    from .model import Wiki


class Kind(enum.StrEnum):
    """The kinds of warning (``[wiki.<kind>]``); the report counts by these."""

    SOURCE = "source"
    TEMPLATE_UNKNOWN = "template-unknown"
    TEMPLATE_LOOP = "template-loop"
    TEMPLATE_LIMIT = "template-limit"
    PARSER_FUNCTION = "parser-function"
    REF = "ref"
    LINK = "link"
    HTML = "html"
    MARKUP = "markup"
    FILE = "file"
    UNSAFE = "unsafe"
    LIMIT = "limit"
    LICENCE = "licence"
    EXPANSION = "expansion"
    LUA = "lua"
    LAYOUT = "layout"
    VARIANT = "variant"
    MESSAGE = "message"

    @property
    def meaning(self) -> str:
        return MEANINGS[self]


#: What each kind of warning means (in the report, beside the counts).
MEANINGS: dict[Kind, str] = {
    Kind.SOURCE: "a source file could not be read as a page",
    Kind.TEMPLATE_UNKNOWN: "a template that does not exist; shown as a placeholder",
    Kind.TEMPLATE_LOOP: "a template or transclusion loop, cut",
    Kind.TEMPLATE_LIMIT: "expansion too deep or too large, cut",
    Kind.PARSER_FUNCTION: "a parser function that is not supported; shown as a placeholder",
    Kind.REF: "a reference that is malformed, unused or has no text",
    Kind.LINK: "a link that could not be resolved to a page or URL",
    Kind.HTML: "an HTML tag that MediaWiki does not allow, shown as text",
    Kind.MARKUP: "markup that pandoc could not convert; recovered",
    Kind.FILE: "a file or image that is not in the source, or could not be downloaded",
    Kind.UNSAFE: "markup that could run code or read files where the site is built; shown as text",
    Kind.LIMIT: "a page too large or nested too deeply, cut or shown as text",
    Kind.LICENCE: "the source names no licence for the wiki; the site states none",
    Kind.EXPANSION: "the live wiki could not expand a page; it was expanded here",
    Kind.LUA: "a Lua module failed or went over its limits; shown as a script error",
    Kind.LAYOUT: "a gallery, collapsible block or tab set that is malformed; shown as read",
    Kind.VARIANT: "text to be converted into another variant of its language; shown as written",
    Kind.MESSAGE: "a MediaWiki message the wiki does not have and no installed MediaWiki "
    "could give; shown as its name",
}


#: How the summary names the places a page's templates were expanded.
EXPANSION_PLACES = {
    "wiki": "by the wiki",
    "wiki-cache": "by the wiki in an earlier run",
    "lua": "with Lua modules here",
}


@dataclasses.dataclass(frozen=True)
class WikiWarning:
    page: str
    line: int | None
    kind: Kind
    message: str

    def __post_init__(self) -> None:
        # a kind read back from JSON is a string: the same kinds, or an error here
        object.__setattr__(self, "kind", Kind(self.kind))

    def sort_key(self) -> tuple:
        return (self.page, self.line or 0, self.kind, self.message)

    def __str__(self) -> str:
        where = f"{self.page}:{self.line}" if self.line else self.page
        return f"{where}: {self.message} [wiki.{self.kind}]"


def line_of(text: str, offset: int) -> int:
    """The 1-based line of a character offset."""
    return text.count("\n", 0, max(offset, 0)) + 1


def find_line(text: str, needle: str) -> int | None:
    """The line where ``needle`` first stands in ``text``, if it does."""
    offset = text.find(needle) if needle else -1
    return line_of(text, offset) if offset >= 0 else None


def expansion_places(
    wiki: Wiki, pages: Iterable[ConvertedPage], where: Mapping[str, str]
) -> dict[str, list[str]]:
    """Titles by where their templates were expanded ("local", "wiki", "wiki-cache"), and
    under "lua" the pages expanded here whose modules ran here."""
    names = wiki.site.namespaces or DEFAULT_NAMESPACES
    module_prefix = names.get(MODULE, "Module") + ":"
    places: dict[str, list[str]] = {}
    for page in pages:
        place = where.get(page.title.full, "local")
        places.setdefault(place, []).append(page.title.full)
        if place == "local" and any(x.startswith(module_prefix) for x in page.transcluded):
            places.setdefault("lua", []).append(page.title.full)
    return places


@dataclasses.dataclass
class Report:
    pages: int = 0
    categories: int = 0
    redirects: int = 0
    failures: list[dict] = dataclasses.field(default_factory=list)
    warnings: list[WikiWarning] = dataclasses.field(default_factory=list)
    red_links: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    unknown_templates: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    recovered_pages: list[str] = dataclasses.field(default_factory=list)
    #: where each page's templates were expanded ("local", "wiki", "wiki-cache") -> titles;
    #: ``lua``: the pages whose ``{{#invoke:}}`` ran here.
    expansion: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @classmethod
    def of_conversion(
        cls,
        wiki: Wiki,
        pages: Iterable[ConvertedPage],
        warnings: Iterable[WikiWarning] = (),
        *,
        expanded_where: Mapping[str, str] | None = None,
    ) -> Report:
        """The report of a conversion: what the source could not read, what each page
        warns of, ``warnings`` about the whole site, and where each page was expanded
        (``expanded_where``: those not expanded here, by title)."""
        pages = list(pages)
        categories = sum(1 for p in pages if p.title.namespace == CATEGORY)
        report = cls(
            pages=len(pages) - categories,
            categories=categories,
            redirects=len(wiki.redirects),
            failures=[{"origin": f.origin, "message": f.message} for f in wiki.failures],
        )
        for failure in wiki.failures:
            report.warnings.append(WikiWarning(failure.origin, None, Kind.SOURCE, failure.message))
        report.extend(warnings)
        for page in pages:
            report.extend(page.warnings)
            for red in page.red_links:
                report.red_links.setdefault(red, []).append(page.title.full)
            if page.recovered:
                report.recovered_pages.append(page.title.full)
            for name in page.unknown_templates:
                report.unknown_templates.setdefault(name, []).append(page.title.full)
        report.expansion = expansion_places(wiki, pages, expanded_where or {})
        return report

    def extend(self, warnings: Iterable[WikiWarning]) -> None:
        self.warnings.extend(warnings)

    def as_dict(self) -> dict:
        return {
            "pages": self.pages,
            "categories": self.categories,
            "redirects": self.redirects,
            "failures": sorted(self.failures, key=lambda f: f["origin"]),
            "warnings_by_kind": dict(sorted(Counter(w.kind for w in self.warnings).items())),
            "kinds": {kind: kind.meaning for kind in sorted({w.kind for w in self.warnings})},
            "warnings": [
                dataclasses.asdict(w) for w in sorted(self.warnings, key=WikiWarning.sort_key)
            ],
            "red_links": {k: sorted(set(v)) for k, v in sorted(self.red_links.items())},
            "unknown_templates": {
                k: sorted(set(v)) for k, v in sorted(self.unknown_templates.items())
            },
            "recovered_pages": sorted(set(self.recovered_pages)),
            "expansion": {k: sorted(set(v)) for k, v in sorted(self.expansion.items())},
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"

    def summary(self) -> str:
        data = self.as_dict()
        lines = [
            f"{self.pages} pages, {self.categories} category pages, {self.redirects} redirects",
            f"{len(self.failures)} failures, {len(self.warnings)} warnings"
            + (
                " (" + ", ".join(f"{k}: {n}" for k, n in data["warnings_by_kind"].items()) + ")"
                if self.warnings
                else ""
            ),
            f"{len(data['red_links'])} red link targets, "
            f"{len(data['unknown_templates'])} unknown templates, "
            f"{len(data['recovered_pages'])} recovered pages",
        ]
        places = {k: len(v) for k, v in data["expansion"].items() if k != "local"}
        if places:
            lines.append(
                "templates expanded: "
                + ", ".join(f"{EXPANSION_PLACES.get(k, k)}: {n}" for k, n in places.items())
            )
        return "\n".join(lines)
