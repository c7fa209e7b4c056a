"""Cost models of the delivery modes, as pure functions of tokens and prices.

Each mode is a function ``(usage, price, params) -> ModeCost`` registered in
``MODES``. Token counts are ints; every multiplication by a price happens
once, on totals, in Decimal. The usage (``estimator.usage.Usage``) carries the
totals and, for models whose prices change above a prompt length
(long-context tiers), the part of the totals that falls in each tier.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from typing import Any

from estimator import convert
from estimator.convert import Result, set_field
from estimator.errors import PricingError, UsageError, param
from estimator.money import ZERO, cost_of, format_usd
from estimator.pricing.entries import Price, Tier
from estimator.pricing.rates import ModeUnavailable as ModeUnavailable
from estimator.pricing.rates import _batch_rates, _Rates, _segment_of, _standard_rates, _tier_rates
from estimator.pricing.rates import batch_prices as batch_prices
from estimator.pricing.rates import rates as _request_rates
from estimator.pricing.rates import tier_rates as tier_rates
from estimator.usage import Usage

__all__ = ["CacheParams", "Comparison", "EarlyExitParams", "ModeCost", "ModeParams", "ModeUnavailable", "compare"]

# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CacheParams:
    """Prompt caching: a prefix shared by every request (e.g. the system prompt).

    ``hit_rate`` is the share of requests that find the prefix cached. The
    first request of each cache lifetime writes it; providers that charge a
    cache write bill the missed share at the write price.
    """

    shared_prefix_tokens: int = 0
    hit_rate: Decimal = Decimal(0)
    ttl: str | None = None  # which write is billed: None = the provider's default TTL; "1h", "12h", ...
    storage_hours: Decimal = Decimal(0)  # hours an explicit cache is kept, where storage is billed (Gemini)

    def __post_init__(self) -> None:
        set_field(self, "shared_prefix_tokens", convert.count(self.shared_prefix_tokens, "shared_prefix_tokens"))
        set_field(self, "hit_rate", convert.share(self.hit_rate, "hit_rate"))
        set_field(self, "ttl", convert.optional(convert.text, self.ttl, "cache_ttl"))
        set_field(self, "storage_hours", convert.number(self.storage_hours, "storage_hours"))


@dataclass(frozen=True)
class EarlyExitParams:
    """Streaming with early exit.

    ``cancel_share`` of the streams are cancelled after the reader has seen
    ``seen_fraction`` of the output; the server goes on generating
    ``tail_tokens`` before it notices the disconnect, and those are billed.
    The defaults mean no early exit: nothing is cancelled.
    """

    cancel_share: Decimal = Decimal(0)
    seen_fraction: Decimal = Decimal(1)
    tail_tokens: int = 0

    def __post_init__(self) -> None:
        set_field(self, "cancel_share", convert.share(self.cancel_share, "cancel_share"))
        set_field(self, "seen_fraction", convert.share(self.seen_fraction, "seen_fraction"))
        set_field(self, "tail_tokens", convert.count(self.tail_tokens, "tail_tokens"))


@dataclass(frozen=True)
class ModeParams:
    """How the job is run: caching, early exit, and the surcharges asked for.

    ``uplifts`` names the provider's surcharges the requests ask for: ``"regional"`` (OpenAI data
    residency), ``"fedramp"`` (OpenAI FedRAMP endpoints), ``"us_inference"`` (Anthropic
    ``inference_geo: "us"``). Each multiplies every mode it is sold with; a mode it cannot be
    combined with is unavailable, and a model that rejects it is an error, never priced at 1.0x.
    """

    cache: CacheParams = field(default_factory=CacheParams)
    early_exit: EarlyExitParams = field(default_factory=EarlyExitParams)
    uplifts: tuple[str, ...] = ()
    fee_day: dt.date | None = None
    """The day server-tool fees are taken on (the day priced); None: the day the price entry is taken on."""

    def __post_init__(self) -> None:
        if self.fee_day is not None:
            set_field(self, "fee_day", convert.as_of_date(self.fee_day))
        convert.instance(self.cache, "cache", CacheParams)
        convert.instance(self.early_exit, "early_exit", EarlyExitParams)
        if isinstance(self.uplifts, str) or not all(isinstance(u, str) for u in self.uplifts):
            raise UsageError(f"{param('uplifts')} must be a tuple of uplift names such as ('regional',), "
                             f"got {self.uplifts!r}", param="uplifts")
        object.__setattr__(self, "uplifts", tuple(dict.fromkeys(u.strip().lower() for u in self.uplifts)))


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ModeCost:
    """The cost of a job in one delivery mode: billed tokens and the input, output and total cost."""

    mode: str
    input_tokens: int
    output_tokens: int  # billed output tokens
    cached_input_tokens: int
    input_cost: Decimal  # includes cached input and cache writes
    output_cost: Decimal
    explanation: str = ""
    savings_vs_standard: Decimal = ZERO  # filled in by compare()
    fee_cost: Decimal = ZERO  # server-tool fees beside the tokens (web search, grounding...), filled in by compare()

    @property
    def total_cost(self) -> Decimal:
        return self.input_cost + self.output_cost + self.fee_cost


@dataclass(frozen=True, repr=False)
class Comparison(Result):
    """Every mode for the same job and price entry (what ``estimator.price`` returns); ``to_frame()``
    has one row per mode."""

    usage: Usage
    price: Price
    params: ModeParams
    modes: Mapping[str, ModeCost]
    unavailable: Mapping[str, str] = field(default_factory=dict)  # mode -> why it cannot be used

    @property
    def standard(self) -> ModeCost:
        return self.modes["standard"]

    def cost(self, mode: str) -> ModeCost:
        """The cost of ``mode``; ``ModeUnavailable`` saying why when the model has no price for it."""
        if mode not in self.modes and mode in self.unavailable:
            raise ModeUnavailable(f"{mode} unavailable: {self.unavailable[mode]}")
        return self.modes[mode]

    def savings(self, mode: str) -> Decimal:
        """What ``mode`` saves against standard (negative: it costs more)."""
        return self.standard.total_cost - self.cost(mode).total_cost

    def savings_share(self, mode: str) -> Decimal:
        base = self.standard.total_cost
        return ZERO if base == 0 else self.savings(mode) / base

    def summary(self) -> str:
        u = self.usage
        costs = ", ".join(f"{name} {format_usd(c.total_cost)}" for name, c in self.modes.items())
        return (f"{u.requests:,} requests, {u.input_tokens:,} input + {u.output_tokens:,} output tokens at the "
                f"price entry from {self.price.effective_from}: {costs}")

    def table(self) -> list[dict[str, Any]]:
        """One row per delivery mode: billed tokens, costs and the saving against standard."""
        return [{"mode": name, "input_tokens": c.input_tokens, "output_tokens": c.output_tokens,
                 "cached_input_tokens": c.cached_input_tokens, "input_cost": c.input_cost,
                 "output_cost": c.output_cost, "fee_cost": c.fee_cost, "total_cost": c.total_cost,
                 "savings_vs_standard": c.savings_vs_standard} for name, c in self.modes.items()]

    def as_dict(self) -> dict[str, Any]:
        """The job's totals, each mode's cost, and why any mode is unavailable."""
        u = self.usage
        return {"requests": u.requests, "input_tokens": u.input_tokens, "output_tokens": u.output_tokens,
                "price_effective_from": self.price.effective_from, "price_source": self.price.source,
                "modes": {row["mode"]: {k: v for k, v in row.items() if k != "mode"} for row in self.table()},
                "modes_unavailable": dict(self.unavailable)}


def _segments(usage: Usage, price: Price) -> list[tuple[Price | Tier, int, int, int, int]]:
    """Split the usage into (rates source, lower threshold, requests, input, output) per threshold.

    The thresholds are the entry's long-context boundaries and the prompt lengths a tier rule
    treats differently (``Price.thresholds``); ``Usage.tiers`` carries the requests above each.
    """
    limits = list(price.thresholds)
    by_limit = {t.above_input_tokens: t for t in usage.tiers}  # TierUsage is keyed by the threshold
    parts: list[tuple[Price | Tier, int, int, int, int]] = []
    # Walk from the highest threshold down: each one's usage excludes higher ones'.
    higher = (0, 0, 0)
    for limit in reversed(limits):
        tu = by_limit.get(limit)
        if tu is None:
            continue
        own = (tu.requests - higher[0], tu.input_tokens - higher[1], tu.output_tokens - higher[2])
        if min(own) < 0:
            raise ValueError("tier usages must be nested: a higher tier cannot exceed a lower one")
        parts.append((_segment_of(price, limit + 1)[0], limit, *own))
        higher = (tu.requests, tu.input_tokens, tu.output_tokens)
    base = (usage.requests - higher[0], usage.input_tokens - higher[1], usage.output_tokens - higher[2])
    if min(base) < 0:
        raise ValueError("tier usage exceeds the totals")
    parts.append((price, 0, *base))
    return parts


def cacheable(cache: CacheParams, price: Price) -> bool:
    """Whether the shared prefix is long enough for the provider to cache it at all."""
    least = price.min_cacheable_tokens or 0
    return cache.shared_prefix_tokens > 0 and cache.shared_prefix_tokens >= least


def _cached_tokens(requests: int, input_tokens: int, cache: CacheParams) -> tuple[int, int]:
    """(cache reads, cache writes) in tokens for a segment, never above its input."""
    if cache.shared_prefix_tokens == 0 or requests == 0:
        return 0, 0
    prefix_total = min(requests * cache.shared_prefix_tokens, input_tokens)
    reads = int((Decimal(prefix_total) * cache.hit_rate).to_integral_value(rounding=ROUND_CEILING))
    reads = min(reads, prefix_total)
    return reads, prefix_total - reads


def _price_input(segments_rates: list[tuple[_Rates, int, int, int]], cache: CacheParams) -> tuple[Decimal, int]:
    total = ZERO
    cached_all = 0
    for rates, requests, input_tokens, _ in segments_rates:
        reads, writes = _cached_tokens(requests, input_tokens, cache)
        plain = input_tokens - reads - writes
        total += cost_of(plain, rates.input) + cost_of(reads, rates.cached_input) + cost_of(writes, rates.cache_write)
        cached_all += reads
    return total, cached_all


# --------------------------------------------------------------------------
# The modes
# --------------------------------------------------------------------------

ModeFunction = Callable[[Usage, Price, ModeParams], ModeCost]
MODES: dict[str, ModeFunction] = {}
MODE_LABELS: dict[str, str] = {}


def register(name: str, label: str) -> Callable[[ModeFunction], ModeFunction]:
    def deco(fn: ModeFunction) -> ModeFunction:
        MODES[name] = fn
        MODE_LABELS[name] = label
        return fn

    return deco


def cached_prefix(tokens: int, price: Price) -> int:
    """The part of a shared prefix of ``tokens`` that a cache hit reads.

    Where the provider serves hits in increments (OpenAI before GPT-5.6: 128 tokens above the
    1,024 minimum), the rest of the prefix is read, and billed, as plain input.
    """
    caching = price.market.caching
    step = caching.hit_increment(price.launch) if caching is not None else None
    least = price.min_cacheable_tokens or 0
    if step is None or tokens < least:
        return tokens
    return least + (tokens - least) // step * step


def _cache(params: ModeParams, price: Price) -> CacheParams:
    """The caching that actually happens: none when the prefix is shorter than the provider caches."""
    if not cacheable(params.cache, price):
        return CacheParams()
    prefix = cached_prefix(params.cache.shared_prefix_tokens, price)
    return params.cache if prefix == params.cache.shared_prefix_tokens else replace(
        params.cache, shared_prefix_tokens=prefix)


def _storage_cost(params: ModeParams, price: Price) -> Decimal:
    """Explicit-cache storage for the job, where the provider bills it by the hour (one copy of the prefix)."""
    cache = _cache(params, price)
    if not cache.storage_hours or price.cache_storage_per_mtok_hour is None or not cache.shared_prefix_tokens:
        return ZERO
    return cost_of(cache.shared_prefix_tokens, price.cache_storage_per_mtok_hour) * cache.storage_hours


def _cache_note(params: ModeParams, price: Price) -> str:
    c = params.cache
    if c.shared_prefix_tokens and not cacheable(c, price):
        return (f"; the shared prefix ({c.shared_prefix_tokens:,} tokens) is shorter than the "
                f"{price.min_cacheable_tokens:,} tokens {price.provider} caches, so nothing is cached")
    return ""


@register("standard", "Standard (request/response)")
def standard_cost(usage: Usage, price: Price, params: ModeParams) -> ModeCost:
    ttl = params.cache.ttl
    segs = [(_standard_rates(src, price, ttl), r, i, o) for src, _, r, i, o in _segments(usage, price)]
    input_cost, cached = _price_input(segs, _cache(params, price))
    input_cost += _storage_cost(params, price)
    output_cost = sum((cost_of(o, rates.output) for rates, _, _, o in segs), ZERO)
    return _uplift(ModeCost("standard", usage.input_tokens, usage.output_tokens, cached, input_cost, output_cost,
                            "list prices; shared prefix at the cached-input price for the cache hit share"
                            + _cache_note(params, price)), price, params)


def early_exit_output(
    output_tokens: int, requests: int, ee: EarlyExitParams,
    per_request: tuple[tuple[int, int], ...] = (),
    reasoning_share: Fraction = Fraction(0),
) -> int:
    """Billed output tokens when a share of streams is cancelled early.

    A cancelled stream of ``o`` tokens bills ``min(o, seen × o + tail)``: what
    was generated before the cancel plus the tail the server produced before
    it noticed, never more than its own full answer. The cap is per stream:
    with ``per_request`` ((tokens, requests) pairs: the output distribution of
    the rows) the saving is summed stream by stream, ``Σ n × max(0, o(1 − seen)
    − tail)``, scaled to ``output_tokens`` when the pairs describe a sample or
    a larger whole; without it every stream is taken to be of the average size.
    The cancelled share is spread evenly over the sizes. Reasoning is generated before the
    answer is seen, so a cancel saves answer tokens only: the saving is scaled by the answer's
    share of the output (``1 - reasoning_share``).
    """
    if ee.cancel_share == 0 or output_tokens == 0:
        return output_tokens
    keep = 1 - ee.seen_fraction
    tail = Decimal(ee.tail_tokens)
    if per_request:
        hist_total = sum(o * n for o, n in per_request)
        saved = sum((n * max(ZERO, o * keep - tail) for o, n in per_request), ZERO)
        if hist_total == 0:
            return output_tokens
        saved = saved * Decimal(output_tokens) / Decimal(hist_total)
    else:
        saved = max(ZERO, Decimal(output_tokens) * keep - Decimal(requests) * tail)
    if reasoning_share:
        saved = saved * (1 - Decimal(reasoning_share.numerator) / Decimal(reasoning_share.denominator))
    billed = Decimal(output_tokens) - ee.cancel_share * saved
    return min(output_tokens, math.ceil(billed))


@register("streaming_early_exit", "Streaming with early exit")
def streaming_cost(usage: Usage, price: Price, params: ModeParams) -> ModeCost:
    segs = []
    billed_total = 0
    for src, _, r, i, o in _segments(usage, price):
        share = Fraction(min(usage.reasoning_tokens, usage.output_tokens), usage.output_tokens or 1)
        billed = early_exit_output(o, r, params.early_exit, usage.output_per_request, share)
        billed_total += billed
        segs.append((_standard_rates(src, price, params.cache.ttl), r, i, billed))
    input_cost, cached = _price_input(segs, _cache(params, price))
    input_cost += _storage_cost(params, price)
    output_cost = sum((cost_of(o, rates.output) for rates, _, _, o in segs), ZERO)
    ee = params.early_exit
    how = (
        "no early exit: every stream runs to the end"
        if ee.cancel_share == 0
        else f"{ee.cancel_share:%} of streams cancelled after {ee.seen_fraction:%} of the output, "
        f"+{ee.tail_tokens} tail tokens each"
    )
    return _uplift(ModeCost("streaming_early_exit", usage.input_tokens, billed_total, cached, input_cost, output_cost,
                            how), price, params)


@register("batch", "Batch API")
def batch_cost(usage: Usage, price: Price, params: ModeParams) -> ModeCost:
    segs = [(_batch_rates(src, price, params.cache.ttl), r, i, o) for src, _, r, i, o in _segments(usage, price)]
    input_cost, cached = _price_input(segs, _cache(params, price))
    input_cost += _storage_cost(params, price)
    output_cost = sum((cost_of(o, rates.output) for rates, _, _, o in segs), ZERO)
    rule = price.batch_rule
    how = (
        f"batch rule: {rule.discount_multiplier} x standard, caching '{rule.cached_input}' ({rule.source})"
        if rule
        else "explicit batch prices"
    )
    return _uplift(ModeCost("batch", usage.input_tokens, usage.output_tokens, cached, input_cost, output_cost, how),
                   price, params)


# --------------------------------------------------------------------------
# Service tiers: Flex, Priority/Fast, Ultrafast (rules in the pricing files)
# --------------------------------------------------------------------------


def _tier_mode(name: str) -> ModeFunction:
    def cost(usage: Usage, price: Price, params: ModeParams) -> ModeCost:
        ttl = params.cache.ttl
        segs = [(_tier_rates(src, price, name, ttl, lower), r, i, o) for src, lower, r, i, o in _segments(usage, price)]
        input_cost, cached = _price_input(segs, _cache(params, price))
        input_cost += _storage_cost(params, price)
        output_cost = sum((cost_of(o, rates.output) for rates, _, _, o in segs), ZERO)
        tier = price.market.tier(name)
        assert tier is not None  # _tier_rates refused otherwise
        terms = price.tier_terms(name)
        k = terms.multiplier if terms.multiplier is not None else tier.multiplier
        rule = f"{k} x standard ({terms.source or tier.source})"
        if price.tier_price(name):
            rule += f"; published figures for {price.model} ({price.tier_price(name).source})"  # type: ignore[union-attr]
        if terms.standard_above_input_tokens is not None:
            rule += f"; prompts above {terms.standard_above_input_tokens:,} tokens run and bill at Standard"
        how = rule + f"; {tier.latency}; under load: {tier.under_load}" + _cache_note(params, price)
        return _uplift(ModeCost(name, usage.input_tokens, usage.output_tokens, cached, input_cost, output_cost, how),
                       price, params)

    cost.__name__ = f"{name}_cost"
    return cost


TIER_MODES = {"flex": "Flex", "priority": "Priority / Fast", "ultrafast": "Ultrafast"}
"""Service tiers priced as modes. A model offers a subset; compare() lists the others as unavailable."""
for _name, _label in TIER_MODES.items():
    register(_name, _label)(_tier_mode(_name))


class UpliftRefused(PricingError):
    """The model (or its provider) does not offer a surcharge the request asks for."""


def check_uplifts(price: Price, uplifts: tuple[str, ...]) -> None:
    """An error naming the reason when ``price``'s model cannot be asked for one of ``uplifts`` at all."""
    for name in uplifts:
        up = next((u for u in price.market.uplifts if u.name == name), None)
        if up is None:
            offered = ", ".join(u.name for u in price.market.uplifts) or "none"
            raise UpliftRefused(f"{price.provider} has no {name!r} uplift; it offers: {offered}", param="uplifts")
        if up.models and price.model not in up.models:
            raise UpliftRefused(f"{up.label} is not offered for {price.model} (only {', '.join(up.models)}; "
                                f"{up.source})", param="uplifts")
        older = up.models_released_from is not None and price.launch is not None and price.launch < up.models_released_from
        if older and up.older_models == "refused":
            raise UpliftRefused(f"{price.model} does not offer {up.label}: only models released from "
                                f"{up.models_released_from} do, and older ones reject the option ({up.source})",
                                param="uplifts")


