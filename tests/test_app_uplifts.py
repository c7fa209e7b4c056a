"""The app's "Surcharges (uplifts)" setting prices as the command line's --uplift, and refuses as it does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from apptest_helpers import errors, metrics, run_cli, start_app, tab, upload, usd
from test_app import dataset


def test_the_surcharge_setting_matches_the_cli(tmp_path: Path) -> None:
    at = start_app()
    data = dataset()
    path = tmp_path / "tickets.csv"
    path.write_bytes(data)
    upload(at, "tickets.csv", data)
    at.selectbox(key="provider").set_value("anthropic").run()
    at.selectbox(key="model").set_value("claude-opus-4-8").run()
    at.date_input(key="pricing_date").set_value(dt.date(2026, 12, 5)).run()
    at.number_input(key="output_tokens").set_value(50).run()
    at.multiselect(key="uplifts").set_value(["us_inference"]).run()
    assert not at.exception, at.exception
    expected = run_cli("estimate", str(path), "--model", "claude-opus-4-8", "--column", "text", "--output-tokens",
                       "50", "--as-of", "2026-12-05", "--uplift", "us_inference")
    assert metrics(tab(at, "Estimate"))["Standard"] == usd(expected["modes"]["standard"]["total_cost"])

    # A model that rejects the option: an error with the reason, in the app's words.
    at.selectbox(key="model").set_value("claude-opus-4-5-20251101").run()
    assert not at.exception, at.exception
    assert any("does not offer US-only inference" in e for e in errors(at))
