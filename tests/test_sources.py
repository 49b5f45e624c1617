"""The three sources (folder, XML export, live API) and the fetcher, against a real MediaWiki.

Every wiki here is Debian's MediaWiki 1.39 on loopback (see ``mediawiki.py``); faults come
from a small proxy of our own in front of it (``proxy.py``). Nothing is mocked.
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from mediawiki import MediaWiki, available, export_xml, free_port
from mw2sphinx.sources import SourceError, open_source
from mw2sphinx.sources.client import ApiClient
from mw2sphinx.sources.snapshot import MANIFEST, read_manifest
from mw2sphinx.sources.sync import STAGING, fetch_snapshot
from mw2sphinx.sources.xml_export import split_base
from proxy import Fault, Proxy
from wikis import ROOT, SHARED_SNAPSHOT, convert, needs_shared, require_shared

SHARED_EXPORT = SHARED_SNAPSHOT.parent / "ai-interpretability-wiki.xml"
FETCH = [sys.executable, str(ROOT / "scripts" / "fetch.py")]
CONVERT = [sys.executable, str(ROOT / "scripts" / "convert.py")]
#: The same address for every source, so that the trees can be compared byte for byte.
ARTICLE_URL = "https://wiki.example/wiki/$1"
SITE_FILES = ("index.md", "pages/", "categories/", "special/")

#: A small wiki with what the snapshot lacks: a template, a redirect, a subpage, a talk page.
FIXTURE_PAGES = {
    "Main Page": "Welcome to {{SITENAME}}: [[Fruit]], [[Apple]], [[Guide/Setup]].",
    "Fruit": "'''Fruit''' is food. {{Greeting|name=reader}}\n\n[[Category:Food]]",
    "Apple": "An apple is a [[Fruit]].\n\n[[Category:Food]]",
    "Category:Food": "Things to eat.",
    "Template:Greeting": "Hello, {{{name}}}!",
    "Guide/Setup": "A subpage; see [[Fruit]].",
    "Old fruit": "#REDIRECT [[Fruit]]",
    "Talk:Fruit": "Talk pages are not part of the site.",
}


def _require_mediawiki() -> None:
    reason = available()
    if reason:
        pytest.fail(f"these tests need a real MediaWiki: {reason}")


@pytest.fixture(scope="session")
def snapshot_wiki(tmp_path_factory: pytest.TempPathFactory):
    """The shared snapshot, imported from its real export into a wiki of its own."""
    require_shared()
    _require_mediawiki()
    wiki = MediaWiki(name="AI Interpretability Wiki").install()
    wiki.delete("Main Page")  # the installer's; the export brings the wiki's own
    wiki.import_xml(SHARED_EXPORT)
    wiki.start()
    yield wiki
    wiki.remove()


@pytest.fixture(scope="session")
def fixture_wiki():
    """The fixture pages in a wiki that is installed once and copied for each test."""
    _require_mediawiki()
    wiki = MediaWiki().install()
    pages = wiki.root / "pages.xml"
    pages.write_text(export_xml(FIXTURE_PAGES), "utf-8")
    wiki.import_xml(pages)
    # The installer's main page is newer than the imported one: replace it by an edit.
    wiki.edit("Main Page", FIXTURE_PAGES["Main Page"])
    yield wiki
    wiki.remove()


@pytest.fixture
def fresh_wiki(fixture_wiki: MediaWiki):
    """A wiki of its own with the fixture pages, for tests that change it."""
    wiki = fixture_wiki.clone().start()
    yield wiki
    wiki.remove()


@pytest.fixture
def proxy_for():
    proxies = []

    def start(wiki: MediaWiki) -> Proxy:
        proxy = Proxy(wiki.server).__enter__()
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        proxy.__exit__(None, None, None)


# --- helpers ----------------------------------------------------------------------------


def site_tree(source: Path | str, dest: Path, *args: str) -> dict[str, bytes]:
    """Convert a source; the generated pages of the tree (not the site data in _wiki/)."""
    assert convert(source, dest, "--article-url", ARTICLE_URL, *args) == 0
    return {
        p.relative_to(dest).as_posix(): p.read_bytes()
        for p in sorted(dest.rglob("*.md"))
        if p.relative_to(dest).as_posix().startswith(SITE_FILES)
    }


def page_texts(wiki) -> dict[str, tuple[int, str]]:
    """What every page of a Wiki says; MediaWiki drops trailing newlines, files keep them."""
    return {title: (p.namespace, p.text.rstrip("\n")) for title, p in wiki.pages.items()}


def fetch(api_url: str, out: Path, *args: str) -> int:
    from mw2sphinx.sources.sync import main

    return main(["--source", api_url, "--out", str(out), "--quiet", *args])


def client(api_url: str, **options) -> ApiClient:
    return ApiClient(api_url, **{"backoff": 0.05, **options})


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def snapshot_state(folder: Path) -> dict:
    """A snapshot without what differs between two fetches of the same wiki: its time."""
    files = files_of(folder)
    manifest = json.loads(files.pop(MANIFEST))
    manifest.pop("fetched")
    return {"files": files, "manifest": manifest}


def mtimes(folder: Path) -> dict[str, int]:
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file()
    }


def content_queries(proxy: Proxy) -> list[dict[str, str]]:
    return [q for q in proxy.queries() if "content" in q.get("rvprop", "")]


def run(command: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


# --- the same site from every source ----------------------------------------------------


def test_folder_export_api_and_fetched_snapshot_give_the_same_site(snapshot_wiki, tmp_path):
    snapshot = tmp_path / "snapshot"
    assert fetch(snapshot_wiki.api_url, snapshot) == 0
    sources = {
        "folder": SHARED_SNAPSHOT,
        "export": SHARED_EXPORT,
        "api": snapshot_wiki.api_url,
        "fetched": snapshot,
    }
    # A plain folder does not know its wiki's name; the other sources say it.
    named = {"folder": ("--site-name", "AI Interpretability Wiki")}
    trees = {
        name: site_tree(source, tmp_path / name, *named.get(name, ()))
        for name, source in sources.items()
    }
    reference = trees["folder"]
    assert len([p for p in reference if p.startswith(("pages/", "categories/"))]) >= 43
    for name, tree in trees.items():
        assert sorted(tree) == sorted(reference), name
        differing = [path for path in reference if tree[path] != reference[path]]
        assert not differing, f"{name}: {differing}"

    wikis = {
        name: open_source(str(source), site=_default_site()) for name, source in sources.items()
    }
    texts = page_texts(wikis["folder"])
    assert len(texts) == 44
    for name, wiki in wikis.items():
        assert page_texts(wiki) == texts, name
        assert wiki.redirects == {} and not wiki.failures, name
    for name in ("export", "api", "fetched"):
        site = wikis[name].site
        assert (site.name, site.main_page, site.case) == (
            "AI Interpretability Wiki",
            "Main Page",
            "first-letter",
        )
        assert site.namespaces == wikis["export"].site.namespaces
    # The snapshot reads back as the API gave it: site info, revisions and all.
    assert wikis["fetched"].site == wikis["api"].site
    assert {t: p.revision for t, p in wikis["fetched"].pages.items()} == {
        t: p.revision for t, p in wikis["api"].pages.items()
    }


def _default_site():
    from mw2sphinx.cli import DEFAULT_SITE

    return DEFAULT_SITE


def test_sources_agree_on_redirects_templates_and_subpages(fresh_wiki, tmp_path):
    snapshot = tmp_path / "snapshot"
    assert fetch(fresh_wiki.api_url, snapshot) == 0
    dump = fresh_wiki.dump(tmp_path / "dump.xml")
    api_wiki = open_source(fresh_wiki.api_url, site=_default_site())
    for name, source in {"export": dump, "fetched": snapshot}.items():
        wiki = open_source(str(source), site=_default_site())
        assert page_texts(wiki) == page_texts(api_wiki), name
        assert wiki.redirects == api_wiki.redirects == {"Old fruit": "Fruit"}, name
        assert {t: p.revision for t, p in wiki.pages.items()} == {
            t: p.revision for t, p in api_wiki.pages.items()
        }, name
        assert wiki.site.name == "Loopback Wiki", name
    assert set(api_wiki.pages) == set(FIXTURE_PAGES) - {"Old fruit", "Talk:Fruit"}
    assert (snapshot / "pages" / "Guide%2FSetup.mediawiki").is_file()
    assert (snapshot / "template" / "Template:Greeting.mediawiki").is_file()
    assert (snapshot / "Food.mediawiki").is_file() and (snapshot / "Main_Page.mediawiki").is_file()
    # The site name is the source's; an option given explicitly wins.
    for source in (fresh_wiki.api_url, dump, snapshot):
        convert(source, tmp_path / "site", "--article-url", ARTICLE_URL)
        site = json.loads((tmp_path / "site" / "_wiki" / "site.json").read_text("utf-8"))
        assert site["name"] == "Loopback Wiki", source
        convert(source, tmp_path / "site", "--site-name", "Other Name", "--main-page", "Fruit")
        site = json.loads((tmp_path / "site" / "_wiki" / "site.json").read_text("utf-8"))
        assert (site["name"], site["main_page"]) == ("Other Name", "Fruit"), source
        assert site["article_url"] == fresh_wiki.server + "/index.php/$1", source


# --- fetching: requests, increments, deletions and moves --------------------------------


def test_full_fetch_reads_50_pages_a_request_two_at_a_time(snapshot_wiki, proxy_for, tmp_path):
    proxy = proxy_for(snapshot_wiki)
    result = fetch_snapshot(client(proxy.api_url), tmp_path / "snapshot")
    queries = proxy.queries()
    assert result.mode == "full" and result.pages == 44
    assert queries[0]["meta"] == "siteinfo"
    listings = queries[1:]
    # 44 pages in four namespaces (articles, categories, templates, files): one request each.
    assert sorted(q["gapnamespace"] for q in listings) == ["0", "10", "14", "6"]
    assert all(q["gaplimit"] == "50" and q["generator"] == "allpages" for q in listings)
    assert result.requests == len(queries) == 5
    assert all(q["maxlag"] == "5" for q in queries)
    assert all(s.user_agent.startswith("mw2sphinx/") for s in proxy.seen)
    assert 1 <= proxy.max_in_flight <= 2


def test_incremental_fetch_reads_only_the_edited_page(fresh_wiki, proxy_for, tmp_path):
    proxy = proxy_for(fresh_wiki)
    snapshot = tmp_path / "snapshot"
    fetch_snapshot(client(proxy.api_url), snapshot)
    before = mtimes(snapshot)
    fresh_wiki.edit("Apple", "An apple is a [[Fruit]]; it grows on trees.\n\n[[Category:Food]]")
    proxy.reset()
    result = fetch_snapshot(client(proxy.api_url), snapshot)
    assert result.mode == "recent changes"
    assert (result.read, result.written, result.removed) == (1, 1, 0)
    assert [q.get("titles") for q in content_queries(proxy)] == ["Apple"]
    assert len(proxy.queries()) == result.requests == 3  # site info, recent changes, the page
    after = mtimes(snapshot)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {"pages/Apple.mediawiki", MANIFEST}
    assert "grows on trees" in (snapshot / "pages" / "Apple.mediawiki").read_text("utf-8")
    # ... and the result is what a fetch from scratch gives.
    fetch_snapshot(client(proxy.api_url), tmp_path / "scratch")
    assert snapshot_state(snapshot) == snapshot_state(tmp_path / "scratch")
    # Nothing changed: two requests, nothing written.
    proxy.reset()
    result = fetch_snapshot(client(proxy.api_url), snapshot)
    assert (result.read, result.written, result.requests) == (0, 0, 2)
    # --full reads every page again, and still rewrites no file that is the same.
    result = fetch_snapshot(client(proxy.api_url), snapshot, full=True)
    assert (result.mode, result.read, result.written) == ("full", len(FIXTURE_PAGES) - 1, 0)


def test_deletions_moves_and_new_pages_are_applied(fresh_wiki, tmp_path):
    snapshot, older = tmp_path / "snapshot", tmp_path / "older"
    assert fetch(fresh_wiki.api_url, snapshot) == 0
    shutil.copytree(snapshot, older)
    fresh_wiki.delete("Apple")
    fresh_wiki.move("Fruit", "Fruits")
    fresh_wiki.move("Guide/Setup", "Setup guide", redirect=False)
    fresh_wiki.edit("Banana", "A banana is a [[Fruits|fruit]].")
    result = fetch_snapshot(client(fresh_wiki.api_url), snapshot)
    assert result.mode == "recent changes"
    files = set(files_of(snapshot))
    assert "pages/Apple.mediawiki" not in files and "pages/Guide%2FSetup.mediawiki" not in files
    assert {
        "pages/Fruits.mediawiki",
        "pages/Setup_guide.mediawiki",
        "pages/Banana.mediawiki",
    } <= files
    wiki = open_source(str(snapshot), site=_default_site())
    assert wiki.redirects == {"Fruit": "Fruits", "Old fruit": "Fruit"}
    fetch_snapshot(client(fresh_wiki.api_url), tmp_path / "scratch")
    assert snapshot_state(snapshot) == snapshot_state(tmp_path / "scratch")
    # A snapshot older than what recent changes still hold is brought up to date by
    # comparing every page's revision id instead; the result is the same.
    manifest = json.loads((older / MANIFEST).read_text("utf-8"))
    manifest["fetched"] = "2001-01-15T00:00:00Z"
    (older / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    result = fetch_snapshot(client(fresh_wiki.api_url), older)
    assert result.mode == "revision ids" and result.read == 4  # Fruit, Fruits, Setup guide, Banana
    assert snapshot_state(older) == snapshot_state(snapshot)


def test_large_namespaces_are_read_in_batches_following_continue(tmp_path):
    """60 pages of 3 kB from a wiki that answers at most 40 kB: both kinds of continue."""
    _require_mediawiki()
    wiki = MediaWiki(settings="$wgAPIMaxResultSize = 40000;\n").install()
    pages = {f"Page {n:03}": f"Page {n}. " + "text " * 600 for n in range(60)}
    (tmp_path / "pages.xml").write_text(export_xml(pages), "utf-8")
    wiki.import_xml(tmp_path / "pages.xml")
    wiki.start()
    try:
        with Proxy(wiki.server) as proxy:
            api_wiki = open_source(proxy.api_url, site=_default_site())
            listings = [q for q in proxy.queries() if q.get("gapnamespace") == "0"]
        export = open_source(str(wiki.dump(tmp_path / "dump.xml")), site=_default_site())
    finally:
        wiki.remove()
    assert len(api_wiki.pages) == 61  # and the installer's main page
    assert page_texts(api_wiki) == page_texts(export)
    assert {p.revision for p in api_wiki.pages.values()} == {
        p.revision for p in export.pages.values()
    }
    # 61 pages, 50 a batch: two batches, each split in several answers by the size limit.
    assert sum(1 for q in listings if "rvcontinue" in q) >= 2
    assert len({q.get("gapcontinue") for q in listings}) == 2


# --- interrupted fetches ----------------------------------------------------------------


def _killed_at(proxy: Proxy, request: int, out: Path) -> None:
    """Run fetch.py until the proxy sees its n-th request, then kill it (SIGKILL)."""
    proxy.reset()
    killed = threading.Event()
    process = subprocess.Popen(
        [*FETCH, "--source", proxy.api_url, "--out", str(out), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def hook(number: int) -> None:
        if number == request:
            process.kill()
            killed.set()

    proxy.hook = hook
    assert process.wait(timeout=60) == -9 and killed.is_set()
    proxy.reset()


def test_a_killed_fetch_completes_when_run_again(fresh_wiki, proxy_for, tmp_path):
    proxy = proxy_for(fresh_wiki)
    snapshot, reference = tmp_path / "snapshot", tmp_path / "reference"
    # The first fetch, killed while it reads the namespaces.
    _killed_at(proxy, 3, snapshot)
    assert not (snapshot / MANIFEST).exists()
    assert fetch(proxy.api_url, snapshot) == 0
    assert fetch(proxy.api_url, reference) == 0
    assert snapshot_state(snapshot) == snapshot_state(reference)
    assert not (snapshot / STAGING).exists()
    # An update, killed while it reads the changed pages: the snapshot is still the old one.
    before = files_of(snapshot)
    fresh_wiki.edit("Apple", "Apples are red or green.\n\n[[Category:Food]]")
    fresh_wiki.delete("Guide/Setup")
    fresh_wiki.edit("Cherry", "A cherry is small.")
    _killed_at(proxy, 3, snapshot)
    assert {k: v for k, v in files_of(snapshot).items() if not k.startswith(STAGING)} == before
    assert fetch(proxy.api_url, snapshot) == 0
    shutil.rmtree(reference)
    assert fetch(proxy.api_url, reference) == 0
    assert snapshot_state(snapshot) == snapshot_state(reference)


def test_a_commit_cut_short_is_completed_and_local_damage_repaired(fresh_wiki, tmp_path):
    snapshot, reference = tmp_path / "snapshot", tmp_path / "reference"
    assert fetch(fresh_wiki.api_url, snapshot) == 0
    fresh_wiki.edit("Apple", "Apples are red or green.\n\n[[Category:Food]]")
    fresh_wiki.edit("Cherry", "A cherry is small.")
    fresh_wiki.delete("Fruit")
    # What a fetch killed halfway through moving its files leaves: some new files in place,
    # the old manifest, its staging folder; and a file someone changed or removed by hand.
    (snapshot / "pages" / "Cherry.mediawiki").write_text("A cherry is small.", "utf-8")
    (snapshot / STAGING / "new" / "pages").mkdir(parents=True)
    (snapshot / STAGING / "new" / "pages" / "Apple.mediawiki").write_text("half", "utf-8")
    (snapshot / "pages" / "Guide%2FSetup.mediawiki").write_text("changed by hand", "utf-8")
    (snapshot / "Food.mediawiki").unlink()
    assert fetch(fresh_wiki.api_url, snapshot) == 0
    assert fetch(fresh_wiki.api_url, reference) == 0
    assert snapshot_state(snapshot) == snapshot_state(reference)


def test_a_failed_commit_leaves_the_snapshot_as_it_was(fresh_wiki, tmp_path):
    snapshot = tmp_path / "snapshot"
    assert fetch(fresh_wiki.api_url, snapshot) == 0
    before = files_of(snapshot)
    fresh_wiki.edit("Apple", "Apples are red or green.\n\n[[Category:Food]]")
    fresh_wiki.edit("Banana", "A banana is yellow.")
    fresh_wiki.delete("Guide/Setup")
    # A folder where the new page's file must go: Apple's file is replaced before Banana's
    # fails; that must be undone.
    (snapshot / "pages" / "Banana.mediawiki").mkdir()
    result = run(FETCH, "--source", fresh_wiki.api_url, "--out", str(snapshot))
    assert_one_line_error(result, str(snapshot), "Banana.mediawiki", "unchanged")
    (snapshot / "pages" / "Banana.mediawiki").rmdir()
    assert files_of(snapshot) == before
    assert fetch(fresh_wiki.api_url, snapshot) == 0
    assert "Apples are red" in (snapshot / "pages" / "Apple.mediawiki").read_text("utf-8")


# --- a server that misbehaves -----------------------------------------------------------


def test_retries_honour_retry_after_and_survive_bad_answers(snapshot_wiki, proxy_for, tmp_path):
    proxy = proxy_for(snapshot_wiki)
    reference = tmp_path / "reference"
    fetch_snapshot(client(snapshot_wiki.api_url), reference)
    maxlag = json.dumps({"error": {"code": "maxlag", "info": "Waiting for a database server"}})
    proxy.faults = [
        Fault(status=503, headers={"Retry-After": "1"}, body=b"busy"),
        Fault(status=429, headers={"Retry-After": "1"}, body=b"slow down"),
        Fault(status=200, body=b'{"batchcomplete": true, "query": {"pa'),
        Fault(status=200, headers={"Retry-After": "1"}, body=maxlag.encode()),
        Fault(delay=2.5),  # longer than the client waits
        Fault(status=502, body=b"bad gateway"),
    ]
    result = fetch_snapshot(client(proxy.api_url, timeout=1.0), tmp_path / "snapshot")
    assert not proxy.faults
    assert result.requests == len(proxy.seen) == 5 + 6  # every fault cost one more request
    # The first request (the site info) met the first four faults, one after the other;
    # the client waited as long as Retry-After said, not its own (here very short) backoff.
    gaps = [
        later.at - earlier.at
        for earlier, later in zip(proxy.seen[:4], proxy.seen[1:5], strict=True)
    ]
    assert gaps[0] >= 0.95 and gaps[1] >= 0.95 and gaps[3] >= 0.95, gaps
    assert gaps[2] < 0.5, gaps  # broken JSON: the client's backoff
    assert snapshot_state(tmp_path / "snapshot")["files"] == snapshot_state(reference)["files"]


FAULTS = {
    "503 for good": (Fault(status=503, headers={"Retry-After": "0"}), "HTTP 503"),
    "broken JSON": (Fault(status=200, body=b'{"query": '), "not valid JSON"),
    "Retry-After too long": (
        Fault(status=429, headers={"Retry-After": "3600"}),
        "asks to wait 3600 s",
    ),
    "API error": (
        Fault(status=200, body=b'{"error": {"code": "readapidenied", "info": "No read"}}'),
        "API error readapidenied: No read",
    ),
    "redirect off the host": (
        Fault(status=302, headers={"Location": "http://localhost:9/api.php"}),
        "leaves 127.0.0.1",
    ),
    "not an API": (
        Fault(status=200, headers={"Content-Type": "text/html"}, body=b"<!DOCTYPE html><p>Hi"),
        "not a MediaWiki API",
    ),
    "HTTP 404": (Fault(status=404, body=b"no"), "HTTP 404 Not Found"),
}


@pytest.fixture(scope="module")
def good_snapshot(snapshot_wiki, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("good") / "snapshot"
    assert fetch(snapshot_wiki.api_url, out) == 0
    return out


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_a_server_that_keeps_failing_gives_a_one_line_error(
    case, snapshot_wiki, good_snapshot, proxy_for, tmp_path
):
    proxy = proxy_for(snapshot_wiki)
    fault, message = FAULTS[case]
    proxy.always = fault
    # A new folder is not created; an existing snapshot (of the proxy's URL) stays as it was.
    result = run(FETCH, "--source", proxy.api_url, "--out", str(tmp_path / "new"), "--retries", "1")
    assert_one_line_error(result, proxy.api_url, message)
    assert not (tmp_path / "new").exists()
    existing = tmp_path / "existing"
    shutil.copytree(good_snapshot, existing)
    manifest = json.loads((existing / MANIFEST).read_text("utf-8"))
    manifest["source"] = proxy.api_url
    (existing / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    before = files_of(existing)
    result = run(FETCH, "--source", proxy.api_url, "--out", str(existing), "--retries", "1")
    assert_one_line_error(result, proxy.api_url, message)
    assert files_of(existing) == before and not (existing / STAGING).exists()


def test_convert_from_a_failing_api_is_a_one_line_error(snapshot_wiki, proxy_for, tmp_path):
    proxy = proxy_for(snapshot_wiki)
    proxy.always = Fault(status=503, headers={"Retry-After": "0"})
    result = run(CONVERT, "--source", proxy.api_url, "--dest", str(tmp_path / "site"))
    assert_one_line_error(result, proxy.api_url, "HTTP 503")
    assert not (tmp_path / "site").exists()


def test_unreachable_or_wrong_sources_are_one_line_errors(tmp_path):
    nowhere = f"http://127.0.0.1:{free_port()}/w/api.php"
    result = run(FETCH, "--source", nowhere, "--out", str(tmp_path / "a"), "--retries", "0")
    assert_one_line_error(result, nowhere, "no answer", "refused")
    result = run(FETCH, "--source", "ftp://host/api.php", "--out", str(tmp_path / "a"))
    assert_one_line_error(result, "ftp://host/api.php", "not an http(s) URL")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    result = run(FETCH, "--source", nowhere, "--out", str(tmp_path / "mine"))
    assert_one_line_error(result, "mine", "not empty and not a snapshot")
    assert files_of(tmp_path / "mine") == {"notes.txt": b"mine"}
    assert not (tmp_path / "a").exists()


# --- uploaded files ---------------------------------------------------------------------

# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f6"
    "4b6d0000000049454e44ae426082"
)


def test_files_are_downloaded_only_from_allowed_hosts(tmp_path):
    _require_mediawiki()
    # The wiki serves its uploads under another host name than its API's.
    settings = '$wgUploadPath = "http://localhost:{port}/img_auth.php";\n'
    wiki = MediaWiki(settings=settings).install()
    upload = tmp_path / "upload" / "Dot.png"
    upload.parent.mkdir()
    upload.write_bytes(PNG)
    wiki.upload(upload)
    wiki.start()
    try:
        snapshot = tmp_path / "snapshot"
        assert fetch(wiki.api_url, snapshot) == 0
        manifest = read_manifest(snapshot)
        assert manifest.files["File:Dot.png"].size == len(PNG) and not (snapshot / "media").exists()
        before = files_of(snapshot)
        host = f"localhost:{wiki.port}"
        result = run(FETCH, "--source", wiki.api_url, "--out", str(snapshot), "--files")
        assert_one_line_error(result, "File:Dot.png", f"--allow-host {host}")
        assert files_of(snapshot) == before
        args = ("--files", "--allow-host", host)
        assert fetch(wiki.api_url, snapshot, *args) == 0
        assert (snapshot / "media" / "Dot.png").read_bytes() == PNG
        source = open_source(str(snapshot), site=_default_site())
        assert Path(source.files["File:Dot.png"].path).read_bytes() == PNG
        assert "File:Dot.png" in source.pages  # the file page itself
        result = fetch_snapshot(client(wiki.api_url, allowed_hosts=(host,)), snapshot, files=True)
        assert result.downloaded == 0 and result.written == 0
    finally:
        wiki.remove()


# --- XML exports, without a server ------------------------------------------------------


@needs_shared
def test_export_schema_0_10_and_compressed_exports_read_the_same(tmp_path):
    original = open_source(str(SHARED_EXPORT), site=_default_site())
    text = SHARED_EXPORT.read_text("utf-8")
    older = text.replace("export-0.11", "export-0.10").replace('version="0.11"', 'version="0.10"')
    assert older != text
    variants = {
        "older.xml": older.encode(),
        "wiki.xml.gz": gzip.compress(text.encode()),
        "wiki.xml.bz2": bz2.compress(text.encode()),
    }
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
        wiki = open_source(str(tmp_path / name), site=_default_site())
        assert page_texts(wiki) == page_texts(original), name
        assert wiki.site == original.site, name
    assert original.site.article_url == "http://127.0.0.1:8089/index.php/$1"


HISTORY = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10">
  <siteinfo>
    <sitename>History Wiki</sitename>
    <base>https://history.example/wiki/Start</base>
    <case>case-sensitive</case>
    <namespaces>
      <namespace key="0" case="case-sensitive" />
      <namespace key="14" case="case-sensitive">Kategorie</namespace>
    </namespaces>
  </siteinfo>
  <page><title>Start</title><ns>0</ns><id>1</id>
    <revision><id>2</id><timestamp>2024-01-02T00:00:00Z</timestamp>
      <text xml:space="preserve">second</text></revision>
    <revision><id>3</id><timestamp>2024-01-03T00:00:00Z</timestamp>
      <text xml:space="preserve">third [[Kategorie:Things]]</text></revision>
    <revision><id>1</id><timestamp>2024-01-01T00:00:00Z</timestamp>
      <text xml:space="preserve">first</text></revision>
  </page>
  <page><title>Old start</title><ns>0</ns><id>2</id><redirect title="Start" />
    <revision><id>4</id><timestamp>2024-01-01T00:00:00Z</timestamp>
      <text xml:space="preserve">#REDIRECT [[Start#Top]]</text></revision>
  </page>
  <page><title>Hidden</title><ns>0</ns><id>3</id>
    <revision><id>5</id><timestamp>2024-01-01T00:00:00Z</timestamp>
      <text deleted="deleted" /></revision>
  </page>
  <page><title>Kategorie:Things</title><ns>14</ns><id>4</id>
    <revision><id>6</id><timestamp>2024-01-01T00:00:00Z</timestamp>
      <text xml:space="preserve" bytes="10">Things &amp; stuff</text></revision>
  </page>
  <page><title>Bad [title]</title><ns>0</ns><id>5</id>
    <revision><id>7</id><timestamp>2024-01-01T00:00:00Z</timestamp>
      <text xml:space="preserve">x</text></revision>
  </page>
  <page><title>Start</title><ns>0</ns><id>1</id>
    <revision><id>0</id><timestamp>2023-01-01T00:00:00Z</timestamp>
      <text xml:space="preserve">older, in a second block</text></revision>
  </page>
</mediawiki>
"""


