"""``extensions = ["mw2sphinx"]``: everything a converted wiki needs, in anyone's project.

The one line sets up myst-parser and sphinx-design, the reader's features
(:mod:`.sphinxext`) and the shape of the books (:mod:`.exports`), and, at ``config-inited``,
the MyST settings the converter's pages are written for. What a project's ``conf.py`` (or
``-D``) sets explicitly stays as it set it: lists the pages need are extended, never replaced;
single values are only filled in where the project left Sphinx's default.
"""

from __future__ import annotations

import contextlib
import html
import importlib
import io
import queue
import sys
from typing import Any
from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from . import __version__
from .vocabulary import URL_SCHEMES

logger = logging.getLogger(__name__)

#: MyST syntax extensions the converter writes: red links and styled spans
#: (``[text]{.wiki-redlink}``), block attributes, definition lists.
MYST_EXTENSIONS = ("attrs_inline", "attrs_block", "deflist")
#: MyST syntax the pages must never be read with: the converter writes no raw HTML, and
#: MyST does not parse any either (a second lock on the wiki's text).
MYST_DISABLED_SYNTAX = ("html_block", "html_inline")

#: List settings the pages need at least these entries of.
REQUIRED_ENTRIES: dict[str, tuple[str, ...]] = {
    "myst_enable_extensions": MYST_EXTENSIONS,
    "myst_disable_syntax": MYST_DISABLED_SYNTAX,
    "myst_url_schemes": URL_SCHEMES,
}
#: Single settings filled in where the project left them alone.
DEFAULTS: dict[str, Any] = {
    # Footnotes stay where <references /> put them.
    "myst_footnote_sort": False,
    # The converter's links are to labels ([text](#label)): look them up in the standard
    # domain only (the C++ domain parses every target as a declaration).
    "myst_ref_domains": ["std"],
    # The wiki's text as its editors typed it: no curly quotes, dashes or ellipses added.
    "smartquotes": False,
}


def set_by_project(config: Config, name: str) -> bool:
    """Whether ``conf.py`` or a ``-D`` override gave ``name`` a value."""
    # Sphinx keeps what conf.py set apart from its defaults, but only under a private name.
    return name in config._raw_config or name in config.overrides


def _entries(value: Any) -> list[Any]:
    if isinstance(value, dict):  # myst_url_schemes may map schemes to link templates
        return list(value)
    if isinstance(value, str):
        return [entry for entry in value.split(",") if entry]
    return list(value or [])


def with_entries(value: Any, required: tuple[str, ...]) -> Any:
    """``value`` with the ``required`` entries it lacks added, in its own type."""
    if isinstance(value, dict):
        return {**value, **{entry: None for entry in required if entry not in value}}
    present = _entries(value)
    return [*present, *(entry for entry in required if entry not in present)]


def configure_myst(app: Sphinx, config: Config) -> None:
    for name, required in REQUIRED_ENTRIES.items():
        value = config[name] if set_by_project(config, name) else []
        config[name] = with_entries(value, required)
    for name, default in DEFAULTS.items():
        if not set_by_project(config, name):
            config[name] = default


#: The 404 page (sphinx-notfound-page): {prefix} is the site's path on its host.
NOT_FOUND_BODY = (
    "<h1>Page not found</h1>\n<p>This site has no page at this address: the page may have "
    "been moved or deleted on the wiki. Search for it, or start from the "
    '<a href="{prefix}">Main Page</a>.</p>'
)


def site_extension_defaults(app: Sphinx, config: Config) -> dict[str, Any]:
    """Settings of the extensions that make a site travel, where the project loads them:
    their addresses from ``html_baseurl``; a page's card shows its first image (no drawn
    cards); the sitemap lists the pages, not Sphinx's search and index or the 404 page."""
    base = config.html_baseurl or ""
    prefix = urlsplit(base).path.rstrip("/") + "/"
    values: dict[str, Any] = {}
    if "sphinxext.opengraph" in app.extensions:
        values.update(
            ogp_site_url=base,
            ogp_use_first_image=True,
            ogp_social_cards={"enable": False},
            # mw2sphinx writes the page's description itself: its first paragraph
            ogp_enable_meta_description=False,
        )
    if "notfound.extension" in app.extensions:
        values.update(
            notfound_urls_prefix=prefix,
            notfound_context={
                "title": "Page not found",
                "body": NOT_FOUND_BODY.format(prefix=html.escape(prefix)),
            },
        )
    if "sphinx_sitemap" in app.extensions:
        values.update(
            sitemap_url_scheme="{link}",
            sitemap_excludes=["search.html", "genindex.html", "404.html", "404/"],
        )
    return values


