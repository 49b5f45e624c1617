"""The Sphinx side of the PDF and ePub exports: a book, not a web site.

- Browser-only parts of the site (the random page, and anything with the class
  ``wiki-browser-only``) are left out of the PDF and the ePub, with the links that lead to
  them; a paragraph or section left empty goes too.
- LaTeX: the Main Page is the first chapter, each top-level category a chapter with its
  pages as sections, the special pages appendices. A category lists all its members (a
  page in two categories is printed under the first); tables wrap to the page width and
  break across pages.
- ePub: a title page; a page in two categories is in the book (spine and navigation) once.
- Above ``wiki_books_split_pages`` documents (``wiki_books_split = "auto"``), or always
  with ``"category"``, the wiki is several books: one per top-level category (its pages and
  subcategories) and a front book (the Main Page, the special pages, the pages in no
  category). Each page is in one book, the first that reaches it; a link to a page of
  another book leads to the web site (``html_baseurl``), or is plain text without one.
- Both say where their text comes from and under which licence (the wiki's, from the site
  data or conf.py; never one made up): the back of the PDF's title page, the ePub's title
  page and its metadata (``dc:rights``).

Handlers are thin; the tree surgery is in plain functions over docutils nodes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import html
import os
import posixpath
import re
import shutil
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.epub3 import Epub3Builder
from sphinx.builders.latex import LaTeXBuilder
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging, texescape
from sphinx.util.console import darkgreen
from sphinx.util.nodes import inline_all_toctrees
from sphinx.util.texescape import tex_replace_map

from . import __version__
from . import titles as t
from .extension import set_by_project
from .sitedata import SITE_DATA, Licence, SiteData, page_url, site_licence, wiki_name_phrase

#: Elements with this class exist only on the web site.
BROWSER_ONLY_CLASS = "wiki-browser-only"
#: Styles of the ePub only.
EPUB_STATIC = Path(__file__).parent / "static" / "epub"
#: The ePub's title page, written by this extension.
TITLE_PAGE = "wiki-title-page"
#: Sphinx's defaults for the author: replaced by the wiki's contributors.
_DEFAULT_AUTHORS = {"", "Author name not set", "unknown"}
#: Elements that are nothing to a reader on their own.
_INVISIBLE = (nodes.title, nodes.target, nodes.comment, nodes.substitution_definition)


# --- leaving out the browser-only parts ----------------------------------------------------


def is_export(builder: Any) -> bool:
    """A builder (or builder class) that makes a book to read offline: LaTeX/PDF or ePub.

    (Single-page HTML is no web site either, but its sidebar lists every document: it keeps
    the browser-only pages.)
    """
    return builder.format == "latex" or builder.name == "epub"


def _is_empty(node: nodes.Element) -> bool:
    if isinstance(node, nodes.section):
        return all(isinstance(child, _INVISIBLE) for child in node.children)
    if isinstance(node, nodes.TextElement | nodes.list_item | nodes.Sequential):
        return not node.astext().strip()
    return False


def _is_document_top(section: nodes.Element) -> bool:
    return isinstance(section.parent, nodes.document | addnodes.start_of_file)


def remove_with_empty_parents(node: nodes.Element) -> None:
    """Remove ``node``, then each parent it leaves empty (not a document's own section)."""
    parent = node.parent
    parent.remove(node)
    while (
        parent is not None
        and parent.parent is not None
        and not isinstance(parent, nodes.document | addnodes.start_of_file)
        and _is_empty(parent)
        and not (isinstance(parent, nodes.section) and _is_document_top(parent))
    ):
        node, parent = parent, parent.parent
        parent.remove(node)


def _links_to(node: addnodes.pending_xref, docnames: set[str], labels: set[str]) -> bool:
    target = str(node.get("reftarget", ""))
    if node.get("reftype") == "doc":
        return target.lstrip("/") in docnames
    return target in labels or target.split("--", 1)[0] in labels


def leave_out_browser_only(
    document: nodes.document, docnames: Iterable[str], labels: Iterable[str] | None = None
) -> None:
    """Drop the browser-only documents, links to them and ``wiki-browser-only`` elements
    (``labels``: the documents' labels, where the caller has them already)."""
    docnames = set(docnames)
    labels = set(labels) if labels is not None else {t.label(d) for d in docnames}
    for toctree in document.findall(addnodes.toctree):
        toctree["entries"] = [(title, d) for title, d in toctree["entries"] if d not in docnames]
        toctree["includefiles"] = [d for d in toctree["includefiles"] if d not in docnames]
    doomed: list[nodes.Element] = [
        node
        for node in document.findall(nodes.Element)
        if (isinstance(node, addnodes.start_of_file) and node["docname"] in docnames)
        or (isinstance(node, addnodes.pending_xref) and _links_to(node, docnames, labels))
        or BROWSER_ONLY_CLASS in node.get("classes", ())
    ]
    for node in doomed:
        # docutils leaves .parent set on a removed node: check it is still in the tree
        if node.parent is not None and any(child is node for child in node.parent.children):
            remove_with_empty_parents(node)


class LeaveOutBrowserOnly(SphinxPostTransform):
    """The PDF and the ePub leave out what only works in a browser."""

    default_priority = 5  # before references are resolved: links are still pending_xref

    def is_supported(self) -> bool:
        return is_export(self.env._builder_cls)

    def run(self, **kwargs: Any) -> None:
        docnames, labels = _browser_only_of(self.app.builder)
        leave_out_browser_only(self.document, docnames, labels)


#: The browser-only documents and their labels, by builder: the site data is read once a
#: build, not once a document (at 2,500 pages, 1 MB of JSON for each of them).
_BROWSER_ONLY: weakref.WeakKeyDictionary[Any, tuple[frozenset[str], frozenset[str]]] = (
    weakref.WeakKeyDictionary()
)


def _browser_only_of(builder: Any) -> tuple[frozenset[str], frozenset[str]]:
    if builder not in _BROWSER_ONLY:
        docnames = frozenset(browser_only_docs(builder.env.srcdir, builder.config))
        _BROWSER_ONLY[builder] = docnames, frozenset(t.label(d) for d in docnames)
    return _BROWSER_ONLY[builder]


def browser_only_docs(srcdir: str | os.PathLike[str], config: Config) -> list[str]:
    """``wiki_browser_only_docs``, and the redirects: their old addresses only forward."""
    return [*config.wiki_browser_only_docs, *site_of(srcdir, config).redirects]


# --- one book, or one per top-level category ---------------------------------------------

#: ``wiki_books_split``: split above ``wiki_books_split_pages`` documents, never, always.
SPLIT_MODES = ("auto", "none", "category")
#: ``wiki_books_split_pages``'s default: the most documents one book holds with "auto".
#: From the benchmark (README, "PDF and ePub"): see there for the numbers.
SPLIT_PAGES = 2000
#: Where the converter writes the category pages.
_CATEGORY_FOLDER = "categories/"
#: The class of the list of a toctree's members that are printed in other books.
OTHER_BOOKS_CLASS = "wiki-other-books"
#: The web site's page that lists the books of a split export.
BOOKS_PAGE = "books"

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Book:
    """One book of the export: its first document, its file name (without the suffix),
    its title and its documents, in reading order."""

    start: str
    name: str
    title: str
    docs: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Books:
    """The books of an export, and the web site that links them."""

    books: tuple[Book, ...]
    home: Mapping[str, str]  # document -> the start of the book it is printed in
    site: str = ""  # the web site's address, ending in "/" ("": none)
    suffix: str = ".html"  # the web site's page suffix
    titles: Mapping[str, str] = dataclasses.field(default_factory=dict)  # of the documents

    @property
    def split(self) -> bool:
        return len(self.books) > 1

    def foreign(self, source: str, target: str) -> bool:
        """Whether a link from ``source`` to ``target`` leaves the book (a document in no
        book, such as a browser-only one, is no one's business here)."""
        return target in self.home and self.home.get(source) != self.home[target]

    def site_uri(self, docname: str, anchor: str = "") -> str:
        """The page on the web site ("" without one)."""
        if not self.site:
            return ""
        uri = self.site + quote(docname) + self.suffix
        return uri + "#" + anchor if anchor and anchor != t.label(docname) else uri


def _claim(start: str, includes: Mapping[str, list[str]], claimed: set[str]) -> list[str]:
    """The documents ``start`` reaches through its toctrees and no earlier book claimed,
    depth first, in the order the LaTeX builder inlines them."""
    if start in claimed:
        return []
    claimed.add(start)
    order = [start]
    stack: list[Iterator[str]] = [iter(includes.get(start, ()))]
    while stack:
        docname = next(stack[-1], None)
        if docname is None:
            stack.pop()
        elif docname not in claimed:
            claimed.add(docname)
            order.append(docname)
            stack.append(iter(includes.get(docname, ())))
    return order


def _file_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "book"


def plan_books(
    *,
    root_doc: str,
    includes: Mapping[str, list[str]],
    titles: Mapping[str, str],
    left_out: Iterable[str],
    split: str,
    threshold: int,
    name: str,
    title: str,
) -> tuple[Book, ...]:
    """The books: the whole wiki as one, or (``split``) a book per top-level category,
    each with the documents it reaches first, after a front book of what is left (the
    Main Page, the special pages, the pages in no category)."""
    out = set(left_out)
    whole = _claim(root_doc, includes, set(out))
    if split == "none" or (split == "auto" and len(whole) <= threshold):
        return (Book(root_doc, name, title, tuple(whole)),)
    claimed = set(out) | {root_doc}
    tops = [d for d in includes.get(root_doc, ()) if d.startswith(_CATEGORY_FOLDER)]
    parts = [(top, _claim(top, includes, claimed)) for top in tops]
    claimed.discard(root_doc)
    books = [Book(root_doc, name, title, tuple(_claim(root_doc, includes, claimed)))]
    names = {name}
    for top, docs in parts:
        if not docs:
            continue
        stem = f"{name}-{_file_stem(top.removeprefix(_CATEGORY_FOLDER))}"
        unique, number = stem, 1
        while unique.lower() in names:
            number += 1
            unique = f"{stem}-{number}"
        names.add(unique.lower())
        books.append(Book(top, unique, f"{title}: {titles.get(top, top)}", tuple(docs)))
    return tuple(books)


def _site_address(config: Config) -> str:
    base = config.html_baseurl or ""
    return base if not base or base.endswith("/") else base + "/"


#: The books of a build, by builder: planned once, when the environment is complete.
_BOOKS: weakref.WeakKeyDictionary[Any, Books] = weakref.WeakKeyDictionary()


def books_of(builder: Any) -> Books:
    """The books this build makes (one unless the wiki is split, see :func:`plan_books`)."""
    if builder in _BOOKS:
        return _BOOKS[builder]
    env, config = builder.env, builder.config
    latex_name = Path(config.latex_documents[0][1]).stem if config.latex_documents else ""
    name = config.epub_basename if builder.name == "epub" else latex_name or config.project
    titles = {d: title.astext() for d, title in env.titles.items()}
    planned = plan_books(
        root_doc=config.root_doc,
        includes=env.toctree_includes,
        titles=titles,
        left_out=_browser_only_of(builder)[0],
        split=config.wiki_books_split,
        threshold=config.wiki_books_split_pages,
        name=name,
        title=config.project,
    )
    home = {doc: book.start for book in planned for doc in book.docs}
    suffix = config.html_link_suffix or config.html_file_suffix or ".html"
    books = Books(planned, home, _site_address(config), suffix, titles)
    _BOOKS[builder] = books
    return books


def book_files(book: Book, books: Books, config: Config) -> tuple[str, str]:
    """The file names of a book's PDF and ePub (Sphinx's names, each book's after them)."""
    front = books.books[0].name
    own = book.name.removeprefix(front)
    latex = Path(config.latex_documents[0][1]).stem if config.latex_documents else front
    return latex + own + ".pdf", config.epub_basename + own + ".epub"


def books_page(app: Sphinx) -> Iterable[tuple[str, dict[str, Any], str]]:
    """On the web site of a split wiki, ``books.html``: each book, with its PDF and ePub
    at ``wiki_books_url`` (where the publishing job puts them, README "PDF and ePub")."""
    if app.builder.name not in {"html", "dirhtml"}:
        return []
    books = books_of(app.builder)
    if not books.split:
        return []
    base = app.config.wiki_books_url
    base = base if not base or base.endswith("/") else base + "/"
    prefix = app.builder.get_relative_uri(BOOKS_PAGE, app.config.root_doc).rpartition("/")[0]
    prefix = prefix + "/" if prefix and "://" not in base else ""
    rows = []
    for book in books.books:
        pdf, epub = (
            html.escape(prefix + base + quote(f)) for f in book_files(book, books, app.config)
        )
        pages = len(book.docs)
        rows.append(
            f"<li>{html.escape(book.title)} ({pages} page{'s' if pages != 1 else ''}): "
            f'<a href="{pdf}">PDF</a>, <a href="{epub}">ePub</a></li>'
        )
    body = (
        "<h1>Books</h1>\n<p>The wiki as books to read offline: one for each top-level "
        "category, and one of the Main Page and the special pages.</p>\n"
        '<ul class="wiki-books">\n' + "\n".join(rows) + "\n</ul>\n"
    )
    return [(BOOKS_PAGE, {"title": "Books", "body": body}, "page.html")]


def _label_target(env: Any, target: str) -> tuple[str, str] | None:
    """The document and anchor of a label (a page's or a section's)."""
    std = env.domains.standard_domain
    for table in (std.labels, std.anonlabels):
        if target in table:
            docname, anchor = table[target][:2]
            return str(docname), str(anchor or "")
    return None


def xref_target(env: Any, node: addnodes.pending_xref) -> tuple[str, str] | None:
    """Where a pending reference leads: its document and anchor."""
    target = str(node.get("reftarget", ""))
    if node.get("reftype") == "doc":
        return target.lstrip("/"), ""
    return _label_target(env, target)


def _to_site(books: Books, docname: str, anchor: str, *children: nodes.Node) -> nodes.Node:
    """A link to a page of another book: to the web site, or its text."""
    uri = books.site_uri(docname, anchor)
    if not uri:
        return nodes.inline("", "", *children, classes=["wiki-other-book"])
    return nodes.reference("", "", *children, refuri=uri, classes=["wiki-other-book"])


def other_books_list(
    docnames: list[str], books: Books, titles: Mapping[str, str]
) -> nodes.bullet_list:
    items = nodes.bullet_list(bullet="-", classes=[OTHER_BOOKS_CLASS])
    for docname in docnames:
        text = titles.get(docname, docname)
        link = _to_site(books, docname, "", nodes.inline(text, text))
        items += nodes.list_item("", nodes.paragraph("", "", link))
    return items


def link_other_books(
    document: nodes.document,
    *,
    docname: str,
    books: Books,
    target: Callable[[addnodes.pending_xref], tuple[str, str] | None],
    titles: Mapping[str, str],
) -> None:
    """Links to documents of other books lead to the web site (or are text); a toctree
    keeps the members of this book and lists the others after it, as links to the site."""
    for node in list(document.findall(addnodes.pending_xref)):
        found = target(node)
        if found and books.foreign(docname, found[0]):
            node.replace_self(_to_site(books, found[0], found[1], *node.children))
    for toctree in list(document.findall(addnodes.toctree)):
        foreign = [d for _, d in toctree["entries"] if books.foreign(docname, d)]
        if not foreign:
            continue
        toctree["entries"] = [(x, d) for x, d in toctree["entries"] if d not in foreign]
        toctree["includefiles"] = [d for d in toctree["includefiles"] if d not in foreign]
        parent = toctree.parent
        parent.insert(parent.index(toctree) + 1, other_books_list(foreign, books, titles))


class LinkOtherBooks(SphinxPostTransform):
    """A split export's links between books (see :func:`link_other_books`); before
    references are resolved, after the browser-only parts have gone (priority 5)."""

    default_priority = 6

    def is_supported(self) -> bool:
        return is_export(self.env._builder_cls)

    def run(self, **kwargs: Any) -> None:
        books = books_of(self.app.builder)
        if not books.split:
            return
        docname = self.document.get("docname") or self.env.docname
        link_other_books(
            self.document,
            docname=docname,
            books=books,
            target=lambda node: xref_target(self.env, node),
            titles=books.titles,
        )


class _Traversed(list[str]):
    """Sphinx's list of the documents inlined so far, looked up as a set."""

    def __init__(self, items: Iterable[str]) -> None:
        super().__init__(items)
        self._seen = set(self)

    def append(self, item: str) -> None:
        super().append(item)
        self._seen.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._seen


class WikiLaTeXBuilder(LaTeXBuilder):
    """Sphinx's LaTeX builder, with one LaTeX document per book (:func:`books_of`) where
    the wiki is split; each inlines only its own documents."""

    def init_document_data(self) -> None:
        books = books_of(self)
        if not books.split or set_by_project(self.config, "latex_documents"):
            super().init_document_data()
            return
        author = str(self.config.author)
        self.document_data = [
            (book.start, book.name + ".tex", book.title, author, "manual", False)
            for book in books.books
        ]
        self.titles = [(book.start, book.title) for book in books.books]

    def assemble_doctree(
        self, indexfile: str, toctree_only: bool, appendices: list[str]
    ) -> nodes.document:
        books = books_of(self)
        if not books.split or toctree_only:
            return super().assemble_doctree(indexfile, toctree_only, appendices)
        # Sphinx's, where the documents of the other books count as inlined already
        book = next(b for b in books.books if b.start == indexfile)
        mine = set(book.docs)
        self.docnames = {indexfile}
        tree = self.env.get_doctree(indexfile)
        tree["docname"] = indexfile
        others = _Traversed([indexfile, *(d for d in self.env.all_docs if d not in mine)])
        largetree = inline_all_toctrees(self, self.docnames, indexfile, tree, darkgreen, others)
        largetree["docname"] = indexfile
        for docname in appendices:
            appendix = self.env.get_doctree(docname)
            appendix["docname"] = docname
            largetree.append(appendix)
        self.env.resolve_references(largetree, indexfile, self)
        for pending in list(largetree.findall(addnodes.pending_xref)):
            # what no domain resolved (Sphinx's own assemble_doctree does the same)
            pending.replace_self(pending.children)
        return largetree


# --- LaTeX: the book's structure ---------------------------------------------------------


def _own(node: nodes.Element, kind: type[nodes.Element]) -> Iterable[nodes.Element]:
    """Descendants of ``node`` of ``kind`` that belong to its document, not an inlined one."""
    for child in node.children:
        if isinstance(child, addnodes.start_of_file):
            continue
        if isinstance(child, kind):
            yield child
        if isinstance(child, nodes.Element):
            yield from _own(child, kind)


def _top_section(node: nodes.Element) -> nodes.section | None:
    return next((c for c in node.children if isinstance(c, nodes.section)), None)


def _latex_label(docname: str) -> str:
    """The LaTeX label of a whole document, as Sphinx's LaTeX writer spells it."""
    escaped = (docname + "::doc").translate(tex_replace_map)
    escaped = escaped.encode("ascii", "backslashreplace").decode("ascii").replace("\\", "_")
    return r"\detokenize{" + escaped + "}"


def member_list(
    entries: list[tuple[str | None, str]],
    titles: Mapping[str, str],
    *,
    books: Books | None = None,
    source: str = "",
) -> nodes.Element:
    """A list of links to the documents of a toctree (the web site shows the toctree as a
    list), with their page numbers: a member may be printed under another category. A
    member printed in another book (``books``) links to the web site instead."""
    items = nodes.bullet_list(bullet="-", classes=["wiki-members"])
    for explicit, docname in entries:
        text = explicit or titles.get(docname, docname)
        if books is not None and books.foreign(source, docname):
            items += nodes.list_item(
                "", nodes.paragraph("", "", _to_site(books, docname, "", nodes.inline(text, text)))
            )
            continue
        link = nodes.reference("", "", nodes.inline(text, text), internal=True)
        link["refuri"] = "%" + docname  # the LaTeX writer's reference to a whole document
        page = nodes.raw("", r", \autopageref*{" + _latex_label(docname) + "}", format="latex")
        items += nodes.list_item("", nodes.paragraph("", "", link, page))
    return items


def lift_toctrees(
    scope: nodes.Element,
    toctrees: list[addnodes.toctree],
    titles: Mapping[str, str],
    books: Books | None = None,
) -> list[nodes.Element]:
    """Move the inlined toctrees of one document to the end of its top section.

    Inlined documents become sections of the document's own section, whatever heading the
    toctree stood under; where the toctree stood, a list of its members stays (every member,
    also one printed under another category), under a heading that is no longer a numbered
    section. The category footer moves to the end of the document's own text. Returns the
    moved toctree wrappers.
    """
    top = _top_section(scope)
    wrappers = [w for w in _own(scope, nodes.compound) if "toctree-wrapper" in w["classes"]]
    if top is None or len(wrappers) != len(toctrees):
        return []
    footers = [p for p in _own(scope, nodes.paragraph) if "wiki-categories" in p["classes"]]
    emptied: list[nodes.Element] = []
    for wrapper, toctree in zip(wrappers, toctrees, strict=True):
        if not toctree.get("hidden") and toctree["entries"]:
            if wrapper.parent is not top:
                emptied.append(wrapper.parent)
            source = str(scope.get("docname", ""))
            wrapper.replace_self(
                member_list(toctree["entries"], titles, books=books, source=source)
            )
        else:
            wrapper.parent.remove(wrapper)
    for footer in footers:
        footer.parent.remove(footer)
    top.extend([*footers, *wrappers])
    for section in emptied:
        if isinstance(section, nodes.section) and not any(
            isinstance(c, nodes.section) for c in section.children
        ):
            title, *body = section.children
            rubric = nodes.rubric(title.astext(), "", *title.children, ids=section["ids"])
            section.replace_self([rubric, *body])
    return wrappers


def _docnames_in(wrapper: nodes.Element) -> set[str]:
    return {c["docname"] for c in wrapper.children if isinstance(c, addnodes.start_of_file)}


def book_structure(
    document: nodes.document,
    *,
    root_doc: str,
    toctrees: dict[str, list[addnodes.toctree]],
    titles: Mapping[str, str],
    appendix_docs: set[str],
    books: Books | None = None,
) -> None:
    """Give the assembled LaTeX document the shape of a book (see the module docstring).

    ``root_doc`` is the book's first document (the wiki's root, or a category's page)."""
    for start in list(document.findall(addnodes.start_of_file)):
        lift_toctrees(start, toctrees.get(start["docname"], []), titles, books)
    root_wrappers = lift_toctrees(document, toctrees.get(root_doc, []), titles, books)
    root = _top_section(document)
    if root is None:
        return
    # The root section's title is the document's title (LaTeX skips it): the Main Page
    # becomes a chapter of its own, with its ids, so that links to it work.
    chapter = nodes.section(ids=root["ids"], names=root["names"])
    root["ids"], root["names"] = [], []
    title = next(c for c in root.children if isinstance(c, nodes.title))
    chapter += title.deepcopy()
    for child in list(root.children):
        if child is not title and child not in root_wrappers:
            root.remove(child)
            chapter += child
    root.insert(root.index(title) + 1, chapter)
    for wrapper in root_wrappers:
        docs = _docnames_in(wrapper)
        if docs and docs <= appendix_docs:
            wrapper.insert(0, nodes.raw("", r"\appendix", format="latex"))
            break
    for section in reversed(list(document.findall(nodes.section))):
        # e.g. "References": LaTeX puts the footnotes at the foot of the page that cites them
        if section.parent is not None and not _is_document_top(section) and _is_empty(section):
            section.parent.remove(section)


def show_urls_in_footnotes(document: nodes.document) -> None:
    """A reference's web address is printed after its link: a footnote is there to find the
    source, on paper too. Links in the running text stay links."""
    for footnote in document.findall(nodes.footnote):
        for link in list(footnote.findall(nodes.reference)):
            uri = link.get("refuri", "")
            if uri.startswith(("http://", "https://")) and link.astext() != uri:
                shown = nodes.reference(uri, uri, refuri=uri)
                link.parent.insert(
                    link.parent.index(link) + 1, [nodes.Text(" ("), shown, nodes.Text(")")]
                )


_WORD = re.compile(r"\S+")


def fit_tables(document: nodes.document) -> None:
    """Tables wrap to the page width, columns in proportion to their text; tables in
    sections (not nested in lists or other tables) are longtables and break across pages."""
    for table in document.findall(nodes.table):
        tgroup = next((c for c in table.children if isinstance(c, nodes.tgroup)), None)
        if tgroup is None:
            continue
        colspecs = [c for c in tgroup.children if isinstance(c, nodes.colspec)]
        longest = [0] * len(colspecs)
        longest_word = [0] * len(colspecs)
        for row in tgroup.findall(nodes.row):
            column = 0
            for entry in row.children:
                if column >= len(colspecs):
                    break
                text = entry.astext()
                longest[column] = max(longest[column], len(text))
                words = [len(w) for w in _WORD.findall(text)]
                longest_word[column] = max([longest_word[column], *words])
                column += 1 + int(entry.get("morecols", 0))  # type: ignore[attr-defined]
        for colspec, chars, word in zip(colspecs, longest, longest_word, strict=True):
            colspec["colwidth"] = max(word + 2, min(chars, 50), 4)
        table["classes"] = [c for c in table["classes"] if not c.startswith("colwidths-")]
        table["classes"].append("colwidths-given")
        parent = table.parent
        if isinstance(parent, nodes.section | addnodes.start_of_file | nodes.document):
            table["classes"].append("longtable")


#: Text that LaTeX copes with itself: literal blocks, math, highlighted code, raw LaTeX.
_NOT_RUNNING_TEXT = (nodes.literal_block, nodes.math, nodes.math_block, nodes.raw, nodes.comment)
_LONG_WORD = re.compile(r"\S{24,}")
_BREAK_AFTER = frozenset("/.-_:?&=#,;)]}")


def _word_pieces(word: str, run: int = 10) -> list[str]:
    """A long word cut where a line may break: after punctuation, else every ``run`` chars."""
    pieces, current = [], ""
    for char in word:
        current += char
        if char in _BREAK_AFTER or len(current) >= run:
            pieces.append(current)
            current = ""
    return [*pieces, current] if current else pieces


def break_long_words(document: nodes.document) -> None:
    """Words longer than a line can hold (a long identifier, a URL as a link's text) may
    break anywhere, rather than run into the margin and off the page."""
    allow_break = r"\texorpdfstring{\allowbreak}{}"
    for text in list(document.findall(nodes.Text)):
        parent = text.parent
        if any(isinstance(a, _NOT_RUNNING_TEXT) for a in _ancestors(text)) or (
            isinstance(parent, nodes.literal) and parent.get("language")
        ):
            continue
        value = str(text)
        if not _LONG_WORD.search(value):
            continue
        new: list[nodes.Node] = []
        position = 0
        for match in _LONG_WORD.finditer(value):
            new.append(nodes.Text(value[position : match.start()]))
            for index, piece in enumerate(_word_pieces(match.group())):
                if index:
                    new.append(nodes.raw("", allow_break, format="latex"))
                new.append(nodes.Text(piece))
            position = match.end()
        new.append(nodes.Text(value[position:]))
        parent.replace(text, [n for n in new if not isinstance(n, nodes.Text) or str(n)])


def _ancestors(node: nodes.Node) -> Iterable[nodes.Node]:
    while node.parent is not None:
        node = node.parent
        yield node


class LatexBook(SphinxPostTransform):
    """The assembled LaTeX document as a book; after the footnotes have moved (600)."""

    default_priority = 700
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        env = self.env
        books = books_of(self.app.builder)
        root_doc = self.document.get("docname")
        if root_doc not in {book.start for book in books.books}:
            return
        docnames = {root_doc} | {
            s["docname"] for s in self.document.findall(addnodes.start_of_file)
        }
        toctrees = {d: list(env.get_doctree(d).findall(addnodes.toctree)) for d in docnames}
        book_structure(
            self.document,
            root_doc=root_doc,
            toctrees=toctrees,
            titles=books.titles,
            appendix_docs=set(t.SPECIAL_PAGES.values()),
            books=books,
        )
        fit_tables(self.document)
        show_urls_in_footnotes(self.document)
        break_long_words(self.document)


# --- ePub ----------------------------------------------------------------------------------


def book_contents(
    refnodes: list[dict[str, Any]], keep: Callable[[str], bool] = lambda uri: True
) -> list[dict[str, Any]]:
    """The ePub's table of contents: documents only, each once, nested as the toctrees nest
    them (Main Page, categories, their pages).

    Sections are left out, so a category's pages sit right under it, not under its "Pages
    in category" heading. A page in two categories is in both toctrees; its second entry
    goes (with what is nested under it), or the ePub's spine would list the page twice.
    So does a document ``keep`` refuses (one of another book), with what is nested under it.
    """
    kept: list[dict[str, Any]] = []
    seen: set[str] = set()
    stack: list[tuple[int, bool]] = []  # (level in Sphinx's table, is a document) of ancestors
    skip_deeper_than: int | None = None
    for node in refnodes:
        level = node["level"]
        if skip_deeper_than is not None and level > skip_deeper_than:
            continue
        skip_deeper_than = None
        while stack and stack[-1][0] >= level:
            stack.pop()
        is_document = "#" not in node["refuri"]
        if is_document and (node["refuri"] in seen or not keep(node["refuri"])):
            skip_deeper_than = level
            continue
        if is_document:
            seen.add(node["refuri"])
            kept.append({**node, "level": 1 + sum(doc for _, doc in stack)})
        stack.append((level, is_document))
    return kept


class WikiEpub3Builder(Epub3Builder):
    """Sphinx's ePub builder, with each page in the book once (see :func:`book_contents`)."""

    def get_toc(self) -> None:
        super().get_toc()
        self.refnodes = book_contents(self.refnodes)

    def content_metadata(self) -> dict[str, Any]:
        metadata = super().content_metadata()
        if not self.config.version:  # the book must have one: the export's date
            metadata["version"] = html.escape(_today())
        return metadata

    def handle_finish(self) -> None:
        books = books_of(self)
        if not books.split:
            super().handle_finish()
            return
        for book in books.books:
            self.finish_book(book, books)

    def book_toc(self, book: Book) -> list[dict[str, Any]]:
        """The table of contents of one book of a split export: its documents, nested as
        their toctrees nest them, after the title page and the book's first document."""
        doctree = self.env.get_and_resolve_doctree(
            book.start, self, tags=self.tags, prune_toctrees=False, includehidden=True
        )
        start_dir = posixpath.dirname(book.start)
        refnodes = self.get_refnodes(doctree, [])
        for node in refnodes:
            node["refuri"] = posixpath.normpath(posixpath.join(start_dir, node["refuri"]))
        mine = {quote(d) + self.out_suffix for d in book.docs}
        first = {
            "level": 1,
            "refuri": html.escape(quote(book.start) + self.out_suffix),
            "text": html.escape(self.env.titles[book.start].astext()),
        }
        pre: list[dict[str, Any]] = [
            {"level": 1, "refuri": html.escape(name), "text": html.escape(text)}
            for name, text in self.config.epub_pre_files
        ]
        mine.update(str(node["refuri"]) for node in pre)
        keep = lambda uri: uri.split("#", 1)[0] in mine  # noqa: E731
        return book_contents([*pre, first, *refnodes], keep)

    def finish_book(self, book: Book, books: Books) -> None:
        """Write one book of a split export: its pages, styles, images and a title page of
        its own go to a folder of their own, where Sphinx's ePub steps make the book, which
        then moves next to the others as ``<name>.epub``."""
        outdir = Path(self.outdir)
        stage = outdir / BOOKS_STAGE / book.name
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        pages = [quote(d) + self.out_suffix for d in book.docs]
        images: set[str] = set()
        for page in pages:
            source = outdir / unquote(page)
            if not source.is_file():
                continue
            _link(source, stage / unquote(page))
            text = source.read_text("utf-8")
            images.update(unquote(m) for m in _IMAGE_REFERENCE.findall(text))
        for folder in (self.imagedir, "_static"):
            for path in sorted((outdir / folder).rglob("*")) if (outdir / folder).is_dir() else []:
                relative = path.relative_to(outdir).as_posix()
                if path.is_file() and (folder == "_static" or relative in images):
                    _link(path, stage / relative)
        title = {"title": book.title, "body": title_page_body(self.app, book.title)}
        self.outdir = stage
        config = self.config
        saved = {key: config[key] for key in _BOOK_SETTINGS}
        try:
            config.epub_basename = book.name
            config.epub_title = book.title
            if book.start != config.root_doc:
                suffix = "-" + _file_stem(book.start.removeprefix(_CATEGORY_FOLDER)).lower()
                config.epub_identifier = saved["epub_identifier"] + suffix
                config.epub_uid = saved["epub_uid"] + suffix
            self.handle_page(
                TITLE_PAGE, title, "page.html", outfilename=stage / (TITLE_PAGE + self.out_suffix)
            )
            self.refnodes = self.book_toc(book)
            self.playorder = self.tocid = 0  # each book's toc.ncx counts from 1
            self.build_mimetype()
            self.build_container()
            self.build_content()
            self.build_navigation_doc()
            self.build_toc()
            self.build_epub()
        finally:
            self.outdir = outdir
            for key, value in saved.items():
                config[key] = value
        (stage / (book.name + ".epub")).replace(outdir / (book.name + ".epub"))
        shutil.rmtree(stage)
        with contextlib.suppress(OSError):
            stage.parent.rmdir()  # after the last book

    def build_content(self) -> None:
        # sphinx-build keeps the doctrees in the output folder unless told otherwise (-d);
        # they are not part of the book.
        doctrees = Path(self.doctreedir).resolve()
        outdir = Path(self.outdir).resolve()
        if doctrees.is_relative_to(outdir):
            self.config.epub_exclude_files = [
                *self.config.epub_exclude_files,
                *(f.relative_to(outdir).as_posix() for f in doctrees.rglob("*") if f.is_file()),
            ]
        # The manifest names files as they are ("pages/Café.xhtml"), the spine by the table
        # of contents' URLs ("pages/Caf%C3%A9.xhtml"): Sphinx would list such a page twice,
        # once under an id that is not in the manifest. The spine gets the file names too;
        # the navigation keeps the URLs.
        quoted = self.refnodes
        self.refnodes = [{**node, "refuri": unquote(node["refuri"])} for node in quoted]
        try:
            super().build_content()
        finally:
            self.refnodes = quoted


#: Where a split ePub's books are put together, in the output folder.
BOOKS_STAGE = ".wiki-books"
#: A page's reference to an image the ePub builder copied.
_IMAGE_REFERENCE = re.compile(r'(?:src|href)="(?:\.\./)*(_images/[^"#?]+)"')
#: What each book of a split ePub has of its own.
_BOOK_SETTINGS = ("epub_basename", "epub_title", "epub_identifier", "epub_uid")


def _link(source: Path, dest: Path) -> None:
    """A file in a book's folder: a hard link where the file system allows one."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def title_page(app: Sphinx) -> Iterable[tuple[str, dict[str, Any], str]]:
    if app.builder.name != "epub":
        return []
    if books_of(app.builder).split:
        return []  # each book has its own (WikiEpub3Builder.finish_book)
    body = title_page_body(app, app.config.project)
    return [(TITLE_PAGE, {"title": app.config.project, "body": body}, "page.html")]


def title_page_body(app: Sphinx, title: str) -> str:
    """The ePub's title page: the book's title, the wiki's address, the date, the credit."""
    config = app.config
    lines = [f"<h1>{html.escape(title)}</h1>"]
    if config.wiki_export_source_url:
        url = html.escape(config.wiki_export_source_url)
        lines.append(f'<p>The wiki at <a href="{url}">{url}</a></p>')
    lines.append(f"<p>Exported on {_today()}</p>")
    credit = book_credit(app)
    lines.append(f'<p class="wiki-credit">{html.escape(credit.authors)}</p>')
    if credit.licence:
        name = html.escape(credit.licence.name)
        if credit.licence.url:
            url = html.escape(credit.licence.url)
            name = f'<a href="{url}" rel="license">{name}</a> ({url})'
        lines.append(f'<p class="wiki-licence">Available under {name} unless otherwise noted.</p>')
    return '<section class="wiki-title-page">\n' + "\n".join(lines) + "\n</section>\n"


# --- where the text comes from, and its licence --------------------------------------------


@dataclasses.dataclass(frozen=True)
class Credit:
    """What a book says of its text: who wrote it, and under which licence."""

    wiki: str  # "the X wiki"
    licence: Licence

    @property
    def authors(self) -> str:
        return (
            f"The text of this book comes from {self.wiki}, written by its contributors; "
            "each page's history on the wiki names them."
        )

    def rights(self) -> str:
        """The ePub's ``dc:rights``."""
        rights = f"The contributors to {self.wiki}"
        if self.licence:
            url = f" ({self.licence.url})" if self.licence.url and self.licence.text else ""
            rights += f"; available under {self.licence.name}{url} unless otherwise noted"
        return rights


def site_of(srcdir: str | os.PathLike[str], config: Config) -> SiteData:
    """The converter's site data (empty if the tree has none: :mod:`.sphinxext` says so)."""
    return SiteData.read(Path(srcdir) / getattr(config, "wiki_site_data", SITE_DATA))


def book_credit(app: Sphinx) -> Credit:
    config = app.config
    rights = site_licence(
        site_of(app.srcdir, app.config),
        text=getattr(config, "wiki_license_text", ""),
        url=getattr(config, "wiki_license_url", ""),
    )
    return Credit(wiki_name_phrase(config.project), rights)


#: Characters a URL keeps as they are in the LaTeX source; the rest are percent-encoded.
_LATEX_URL_SAFE = "/:?=;@!$'()*+,.-_#"


def latex_url(url: str) -> str:
    """A URL for ``\\href`` inside a macro's body: what TeX could read as markup is
    percent-encoded, ``%`` and ``#`` escaped."""
    # "~" is TeX's non-breaking space; %7E means the same to a web server
    encoded = quote(url, safe=_LATEX_URL_SAFE + "%").replace("~", "%7E")
    encoded = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", encoded)
    return encoded.replace("%", r"\%").replace("#", r"\#")


def back_of_title_page(credit: Credit, latex_engine: str) -> str:
    """The LaTeX of the back of the PDF's title page (Sphinx's ``\\sphinxbackoftitlepage``):
    the book's credit and licence, at the foot of the page."""
    texescape.init()

    def tex(text: str) -> str:
        return texescape.escape(text, latex_engine)

    lines = [tex(credit.authors)]
    if credit.licence:
        name = tex(credit.licence.name)
        if credit.licence.url:
            url = latex_url(credit.licence.url)
            # as typed: a hyphen is no place to break a URL; after a slash is
            shown = tex(credit.licence.url).replace(r"\sphinxhyphen{}", r"\mbox{-}")
            shown = shown.replace("/", r"/\allowbreak{}")
            name = rf"\href{{{url}}}{{{name}}} (\href{{{url}}}{{\texttt{{{shown}}}}})"
        lines.append(rf"Available under {name} unless otherwise noted.")
    body = r"\par\medskip ".join(lines)
    return (
        r"\providecommand{\sphinxbackoftitlepage}{\thispagestyle{empty}\vspace*{\fill}"
        r"\begingroup\small\noindent " + body + r"\par\endgroup}"
    )


# --- configuration -------------------------------------------------------------------------


def _source_url(app: Sphinx) -> str:
    """The live wiki's main page, from the converter's site data ("" unless a web address)."""
    site = site_of(app.srcdir, app.config)
    return page_url(site.article_url, site.main_page)


def _today() -> str:
    """The date of the export; SOURCE_DATE_EPOCH makes it reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if epoch.isdigit()
        else datetime.datetime.now(datetime.UTC)
    )
    return moment.date().isoformat()


def check_split(app: Sphinx, config: Config) -> None:
    if config.wiki_books_split not in SPLIT_MODES:
        logger.warning(
            "wiki_books_split must be one of %s, not %r: the books are not split",
            ", ".join(repr(mode) for mode in SPLIT_MODES),
            config.wiki_books_split,
            type="wiki",
            subtype="config",
        )
        config.wiki_books_split = "none"


def configure(app: Sphinx, config: Config) -> None:
    """Book metadata from the wiki's name and address, where conf.py left the defaults.

    All at ``config-inited``, for every builder (they are the books' settings): a value
    the environment depends on, changed later, would make every rebuild read every page."""
    if not config.wiki_export_source_url:
        config.wiki_export_source_url = _source_url(app)
    if config.author in _DEFAULT_AUTHORS:
        config.author = f"Contributors to {config.project}"
    elements = dict(config.latex_elements)
    colophon = back_of_title_page(book_credit(app), config.latex_engine)
    elements["preamble"] = (elements.get("preamble") or "") + "\n" + colophon
    config.latex_elements = elements
    configure_epub(app, config)


def configure_epub(app: Sphinx, config: Config) -> None:
    """The ePub's metadata and its files."""
    if not config.epub_copyright:
        config.epub_copyright = book_credit(app).rights()
    if config.wiki_export_source_url:
        if config.epub_identifier == config.epub_uid == "unknown":
            # The toc.ncx repeats the identifier as its uid, which must be an XML name.
            address = config.wiki_export_source_url.split("://", 1)[-1]
            config.epub_identifier = config.epub_uid = "wiki-" + re.sub(r"[^\w.-]+", "-", address)
        if config.epub_description == "unknown":
            config.epub_description = f"The wiki at {config.wiki_export_source_url}"
    if config.epub_contributor == "unknown":
        config.epub_contributor = config.author
    suffix = ".xhtml"  # what the ePub builder names its pages (in its init())
    config.epub_exclude_files = [
        *config.epub_exclude_files,
        *(docname + suffix for docname in browser_only_docs(app.srcdir, config)),
    ]
    config.epub_pre_files = [(TITLE_PAGE + suffix, "Title page"), *config.epub_pre_files]


def add_epub_assets(app: Sphinx) -> None:
    """The ePub's style sheet; a version (the export's date) while Sphinx checks that it
    has one (priority 500), taken back after (:func:`restore_version`)."""
    if app.builder.name != "epub":
        return
    app.config.html_static_path = [*app.config.html_static_path, str(EPUB_STATIC)]
    app.add_css_file("wiki-epub.css")
    if not app.config.version:
        app.config.version = _today()
        _EXPORT_VERSION[app] = app.config.version


#: The version given for Sphinx's check, by application.
_EXPORT_VERSION: weakref.WeakKeyDictionary[Sphinx, str] = weakref.WeakKeyDictionary()


def restore_version(app: Sphinx) -> None:
    """``version`` as conf.py left it: the environment (pickled with the configuration)
    compares it with the next build's, and a date would make that one read every page.
    The book gets the date all the same (WikiEpub3Builder.content_metadata)."""
    if _EXPORT_VERSION.pop(app, None) is not None:
        app.config.version = ""


def setup(app: Sphinx) -> dict:
    app.add_config_value(
        "wiki_browser_only_docs",
        (t.SPECIAL_PAGES["random"],),
        "env",
        types=frozenset({tuple, list}),
        description="documents that only work in a browser: not in the PDF or ePub",
    )
    app.add_config_value(
        "wiki_export_source_url",
        "",
        "env",
        types=frozenset({str}),
        description="the live wiki's address, on the title pages; default: from site data",
    )
    app.add_config_value(
        "wiki_books_split",
        "auto",
        "epub",
        types=frozenset({str}),
        description='the PDF and ePub as one book per top-level category: "auto" (above '
        'wiki_books_split_pages documents), "category" (always) or "none"',
    )
    app.add_config_value(
        "wiki_books_split_pages",
        SPLIT_PAGES,
        "epub",
        types=frozenset({int}),
        description='with wiki_books_split = "auto": the most documents of one book',
    )
    app.add_config_value(
        "wiki_books_url",
        "_books/",
        "html",
        types=frozenset({str}),
        description="where the books of a split export are on the web site (books.html)",
    )
    app.connect("config-inited", check_split, priority=400)
    app.add_builder(WikiEpub3Builder, override=True)
    app.add_builder(WikiLaTeXBuilder, override=True)
    app.add_post_transform(LeaveOutBrowserOnly)
    app.add_post_transform(LinkOtherBooks)
    app.add_post_transform(LatexBook)
    app.connect("config-inited", configure, priority=600)  # after the site's name is known
    app.connect("builder-inited", add_epub_assets, priority=400)
    app.connect("builder-inited", restore_version, priority=600)
    app.connect("html-collect-pages", title_page)
    app.connect("html-collect-pages", books_page)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
