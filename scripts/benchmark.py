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
import functools
import itertools
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import project
from mw2sphinx import titles as t
from mw2sphinx.model import SiteInfo
from mw2sphinx.sources.snapshot import SUFFIX, decode_name, encode_name

ROOT = project.ROOT
SNAPSHOT = project.SNAPSHOT
SITE = SiteInfo(name=project.SITE_NAME, article_url=project.ARTICLE_URL)
DEFAULT_SIZES = (50, 500, 1250, 5000)
#: The share of long generated pages in a corpus (see large_page).
DEFAULT_LARGE = 0.1
CONVERT = [sys.executable, str(ROOT / "scripts" / "convert.py")]
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


def large_page(number: int, *, articles: list[str], categories: list[str]) -> str:
    """A long generated page (no wiki text): sections of prose linking to ``articles``,
    a ref in every paragraph, a table of links and a code block in every section; in
    ``categories``. About 12 KB, several times a snapshot article."""
    out = [f"'''Large page {number}''' is a long page the benchmark writes.\n"]
    for section in range(1, 9):
        link = articles[(number + section) % len(articles)] if articles else None
        target = f"[[{link}]]" if link else "another page"
        out.append(f"\n== Section {section} ==\n\n")
        for paragraph in range(1, 4):
            out.append(
                f"Paragraph {paragraph} of section {section} says something about "
                f"{target} in ''italic'' and '''bold''' words, long enough to wrap and to "
                f"be indexed for search as a real article's paragraph would be."
                f"<ref>Reference {section}.{paragraph} of large page {number}, "
                f"[https://example.org/{number}/{section}/{paragraph} example.org].</ref>\n\n"
            )
        out.append('{| class="wikitable"\n! Row !! Value !! Page\n')
        for row in range(12):
            cell = f"[[{articles[(number + row) % len(articles)]}]]" if articles else "none"
            out.append(f"|-\n| {row + 1} || {(number * 31 + row * 7) % 1000} || {cell}\n")
        out.append("|}\n\n")
        out.append(
            '<syntaxhighlight lang="python">\n'
            f"def section_{section}(values):\n"
            f"    # large page {number}\n"
            f"    return [value * {section} for value in values if value > {number % 10}]\n"
            "</syntaxhighlight>\n\n"
        )
        out.append("".join(f"* Item {item} of section {section}\n" for item in range(1, 6)))
    out.append("\n== References ==\n\n<references />\n\n")
    out.extend(f"[[{category}]]\n" for category in categories)
    return "".join(out)


def replicate(
    source: Path, dest: Path, size: int, *, site: SiteInfo, large: float = 0.0
) -> list[str]:
    """Write a corpus of ``size`` pages in the mirror layout into ``dest``: the source's
    pages, then copies of them under new titles, each copy linking among itself; the last
    copy may be partial. A share ``large`` of the pages are long generated ones
    (:func:`large_page`), each linking to the articles of one copy and in one of its
    categories. Returns the files written, relative to ``dest``."""
    namespaces = t.Namespaces(site)
    base = read_mirror(source, namespaces, site.main_page)
    large_count = int(size * large)
    copied = size - large_count
    written = []
    copies: dict[int, list[t.Title]] = {}
    for copy in range(math.ceil(copied / len(base))):
        renamed = {p.title.full: copy_title(p.title, copy) for p in base}
        for page in base[: copied - copy * len(base)]:
            relative = _copy_path(page, copy, site.main_page)
            path = dest / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            text = page.text if copy == 0 else rewrite_links(page.text, renamed, namespaces)
            path.write_text(text, "utf-8")
            written.append(relative)
            copies.setdefault(copy, []).append(page.title)
    whole = [copy for copy, pages in copies.items() if len(pages) == len(base)] or [0]
    for number in range(1, large_count + 1):
        copy = whole[(number - 1) % len(whole)]
        here = copies.get(copy, [])
        articles = [copy_title(x, copy) for x in here if x.namespace == t.MAIN]
        categories = [copy_title(x, copy) for x in here if x.namespace == t.CATEGORY]
        relative = f"large-pages/{encode_name(f'Large_page_{number}')}{SUFFIX}"
        path = dest / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        chosen = categories[number % len(categories) :][:1] if categories else []
        path.write_text(large_page(number, articles=articles, categories=chosen), "utf-8")
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


