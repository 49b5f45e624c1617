"""Speed without timing: batches for pandoc, and rebuilds that rewrite only what changed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mw2sphinx import cli, fingerprint, pandoc_ast, preparecache
from mw2sphinx.cli import READ_CACHE, convert_main
from mw2sphinx.pandoc_ast import (
    BATCH_CHARS,
    MIN_BATCH_CHARS,
    Parsed,
    ReadCache,
    Reader,
    batch_target,
    para,
    parse_fragments,
    text_node,
)
from test_sphinxext import build
from wikis import FIXTURES, unpack


def test_batches_share_the_text_between_the_processes():
    assert batch_target(400_000, count=2) == 100_000  # two processes get two batches each


def test_batches_are_neither_tiny_nor_huge():
    assert batch_target(1000, count=2) == MIN_BATCH_CHARS  # a small wiki: one pandoc run
    assert batch_target(10**9, count=2) == BATCH_CHARS
    assert MIN_BATCH_CHARS < BATCH_CHARS


def read_as_text(monkeypatch) -> list[list[int]]:
    """pandoc replaced: each fragment "read" as one Str of its text; the sizes of the
    batches read, as they are read."""
    seen: list[list[int]] = []

    def read(fragments: list[str]) -> list[Parsed]:
        seen.append([len(f) for f in fragments])
        return [Parsed([text_node(f)]) for f in fragments]

    monkeypatch.setattr(pandoc_ast, "_parse_batch", read)
    return seen


def test_the_reader_cuts_batches_at_its_target(monkeypatch):
    seen = read_as_text(monkeypatch)
    sizes = [400, 400, 400, 5000, 10, 10]
    with Reader(target=1000, count=2) as reader:
        for size in sizes:
            reader.add("x" * size)
        read = list(reader.finish())
    assert seen == [[400, 400], [400], [5000], [10, 10]]  # a large fragment alone
    assert [len(p.blocks[0]["c"]) for p in read] == sizes


def test_the_reader_reads_while_fragments_are_added(monkeypatch):
    read_as_text(monkeypatch)
    fragments = [f"fragment {i} " * 50 for i in range(40)]
    cache = ReadCache.from_text(
        ReadCache(version="3.9").to_text()
        + f'{ReadCache.key(fragments[3])}\t[{{"t":"Str","c":"cached"}}]\n',
        version="3.9",
    )
    taken: list[Parsed] = []
    with Reader(target=2000, count=2, cache=cache) as reader:
        for fragment in fragments:
            reader.add(fragment)
            taken += reader.ready()
        assert taken  # read before the last fragment came, not only at the end
        taken += reader.finish()
    # in order, the cache's answer among pandoc's
    texts = [p.blocks[0]["c"] for p in taken]
    assert texts == [*fragments[:3], "cached", *fragments[4:]]


def test_fragments_come_back_in_order_from_many_batches():
    fragments = [f"== Heading {i} ==\n" + "word " * 20_000 for i in range(12)]
    fragments[5] = "{|\n| a table never closed"  # swallows the separator after it
    parsed = parse_fragments(fragments)
    assert len(parsed) == 12
    for i, result in enumerate(parsed):
        if i != 5:
            assert result.blocks[0]["t"] == "Header"
            assert result.blocks[0]["c"][2][-1]["c"] == str(i)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("bundle", ["constructs-wiki.bundle", "hostile-wiki.bundle"])
def test_the_tree_is_the_same_in_any_batches(bundle, tmp_path, monkeypatch):
    # Pages are read while others are expanded, in batches whose size depends on the
    # wiki; what pandoc cannot read (the hostile wiki) is recovered page by page. Every
    # fragment alone or all of them in one pandoc run: the same files, cache included.
    source = unpack(FIXTURES / bundle, tmp_path / "wiki")
    broken = source / "broken"
    broken.mkdir()
    (broken / "Unclosed_table.mediawiki").write_text("Intro.<ref>A ref.</ref>\n\n{|\n| one\n")
    (broken / "Unclosed_div.mediawiki").write_text("<div>never closed\n\n== A ==\ntext\n")
    trees = []
    for size in (1, 10**9):
        monkeypatch.setattr(pandoc_ast, "BATCH_CHARS", size)
        monkeypatch.setattr(pandoc_ast, "MIN_BATCH_CHARS", size)
        dest = tmp_path / f"batches-of-{size}"
        assert convert_main(["--source", str(source), "--dest", str(dest), "--quiet"]) == 0
        trees.append(tree(dest))
    assert READ_CACHE in trees[0]
    assert b"Unclosed table" in trees[0]["_wiki/report.json"]  # recovered
    assert trees[0] == trees[1]


def test_a_page_read_waits_for_writing_outside_memory_and_is_taken_once():
    from mw2sphinx import convert
    from mw2sphinx import titles as t
    from mw2sphinx.model import Page, SiteInfo, Wiki

    site = SiteInfo(name="Wiki")
    namespaces = t.Namespaces(site)
    texts = {"A": "== One ==\ntext<ref>a ref</ref>\n== One ==", "B": "{|\n| never closed"}
    wiki = Wiki(site=site, pages={n: Page(n, 0, text) for n, text in texts.items()})
    with convert._Reads(wiki, target=10) as reads:
        for name, text in texts.items():
            reads.add(
                name, convert.prepare_page(text, title=namespaces.page(name), namespaces=namespaces)
            )
        reads.finish()
        assert reads.anchors == {"A": ["One", "One_2"], "B": []}
        assert list(reads.errors) == ["B"]  # read piece by piece
        page = reads.take("A")
        assert [b["t"] for b in page.body][:3] == ["Header", "Para", "Header"]
        assert list(page.ref_blocks.values()) == [
            [para([text_node("a"), {"t": "Space"}, text_node("ref")])]
        ]
        with pytest.raises(KeyError):
            reads.take("A")


def test_the_cycle_collector_runs_seldom_while_a_wiki_converts(monkeypatch):
    import gc

    from mw2sphinx import convert
    from mw2sphinx import titles as t
    from mw2sphinx.model import Page, SiteInfo, Wiki

    seen = []
    prepare = convert.prepare_page
    monkeypatch.setattr(
        convert, "prepare_page", lambda *a, **k: seen.append(gc.get_threshold()) or prepare(*a, **k)
    )
    # Python's default thresholds, whatever an earlier test left (in CI's full run one had
    # left 100,000: seen there, not found which)
    outer = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        site = SiteInfo(name="Wiki")
        wiki = Wiki(site=site, pages={"A": Page("A", 0, "text")})
        convert.convert_wiki(wiki, namespaces=t.Namespaces(site))
        assert seen and seen[0][0] >= 100 * 700
        assert gc.get_threshold() == (700, 10, 10)  # as it was, for whatever runs next
    finally:
        gc.set_threshold(*outer)


def test_overlapping_conversions_put_the_cycle_collector_back_as_it_was():
    # two conversions in threads, the first to start ending first: the old save and
    # restore of each left the seldom thresholds set for whatever ran next
    import gc

    from mw2sphinx import convert

    outer = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        first, second = convert._rare_collections(), convert._rare_collections()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        assert gc.get_threshold()[0] >= 100 * 700  # the second still converting
        second.__exit__(None, None, None)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*outer)


def test_a_link_target_parsed_again_is_kept_and_only_the_last_ones_are(monkeypatch):
    from mw2sphinx import titles as t
    from mw2sphinx.model import SiteInfo

    namespaces = t.Namespaces(SiteInfo(name="Wiki"))
    monkeypatch.setattr(t, "PARSED_TITLES", 3)
    first = namespaces.parse("category:some_thing#Part")
    assert first == t.Title(t.CATEGORY, "Some thing", "Part", prefix="Category")
    assert namespaces.parse("category:some_thing#Part") is first
    assert namespaces.parse("X", default_namespace=t.TEMPLATE).full == "Template:X"
    assert namespaces.parse("X").full == "X"  # the namespace it defaults to counts
    for number in range(10):
        assert namespaces.parse(f"Page {number}").text == f"Page {number}"
    assert len(namespaces._parsed) <= 3


def test_what_pandoc_read_is_not_read_again(monkeypatch):
    fragments = ["== One ==\nsome ''text''", "* a list", "{|\n| a table never closed"]
    cache = ReadCache(version="3.9")
    first = parse_fragments(fragments, cache=cache)
    assert cache.changed
    text = cache.to_text()
    assert len(text.splitlines()) == 3  # a head, and the two fragments read without an error

    def no_pandoc(text):
        raise AssertionError("pandoc ran")

    monkeypatch.setattr(pandoc_ast, "_run", no_pandoc)
    again = ReadCache.from_text(text, version="3.9")
    assert [p.blocks for p in parse_fragments(fragments[:2], cache=again)] == [
        p.blocks for p in first[:2]
    ]
    assert not again.changed  # the same two: nothing to write
    once = ReadCache.from_text(text, version="3.9")
    parse_fragments(fragments[:1], cache=once)
    assert once.changed  # the next run needs only the first
    assert len(once.to_text().splitlines()) == 2


def test_a_cache_of_another_pandoc_or_no_cache_at_all_is_empty():
    cache = ReadCache(version="3.9")
    parse_fragments(["text"], cache=cache)
    assert not ReadCache.from_text(cache.to_text(), version="3.8").get("text")
    assert ReadCache.from_text(cache.to_text(), version="3.9").get("text")
    assert not ReadCache.from_text("not a cache\nxx\tyy", version="3.9").get("text")
    broken = cache.to_text().replace("Str", 'Str"')  # a line that is not JSON
    assert ReadCache.from_text(broken, version="3.9").get("text") is None


# --- rebuilds --------------------------------------------------------------------------------
# A no-op conversion writes no file, so Sphinx reads and writes no page again; an edited page
# rewrites itself and what shows it: pages that transclude it, its categories and the special
# pages that list it, and (through the site data) the pages whose What links here it changes.

Files = dict[str, tuple[int, int]]


def files_of(folder: Path) -> Files:
    """Every file under ``folder``, with what changes when it is written again."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and ".doctrees" not in p.parts
    }


