"""Money is Decimal. Parse without floats; round only when formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

MILLION = Decimal(1_000_000)
ZERO = Decimal(0)


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


def format_usd(amount: Decimal, places: int | None = None) -> str:
    """``$1,234.57``; small amounts keep enough digits to not read as $0.00."""
    if places is None:
        places = 2 if abs(amount) >= 1 or amount == 0 else 4
        if amount != 0 and abs(amount) < Decimal("0.0001"):
            places = 6
    q = quantize(amount, places)
    sign = "-" if q < 0 else ""
    return f"{sign}${abs(q):,.{places}f}"
