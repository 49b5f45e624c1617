"""How faithfully the built site reproduces MediaWiki's own rendering of the same pages.

The reference is a JSON file ``{title: parse-API result}`` (``text``, ``links``, ``sections``...),
as in ``../shared/ai-interpretability-wiki.rendered.json``; the candidate is the converted
source tree (for ``_wiki/site.json``) and its Sphinx HTML build. For each page both sides are
reduced to the same five things, then compared:

- **words**: the text of the content, lowercased, split on anything that is not a word
  character (so punctuation, quotes, dashes and typography never count); the share is the part
  of MediaWiki's words (as a multiset) that our page also has.
- **links**: the titles of the wiki pages the page links to (existing pages only; links to
  missing pages are red links). Share: intersection over union.
- **red links**: the visible texts of links to pages the wiki does not have. Share:
  intersection over union of the two multisets.
- **references**: the number of distinct footnotes. Share: smaller count over larger.
- **headings**: the section headings (h2..h6), in order. Share: longest common subsequence
  over the longer list.

Run ``python scripts/mw2sphinx/fidelity.py --site-src SRC --html OUT`` for a table.
"""

from __future__ import annotations

import argparse
import difflib
import json
import posixpath
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from bs4 import BeautifulSoup, Comment, Tag

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RENDERED = PROJECT_ROOT.parent / "shared" / "ai-interpretability-wiki.rendered.json"

#: Namespaces whose links are compared: articles and categories.
LINK_NAMESPACES = frozenset({0, 14})

#: Elements after which text never runs on into the next word.
# fmt: off
BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul",
)
# fmt: on

#: MediaWiki's chrome inside the parse output: edit links, footnote markers ([1]), the
#: backlinks (↑ 1.0 1.1) of the reference list, a table of contents, and non-text.
MEDIAWIKI_CHROME = (
    ".mw-editsection",
    "sup.reference",
    ".mw-cite-backlink",
    "#toc",
    ".toc",
    "style",
    "script",
)

#: Our chrome inside <article>: heading permalinks (¶), footnote markers and the labels and
#: backlinks of footnotes.
OUR_CHROME = (
    "a.headerlink",
    "a.footnote-reference",
    "aside.footnote > span.label",
    "aside.footnote > span.backrefs",
    "script",
    "style",
)

#: What the Sphinx side adds that MediaWiki's parse output does not have: the category footer.
OUR_EXTRAS = (".wiki-categories",)

#: Headings of the sections a category page generates (members' toctree).
GENERATED_SECTION_PREFIXES = ("Pages in category", "Subcategories", "Media in category")

HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6")
WORD = re.compile(r"\w+")
WHITESPACE = re.compile(r"\s+")
#: Sphinx's smartquotes turn straight quotes, -- and --- into typographic ones; undo that so
#: texts compare as what the wiki author wrote.
TYPOGRAPHY = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})
DASHES = (("—", "---"), ("–", "--"), ("…", "..."))


# -- normalisation --------------------------------------------------------------------------


