"""Wikis whose templates run Lua (Scribunto), against a real MediaWiki with Scribunto.

``tests/fixtures/lua-wiki.bundle`` is a wiki of modules in the style of real infobox,
citation and navbox modules. A session wiki (Debian's MediaWiki, Scribunto's
``luastandalone`` engine on Debian's lua5.1, Cite, ParserFunctions) holds it; MediaWiki's own
rendering of each article (the parse API, at test time) is the reference. The site is
converted from the API (the wiki expands the pages that need it) and from the wiki's XML
export (the modules run here), built with ``-W``, and compared as the snapshot test does.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import fidelity
import pytest
from mediawiki import MediaWiki, available
from mw2sphinx import titles
from mw2sphinx.expand import expand_page
from mw2sphinx.model import SiteInfo
from mw2sphinx.sources.api import read_api
from mw2sphinx.sources.client import ApiClient
from mw2sphinx.sources.expansion import ExpandCache, needs_wiki, plan_expansion
from mw2sphinx.sources.folder import read_folder
from wikis import FIXTURES, ROOT, convert, unpack

BUNDLE = FIXTURES / "lua-wiki.bundle"
SITE_NAME = "Lua Wiki"
SETTINGS = """
wfLoadExtension('Cite');
wfLoadExtension('ParserFunctions');
wfLoadExtension('Scribunto');
$wgScribuntoDefaultEngine = 'luastandalone';
$wgScribuntoEngineConf['luastandalone']['luaPath'] = '/usr/bin/lua5.1';
$wgParserCacheType = CACHE_NONE;
"""
#: The articles compared with MediaWiki's rendering.
ARTICLES = ("Alpha Lab", "Beta Survey", "Gamma Project", "Main Page")


def _require_scribunto() -> None:
    why = available()
    if why is None and not Path("/usr/bin/lua5.1").is_file():
        why = "lua5.1 is not installed (apt-get install lua5.1)"
    if why is None and not Path("/usr/share/mediawiki/extensions/Scribunto").is_dir():
        why = "Scribunto is not in Debian's mediawiki package here"
    if why is not None:
        pytest.fail(f"the Lua tests need a MediaWiki with Scribunto: {why}")


def _dependencies_first(item) -> tuple:
    title, page = item
    return (page.namespace != titles.MODULE, page.namespace != titles.TEMPLATE, title)


@pytest.fixture(scope="module")
def lua_wiki(tmp_path_factory):
    """The module wiki, served; its pages as MediaWiki renders them; its XML export."""
    _require_scribunto()
    root = tmp_path_factory.mktemp("lua-wiki")
    folder = unpack(BUNDLE, root / "folder")
    pages = read_folder(folder, site=SiteInfo(name=SITE_NAME)).pages
    server = MediaWiki(name=SITE_NAME, settings=SETTINGS).install()
    try:
        # Modules, then templates, then the rest: each page is saved after what it uses,
        # so that the wiki's link tables (prop=templates) are complete.
        for title, page in sorted(pages.items(), key=_dependencies_first):
            server.edit(title, page.text)
        server.start()
        rendered = {}
        for title in ARTICLES:
            result = server.api(
                action="parse",
                page=title,
                prop="text|links|categories|sections|displaytitle",
                disableeditsection="1",
                disablelimitreport="1",
            )["parse"]
            rendered[title] = result
        export = server.dump(root / "export.xml")
        yield server, rendered, export
    finally:
        server.remove()


def _build(src: Path, out: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q", "-b", "html",
         "-c", str(ROOT), str(src), str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert build.returncode == 0 and not build.stderr.strip(), build.stderr


def _compare(rendered: dict, src: Path, html: Path) -> dict[str, fidelity.PageComparison]:
    result = fidelity.compare_site(rendered=rendered, site=fidelity.load_site(src), html_dir=html)
    return {page.title: page for page in result.pages}


def _assert_faithful(comparison: dict[str, fidelity.PageComparison]) -> None:
    assert set(comparison) == set(ARTICLES)
    for title, page in comparison.items():
        assert page.has_html, title
        assert page.words.value >= 0.99, (title, page.details())
        assert page.ours.links == page.mediawiki.links, (title, page.details())
        assert page.ours.headings == page.mediawiki.headings, (title, page.details())
        assert page.references.value == 1.0, (title, page.details())


@pytest.fixture(scope="module")
def from_api(lua_wiki, tmp_path_factory):
    server, rendered, _ = lua_wiki
    root = tmp_path_factory.mktemp("lua-api")
    assert convert(server.api_url, root / "src") == 0  # type: ignore[arg-type]
    _build(root / "src", root / "html")
    return root, _compare(rendered, root / "src", root / "html")


def test_the_wiki_expands_what_needs_it_and_the_site_is_faithful(from_api):
    root, comparison = from_api
    _assert_faithful(comparison)
    report = json.loads((root / "src" / "_wiki" / "report.json").read_text("utf-8"))
    # Every page with an #invoke (directly or in its templates) was expanded by the wiki;
    # the rest here; the modules are shown as their source.
    assert report["expansion"]["wiki"] == [
        "Alpha Lab", "Beta Survey", "Gamma Project", "Main Page",
        "Template:Cite web", "Template:Infobox", "Template:Navbox",
    ]  # fmt: skip
    assert "Module:Infobox" in report["expansion"]["local"]
    assert "Template:Small" in report["expansion"]["local"]
    assert report["unknown_templates"] == {}
    assert not [w for w in report["warnings"] if w["kind"] == "parser-function"]


def test_transclusions_include_the_modules(from_api):
    root, _ = from_api
    site = json.loads((root / "src" / "_wiki" / "site.json").read_text("utf-8"))
    entry = site["pages"]["Alpha Lab"]
    used = set(entry["transcludes"])
    assert {"Template:Infobox", "Module:Infobox", "Module:Words", "Module:Util"} <= used, entry


def test_a_module_page_is_its_source(from_api):
    root, _ = from_api
    markdown = next((root / "src").rglob("*odule*nfobox.md")).read_text("utf-8")
    assert "```lua" in markdown and "function p.infobox(frame)" in markdown


def test_an_unchanged_page_is_never_asked_again(lua_wiki, tmp_path):
    server, _, _ = lua_wiki
    client = ApiClient(server.api_url)
    wiki = read_api(server.api_url, client=client)
    namespaces = titles.Namespaces(wiki.site)

    def plan(cache: ExpandCache, the_wiki=wiki):
        return plan_expansion(
            the_wiki, mode="auto", client=client, cache=cache, expand=expand_page,
            namespaces=namespaces,
        )  # fmt: skip

    cache = ExpandCache()
    first = plan(cache)
    # one expandtemplates per page, one more for the pages with templates in their refs,
    # one prop=templates request for all of them
    assert first.requests == 7 + 2 + 1
    cache.save(tmp_path)
    again = plan(ExpandCache.load(tmp_path))
    assert again.requests == 0
    assert set(again.where.values()) == {"local", "wiki-cache"}
    assert {k: e.text for k, e in again.expansions.items()} == {
        k: e.text for k, e in first.expansions.items()
    }
    # A template changes: the pages that use it are asked again, the others are not.
    navbox = wiki.pages["Template:Navbox"]
    changed = dataclasses.replace(
        wiki, pages={**wiki.pages, navbox.title: dataclasses.replace(navbox, revision=10**6)}
    )
    third = plan(ExpandCache.load(tmp_path), changed)
    asked = sorted(k for k, v in third.where.items() if v == "wiki")
    assert asked == ["Alpha Lab", "Gamma Project", "Main Page", "Template:Navbox"]


def test_expand_local_runs_the_api_s_modules_here(lua_wiki, tmp_path):
    server, _, _ = lua_wiki
    assert convert(server.api_url, tmp_path / "src", "--expand", "local") == 0  # type: ignore[arg-type]
    report = json.loads((tmp_path / "src" / "_wiki" / "report.json").read_text("utf-8"))
    assert "wiki" not in report["expansion"]
    assert set(ARTICLES) <= set(report["expansion"]["lua"])
    assert not [w for w in report["warnings"] if w["kind"] in {"lua", "parser-function"}]


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("{{#invoke:Words|count|a b}}", True),
        ("{{REVISIONID}}", True),
        ("{{PAGESINCATEGORY:Research}}", True),
        ("{{CURRENTYEAR}}", False),  # the expander has the clock
        ("{{NUMBEROFARTICLES}} articles", True),
        ("{{#if:x|yes|no}} {{PAGENAME}} {{lc:ABC}}", False),
        ("{{Missing template}}", False),  # the wiki would show a red link too
        ("{{#someextensionfunction:x}}", True),
    ],
)
def test_what_needs_the_wiki(text, needs):
    from mw2sphinx.model import Wiki

    wiki = Wiki(site=SiteInfo(name=SITE_NAME), pages={})
    namespaces = titles.Namespaces(wiki.site)
    title = namespaces.title("Page")
    expansion = expand_page(text, wiki=wiki, title=title, namespaces=namespaces, lua=False)
    assert (needs_wiki(expansion) is not None) == needs


@pytest.fixture(scope="module")
def from_export(lua_wiki, tmp_path_factory):
    _, rendered, export = lua_wiki
    root = tmp_path_factory.mktemp("lua-export")
    assert convert(export, root / "src") == 0
    _build(root / "src", root / "html")
    return root, _compare(rendered, root / "src", root / "html")


def test_an_export_runs_its_modules_here_and_the_site_is_faithful(from_export):
    root, comparison = from_export
    _assert_faithful(comparison)
    report = json.loads((root / "src" / "_wiki" / "report.json").read_text("utf-8"))
    assert "wiki" not in report["expansion"]
    assert set(ARTICLES) <= set(report["expansion"]["lua"])
    assert not [w for w in report["warnings"] if w["kind"] in {"lua", "parser-function"}]
    site = json.loads((root / "src" / "_wiki" / "site.json").read_text("utf-8"))
    used = set(site["pages"]["Alpha Lab"]["transcludes"])
    assert {"Template:Infobox", "Module:Infobox", "Module:Words", "Module:Util"} <= used


def test_the_export_and_the_api_give_the_same_text(from_api, from_export):
    for title in ARTICLES:
        api, export = from_api[1][title], from_export[1][title]
        assert api.ours.words == export.ours.words, title


#: Modules that try what a module must not do; each must end with a Lua error, in bounds.
HOSTILE_MODULES = {
    "Loop": "function p.run() while true do end end",
    "Pcall loop": "function p.run() while true do pcall(function() while true do end end) end end",
    "Huge": "function p.run() local s = 'x' for i = 1, 40 do s = s .. s end return s end",
    "Execute": "function p.run() os.execute('touch {canary}') return 'ran' end",
    "Open": "function p.run() return io.open('{canary}', 'w'):write('x') end",
    "Require": "function p.run() return require('os').execute('touch {canary}') end",
    "Recursion": "local function f(n) return f(n + 1) + 1 end function p.run() return f(1) end",
    "Syntax": "function p.run( end",
    "Self": "function p.run(frame) return frame:preprocess('{{#invoke:Self|run}}') end",
    # the host's functions are Lua functions: nothing of Python can be indexed
    "Host": "function p.run() return mw.site.stats.pagesInCategory.__globals end",
}


def test_hostile_modules_end_with_a_warning_and_the_rest_builds(tmp_path):
    canary = tmp_path / "outside" / "touched"
    canary.parent.mkdir()
    folder = tmp_path / "wiki"
    (folder / "module").mkdir(parents=True)
    # One page each: the time and memory limits are a page's, as in Scribunto.
    (folder / "Main_Page.mediawiki").write_text("Start: {{#invoke:Fine|run}}\n", "utf-8")
    (folder / "pages").mkdir()
    for name in HOSTILE_MODULES:
        text = f"Before.\n\n{{{{#invoke:{name}|run}}}}\n\nAfter.\n"
        (folder / "pages" / f"{name.replace(' ', '_')}.mediawiki").write_text(text, "utf-8")
    modules = {**HOSTILE_MODULES, "Fine": "function p.run() return 'All is well.' end"}
    for name, body in modules.items():
        code = "local p = {}\n" + body.replace("{canary}", str(canary)) + "\nreturn p\n"
        (folder / "module" / f"Module:{name.replace(' ', '_')}.mediawiki").write_text(code, "utf-8")
    outside_before = sorted(p.name for p in tmp_path.iterdir())
    started = time.monotonic()
    assert convert(folder, tmp_path / "src") == 0
    assert time.monotonic() - started < 120
    assert not canary.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*outside_before, "src"])
    report = json.loads((tmp_path / "src" / "_wiki" / "report.json").read_text("utf-8"))
    errors = {w["message"].split(":")[1].strip() for w in report["warnings"] if w["kind"] == "lua"}
    assert errors == set(HOSTILE_MODULES), report["warnings"]
    messages = " ".join(w["message"] for w in report["warnings"])
    assert "time allocated" in messages and "not enough memory" in messages
    assert "stack overflow" in messages
    _build(tmp_path / "src", tmp_path / "html")
    assert "All is well." in (tmp_path / "html" / "index.html").read_text("utf-8")
    for name in HOSTILE_MODULES:
        html = (tmp_path / "html" / "pages" / f"{name.replace(' ', '_')}.html").read_text("utf-8")
        assert "Before." in html and "After." in html and "Script error" in html, name


def test_a_fetched_snapshot_stores_the_modules_and_runs_them(lua_wiki, tmp_path):
    from mw2sphinx.sources.sync import main as fetch_main

    server, rendered, _ = lua_wiki
    snapshot = tmp_path / "snapshot"
    assert fetch_main(["--source", server.api_url, "--out", str(snapshot), "--quiet"]) == 0
    stored = sorted(p.name for p in (snapshot / "module").iterdir())
    assert stored == [
        "Module:Citation.mediawiki", "Module:Infobox.mediawiki", "Module:Navbox.mediawiki",
        "Module:Probe.mediawiki", "Module:Util.mediawiki", "Module:Words.mediawiki",
    ]  # fmt: skip
    assert convert(snapshot, tmp_path / "src") == 0
    _build(tmp_path / "src", tmp_path / "html")
    _assert_faithful(_compare(rendered, tmp_path / "src", tmp_path / "html"))
    report = json.loads((tmp_path / "src" / "_wiki" / "report.json").read_text("utf-8"))
    assert set(ARTICLES) <= set(report["expansion"]["lua"])


def test_the_wiki_is_asked_politely_and_a_failure_is_a_warning(lua_wiki, tmp_path):
    from mw2sphinx.report import Kind
    from proxy import Fault, Proxy

    server, _, _ = lua_wiki
    wiki = read_api(server.api_url)
    namespaces = titles.Namespaces(wiki.site)

    def plan(client: ApiClient):
        return plan_expansion(
            wiki, mode="auto", client=client, cache=ExpandCache(), expand=expand_page,
            namespaces=namespaces,
        )  # fmt: skip

    with Proxy(server.server) as proxy:
        # The first answer asks to wait: the client waits as long, then goes on.
        proxy.faults = [Fault(status=503, headers={"Retry-After": "1"})]
        started = time.monotonic()
        done = plan(ApiClient(proxy.api_url, backoff=0.01))
        assert time.monotonic() - started >= 1
        assert not done.warnings and done.where["Alpha Lab"] == "wiki"
        assert proxy.max_in_flight <= 2
        asked = [q for q in proxy.queries() if q.get("action") == "expandtemplates"]
        # 7 pages, 2 of them with templates in refs, and the one that was asked to wait
        assert len(asked) == 7 + 2 + 1 and all(q.get("maxlag") == "5" for q in asked)
        # A wiki that cannot answer: every page is expanded here, with a warning each.
        proxy.reset()
        proxy.always = Fault(status=500)
        failed = plan(ApiClient(proxy.api_url, backoff=0.01, retries=1))
    assert set(failed.where.values()) == {"local"}
    assert {w.page for w in failed.warnings if w.kind == Kind.EXPANSION} == set(done.reasons)
    assert "Script error" not in failed.expansions["Alpha Lab"].text  # a placeholder instead


#: Formats and times as modules give them to mw.language:formatDate ({{#time:}} has the
#: same formatter in MediaWiki).
DATES = [
    ("Y-m-d", "2023-05-01"),
    ("j F Y", "2023-05-01T13:04:05Z"),
    ("D, d M Y H:i:s", "2023-05-01T13:04:05Z"),
    ("l jS \\o\\f F", "2024-02-29"),  # S is not a code here (English ordinals are not)
    ('"Week" W, N, w, z, t, L', "2024-12-31"),
    ("g:i a, h A, G", "2023-05-01T00:30:00Z"),
    ("U", "2023-05-01T13:04:05Z"),
    ("c", "20230501130405"),
    ("y n j", "@86400"),
]


def test_format_date_writes_what_mediawiki_writes(lua_wiki):
    from mw2sphinx.lua import dates

    server, _, _ = lua_wiki
    for fmt, when in DATES:
        text = "{{#time:" + fmt + "|" + when + "}}"
        expected = server.api(action="expandtemplates", text=text, prop="wikitext")
        ours = dates.format_date(fmt, dates.parse_time(when))
        assert ours == expected["expandtemplates"]["wikitext"], (fmt, when)


def test_the_styles_a_module_adds_are_not_text(tmp_path):
    # frame:extensionTag('templatestyles', '', {src = …}) as navbox modules call it: what
    # TemplateStyles makes of it is a <style>, never text (Debian's MediaWiki lacks it, so
    # this is compared with what it renders, not with a rendering).
    from mw2sphinx.model import Page, Wiki
    from wikis import tree_of

    module = (
        "local p = {}\nfunction p.box(frame)\n  return frame:extensionTag('templatestyles', "
        "'', {src = 'Navbox/styles.css'}) .. 'Box text.'\nend\nreturn p\n"
    )
    pages = {
        "Main Page": Page("Main Page", 0, 'A {{#invoke:Box|box}} <templatestyles src="B.css"/> Z'),
        "Module:Box": Page("Module:Box", titles.MODULE, module),
    }
    index = tree_of(Wiki(site=SiteInfo(name=SITE_NAME), pages=pages))["index.md"]
    assert "Box text." in index and "templatestyles" not in index and "css" not in index


def test_the_libraries_answer_as_scribunto_does(lua_wiki):
    """Module:Probe asks mw.text, mw.ustring, mw.title, mw.site, mw.html, mw.uri,
    mw.language, mw.message, mw.hash, the frame and the sandbox one thing a line."""
    from mw2sphinx.sources.xml_export import read_xml_export

    server, _, export = lua_wiki
    call = "{{#invoke:Probe|run|one|two|named=N}}"
    theirs = server.api(action="expandtemplates", title="Beta Survey", text=call, prop="wikitext")
    wiki = read_xml_export(export, default_site=SiteInfo(name=SITE_NAME))
    namespaces = titles.Namespaces(wiki.site)
    ours = expand_page(
        call, wiki=wiki, title=namespaces.title("Beta Survey"), namespaces=namespaces
    )
    assert not ours.warnings
    expected = theirs["expandtemplates"]["wikitext"].split("\n")
    assert len(expected) > 50
    assert ours.text.split("\n") == expected


def test_a_module_reads_mediawikis_default_messages():
    """mw.message for a message the wiki has no MediaWiki: page of: MediaWiki's default
    (mwdata, from the installed MediaWiki), as Scribunto gives it."""
    from mw2sphinx.model import Page, Wiki

    module = (
        "local p = {}\nfunction p.m(frame)\n  return mw.message.new('mainpage'):plain() .. '/' "
        ".. mw.message.new('greeting'):plain() .. '/' .. mw.message.new('no-such'):plain()\n"
        "end\nreturn p\n"
    )
    pages = {
        "Module:M": Page("Module:M", titles.MODULE, module),
        "MediaWiki:Greeting": Page("MediaWiki:Greeting", 8, "Hi"),
    }
    wiki = Wiki(site=SiteInfo(name=SITE_NAME), pages=pages)
    namespaces = titles.Namespaces(wiki.site)
    result = expand_page("{{#invoke:M|m}}", wiki=wiki, title=namespaces.title("P"),
                         namespaces=namespaces)  # fmt: skip
    assert result.text == "Main Page/Hi/⧼no-such⧽"
