"""MediaWiki's own parser tests, through the converter: how much of each case a reader sees.

MediaWiki's parser-test files (``../shared/mediawiki-parser-tests/``, read at run time, never
copied here) hold cases of wikitext and the HTML MediaWiki renders from it, and ``!! article``
pages that the cases link to and transclude. This runner

1. reads every case and keeps those a converter can be judged on (see :data:`LEFT_OUT` for
   the others: each is counted, with its reason);
2. converts the kept cases as ONE wiki (each case a page with a safe title, the articles as
   the wiki's other pages, the harness's uploads as files of the same names and sizes) the
   way ``mw2sphinx convert`` does, and builds it with ``sphinx-build -W -n --keep-going``;
3. compares what a reader sees on each case's page with the case's expected HTML, with
   ``fidelity.py``'s text extraction: the words (recall and precision), the links (blue, red
   and external), the headings and the references. An image's alt text counts as words of
   their own (``alt:word``: what a reader who cannot see the image is told), and the caption
   of a plain or frameless figure, which MediaWiki's CSS hides, only as that. A case is
   **whole** when the recall of its words is at least 0.99 and its links, red links,
   external links and headings match.

It prints a table per file and per construct and writes every case's result to
``_build/conformance/results.json``. ``--pandoc`` measures plain pandoc (``pandoc -f
mediawiki -t html`` on the same cases) for the side-by-side column.

``tests/conformance_known.toml`` is the known-differences list: case -> the reason no
converter can reproduce MediaWiki's output (the harness's clock, its page title, an upload
or a hook only the harness has). A case neither whole nor on it is a failure.
``tests/conformance_passing.txt`` lists the cases that are whole, and
``tests/conformance_warnings.txt`` the cases whose pages still give Sphinx warnings:
``test_conformance.py`` fails when a passing case stops passing or a new case gets a Sphinx
warning. ``--update`` rewrites both lists from this run.

    python tests/conformance.py [--json OUT] [--files a.txt,b.txt] [--pandoc] [--update] [-v]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import tomllib
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import fidelity
import pypandoc
from bs4 import BeautifulSoup
from mw2sphinx.convert import unconverted_variants

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
PARSER_TESTS = ROOT.parent / "shared" / "mediawiki-parser-tests"
KNOWN = TESTS / "conformance_known.toml"
PASSING = TESTS / "conformance_passing.txt"
WARNINGS = TESTS / "conformance_warnings.txt"
DEFAULT_OUT = ROOT / "_build" / "conformance"

#: Recall of the expected words from which a case counts as whole.
WHOLE = 0.99
#: Below this recall a case has lost more than half its words.
HALF = 0.5

#: MediaWiki's parser-test harness (tests/parser/ParserTestRunner.php): the site it renders
#: in, the title every case is parsed as, and its clock (``getFakeTimestamp()``: 123,
#: parsed as 1970-01-01T00:02:03Z).
HARNESS_SITE = "MediaWiki"
HARNESS_SERVER = "http://example.org"
HARNESS_TITLE = "Parser test"
HARNESS_CLOCK = "1970-01-01T00:02:03Z"
#: ... and its magic links: every one on unless a case's config turns it off
#: (ParserTestRunner::setupTest: ``wgEnableMagicLinks`` + ISBN, PMID and RFC on).
HARNESS_MAGIC_LINKS = frozenset({"ISBN", "PMID", "RFC"})

#: The harness's interwiki table (ParserTestRunner::appendInterwikiSetup) and the prefixes
#: in it that name the harness's own wiki ($wgLocalInterwikis).
HARNESS_INTERWIKI: Mapping[str, str] = {
    "local": "http://example.org/wiki/$1",
    "project": "http://example.org/wiki/$1",
    "wikipedia": "http://en.wikipedia.org/wiki/$1",
    "meatball": "http://www.usemod.com/cgi-bin/mb.pl?$1",
    "memoryalpha": "http://www.memory-alpha.org/en/index.php/$1",
    "zh": "http://zh.wikipedia.org/wiki/$1",
    "es": "http://es.wikipedia.org/wiki/$1",
    "fr": "http://fr.wikipedia.org/wiki/$1",
    "ru": "http://ru.wikipedia.org/wiki/$1",
    "mi": "http://example.org/wiki/$1",
    "mul": "http://wikisource.org/wiki/$1",
    "en": "//en.wikipedia.org/wiki/$1",
    "stats": "https://stats.wikimedia.org/$1",
    "gerrit": "https://gerrit.wikimedia.org/$1",
    "wikinvest": "https://meta.wikimedia.org/wiki/Interwiki_map/discontinued#Wikinvest",
}
HARNESS_LOCAL_INTERWIKI = ("local", "project", "mi")
#: ... and the prefix in it that makes interlanguage links without naming a language
#: ($wgExtraInterlanguageLinkPrefixes in ParserTestRunner::staticSetup).
HARNESS_EXTRA_LANGUAGES = ("mul",)
#: ... and its extra namespaces (one shadows an interwiki prefix, T53680).
HARNESS_NAMESPACES = {100: "MemoryAlpha", 101: "MemoryAlpha talk"}

#: The uploads ParserTestRunner::setupUploads() registers: name -> (width, height, bytes,
#: MIME type). The runner gives the wiki files of these names, pixel sizes and byte sizes.
UPLOADS: Mapping[str, tuple[int, int, int, str]] = {
    "Foobar.jpg": (1941, 220, 7881, "image/jpeg"),
    "Thumb.png": (135, 135, 22589, "image/png"),
    "Foobar.svg": (240, 180, 12345, "image/svg+xml"),
    "Bad.jpg": (320, 240, 12345, "image/jpeg"),
    "Video.ogv": (320, 240, 12345, "application/ogg"),
    "Audio.oga": (0, 0, 12345, "application/ogg"),
    "LoremIpsum.djvu": (2480, 3508, 3249, "image/vnd.djvu"),
    # ... and those the expected HTML of media.txt shows as uploaded too (their sizes in
    # pixels from its data-file-width/-height; their sizes in bytes it does not give)
    "Tall.jpg": (400, 600, 12345, "image/jpeg"),
    "File & file.jpg": (1941, 220, 12345, "image/jpeg"),
}

#: Tags that only the harness's own parser hooks define (ParserTestParserHook and friends).
HARNESS_TAGS = ("tag", "tåg", "statictag", "asidetag", "pwraptest", "spantag", "embedtag")
#: Parser functions that only the harness defines (ParserTestParserHook, the Parsoid test
#: extension).
HARNESS_FUNCTIONS = ("spantag", "divtag", "parsoid", "balance")
_HARNESS_TAG = re.compile(
    r"<(?:" + "|".join(HARNESS_TAGS) + r")[\s>/]"
    r"|\{\{\s*#(?:" + "|".join(HARNESS_FUNCTIONS) + r")\s*[:|}]",
    re.IGNORECASE,
)

#: Options that run a case in another mode than "parse a page and show it".
SPECIAL_MODES = (
    "pst", "msg", "section", "replace", "comment", "preload", "showtitle", "showindicators",
    "showflags", "showtocdata", "showmedia", "extension", "property", "styletag",
)  # fmt: skip
#: Options that set the harness's site configuration for one case.
CONFIG_OPTIONS = (
    "wgrawhtml", "wgallowexternalimages", "wgmaxtoclevel", "wgenablemagiclinks",
    "wginterwikimagic", "wgnonincludablenamespaces", "wgenableuploads", "wglocaltimezone",
    "djvu", "wgfragmentmode", "wglinkholderbatchsize", "externallinktarget", "maxincludesize",
    "pmid-interwiki",
)  # fmt: skip

#: Why a case is left out, in the order the checks run (a case counts under the first).
LEFT_OUT: Mapping[str, str] = {
    "parsoid-only": "no legacy-parser output (no !! html/php, !! html or !! html/*): Parsoid's "
    "own markup, not what a reader of the legacy parser sees",
    "disabled": "disabled in MediaWiki itself (!! html/php+disabled or the disabled option)",
    "special-mode": "another mode than rendering a page (pst, msg, section=, replace=, "
    "comment, preload, showtitle, showflags, showindicators, showtocdata, showmedia, "
    "extension=, property=, styletag)",
    "language": (
        "a content language other than English, or a language variant (of the page, or"
        " <langconvert> text converted into another variant)"
    ),
    "title": "parsed as another title than the harness's plain 'Parser test' (title=)",
    "subpage": "the subpage option (subpages on in every namespace)",
    "config": "per-case site configuration ($wg settings in !! config or as options)",
    "hook": "a tag or parser function that only the harness's own parser hooks define (<tag>, "
    "<statictag>, {{#spantag:}} …)",
    "error": 'the expected output is an error message (class="error")',
    "empty": "no wikitext",
}

#: Constructs a case can use, told from its wikitext: name -> pattern.
# fmt: off
CONSTRUCTS: Mapping[str, re.Pattern[str]] = {
    "templates": re.compile(r"\{\{(?!\s*(?:#|[A-Z]+\s*(?:[:|}])|!\s*\}|=\s*\}))[^{}|]"),
    "parser functions": re.compile(
        r"\{\{\s*(?:#\w+|[A-Z]{3,}|(?:int|ns|nse|lc|uc|lcfirst|ucfirst|urlencode|anchorencode|"
        r"localurl|fullurl|canonicalurl|filepath|padleft|padright|formatnum|plural|grammar|"
        r"gender|subst|safesubst|msg|msgnw|raw|displaytitle|defaultsort|tag|!|=)\s*[:|}])",
        re.IGNORECASE),
    "tables": re.compile(r"^\s*:*\s*\{\||<table", re.MULTILINE | re.IGNORECASE),
    "wikilinks": re.compile(r"\[\[(?!\s*(?:File|Image|Media)\s*:)", re.IGNORECASE),
    "external links": re.compile(r"\[(?:[a-z][a-z0-9+.-]*:)?//|\[(?:mailto|news|urn):|"
                                 r"(?<![\w/\[])https?://", re.IGNORECASE),
    "HTML tags": re.compile(
        r"</?(?:b|i|u|s|del|ins|strike|big|small|sub|sup|span|div|font|center|code|tt|kbd|"
        r"var|samp|cite|q|abbr|dfn|mark|br|hr|p|blockquote|h[1-6]|ul|ol|li|dl|dt|dd|em|strong|"
        r"ruby|rb|rp|rt|rtc|bdi|bdo|wbr|data|time|caption|tr|td|th|thead|tbody|tfoot)\b",
        re.IGNORECASE),
    "bold/italic": re.compile(r"''"),
    "lists": re.compile(r"^[*#]", re.MULTILINE),
    "nowiki": re.compile(r"<nowiki", re.IGNORECASE),
    "entities": re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.IGNORECASE),
    "definition lists/indents": re.compile(r"^[*#]*[;:]", re.MULTILINE),
    "pre": re.compile(r"^ [^\s]|<pre", re.MULTILINE | re.IGNORECASE),
    "refs": re.compile(r"<ref\b|<references", re.IGNORECASE),
    "headings": re.compile(r"^=+[^=\n]+=+\s*$", re.MULTILINE),
    "files": re.compile(r"\[\[\s*(?:File|Image|Media)\s*:|<gallery", re.IGNORECASE),
    "comments": re.compile(r"<!--"),
    "include tags": re.compile(r"<(?:noinclude|includeonly|onlyinclude)", re.IGNORECASE),
    "magic links": re.compile(r"\b(?:ISBN|RFC|PMID)\s+\d"),
    "horizontal rules": re.compile(r"^----", re.MULTILINE),
}
# fmt: on


# -- reading the test files ---------------------------------------------------------------


@dataclasses.dataclass
class Case:
    file: str
    name: str
    line: int
    options: dict[str, object]
    sections: dict[str, str]
    config: str = ""

    @property
    def wikitext(self) -> str:
        return self.sections.get("wikitext", "")

    @property
    def expected(self) -> str | None:
        """The legacy parser's HTML, as ParserTest reads it."""
        for key in ("html/php", "html/*", "html"):
            if key in self.sections:
                return self.sections[key]
        return None


