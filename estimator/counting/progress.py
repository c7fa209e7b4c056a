"""Progress of a count: the value handed to a ``progress`` callback, at most ~5 times a second."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

PROGRESS_INTERVAL = 0.2  # seconds between progress callbacks (at most ~5 per second)


@dataclass(frozen=True)
class Progress:
    """How far a count has come: rows and bytes read, of how many, and the time left (``None``: unknown)."""

    rows: int
    bytes_read: int
    total_bytes: int | None
    elapsed: float
    eta_seconds: float | None


class ProgressReporter:
    """Calls ``callback`` with a ``Progress`` at most every ``PROGRESS_INTERVAL`` seconds, and always at the end."""

    def __init__(self, callback: Callable[[Progress], None] | None, total_bytes: int | None) -> None:
        self.callback = callback
        self.total = total_bytes
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, rows: int, nbytes: int, final: bool = False) -> None:
        if self.callback is None:
            return
        now = time.monotonic()
        if not final and now - self.last < PROGRESS_INTERVAL:
            return
        self.last = now
        elapsed = now - self.start
        eta = None
        if self.total and nbytes:
            eta = 0.0 if final else max(0.0, elapsed * (self.total - nbytes) / nbytes)
        self.callback(Progress(rows, nbytes, self.total, elapsed, eta))
