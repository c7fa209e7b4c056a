"""The decision across tiers: long-context sizes (D2), per-stream early exit (D6), inclusive
thresholds (D7) and break-even sizes on the plan's own time model (D5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner

from estimator import JobSize, PlanOptions, load_pricebook, plan
from estimator.batch import QueueLimit
from estimator.cli import main
from estimator.modes import EarlyExitParams, ModeParams, compare, early_exit_output
from estimator.planning import RateLimits, Throughput
from estimator.planning.decision import family
from estimator.usage import RequestSize, Usage

BOOK = load_pricebook()


def _json(args: list[str]) -> dict:
    import json

    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_route_prices_long_requests_at_the_long_context_rate() -> None:
    # gemini-2.5-pro above 200k: $2.50 in, $15 out. 100 × 250,000 = 25M × 2.50 = $62.50; 100k out × 15 = $1.50.
    doc = _json(["route", "--model", "gemini-2.5-pro", "--daily-requests", "100", "--input-tokens-per-request",
                 "250000", "--output-tokens-per-request", "1000", "--json"])
    assert Decimal(doc["daily_cost"]) == Decimal("64.00")


def test_plan_by_rows_prices_long_requests_at_the_long_context_rate() -> None:
    # gpt-5.4 at or above 272K: $5 in, $22.50 out. 1,000 × 300,000 = 300M × 5 = $1,500; 1M out × 22.50 = $22.50.
    doc = _json(["plan", "--model", "gpt-5.4", "--rows", "1000", "--input-tokens-per-row", "300000",
                 "--output-tokens-per-row", "1000", "--json"])
    assert Decimal(doc["costs"]["standard"]["total"]) == Decimal("1522.50")


def test_forecast_prices_long_requests_at_the_long_context_rate() -> None:
    # 10 requests a day × 30 days of November 2025 = 300 requests × (250,000 × 2.50 + 1,000 × 15) / 1M = $192.
    doc = _json(["forecast", "--model", "gemini-2.5-pro", "--requests-per-day", "10", "--input-tokens-per-request",
                 "250000", "--output-tokens-per-request", "1000", "--months", "1", "--start", "2025-11", "--json"])
    row = next(r for r in doc["rows"] if r["plan"] == "all standard")
    assert Decimal(row["cost"]) == Decimal("192.00")


@pytest.mark.parametrize(("model", "tokens", "long"), [
    # One convention for every OpenAI model: "more than 272K input tokens" (model pages); 272,000 is short.
    ("gpt-5.4", 272_000, False),
    ("gpt-5.4", 272_001, True),
    ("gpt-5.5", 272_000, False),
    ("gpt-5.4-pro", 272_001, True),
    ("gpt-5.6-sol", 272_000, False),
    ("gpt-5.6-sol", 272_001, True),
])
def test_long_context_boundary_follows_the_providers_wording(model: str, tokens: int, long: bool) -> None:
    price = BOOK.price(model, dt.date(2026, 12, 5))
    usage = RequestSize.per_request(tokens, 0).usage(1, price)
    long_limits = {t.boundary for t in price.tiers}
    assert any(t.above_input_tokens in long_limits for t in usage.tiers) is long
    short = Usage(1, tokens, 0)  # the same request without its long-context tier
    ratio = compare(usage, price).standard.total_cost / compare(short, price).standard.total_cost
    assert (ratio == 2) is long


def test_early_exit_caps_each_stream_at_its_own_answer() -> None:
    # Five 100-token answers and five 1,000-token ones, all cancelled at half with a 200-token tail:
    # each bills min(o, o/2 + 200): 5 × 100 + 5 × 700 = 4,000. A cap on the total would bill
    # min(5,500, 2,750 + 10 × 200) = 4,750.
    ee = EarlyExitParams(Decimal(1), Decimal("0.5"), 200)
    assert early_exit_output(5_500, 10, ee, ((100, 5), (1000, 5))) == 4_000
    assert early_exit_output(5_500, 10, ee) == 4_750  # without the distribution: every stream average-sized
    usage = Usage(10, 1_000, 5_500, output_per_request=((100, 5), (1000, 5)))
    price = BOOK.price("gpt-4o", dt.date(2026, 12, 5))
    assert compare(usage, price, ModeParams(early_exit=ee)).modes["streaming_early_exit"].output_tokens == 4_000


def _plan(rows: int, options: PlanOptions):  # type: ignore[no-untyped-def]
    return plan(model="gpt-4o", size=JobSize(rows, 800, 200), options=options)


@pytest.mark.parametrize("value", [Decimal(5), Decimal(50)])
def test_recommendation_flips_exactly_at_the_reported_break_even(value: Decimal) -> None:
    # A file holds 50,000 requests (40M prompt tokens); a 48M-token queue holds 60,000 requests in the
    # first wave (a full file and part of the next), then one full file a wave. Standard (30 requests/min
    # under 30,000 TPM) takes rows / 1,800 hours. Batch saves $0.002 a row. At $50/hour batch wins in
    # wave k when 0.002 n + 50 n / 1,800 > 1,200 k, i.e. n > 40,298.5 k: from 40,299 rows; standard again
    # from 60,001 (a second wave); batch from 80,598 (2 × 40,298.5 = 80,597.01).
    options = PlanOptions(limits=RateLimits(rpm=1_000, tpm=30_000), queue=QueueLimit(enqueued_tokens=48_000_000),
                          throughput=Throughput(concurrency=50), value_per_hour=value)
    base = _plan(20_000, options)
    flips = base.decision.flips
    assert flips, "the sweep should find where the choice changes"
    if value == 50:
        assert [(f.rows, f.above) for f in flips[:3]] == [(40_299, "batch"), (60_001, "standard"), (80_598, "batch")]
    for f in flips[:6]:
        below = _plan(f.rows - 1, options)
        above = _plan(f.rows, options)
        assert family(below.decision.recommendation) == f.below
        assert family(above.decision.recommendation) == f.above
    # Standard against batch alone comes from the same model.
    assert base.decision.batch is not None
    be = base.decision.batch.break_even_rows
    assert be is not None and be > 0
    assert _plan(be - 1, options).decision.recommendation in ("standard", "streaming_early_exit")
    assert _plan(be, options).decision.recommendation == "batch"


def test_break_even_by_hand() -> None:
    # No queue limit: one 24 h wave. Standard at 30,000 TPM / 1,000 tokens = 30 requests/min = 1,800/h.
    # At $5/hour: standard costs 0.004 n + 5 n / 1,800, batch 0.002 n + 120; equal at n = 25,116.3.
    options = PlanOptions(limits=RateLimits(rpm=1_000, tpm=30_000), value_per_hour=Decimal(5))
    p = _plan(100_000, options)
    assert p.decision.break_even is not None and p.decision.batch is not None
    assert p.decision.break_even.rows == 25_117
    assert p.decision.batch.break_even_rows == 25_117


def test_tradeoff_chart_draws_every_way_with_a_line_of_equal_net_value() -> None:
    from estimator.charts import tier_tradeoff

    # $7.50 saved for a 24 h wait against $7,500: at $50/hour the line through standard (cost 15, ~0 h)
    # passes above batch only when batch's cost + 50 × 24 is below it.
    ways = [{"name": "standard", "cost": "15", "hours": "0.1", "worst_case_hours": "0.1"},
            {"name": "batch", "cost": "7.5", "hours": "6", "worst_case_hours": "24"}]
    fig = tier_tradeoff(ways, value_per_hour=Decimal(50), recommended="standard")
    points = [t for t in fig.data if t.mode == "markers"]
    assert [(t.meta, t.x[0], t.y[0]) for t in points] == [("standard", 0.1, 15.0), ("batch", 24.0, 7.5)]
    assert points[0].marker.symbol == "star"
    (line,) = [t for t in fig.data if t.mode == "lines"]  # through the recommended way only
    # Every point of the line has the same cost + 50 × hours as the point it passes through, and stays
    # inside the axis drawn for the points (it never stretches it).
    assert all(abs(y + 50 * x - (15 + 50 * 0.1)) < 1e-6 for x, y in zip(line.x, line.y))
    lo, hi = fig.layout.yaxis.range
    assert all(lo <= y <= hi for y in line.y)
    assert fig.layout.xaxis.type == "log"
