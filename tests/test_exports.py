"""The PDF and ePub exports of the shared snapshot, and the tree surgery behind them.

The snapshot is converted once and built with the latex builder (then latexmk with xelatex)
and the epub builder, side by side. What is expected comes from the converted tree (its
site data and toctrees) and from MediaWiki's own rendering of each page, never from a copy of
the output.

Overfull boxes: the LaTeX log may report none wider (or higher) than 1pt. Beyond that a line
visibly enters the margin, or a table or line runs off the page; below it is rounding.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import html as html_lib
import json
import re
import shutil
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from docutils import nodes
from mw2sphinx import exports
from sphinx import addnodes
from wikis import FIXTURES, ROOT, SHARED_SNAPSHOT, convert, require_shared, unpack

RENDERED = SHARED_SNAPSHOT.parent / "ai-interpretability-wiki.rendered.json"
TOOLS = {
    "latexmk": "latexmk",
    "xelatex": "texlive-xetex",
    "java": "epubcheck",
    "pdftotext": "poppler-utils",
    "pdftohtml": "poppler-utils",
}
EPUBCHECK = Path("/usr/bin/epubcheck")
MAX_OVERFULL_PT = 1.0
CATEGORY_NAMESPACE = 14


# --- building ------------------------------------------------------------------------------


@dataclasses.dataclass
class Exports:
    src: Path
    latex: Path
    epub: Path
    latex_warnings: str
    epub_warnings: str
    latexmk: subprocess.CompletedProcess
    epubcheck: subprocess.CompletedProcess

    @property
    def pdf(self) -> Path:
        (pdf,) = self.latex.glob("*.pdf")
        return pdf

    @property
    def book(self) -> Path:
        (book,) = self.epub.glob("*.epub")
        return book


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )


def _sphinx(builder: str, src: Path, out: Path, doctrees: Path) -> str:
    result = _run(
        sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", builder,
        "-c", ROOT, "-d", doctrees, src, out,
    )  # fmt: skip
    assert result.returncode == 0, f"sphinx-build -b {builder} failed:\n{result.stderr}"
    return result.stderr


def _build_pdf(src: Path, base: Path) -> tuple[str, subprocess.CompletedProcess]:
    warnings = _sphinx("latex", src, base / "latex", base / "doctrees" / "latex")
    # As tox -e pdf does: Sphinx's latexmkrc in the folder makes latexmk use xelatex.
    latexmk = _run(
        "latexmk", "-pdf", "-dvi-", "-ps-", "-interaction=nonstopmode", "-halt-on-error",
        cwd=base / "latex",
    )  # fmt: skip
    return warnings, latexmk


def _build_epub(src: Path, base: Path) -> tuple[str, subprocess.CompletedProcess]:
    warnings = _sphinx("epub", src, base / "epub", base / "doctrees" / "epub")
    (book,) = (base / "epub").glob("*.epub")
    return warnings, _run("java", "-jar", EPUBCHECK, book)


def build_exports(base: Path, source: Path, *options: str) -> Exports:
    missing = sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None})
    if missing or not EPUBCHECK.is_file():
        pytest.fail(f"the export tests need the Debian packages {missing or ['epubcheck']}")
    src = base / "src"
    assert convert(source, src, *options) == 0
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pdf = pool.submit(_build_pdf, src, base)
        epub = pool.submit(_build_epub, src, base)
        (latex_warnings, latexmk), (epub_warnings, epubcheck) = pdf.result(), epub.result()
    return Exports(
        src, base / "latex", base / "epub", latex_warnings, epub_warnings, latexmk, epubcheck
    )


@pytest.fixture(scope="module")
def exports_of(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Exports]:
    """The exports of the shared snapshot and of a wiki that attacks (script, MyST and
    LaTeX in its text, 255-letter titles and words, non-ASCII and reserved file names:
    tests/fixtures/hostile-wiki.bundle), built side by side."""
    snapshot_base = tmp_path_factory.mktemp("exports")
    hostile_base = tmp_path_factory.mktemp("hostile-exports")
    hostile_wiki = unpack(FIXTURES / "hostile-wiki.bundle", hostile_base / "wiki")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        hostile = pool.submit(build_exports, hostile_base, hostile_wiki, "--site-name", "Hostile")
        if not SHARED_SNAPSHOT.is_dir():  # the "built" tests skip, with the reason
            return {"hostile": hostile.result()}
        snapshot = pool.submit(build_exports, snapshot_base, SHARED_SNAPSHOT)
        return {"built": snapshot.result(), "hostile": hostile.result()}


@pytest.fixture(scope="module")
def built(exports_of: dict[str, Exports]) -> Exports:
    require_shared()
    return exports_of["built"]


@pytest.fixture(scope="module")
def hostile(exports_of: dict[str, Exports]) -> Exports:
    return exports_of["hostile"]


BOTH = pytest.mark.parametrize("wiki", ["built", "hostile"])


# --- reading the tree and the outputs ------------------------------------------------------


def squash(text: str) -> str:
    """Letters and digits only, case-folded: line breaks, hyphenation, ligatures and the
    typographer's quotes cannot make the same text differ."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def site_data(src: Path) -> dict:
    return json.loads((src / "_wiki" / "site.json").read_text("utf-8"))