def rewritten(before: Files, after: Files) -> set[str]:
    """The files written again, but for the caches (what pandoc read, what the pre-pass
    made) and the digest of what the conversion read."""
    changed = {name for name, stat in after.items() if before.get(name) != stat}
    return changed - {READ_CACHE, preparecache.CACHE, fingerprint.FINGERPRINT}


def convert_and_count(source: Path, dest: Path, capsys) -> int:
    """Convert as the command line does; the number of files it says it wrote."""
    capsys.readouterr()
    assert convert_main(["--source", str(source), "--dest", str(dest)]) == 0
    return int(re.search(r"(\d+) written", capsys.readouterr().out).group(1))


@pytest.fixture
def small(tmp_path, capsys) -> tuple[Path, Path]:
    source = unpack(FIXTURES / "small-wiki.bundle", tmp_path / "wiki")
    dest = tmp_path / "src"
    # all but the caches and the digest
    assert convert_and_count(source, dest, capsys) == len(files_of(dest)) - 3
    return source, dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_converting_again_writes_no_file(small, capsys, monkeypatch):
    source, dest = small
    before = files_of(dest)
    # the same wiki and the same converter: not converted again at all
    monkeypatch.setattr(cli, "convert_tree", lambda *a, **k: pytest.fail("converted again"))
    assert convert_and_count(source, dest, capsys) == 0
    assert files_of(dest) == before
    assert not list(dest.glob(".wiki-staging-*"))