def uplifted(cost: ModeCost, price: Price, uplifts: tuple[str, ...], *, cached: bool = False) -> ModeCost:
    """``cost`` with surcharges such as regional processing stacked on top, if the provider allows it.

    ``UpliftRefused`` where the model does not offer one at all; ``ModeUnavailable`` where it is not
    sold with this mode (or with caching, or with another uplift asked for).
    """
    check_uplifts(price, uplifts)
    factor = Decimal(1)
    notes: list[str] = []
    mode = "standard" if cost.mode == "streaming_early_exit" else cost.mode  # streaming is a Standard request
    for name in uplifts:
        up = next(u for u in price.market.uplifts if u.name == name)
        for other in (mode, *(("caching",) if cached else ()), *(u for u in uplifts if u != name)):
            combo = price.market.combination(name, other, price.model)
            if combo is not None and not combo.allowed:
                raise ModeUnavailable(f"{up.label} cannot be combined with {other}: {combo.reason} ({combo.source})")
        if mode not in up.applies_to:
            raise ModeUnavailable(f"{up.label} is not sold with {mode} ({up.source})")
        if price.launch is not None and not up.applies_to_model(price.model, price.launch):
            notes.append(f"no {up.label} surcharge: {price.model} was released before {up.models_released_from} "
                         f"({up.source})")
            continue
        factor *= up.multiplier
        notes.append(f"{up.label} x{up.multiplier} ({up.source})")
    return replace(cost, input_cost=cost.input_cost * factor, output_cost=cost.output_cost * factor,
                   explanation=cost.explanation + "".join(f"; {n}" for n in notes))