_TOCTREE = re.compile(r"^```\{toctree\}\n(.*?)^```", re.M | re.S)


def toctree_entries(src: Path, docname: str) -> list[str]:
    """The documents of a page's toctrees, in order."""
    text = (src / f"{docname}.md").read_text("utf-8")
    entries = []
    for block in _TOCTREE.findall(text):
        for line in block.splitlines():
            if line.startswith("/"):
                entries.append(line[1:].strip())
    return entries


def heading(src: Path, docname: str) -> str:
    """A document's title: the text of its H1, MyST escapes undone."""
    match = re.search(r"^# (.+)$", (src / f"{docname}.md").read_text("utf-8"), re.M)
    assert match, docname
    return re.sub(r"\\(.)", r"\1", match.group(1))


def browser_only(src: Path) -> set[str]:
    return {site_data(src)["special"]["random"]}


def pdf_text(pdf: Path) -> str:
    return _run("pdftotext", "-enc", "UTF-8", pdf, "-").stdout


def pdf_xml(pdf: Path) -> ET.Element:
    result = _run("pdftohtml", "-xml", "-i", "-q", "-stdout", "-enc", "UTF-8", pdf)
    return ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", result.stdout))


def running_text(root: ET.Element) -> str:
    """The PDF's body text in reading order: the lines in the body font, without running
    heads, page numbers, headings, footnotes and footnote marks, so that a sentence that
    crosses a page break reads on."""
    sizes = {f.get("id"): f.get("size") for f in root.iter("fontspec")}
    count: dict[str, int] = {}
    for text in root.iter("text"):
        size = sizes[text.get("font")]
        count[size] = count.get(size, 0) + len("".join(text.itertext()))
    body = max(count, key=count.__getitem__)
    parts = []
    for page in root.iter("page"):
        height = float(page.get("height"))
        for text in page.iter("text"):
            top = float(text.get("top"))
            if sizes[text.get("font")] == body and 0.06 * height < top < 0.92 * height:
                parts.append("".join(text.itertext()))
    return " ".join(parts)


@dataclasses.dataclass
class Item:
    title: str
    children: list[Item]


def outline(root: ET.Element) -> list[Item]:
    """The PDF's bookmarks (its navigation in a reader), as a tree."""

    def read(element: ET.Element) -> list[Item]:
        items: list[Item] = []
        for child in element:
            if child.tag == "item":
                items.append(Item("".join(child.itertext()).strip(), []))
            elif child.tag == "outline" and items:
                items[-1].children = read(child)
        return items

    top = root.find("outline")
    assert top is not None, "the PDF has no outline"
    return read(top)