# --- stages: what each part of one process costs ------------------------------------------------

#: The environment variable that tells the Sphinx extension below where to write its stages.
STAGES_ENV = "MW2SPHINX_BENCHMARK_STAGES"


def _hwm_mb() -> float:
    """The largest resident set of this process since the last reset (VmHWM), MB."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User and system time of this process and its children so far."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _reset_hwm() -> None:
    """Start VmHWM again from the present resident set (Linux: clear_refs 5)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as out:
        out.write("5")


class Stages:
    """Stages of one process one after another: each one's wall-clock time and the peak
    resident memory of the process while it ran; and totals of work inside a stage."""

    def __init__(self) -> None:
        self.current: str | None = None
        self.started = self.started_cpu = 0.0
        self.seconds: dict[str, float] = {}
        #: user + system time of the process and of its children (pandoc) that ended in it:
        #: what a loaded machine disturbs less than the wall clock.
        self.cpu: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        self.inside: dict[str, float] = {}

    def mark(self, name: str | None) -> None:
        """Stage ``name`` begins now (``None``: the last one ends)."""
        now, cpu = time.perf_counter(), _cpu_seconds()
        if self.current is not None:
            self.seconds[self.current] = self.seconds.get(self.current, 0.0) + now - self.started
            self.cpu[self.current] = self.cpu.get(self.current, 0.0) + cpu - self.started_cpu
            self.peak_mb[self.current] = max(self.peak_mb.get(self.current, 0.0), _hwm_mb())
        _reset_hwm()
        self.current, self.started, self.started_cpu = name, now, cpu

    def around(self, stage: str, function: Callable, after: str | None = None) -> Callable:
        """``function``, marking ``stage`` when it is called (and ``after`` when it ends)."""

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            self.mark(stage)
            try:
                return function(*args, **kwargs)
            finally:
                if after is not None:
                    self.mark(after)

        return wrapper

    def counted(self, name: str, function: Callable) -> Callable:
        """``function``, its time added up under ``name`` (work inside a stage)."""

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.inside[name] = self.inside.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    def dump(self, path: Path) -> None:
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        numbers = {"seconds": self.seconds, "peak_mb": self.peak_mb, "inside": self.inside}
        numbers["cpu_seconds"] = self.cpu
        numbers["children_peak_mb"] = children
        path.write_text(json.dumps(numbers, indent=1) + "\n", "utf-8")


def timed_convert(argv: list[str], path: Path) -> int:
    """``scripts/convert.py`` with ``argv``, its stages written to ``path``: reading the
    source, expansion (and preparing the wikitext for pandoc), pandoc, MyST writing, the
    rest of the site tree and writing the files."""
    stages = Stages()
    stages.mark("startup")
    import convert as convert_script
    from mw2sphinx import cli, pipeline
    from mw2sphinx import convert as conversion

    cli.open_source = stages.around("source", cli.open_source)
    conversion.expand_pages = stages.around("expansion", conversion.expand_pages)
    conversion.read_pages = stages.around("pandoc", conversion.read_pages, "MyST writing")
    pipeline.site_files = stages.around("site tree", pipeline.site_files)
    cli.write_tree = stages.around("writing files", cli.write_tree, "saving")
    code = convert_script.main(argv)
    stages.mark(None)
    stages.dump(path)
    return code


