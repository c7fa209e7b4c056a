"""Time to finish per mode, the time-value decision, and hybrid routing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_tables import GPT4O_LAUNCH, model_entry, parse, price_entry, provider_toml

from estimator.batch.logistics import QueueLimit, plan_uniform
from estimator.errors import UsageError
from estimator.formats import format_hours
from estimator.modes import EarlyExitParams, ModeParams
from estimator.planning import JobPlan, PlanOptions, RateLimits, Throughput, TrafficMix, rate_limit_example, route_traffic
from estimator.planning.decision import DEFAULT_VALUE_PER_HOUR
from estimator.planning.job import plan_job
from estimator.planning.limits import RATE_LIMIT_EXAMPLES
from estimator.planning.times import job_times, standard_time
from estimator.pricing import Price, PricedModel
from estimator.usage import RequestSize, Usage

PROVIDER = parse(
    provider_toml(
        model_entry("flat-15", "Every token at $15", price_entry("2024-05-13", 15, 15)),
        GPT4O_LAUNCH,
    )
)


def price(model: str) -> Price:
    return next(m for m in PROVIDER.models if m.id == model).price_on(dt.date(2025, 1, 1))


FLAT = price("flat-15")
GPT4O = price("gpt-4o")


# --------------------------------------------------------------------------
# Rate limits and time to finish
# --------------------------------------------------------------------------


def test_rate_limit_examples_are_sourced() -> None:
    keys = [ex.key for ex in RATE_LIMIT_EXAMPLES]
    assert len(keys) == len(set(keys))
    assert {"openai-tier-1", "openai-tier-5", "anthropic-tier-1", "anthropic-tier-4"} <= set(keys)
    for ex in RATE_LIMIT_EXAMPLES:
        assert ex.source.startswith("https://")
        assert ex.batch_queue_tokens or ex.batch_queue_requests
    t1 = rate_limit_example("openai-tier-1")
    assert (t1.limits.rpm, t1.limits.tpm, t1.batch_queue_tokens) == (500, 30_000, 90_000)
    with pytest.raises(UsageError, match="openai-tier-1"):
        rate_limit_example("openai-tier-9")


@pytest.mark.parametrize(
    ("limits", "throughput", "rate", "bottleneck"),
    [
        # OpenAI Tier 1: 800 + 200 tokens a request under 30,000 TPM = 30/min, far below 500 RPM.
        pytest.param(RateLimits(rpm=500, tpm=30_000), Throughput(), Fraction(30), "tpm", id="openai-tier1-tpm"),
        pytest.param(RateLimits(rpm=500, tpm=30_000_000), Throughput(), Fraction(300), "concurrency",
                     id="concurrency"),  # 50 in flight × 60 / 10 s
        pytest.param(RateLimits(rpm=100, tpm=30_000_000), Throughput(), Fraction(100), "rpm", id="rpm"),
        # max_tokens 4,000 counts instead of the 200 expected: 800 + 4,000 = 4,800 tokens a request.
        pytest.param(RateLimits(tpm=48_000), Throughput(max_tokens=4_000), Fraction(10), "tpm", id="max-tokens"),
        # Gemini counts input only: 2,000,000 / 800.
        pytest.param(RateLimits(tpm=2_000_000, tpm_counts="input"), Throughput(concurrency=10_000),
                     Fraction(2_500), "tpm", id="input-only"),
        # Anthropic: ITPM 30,000 / 800 = 37.5; OTPM 8,000 / 200 = 40.
        pytest.param(RateLimits(rpm=50, input_tpm=30_000, output_tpm=8_000), Throughput(), Fraction(75, 2),
                     "input_tpm", id="anthropic-itpm"),
    ],
)
def test_throughput(limits: RateLimits, throughput: Throughput, rate: Fraction, bottleneck: str) -> None:
    usage = Usage(3_000, 3_000 * 800, 3_000 * 200)
    t = standard_time(usage, limits, throughput)
    assert t.bottleneck == bottleneck
    assert t.requests_per_minute == Decimal(rate.numerator) / Decimal(rate.denominator)
    assert t.hours == Decimal(3_000) / (Decimal(rate.numerator) / Decimal(rate.denominator)) / 60


def test_standard_time_exact_hours() -> None:
    # 30,000 requests at 500 RPM = 60 minutes.
    t = standard_time(Usage(30_000, 30_000, 30_000), RateLimits(rpm=500), Throughput(concurrency=10_000))
    assert t.hours == 1
    assert "500 requests/min" in t.explanation and "requests per minute" in t.explanation


def test_streaming_takes_as_long_as_standard_and_batch_comes_from_the_plan() -> None:
    usage = Usage(100_000, 100_000_000, 20_000_000)
    plan = plan_uniform("gpt-4o", 100_000, line_bytes=4_000, input_tokens_per_request=1_000,
                        rule=GPT4O.batch_rule, queue=QueueLimit(enqueued_tokens=50_000_000))
    times = job_times(usage, rate_limit_example("openai-tier-3").limits, Throughput(), plan)
    assert times.streaming_early_exit.hours == times.standard.hours
    assert times.batch is not None
    assert plan.waves == 2
    assert (times.batch.worst_case_hours, times.batch.hours) == (Decimal(48), Decimal(12))
    assert set(times.as_mapping()) == {"standard", "streaming_early_exit", "batch"}


def test_throughput_validation() -> None:
    with pytest.raises(UsageError):
        Throughput(concurrency=0)
    with pytest.raises(UsageError):
        Throughput(latency_seconds=Decimal(0))
    with pytest.raises(UsageError):
        RateLimits(tpm_counts="output")


def test_zero_requests_take_no_time() -> None:
    assert standard_time(Usage(0, 0, 0), RateLimits(rpm=10)).hours == 0


@pytest.mark.parametrize(
    ("hours", "text"),
    [(Decimal(24), "24 h"), (Decimal("0.5"), "30.0 min"), (Decimal("2.75"), "2.8 h"), (Decimal(72), "72 h (3.0 days)")],
)
def test_format_hours(hours: Decimal, text: str) -> None:
    assert format_hours(hours) == text


# --------------------------------------------------------------------------
# The decision: the classic illustration, exactly
# --------------------------------------------------------------------------

FLAT_MODEL = next(m for m in PROVIDER.models if m.id == "flat-15")
INSTANT = PlanOptions(limits=RateLimits(rpm=10**12), throughput=Throughput(concurrency=10**12))
"""Limits no job reaches: standard takes (almost) no time, so batch's wait is its 24 h window."""


