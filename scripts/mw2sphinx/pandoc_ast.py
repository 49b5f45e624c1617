"""Wikitext fragments to pandoc's JSON AST, many fragments per pandoc run.

Fragments are joined with separator paragraphs into batches of a few hundred
kilobytes, and the batches are read by as many pandoc processes at once as there
are cores, while the caller goes on making more fragments (:class:`Reader`); if
markup in one fragment swallows a separator (an unclosed table, say), its batch
is split in halves until every fragment is read on its own. A fragment pandoc
rejects outright comes back as an error, for the caller to recover. A
:class:`ReadCache` keeps what pandoc read for the next run, which reads only the
fragments that changed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import os
import re
import subprocess
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import IO, Any, NotRequired, TypeAlias, TypedDict

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
#: little, small enough that the runs spread over the cores, that a batch that has to be
#: split is read again quickly, and that pandoc's MediaWiki reader, whose time and memory
#: grow faster than its input, stays near its best: 0.4 MB took 10 % less CPU than 1 MB
#: and half its memory (2 MB: 30 % more CPU, 1.2 GB).
BATCH_CHARS = 400_000
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


def batch_target(total: int, *, count: int) -> int:
    """How many characters of wikitext a batch holds when ``total`` are read by ``count``
    processes: about an equal share, at least MIN_BATCH_CHARS and at most BATCH_CHARS."""
    return min(max(total // max(count * 2, 1), MIN_BATCH_CHARS), BATCH_CHARS)


class ReadCache:
    """What pandoc read from each fragment in an earlier run, so that it is not read again.

    Kept as text (pandoc's blocks as JSON, one fragment a line, by a digest of the fragment),
    and parsed only when a fragment asks for it. What is written for the next run is exactly
    this run's fragments. Only fragments pandoc read without an error are kept. What this
    run read waits in a temporary file, not in memory, until :meth:`write` writes it.
    """

    def __init__(self, *, version: str, lines: dict[str, str] | None = None):
        self.version = version
        self._old = lines or {}
        #: the old entries this run asked for again.
        self._kept: set[str] = set()
        #: what this run read: key -> (offset, length) of its line's text in ``_store``.
        self._new: dict[str, tuple[int, int]] = {}
        self._store: IO[bytes] | None = None

    @staticmethod
    def key(fragment: str) -> str:
        return hashlib.blake2b(fragment.encode("utf-8"), digest_size=16).hexdigest()

    @classmethod
    def from_text(cls, text: str, *, version: str) -> ReadCache:
        """A cache as :meth:`write` wrote it; empty if it is not one, or of another pandoc."""
        head, _, body = text.partition("\n")
        try:
            if json.loads(head) != {"format": CACHE_FORMAT, "pandoc": version}:
                return cls(version=version)
        except ValueError:
            return cls(version=version)
        lines = dict(line.split("\t", 1) for line in body.splitlines() if "\t" in line)
        return cls(version=version, lines=lines)

    def write(self, out: IO[bytes]) -> None:
        """The cache for the next run: this run's fragments, one a line."""
        head = json.dumps({"format": CACHE_FORMAT, "pandoc": self.version})
        out.write(head.encode("utf-8") + b"\n")
        # sorted: the batches come back in any order, the file is the same every time
        for key in sorted(self._kept | self._new.keys()):
            place = self._new.get(key)
            if place is None:
                text = self._old[key].encode("utf-8")
            else:
                assert self._store is not None
                self._store.seek(place[0])
                text = self._store.read(place[1])
            out.write(key.encode("ascii") + b"\t" + text + b"\n")

    def to_text(self) -> str:
        out = io.BytesIO()
        self.write(out)
        return out.getvalue().decode("utf-8")

    @property
    def changed(self) -> bool:
        """Whether the next run needs another cache than the one this run read."""
        return bool(self._new) or self._kept != self._old.keys()

    def get(self, fragment: str) -> Blocks | None:
        key = self.key(fragment)
        text = self._old.get(key)
        if text is None:
            return None
        try:
            blocks: Blocks = json.loads(text)
        except (ValueError, RecursionError):
            return None
        self._kept.add(key)
        return blocks

    def put(self, fragment: str, blocks: Blocks) -> None:
        try:
            text = json.dumps(blocks, ensure_ascii=False, separators=(",", ":"))
        except (ValueError, RecursionError):
            return  # not kept: read again next time
        if self._store is None:
            # as long as the cache: gone with it (a temporary file has no name to leave)
            self._store = tempfile.TemporaryFile()  # noqa: SIM115
        data = text.encode("utf-8")
        offset = self._store.seek(0, io.SEEK_END)
        self._store.write(data)
        self._new[self.key(fragment)] = (offset, len(data))


def pandoc_version() -> str:
    return pypandoc.get_pandoc_version()


class Reader:
    """Reads wikitext fragments with pandoc while the caller makes more: each fragment
    handed to :meth:`add` joins a batch, each full batch is read by a pandoc process of its
    own (as many at once as there are cores), and :meth:`ready` and :meth:`finish` give back
    what was read, in the order of the fragments. A fragment the cache has is not read again.

    At most two batches a process are being read or waiting to be taken, so memory holds
    a few batches' blocks, never every fragment's: :meth:`add` waits for the oldest batch
    when there are more.
    """

    def __init__(
        self, *, target: int, cache: ReadCache | None = None, count: int | None = None
    ) -> None:
        self.target, self.cache = target, cache
        self.count = count or workers()
        self._pool = ThreadPoolExecutor(max_workers=self.count)
        #: batches being read: the indices of their fragments, their texts, the result.
        self._reading: deque[tuple[list[int], list[str], Future[list[Parsed]]]] = deque()
        self._indices: list[int] = []  # the batch being filled
        self._texts: list[str] = []
        self._size = 0
        self._read: dict[int, Parsed] = {}  # read, not yet taken
        self._added = self._taken = 0

    def __enter__(self) -> Reader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._pool.shutdown(wait=kind is None, cancel_futures=True)

    def add(self, fragment: str) -> None:
        index, self._added = self._added, self._added + 1
        blocks = self.cache.get(fragment) if self.cache is not None else None
        if blocks is not None:
            self._read[index] = Parsed(blocks)
            return
        if self._texts and self._size + len(fragment) > self.target:
            self._submit()
        self._indices.append(index)
        self._texts.append(fragment)
        self._size += len(fragment)

    def ready(self) -> list[Parsed]:
        """What was read since the last call, in order, up to the first fragment that
        is still being read."""
        self._collect(wait=False)
        taken = []
        while self._taken in self._read:
            taken.append(self._read.pop(self._taken))
            self._taken += 1
        return taken

    def finish(self) -> Iterator[Parsed]:
        """Every fragment not yet taken, in order, each batch as soon as it is read."""
        if self._texts:
            self._submit()
        while self._taken < self._added:
            taken = self.ready()
            if not taken:
                self._collect(wait=True)
            yield from taken

    def _submit(self) -> None:
        if len(self._reading) >= 2 * self.count:
            self._collect(wait=True)
        future = self._pool.submit(_parse_batch, self._texts)
        self._reading.append((self._indices, self._texts, future))
        self._indices, self._texts, self._size = [], [], 0

    def _collect(self, *, wait: bool) -> None:
        """Take the batches read so far, in order (``wait``: the oldest one at least)."""
        while self._reading and (wait or self._reading[0][2].done()):
            indices, texts, future = self._reading.popleft()
            for index, text, parsed in zip(indices, texts, future.result(), strict=True):
                if self.cache is not None and parsed.error is None:
                    self.cache.put(text, parsed.blocks)
                self._read[index] = parsed
            wait = False


def parse_fragments(fragments: list[str], *, cache: ReadCache | None = None) -> list[Parsed]:
    """Read each wikitext fragment into pandoc blocks, in few pandoc runs on every core; a
    fragment the cache has is not read again."""
    count = workers()
    target = batch_target(sum(len(fragment) for fragment in fragments), count=count)
    with Reader(target=target, cache=cache, count=count) as reader:
        for fragment in fragments:
            reader.add(fragment)
        return list(reader.finish())


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


# --- what pandoc reads as raw HTML --------------------------------------------------------

_OPEN_HEADING = re.compile(r"<h([1-6])(?:\s[^>]*)?>\Z", re.IGNORECASE)
_CLOSE_HEADING = re.compile(r"</h[1-6]\s*>\Z", re.IGNORECASE)
_HEADING_TEXT = frozenset({"Para", "Plain"})


def _raw_html(block: Block, pattern: re.Pattern[str]) -> re.Match[str] | None:
    if block["t"] != "RawBlock" or block["c"][0] != "html":
        return None
    return pattern.match(block["c"][1].strip())


def html_headings(blocks: Blocks) -> Blocks:
    """``<h1>`` … ``<h6>`` written as HTML as the headings they are in MediaWiki (in the
    table of contents, with anchors, T25393): pandoc reads the tags as raw HTML around the
    paragraphs of their text. A tag pair around other blocks is left as it is."""
    out: Blocks = []
    at = 0
    while at < len(blocks):
        block = blocks[at]
        opening = _raw_html(block, _OPEN_HEADING)
        end = at + 1
        while opening and end < len(blocks) and blocks[end]["t"] in _HEADING_TEXT:
            end += 1
        if opening and end < len(blocks) and _raw_html(blocks[end], _CLOSE_HEADING):
            inner = blocks[at + 1 : end]
            inlines: Inlines = []
            for part in inner:
                inlines += ([{"t": "Space"}] if inlines else []) + part["c"]
            if inlines:
                out.append({"t": "Header", "c": [int(opening.group(1)), NO_ATTR, inlines]})
            at = end + 1
            continue
        if block["t"] == "Div":
            block = {"t": "Div", "c": [block["c"][0], html_headings(block["c"][1])]}
        out.append(block)
        at += 1
    return out