@dataclasses.dataclass
class Article:
    file: str
    title: str
    text: str
    line: int


_HEAD = re.compile(r"^!!\s*([\w/+*-]+)\s*$")


def _chomp(lines: list[str]) -> str:
    text = "".join(lines)
    return text[:-1] if text.endswith("\n") else text


def read_file(path: Path) -> tuple[list[Case], list[Article]]:
    """The cases and articles of one parser-test file."""
    cases: list[Case] = []
    articles: list[Article] = []
    section: str | None = None
    data: dict[str, list[str]] = {}
    start = 0
    for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(True), 1):
        head = _HEAD.match(line)
        if head is None:
            if section is not None:
                data.setdefault(section, []).append(line)
            continue
        keyword = head.group(1).lower()
        if keyword in {"test", "article"}:
            data, section, start = {}, keyword, number
            data[keyword] = []
        elif keyword == "end" and "test" in data:
            sections = {k: _chomp(v) for k, v in data.items()}
            cases.append(
                Case(
                    file=path.name,
                    name=" ".join(sections.pop("test").split()),
                    line=start,
                    options=parse_options(sections.pop("options", "")),
                    sections=sections,
                    config=sections.pop("config", ""),
                )
            )
            data, section = {}, None
        elif keyword == "endarticle" and "article" in data:
            articles.append(
                Article(
                    path.name, _chomp(data["article"]).strip(), _chomp(data.get("text", [])), start
                )
            )
            data, section = {}, None
        elif keyword == "end":
            data, section = {}, None  # the file's own !! options block
        elif data:
            section = keyword
            data[section] = []
        else:
            section = keyword  # e.g. a file-level "!! options"
            data = {keyword: []}
    return cases, articles


