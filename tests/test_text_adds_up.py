"""Text output adds up from the amounts it prints: a reader's sums match the totals shown.

A saving printed beside two costs is their difference as printed; a forecast's total is the sum
of its months as printed; a route blend is the sum of its routes; an estimate row's input and
output make its total.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

import estimator
from estimator import JobSize, PlanOptions
from estimator.planning import ForecastOptions, TrafficMix, Volume
from estimator.usage import RequestSize

AS_OF = dt.date(2026, 12, 5)
MONEY = re.compile(r"-?\$[0-9,]+\.[0-9]+")
MODELS = ["gpt-4o", "gpt-5.4", "claude-sonnet-4-6", "gemini-2.5-pro", "gemini-3.6-flash"]


def amount(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", ""))


def places(text: str) -> int:
    return len(text.split(".")[1])


sizes = st.tuples(st.integers(1, 3_000_000), st.integers(0, 400_000), st.integers(0, 5_000))


@settings(max_examples=25, deadline=None)
@given(model=st.sampled_from(MODELS), size=sizes)
def test_plan_savings_are_the_difference_of_the_costs_printed(model: str, size: tuple[int, int, int]) -> None:
    rows, inp, out = size
    text = estimator.plan(model=model, size=JobSize(rows, inp, out), as_of=AS_OF,
                          options=PlanOptions(value_per_hour=Decimal(20))).to_text()
    block = text.split("Cost:\n")[1].split("\n\n")[0].splitlines()
    standard = amount(MONEY.findall(block[0])[0])
    for line in block[1:]:
        shown = MONEY.findall(line)
        cost = amount(shown[0])
        if cost < Decimal("0.01") or standard < Decimal("0.01"):
            continue  # below a cent amounts are printed with their own digits
        saved = amount(shown[1]) if "saves" in line else -amount(shown[1])
        assert saved == standard - cost, line


@settings(max_examples=20, deadline=None)
@given(model=st.sampled_from(MODELS), size=sizes, growth=st.integers(-20, 40))
def test_forecast_totals_are_the_sum_of_the_months_printed(model: str, size: tuple[int, int, int],
                                                           growth: int) -> None:
    rows, inp, out = size
    f = estimator.forecast(Volume(rows, "day", RequestSize.per_request(inp, out), Decimal(growth)), model=model,
                           options=ForecastOptions(start=AS_OF, months=6))
    lines = f.to_text().splitlines()
    months = [line for line in lines if re.match(r"\d{4}-\d{2} ", line)]
    (total,) = [line for line in lines if line.startswith("total")]
    columns = [[amount(m) for m in MONEY.findall(line)] for line in months]
    totals = [amount(m) for m in MONEY.findall(total)]
    for i, shown_total in enumerate(totals):
        assert sum((row[i] for row in columns if i < len(row)), Decimal(0)) == shown_total


@settings(max_examples=20, deadline=None)
@given(model=st.sampled_from(MODELS), daily=st.integers(0, 2_000_000), size=sizes,
       shares=st.tuples(st.integers(0, 100), st.integers(0, 100)))
def test_a_route_blend_is_the_sum_of_its_routes_printed(model: str, daily: int, size: tuple[int, int, int],
                                                        shares: tuple[int, int]) -> None:
    _, inp, out = size
    mix = TrafficMix(daily, Decimal(shares[0]) / 100, Decimal(shares[1]) / 100)
    text = estimator.route(mix, JobSize(1, inp, out), model=model, as_of=AS_OF).to_text()
    routes = [line for line in text.splitlines() if "/day" in line and not line.startswith("Blend")]
    per_route = [amount(MONEY.findall(line)[-1]) for line in routes]
    (blend,) = [line for line in text.splitlines() if line.startswith("Blend")]
    if all(c == 0 or c >= Decimal("0.01") for c in per_route):
        assert amount(MONEY.findall(blend)[0]) == sum(per_route, Decimal(0))


def test_an_estimate_row_adds_up_and_its_saving_is_the_difference_of_totals() -> None:
    texts = [f"Summarise the following review in one line, please: review number {i} " * 40 for i in range(300)]
    est = estimator.estimate(texts, model="gpt-4o", output_tokens=700, as_of=AS_OF)
    table = est.to_text().split("---\n")[1].split("\n\n")[0].splitlines()
    standard_total = None
    for line in table:
        shown = MONEY.findall(line)
        if len(shown) < 4:
            continue
        inp, out, total, saves = (amount(s) for s in shown[:4])
        assert places(shown[0]) == places(shown[1]) == places(shown[2])
        assert inp + out == total, line
        if standard_total is None:
            standard_total = total
        assert saves == standard_total - total, line
