"""This repository's own layout: the wiki it publishes and where its copy of it lies.

For ``scripts/convert.py``, ``scripts/fetch.py`` and ``scripts/benchmark.py`` only; the
package (``mw2sphinx``) knows nothing of any particular wiki.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The shared snapshot of the AI Interpretability Wiki, next to the repository.
SNAPSHOT = ROOT.parent / "shared" / "ai-interpretability-wiki"
#: The live wiki (what Read the Docs converts).
LIVE_API = "https://aiinterpretability.miraheze.org/w/api.php"
#: What the snapshot folder cannot say about its wiki (the API and a fetched snapshot do).
SITE_NAME = "AI Interpretability Wiki"
ARTICLE_URL = "https://aiinterpretability.miraheze.org/wiki/$1"


def is_snapshot(source: str) -> bool:
    path = Path(source)
    return path.is_dir() and path.resolve() == SNAPSHOT.resolve()
