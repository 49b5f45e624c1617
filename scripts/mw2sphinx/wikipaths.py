"""The wiki's own addresses on a site that replaces it: ``wiki/Title`` forwards to the page.

With ``wiki_article_path = "wiki/"`` (off by default) the web site gets, for every page
and redirect of the wiki, a file ``wiki/<Title>/index.html`` that forwards to the page (and
section) on the site, as sphinx-reredirects writes them: a refresh at once, the canonical
address, a visible link. A static host serves ``/wiki/Title`` from it, so links to the old
wiki keep working when the site takes its place.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from .sitedata import SiteData

#: What a path segment of a forwarding file may not be: the name would leave the folder,
#: hide it, or not be a file name a web server maps an address to (":" stays: the wiki's
#: namespaces, wiki/Category:Things).
_BAD_SEGMENT = re.compile(r'^\.|[\x00-\x1f<>"\\|?*\x7f%]')
MAX_SEGMENT_BYTES = 240


def valid_prefix(prefix: str) -> bool:
    """A folder of the site, relative to its root: ``wiki/``, ``w/index.php/``."""
    parts = prefix.strip("/").split("/")
    return prefix.endswith("/") and not prefix.startswith("/") and all(map(safe_segment, parts))


def safe_segment(part: str) -> bool:
    return bool(part) and not _BAD_SEGMENT.search(part) and len(part.encode()) <= MAX_SEGMENT_BYTES


def forwarding_path(prefix: str, title: str) -> str | None:
    """The file that answers the wiki's address of ``title`` (spaces as underscores, as
    MediaWiki writes it; a subpage a folder), or ``None`` for a title that makes no safe
    file name."""
    parts = title.replace(" ", "_").split("/")
    if not all(map(safe_segment, parts)):
        return None
    return prefix + "/".join(parts) + "/index.html"


def forwarding_page(*, title: str, target: str, canonical: str) -> str:
    """The page at an old address: what sphinx-reredirects writes, and a link for a reader
    whose browser does not follow."""
    url, name = html.escape(target), html.escape(title)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{name}</title>\n"
        f'<meta http-equiv="refresh" content="0; url={url}">\n'
        f'<link rel="canonical" href="{html.escape(canonical)}">\n'
        '<meta name="robots" content="noindex">\n</head>\n<body>\n'
        f'<p>This page has moved to <a href="{url}">{name}</a>.</p>\n</body>\n</html>\n'
    )


def forwards(
    site: SiteData, *, prefix: str, targets: dict[str, str]
) -> Iterator[tuple[str, str, str]]:
    """(path, title, target URL relative to the site's root) of every address to forward:
    each page, and each redirect whose target the site has. ``targets`` maps a redirect's
    document to its target's URL; pages use their own documents' URLs (``targets`` too)."""
    for title, entry in sorted(site.pages.items()):
        path = forwarding_path(prefix, title)
        if path is not None and entry.docname in targets:
            yield path, title, targets[entry.docname]
    for docname, redirect in sorted(site.redirects.items()):
        path = forwarding_path(prefix, redirect.title)
        if path is not None and docname in targets:
            yield path, redirect.title, targets[docname]


def relative_to(path: str, url: str) -> str:
    """``url`` (relative to the site's root) as seen from the file at ``path``."""
    return posixpath.relpath(url.split("#")[0] or ".", posixpath.dirname(path)) + (
        "#" + url.split("#", 1)[1] if "#" in url else ""
    )


def write_forwards(
    outdir: Path, site: SiteData, *, prefix: str, targets: dict[str, str], base_url: str
) -> int:
    """Write the forwarding files into the built site; their number."""
    count = 0
    for path, title, target in forwards(site, prefix=prefix, targets=targets):
        file = outdir / path
        if not file.resolve().is_relative_to(outdir.resolve()):
            continue
        page = target.split("#")[0]
        canonical = posixpath.join(base_url, page) if base_url else relative_to(path, page)
        text = forwarding_page(title=title, target=relative_to(path, target), canonical=canonical)
        file.parent.mkdir(parents=True, exist_ok=True)
        if not file.is_file() or file.read_text("utf-8") != text:
            file.write_text(text, "utf-8")
        count += 1
    return count
