"""Re-pricing a counted estimate gives what a fresh estimate would, without reading the rows again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

import estimator
from estimator.errors import UsageError
from estimator.modes import EarlyExitParams, ModeParams

REVIEWS = Path(__file__).resolve().parent.parent / "examples" / "reviews.csv"
AS_OF = dt.date(2026, 12, 5)


def fresh(**kw: object) -> estimator.Estimate:
    return estimator.estimate(REVIEWS, model="gpt-4o", column="review", as_of=kw.pop("as_of", AS_OF), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("tokens", "cap"), [(0, None), (50, None), (200, 120), (900, 1000)])
def test_a_fixed_output_repriced_equals_an_estimate_made_with_it(tokens: int, cap: int | None) -> None:
    base = fresh(output_tokens=10)
    again = base.repriced(output_tokens=tokens, max_tokens=cap)
    expected = fresh(output_tokens=tokens, max_tokens=cap)
    assert again.comparison.modes == expected.comparison.modes
    assert again.profile.output_tokens == expected.profile.output_tokens


def test_other_mode_settings_and_dates_are_priced_without_counting() -> None:
    base = fresh(output_tokens=50)
    early = ModeParams(early_exit=EarlyExitParams(cancel_share=Decimal("0.5"), seen_fraction=Decimal("0.5")))
    assert base.repriced(modes=early).comparison.modes["streaming_early_exit"].total_cost < \
        base.comparison.modes["streaming_early_exit"].total_cost
    then = base.repriced(as_of="2024-06-01")
    assert then.priced.price.input_per_mtok == Decimal(5)  # the alias pointed at the $5 snapshot then
    assert then.comparison.modes == fresh(output_tokens=50, as_of=dt.date(2024, 6, 1)).comparison.modes


def test_a_cap_without_a_length_asks_for_a_new_estimate() -> None:
    with pytest.raises(UsageError) as info:
        fresh(output_tokens=50).repriced(max_tokens=20)
    assert info.value.param == "max_tokens"
