"""Where Sphinx itself grows faster than the wiki: small patches, each measured, kept here.

**Toctree ancestors.** To resolve a toctree, Sphinx (9.0) finds the document's ancestors
with ``sphinx.environment.adapters.toctree._get_toctree_ancestors``, which builds the parent
of every document of the site afresh on each call. A wiki has a toctree on every category
page, so writing the site took time in proportion to the categories times the pages: 19 ms
a call at 20,000 pages and 6,700 categories, two minutes in all; at 50,000 pages, 62 ms and
17 minutes. While Sphinx writes (from ``write-started`` to ``build-finished``, when the
toctrees no longer change) the parents are found once for each toctree map and the walk up
is the same as Sphinx's. The patch is left out where Sphinx has no such function.

**Serial reading.** Reading one process (no ``-j``, as Read the Docs builds), Sphinx
purges each document just before reading it (``Builder._read_serial``), and the purge goes
through everything the documents read before it left: the standard domain's labels and
anonymous labels, and the toctree collector's ``files_to_rebuild``. Every wiki heading is
a label, so reading was quadratic: at 3,000 pages those three purges took 81 s of a
profiled 846 s serial build (the other steps are linear), and 44 × that at 20,000. Here
the documents are purged all at once before reading, as Sphinx's own parallel reading
(``_read_parallel``) does; a document read cannot leave data for another one, so the
result is the same. Left out where Sphinx has no such method.

**Parallel reading.** With ``-j``, Sphinx (9.0, ``Builder._read_parallel``) reads the
documents in chunks (about the square root of ten times the pages per process: 63 chunks
at 20,000 pages on 2 cores), each in a new process forked from the main one, which sends
back its whole environment, pickled; the main process unpickles it and merges the chunk's
documents into its own environment at once, so every later process starts from, pickles
and sends back everything merged before it: the environment about as many times as there
are chunks, a cost in the pages to the power 1.5. Here what the processes send back is
kept until all have been read (or until it reaches :data:`MERGE_BUDGET` bytes) and merged
then, in the same order; every process thus starts from the environment as it was before
reading and sends back only that and its own documents. What the documents read is the
same: no document's reading sees another chunk's (which ones a process would have seen
depended on timing).

Two more are linear but large, the same work done again for every page:

**Docutils' settings.** Sphinx (9.0) reads every document with settings made by a new
docutils ``OptionParser`` (``sphinx.util.docutils._get_settings``, called by
``_parse_str_to_doctree``), which also reads docutils' configuration files again, and
myst-parser (5.x) makes another, thrown away, for every page it renders
(``myst_parser.mdit_to_docutils.base.make_document`` through ``get_default_settings``): 6 %
of a serial build's time. Here each set of settings is made once per build and each
document gets its own shallow copy, as fresh as a new parser's: its own dependency list and
its own lists, the values passed in as the defaults kept as they are.

**MyST's parser.** myst-parser (5.x) builds a new markdown-it parser with all its plugins
and a new renderer for every document (``myst_parser.parsers.sphinx_`` calling
``create_md_parser``; the renderer lists its own methods with ``inspect.getmembers``): 4 %
of a serial build. Here the parser made for the build's MyST configuration is used again
for the next document, once the one before it has been rendered (a document read while
another renders gets its own); the renderer sets itself up afresh for every document
(``setup_render``), and a page whose front matter changes the configuration gets a parser
of its own, as before.

**Asset checksums.** Writing each page, Sphinx (9.0) gives every CSS and JS file's address
a checksum (``sphinx.builders.html._file_checksum``), resolving the file's path on disk
again for each (its content's checksum is already cached by resolved path): 3 % of a
serial build, some 15 files a page. Here the answer is kept per build by output folder and
file name.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Iterable, Mapping, Set
from typing import Any

from docutils import frontend
from docutils import utils as docutils_utils
from myst_parser.mdit_to_docutils import base as myst_base
from myst_parser.parsers import sphinx_ as myst_sphinx
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.builders import html as html_builders
from sphinx.environment.adapters import toctree as toctree_adapters
from sphinx.locale import __
from sphinx.util import docutils as sphinx_docutils
from sphinx.util import logging
from sphinx.util.display import status_iterator
from sphinx.util.parallel import ParallelTasks, make_chunks

logger = logging.getLogger(__name__)

#: Sphinx's own function, called outside the write phase.
_ORIGINAL: Callable[[dict[str, list[str]], str], Set[str]] | None = getattr(
    toctree_adapters, "_get_toctree_ancestors", None
)
#: Builds writing now (the patch only holds while the toctrees cannot change).
_WRITING: set[int] = set()
#: The toctree map last seen while writing, and each document's parent in it.
_PARENTS: list[tuple[dict[str, list[str]], dict[str, str]]] = []


def toctree_parents(toctree_includes: dict[str, list[str]]) -> dict[str, str]:
    """Each document's parent, as Sphinx finds it: the last toctree that lists it."""
    parent: dict[str, str] = {}
    for p, children in toctree_includes.items():
        parent |= dict.fromkeys(children, p)
    return parent


