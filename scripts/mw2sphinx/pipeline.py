"""The whole conversion, a wiki to the files of its site tree and the report: what the
command line (``mw2sphinx convert``), the tests and the benchmark run.

Reading the source (:mod:`.sources`) comes before, writing the files
(:func:`.site.write_tree`) after; both touch the world, this does not (but for
``fetch_files``, which downloads).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import titles as t
from .convert import ConvertedPage, FileFetcher, SiteIndex, convert_wiki
from .expand import Expansion
from .model import SiteInfo, Wiki
from .pandoc_ast import ReadCache
from .preparecache import PreparedCache
from .report import Kind, Report, WikiWarning
from .site import build_tree

Files = dict[str, str | bytes]


def licence_warnings(site: SiteInfo, *, source: str) -> list[WikiWarning]:
    """No licence known: the site cannot credit the wiki as its licence asks, and none is
    made up."""
    if site.rights_text or site.rights_url:
        return []
    message = (
        "the source names no licence for the wiki's text: the site and the books state none; "
        "give --rights-text and --rights-url (or wiki_license_text and wiki_license_url in "
        "conf.py)"
    )
    return [WikiWarning(source, None, Kind.LICENCE, message)]


def convert_tree(
    wiki: Wiki,
    *,
    source: str = "",
    progress: bool = False,
    cache: ReadCache | None = None,
    fetch_files: FileFetcher | None = None,
    expanded: Mapping[str, Expansion] | None = None,
    expanded_where: Mapping[str, str] | None = None,
    warnings: Iterable[WikiWarning] = (),
    prepared_cache: PreparedCache | None = None,
) -> tuple[Files, Report]:
    """Every file of the wiki's site tree (path -> text or bytes), and the report (which
    is one of the files, ``_wiki/report.json``). ``source`` names the source in warnings
    about the whole wiki; ``progress``, ``cache``, ``fetch_files``, ``expanded`` and
    ``prepared_cache`` as for
    :func:`.convert.convert_wiki`; ``expanded_where``: where those were expanded, by title
    (:mod:`.sources.expansion`); ``warnings``: more about the whole wiki."""
    pages, index = convert_wiki(
        wiki,
        namespaces=t.Namespaces(wiki.site),
        progress=progress,
        cache=cache,
        fetch_files=fetch_files,
        expanded=expanded,
        prepared_cache=prepared_cache,
    )
    about_wiki = [*licence_warnings(wiki.site, source=source or wiki.site.name), *warnings]
    return site_files(wiki, pages, index, warnings=about_wiki, expanded_where=expanded_where)


def site_files(
    wiki: Wiki,
    pages: list[ConvertedPage],
    index: SiteIndex,
    *,
    warnings: Iterable[WikiWarning] = (),
    expanded_where: Mapping[str, str] | None = None,
) -> tuple[Files, Report]:
    """The site tree and the report of converted pages (``warnings``: about the whole
    wiki; ``expanded_where``: as for :func:`convert_tree`)."""
    report = Report.of_conversion(wiki, pages, warnings, expanded_where=expanded_where)
    files = build_tree(
        pages,
        wiki=wiki,
        namespaces=index.namespaces,
        category_docnames=index.category_docnames,
        redirects=index.redirect_stubs(),
        report_json=report.to_json(),
        media=index.media,
        media_sources=index.media_sources,
    )
    return files, report