def test_export_history_keeps_the_newest_revision_and_the_redirects(tmp_path):
    path = tmp_path / "history.xml"
    path.write_text(HISTORY, "utf-8")
    wiki = open_source(str(path), site=_default_site())
    assert page_texts(wiki) == {
        "Start": (0, "third [[Kategorie:Things]]"),
        "Kategorie:Things": (14, "Things & stuff"),
    }
    assert wiki.pages["Start"].revision == 3
    assert wiki.redirects == {"Old start": "Start#Top"}
    assert sorted(f.origin.split(": ")[1] for f in wiki.failures) == ["Bad [title]", "Hidden"]
    site = wiki.site
    assert (site.name, site.main_page, site.case) == ("History Wiki", "Start", "case-sensitive")
    assert site.article_url == "https://history.example/wiki/$1"
    # Converted: the category page is found under the wiki's own namespace name.
    tree = site_tree(path, tmp_path / "site")
    assert "categories/Things.md" in tree and "index.md" in tree


BAD_EXPORTS = {
    "entities.xml": (
        b'<?xml version="1.0"?>\n<!DOCTYPE mediawiki [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        b'<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/">&b;</mediawiki>',
        "DOCTYPE",
    ),
    "external.xml": (
        b'<!DOCTYPE mediawiki SYSTEM "file:///etc/passwd">\n'
        b'<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/"></mediawiki>',
        "DOCTYPE",
    ),
    "undefined-entity.xml": (
        b'<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/">\n<page>&x;</page>'
        b"</mediawiki>",
        "line 2",
    ),
    "truncated.xml": (b"", "line"),
    "truncated.xml.gz": (b"", "cannot be read"),
    "html.xml": (b"<html><body>hello</body></html>", "not a MediaWiki XML export"),
}


