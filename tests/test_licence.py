"""The wiki's licence and attribution, from a real MediaWiki that sets one
(``$wgRightsText``, ``$wgRightsUrl``) to every page of the site, the PDF and the ePub; and
from the options and conf values where the source cannot say. No licence known is a
warning in the report, never one made up.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mediawiki import MediaWiki, available
from mw2sphinx.exports import latex_url
from mw2sphinx.sitedata import SiteData, history_url, licence, site_licence, web_url
from mw2sphinx.sources.snapshot import read_manifest
from test_exports import build_exports
from wikis import ROOT, convert

RIGHTS_TEXT = "Creative Commons Attribution-ShareAlike 4.0"
RIGHTS_URL = "https://creativecommons.org/licenses/by-sa/4.0/"
WIKI_NAME = "Loopback Wiki"
PAGES = {
    "Main Page": "Welcome. See [[Alpha]] and [[Beta]].\n\n[[Category:Things]]",
    "Alpha": "Alpha is a page.\n\n== Part ==\nText.\n\n[[Category:Things]]",
    "Beta": "#REDIRECT [[Alpha#Part]]",
    "Category:Things": "Things.",
}
SETTINGS = f'$wgRightsText = "{RIGHTS_TEXT}";\n$wgRightsUrl = "{RIGHTS_URL}";\n'
#: Sphinx's own pages: not pages of the wiki, but they carry the footer too.
SPHINX_PAGES = {"search.html", "genindex.html"}


@pytest.fixture(scope="module")
def licensed_wiki():
    reason = available()
    if reason:
        pytest.fail(f"these tests need a real MediaWiki: {reason}")
    wiki = MediaWiki(name=WIKI_NAME, settings=SETTINGS).install()
    for title, text in PAGES.items():
        wiki.edit(title, text)
    wiki.start()
    yield wiki
    wiki.remove()


def sphinx_html(src: Path, out: Path, *options: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html",
         "-c", str(ROOT), *options, str(src), str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


@pytest.fixture(scope="module")
def built(licensed_wiki: MediaWiki, tmp_path_factory: pytest.TempPathFactory):
    """The licensed wiki converted from its API: the exports, and the web site."""
    base = tmp_path_factory.mktemp("licensed")
    books = build_exports(base, licensed_wiki.api_url)  # type: ignore[arg-type]
    sphinx_html(books.src, base / "html")
    return books, base / "html"


def footers(html: Path) -> dict[str, BeautifulSoup]:
    """The licence line of every page of the site, by file."""
    found = {}
    for path in sorted(html.rglob("*.html")):
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        if soup.find("article") is not None:
            found[path.relative_to(html).as_posix()] = soup.select_one("footer .wiki-licence")
    return found


def test_every_page_footer_states_the_licence_and_links_the_history(built, licensed_wiki):
    _, html = built
    lines = footers(html)
    site = SiteData.load(built[0].src / "_wiki" / "site.json")
    assert len(lines) >= len(site.pages) + len(site.special)
    by_docname = site.by_docname()
    for name, line in lines.items():
        assert line is not None, f"{name}: no licence line"
        (link,) = line.select('a[rel="license"]')
        assert (link.get_text(), link["href"]) == (RIGHTS_TEXT, RIGHTS_URL), name
        assert f"From the {WIKI_NAME}," in " ".join(line.get_text().split()), name
        entry = by_docname.get(name.removesuffix(".html"))
        history = line.select_one("a.wiki-history")
        if entry is None:  # a special page or Sphinx's: no history on the wiki
            assert history is None, name
            continue
        title = entry.title.replace(" ", "_")
        assert history["href"] == f"{licensed_wiki.server}/index.php/{title}?action=history"
    # the report does not warn: the API named the licence
    report = json.loads((built[0].src / "_wiki" / "report.json").read_text("utf-8"))
    assert "licence" not in report["warnings_by_kind"]


def test_pdf_and_epub_state_the_licence(built):
    books, _ = built
    assert books.latexmk.returncode == 0, books.latexmk.stdout[-3000:]
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "3", str(books.pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    flat = " ".join(text.split())
    assert f"Available under {RIGHTS_TEXT} (" in flat
    assert f"({RIGHTS_URL}) unless otherwise noted." in text.replace("\n", "")
    assert f"comes from the {WIKI_NAME}, written by its contributors" in flat
    with zipfile.ZipFile(books.book) as book:
        opf = ET.fromstring(book.read("content.opf"))
        title_page = BeautifulSoup(book.read("wiki-title-page.xhtml").decode(), "html.parser")
        # the redirect's old address only forwards (on the web site): not a page of the book
        assert not [name for name in book.namelist() if "Beta" in name]
    (rights,) = opf.iter("{http://purl.org/dc/elements/1.1/}rights")
    assert f"available under {RIGHTS_TEXT} ({RIGHTS_URL})" in rights.text
    link = title_page.select_one('.wiki-licence a[rel="license"]')
    assert (link.get_text(), link["href"]) == (RIGHTS_TEXT, RIGHTS_URL)
    assert "0 fatals / 0 errors / 0 warnings" in books.epubcheck.stdout, books.epubcheck.stdout


def test_a_fetched_snapshot_keeps_the_licence(licensed_wiki: MediaWiki, tmp_path: Path):
    from mw2sphinx.sources.sync import main as fetch

    assert fetch(["--source", licensed_wiki.api_url, "--out", str(tmp_path / "snap"), "-q"]) == 0
    manifest = read_manifest(tmp_path / "snap")
    assert (manifest.site.rights_text, manifest.site.rights_url) == (RIGHTS_TEXT, RIGHTS_URL)
    assert convert(tmp_path / "snap", tmp_path / "src") == 0
    site = SiteData.load(tmp_path / "src" / "_wiki" / "site.json")
    assert (site.rights_text, site.rights_url) == (RIGHTS_TEXT, RIGHTS_URL)


# --- a source that does not say ----------------------------------------------------------


@pytest.fixture(scope="module")
def plain_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder in the mirror layout: it cannot say what its wiki's licence is."""
    folder = tmp_path_factory.mktemp("plain") / "wiki"
    (folder / "pages").mkdir(parents=True)
    (folder / "Main_Page.mediawiki").write_text("Welcome. [[Alpha]].\n", "utf-8")
    (folder / "pages" / "Alpha.mediawiki").write_text("Alpha is a page.\n", "utf-8")
    return folder


