"""End to end: convert the shared wiki snapshot, build it with Sphinx, compare with MediaWiki.

The reference is MediaWiki 1.39's own rendering of every snapshot page
(``../shared/ai-interpretability-wiki.rendered.json``); ``mw2sphinx.fidelity`` reduces both sides
to words, links, red links, references and headings. Measured when this test was written: every
metric at 100% on all 44 pages (6572 words, 121 links, 69 red links, 65 references, 70
headings), so the word thresholds below only leave room for a word or two (none at all on
the shortest pages), and everything else must match exactly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import fidelity
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SNAPSHOT = SHARED / "ai-interpretability-wiki"
RENDERED = SHARED / "ai-interpretability-wiki.rendered.json"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not RENDERED.is_file(), reason="the shared wiki snapshot is not there"),
]

#: Share of MediaWiki's words our pages must have, over the whole site and on every page.
MIN_WORDS_TOTAL = 0.995
MIN_WORDS_PAGE = 0.98

RENDERED_PAGES = fidelity.load_rendered(RENDERED) if RENDERED.is_file() else {}
TITLES = sorted(RENDERED_PAGES)


def convert(dest: Path, *, hash_seed: str = "0") -> subprocess.CompletedProcess:
    # An explicit hash seed: the determinism test runs with two, so set order cannot leak in.
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "convert.py"),
            "--source",
            str(SNAPSHOT),
            "--dest",
            str(dest),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The converted source tree and its HTML build."""
    base = tmp_path_factory.mktemp("snapshot")
    src, html = base / "src", base / "html"
    convert(src)
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-n",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-c",
            str(ROOT),
            str(src),
            str(html),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    assert build.stderr.strip() == "", build.stderr
    return src, html


@pytest.fixture(scope="module")
def site_data(site: tuple[Path, Path]) -> dict:
    return fidelity.load_site(site[0])


@pytest.fixture(scope="module")
def comparison(site: tuple[Path, Path], site_data: dict) -> dict[str, fidelity.PageComparison]:
    result = fidelity.compare_site(rendered=RENDERED_PAGES, site=site_data, html_dir=site[1])
    return {page.title: page for page in result.pages}


def test_the_reference_has_all_44_pages() -> None:
    assert len(RENDERED_PAGES) == 44


def test_every_page_has_an_html_file(site: tuple[Path, Path], site_data: dict) -> None:
    docnames = fidelity.docnames_by_title(site_data)
    missing = [t for t in TITLES if t not in docnames]
    assert not missing, f"not in site.json: {missing}"
    no_html = [t for t in TITLES if not (site[1] / f"{docnames[t]}.html").is_file()]
    assert not no_html, f"no HTML page: {no_html}"
    assert docnames["Main Page"] == "index"


@pytest.mark.parametrize("title", TITLES)
def test_internal_links(comparison: dict, title: str) -> None:
    ours, mediawiki = comparison[title].ours.links, comparison[title].mediawiki.links
    assert sorted(ours) == sorted(mediawiki)


@pytest.mark.parametrize("title", TITLES)
def test_red_links(comparison: dict, title: str) -> None:
    # Red where MediaWiki has them, counting only truly missing targets (see
    # fidelity.mediawiki_extract on the reference's stale existence flags).
    ours, mediawiki = comparison[title].ours.redlinks, comparison[title].mediawiki.redlinks
    assert ours.total() == mediawiki.total()
    assert sorted(ours.elements()) == sorted(mediawiki.elements())


@pytest.mark.parametrize("title", TITLES)
def test_references(comparison: dict, title: str) -> None:
    ours, mediawiki = comparison[title].ours.references, comparison[title].mediawiki.references
    assert ours == mediawiki


@pytest.mark.parametrize("title", TITLES)
def test_section_headings(comparison: dict, title: str) -> None:
    ours, mediawiki = comparison[title].ours.headings, comparison[title].mediawiki.headings
    assert list(ours) == list(mediawiki)


def test_words(comparison: dict) -> None:
    total = sum((p.words for p in comparison.values()), fidelity.Share(0, 0))
    assert total.value >= MIN_WORDS_TOTAL, str(total)
    low = {
        title: f"{page.words} missing {dict(page.mediawiki.words - page.ours.words)}"
        for title, page in comparison.items()
        if page.words.value < MIN_WORDS_PAGE
    }
    assert not low


def test_the_stale_existence_flags_are_handled(comparison: dict) -> None:
    # The reference marks Feature missing on Main Page although the wiki has it: it must count
    # as an ordinary link there, not as a red link.
    main = comparison["Main Page"]
    assert "Feature" in main.mediawiki.links
    assert "features" not in main.mediawiki.redlinks
    assert "Feature" in main.ours.links


def test_the_measurement_sees_damage(site: tuple[Path, Path], site_data: dict) -> None:
    """The comparison is not vacuous: damaging our HTML of a page lowers every metric."""
    by_docname = fidelity.titles_by_docname(site_data)
    wiki_titles = set(RENDERED_PAGES) | set(fidelity.docnames_by_title(site_data))
    mediawiki = fidelity.mediawiki_extract(RENDERED_PAGES["Feature"], wiki_titles=wiki_titles)
    html = (site[1] / "pages" / "Feature.html").read_text("utf-8")

    def compare(damaged: str) -> fidelity.PageComparison:
        ours = fidelity.built_extract(
            damaged, docname="pages/Feature", titles_by_docname=by_docname
        )
        return fidelity.PageComparison("Feature", mediawiki, ours)

    assert compare(html).perfect
    assert compare(html.replace("Harry Potter", "")).words.value < 1
    assert compare(html.replace("<h2>Examples", "<h2>Example")).headings.value < 1
    assert compare(html.replace('<aside class="footnote brackets"', "<div", 1)).references.value < 1
    # A link MediaWiki's Feature page does not have, and a red link where it has none.
    extra_link = '<a class="reference internal" href="Circuit.html">x</a></article>'
    assert compare(html.replace("</article>", extra_link)).links.value < 1
    red = '<span class="wiki-redlink">Harry Potter</span></article>'
    assert compare(html.replace("</article>", red)).redlinks.value < 1


def test_conversion_is_deterministic(tmp_path: Path) -> None:
    # Two fresh trees at paths of different lengths: no times, ids or absolute paths leak in.
    first, second = tmp_path / "one", tmp_path / "a" / "second-tree"
    convert(first, hash_seed="1")
    convert(second, hash_seed="2")

    def tree(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    a, b = tree(first), tree(second)
    assert sorted(a) == sorted(b)
    differing = [name for name in a if a[name] != b[name]]
    assert not differing