def configure_site_extensions(app: Sphinx, config: Config) -> None:
    for name, value in site_extension_defaults(app, config).items():
        if not set_by_project(config, name):
            config[name] = value
    if "sphinx_sitemap" in app.extensions and not (config.html_baseurl or config.site_url):
        # A sitemap lists absolute addresses: without the site's, there is none, which
        # sphinx-sitemap reports as a warning at the end of every build.
        logger.info("no sitemap: html_baseurl is not set")
        config.suppress_warnings = [*config.suppress_warnings, "sitemap.configuration"]


def page_by_page_sitemap(app: Sphinx) -> None:
    """sphinx-sitemap collects every page's address as it is written, through a queue that
    a separate process serves (so that parallel writers can reach it): a round trip between
    processes for every page. With no site address there is no sitemap, and its handler is
    not run; a build that writes in one process keeps the addresses in its own queue."""
    module = sys.modules.get("sphinx_sitemap")
    if module is None or "sphinx_sitemap" not in app.extensions:
        return
    if not (app.config.html_baseurl or app.config.site_url):
        for listener in list(app.events.listeners.get("html-page-context", ())):
            if listener.handler is getattr(module, "add_html_link", None):
                app.disconnect(listener.id)
    elif app.parallel <= 1 and hasattr(app, "sitemap_links"):
        app.sitemap_links = queue.Queue()


#: sphinxext-opengraph's drawn cards, which import matplotlib (a second or so of every
#: Sphinx run, a no-op rebuild's included) where it is installed.
SOCIAL_CARDS = "sphinxext.opengraph._social_cards"


def social_cards_wanted(config: Config) -> bool:
    """Whether ``conf.py`` turns sphinxext-opengraph's drawn cards on (mw2sphinx turns them
    off, :func:`site_extension_defaults`)."""
    value = config.overrides.get("ogp_social_cards", config._raw_config.get("ogp_social_cards"))
    return isinstance(value, dict) and value.get("enable", True) is not False


def _import_quietly(name: str, *, without: str = "") -> None:
    """Import an extension of the project's before Sphinx does: sphinxext-opengraph prints a
    note on standard output when matplotlib (for drawn cards, which the site does not use)
    is missing. ``without``: a module of it not to import, as if it could not be (imported
    as usual afterwards by whatever wants it)."""
    module = sys.modules.get(name)
    if module is not None and not without and getattr(module, "create_social_card", 0) is None:
        # imported without its cards before, in this process; a project wants them now
        with contextlib.suppress(ImportError), contextlib.redirect_stdout(io.StringIO()):
            importlib.reload(module)
        return
    blocked = bool(without) and without not in sys.modules
    if blocked:
        sys.modules[without] = None  # type: ignore[assignment]
    try:
        with contextlib.suppress(ImportError), contextlib.redirect_stdout(io.StringIO()):
            importlib.import_module(name)
    finally:
        if blocked and sys.modules.get(without, 0) is None:
            del sys.modules[without]


def setup(app: Sphinx) -> dict[str, Any]:
    if "sphinxext.opengraph" in app.config.extensions:
        cards = social_cards_wanted(app.config)
        _import_quietly("sphinxext.opengraph", without="" if cards else SOCIAL_CARDS)
    app.setup_extension("myst_parser")
    app.setup_extension("sphinx_design")
    app.setup_extension("mw2sphinx.sphinxext")
    app.setup_extension("mw2sphinx.exports")
    app.setup_extension("mw2sphinx.bookimages")
    app.connect("config-inited", configure_myst, priority=400)
    app.connect("config-inited", configure_site_extensions, priority=400)
    # after sphinx-sitemap's own (500), which starts its queue
    app.connect("builder-inited", page_by_page_sitemap, priority=600)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