def _uplift(cost: ModeCost, price: Price, params: ModeParams) -> ModeCost:
    if not params.uplifts:
        return cost
    c = params.cache
    return uplifted(cost, price, params.uplifts, cached=bool(c.shared_prefix_tokens and c.hit_rate))


def refused_combination(price: Price, mode: str, features: tuple[str, ...]) -> str | None:
    """Why the provider refuses ``mode`` with ``features`` (caching, long_context, uplifts), or None."""
    for f in features:
        combo = price.market.combination(mode, f, price.model)
        if combo is not None and not combo.allowed:
            return f"{mode} cannot be combined with {f}: {combo.reason} ({combo.source})"
    return None


def compare(usage: Usage, price: Price, params: ModeParams | None = None) -> Comparison:
    """Price ``usage`` under every registered mode the model offers on the priced date."""
    params = params or ModeParams()
    costs: dict[str, ModeCost] = {}
    unavailable: dict[str, str] = {}
    for name, fn in MODES.items():
        try:
            costs[name] = fn(usage, price, params)
        except ModeUnavailable as exc:
            if name == "standard":
                raise
            unavailable[name] = str(exc)
    if usage.tool_uses:
        costs = {name: _with_fees(c, usage, price, params.fee_day) for name, c in costs.items()}
    base = costs["standard"].total_cost
    costs = {name: replace(c, savings_vs_standard=base - c.total_cost) for name, c in costs.items()}
    return Comparison(usage=usage, price=price, params=params, modes=costs, unavailable=unavailable)