def setup(app) -> dict:
    """Loaded into the benchmark's Sphinx builds only (``-D extensions=...,benchmark``):
    the stages of the build, from Sphinx's own methods and events, written where
    :data:`STAGES_ENV` says: reading (parsing and the doctree-read handlers), pickling the
    environment and checking it, writing the pages (with, inside it, the search index's
    feeding and the html-page-context handlers: furo's, ours), the finish (indices, extra
    pages, images) and dumping the search index, and the build-finished handlers."""
    from sphinx.search import IndexBuilder

    path = Path(os.environ[STAGES_ENV])
    stages = Stages()
    stages.mark("startup")
    IndexBuilder.feed = stages.counted("search index feed", IndexBuilder.feed)
    emit = app.events.emit

    def timed_emit(name, *args, **kwargs):
        if name != "html-page-context":
            return emit(name, *args, **kwargs)
        return stages.counted("html-page-context handlers", emit)(name, *args, **kwargs)

    app.events.emit = timed_emit

    def builder_inited(app) -> None:
        builder = app.builder
        builder.read = stages.around("read", builder.read, "pickle and consistency")
        builder.finish = stages.around("finish", builder.finish, "build-finished handlers")
        if hasattr(builder, "dump_search_index"):
            dump = builder.dump_search_index
            builder.dump_search_index = stages.around("search index dump", dump, "finish")

    def finished(app, exception) -> None:
        stages.mark(None)
        stages.dump(path)

    app.connect("builder-inited", builder_inited, priority=0)
    app.connect("write-started", lambda app, builder: stages.mark("write"), priority=0)
    app.connect("build-finished", finished, priority=999)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


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


def run(command: list[str], *, log: Path, env: dict[str, str] | None = None) -> Step:
    """Run a step as a child process; its time, CPU time and peak memory."""
    with log.open("w+", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
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
    floor: Step | None  # None: not measured (--skip floor)
    convert: Step
    sphinx: Step
    noop_convert: Step | None  # None: not measured (--skip noop)
    noop_sphinx: Step | None
    edit_convert: Step | None  # None: not measured (--skip edit)
    edit_sphinx: Step | None
    edited: str
    noise: float  # the largest spread of the repeated floor and conversion runs
    #: the stages of the conversion and of the Sphinx build (see :class:`Stages`)
    convert_stages: dict = dataclasses.field(default_factory=dict)
    sphinx_stages: dict = dataclasses.field(default_factory=dict)
    #: the books built, by name ("epub", "pdf"), each a Sphinx run of its own
    books: dict[str, Step] = dataclasses.field(default_factory=dict)

    @property
    def full(self) -> float:
        return self.convert.seconds + self.sphinx.seconds

    @property
    def noop(self) -> float | None:
        if self.noop_convert is None or self.noop_sphinx is None:
            return None
        return self.noop_convert.seconds + self.noop_sphinx.seconds

    @property
    def edit(self) -> float | None:
        if self.edit_convert is None or self.edit_sphinx is None:
            return None
        return self.edit_convert.seconds + self.edit_sphinx.seconds

    @property
    def peak_mb(self) -> float:
        return max(self.convert.peak_mb, self.sphinx.peak_mb)

    def stage(self, name: str) -> tuple[float | None, float | None]:
        """A stage's time and peak memory (:data:`STAGES`), None if not measured."""
        if name in self.books:
            return self.books[name].seconds, self.books[name].peak_mb
        process, parts = STAGES[name]
        numbers = self.convert_stages if process == "convert" else self.sphinx_stages
        if not numbers:
            return None, None
        seconds = [numbers["seconds"].get(p, numbers["inside"].get(p)) for p in parts]
        if all(s is None for s in seconds):
            return None, None
        peaks = [numbers["peak_mb"].get(p) for p in parts]
        peak = max((p for p in peaks if p is not None), default=None)
        if name == "pandoc":  # the pandoc processes themselves
            peak = max(peak or 0.0, numbers["children_peak_mb"])
        return sum(s for s in seconds if s is not None), peak

    def as_json(self) -> dict:
        steps = {
            name: {"seconds": s.seconds, "cpu": s.cpu, "peak_mb": s.peak_mb}
            for name, s in vars(self).items()
            if isinstance(s, Step)
        }
        for name, s in self.books.items():
            steps[name] = {"seconds": s.seconds, "cpu": s.cpu, "peak_mb": s.peak_mb}
        return {
            "pages": self.pages,
            "edited": self.edited,
            "noise": self.noise,
            "steps": steps,
            "stages": {"convert": self.convert_stages, "sphinx": self.sphinx_stages},
            "written": {
                "convert": _written(self.convert),
                "noop": _written(self.noop_convert),
                "edit": _written(self.edit_convert),
            },
            "reread": {"noop": _reread(self.noop_sphinx), "edit": _reread(self.edit_sphinx)},
        }


#: The stages of a full build the tables show: (process, the parts of it they add up).
#: Sphinx's "write" includes the search index's feeding and the html-page-context handlers
#: (furo's page context, our navigation); with -j above 1 those run partly in the worker
#: processes, where the timing extension does not see them.
STAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "expansion": ("convert", ("source", "expansion")),
    "pandoc": ("convert", ("pandoc",)),
    "MyST writing": ("convert", ("MyST writing",)),
    "site tree + files": ("convert", ("site tree", "writing files", "saving")),
    "Sphinx read": ("sphinx", ("startup", "read")),
    "pickle + check": ("sphinx", ("pickle and consistency",)),
    "Sphinx write": ("sphinx", ("write",)),
    "search index": ("sphinx", ("search index feed", "search index dump")),
    "page context": ("sphinx", ("html-page-context handlers",)),
    "finish": ("sphinx", ("finish", "build-finished handlers")),
}
BOOKS = ("epub", "pdf")