def words(text: str) -> Counter[str]:
    """The words of ``text`` as a multiset: lowercased, punctuation and symbols dropped."""
    return Counter(WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def normalise_text(text: str) -> str:
    """A heading or link text as the author typed it: straight quotes, one space."""
    text = unicodedata.normalize("NFC", text).translate(TYPOGRAPHY)
    for typographic, plain in DASHES:
        text = text.replace(typographic, plain)
    return WHITESPACE.sub(" ", text).strip()


def strip_tags(html: str) -> str:
    """The text of an HTML fragment, such as a parse-API section ``line``."""
    return BeautifulSoup(html, "html.parser").get_text()


def _remove(root: Tag, selectors: Iterable[str]) -> None:
    for selector in selectors:
        for element in root.select(selector):
            element.decompose()


def _block_text(root: Tag) -> str:
    """The text of ``root``, with a space around every block so words never run together."""
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in root.find_all(BLOCK_TAGS):
        tag.insert_before(" ")
        tag.insert_after(" ")
    return root.get_text()


# -- the two sides --------------------------------------------------------------------------


@dataclass(frozen=True)
class Extract:
    """What is compared of one rendered page."""

    words: Counter[str]
    links: frozenset[str]
    redlinks: Counter[str]
    references: int
    headings: tuple[str, ...]


EMPTY = Extract(Counter(), frozenset(), Counter(), 0, ())


def redlink_target(href: str) -> str | None:
    """The title a MediaWiki red link (``index.php?title=X&action=edit&redlink=1``) points to."""
    query = parse_qs(urlsplit(href).query)
    if "title" in query:
        return query["title"][0].replace("_", " ")
    return None


def mediawiki_extract(
    parse: Mapping,
    *,
    wiki_titles: Collection[str],
    namespaces: Collection[int] = LINK_NAMESPACES,
) -> Extract:
    """Reduce one parse-API result; ``wiki_titles`` are all the pages the wiki has.

    The reference was rendered while the pages were being imported, so its existence flags
    (``links[].exists`` and ``class="new"`` in the HTML) are stale for some pages: Main Page,
    for one, shows Feature as missing. A link counts as red only if MediaWiki marks it missing
    *and* its target is not a page of the wiki; every other link to a wiki page is an
    ordinary link. ``links`` already leaves out self-links and Special: pages.
    """
    title = parse.get("title")
    links = frozenset(
        link["title"]
        for link in parse.get("links", ())
        if link["ns"] in namespaces and link["title"] in wiki_titles and link["title"] != title
    )
    soup = BeautifulSoup(parse["text"], "html.parser")
    redlinks: Counter[str] = Counter()
    for anchor in soup.select("a.new"):
        target = redlink_target(anchor.get("href", ""))
        if target is not None and target in wiki_titles:
            continue  # stale flag, see above
        redlinks[normalise_text(anchor.get_text())] += 1
    references = len(soup.select("ol.references > li"))
    headings = tuple(normalise_text(strip_tags(s["line"])) for s in parse.get("sections", ()))
    _remove(soup, MEDIAWIKI_CHROME)
    return Extract(words(_block_text(soup)), links, redlinks, references, headings)


def docname_of_href(href: str, *, docname: str) -> str | None:
    """The docname a relative href of page ``docname`` points to; None for non-pages."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return docname  # a fragment of the page itself
    if not parts.path.endswith(".html"):
        return None  # an image, a download
    path = posixpath.normpath(posixpath.join(posixpath.dirname(docname), unquote(parts.path)))
    return path.removesuffix(".html")


def built_extract(html: str, *, docname: str, titles_by_docname: Mapping[str, str]) -> Extract:
    """Reduce one page of our HTML build (its ``<article role="main">``)."""
    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article", attrs={"role": "main"}) or soup
    for heading in article.find_all(HEADING_TAGS):
        if heading.get_text().strip().startswith(GENERATED_SECTION_PREFIXES):
            section = heading.parent
            (section if section.name == "section" else heading).decompose()
    _remove(article, OUR_EXTRAS)

    own_title = titles_by_docname.get(docname)
    links = set()
    for anchor in article.select("a[href]"):
        if anchor.get("role") == "doc-backlink" or "footnote-reference" in anchor.get("class", ()):
            continue
        target = docname_of_href(anchor["href"], docname=docname)
        if target is None or target.startswith("special/"):
            continue  # MediaWiki's links leave Special: pages out too
        if target in {"genindex", "search", "py-modindex"}:
            continue
        # A docname we cannot name is a broken link: keep it visible as a mismatch.
        links.add(titles_by_docname.get(target, f"<unknown docname {target}>"))
    links.discard(own_title)

    redlinks = Counter(normalise_text(s.get_text()) for s in article.select(".wiki-redlink"))
    references = len(article.select("aside.footnote"))
    _remove(article, OUR_CHROME)
    headings = tuple(normalise_text(h.get_text()) for h in article.find_all(HEADING_TAGS))
    for title_heading in article.find_all("h1"):
        title_heading.decompose()  # the title is not part of MediaWiki's parse output
    return Extract(words(_block_text(article)), frozenset(links), redlinks, references, headings)


# -- comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    matched: int
    total: int

    @property
    def value(self) -> float:
        return self.matched / self.total if self.total else 1.0

    def __add__(self, other: Share) -> Share:
        return Share(self.matched + other.matched, self.total + other.total)

    def __str__(self) -> str:
        return f"{self.value:7.1%} ({self.matched}/{self.total})"


METRICS = ("words", "links", "redlinks", "references", "headings")


@dataclass(frozen=True)
class PageComparison:
    title: str
    mediawiki: Extract
    ours: Extract
    has_html: bool = True

    @property
    def words(self) -> Share:
        return Share(
            sum((self.mediawiki.words & self.ours.words).values()),
            sum(self.mediawiki.words.values()),
        )

    @property
    def links(self) -> Share:
        mw, ours = self.mediawiki.links, self.ours.links
        return Share(len(mw & ours), len(mw | ours))

    @property
    def redlinks(self) -> Share:
        mw, ours = self.mediawiki.redlinks, self.ours.redlinks
        return Share(sum((mw & ours).values()), sum((mw | ours).values()))

    @property
    def references(self) -> Share:
        counts = (self.mediawiki.references, self.ours.references)
        return Share(min(counts), max(counts))

    @property
    def headings(self) -> Share:
        mw, ours = self.mediawiki.headings, self.ours.headings
        matcher = difflib.SequenceMatcher(None, mw, ours, autojunk=False)
        return Share(sum(b.size for b in matcher.get_matching_blocks()), max(len(mw), len(ours)))

    def share(self, metric: str) -> Share:
        return getattr(self, metric)

    @property
    def perfect(self) -> bool:
        return self.has_html and all(self.share(m).value == 1.0 for m in METRICS)

    def details(self) -> list[str]:
        """What differs, one line each, for people."""
        mw, ours = self.mediawiki, self.ours
        lines = []
        if not self.has_html:
            lines.append("no HTML page")
        missing_words = mw.words - ours.words
        if missing_words:
            shown = ", ".join(f"{w}×{n}" if n > 1 else w for w, n in missing_words.most_common(15))
            lines.append(f"words missing: {shown}")
        if mw.links - ours.links:
            lines.append(f"links missing: {sorted(mw.links - ours.links)}")
        if ours.links - mw.links:
            lines.append(f"links extra: {sorted(ours.links - mw.links)}")
        if mw.redlinks - ours.redlinks:
            lines.append(f"red links missing: {sorted((mw.redlinks - ours.redlinks).elements())}")
        if ours.redlinks - mw.redlinks:
            lines.append(f"red links extra: {sorted((ours.redlinks - mw.redlinks).elements())}")
        if mw.references != ours.references:
            lines.append(f"references: MediaWiki {mw.references}, ours {ours.references}")
        if mw.headings != ours.headings:
            lines.append(f"headings: MediaWiki {list(mw.headings)}, ours {list(ours.headings)}")
        return lines


@dataclass(frozen=True)
class SiteComparison:
    pages: list[PageComparison] = field(default_factory=list)

    def total(self, metric: str) -> Share:
        return sum((p.share(metric) for p in self.pages), Share(0, 0))

    @property
    def imperfect(self) -> list[PageComparison]:
        return [p for p in self.pages if not p.perfect]


def titles_by_docname(site: Mapping) -> dict[str, str]:
    """Invert ``_wiki/site.json``'s ``pages`` (title -> {docname} or title -> docname).

    Should the tree ever list redirects there, a page's own title wins over theirs.
    """
    entries = sorted(
        site.get("pages", {}).items(),
        key=lambda item: (isinstance(item[1], Mapping) and bool(item[1].get("redirect")), item[0]),
    )
    result: dict[str, str] = {}
    for title, entry in entries:
        docname = entry.get("docname") if isinstance(entry, Mapping) else entry
        if docname:
            result.setdefault(docname, title)
    return result


def docnames_by_title(site: Mapping) -> dict[str, str]:
    return {
        title: entry.get("docname") if isinstance(entry, Mapping) else entry
        for title, entry in site.get("pages", {}).items()
    }


def compare_site(
    *, rendered: Mapping[str, Mapping], site: Mapping, html_dir: Path
) -> SiteComparison:
    """Compare every page of ``rendered`` with its page in the HTML build ``html_dir``."""
    docnames = docnames_by_title(site)
    by_docname = titles_by_docname(site)
    wiki_titles = set(rendered) | set(docnames)
    pages = []
    for title, parse in rendered.items():
        mediawiki = mediawiki_extract(parse, wiki_titles=wiki_titles)
        docname = docnames.get(title)
        path = html_dir / f"{docname}.html" if docname else None
        if path is None or not path.is_file():
            pages.append(PageComparison(title, mediawiki, EMPTY, has_html=False))
            continue
        html = path.read_text("utf-8")
        ours = built_extract(html, docname=docname, titles_by_docname=by_docname)
        pages.append(PageComparison(title, mediawiki, ours))
    return SiteComparison(pages)


def load_site(site_src: Path) -> dict:
    return json.loads((site_src / "_wiki" / "site.json").read_text("utf-8"))


def load_rendered(path: Path = DEFAULT_RENDERED) -> dict:
    return json.loads(path.read_text("utf-8"))


# -- command line ---------------------------------------------------------------------------


def format_report(comparison: SiteComparison, *, details: bool = False) -> str:
    lines = [f"{'metric':<12} {'share':>8}  matched/total", "-" * 40]
    for metric in METRICS:
        total = comparison.total(metric)
        lines.append(f"{metric:<12} {total.value:8.2%}  {total.matched}/{total.total}")
    imperfect = comparison.imperfect
    lines += ["", f"{len(comparison.pages)} pages, {len(imperfect)} under 100%"]
    if imperfect:
        header = "".join(f"{m:>11}" for m in METRICS)
        lines.append(f"{'page':<50}{header}")
        for page in imperfect:
            shares = "".join(f"{page.share(m).value:>11.1%}" for m in METRICS)
            lines.append(f"{page.title[:49]:<50}{shares}")
            if details:
                lines += [f"    {line}" for line in page.details()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="fidelity.py",
        description="Compare a converted, built site with MediaWiki's own rendering.",
    )
    p.add_argument(
        "--site-src",
        required=True,
        type=Path,
        help="the converted source tree (with _wiki/site.json)",
    )
    p.add_argument("--html", required=True, type=Path, help="its Sphinx HTML build")
    p.add_argument(
        "--rendered",
        default=DEFAULT_RENDERED,
        type=Path,
        help="MediaWiki's rendering, {title: parse-API result} (default: %(default)s)",
    )
    p.add_argument(
        "-d", "--details", action="store_true", help="say what differs on each page under 100%%"
    )
    args = p.parse_args(argv)
    comparison = compare_site(
        rendered=load_rendered(args.rendered), site=load_site(args.site_src), html_dir=args.html
    )
    print(format_report(comparison, details=args.details))
    return 1 if any(not page.has_html for page in comparison.pages) else 0


if __name__ == "__main__":
    sys.exit(main())