_OPTION_NAME = re.compile(r"\s*([^\s=\"\[\]{},]+)")


def _option_value(text: str, at: int) -> tuple[str, int]:
    if text.startswith('"', at):
        end = text.find('"', at + 1)
        end = len(text) if end < 0 else end
        return text[at + 1 : end], end + 1
    if text.startswith("[[", at):
        end = text.find("]]", at)
        end = len(text) if end < 0 else end
        return text[at + 2 : end], end + 2
    if text.startswith("{", at):
        depth, i = 0, at
        while i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
            if depth == 0:
                break
        return text[at:i], i
    match = re.compile(r"[^\s,]*").match(text, at)
    assert match is not None
    return match.group(), match.end()


def parse_options(text: str) -> dict[str, object]:
    """``name``, ``name=value``, ``name="quoted"``, ``name=[[Title]]``, ``name=a,b``, JSON."""
    options: dict[str, object] = {}
    at = 0
    while True:
        match = _OPTION_NAME.match(text, at)
        if match is None:
            break
        name, at = match.group(1).lower(), match.end()
        rest = re.compile(r"\s*=\s*").match(text, at)
        if rest is None:
            options[name] = True
            continue
        values = []
        at = rest.end()
        while True:
            value, at = _option_value(text, at)
            values.append(value)
            comma = re.compile(r"\s*,\s*").match(text, at)
            if comma is None:
                break
            at = comma.end()
        options[name] = values[0] if len(values) == 1 else values
    return options


# -- which cases are kept ------------------------------------------------------------------


def left_out(case: Case) -> str | None:
    """Why a case is not judged (a key of :data:`LEFT_OUT`), or ``None``."""
    options = case.options
    if case.expected is None:
        return "disabled" if "html/php+disabled" in case.sections else "parsoid-only"
    if "disabled" in options:
        return "disabled"
    if any(mode in options for mode in SPECIAL_MODES):
        return "special-mode"
    language = str(options.get("language", "en")).lower()
    if language != "en" or any(k in options for k in ("variant", "htmlvariantlanguage")):
        return "language"
    if unconverted_variants(case.wikitext):
        return "language"  # MediaWiki's variant converters (sr-latn → sr-cyrl …) are not here
    title = options.get("title")
    if title is not None and str(title).strip() != HARNESS_TITLE:
        return "title"
    if "subpage" in options:
        return "subpage"
    if case.config.strip() or any(k in options for k in CONFIG_OPTIONS):
        return "config"
    if _HARNESS_TAG.search(case.wikitext):
        return "hook"
    if re.search(r"class=\"error\b", case.expected):
        return "error"
    if not case.wikitext.strip():
        return "empty"
    return None


def constructs(wikitext: str) -> list[str]:
    return [name for name, pattern in CONSTRUCTS.items() if pattern.search(wikitext)]


def case_id(case: Case) -> str:
    """The stable name of a case in the lists and the JSON: ``file: name``."""
    return f"{case.file}: {case.name}"


# -- the wiki -------------------------------------------------------------------------------


def _png(width: int, height: int, size: int) -> bytes:
    """A valid PNG of ``width`` × ``height`` grey pixels, padded to ``size`` bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\0" + b"\x80" * width for _ in range(max(height, 1)))
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", max(width, 1), max(height, 1), 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
    )
    padding = max(size - len(data) - 24, 0)
    return (
        data + (chunk(b"tEXt", b"c\0" + b" " * padding) if padding else b"") + chunk(b"IEND", b"")
    )


def _jpeg(width: int, height: int, size: int) -> bytes:
    """A valid baseline JPEG of ``width`` × ``height`` grey pixels, padded to ``size`` bytes:
    every 8 × 8 block is mid-grey, so each one's coefficients are all 0, written with one
    Huffman code each for "no difference" (the DC) and "end of block" (the AC)."""

    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    width, height = max(width, 1), max(height, 1)
    blocks = -(-width // 8) * -(-height // 8)
    bits = "00" * blocks  # a block: DC code "0" (difference 0), AC code "0" (end of block)
    bits += "1" * (-len(bits) % 8)
    scan = int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""
    one_code = bytes([1] + [0] * 15) + b"\x00"  # one code of length 1, for symbol 0
    head = (
        b"\xff\xd8"
        + segment(0xDB, b"\x00" + bytes([1] * 64))  # quantisation table 0
        + segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
        + segment(0xC4, b"\x00" + one_code)  # DC table 0
        + segment(0xC4, b"\x10" + one_code)  # AC table 0
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    )
    tail = scan + b"\xff\xd9"
    padding = b""
    room = size - len(head) - len(tail)
    while room > 4:  # comments before the scan, at most 65,533 bytes each
        length = min(room - 4, 65533)
        padding += segment(0xFE, b" " * length)
        room -= length + 4
    return head[:2] + padding + head[2:] + tail


def upload_bytes(name: str) -> bytes:
    width, height, size, mime = UPLOADS[name]
    if mime.startswith("image/svg"):
        svg = (
            '<?xml version="1.0" encoding="utf-8"?><svg xmlns="http://www.w3.org/2000/svg" '
            f'version="1.1" width="{width}" height="{height}"/>'
        )
        return svg.encode() + b" " * max(size - len(svg), 0)
    if mime == "image/jpeg":
        return _jpeg(width, height, size)
    if mime == "image/png":
        return _png(width, height, size)
    return b"\0" * size


def page_title(index: int, case: Case) -> str:
    """A safe, unique title for a case's page."""
    return f"Case {index:04d} {Path(case.file).stem}"