def classic(rows: int) -> Usage:
    """``rows`` rows of 1,000 tokens, every token at $15 per million (output-only here)."""
    return Usage(rows, 0, rows * 1_000)


def classic_plan(rows: int, options: PlanOptions = INSTANT) -> JobPlan:
    priced = PricedModel(FLAT_MODEL, FLAT, dt.date(2025, 1, 1))
    return plan_job(classic(rows), priced, options)


@pytest.mark.parametrize(
    ("rows", "savings", "recommendation"),
    [
        pytest.param(1_000, Decimal("7.50"), "standard", id="saving-7.50-not-worth-24h"),
        pytest.param(1_000_000, Decimal(7500), "batch", id="saving-7500-worth-24h"),
    ],
)
def test_classic_illustration(rows: int, savings: Decimal, recommendation: str) -> None:
    d = classic_plan(rows).decision
    assert d.recommendation == recommendation
    assert d.value_per_hour == DEFAULT_VALUE_PER_HOUR == 50 and d.assumed_value
    assert "worth $50.00 (an assumption" in d.assumption
    bt = d.batch
    assert bt is not None
    assert bt.savings == savings
    assert bt.wait_hours.quantize(Decimal("0.001")) == 24
    assert bt.break_even_rows == 160_000  # $1,200 / $0.0075 saved per row
    assert bt.net_benefit is not None and bt.net_benefit.quantize(Decimal("0.01")) == savings - 1_200
    if recommendation == "batch":
        assert d.reason == "Batch: $7,500.00 in 24 h; standard would finish 24.0 h sooner for $7,500.00 more."
    else:
        assert d.reason == ("Standard: $15.00 in < 0.1 min; batch would save $7.50, but the 24.0 h more "
                            "waiting is worth $1,200.00.")


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(min_value=1, max_value=2_000_000))
def test_break_even_separates_the_winners(rows: int) -> None:
    assert classic_plan(rows).decision.recommendation == ("batch" if rows >= 160_000 else "standard")


