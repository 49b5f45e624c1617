"""The patches of Sphinx's own quadratic steps (mw2sphinx.sphinxpatches) answer as Sphinx
does, and do the work once."""

from __future__ import annotations

import re

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


def test_settings_are_made_once_and_each_document_gets_fresh_ones(monkeypatch):
    from docutils.parsers.rst import Parser
    from docutils.readers import standalone
    from docutils.utils import DependencyList
    from sphinx.util import docutils as sphinx_docutils

    made = []

    def counted(*components, **options):
        made.append(components)
        return original(*components, **options)

    original = sphinxpatches._ORIGINAL_SETTINGS
    assert original is not None
    monkeypatch.setattr(sphinxpatches, "_ORIGINAL_SETTINGS", counted)
    env, stream = object(), []
    defaults = {"traceback": True, "env": env, "warning_stream": stream}
    sphinxpatches._forget()
    try:
        first = sphinxpatches.get_settings(
            standalone.Reader, Parser(), defaults=defaults, read_config_files=True
        )
        second = sphinxpatches.get_settings(
            standalone.Reader, Parser(), defaults=dict(defaults), read_config_files=True
        )
    finally:
        sphinxpatches._forget()
    assert len(made) == 1  # the second document's settings were not made again
    fresh = original(standalone.Reader, Parser(), defaults=defaults, read_config_files=True)
    assert vars(first).keys() == vars(fresh).keys()
    for name, value in vars(fresh).items():
        if isinstance(value, DependencyList):
            assert isinstance(getattr(first, name), DependencyList)
        else:
            assert getattr(first, name) == value, name
    assert first is not second
    assert first.record_dependencies is not second.record_dependencies
    assert first._config_files is not second._config_files
    assert first.env is env and second.warning_stream is stream  # the defaults as given
    first.report_level = 5  # one document's change is not another's
    assert second.report_level == fresh.report_level
    # myst-parser's spare documents: docutils' own defaults, made once
    assert sphinxpatches.get_default_settings(Parser).report_level == fresh.report_level
    assert sphinx_docutils._get_settings in {sphinxpatches.get_settings, original}


def test_a_build_makes_settings_and_checksums_once_not_per_page(tmp_path, monkeypatch):
    from myst_parser.mdit_to_docutils import base as myst_base
    from sphinx.builders import html as html_builders
    from sphinx.util import docutils as sphinx_docutils

    settings, checksums = [], []
    original_settings = sphinxpatches._ORIGINAL_SETTINGS
    original_checksum = sphinxpatches._ORIGINAL_CHECKSUM
    assert original_settings is not None and original_checksum is not None

    def counted_settings(*components, **options):
        settings.append(components)
        return original_settings(*components, **options)

    def counted_checksum(outdir, filename):
        checksums.append(filename)
        return original_checksum(outdir, filename)

    monkeypatch.setattr(sphinxpatches, "_ORIGINAL_SETTINGS", counted_settings)
    monkeypatch.setattr(sphinxpatches, "_ORIGINAL_CHECKSUM", counted_checksum)
    warnings, _, out = build(small_source(tmp_path), tmp_path / "out")
    assert warnings == ""
    assert sphinx_docutils._get_settings is sphinxpatches.get_settings
    assert myst_base.get_default_settings is sphinxpatches.get_default_settings
    assert html_builders._file_checksum is sphinxpatches.file_checksum
    pages = list(out.rglob("*.html"))
    assert len(pages) > 10
    assert 1 <= len(settings) <= 2  # one per kind of source, not one per document
    # every page's assets have their checksums, each found once, not once per page
    page = (out / "categories" / "Food.html").read_text("utf-8")
    assets = set(re.findall(r'(?:href|src)="(?:\.\./)*(_static/[^"?]+)\?v=[0-9a-f]{8}"', page))
    assert "_static/wiki.css" in assets and len(assets) > 5
    assert len(checksums) == len(set(checksums)) and assets <= set(map(str, checksums))
    assert not sphinxpatches._SETTINGS and not sphinxpatches._CHECKSUMS  # not kept after