def check_cache(cache: CacheParams, price: Price, *, shared_tokens: int | None) -> tuple[CacheParams, tuple[str, ...]]:
    """The caching that can really happen, and why it differs from what was asked.

    A cached prefix is the start that every request shares; it cannot be longer than
    ``shared_tokens`` (what the requests are known to share, e.g. the chat framing and the system
    prompt; None: unknown), so a longer one is cut to it. A prefix shorter than the provider's
    minimum cacheable length is never cached.
    """
    notes: list[str] = []
    if cache.shared_prefix_tokens == 0 or cache.hit_rate == 0:
        return cache, ()
    if shared_tokens is not None and cache.shared_prefix_tokens > shared_tokens:
        notes.append(
            f"the cached prefix ({cache.shared_prefix_tokens:,} tokens per request) is longer than what the "
            f"requests share ({shared_tokens:,} tokens: the system prompt and chat framing), so caching is "
            f"priced on {shared_tokens:,} tokens per request; lower {param('cache_prefix_tokens')} or add "
            f"the shared text to {param('system')}"
        )
        cache = replace(cache, shared_prefix_tokens=shared_tokens)
    if cache.shared_prefix_tokens and not cacheable(cache, price):
        notes.append(
            f"a shared prefix of {cache.shared_prefix_tokens:,} tokens is shorter than the "
            f"{price.min_cacheable_tokens:,} tokens {price.provider} caches, so nothing is priced as cached"
        )
    elif cache.shared_prefix_tokens and (hit := cached_prefix(cache.shared_prefix_tokens, price)) < cache.shared_prefix_tokens:
        notes.append(
            f"{price.provider} serves cache hits for {price.model} in whole increments: {hit:,} of the "
            f"{cache.shared_prefix_tokens:,} shared tokens are read from the cache, the rest is billed as input"
        )
    return cache, tuple(notes)