def first_sentence(mediawiki_html: str) -> str:
    """The first sentence of a page as MediaWiki renders it, without reference marks."""
    soup = BeautifulSoup(mediawiki_html, "html.parser")
    for junk in soup.select("sup.reference, .mw-editsection, #toc, .toc, style, script"):
        junk.decompose()
    for block in soup.find_all(["p", "li", "dd", "dt"]):
        text = " ".join(block.get_text().split())
        if text:
            match = re.match(r"(.+?[.!?][\"”']?)(?:\s|$)", text)
            return match.group(1) if match else text
    return ""


def nav_tree(element: ET.Element) -> list[Item]:
    ns = "{http://www.w3.org/1999/xhtml}"
    items = []
    for li in element.findall(f"{ns}li"):
        link = li.find(f"{ns}a")
        sub = li.find(f"{ns}ol")
        items.append(
            Item(
                link.get("href") if link is not None else "",
                nav_tree(sub) if sub is not None else [],
            )
        )
    return items


# --- the builds ----------------------------------------------------------------------------


@BOTH
def test_sphinx_builds_have_no_warnings(wiki: str, request: pytest.FixtureRequest):
    built: Exports = request.getfixturevalue(wiki)
    assert built.latex_warnings == ""
    assert built.epub_warnings == ""


@BOTH
def test_latex_log_has_no_errors_undefined_references_or_overfull_boxes(
    wiki: str, request: pytest.FixtureRequest
):
    built: Exports = request.getfixturevalue(wiki)
    assert built.latexmk.returncode == 0, built.latexmk.stdout[-3000:]
    (log,) = built.latex.glob("*.log")
    text = log.read_text("utf-8", errors="replace")
    errors = [line for line in text.splitlines() if line.startswith("!")]
    assert not errors, errors
    assert "undefined references" not in text
    assert not re.findall(r"(?:Hyper r|R)eference `[^']*' on page \d+ undefined", text)
    overfull = [
        float(size)
        for size in re.findall(r"^Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)", text, re.M)
    ]
    assert not [size for size in overfull if size > MAX_OVERFULL_PT], overfull


@BOTH
def test_epubcheck_finds_nothing(wiki: str, request: pytest.FixtureRequest):
    built: Exports = request.getfixturevalue(wiki)
    output = built.epubcheck.stdout + built.epubcheck.stderr
    assert built.epubcheck.returncode == 0, output
    assert "0 fatals / 0 errors / 0 warnings" in output, output


def test_hostile_text_stays_text(hostile: Exports):
    """Nothing in the wiki's text is LaTeX: the PDF shows the attacks and reads no file."""
    text = pdf_text(hostile.pdf)
    assert "root:x:0:0" not in text
    assert r"\input{/etc/passwd}" in text
    assert "LLLLLLLLLL" in text  # the 255-letter title, broken across lines (no overfull box)


# --- the PDF ---------------------------------------------------------------------------------


def test_pdf_has_every_page_title(built: Exports):
    text = squash(pdf_text(built.pdf))
    titles = [
        title.split(":", 1)[1] if entry["namespace"] == CATEGORY_NAMESPACE else title
        for title, entry in site_data(built.src)["pages"].items()
    ]
    assert len(titles) == 44
    missing = [title for title in titles if squash(title) not in text]
    assert not missing


def test_pdf_has_every_articles_first_sentence(built: Exports):
    rendered = json.loads(RENDERED.read_text("utf-8"))
    text = squash(running_text(pdf_xml(built.pdf)))
    articles = [t for t, e in site_data(built.src)["pages"].items() if e["namespace"] == 0]
    assert len(articles) == 30
    sentences = {title: first_sentence(rendered[title]["text"]) for title in articles}
    assert all(sentences.values())
    missing = {title: s for title, s in sentences.items() if squash(s) not in text}
    assert not missing


