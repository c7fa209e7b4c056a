"""The tier settings from the command line: flex latency and refusals, splits, tiers left out;
and early exit only where streaming exists."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

from estimator import JobSize, PlanOptions, load_pricebook, plan
from estimator.cli import main
from estimator.cli.base import describe_error
from estimator.errors import UsageError
from estimator.modes import EarlyExitParams, ModeParams, compare
from estimator.planning import Throughput, TierParams
from estimator.usage import Usage

BOOK = load_pricebook()

# gpt-5.4: $2.50 in, $15 out a million tokens; flex half. 1,000 rows of 1,000 + 100 tokens:
# standard 2.50 + 1.50 = $4.00, flex and batch $2.00. No rate limits: 10 requests in flight of
# 5 s each, so standard takes 1,000 × 5 / 10 s = 500 s; flex, half as fast by default, 1,000 s.
JOB = ["plan", "-m", "gpt-5.4", "--rows", "1000", "--input-tokens-per-row", "1000",
       "--output-tokens-per-row", "100", "--concurrency", "10", "--latency", "5", "--json"]


def _tiers(*extra: str) -> dict[str, Any]:
    res = CliRunner().invoke(main, [*JOB, *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)["decision"]


def _hours(way: dict[str, Any]) -> Decimal:
    """Hours to 20 places: the division by 1 - share rounds the last of Decimal's 28 digits."""
    return Decimal(way["hours"]).quantize(Decimal("1e-20"))


def _h(seconds: int) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(Decimal("1e-20"))


def _way(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(w for w in doc["ways"] if w["name"] == name)


def test_flex_latency_and_refusals_set_flex_time_by_hand() -> None:
    default = _way(_tiers(), "flex")
    assert Decimal(default["cost"]) == Decimal("2.00")
    assert _hours(default) == _h(1_000)
    # 60 s a request: 1,000 × 60 / 10 = 6,000 s; half refused and retried: twice that.
    slow = _way(_tiers("--flex-latency", "60"), "flex")
    assert _hours(slow) == _h(6_000)
    refused = _way(_tiers("--flex-latency", "60", "--flex-refused-share", "0.5"), "flex")
    assert _hours(refused) == _h(12_000)
    assert Decimal(refused["cost"]) == Decimal("2.00")  # refusals are not charged


def test_flex_latency_changes_the_recommendation() -> None:
    # At $1 an hour: flex 2.00 + 1,000/3,600 ≈ $2.28 beats standard 4.00 + 0.14 and batch 2.00 + 24.
    assert _tiers("--value-per-hour", "1")["recommended"] == "flex"
    # At an hour a request flex takes 100 h: 2 + 100 > standard's $4.14.
    slow = _tiers("--value-per-hour", "1", "--flex-latency", "3600")
    assert Decimal(_way(slow, "flex")["hours"]) == 100
    assert slow["recommended"] == "standard"


def test_excluded_tiers_are_left_out_and_said() -> None:
    # At $50 an hour priority ($8.00, 200 s) beats standard: 8 + 50 × 200/3,600 = 10.78 < 4 + 6.94.
    assert _tiers()["recommended"] == "priority"
    doc = _tiers("--exclude-tier", "priority", "--exclude-tier", "flex")
    assert {w["name"] for w in doc["ways"]} == {"standard", "streaming_early_exit", "batch"}
    assert doc["recommended"] == "standard"
    assert doc["unavailable"]["priority"] == doc["unavailable"]["flex"] == "left out in the settings"


def test_splits_only_when_asked() -> None:
    # 10% cannot wait: 100 requests by a fast tier, 900 by batch or flex.
    split = _tiers("--urgent-share", "0.1")
    names = {w["name"] for w in split["ways"]}
    assert "standard 100 + flex 900" in names and "priority 100 + batch 900" in names
    # standard 100 + flex 900: 0.1 × 4.00 + 0.9 × 2.00 = $2.20.
    assert Decimal(_way(split, "standard 100 + flex 900")["cost"]) == Decimal("2.20")
    plain = _tiers("--urgent-share", "0.1", "--no-splits")
    assert not any(" + " in w["name"] for w in plain["ways"])


@pytest.mark.parametrize(("args", "flag"), [
    (["--flex-refused-share", "1"], "--flex-refused-share"),
    (["--flex-latency", "0"], "--flex-latency"),
    (["--exclude-tier", "standard"], "--exclude-tier"),
])
def test_bad_tier_settings_name_their_flag(args: list[str], flag: str) -> None:
    res = CliRunner().invoke(main, [*JOB, *args])
    assert res.exit_code != 0
    assert flag in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize(("kwargs", "flag"), [
    ({"flex_latency_seconds": Decimal(0)}, "--flex-latency"),
    ({"excluded_tiers": ("batch",)}, "--exclude-tier"),
])
def test_library_errors_about_tiers_are_worded_with_the_flag(kwargs: dict[str, Any], flag: str) -> None:
    with pytest.raises(UsageError) as exc:
        TierParams(**kwargs)
    assert describe_error(exc.value).startswith(flag)


def test_python_api_takes_the_same_settings() -> None:
    options = PlanOptions(throughput=Throughput(concurrency=10, latency_seconds=Decimal(5)),
                          tiers=TierParams(flex_latency_seconds=Decimal(60), flex_refused_share=Decimal("0.5")))
    p = plan(model="gpt-5.4", size=JobSize(1000, Decimal(1000), Decimal(100)), options=options)
    flex = next(w for w in p.decision.ways if w.name == "flex")
    assert flex.hours.quantize(Decimal("1e-20")) == _h(12_000)


# --------------------------------------------------------------------------
# Early exit only where streaming exists
# --------------------------------------------------------------------------

EARLY = ModeParams(early_exit=EarlyExitParams(Decimal("0.8"), Decimal("0.3"), 10))


@pytest.mark.parametrize("model", ["gpt-5.4", "gpt-4o", "claude-opus-4-6", "gemini-2.5-pro"])
def test_early_exit_never_lowers_batch_or_other_tiers(model: str) -> None:
    price = BOOK.price(model, dt.date(2026, 12, 5))
    usage = Usage(1_000, 800_000, 300_000, output_per_request=((100, 500), (500, 500)))
    full = compare(usage, price)
    cut = compare(usage, price, EARLY)
    # Streaming exists on the standard tier: early exit bills less output there ...
    assert cut.modes["streaming_early_exit"].output_tokens < usage.output_tokens
    assert cut.modes["streaming_early_exit"].total_cost < full.modes["streaming_early_exit"].total_cost
    # ... and nowhere else: a batch has no stream to cancel; the other tiers are priced on full answers.
    assert cut.modes.keys() == full.modes.keys()
    for name in cut.modes.keys() - {"streaming_early_exit"}:
        assert cut.modes[name].output_tokens == usage.output_tokens, name
        assert cut.modes[name].total_cost == full.modes[name].total_cost, name


def test_early_exit_never_reaches_the_batch_way_of_a_plan() -> None:
    size = JobSize(10_000, Decimal(800), Decimal(300))
    plain = plan(model="gpt-5.4", size=size, options=PlanOptions(urgent_share=Decimal("0.1")))
    early = plan(model="gpt-5.4", size=size, options=PlanOptions(urgent_share=Decimal("0.1"), modes=EARLY))
    before = {w.name: w.cost for w in plain.decision.ways}
    after = {w.name: w.cost for w in early.decision.ways}
    assert after["streaming_early_exit"] < before["streaming_early_exit"]
    for name in before.keys() - {"streaming_early_exit"}:
        assert after[name] == before[name], name  # batch, flex, priority and every split: full answers
