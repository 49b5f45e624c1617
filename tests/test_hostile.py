"""A hostile wiki: nothing runs, nothing escapes, nothing is lost (issue 8).

tests/fixtures/hostile-wiki.bundle tries script in every place wiki text can put it, MyST and
Sphinx syntax, TeX that reads files, titles that are paths or Sphinx's own names, loops and
bombs. It is converted and built with zero warnings, then its HTML is checked.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import unquote
from xml.sax.saxutils import escape as xml_escape

import pytest
from bs4 import BeautifulSoup
from wikis import FIXTURES, ROOT, unpack

SCRIPT_URL = re.compile(r"^\s*(javascript|data|vbscript)\s*:", re.IGNORECASE)
FORBIDDEN_ELEMENTS = ["script", "style", "iframe", "object", "embed", "form", "input", "button"]
#: What /etc/passwd holds on every Linux machine: it must be in no output.
PASSWD = "root:x:0:0"


def listing(path: Path) -> set[str]:
    return {p.relative_to(path).as_posix() for p in path.rglob("*")}


def export_xml(folder: Path, out: Path) -> Path:
    """The bundle as a MediaWiki XML export, its invalid titles too (a hostile export may)."""
    pages = []
    for path in sorted(folder.rglob("*.mediawiki")):
        name = unquote(path.name[: -len(".mediawiki")])
        if path.parent == folder:
            name = name if name == "Main_Page" else f"Category:{name}"
        title = xml_escape(name.replace("_", " "))
        text = xml_escape(path.read_text("utf-8"))
        pages.append(
            f"<page><title>{title}</title><id>{len(pages) + 1}</id><revision>"
            f"<id>{len(pages) + 1}</id><timestamp>2026-01-01T00:00:00Z</timestamp>"
            f'<text xml:space="preserve">{text}</text></revision></page>'
        )
    out.write_text(
        '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">'
        "<siteinfo><sitename>Hostile Wiki</sitename>"
        "<base>https://hostile.example/wiki/Main_Page</base><case>first-letter</case>"
        "</siteinfo>" + "".join(pages) + "</mediawiki>",
        "utf-8",
    )
    return out


def serve_on_mediawiki(folder: Path, root: Path):
    """A real MediaWiki on loopback that holds the bundle's pages; its API URL."""
    mediawiki = pytest.importorskip("mediawiki")  # tests/mediawiki.py
    if (why := mediawiki.available()) is not None:
        pytest.fail(f"the API source needs a MediaWiki: {why}")
    server = mediawiki.MediaWiki(root / "mw", name="Hostile Wiki").install()
    server.import_xml(export_xml(folder, root / "for-import.xml"))
    return server.start()


@pytest.fixture(scope="module", params=["folder", "xml", "api"])
def hostile(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"hostile-{request.param}")
    wiki = unpack(FIXTURES / "hostile-wiki.bundle", root / "wiki")
    server = None
    if request.param == "folder":
        source = str(wiki)
    elif request.param == "xml":
        source = str(export_xml(wiki, root / "export.xml"))
    else:
        server = serve_on_mediawiki(wiki, root)
        source = server.api_url
    outside_before = listing(root)
    convert = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "convert.py"), "--source", source,
         "--dest", str(root / "src"), "--site-name", "Hostile Wiki", "--quiet"],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html",
         "-c", str(ROOT), str(root / "src"), str(root / "html")],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    pages_in_source = _count_pages(request.param, wiki, source)  # asks the server, if any
    if server is not None:
        server.stop()
    outside_after = {p for p in listing(root) if not p.startswith(("src", "html", "mw"))}
    return {
        "source": request.param,
        "pages_in_source": pages_in_source,
        "root": root,
        "wiki": wiki,
        "convert": convert,
        "build": build,
        "new_outside": outside_after - outside_before - {"src", "html"},
    }


def contents(html_dir: Path):
    for path in sorted(html_dir.rglob("*.html")):
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        main = soup.find("article", attrs={"role": "main"})
        if main is not None:
            yield path.relative_to(html_dir).as_posix(), main


def test_converts_and_builds_without_warnings(hostile):
    assert hostile["convert"].returncode == 0, hostile["convert"].stderr
    assert "Traceback" not in hostile["convert"].stderr
    assert hostile["build"].returncode == 0, hostile["build"].stderr
    assert hostile["build"].stderr.strip() == ""


