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
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import cast

from estimator._usercache import cache_dir, read_pickle, write_pickle

__all__ = ["cached"]


_CODE = ("load.py", "schema.py", "entries.py", "market.py", "provider_cache.py")
"""The modules whose code decides what a validated file becomes: a change to any of them is a new key."""


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
    kept = read_pickle(path)
    if kept is not None:
        return cast(T, kept)
    result = validate(text, origin)
    write_pickle(result, path)
    return result
