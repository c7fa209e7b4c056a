"""Command line: ``python -m estimator`` or ``llm-estimator``.

Each module of this package holds one group of commands and registers them
on ``main`` when imported, which ``base.COMMAND_MODULES`` does when the command is run. Commands
use only the public API in
``estimator/__init__.py``. Exit codes: 0 ok, 1 bad data or pricing, 2 usage,
130 interrupted.
"""

from __future__ import annotations

import sys

import click

from .base import main  # each command's module is imported when the command runs (base.COMMAND_MODULES)
from .signals import Terminated, command_signals

__all__ = ["main", "run"]


def run() -> None:
    command_signals()
    try:
        main(standalone_mode=True)
    except Terminated:
        click.echo("terminated", err=True)
        sys.exit(143)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