def build_wiki(cases: list[tuple[str, Case]], articles: list[Article], media_dir: Path):
    """The one wiki of every kept case and every article; also the articles left out."""
    from mw2sphinx import titles as t
    from mw2sphinx.model import Page, SiteInfo, Wiki, WikiFile
    from mw2sphinx.sources.folder import redirect_target

    site = SiteInfo(
        name=HARNESS_SITE,
        article_url=f"{HARNESS_SERVER}/wiki/$1",
        main_page="Main Page",
        script_url=f"{HARNESS_SERVER}/index.php",
        clock=HARNESS_CLOCK,
        namespaces={**t.DEFAULT_NAMESPACES, **HARNESS_NAMESPACES},
        interwiki=HARNESS_INTERWIKI,
        local_interwiki=HARNESS_LOCAL_INTERWIKI,
        extra_language_prefixes=HARNESS_EXTRA_LANGUAGES,
        magic_links=HARNESS_MAGIC_LINKS,
    )
    namespaces = t.Namespaces(site)
    # Each test file has its own articles in MediaWiki's harness; here they share one wiki.
    # A title two files define differently gets the text most files give it.
    texts: dict[str, Counter[str]] = {}
    clashes: list[str] = []
    for article in articles:
        title = namespaces.title(article.title)
        if title is None:
            clashes.append(f"{article.file}:{article.line}: invalid title {article.title!r}")
            continue
        texts.setdefault(title.full, Counter())[article.text] += 1
    pages: dict[str, Page] = {}
    redirects: dict[str, str] = {}
    for full, counts in texts.items():
        text = counts.most_common(1)[0][0]
        if len(counts) > 1:
            clashes.append(f"{full}: {len(counts)} different texts, the most common kept")
        target = redirect_target(text)
        if target is not None:
            redirects[full] = target
        else:
            pages[full] = Page(full, namespaces.title(full).namespace, text, origin="articles")
    for title, case in cases:
        pages[title] = Page(title, 0, case.wikitext, origin=f"{case.file}:{case.line}")
    media_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, (width, height, size, mime) in UPLOADS.items():
        path = media_dir / name
        path.write_bytes(upload_bytes(name))
        files[f"File:{name}"] = WikiFile(
            title=f"File:{name}",
            url=f"http://example.com/images/{name}",
            size=size,
            mime=mime,
            width=width or None,
            height=height or None,
            timestamp="2001-01-15T12:35:00Z",
            path=str(path),
        )
    return Wiki(site=site, pages=pages, redirects=redirects, files=files), clashes


@dataclasses.dataclass
class Converted:
    docnames: dict[str, str]  # title -> docname
    crashed: dict[str, str]  # title -> the exception
    warnings: dict[str, list[str]]  # title -> the converter's typed warnings


def _convert(wiki, dest: Path):
    """Convert ``wiki`` into ``dest`` as ``mw2sphinx convert`` does (pipeline.convert_tree,
    in its two steps: the pages are measured too)."""
    from mw2sphinx import titles as t
    from mw2sphinx.convert import convert_wiki
    from mw2sphinx.pipeline import site_files
    from mw2sphinx.site import write_tree

    pages, index = convert_wiki(wiki, namespaces=t.Namespaces(wiki.site))
    write_tree(site_files(wiki, pages, index)[0], dest)
    return pages


def _without(wiki, titles: Iterable[str]):
    drop = set(titles)
    return dataclasses.replace(wiki, pages={k: v for k, v in wiki.pages.items() if k not in drop})


def convert_cases(wiki, case_titles: list[str], dest: Path) -> Converted:
    """Convert the wiki; a case whose page makes the converter raise is found by halving
    the cases, reported as a crash and left out, and the rest converted together."""
    crashed: dict[str, str] = {}

    def crashers(titles: list[str]) -> None:
        others = set(case_titles) - set(titles)
        try:
            with tempfile.TemporaryDirectory() as scratch:
                _convert(_without(wiki, others | set(crashed)), Path(scratch))
        except Exception as error:  # a crash is what is measured
            if len(titles) == 1:
                crashed[titles[0]] = f"{type(error).__name__}: {error}"
                return
            half = len(titles) // 2
            crashers(titles[:half])
            crashers(titles[half:])

    try:
        pages = _convert(wiki, dest)
    except Exception:  # find the cases that crash it
        crashers(case_titles)
        pages = _convert(_without(wiki, crashed), dest)
    return Converted(
        docnames={p.title.full: p.docname for p in pages},
        crashed=crashed,
        warnings={p.title.full: [str(w) for w in p.warnings] for p in pages},
    )


_SPHINX_WARNING = re.compile(
    r"^(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?: (?:WARNING|ERROR|CRITICAL)"
)


