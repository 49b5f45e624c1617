"""How fast the pipeline is at any size: ``python scripts/benchmark.py`` (see ``--help``).

On the shared snapshot and on larger corpora made by copying its pages under new titles
(links rewritten so that each copy links among itself), it measures side by side, in one
run: the conversion against its floor (one pandoc process reading the same wikitext and
writing its JSON AST), the Sphinx build, a no-op rebuild (convert and build again, nothing
changed) and a rebuild after one page is edited, each with its peak memory. It prints a
table and writes a plot (PNG, needs ``requirements-bench.txt``) and the numbers (JSON).

Every step runs as a child process; its time is wall-clock time and its memory the largest
resident set of the process and its children (``os.wait4``). Not a test: run it on demand.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import project
from mw2sphinx import titles as t
from mw2sphinx.model import SiteInfo
from mw2sphinx.sources.snapshot import SUFFIX, decode_name, encode_name

ROOT = project.ROOT
SNAPSHOT = project.SNAPSHOT
SITE = SiteInfo(name=project.SITE_NAME, article_url=project.ARTICLE_URL)
DEFAULT_SIZES = (50, 500, 1250, 5000)
CONVERT = [sys.executable, str(ROOT / "scripts" / "convert.py")]
SPHINX = [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-j", "auto", "-b", "html"]
EDIT = " This sentence was added by the benchmark."


# --- corpora ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SourcePage:
    title: t.Title
    path: str  # relative to the source folder
    text: str


def read_mirror(root: Path, namespaces: t.Namespaces, main_page: str) -> list[SourcePage]:
    """The pages of a folder in the mirror layout, sorted by file."""
    pages = []
    for path in sorted(root.rglob(f"*{SUFFIX}"), key=lambda p: p.relative_to(root).as_posix()):
        relative = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in relative.split("/")[:-1]):
            continue
        name = decode_name(path.name[: -len(SUFFIX)]).replace("_", " ")
        if path.parent != root:
            raw = name
        elif name == main_page:
            raw = main_page
        else:
            raw = f"{namespaces.names[t.CATEGORY]}:{name}"
        title = namespaces.title(raw)
        if title is not None:
            pages.append(SourcePage(title, relative, path.read_text("utf-8")))
    return pages


_LINK = re.compile(r"(\[\[\s*:?\s*)([^\[\]|{}#\n]+)")
_TRANSCLUSION = re.compile(r"(\{\{\s*)(:?[^{}|#\n]+)")


def copy_title(title: t.Title, copy: int) -> str:
    """The title of a page in copy ``copy`` (0 is the original)."""
    return title.full if copy == 0 else f"{title.full} (copy {copy})"


def rewrite_links(text: str, renamed: dict[str, str], namespaces: t.Namespaces) -> str:
    """Point the links and transclusions of ``text`` at the renamed pages."""

    def link(match: re.Match[str]) -> str:
        target = namespaces.parse(match.group(2))
        new = renamed.get(target.full) if target is not None and not target.interwiki else None
        return match.group(1) + new if new else match.group(0)

    def transclusion(match: re.Match[str]) -> str:
        name = match.group(2).strip()
        if name.startswith(":"):
            target = namespaces.title(name[1:])
            prefix = ":"
        else:
            target = namespaces.title(name, default_namespace=t.TEMPLATE)
            prefix = ""
        new = renamed.get(target.full) if target is not None else None
        return match.group(1) + prefix + new if new else match.group(0)

    return _TRANSCLUSION.sub(transclusion, _LINK.sub(link, text))


def _copy_path(page: SourcePage, copy: int, main_page: str) -> str:
    """Where a copy of a page is stored: categories at the root, articles in a folder."""
    if copy == 0:
        return page.path
    stem = encode_name(copy_title(page.title, copy).replace(" ", "_"))
    if page.title.namespace == t.CATEGORY:
        return encode_name(f"{page.title.text} (copy {copy})".replace(" ", "_")) + SUFFIX
    if page.title.full == main_page:
        return f"main-page/{stem}{SUFFIX}"
    folder = page.path.rsplit("/", 1)[0] if "/" in page.path else "copies"
    return f"{folder}/{stem}{SUFFIX}"


def replicate(source: Path, dest: Path, size: int, *, site: SiteInfo) -> list[str]:
    """Write a corpus of ``size`` pages in the mirror layout into ``dest``: the source's
    pages, then copies of them under new titles, each copy linking among itself; the last
    copy may be partial. Returns the files written, relative to ``dest``."""
    namespaces = t.Namespaces(site)
    base = read_mirror(source, namespaces, site.main_page)
    written = []
    for copy in range(math.ceil(size / len(base))):
        renamed = {p.title.full: copy_title(p.title, copy) for p in base}
        for page in base[: size - copy * len(base)]:
            relative = _copy_path(page, copy, site.main_page)
            path = dest / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            text = page.text if copy == 0 else rewrite_links(page.text, renamed, namespaces)
            path.write_text(text, "utf-8")
            written.append(relative)
    return written


def most_transcluded(pages: list[SourcePage], namespaces: t.Namespaces) -> SourcePage:
    """The page the most other pages transclude (the first page if none is): editing it
    rewrites more than one page, as an edit on a real wiki often does."""
    counts = dict.fromkeys((p.title.full for p in pages), 0)
    for page in pages:
        for match in _TRANSCLUSION.finditer(page.text):
            name = match.group(2).strip()
            target = namespaces.title(name[1:]) if name.startswith(":") else None
            if target is not None and target.full in counts and target.full != page.title.full:
                counts[target.full] += 1
    best = max(counts, key=lambda title: (counts[title], title))  # the last title on ties
    return next(p for p in pages if p.title.full == best) if counts[best] else pages[0]


def edited_text(text: str) -> str:
    """The text with a sentence added where the pages that transclude it see it too."""
    end = re.search(r"</onlyinclude\s*>", text, re.IGNORECASE)
    if end is None:
        return text.rstrip("\n") + EDIT + "\n"
    return text[: end.start()] + EDIT + text[end.start() :]


def joined_wikitext(root: Path) -> str:
    """The wikitext of every page of a corpus, as one document: what the floor reads."""
    files = sorted(root.rglob(f"*{SUFFIX}"), key=lambda p: p.relative_to(root).as_posix())
    return "\n\n".join(path.read_text("utf-8") for path in files)


# --- measuring ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Step:
    seconds: float  # wall clock
    cpu: float  # user + system, of the process and its children
    peak_mb: float  # the largest resident set of the process or any of its children
    output: str

    def count(self, pattern: str) -> int | None:
        """A number the step printed, by a regular expression with one group."""
        match = re.search(pattern, self.output)
        return int(match.group(1)) if match else None


def run(command: list[str], *, log: Path) -> Step:
    """Run a step as a child process; its time, CPU time and peak memory."""
    with log.open("w+", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if process.returncode != 0:
        raise SystemExit(f"error: {' '.join(command)} failed; see {log}\n{output[-2000:]}")
    # ru_maxrss is in kilobytes on Linux
    return Step(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output)


def best(steps: list[Step]) -> Step:
    """The fastest of repeated runs: the one the other processes on the machine slowed least."""
    return min(steps, key=lambda step: step.seconds)


def spread(steps: list[Step]) -> float:
    """How much slower the slowest run was than the fastest (1.0: not at all)."""
    times = [step.seconds for step in steps]
    return max(times) / min(times)


@dataclasses.dataclass
class Result:
    pages: int
    floor: Step
    convert: Step
    sphinx: Step
    noop_convert: Step
    noop_sphinx: Step
    edit_convert: Step
    edit_sphinx: Step
    edited: str
    noise: float  # the largest spread of the repeated floor and conversion runs

    @property
    def full(self) -> float:
        return self.convert.seconds + self.sphinx.seconds

    @property
    def noop(self) -> float:
        return self.noop_convert.seconds + self.noop_sphinx.seconds

    @property
    def edit(self) -> float:
        return self.edit_convert.seconds + self.edit_sphinx.seconds

    @property
    def peak_mb(self) -> float:
        return max(self.convert.peak_mb, self.sphinx.peak_mb)

    def as_json(self) -> dict:
        steps = {
            name: {"seconds": s.seconds, "cpu": s.cpu, "peak_mb": s.peak_mb}
            for name, s in vars(self).items()
            if isinstance(s, Step)
        }
        return {
            "pages": self.pages,
            "edited": self.edited,
            "noise": self.noise,
            "steps": steps,
            "written": {
                "convert": _written(self.convert),
                "noop": _written(self.noop_convert),
                "edit": _written(self.edit_convert),
            },
            "reread": {"noop": _reread(self.noop_sphinx), "edit": _reread(self.edit_sphinx)},
        }


def _written(step: Step) -> int | None:
    return step.count(r"(\d+) written")


def _reread(step: Step) -> int | None:
    """Documents Sphinx read again: added, changed and outdated ones."""
    found = re.search(r"updating environment: .*?(\d+) added, (\d+) changed", step.output)
    return int(found.group(1)) + int(found.group(2)) if found else None


def sphinx_command(site: Path) -> list[str]:
    return [*SPHINX, "-c", str(ROOT), str(site), str(site / "_build" / "html")]


def convert_command(corpus: Path, site: Path) -> list[str]:
    return [*CONVERT, "--source", str(corpus), "--dest", str(site)]


def measure(corpus: Path, work: Path, *, pages: int, repeat: int, say) -> Result:
    """Every step on one corpus, in the order a user meets them."""
    work.mkdir(parents=True, exist_ok=True)
    floor_input = work / "floor.mediawiki"
    floor_input.write_text(joined_wikitext(corpus), "utf-8")
    floor_command = [_pandoc_path(), "--from=mediawiki", "--to=json", str(floor_input)]
    floor_command += ["--output", str(work / "floor.json")]
    site = work / "site"
    floors, converts = [], []
    for attempt in range(repeat):
        # side by side: the floor and the conversion take turns, so a busy spell of the
        # machine slows both
        say(f"{pages} pages: pandoc floor and conversion, run {attempt + 1} of {repeat}")
        floors.append(run(floor_command, log=work / "floor.log"))
        shutil.rmtree(site, ignore_errors=True)
        converts.append(run(convert_command(corpus, site), log=work / "convert.log"))
    say(f"{pages} pages: Sphinx build")
    sphinx = run(sphinx_command(site), log=work / "sphinx.log")
    say(f"{pages} pages: no-op rebuild")
    noop_convert = run(convert_command(corpus, site), log=work / "noop-convert.log")
    noop_sphinx = run(sphinx_command(site), log=work / "noop-sphinx.log")
    namespaces = t.Namespaces(SITE)
    edited = most_transcluded(read_mirror(corpus, namespaces, SITE.main_page), namespaces)
    say(f"{pages} pages: rebuild after editing {edited.title.full!r}")
    path = corpus / edited.path
    path.write_text(edited_text(path.read_text("utf-8")), "utf-8")
    edit_convert = run(convert_command(corpus, site), log=work / "edit-convert.log")
    edit_sphinx = run(sphinx_command(site), log=work / "edit-sphinx.log")
    return Result(
        pages,
        best(floors),
        best(converts),
        sphinx,
        noop_convert,
        noop_sphinx,
        edit_convert,
        edit_sphinx,
        edited.title.full,
        max(spread(floors), spread(converts)),
    )


def _pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


# --- reporting ---------------------------------------------------------------------------------


def _s(seconds: float) -> str:
    return f"{seconds:.1f}" if seconds < 100 else f"{seconds:.0f}"


def _x(ratio: float) -> str:
    return f"{ratio:.2f} ×"


def _n(value: int | None) -> str:
    return "?" if value is None else str(value)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def time_table(results: list[Result]) -> str:
    header = ["pages", "pandoc floor s", "convert s", "× floor", "Sphinx s", "full s"]
    header += ["no-op s", "× full", "files / docs", "edit s", "× full", "files / docs"]
    rows = [
        [
            str(r.pages),
            _s(r.floor.seconds),
            _s(r.convert.seconds),
            _x(r.convert.seconds / r.floor.seconds),
            _s(r.sphinx.seconds),
            _s(r.full),
            _s(r.noop),
            _x(r.noop / r.full),
            f"{_n(_written(r.noop_convert))} / {_n(_reread(r.noop_sphinx))}",
            _s(r.edit),
            _x(r.edit / r.full),
            f"{_n(_written(r.edit_convert))} / {_n(_reread(r.edit_sphinx))}",
        ]
        for r in results
    ]
    return markdown_table(header, rows)


def memory_table(results: list[Result]) -> str:
    header = ["pages", "pandoc floor MB", "convert MB", "Sphinx MB", "no-op MB", "edit MB"]
    rows = [
        [
            str(r.pages),
            f"{r.floor.peak_mb:.0f}",
            f"{r.convert.peak_mb:.0f}",
            f"{r.sphinx.peak_mb:.0f}",
            f"{max(r.noop_convert.peak_mb, r.noop_sphinx.peak_mb):.0f}",
            f"{max(r.edit_convert.peak_mb, r.edit_sphinx.peak_mb):.0f}",
        ]
        for r in results
    ]
    return markdown_table(header, rows)


def growth_pairs(results: list[Result]) -> list[tuple[Result, Result]]:
    """Each corpus with the next one at least twice its size."""
    return [(a, b) for a, b in itertools.pairwise(results) if b.pages >= 2 * a.pages]


def growth_table(results: list[Result]) -> str:
    """From each size to the next: how many times the pages, the time and the memory."""
    header = ["pages", "× pages", "convert × time", "Sphinx × time", "full × time"]
    header += ["convert × memory", "Sphinx × memory"]
    rows = []
    for small, large in growth_pairs(results):
        rows.append(
            [
                f"{small.pages} → {large.pages}",
                f"{large.pages / small.pages:.1f}",
                _x(large.convert.seconds / small.convert.seconds),
                _x(large.sphinx.seconds / small.sphinx.seconds),
                _x(large.full / small.full),
                _x(large.convert.peak_mb / small.convert.peak_mb),
                _x(large.sphinx.peak_mb / small.sphinx.peak_mb),
            ]
        )
    return markdown_table(header, rows)


#: The targets: (what, the ratio measured, the most it may be).
Target = tuple[str, float, float]


def targets(results: list[Result]) -> list[Target]:
    """The targets of issue 7, on the largest corpus and between corpora four times apart."""
    largest = results[-1]
    found: list[Target] = [
        (f"{largest.pages} pages: conversion / pandoc floor", _ratio(largest, "convert"), 1.5),
        (f"{largest.pages} pages: no-op rebuild / full build", largest.noop / largest.full, 0.2),
        (f"{largest.pages} pages: one page edited / full build", largest.edit / largest.full, 0.3),
    ]
    for small, large in growth_pairs(results):
        pages = large.pages / small.pages
        if round(pages) != 4:
            continue
        step = f"{small.pages} → {large.pages} pages"
        found.append(
            (f"{step}: conversion time ×", large.convert.seconds / small.convert.seconds, 4.4)
        )
        found.append(
            (f"{step}: Sphinx build time ×", large.sphinx.seconds / small.sphinx.seconds, 4.4)
        )
        found.append((f"{step}: full build time ×", large.full / small.full, 4.4))
        for name in ("convert", "sphinx"):
            peak = getattr(large, name).peak_mb / getattr(small, name).peak_mb
            found.append((f"{step}: {name} peak memory ×", peak, pages))
    return found


def _ratio(result: Result, name: str) -> float:
    return getattr(result, name).seconds / result.floor.seconds


def target_lines(found: list[Target]) -> str:
    return "\n".join(
        f"- {'met' if value <= most else 'MISSED'}: {what} = {value:.2f} (at most {most:g})"
        for what, value, most in found
    )


def machine() -> str:
    """Cores, memory and load: how far to trust the times."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kb / 1024 / 1024:.0f} GB"
    load = ""
    with contextlib.suppress(OSError):
        load = ", load average at the end " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cores} cores{memory}{load}; Python {sys.version.split()[0]}"


