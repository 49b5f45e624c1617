"""The command line: ``mw2sphinx convert --source SRC --dest DIR`` and ``mw2sphinx fetch``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import __version__, fingerprint
from . import titles as t
from .convert import FileFetcher
from .expand import expand_page
from .files import media_paths
from .model import SiteInfo, Wiki, WikiFile
from .pandoc_ast import ReadCache, pandoc_version
from .pipeline import convert_tree
from .preparecache import PreparedCache
from .report import WikiWarning
from .site import MANIFEST, TreeError, write_tree
from .sources import SourceError, open_source
from .sources.client import ApiClient
from .sources.expansion import CACHE as EXPAND_CACHE
from .sources.expansion import MODES, ExpandCache, Plan, plan_expansion
from .sources.media import MAX_FILE_BYTES, Fetched, Wanted, fetch_wanted, safe_name

#: What a plain folder cannot say about its wiki: its name (--site-name) stands in.
DEFAULT_SITE = SiteInfo(name="Wiki")


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
        with staged.open("wb") as out:  # line by line: the cache can be most of the tree
            cache.write(out)
        os.replace(staged, path)
    except OSError:
        staged.unlink(missing_ok=True)  # no cache costs time on the next run, nothing else


def _expand_on_wiki(wiki, args, namespaces: t.Namespaces) -> Plan:
    """Have the live wiki expand the pages that need it (all, with ``--expand wiki``)."""
    cache = ExpandCache.load(Path(args.dest))
    plan = plan_expansion(
        wiki,
        mode=args.expand,
        client=ApiClient(args.source, timeout=args.timeout, retries=args.retries),
        cache=cache,
        expand=expand_page,
        namespaces=namespaces,
    )
    return plan


def parser(prog: str = "mw2sphinx convert") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Convert a MediaWiki wiki into a Sphinx source tree of MyST pages "
        "(index.md, pages/, categories/, special/ and the site data in _wiki/). Build it with "
        "'sphinx-build -c <project root> DEST OUT'.",
    )
    p.add_argument(
        "--source",
        help="(required) the wiki: a folder of .mediawiki files in the mirror layout (as "
        "the wiki's mirror holds it, or as scripts/fetch.py stores it), a MediaWiki XML export "
        "(Special:Export or dumpBackup.php; .xml, .xml.gz, .xml.bz2), or the URL of a live "
        "wiki's Action API, e.g. https://host/w/api.php",
    )
    p.add_argument(
        "--dest",
        default=".",
        help="folder to write the Sphinx source tree into; only the files the "
        "converter owns are touched (default: the current folder)",
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
    p.add_argument(
        "--no-files",
        dest="files",
        action="store_false",
        help="from an API: do not download the files (images …) the pages use; they "
        "become red file links (by default they are downloaded into the destination's "
        "_wiki/files/, and the next conversion downloads only what changed)",
    )
    p.add_argument(
        "--max-file-bytes",
        type=int,
        default=MAX_FILE_BYTES,
        metavar="N",
        help="from an API: the largest file downloaded, in bytes (default: %(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="from an API: seconds to wait for an answer when downloading files "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=5,
        help="from an API: retries of a download the server answers with 429, 503 or not "
        "at all (default: %(default)s)",
    )
    p.add_argument(
        "--rights-text",
        default=None,
        help="the wiki's licence as its pages should name it (e.g. 'Creative Commons "
        "Attribution-ShareAlike 4.0'); overrides what the source says (the API and a "
        "fetched snapshot say it, from the wiki's $wgRightsText; an XML export and a plain "
        "folder do not)",
    )
    p.add_argument(
        "--rights-url",
        default=None,
        help="the address of the wiki's licence (e.g. "
        "https://creativecommons.org/licenses/by-sa/4.0/); overrides what the source says",
    )
    p.add_argument(
        "--expand",
        choices=MODES,
        default="auto",
        help="where templates are expanded: 'local' (here, Lua modules included when the "
        "source holds them), 'wiki' (every page by the live wiki, for an API source) or 'auto' "
        "(the default: the wiki only for the pages that need what is not here, such as "
        "{{#invoke:}} with no modules in the source); the wiki's answers are kept in "
        f"{EXPAND_CACHE} and asked again only when a page or its templates change",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.add_argument(
        "-v", "--verbose", action="store_true", help="print every warning, not only the summary"
    )
    return p


COMMANDS = {
    "convert": "convert a wiki into a Sphinx source tree of MyST pages",
    "fetch": "store a live wiki as a folder in the mirror layout, or bring one up to date",
}


def main(argv: list[str] | None = None) -> int:
    """``mw2sphinx convert …`` or ``mw2sphinx fetch …``; ``--help`` for each."""
    argv = sys.argv[1:] if argv is None else argv
    top = argparse.ArgumentParser(
        prog="mw2sphinx",
        description="Publish a MediaWiki wiki as a Sphinx site. "
        + "; ".join(f"'{name}': {what}" for name, what in COMMANDS.items())
        + ". 'mw2sphinx COMMAND --help' shows each command's options.",
    )
    top.add_argument("--version", action="version", version=f"mw2sphinx {__version__}")
    top.add_argument("command", choices=list(COMMANDS))
    args, rest = top.parse_known_args(argv[:1])
    rest += argv[1:]
    if args.command == "fetch":
        from .sources.sync import main as fetch_main

        return fetch_main(rest, prog="mw2sphinx fetch")
    return convert_main(rest)


def convert_main(
    argv: list[str] | None = None,
    *,
    prog: str = "mw2sphinx convert",
    defaults: dict[str, str] | None = None,
    source_hint: str | None = None,
) -> int:
    """``mw2sphinx convert``. For thin entry points of a project's own layout
    (``scripts/convert.py``): ``defaults`` (option name -> value) stand in for options not
    given; ``source_hint`` follows a source that cannot be read, on the same line."""
    options = parser(prog)
    options.set_defaults(**(defaults or {}))
    args = options.parse_args(argv)
    if not args.source:
        options.error("the following argument is required: --source")
    # The source's own site info wins over these defaults; options given explicitly win
    # over both.
    explicit = {
        "name": args.site_name or None,
        "article_url": args.article_url,
        "main_page": args.main_page or None,
        "rights_text": args.rights_text,
        "rights_url": args.rights_url,
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
        print(f"error: {error}" + (f"; {source_hint}" if source_hint else ""), file=sys.stderr)
        return 1
    live = args.source.startswith(("http://", "https://"))
    if args.expand == "wiki" and not live:
        print("error: --expand wiki needs a live wiki's API as the source", file=sys.stderr)
        return 1
    plan = None
    if live and args.expand != "local":
        try:
            plan = _expand_on_wiki(wiki, args, t.Namespaces(wiki.site))
        except SourceError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    digest = fingerprint.source_digest(
        wiki,
        options=[
            args.expand, args.files, args.max_file_bytes,
            fingerprint.expansions(plan.expansions) if plan else None,
            sorted(plan.where.items()) if plan else None,
            [str(w) for w in plan.warnings] if plan else None,
        ],
    )  # fmt: skip
    if (kept := fingerprint.unchanged(Path(args.dest), digest, manifest=MANIFEST)) is not None:
        if not args.quiet:
            print(
                f"{kept} files in {args.dest}: 0 written, 0 removed, "
                f"{time.monotonic() - started:.1f} s; the wiki and the converter are as they "
                f"were at the last conversion"
            )
        return 0
    cache = load_read_cache(Path(args.dest))
    prepared_cache = PreparedCache.load(Path(args.dest))
    fetched = Fetched({}, {})
    files, report = convert_tree(
        wiki,
        source=args.source,
        progress=not args.quiet and sys.stderr.isatty(),
        cache=cache,
        fetch_files=_file_fetcher(args, wiki, Path(args.dest), fetched),
        expanded=plan.expansions if plan else None,
        expanded_where=plan.where if plan else None,
        warnings=plan.warnings if plan else (),
        prepared_cache=prepared_cache,
    )
    try:
        written, removed = write_tree(files, Path(args.dest))
    except TreeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    save_read_cache(cache, Path(args.dest))
    prepared_cache.save(Path(args.dest))
    digest_file = Path(args.dest) / fingerprint.FINGERPRINT
    if fetched.problems:  # files that could not be downloaded: tried again next time
        digest_file.unlink(missing_ok=True)
    else:
        digest_file.write_text(digest + "\n", "utf-8")
    if plan is not None and plan.cache is not None:
        plan.cache.save(Path(args.dest))
    if not args.quiet:
        if args.verbose:
            for warning in sorted(report.warnings, key=WikiWarning.sort_key):
                print(f"warning: {warning}", file=sys.stderr)
        print(report.summary())
        if fetched.downloaded or fetched.reused or fetched.problems:
            print(
                f"files: {fetched.downloaded} downloaded, {fetched.reused} unchanged, "
                f"{len(fetched.problems)} missing or refused"
            )
        print(
            f"{len(files)} files in {args.dest}: {written} written, {removed} removed, "
            f"{time.monotonic() - started:.1f} s; report in _wiki/report.json"
        )
    return 0


def _file_fetcher(args, wiki: Wiki, dest: Path, result: Fetched) -> FileFetcher | None:
    """For an API source: what downloads the files the pages use (``result`` says how
    it went)."""
    if not args.files or not args.source.startswith(("http://", "https://")):
        return None

    def fetch(wanted: dict[str, int | None]) -> tuple[dict[str, WikiFile], dict[str, str]]:
        names = {title: safe_name(place) for title, place in media_paths(sorted(wanted)).items()}
        try:
            client = ApiClient(args.source, timeout=args.timeout, retries=args.retries)
            done = fetch_wanted(
                client,
                [Wanted(title, width) for title, width in sorted(wanted.items())],
                known=wiki.files,
                dest=dest,
                names=names,
                limit=args.max_file_bytes,
            )
        except (SourceError, OSError) as error:
            why = f"could not be downloaded ({error})"
            done = Fetched({}, dict.fromkeys(wanted, why))
        result.files, result.problems = done.files, done.problems
        result.downloaded, result.reused = done.downloaded, done.reused
        return done.files, done.problems

    return fetch
