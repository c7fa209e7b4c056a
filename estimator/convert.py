"""The door of the library: what a person passes, converted once into exact values.

Every public call converts its arguments here, so that inside the package only
exact types flow (``datetime.date``, ``int``, ``Decimal``) and a wrong value
is an ``EstimatorError`` naming the argument as Python spells it. The pricing
date defaults to today here, and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from estimator.errors import UsageError, param


def today() -> dt.date:
    """The day the question is asked: the default pricing date and the reference for 'later'."""
    return dt.date.today()


def as_of_date(value: object, name: str = "as_of") -> dt.date:
    """A pricing date from ``None`` (today), a ``date``, a ``datetime`` (its day) or an ISO string."""
    if value is None:
        return today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise UsageError(f"{param(name)} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-01-31",
                             param=name) from None
    raise UsageError(f"{param(name)} must be a date (datetime.date or 'YYYY-MM-DD'), not {type(value).__name__}",
                     param=name)


FURTHEST_PRICING_YEARS = 5
"""How far ahead a pricing date may be set: prices known today, for a budget some years out."""


def furthest_pricing_date() -> dt.date:
    return today() + dt.timedelta(days=FURTHEST_PRICING_YEARS * 365)


def rounded_decimal(value: float | int | Decimal, places: int = 6) -> Decimal:
    """A number from a form field as an exact Decimal with the float noise of its steps rounded off
    (a field stepping by 0.05 can hold 0.15000000000000002; the person meant 0.15)."""
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    return d.normalize() if d != 0 else Decimal(0)
