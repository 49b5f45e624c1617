"""Wikitext fragments to pandoc's JSON AST, many fragments per pandoc run.

Fragments are joined with separator paragraphs into batches of about a megabyte,
and the batches are read by as many pandoc processes at once as there are cores;
if markup in one fragment swallows a separator (an unclosed table, say), its
batch is split in halves until every fragment is read on its own. A fragment
pandoc rejects outright comes back as an error, for the caller to recover.
A :class:`ReadCache` keeps what pandoc read for the next run, which reads only
the fragments that changed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NotRequired, TypeAlias, TypedDict

import pypandoc

from .vocabulary import OPENERS, SEPARATOR, SEPARATOR_RE

# No automatic heading identifiers: they would depend on which pages share a batch (the
# cache and the output must not), and the converter makes its own from MediaWiki's anchors.
PANDOC_FORMAT = "mediawiki-auto_identifiers"


# --- pandoc's JSON AST ---------------------------------------------------------------


class Node(TypedDict):
    """One element of pandoc's JSON AST (``pandoc --to=json``): a block or an inline."""

    #: its type: "Para", "Header", "Str", "Link", …
    t: str
    #: its content, if any ("Space" and "LineBreak" have none); its shape depends on ``t``,
    #: as Text.Pandoc.Definition gives it: a string ("Str"), inlines ("Emph"), blocks
    #: ("BlockQuote"), or a list of parts ("Link": attributes, inlines, target).
    c: NotRequired[Any]


Block: TypeAlias = Node
Inline: TypeAlias = Node
Blocks: TypeAlias = list[Block]
Inlines: TypeAlias = list[Inline]
#: A node's content where it is a list of parts (``node["c"]`` of a "Link", "Table", …).
Content: TypeAlias = list[Any]
#: Attributes: [identifier, [class, …], [[key, value], …]].
Attr: TypeAlias = list[Any]
NO_ATTR: Attr = ["", [], []]


def text_node(text: str) -> Inline:
    return {"t": "Str", "c": text}


def para(inlines: Inlines) -> Block:
    return {"t": "Para", "c": inlines}


@dataclasses.dataclass(frozen=True)
class Parsed:
    blocks: Blocks
    error: str | None = None


class PandocError(Exception):
    pass


#: Characters of wikitext per pandoc run, at most: large enough that starting pandoc costs
#: little, small enough that the runs spread over the cores and a batch that has to be split
#: is read again quickly.
BATCH_CHARS = 1_000_000
#: ... and at least, so that a small wiki is not read by many processes.
MIN_BATCH_CHARS = 32_000
#: The form of a :class:`ReadCache`'s text; another form is not read.
CACHE_FORMAT = "mw2sphinx-pandoc-cache/2"


@functools.cache
def _pandoc() -> str:
    return pypandoc.get_pandoc_path()


