"""Compare the curated tables with pydantic's genai-prices database, offline.

genai-prices ships its data inside the package, so the check needs no
network. Every difference is reported; one is acceptable only if the pricing
file acknowledges it (``[[acknowledged_disagreements]]``) with its reason and
source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from estimator.errors import PricingError
from estimator.pricing.book import PriceBook

DATABASE = "genai-prices"
PINNED_VERSION = "0.2.3"
_PROBE = 1000  # tokens per class: small enough to stay below every long-context threshold


@dataclass(frozen=True)
class Difference:
    provider: str
    model: str
    field: str
    ours: str
    theirs: str
    acknowledged: str | None  # the reason written in the data, or None

    def describe(self) -> str:
        state = f"acknowledged: {self.acknowledged}" if self.acknowledged else "NOT ACKNOWLEDGED"
        return f"{self.provider}/{self.model} {self.field}: ours {self.ours}, {DATABASE} {self.theirs} ({state})"


def database_version() -> str:
    try:
        from importlib.metadata import version

        return version(DATABASE)
    except Exception:  # noqa: BLE001 - any failure means it is not installed
        raise PricingError(f"{DATABASE} is not installed; install the 'check' extra "
                           f"({DATABASE}=={PINNED_VERSION})") from None


def _theirs(model: str, provider: str, day: dt.date) -> dict[str, Decimal] | None:
    from genai_prices import Usage, calc_price

    when = dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc)
    out: dict[str, Decimal] = {}
    try:
        plain = calc_price(Usage(input_tokens=_PROBE, output_tokens=_PROBE), model_ref=model,
                           provider_id=provider, genai_request_timestamp=when)
    except LookupError:
        return None
    out["input_per_mtok"] = Decimal(str(plain.input_price)) * 1000
    out["output_per_mtok"] = Decimal(str(plain.output_price)) * 1000
    try:
        cached = calc_price(Usage(input_tokens=_PROBE, cache_read_tokens=_PROBE), model_ref=model,
                            provider_id=provider, genai_request_timestamp=when)
        out["cached_input_per_mtok"] = Decimal(str(cached.input_price)) * 1000
    except (LookupError, ValueError):
        pass
    return out


def check(book: PriceBook, day: dt.date) -> list[Difference]:
    """Every difference between the current curated prices on ``day`` and genai-prices."""
    database_version()
    acknowledged = {(d.provider, d.model, d.field): d.reason for p in book.providers for d in p.disagreements}
    found: list[Difference] = []
    for prov in book.providers:
        for m in prov.models:
            if m.kind != "chat" or day < m.launch or (m.shutdown_date is not None and day >= m.shutdown_date):
                continue
            ours = m.price_on(day)
            theirs = _theirs(m.id, prov.id, day)

            def note(field: str, a: str, b: str) -> None:
                found.append(Difference(prov.id, m.id, field, a, b, acknowledged.get((prov.id, m.id, field))))

            if theirs is None:
                note("model", "priced", "unknown model")
                continue
            for field in ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok"):
                mine = getattr(ours, field)
                other = theirs.get(field)
                if field == "cached_input_per_mtok" and (mine is None or other is None):
                    continue
                if mine is None or other is None or abs(mine - other) > Decimal("0.0001"):
                    note(field, _fmt(mine), _fmt(other))
    return found


def _fmt(v: Decimal | None) -> str:
    return "-" if v is None else f"{v.normalize():f}"
