"""What a price entry charges in each mode: the providers' tier rules applied to the entry in force.

A tier's price is a rule applied to a dated entry (``[batch]``, ``[[service_tiers]]``, a model's
``[[models.tier_rules]]``, ``[[caching.ttl_writes]]``); a figure the provider prints for one model
(``tier_prices``, explicit batch prices) replaces the rule's where given. ``rates`` gives the
per-million prices of one request in one mode; ``entry_figures`` every price an entry charges
(the cross-check, the history lock and the price listings read them). The cost of a whole
usage is ``estimator.modes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from estimator.errors import PricingError, UsageError, param
from estimator.money import ZERO
from estimator.pricing.entries import Price, Tier

MODE_NAMES = ("standard", "streaming_early_exit", "batch", "flex", "priority", "ultrafast")
TIER_NAMES = ("flex", "priority", "ultrafast")
"""Service tiers priced from ``[[service_tiers]]`` (Flex, Priority/Fast, Ultrafast)."""


class ModeUnavailable(PricingError):
    """The model is not offered in this mode on the priced date (the message says why)."""


def _times(price: Decimal, k: Decimal) -> Decimal:
    """``price`` x ``k``, written with the places of the published price where that is exact ($2.50 x 0.5 = $1.25)."""
    product = price * k
    same = product.quantize(price) if product.is_finite() and price.is_finite() else product
    return same if same == product else product.normalize()


# --------------------------------------------------------------------------
# Price components: every tier's price is a rule applied to the entry in force
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rates:
    input: Decimal
    output: Decimal
    cached_input: Decimal
    cache_write: Decimal


def _write_price(p: Price | Tier, price: Price, ttl: str | None) -> Decimal | None:
    """The Standard cache-write price of ``p`` for ``ttl`` (None: no write premium, writes cost the input price).

    A TTL's write is the entry's published figure where it has one, else the provider's rule for
    that TTL (``[[caching.ttl_writes]]``, e.g. OpenAI's 12-hour write at 2.5 x input).
    """
    caching = price.market.caching
    if ttl in (None, "", "default") or (caching is not None and ttl == caching.default_ttl):
        return p.cache_write_per_mtok
    value = p.cache_write_1h_per_mtok if ttl == "1h" else None
    if value is None:
        rule = caching.ttl_write(ttl, price.launch) if caching is not None else None
        if rule is not None:
            value = p.input_per_mtok * rule.input_multiplier
    if value is None:
        sold = ", ".join(caching.ttls) if caching is not None else "none"
        raise PricingError(f"{price.model}: no {ttl} cache-write price (TTLs sold: {sold}); "
                           f"choose another {param('cache_ttl')}", param="cache_ttl")
    return value


def _standard_rates(p: Price | Tier, price: Price, ttl: str | None = None) -> _Rates:
    write = _write_price(p, price, ttl)
    return _Rates(
        input=p.input_per_mtok,
        output=p.output_per_mtok or ZERO,
        cached_input=p.cached_input_per_mtok if p.cached_input_per_mtok is not None else p.input_per_mtok,
        cache_write=write if write is not None else p.input_per_mtok,
    )


def _batch_rates(p: Price | Tier, price: Price, ttl: str | None = None, *, explicit: bool = True) -> _Rates:
    """Batch prices of ``p``: the provider's [batch] rule (and the model's own batch rule) applied to it.

    ``explicit=False`` ignores published batch figures: what the rule alone gives (the tests
    check that a published figure differs from it).
    """
    rule = price.batch_rule
    std = _standard_rates(p, price, ttl)
    has_write_premium = _write_price(p, price, ttl) is not None
    explicit_in = p.batch_input_per_mtok if explicit else None
    explicit_out = p.batch_output_per_mtok if explicit else None
    explicit_cached = p.batch_cached_input_per_mtok if explicit else None
    why = price.unavailable_reason("batch")
    if why:
        raise ModeUnavailable(why)
    if rule is None and (explicit_in is None or (explicit_out is None and std.output)):
        raise ModeUnavailable(
            f"{price.model}: no batch price and provider {price.provider!r} has no [batch] rule; "
            "this model cannot be priced in batch mode"
        )
    terms = price.tier_terms("batch")
    k = terms.multiplier if terms.multiplier is not None else (rule.discount_multiplier if rule else Decimal(1))
    batch_in = explicit_in if explicit_in is not None else _times(std.input, k)
    batch_out = explicit_out if explicit_out is not None else _times(std.output, k)
    how = terms.cached_input or (rule.cached_input if rule else "stack")
    if explicit_cached is not None:
        cached = explicit_cached
        write = _times(std.cache_write, k)
    elif how == "stack":
        cached = _times(std.cached_input, k)
        write = _times(std.cache_write, k)
    elif how == "cache-only":
        cached = std.cached_input
        write = std.cache_write
    else:  # "batch-only": no cache discount inside a batch
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


def _tier_rates(src: Price | Tier, price: Price, name: str, ttl: str | None, lower: int = 0, *,
                explicit: bool = True) -> _Rates:
    """Flex, Priority/Fast or Ultrafast prices of a request whose prompt exceeds ``lower`` tokens.

    The tier's multiplier (the provider's, or the model's own rule on the priced date) applies to
    the Standard prices of ``src``, cached reads and cache writes included; a figure the provider
    prints for the model replaces the rule's (``explicit=False``: the rule alone).
    """
    tier = price.market.tier(name)
    why = price.unavailable_reason(name)
    if tier is None or why:
        raise ModeUnavailable(why or f"{price.provider} sells no {name} tier")
    terms = price.tier_terms(name)
    std = _standard_rates(src, price, ttl)
    if terms.standard_above_input_tokens is not None and lower >= terms.standard_above_input_tokens:
        return std  # the tier excludes these prompts: they run, and are billed, at Standard
    premium = _write_price(src, price, ttl) is not None
    k = terms.multiplier if terms.multiplier is not None else tier.multiplier
    is_long = isinstance(src, Tier)
    long_context = terms.long_context or tier.long_context
    if isinstance(src, Tier) and long_context == "unavailable":
        raise ModeUnavailable(f"{tier.label} does not take prompts above {src.boundary:,} tokens ({tier.source})")
    if is_long and long_context == "standard":
        return std  # long requests run, and are billed, at Standard
    figures = price.tier_price(name) if explicit else None
    inp, out = _times(std.input, k), _times(std.output, k)
    cached = write = None
    if figures is not None and not is_long:
        inp = figures.input_per_mtok if figures.input_per_mtok is not None else inp
        out = figures.output_per_mtok if figures.output_per_mtok is not None else out
        cached, write = figures.cached_input_per_mtok, figures.cache_write_per_mtok
    elif figures is not None:
        inp = figures.long_context_input_per_mtok if figures.long_context_input_per_mtok is not None else inp
        out = figures.long_context_output_per_mtok if figures.long_context_output_per_mtok is not None else out
        cached = figures.long_context_cached_input_per_mtok
    how = terms.cached_input or tier.cached_input
    if how == "none":
        return _Rates(input=inp, output=out, cached_input=inp, cache_write=inp)
    if cached is None:
        cached = std.cached_input if how == "standard" else _times(std.cached_input, k)
    if write is None:
        write = _times(std.cache_write, k) if premium else inp
    return _Rates(input=inp, output=out, cached_input=min(cached, inp), cache_write=write)


def _segment_of(price: Price, input_tokens: int) -> tuple[Price | Tier, int]:
    """The rates source and the lower threshold of a request of ``input_tokens``."""
    src: Price | Tier = price
    lower = 0
    for t in sorted(price.tiers, key=lambda t: t.boundary):
        if input_tokens > t.boundary:
            src = t
    for limit in price.thresholds:
        if input_tokens > limit:
            lower = limit
    return src, lower


def rates(price: Price, mode: str, *, input_tokens: int = 0, ttl: str | None = None,
          explicit: bool = True) -> dict[str, Decimal]:
    """Per-million prices of one request of ``input_tokens`` in ``mode``: input, cached input, cache write, output.

    ``ModeUnavailable`` (a ``PricingError``) where the model is not sold in ``mode`` on the
    entry's date; ``explicit=False`` gives what the rules alone give, ignoring published figures.
    """
    src, lower = _segment_of(price, input_tokens)
    if mode in ("standard", "streaming_early_exit"):
        r = _standard_rates(src, price, ttl)
    elif mode == "batch":
        r = _batch_rates(src, price, ttl, explicit=explicit)
    elif mode in TIER_NAMES:
        r = _tier_rates(src, price, mode, ttl, lower, explicit=explicit)
    else:
        raise UsageError(f"unknown mode {mode!r}; modes: {', '.join(MODE_NAMES)}", param="mode")
    return {"input_per_mtok": r.input, "cached_input_per_mtok": r.cached_input,
            "cache_write_per_mtok": r.cache_write, "output_per_mtok": r.output}


def tier_rates(price: Price, name: str, ttl: str | None = None) -> dict[str, Decimal]:
    """A tier's short-context prices per million tokens: input, cached input, cache write, output."""
    return rates(price, name, ttl=ttl)


