"""The Sphinx side: site name from the converted tree, and wiki styling.

The converter writes ``_wiki/site.json`` next to the pages; this extension reads
it when the configuration is ready, so the project's one ``conf.py`` works for
any converted tree.
"""

from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def load_site_data(app: Sphinx, config: Config) -> None:
    path = Path(app.srcdir) / config.wiki_site_data
    if not path.is_file():
        return
    try:
        data = json.loads(path.read_text("utf-8"))
    except ValueError as error:
        logger.warning("%s: not valid JSON (%s)", path, error, type="wiki", subtype="site-data")
        return
    name = data.get("name") or config.project
    # Only fill in what conf.py left at Sphinx's defaults.
    if config.project in {"Project name not set", "Wiki", ""}:
        config.project = name
    if not config.html_title or config.html_title.endswith("documentation"):
        config.html_title = name


def setup(app: Sphinx) -> dict:
    app.add_config_value("wiki_site_data", "_wiki/site.json", "env", types=[str])
    app.connect("config-inited", load_site_data)
    app.connect("builder-inited", lambda a: a.config.html_static_path.append(str(STATIC)))
    app.add_css_file("wiki.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
