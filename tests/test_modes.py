"""Cost models: hand-checked figures and hypothesis invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_tables import model_entry, parse, price_entry, provider_toml

from estimator.errors import PricingError, UsageError
from estimator.modes import (
    MODES,
    CacheParams,
    EarlyExitParams,
    ModeParams,
    compare,
    early_exit_output,
)
from estimator.usage import TierUsage, Usage

TABLE = provider_toml(
    model_entry("flat", "Flat", price_entry("2024-01-01", "2.50", "10.00", cached_input_per_mtok="1.25")),
    model_entry(
        "tiered",
        "Tiered",
        price_entry(
            "2024-01-01",
            "1.25",
            "10.00",
            cache_write_per_mtok="1.5625",
            tiers=[{"above_input_tokens": 200000, "input_per_mtok": "2.50", "output_per_mtok": "15.00"}],
        ),
        tokenizer="approx:gemini",
    ),
    model_entry(
        "explicit",
        "Explicit batch",
        price_entry("2024-01-01", 3, 6, batch_input_per_mtok=2, batch_output_per_mtok=5),
        tokenizer="cl100k_base",
    ),
    provider="acme",
    display_name="Acme",
)

PROVIDER = parse(TABLE)
PRICES = {m.id: m.prices[0] for m in PROVIDER.models}


@pytest.mark.parametrize(
    ("model", "usage", "standard", "batch"),
    [
        pytest.param("flat", Usage(1000, 1_000_000, 1_000_000), "12.50", "6.25", id="flat-1M-each"),
        pytest.param("flat", Usage(0, 0, 0), "0", "0", id="nothing"),
        pytest.param("explicit", Usage(1, 1_000_000, 1_000_000), "9", "7", id="explicit-batch-prices"),
        pytest.param(
            "tiered",
            Usage(3, 700_000, 3_000, tiers=(TierUsage(200_000, 2, 600_000, 2_000),)),
            # base: 100k in x 1.25 + 1k out x 10; tier: 600k x 2.50 + 2k x 15
            str(Decimal("0.125") + Decimal("0.01") + Decimal("1.5") + Decimal("0.03")),
            str((Decimal("0.125") + Decimal("0.01") + Decimal("1.5") + Decimal("0.03")) / 2),
            id="long-context-tier",
        ),
    ],
)
def test_hand_checked_totals(model: str, usage: Usage, standard: str, batch: str) -> None:
    result = compare(usage, PRICES[model])
    assert result.standard.total_cost == Decimal(standard)
    assert result.modes["batch"].total_cost == Decimal(batch)
    assert result.modes["streaming_early_exit"].total_cost == Decimal(standard)  # default: no early exit
    assert result.modes["batch"].savings_vs_standard == Decimal(standard) - Decimal(batch)


def test_cache_hits_use_cached_price_and_stack_with_batch() -> None:
    usage = Usage(1000, 2_000_000, 0)
    params = ModeParams(cache=CacheParams(shared_prefix_tokens=1000, hit_rate=Decimal("0.5")))
    result = compare(usage, PRICES["flat"], params)
    # 1M prefix tokens: 500k read at 1.25, 500k written (no write price: input price), 1M plain at 2.50
    assert result.standard.cached_input_tokens == 500_000
    assert result.standard.input_cost == Decimal("0.625") + Decimal("1.25") + Decimal("2.5")
    assert result.modes["batch"].input_cost == result.standard.input_cost / 2


def test_cache_write_price_is_charged_for_misses() -> None:
    usage = Usage(100, 100_000, 0)
    params = ModeParams(cache=CacheParams(shared_prefix_tokens=1000, hit_rate=Decimal("0")))
    result = compare(usage, PRICES["tiered"], params)
    assert result.standard.input_cost == Decimal("0.15625")


def test_early_exit_bills_seen_share_plus_tail() -> None:
    ee = EarlyExitParams(cancel_share=Decimal("0.5"), seen_fraction=Decimal("0.2"), tail_tokens=10)
    # 100 requests x 100 tokens; 50 cancelled after 20 tokens + 10 tail = 30 each
    assert early_exit_output(10_000, 100, ee) == 5_000 + 50 * 30


NO_RULE = provider_toml(
    model_entry("plain", "Plain", price_entry("2024-01-01", 1, 2)),
    provider="norule",
    display_name="No batch rule",
    batch=False,
)


def test_batch_needs_a_rule_or_explicit_price() -> None:
    price = parse(NO_RULE, "norule.toml").models[0].prices[0]
    with pytest.raises(PricingError, match="batch"):
        MODES["batch"](Usage(1, 10, 10), price, ModeParams())
    # A comparison leaves the mode out and says why, instead of failing the whole estimate.
    result = compare(Usage(1, 10, 10), price)
    assert "batch" not in result.modes
    assert "cannot be priced in batch mode" in result.unavailable["batch"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"cancel_share": Decimal("1.5")}, "cancel_share", id="cancel>1"),
        pytest.param({"seen_fraction": Decimal("-0.1")}, "seen_fraction", id="seen<0"),
        pytest.param({"tail_tokens": -1}, "tail", id="tail<0"),
    ],
)
def test_bad_early_exit_params(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        EarlyExitParams(**kwargs)  # type: ignore[arg-type]


def test_usage_refuses_negative_and_float() -> None:
    with pytest.raises(UsageError, match="input_tokens"):
        Usage(1, -1, 0)
    with pytest.raises(UsageError, match="input_tokens"):
        Usage(1, 1.5, 0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- invariants

tokens = st.integers(min_value=0, max_value=10**12)
shares = st.decimals(min_value=0, max_value=1, places=3)
usages = st.builds(lambda r, i, o: Usage(r, i, o), st.integers(0, 10**7), tokens, tokens)
params = st.builds(
    lambda p, h, c, f, t: ModeParams(CacheParams(p, h), EarlyExitParams(c, f, t)),
    st.integers(0, 5000), shares, shares, shares, st.integers(0, 500),
)
models = st.sampled_from(sorted(PRICES))


@settings(max_examples=300, deadline=None)
@given(usages, params, models)
def test_costs_are_non_negative_and_ordered(usage: Usage, p: ModeParams, model: str) -> None:
    result = compare(usage, PRICES[model], p)
    for cost in result.modes.values():
        assert cost.input_cost >= 0 and cost.output_cost >= 0
        assert cost.output_tokens <= usage.output_tokens
    # Every table here says batch is cheaper than standard.
    assert result.modes["batch"].total_cost <= result.standard.total_cost
    assert result.modes["streaming_early_exit"].total_cost <= result.standard.total_cost


@settings(max_examples=300, deadline=None)
@given(usages, st.integers(0, 10**9), st.integers(0, 10**9), params, models)
def test_costs_are_monotone_in_tokens(usage: Usage, more_in: int, more_out: int, p: ModeParams, model: str) -> None:
    bigger = Usage(usage.requests, usage.input_tokens + more_in, usage.output_tokens + more_out)
    small, large = compare(usage, PRICES[model], p), compare(bigger, PRICES[model], p)
    for name in small.modes:
        assert large.modes[name].total_cost >= small.modes[name].total_cost


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**9), st.integers(0, 10**6), shares, shares, st.integers(0, 1000))
def test_early_exit_never_bills_more_than_full(out: int, req: int, c: Decimal, f: Decimal, t: int) -> None:
    billed = early_exit_output(out, req, EarlyExitParams(c, f, t))
    assert 0 <= billed <= out
    assert early_exit_output(out, req, EarlyExitParams()) == out
