"""A model and the price entry chosen for it on a day, with how it was chosen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from estimator.pricing.book import PriceBook, override_price
from estimator.pricing.entries import Model, Price


@dataclass(frozen=True)
class PricedModel:
    """A model, the entry in force on ``as_of`` (overrides applied), and what a reader must know
    about that choice (``notes``: an override, a pricing date after today)."""

    model: Model
    price: Price
    as_of: dt.date
    overridden: bool = False
    notes: tuple[str, ...] = ()
    requested: str = ""  # the name asked for (a snapshot id, an alias); the entry is ``model``'s

    @property
    def requested_name(self) -> str:
        return self.requested or self.model.id

    def describe(self) -> str:
        if self.overridden:
            return f"{self.model.id}: {self.price.source} ({self.price.note})"
        return self.price.describe()


def resolve_price(
    book: PriceBook,
    model: str,
    *,
    as_of: dt.date,
    today: dt.date | None = None,
    input_per_mtok: Decimal | None = None,
    output_per_mtok: Decimal | None = None,
) -> PricedModel:
    """Pick the entry of ``model`` in force on ``as_of`` and apply any flat overrides.

    ``today`` is the day the question is asked: a pricing date after it is accepted (a budget for
    later is a fair question), and the notes say that only the prices known today are used.
    """
    m = book.model(model, as_of)  # a moving alias (gemini-flash-latest) points where it pointed on that day
    price = m.price_on(as_of)
    notes = _future_date_notes(as_of, today, price)
    asked = model.strip()
    if asked not in (m.id, *m.aliases) and asked.lower() not in (m.id.lower(), *(a.lower() for a in m.aliases)):
        how = "on that day" if book.moving_alias(asked) is not None else "another name of the same model"
        notes = (f"{asked!r} is priced as {m.id} ({how})", *notes)
    if input_per_mtok is None and output_per_mtok is None:
        return PricedModel(m, price, as_of, notes=notes, requested=asked)
    over = override_price(book, m.id, input_per_mtok=input_per_mtok, output_per_mtok=output_per_mtok, as_of=as_of)
    # Keep the date of the entry the override was based on, but say it is an override.
    over = replace(over, effective_from=price.effective_from, effective_until=price.effective_until)
    return PricedModel(m, over, as_of, overridden=True, notes=notes, requested=asked)


def _future_date_notes(as_of: dt.date, today: dt.date | None, price: Price) -> tuple[str, ...]:
    if today is None or as_of <= today:
        return ()
    return (
        f"the pricing date {as_of} is after today ({today}): the estimate uses the prices known today "
        f"(the entry in force from {price.effective_from}); a price change announced later is not included",
    )