# --------------------------------------------------------------------------
# Reported usage: every unit of one request, at the rates of the tier that served it
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRates:
    """What each billable unit of one request costs: USD per million tokens by token kind (surcharges
    such as US-only inference included), USD per tool use; and what cannot be priced, with why."""

    mode: str
    input: Decimal
    cached_input: Decimal
    output: Decimal
    cache_writes: Mapping[str, Decimal]  # lifetime ("" = the provider's default) -> price
    uplift: Decimal = Decimal(1)
    notes: tuple[str, ...] = ()

    def cache_write(self, ttl: str) -> Decimal | None:
        return self.cache_writes.get(ttl)


def token_cost(rates: UnitRates, *, uncached: int, cached: int, writes: Mapping[str, int], output: int) -> Decimal:
    """What tokens of each kind cost at ``rates``: uncached input, cache reads, cache writes by lifetime
    (a lifetime ``rates`` does not price costs nothing here: the caller lists it unpriced), output."""
    total = Decimal(uncached) * rates.input + Decimal(cached) * rates.cached_input + Decimal(output) * rates.output
    for ttl, n in writes.items():
        rate = rates.cache_write(ttl)
        if rate is not None:
            total += Decimal(n) * rate
    return total / 1_000_000


def usage_cost(usage: Usage, rates: UnitRates, fees: Mapping[str, ToolFee] | None = None) -> Decimal:
    """The cost of a reported ``usage`` at ``rates`` (``unit_rates``), with its tool uses at ``fees``
    (``tool_fees``); units without a price are left out (list them from ``usage.unpriced`` and the fees)."""
    writes = dict(usage.cache_writes)
    cost = token_cost(rates, uncached=usage.uncached_input_tokens, cached=usage.cached_input_tokens, writes=writes,
                      output=usage.output_tokens)
    for unit, n in usage.tool_uses:
        fee = (fees or {}).get(unit)
        if fee is not None and fee.per_use is not None:
            cost += Decimal(n) * fee.per_use
    return cost


