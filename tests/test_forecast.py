"""Budget forecasts: growth, dated (future) prices, plans against a budget."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pricing_tables import ANNOUNCED_CUT_2031, book_from, model_entry, price_entry, provider_toml

from estimator.errors import UsageError
from estimator.planning.forecast import (
    ALL_BATCH,
    ALL_STANDARD,
    ModeMix,
    Volume,
    allocate,
    build_forecast,
    hybrid_mix,
    month_starts,
    months_until_over,
)
from estimator.pricing import Model
from estimator.usage import RequestSize

TOML = provider_toml(
    model_entry(
        "m",
        "A model with a future price cut",
        price_entry("2024-05-13", 5, 15),
        price_entry("2024-10-02", "2.5", 10),
        ANNOUNCED_CUT_2031,
    ),
    max_requests_per_file=None,
    max_bytes_per_file=None,
)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    return book_from(tmp_path_factory.mktemp("pricing"), TOML).model("m")


# 1,000 requests of 1,000 input + 100 output tokens: 1M input + 100k output tokens.
SIZE = RequestSize.per_request(1_000, 100)


def test_future_dated_price_shows_up_in_its_month(model: Model) -> None:
    f = build_forecast(model, Volume(1_000, "month", SIZE), [ALL_STANDARD], start=dt.date(2030, 10, 1), horizon_months=6)
    costs = [(r.month, r.cost) for r in f.plans[0].months]
    # Until December 2030: 1M × $2.50 + 100k × $10 = $3.50. From January 2031: 1M × $1 + 100k × $4 = $1.40.
    assert costs == [
        (dt.date(2030, 10, 1), Decimal("3.5")),
        (dt.date(2030, 11, 1), Decimal("3.5")),
        (dt.date(2030, 12, 1), Decimal("3.5")),
        (dt.date(2031, 1, 1), Decimal("1.4")),
        (dt.date(2031, 2, 1), Decimal("1.4")),
        (dt.date(2031, 3, 1), Decimal("1.4")),
    ]
    assert [(c.month, c.effective_from) for c in f.price_changes] == [(dt.date(2031, 1, 1), dt.date(2031, 1, 1))]
    assert "announced-cut" in f.price_changes[0].description
    assert f.plans[0].months[3].price_entries == (dt.date(2031, 1, 1),)


def test_mid_month_change_month_start_rule_and_prorate(model: Model) -> None:
    start = dt.date(2024, 9, 1)
    month_start = build_forecast(model, Volume(31_000, "month", SIZE), [ALL_STANDARD], start=start, horizon_months=3,
                                 pricing_rule="month-start")
    # 31M input + 3.1M output tokens a month. The 2024-10-02 cut is not in force on October 1st,
    # so October is still priced at $5 / $15 ($155 + $46.50); November at $2.50 / $10 ($77.50 + $31).
    assert [r.cost for r in month_start.plans[0].months] == [Decimal("201.5"), Decimal("201.5"), Decimal("108.5")]
    assert month_start.price_changes[0].month == dt.date(2024, 11, 1)
    prorated = build_forecast(model, Volume(31_000, "month", SIZE), [ALL_STANDARD], start=start, horizon_months=3,
                        pricing_rule="prorate")
    october = prorated.plans[0].months[1]
    # October has 31 days: 1 day at the old price (1,000 requests: $5 + $1.50),
    # 30 at the new (30,000 requests: $75 + $30).
    assert october.cost == Decimal("6.5") + Decimal(105)
    assert october.price_entries == (dt.date(2024, 5, 13), dt.date(2024, 10, 2))
    assert prorated.price_changes[0].month == dt.date(2024, 10, 1)
    # Prorating is the default: a mid-month change splits the month unless told otherwise.
    default = build_forecast(model, Volume(31_000, "month", SIZE), [ALL_STANDARD], start=start, horizon_months=3)
    assert default.pricing_rule == "prorate"
    assert default.plans[0].months[1].cost == october.cost


def test_growth_and_daily_volume(model: Model) -> None:
    f = build_forecast(model, Volume(1_000, "day", SIZE, Decimal(10)), [ALL_STANDARD], start=dt.date(2030, 1, 15),
                 horizon_months=3)
    rows = f.plans[0].months
    assert [r.month for r in rows] == [dt.date(2030, 1, 1), dt.date(2030, 2, 1), dt.date(2030, 3, 1)]
    # January: 31 days; February (28 days) × 1.1; March (31 days) × 1.21.
    assert [r.requests for r in rows] == [31_000, 30_800, 37_510]
    assert rows[0].input_tokens == 31_000_000 and rows[0].output_tokens == 3_100_000
    assert rows[-1].cumulative_cost == sum((r.cost for r in rows), Decimal(0))


def test_plans_against_a_budget(model: Model) -> None:
    hybrid = hybrid_mix(Decimal("0.5"))
    f = build_forecast(model, Volume(100_000, "month", SIZE, Decimal(20)), [ALL_STANDARD, ALL_BATCH, hybrid],
                 start=dt.date(2030, 1, 1), horizon_months=12, budget=Decimal(700))
    by_name = {p.mix.name: p for p in f.plans}
    # $350 standard in month 1, growing 20% a month: 350 × 1.2^4 = 725.76 > 700 in May.
    assert by_name["all standard"].months[0].cost == Decimal(350)
    assert by_name["all standard"].first_month_over_budget == dt.date(2030, 5, 1)
    assert months_until_over(by_name["all standard"]) == 4
    # Batch is half: 175 × 1.2^8 = 752.4 in September.
    assert by_name["all batch"].first_month_over_budget == dt.date(2030, 9, 1)
    assert by_name["hybrid"].months[0].cost == Decimal("262.5")
    assert by_name["hybrid"].months[0].cost_by_mode == {"standard": Decimal(175), "batch": Decimal("87.5")}
    assert all(r.over_budget == (r.cost > 700) for p in f.plans for r in p.months)
    quiet = build_forecast(model, Volume(10, "month", SIZE), [ALL_STANDARD], start=dt.date(2030, 1, 1),
                     budget=Decimal(700))
    assert quiet.plans[0].first_month_over_budget is None and months_until_over(quiet.plans[0]) is None


def test_rows_are_plain_data_for_charts(model: Model) -> None:
    f = build_forecast(model, Volume(1_000, "month", SIZE), [ALL_STANDARD, ALL_BATCH], start=dt.date(2030, 1, 1),
                 horizon_months=2, budget=Decimal(1))
    rows = f.rows()
    assert len(rows) == 4
    assert rows[0]["month"] == "2030-01-01" and rows[0]["plan"] == "all standard"
    assert isinstance(rows[0]["cost"], Decimal)
    text = json.dumps(f.to_json(), default=str)
    assert json.loads(text)["plans"][0]["first_month_over_budget"] == "2030-01-01"


def test_months_before_the_launch_are_not_priced_and_never_within_budget(model: Model) -> None:
    f = build_forecast(model, Volume(30, "month", SIZE), [ALL_STANDARD], start=dt.date(2024, 1, 1),
                       horizon_months=2, budget=Decimal(1_000))
    (plan,) = f.plans
    assert [m.unpriced_requests for m in plan.months] == [30, 30] and plan.total_cost == 0
    assert plan.budget_status(f.budget) == "within budget; 60 requests have no price"
    assert any("first offered on" in n and "not priced" in n for n in f.notes)
    assert "no price" in f.to_text()


@pytest.mark.parametrize(
    "make",
    [
        lambda: ModeMix("x", {"standard": Decimal("0.5")}),
        lambda: ModeMix("x", {"fax": Decimal(1)}),
        lambda: ModeMix("x", {}),
        lambda: hybrid_mix(Decimal("0.8"), Decimal("0.3")),
        lambda: Volume(1, "fortnight", SIZE),
        lambda: Volume(-1, "day", SIZE),
        lambda: Volume(1, "day", SIZE, Decimal(-100)),
    ],
    ids=["shares-not-1", "unknown-mode", "empty", "over-1", "period", "negative", "growth"],
)
def test_validation(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError):
        make()


def test_forecast_validation(model: Model) -> None:
    vol = Volume(1, "month", SIZE)
    with pytest.raises(UsageError):
        build_forecast(model, vol, [ALL_STANDARD], start=dt.date(2030, 1, 1), horizon_months=0)
    with pytest.raises(UsageError):
        build_forecast(model, vol, [ALL_STANDARD, ALL_STANDARD], start=dt.date(2030, 1, 1))
    with pytest.raises(UsageError):
        build_forecast(model, vol, [ALL_STANDARD], start=dt.date(2030, 1, 1), pricing_rule="average")
    with pytest.raises(UsageError):
        build_forecast(model, vol, [], start=dt.date(2030, 1, 1))


def test_month_starts_cross_years() -> None:
    assert month_starts(dt.date(2030, 11, 20), 3) == [dt.date(2030, 11, 1), dt.date(2030, 12, 1), dt.date(2031, 1, 1)]


@given(st.integers(min_value=0, max_value=10**9),
       st.lists(st.decimals(min_value=0, max_value=10, places=3), min_size=1, max_size=5))
def test_allocate_adds_up(total: int, weights: list[Decimal]) -> None:
    parts = allocate(total, weights)
    if sum(weights) == 0:
        assert parts == [0] * len(weights)
    else:
        assert sum(parts) == total
        assert all(p >= 0 for p in parts)