def _written(step: Step | None) -> int | None:
    return step.count(r"(\d+) written") if step else None


def _reread(step: Step | None) -> int | None:
    """Documents Sphinx read again: added, changed and outdated ones."""
    if step is None:
        return None
    found = re.search(r"updating environment: .*?(\d+) added, (\d+) changed", step.output)
    return int(found.group(1)) + int(found.group(2)) if found else None


def conf_extensions() -> list[str]:
    """The extensions conf.py loads (the timing extension is added to them)."""
    import runpy

    return list(runpy.run_path(str(ROOT / "conf.py"))["extensions"])


def sphinx_command(
    site: Path, *, builder: str = "html", jobs: str = "auto", timed: bool = False
) -> list[str]:
    options = ["-W", "-n", "--keep-going", "-j", jobs]
    if builder == "pdf":  # make mode: -M comes first
        make = [sys.executable, "-m", "sphinx", "-M", "latexpdf", str(site), str(site / "_build")]
        return [*make, "-c", str(ROOT), *options]
    command = [sys.executable, "-m", "sphinx", *options, "-b", builder, "-c", str(ROOT)]
    if timed:
        command += ["-D", "extensions=" + ",".join([*conf_extensions(), "benchmark"])]
    return [*command, str(site), str(site / "_build" / builder)]


def convert_command(corpus: Path, site: Path, *, stages: Path | None = None) -> list[str]:
    if stages is None:
        return [*CONVERT, "--source", str(corpus), "--dest", str(site)]
    timed = [sys.executable, str(Path(__file__).resolve()), "--timed-convert", str(stages)]
    return [*timed, "--", "--source", str(corpus), "--dest", str(site)]


def _stages_env(path: Path) -> dict[str, str]:
    """The environment of a timed Sphinx build: the timing extension importable, and told
    where to write."""
    scripts = str(Path(__file__).resolve().parent)
    paths = [scripts, *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), STAGES_ENV: str(path)}


def _load(path: Path) -> dict:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


@dataclasses.dataclass(frozen=True)
class Plan:
    """What to measure beyond the full build (the command line's options)."""

    repeat: int = 3
    skip: frozenset[str] = frozenset()  # of "floor", "noop", "edit"
    books: int = 0  # build the ePub and the PDF up to this many pages
    jobs: str = "auto"


