"""Signals while a command runs: Ctrl-C raises ``KeyboardInterrupt``, SIGTERM raises ``Terminated``.

Both are exceptions, so every ``finally`` and clean-up runs (temporary files
removed, nothing half-written) before the program exits with 130 or 143.
"""

from __future__ import annotations

import signal
from types import FrameType

__all__ = ["Terminated", "command_signals"]


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived; handled like Ctrl-C, with exit code 143."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def command_signals() -> None:
    """Ctrl-C and SIGTERM become exceptions, so clean-up code runs."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