def test_what_is_not_as_it_was_converts_again(small, capsys, monkeypatch):
    source, dest = small
    # a file of the last conversion gone: converted again, and the file is back
    (dest / "pages" / "Fruit.md").unlink()
    assert convert_and_count(source, dest, capsys) == 1
    assert (dest / "pages" / "Fruit.md").is_file()
    # another converter (its code changed): converted again, nothing differs
    monkeypatch.setattr(fingerprint, "code_digest", lambda: "another converter")
    before = files_of(dest)
    digest = (dest / fingerprint.FINGERPRINT).read_text("utf-8")
    capsys.readouterr()
    assert convert_main(["--source", str(source), "--dest", str(dest)]) == 0
    assert "as they were" not in capsys.readouterr().out  # converted, not skipped
    assert rewritten(before, files_of(dest)) == set()
    assert (dest / fingerprint.FINGERPRINT).read_text("utf-8") != digest
    # a page's text: see test_an_edit_rewrites_the_page_and_what_shows_it


EDITS = {
    # text that pages transclude: the page and the category page that transcludes it
    "transcluded text": (
        "food/Fruit.mediawiki",
        "is sweet.",
        "is sweet and juicy.",
        {"pages/Fruit.md", "categories/Food.md"},
    ),
    # text no other page shows: the page alone
    "text of its own": (
        "food/Fruit.mediawiki",
        "; Apple : Round",
        "; Apple : Round and red",
        {"pages/Fruit.md"},
    ),
    # a new link: the page, and the site data that gives Vegetable its What links here
    "a link": (
        "misc/Orphan.mediawiki",
        "A page in no category",
        "A page about [[Vegetable]] in no category",
        {"pages/Orphan.md", "_wiki/site.json"},
    ),
    # a new category: the page's footer, the category, the special pages that count it
    "a category": (
        "misc/Orphan.mediawiki",
        "stays text.",
        "stays text.\n[[Category:Plants]]",
        {
            "pages/Orphan.md",
            "categories/Plants.md",
            "special/categories.md",
            "special/uncategorized.md",
        },
    ),
}


