"""A one-line progress bar on stderr, for fetches and conversions that take a while."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Counts pages; draws itself only on a terminal, at most ten times a second, and not
    before ``delay`` seconds have passed (a task over in a moment shows no bar at all)."""

    def __init__(
        self, label: str, *, enabled: bool, stream: TextIO | None = None, delay: float = 0.0
    ):
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.label = label
        self.done = 0
        self.total: int | None = None
        self._drawn = 0.0
        self._shown = False
        self._start = time.monotonic() + delay
        self._lock = threading.Lock()

    def expect(self, total: int | None) -> None:
        with self._lock:
            self.total = total
        self._draw(force=True)

    def add(self, count: int = 1) -> None:
        with self._lock:
            self.done += count
        self._draw()

    def _draw(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now < self._start or (not force and now - self._drawn < 0.1):
            return
        self._drawn = now
        self._shown = True
        with self._lock:
            done, total = self.done, self.total
        if total:
            share = min(done / total, 1.0)
            bar = "#" * int(share * 30)
            line = f"{self.label} [{bar:<30}] {done}/{total} pages"
        else:
            line = f"{self.label}: {done} pages"
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and (self._shown or time.monotonic() >= self._start):
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
