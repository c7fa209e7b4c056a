"""Compare every price field of the curated tables with the pinned price databases, offline.

Fields compared, on every date a reference knows (genai-prices: each start date of its prices
and tier variants, and each of our entries' first days; litellm: undated, so the day checked):
Standard input, output, cached input and cache writes per TTL; the same above each long-context
threshold (ours and theirs); Batch, Flex, Priority/Fast and Ultrafast input, cached input,
cache write and output; the regional and FedRAMP uplifts; the shortest cacheable prefix; the
shutdown date; and whether the database knows the model at all.

Every difference is reported. One passes only where a pricing file acknowledges it
(``[[acknowledged_disagreements]]``) with the field, the dates, both values and the source; an
acknowledgement stops covering a field as soon as either value changes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from estimator.pricing import references as refs
from estimator.pricing.book import PriceBook
from estimator.pricing.entries import Model, Price
from estimator.pricing.rates import entry_figures

TIERS = ("batch", "flex", "priority", "ultrafast")
_GENAI_FIELDS = {"input_mtok": "input_per_mtok", "output_mtok": "output_per_mtok",
                 "cache_read_mtok": "cached_input_per_mtok", "cache_write_mtok": "cache_write_per_mtok",
                 "cache_write_1h_mtok": "cache_write_1h_per_mtok"}
_GENAI_CONTEXT = {"batch": {"processing": "batch"}, "flex": {"service_tier": "flex"},
                  "priority": {"service_tier": "priority"}, "ultrafast": {"service_tier": "ultrafast"}}
_GENAI_CONTEXT_ANTHROPIC = {**_GENAI_CONTEXT, "priority": {"speed": "fast"}}
_LITELLM_KEY = re.compile(
    r"^(?P<base>input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)"
    r"(?:_above_(?P<ttl>1|12)hr)?(?:_above_(?P<k>\d+)k_tokens)?(?:_(?P<tier>batches|flex|priority|ultrafast))?$")
_LITELLM_BASE = {"input_cost_per_token": "input_per_mtok", "output_cost_per_token": "output_per_mtok",
                 "cache_read_input_token_cost": "cached_input_per_mtok",
                 "cache_creation_input_token_cost": "cache_write_per_mtok"}
_LITELLM_TIER = {None: "", "batches": "batch.", "flex": "flex.", "priority": "priority.", "ultrafast": "ultrafast."}
_TOLERANCE = Decimal("0.000001")


@dataclass(frozen=True)
class Difference:
    provider: str
    model: str
    field: str
    ours: str
    theirs: str
    database: str
    first: dt.date  # first day it was seen
    last: dt.date  # last day it was seen (inclusive)
    acknowledged: str | None = None  # the reason written in the data, or None

    def describe(self) -> str:
        state = f"acknowledged: {self.acknowledged}" if self.acknowledged else "NOT ACKNOWLEDGED"
        when = str(self.first) if self.first == self.last else f"{self.first} to {self.last}"
        return (f"{self.provider}/{self.model} {self.field} ({when}): ours {self.ours}, "
                f"{self.database} {self.theirs} ({state})")


@dataclass(frozen=True)
class CheckResult:
    compared: int  # field comparisons made
    differences: tuple[Difference, ...]
    by_database: Mapping[str, int]  # comparisons per database

    @property
    def unacknowledged(self) -> tuple[Difference, ...]:
        return tuple(d for d in self.differences if d.acknowledged is None)


def fmt(value: Decimal | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def same(a: Decimal | str | None, b: Decimal | str | None) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return abs(a - b) <= _TOLERANCE
    return fmt(a) == fmt(b)




# ---------------------------------------------------------------- ours


def _ours(model: Model, price: Price) -> dict[str, Decimal | str | None]:
    """Every field of ours for ``price`` (an entry as priced on one day); a mode not sold that day is absent."""
    out: dict[str, Decimal | str | None] = dict(entry_figures(price))
    for mode in TIERS:
        out[f"{mode}.offered"] = "yes" if any(k.startswith(f"{mode}.") for k in out) else "no"
    if price.cached_input_per_mtok is None:  # the database lists a cached price only where one exists
        out = {k: v for k, v in out.items() if not k.endswith("cached_input_per_mtok")}
    if price.min_cacheable_tokens is not None:
        out["min_cacheable_tokens"] = Decimal(price.min_cacheable_tokens)
    out["shutdown_date"] = str(model.shutdown_date) if model.shutdown_date else "-"
    for up in price.market.uplifts:
        if price.launch is not None and up.applies_to_model(price.model, price.launch):
            out[f"uplift.{up.name}"] = up.multiplier
        elif up.older_models == "no_uplift":
            out[f"uplift.{up.name}"] = Decimal(1)
    return out


def _thresholds(price: Price) -> tuple[int, ...]:
    return tuple(t.boundary for t in price.tiers)


# ---------------------------------------------------------------- genai-prices


def _genai_model(model: Model) -> Any | None:
    from genai_prices.data_snapshot import get_snapshot

    for name in (model.id, *model.aliases):
        try:
            found, info = get_snapshot().find_provider_model(name, None, model.provider, None)
        except LookupError:
            continue
        if found.id == model.provider:
            return info
    return None


def _genai_dates(info: Any) -> set[dt.date]:
    from genai_prices.types import StartDateConstraint

    days: set[dt.date] = set()
    for cp in info.prices if isinstance(info.prices, list) else ():
        if isinstance(cp.constraint, StartDateConstraint):
            days.add(cp.constraint.start_date)
    for v in info.price_variants or ():
        if isinstance(v.constraint, StartDateConstraint):
            days.add(v.constraint.start_date)
    return days


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def _genai_at(value: Any, input_tokens: int) -> Decimal | None:
    from genai_prices.types import TieredPrices

    if value is None:
        return None
    if isinstance(value, TieredPrices):
        chosen = Decimal(value.base)
        for tier in value.tiers:
            if input_tokens > tier.start:
                chosen = Decimal(tier.price)
        return chosen
    return Decimal(value)


def _genai_limits(mp: Any) -> set[int]:
    from genai_prices.types import TieredPrices

    return {t.start for v in vars(mp).values() if isinstance(v, TieredPrices) for t in v.tiers}


def _genai(info: Any, provider: str, day: dt.date, limits: Iterable[int]) -> dict[str, Decimal | str | None]:
    """genai-prices' fields on ``day``; a tier only where a variant for it is in force that day."""
    out: dict[str, Decimal | str | None] = {}
    when = _noon(day)
    contexts = _GENAI_CONTEXT_ANTHROPIC if provider == "anthropic" else _GENAI_CONTEXT
    standard = info.get_prices(when)
    all_limits = sorted({*limits, *_genai_limits(standard)})
    for mode in ("standard", *TIERS):
        head = "" if mode == "standard" else f"{mode}."
        if mode == "standard":
            mp = standard
        else:
            ctx = contexts[mode]
            active = [v for v in info.price_variants or ()
                      if v.when == ctx and (v.constraint is None or v.constraint.active(when))]
            if not active:
                continue
            out[f"{mode}.offered"] = "yes"
            mp = info.get_prices(when, ctx)
        for above in (0, *all_limits):
            seg = f"above_{above}." if above else ""
            for key, name in _GENAI_FIELDS.items():
                value = _genai_at(getattr(mp, key, None), above + 1 if above else 0)
                if value is not None:
                    out[f"{head}{seg}{name}"] = value
    return out


