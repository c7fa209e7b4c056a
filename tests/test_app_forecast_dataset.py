"""The Forecast tab starts from the uploaded dataset: its tokens per request, run on a schedule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from apptest_helpers import APP_MODEL, metrics, run_cli, start_app, tab, usd
from test_app import dataset, upload_and_save

from estimator import estimate
from estimator.planning import size_from
from estimator.ui.forecast_job import tokens_text


def test_forecast_uses_the_uploaded_datasets_tokens_per_request(tmp_path: Path) -> None:
    at = start_app()
    path = upload_and_save(at, tmp_path, dataset())
    at.number_input(key="output_tokens").set_value(50).run()
    at.date_input(key="fc_start").set_value(dt.date(2026, 6, 1)).run()
    assert not at.exception, at.exception

    size = size_from(estimate(path, model=APP_MODEL, column="text", output_tokens=50))
    fc = tab(at, "Forecast")
    shown = metrics(fc)
    assert shown["Input tokens per request"] == tokens_text(size.input_decimal)
    assert shown["Output tokens per request"] == "50"
    assert size.input_decimal != 500  # not the typed-in default

    # The whole forecast is the command line's for the same file, run monthly.
    common = ("--model", APP_MODEL, "--months", "12", "--start", "2026-06", "--budget", "1000",
              "--growth-pct", "5", "--hybrid-batch-share", "0.5", "--hybrid-interactive-share", "0.2")
    expected = run_cli("forecast", str(path), "--column", "text", "--output-tokens", "50",
                       "--schedule", "monthly", *common)
    for plan in expected["plans"]:
        assert shown[f"{plan['name']}: 12 months"] == usd(plan["total_cost"])
    table = fc.dataframe[0].value
    assert table["Requests"].tolist()[0] == "40"

    # Once: every row in the first month only.
    at.selectbox(key="fc_schedule").set_value("once").run()
    assert not at.exception, at.exception
    once = run_cli("forecast", str(path), "--column", "text", "--output-tokens", "50", "--schedule", "once", *common)
    shown = metrics(tab(at, "Forecast"))
    for plan in once["plans"]:
        assert shown[f"{plan['name']}: 12 months"] == usd(plan["total_cost"])

    # The toggle off: typed-in sizes, as without a dataset.
    at.toggle(key="fc_use_dataset").set_value(False).run()
    assert not at.exception, at.exception
    fc = tab(at, "Forecast")
    assert "Input tokens per request" not in metrics(fc)
    typed = run_cli("forecast", "--requests-per-day", "10000", "--input-tokens-per-request", "500",
                    "--output-tokens-per-request", "200", *common)
    shown = metrics(fc)
    for plan in typed["plans"]:
        assert shown[f"{plan['name']}: 12 months"] == usd(plan["total_cost"])