def sphinx_build(
    src: Path, out: Path, *, jobs: str = "2", builder: str = "html"
) -> tuple[list[str], float]:
    """Build the HTML with the project's conf.py, -W -n --keep-going; the warning lines."""
    started = time.monotonic()
    shutil.rmtree(out, ignore_errors=True)  # a fresh build: every page's warnings again
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-n",
            "--keep-going",
            "-q",
            "-j",
            jobs,
            "-b",
            builder,
            "-c",
            str(ROOT),
            str(src),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return lines, time.monotonic() - started


def attribute_warnings(lines: list[str], src: Path) -> tuple[dict[str, list[str]], list[str]]:
    """Sphinx's warning lines by docname; those naming no document."""
    by_doc: dict[str, list[str]] = {}
    loose: list[str] = []
    for line in lines:
        match = _SPHINX_WARNING.match(line)
        if match is None:
            if by_doc or loose:
                continue  # a continuation line of the last warning
            loose.append(line)
            continue
        path = Path(match.group("path"))
        try:
            relative = path.resolve().relative_to(src.resolve())
        except ValueError:
            loose.append(line)
            continue
        docname = relative.with_suffix("").as_posix()
        by_doc.setdefault(docname, []).append(line.replace(str(src) + os.sep, ""))
    return by_doc, loose


# -- comparing ------------------------------------------------------------------------------

#: Namespaces whose links are compared: every page namespace but File (MediaWiki links an
#: image to its description page) and the virtual Special and Media.
_NO_LINK_NS = {-2, -1, 6}


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _external(href: str) -> str:
    # A protocol-relative link (//host/x) takes the scheme of the page it is on: the
    # harness's http, the site's https (vocabulary.safe_url): the same place for a reader.
    if href.startswith("//"):
        href = "https:" + href
    # A scheme is the same in any case (RFC 3986): HttP:// leads where http:// does.
    href = _SCHEME.sub(lambda m: m.group().lower(), href, count=1)
    return unquote(href).rstrip("/")


@dataclasses.dataclass(frozen=True)
class Seen:
    """What a reader sees of one case: fidelity's extract plus the external links."""

    extract: fidelity.Extract
    external: Counter[str]
    #: every internal link's target title, blue or red (what plain pandoc is judged on).
    targets: frozenset[str] = frozenset()


def _internal_target(anchor, namespaces):
    """The title an internal link of MediaWiki's HTML points to (blue or red), or None."""
    href = anchor.get("href", "")
    parts = urlsplit(href)
    if parts.netloc or parts.scheme:
        return None
    if parts.path.startswith("/wiki/"):
        raw = unquote(parts.path[len("/wiki/") :])
    else:
        raw = fidelity.redlink_target(href) if "redlink=1" in parts.query else None
    if not raw:
        return None
    title = namespaces.title(raw)
    if title is None or title.interwiki or title.namespace in _NO_LINK_NS:
        return None
    return title


def _upload_link(anchor) -> bool:
    """A red link to a missing file: ``Special:Upload&wpDestFile=X``, class ``new``."""
    return "new" in anchor.get("class", ()) and "wpDestFile" in parse_qs(
        urlsplit(anchor.get("href", "")).query
    )


def _file_redlink(anchor, namespaces) -> bool:
    """A red link to a file's description page (``title=File:X&redlink=1``)."""
    href = anchor.get("href", "")
    if "redlink=1" not in urlsplit(href).query:
        return False
    raw = fidelity.redlink_target(href)
    title = namespaces.title(raw) if raw else None
    return title is not None and not title.interwiki and title.namespace == 6


def _hidden_caption(figure) -> bool:
    """MediaWiki's CSS (mediawiki.skinning/content.media-common.less) hides the
    ``<figcaption>`` of a plain or frameless figure (``typeof="mw:File"`` or
    ``"mw:File/Frameless"``): its reader gets that caption as the image's alt text and the
    link's tooltip, never as text on the page."""
    kinds = figure.get("typeof", "").split()
    return "mw:File" in kinds or "mw:File/Frameless" in kinds


#: The words of an image's alt text are counted apart from the page's text: alt text must
#: be alt text, visible text visible.
ALT = "alt:"


def _alt_words(root, gallery: str) -> Counter[str]:
    """The words of every image's alt text, as ``alt:word``: what the page tells a reader
    who cannot see the image (a screen reader, an image that does not load). Not yet for
    the images of a gallery (``gallery``: the CSS selector of one): their captions are
    compared as text, and MediaWiki's alt text of a gallery box follows its own rules."""
    found: Counter[str] = Counter()
    in_gallery = {id(image) for box in root.select(gallery) for image in box.find_all("img")}
    for image in root.find_all("img"):
        if id(image) not in in_gallery:
            found.update(ALT + word for word in fidelity.words(image.get("alt", "")).elements())
    return found


def _seen(anchor) -> bool:
    """Whether a reader sees a link at all: text or an image in it (the HTML parser leaves
    empty copies of an <a> it closes around a block, as around a <figure>)."""
    return bool(anchor.get_text().strip()) or anchor.find("img") is not None


