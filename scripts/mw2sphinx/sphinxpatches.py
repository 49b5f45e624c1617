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
"""

from __future__ import annotations

from collections.abc import Callable, Set
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.environment.adapters import toctree as toctree_adapters
from sphinx.locale import __
from sphinx.util.display import status_iterator

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


def _writing(app: Sphinx, builder: Any) -> None:
    _WRITING.add(id(app))
    _PARENTS.clear()


def _finished(app: Sphinx, exception: Exception | None) -> None:
    _WRITING.discard(id(app))
    _PARENTS.clear()


def setup(app: Sphinx) -> None:
    """Install the patches (once per process) and follow the build's phases."""
    if _ORIGINAL is not None:
        toctree_adapters._get_toctree_ancestors = toctree_ancestors
    if callable(getattr(Builder, "_read_serial", None)):
        Builder._read_serial = read_serial  # type: ignore[method-assign]
    app.connect("write-started", _writing, priority=0)
    app.connect("build-finished", _finished, priority=999)
