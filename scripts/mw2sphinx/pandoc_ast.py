"""Wikitext fragments to pandoc's JSON AST, many fragments per pandoc run.

Fragments are joined with separator paragraphs and read by one pandoc process;
if markup in one fragment swallows a separator (an unclosed table, say), the
batch is split in halves until every fragment is read on its own. A fragment
pandoc rejects outright comes back as an error, for the caller to recover.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pypandoc

SEPARATOR = "MWxQzSEP{}Q"
_SEPARATOR_RE = re.compile(r"MWxQzSEP(\d+)Q")
PANDOC_FORMAT = "mediawiki"


@dataclasses.dataclass(frozen=True)
class Parsed:
    blocks: list  # pandoc AST blocks
    error: str | None = None


class PandocError(Exception):
    pass


def _run(text: str) -> list:
    try:
        out = pypandoc.convert_text(text, "json", format=PANDOC_FORMAT)
    except RuntimeError as error:
        message = str(error).strip().splitlines()
        raise PandocError(message[-1] if message else "pandoc failed") from None
    return json.loads(out)["blocks"]


def _split(blocks: list, count: int) -> list[list] | None:
    """Cut the blocks at the separators; ``None`` if any separator went missing."""
    parts: list[list] = [[]]
    expected = 0
    for block in blocks:
        if block["t"] == "Para" and len(block["c"]) == 1 and block["c"][0]["t"] == "Str":
            match = _SEPARATOR_RE.fullmatch(block["c"][0]["c"])
            if match:
                if int(match.group(1)) != expected:
                    return None
                expected += 1
                parts.append([])
                continue
        parts[-1].append(block)
    return parts if expected == count - 1 else None


def parse_fragments(fragments: list[str]) -> list[Parsed]:
    """Read each wikitext fragment into pandoc blocks, in as few pandoc runs as possible."""
    if not fragments:
        return []
    if len(fragments) == 1:
        try:
            return [Parsed(_run(fragments[0]))]
        except PandocError as error:
            return [Parsed([], str(error))]
    joined = "".join(
        fragment + (f"\n\n{SEPARATOR.format(i)}\n\n" if i < len(fragments) - 1 else "")
        for i, fragment in enumerate(fragments)
    )
    try:
        parts = _split(_run(joined), len(fragments))
    except PandocError:
        parts = None
    if parts is not None:
        return [Parsed(blocks) for blocks in parts]
    half = len(fragments) // 2
    return parse_fragments(fragments[:half]) + parse_fragments(fragments[half:])