# ---------------------------------------------------------------- litellm


def _litellm(entry: Mapping[str, Any]) -> dict[str, Decimal | str | None]:
    out: dict[str, Decimal | str | None] = {}
    for key, value in entry.items():
        m = _LITELLM_KEY.match(key)
        price = refs.per_mtok(value) if m else None
        if m is None or price is None:
            continue
        name = _LITELLM_BASE[m["base"]]
        if m["ttl"]:
            if m["base"] != "cache_creation_input_token_cost":
                continue
            name = f"cache_write_{m['ttl']}h_per_mtok"
        seg = f"above_{int(m['k']) * 1000}." if m["k"] else ""
        out[f"{_LITELLM_TIER[m['tier']]}{seg}{name}"] = price
    for tier in TIERS:
        if any(k.startswith(f"{tier}.") for k in out):
            out[f"{tier}.offered"] = "yes"
    if isinstance(entry.get("prompt_cache_min_tokens"), int):
        out["min_cacheable_tokens"] = Decimal(entry["prompt_cache_min_tokens"])
    if isinstance(entry.get("deprecation_date"), str):
        out["shutdown_date"] = entry["deprecation_date"]
    for key, name in (("regional_processing_uplift_multiplier_eu", "uplift.regional"),
                      ("fedramp_uplift_multiplier", "uplift.fedramp")):
        if isinstance(entry.get(key), (int, Decimal)):
            out[name] = Decimal(entry[key])
    return out


