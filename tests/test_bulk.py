"""``_bulk.loads`` reads every line as ``json.loads`` does (orjson only where the two agree), and
``paused_gc`` leaves the collector as it found it."""

from __future__ import annotations

import gc
import json
import math
import threading
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from estimator import _bulk

NUMBERS = st.one_of(
    st.integers(),  # 64-bit and far beyond: orjson would make the big ones floats
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.floats(allow_nan=True, allow_infinity=True),
)
TEXT = st.text(st.characters(exclude_categories=()))  # lone surrogates included
VALUES = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=25,
)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, all the way down (1 and 1.0 differ; NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def outcome(read: Any, raw: bytes) -> tuple[str, Any]:
    try:
        return "value", read(raw)
    except (ValueError, RecursionError) as exc:
        return "error", type(exc)


@settings(max_examples=150, deadline=None)
@given(VALUES, st.booleans())
def test_a_document_reads_as_the_standard_library_reads_it(value: Any, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass") + b"\n"
    want, got = outcome(json.loads, raw), outcome(_bulk.loads, raw)
    assert want[0] == got[0]
    assert want[0] == "error" or same(want[1], got[1])


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.sampled_from([b"\xef\xbb\xbf{}", b"NaN", b"1e400", b'"\\ud800"', b"[" * 3000]))
def test_any_bytes_read_or_fail_as_the_standard_library_says(raw: bytes) -> None:
    want, got = outcome(json.loads, raw), outcome(_bulk.loads, raw)
    assert want[0] == got[0]
    assert (want[1] is got[1]) if want[0] == "error" else same(want[1], got[1])


def test_an_integer_beyond_64_bits_stays_an_integer() -> None:
    assert _bulk.loads(b'{"input_tokens": 18446744073709551616}') == {"input_tokens": 2**64}
    assert type(_bulk.loads(b"[-9223372036854775809]")[0]) is int


def test_the_slow_reader_is_the_callers() -> None:
    seen: list[bytes] = []

    def slow(raw: bytes) -> Any:
        seen.append(raw)
        return json.loads(raw.decode("utf-8"))

    assert _bulk.loads(b'{"a": 1}', slow) == {"a": 1} and seen == []
    assert _bulk.loads(b'{"a": NaN}', slow)["a"] != 0 and seen == [b'{"a": NaN}']


def test_paused_gc_restores_the_collector_after_nested_and_concurrent_pauses() -> None:
    assert gc.isenabled()
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        with _bulk.paused_gc():
            started.set()
            release.wait(30)

    thread = threading.Thread(target=other)
    with _bulk.paused_gc():
        assert not gc.isenabled()
        thread.start()
        started.wait(30)
        with _bulk.paused_gc():
            assert not gc.isenabled()
    assert not gc.isenabled()  # the other pause is still on
    release.set()
    thread.join()
    assert gc.isenabled()
    gc.disable()
    try:
        with _bulk.paused_gc():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()
