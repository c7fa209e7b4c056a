"""Money is Decimal. Parse without floats; round only when formatting."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

__all__ = ["format_price", "format_usd", "quantize"]

MILLION = Decimal(1_000_000)
ZERO = Decimal(0)
CENT = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    """Return ``value`` as an exact Decimal.

    Floats are refused: ``Decimal(0.1)`` is not 0.1, and a float that reached
    here has already lost the price it was meant to carry. Pass a string.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise TypeError(f"refusing float {value!r} as money: pass it as a string, e.g. '{value}'")
    if isinstance(value, str):
        try:
            result = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise ValueError(f"not a decimal amount: {value!r}") from None
        if not result.is_finite():
            raise ValueError(f"not a finite amount: {value!r}")
        return result
    raise TypeError(f"cannot read {type(value).__name__} as money")


def cost_of(tokens: int | Decimal, per_mtok: Decimal) -> Decimal:
    """Exact cost of ``tokens`` at a price in USD per million tokens."""
    return Decimal(tokens) * per_mtok / MILLION


def quantize(amount: Decimal, places: int = 2) -> Decimal:
    """Round half-up to ``places`` decimals; for display only."""
    # Enough precision for any finite amount: the default 28 digits would refuse a huge one.
    digits = max(28, amount.adjusted() + places + 2) if amount.is_finite() and amount else 28
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=Context(prec=digits))


def format_usd(amount: Decimal, places: int | None = None, *, under_a_cent: bool = False) -> str:
    """An amount for people: ``$1,234.57``; below a cent, two significant digits (``$0.0054``).

    One rule everywhere: cents for amounts of a cent or more, significant digits below, so a small
    amount never reads as $0.00 and a large one never carries digits nobody reads.
    ``under_a_cent=True`` writes a positive amount below a cent as ``< $0.01`` (for totals, where
    the digits do not matter). ``places`` forces a number of decimals. JSON keeps plain decimals.
    """
    if places is None:
        magnitude = abs(amount)
        if magnitude == 0 or magnitude >= Decimal("0.01"):
            places = 2
        elif under_a_cent:
            return "< $0.01" if amount > 0 else "> -$0.01"
        else:
            places = max(2, -magnitude.adjusted() + 1)  # two significant digits
            q = quantize(amount, places)
            if abs(q) >= Decimal("0.01"):  # 0.00995 rounds up to a cent
                places = 2
            else:  # $0.0001, not $0.00010
                places = max(2, -int(q.normalize().as_tuple().exponent))
    q = quantize(amount, places)
    sign = "-" if q < 0 else ""
    return f"{sign}${abs(q):,.{places}f}"


def format_price(per_unit: Decimal) -> str:
    """A unit price as written in a price table: at least cents, every digit it has (``$0.075``, ``$5.00``)."""
    places = max(2, -int(per_unit.normalize().as_tuple().exponent)) if per_unit.is_finite() else 2
    return format_usd(per_unit, places=min(places, 10))


def places_that_add_up(minuend: Decimal, subtrahend: Decimal, most: int = 6) -> int:
    """Decimals (from 2) at which ``a - b = c`` still reads true once each amount is rounded.

    $15.45 - $7.725 is $7.725: at cents it would read "$15.45 - $7.73 = $7.73"; at 3 decimals
    "$15.450 - $7.725 = $7.725".
    """
    places = 2
    while places < most and quantize(minuend, places) - quantize(subtrahend, places) != quantize(
        minuend - subtrahend, places
    ):
        places += 1
    return places


def places_for_sum(parts: Iterable[Decimal], total: Decimal, most: int = 6) -> int:
    """Decimals (from 2) at which the parts, each rounded, still add up to the rounded total."""
    items = list(parts)
    places = 2
    while places < most and sum((quantize(p, places) for p in items), ZERO) != quantize(total, places):
        places += 1
    return places


def total_as_shown(amounts: Iterable[Decimal], places: int = 2) -> Decimal:
    """The sum a reader gets from ``amounts`` each printed with ``places`` decimals: the total to print
    under a column of them, so the column adds up as read."""
    return sum((quantize(a, places) for a in amounts), ZERO)


def shown_difference(minuend: Decimal, subtrahend: Decimal) -> Decimal:
    """``a - b`` as a reader computes it from the two amounts shown in cents.

    Beside "$15.45" and "$7.73" a saving must read "$7.72", not the exact "$7.725" rounded up to
    "$7.73". Amounts below a cent are shown with their own digits, so their exact difference is kept.
    """
    cent = Decimal("0.01")
    if abs(minuend) >= cent and abs(subtrahend) >= cent:
        return quantize(minuend, 2) - quantize(subtrahend, 2)
    return minuend - subtrahend


def saving_words(standard: Decimal, cost: Decimal, share: Decimal) -> tuple[str, int]:
    """How a cost reads beside standard's: ("saves $X (Y%)", 1), ("costs $X (Y%) more", -1) or
    ("same as standard", 0); the amount is the difference of the two amounts as shown."""
    saves = shown_difference(standard, cost)
    if saves == 0:
        return "same as standard", 0
    pct = f"{(abs(share) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    if saves > 0:
        return f"saves {format_usd(saves)} ({pct})", 1
    return f"costs {format_usd(-saves)} ({pct}) more", -1