def test_parallel_reading_sends_back_each_chunk_and_not_what_was_merged_before(
    tmp_path, monkeypatch
):
    from sphinx import builders
    from sphinx.environment import BuildEnvironment

    def one_a_chunk(docnames, nproc, maxbatch=10):
        return [[docname] for docname in docnames]

    # more chunks than processes: later processes start after earlier chunks came back
    monkeypatch.setattr(builders, "make_chunks", one_a_chunk)
    monkeypatch.setattr(sphinxpatches, "make_chunks", one_a_chunk)
    sent = []
    merge = BuildEnvironment.merge_info_from

    def recorded(self, docnames, other, app):
        sent.append((sorted(docnames), sorted(other.all_docs)))
        return merge(self, docnames, other, app)

    monkeypatch.setattr(BuildEnvironment, "merge_info_from", recorded)
    warnings, _, out = build(small_source(tmp_path), tmp_path / "out", parallel=2)
    assert warnings == ""
    assert Builder._read_parallel is sphinxpatches.read_parallel
    assert len(sent) > 4
    assert all(docs == read for docs, read in sent), sent  # nothing merged before
    assert (out / "categories" / "Food.html").exists()
    assert "Food" in (out / "index.html").read_text("utf-8")


def test_myst_parser_is_made_once_for_equal_configurations_and_not_shared_while_in_use():
    from myst_parser.config.main import MdParserConfig
    from myst_parser.mdit_to_docutils.base import DocutilsRenderer, make_document

    def render(md, text):
        md.options["document"] = document = make_document()
        md.render(text)
        return document

    sphinxpatches._forget()
    try:
        config = MdParserConfig(enable_extensions={"deflist"})
        first = sphinxpatches.create_md_parser(config, DocutilsRenderer)
        # the first is in use until it has rendered: the next one is another
        other = sphinxpatches.create_md_parser(config, DocutilsRenderer)
        assert other is not first
        assert (
            render(first, "# One\n\nterm\n: definition\n").astext() == "One\n\nterm\n\ndefinition"
        )
        equal = MdParserConfig(enable_extensions={"deflist"})
        again = sphinxpatches.create_md_parser(equal, DocutilsRenderer)
        assert again is first and again.options["myst_config"] is equal
        assert render(again, "Two").astext() == "Two"  # nothing left of the page before
        changed = MdParserConfig(enable_extensions={"deflist"}, heading_anchors=2)
        assert sphinxpatches.create_md_parser(changed, DocutilsRenderer) is not first
    finally:
        sphinxpatches._forget()


def test_a_build_makes_one_myst_parser_not_one_per_document(tmp_path, monkeypatch):
    from myst_parser.parsers import sphinx_ as myst_sphinx

    made = []
    original = sphinxpatches._ORIGINAL_MD
    assert original is not None

    def counted(config, renderer):
        made.append(config)
        return original(config, renderer)

    monkeypatch.setattr(sphinxpatches, "_ORIGINAL_MD", counted)
    warnings, _, out = build(small_source(tmp_path), tmp_path / "out")
    assert warnings == ""
    assert myst_sphinx.create_md_parser is sphinxpatches.create_md_parser
    documents = len(list((out / ".." / "doctrees").rglob("*.doctree")))
    assert documents > 10
    assert len(made) == 1  # every page's front matter gives an equal configuration
    assert not sphinxpatches._MD_PARSERS
    # the same site as with a parser made for every document
    monkeypatch.setattr(sphinxpatches, "_ORIGINAL_MD", None)  # not installed again
    monkeypatch.setattr(myst_sphinx, "create_md_parser", original)
    warnings, _, unpatched = build(tmp_path / "src", tmp_path / "unpatched")
    assert warnings == ""
    pages = sorted(p.relative_to(out) for p in out.rglob("*.html"))
    assert pages == sorted(p.relative_to(unpatched) for p in unpatched.rglob("*.html"))
    for page in pages:
        assert (out / page).read_bytes() == (unpatched / page).read_bytes(), page