def uplift_factor(price: Price, names: tuple[str, ...]) -> tuple[Decimal, tuple[str, ...]]:
    """The surcharge a request reported as applied (``inference_geo: "us"``) costs on ``price``'s model.

    The request ran, so nothing is refused: a model released before the surcharge began pays none,
    and a surcharge the tables do not know is noted (priced at 1x) rather than guessed.
    """
    factor, notes = Decimal(1), []
    for name in names:
        up = next((u for u in price.market.uplifts if u.name == name), None)
        if up is None:
            notes.append(f"surcharge {name!r} is not in the {price.provider} price tables: not priced")
        elif price.launch is not None and not up.applies_to_model(price.model, price.launch):
            notes.append(f"no {up.label} surcharge on {price.model} ({up.source})")
        else:
            factor *= up.multiplier
    return factor, tuple(notes)


def unit_rates(price: Price, mode: str, *, input_tokens: int = 0, uplifts: tuple[str, ...] = (),
               ttls: tuple[str, ...] = ()) -> UnitRates:
    """The rates of one request of ``input_tokens`` prompt tokens served in ``mode`` (its long-context
    tier chosen by that length), with the cache-write price of each lifetime in ``ttls`` that the
    tables price (``""``: the default one) and every surcharge of ``uplifts`` multiplied in.

    ``ModeUnavailable`` when the model is not sold in ``mode`` on the entry's day.
    """
    base = tier_rates_for(price, mode, input_tokens, None)
    factor, notes = uplift_factor(price, uplifts)
    writes = {"": base["cache_write_per_mtok"]}
    for ttl in ttls:
        if ttl in writes:
            continue
        try:
            writes[ttl] = tier_rates_for(price, mode, input_tokens, ttl)["cache_write_per_mtok"]
        except PricingError:
            continue  # not priced: the caller lists those writes as unpriced
    return UnitRates(
        mode=mode,
        input=base["input_per_mtok"] * factor,
        cached_input=base["cached_input_per_mtok"] * factor,
        output=base["output_per_mtok"] * factor,
        cache_writes={ttl: rate * factor for ttl, rate in writes.items()},
        uplift=factor,
        notes=notes,
    )