def expected_seen(html: str, namespaces, wiki_titles, redirects: Mapping[str, str]) -> Seen:
    """The expected HTML of a case, reduced as fidelity reduces a parse-API result.

    Which pages exist is the harness's (each test file's own articles, and its link
    table): a link counts as blue when the wiki converted here has its page, as red (by
    its text) when it does not, whatever colour the harness gave it.
    """
    soup = BeautifulSoup(html, "html.parser")
    for figure in soup.find_all("figure"):
        if _hidden_caption(figure):
            for caption in figure.find_all("figcaption", recursive=False):
                caption.decompose()
    links: set[str] = set()
    targets: set[str] = set()
    redlinks: Counter[str] = Counter()
    for anchor in soup.select("a[href]"):
        if _upload_link(anchor):  # a missing file: MediaWiki's red link to its upload page
            redlinks[fidelity.normalise_text(anchor.get_text())] += 1
            continue
        title = _internal_target(anchor, namespaces)
        if title is None:
            if _file_redlink(anchor, namespaces):  # [[:File:X]] to a page the wiki has not
                redlinks[fidelity.normalise_text(anchor.get_text())] += 1
            continue
        targets.add(title.full)
        full = title.full
        if full in redirects:  # the converter links to the redirect's target
            target = namespaces.title(redirects[full])
            full = target.full if target is not None else full
        if full in wiki_titles:
            links.add(full)
        else:
            redlinks[fidelity.normalise_text(anchor.get_text())] += 1
    # (an image's link= to a URL is external too: no class says so, its rel=nofollow does)
    external = Counter(
        _external(a["href"])
        for a in soup.select("a.external[href], a.extiw[href], a[rel~=nofollow][href]")
        if _seen(a)
    )
    html = str(soup)
    sections = [
        {"line": h.get_text()}
        for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])
        if h.find_parent(class_="toc") is None and h.find_parent(id="toc") is None
    ]
    parse = {"title": None, "text": html, "links": [], "sections": sections}
    extract = fidelity.mediawiki_extract(parse, wiki_titles=set())
    extract = dataclasses.replace(
        extract,
        words=extract.words + _alt_words(soup, "ul.gallery"),
        links=frozenset(links),
        redlinks=redlinks,
    )
    return Seen(extract, external, frozenset(targets))


_ARTICLE = re.compile(r'<article[^>]*role="main".*?</article>', re.DOTALL)


def _article(html: str) -> str:
    """Only the page's <article role="main">: parsing furo's whole page costs ten times more."""
    match = _ARTICLE.search(html)
    return match.group() if match else html


def built_seen(html: str, *, docname: str, titles: Mapping[str, str]) -> Seen:
    html = _article(html)
    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article", attrs={"role": "main"}) or soup
    for selector in fidelity.OUR_EXTRAS + fidelity.OUR_CHROME:
        for element in article.select(selector):
            element.decompose()
    external = Counter(
        _external(a["href"])
        for a in article.select("a[href]")
        if urlsplit(a["href"]).scheme in {"http", "https", "ftp", "ftps", "mailto", "news",
                                          "irc", "ircs", "gopher", "nntp", "telnet", "worldwind",
                                          "svn", "git", "mms", "sftp", "ssh", "urn", "bitcoin",
                                          "magnet", "geo", "sip", "sips", "sms", "tel", "xmpp"}
        and "headerlink" not in a.get("class", ())
        and _seen(a)
    )  # fmt: skip
    extract = fidelity.built_extract(html, docname=docname, titles_by_docname=titles)
    links = frozenset(
        title for title in extract.links if not re.match(r"(?:File|Image|Media|Special):", title)
    )
    words = extract.words + _alt_words(article, ".wiki-gallery")
    return Seen(dataclasses.replace(extract, words=words, links=links), external)


def pandoc_seen(html: str, namespaces) -> Seen:
    """Plain pandoc's HTML: its wikilinks (title="wikilink") by target, words, headings."""
    soup = BeautifulSoup(html, "html.parser")
    targets = (namespaces.title(unquote(a["href"])) for a in soup.select("a.wikilink[href]"))
    links = frozenset(
        title.full for title in targets if title is not None and title.namespace not in _NO_LINK_NS
    )
    external = Counter(
        _external(a["href"]) for a in soup.select("a[href]") if "wikilink" not in a.get("class", ())
    )
    headings = tuple(
        fidelity.normalise_text(h.get_text()) for h in soup.find_all(fidelity.HEADING_TAGS)
    )
    text = fidelity.words(fidelity._block_text(soup))
    return Seen(fidelity.Extract(text, links, Counter(), 0, headings), external)


@dataclasses.dataclass
class Score:
    recall: float
    precision: float
    links: float
    redlinks: float
    external: float
    headings: float
    references: float
    missing: list[str]

    @property
    def whole(self) -> bool:
        return self.recall >= WHOLE and all(
            v == 1.0 for v in (self.links, self.redlinks, self.external, self.headings)
        )


def _share(mw: Counter, ours: Counter) -> float:
    union = sum((mw | ours).values())
    return sum((mw & ours).values()) / union if union else 1.0


def score(expected: Seen, ours: Seen) -> Score:
    comparison = fidelity.PageComparison("", expected.extract, ours.extract)
    mw_words, our_words = expected.extract.words, ours.extract.words
    common = sum((mw_words & our_words).values())
    total_ours = sum(our_words.values())
    missing = mw_words - our_words
    return Score(
        recall=comparison.words.value,
        precision=common / total_ours if total_ours else 1.0,
        links=comparison.links.value,
        redlinks=comparison.redlinks.value,
        external=_share(expected.external, ours.external),
        headings=comparison.headings.value,
        references=comparison.references.value,
        missing=[w for w, _ in missing.most_common(8)],
    )


def pandoc_score(expected: Seen, ours: Seen) -> Score:
    """pandoc cannot tell blue links from red: its links against MediaWiki's both."""
    combined = dataclasses.replace(expected.extract, links=expected.targets, redlinks=Counter())
    return score(dataclasses.replace(expected, extract=combined), ours)


# -- running --------------------------------------------------------------------------------


def select(files: Iterable[str] | None = None) -> tuple[list[Case], list[Article], Counter]:
    paths = sorted(PARSER_TESTS.glob("*.txt"))
    if files:
        wanted = set(files)
        paths = [p for p in paths if p.name in wanted]
    cases, articles = [], []
    for path in paths:
        file_cases, file_articles = read_file(path)
        cases += file_cases
        articles += file_articles
    if files:  # the articles of every file: a case may use another file's templates
        for path in sorted(PARSER_TESTS.glob("*.txt")):
            if path.name not in set(files):
                articles += read_file(path)[1]
    return cases, articles, Counter()


def load_known(path: Path = KNOWN) -> dict[str, str]:
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text("utf-8"))
    return {str(k): str(v) for k, v in data.get("known", {}).items()}


