"""Command line: ``python -m estimator`` or ``llm-estimator``.

Each module of this package holds one group of commands and registers them
on ``main``. Commands use only the public API in ``estimator/__init__.py``.
Exit codes: 0 ok, 1 bad data or pricing, 2 usage, 130 interrupted.
"""

from __future__ import annotations

import sys

import click

from .base import main

# Command modules register themselves on import; one line per module.
from . import engine  # noqa: E402,F401  estimate, models, prices, schema

for _optional in ("datasets", "planning"):
    try:
        __import__(f"{__name__}.{_optional}")
    except ModuleNotFoundError as exc:  # a module not written yet
        if exc.name != f"{__name__}.{_optional}":
            raise

__all__ = ["main", "run"]


def run() -> None:
    try:
        main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
