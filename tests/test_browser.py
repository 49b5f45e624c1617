"""The site built from the shared snapshot, served on loopback, in a real browser (Playwright
driving Debian's Chromium, no browser download): what a wiki reader does with it. And its
"What links here" against MediaWiki's link tables.

Screenshots of the home page and an article, light and dark, go to ``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import sync_playwright
from wikis import needs_shared

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT.parent / "shared" / "ai-interpretability-wiki"
RENDERED = ROOT.parent / "shared" / "ai-interpretability-wiki.rendered.json"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
]
VIEWPORT = {"width": 1280, "height": 900}
#: furo's colours of the page background, and ours of red links.
LIGHT_BACKGROUND, DARK_BACKGROUND = "rgb(255, 255, 255)", "rgb(19, 20, 22)"
LIGHT_REDLINK, DARK_REDLINK = "rgb(186, 0, 0)", "rgb(255, 110, 110)"

pytestmark = [pytest.mark.slow, needs_shared]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The snapshot converted and built into HTML, as the README's commands do."""
    base = tmp_path_factory.mktemp("browser-site")
    src, html = base / "src", base / "html"
    convert = [sys.executable, str(ROOT / "scripts" / "convert.py"), "--source", str(SNAPSHOT)]
    build = [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-j", "2"]
    for command in (
        [*convert, "--dest", str(src), "--quiet"],
        [*build, "-b", "html", "-c", str(ROOT), str(src), str(html)],
    ):
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    return html


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """A built site served on loopback while the context lasts: its address."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Problems(list):
    """Console errors, uncaught exceptions and failed requests of a page."""

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.append(f"exception: {error}"))
        page.on("console", self._console)
        page.on("requestfailed", lambda r: self.append(f"failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and self.append(f"{r.status}: {r.url}"))

    def _console(self, message) -> None:
        # The browser asks every site for /favicon.ico; the wiki's site has none.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.append(f"console: {message.text} ({message.location.get('url')})")


@pytest.fixture
def page(browser, base_url: str) -> Iterator:
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light", base_url=base_url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = Problems()
    page.problems.watch(page)
    yield page
    context.close()


def articles(site: Path) -> set[str]:
    text = (site / "_static" / "wiki-articles.js").read_text("utf-8")
    return set(json.loads(text[text.index("[") : text.rindex("]") + 1]))


def path_of(page, base_url: str) -> str:
    return page.url.split("#")[0].removeprefix(base_url)


def test_what_links_here_is_mediawikis(site: Path):
    """Every page lists the pages whose links (transcluded text included) lead to it, as
    MediaWiki's link tables say: its parse results' links, inverted."""
    rendered = json.loads(RENDERED.read_text("utf-8"))
    expected: dict[str, set[str]] = {title: set() for title in rendered}
    for source, parse in rendered.items():
        for link in parse["links"]:
            # The reference's "exists" flags are stale (see test_snapshot): the wiki has the page.
            if link["title"] in expected and link["title"] != source:
                expected[link["title"]].add(source)
    docnames = {
        title: entry["docname"]
        for title, entry in json.loads((site.parent / "src" / "_wiki" / "site.json").read_text())[
            "pages"
        ].items()
    }
    assert sum(len(sources) for sources in expected.values()) > 100
    for title, sources in expected.items():
        html = BeautifulSoup((site / f"{docnames[title]}.html").read_text("utf-8"), "html.parser")
        box = html.select_one("#wiki-whatlinkshere")
        listed = {a.get_text() for a in box.select("li > a")}
        assert listed == sources, title
        if not sources:
            assert "No pages link to this page." in box.get_text()


def test_home_page_loads_without_errors(page, base_url: str):
    page.goto("index.html")
    page.wait_for_load_state("networkidle")
    assert page.locator("article h1").inner_text().startswith("Main Page")
    assert "AI Interpretability Wiki" in page.title()
    assert page.problems == []
    # An article too, with its scripts at work (a preview loads its data).
    page.goto("pages/Grokking.html")
    page.locator("#wiki-whatlinkshere a", has_text="Neel Nanda").hover()
    page.locator(".wiki-preview:not([hidden])").wait_for()
    assert page.problems == []


def test_dark_mode_toggle_switches_and_survives_a_reload(page):
    page.goto("index.html")
    body = page.locator("body")
    assert body.get_attribute("data-theme") in {None, "auto"}
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == LIGHT_BACKGROUND
    toggle = page.locator(".theme-toggle:visible").first
    for _ in range(3):  # furo cycles auto -> dark -> light here (the system is light)
        toggle.click()
        if body.get_attribute("data-theme") == "dark":
            break
    assert body.get_attribute("data-theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK_BACKGROUND
    page.reload()
    assert body.get_attribute("data-theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK_BACKGROUND
    assert page.problems == []


def test_search_finds_grokking_first_and_opens_it(page, base_url: str):
    page.goto("index.html")
    page.locator("input.sidebar-search").fill("grokking")
    page.locator("input.sidebar-search").press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q=grokking"))
    results = page.locator("#search-results ul.search > li > a")
    results.first.wait_for()
    assert results.first.inner_text() == "Grokking"
    assert results.count() > 1  # the other pages that mention it come after
    results.first.click()
    page.wait_for_url(re.compile(r"pages/Grokking\.html"))
    assert page.locator("article h1").inner_text().startswith("Grokking")
    assert page.problems == []


def test_searching_any_title_puts_its_page_first(page):
    """What the search page does with a query, for the title of every page of the site."""
    page.goto("search.html")
    page.wait_for_function("typeof Search !== 'undefined' && Search.hasIndex()")
    misses = page.evaluate(
        """() => {
        const index = Search._index;
        const misses = [];
        index.titles.forEach((title, i) => {
          const [query, terms, excluded, highlighted, objects] = Search._parseQuery(title);
          const results = Search._performSearch(query, terms, excluded, highlighted, objects);
          const top = results[results.length - 1];  // shown first
          if (!top || top[0] !== index.docnames[i]) misses.push([title, top && top[0]]);
        });
        return [index.titles.length, misses];
    }"""
    )
    assert misses[0] > 40
    assert misses[1] == []


def test_random_page_lands_on_an_article(page, site: Path, base_url: str):
    known = articles(site)
    page.goto("index.html")
    page.locator(".sidebar-drawer a.wiki-random").click()
    page.wait_for_url(lambda url: not url.endswith("index.html"))
    page.wait_for_load_state()
    first = path_of(page, base_url)
    assert first in known and first != "index.html"
    # The Main Page's [[Special:Random|…]] link.
    page.goto("index.html")
    page.get_by_text("Click here to go to a random page on the wiki!").click()
    page.wait_for_url(lambda url: not url.endswith("index.html"))
    page.wait_for_load_state()
    assert path_of(page, base_url) in known
    # The special page itself, opened directly; it does not stay in the history.
    page.goto("special/random.html")
    page.wait_for_url(lambda url: "special/random" not in url)
    page.wait_for_load_state()
    assert path_of(page, base_url) in known
    assert page.locator("article h1").count() == 1
    assert page.problems == []


def test_what_links_here_entry_navigates(page):
    page.goto("pages/Grokking.html")
    box = page.locator("#wiki-whatlinkshere")
    assert "What links here" in box.inner_text()
    box.get_by_role("link", name="Neel Nanda", exact=True).click()
    page.wait_for_url(re.compile(r"pages/Neel_Nanda\.html$"))
    assert page.locator("article h1").inner_text().startswith("Neel Nanda")


def test_view_and_edit_on_the_wiki(page):
    page.goto("pages/Grokking.html")
    view = page.locator(".wiki-pageinfo a.wiki-view")
    edit = page.locator(".wiki-pageinfo a.wiki-edit")
    assert view.inner_text() == "View on the wiki"
    assert view.get_attribute("href") == "https://aiinterpretability.miraheze.org/wiki/Grokking"
    assert edit.get_attribute("href").endswith("/wiki/Grokking?action=edit")
    assert page.locator(".edit-this-page a").get_attribute("href") == edit.get_attribute("href")


def test_red_link_is_not_a_link(page, base_url: str):
    page.goto("index.html")
    red = page.locator("article .wiki-redlink", has_text="Superposition").first
    assert red.evaluate("e => e.tagName") == "SPAN"
    assert red.evaluate("e => e.closest('a') === null")
    assert red.get_attribute("title") == "Page does not exist"
    assert red.evaluate("e => getComputedStyle(e).color") == LIGHT_REDLINK
    red.click()
    assert path_of(page, base_url) == "index.html"
    page.evaluate("localStorage.setItem('theme', 'dark')")
    page.reload()
    assert red.evaluate("e => getComputedStyle(e).color") == DARK_REDLINK


def test_hovering_a_link_shows_a_preview(page):
    page.goto("categories/Phenomena.html")
    link = page.locator("article a[href$='Grokking.html']").first
    link.hover()
    preview = page.locator(".wiki-preview")
    preview.wait_for(state="visible")
    assert preview.locator(".wiki-preview-title").inner_text() == "Grokking"
    assert (
        preview.locator(".wiki-preview-text")
        .inner_text()
        .startswith("Grokking, or delayed generalization, is")
    )
    box, target = preview.bounding_box(), link.bounding_box()
    assert box["y"] >= target["y"] + target["height"] or box["y"] + box["height"] <= target["y"]
    page.mouse.move(5, 5)
    preview.wait_for(state="hidden")
    assert page.problems == []


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots(browser, base_url: str, theme: str):
    """For people to look at: the home page and an article, light and dark."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light", base_url=base_url)
    context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
    page = context.new_page()
    try:
        for name, address in (("home", "index.html"), ("article", "pages/Grokking.html")):
            page.goto(address)
            page.wait_for_load_state("networkidle")
            assert page.locator("body").get_attribute("data-theme") == theme
            path = ARTIFACTS / f"{name}-{theme}.png"
            page.screenshot(path=path, full_page=name == "article")
            assert path.stat().st_size > 10_000
    finally:
        context.close()


