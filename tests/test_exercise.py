"""The batch budgeter exercise: the classic figures, exactly, with their arithmetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from pricing_tables import book_from, model_entry, price_entry, provider_toml

from estimator.errors import EstimatorError, UnknownModelError, UsageError
from estimator.modes import compare
from estimator.planning import PlanOptions, RateLimits, Throughput
from estimator.planning.exercise import EXERCISE_MODEL, exercise_price, price_text, run_exercise, scenario
from estimator.planning.job import plan_job
from estimator.pricing import PriceBook, PricedModel, load_pricebook
from estimator.usage import Usage


def book(tmp_path: Path, explicit_batch: bool = False) -> PriceBook:
    explicit = {"batch_input_per_mtok": "2.5", "batch_output_per_mtok": "7.5"} if explicit_batch else {}
    snapshot = model_entry(
        "gpt-4o-2024-05-13",
        "GPT-4o (2024-05-13)",
        price_entry("2024-05-13", 5, 15, **explicit),
        price_entry("2025-06-01", 1, 3, source="https://example.test/later"),
    )
    table = provider_toml(snapshot, max_requests_per_file=None, max_bytes_per_file=None)
    return book_from(tmp_path, table, "openai.toml")


def test_classic_figures(tmp_path: Path) -> None:
    ex = run_exercise(book(tmp_path))
    big, small = ex.scenarios
    assert (big.rows, big.tokens_per_row, big.tokens) == (1_000_000, 1_000, 1_000_000_000)
    assert (big.standard_cost, big.batch_cost, big.savings) == (Decimal(15_000), Decimal(7_500), Decimal(7_500))
    assert (small.standard_cost, small.batch_cost, small.savings) == (Decimal(15), Decimal("7.5"), Decimal("7.5"))
    assert big.wait_cost == small.wait_cost == Decimal(1_200)
    assert big.worth_waiting and not small.worth_waiting
    assert ex.break_even_rows == Decimal(160_000)
    assert [s.arithmetic for s in big.steps] == [
        "1,000,000 rows × 1,000 tokens = 1,000,000,000 tokens",
        "1,000,000,000 tokens × $15 / 1M = $15,000.00",
        "$15,000.00 × 0.5 (Batch API: 50% off) = $7,500.00",
        "$15,000.00 - $7,500.00 = $7,500.00",
        "24 h × $50/h = $1,200.00",
    ]
    assert [s.arithmetic for s in small.steps][1:4] == [
        "1,000,000 tokens × $15 / 1M = $15.00",
        "$15.00 × 0.5 (Batch API: 50% off) = $7.50",
        "$15.00 - $7.50 = $7.50",
    ]
    assert big.verdict.startswith("Worth it: saving $7,500.00 is more than the $1,200.00")
    assert small.verdict.startswith("Not worth it: saving $7.50 is not more than the $1,200.00")
    assert ex.break_even is not None
    assert ex.break_even.arithmetic == (
        "$1,200.00 / $0.0075 saved per row (1,000 tokens × ($15 - $7.50) / 1M) = 160,000 rows"
    )


def test_the_15_comes_from_the_launch_entry(tmp_path: Path) -> None:
    ex = run_exercise(book(tmp_path))
    # The model has a later, cheaper entry; the exercise prices on 2024-05-13.
    assert ex.price.per_mtok == 15
    assert "gpt-4o-2024-05-13 output price in force on 2024-05-13" in ex.price.source
    assert "price from 2024-05-13 until 2025-06-01" in ex.price.source
    assert "[batch] rule × 0.5" in ex.price.batch_source
    assert not ex.price.overridden
    text = ex.to_text()
    assert "Price: $15 per 1M tokens" in text and "Break-even:" in text


def test_explicit_batch_price_is_used_and_shown(tmp_path: Path) -> None:
    ex = run_exercise(book(tmp_path, explicit_batch=True), rows=[1_000_000])
    assert ex.price.batch_multiplier is None
    assert "the batch output price of the same entry" in ex.price.batch_source
    assert ex.scenarios[0].steps[2].arithmetic == "1,000,000,000 tokens × $7.50 / 1M = $7,500.00"


def test_flat_override_without_a_book() -> None:
    ex = run_exercise(None, price_per_mtok=Decimal(15), batch_multiplier=Decimal("0.5"))
    assert [s.savings for s in ex.scenarios] == [Decimal(7_500), Decimal("7.5")]
    assert ex.price.overridden and "flat override of $15" in ex.price.source
    with pytest.raises(UsageError, match="batch_multiplier="):
        run_exercise(None, price_per_mtok=Decimal(15))


def test_override_takes_the_discount_from_the_book(tmp_path: Path) -> None:
    ex = run_exercise(book(tmp_path), price_per_mtok=Decimal(10), rows=[1_000])
    assert ex.scenarios[0].standard_cost == 10 and ex.scenarios[0].batch_cost == 5
    assert ex.price.batch_multiplier == Decimal("0.5")


def test_unknown_model_without_override(tmp_path: Path) -> None:
    with pytest.raises(UnknownModelError):
        run_exercise(book(tmp_path), model="gpt-4o-2099")


@pytest.mark.parametrize(
    ("rows", "tokens", "standard", "worth"),
    [
        pytest.param(200_000, 1_000, Decimal(3_000), True, id="above-break-even"),
        pytest.param(160_000, 1_000, Decimal(2_400), False, id="at-break-even"),
        pytest.param(1_000_000, 500, Decimal(7_500), True, id="half-tokens"),
        pytest.param(0, 1_000, Decimal(0), False, id="no-rows"),
    ],
)
def test_user_changes_rows_and_tokens(tmp_path: Path, rows: int, tokens: int, standard: Decimal, worth: bool) -> None:
    ex = run_exercise(book(tmp_path), rows=[rows], tokens_per_row=tokens)
    s = ex.scenarios[0]
    assert s.standard_cost == standard
    assert s.batch_cost == standard / 2
    assert s.worth_waiting is worth


def test_value_of_time_and_wait_can_change(tmp_path: Path) -> None:
    ex = run_exercise(book(tmp_path), rows=[1_000], wait_hours=Decimal(1), value_per_hour=Decimal(5))
    assert ex.scenarios[0].wait_cost == 5
    assert ex.scenarios[0].worth_waiting  # $7.50 > 1 h × $5
    assert ex.break_even_rows == Decimal("666.6666666666666666666666667")
    assert ex.break_even is not None and ex.break_even.arithmetic.endswith("= 666.7 rows")


def test_agrees_with_the_cost_model_and_the_decision(tmp_path: Path) -> None:
    b = book(tmp_path)
    entry = b.model(EXERCISE_MODEL).price_on(dt.date(2024, 5, 13))
    for s in run_exercise(b).scenarios:
        # Every token billed at the output price: a job of output tokens only.
        cmp = compare(Usage(s.rows, 0, s.tokens), entry)
        assert cmp.standard.total_cost == s.standard_cost
        assert cmp.modes["batch"].total_cost == s.batch_cost
        # The plan's decision with a standard run that takes no time and a 24 h batch window.
        priced = PricedModel(b.model(EXERCISE_MODEL), entry, dt.date(2024, 5, 13))
        fast = PlanOptions(limits=RateLimits(rpm=10**12), throughput=Throughput(concurrency=10**12))
        d = plan_job(Usage(s.rows, 0, s.tokens), priced, fast).decision
        assert (d.recommendation == "batch") is s.worth_waiting
        assert d.batch is not None and d.batch.wait_cost is not None
        assert d.batch.wait_cost.quantize(Decimal("0.01")) == s.wait_cost


def test_validation() -> None:
    with pytest.raises(UsageError):
        exercise_price(None, price_per_mtok=Decimal(0), batch_multiplier=Decimal("0.5"))
    with pytest.raises(UsageError):
        exercise_price(None, price_per_mtok=Decimal(15), batch_multiplier=Decimal("1.5"))
    price = exercise_price(None, price_per_mtok=Decimal(15), batch_multiplier=Decimal("0.5"))
    with pytest.raises(UsageError):
        scenario(price, -1)
    with pytest.raises(UsageError):
        run_exercise(None, rows=[], price_per_mtok=Decimal(15), batch_multiplier=Decimal("0.5"))


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal(15), "$15"), (Decimal("7.5"), "$7.50"), (Decimal("0.075"), "$0.075"), (Decimal("2.50"), "$2.50")],
)
def test_price_text(value: Decimal, text: str) -> None:
    assert price_text(value) == text


def test_shipped_tables_give_the_classic_figures() -> None:
    try:
        shipped = load_pricebook()
        shipped.model(EXERCISE_MODEL)
    except EstimatorError:  # pragma: no cover - before the tables ship
        pytest.skip("shipped pricing tables not available")
    ex = run_exercise(shipped)
    assert ex.price.per_mtok == 15
    assert [(s.standard_cost, s.batch_cost) for s in ex.scenarios] == [(Decimal(15_000), Decimal(7_500)),
                                                                      (Decimal(15), Decimal("7.5"))]
    assert ex.break_even_rows == 160_000
