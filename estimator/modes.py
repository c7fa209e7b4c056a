"""Cost models of the delivery modes, as pure functions of tokens and prices.

Each mode is a function ``(usage, price, params) -> ModeCost`` registered in
``MODES``. Token counts are ints; every multiplication by a price happens
once, on totals, in Decimal.

Usage carries the totals, and, for models whose prices change above a prompt
length (long-context tiers), the part of the totals that falls in each tier.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal

from estimator.errors import PricingError, UsageError
from estimator.money import ZERO, cost_of
from estimator.pricing.book import Price, Tier

# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TierUsage:
    """The requests whose prompt exceeds ``above_input_tokens``, and their tokens."""

    above_input_tokens: int
    requests: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class Usage:
    """Token totals of a job: ``requests`` requests, summed over all of them.

    ``tiers`` holds, for each long-context threshold of the model, the totals
    of the requests above it (a subset of the main totals). Leave it empty
    when the model has no tiers or no request crosses one.
    """

    requests: int
    input_tokens: int
    output_tokens: int
    tiers: tuple[TierUsage, ...] = ()

    def __post_init__(self) -> None:
        for name in ("requests", "input_tokens", "output_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")

    def scaled(self, factor: Decimal) -> Usage:
        """The same job ``factor`` times as large (token counts rounded up)."""

        def up(n: int) -> int:
            return int((Decimal(n) * factor).to_integral_value(rounding=ROUND_CEILING))

        return Usage(
            requests=up(self.requests),
            input_tokens=up(self.input_tokens),
            output_tokens=up(self.output_tokens),
            tiers=tuple(
                TierUsage(t.above_input_tokens, up(t.requests), up(t.input_tokens), up(t.output_tokens))
                for t in self.tiers
            ),
        )


@dataclass(frozen=True)
class CacheParams:
    """Prompt caching: a prefix shared by every request (e.g. the system prompt).

    ``hit_rate`` is the share of requests that find the prefix cached. The
    first request of each cache lifetime writes it; providers that charge a
    cache write bill the missed share at the write price.
    """

    shared_prefix_tokens: int = 0
    hit_rate: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.shared_prefix_tokens < 0:
            raise UsageError("shared prefix tokens must be >= 0")
        if not (0 <= self.hit_rate <= 1):
            raise UsageError(f"cache hit rate must be between 0 and 1, got {self.hit_rate}")


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
        if not (0 <= self.cancel_share <= 1):
            raise UsageError(f"cancel share must be between 0 and 1, got {self.cancel_share}")
        if not (0 <= self.seen_fraction <= 1):
            raise UsageError(f"seen fraction must be between 0 and 1, got {self.seen_fraction}")
        if self.tail_tokens < 0:
            raise UsageError("tail tokens must be >= 0")


@dataclass(frozen=True)
class ModeParams:
    cache: CacheParams = field(default_factory=CacheParams)
    early_exit: EarlyExitParams = field(default_factory=EarlyExitParams)


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ModeCost:
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

    @property
    def standard(self) -> ModeCost:
        return self.modes["standard"]

    def savings(self, mode: str) -> Decimal:
        """What ``mode`` saves against standard (negative: it costs more)."""
        return self.standard.total_cost - self.modes[mode].total_cost

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


def _standard_rates(p: Price | Tier) -> _Rates:
    return _Rates(
        input=p.input_per_mtok,
        output=p.output_per_mtok or ZERO,
        cached_input=p.cached_input_per_mtok if p.cached_input_per_mtok is not None else p.input_per_mtok,
        cache_write=p.cache_write_per_mtok if p.cache_write_per_mtok is not None else p.input_per_mtok,
    )


def _batch_rates(p: Price | Tier, price: Price) -> _Rates:
    rule = price.batch_rule
    std = _standard_rates(p)
    explicit_in, explicit_out = p.batch_input_per_mtok, p.batch_output_per_mtok
    if rule is None and (explicit_in is None or (explicit_out is None and std.output)):
        raise PricingError(
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
    return _Rates(input=batch_in, output=batch_out, cached_input=cached, cache_write=write)


def batch_prices(price: Price) -> tuple[Decimal, Decimal | None]:
    """Batch input and output prices per million tokens: explicit, or by the provider's rule."""
    rates = _batch_rates(price, price)
    return rates.input, (rates.output if price.output_per_mtok is not None else None)


