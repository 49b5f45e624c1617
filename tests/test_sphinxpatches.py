"""The patches of Sphinx's own quadratic steps (mw2sphinx.sphinxpatches) answer as Sphinx
does, and do the work once."""

from __future__ import annotations

from mw2sphinx import sphinxpatches
from sphinx.builders import Builder
from sphinx.environment.adapters import toctree as toctree_adapters
from test_sphinxext import build, small_source

# a category listed under two parents (the last one wins, as in Sphinx), and a loop
INCLUDES = {
    "index": ["c/a", "c/b", "c/loop"],
    "c/a": ["c/sub", "p/x"],
    "c/b": ["c/sub", "p/y"],
    "c/sub": ["p/z"],
    "c/loop": ["c/loop2"],
    "c/loop2": ["c/loop"],
}
DOCS = ["index", "c/a", "c/b", "c/sub", "p/x", "p/y", "p/z", "c/loop", "c/loop2", "nowhere"]


def test_the_ancestors_are_sphinxs_while_writing_and_the_parents_found_once():
    original = sphinxpatches._ORIGINAL
    assert original is not None
    expected = {d: list(original(INCLUDES, d)) for d in DOCS}
    assert expected["p/z"] == ["p/z", "c/sub", "c/b"]  # the root is no ancestor
    sphinxpatches._WRITING.add(-1)
    try:
        assert {d: list(sphinxpatches.toctree_ancestors(INCLUDES, d)) for d in DOCS} == expected
        parents = sphinxpatches._PARENTS[0][1]
        sphinxpatches.toctree_ancestors(INCLUDES, "p/x")
        assert sphinxpatches._PARENTS[0][1] is parents  # not found again
        other = {**INCLUDES, "c/sub": ["p/w"]}  # another map: found afresh
        assert list(sphinxpatches.toctree_ancestors(other, "p/w")) == list(original(other, "p/w"))
    finally:
        sphinxpatches._WRITING.discard(-1)
        sphinxpatches._PARENTS.clear()
    # outside a build's write phase, Sphinx's own function answers
    assert list(sphinxpatches.toctree_ancestors(other, "p/w")) == ["p/w", "c/sub", "c/b"]
    assert not sphinxpatches._PARENTS


def test_a_build_installs_the_patch_for_its_write_phase_only(tmp_path):
    warnings, _, out = build(small_source(tmp_path), tmp_path / "out")
    assert warnings == ""
    assert toctree_adapters._get_toctree_ancestors is sphinxpatches.toctree_ancestors
    assert Builder._read_serial is sphinxpatches.read_serial  # this build read with it
    assert not sphinxpatches._WRITING and not sphinxpatches._PARENTS
    assert (out / "categories" / "Food.html").exists()
