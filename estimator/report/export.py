"""Downloadable results: CSV that is safe to open in a spreadsheet, and JSON.

Plain data in, bytes out; no UI imports.

CSV rules:

* Text cells that begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return are prefixed with ``'`` so a spreadsheet shows them as text instead
  of running them as a formula (OWASP "CSV injection"). Only *text* cells are
  changed: ints, Decimals, floats and dates are written as numbers, so a
  saving of ``-1.5`` stays a number. A number that arrives as a string is
  text and is neutralised like any other text.
* Every cell is quoted and rows end in ``\\r\\n``, so newlines and bare
  carriage returns inside a cell survive a round trip.
* UTF-8 with a byte order mark, so spreadsheets pick the right encoding for
  non-ASCII text; pandas and the csv module (``utf-8-sig``) skip the mark.
* Decimals are written in plain notation (``0.000125``, never ``1.25E-4``)
  and unrounded: rounding is for display only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from estimator import _bulk
from estimator.convert import plain_data, to_plain

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet treat a cell as a formula."""

BOM = "\ufeff"


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return neutralise("; ".join(_cell(v) for v in value))
    return neutralise(str(value))


def rows_to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> bytes:
    """CSV bytes of ``rows`` (dicts). Columns default to every key, in first-seen order."""
    rows = list(rows)
    if columns is None:
        columns = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8")


def _json_float(value: float) -> Any:
    import orjson

    return orjson.Fragment(json.dumps(value))


@_bulk.paused_gc()  # plain data holds no cycles: no collection walks a large document as it is built
def json_text(data: object) -> str:
    """The one JSON encoding of every document: ``to_plain`` (amounts as plain decimal strings,
    no float ever carrying money; dates in ISO format; settings in messages named as the Python
    API names them), two-space indents, UTF-8 text as is.

    The text is ``json.dumps(to_plain(data), indent=2, ensure_ascii=False)``, written by orjson,
    which gives the same text ten times faster (a reconciliation of 100,000 requests is 50 MB):
    floats, where the two differ (``1e-05`` against ``0.00001``), go in as ``json``'s own text.
    Anything orjson refuses (an integer beyond 64 bits, a key that is not text, a lone surrogate)
    is written by ``json``, as it always was.
    """
    import orjson

    try:
        return orjson.dumps(plain_data(data, _json_float), option=orjson.OPT_INDENT_2).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError
        pass
    plain = to_plain(data)
    return json.dumps(plain, indent=2, ensure_ascii=False)


def to_json_bytes(data: object) -> bytes:
    """``json_text`` as the bytes of a downloadable file: exactly what the CLI prints with ``--json``."""
    return (json_text(data) + "\n").encode("utf-8")


# --------------------------------------------------------------------------
# The estimate
# --------------------------------------------------------------------------

ESTIMATE_COLUMNS = (
    "mode",
    "label",
    "model",
    "provider",
    "pricing_date",
    "as_of",
    "file",
    "rows",
    "token_counts",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "input_cost_usd",
    "output_cost_usd",
    "fee_cost_usd",
    "total_cost_usd",
    "savings_vs_standard_usd",
    "worst_case_total_cost_usd",
    "explanation",
)


def estimate_rows(
    estimate: Mapping[str, Any], labels: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """One row per delivery mode from an estimate's JSON dict (``Estimate.to_json()``)."""
    labels = labels or {}
    worst = estimate.get("modes_worst_case") or {}
    out = []
    for mode, cost in estimate["modes"].items():
        out.append(
            {
                "mode": mode,
                "label": labels.get(mode, mode),
                "model": estimate.get("model"),
                "provider": estimate.get("provider"),
                "pricing_date": estimate.get("pricing_date"),
                "as_of": estimate.get("as_of"),
                "file": estimate.get("file"),
                "rows": estimate.get("rows"),
                "token_counts": estimate.get("token_counts"),
                "input_tokens": cost["input_tokens"],
                "output_tokens": cost["output_tokens"],
                "cached_input_tokens": cost["cached_input_tokens"],
                "input_cost_usd": cost["input_cost"],
                "output_cost_usd": cost["output_cost"],
                "fee_cost_usd": cost.get("fee_cost", 0),
                "total_cost_usd": cost["total_cost"],
                "savings_vs_standard_usd": cost["savings_vs_standard"],
                "worst_case_total_cost_usd": worst[mode]["total_cost"] if mode in worst else None,
                "explanation": cost.get("explanation", ""),
            }
        )
    return out


def estimate_csv(estimate: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> bytes:
    return rows_to_csv(estimate_rows(estimate, labels), ESTIMATE_COLUMNS)


def estimate_json(estimate: Mapping[str, Any]) -> bytes:
    """The same document ``estimate --json`` prints."""
    return to_json_bytes(estimate)
