"""``extensions = ["mw2sphinx"]``: everything a converted wiki needs, in anyone's project.

The one line sets up myst-parser and sphinx-design, the reader's features
(:mod:`.sphinxext`) and the shape of the books (:mod:`.exports`), and, at ``config-inited``,
the MyST settings the converter's pages are written for. What a project's ``conf.py`` (or
``-D``) sets explicitly stays as it set it: lists the pages need are extended, never replaced;
single values are only filled in where the project left Sphinx's default.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

from . import __version__
from .myst import URL_SCHEMES

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


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("myst_parser")
    app.setup_extension("sphinx_design")
    app.setup_extension("mw2sphinx.sphinxext")
    app.setup_extension("mw2sphinx.exports")
    app.setup_extension("mw2sphinx.bookimages")
    app.connect("config-inited", configure_myst, priority=400)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