def measure(corpus: Path, work: Path, *, pages: int, plan: Plan, say) -> Result:
    """Every step on one corpus, in the order a user meets them."""
    work.mkdir(parents=True, exist_ok=True)
    site = work / "site"
    floors, converts, stages = [], [], []
    floor_command = None
    if "floor" not in plan.skip:
        floor_input = work / "floor.mediawiki"
        floor_input.write_text(joined_wikitext(corpus), "utf-8")
        floor_command = [_pandoc_path(), "--from=mediawiki", "--to=json", str(floor_input)]
        floor_command += ["--output", str(work / "floor.json")]
    for attempt in range(plan.repeat):
        # side by side: the floor and the conversion take turns, so a busy spell of the
        # machine slows both
        say(f"{pages} pages: pandoc floor and conversion, run {attempt + 1} of {plan.repeat}")
        if floor_command:
            floors.append(run(floor_command, log=work / "floor.log"))
        shutil.rmtree(site, ignore_errors=True)
        timing = work / f"convert-stages-{attempt}.json"
        converts.append(run(convert_command(corpus, site, stages=timing), log=work / "convert.log"))
        stages.append(_load(timing))
    fastest = converts.index(best(converts))
    say(f"{pages} pages: Sphinx build")
    timing = work / "sphinx-stages.json"
    sphinx = run(
        sphinx_command(site, jobs=plan.jobs, timed=True),
        log=work / "sphinx.log",
        env=_stages_env(timing),
    )
    books = {}
    if pages <= plan.books:
        for book in BOOKS:
            say(f"{pages} pages: {book}")
            books[book] = run(
                sphinx_command(site, builder=book, jobs=plan.jobs), log=work / f"{book}.log"
            )
    noop_convert = noop_sphinx = edit_convert = edit_sphinx = None

    def rebuild(name: str) -> Step:
        # with the timing extension as in the full build: another configuration would
        # make Sphinx read every document again
        command = sphinx_command(site, jobs=plan.jobs, timed=True)
        env = _stages_env(work / f"{name}-sphinx-stages.json")
        return run(command, log=work / f"{name}-sphinx.log", env=env)

    if "noop" not in plan.skip:
        say(f"{pages} pages: no-op rebuild")
        noop_convert = run(convert_command(corpus, site), log=work / "noop-convert.log")
        noop_sphinx = rebuild("noop")
    edited = ""
    if "edit" not in plan.skip:
        namespaces = t.Namespaces(SITE)
        page = most_transcluded(read_mirror(corpus, namespaces, SITE.main_page), namespaces)
        edited = page.title.full
        say(f"{pages} pages: rebuild after editing {edited!r}")
        path = corpus / page.path
        path.write_text(edited_text(path.read_text("utf-8")), "utf-8")
        edit_convert = run(convert_command(corpus, site), log=work / "edit-convert.log")
        edit_sphinx = rebuild("edit")
    return Result(
        pages,
        best(floors) if floors else None,
        converts[fastest],
        sphinx,
        noop_convert,
        noop_sphinx,
        edit_convert,
        edit_sphinx,
        edited,
        max(spread(floors) if floors else 1.0, spread(converts)),
        convert_stages=stages[fastest],
        sphinx_stages=_load(timing),
        books=books,
    )


def _pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


# --- reporting ---------------------------------------------------------------------------------


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.1f}" if seconds < 100 else f"{seconds:.0f}"


def _x(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f} ×"


def _n(value: int | None) -> str:
    return "?" if value is None else str(value)


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _over(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


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
            _s(r.floor.seconds if r.floor else None),
            _s(r.convert.seconds),
            _x(_over(r.convert.seconds, r.floor.seconds if r.floor else None)),
            _s(r.sphinx.seconds),
            _s(r.full),
            _s(r.noop),
            _x(_over(r.noop, r.full)),
            f"{_n(_written(r.noop_convert))} / {_n(_reread(r.noop_sphinx))}",
            _s(r.edit),
            _x(_over(r.edit, r.full)),
            f"{_n(_written(r.edit_convert))} / {_n(_reread(r.edit_sphinx))}",
        ]
        for r in results
    ]
    return markdown_table(header, rows)


def memory_table(results: list[Result]) -> str:
    header = ["pages", "pandoc floor MB", "convert MB", "Sphinx MB", "no-op MB", "edit MB"]

    def most(*steps: Step | None) -> float | None:
        return max((s.peak_mb for s in steps if s), default=None)

    rows = [
        [
            str(r.pages),
            _mb(most(r.floor)),
            _mb(r.convert.peak_mb),
            _mb(r.sphinx.peak_mb),
            _mb(most(r.noop_convert, r.noop_sphinx)),
            _mb(most(r.edit_convert, r.edit_sphinx)),
        ]
        for r in results
    ]
    return markdown_table(header, rows)


