"""Publish a MediaWiki wiki as a Sphinx site.

The pipeline runs in one direction, one module per stage::

    sources/ -> expand -> convert (pandoc_ast, myst) -> site -> sphinxext

Nothing after ``sources`` knows where the pages came from. ``extensions = ["mw2sphinx"]`` in
a project's ``conf.py`` is the Sphinx side (:mod:`.extension`); ``mw2sphinx convert`` and
``mw2sphinx fetch`` the command line (:mod:`.cli`).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.3.0"


def setup(app: Any) -> dict[str, Any]:
    """The Sphinx extension: ``extensions = ["mw2sphinx"]``."""
    from .extension import setup as setup_extension

    return setup_extension(app)
