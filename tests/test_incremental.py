"""Speed without timing: batches for pandoc, and rebuilds that rewrite only what changed."""

from __future__ import annotations

from mw2sphinx.pandoc_ast import BATCH_CHARS, MIN_BATCH_CHARS, batches, parse_fragments


def test_batches_share_the_text_between_the_processes():
    sizes = [1000] * 400  # 400 kB: two processes get two batches each
    starts = batches(sizes, count=2)
    assert starts == [0, 100, 200, 300]


def test_batches_are_neither_tiny_nor_huge():
    assert batches([10] * 100, count=2) == [0]  # a small wiki: one pandoc run
    assert batches([], count=2) == []
    huge = batches([100_000] * 1000, count=2)
    assert len(huge) == 1000 * 100_000 // BATCH_CHARS
    assert batches([5 * BATCH_CHARS, 10, 10], count=2) == [0, 1]  # a large fragment alone
    assert MIN_BATCH_CHARS < BATCH_CHARS


def test_fragments_come_back_in_order_from_many_batches():
    fragments = [f"== Heading {i} ==\n" + "word " * 20_000 for i in range(12)]
    fragments[5] = "{|\n| a table never closed"  # swallows the separator after it
    parsed = parse_fragments(fragments)
    assert len(parsed) == 12
    for i, result in enumerate(parsed):
        if i != 5:
            assert result.blocks[0]["t"] == "Header"
            assert result.blocks[0]["c"][2][-1]["c"] == str(i)
