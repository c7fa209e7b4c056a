"""Validated price files kept in the user's cache directory, so a command starts without pydantic.

Validating the three shipped TOML files (building the pydantic models, then checking every field)
costs more than a small estimate itself. The validated result (frozen dataclasses) is pickled to
``$XDG_CACHE_HOME/estimator`` (or ``~/.cache/estimator``; never inside a project), under a name
made of the SHA-256 of the file's text, its path, and the source of the code that validates and
converts it. An edited file has another hash, so it is validated again and never served stale;
a cache that cannot be read or written (damaged, another version, a read-only home) means the
file is validated as before, silently.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

__all__ = ["cache_dir", "cached"]


_CODE = ("load.py", "schema.py", "entries.py", "market.py", "provider_cache.py")
"""The modules whose code decides what a validated file becomes: a change to any of them is a new key."""


def cache_dir() -> Path:
    """The user's cache directory for the estimator."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "estimator"


@cache
def _code_digest() -> bytes:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.digest()


def _path(text: str, origin: str) -> Path:
    digest = hashlib.sha256(_code_digest())
    digest.update(origin.encode("utf-8", "surrogatepass") + b"\0" + text.encode("utf-8", "surrogatepass"))
    return cache_dir() / "prices" / f"{digest.hexdigest()[:32]}.pickle"


def cached[T](text: str, origin: str, validate: Callable[[str, str], T]) -> T:
    """``validate(text, origin)``, or its result kept from an earlier run on the same text and code.
    Errors are never cached: a file that fails validation fails every time."""
    try:
        path = _path(text, origin)
    except Exception:  # noqa: BLE001 - no cache directory to name: validate
        return validate(text, origin)
    try:
        with open(path, "rb") as f:
            return pickle.load(f)  # noqa: S301 - the user's own cache
    except Exception:  # noqa: BLE001, S110 - not cached yet, or unreadable: validate
        pass
    result = validate(text, origin)
    _save(result, path)
    return result


def _save(result: object, path: Path) -> None:
    partial = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".partial", delete=False) as f:
            partial = f.name
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except Exception:  # noqa: BLE001 - no cache, nothing lost
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