def toctree_ancestors(toctree_includes: dict[str, list[str]], docname: str) -> Set[str]:
    """What ``_get_toctree_ancestors`` returns, the parents found once per toctree map
    while a build writes."""
    if not _WRITING and _ORIGINAL is not None:
        return _ORIGINAL(toctree_includes, docname)
    if not _PARENTS or _PARENTS[0][0] is not toctree_includes:
        _PARENTS[:] = [(toctree_includes, toctree_parents(toctree_includes))]
    parent = _PARENTS[0][1]
    ancestors: list[str] = []
    d = docname
    while d in parent and d not in ancestors:
        ancestors.append(d)
        d = parent[d]
    return dict.fromkeys(ancestors).keys()


def read_serial(self: Builder, docnames: list[str]) -> None:
    """``Builder._read_serial``, the documents purged all at once before reading."""
    for docname in docnames:
        self.events.emit("env-purge-doc", self.env, docname)
        self.env.clear_doc(docname)
    for docname in status_iterator(
        docnames, __("reading sources... "), "purple", len(docnames), self.config.verbosity
    ):
        self.read_doc(docname)


#: Sphinx's own function for a document's settings, and myst-parser's module that makes
#: a spare document for every page it renders.
_ORIGINAL_SETTINGS: Callable[..., Any] | None = getattr(sphinx_docutils, "_get_settings", None)
#: Settings made this build: by what they were made of, (what keeps that alive, settings).
_SETTINGS: dict[tuple[Any, ...], tuple[tuple[Any, ...], frontend.Values]] = {}


def _made_of(component: Any) -> tuple[Any, ...]:
    """What a docutils component gives an ``OptionParser``: its class and settings objects
    (by identity; the entry keeps them alive, so that no identity is reused)."""
    kind = component if isinstance(component, type) else type(component)
    return (kind, *(getattr(component, name, None) for name in _SPEC_NAMES))


_SPEC_NAMES = (
    "settings_spec",
    "settings_defaults",
    "settings_default_overrides",
    "relative_path_settings",
    "config_section",
    "config_section_dependencies",
)


def _fresh(values: frontend.Values, given: Mapping[str, Any]) -> frontend.Values:
    """A copy of cached settings as a new ``OptionParser`` would make them: a new dependency
    list and new lists and dictionaries, except the objects passed in as defaults."""
    copy = values.copy()
    for name, value in vars(values).items():
        if name in given and given[name] is value:
            continue
        if isinstance(value, docutils_utils.DependencyList):
            setattr(copy, name, docutils_utils.DependencyList())
        elif isinstance(value, list | dict):
            setattr(copy, name, type(value)(value))
    return copy


def cached_settings(
    components: Iterable[Any],
    defaults: Mapping[str, Any] | None,
    read_config_files: bool,
    make: Callable[[], frontend.Values],
) -> frontend.Values:
    """The settings ``make()`` returns for these components, defaults and configuration
    files, made once per build; each caller gets its own copy (:func:`_fresh`)."""
    given = dict(defaults or {})
    made_of = tuple(_made_of(c) for c in components if c is not None)
    where = (os.getcwd(), os.environ.get("DOCUTILSCONFIG")) if read_config_files else ()
    key = (
        tuple(tuple(map(id, m)) for m in made_of),
        tuple((name, id(value)) for name, value in given.items()),
        read_config_files,
        where,
    )
    found = _SETTINGS.get(key)
    if found is None:
        found = _SETTINGS[key] = ((made_of, tuple(given.values())), make())
    return _fresh(found[1], given)


def get_settings(
    *components: Any, defaults: Mapping[str, Any], read_config_files: bool = False
) -> frontend.Values:
    """``sphinx.util.docutils._get_settings``, made once per build."""
    assert _ORIGINAL_SETTINGS is not None

    def make() -> frontend.Values:
        return _ORIGINAL_SETTINGS(
            *components, defaults=defaults, read_config_files=read_config_files
        )

    return cached_settings(components, defaults, read_config_files, make)


def get_default_settings(*components: Any) -> frontend.Values:
    """``docutils.frontend.get_default_settings`` as myst-parser calls it, made once per
    build."""
    return cached_settings(
        components, None, False, lambda: frontend.get_default_settings(*components)
    )


#: myst-parser's own function for a parser, and the parsers made this build: by the
#: renderer, [configuration, parser, whether in use].
_ORIGINAL_MD: Callable[[Any, Any], Any] | None = getattr(myst_sphinx, "create_md_parser", None)
_MD_PARSERS: dict[Any, list[Any]] = {}


