"""Cost models of the delivery modes, as pure functions of tokens and prices.

Each mode is a function ``(usage, price, params) -> ModeCost`` registered in
``MODES``. Token counts are ints; every multiplication by a price happens
once, on totals, in Decimal. The usage (``estimator.usage.Usage``) carries the
totals and, for models whose prices change above a prompt length
(long-context tiers), the part of the totals that falls in each tier.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal

from estimator import convert
from estimator.convert import set_field
from estimator.errors import PricingError, param
from estimator.money import ZERO, cost_of
from estimator.pricing import Price, Tier
from estimator.usage import Usage

__all__ = ["CacheParams", "Comparison", "EarlyExitParams", "ModeCost", "ModeParams", "ModeUnavailable", "compare"]


class ModeUnavailable(PricingError):
    """The model is not offered in this mode on the priced date (the message says why)."""

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
    """How the job uses prompt caching and early exit; the defaults use neither."""

    cache: CacheParams = field(default_factory=CacheParams)
    early_exit: EarlyExitParams = field(default_factory=EarlyExitParams)

    def __post_init__(self) -> None:
        convert.instance(self.cache, "cache", CacheParams)
        convert.instance(self.early_exit, "early_exit", EarlyExitParams)


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

    @property
    def total_cost(self) -> Decimal:
        return self.input_cost + self.output_cost


@dataclass(frozen=True)
class Comparison:
    """Every mode for the same job and price entry."""

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


# --------------------------------------------------------------------------
# Price components
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rates:
    input: Decimal
    output: Decimal
    cached_input: Decimal
    cache_write: Decimal


def _write_price(p: Price | Tier, ttl: str | None) -> Decimal | None:
    """The cache-write price for ``ttl`` (None: no write premium, writes cost the input price)."""
    if ttl in (None, "", "default"):
        return p.cache_write_per_mtok
    field_name = {"1h": "cache_write_1h_per_mtok", "12h": "cache_write_12h_per_mtok"}.get(ttl)
    value = getattr(p, field_name, None) if field_name else None
    if value is None and isinstance(p, Price) and p.market.caching and ttl == p.market.caching.default_ttl:
        return p.cache_write_per_mtok
    if value is None:
        model = p.model if isinstance(p, Price) else "this model"
        raise PricingError(f"{model}: no {ttl} cache-write price; choose another {param('cache_ttl')}")
    return value


def _standard_rates(p: Price | Tier, ttl: str | None = None) -> _Rates:
    write = _write_price(p, ttl)
    return _Rates(
        input=p.input_per_mtok,
        output=p.output_per_mtok or ZERO,
        cached_input=p.cached_input_per_mtok if p.cached_input_per_mtok is not None else p.input_per_mtok,
        cache_write=write if write is not None else p.input_per_mtok,
    )


def _batch_rates(p: Price | Tier, price: Price, ttl: str | None = None) -> _Rates:
    rule = price.batch_rule
    std = _standard_rates(p, ttl)
    has_write_premium = _write_price(p, ttl) is not None
    explicit_in, explicit_out = p.batch_input_per_mtok, p.batch_output_per_mtok
    why = price.unavailable_reason("batch")
    if why:
        raise ModeUnavailable(why)
    if rule is None and (explicit_in is None or (explicit_out is None and std.output)):
        raise ModeUnavailable(
            f"{price.model}: no batch price and provider {price.provider!r} has no [batch] rule; "
            "this model cannot be priced in batch mode"
        )
    k = rule.discount_multiplier if rule else Decimal(1)
    batch_in = explicit_in if explicit_in is not None else std.input * k
    batch_out = explicit_out if explicit_out is not None else std.output * k
    how = rule.cached_input if rule else "stack"
    if p.batch_cached_input_per_mtok is not None:
        cached = p.batch_cached_input_per_mtok
        write = std.cache_write * k
    elif how == "stack":
        cached = std.cached_input * k
        write = std.cache_write * k
    elif how == "cache-only":
        cached = std.cached_input
        write = std.cache_write
    else:  # "batch-only": no cache pricing inside a batch
        cached = batch_in
        write = batch_in
    if not has_write_premium:
        # Writing the cache costs what the token would have cost anyway: the batch input price.
        write = batch_in
    # A cached token never costs more than an uncached one in the same tier.
    return _Rates(input=batch_in, output=batch_out, cached_input=min(cached, batch_in), cache_write=write)


def batch_prices(price: Price) -> tuple[Decimal, Decimal | None]:
    """Batch input and output prices per million tokens: explicit, or by the provider's rule."""
    rates = _batch_rates(price, price)
    return rates.input, (rates.output if price.output_per_mtok is not None else None)


