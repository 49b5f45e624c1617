"""Property-based tests on generated wikitext: the converter never crashes, writes no syntax of
its own that the wiki did not ask for (no raw HTML, directive, role or target from wiki text),
and what it writes builds without a Sphinx warning."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.renderer import RendererHTML
from mw2sphinx import titles as t
from mw2sphinx.model import Page, SiteInfo, Wiki
from mw2sphinx.vocabulary import URL_SCHEMES
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser
from wikis import sphinx_build, tree_of

SITE = SiteInfo(name="Property Wiki")
NAMESPACES = t.Namespaces(SITE)

# Pieces of wikitext, MyST, reStructuredText and HTML, shuffled into pages.
PIECES = [
    "'''", "''", "[[", "]]", "|", "{{", "}}", "{{{1}}}", "[[Target]]", "[[Missing|m]]",
    "[[:Category:Things]]", "[[Category:Things]]", "<ref>", "</ref>", '<ref name="a">',
    '<ref name="a"/>', "<references />", "== H ==", "\n", "\n\n", "* ", "# ", ": ", "; ",
    "{|", "|-", "|}", "! ", "||", "<div>", "</div>", "<span>", "</span>", "<u>", "</u>",
    "<script>", "</script>", "<pre>", "</pre>", "<nowiki>", "</nowiki>", "<code>",
    "</code>", "<math>", "</math>", "`", "```", "```{include} /etc/passwd", "{eval-rst}",
    "{doc}`index`", "(label)=", ":::", "$", "$$", "%", "---", "+++", "~~~", "[^1]",
    "[x](javascript:alert(1))", "![i](x.png)", "<http://a.b>", "[http://example.org x]",
    "[javascript:alert(1) y]", "{#id}", "{.cls}", "\\", "&amp;", "&#60;", ".. raw:: html",
    "__NOTOC__", "{{SITENAME}}", "{{Echo|x}}", "{{:Target}}", "<!--", "-->", "{{#if:x|y}}",
]  # fmt: skip
wikitext = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet="abc XYZ.,-_<>()[]{}", max_size=6)),
    max_size=30,
).map("".join)

ALLOWED_ROLES = {"sub", "sup", "math"}
ALLOWED_DIRECTIVES = {"toctree", "list-table", "math"}
MD = create_md_parser(
    MdParserConfig(
        enable_extensions={"attrs_inline", "attrs_block", "deflist"},
        disable_syntax=["html_block", "html_inline"],
    ),
    RendererHTML,
)
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


def _tokens(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _tokens(token.children)


def syntax_problems(markdown: str) -> list[str]:
    """Every piece of MyST syntax in the page that the converter does not write itself."""
    problems = []
    for token in _tokens(MD.parse(markdown)):
        kind = token.type
        if kind.startswith("html") or kind in {"image", "myst_line_comment", "myst_block_break"}:
            problems.append(f"{kind}: {token.content!r}")
        elif kind == "myst_role" and token.meta.get("name") not in ALLOWED_ROLES:
            problems.append(f"role {token.meta.get('name')!r}")
        elif kind == "fence" and token.info.strip().startswith("{"):
            name = token.info.strip()[1:].split("}")[0]
            if name not in ALLOWED_DIRECTIVES:
                problems.append(f"directive {name!r}")
            elif name == "list-table":  # its cells are Markdown too
                body = token.content.split("\n\n", 1)[-1]
                problems += syntax_problems(body)
        elif kind == "myst_target" and not token.content.startswith("wiki-"):
            problems.append(f"target {token.content!r}")
        elif kind == "span_open" and not str(token.attrs.get("class", "")).startswith("wiki-"):
            problems.append(f"span {token.attrs!r}")
        elif kind == "link_open":
            href = str(token.attrs.get("href", ""))
            scheme = _SCHEME.match(href)
            if not (href.startswith("#wiki-") or (scheme and scheme.group(1) in URL_SCHEMES)):
                problems.append(f"link {href!r}")
    return problems


def convert_pages(texts: list[str]) -> dict[str, str]:
    pages = {
        "Target": Page("Target", 0, "Target page.\n== Section ==\n"),
        "Template:Echo": Page("Template:Echo", 10, "{{{1}}}"),
    }
    for number, text in enumerate(texts, 1):
        pages[f"Generated {number}"] = Page(f"Generated {number}", 0, text)
    return tree_of(Wiki(site=SITE, pages=pages))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wikitext)
def test_never_crashes_and_writes_no_syntax_from_the_wiki(text):
    files = convert_pages([text])
    page = files["pages/Generated_1.md"]
    assert syntax_problems(page) == []


def test_syntax_check_catches_what_it_must():
    """The checker above is only worth something if it sees the syntax it forbids."""
    assert syntax_problems("{eval-rst}`x`")
    assert syntax_problems("```{include} x\n```")
    assert syntax_problems("(label)=\n# x")
    assert syntax_problems("[x](project:/etc/passwd)")
    assert syntax_problems("[x]{.evil}")
    assert syntax_problems("```{list-table}\n:header-rows: 0\n\n* - {raw}`x`\n```")
    assert syntax_problems("(wiki-x)=\n# x\n\n[a](#wiki-x) {sub}`2`") == []


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(wikitext, min_size=1, max_size=4))
def test_what_it_writes_builds_without_warnings(tmp_path_factory, texts):
    root = tmp_path_factory.mktemp("prop")
    for relative, content in convert_pages(texts).items():
        path = root / "src" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, "utf-8")
    warnings, _ = sphinx_build(root / "src", root / "build")
    assert warnings == ""


# --- titles are not paths --------------------------------------------------------------------

titles_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=300
) | st.sampled_from(
    ["index", "Index", "genindex", "search", "_static", "_sources", "CON", "con", "nul.txt",
     "..", "../x", "a/../b", "a\\b", "/etc/passwd", "C:\\x", "e\u0301", "\u00e9", " x ", "x.",
     "LPT1", "objects.inv", ".hidden", "~~~", "a" * 255, "é" * 130]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(titles_text, min_size=1, max_size=30))
def test_titles_become_safe_unique_file_names(tmp_path_factory, raw_titles):
    parsed = [NAMESPACES.title(raw) for raw in raw_titles]
    titles = list({p.full: p for p in parsed if p is not None}.values())
    docnames = t.docnames(titles, main_page=SITE.main_page)
    assert len(docnames) == len(titles)
    folded = [d.casefold() for d in docnames.values()]
    assert len(set(folded)) == len(folded)
    dest = tmp_path_factory.getbasetemp() / "dest"
    for docname in docnames.values():
        folder, _, stem = docname.rpartition("/")
        assert folder in {"", "pages", "categories"}
        assert stem and "/" not in stem and "\\" not in stem and stem not in {".", ".."}
        assert not stem.startswith((".", "_")) and not stem.endswith((".", " "))
        assert len(stem.encode("utf-8")) <= 130
        assert stem.split(".")[0].casefold() not in {"index", "genindex", "search", "con", "nul"}
        assert (dest / (docname + ".md")).resolve().is_relative_to(dest.resolve())
    # Stable: the same titles give the same names, in any order.
    assert t.docnames(list(reversed(titles)), main_page=SITE.main_page) == docnames


# --- the long run, on demand: pytest -m fuzz ----------------------------------------------


@pytest.mark.fuzz
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(wikitext)
def test_fuzz_never_crashes_and_writes_no_syntax_from_the_wiki(text):
    files = convert_pages([text])
    assert syntax_problems(files["pages/Generated_1.md"]) == []
