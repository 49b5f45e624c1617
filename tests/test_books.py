"""The PDF and ePub split into one book per top-level category (``wiki_books_split``).

A fixture wiki of two top-level categories (Fruit, with the subcategory Citrus; Vegetables),
a page in both trees (Lemon, printed under Fruit, the first), links across the trees and a
page in no category, built with ``-W -n`` as the web site, the LaTeX of its books and their
ePubs; the smallest book is typeset with xelatex, every ePub checked with epubcheck.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from docutils import nodes
from mw2sphinx import exports
from sphinx import addnodes
from wikis import FIXTURES, ROOT, convert, unpack

SITE = "https://books.example.org/wiki/"
SPLIT = ["-D", "wiki_books_split=category"]
EPUBCHECK = Path("/usr/bin/epubcheck")
OPF = "{http://www.idpf.org/2007/opf}"

#: The fixture's books, as its categories make them (see tests/fixtures/books-wiki.bundle).
FRUIT = {"categories/Fruit", "categories/Citrus", "pages/Apple", "pages/Lemon"}
VEGETABLES = {"categories/Vegetables", "pages/Carrot"}
FRONT = {
    "index", "pages/Notes", "special/allpages", "special/categories",
    "special/uncategorized", "special/wanted",
}  # fmt: skip


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )


def _sphinx(builder: str, src: Path, out: Path, *options: str) -> str:
    result = _run(
        sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", builder,
        "-c", ROOT, "-d", out.parent / "doctrees" / out.name, *options, src, out,
    )  # fmt: skip
    assert result.returncode == 0, f"sphinx-build -b {builder} failed:\n{result.stderr}"
    return result.stderr


@dataclasses.dataclass
class Split:
    src: Path
    html: Path
    latex: Path
    epub: Path
    plain_latex: Path  # split without html_baseurl
    warnings: dict[str, str]


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Split:
    base = tmp_path_factory.mktemp("books")
    src = base / "src"
    assert convert(unpack(FIXTURES / "books-wiki.bundle", base / "wiki"), src) == 0
    site = ["-D", f"html_baseurl={SITE}"]
    out = Split(src, base / "html", base / "latex", base / "epub", base / "plain", {})
    out.warnings["html"] = _sphinx("html", src, out.html, *site, *SPLIT)
    out.warnings["latex"] = _sphinx("latex", src, out.latex, *site, *SPLIT)
    out.warnings["epub"] = _sphinx("epub", src, out.epub, "-j", "2", *site, *SPLIT)
    out.warnings["plain"] = _sphinx("latex", src, out.plain_latex, *SPLIT)
    return out


def tex_docs(tex: Path) -> set[str]:
    """The documents a LaTeX book holds: the labels Sphinx gives whole documents."""
    return set(re.findall(r"\\label\{\\detokenize\{([^}:]+)::doc\}\}", tex.read_text("utf-8")))


def epub_docs(book: Path) -> set[str]:
    """The documents of an ePub's spine."""
    with zipfile.ZipFile(book) as archive:
        opf = ET.fromstring(archive.read("content.opf"))
    files = {i.get("id"): i.get("href") for i in opf.iter(OPF + "item")}
    spine = [files[ref.get("idref")] for ref in opf.iter(OPF + "itemref")]
    return {unquote(f).removesuffix(".xhtml") for f in spine} - {exports.TITLE_PAGE}


def epub_pages(book: Path) -> dict[str, BeautifulSoup]:
    with zipfile.ZipFile(book) as archive:
        return {
            name.removesuffix(".xhtml"): BeautifulSoup(archive.read(name), "html.parser")
            for name in archive.namelist()
            if name.endswith(".xhtml") and name not in {"nav.xhtml"}
        }


def test_split_builds_have_no_warnings(split: Split):
    assert split.warnings == {"html": "", "latex": "", "epub": "", "plain": ""}


def test_each_top_level_category_is_a_book_with_its_own_pages(split: Split):
    books = {"wiki": FRONT, "wiki-Fruit": FRUIT, "wiki-Vegetables": VEGETABLES}
    assert {p.stem: tex_docs(p) for p in split.latex.glob("*.tex")} == books
    # Sphinx's names: the LaTeX documents' from the project in lower case, the ePub's not
    ebooks = {p.stem: epub_docs(p) for p in split.epub.glob("*.epub")}
    assert ebooks == {"Wiki" + name.removeprefix("wiki"): docs for name, docs in books.items()}
    assert not (split.epub / exports.BOOKS_STAGE).exists()


