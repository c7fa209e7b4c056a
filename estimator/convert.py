"""The door of the library: what a person passes, converted once into exact values.

Every public call converts its arguments here, so that inside the package only
exact types flow (``datetime.date``, ``int``, ``Decimal``) and a wrong value
is an ``EstimatorError`` naming the argument as Python spells it. The pricing
date defaults to today here, and nowhere else.
"""

from __future__ import annotations

import datetime as dt

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
