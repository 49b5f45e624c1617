"""What the pre-pass (:func:`.convert.prepare_page`) made of each page in the last
conversion into a destination, kept there for the next one: the pre-pass is a pure function
of a page's expanded text, its title and the wiki's site information, and most of a
conversion's time when a wiki is converted again after an edit (its mwparserfromhell tree
above all). Entries are found by a digest of all that and of the converter's own code, so an
entry is never used for other input; the file keeps only the entries the last run used."""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING

from .fingerprint import code_digest, site_json
from .model import SiteInfo

if TYPE_CHECKING:
    from .convert import Prepared

#: Where the cache is kept, in the destination.
CACHE = "_wiki/prepared.cache"
#: The form of the cache's file; another form is not read.
FORMAT = "mw2sphinx-prepared-cache/1"


class PreparedCache:
    """Prepared pages by :meth:`key`; what this run used is what :meth:`save` keeps."""

    def __init__(self, entries: dict[str, bytes] | None = None):
        self._old = entries or {}
        self._used: dict[str, bytes] = {}
        self.hits = 0

    @staticmethod
    def site_key(site: SiteInfo) -> str:
        """What every page's key shares: the converter's code and the site information."""
        return hashlib.sha256(f"{code_digest()}\n{site_json(site)}".encode()).hexdigest()

    @staticmethod
    def key(site_key: str, title: str, text: str) -> str:
        digest = hashlib.sha256(f"{site_key}\n{title}\n".encode())
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def get(self, key: str) -> Prepared | None:
        """A fresh copy of what was prepared for ``key`` (the caller may change it)."""
        data = self._used.get(key) or self._old.get(key)
        if data is None:
            return None
        self._used[key] = data
        self.hits += 1
        prepared: Prepared = pickle.loads(data)
        return prepared

    def put(self, key: str, prepared: Prepared) -> None:
        self._used[key] = pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, dest: Path) -> PreparedCache:
        """The cache the last conversion into ``dest`` left; empty if none, if it is of
        another form, or if it cannot be read."""
        try:
            with (dest / CACHE).open("rb") as source:
                head = pickle.load(source)
                if head != {"format": FORMAT, "code": code_digest()}:
                    return cls()
                entries = pickle.load(source)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
            return cls()
        return cls(entries if isinstance(entries, dict) else None)

    def save(self, dest: Path) -> None:
        """Keep what this run used, for the next; a cache that cannot be written costs the
        next run time, nothing else."""
        path = dest / CACHE
        staged = path.with_name(path.name + ".new")
        try:
            with staged.open("wb") as out:
                pickle.dump({"format": FORMAT, "code": code_digest()}, out)
                pickle.dump(self._used, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(staged, path)
        except OSError:
            staged.unlink(missing_ok=True)