#: Phone and desktop screens.
SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": VIEWPORT}
#: The most blank space between the end of the text and the page information (its margins).
MAX_FOOTER_GAP_PX = 64


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_page_information_follows_the_content(browser, base_url: str, screen, theme):
    """The category footer, the What-links-here box and the licence line come right after
    the text, on a short page (not at the bottom of the window, under blank space) and on a
    long one; screenshots in test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=SCREENS[screen], color_scheme="light", base_url=base_url)
    context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
    page = context.new_page()
    measure = """() => {
        const box = (s) => document.querySelector(s).getBoundingClientRect();
        const article = box('article'), info = box('.wiki-pageinfo');
        const categories = document.querySelector('article .wiki-categories');
        return {article: article.bottom, infoTop: info.top, infoBottom: info.bottom,
                categories: categories ? categories.getBoundingClientRect().bottom : null,
                licence: box('.wiki-pageinfo .wiki-licence').bottom,
                window: innerHeight, height: document.documentElement.scrollHeight};
    }"""
    try:
        for name, address in (
            ("short", "pages/Addition.html"),
            ("special", "special/categories.html"),
            ("long", "pages/Grokking.html"),
        ):
            page.goto(address)
            page.wait_for_load_state("networkidle")
            assert page.locator("body").get_attribute("data-theme") == theme
            sizes = page.evaluate(measure)
            gap = sizes["infoTop"] - sizes["article"]
            assert 0 <= gap <= MAX_FOOTER_GAP_PX, (address, sizes)
            if sizes["categories"] is not None:  # the category footer ends the text
                assert sizes["article"] - sizes["categories"] <= 24, (address, sizes)
            assert sizes["infoTop"] < sizes["licence"] <= sizes["infoBottom"], (address, sizes)
            if name == "short":  # the page is shorter than the window: the box is not pinned
                assert sizes["height"] == sizes["window"]
                assert sizes["infoBottom"] < sizes["window"] - 150, (address, sizes)
            page.screenshot(path=ARTIFACTS / f"footer-{name}-{screen}-{theme}.png", full_page=True)
    finally:
        context.close()


#: axe-core from the npm registry (tests/node/package.json; `npm ci --prefix tests/node`).
AXE = ROOT / "tests" / "node" / "node_modules" / "axe-core" / "axe.min.js"
#: A page of each kind the site has.
AUDITED = {
    "home": "index.html",
    "article": "pages/Grokking.html",
    "category": "categories/Concepts.html",
    "special": "special/allpages.html",
}


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}, resultTypes: ['violations'],
        })).violations.map(v => v.id + ': ' + v.help + ' at '
            + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"""
    )
    return list(found)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_accessibility_audit_wcag2_a_and_aa(browser, base_url: str, theme: str):
    """axe-core, WCAG 2 A and AA: no violation on a page of each kind, light and dark."""
    if not AXE.is_file():
        pytest.fail(f"no {AXE}: npm ci --prefix tests/node (what .ci/run does)")
    context = browser.new_context(viewport=VIEWPORT, color_scheme=theme, base_url=base_url)
    context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
    page = context.new_page()
    try:
        found = {}
        for name, address in AUDITED.items():
            page.goto(address)
            page.wait_for_load_state("networkidle")
            assert page.locator("body").get_attribute("data-theme") == theme
            found[name] = _violations(page)
        assert found == {name: [] for name in AUDITED}
    finally:
        context.close()
