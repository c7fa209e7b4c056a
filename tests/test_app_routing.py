"""Hybrid routing on the Time value tab, driven through AppTest: the numbers on screen equal
what ``python -m estimator route`` prints for the same traffic mix, model and mode parameters."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from apptest_helpers import APP_MODEL, charts, deltas, metrics, run_cli, tab, uploader, usd
from streamlit.testing.v1 import AppTest
from ticket_texts import TEXTS

from estimator.money import format_usd

ROOT = Path(__file__).resolve().parents[1]
MODE_LABELS = {"standard": "Standard", "streaming_early_exit": "Streaming + early exit", "batch": "Batch API"}


def cli_route(
    *,
    model: str = APP_MODEL,
    daily: int = 10_000,
    interactive: str = "0.3",
    waiting: str = "0.5",
    backfill: int = 100_000,
    input_tokens: str = "500",
    output_tokens: str = "200",
    days: str = "30",
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The command line's route for a traffic mix; the defaults are the app's."""
    return run_cli(
        "route",
        "--model",
        model,
        "--daily-requests",
        str(daily),
        "--interactive-share",
        interactive,
        "--batch-share",
        waiting,
        "--backfill",
        str(backfill),
        "--input-tokens-per-request",
        input_tokens,
        "--output-tokens-per-request",
        output_tokens,
        "--days-per-month",
        days,
        *extra,
    )


def route_table(at: AppTest) -> Any:
    (table,) = [d for d in tab(at, "Time value").dataframe if "Route" in d.value.columns]
    return table.value


def dataset(rows: int = 40) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "text"])
    for i in range(rows):
        w.writerow([i + 1, f"{TEXTS[i % len(TEXTS)]} (ticket {i + 1})"])
    return buf.getvalue().encode("utf-8")


def set_values(at: AppTest, **values: Any) -> None:
    for key, value in values.items():
        at.number_input(key=key).set_value(value)
    at.run()
    assert not at.exception, at.exception


def assert_matches_cli(at: AppTest, expected: dict[str, Any], days: str) -> None:
    tv = tab(at, "Time value")
    shown = metrics(tv)
    assert shown["Blended cost per month"] == usd(expected["monthly_cost"])
    assert shown["Batch saves per month"] == usd(expected["moved_savings_monthly"])
    assert shown["Blended cost per request"] == usd(expected["cost_per_request"])
    backfill = expected["backfill"]
    assert shown["One-off backfill (batch)"] == usd(backfill["batch_cost"] if backfill else "0")
    if backfill:
        assert deltas(tv)["One-off backfill (batch)"] == f"saves {usd(backfill['savings'])} vs standard"

    table = route_table(at)
    routes = expected["routes"]
    assert table["Route"].tolist() == [r["route"] for r in routes] + ["blend"]
    assert table["Mode"].tolist() == [MODE_LABELS[r["mode"]] for r in routes] + [""]
    assert table["Requests/day"].tolist() == [f"{r['requests_per_day']:,}" for r in routes] + [
        f"{sum(r['requests_per_day'] for r in routes):,}"
    ]
    assert table["Cost/month"].tolist() == [
        format_usd(Decimal(r["cost_per_day"]) * Decimal(days)) for r in routes
    ] + [usd(expected["monthly_cost"])]

    fig = charts(tv)["Monthly cost per route"]
    assert fig["layout"]["barmode"] == "stack"
    totals = {"All standard": 0.0, "Hybrid": 0.0}
    for trace in fig["data"]:
        for x, y in zip(trace["x"], trace["y"], strict=True):
            totals[x] += y or 0.0
    baseline = Decimal(expected["baseline_daily_cost"]) * Decimal(days)
    assert totals["Hybrid"] == pytest.approx(float(Decimal(expected["monthly_cost"])))
    assert totals["All standard"] == pytest.approx(float(baseline))
    assert [a["text"] for a in fig["layout"]["annotations"]] == [
        format_usd(baseline),
        usd(expected["monthly_cost"]),
    ]


def test_defaults_match_the_cli(app: AppTest) -> None:
    assert app.number_input(key="route_daily_requests").value == 10_000
    assert app.number_input(key="route_input_tokens").value == 500
    assert app.number_input(key="route_output_tokens").value == 200
    assert_matches_cli(app, cli_route(), "30")
    assert not app.error


def test_typed_mix_model_and_mode_parameters_match_the_cli(app: AppTest) -> None:
    app.selectbox(key="model").set_value("gpt-4o-mini").run()
    set_values(
        app,
        cancel_share=0.4,
        seen_fraction=0.5,
        route_daily_requests=25_000,
        route_interactive_share=0.35,
        route_batch_share=0.6,
        route_backfill=400_000,
        route_input_tokens=1_200.0,
        route_output_tokens=350.5,
        route_days_per_month=30.4,
    )
    expected = cli_route(
        model="gpt-4o-mini",
        daily=25_000,
        interactive="0.35",
        waiting="0.6",
        backfill=400_000,
        input_tokens="1200",
        output_tokens="350.5",
        days="30.4",
        extra=("--cancel-share", "0.4", "--seen-fraction", "0.5"),
    )
    # Early exit makes the streamed route cheaper than standard: the sidebar reached the routes.
    assert expected["baseline_daily_cost"] != expected["routes"][0]["cost_per_day"]
    assert_matches_cli(app, expected, "30.4")
    # Typed values stay put on later runs.
    app.run()
    assert app.number_input(key="route_input_tokens").value == 1_200.0
    assert_matches_cli(app, expected, "30.4")


def test_nothing_waits_and_no_backfill(app: AppTest) -> None:
    set_values(app, route_batch_share=0.0, route_backfill=0)
    expected = cli_route(waiting="0", backfill=0)
    assert expected["backfill"] is None
    assert_matches_cli(app, expected, "30")
    assert metrics(tab(app, "Time value"))["Batch saves per month"] == "$0.00"


def average(total: int, rows: int) -> str:
    return str((Decimal(total) / rows).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def test_a_counted_dataset_sets_the_request_size(app: AppTest, tmp_path: Path) -> None:
    data = dataset(40)
    path = tmp_path / "tickets.csv"
    path.write_bytes(data)
    uploader(app).set_value(("tickets.csv", data, "text/csv")).run()
    app.number_input(key="output_tokens").set_value(80).run()
    assert not app.exception, app.exception
    counted = run_cli("estimate", str(path), "--model", APP_MODEL, "--column", "text", "--output-tokens", "80")
    inp = average(counted["input_tokens"], counted["rows"])
    assert app.number_input(key="route_input_tokens").value == float(inp)
    assert app.number_input(key="route_output_tokens").value == 80.0
    assert any("tickets.csv" in c.value for c in tab(app, "Time value").caption)
    assert_matches_cli(app, cli_route(input_tokens=inp, output_tokens="80"), "30")

    # A new output estimate on the Estimate tab gives new defaults.
    app.number_input(key="output_tokens").set_value(120).run()
    assert app.number_input(key="route_output_tokens").value == 120.0
    # Without an output estimate the typed-in default stands for the output.
    app.selectbox(key="output_kind").set_value("none").run()
    assert app.number_input(key="route_input_tokens").value == float(inp)
    assert app.number_input(key="route_output_tokens").value == 200.0
    assert any("not estimated" in c.value for c in tab(app, "Time value").caption)
    assert not app.error
