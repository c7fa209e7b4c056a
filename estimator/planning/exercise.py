"""The batch budgeter exercise, with every number's arithmetic spelled out.

    1,000,000 rows × 1,000 tokens = 1,000,000,000 tokens; × $15 / 1M = $15,000.00 standard.
    The Batch API is 50% off: $7,500.00. Is it worth $7,500 to wait 24 hours? Is it worth $7.50?

The $15 per million tokens is GPT-4o's output price at launch: the
``gpt-4o-2024-05-13`` entry in force on 2024-05-13, read from the price book
(not hard-coded), or a flat price-per-million override. Like the classic
illustration, every token is billed at that one price. The discount comes
from the provider's ``[batch]`` rule (or an explicit batch price in the
entry). 1,000 tokens per row is the default because it makes the classic
figures come out: 1,000,000 rows give $15,000 → $7,500 (saving $7,500) and
1,000 rows give $15 → $7.50 (saving $7.50). The value of waiting is
``planning.DEFAULT_VALUE_PER_HOUR`` ($50/hour): 24 h × $50 = $1,200, so the
break-even is $1,200 / $0.0075 saved per row = 160,000 rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from estimator import convert
from estimator.convert import Result
from estimator.errors import EstimatorError, PricingError, UsageError, param
from estimator.money import MILLION, cost_of, format_usd, places_that_add_up
from estimator.planning.decision import DEFAULT_VALUE_PER_HOUR
from estimator.pricing import PriceBook, display_path

EXERCISE_MODEL = "gpt-4o-2024-05-13"
EXERCISE_PRICE_DATE = dt.date(2024, 5, 13)
DEFAULT_ROWS: tuple[int, ...] = (1_000_000, 1_000)
DEFAULT_TOKENS_PER_ROW = 1_000
DEFAULT_WAIT_HOURS = Decimal(24)


@dataclass(frozen=True)
class Step:
    label: str
    value: Decimal | int
    arithmetic: str


@dataclass(frozen=True)
class ExercisePrice:
    per_mtok: Decimal
    batch_per_mtok: Decimal
    batch_multiplier: Decimal | None  # None when the entry lists an explicit batch price
    source: str
    batch_source: str
    overridden: bool


@dataclass(frozen=True)
class Scenario:
    rows: int
    tokens_per_row: int
    tokens: int
    standard_cost: Decimal
    batch_cost: Decimal
    savings: Decimal
    wait_hours: Decimal
    value_per_hour: Decimal
    wait_cost: Decimal
    worth_waiting: bool
    verdict: str
    steps: tuple[Step, ...]


@dataclass(frozen=True, repr=False)
class Exercise(Result):
    """The batch budgeter: each scenario with its arithmetic, and the break-even; ``to_frame()`` per scenario."""

    price: ExercisePrice
    scenarios: tuple[Scenario, ...]
    break_even_rows: Decimal | None  # None: batch saves nothing per row
    break_even: Step | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "price": {
                "per_mtok": self.price.per_mtok,
                "batch_per_mtok": self.price.batch_per_mtok,
                "batch_multiplier": self.price.batch_multiplier,
                "source": self.price.source,
                "batch_source": self.price.batch_source,
                "overridden": self.price.overridden,
            },
            "scenarios": [
                {
                    "rows": s.rows, "tokens_per_row": s.tokens_per_row, "tokens": s.tokens,
                    "standard_cost": s.standard_cost, "batch_cost": s.batch_cost, "savings": s.savings,
                    "wait_hours": s.wait_hours, "value_per_hour": s.value_per_hour, "wait_cost": s.wait_cost,
                    "worth_waiting": s.worth_waiting, "verdict": s.verdict,
                    "steps": [{"label": st.label, "value": st.value, "arithmetic": st.arithmetic} for st in s.steps],
                }
                for s in self.scenarios
            ],
            "break_even_rows": self.break_even_rows,
            "break_even_arithmetic": self.break_even.arithmetic if self.break_even else None,
        }

    def to_text(self) -> str:
        lines = [f"Price: {price_text(self.price.per_mtok)} per 1M tokens — {self.price.source}",
                 f"Batch: {price_text(self.price.batch_per_mtok)} per 1M tokens — {self.price.batch_source}", ""]
        for s in self.scenarios:
            lines.append(f"{s.rows:,} rows:")
            lines.extend(f"  {st.label}: {st.arithmetic}" for st in s.steps)
            lines.append(f"  → {s.verdict}")
            lines.append("")
        if self.break_even is not None:
            lines.append(f"Break-even: {self.break_even.arithmetic}")
        return "\n".join(lines).rstrip()

    def summary(self) -> str:
        cases = "; ".join(f"{s.rows:,} rows: batch saves {format_usd(s.savings)}, "
                          f"{'worth' if s.worth_waiting else 'not worth'} the wait" for s in self.scenarios)
        return f"{price_text(self.price.per_mtok)} per 1M tokens, batch {price_text(self.price.batch_per_mtok)}: {cases}"

    def table(self) -> list[dict[str, Any]]:
        """One row per scenario: its costs, the wait and whether waiting pays."""
        return [{k: v for k, v in s.items() if k != "steps"} for s in self.as_dict()["scenarios"]]


def price_text(per_mtok: Decimal) -> str:
    """``$15``, ``$7.50``, ``$0.075``: a price per million tokens as written on price pages."""
    if per_mtok == per_mtok.to_integral_value():
        return f"${int(per_mtok):,}"
    exponent = -per_mtok.normalize().as_tuple().exponent  # type: ignore[operator]
    return format_usd(per_mtok, max(2, int(exponent)))


def _multiplier_text(k: Decimal) -> str:
    off = ((1 - k) * 100).normalize()
    return f"{k.normalize():f} (Batch API: {off:f}% off)"


def exercise_price(
    book: PriceBook | None,
    *,
    model: str = EXERCISE_MODEL,
    as_of: dt.date = EXERCISE_PRICE_DATE,
    price_per_mtok: Decimal | None = None,
    batch_multiplier: Decimal | None = None,
) -> ExercisePrice:
    """The $15: ``model``'s output price on ``as_of`` from ``book``, or a flat override."""
    if price_per_mtok is not None and price_per_mtok <= 0:
        raise UsageError(f"{param('price_per_mtok')} must be > 0, got {price_per_mtok}", param="price_per_mtok")
    if batch_multiplier is not None and not (0 < batch_multiplier <= 1):
        raise UsageError(f"{param('batch_multiplier')} must be above 0 and at most 1, got {batch_multiplier}",
                         param="batch_multiplier")
    entry = None
    if book is not None:
        try:
            entry = book.model(model).price_on(as_of)
        except EstimatorError:
            if price_per_mtok is None:
                raise
    if price_per_mtok is not None:
        per = price_per_mtok
        source = f"flat override of {price_text(per)} per 1M tokens"
    else:
        assert entry is not None
        if entry.output_per_mtok is None:
            raise PricingError(f"{model} has no output price to use for the exercise")
        per = entry.output_per_mtok
        source = f"{model} output price in force on {as_of}: {entry.describe()}"
    if batch_multiplier is not None:
        return ExercisePrice(per, per * batch_multiplier, batch_multiplier, source,
                             f"× {batch_multiplier} (override)", price_per_mtok is not None)
    if price_per_mtok is None and entry is not None and entry.batch_output_per_mtok is not None:
        return ExercisePrice(per, entry.batch_output_per_mtok, None, source,
                             f"the batch output price of the same entry ({display_path(entry.origin)})", False)
    rule = entry.batch_rule if entry is not None else None
    if rule is None:
        raise UsageError(
            f"no batch rule to apply: {model} is not in the price book or its provider has no [batch] rule; "
            f"give {param('batch_multiplier')} (0.5 for 50% off)"
        )
    k = rule.discount_multiplier
    return ExercisePrice(per, per * k, k, source, f"[batch] rule × {k.normalize():f}, source: {rule.source}",
                         price_per_mtok is not None)