def tier_rates_for(price: Price, mode: str, input_tokens: int, ttl: str | None) -> dict[str, Decimal]:
    """``estimator.pricing.rates.rates`` of one request, streaming priced as Standard."""
    return _request_rates(price, "standard" if mode == "streaming_early_exit" else mode, input_tokens=input_tokens, ttl=ttl)


@dataclass(frozen=True)
class ToolFee:
    """The fee of one server-tool unit a request used: the price of one use, or None (unpriced)."""

    unit: str  # "tool/unit", as in ``Usage.tool_uses``
    per_use: Decimal | None
    label: str
    why: str = ""  # why it is unpriced, or how it is billed (free allowance)


def _with_fees(cost: ModeCost, usage: Usage, price: Price, day: dt.date | None) -> ModeCost:
    """``cost`` with the fees of the usage's server-tool uses in its mode, at the fees in force on the day the
    price entry is taken on; a use no fee prices is named in the explanation, never priced at 0 silently."""
    day = day or price.rules_day or price.effective_from
    mode = "standard" if cost.mode == "streaming_early_exit" else cost.mode
    fees = tool_fees(price, mode, day, tuple(unit for unit, _ in usage.tool_uses))
    total, words = ZERO, []
    for unit, n in usage.tool_uses:
        fee = fees[unit]
        if fee.per_use is None:
            words.append(f"{n:,} {unit} not priced: {fee.why}")
            continue
        total += Decimal(n) * fee.per_use
        words.append(f"{n:,} {unit} at {format_usd(fee.per_use * 1000)} per 1,000 ({fee.why})")
    return replace(cost, fee_cost=total, explanation=cost.explanation + "; server-tool fees: " + "; ".join(words))