# ---------------------------------------------------------------- the check


def _compare(ours: Mapping[str, Decimal | str | None], theirs: Mapping[str, Decimal | str | None],
             kind: str = "chat") -> tuple[int, list[tuple[str, str, str]]]:
    """(fields compared, [(field, ours, theirs)]) over every field the database has."""
    found: list[tuple[str, str, str]] = []
    compared = 0
    for name, value in sorted(theirs.items()):
        if kind == "embedding" and name.endswith("output_per_mtok"):
            continue  # an embedding bills input only (litellm writes 0 for its output)
        mode = name.split(".", 1)[0] if "." in name else ""
        if mode in TIERS and not name.endswith(".offered") and ours.get(f"{mode}.offered") == "no":
            continue  # one difference for the tier: "<tier>.offered"
        mine = ours.get(name)
        if mine is None and not name.endswith(("input_per_mtok", "output_per_mtok", ".offered")):
            continue  # a field we do not hold (a cache write of a TTL not sold here)
        compared += 1
        if not same(mine, value):
            found.append((name, fmt(mine), fmt(value)))
    return compared, found


def check(book: PriceBook, day: dt.date) -> CheckResult:
    """Every difference between the curated tables and both pinned databases, on every date they know."""
    refs.require_genai_prices()
    raw: dict[tuple[str, str, str, str, str, str], list[dt.date]] = {}
    counts = {refs.GENAI_PRICES: 0, refs.LITELLM: 0}

    def seen(database: str, model: Model, when: dt.date, found: Iterable[tuple[str, str, str]]) -> None:
        for name, a, b in found:
            raw.setdefault((database, model.provider, model.id, name, a, b), []).append(when)

    for prov in book.providers:
        for m in prov.models:
            end = m.shutdown_date
            info = _genai_model(m)
            if info is None:
                seen(refs.GENAI_PRICES, m, m.launch, [("model", "priced", "unknown model")])
            else:
                days = {p.effective_from for p in m.prices} | _genai_dates(info) | {day}
                for d in sorted(days):
                    if d < m.launch or (end is not None and d >= end):
                        continue
                    price = m.price_on(d)
                    n, found = _compare(_ours(m, price), _genai(info, prov.id, d, _thresholds(price)), m.kind)
                    counts[refs.GENAI_PRICES] += n
                    seen(refs.GENAI_PRICES, m, d, found)
            # litellm has no dates: it is compared on the day checked, or on a shut-down model's last day.
            when = day if end is None or day < end else end - dt.timedelta(days=1)
            entry = next((e for e in (refs.litellm_entry(prov.id, n) for n in (m.id, *m.aliases)) if e), None)
            if entry is None and (end is None or end > day):
                seen(refs.LITELLM, m, m.launch, [("model", "priced", "unknown model")])
            elif entry is not None and m.launch <= when:
                price = m.price_on(when)
                n, found = _compare(_ours(m, price), _litellm(entry), m.kind)
                counts[refs.LITELLM] += n
                seen(refs.LITELLM, m, when, found)
    acks = [d for p in book.providers for d in p.disagreements]
    diffs = []
    for (database, provider, model, name, a, b), seen_on in sorted(raw.items()):
        first, last = min(seen_on), max(seen_on)
        reason = next((d.reason for d in acks if d.covers(provider, model, name, database, a, b, first, last)), None)
        diffs.append(Difference(provider, model, name, a, b, database, first, last, reason))
    return CheckResult(sum(counts.values()), tuple(diffs), counts)