def test_no_licence_known_is_a_warning_and_none_is_stated(plain_folder: Path, tmp_path: Path):
    src = tmp_path / "src"
    assert convert(plain_folder, src, "--site-name", "Plain") == 0
    report = json.loads((src / "_wiki" / "report.json").read_text("utf-8"))
    assert report["warnings_by_kind"].get("licence") == 1
    (warning,) = [w for w in report["warnings"] if w["kind"] == "licence"]
    assert "--rights-text" in warning["message"] and "wiki_license_text" in warning["message"]
    sphinx_html(src, tmp_path / "html")
    for name, line in footers(tmp_path / "html").items():
        assert line is not None, name
        text = " ".join(line.get_text().split())
        assert text == "From the Plain wiki, written by its contributors.", name
        assert not line.select('a[rel="license"]')


def test_the_options_and_conf_values_state_a_licence(plain_folder: Path, tmp_path: Path):
    src = tmp_path / "src"
    assert convert(plain_folder, src, "--rights-text", "GFDL", "--rights-url", RIGHTS_URL) == 0
    report = json.loads((src / "_wiki" / "report.json").read_text("utf-8"))
    assert "licence" not in report["warnings_by_kind"]
    sphinx_html(src, tmp_path / "from-option")
    # conf.py's values win over the site data's, as a pair
    sphinx_html(src, tmp_path / "from-conf", "-D", "wiki_license_text=CC0 1.0")
    for folder, expected in (("from-option", ("GFDL", RIGHTS_URL)), ("from-conf", None)):
        for name, line in footers(tmp_path / folder).items():
            link = line.select_one('a[rel="license"]')
            if expected is None:
                assert link is None and "available under CC0 1.0 unless" in line.get_text()
            else:
                assert (link.get_text(), link["href"]) == expected, name


def test_a_licence_learned_later_reaches_every_page_of_a_rebuild(plain_folder, tmp_path):
    """An incremental build after the licence changed rewrites every page's footer, also
    those whose text did not change."""
    src, html = tmp_path / "src", tmp_path / "html"
    assert convert(plain_folder, src) == 0
    sphinx_html(src, html, "-d", str(tmp_path / "doctrees"))
    assert convert(plain_folder, src, "--rights-text", "GFDL", "--rights-url", RIGHTS_URL) == 0
    sphinx_html(src, html, "-d", str(tmp_path / "doctrees"))
    for name, line in footers(html).items():
        link = line.select_one('a[rel="license"]')
        assert link is not None and link.get_text() == "GFDL", name


def test_a_licence_address_that_is_not_a_web_address_is_not_linked(plain_folder, tmp_path):
    src = tmp_path / "src"
    unsafe = "javascript:alert(document.cookie)"
    assert convert(plain_folder, src, "--rights-text", "Ours", "--rights-url", unsafe) == 0
    sphinx_html(src, tmp_path / "html")
    for name, line in footers(tmp_path / "html").items():
        assert "javascript" not in str(line) and not line.select('a[rel="license"]'), name
        assert "available under Ours unless otherwise noted" in line.get_text(), name


# --- the pure parts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (RIGHTS_URL, RIGHTS_URL),
        (" http://example.org/l ", "http://example.org/l"),
        ("javascript:alert(1)", ""),
        ("//creativecommons.org/", ""),
        ("https://", ""),
        ("https://exa mple.org/", ""),
        ("data:text/html,x", ""),
    ],
)
def test_web_url_keeps_only_web_addresses(url: str, expected: str):
    assert web_url(url) == expected


def test_the_licence_of_conf_py_wins_as_a_pair():
    site = SiteData(name="W", rights_text="CC BY-SA 4.0", rights_url=RIGHTS_URL)
    assert site_licence(site) == licence("CC BY-SA 4.0", RIGHTS_URL)
    assert site_licence(site, text="GFDL") == licence("GFDL", "")
    assert not site_licence(SiteData(name="W"))
    assert licence("", RIGHTS_URL).name == RIGHTS_URL


def test_history_and_latex_urls():
    assert history_url("https://w.example/wiki/$1", "A b") == (
        "https://w.example/wiki/A_b?action=history"
    )
    assert history_url("https://w.example/index.php?title=$1", "A") == (
        "https://w.example/index.php?title=A&action=history"
    )
    assert history_url("", "A") == ""
    assert latex_url("https://x.example/a b%zz#f{}\\~") == (
        r"https://x.example/a\%20b\%25zz\#f\%7B\%7D\%5C\%7E"
    )
