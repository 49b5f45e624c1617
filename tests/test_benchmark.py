"""The benchmark's corpora (scripts/benchmark.py): copies of the snapshot that link among
themselves. Only how they are made is tested here; the benchmark itself is run on demand."""

from __future__ import annotations

import json
import time

import benchmark
from mw2sphinx import titles as t
from wikis import SHARED_SNAPSHOT, needs_shared

pytestmark = needs_shared


def test_a_corpus_is_copies_of_the_snapshot_linking_among_themselves(tmp_path):
    written = benchmark.replicate(SHARED_SNAPSHOT, tmp_path, 100, site=benchmark.SITE)
    assert len(written) == len(set(written)) == 100
    namespaces = t.Namespaces(benchmark.SITE)
    pages = benchmark.read_mirror(tmp_path, namespaces, benchmark.SITE.main_page)
    assert len({p.title.full for p in pages}) == 100
    snapshot = {
        p.title.full for p in benchmark.read_mirror(SHARED_SNAPSHOT, namespaces, "Main Page")
    }
    copy_2 = {f"{title} (copy 2)" for title in snapshot}
    for page in pages:
        if not page.title.full.endswith("(copy 2)"):
            continue
        for match in benchmark._LINK.finditer(page.text):
            target = namespaces.parse(match.group(2))
            if target is not None and target.full in snapshot:
                raise AssertionError(f"{page.title.full} links to the original {target.full}")
    assert {p.title.full for p in pages} & copy_2  # the third copy is partial: 100 = 44 + 44 + 12


def test_the_edit_is_seen_by_the_pages_that_transclude_the_page():
    assert benchmark.edited_text("<onlyinclude>A.</onlyinclude> B.") == (
        "<onlyinclude>A." + benchmark.EDIT + "</onlyinclude> B."
    )
    assert benchmark.edited_text("A.\n") == "A." + benchmark.EDIT + "\n"


def test_the_lua_numbers_come_from_a_wiki_where_a_tenth_of_the_pages_need_it():
    numbers = benchmark.lua_costs(30)
    assert numbers["pages"] == 30 + 2  # and the Main Page, and the module
    assert numbers["expanded_by_wiki"] == 3
    # one expandtemplates a page, one prop=templates for them all; none with the cache
    assert numbers["expansion_requests"] == 3 + 1
    assert numbers["requests_again_with_cache"] == 0
    assert numbers["invokes"] == 3 and 0 < numbers["ms_per_invoke"] < 1000
    assert "| 32 | 3 |" in benchmark.lua_table(numbers)


def test_each_stage_has_its_cpu_time_which_load_disturbs_less_than_the_clock(tmp_path):
    stages = benchmark.Stages()
    stages.mark("busy")
    started = time.process_time()
    while time.process_time() - started < 0.2:
        pass
    stages.mark("idle")
    time.sleep(0.2)
    stages.mark(None)
    stages.dump(tmp_path / "stages.json")
    cpu = json.loads((tmp_path / "stages.json").read_text())["cpu_seconds"]
    assert cpu["busy"] >= 0.15
    assert cpu["idle"] < 0.1
