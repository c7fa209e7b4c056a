"""A provider's market rules as runtime values: service tiers, uplifts, combinations, caching.

A provider sells the same model at several service tiers (Standard, Batch,
Flex, Priority/Fast, Ultrafast), each with its own price, latency and
behaviour under load, and with uplifts that stack on top (regional
processing, FedRAMP, US-only inference). The rules live in the pricing files
(``[[service_tiers]]``, ``[[uplifts]]``, ``[[combinations]]``, ``[caching]``),
each with its source; ``load`` turns them into these frozen values. The cost
arithmetic is in ``estimator.modes``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ServiceTier:
    name: str
    label: str
    request: str
    multiplier: Decimal
    cached_input: str
    long_context: str
    available_from: dt.date
    available_until: dt.date | None
    latency: str
    limits: str
    under_load: str
    source: str
    note: str | None = None

    def reason_unavailable(self, day: dt.date) -> str | None:
        if day < self.available_from:
            return f"{self.label} did not exist yet on {day}: it started {self.available_from} ({self.source})"
        if self.available_until is not None and day >= self.available_until:
            return f"{self.label} was withdrawn on {self.available_until} ({self.source})"
        return None


@dataclass(frozen=True)
class Uplift:
    name: str
    label: str
    multiplier: Decimal
    models_released_from: dt.date | None
    models: tuple[str, ...]
    applies_to: tuple[str, ...]
    source: str
    note: str | None = None
    older_models: str = "no_uplift"  # or "refused": older models reject the option

    def applies_to_model(self, model: str, launch: dt.date) -> bool:
        if self.models and model not in self.models:
            return False
        return self.models_released_from is None or launch >= self.models_released_from


@dataclass(frozen=True)
class Fee:
    """A charge per server-tool use, in force from ``effective_from`` until ``effective_until`` (exclusive)."""

    tool: str
    unit: str
    label: str
    usd_per_thousand: Decimal
    effective_from: dt.date
    effective_until: dt.date | None
    models: tuple[str, ...]
    models_released_from: dt.date | None
    models_released_before: dt.date | None
    batch_discount: bool
    free_allowance: str | None
    source: str
    note: str | None = None

    def covers(self, model: str, launch: dt.date | None, day: dt.date) -> bool:
        """Whether the fee applies to ``model`` (first offered on ``launch``) on ``day``."""
        if day < self.effective_from or (self.effective_until is not None and day >= self.effective_until):
            return False
        if self.models and model not in self.models:
            return False
        if launch is not None and self.models_released_from is not None and launch < self.models_released_from:
            return False
        return not (launch is not None and self.models_released_before is not None
                    and launch >= self.models_released_before)


@dataclass(frozen=True)
class Combination:
    features: tuple[str, str]
    allowed: bool
    models: tuple[str, ...]
    reason: str
    source: str

    def concerns(self, a: str, b: str, model: str) -> bool:
        return {a, b} == set(self.features) and (not self.models or model in self.models)


@dataclass(frozen=True)
class TtlWrite:
    """A cache write of one TTL priced as a multiple of the input price."""

    ttl: str
    input_multiplier: Decimal
    models_released_from: dt.date | None
    source: str
    note: str | None = None


@dataclass(frozen=True)
class CachingRule:
    available_from: dt.date
    min_cacheable_tokens: int
    default_ttl: str
    ttls: tuple[str, ...]
    writes: str
    storage: str | None
    source: str
    note: str | None = None
    ttl_writes: tuple[TtlWrite, ...] = ()
    hit_increment_tokens: int | None = None
    hit_increment_models_released_before: dt.date | None = None

    def ttl_write(self, ttl: str | None, launch: dt.date | None) -> TtlWrite | None:
        """The rule pricing a write of ``ttl`` for a model first offered on ``launch``, if one applies."""
        return next((w for w in self.ttl_writes if w.ttl == ttl and (
            w.models_released_from is None or (launch is not None and launch >= w.models_released_from))), None)

    def hit_increment(self, launch: dt.date | None) -> int | None:
        """Cache hits of a model first offered on ``launch`` come in increments of this many tokens, or None."""
        cutoff = self.hit_increment_models_released_before
        if self.hit_increment_tokens is None or (cutoff is not None and (launch is None or launch >= cutoff)):
            return None
        return self.hit_increment_tokens


@dataclass(frozen=True)
class TierRule:
    """A model's own rule at one tier (``[[models.tier_rules]]``); None fields follow the provider's rule."""

    tier: str
    multiplier: Decimal | None
    cached_input: str | None
    long_context: str | None
    standard_above_input_tokens: int | None
    effective_from: dt.date | None
    effective_until: dt.date | None
    source: str
    note: str | None = None

    def in_force(self, day: dt.date) -> bool:
        return (self.effective_from is None or day >= self.effective_from) and (
            self.effective_until is None or day < self.effective_until)


@dataclass(frozen=True)
class TierTerms:
    """How one tier prices one model on one day: the model's rule where it has one, else None (the provider's)."""

    multiplier: Decimal | None = None
    cached_input: str | None = None
    long_context: str | None = None
    standard_above_input_tokens: int | None = None
    source: str | None = None


@dataclass(frozen=True)
class TierPrice:
    tier: str
    input_per_mtok: Decimal | None
    output_per_mtok: Decimal | None
    cached_input_per_mtok: Decimal | None
    cache_write_per_mtok: Decimal | None
    long_context_input_per_mtok: Decimal | None
    long_context_output_per_mtok: Decimal | None
    long_context_cached_input_per_mtok: Decimal | None
    source: str
    note: str | None = None


@dataclass(frozen=True)
class Disagreement:
    provider: str
    model: str
    field: str
    effective_from: dt.date
    until: dt.date | None
    ours: str
    theirs: str
    database: str
    reason: str
    source: str

    def covers(self, provider: str, model: str, field: str, database: str, ours: str, theirs: str,
               first: dt.date, last: dt.date) -> bool:
        """Whether this acknowledges that difference: same field, same two values, all its days inside."""
        return ((self.provider, self.model, self.field, self.database, self.ours, self.theirs)
                == (provider, model, field, database, ours, theirs)
                and self.effective_from <= first and (self.until is None or last < self.until))


@dataclass(frozen=True)
class TierWindow:
    tier: str
    available_from: dt.date | None
    available_until: dt.date | None
    source: str
    note: str | None = None

    def reason_unavailable(self, model: str, label: str, day: dt.date) -> str | None:
        if self.available_from is not None and day < self.available_from:
            return f"{model} was not sold at {label} yet on {day}: it started {self.available_from} ({self.source})"
        if self.available_until is not None and day >= self.available_until:
            return f"{label} for {model} was withdrawn on {self.available_until} ({self.source})"
        return None


@dataclass(frozen=True)
class MovingAlias:
    name: str
    targets: tuple[tuple[dt.date, str, str], ...]  # (from, model id, source), ascending
    note: str | None = None

    def target_on(self, day: dt.date) -> str | None:
        chosen = None
        for start, model, _ in self.targets:
            if start <= day:
                chosen = model
        return chosen


@dataclass(frozen=True)
class Market:
    """A provider's tier, uplift, combination and caching rules."""

    tiers: tuple[ServiceTier, ...] = ()
    uplifts: tuple[Uplift, ...] = ()
    combinations: tuple[Combination, ...] = ()
    fees: tuple[Fee, ...] = ()
    caching: CachingRule | None = None
    batch_available_from: dt.date | None = None

    def tier(self, name: str) -> ServiceTier | None:
        return next((t for t in self.tiers if t.name == name), None)

    def fees_for(self, tool: str, model: str, launch: dt.date | None, day: dt.date) -> tuple[Fee, ...]:
        """The fees in force on ``day`` for ``model``'s uses of ``tool`` (one per unit billed)."""
        return tuple(f for f in self.fees if f.tool == tool and f.covers(model, launch, day))

    def combination(self, a: str, b: str, model: str) -> Combination | None:
        return next((c for c in self.combinations if c.concerns(a, b, model)), None)
