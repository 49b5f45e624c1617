"""Our own fixture wiki, with every construct of DESIGN.md's table, against a real MediaWiki.

``tests/fixtures/constructs.rendered.json`` is MediaWiki 1.39's rendering of
``constructs-wiki.bundle`` (Cite, ParserFunctions, Poem, SyntaxHighlight), made by
``tests/render_reference.py``; the comparison uses ``mw2sphinx.fidelity`` as the snapshot
test does. Measured when written: words 384/384, links 11/12, red links 4/4, references 8/8,
headings 22/22. Math is not in this wiki: MediaWiki's Math extension needs a Mathoid server
to render anything, so <math> is checked by the golden files only.
"""

from __future__ import annotations

import subprocess
import sys

import fidelity
import pytest
from wikis import FIXTURES, ROOT, convert, unpack

RENDERED = fidelity.load_rendered(FIXTURES / "constructs.rendered.json")
#: Links MediaWiki's link table has and its page does not show: {{#ifexist:Tables|…}}.
INVISIBLE_LINKS = {"Templates": {"Tables"}}


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> dict[str, fidelity.PageComparison]:
    root = tmp_path_factory.mktemp("constructs")
    wiki = unpack(FIXTURES / "constructs-wiki.bundle", root / "wiki")
    assert convert(wiki, root / "src", "--site-name", "Constructs Wiki") == 0
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html",
         "-c", str(ROOT), str(root / "src"), str(root / "html")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert build.returncode == 0 and not build.stderr.strip(), build.stderr
    result = fidelity.compare_site(
        rendered=RENDERED, site=fidelity.load_site(root / "src"), html_dir=root / "html"
    )
    return {page.title: page for page in result.pages}


def test_every_page_is_compared(comparison):
    assert set(comparison) == set(RENDERED)
    assert all(page.has_html for page in comparison.values())


@pytest.mark.parametrize("title", sorted(RENDERED))
def test_words_of_mediawiki_are_on_our_page(comparison, title):
    assert comparison[title].words.value >= 0.99, comparison[title].details()


@pytest.mark.parametrize("title", sorted(RENDERED))
def test_links_red_links_references_and_headings(comparison, title):
    page = comparison[title]
    expected_links = set(page.mediawiki.links) - INVISIBLE_LINKS.get(title, set())
    assert set(page.ours.links) == expected_links
    assert page.redlinks.value == 1.0, page.details()
    assert page.references.value == 1.0, page.details()
    assert page.headings.value == 1.0, page.details()