def test_links_to_other_books_lead_to_the_site_and_none_is_broken(split: Split):
    vegetables = epub_pages(split.epub / "Wiki-Vegetables.epub")
    links = {a.get_text(): a["href"] for a in vegetables["pages/Carrot"].find_all("a")}
    apple = links["apple of any kind"]
    assert apple.startswith(SITE + "pages/Apple.html#")
    assert links["Lemon"] == SITE + "pages/Lemon.html"  # printed in the Fruit book
    # the anchor is the heading's on the web site
    page = BeautifulSoup((split.html / "pages" / "Apple.html").read_text("utf-8"), "html.parser")
    heading = page.find(id=urlsplit(apple).fragment)
    assert heading is not None and "Kinds" in heading.get_text()
    # the category lists its member of the other book, as a link to the site
    category = vegetables["categories/Vegetables"]
    others = category.find(class_=exports.OTHER_BOOKS_CLASS)
    assert others is not None and others.a["href"] == SITE + "pages/Lemon.html"
    # in every book, a link either stays in the book or goes to the site
    for book in split.epub.glob("*.epub"):
        pages = epub_pages(book)
        for docname, soup in pages.items():
            for a in soup.find_all("a", href=True):
                path = unquote(a["href"].split("#", 1)[0])
                if not path or path.startswith(("http://", "https://")):
                    continue
                target = posixpath.normpath(posixpath.join(posixpath.dirname(docname), path))
                assert target.removesuffix(".xhtml") in pages, (book.name, docname, a["href"])
    # LaTeX: to the site too, and every internal reference to a label of the same book
    for tex in split.latex.glob("*.tex"):
        text = tex.read_text("utf-8")
        labels = set(re.findall(r"\\label\{(\\detokenize\{[^}]*\})\}", text))
        for ref in re.findall(r"\\(?:hyperref\[|autopageref\*\{)(\\detokenize\{[^}]*\})", text):
            assert ref in labels, (tex.name, ref)
    fruit = (split.latex / "wiki-Fruit.tex").read_text("utf-8")
    assert r"\sphinxhref{" + SITE + r"pages/Carrot.html\#wiki-pages-carrot-growing}" in fruit


def test_the_web_site_lists_the_books_with_the_files_the_builds_wrote(split: Split):
    page = BeautifulSoup((split.html / "books.html").read_text("utf-8"), "html.parser")
    (books,) = page.find_all(class_="wiki-books")
    links = [a["href"] for a in books.find_all("a")]
    written = [f"{p.stem}.pdf" for p in sorted(split.latex.glob("*.tex"))]
    written += [p.name for p in sorted(split.epub.glob("*.epub"))]
    assert sorted(links) == sorted("_books/" + name for name in written)
    assert "Wiki: Fruit (4 pages)" in books.get_text()


def test_without_the_sites_address_links_to_other_books_are_text(split: Split):
    fruit = (split.plain_latex / "wiki-Fruit.tex").read_text("utf-8")
    assert "growing of carrots" in fruit and "Carrot.html" not in fruit
    assert "pages/Carrot" not in fruit  # no reference to a document of another book
    assert r"\hyperref[\detokenize{pages/Lemon:wiki-pages-lemon}]" in fruit  # its own


def test_every_split_epub_passes_epubcheck(split: Split):
    if not EPUBCHECK.is_file() or shutil.which("java") is None:
        pytest.fail("the export tests need the Debian package epubcheck")
    books = sorted(split.epub.glob("*.epub"))
    assert len(books) == 3
    for book in books:
        result = _run("java", "-jar", EPUBCHECK, book)
        assert "0 fatals / 0 errors / 0 warnings" in result.stdout + result.stderr, (
            book.name,
            result.stdout[-3000:],
        )