def _segments(usage: Usage, price: Price) -> list[tuple[Price | Tier, int, int, int]]:
    """Split the usage into (rates source, requests, input, output) per tier."""
    tiers = sorted(price.tiers, key=lambda t: t.above_input_tokens)
    by_limit = {t.above_input_tokens: t for t in usage.tiers}
    parts: list[tuple[Price | Tier, int, int, int]] = []
    rest = (usage.requests, usage.input_tokens, usage.output_tokens)
    # Walk from the highest tier down: each tier's usage excludes higher tiers'.
    higher = (0, 0, 0)
    for tier in reversed(tiers):
        tu = by_limit.get(tier.above_input_tokens)
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


@register("standard", "Standard (request/response)")
def standard_cost(usage: Usage, price: Price, params: ModeParams) -> ModeCost:
    segs = [(_standard_rates(src), r, i, o) for src, r, i, o in _segments(usage, price)]
    input_cost, cached = _price_input(segs, params.cache)
    output_cost = sum((cost_of(o, rates.output) for rates, _, _, o in segs), ZERO)
    return ModeCost("standard", usage.input_tokens, usage.output_tokens, cached, input_cost, output_cost,
                    "list prices; shared prefix at the cached-input price for the cache hit share")


def early_exit_output(output_tokens: int, requests: int, ee: EarlyExitParams) -> int:
    """Billed output tokens when a share of streams is cancelled early.

    A cancelled stream bills what was generated before the cancel plus the
    tail the server produced before it noticed, never more than the full answer.
    """
    if ee.cancel_share == 0 or output_tokens == 0:
        return output_tokens
    cancelled_out = Decimal(output_tokens) * ee.cancel_share
    cancelled_req = Decimal(requests) * ee.cancel_share
    billed_cancelled = min(cancelled_out, cancelled_out * ee.seen_fraction + cancelled_req * ee.tail_tokens)
    billed = Decimal(output_tokens) - cancelled_out + billed_cancelled
    return min(output_tokens, math.ceil(billed))


@register("streaming_early_exit", "Streaming with early exit")
def streaming_cost(usage: Usage, price: Price, params: ModeParams) -> ModeCost:
    segs = []
    billed_total = 0
    for src, r, i, o in _segments(usage, price):
        billed = early_exit_output(o, r, params.early_exit)
        billed_total += billed
        segs.append((_standard_rates(src), r, i, billed))
    input_cost, cached = _price_input(segs, params.cache)
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
    segs = [(_batch_rates(src, price), r, i, o) for src, r, i, o in _segments(usage, price)]
    input_cost, cached = _price_input(segs, params.cache)
    output_cost = sum((cost_of(o, rates.output) for rates, _, _, o in segs), ZERO)
    rule = price.batch_rule
    how = (
        f"batch rule: {rule.discount_multiplier} x standard, caching '{rule.cached_input}' ({rule.source})"
        if rule
        else "explicit batch prices"
    )
    return ModeCost("batch", usage.input_tokens, usage.output_tokens, cached, input_cost, output_cost, how)


def compare(usage: Usage, price: Price, params: ModeParams | None = None) -> Comparison:
    """Price ``usage`` under every registered mode."""
    params = params or ModeParams()
    costs = {name: fn(usage, price, params) for name, fn in MODES.items()}
    base = costs["standard"].total_cost
    costs = {name: replace(c, savings_vs_standard=base - c.total_cost) for name, c in costs.items()}
    return Comparison(usage=usage, price=price, params=params, modes=costs)
