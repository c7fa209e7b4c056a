"""The Estimate tab leads with the answer: the recommended way, its cost, time and break-even."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from apptest_helpers import charts, metrics, run_cli, start_app, tab, upload, usd
from test_app import dataset

from estimator.formats import format_hours


def test_answer_strip_and_tradeoff_chart_show_the_plans_figures(tmp_path: Path) -> None:
    at = start_app()
    data = dataset()
    path = tmp_path / "tickets.csv"
    path.write_bytes(data)
    upload(at, "tickets.csv", data)
    at.number_input(key="output_tokens").set_value(50).run()
    assert not at.exception, at.exception
    # The app's defaults: OpenAI Tier 3 example limits, $50 an hour, worst-case batch wait.
    plan = run_cli("plan", str(path), "--model", "gpt-4o", "--column", "text", "--output-tokens", "50",
                   "--limits", "openai-tier-3", "--value-per-hour", "50")
    tiers = plan["decision"]
    est = tab(at, "Estimate")
    shown = metrics(est)
    assert shown["Recommended"] == tiers["recommended"]
    assert shown["Cost"] == usd(tiers["cost"])
    assert shown["Time to finish"] == format_hours(Decimal(tiers["worst_case_hours"]))
    be = tiers["break_even"]
    assert shown["Break-even"] == (f"{be['rows']:,} rows" if be else f"none up to {tiers['searched_up_to_rows']:,} rows")
    assert any(tiers["reason"] == m.value for m in est.markdown)
    fig = charts(est)["Every way to run this job: cost against time to finish"]
    assert fig["layout"]["xaxis"]["type"] == "log"
    names = {t["name"] for t in fig["data"] if t.get("mode") == "markers+text"}
    assert names == {w["name"] for w in tiers["ways"]}
