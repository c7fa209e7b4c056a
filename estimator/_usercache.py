"""The user's cache directory and its pickles: what the estimator keeps between runs to start faster
(validated price tables, ctok's built vocabulary). Never inside a project; a cache that cannot be
read or written is no cache, never an error."""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

__all__ = ["cache_dir", "read_pickle", "write_pickle"]


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/estimator``, or ``~/.cache/estimator``."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "estimator"


def read_pickle(path: Path) -> object | None:
    """What ``write_pickle`` kept at ``path``; None when it is missing or unreadable."""
    try:
        with open(path, "rb") as f:
            return pickle.load(f)  # noqa: S301 - the user's own cache, written by write_pickle
    except Exception:  # noqa: BLE001 - not cached yet, or unreadable
        return None


def write_pickle(value: object, path: Path) -> None:
    """Keep ``value`` at ``path``, whole or not at all; a read-only home means no cache."""
    partial = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".partial", delete=False) as f:
            partial = f.name
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except Exception:  # noqa: BLE001 - no cache, nothing lost
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
