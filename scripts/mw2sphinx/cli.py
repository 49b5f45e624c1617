"""The command line: ``python scripts/convert.py --source SRC --dest DIR``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import titles as t
from .convert import convert_wiki
from .model import SiteInfo
from .pandoc_ast import ReadCache, pandoc_version
from .report import Report, WikiWarning
from .site import TreeError, build_tree, write_tree
from .sources import SourceError, open_source

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = PROJECT_ROOT.parent / "shared" / "ai-interpretability-wiki"
#: What the mirror folder cannot say about its wiki, for the default source.
DEFAULT_SITE = SiteInfo(
    name="AI Interpretability Wiki",
    article_url="https://aiinterpretability.miraheze.org/wiki/$1",
)


#: What pandoc read in the last run into this destination (see pandoc_ast.ReadCache).
READ_CACHE = "_wiki/pandoc.cache"


def load_read_cache(dest: Path) -> ReadCache:
    version = pandoc_version()
    try:
        return ReadCache.from_text((dest / READ_CACHE).read_text("utf-8"), version=version)
    except (OSError, UnicodeDecodeError):
        return ReadCache(version=version)


def save_read_cache(cache: ReadCache, dest: Path) -> None:
    if not cache.changed:
        return
    path = dest / READ_CACHE
    staged = path.with_name(path.name + ".new")
    try:
        staged.write_text(cache.to_text(), "utf-8")
        os.replace(staged, path)
    except OSError:
        staged.unlink(missing_ok=True)  # no cache costs time on the next run, nothing else


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="convert.py",
        description="Convert a MediaWiki wiki into a Sphinx source tree of MyST pages "
        "(index.md, pages/, categories/, special/ and the site data in _wiki/). Build it with "
        "'sphinx-build -c <project root> DEST OUT'.",
    )
    p.add_argument(
        "--source",
        default=str(DEFAULT_SOURCE),
        help="the wiki: a folder of .mediawiki files in the mirror layout (as the wiki's "
        "mirror holds it, or as scripts/fetch.py stores it), a MediaWiki XML export "
        "(Special:Export or dumpBackup.php; .xml, .xml.gz, .xml.bz2), or the URL of a live "
        "wiki's Action API, e.g. https://host/w/api.php (default: the shared AI "
        "Interpretability Wiki snapshot, %(default)s)",
    )
    p.add_argument(
        "--dest",
        default=str(PROJECT_ROOT),
        help="folder to write the Sphinx source tree into; only the files the "
        "converter owns are touched (default: the project root, %(default)s)",
    )
    p.add_argument(
        "--site-name",
        default=None,
        help="the wiki's name, for {{SITENAME}} and the site title; overrides what the "
        "source says (an export, the API or a fetched snapshot say it; for a plain folder "
        f"the default is {DEFAULT_SITE.name!r})",
    )
    p.add_argument(
        "--article-url",
        default=None,
        help="URL of a page on the live wiki with $1 for the title, for links back "
        "to the wiki; overrides what the source says (for a plain folder the default is "
        f"{DEFAULT_SITE.article_url!r})",
    )
    p.add_argument(
        "--main-page",
        default=None,
        help="title of the page that becomes the home page; overrides what the source "
        "says (default: the wiki's main page, else 'Main Page')",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.add_argument(
        "-v", "--verbose", action="store_true", help="print every warning, not only the summary"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # The source's own site info wins over these defaults; options given explicitly win
    # over both.
    explicit = {
        "name": args.site_name or None,
        "article_url": args.article_url,
        "main_page": args.main_page or None,
    }
    started = time.monotonic()
    try:
        wiki = open_source(
            args.source,
            site=DEFAULT_SITE,
            overrides=explicit,
            progress=not args.quiet and sys.stderr.isatty(),
        )
    except SourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    namespaces = t.Namespaces(wiki.site)
    cache = load_read_cache(Path(args.dest))
    pages, index = convert_wiki(
        wiki, namespaces=namespaces, progress=not args.quiet and sys.stderr.isatty(), cache=cache
    )
    report = Report(
        pages=sum(1 for p in pages if p.title.namespace != t.CATEGORY),
        categories=sum(1 for p in pages if p.title.namespace == t.CATEGORY),
        redirects=len(wiki.redirects),
        failures=[{"origin": f.origin, "message": f.message} for f in wiki.failures],
    )
    for failure in wiki.failures:
        report.warnings.append(WikiWarning(failure.origin, None, "source", failure.message))
    for page in pages:
        report.extend(page.warnings)
        for red in page.red_links:
            report.red_links.setdefault(red, []).append(page.title.full)
        if page.recovered:
            report.recovered_pages.append(page.title.full)
        for name in page.unknown_templates:
            report.unknown_templates.setdefault(name, []).append(page.title.full)
    category_docnames = {
        title: docname
        for title, docname in index.docnames.items()
        if docname.startswith("categories/")
    }
    redirects = {}
    for title, docname in index.redirect_docnames.items():
        target = namespaces.parse(title)
        redirects[title] = (docname, index.locate(target)[1] if target else None)
    files = build_tree(
        pages,
        wiki=wiki,
        namespaces=namespaces,
        category_docnames=category_docnames,
        redirects=redirects,
        report_json=report.to_json(),
        media=index.media,
    )
    try:
        written, removed = write_tree(files, Path(args.dest))
    except TreeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    save_read_cache(cache, Path(args.dest))
    if not args.quiet:
        if args.verbose:
            for warning in sorted(report.warnings, key=WikiWarning.sort_key):
                print(f"warning: {warning}", file=sys.stderr)
        print(report.summary())
        print(
            f"{len(files)} files in {args.dest}: {written} written, {removed} removed, "
            f"{time.monotonic() - started:.1f} s; report in _wiki/report.json"
        )
    return 0
