"""Readers that turn a wiki, wherever it lives, into one :class:`~mw2sphinx.model.Wiki`.

Three sources, one result: a folder in the mirror layout (with or without the manifest a
fetch writes), a MediaWiki XML export, or a live wiki through its Action API.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..model import SiteInfo, Wiki
from .api import read_api
from .common import SourceError
from .folder import read_folder
from .snapshot import ManifestError, read_manifest
from .xml_export import is_export, read_xml_export

__all__ = ["SourceError", "open_source"]


def open_source(
    spec: str,
    *,
    site: SiteInfo,
    overrides: dict[str, str | None] | None = None,
    progress: bool = False,
) -> Wiki:
    """Read the wiki named by ``spec``: a folder, an XML export, or an ``http(s)`` API URL.

    The source's own site info wins over ``site``, which only stands in for what a source
    cannot say (a folder without a manifest); ``overrides`` (``name``, ``article_url``,
    ``main_page``) win over both.
    """
    given: dict[str, Any] = {k: v for k, v in (overrides or {}).items() if v is not None}
    if spec.startswith(("http://", "https://")):
        return _override(read_api(spec, progress=progress), given)
    path = Path(spec)
    if not path.exists():
        raise SourceError(f"{spec}: no such file or folder")
    if path.is_dir():
        try:
            manifest = read_manifest(path)
        except ManifestError as error:
            raise SourceError(f"{path / 'snapshot.json'}: {error}") from None
        folder_site = dataclasses.replace(manifest.site if manifest else site, **given)
        try:
            return read_folder(path, site=folder_site, manifest=manifest)
        except OSError as error:
            raise SourceError(f"{spec}: cannot be read ({error.strerror or error})") from None
    if is_export(path):
        return _override(read_xml_export(path, default_site=site), given)
    raise SourceError(
        f"{spec}: not a folder of .mediawiki files, an XML export (.xml, .xml.gz, .xml.bz2) "
        "or an API URL"
    )


def _override(wiki: Wiki, overrides: dict[str, Any]) -> Wiki:
    if not overrides:
        return wiki
    return dataclasses.replace(wiki, site=dataclasses.replace(wiki.site, **overrides))