def report(results: list[Result], *, machine_line: str) -> str:
    noise = max(r.noise for r in results)
    return "\n\n".join(
        [
            f"Machine: {machine_line}.",
            "Time (wall clock, seconds; the fastest of the repeated floor and conversion runs;"
            " files / docs: files the conversion wrote / documents Sphinx read again)",
            time_table(results),
            "Peak memory (the largest resident set of any process of the step, MB)",
            memory_table(results),
            "Growth from one size to the next",
            growth_table(results),
            f"Noise: the slowest of the repeated floor and conversion runs took up to"
            f" {noise:.2f} × the fastest.",
            "Targets",
            target_lines(targets(results)),
        ]
    )


def plot(results: list[Result], path: Path) -> None:
    """Time and memory against pages, on log-log axes."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pages = [r.pages for r in results]
    figure, (times, memory) = pyplot.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    for label, values in [
        ("pandoc floor", [r.floor.seconds for r in results]),
        ("convert", [r.convert.seconds for r in results]),
        ("Sphinx build", [r.sphinx.seconds for r in results]),
        ("no-op rebuild", [r.noop for r in results]),
        ("one page edited", [r.edit for r in results]),
    ]:
        times.plot(pages, values, marker="o", label=label)
    for label, values in [
        ("pandoc floor", [r.floor.peak_mb for r in results]),
        ("convert", [r.convert.peak_mb for r in results]),
        ("Sphinx build", [r.sphinx.peak_mb for r in results]),
    ]:
        memory.plot(pages, values, marker="o", label=label)
    plain = matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}")
    for axes, title, unit in [(times, "Time", "seconds"), (memory, "Peak memory", "MB")]:
        axes.set(xscale="log", yscale="log", title=title, xlabel="pages", ylabel=unit)
        axes.xaxis.set_major_formatter(plain)
        axes.yaxis.set_major_formatter(plain)
        axes.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        axes.grid(True, which="both", alpha=0.3)
        axes.legend()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)


# --- the command line --------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="benchmark.py",
        description="Convert and build the shared snapshot and larger copies of it; print "
        "times and peak memory side by side, write a plot and the numbers.",
    )
    p.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="page counts of the corpora made by copying the snapshot's pages, besides the "
        "snapshot itself (default: %(default)s)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="how many times the floor and the conversion run, taking turns; the fastest "
        "counts (default: %(default)s)",
    )
    p.add_argument(
        "--out",
        default=str(ROOT / "_build" / "benchmark"),
        help="folder for the plot (benchmark.png), the numbers (benchmark.json) and the "
        "table (benchmark.md) (default: %(default)s)",
    )
    p.add_argument(
        "--work",
        default=None,
        help="folder for the corpora and the sites, kept afterwards (default: a temporary "
        "folder, removed afterwards)",
    )
    p.add_argument(
        "--lua",
        type=int,
        default=0,
        metavar="PAGES",
        help="also measure what Lua costs (issue 14) on a MediaWiki with Scribunto on "
        "loopback, with PAGES pages of which a tenth call a module: API requests per page "
        "with --expand auto, and local Lua time per #invoke (benchmark-lua.json)",
    )
    return p


def lua_costs(pages: int) -> dict:
    """What Lua costs (tests/benchmark_lua.py, on a MediaWiki with Scribunto on loopback):
    requests per page with ``--expand auto`` where a tenth of the pages need the wiki, and
    local Lua time per ``#invoke``."""
    script = ROOT / "tests" / "benchmark_lua.py"
    done = subprocess.run(
        [sys.executable, str(script), str(pages), "--json"],
        capture_output=True, text=True, check=True, cwd=script.parent,
    )  # fmt: skip
    return json.loads(done.stdout)