def test_pdf_outline_is_main_page_categories_then_special_pages(built: Exports):
    """Chapters: the Main Page, the categories and special pages of the root's toctrees;
    every article once, under a category whose toctree lists it."""
    src, data = built.src, site_data(built.src)
    chapters = outline(pdf_xml(built.pdf))
    skipped = browser_only(src)
    roots = [d for d in toctree_entries(src, "index") if d not in skipped]
    assert [c.title for c in chapters] == [heading(src, d) for d in ["index", *roots]]
    docname_of = {
        heading(src, d): d for d in [*roots, *(e["docname"] for e in data["pages"].values())]
    }
    placed: dict[str, str] = {}  # article -> the chapter it is printed in
    for chapter in chapters[1:]:
        for item in chapter.children:
            docname = docname_of.get(item.title)
            if docname and docname.startswith("pages/"):
                assert docname not in placed, f"{item.title} printed twice"
                assert docname in toctree_entries(src, docname_of[chapter.title])
                placed[docname] = chapter.title
    articles = {e["docname"] for e in data["pages"].values() if e["namespace"] == 0} - {"index"}
    assert set(placed) == articles
    assert heading(src, next(iter(skipped))) not in {c.title for c in chapters}


def test_pdf_references_are_footnotes_and_red_links_plain_text(built: Exports):
    (tex,) = built.latex.glob("*.tex")
    latex = tex.read_text("utf-8")
    definitions = sum(
        len(re.findall(r"^\[\^[^\]]+\]:", path.read_text("utf-8"), re.M))
        for path in built.src.rglob("*.md")
        if path.relative_to(built.src).with_suffix("").as_posix() not in browser_only(built.src)
    )
    assert definitions > 0
    assert latex.count(r"\begin{footnote}") == definitions
    assert r"\DUrole{wiki-redlink}" in latex
    assert not re.search(
        r"\\(?:hyperref\[[^\]]*\]|sphinxhref\{[^}]*\})\{[^{}]*\\DUrole\{wiki-redlink\}", latex
    )


def test_browser_only_pages_and_links_are_left_out(built: Exports):
    src = built.src
    (tex,) = built.latex.glob("*.tex")
    latex = tex.read_text("utf-8")
    with zipfile.ZipFile(built.book) as book:
        names = book.namelist()
        xhtml = {
            n: book.read(n).decode("utf-8") for n in names if n.endswith((".xhtml", ".opf", ".ncx"))
        }
    text = squash(pdf_text(built.pdf))
    for docname in browser_only(src):
        assert docname not in latex
        assert f"{docname}.xhtml" not in names
        assert not [n for n, content in xhtml.items() if f"{docname}.xhtml" in content]
        label = "wiki-" + docname.replace("/", "-")
        link_texts = [
            text
            for path in src.rglob("*.md")
            for text in re.findall(
                r"\[([^\]]+)\]\(#" + re.escape(label) + r"\)", path.read_text("utf-8")
            )
        ]
        assert link_texts  # the Main Page links to the random page
        for link_text in link_texts:
            assert squash(link_text) not in text
            assert squash(link_text) not in squash(html_lib.unescape(xhtml["index.xhtml"]))


# --- the ePub --------------------------------------------------------------------------------


def test_epub_has_a_title_page_and_a_navigation_that_follows_the_categories(built: Exports):
    src = built.src
    with zipfile.ZipFile(built.book) as book:
        nav = ET.fromstring(book.read("nav.xhtml"))
        ns = "{http://www.w3.org/1999/xhtml}"
        toc = next(n for n in nav.iter(f"{ns}nav"))
        items = nav_tree(toc.find(f"{ns}ol"))
        title_page = book.read(items[0].title).decode("utf-8")
    assert re.search(r"<h1>\s*" + re.escape(html_lib.escape(site_data(src)["name"])), title_page)

    skipped = browser_only(src)
    seen = {"index"}

    def expected(docname: str) -> list[Item]:
        children = []
        for entry in toctree_entries(src, docname):
            if entry in seen or entry in skipped:
                continue
            seen.add(entry)
            children.append(Item(f"{entry}.xhtml", []))
            children[-1].children = expected(entry)
        return children

    assert items[1:] == [Item("index.xhtml", []), *expected("index")]
    assert len(items[1:]) > 10