def tool_fees(price: Price, mode: str, day: Any, units: tuple[str, ...]) -> dict[str, ToolFee]:
    """The fee of each ``tool/unit`` on ``day`` for ``price``'s model in ``mode``.

    A tool billed by another unit (Gemini 2.x grounding bills per prompt, not per query) costs
    nothing by this one; a tool the tables have no fee for on that day is unpriced.
    """
    out: dict[str, ToolFee] = {}
    for key in units:
        tool, _, unit = key.partition("/")
        fees = price.market.fees_for(tool, price.model, price.launch, day)
        fee = next((f for f in fees if f.unit == unit), None)
        if fee is not None:
            per = fee.usd_per_thousand / 1000
            if mode == "batch" and fee.batch_discount and price.batch_rule is not None:
                per *= price.batch_rule.discount_multiplier
            extra = f"; free allowance not deducted: {fee.free_allowance}" if fee.free_allowance else ""
            out[key] = ToolFee(key, per, fee.label, f"{fee.label} ({fee.source}){extra}")
        elif fees:
            out[key] = ToolFee(key, ZERO, fees[0].label, f"billed per {fees[0].unit}, not per {unit}")
        else:
            out[key] = ToolFee(key, None, key, f"no {tool} fee for {price.model} on {day} in the price tables")
    return out
