"""The Sphinx side of the PDF and ePub exports: a book, not a web site.

- Browser-only parts of the site (the random page, and anything with the class
  ``wiki-browser-only``) are left out of the PDF and the ePub, with the links that lead to
  them; a paragraph or section left empty goes too.
- LaTeX: the Main Page is the first chapter, each top-level category a chapter with its
  pages as sections, the special pages appendices. A category lists all its members (a
  page in two categories is printed under the first); tables wrap to the page width and
  break across pages.
- ePub: a title page; a page in two categories is in the book (spine and navigation) once.
- Both say where their text comes from and under which licence (the wiki's, from the site
  data or conf.py; never one made up): the back of the PDF's title page, the ePub's title
  page and its metadata (``dc:rights``).

Handlers are thin; the tree surgery is in plain functions over docutils nodes.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import os
import re
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.epub3 import Epub3Builder
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import texescape
from sphinx.util.texescape import tex_replace_map

from . import __version__
from . import titles as t
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


def leave_out_browser_only(document: nodes.document, docnames: Iterable[str]) -> None:
    """Drop the browser-only documents, links to them and ``wiki-browser-only`` elements."""
    docnames = set(docnames)
    labels = {t.label(docname) for docname in docnames}
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
        leave_out_browser_only(self.document, browser_only_docs(self.env.srcdir, self.config))


def browser_only_docs(srcdir: str | os.PathLike[str], config: Config) -> list[str]:
    """``wiki_browser_only_docs``, and the redirects: their old addresses only forward."""
    return [*config.wiki_browser_only_docs, *site_of(srcdir, config).redirects]


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


def member_list(entries: list[tuple[str | None, str]], titles: dict[str, str]) -> nodes.Element:
    """A list of links to the documents of a toctree (the web site shows the toctree as a
    list), with their page numbers: a member may be printed under another category."""
    items = nodes.bullet_list(bullet="-", classes=["wiki-members"])
    for explicit, docname in entries:
        text = explicit or titles.get(docname, docname)
        link = nodes.reference("", "", nodes.inline(text, text), internal=True)
        link["refuri"] = "%" + docname  # the LaTeX writer's reference to a whole document
        page = nodes.raw("", r", \autopageref*{" + _latex_label(docname) + "}", format="latex")
        items += nodes.list_item("", nodes.paragraph("", "", link, page))
    return items


def lift_toctrees(
    scope: nodes.Element, toctrees: list[addnodes.toctree], titles: dict[str, str]
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
            wrapper.replace_self(member_list(toctree["entries"], titles))
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
    titles: dict[str, str],
    appendix_docs: set[str],
) -> None:
    """Give the assembled LaTeX document the shape of a book (see the module docstring)."""
    for start in list(document.findall(addnodes.start_of_file)):
        lift_toctrees(start, toctrees.get(start["docname"], []), titles)
    root_wrappers = lift_toctrees(document, toctrees.get(root_doc, []), titles)
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
        root_doc = self.config.root_doc
        if self.document.get("docname") != root_doc:
            return
        docnames = {root_doc} | {
            s["docname"] for s in self.document.findall(addnodes.start_of_file)
        }
        toctrees = {d: list(env.get_doctree(d).findall(addnodes.toctree)) for d in docnames}
        titles = {d: title.astext() for d, title in env.titles.items()}
        book_structure(
            self.document,
            root_doc=root_doc,
            toctrees=toctrees,
            titles=titles,
            appendix_docs=set(t.SPECIAL_PAGES.values()),
        )
        fit_tables(self.document)
        show_urls_in_footnotes(self.document)
        break_long_words(self.document)


# --- ePub ----------------------------------------------------------------------------------


def book_contents(refnodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ePub's table of contents: documents only, each once, nested as the toctrees nest
    them (Main Page, categories, their pages).

    Sections are left out, so a category's pages sit right under it, not under its "Pages
    in category" heading. A page in two categories is in both toctrees; its second entry
    goes (with what is nested under it), or the ePub's spine would list the page twice.
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
        if is_document and node["refuri"] in seen:
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


def title_page(app: Sphinx) -> Iterable[tuple[str, dict[str, Any], str]]:
    if app.builder.name != "epub":
        return []
    config = app.config
    lines = [f"<h1>{html.escape(config.project)}</h1>"]
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
    body = '<section class="wiki-title-page">\n' + "\n".join(lines) + "\n</section>\n"
    return [(TITLE_PAGE, {"title": config.project, "body": body}, "page.html")]


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
    app.add_builder(WikiEpub3Builder, override=True)
    app.add_post_transform(LeaveOutBrowserOnly)
    app.add_post_transform(LatexBook)
    app.connect("config-inited", configure, priority=600)  # after the site's name is known
    app.connect("builder-inited", add_epub_assets, priority=400)
    app.connect("builder-inited", restore_version, priority=600)
    app.connect("html-collect-pages", title_page)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