# --- the tree surgery, on small doctrees -------------------------------------------------------


def _doc(*children: nodes.Node) -> nodes.document:
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    document = new_document("test", get_default_settings(Parser))
    document.extend(children)
    return document


def _section(title: str, *children: nodes.Node, ids: tuple[str, ...] = ()) -> nodes.section:
    return nodes.section("", nodes.title(title, title), *children, ids=list(ids))


def _xref(target: str, text: str) -> addnodes.pending_xref:
    return addnodes.pending_xref("", nodes.inline(text, text), reftype="myst", reftarget=target)


def test_a_link_to_a_browser_only_page_goes_with_what_it_leaves_empty():
    lonely = _section("Random page", nodes.paragraph("", "", _xref("wiki-special-random", "Go")))
    mixed = _section(
        "Tips",
        nodes.paragraph(
            "", "", nodes.Text("See "), _xref("wiki-special-random--top", "this"), nodes.Text(".")
        ),
    )
    toctree = addnodes.toctree(
        entries=[(None, "special/random"), (None, "pages/A")],
        includefiles=["special/random", "pages/A"],
    )
    hidden = nodes.paragraph("", "", nodes.inline("x", "x", classes=[exports.BROWSER_ONLY_CLASS]))
    page = _section("Main Page", lonely, mixed, nodes.compound("", toctree), hidden)
    document = _doc(page)
    exports.leave_out_browser_only(document, ["special/random"])
    assert lonely not in page.children
    assert mixed in page.children and mixed[1].astext() == "See ."
    assert toctree["entries"] == [(None, "pages/A")]
    assert toctree["includefiles"] == ["pages/A"]
    assert hidden not in page.children
    alone = _section("Page", nodes.paragraph("", "", _xref("wiki-special-random", "Go")))
    document = _doc(alone)
    exports.leave_out_browser_only(document, ["special/random"])
    assert document.children == [alone]  # a document's own section stays, however empty
    assert alone.children[1:] == []


def test_book_contents_keeps_documents_once_nested_as_toctrees_nest_them():
    def node(level: int, uri: str) -> dict:
        return {"level": level, "refuri": uri, "text": uri}

    refnodes = [
        node(1, "index.xhtml"),
        node(1, "cat/A.xhtml"),
        node(2, "cat/A.xhtml#pages-in-category"),
        node(3, "p/1.xhtml"),
        node(4, "p/1.xhtml#history"),
        node(3, "p/2.xhtml"),
        node(1, "cat/B.xhtml"),
        node(2, "cat/B.xhtml#pages-in-category"),
        node(3, "p/2.xhtml"),  # also in A: left out, with what is under it
        node(4, "p/2.xhtml#more"),
        node(3, "p/3.xhtml"),
    ]
    contents = exports.book_contents(refnodes)
    assert [(n["level"], n["refuri"]) for n in contents] == [
        (1, "index.xhtml"),
        (1, "cat/A.xhtml"),
        (2, "p/1.xhtml"),
        (2, "p/2.xhtml"),
        (1, "cat/B.xhtml"),
        (2, "p/3.xhtml"),
    ]


def _table(rows: list[list[str]]) -> nodes.table:
    tgroup = nodes.tgroup(cols=len(rows[0]))
    tgroup.extend(nodes.colspec(colwidth=1) for _ in rows[0])
    body = nodes.tbody()
    for cells in rows:
        body += nodes.row("", *(nodes.entry("", nodes.paragraph(c, c)) for c in cells))
    tgroup += body
    return nodes.table("", tgroup, classes=["colwidths-auto"])