def test_a_given_value_of_an_hour_is_not_an_assumption() -> None:
    d = classic_plan(1_000, replace(INSTANT, value_per_hour=Decimal("0.25"))).decision
    assert not d.assumed_value and d.assumption.startswith("an hour of waiting is worth $0.25")
    assert d.recommendation == "batch"  # 24 h at $0.25 = $6 < $7.50 saved


def test_deadline_rules_out_batch() -> None:
    slow = replace(INSTANT, limits=RateLimits(rpm=10_000), value_per_hour=Decimal(1), deadline_hours=Decimal(12))
    d = classic_plan(1_000_000, slow).decision  # standard: 100 minutes; batch: 24 h
    assert d.recommendation == "standard" and d.meets_deadline
    assert d.batch is not None and d.batch.batch_meets_deadline is False and d.batch.standard_meets_deadline is True
    assert "batch would save $7,500.00, but it misses the deadline" in d.reason
    late = replace(INSTANT, limits=RateLimits(rpm=100), deadline_hours=Decimal(12))
    both = classic_plan(1_000_000, late).decision  # standard: 166.7 h; batch: 24 h
    assert both.recommendation == "batch" and both.meets_deadline is False
    assert both.reason.startswith("Nothing meets the 12 h deadline; the fastest is Batch")


def test_deadline_alone_ignores_the_value_of_time() -> None:
    d = classic_plan(1_000, replace(INSTANT, deadline_hours=Decimal(48))).decision
    assert d.value_per_hour is None and not d.assumed_value
    assert d.batch is not None and d.batch.wait_cost is None and d.batch.net_benefit is None
    assert d.recommendation == "batch"
    assert d.assumption.startswith("results are needed within 48 h")


def test_interactive_means_streamed() -> None:
    d = classic_plan(1_000_000, replace(INSTANT, interactive=True)).decision
    assert d.recommendation == "streaming_early_exit"
    assert {w.name for w in d.ways} == {"streaming_early_exit"}  # no batch, no queued standard requests
    assert d.batch is None


def test_early_exit_makes_streaming_the_cheaper_immediate_way() -> None:
    params = ModeParams(early_exit=EarlyExitParams(cancel_share=Decimal("0.5"), seen_fraction=Decimal("0.5")))
    d = classic_plan(1_000, replace(INSTANT, modes=params)).decision
    assert d.recommendation == "streaming_early_exit"
    assert d.recommended.cost == Decimal("11.25")  # half the streams stop halfway: 3/4 of $15


def test_a_split_when_part_is_urgent() -> None:
    d = classic_plan(1_000_000, replace(INSTANT, urgent_share=Decimal("0.2"))).decision
    assert d.recommendation == "standard 200,000 + batch 800,000"
    assert d.recommended.cost == Decimal(3_000) + Decimal(6_000)
    small = classic_plan(1_000, replace(INSTANT, urgent_share=Decimal("0.2"))).decision
    assert small.recommendation == "standard"


