"""Typed warnings and the conversion report.

Every problem the converter meets is a :class:`WikiWarning` with a kind, the page
and, where there is one, the line; the report counts them and says what did not
convert cleanly.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable

#: The kinds of warning, with what each means; the report counts by these.
KINDS = {
    "source": "a source file could not be read as a page",
    "template-unknown": "a template that does not exist; shown as a placeholder",
    "template-loop": "a template or transclusion loop, cut",
    "template-limit": "expansion too deep or too large, cut",
    "parser-function": "a parser function that is not supported; shown as a placeholder",
    "ref": "a reference that is malformed, unused or has no text",
    "link": "a link that could not be resolved to a page or URL",
    "html": "an HTML tag that MediaWiki does not allow, shown as text",
    "markup": "markup that pandoc could not convert; recovered",
    "file": "a file or image that is not in the source",
    "unsafe": "markup that could run code or read files where the site is built; shown as text",
    "limit": "a page too large or nested too deeply, cut or shown as text",
    "licence": "the source names no licence for the wiki; the site states none",
}


@dataclasses.dataclass(frozen=True)
class WikiWarning:
    page: str
    line: int | None
    kind: str
    message: str

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

    def extend(self, warnings: Iterable[WikiWarning]) -> None:
        self.warnings.extend(warnings)

    def as_dict(self) -> dict:
        return {
            "pages": self.pages,
            "categories": self.categories,
            "redirects": self.redirects,
            "failures": sorted(self.failures, key=lambda f: f["origin"]),
            "warnings_by_kind": dict(sorted(Counter(w.kind for w in self.warnings).items())),
            "warnings": [
                dataclasses.asdict(w) for w in sorted(self.warnings, key=WikiWarning.sort_key)
            ],
            "red_links": {k: sorted(set(v)) for k, v in sorted(self.red_links.items())},
            "unknown_templates": {
                k: sorted(set(v)) for k, v in sorted(self.unknown_templates.items())
            },
            "recovered_pages": sorted(set(self.recovered_pages)),
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
        return "\n".join(lines)
