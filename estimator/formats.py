"""Numbers for people: hours, shares, counts and sizes, rounded for display only.

Money has its own module (``estimator.money.format_usd``). Every front end and
every text report formats with these, so the same figure reads the same
everywhere; arithmetic never happens on the formatted text.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MEBIBYTE = 1024 * 1024


def format_hours(hours: Decimal) -> str:
    """``3 h``, ``1.5 h``, ``45.0 min``; two days and more also in days: ``72 h (3.0 days)``."""
    if hours == hours.to_integral_value():
        text = f"{int(hours):,} h"
    elif hours < 1:
        minutes = (hours * 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{minutes} min" if minutes else "< 0.1 min"
    else:
        text = f"{hours.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,} h"
    if hours >= 48:
        days = (hours / 24).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        text += f" ({days:,} days)"
    return text


def format_number(value: Decimal) -> str:
    """A whole number with thousands separators, or two decimals when it has a fraction."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def format_share(share: Decimal, places: int = 1) -> str:
    """A share of one as a percentage: ``Decimal("0.125")`` -> ``12.5%``."""
    return f"{(Decimal(share) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


def compact_count(n: int) -> str:
    """1,234,567 as 1.23M: for places with room for a few characters (a metric)."""
    if n >= 1_000_000_000:
        return f"{Decimal(n) / 1_000_000_000:.2f}B"
    if n >= 1_000_000:
        return f"{Decimal(n) / 1_000_000:.2f}M"
    if n >= 100_000:
        return f"{Decimal(n) / 1_000:.0f}k"
    return f"{n:,}"


def format_bytes(n: int) -> str:
    """A file size: ``12.3 MB`` from a mebibyte up (providers state limits in binary megabytes), else bytes."""
    if n >= MEBIBYTE:
        return f"{Decimal(n) / MEBIBYTE:,.1f} MB"
    return f"{n:,} bytes"


def megabytes(n_mb: int) -> int:
    """Bytes in ``n_mb`` binary megabytes (how upload limits are set)."""
    return n_mb * MEBIBYTE


def format_clock(seconds: float) -> str:
    """``4:07`` or ``1:02:03``: a duration as a clock shows it."""
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def progress_share(done: int, total: int | None) -> float:
    """How far a pass has got, 0 to 1 (0 when the total is unknown): for a progress bar."""
    return min(1.0, done / total) if total else 0.0


def progress_text(rows: int, bytes_read: int, total_bytes: int | None, elapsed: float,
                  eta_seconds: float | None) -> str:
    """One line on a count in progress: rows, megabytes read (of the total), speed and time left."""
    mb = bytes_read / 1e6
    total = f"/{total_bytes / 1e6:,.1f}" if total_bytes else ""
    rate = f"  {mb / elapsed:,.1f} MB/s" if elapsed > 0 else ""
    eta = f"  ETA {format_clock(eta_seconds)}" if eta_seconds is not None else ""
    return f"counting: {rows:,} rows  {mb:,.1f}{total} MB{rate}{eta}"