def scenario(
    price: ExercisePrice,
    rows: int,
    tokens_per_row: int = DEFAULT_TOKENS_PER_ROW,
    *,
    wait_hours: Decimal = DEFAULT_WAIT_HOURS,
    value_per_hour: Decimal = DEFAULT_VALUE_PER_HOUR,
) -> Scenario:
    if rows < 0 or tokens_per_row < 0:
        raise UsageError("rows and tokens per row must be >= 0")
    if wait_hours < 0 or value_per_hour < 0:
        raise UsageError("wait hours and value per hour must be >= 0")
    tokens = rows * tokens_per_row
    standard = cost_of(tokens, price.per_mtok)
    batch = cost_of(tokens, price.batch_per_mtok)
    savings = standard - batch
    wait_cost = wait_hours * value_per_hour
    worth = savings > wait_cost
    tok = Step("tokens", tokens, f"{rows:,} rows × {tokens_per_row:,} tokens = {tokens:,} tokens")
    p = places_that_add_up(standard, batch)  # so that the subtraction reads true once rounded
    std = Step("standard", standard,
               f"{tokens:,} tokens × {price_text(price.per_mtok)} / 1M = {format_usd(standard, p)}")
    if price.batch_multiplier is not None:
        bat = Step("batch", batch, f"{format_usd(standard, p)} × {_multiplier_text(price.batch_multiplier)} "
                                   f"= {format_usd(batch, p)}")
    else:
        bat = Step("batch", batch,
                   f"{tokens:,} tokens × {price_text(price.batch_per_mtok)} / 1M = {format_usd(batch, p)}")
    sav = Step("savings", savings, f"{format_usd(standard, p)} - {format_usd(batch, p)} = {format_usd(savings, p)}")
    hours = _hours(wait_hours)
    wait = Step("cost of waiting", wait_cost,
                f"{hours} h × {price_text(value_per_hour)}/h = {format_usd(wait_cost, 2)}")
    if worth:
        verdict = (f"Worth it: saving {format_usd(savings, 2)} is more than the {format_usd(wait_cost, 2)} "
                   f"that waiting {hours} hours costs. Use the Batch API.")
    else:
        verdict = (f"Not worth it: saving {format_usd(savings, 2)} is not more than the {format_usd(wait_cost, 2)} "
                   f"that waiting {hours} hours costs. Send standard requests.")
    return Scenario(rows, tokens_per_row, tokens, standard, batch, savings, wait_hours, value_per_hour, wait_cost,
                    worth, verdict, (tok, std, bat, sav, wait))