def create_md_parser(config: Any, renderer: Any) -> Any:
    """``create_md_parser`` as myst-parser's Sphinx parser calls it: the parser for an
    equal configuration made once per build and used again once it has rendered its
    document (with the configuration it is given now)."""
    assert _ORIGINAL_MD is not None
    found = _MD_PARSERS.get(renderer)
    if found is not None and not found[2] and found[0] == config:
        found[2] = True
        found[1].options["myst_config"] = config
        return found[1]
    md = _ORIGINAL_MD(config, renderer)
    if found is not None and found[2]:  # the other is in use: this one is not kept
        return md
    entry = _MD_PARSERS[renderer] = [config, md, True]
    render = md.render

    def rendered(src: str, env: Any = None) -> Any:
        try:
            return render(src, env)
        finally:
            entry[2] = False

    md.render = rendered
    return md


#: Sphinx's own function for an asset's checksum, and its answers this build.
_ORIGINAL_CHECKSUM: Callable[[Any, Any], str] | None = getattr(
    html_builders, "_file_checksum", None
)
_CHECKSUMS: dict[tuple[str, str], str] = {}


def file_checksum(outdir: str | os.PathLike[str], filename: str | os.PathLike[str]) -> str:
    """``sphinx.builders.html._file_checksum``, each file's answer found once per build."""
    assert _ORIGINAL_CHECKSUM is not None
    key = (os.fspath(outdir), os.fspath(filename))
    found = _CHECKSUMS.get(key)
    if found is None:
        found = _CHECKSUMS[key] = _ORIGINAL_CHECKSUM(outdir, filename)
    return found


def _forget() -> None:
    """What one build found is not kept for the next (other files, other settings)."""
    _SETTINGS.clear()
    _CHECKSUMS.clear()
    _MD_PARSERS.clear()


def _inited(app: Sphinx) -> None:
    _forget()


#: The most bytes of pickled environments kept unmerged while reading in parallel.
MERGE_BUDGET = 512 * 1024 * 1024


def read_parallel(self: Builder, docnames: list[str], nproc: int) -> None:
    """``Builder._read_parallel``, the chunks merged once all are read (or
    :data:`MERGE_BUDGET` is reached), not each as it comes back."""
    chunks = make_chunks(docnames, nproc)
    progress = status_iterator(
        chunks, __("reading sources... "), "purple", len(chunks), self.config.verbosity
    )
    for docname in docnames:
        self.events.emit("env-purge-doc", self.env, docname)
        self.env.clear_doc(docname)

    def read_process(docs: list[str]) -> bytes:
        self.env._app = self._app
        for docname in docs:
            self.read_doc(docname, _cache=False)
        return pickle.dumps(self.env, pickle.HIGHEST_PROTOCOL)

    pending: list[tuple[list[str], bytes]] = []

    def merge_pending() -> None:
        while pending:
            docs, otherenv = pending.pop(0)
            self.env.merge_info_from(docs, pickle.loads(otherenv), self._app)

    def received(docs: list[str], otherenv: bytes) -> None:
        pending.append((docs, otherenv))
        next(progress)
        if sum(len(data) for _, data in pending) > MERGE_BUDGET:
            merge_pending()

    tasks = ParallelTasks(nproc)
    for chunk in chunks:
        tasks.add_task(read_process, chunk, received)
    tasks.join()
    merge_pending()
    logger.info("")


def _writing(app: Sphinx, builder: Any) -> None:
    _WRITING.add(id(app))
    _PARENTS.clear()


def _finished(app: Sphinx, exception: Exception | None) -> None:
    _WRITING.discard(id(app))
    _PARENTS.clear()
    _forget()


def setup(app: Sphinx) -> None:
    """Install the patches (once per process) and follow the build's phases."""
    if _ORIGINAL is not None:
        toctree_adapters._get_toctree_ancestors = toctree_ancestors
    if callable(getattr(Builder, "_read_serial", None)):
        Builder._read_serial = read_serial  # type: ignore[method-assign]
    if callable(getattr(Builder, "_read_parallel", None)):
        Builder._read_parallel = read_parallel  # type: ignore[method-assign]
    if _ORIGINAL_SETTINGS is not None:
        sphinx_docutils._get_settings = get_settings
    if hasattr(myst_base, "get_default_settings"):
        myst_base.get_default_settings = get_default_settings
    if _ORIGINAL_CHECKSUM is not None:
        html_builders._file_checksum = file_checksum
    if _ORIGINAL_MD is not None:
        myst_sphinx.create_md_parser = create_md_parser
    app.connect("builder-inited", _inited, priority=0)
    app.connect("write-started", _writing, priority=0)
    app.connect("build-finished", _finished, priority=999)
