"""The one JSON encoding: the text of ``json.dumps(to_plain(x), indent=2, ensure_ascii=False)``,
whichever encoder writes it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.convert import to_plain
from estimator.report.export import json_text

_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(), st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False), st.dates(),
    st.sampled_from(["\ue000column\ue001", "\ud800", "\x00\x1f\x7f\u2028", "naïve 日本語 🙂"]),
)
_keys = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none())
_documents = st.recursive(
    _leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=20,
)


def _reference(data: Any) -> str | None:
    try:
        return json.dumps(to_plain(data), indent=2, ensure_ascii=False)
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(_documents)
def test_the_text_is_json_dumps_of_the_plain_document(data: Any) -> None:
    expected = _reference(data)
    if expected is None:  # json cannot write it either (an integer of over 4,300 digits)
        return
    assert json_text(data) == expected


def test_documents_without_floats_and_with_them() -> None:
    money = {"cost": Decimal("0.0000225"), "day": dt.date(2026, 12, 1), "rows": [1, 2**70, None], "ok": True}
    assert json_text(money) == json.dumps(to_plain(money), indent=2, ensure_ascii=False)
    assert '"cost": "0.0000225"' in json_text(money)
    assert '"share": 1e-05' in json_text({"share": 1e-05})  # json's float text, not another encoder's
    assert json_text({1: "a", None: "b"}) == '{\n  "1": "a",\n  "null": "b"\n}'


@settings(max_examples=2_000, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False) | st.decimals(places=12, allow_nan=False,
                                                                          allow_infinity=False))
def test_decimal_text_is_the_plain_notation(value: Decimal) -> None:
    from estimator.convert import decimal_text

    expected = format(value.normalize() if value == 0 else value, "f")
    assert decimal_text(value) == expected
    assert "E" not in decimal_text(value) and "e" not in decimal_text(value)