def workers() -> int:
    """How many pandoc processes run at once: one per core this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run(text: str) -> Blocks:
    process = subprocess.run(
        [_pandoc(), f"--from={PANDOC_FORMAT}", "--to=json"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if process.returncode != 0:
        error = process.stderr.decode("utf-8", "replace")
        lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
        where = next((line for line in lines if _ERROR_LINE.search(line)), "")
        where = where[where.find("Error at") :] if "Error at" in where else where
        what = next((line for line in lines if line.startswith("unexpected")), lines[-1:] or [""])
        raise PandocError(
            " ".join(x for x in (where, what if isinstance(what, str) else what[0]) if x)
            or "pandoc failed"
        ) from None
    try:
        blocks: Blocks = json.loads(process.stdout)["blocks"]
        return blocks
    except RecursionError:
        raise PandocError("markup nested too deeply") from None


def _split(blocks: Blocks, count: int) -> list[Blocks] | None:
    """Cut the blocks at the separators; ``None`` if any separator went missing."""
    parts: list[Blocks] = [[]]
    expected = 0
    for block in blocks:
        if block["t"] == "Para" and len(block["c"]) == 1 and block["c"][0]["t"] == "Str":
            match = SEPARATOR_RE.fullmatch(block["c"][0]["c"])
            if match:
                if int(match.group(1)) != expected:
                    return None
                expected += 1
                parts.append([])
                continue
        parts[-1].append(block)
    return parts if expected == count - 1 else None


def batches(sizes: list[int], *, count: int) -> list[int]:
    """Where to cut fragments of these sizes into batches for ``count`` processes: the
    index each batch starts at. Each batch holds about an equal share of the text, at
    least MIN_BATCH_CHARS and at most BATCH_CHARS, and at least one fragment."""
    total = sum(sizes)
    target = min(max(total // max(count * 2, 1), MIN_BATCH_CHARS), BATCH_CHARS)
    starts, size = [0], 0
    for index, fragment_size in enumerate(sizes):
        if size and size + fragment_size > target:
            starts.append(index)
            size = 0
        size += fragment_size
    return starts if sizes else []


class ReadCache:
    """What pandoc read from each fragment in an earlier run, so that it is not read again.

    Kept as text (pandoc's blocks as JSON, one fragment a line, by a digest of the fragment),
    and parsed only when a fragment asks for it. What is written for the next run is exactly
    this run's fragments. Only fragments pandoc read without an error are kept.
    """

    def __init__(self, *, version: str, lines: dict[str, str] | None = None):
        self.version = version
        self._old = lines or {}
        self._new: dict[str, str] = {}

    @staticmethod
    def key(fragment: str) -> str:
        return hashlib.blake2b(fragment.encode("utf-8"), digest_size=16).hexdigest()

    @classmethod
    def from_text(cls, text: str, *, version: str) -> ReadCache:
        """A cache as :meth:`to_text` wrote it; empty if it is not one, or of another pandoc."""
        head, _, body = text.partition("\n")
        try:
            if json.loads(head) != {"format": CACHE_FORMAT, "pandoc": version}:
                return cls(version=version)
        except ValueError:
            return cls(version=version)
        lines = dict(line.split("\t", 1) for line in body.splitlines() if "\t" in line)
        return cls(version=version, lines=lines)

    def to_text(self) -> str:
        head = json.dumps({"format": CACHE_FORMAT, "pandoc": self.version})
        # sorted: the batches come back in any order, the file is the same every time
        lines = (f"{key}\t{self._new[key]}\n" for key in sorted(self._new))
        return "".join([head, "\n", *lines])

    @property
    def changed(self) -> bool:
        """Whether the next run needs another cache than the one this run read."""
        return self._new != self._old

    def get(self, fragment: str) -> Blocks | None:
        key = self.key(fragment)
        text = self._old.get(key)
        if text is None:
            return None
        try:
            blocks: Blocks = json.loads(text)
        except (ValueError, RecursionError):
            return None
        self._new[key] = text
        return blocks

    def put(self, fragment: str, blocks: Blocks) -> None:
        try:
            text = json.dumps(blocks, ensure_ascii=False, separators=(",", ":"))
        except (ValueError, RecursionError):
            return  # not kept: read again next time
        self._new[self.key(fragment)] = text


def pandoc_version() -> str:
    return pypandoc.get_pandoc_version()


def parse_fragments(
    fragments: list[str],
    *,
    done: Callable[[list[int]], object] | None = None,
    cache: ReadCache | None = None,
) -> list[Parsed]:
    """Read each wikitext fragment into pandoc blocks, in few pandoc runs on every core; a
    fragment the cache has is not read again.

    ``done(indices)`` is called (from any thread) as the fragments at these indices are read.
    """
    results: list[Parsed | None] = [None] * len(fragments)
    if cache is not None:
        for index, fragment in enumerate(fragments):
            blocks = cache.get(fragment)
            if blocks is not None:
                results[index] = Parsed(blocks)
        hits = [index for index, parsed in enumerate(results) if parsed is not None]
        if hits and done is not None:
            done(hits)
    todo = [index for index, parsed in enumerate(results) if parsed is None]
    count = workers()
    starts = batches([len(fragments[i]) for i in todo], count=count)
    ends = [*starts[1:], len(todo)]

    def batch(start: int, end: int) -> None:
        indices = todo[start:end]
        for index, parsed in zip(
            indices, _parse_batch([fragments[i] for i in indices]), strict=True
        ):
            results[index] = parsed
            if cache is not None and parsed.error is None:
                cache.put(fragments[index], parsed.blocks)
        if done is not None:
            done(indices)

    if len(starts) <= 1:
        batch(0, len(todo))
    else:
        with ThreadPoolExecutor(max_workers=count) as pool:
            list(pool.map(batch, starts, ends))
    return results  # type: ignore[return-value]  # every one is read now


def _parse_batch(fragments: list[str]) -> list[Parsed]:
    """Read the fragments in one pandoc run, or split in halves where that fails."""
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
    return _parse_batch(fragments[:half]) + _parse_batch(fragments[half:])


# --- recovery -------------------------------------------------------------------------

_ERROR_LINE = re.compile(r"line (\d+), column (\d+)")


@dataclasses.dataclass(frozen=True)
class Recovered:
    blocks: Blocks
    #: what was done, for the report: "repaired", or the number of pieces shown as text.
    how: str
    literal_pieces: list[str]
    error_line: int | None


def first_unclosed_line(text: str) -> int | None:
    """The line of the first table or tag the text opens and never closes."""
    for name in OPENERS:
        opens = list(re.finditer(rf"<{name}(?:\s[^>]*)?(?<!/)>", text, re.IGNORECASE))
        closed = len(re.findall(rf"</{name}\s*>", text, re.IGNORECASE))
        if len(opens) > closed:
            return text.count("\n", 0, opens[closed].start()) + 1
    starts = [m.start() for m in re.finditer(r"^[ \t]*\{\|", text, re.MULTILINE)]
    ends = len(re.findall(r"^[ \t]*\|\}", text, re.MULTILINE))
    if len(starts) > ends:
        return text.count("\n", 0, starts[len(starts) - ends - 1]) + 1
    return None


def repair(text: str) -> str:
    """Close what the text leaves open, and show stray closing tags as text."""
    for name in OPENERS:
        opened = len(re.findall(rf"<{name}(?:\s[^>]*)?(?<!/)>", text, re.IGNORECASE))
        closed = len(re.findall(rf"</{name}\s*>", text, re.IGNORECASE))
        if closed > opened:
            surplus = closed - opened
            text = re.sub(
                rf"</{name}\s*>",
                lambda m: m.group(0).replace("<", "&lt;").replace(">", "&gt;"),
                text,
                count=surplus,
            )
        elif opened > closed:
            text += f"</{name}>" * (opened - closed)
    tables = len(re.findall(r"^[ \t]*\{\|", text, re.MULTILINE))
    ends = len(re.findall(r"^[ \t]*\|\}", text, re.MULTILINE))
    if tables > ends:
        text += "\n|}" * (tables - ends)
    return text


def recover(text: str, error: str) -> Recovered:
    """Read a fragment pandoc rejected: repaired if possible, else piece by piece."""
    line_match = _ERROR_LINE.search(error)
    error_line = int(line_match.group(1)) if line_match else None
    if "end of input" in error or error_line is None or error_line > text.count("\n") + 1:
        error_line = first_unclosed_line(text) or error_line
    repaired = repair(text)
    if repaired != text:
        try:
            return Recovered(_run(repaired), "repaired", [], error_line)
        except PandocError:
            pass
    pieces = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    blocks: Blocks = []
    literal: list[str] = []
    for piece, parsed in zip(pieces, parse_fragments([repair(p) for p in pieces]), strict=True):
        if parsed.error is None:
            blocks.extend(parsed.blocks)
        else:
            literal.append(piece)
            blocks.append(para([text_node(piece)]))
    return Recovered(blocks, f"{len(literal)} of {len(pieces)} pieces as text", literal, error_line)