def load_list(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    return {
        line.rstrip("\n")
        for line in path.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }


def write_list(path: Path, names: Iterable[str], header: str) -> None:
    path.write_text(header + "".join(f"{n}\n" for n in sorted(names)), "utf-8")


def _pandoc_html(wikitext: str) -> str:
    result = subprocess.run(
        [pypandoc.get_pandoc_path(), "-f", "mediawiki", "-t", "html"],
        input=wikitext,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout if result.returncode == 0 else ""


def run(
    *,
    files: Iterable[str] | None = None,
    out: Path = DEFAULT_OUT,
    pandoc: bool = False,
    jobs: str = "2",
) -> dict:
    """Convert, build and compare; the whole result (also written as JSON)."""
    from mw2sphinx import titles as t

    started = time.monotonic()
    cases, articles, _ = select(files)
    kept: list[tuple[str, Case]] = []
    skipped: Counter[str] = Counter()
    skipped_by_file: dict[str, Counter[str]] = {}
    for case in cases:
        reason = left_out(case)
        if reason is None:
            kept.append((page_title(len(kept) + 1, case), case))
        else:
            skipped[reason] += 1
            skipped_by_file.setdefault(case.file, Counter())[reason] += 1
    out.mkdir(parents=True, exist_ok=True)
    src, html_dir = out / "src", out / "html"
    wiki, clashes = build_wiki(kept, articles, out / "uploads")
    converted = convert_cases(wiki, [title for title, _ in kept], src)
    converted_at = time.monotonic()
    lines, build_seconds = sphinx_build(src, html_dir, jobs=jobs)
    by_doc, loose = attribute_warnings(lines, src)
    namespaces = t.Namespaces(wiki.site)
    site = fidelity.load_site(src)
    titles = fidelity.titles_by_docname(site)
    wiki_titles = set(wiki.pages) | set(wiki.redirects)
    pandoc_html: dict[str, str] = {}
    if pandoc:
        with concurrent.futures.ThreadPoolExecutor(int(jobs)) as pool:
            htmls = pool.map(_pandoc_html, [case.wikitext for _, case in kept])
            pandoc_html = dict(zip([title for title, _ in kept], htmls, strict=True))
    known = load_known()
    results = []
    for title, case in kept:
        name = case_id(case)
        entry: dict = {
            "case": name,
            "file": case.file,
            "line": case.line,
            "page": title,
            "constructs": constructs(case.wikitext),
            "known": known.get(name),
        }
        expected = expected_seen(case.expected or "", namespaces, wiki_titles, wiki.redirects)
        docname = converted.docnames.get(title)
        entry["docname"] = docname
        entry["crash"] = converted.crashed.get(title)
        entry["sphinx_warnings"] = by_doc.get(docname, []) if docname else []
        entry["converter_warnings"] = converted.warnings.get(title, [])
        page = html_dir / f"{docname}.html" if docname else None
        if page is not None and page.is_file():
            ours = built_seen(page.read_text("utf-8"), docname=docname, titles=titles)
            entry.update(dataclasses.asdict(score(expected, ours)))
            entry["whole"] = score(expected, ours).whole
        else:
            entry.update(recall=0.0, precision=0.0, whole=False, missing=["(no page)"])
        if pandoc:
            theirs = pandoc_score(expected, pandoc_seen(pandoc_html[title], namespaces))
            entry["pandoc"] = {"recall": theirs.recall, "whole": theirs.whole}
        results.append(entry)
    summary = {
        "cases": len(cases),
        "kept": len(kept),
        "left_out": dict(skipped.most_common()),
        "left_out_by_file": {f: dict(c) for f, c in sorted(skipped_by_file.items())},
        "article_clashes": clashes,
        "sphinx_warnings_without_document": loose,
        "convert_seconds": round(converted_at - started, 1),
        "build_seconds": round(build_seconds, 1),
        "pandoc": pandoc,
    }
    data = {"summary": summary, "left_out_reasons": LEFT_OUT, "results": results}
    (out / "results.json").write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    return data


# -- the books ------------------------------------------------------------------------------


def books(out: Path, *, jobs: str = "2") -> list[str]:
    """The converted cases as an ePub (checked by epubcheck) and a PDF (by latexmk): what
    went wrong, a line each; nothing when both are clean."""
    src, problems = out / "src", []
    for builder in ("epub", "latex"):
        lines, _ = sphinx_build(src, out / builder, jobs=jobs, builder=builder)
        problems += [f"{builder}: {line}" for line in lines]
    (book,) = (out / "epub").glob("*.epub")
    check = subprocess.run(
        ["java", "-jar", "/usr/bin/epubcheck", str(book)], capture_output=True, text=True
    )
    problems += [
        f"epubcheck: {line}"
        for line in (check.stdout + check.stderr).splitlines()
        if line.startswith(("ERROR", "FATAL"))
    ]
    (tex,) = (out / "latex").glob("*.tex")
    latex = subprocess.run(
        ["latexmk", "-xelatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=out / "latex",
        capture_output=True,
        text=True,
    )
    if latex.returncode:
        log = tex.with_suffix(".log").read_text("utf-8", errors="replace").splitlines()
        problems += [f"latexmk: {line}" for line in log if line.startswith("!")] or [
            f"latexmk: exit status {latex.returncode}"
        ]
    return problems


# -- tables ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    cases: int = 0
    whole: int = 0
    half_lost: int = 0
    warned: int = 0
    crashed: int = 0
    known: int = 0
    pandoc_whole: int = 0
    pandoc_half_lost: int = 0

    def add(self, entry: Mapping) -> None:
        self.cases += 1
        self.whole += bool(entry["whole"])
        self.half_lost += entry["recall"] < HALF
        self.warned += bool(entry["sphinx_warnings"])
        self.crashed += bool(entry["crash"])
        self.known += bool(entry["known"]) and not entry["whole"]
        if "pandoc" in entry:
            self.pandoc_whole += bool(entry["pandoc"]["whole"])
            self.pandoc_half_lost += entry["pandoc"]["recall"] < HALF

    def cells(self, pandoc: bool) -> str:
        def pct(n: int) -> str:
            return f"{n / self.cases:6.1%}" if self.cases else "     -"

        failures = self.cases - self.whole - self.known
        text = (
            f"{self.cases:6d} {pct(self.whole)} {pct(self.half_lost)} {self.warned:5d} "
            f"{self.crashed:5d} {self.known:5d} {failures:6d}"
        )
        if pandoc:
            text += f" {pct(self.pandoc_whole)} {pct(self.pandoc_half_lost)}"
        return text


def _header(first: str, pandoc: bool) -> str:
    text = f"{first:<28} {'cases':>6} {'whole':>6} {'>half':>6} {'sphx':>5} {'crash':>5} "
    text += f"{'known':>5} {'fail':>6}"
    if pandoc:
        text += f" {'pandoc':>6} {'>half':>6}"
    return text


def tables(data: Mapping) -> str:
    results = data["results"]
    pandoc = data["summary"]["pandoc"]
    total = Row()
    by_file: dict[str, Row] = {}
    by_construct: dict[str, Row] = {name: Row() for name in CONSTRUCTS}
    for entry in results:
        total.add(entry)
        by_file.setdefault(entry["file"], Row()).add(entry)
        for name in entry["constructs"]:
            by_construct[name].add(entry)
    lines = [_header("file", pandoc), "-" * (80 + 14 * pandoc)]
    lines += [f"{name:<28} {row.cells(pandoc)}" for name, row in sorted(by_file.items())]
    lines += ["-" * (80 + 14 * pandoc), f"{'all':<28} {total.cells(pandoc)}", ""]
    lines.append(_header("construct (cases using it)", pandoc))
    lines.append("-" * (80 + 14 * pandoc))
    for name, row in sorted(by_construct.items(), key=lambda kv: -(kv[1].cases - kv[1].whole)):
        lines.append(f"{name:<28} {row.cells(pandoc)}  not whole: {row.cases - row.whole}")
    summary = data["summary"]
    lines += ["", f"{summary['cases']} cases read, {summary['kept']} judged; left out:"]
    for reason, count in summary["left_out"].items():
        lines.append(f"  {count:5d}  {reason}: {LEFT_OUT[reason]}")
    lines.append(
        f"convert {summary['convert_seconds']} s, Sphinx build {summary['build_seconds']} s"
    )
    if summary["sphinx_warnings_without_document"]:
        lines.append(
            f"Sphinx output naming no case: {summary['sphinx_warnings_without_document'][:5]}"
        )
    return "\n".join(lines)


def markdown(data: Mapping) -> str:
    """The per-file table for the README: the project against plain pandoc."""
    rows: dict[str, Row] = {}
    total = Row()
    for entry in data["results"]:
        rows.setdefault(entry["file"], Row()).add(entry)
        total.add(entry)

    def pct(n: int, row: Row) -> str:
        return f"{n / row.cases:.1%}".replace("%", " %")

    lines = [
        "| file | cases | whole | lose > half | Sphinx warnings | pandoc whole "
        "| pandoc lose > half |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in [*sorted(rows.items()), ("**all**", total)]:
        lines.append(
            f"| {name} | {row.cases} | {pct(row.whole, row)} | {pct(row.half_lost, row)} | "
            f"{row.warned} | {pct(row.pandoc_whole, row)} | {pct(row.pandoc_half_lost, row)} |"
        )
    return "\n".join(lines)


def details(data: Mapping) -> Iterator[str]:
    for entry in data["results"]:
        if entry["whole"] and not entry["sphinx_warnings"]:
            continue
        flags = []
        if entry["crash"]:
            flags.append(f"CRASH {entry['crash']}")
        if entry["sphinx_warnings"]:
            flags.append(f"sphinx: {entry['sphinx_warnings'][0][:150]}")
        if entry.get("known"):
            flags.append(f"known: {entry['known']}")
        metrics = " ".join(
            f"{k}={entry.get(k, 0):.2f}"
            for k in ("recall", "precision", "links", "redlinks", "external", "headings")
            if k in entry
        )
        yield f"{entry['case']} [{entry['docname']}] {metrics} missing={entry['missing']}"
        for flag in flags:
            yield f"    {flag}"


def update_lists(data: Mapping) -> None:
    results = data["results"]
    write_list(
        PASSING,
        [e["case"] for e in results if e["whole"] and not e["sphinx_warnings"]],
        "# Conformance cases that come through whole (tests/conformance.py --update).\n"
        "# test_conformance.py fails when one of them stops passing.\n",
    )
    write_list(
        WARNINGS,
        [e["case"] for e in results if e["sphinx_warnings"] or e["crash"]],
        "# Conformance cases whose page still gives a Sphinx warning or crashes the converter\n"
        "# (tests/conformance.py --update). Any other case that does fails the test.\n",
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="conformance.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--json", type=Path, help="also write the per-case results here")
    p.add_argument("--files", help="only these test files (comma-separated names)")
    p.add_argument("--pandoc", action="store_true", help="measure plain pandoc too")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="work folder (%(default)s)")
    p.add_argument("--jobs", default="2", help="sphinx-build -j (default: %(default)s)")
    p.add_argument("--update", action="store_true", help="rewrite the passing and warning lists")
    p.add_argument("--markdown", action="store_true", help="print the README's table too")
    p.add_argument("-v", "--verbose", action="store_true", help="every case that is not whole")
    p.add_argument(
        "--books",
        action="store_true",
        help="also build the cases as an ePub and a PDF, checked by epubcheck and latexmk "
        "(a few minutes more; the lines that report a problem are printed)",
    )
    args = p.parse_args(argv)
    files = [f.strip() for f in args.files.split(",")] if args.files else None
    data = run(files=files, out=args.out, pandoc=args.pandoc, jobs=args.jobs)
    if args.json:
        args.json.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    if args.verbose:
        for line in details(data):
            print(line)
        print()
    print(tables(data))
    if args.markdown:
        print("\n" + markdown(data))
    if args.update:
        if files:
            p.error("--update needs every file (no --files)")
        update_lists(data)
    failures = [e for e in data["results"] if not e["whole"] and not e["known"]]
    problems = books(args.out, jobs=args.jobs) if args.books else []
    if args.books:
        print("\n".join(problems) or "books: the ePub and the PDF are clean")
    return 1 if failures or problems else 0


if __name__ == "__main__":
    sys.exit(main())