def _stage_names(results: list[Result]) -> list[str]:
    books = [b for b in BOOKS if any(b in r.books for r in results)]
    return [*STAGES, *books]


def stage_tables(results: list[Result]) -> str:
    """Time and peak memory of each stage of the full build, by size."""
    names = _stage_names(results)
    times = [[str(r.pages), *(_s(r.stage(n)[0]) for n in names)] for r in results]
    memory = [[str(r.pages), *(_mb(r.stage(n)[1]) for n in names)] for r in results]
    return "\n\n".join(
        [
            markdown_table(["pages", *(f"{n} s" for n in names)], times),
            markdown_table(["pages", *(f"{n} MB" for n in names)], memory),
        ]
    )


def growth_pairs(results: list[Result]) -> list[tuple[Result, Result]]:
    """Each corpus with the next one at least twice its size."""
    return [(a, b) for a, b in itertools.pairwise(results) if b.pages >= 2 * a.pages]


def exponent(small: float | None, large: float | None, pages: float) -> float | None:
    """The growth exponent k of ``large = small × pages ** k`` (1: linear)."""
    if small is None or large is None or small <= 0 or large <= 0 or pages <= 1:
        return None
    return math.log(large / small) / math.log(pages)


def _k(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


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


def exponent_table(results: list[Result]) -> str:
    """The growth exponent of each stage's time (and of the whole build's time and
    memory) from each size to the next: 1 is linear, 2 quadratic."""
    names = _stage_names(results)
    header = ["pages", "full time", "convert memory", "Sphinx memory", *names]
    rows = []
    for small, large in growth_pairs(results):
        pages = large.pages / small.pages
        row = [
            f"{small.pages} → {large.pages}",
            _k(exponent(small.full, large.full, pages)),
            _k(exponent(small.convert.peak_mb, large.convert.peak_mb, pages)),
            _k(exponent(small.sphinx.peak_mb, large.sphinx.peak_mb, pages)),
        ]
        row += [_k(exponent(small.stage(n)[0], large.stage(n)[0], pages)) for n in names]
        rows.append(row)
    return markdown_table(header, rows)


#: The targets: (what, the ratio measured, the most it may be).
Target = tuple[str, float, float]


def targets(results: list[Result]) -> list[Target]:
    """The targets of issues 7 and 15, on the largest corpus and between corpora four
    times apart."""
    largest = results[-1]
    found: list[Target] = []
    if largest.floor:
        ratio = largest.convert.seconds / largest.floor.seconds
        found.append((f"{largest.pages} pages: conversion / pandoc floor", ratio, 1.5))
    if largest.noop is not None:
        ratio = largest.noop / largest.full
        found.append((f"{largest.pages} pages: no-op rebuild / full build", ratio, 0.1))
    if largest.edit is not None:
        ratio = largest.edit / largest.full
        found.append((f"{largest.pages} pages: one page edited / full build", ratio, 0.15))
    for r in results:
        if r.pages == 20000:
            found.append(("20000 pages: convert + HTML seconds", r.full, 480))
            found.append(("20000 pages: peak memory MB", r.peak_mb, 4096))
    for small, large in growth_pairs(results):
        pages = large.pages / small.pages
        if round(pages) != 4:
            continue
        step = f"{small.pages} → {large.pages} pages"
        for what, a, b in [
            ("full build time", small.full, large.full),
            ("convert peak memory", small.convert.peak_mb, large.convert.peak_mb),
            ("Sphinx peak memory", small.sphinx.peak_mb, large.sphinx.peak_mb),
        ]:
            k = exponent(a, b, pages)
            if k is not None:
                found.append((f"{step}: {what} growth exponent", k, 1.1))
    return found


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
            " files / docs: files the conversion wrote / documents Sphinx read again;"
            " –: not measured)",
            time_table(results),
            "Peak memory (the largest resident set of any process of the step, MB)",
            memory_table(results),
            "Stages of the full build (seconds, then the peak resident set of the process"
            " while the stage ran, MB; pandoc: with its pandoc processes; Sphinx write includes"
            " the search index's feeding and the page context handlers)",
            stage_tables(results),
            "Growth from one size to the next",
            growth_table(results),
            "Growth exponents (time or memory ∝ pages^k; 1 is linear)",
            exponent_table(results),
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
        ("pandoc floor", [r.floor.seconds if r.floor else None for r in results]),
        ("convert", [r.convert.seconds for r in results]),
        ("Sphinx build", [r.sphinx.seconds for r in results]),
        ("no-op rebuild", [r.noop for r in results]),
        ("one page edited", [r.edit for r in results]),
    ]:
        if any(v is not None for v in values):
            times.plot(
                pages, [math.nan if v is None else v for v in values], marker="o", label=label
            )
    for label, values in [
        ("pandoc floor", [r.floor.peak_mb if r.floor else None for r in results]),
        ("convert", [r.convert.peak_mb for r in results]),
        ("Sphinx build", [r.sphinx.peak_mb for r in results]),
    ]:
        if any(v is not None for v in values):
            memory.plot(
                pages, [math.nan if v is None else v for v in values], marker="o", label=label
            )
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
        "times and peak memory side by side, per stage, with the growth exponents between "
        "sizes; write a plot and the numbers.",
        epilog="Issue 15's sizes: --sizes 5000,20000,50000 --skip floor,noop,edit --repeat 1 "
        "(20,000 pages take about ten minutes on 2 cores). A profile of one Sphinx process: "
        "--jobs 1, and run the command of sphinx.log under cProfile or py-spy.",
    )
    p.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="page counts of the corpora made by copying the snapshot's pages (and writing "
        "the large pages of --large), besides the snapshot itself (default: %(default)s)",
    )
    p.add_argument(
        "--large",
        type=float,
        default=DEFAULT_LARGE,
        metavar="SHARE",
        help="the share of each corpus's pages that are long generated pages (about 12 KB: "
        "sections, refs, tables of links, code blocks), so that the mix is not only the "
        "snapshot's short articles; 0 for copies only (default: %(default)s)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="how many times the floor and the conversion run, taking turns; the fastest "
        "counts (default: %(default)s)",
    )
    p.add_argument(
        "--skip",
        default="",
        metavar="STEPS",
        help="steps not to measure, comma-separated, of: floor (one pandoc process over all "
        "the text; superlinear itself), noop (the rebuild with nothing changed), edit (the "
        "rebuild after one edit) (default: none)",
    )
    p.add_argument(
        "--books",
        type=int,
        default=0,
        metavar="PAGES",
        help="also build the ePub and the PDF (sphinx -b epub, -M latexpdf) of the corpora "
        "of at most PAGES pages, each timed as a stage (default: %(default)s, none)",
    )
    p.add_argument(
        "--jobs",
        default="auto",
        help="sphinx-build -j for every build (default: %(default)s; 1 to see one process)",
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
    p.add_argument(
        "--timed-convert",
        default=None,
        metavar="JSON",
        help="what the benchmark runs as its conversion: scripts/convert.py with the "
        "arguments after --, the time and peak memory of its stages written to JSON",
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
    argv = sys.argv[1:] if argv is None else argv
    rest: list[str] = []
    if "--" in argv:
        argv, rest = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    args = parser().parse_args(argv)
    if args.timed_convert:
        return timed_convert(rest, Path(args.timed_convert))
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    skip = frozenset(s.strip() for s in args.skip.split(",") if s.strip())
    if skip - {"floor", "noop", "edit"}:
        parser().error(
            f"--skip: unknown steps {', '.join(sorted(skip - {'floor', 'noop', 'edit'}))}"
        )
    plan = Plan(repeat=max(args.repeat, 1), skip=skip, books=args.books, jobs=args.jobs)
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
            share = args.large if size != snapshot_size else 0.0
            replicate(SNAPSHOT, corpus, size, site=SITE, large=share)
            results.append(measure(corpus, work / f"site-{size}", pages=size, plan=plan, say=say))
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