def test_no_script_elements_event_attributes_or_script_urls(hostile):
    pages = list(contents(hostile["root"] / "html"))
    assert len(pages) > 20
    problems = []
    for name, main in pages:
        for element in main.find_all(FORBIDDEN_ELEMENTS):
            problems.append(f"{name}: <{element.name}>")
        for element in main.find_all(True):
            for attribute, value in element.attrs.items():
                if attribute.lower().startswith("on"):
                    problems.append(f"{name}: {attribute}= on <{element.name}>")
                values = value if isinstance(value, list) else [value]
                if attribute in {"href", "src", "action", "data", "style", "srcset"} and any(
                    SCRIPT_URL.search(v) or "expression(" in v for v in values
                ):
                    problems.append(f"{name}: {attribute}={value!r}")
    assert problems == []


def test_the_attacks_are_shown_as_text(hostile):
    html = hostile["root"] / "html"
    script = (html / "pages" / "Script.html").read_text("utf-8")
    assert "&lt;script&gt;alert(&quot;script&quot;)&lt;/script&gt;" in script or (
        '&lt;script&gt;alert("script")&lt;/script&gt;' in script
    )
    math = (html / "pages" / "Math.html").read_text("utf-8")
    assert r"\input{/etc/passwd}" in math  # shown as source, not typeset
    assert r"\frac{a}{b}" in math


def test_no_file_of_the_machine_is_read(hostile):
    for folder in ("src", "html"):
        for path in (hostile["root"] / folder).rglob("*"):
            if path.is_file() and path.suffix in {".md", ".html", ".js", ".json", ".txt"}:
                assert PASSWD not in path.read_text("utf-8", "replace"), path


def test_nothing_is_written_outside_the_destination(hostile):
    assert hostile["new_outside"] == set()
    src = (hostile["root"] / "src").resolve()
    for path in src.rglob("*"):
        assert path.resolve().is_relative_to(src)


def test_file_names_are_safe_and_unique(hostile):
    src = hostile["root"] / "src"
    names = [p.relative_to(src).as_posix() for p in src.rglob("*.md")]
    folded = [n.casefold() for n in names]
    assert len(set(folded)) == len(folded)
    for name in names:
        stem = name.rsplit("/", 1)[-1][:-3]
        assert "\\" not in name and ".." not in name.split("/")
        assert len(stem.encode("utf-8")) <= 130
        if "/" in name:
            assert stem.split(".")[0].casefold() not in {
                "index", "genindex", "search", "con", "nul", "prn", "aux",
            }  # fmt: skip
            assert not stem.startswith(("_", "."))


def _count_pages(kind: str, folder: Path, source: str) -> int:
    """How many pages the source has: files of the folder, pages of the export, or what
    MediaWiki accepted of them."""
    if kind == "api":  # MediaWiki itself refused the invalid titles on import
        return sum(
            len(json.loads(_api(source, list="allpages", apnamespace=ns, aplimit="500"))
                ["query"]["allpages"])
            for ns in ("0", "10", "14")
        )  # fmt: skip
    return len(list(folder.rglob("*.mediawiki")))  # the export has a <page> for each


def _api(url: str, **params: str) -> str:
    query = urllib.parse.urlencode({"action": "query", "format": "json", **params})
    with urllib.request.urlopen(f"{url}?{query}", timeout=30) as answer:
        return answer.read().decode()


def test_every_source_page_is_on_the_site_or_a_failure(hostile):
    report = json.loads((hostile["root"] / "src" / "_wiki" / "report.json").read_text("utf-8"))
    listed = report["pages"] + report["categories"] + report["redirects"] + len(report["failures"])
    assert listed == hostile["pages_in_source"]
    if hostile["source"] != "folder":
        return  # the file names below are the folder's
    failed = {f["origin"] for f in report["failures"]}
    assert "titles/..%2F..%2Fescape.mediawiki" in failed  # a title that is a path
    assert "titles/A%2F..%2F..%2F..%2Fescape.mediawiki" in failed
    # Café spelled in NFC and in NFD is one title: the second file is a failure.
    assert any(unicodedata.normalize("NFC", o) == "titles/Café.mediawiki" for o in failed)


def test_limits_are_cut_with_warnings(hostile):
    report = json.loads((hostile["root"] / "src" / "_wiki" / "report.json").read_text("utf-8"))
    kinds = report["warnings_by_kind"]
    assert kinds.get("template-loop", 0) >= 1
    assert kinds.get("template-limit", 0) >= 1
    assert kinds.get("unsafe", 0) >= 8
    assert kinds.get("html", 0) >= 5
