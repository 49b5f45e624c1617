"""Publish a MediaWiki wiki as a Sphinx site.

The pipeline runs in one direction, one module per stage::

    sources/ -> expand -> convert (pandoc_ast, myst) -> site -> sphinxext

Nothing after ``sources`` knows where the pages came from.
"""