def lua_table(numbers: dict) -> str:
    n = numbers
    return "## Lua (`--lua`)\n\n" + markdown_table(
        ["pages", "by the wiki", "requests/page (expanding)", "requests/page (all)",
         "again (cache)", "ms/#invoke here", "ms/Lua state"],
        [[str(n["pages"]), str(n["expanded_by_wiki"]), f"{n['expansion_requests_per_page']:.3f}",
          f"{n['requests_per_page']:.3f}", str(n["requests_again_with_cache"]),
          f"{n['ms_per_invoke']:.2f}", f"{n['ms_per_lua_state']:.1f}"]],
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def say(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    snapshot_size = len(read_mirror(SNAPSHOT, t.Namespaces(SITE), SITE.main_page))
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="mw2sphinx-bench-"))
    results = []
    try:
        for size in [snapshot_size, *(s for s in sizes if s != snapshot_size)]:
            corpus = work / f"corpus-{size}"
            shutil.rmtree(corpus, ignore_errors=True)
            replicate(SNAPSHOT, corpus, size, site=SITE)
            results.append(
                measure(corpus, work / f"site-{size}", pages=size, repeat=args.repeat, say=say)
            )
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    text = report(results, machine_line=machine())
    lua = None
    if args.lua:
        say(f"Lua: {args.lua} pages on a MediaWiki with Scribunto")
        lua = lua_costs(args.lua)
        text += "\n\n" + lua_table(lua)
    print(text)
    (out / "benchmark.md").write_text(text + "\n", "utf-8")
    (out / "benchmark.json").write_text(
        json.dumps([r.as_json() for r in results], indent=1) + "\n", "utf-8"
    )
    if lua is not None:
        (out / "benchmark-lua.json").write_text(json.dumps(lua, indent=1) + "\n", "utf-8")
    try:
        plot(results, out / "benchmark.png")
    except ImportError:
        say("no plot: matplotlib is not installed (pip install -r requirements-bench.txt)")
    else:
        say(f"plot in {out / 'benchmark.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