def test_tables_wrap_in_proportion_and_top_level_ones_break_across_pages():
    top = _table([["Name", "A long description of the thing " * 3], ["Other", "Short"]])
    nested = _table([["a", "b"]])
    document = _doc(_section("Page", top, nodes.bullet_list("", nodes.list_item("", nested))))
    exports.fit_tables(document)
    widths = [c["colwidth"] for c in top.findall(nodes.colspec)]
    assert widths[0] < widths[1]
    assert "colwidths-given" in top["classes"] and "colwidths-auto" not in top["classes"]
    assert "longtable" in top["classes"]
    assert "longtable" not in nested["classes"]  # LaTeX has no longtable inside a list


def test_book_structure_makes_the_main_page_a_chapter_and_lists_category_members():
    toctree_root = addnodes.toctree(entries=[(None, "cat/A")], includefiles=["cat/A"], hidden=True)
    toctree_a = addnodes.toctree(entries=[(None, "p/1"), (None, "p/2")], includefiles=[])
    page = addnodes.start_of_file("", _section("One", nodes.paragraph("x", "x")), docname="p/1")
    members = _section("Pages in category", nodes.paragraph("2 pages", "2 pages"))
    members += nodes.compound("", page, classes=["toctree-wrapper"])
    footer = nodes.paragraph("Category: B", "Category: B", classes=["wiki-categories"])
    refs = _section("References", footer)
    category = addnodes.start_of_file(
        "", _section("A", nodes.paragraph("About A", "About A"), members, refs), docname="cat/A"
    )
    root = _section(
        "Main Page",
        nodes.paragraph("Welcome", "Welcome"),
        _section("Last", nodes.compound("", category, classes=["toctree-wrapper"])),
        ids=("wiki-index",),
    )
    document = _doc(root)
    exports.book_structure(
        document,
        root_doc="index",
        toctrees={"index": [toctree_root], "cat/A": [toctree_a]},
        titles={"p/1": "One", "p/2": "Two"},
        appendix_docs=set(),
    )
    main, wrapper = root.children[1:]
    assert isinstance(main, nodes.section) and main["ids"] == ["wiki-index"]
    assert main[0].astext() == "Main Page" and "Welcome" in main.astext()
    assert category.parent is wrapper  # a chapter, not inside the Main Page's last section
    a = category[0]
    kinds = [type(child).__name__ for child in a.children]
    # the members' heading is a rubric now, then their list; the footer leaves "References"
    # (then empty, so gone) for the end of the category's text; then the pages
    assert kinds == [
        "title",
        "paragraph",
        "rubric",
        "paragraph",
        "bullet_list",
        "paragraph",
        "compound",
    ]
    links = [item.next_node(nodes.reference) for item in a.children[4].children]
    assert [(link.astext(), link["refuri"]) for link in links] == [("One", "%p/1"), ("Two", "%p/2")]
    assert a.children[5] is footer
    assert page.parent is a.children[6]


def test_long_words_may_break_but_code_blocks_and_short_words_stay():
    word = "https://example.org/" + "x" * 30
    paragraph = nodes.paragraph("", "", nodes.Text(f"See {word} now"))
    block = nodes.literal_block(word, word)
    document = _doc(_section("Page", paragraph, block))
    exports.break_long_words(document)
    assert paragraph.astext().replace(r"\texorpdfstring{\allowbreak}{}", "") == f"See {word} now"
    breaks = [n for n in paragraph.children if isinstance(n, nodes.raw)]
    assert len(breaks) >= 4 and all(b["format"] == "latex" for b in breaks)
    assert str(paragraph[0]) == "See "  # short words as they were
    assert block.astext() == word
    assert not list(block.findall(nodes.raw))


