"""Images from a live wiki: a real MediaWiki with uploaded PNG, SVG and GIF files, converted
through its Action API, built into the site, the PDF and the ePub.

The upload host is a proxy in front of the wiki (the API names it in every file URL, so it
is allowed without --allow-host); for five files it serves a wrong content type, a 404,
an oversized file, a slow answer and a redirect to another host. Each is a warning naming
the page and the file, the rest of the site builds, and nothing is written outside the
destination.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mediawiki import MediaWiki, available
from proxy import Fault, Proxy
from test_browser import browser  # noqa: F401 (the fixture: Debian's Chromium)
from wikis import convert

PIL = pytest.importorskip("PIL.Image", reason="Pillow is in requirements.txt")

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
    '<rect width="200" height="100" fill="#eef"/><circle cx="50" cy="50" r="40" fill="#2255cc"/>'
    "</svg>\n"
)
PAGES = {
    "Main Page": "Welcome. See [[Pictures]] and [[Faults]].",
    "Pictures": (
        "Some pictures.\n\n"
        "[[File:Red box.png|thumb|upright|alt=A red box|A ''red'' box, see [[Main Page|the "
        "main page]]]]\n\n"
        "[[File:Blue circle.svg|frame|left|A blue circle]]\n\n"
        "Inline [[File:Dots.gif|frameless|link=Main Page|alt=Three dots]] in text, and "
        "[[Media:Red box.png|the original file]].\n\n"
        "[[File:Never uploaded.png|thumb|Not there]]\n"
    ),
    "Layout": (
        '<gallery caption="Three files" widths=120 heights=100>\n'
        "File:Red box.png|The red box\n"
        "File:Blue circle.svg|alt=A circle|The blue circle\n"
        "File:Dots.gif|Dots\n"
        "</gallery>\n\n"
        '<gallery mode="packed" heights=60>\nFile:Red box.png\nFile:Dots.gif\n</gallery>\n\n'
        '<div class="mw-collapsible mw-collapsed">\nMore about boxes\n'
        '<div class="mw-collapsible-content">\nHidden text about boxes.\n</div>\n</div>\n\n'
        '{| class="wikitable mw-collapsible"\n|+ Sizes\n! File !! Width\n|-\n'
        "| Red box || 640\n|}\n\n"
        "<tabber>\nFirst=Text of the first tab.\n|-|\nSecond=Text of the second tab.\n"
        "</tabber>\n"
    ),
    "Faults": "".join(
        f"[[File:{name}.png|thumb|Caption of {name}]]\n\n"
        for name in ("Wrong type", "Gone", "Huge", "Slow", "Moved")
    ),
}
#: What the proxy does to each broken file, and a word of the warning that says so.
LIMIT = 1_000_000
FAULTS = {
    "Wrong_type.png": (Fault(200, {"Content-Type": "text/html"}, b"<html>hi</html>"), "text/html"),
    "Gone.png": (Fault(404, {"Content-Type": "text/html"}, b"not found"), "404"),
    "Huge.png": (
        Fault(200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\0" * (LIMIT + 1)),
        "larger than",
    ),
    "Slow.png": (Fault(200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n", 4.0), "no answer"),
    "Moved.png": (
        Fault(302, {"Location": "http://127.0.0.2:9/elsewhere.png"}),
        "redirected to http://127.0.0.2:9/elsewhere.png",
    ),
}  # fmt: skip


def _images(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    PIL.new("RGB", (640, 480), (200, 30, 30)).save(folder / "Red_box.png")
    frames = [PIL.new("RGB", (90, 30), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    frames[0].save(folder / "Dots.gif", save_all=True, append_images=frames[1:], duration=200)
    (folder / "Blue_circle.svg").write_text(SVG, "utf-8")
    for name in FAULTS:
        PIL.new("RGB", (50, 40), (0, 120, 0)).save(folder / name)


@pytest.fixture(scope="module")
def wiki(tmp_path_factory):
    reason = available()
    if reason:
        pytest.fail(f"these tests need a real MediaWiki: {reason}")
    wiki = MediaWiki(name="Picture Wiki")
    proxy = Proxy(wiki.server)
    wiki.extra_settings = (
        "$wgUseImageMagick = false;\n$wgParserCacheType = CACHE_NONE;\n"
        "$wgFileExtensions = array_merge($wgFileExtensions, ['svg', 'gif', 'webp']);\n"
        # The uploads are served through the proxy, under another host name than the API's.
        f'$wgUploadPath = "http://localhost:{proxy.port}/img_auth.php";\n'
    )
    wiki.install()
    uploads = tmp_path_factory.mktemp("uploads")
    _images(uploads)
    wiki.upload(uploads / "Red_box.png")
    for title, text in PAGES.items():
        wiki.edit(title, text)
    wiki.start()
    with proxy:
        for name, (fault, _) in FAULTS.items():
            proxy.by_path[name] = fault
        try:
            yield wiki, proxy, uploads
        finally:
            wiki.remove()


def _listing(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def converted(wiki, tmp_path_factory):
    mediawiki, proxy, _ = wiki
    base = tmp_path_factory.mktemp("converted")
    (base / "neighbour.txt").write_text("not the converter's")
    before = _listing(base)
    dest = base / "site"
    args = ("--max-file-bytes", str(LIMIT), "--timeout", "1", "--retries", "0")
    started = time.monotonic()
    assert convert(mediawiki.api_url, dest, *args) == 0
    seconds = time.monotonic() - started
    outside = {p for p in _listing(base) - before if not p.startswith("site")}
    books = tmp_path_factory.mktemp("books-src")
    shutil.copytree(dest, books, dirs_exist_ok=True)  # as converted the first time
    return dest, outside, seconds, args, books, [s.path for s in proxy.seen]


def _report(dest: Path) -> dict:
    return json.loads((dest / "_wiki" / "report.json").read_text("utf-8"))


def _warnings(dest: Path) -> list[dict]:
    return [w for w in _report(dest)["warnings"] if w["kind"] == "file"]


def test_images_the_pages_use_are_downloaded_from_the_upload_host(converted):
    dest, outside, _, _, _, requested = converted
    assert outside == set()  # nothing beside the destination
    media = {p.name for p in (dest / "media").iterdir()}
    assert media == {"Red_box.png", "Blue_circle.svg", "Dots.gif"}
    assert (dest / "media" / "Blue_circle.svg").read_text("utf-8") == SVG
    with PIL.open(dest / "media" / "Dots.gif") as gif:
        assert gif.n_frames == 3  # the original, not a still
    # Through the upload host the API named (the proxy), not the API's host.
    assert any(path.endswith("/Red_box.png") for path in requested)
    page = (dest / "pages" / "Pictures.md").read_text("utf-8")
    red_box = re.search(r"```+\{figure\} /media/Red_box\.png\n(.*?)```", page, re.DOTALL)
    assert red_box, page
    # upright: 0.75 of MediaWiki's 300 px thumbnail, rounded to tens as it does
    assert ':alt: "A red box"' in red_box.group(1) and ":width: 230px" in red_box.group(1)
    assert "*red* box, see [the main page](#wiki-index)" in red_box.group(1)
    circle = re.search(r"```+\{figure\} /media/Blue_circle\.svg\n(.*?)```", page, re.DOTALL)
    assert circle and ":width: 200px" in circle.group(1) and ":align: left" in circle.group(1)
    assert "[![Three dots](/media/Dots.gif){width=90px}](#wiki-index)" in page
    assert "[the original file](/media/Red_box.png)" in page


def test_a_missing_or_refused_file_is_a_red_link_and_a_warning_naming_page_and_file(converted):
    dest = converted[0]
    warnings = _warnings(dest)
    faults = [w for w in warnings if w["page"] == "Faults"]
    for name, (_, reason) in FAULTS.items():
        title = "File:" + name.replace("_", " ")
        said = [w for w in faults if title in w["message"]]
        assert len(said) == 1 and reason in said[0]["message"], (name, faults)
        assert said[0]["line"] is not None
    missing = [w for w in warnings if "Never uploaded.png" in w["message"]]
    assert [w["page"] for w in missing] == ["Pictures"]
    assert "is not on the wiki" in missing[0]["message"]
    page = (dest / "pages" / "Faults.md").read_text("utf-8")
    for name in FAULTS:
        # nothing lost: the file's name and its caption stay, as a red file link
        title = name.replace("_", " ").removesuffix(".png")
        assert f"[File:{title}.png]{{.wiki-redlink .wiki-missing-file}} Caption of {title}" in page
    assert "File:Gone.png" in _report(dest)["red_links"]


def test_a_second_conversion_downloads_only_what_changed(wiki, converted):
    mediawiki, proxy, uploads = wiki
    dest, _, first_seconds, args, _, _ = converted
    media = {p.name: p.read_bytes() for p in (dest / "media").iterdir()}
    proxy.seen.clear()
    started = time.monotonic()
    assert convert(mediawiki.api_url, dest, *args) == 0
    assert time.monotonic() - started < first_seconds + 5
    fetched = {Path(s.path).name for s in proxy.seen}
    assert fetched == set(FAULTS)  # the good files come from the cache; the broken are tried
    assert {p.name: p.read_bytes() for p in (dest / "media").iterdir()} == media
    # A new version of one file on the wiki: only that one is downloaded again.
    changed = uploads / "v2"
    changed.mkdir()
    PIL.new("RGB", (640, 480), (30, 200, 30)).save(changed / "Red_box.png")
    mediawiki.php(
        "importImages.php", "--overwrite", "--user", "Admin", "--comment", "v2", str(changed)
    )
    proxy.seen.clear()
    assert convert(mediawiki.api_url, dest, *args) == 0
    fetched = {Path(s.path).name for s in proxy.seen}
    assert fetched - set(FAULTS) == {"Red_box.png"}
    assert (dest / "media" / "Red_box.png").read_bytes() == (changed / "Red_box.png").read_bytes()


@pytest.fixture(scope="module")
def html_site(converted, tmp_path_factory) -> Path:
    """The HTML site of the first conversion (-W -n: no warnings)."""
    from wikis import sphinx_build

    warnings, out = sphinx_build(converted[4], tmp_path_factory.mktemp("html"))
    assert warnings == ""
    return out


def test_the_site_shows_every_image_with_its_caption_and_alt_text(html_site):
    out = html_site
    soup = BeautifulSoup((out / "pages" / "Pictures.html").read_text("utf-8"), "html.parser")
    images = {Path(img["src"]).name: img for img in soup.select("article img")}
    assert set(images) == {"Red_box.png", "Blue_circle.svg", "Dots.gif"}
    for name in images:
        assert (out / "_images" / name).is_file()
    assert images["Red_box.png"]["alt"] == "A red box"
    assert images["Dots.gif"]["alt"] == "Three dots"
    captions = [" ".join(c.get_text().split()) for c in soup.select("figcaption")]
    assert "A red box, see the main page" in " ".join(captions)
    assert "A blue circle" in " ".join(captions)
    # a file's own page shows it, as large as it is up to 800 x 600 (as MediaWiki's does)
    (file_page,) = (out / "pages").glob("File*Red_box.png.html")
    shown = BeautifulSoup(file_page.read_text("utf-8"), "html.parser").select("article img")
    assert [(Path(i["src"]).name, i["style"]) for i in shown] == [("Red_box.png", "width: 640px;")]
    faults = BeautifulSoup((out / "pages" / "Faults.html").read_text("utf-8"), "html.parser")
    assert len(faults.select(".wiki-missing-file")) == len(FAULTS)
    assert not faults.select("article img")


@pytest.fixture(scope="module")
def books(converted, tmp_path_factory):
    """The PDF (xelatex) and the ePub of the converted wiki, as tox -e pdf, epub build them."""
    from test_exports import _build_epub, _build_pdf

    base = tmp_path_factory.mktemp("books")
    src = converted[4]
    latex_warnings, latexmk = _build_pdf(src, base)
    epub_warnings, epubcheck = _build_epub(src, base)
    return base, latex_warnings, latexmk, epub_warnings, epubcheck


def test_the_pdf_shows_every_image_with_its_caption(books):
    import subprocess

    base, warnings, latexmk, _, _ = books
    assert warnings == ""
    assert latexmk.returncode == 0, latexmk.stdout[-2000:]
    tex = "\n".join(p.read_text("utf-8") for p in (base / "latex").glob("*.tex"))
    included = set(re.findall(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{([^}]*)\}", tex))
    # the drawing as a vector PDF (rsvg-convert), the animation as its first frame (PNG)
    assert included == {"Red_box", "Blue_circle", "Dots"}, included
    assert {"Blue_circle.pdf", "Dots.png", "Red_box.png"} <= {
        p.name for p in (base / "latex").iterdir()
    }
    (pdf,) = [p.with_suffix(".pdf") for p in (base / "latex").glob("*.tex")]
    listing = subprocess.run(["pdfimages", "-list", pdf], capture_output=True, text=True)
    sizes = {tuple(line.split()[3:5]) for line in listing.stdout.splitlines()[2:]}
    assert {("640", "480"), ("90", "30")} <= sizes, listing.stdout
    text = " ".join(
        subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout.split()
    )
    assert "A red box, see the main page" in text and "A blue circle" in text
    assert "File:Gone.png Caption of Gone" in text
    # the gallery as a table of its files, captions under them; the dropdowns and tabs open
    gallery = re.search(r"Three files(.*?)\\end\{longtable\}", tex, re.DOTALL)
    assert gallery and gallery.group(1).count("sphinxincludegraphics") == 3, tex
    for caption in ("The blue circle", "Hidden text about boxes", "Text of the second tab"):
        assert caption in text


def test_the_epub_shows_every_image_with_its_caption_and_alt_text(books):
    import zipfile

    base, _, _, warnings, epubcheck = books
    assert warnings == ""
    output = epubcheck.stdout + epubcheck.stderr
    assert epubcheck.returncode == 0 and "0 fatals / 0 errors / 0 warnings" in output, output
    (book,) = (base / "epub").glob("*.epub")
    archive = zipfile.ZipFile(book)
    names = {Path(n).name for n in archive.namelist() if "_images/" in n}
    assert {"Red_box.png", "Blue_circle.svg", "Dots.gif"} <= names, archive.namelist()
    (page,) = [n for n in archive.namelist() if n.endswith("Pictures.xhtml")]
    soup = BeautifulSoup(archive.read(page).decode(), "html.parser")
    alts = {Path(img["src"]).name: img.get("alt") for img in soup.select("img")}
    assert alts["Red_box.png"] == "A red box" and alts["Dots.gif"] == "Three dots"
    assert "A blue circle" in soup.get_text()
    (layout,) = [n for n in archive.namelist() if n.endswith("Layout.xhtml")]
    soup = BeautifulSoup(archive.read(layout).decode(), "html.parser")
    first = soup.select("table.wiki-gallery-table")[0]
    assert [img["alt"] for img in first.select("img")] == ["The red box", "A circle", "Dots"]
    # dropdowns open for good: their title a heading, their content shown
    assert not soup.select("details")
    static = soup.select(".wiki-collapsible-static")
    assert [_text(d.select_one(".rubric")) for d in static] == ["More about boxes", "Sizes"]
    assert "Hidden text about boxes." in _text(static[0])
    assert not soup.select(".sd-tab-set input") and "Text of the second tab." in soup.get_text()


def _text(node) -> str:
    return " ".join(node.get_text().split())


def test_a_gallery_is_a_grid_of_cards_a_collapsible_a_dropdown_a_tabber_tabs(html_site):
    soup = BeautifulSoup((html_site / "pages" / "Layout.html").read_text("utf-8"), "html.parser")
    grids = soup.select(".wiki-gallery")
    assert [g.select_one(".sd-row") is not None for g in grids] == [True, True]
    first, packed = grids
    cards = first.select(".sd-card")
    assert [Path(card.img["src"]).name for card in cards] == [
        "Red_box.png", "Blue_circle.svg", "Dots.gif"
    ]  # fmt: skip
    assert [card.img["alt"] for card in cards] == ["The red box", "A circle", "Dots"]
    assert [_text(card) for card in cards] == ["The red box", "The blue circle", "Dots"]
    # widths=120 heights=100: each file fits the box, none is enlarged (Dots is 90 wide)
    styles = [card.img["style"] for card in cards]
    assert styles == ["width: 120px;", "width: 120px;", "width: 90px;"]
    assert _text(first.find_previous("p")) == "Three files"
    # packed: one height (60), each file as wide as that makes it
    assert "wiki-gallery-packed" in packed["class"]
    assert [img["style"] for img in packed.select("img")] == ["width: 80px;", "width: 90px;"]
    (collapsed, table) = soup.select("details.wiki-collapsible")
    assert not collapsed.has_attr("open") and _text(collapsed.summary) == "More about boxes"
    assert "Hidden text about boxes." in _text(collapsed)
    assert table.has_attr("open") and _text(table.summary) == "Sizes" and table.select("table")
    (tabs,) = soup.select(".sd-tab-set")
    assert [_text(label) for label in tabs.select("label")] == ["First", "Second"]
    assert "Text of the second tab." in _text(tabs)


# --- in a browser --------------------------------------------------------------------------

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def served(html_site):
    from test_browser import serve

    with serve(html_site) as address:
        yield address + "pages/Layout.html"


def _open(chromium, url: str, viewport: dict):
    context = chromium.new_context(viewport=viewport, color_scheme="light")
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.goto(url)
    page.wait_for_load_state("load")
    return context, page, failed


def _rows(page) -> list[int]:
    tops = page.eval_on_selector_all(
        ".wiki-gallery >> nth=0 >> .sd-card",
        "cards => cards.map(c => c.getBoundingClientRect().top)",
    )
    return sorted({round(top) for top in tops})


@pytest.mark.slow
def test_a_gallery_is_a_responsive_grid_on_a_phone_and_a_desktop(browser, served):  # noqa: F811
    from test_browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    rows = {}
    for name, viewport in {"phone": PHONE, "desktop": DESKTOP}.items():
        context, page, failed = _open(browser, served, viewport)
        try:
            assert failed == []
            loaded = page.eval_on_selector_all(
                ".wiki-gallery img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"
            )
            assert loaded and all(loaded)  # every picture arrived
            rows[name] = _rows(page)
            page.locator(".wiki-gallery").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"gallery-{name}.png"), full_page=True)
        finally:
            context.close()
    # three cards: two a row on a phone (two rows), all on one row on a desktop
    assert len(rows["phone"]) == 2 and len(rows["desktop"]) == 1, rows


@pytest.mark.slow
def test_a_collapsed_block_opens_and_closes(browser, served):  # noqa: F811
    from test_browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    context, page, _ = _open(browser, served, DESKTOP)
    try:
        hidden = page.get_by_text("Hidden text about boxes.")
        summary = page.locator("details.wiki-collapsible summary").first
        assert not hidden.is_visible()
        summary.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "dropdown-closed.png"))
        summary.click()
        hidden.wait_for(state="visible")
        page.screenshot(path=str(ARTIFACTS / "dropdown-open.png"))
        summary.click()
        hidden.wait_for(state="hidden")
        # a tab set switches tabs
        page.get_by_text("Second", exact=True).click()
        page.get_by_text("Text of the second tab.").wait_for(state="visible")
        assert not page.get_by_text("Text of the first tab.").is_visible()
    finally:
        context.close()


@pytest.mark.slow
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_gallery_page_passes_the_accessibility_audit(browser, served, theme):  # noqa: F811
    """axe-core, WCAG 2 A and AA, on the page with a gallery, a dropdown and tabs."""
    from test_browser import AXE, _violations

    if not AXE.is_file():
        pytest.fail(f"no {AXE}: npm ci --prefix tests/node (what .ci/run does)")
    context = browser.new_context(viewport=DESKTOP, color_scheme=theme)
    context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
    page = context.new_page()
    try:
        page.goto(served)
        page.wait_for_load_state("load")
        assert page.locator("body").get_attribute("data-theme") == theme
        assert page.locator(".wiki-gallery .sd-card").count() >= 3  # the gallery is audited
        assert _violations(page) == []
    finally:
        context.close()
