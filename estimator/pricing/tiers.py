"""Service tiers, caching rules and other market facts of a provider, as data.

A provider sells the same model at several service tiers (Standard, Batch,
Flex, Priority/Fast, Ultrafast), each with its own price, latency and
behaviour under load, and with uplifts that stack on top (regional
processing, FedRAMP, US-only inference). The rules live in the pricing files
(``[[service_tiers]]``, ``[[uplifts]]``, ``[[combinations]]``, ``[caching]``),
each with its source; this module holds their strict file models and the
frozen runtime values built from them. The cost arithmetic is in
``estimator.modes``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

TierName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
PositivePrice = Annotated[Decimal, Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


# --------------------------------------------------------------------------
# File schema
# --------------------------------------------------------------------------


class ServiceTierFile(_Strict):
    """A tier a request can ask for instead of Standard (Flex, Priority/Fast, Ultrafast)."""

    name: TierName = Field(description="mode name used in reports: flex, priority, ultrafast")
    label: str
    request: str = Field(description="how a request asks for it, e.g. service_tier: \"flex\"")
    multiplier: Annotated[Decimal, Field(gt=0)] = Field(
        description="tier price = standard price x this, for models without explicit tier prices"
    )
    cached_input: Literal["stack", "none"] = Field(
        description="'stack' = cached reads and cache writes at the standard cache prices x multiplier; "
        "'none' = no cache discount in this tier (cached tokens at the tier input price)"
    )
    long_context: Literal["stack", "standard", "unavailable"] = Field(
        description="'stack' = long-context prices x multiplier; 'standard' = long requests run and are billed "
        "at Standard; 'unavailable' = long requests are refused in this tier"
    )
    available_from: dt.date = Field(description="first day the provider sold the tier")
    available_until: dt.date | None = Field(default=None, description="exclusive; the tier was withdrawn")
    latency: str = Field(description="latency or completion window as the provider states it")
    limits: str
    under_load: str = Field(description="what happens when capacity is short (429s, downgrades) and how it is billed")
    source: str = Field(min_length=8)
    checked: dt.date
    note: str | None = None


class UpliftFile(_Strict):
    """A surcharge that multiplies the price of whatever tier is used (regional processing, FedRAMP)."""

    name: TierName
    label: str
    multiplier: Annotated[Decimal, Field(gt=1)]
    models_released_from: dt.date | None = Field(
        default=None, description="only models first offered on or after this date pay it"
    )
    models: list[str] = Field(default_factory=list, description="only these model ids (empty: every eligible model)")
    applies_to: list[str] = Field(description="tiers it stacks with, e.g. ['standard', 'batch', 'flex']")
    source: str = Field(min_length=8)
    note: str | None = None


class CombinationFile(_Strict):
    """Whether two features can be used on the same request, per the provider."""

    features: list[str] = Field(min_length=2, max_length=2)
    allowed: bool
    models: list[str] = Field(default_factory=list, description="only these model ids (empty: all)")
    reason: str
    source: str = Field(min_length=8)


class CachingRuleFile(_Strict):
    """How the provider bills prompt caching."""

    available_from: dt.date = Field(description="first day a cached-input price existed at this provider")
    min_cacheable_tokens: int = Field(gt=0, description="default shortest cacheable prefix; models may override")
    default_ttl: str = Field(description="TTL of the write billed at cache_write_per_mtok, e.g. 5m")
    ttls: list[str] = Field(description="TTLs a request can choose, e.g. ['5m', '1h']")
    writes: str = Field(description="how writes are billed, in words")
    storage: str | None = Field(default=None, description="storage charge per hour, where the provider bills one")
    source: str = Field(min_length=8)
    note: str | None = None


class TierPriceFile(_Strict):
    """Explicit prices of one tier for one price entry, where the provider prints them."""

    tier: TierName
    input_per_mtok: PositivePrice
    output_per_mtok: PositivePrice | None = None
    cached_input_per_mtok: PositivePrice | None = None
    cache_write_per_mtok: PositivePrice | None = None
    long_context_input_per_mtok: PositivePrice | None = None
    long_context_output_per_mtok: PositivePrice | None = None
    long_context_cached_input_per_mtok: PositivePrice | None = None
    source: str = Field(min_length=8)
    note: str | None = None


class DisagreementFile(_Strict):
    """A known difference between these tables and a price database, with the reason ours stands."""

    model: str
    field: str = Field(description="what differs: a field name as the cross-check prints it, or 'model'")
    effective_from: dt.date | None = Field(default=None, description="the entry concerned, if one")
    ours: str
    theirs: str
    database: str = Field(default="genai-prices", description="which database disagrees")
    reason: str
    source: str = Field(min_length=8)


class TierWindowFile(_Strict):
    """When one model was sold at one of its service tiers, where that differs from the provider's tier."""

    tier: TierName
    available_from: dt.date | None = Field(default=None, description="first day this model was sold at the tier")
    available_until: dt.date | None = Field(
        default=None, description="exclusive: the first day this model was no longer sold at the tier"
    )
    source: str = Field(min_length=8)
    note: str | None = None


class MovingAliasFile(_Strict):
    """A name such as gemini-flash-latest that points to different models over time."""

    name: str
    targets: list[AliasTargetFile] = Field(min_length=1)
    note: str | None = None


class AliasTargetFile(_Strict):
    effective_from: dt.date
    model: str
    source: str = Field(min_length=8)


MovingAliasFile.model_rebuild()


# --------------------------------------------------------------------------
# Runtime values
# --------------------------------------------------------------------------


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

    def applies_to_model(self, model: str, launch: dt.date) -> bool:
        if self.models and model not in self.models:
            return False
        return self.models_released_from is None or launch >= self.models_released_from


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
class CachingRule:
    available_from: dt.date
    min_cacheable_tokens: int
    default_ttl: str
    ttls: tuple[str, ...]
    writes: str
    storage: str | None
    source: str
    note: str | None = None


@dataclass(frozen=True)
class TierPrice:
    tier: str
    input_per_mtok: Decimal
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
    effective_from: dt.date | None
    ours: str
    theirs: str
    database: str
    reason: str
    source: str


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
    caching: CachingRule | None = None
    batch_available_from: dt.date | None = None

    def tier(self, name: str) -> ServiceTier | None:
        return next((t for t in self.tiers if t.name == name), None)

    def combination(self, a: str, b: str, model: str) -> Combination | None:
        return next((c for c in self.combinations if c.concerns(a, b, model)), None)