@pytest.mark.parametrize("change", EDITS.values(), ids=EDITS.keys())
def test_an_edit_rewrites_the_page_and_what_shows_it(small, capsys, change):
    source, dest = small
    path, old, new, expected = change
    before = files_of(dest)
    edit(source / path, old, new)
    assert convert_and_count(source, dest, capsys) == len(expected)
    after = files_of(dest)
    assert rewritten(before, after) == expected
    assert before[READ_CACHE] != after[READ_CACHE]  # it keeps the edited text's reading


def reread(status: str) -> set[str]:
    status = re.sub(r"\x1b\[[\d;]*m", "", status)  # colours
    return set(re.findall(r"reading sources\.\.\. \[[ \d]+%\] (\S+)", status))


def pages_written(before: Files, after: Files) -> set[str]:
    """The documents' HTML files written again (Sphinx rewrites its own indexes always)."""
    return {
        name.removesuffix(".html")
        for name in rewritten(before, after)
        if name.endswith(".html") and name.split("/")[0] in {"pages", "categories", "special"}
    }


def test_sphinx_rereads_and_rewrites_only_what_changed(small, capsys, tmp_path):
    source, dest = small
    warnings, _, html = build(dest, tmp_path / "build")
    assert warnings == ""
    # nothing changed: nothing read, no page written
    before = files_of(html)
    assert convert_and_count(source, dest, capsys) == 0
    warnings, status, html = build(dest, tmp_path / "build", freshenv=False)
    assert warnings == ""
    assert "0 added, 0 changed, 0 removed" in status
    assert reread(status) == set()
    assert pages_written(before, files_of(html)) == set()
    # Fruit's transcluded text: Fruit and the category that transcludes it are read again;
    # they, and the categories whose toctrees list them, are written again
    before = files_of(html)
    edit(source / "food" / "Fruit.mediawiki", "is sweet.", "is sweet and juicy.")
    assert convert_and_count(source, dest, capsys) == 2
    warnings, status, html = build(dest, tmp_path / "build", freshenv=False)
    assert warnings == ""
    assert reread(status) == {"pages/Fruit", "categories/Food"}
    assert pages_written(before, files_of(html)) == {
        "pages/Fruit", "categories/Food", "categories/Plants",
    }  # fmt: skip


def test_an_edit_prepares_again_only_what_it_changed_and_the_tree_is_as_a_fresh_one(
    small, capsys, tmp_path, monkeypatch
):
    source, dest = small
    from mw2sphinx import convert

    prepared = []
    prepare = convert.prepare_page
    monkeypatch.setattr(
        convert,
        "prepare_page",
        lambda text, **k: prepared.append(k["title"].full) or prepare(text, **k),
    )
    edit(source / "food" / "Fruit.mediawiki", "is sweet.", "is sweet and juicy.")
    convert_and_count(source, dest, capsys)
    # Fruit, and Food, the category page that transcludes its text
    assert sorted(prepared) == ["Category:Food", "Fruit"]
    fresh = tmp_path / "fresh"
    convert_and_count(source, fresh, capsys)
    names = sorted(files_of(dest))
    assert names == sorted(files_of(fresh))
    for name in names:
        assert (dest / name).read_bytes() == (fresh / name).read_bytes(), name


def test_two_conversions_give_the_same_files_cache_included(small, capsys, tmp_path):
    source, dest = small
    other = tmp_path / "other"
    convert_and_count(source, other, capsys)
    names = sorted(files_of(dest))
    assert READ_CACHE in names and names == sorted(files_of(other))
    for name in names:
        assert (dest / name).read_bytes() == (other / name).read_bytes(), name


def test_blocks_nested_too_deep_to_keep_are_read_again_next_time():
    deep: list = []
    inner = deep
    for _ in range(5000):
        inner.append([])
        inner = inner[0]
    cache = ReadCache(version="3.9")
    cache.put("deep", deep)
    cache.put("flat", [])
    assert ReadCache.from_text(cache.to_text(), version="3.9").get("deep") is None
    assert ReadCache.from_text(cache.to_text(), version="3.9").get("flat") == []