@needs_shared
@pytest.mark.parametrize("name", sorted(BAD_EXPORTS))
def test_bad_exports_are_one_line_errors(name, tmp_path):
    data, message = BAD_EXPORTS[name]
    good = SHARED_EXPORT.read_bytes()
    if name == "truncated.xml":
        data = good[: len(good) // 2]
    if name == "truncated.xml.gz":
        data = gzip.compress(good)[:5000]
    path = tmp_path / name
    path.write_bytes(data)
    dest = tmp_path / "site"
    dest.mkdir()
    (dest / "keep.md").write_text("mine")
    result = run(CONVERT, "--source", str(path), "--dest", str(dest))
    assert_one_line_error(result, name, message)
    assert files_of(dest) == {"keep.md": b"mine"}


def test_reading_a_large_history_export_keeps_memory_flat(tmp_path):
    """A 60 MB export of one page with 3000 revisions: memory does not follow the file."""
    path = tmp_path / "big.xml"
    revision_text = ("word " * 4000).strip()
    with path.open("w", encoding="utf-8") as out:
        out.write('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/">\n<page>')
        out.write("<title>Big</title><ns>0</ns><id>1</id>")
        for number in range(1, 3001):
            out.write(
                f"<revision><id>{number}</id><timestamp>2024-01-01T00:00:00Z</timestamp>"
                f'<text xml:space="preserve">{number} {revision_text}</text></revision>\n'
            )
        out.write("</page></mediawiki>\n")
    small = tmp_path / "small.xml"
    small.write_text(export_xml({"Big": "x"}), "utf-8")
    probe = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from mw2sphinx.model import SiteInfo\n"
        "from mw2sphinx.sources.xml_export import read_xml_export\n"
        "wiki = read_xml_export(Path(sys.argv[1]), default_site=SiteInfo(name='x'))\n"
        "assert wiki.pages['Big'].revision in (1, 3000), wiki.pages['Big'].revision\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )

    def peak_kib(source: Path) -> int:
        result = subprocess.run(
            [sys.executable, "-c", probe, str(source)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return int(result.stdout)

    size_mib = path.stat().st_size / 2**20
    assert size_mib > 55
    growth_mib = (peak_kib(path) - peak_kib(small)) / 1024
    assert growth_mib < 15, f"reading {size_mib:.0f} MB took {growth_mib:.0f} MB more memory"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://host/wiki/Main_Page", ("https://host/wiki/$1", "Main Page")),
        ("http://h:8/index.php/Start/Here", ("http://h:8/index.php/$1", "Start/Here")),
        (
            "https://h/w/index.php?title=Haupt_Seite",
            ("https://h/w/index.php?title=$1", "Haupt Seite"),
        ),
        ("https://h/p/Caf%C3%A9", ("https://h/p/$1", "Café")),
        ("", ("", "")),
    ],
)
def test_article_url_and_main_page_from_the_export_base(base, expected):
    assert split_base(base) == expected


def test_snapshot_manifest_damage_is_a_one_line_error(tmp_path):
    (tmp_path / "snap").mkdir()
    (tmp_path / "snap" / MANIFEST).write_text("{not json", "utf-8")
    with pytest.raises(SourceError, match=r"snapshot\.json: not a readable manifest"):
        open_source(str(tmp_path / "snap"), site=_default_site())
    result = run(CONVERT, "--source", str(tmp_path / "snap"), "--dest", str(tmp_path / "out"))
    assert_one_line_error(result, "snapshot.json")
    assert os.listdir(tmp_path) == ["snap"]