def test_the_wait_basis_decides_how_long_batch_takes() -> None:
    worst = classic_plan(1_000_000).decision
    assert worst.wait_basis == "worst" and worst.recommended.wait_hours("worst") == 24
    typical = classic_plan(1_000_000, replace(INSTANT, wait_basis="typical")).decision
    assert typical.batch is not None and typical.batch.wait_hours.quantize(Decimal("0.01")) == 6


def test_plan_validation() -> None:
    with pytest.raises(UsageError):
        PlanOptions(urgent_share=Decimal(2))
    with pytest.raises(UsageError):
        PlanOptions(wait_basis="best")
    with pytest.raises(UsageError):
        PlanOptions(value_per_hour=Decimal(-1))


# --------------------------------------------------------------------------


def test_request_size_is_exact() -> None:
    flat = price("gpt-4o")  # no long-context tiers
    size = RequestSize.of(Usage(3, 2, 1))
    assert size.usage(3, flat) == Usage(3, 2, 1)
    assert size.usage(6, flat) == Usage(6, 4, 2)
    assert RequestSize.per_request("812.5", 100).usage(2, flat) == Usage(2, 1_625, 200)
    with pytest.raises(UsageError):
        RequestSize.per_request(-1, 0)


# --------------------------------------------------------------------------
# Hybrid routing
# --------------------------------------------------------------------------


def test_route_traffic() -> None:
    # 10,000 requests a day of 1,000 input + 200 output tokens at $5 / $15:
    # one request costs $0.005 + $0.003 = $0.008 standard, $0.004 batch.
    size = RequestSize.per_request(1_000, 200)
    mix = TrafficMix(daily_requests=10_000, interactive_share=Decimal("0.3"), batch_share=Decimal("0.5"),
                     backfill_requests=500_000)
    plan = route_traffic(mix, size, GPT4O)
    assert [(r.mode, r.requests, r.cost) for r in plan.routes] == [
        ("streaming_early_exit", 3_000, Decimal(24)),
        ("standard", 3_500, Decimal(28)),
        ("batch", 3_500, Decimal(14)),
    ]
    assert plan.daily_cost == Decimal(66)
    assert plan.monthly_cost == Decimal(1_980)
    assert plan.baseline_daily_cost == Decimal(80)
    assert plan.moved_savings_daily == Decimal(14)
    assert plan.moved_savings_monthly == Decimal(420)
    assert plan.all_moved_savings_monthly == Decimal(840)
    assert plan.backfill is not None and plan.backfill.cost == Decimal(2_000)
    assert plan.backfill_savings == Decimal(2_000)
    assert plan.cost_per_request == Decimal("0.0066")


def test_route_traffic_validation() -> None:
    with pytest.raises(UsageError):
        TrafficMix(daily_requests=10, interactive_share=Decimal("1.5"))
    with pytest.raises(UsageError):
        TrafficMix(daily_requests=-1, interactive_share=Decimal("0.5"))
    empty = route_traffic(TrafficMix(0, Decimal(0)), RequestSize.per_request(1, 1), GPT4O)
    assert empty.daily_cost == 0 and empty.cost_per_request == 0 and empty.backfill is None


def test_with_only_a_deadline_the_cheapest_way_that_meets_it_is_chosen() -> None:
    from click.testing import CliRunner

    from estimator.cli import main

    result = CliRunner().invoke(main, ["plan", "--model", "gpt-4o", "--rows", "100000", "--input-tokens-per-row",
                                       "500", "--output-tokens-per-row", "200", "--deadline-hours", "48",
                                       "--as-of", "2026-12-05", "--json"])
    assert result.exit_code == 0, result.output
    import json

    d = json.loads(result.stdout)["decision"]
    # 100,000 × (500 × $2.50 + 200 × $10) / 1M = $325 standard; batch half: saves $162.50; flex costs the same.
    assert d["batch"]["savings"] == "162.50" and d["meets_deadline"] is True
    assert d["recommended"] in ("batch", "flex") and d["cost"] == "162.50"
    assert d["assumption"].startswith("results are needed within 48 h (2.0 days)")
