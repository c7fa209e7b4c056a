"""The Pilot tab shows what ``estimator.pilot`` says, nothing of its own."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from apptest_helpers import metrics, start_app, tab

import estimator
from estimator.money import format_usd


def _csv(rows: int = 120) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["text", "task"])
    for i in range(rows):
        w.writerow([" ".join(["word"] * (3 + i % 40)), ("qa", "summary")[i % 2]])
    return buf.getvalue().encode()


def test_pilot_tab_shows_the_library_round(tmp_path: Path) -> None:
    at = start_app()
    at.file_uploader(key="pilot_data").set_value(("data.csv", _csv(), "text/csv")).run()
    at.text_input(key="pilot_column").set_value("text").run()
    assert not at.exception, at.exception
    shown = metrics(tab(at, "Pilot"))
    (tmp_path / "data.csv").write_bytes(_csv())
    model = at.selectbox(key="model").value
    day = at.date_input(key="pricing_date").value
    expected = estimator.pilot(tmp_path / "data.csv", None, model=model, column="text", as_of=day)
    assert shown["Rows run / next"] == f"0 / {expected.rows_next:,}"
    assert shown["Expected job cost"] == format_usd(expected.expected_cost)