def test_an_epub_rebuild_reads_no_page_again(tmp_path):
    """The books' settings are made at config-inited: a rebuild finds the configuration as
    the last build left it (a version given later made every rebuild read every page)."""
    from io import StringIO

    from sphinx.testing.util import SphinxTestApp
    from wikis import write_conf_shim

    src = tmp_path / "src"
    assert convert(unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki"), src) == 0
    write_conf_shim(src)

    def build(freshenv: bool) -> tuple[str, str]:
        status, warnings = StringIO(), StringIO()
        app = SphinxTestApp(
            "epub", srcdir=src, builddir=tmp_path / "build", status=status, warning=warnings,
            freshenv=freshenv,
        )  # fmt: skip
        try:
            app.build()
            assert app.config.version == ""  # conf.py sets none; the book has the date
        finally:
            app.cleanup()
        return status.getvalue(), warnings.getvalue()

    first, first_warnings = build(freshenv=True)
    assert first_warnings == "" and "reading sources" in first
    again, again_warnings = build(freshenv=False)
    assert again_warnings == ""
    assert "config changed" not in again
    assert "0 added, 0 changed, 0 removed" in again and "reading sources... [" not in again
    (book,) = (tmp_path / "build" / "epub").glob("*.epub")
    opf = zipfile.ZipFile(book).read("content.opf").decode("utf-8")
    assert re.search(r'<meta property="ibooks:version">\d{4}-\d\d-\d\d</meta>', opf), opf


@pytest.mark.parametrize("builder", ["html", "epub", "latex"])
def test_the_wikis_own_addresses_pass_the_url_check_in_every_output(builder, tmp_path):
    """The site info's addresses come from the source as its pages do: one check for all
    (vocabulary.web_url), on the web site, in the ePub and in the PDF's LaTeX."""
    from io import StringIO

    from sphinx.testing.util import SphinxTestApp
    from wikis import write_conf_shim

    src = tmp_path / "src"
    wiki = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    options = ["--article-url", "javascript:alert(1)//$1", "--rights-text", "Ours"]
    assert convert(wiki, src, *options, "--rights-url", "JavaScript:alert(2)") == 0
    assert "javascript:" in (src / "_wiki" / "site.json").read_text("utf-8").lower()
    write_conf_shim(src)
    warnings = StringIO()
    app = SphinxTestApp(
        builder, srcdir=src, builddir=tmp_path / "build", status=StringIO(), warning=warnings
    )
    try:
        app.build()
    finally:
        app.cleanup()
    assert warnings.getvalue() == ""
    written = [p for p in Path(app.outdir).rglob("*") if p.is_file()]
    texts = [p for p in written if p.suffix in {".html", ".xhtml", ".tex", ".opf", ".ncx"}]
    assert texts
    for path in texts:
        text = path.read_text("utf-8")
        assert not re.search(r"javascript\s*:", text, re.IGNORECASE) and "alert(" not in text, path


def test_a_table_of_header_cells_only_builds_in_every_format(tmp_path):
    # docutils' table then has no body, and Sphinx's LaTeX footnote pass needs one (it
    # stopped the PDF of the whole conformance wiki)
    from mw2sphinx.model import Page, SiteInfo, Wiki
    from test_sphinxext import build, write_wiki

    text = '{| class="wikitable"\n! Only !! headers<ref>A note.</ref>\n|}\n\n<references />'
    wiki = Wiki(site=SiteInfo(name="Tables"), pages={"Heads": Page("Heads", 0, text)})
    src = write_wiki(wiki, tmp_path / "src")
    for builder in ("latex", "epub", "html"):
        warnings, _, _ = build(src, tmp_path / builder, builder=builder)
        assert warnings == "", builder
    tex = next((tmp_path / "latex").rglob("*.tex")).read_text("utf-8")
    assert "Only" in tex and "headers" in tex and "A note." in tex
