"""Service tiers, caching and shutdown dates on the shipped tables: sanity checks that must hold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from estimator.modes import CacheParams, ModeParams, ModeUnavailable, compare, uplifted
from estimator.pricing import load_pricebook
from estimator.pricing.crosscheck import check
from estimator.usage import Usage

BOOK = load_pricebook()
TODAY = dt.date(2026, 11, 29)
USAGE = Usage(requests=100, input_tokens=500_000, output_tokens=50_000)


def _priced(day: dt.date):  # every model priced on a day it existed
    for m in BOOK.models:
        if m.kind == "chat" and m.launch <= day:
            yield m, m.price_on(day)


@pytest.mark.parametrize("day", [dt.date(2024, 9, 1), dt.date(2025, 7, 1), dt.date(2026, 5, 1), TODAY])
def test_tier_order_and_caching_never_dearer(day: dt.date) -> None:
    for m, price in _priced(day):
        plain = compare(USAGE, price)
        std = plain.modes["standard"].total_cost
        for name, cost in plain.modes.items():
            if name in ("batch", "flex"):
                assert cost.total_cost <= std, (m.id, name)
            if name in ("priority", "ultrafast"):
                assert cost.total_cost >= std, (m.id, name)
        # Every prefix token a cache hit: caching never makes any tier dearer than without it.
        cached = compare(USAGE, price, ModeParams(cache=CacheParams(4096, Decimal(1))))
        for name, cost in cached.modes.items():
            assert cost.total_cost <= plain.modes[name].total_cost, (m.id, name, day)


def test_gemini_batch_with_implicit_caching_is_never_dearer() -> None:
    for m, price in _priced(TODAY):
        if m.provider != "google":
            continue
        for hit in (Decimal(0), Decimal("0.5"), Decimal(1)):
            cached = compare(USAGE, price, ModeParams(cache=CacheParams(4096, hit)))
            plain = compare(USAGE, price)
            if "batch" in plain.modes:
                assert cached.modes["batch"].total_cost <= plain.modes["batch"].total_cost, (m.id, hit)


def test_no_cached_price_before_caching_and_no_batch_before_batch() -> None:
    for prov in BOOK.providers:
        start = prov.market.caching.available_from if prov.market.caching else None
        for m in prov.models:
            for p in m.prices:
                if start is not None and p.effective_from < start:
                    assert p.cached_input_per_mtok is None, (m.id, p.effective_from)
    early = BOOK.price("gemini-2.0-flash", dt.date(2025, 5, 1))
    assert "batch" in compare(USAGE, early).unavailable
    assert "batch" in compare(USAGE, BOOK.price("gemini-2.0-flash", dt.date(2025, 7, 7))).modes
    assert "batch" in compare(USAGE, BOOK.price("gpt-4o", dt.date(2024, 5, 13))).modes


def test_shutdown_is_said() -> None:
    price = BOOK.price("gpt-4.1-nano", TODAY)
    assert any("shut down on 2026-10-23" in n for n in price.notices)
    assert not BOOK.price("gpt-4.1-nano", dt.date(2026, 1, 1)).notices


@pytest.mark.parametrize(("model", "day", "expected"), [
    ("gpt-5.5", dt.date(2026, 4, 24), "5.00"),
    ("gpt-5.4-nano-2026-03-17", dt.date(2026, 3, 17), "0.20"),
    ("claude-3-5-haiku-20241022", dt.date(2025, 4, 8), "0.80"),
    ("gemini-4-argon", dt.date(2026, 11, 30), "2.00"),
    ("gemini-4-argon", dt.date(2026, 12, 1), "4.00"),
    ("gpt-5.6-luna", dt.date(2026, 7, 30), "0.20"),
])
def test_dated_prices(model: str, day: dt.date, expected: str) -> None:
    assert BOOK.price(model, day).input_per_mtok == Decimal(expected)


def test_tier_prices_by_hand() -> None:
    u = Usage(1, 1_000_000, 1_000_000)
    # GPT-5.5 Fast is 2.5x ($12.50 / $75), written in the data.
    assert compare(u, BOOK.price("gpt-5.5", TODAY)).modes["priority"].total_cost == Decimal("87.50")
    # GPT-6 Astra Ultrafast is 6x ($60 / $300).
    assert compare(u, BOOK.price("gpt-6-astra", TODAY)).modes["ultrafast"].total_cost == Decimal("360")
    # Flex at batch rates on GPT-5.1 ($0.625 / $5).
    assert compare(u, BOOK.price("gpt-5.1", TODAY)).modes["flex"].total_cost == Decimal("5.625")
    # Gemini Flex did not exist before 2026-04-01.
    assert "flex" in compare(u, BOOK.price("gemini-2.5-flash", dt.date(2026, 3, 1))).unavailable


def test_stacking_matrix() -> None:
    u = Usage(1, 1_000_000, 1_000_000)
    price = BOOK.price("gpt-6-astra", TODAY)
    modes = compare(u, price).modes
    # Regional processing stacks x1.1 with Standard, Batch and Flex on a model released after 2026-03-05.
    for mode in ("standard", "batch", "flex"):
        assert uplifted(modes[mode], price, ("regional",)).total_cost == modes[mode].total_cost * Decimal("1.1")
    with pytest.raises(ModeUnavailable, match="global and US"):
        uplifted(modes["ultrafast"], price, ("regional",))
    with pytest.raises(ModeUnavailable, match="EU data residency"):
        uplifted(modes["priority"], price, ("regional",))
    # Older models pay no regional uplift.
    old = BOOK.price("gpt-5.1", TODAY)
    std = compare(u, old).modes["standard"]
    assert uplifted(std, old, ("regional",)).total_cost == std.total_cost
    # Anthropic: fast mode with batch is refused; US-only inference stacks x1.1 with fast.
    opus = BOOK.price("claude-opus-5-5", TODAY)
    fast = compare(u, opus).modes["priority"]
    assert fast.total_cost == Decimal("48")  # $8 + $40
    assert opus.market.combination("priority", "batch", opus.model) is not None
    assert not opus.market.combination("priority", "batch", opus.model).allowed  # type: ignore[union-attr]
    assert uplifted(fast, opus, ("us_inference",)).total_cost == Decimal("52.8")


def test_short_prefix_is_not_cached() -> None:
    price = BOOK.price("gpt-5.1", TODAY)
    short = compare(USAGE, price, ModeParams(cache=CacheParams(500, Decimal(1))))
    assert short.modes["standard"].cached_input_tokens == 0
    assert "shorter than the 1,024 tokens" in short.modes["standard"].explanation


def test_crosscheck_has_no_unacknowledged_difference() -> None:
    found = check(BOOK, dt.date(2026, 12, 5))
    assert not [d.describe() for d in found.unacknowledged]
