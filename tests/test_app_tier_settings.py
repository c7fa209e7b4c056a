"""The tier settings on the Time value tab drive the answer strip on the Estimate tab."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from apptest_helpers import APP_MODEL, metrics, run_cli, start_app, tab, usd
from streamlit.testing.v1 import AppTest
from test_app import dataset, upload_and_save

from estimator.formats import format_hours
from estimator.ui.common import way_label

PLAN = ("--model", APP_MODEL, "--column", "text", "--output-tokens", "50", "--limits", "openai-tier-3",
        "--value-per-hour", "50")


def _strip(at: AppTest) -> dict[str, str]:
    return metrics(tab(at, "Estimate"))


def _same(at: AppTest, decision: dict[str, str]) -> None:
    shown = _strip(at)
    assert shown["Recommended"] == way_label(decision["recommended"])
    assert shown["Cost"] == usd(decision["cost"])
    assert shown["Time to finish"] == format_hours(Decimal(decision["worst_case_hours"]))


def test_tier_widgets_change_the_strip_to_the_librarys_figures(tmp_path: Path) -> None:
    at = start_app()
    path = upload_and_save(at, tmp_path, dataset())
    at.number_input(key="output_tokens").set_value(50).run()
    at.segmented_control(key="strip_when").set_value("value").run()
    at.number_input(key="strip_value_per_hour").set_value(50.0).run()
    assert not at.exception, at.exception
    before = run_cli("plan", str(path), *PLAN)["decision"]
    _same(at, before)

    # No priority access: the strip recommends what the library recommends without it.
    at.multiselect(key="tier_excluded").set_value(["priority"]).run()
    assert not at.exception, at.exception
    after = run_cli("plan", str(path), *PLAN, "--exclude-tier", "priority")["decision"]
    assert "priority" not in {w["name"] for w in after["ways"]}
    _same(at, after)

    # Waiting is free and a tenth cannot wait: the split (the tenth now, the rest by batch or flex) is the
    # cheapest; without splits, batch alone is out (a tenth cannot wait).
    at.number_input(key="strip_value_per_hour").set_value(0.0).run()
    at.number_input(key="tier_urgent_share").set_value(0.1).run()
    assert not at.exception, at.exception
    free = ("--exclude-tier", "priority", "--urgent-share", "0.1", "--value-per-hour", "0")
    split = run_cli("plan", str(path), *PLAN, *free)["decision"]
    assert " + " in split["recommended"]
    _same(at, split)
    at.toggle(key="tier_splits").set_value(False).run()
    assert not at.exception, at.exception
    whole = run_cli("plan", str(path), *PLAN, *free, "--no-splits")["decision"]
    assert " + " not in whole["recommended"] and whole["recommended"] != "batch"
    _same(at, whole)
