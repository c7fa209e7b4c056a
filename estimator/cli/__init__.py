"""Command line: ``python -m estimator`` or ``llm-estimator``.

Each module of this package holds one group of commands and registers them
on ``main`` when imported, which ``base.COMMAND_MODULES`` does when the command is run. Commands
use only the public API in
``estimator/__init__.py``. Exit codes: 0 ok, 1 bad data or pricing, 2 usage,
130 interrupted.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

import click

from .base import main  # each command's module is imported when the command runs (base.COMMAND_MODULES)
from .signals import Terminated, command_signals

__all__ = ["main", "run"]


def run() -> NoReturn:
    command_signals()
    try:
        main(standalone_mode=True)
    except SystemExit as done:
        _leave(done.code)
    except Terminated:
        click.echo("terminated", err=True)
        sys.exit(143)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    _leave(0)


def _leave(code: str | int | None) -> NoReturn:
    """End the process with ``code`` without freeing what it built.

    Tearing down an interpreter that loaded an encoding (200,000 ranks), numpy and pyarrow takes
    about a tenth of a second, as long as a small estimate's own work; the system takes the memory
    back at once. What matters in an orderly exit still happens: the exit handlers run (worker
    processes, clusters) and the output is flushed. The orderly exit is kept while a thread that
    an exit waits for is alive, when the code is not a number, or when the output cannot be
    flushed (a closed pipe is then reported as before).
    """
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    waited_for = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if not isinstance(code, int) or run_handlers is None or waited_for:
        sys.exit(code)
    run_handlers()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)
