"""CSV and JSON exports: formula cells neutralised, text round-trips exactly."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.report.export import (
    ESTIMATE_COLUMNS,
    estimate_csv,
    estimate_json,
    estimate_rows,
    neutralise,
    rows_to_csv,
)


def read_back(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        ("'already", "'already"),
    ],
    ids=["equals", "plus", "minus", "at", "tab", "cr", "plain", "inner-equals", "empty", "quote"],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_text_cells_are_neutralised_but_numbers_are_not() -> None:
    rows = [
        {
            "name": '=HYPERLINK("http://x")',
            "saving": Decimal("-1.5"),
            "count": -3,
            "ratio": -0.25,
            "as_text": "-1.5",
        },
    ]
    df = read_back(rows_to_csv(rows))
    assert df.loc[0, "name"] == '\'=HYPERLINK("http://x")'
    assert df.loc[0, "saving"] == "-1.5"
    assert df.loc[0, "count"] == "-3"
    assert df.loc[0, "ratio"] == "-0.25"
    # A number that arrives as text is text: neutralised like any other text.
    assert df.loc[0, "as_text"] == "'-1.5"


def test_columns_are_the_union_of_keys_in_first_seen_order() -> None:
    df = read_back(rows_to_csv([{"a": 1, "b": 2}, {"a": 3, "c": 4}]))
    assert list(df.columns) == ["a", "b", "c"]
    assert df.to_dict("records") == [{"a": "1", "b": "2", "c": ""}, {"a": "3", "b": "", "c": "4"}]


def test_header_is_neutralised_too() -> None:
    df = read_back(rows_to_csv([{"=evil": "x"}]))
    assert list(df.columns) == ["'=evil"]


def test_embedded_newlines_and_carriage_returns_round_trip() -> None:
    texts = ["line1\nline2", "bare\rcr", "crlf\r\nin cell", 'quote " and, comma', "ünïcödé 漢字 🙂", ""]
    df = read_back(rows_to_csv([{"text": t} for t in texts]))
    assert df["text"].tolist() == texts


def test_rows_are_crlf_terminated_quoted_and_utf8_with_bom() -> None:
    data = rows_to_csv([{"a": "x", "b": 1}])
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig") == '"a","b"\r\n"x","1"\r\n'


def test_decimals_are_plain_notation_and_unrounded() -> None:
    df = read_back(rows_to_csv([{"v": Decimal("0.000000125")}, {"v": Decimal("1E+3")}, {"v": None}]))
    assert df["v"].tolist() == ["0.000000125", "1000", ""]


def test_dates_and_booleans() -> None:
    df = read_back(rows_to_csv([{"d": dt.date(2024, 5, 13), "b": True}]))
    assert df.loc[0, "d"] == "2024-05-13"
    assert df.loc[0, "b"] == "true"


# Text that a CSV writer or reader is likely to get wrong, mixed with anything else.
tricky = st.text(alphabet=st.sampled_from(list("=+-@\t\r\n\",' ;a\u00e9\u6f22")), max_size=20)
any_text = st.one_of(st.text(max_size=50), tricky)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(any_text, any_text), min_size=1, max_size=8))
def test_arbitrary_text_round_trips(cells: list[tuple[str, str]]) -> None:
    rows = [{"first": a, "second": b} for a, b in cells]
    data = rows_to_csv(rows)
    df = read_back(data)
    assert df["first"].tolist() == [neutralise(a) for a, _ in cells]
    assert df["second"].tolist() == [neutralise(b) for _, b in cells]
    # The standard library reader sees the same cells.
    back = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert back[1:] == [[neutralise(a), neutralise(b)] for a, b in cells]
    # Nothing a spreadsheet would evaluate is left at the start of a text cell.
    for row in back:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@given(any_text)
def test_neutralise_is_reversible(text: str) -> None:
    out = neutralise(text)
    assert out == text or (out == "'" + text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))


ESTIMATE = {
    "model": "gpt-4o",
    "provider": "openai",
    "pricing_date": dt.date(2024, 10, 1),
    "as_of": dt.date(2026, 1, 1),
    "file": "=data.csv",
    "rows": 3,
    "token_counts": "exact",
    "modes": {
        "standard": {
            "input_tokens": 30,
            "output_tokens": 150,
            "cached_input_tokens": 0,
            "input_cost": Decimal("0.000075"),
            "output_cost": Decimal("0.0015"),
            "total_cost": Decimal("0.001575"),
            "savings_vs_standard": Decimal("0"),
            "explanation": "list prices",
        },
        "batch": {
            "input_tokens": 30,
            "output_tokens": 150,
            "cached_input_tokens": 0,
            "input_cost": Decimal("0.0000375"),
            "output_cost": Decimal("0.00075"),
            "total_cost": Decimal("0.0007875"),
            "savings_vs_standard": Decimal("0.0007875"),
            "explanation": "-50%",
        },
    },
    "modes_worst_case": {
        "standard": {"total_cost": Decimal("0.01")},
        "batch": {"total_cost": Decimal("0.005")},
    },
}


def test_estimate_csv_has_one_row_per_mode_with_exact_amounts() -> None:
    df = read_back(estimate_csv(ESTIMATE, {"standard": "Standard", "batch": "Batch API"}))
    assert list(df.columns) == list(ESTIMATE_COLUMNS)
    assert df["mode"].tolist() == ["standard", "batch"]
    assert df["label"].tolist() == ["Standard", "Batch API"]
    assert df["total_cost_usd"].tolist() == ["0.001575", "0.0007875"]
    assert df["worst_case_total_cost_usd"].tolist() == ["0.01", "0.005"]
    assert df["pricing_date"].tolist() == ["2024-10-01", "2024-10-01"]
    assert df["file"].tolist() == ["'=data.csv", "'=data.csv"]  # a file name is text too
    assert df["explanation"].tolist() == ["list prices", "'-50%"]


def test_estimate_rows_without_worst_case() -> None:
    est = {k: v for k, v in ESTIMATE.items() if k != "modes_worst_case"}
    assert [r["worst_case_total_cost_usd"] for r in estimate_rows(est)] == [None, None]


def test_estimate_json_keeps_amounts_as_strings() -> None:
    doc = json.loads(estimate_json(ESTIMATE))
    assert doc["modes"]["standard"]["total_cost"] == "0.001575"
    assert doc["pricing_date"] == "2024-10-01"
    assert doc["file"] == "=data.csv"  # JSON is not a spreadsheet: unchanged
