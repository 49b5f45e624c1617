"""The sidebar's navigation tree, read once per build instead of once per page.

Furo asks Sphinx for the whole toctree on every page and rewrites it with BeautifulSoup:
both take time in proportion to the size of the site, so the build took time in proportion
to the square of the pages (at 500 pages, 140 of its 150 seconds), and every page carried
the whole wiki in its sidebar. Here the tree is read once from the toctrees, and each
page's navigation is written from it as plain strings, in the markup of furo's sidebar:

- a small wiki (at most ``limit`` entries in the whole tree) gets the whole tree, as furo
  shows it, the current page's branch open;
- a larger one gets the current page's branch only: the top level and the entries under
  each of the page's ancestors, each list cut after ``limit`` entries with a count of the
  rest (linked to the page that lists them all), so that no page's navigation grows with
  the wiki.

A page listed in several places (a page in several categories) is shown open in the first.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Iterable, Mapping, Sequence

#: The most entries of a navigation tree shown whole, and of a list in a branch.
DEFAULT_LIMIT = 100


@dataclasses.dataclass(frozen=True)
class Navigation:
    """The toctrees of a site, as the navigation shows them."""

    #: the title of each document
    titles: Mapping[str, str]
    #: the documents each document's toctrees list, in order
    children: Mapping[str, tuple[str, ...]]
    #: the root document's toctrees: (caption, documents)
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    #: for each document in the tree, the documents from the top level down to it, at the
    #: first place the tree lists it
    branches: Mapping[str, tuple[str, ...]]
    #: how many entries the whole tree has (a document listed twice counts twice)
    size: int
    #: where each document stands in each list: by the list's document (or, for the root
    #: document's toctrees, their index), the places of each document in it
    places: Mapping[str | int, Mapping[str, tuple[int, ...]]] = dataclasses.field(
        default_factory=dict
    )


def read_navigation(
    sections: Iterable[tuple[str, Sequence[str]]],
    children: Mapping[str, Sequence[str]],
    titles: Mapping[str, str],
) -> Navigation:
    """The navigation of a site from its toctrees: the root document's (with their
    captions), every document's, and the documents' titles. Documents without a title
    (not part of the build) are left out; a toctree that would loop is cut."""
    kept = {doc: tuple(d for d in docs if d in titles) for doc, docs in children.items()}
    top = tuple((caption, tuple(d for d in docs if d in titles)) for caption, docs in sections)
    branches: dict[str, tuple[str, ...]] = {}
    size = 0
    # Depth first, in the order the tree is shown; each document's entries are gone
    # through once, at its first place (site.py nests every category in one parent only).
    stack: list[tuple[str, tuple[str, ...]]] = [
        (doc, ()) for _, docs in reversed(top) for doc in reversed(docs)
    ]
    while stack:
        doc, path = stack.pop()
        size += 1
        if doc in branches or doc in path:
            continue
        branches[doc] = (*path, doc)
        stack.extend((child, branches[doc]) for child in reversed(kept.get(doc, ())))
    lists: list[tuple[str | int, Sequence[str]]] = [*enumerate(d for _, d in top), *kept.items()]
    return Navigation(dict(titles), kept, top, branches, size, dict(map(_places, lists)))


def _places(item: tuple[str | int, Sequence[str]]) -> tuple[str | int, dict[str, tuple[int, ...]]]:
    key, docs = item
    places: dict[str, tuple[int, ...]] = {}
    for index, doc in enumerate(docs):
        places[doc] = (*places.get(doc, ()), index)
    return key, places


#: Stands for the class furo gives the last current entry, until the last is known.
_CURRENT_PAGE = "\x00current-page\x00"


class _Writer:
    """Writes one page's navigation; ``uri`` gives a document's address from that page."""

    def __init__(self, navigation: Navigation, docname: str, uri: Callable[[str], str], limit: int):
        self.navigation = navigation
        self.docname = docname
        self.uri = uri
        self.limit = limit
        self.whole = navigation.size <= limit
        # The entries shown open and marked current: in the whole tree, every one that holds
        # the page (as Sphinx marks them); in a branch, the page's first place.
        branch = navigation.branches.get(docname, ())
        self.open = self._holding(docname) if self.whole and branch else set(branch)
        self.checkboxes = 0
        self.expanded: set[str] = set()

    def _holding(self, docname: str) -> set[str]:
        """The documents whose entries, as the whole tree shows them, hold ``docname``."""
        holding: set[str] = set()
        seen: set[str] = set()
        children = self.navigation.children

        def visit(doc: str) -> bool:
            if doc in seen:
                return doc in holding
            seen.add(doc)
            found = doc == docname
            for child in children.get(doc, ()):
                found = visit(child) or found
            if found:
                holding.add(doc)
            return found

        for _, docs in self.navigation.sections:
            for doc in docs:
                visit(doc)
        return holding

    def write(self) -> str:
        out = []
        for index, (caption, docs) in enumerate(self.navigation.sections):
            if caption:
                out.append(
                    '<p class="caption" role="heading" aria-level="2"><span class="caption-text">'
                    f"{_text(caption)}</span></p>\n"
                )
            out.append(self.entries(docs, 1, None, index))
        text = "".join(out)
        head, mark, tail = text.rpartition(_CURRENT_PAGE)
        if mark:  # furo's current page: the last entry marked current
            text = head + " current-page" + tail
        return text.replace(_CURRENT_PAGE, "")

    def entries(self, docs: Sequence[str], level: int, parent: str | None, key: str | int) -> str:
        """The list ``docs``: the entries of ``parent`` (``None``: a toctree of the root
        document), ``key`` its key in :attr:`Navigation.places`."""
        shown = list(docs)
        if not self.whole and len(docs) > self.limit:
            # past the cut, the entries on the page's branch: found by their places, not
            # by going through the list (as long as the wiki) on every page
            places = self.navigation.places.get(key, {})
            wanted = {*self.open, self.docname}
            later = sorted(i for d in wanted for i in places.get(d, ()) if i >= self.limit)
            shown = [*docs[: self.limit], *(docs[i] for i in later)]
        items = [self.entry(doc, level) for doc in shown]
        if len(docs) > len(shown):
            items.append(self.more(len(docs) - len(shown), level, parent))
        current = any(doc in self.open or doc == self.docname for doc in shown)
        return ('<ul class="current">\n' if current else "<ul>\n") + "".join(items) + "</ul>\n"

    def entry(self, doc: str, level: int) -> str:
        title = self.navigation.titles[doc]
        here = doc == self.docname
        current = here or doc in self.open
        classes = f"toctree-l{level}" + (" current" if current else "")
        if here:
            link = f'<a class="current reference internal" href="#">{_text(title)}</a>'
        else:
            href = _attribute(self.uri(doc))
            link = f'<a class="reference internal" href="{href}">{_text(title)}</a>'
        children = self.navigation.children.get(doc, ())
        # Each document's entries are shown once (so a loop is cut): in the whole tree at
        # its first place, in a branch where the branch goes through it.
        if not children or doc in self.expanded or not (self.whole or doc in self.open):
            return f'<li class="{classes}{_CURRENT_PAGE if current else ""}">{link}</li>\n'
        self.expanded.add(doc)
        sublist = self.entries(children, level + 1, doc, doc)
        self.checkboxes += 1
        box = f"toctree-checkbox-{self.checkboxes}"
        checked = 'checked="" ' if current else ""
        toggle = (
            f'<input aria-label="Toggle navigation of {_attribute(title)}" {checked}'
            f'class="toctree-checkbox" id="{box}" name="{box}" role="switch" type="checkbox"/>'
            f'<label for="{box}"><span class="icon"><svg><use href="#svg-arrow-right"></use>'
            "</svg></span></label>"
        )
        classes += " has-children" + (_CURRENT_PAGE if current else "")
        return f'<li class="{classes}">{link}{toggle}{sublist}</li>\n'

    def more(self, count: int, level: int, parent: str | None) -> str:
        """The entries a list leaves out, counted; linked to the page that lists them all."""
        text = f"\u2026 {count:,} more"
        if parent is None:
            return f'<li class="toctree-l{level} wiki-navigation-more"><span>{text}</span></li>\n'
        return (
            f'<li class="toctree-l{level} wiki-navigation-more"><a class="reference internal"'
            f' href="{_attribute(self.uri(parent))}">{text}</a></li>\n'
        )


def _text(text: str) -> str:
    return html.escape(text, quote=False)


def _attribute(text: str) -> str:
    return html.escape(text, quote=False).replace('"', "&quot;")


def render(
    navigation: Navigation, docname: str, *, uri: Callable[[str], str], limit: int = DEFAULT_LIMIT
) -> str:
    """The navigation of one page (``docname``; any name for a page that is no document),
    as furo's sidebar markup; ``uri(doc)`` is the address of a document from that page."""
    return _Writer(navigation, docname, uri, max(limit, 1)).write()