def entry_figures(price: Price, *, explicit: bool = True) -> dict[str, Decimal]:
    """Every price a dated entry charges, by field: ``[mode.][above_N.]field[_ttl]`` -> USD per million tokens.

    For each mode the model is sold in on the day ``price`` is taken (``Model.price_on``), below
    and above each threshold, for each cache TTL the provider sells. ``explicit=False``: what the
    rules alone give, ignoring figures the entry publishes.
    """
    caching = price.market.caching
    ttls: list[str | None] = [None]
    if caching is not None:
        ttls += [t for t in caching.ttls if t not in ("default", caching.default_ttl)]
    out: dict[str, Decimal] = {}
    for mode in ("standard", "batch", *TIER_NAMES):
        head = "" if mode == "standard" else f"{mode}."
        for above in (0, *price.thresholds):
            seg = f"above_{above}." if above else ""
            for ttl in ttls:
                try:
                    r = rates(price, mode, input_tokens=above + 1 if above else 0, ttl=ttl, explicit=explicit)
                except PricingError:
                    continue
                if ttl is None:
                    for name, value in r.items():
                        if name != "output_per_mtok" or price.output_per_mtok is not None:
                            out[f"{head}{seg}{name}"] = value
                else:
                    out[f"{head}{seg}cache_write_{ttl}_per_mtok"] = r["cache_write_per_mtok"]
    return out
