"""Time to finish per mode, the time-value decision, and hybrid routing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_tables import GPT4O_LAUNCH, model_entry, parse, price_entry, provider_toml

from estimator.batch.logistics import QueueLimit, plan_uniform
from estimator.errors import UsageError
from estimator.modes import EarlyExitParams, ModeParams, compare
from estimator.planning.decision import (
    DEFAULT_VALUE_PER_HOUR,
    RATE_LIMIT_EXAMPLES,
    RateLimits,
    Throughput,
    TrafficMix,
    decide,
    decide_for_job,
    format_hours,
    job_times,
    rate_limit_example,
    route_traffic,
    standard_time,
)
from estimator.pricing import Price
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
# The time-value decision: the classic illustration, exactly
# --------------------------------------------------------------------------


def classic(rows: int) -> Usage:
    """``rows`` rows of 1,000 tokens, every token at $15 per million (output-only here)."""
    return Usage(rows, 0, rows * 1_000)


@pytest.mark.parametrize(
    ("rows", "savings", "recommendation"),
    [
        pytest.param(1_000, Decimal("7.50"), "standard", id="saving-7.50-not-worth-24h"),
        pytest.param(1_000_000, Decimal(7500), "batch", id="saving-7500-worth-24h"),
    ],
)
def test_classic_illustration(rows: int, savings: Decimal, recommendation: str) -> None:
    cmp = compare(classic(rows), FLAT)
    d = decide(cmp, standard_hours=Decimal(0), batch_hours=Decimal(24))
    assert d.batch_savings == savings
    assert d.value_per_hour == DEFAULT_VALUE_PER_HOUR == 50
    assert d.wait_hours == 24
    assert d.wait_cost == Decimal(1_200)
    assert d.break_even_rows == Decimal(160_000)  # $1,200 / $0.0075 saved per row
    assert d.recommendation == recommendation
    assert d.net_benefit_of_batch == savings - 1_200
    if recommendation == "batch":
        assert d.reason == "Batch saves $7,500.00, more than the $1,200.00 that 24 h of waiting costs at $50.00/hour."
    else:
        assert d.reason == ("Batch saves only $7.50, not more than the $1,200.00 that 24 h of waiting costs at "
                            "$50.00/hour, so send the requests now as standard requests.")


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(min_value=1, max_value=2_000_000))
def test_break_even_separates_the_winners(rows: int) -> None:
    d = decide(compare(classic(rows), FLAT), standard_hours=Decimal(0), batch_hours=Decimal(24))
    assert d.recommendation == ("batch" if rows > 160_000 else "standard")


def test_wait_is_batch_time_minus_standard_time() -> None:
    d = decide(compare(classic(1_000_000), FLAT), standard_hours=Decimal(20), batch_hours=Decimal(24))
    assert d.wait_hours == 4
    assert d.wait_cost == 200
    slower = decide(compare(classic(1_000), FLAT), standard_hours=Decimal(30), batch_hours=Decimal(24))
    assert slower.wait_hours == 0  # batch finishes first: waiting costs nothing
    assert slower.recommendation == "batch"


def test_deadline_rules_out_batch() -> None:
    cmp = compare(classic(1_000_000), FLAT)
    d = decide(cmp, standard_hours=Decimal(2), batch_hours=Decimal(6), batch_worst_case_hours=Decimal(24),
               value_per_hour=Decimal(1), deadline_hours=Decimal(12))
    assert d.recommendation == "standard"
    assert d.batch_meets_deadline is False and d.standard_meets_deadline is True
    assert "misses the 12 h deadline" in d.reason
    both_late = decide(cmp, standard_hours=Decimal(30), batch_hours=Decimal(24), deadline_hours=Decimal(12))
    assert both_late.recommendation == "standard"
    assert "standard needs 30 h too" in both_late.reason


def test_deadline_alone_ignores_the_value_of_time() -> None:
    d = decide(compare(classic(1_000), FLAT), standard_hours=Decimal(0), batch_hours=Decimal(24),
               deadline_hours=Decimal(48))
    assert d.value_per_hour is None and d.wait_cost is None
    assert d.recommendation == "batch"


def test_interactive_means_stream() -> None:
    d = decide(compare(classic(1_000_000), FLAT), standard_hours=Decimal(0), batch_hours=Decimal(24),
               interactive=True)
    assert d.recommendation == "stream"
    assert d.reason.startswith("A person waits for each answer")


def test_early_exit_makes_stream_the_cheaper_immediate_mode() -> None:
    params = ModeParams(early_exit=EarlyExitParams(cancel_share=Decimal("0.5"), seen_fraction=Decimal("0.5")))
    d = decide(compare(classic(1_000), FLAT, params), standard_hours=Decimal(0), batch_hours=Decimal(24))
    assert d.recommendation == "stream"
    assert "streamed with early exit to save $3.75" in d.reason


def test_hybrid_when_part_is_urgent() -> None:
    d = decide(compare(classic(1_000_000), FLAT), standard_hours=Decimal(0), batch_hours=Decimal(24),
               urgent_share=Decimal("0.2"))
    assert d.recommendation == "hybrid"
    assert d.reason == ("Send the urgent 20% now and batch the rest: that saves $6,000.00, more than the $1,200.00 "
                        "that 24 h of waiting costs at $50.00/hour.")
    small = decide(compare(classic(1_000), FLAT), standard_hours=Decimal(0), batch_hours=Decimal(24),
                   urgent_share=Decimal("0.2"))
    assert small.recommendation == "standard"


def test_decide_for_job_uses_the_worst_case_by_default() -> None:
    usage = Usage(1_000_000, 0, 1_000_000_000)
    plan = plan_uniform("flat-15", 1_000_000, line_bytes=4_000, input_tokens_per_request=0, rule=FLAT.batch_rule)
    times = job_times(usage, RateLimits(rpm=1_000_000_000), Throughput(concurrency=10**9), plan)
    d = decide_for_job(compare(usage, FLAT), times)
    assert d.wait_basis == "worst" and d.wait_hours == 24 - times.standard.hours
    typical = decide_for_job(compare(usage, FLAT), times, wait_basis="typical")
    assert typical.wait_hours == 6 - times.standard.hours


def test_decide_validation() -> None:
    cmp = compare(classic(10), FLAT)
    with pytest.raises(UsageError):
        decide(cmp, standard_hours=Decimal(0), batch_hours=Decimal(1), urgent_share=Decimal(2))
    with pytest.raises(UsageError):
        decide(cmp, standard_hours=Decimal(0), batch_hours=Decimal(1), wait_basis="best")
    with pytest.raises(UsageError):
        decide(cmp, standard_hours=Decimal(0), batch_hours=Decimal(1), value_per_hour=Decimal(-1))


# --------------------------------------------------------------------------
# Request sizes
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


def test_with_only_a_deadline_the_reason_says_batch_meets_it() -> None:
    from click.testing import CliRunner

    from estimator.cli import main

    result = CliRunner().invoke(main, ["plan", "--model", "gpt-4o", "--rows", "100000", "--input-tokens-per-row",
                                       "500", "--output-tokens-per-row", "200", "--deadline-hours", "48", "--json"])
    assert result.exit_code == 0, result.output
    import json

    d = json.loads(result.stdout)["decision"]
    # 100,000 × (500 × $2.50 + 200 × $10) / 1M = $325 standard; batch half: saves $162.50.
    assert d["recommendation"] == "batch" and d["batch_savings"] == "162.50"
    assert d["reason"] == "Batch saves $162.50, and its worst case (24 h) meets the 48 h (2.0 days) deadline."
    assert "nothing" not in d["reason"]
