"""Readers that turn a wiki, wherever it lives, into one :class:`~mw2sphinx.model.Wiki`."""

from __future__ import annotations

from pathlib import Path

from ..model import SiteInfo, Wiki
from .folder import read_folder


class SourceError(Exception):
    """The source cannot be read at all; the message names it."""


def open_source(spec: str, *, site: SiteInfo) -> Wiki:
    """Read the wiki named by ``spec``: a folder in the mirror layout.

    XML exports and live wikis plug in here behind the same result.
    """
    if spec.startswith(("http://", "https://")):
        raise SourceError(f"{spec}: reading a live wiki through its API is not supported yet")
    path = Path(spec)
    if not path.exists():
        raise SourceError(f"{spec}: no such file or folder")
    if path.is_dir():
        try:
            return read_folder(path, site=site)
        except OSError as error:
            raise SourceError(f"{spec}: cannot be read ({error.strerror or error})") from None
    if path.suffix in {".xml", ".gz", ".bz2"}:
        raise SourceError(f"{spec}: reading XML exports is not supported yet")
    raise SourceError(f"{spec}: not a folder of .mediawiki files")
