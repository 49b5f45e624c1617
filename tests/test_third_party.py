"""mw2sphinx as a third party uses it: a ``conf.py`` of its own with ``extensions =
["mw2sphinx"]`` and a theme, nothing of this repository's; a wheel installed into another
environment, run from another folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from io import StringIO
from pathlib import Path

import pytest
import sphinx
from bs4 import BeautifulSoup
from wikis import FIXTURES, ROOT, convert, unpack

MINIMAL_CONF = 'extensions = ["mw2sphinx"]\nhtml_theme = {theme!r}\n'

#: MyST syntax that would be visible if a page were read without the settings it needs.
MYST_SYNTAX = re.compile(
    r"\]\{[.#]|\{\.[A-Za-z]|\{#|:::|```|\[\^|\]\(#|\]\(<|\$\$"
    r"|\{(?:ref|doc|eval-rst|footcite|term|numref|bdg|sub|sup|abbr)\}`"
)


def third_party_build(
    srcdir: Path,
    outdir: Path,
    conf: str,
    *,
    parallel: int = 0,
) -> tuple[str, object, Path]:
    """Build ``srcdir`` with ``conf`` as its conf.py, nitpicky; (warnings, config, output)."""
    from sphinx.testing.util import SphinxTestApp

    (srcdir / "conf.py").write_text(conf, "utf-8")
    warnings = StringIO()
    app = SphinxTestApp(
        "html",
        srcdir=srcdir,
        builddir=outdir,
        warning=warnings,
        status=StringIO(),
        freshenv=True,
        parallel=parallel,
        confoverrides={"nitpicky": True},
    )
    try:
        if parallel:
            assert app.is_parallel_allowed("read") and app.is_parallel_allowed("write")
        app.build()
    finally:
        app.cleanup()
    return warnings.getvalue(), app.config, Path(app.outdir)


def converted(root: Path, bundle: str) -> tuple[Path, str]:
    """A fixture wiki converted into ``root/src``; (the tree, all of the wiki's text)."""
    wiki = unpack(FIXTURES / bundle, root / "wiki")
    assert convert(wiki, root / "src", "--site-name", "Small Wiki") == 0
    text = "\n".join(p.read_text("utf-8") for p in sorted(wiki.rglob("*.mediawiki")))
    return root / "src", text


def soup(html: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((html / name).read_text("utf-8"), "html.parser")


def article_text(page: BeautifulSoup) -> str:
    # alabaster's article is div.body, furo's <article>
    body = page.select_one("article") or page.select_one("div.body")
    assert body is not None
    return body.get_text()


def visible_myst(html: Path, wiki_text: str) -> list[str]:
    """MyST syntax shown as text on any page that the wiki's own text does not contain."""
    found = []
    for path in sorted(html.rglob("*.html")):
        if "_static" in path.parts or path.name in {"genindex.html", "search.html"}:
            continue
        text = article_text(soup(html, str(path.relative_to(html))))
        for match in MYST_SYNTAX.finditer(text):
            shown = text[match.start() : match.end() + 12].split("\n")[0]
            if shown not in wiki_text:  # what an editor typed stays as typed
                found.append(f"{path.relative_to(html)}: {shown!r}")
    return found


@pytest.fixture(scope="module", params=["alabaster", "furo", "alabaster -j 2"])
def small(request, tmp_path_factory):
    theme, _, parallel = request.param.partition(" -j ")
    root = tmp_path_factory.mktemp("third-party")
    src, text = converted(root, "small-wiki.bundle")
    warnings, _config, html = third_party_build(
        src,
        root / "build",
        MINIMAL_CONF.format(theme=theme),
        parallel=int(parallel or 0),
    )
    return warnings, html, text


def test_builds_without_warnings(small):
    warnings, _html, _text = small
    assert warnings == ""


def test_red_links_are_styled_missing_links(small):
    _warnings, html, _text = small
    index = soup(html, "index.html")
    red = [(s.get_text(), s.get("title")) for s in index.select("span.wiki-redlink")]
    assert ("Nuts", "Page does not exist") in red
    assert ("Drinks", "Page does not exist") in red
    assert "{.wiki-redlink}" not in article_text(index)
    # the style that makes them red comes with the extension
    styles = [link["href"].split("?")[0] for link in index.select('link[rel="stylesheet"]')]
    assert "_static/wiki.css" in styles
    assert ".wiki-redlink" in (html / "_static" / "wiki.css").read_text("utf-8")


def test_footnotes(small):
    _warnings, html, _text = small
    index = soup(html, "index.html")
    assert len(index.select(".footnote-reference")) == 2  # a named ref cited twice
    notes = index.select("aside.footnote")
    assert len(notes) == 1 and "An introduction." in notes[0].get_text()
    vegetable = article_text(soup(html, "pages/Vegetable.html"))
    assert "About vegetables." in vegetable and "[^" not in vegetable


def test_what_links_here(small):
    _warnings, html, _text = small
    box = soup(html, "pages/Vegetable.html").select_one("#wiki-whatlinkshere")
    assert box is not None
    assert [a.get_text() for a in box.select("a")] == ["Category:Food", "Fruit", "Main Page"]


def test_no_myst_syntax_visible_on_any_page(small):
    _warnings, html, text = small
    assert visible_myst(html, text) == []
    # the check sees what it looks for: the wiki's own {doc}`index` is shown as typed
    assert "{doc}`index`" in article_text(soup(html, "pages/Orphan.html"))


def test_constructs_wiki_shows_no_myst_syntax(tmp_path):
    # tables, galleries, syntax highlighting, poems, parser functions, references
    src, text = converted(tmp_path, "constructs-wiki.bundle")
    warnings, _config, html = third_party_build(
        src, tmp_path / "build", MINIMAL_CONF.format(theme="alabaster")
    )
    assert warnings == ""
    assert visible_myst(html, text) == []


def test_the_projects_own_settings_are_kept_and_extended(tmp_path):
    src, _text = converted(tmp_path, "small-wiki.bundle")
    conf = MINIMAL_CONF.format(theme="alabaster") + (
        'myst_enable_extensions = ["colon_fence", "deflist"]\n'
        "myst_url_schemes = {'https': None, 'doi': 'https://doi.org/{{path}}'}\n"
        "smartquotes = True\n"
        "myst_footnote_sort = True\n"
    )
    warnings, config, html = third_party_build(src, tmp_path / "build", conf)
    assert warnings == ""
    extensions = config.myst_enable_extensions
    assert list(extensions)[:2] == ["colon_fence", "deflist"]
    assert {"attrs_inline", "attrs_block"} <= set(extensions)
    assert config.myst_url_schemes["doi"] == "https://doi.org/{{path}}"
    assert {"http", "mailto"} <= set(config.myst_url_schemes)
    assert config.smartquotes is True and config.myst_footnote_sort is True
    # what the project left alone is filled in
    assert config.myst_ref_domains == ["std"]
    assert soup(html, "index.html").select("span.wiki-redlink")


def checkout_copy(dest: Path) -> Path:
    """The files git tracks, as a clone has them (nothing a local build left behind)."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        target = dest / os.fsdecode(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / os.fsdecode(name)).read_bytes())
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    checkout = checkout_copy(root / "checkout")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"),
         str(checkout)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (built,) = (root / "dist").glob("mw2sphinx-*.whl")
    return built


def test_wheel_holds_the_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "scripts" / "mw2sphinx"
    data = {
        p.relative_to(package.parent).as_posix()
        for folder in ("templates", "static")
        for p in (package / folder).rglob("*")
        if p.is_file()
    }
    assert data and data <= names
    assert "mw2sphinx/py.typed" in names
    assert "mw2sphinx/tests/fidelity.py" not in names and "mw2sphinx/fidelity.py" not in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "mw2sphinx = mw2sphinx.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def clean_env() -> dict[str, str]:
    """The environment without this checkout on the path."""
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_wheel_installed_elsewhere_converts_and_builds(wheel, tmp_path):
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    install = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                  "--no-index", "-q", wheel)  # fmt: skip
    assert install.returncode == 0, install.stderr
    # The dependencies come from this environment: its folder named in a .pth file (only a
    # path, not a site folder: its own .pth files, the editable install among them, are not
    # read). After the install: pip would take the editable install it sees there for this.
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    deps = Path(sphinx.__file__).parents[1]
    Path(site.stdout.strip(), "deps.pth").write_text(f"{deps}\n", "utf-8")
    wiki = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(python, "-c", "import mw2sphinx; print(mw2sphinx.__file__)", cwd=elsewhere)
    assert Path(where.stdout.strip()).is_relative_to(venv), where
    result = run(venv / "bin" / "mw2sphinx", "convert", "--source", wiki, "--dest", "docs",
                 "--quiet", cwd=elsewhere)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "docs" / "index.md").is_file()
    (elsewhere / "docs" / "conf.py").write_text(MINIMAL_CONF.format(theme="alabaster"), "utf-8")
    build = run(python, "-m", "sphinx", "-W", "-n", "-q", "-b", "html", "docs", "out",
                cwd=elsewhere)  # fmt: skip
    assert build.returncode == 0 and build.stderr == "", build.stderr
    assert 'class="wiki-redlink"' in (elsewhere / "out" / "index.html").read_text("utf-8")