def _segments(usage: Usage, price: Price) -> list[tuple[Price | Tier, int, int, int]]:
    """Split the usage into (rates source, requests, input, output) per tier."""
    tiers = sorted(price.tiers, key=lambda t: t.boundary)
    by_limit = {t.above_input_tokens: t for t in usage.tiers}  # TierUsage is keyed by Tier.boundary
    parts: list[tuple[Price | Tier, int, int, int]] = []
    rest = (usage.requests, usage.input_tokens, usage.output_tokens)
    # Walk from the highest tier down: each tier's usage excludes higher tiers'.
    higher = (0, 0, 0)
    for tier in reversed(tiers):
        tu = by_limit.get(tier.boundary)
        if tu is None:
            continue
        own = (tu.requests - higher[0], tu.input_tokens - higher[1], tu.output_tokens - higher[2])
        if min(own) < 0:
            raise ValueError("tier usages must be nested: a higher tier cannot exceed a lower one")
        parts.append((tier, *own))
        higher = (tu.requests, tu.input_tokens, tu.output_tokens)
    base = (rest[0] - higher[0], rest[1] - higher[1], rest[2] - higher[2])
    if min(base) < 0:
        raise ValueError("tier usage exceeds the totals")
    parts.append((price, *base))
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


def _cache(params: ModeParams, price: Price) -> CacheParams:
    """The caching that actually happens: none when the prefix is shorter than the provider caches."""
    return params.cache if cacheable(params.cache, price) else CacheParams()


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
    segs = [(_standard_rates(src, ttl), r, i, o) for src, r, i, o in _segments(usage, price)]
    input_cost, cached = _price_input(segs, _cache(params, price))
    input_cost += _storage_cost(params, price)
    output_cost = sum((cost_of(o, rates.output) for rates, _, _, o in segs), ZERO)
    return ModeCost("standard", usage.input_tokens, usage.output_tokens, cached, input_cost, output_cost,
                    "list prices; shared prefix at the cached-input price for the cache hit share"
                    + _cache_note(params, price))


def early_exit_output(
    output_tokens: int, requests: int, ee: EarlyExitParams,
    per_request: tuple[tuple[int, int], ...] = (),
) -> int:
    """Billed output tokens when a share of streams is cancelled early.

    A cancelled stream of ``o`` tokens bills ``min(o, seen × o + tail)``: what
    was generated before the cancel plus the tail the server produced before
    it noticed, never more than its own full answer. The cap is per stream:
    with ``per_request`` ((tokens, requests) pairs: the output distribution of
    the rows) the saving is summed stream by stream, ``Σ n × max(0, o(1 − seen)
    − tail)``, scaled to ``output_tokens`` when the pairs describe a sample or
    a larger whole; without it every stream is taken to be of the average size.
    The cancelled share is spread evenly over the sizes.
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
    billed = Decimal(output_tokens) - ee.cancel_share * saved
    return min(output_tokens, math.ceil(billed))


@register("streaming_early_exit", "Streaming with early exit")
def streaming_cost(usage: Usage, price: Price, params: ModeParams) -> ModeCost:
    segs = []
    billed_total = 0
    for src, r, i, o in _segments(usage, price):
        billed = early_exit_output(o, r, params.early_exit, usage.output_per_request)
        billed_total += billed
        segs.append((_standard_rates(src, params.cache.ttl), r, i, billed))
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
    return ModeCost("streaming_early_exit", usage.input_tokens, billed_total, cached, input_cost, output_cost, how)


@register("batch", "Batch API")
def batch_cost(usage: Usage, price: Price, params: ModeParams) -> ModeCost:
    segs = [(_batch_rates(src, price, params.cache.ttl), r, i, o) for src, r, i, o in _segments(usage, price)]
    input_cost, cached = _price_input(segs, _cache(params, price))
    input_cost += _storage_cost(params, price)
    output_cost = sum((cost_of(o, rates.output) for rates, _, _, o in segs), ZERO)
    rule = price.batch_rule
    how = (
        f"batch rule: {rule.discount_multiplier} x standard, caching '{rule.cached_input}' ({rule.source})"
        if rule
        else "explicit batch prices"
    )
    return ModeCost("batch", usage.input_tokens, usage.output_tokens, cached, input_cost, output_cost, how)


# --------------------------------------------------------------------------
# Service tiers: Flex, Priority/Fast, Ultrafast (rules in the pricing files)
# --------------------------------------------------------------------------


def _tier_rates(src: Price | Tier, price: Price, name: str, ttl: str | None) -> _Rates:
    tier = price.market.tier(name)
    why = price.unavailable_reason(name)
    if tier is None or why:
        raise ModeUnavailable(why or f"{price.provider} sells no {name} tier")
    std = _standard_rates(src, ttl)
    premium = _write_price(src, ttl) is not None
    k = tier.multiplier
    explicit = price.tier_price(name)
    is_long = isinstance(src, Tier)
    if isinstance(src, Tier) and tier.long_context == "unavailable":
        raise ModeUnavailable(f"{tier.label} does not take prompts above {src.boundary:,} tokens "
                              f"({tier.source})")
    if is_long and tier.long_context == "standard":
        return std  # long requests run, and are billed, at Standard
    if explicit is not None and not is_long:
        inp = explicit.input_per_mtok
        out = explicit.output_per_mtok if explicit.output_per_mtok is not None else std.output * k
        cached = explicit.cached_input_per_mtok
        write = explicit.cache_write_per_mtok
    elif explicit is not None and explicit.long_context_input_per_mtok is not None:
        inp = explicit.long_context_input_per_mtok
        out = explicit.long_context_output_per_mtok or std.output * k
        cached = explicit.long_context_cached_input_per_mtok
        write = None
    else:
        inp, out, cached, write = std.input * k, std.output * k, None, None
    if tier.cached_input == "none":
        return _Rates(input=inp, output=out, cached_input=inp, cache_write=inp)
    if cached is None:
        cached = std.cached_input * k
    if write is None:
        write = std.cache_write * k if premium else inp
    return _Rates(input=inp, output=out, cached_input=min(cached, inp), cache_write=write)


def tier_rates(price: Price, name: str, ttl: str | None = None) -> dict[str, Decimal]:
    """A tier's short-context prices per million tokens: input, cached input, cache write, output."""
    r = _tier_rates(price, price, name, ttl) if name not in ("standard", "batch") else (
        _standard_rates(price, ttl) if name == "standard" else _batch_rates(price, price, ttl))
    return {"input_per_mtok": r.input, "cached_input_per_mtok": r.cached_input,
            "cache_write_per_mtok": r.cache_write, "output_per_mtok": r.output}


