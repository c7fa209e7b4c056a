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
    effective_from: dt.date | None = None  # the dated entry compared (history check), None: the day checked

    def describe(self) -> str:
        state = f"acknowledged: {self.acknowledged}" if self.acknowledged else "NOT ACKNOWLEDGED"
        entry = f" (entry from {self.effective_from})" if self.effective_from else ""
        return (f"{self.provider}/{self.model}{entry} {self.field}: ours {self.ours}, {DATABASE} {self.theirs} "
                f"({state})")


def database_version() -> str:
    try:
        from importlib.metadata import version

        return version(DATABASE)
    except Exception:  # noqa: BLE001 - any failure means it is not installed
        raise PricingError(f"{DATABASE} is not installed; install the 'check' extra "
                           f"({DATABASE}=={PINNED_VERSION})") from None


def _theirs(model: str, provider: str, day: dt.date) -> dict[str, Decimal] | None:
    from genai_prices import Usage, calc_price

    when = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
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
    """Every difference between the curated prices in force on ``day`` and genai-prices on that day."""
    database_version()
    acknowledged = {(d.provider, d.model, d.field): d.reason for p in book.providers for d in p.disagreements}
    found: list[Difference] = []
    for prov in book.providers:
        for m in prov.models:
            if m.kind != "chat" or day < m.launch or (m.shutdown_date is not None and day >= m.shutdown_date):
                continue
            ours = m.price_on(day)
            theirs = _theirs(m.id, prov.id, day)

            def note(field: str, a: str, b: str, provider: str = prov.id, model: str = m.id) -> None:
                found.append(Difference(provider, model, field, a, b, acknowledged.get((provider, model, field))))

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


_LONG_PROBE = 200_000  # the usual long-context threshold: a tier one side has and the other lacks shows here


def _theirs_long(model: str, provider: str, day: dt.date, above: int) -> Decimal | None:
    """genai-prices' input price per million for a request of ``above`` + 1,000 input tokens."""
    from genai_prices import Usage, calc_price

    when = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    tokens = above + _PROBE
    try:
        got = calc_price(Usage(input_tokens=tokens, output_tokens=0), model_ref=model, provider_id=provider,
                         genai_request_timestamp=when)
    except (LookupError, ValueError):
        return None
    return Decimal(str(got.input_price)) * 1_000_000 / tokens


def check_history(book: PriceBook) -> list[Difference]:
    """Every difference on the first day of each dated curated entry, long-context tiers included.

    Today's check (``check``) cannot see a wrong history: a database that back-filled today's price
    over a launch period agrees today. This compares each entry on the day it starts, and the input
    price of a request above each long-context threshold (ours, and 200,000 tokens).
    """
    database_version()
    acks = [d for p in book.providers for d in p.disagreements]

    def reason(provider: str, model: str, field: str, start: dt.date) -> str | None:
        for d in acks:
            if (d.provider, d.model, d.field) == (provider, model, field) and d.effective_from in (None, start):
                return d.reason
        return None

    found: list[Difference] = []
    for prov in book.providers:
        for m in prov.models:
            if m.kind != "chat":
                continue
            for entry in m.prices:
                day = entry.effective_from
                if m.shutdown_date is not None and day >= m.shutdown_date:
                    continue
                ours = m.price_on(day)
                theirs = _theirs(m.id, prov.id, day)

                def note(field: str, a: str, b: str, start: dt.date = day, provider: str = prov.id,
                         model: str = m.id) -> None:
                    found.append(Difference(provider, model, field, a, b, reason(provider, model, field, start), start))

                if theirs is None:
                    note("model", "priced", "unknown model")
                    break
                for field in ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok"):
                    mine, other = getattr(ours, field), theirs.get(field)
                    if field == "cached_input_per_mtok" and (mine is None or other is None):
                        continue
                    if mine is None or other is None or abs(mine - other) > Decimal("0.0001"):
                        note(field, _fmt(mine), _fmt(other))
                own = {t.above_input_tokens for t in ours.tiers}
                for above in sorted({*own, _LONG_PROBE}):
                    if above not in own and m.context_window is not None and above + _PROBE > m.context_window:
                        continue  # no request that long is possible, and we price no tier for one
                    tier = max((t for t in ours.tiers if t.above_input_tokens <= above),
                               key=lambda t: t.above_input_tokens, default=None)
                    mine = tier.input_per_mtok if tier is not None else ours.input_per_mtok
                    other = _theirs_long(m.id, prov.id, day, above)
                    if other is not None and abs(mine - other) > Decimal("0.0001"):
                        note("tiers", f"input {_fmt(mine)} above {above:,}", f"input {_fmt(other)}")
    return found
