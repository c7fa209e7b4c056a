"""Reading many small JSON documents (batch request and result lines) fast.

* ``loads``: orjson (a well-kept native parser, three to four times the standard library's speed
  here) where it reads a document exactly as ``json.loads`` does; the standard library otherwise.
  orjson refuses what ``json`` reads differently (NaN, numbers beyond a float, lone surrogates,
  other encodings, a byte-order mark, deep nesting, bad JSON): such a line goes to the slow reader,
  which gives its own result or its own error, so messages name the same byte as before. The one
  thing orjson reads *differently* is an integer beyond 64 bits (a float); a line with a run of
  19 or more digits is therefore always read by the slow reader. ``tests/test_bulk.py`` checks the
  two agree on generated documents and bytes.
* ``paused_gc``: the cyclic garbage collector paused while parsed objects pile up. JSON holds no
  reference cycles, yet every collection walks all the objects kept so far: with 100,000 requests
  and results held at once, collections took a sixth of a reconciliation.
"""

from __future__ import annotations

import contextlib
import gc
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["loads", "paused_gc"]

try:
    import orjson

    _fast: Callable[[bytes], Any] | None = orjson.loads
except ImportError:  # pragma: no cover - a dependency; without it every line takes the slow reader
    _fast = None

# A run of 19 digits, found at C speed: every digit made a 0, then one search (a regular expression
# scanning the line costs more than parsing it).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19


def loads(raw: bytes, slow: Callable[[bytes], Any] = json.loads) -> Any:
    """``slow(raw)`` (by default ``json.loads``), read by orjson where that gives the same object."""
    if _fast is not None and raw.translate(_DIGITS_AS_ZERO).find(_NINETEEN_DIGITS) < 0:
        try:
            return _fast(raw)
        except ValueError:  # orjson.JSONDecodeError: let the slow reader read it, or say why not
            pass
    return slow(raw)


_pauses = 0
_was_enabled = False
_lock = threading.Lock()


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector off inside (nested and concurrent pauses counted), as it was after."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
