"""Dated price entries as runtime values: a model, its entries, its long-context tiers.

A price entry starts on its ``effective_from`` date (inclusive) and lasts
until the next entry of the same model starts. History is never rewritten:
a new price is a new entry. ``on_date`` says what an entry means on one day:
which modes exist then, and what an estimate must say about it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

from estimator.errors import PricingError, param
from estimator.pricing.market import Disagreement, Market, MovingAlias, TierPrice, TierRule, TierTerms, TierWindow
from estimator.pricing.shipped import display_path


@dataclass(frozen=True)
class Tier:
    above_input_tokens: int
    input_per_mtok: Decimal
    output_per_mtok: Decimal | None
    cached_input_per_mtok: Decimal | None
    cache_write_per_mtok: Decimal | None
    batch_input_per_mtok: Decimal | None
    batch_output_per_mtok: Decimal | None
    batch_cached_input_per_mtok: Decimal | None
    cache_write_1h_per_mtok: Decimal | None = None
    at_or_above: bool = False  # a prompt of exactly above_input_tokens is long (the provider's wording)

    @property
    def boundary(self) -> int:
        """The longest prompt still at the base rates: a request is long when its input exceeds this."""
        return self.above_input_tokens - 1 if self.at_or_above else self.above_input_tokens


@dataclass(frozen=True)
class BatchRule:
    discount_multiplier: Decimal
    cached_input: str
    completion_window_hours: int
    max_requests_per_file: int | None
    max_bytes_per_file: int | None
    source: str
    checked: dt.date
    note: str | None = None
    available_from: dt.date | None = None


@dataclass(frozen=True)
class Price:
    """One dated price entry of one model, USD per million tokens."""

    model: str
    provider: str
    effective_from: dt.date
    effective_until: dt.date | None  # exclusive; None = still current
    input_per_mtok: Decimal
    output_per_mtok: Decimal | None
    cached_input_per_mtok: Decimal | None
    cache_write_per_mtok: Decimal | None
    batch_input_per_mtok: Decimal | None
    batch_output_per_mtok: Decimal | None
    batch_cached_input_per_mtok: Decimal | None
    source: str
    note: str | None
    batch_rule: BatchRule | None
    tiers: tuple[Tier, ...] = ()
    origin: str = ""  # the file this entry came from
    cache_write_1h_per_mtok: Decimal | None = None
    cache_write_12h_per_mtok: Decimal | None = None
    cache_storage_per_mtok_hour: Decimal | None = None
    tier_prices: tuple[TierPrice, ...] = ()
    # Facts of the model and its provider that decide which tiers apply on a date.
    market: Market = field(default_factory=Market)
    offered_tiers: tuple[str, ...] = ()
    batch_offered: bool = True
    launch: dt.date | None = None
    shutdown_date: dt.date | None = None
    min_cacheable_tokens: int | None = None
    # Set by Model.price_on: the modes unavailable on the day priced (mode, reason), and notes.
    unavailable: tuple[tuple[str, str], ...] = ()
    notices: tuple[str, ...] = ()
    fallback: str | None = None  # set when the price comes from a price database, not the curated tables
    tier_windows: tuple[TierWindow, ...] = ()  # the model's own dates at its service tiers
    tier_rules: tuple[TierRule, ...] = ()  # the model's own rules at its tiers, each with its dates
    rules_day: dt.date | None = None  # the day the rules are taken on (set by on_date); None: effective_from

    def tier_price(self, tier: str) -> TierPrice | None:
        return next((t for t in self.tier_prices if t.tier == tier), None)

    def rules_in_force(self) -> tuple[TierRule, ...]:
        day = self.rules_day or self.effective_from
        return tuple(r for r in self.tier_rules if r.in_force(day))

    def tier_terms(self, tier: str) -> TierTerms:
        """The model's own terms at ``tier`` on the day priced; a field left None follows the provider's rule."""
        found: dict[str, object] = {}
        for r in self.rules_in_force():
            if r.tier != tier:
                continue
            for name in ("multiplier", "cached_input", "long_context", "standard_above_input_tokens"):
                if getattr(r, name) is not None:
                    found.setdefault(name, getattr(r, name))
            found.setdefault("source", r.source)
        return TierTerms(**found)  # type: ignore[arg-type]

    @property
    def thresholds(self) -> tuple[int, ...]:
        """Prompt lengths where prices change: the long-context boundaries, and where a tier excludes prompts.

        A usage splits its requests at each (``Usage.tiers``), so that every part is priced at its rates.
        """
        limits = {t.boundary for t in self.tiers}
        limits |= {r.standard_above_input_tokens for r in self.rules_in_force()
                   if r.standard_above_input_tokens is not None and r.tier in self.offered_tiers}
        return tuple(sorted(limits))

    def unavailable_reason(self, mode: str) -> str | None:
        return dict(self.unavailable).get(mode)

    def describe(self) -> str:
        until = f" until {self.effective_until}" if self.effective_until else " (current)"
        return f"{self.model} price from {self.effective_from}{until}, {display_path(self.origin)}, source: {self.source}"


@dataclass(frozen=True)
class Model:
    id: str
    provider: str
    display_name: str
    kind: str
    tokenizer: str
    aliases: tuple[str, ...]
    context_window: int | None
    max_output_tokens: int | None
    checked: dt.date
    note: str | None
    prices: tuple[Price, ...]
    origin: str
    shutdown_date: dt.date | None = None
    shutdown_source: str | None = None
    successor: str | None = None  # the replacement the provider names for after the shutdown
    successor_source: str | None = None
    service_tiers: tuple[str, ...] = ()

    @property
    def launch(self) -> dt.date:
        return self.prices[0].effective_from

    @property
    def exact_tokenizer(self) -> bool:
        return not self.tokenizer.startswith(("approx:", "ctok:"))

    def price_on(self, as_of: dt.date) -> Price:
        """The entry in force on ``as_of``."""
        day = as_of
        chosen = None
        for p in self.prices:
            if p.effective_from <= day:
                chosen = p
        if chosen is None:
            first = self.prices[0].effective_from
            raise PricingError(
                f"model {self.id!r} has no price on {day}: its first price starts {first}. "
                f"Set {param('as_of')} to {first} or later.",
                param="as_of",
            )
        return on_date(chosen, day)


@dataclass(frozen=True)
class Provider:
    id: str
    display_name: str
    pricing_page: str
    batch_rule: BatchRule | None
    models: tuple[Model, ...]
    origin: str
    market: Market = field(default_factory=Market)
    moving_aliases: tuple[MovingAlias, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()


def on_date(price: Price, day: dt.date) -> Price:
    """The entry as priced on ``day``: which modes exist then, and what the estimate must say."""
    unavailable: list[tuple[str, str]] = []
    notices: list[str] = []
    mk = price.market
    if price.fallback is not None:
        notices.append(f"{price.model} is not in the curated tables: priced from {price.fallback}")
    if not price.batch_offered and price.fallback is not None:
        unavailable.append(("batch", f"batch price unknown: {price.model} is priced from {price.fallback}, "
                                     "which does not show it sold through the Batch API"))
    elif not price.batch_offered:
        unavailable.append(("batch", f"{price.model} is not offered through the Batch API"))
    elif mk.batch_available_from is not None and day < mk.batch_available_from:
        unavailable.append(
            ("batch", f"the {price.provider} Batch API did not exist yet on {day}: it started {mk.batch_available_from}")
        )
    for tier in mk.tiers:
        if tier.name not in price.offered_tiers:
            unavailable.append((tier.name, f"{tier.label} price unknown: {price.model} is priced from "
                                           f"{price.fallback}, which does not show it sold at {tier.label}"
                                if price.fallback is not None else f"{price.model} is not offered at {tier.label}"))
            continue
        why = tier.reason_unavailable(day)
        for window in price.tier_windows:
            if why is None and window.tier == tier.name:
                why = window.reason_unavailable(price.model, tier.label, day)
        if why is None and price.launch is not None and day < price.launch:
            why = f"{price.model} was not offered yet on {day}"
        if why is not None:
            unavailable.append((tier.name, why))
    caching = mk.caching
    changes: dict[str, object] = {}
    if caching is not None and day < caching.available_from and price.cached_input_per_mtok is not None:
        changes.update(cached_input_per_mtok=None, cache_write_per_mtok=None, batch_cached_input_per_mtok=None)
        notices.append(f"{price.provider} prompt caching did not exist yet on the date priced (it started "
                       f"{caching.available_from}); cached tokens are billed at the input price")
    if price.shutdown_date is not None and day >= price.shutdown_date:
        notices.append(
            f"{price.model} was shut down on {price.shutdown_date}: the API no longer serves it on the "
            f"date priced; this is the last price it had, for comparison only"
        )
    # A model's dated rules (an introductory tier price) are taken on the day priced.
    rules_day = day if any(r.in_force(day) != r.in_force(price.effective_from) for r in price.tier_rules) else None
    if not unavailable and not notices and not changes and rules_day is None:
        return price
    return _with_state(price, tuple(unavailable), tuple(notices), bool(changes), rules_day)


@lru_cache(maxsize=4096)
def _with_state(price: Price, unavailable: tuple[tuple[str, str], ...], notices: tuple[str, ...],
                uncached: bool, rules_day: dt.date | None = None) -> Price:
    # Memoised so that one entry in one state is one object: callers compare entries by identity.
    changes: dict[str, object] = {}
    if uncached:
        changes.update(cached_input_per_mtok=None, cache_write_per_mtok=None, batch_cached_input_per_mtok=None)
    return replace(price, unavailable=unavailable, notices=notices, rules_day=rules_day,
                   **changes)  # type: ignore[arg-type]
