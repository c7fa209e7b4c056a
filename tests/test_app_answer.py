"""The Estimate tab leads with the answer: no pick until the stakes are said, then the recommended way,
its cost, time, what it beat and what it rests on; the Time value tab tells the same story."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from apptest_helpers import APP_MODEL, charts, metrics, run_cli, start_app, tab, usd
from test_app import dataset, upload_and_save

from estimator.formats import compact_count, format_hours
from estimator.ui.common import way_label

PLAN = ("--model", APP_MODEL, "--column", "text", "--output-tokens", "50", "--limits", "openai-tier-3")


def test_no_pick_until_the_stakes_are_said_then_the_plans_figures(tmp_path: Path) -> None:
    at = start_app()
    path = upload_and_save(at, tmp_path, dataset())
    at.number_input(key="output_tokens").set_value(50).run()
    assert not at.exception, at.exception

    # Nothing said yet: the cheapest, the fastest and standard, each with its price; no recommendation.
    assumed = run_cli("plan", str(path), *PLAN)["decision"]
    assert assumed["assumed_value_per_hour"] is True
    est = tab(at, "Estimate")
    shown = metrics(est)
    assert "Recommended" not in shown
    for point in assumed["frontier"]:
        label = " and ".join(point["roles"])
        assert shown[label[:1].upper() + label[1:]] == usd(point["cost"])
    assert not [s for s in tab(at, "Time value").success]  # no recommendation there either
    fig = charts(est)["Cost against time to finish"]
    assert fig["layout"]["xaxis"]["type"] == "log"
    names = {t["meta"] for t in fig["data"] if t.get("mode") == "markers"}
    assert names == {w["name"] for w in assumed["ways"]}

    # "Tomorrow": the cheapest way that finishes within 24 hours, with what it beat and what it rests on.
    at.segmented_control(key="strip_when").set_value("tomorrow").run()
    assert not at.exception, at.exception
    d = run_cli("plan", str(path), *PLAN, "--deadline-hours", "24")["decision"]
    shown = metrics(tab(at, "Estimate"))
    assert shown["Recommended"] == way_label(d["recommended"])
    assert shown["Cost"] == usd(d["cost"])
    assert shown["Time to finish"] == format_hours(Decimal(d["worst_case_hours"]))
    rows = d["batch"]["break_even_rows"]
    assert shown["Batch pays from"] == (
        f"none up to {compact_count(d['batch']['searched_up_to_rows'])} rows" if rows is None
        else "the first row" if rows == 0 else f"{compact_count(rows)} rows")
    est = tab(at, "Estimate")
    assert any(m.value == f"{d['reason']} {d['versus']}" for m in est.markdown)
    assert d["versus"].startswith("It beat ")
    assert any(c.value == f"Rests on: {d['assumption']}." for c in est.caption)
    # The same stakes and the same plan on the Time value tab.
    assert at.segmented_control(key="tv_when").value == "tomorrow"
    (box,) = [s.value for s in tab(at, "Time value").success]
    assert box == f"**{way_label(d['recommended'])}.** {d['reason']} {d['versus']}"
    assert metrics(tab(at, "Time value"))["Batch pays from"] == shown["Batch pays from"]