def _tier_mode(name: str) -> ModeFunction:
    def cost(usage: Usage, price: Price, params: ModeParams) -> ModeCost:
        ttl = params.cache.ttl
        segs = [(_tier_rates(src, price, name, ttl), r, i, o) for src, r, i, o in _segments(usage, price)]
        input_cost, cached = _price_input(segs, _cache(params, price))
        input_cost += _storage_cost(params, price)
        output_cost = sum((cost_of(o, rates.output) for rates, _, _, o in segs), ZERO)
        tier = price.market.tier(name)
        assert tier is not None  # _tier_rates refused otherwise
        how = ("explicit prices" if price.tier_price(name) else f"{tier.multiplier} x standard") + (
            f" ({tier.source}); {tier.latency}; under load: {tier.under_load}" + _cache_note(params, price))
        return ModeCost(name, usage.input_tokens, usage.output_tokens, cached, input_cost, output_cost, how)

    cost.__name__ = f"{name}_cost"
    return cost


TIER_MODES = {"flex": "Flex", "priority": "Priority / Fast", "ultrafast": "Ultrafast"}
"""Service tiers priced as modes. A model offers a subset; compare() lists the others as unavailable."""
for _name, _label in TIER_MODES.items():
    register(_name, _label)(_tier_mode(_name))


def uplifted(cost: ModeCost, price: Price, uplifts: tuple[str, ...], *, cached: bool = False) -> ModeCost:
    """``cost`` with surcharges such as regional processing stacked on top, if the provider allows it."""
    factor = Decimal(1)
    for name in uplifts:
        up = next((u for u in price.market.uplifts if u.name == name), None)
        if up is None:
            raise ModeUnavailable(f"{price.provider} has no {name} uplift")
        for other in (cost.mode, *(("caching",) if cached else ()), *(u for u in uplifts if u != name)):
            combo = price.market.combination(name, other, price.model)
            if combo is not None and not combo.allowed:
                raise ModeUnavailable(f"{up.label} cannot be combined with {other}: {combo.reason} ({combo.source})")
        if cost.mode not in up.applies_to:
            raise ModeUnavailable(f"{up.label} is not sold with {cost.mode} ({up.source})")
        if price.launch is not None and not up.applies_to_model(price.model, price.launch):
            continue  # the model predates the uplift: no surcharge
        factor *= up.multiplier
    return replace(cost, input_cost=cost.input_cost * factor, output_cost=cost.output_cost * factor,
                   explanation=cost.explanation + (f"; uplifts x{factor}" if factor != 1 else ""))


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
    return cache, tuple(notes)