def break_even(
    price: ExercisePrice,
    tokens_per_row: int = DEFAULT_TOKENS_PER_ROW,
    *,
    wait_hours: Decimal = DEFAULT_WAIT_HOURS,
    value_per_hour: Decimal = DEFAULT_VALUE_PER_HOUR,
) -> Step | None:
    """Rows at which the savings equal the cost of waiting: below, standard wins; above, batch."""
    per_row = Decimal(tokens_per_row) * (price.per_mtok - price.batch_per_mtok) / MILLION
    if per_row <= 0:
        return None
    wait_cost = wait_hours * value_per_hour
    rows = wait_cost / per_row
    shown = f"{rows.normalize():,f}" if rows == rows.to_integral_value() else f"{rows:,.1f}"
    return Step(
        "break-even rows", rows,
        f"{format_usd(wait_cost, 2)} / {format_usd(per_row)} saved per row "
        f"({tokens_per_row:,} tokens × ({price_text(price.per_mtok)} - {price_text(price.batch_per_mtok)}) / 1M) "
        f"= {shown} rows",
    )


def run_exercise(
    book: PriceBook | None,
    *,
    rows: Sequence[int] = DEFAULT_ROWS,
    tokens_per_row: int = DEFAULT_TOKENS_PER_ROW,
    wait_hours: Decimal = DEFAULT_WAIT_HOURS,
    value_per_hour: Decimal = DEFAULT_VALUE_PER_HOUR,
    model: str = EXERCISE_MODEL,
    as_of: dt.date = EXERCISE_PRICE_DATE,
    price_per_mtok: Decimal | None = None,
    batch_multiplier: Decimal | None = None,
) -> Exercise:
    """The whole exercise: each row count's costs and verdict, and the break-even size."""
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows:
        raise UsageError(f"give {param('rows')} as a list of at least one row count", param="rows")
    rows = [convert.count(n, "rows") for n in rows]
    tokens_per_row = convert.count(tokens_per_row, "tokens_per_row")
    wait_hours = convert.number(wait_hours, "wait_hours")
    value_per_hour = convert.money(value_per_hour, "value_per_hour")
    model = convert.text(model, "model", example="'gpt-4o'")
    as_of = convert.as_of_date(as_of)
    price_per_mtok = convert.optional(convert.money, price_per_mtok, "price_per_mtok", positive=True)
    batch_multiplier = convert.optional(convert.number, batch_multiplier, "batch_multiplier", above=True, maximum=1)
    price = exercise_price(book, model=model, as_of=as_of, price_per_mtok=price_per_mtok,
                           batch_multiplier=batch_multiplier)
    scenarios = tuple(scenario(price, n, tokens_per_row, wait_hours=wait_hours, value_per_hour=value_per_hour)
                      for n in rows)
    be = break_even(price, tokens_per_row, wait_hours=wait_hours, value_per_hour=value_per_hour)
    return Exercise(price, scenarios, None if be is None else Decimal(be.value), be)


def _hours(hours: Decimal) -> str:
    return f"{hours.normalize():f}" if hours == hours.to_integral_value() else f"{hours}"
