"""Signals while the command-line program starts (stdlib only, so it can act before anything heavy is imported).

While the program starts (importing pandas, pyarrow and friends takes most of a
second), Ctrl-C or SIGTERM ends it at once with a one-line message: nothing
has been read or written yet. Once a command runs, ``estimator.cli.signals``
takes over.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

__all__ = ["is_command_line", "startup_signals"]


def is_command_line() -> bool:
    """True while ``python -m estimator`` or the ``llm-estimator`` script is starting."""
    first = sys.argv[0] if sys.argv else ""
    return first == "-m" or os.path.basename(first) in ("llm-estimator", "llm-estimator.exe")


def _quit_at_startup(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("interrupted: nothing was read or written\n")
    sys.stderr.flush()
    os._exit(143 if signum == signal.SIGTERM else 130)


def startup_signals() -> None:
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _quit_at_startup)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _quit_at_startup)