def test_a_split_book_typesets_with_xelatex(split: Split):
    for tool in ("latexmk", "xelatex", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.fail(f"the export tests need {tool} (texlive-xetex, latexmk, poppler-utils)")
    latexmk = _run(
        "latexmk", "-pdf", "-dvi-", "-ps-", "-interaction=nonstopmode", "-halt-on-error",
        "wiki-Vegetables.tex", cwd=split.latex,
    )  # fmt: skip
    assert latexmk.returncode == 0, latexmk.stdout[-3000:]
    log = (split.latex / "wiki-Vegetables.log").read_text("utf-8", "replace")
    assert "XeTeX" in log.splitlines()[0]
    assert not re.search(r"undefined references|Reference .* undefined", log)
    text = _run("pdftotext", "-enc", "UTF-8", split.latex / "wiki-Vegetables.pdf", "-").stdout
    flat = " ".join(text.split())
    assert "Wiki: Vegetables" in flat and "A carrot is orange." in flat
    assert "An apple is a round fruit" not in flat  # printed in the Fruit book


# --- the plan and the tree surgery, without Sphinx -------------------------------------------

INCLUDES = {
    "index": ["categories/B", "categories/A", "special/random", "special/uncategorized"],
    "categories/A": ["categories/A2", "pages/x"],
    "categories/A2": ["pages/y", "pages/z"],
    "categories/B": ["pages/z", "pages/w"],
    "special/uncategorized": ["pages/lonely"],
}


def _plan(split: str, threshold: int = 100, **includes: list[str]) -> list[exports.Book]:
    return list(
        exports.plan_books(
            root_doc="index",
            includes={**INCLUDES, **includes},
            titles={"categories/A": "A", "categories/B": "B"},
            left_out=["special/random"],
            split=split,
            threshold=threshold,
            name="wiki",
            title="Wiki",
        )
    )


def test_books_are_split_above_the_threshold_in_auto_mode_only():
    (whole,) = _plan("auto", threshold=10)
    assert whole.start == "index" and "special/random" not in whole.docs
    assert len(whole.docs) == 10
    assert [b.name for b in _plan("auto", threshold=9)] == ["wiki", "wiki-B", "wiki-A"]
    assert len(_plan("none", threshold=0)) == 1
    assert len(_plan("category", threshold=1000)) == 3


def test_a_page_in_two_top_level_trees_is_in_the_first_book_in_the_root_order():
    front, b, a = _plan("category")
    assert b.docs == ("categories/B", "pages/z", "pages/w")
    assert a.docs == ("categories/A", "categories/A2", "pages/y", "pages/x")
    assert front.docs == ("index", "special/uncategorized", "pages/lonely")
    assert (a.title, b.name) == ("Wiki: A", "wiki-B")


def test_books_of_categories_whose_names_look_alike_get_file_names_of_their_own():
    includes = {"index": ["categories/C++", "categories/C--"]}
    names = [b.name for b in _plan("category", **includes)]
    assert names == ["wiki", "wiki-C", "wiki-C-2"]


def test_a_link_to_another_book_is_text_without_the_sites_address():
    books = exports.Books(
        books=(), home={"pages/a": "categories/A", "pages/b": "categories/B"}, site=""
    )
    xref = addnodes.pending_xref("", nodes.inline("B", "B"), reftype="myst", reftarget="b")
    toctree = addnodes.toctree(entries=[(None, "pages/a"), (None, "pages/b")])
    toctree["includefiles"] = ["pages/a", "pages/b"]
    document = nodes.document(None, None)
    document += nodes.paragraph("", "", xref)
    document += nodes.compound("", toctree, classes=["toctree-wrapper"])
    exports.link_other_books(
        document,
        docname="pages/a",
        books=books,
        target=lambda node: ("pages/b", "wiki-pages-b"),
        titles={"pages/b": "Bee"},
    )
    assert not list(document.findall(addnodes.pending_xref))
    assert not list(document.findall(nodes.reference))
    assert document.children[0].astext() == "B"
    assert toctree["entries"] == [(None, "pages/a")] and toctree["includefiles"] == ["pages/a"]
    (others,) = [n for n in document.findall(nodes.bullet_list)]
    assert exports.OTHER_BOOKS_CLASS in others["classes"] and others.astext() == "Bee"
    with_site = dataclasses.replace(books, site=SITE)
    assert with_site.site_uri("pages/b", "wiki-pages-b") == SITE + "pages/b.html"
    assert with_site.site_uri("pages/b", "wiki-pages-b-x") == SITE + "pages/b.html#wiki-pages-b-x"
