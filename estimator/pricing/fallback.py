"""Prices for models outside the curated tables, taken from the genai-prices database.

The curated tables (``pricing/*.toml``) are the product's prices: each entry
has its provider source and its date. A model they do not list can still be
priced from pydantic's genai-prices, which ships its data inside the package
(no network). Such a price is a fact of its result, never silent:

- every entry says where it comes from: ``Price.fallback`` names the database,
  its version and the date this project last checked that version, and the
  estimate's notes and JSON (``price_database``) repeat it;
- batch and service-tier prices are derived only where one of our provider
  rules applies: the database must show the model sold in that mode (a batch
  or service-tier variant) and our file must have the rule ([batch],
  [[service_tiers]]). Otherwise the mode is unavailable, with the reason
  "batch price unknown";
- a model the curated tables list is never taken from here, and neither is a
  name the database resolves to a curated model (``gpt-4o-2024-11-20``):
  the curated history wins;
- a model without a positive per-token input price (audio by the hour, an
  empty entry) is not priced at all: never $0.

``PriceBook(strict=True)`` (``load_pricebook(strict=True)``) refuses this
fallback altogether.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from estimator.pricing.entries import Model, Price, Provider, Tier

DATABASE = "genai-prices"
PINNED_VERSION = "0.2.3"
CHECKED = dt.date(2026, 11, 29)
"""The day this project last compared the pinned version with the curated tables and the providers' pages."""
HOME = "https://github.com/pydantic/genai-prices"
UNDATED = dt.date.min
"""effective_from of a database entry that has no start date (the database does not record launches)."""

_TIER_VARIANTS = {"flex": "flex", "priority": "priority", "fast": "priority"}
_TOKENIZER = {"anthropic": "ctok:3.0", "google": "approx:gemini"}
_SHIPPED_ENCODINGS = ("o200k_base", "cl100k_base")


def available() -> bool:
    try:
        import genai_prices  # noqa: F401
    except ImportError:
        return False
    return True


def database_label() -> str:
    """``genai-prices 0.2.3 (checked 2026-11-29)``: the words every fallback price carries."""
    return f"{DATABASE} {version()} (checked {CHECKED})"


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _version

    try:
        return _version(DATABASE)
    except PackageNotFoundError:
        return "not installed"


def database_model(name: str, providers: tuple[Provider, ...], curated: Mapping[str, object]) -> Model | None:
    """``name`` priced from the database, or None where it cannot be (unknown, curated, or not per token)."""
    if not available():
        return None
    from genai_prices.data_snapshot import get_snapshot

    ours = {p.id: p for p in providers}
    try:
        found, info = get_snapshot().find_provider_model(name, None, None, None)
    except LookupError:
        return None
    provider = ours.get(found.id)
    if provider is None or info.id in curated or info.id.lower() in curated:
        return None
    entries = _entries(info.prices)
    if not entries:
        return None
    built = [_price(name, provider, start, mp, info) for start, mp in entries]
    if any(p is None for p in built):
        return None
    prices = [p for p in built if p is not None]
    outputs = {p.output_per_mtok is None for p in prices}
    if len(outputs) > 1:
        return None  # some entries bill output, others do not: not a shape the cost model knows
    prices = [replace(p, effective_until=prices[i + 1].effective_from if i + 1 < len(prices) else None)
              for i, p in enumerate(prices)]
    notes = [f"Not in the curated tables: priced from {database_label()}, which calls it {info.id!r}."]
    if info.deprecated:
        notes.append("The database marks it deprecated by the provider.")
    if info.price_comments:
        notes.append(f"Database comment: {info.price_comments}")
    return Model(
        id=name,
        provider=provider.id,
        display_name=f"{info.name or info.id} ({DATABASE})",
        kind="embedding" if prices[0].output_per_mtok is None else "chat",
        tokenizer=_tokenizer(name, provider.id),
        aliases=(),
        context_window=info.context_window,
        max_output_tokens=None,
        checked=CHECKED,
        note=" ".join(notes),
        prices=tuple(prices),
        origin=f"{DATABASE} {version()}",
        service_tiers=prices[0].offered_tiers,
    )


def _entries(prices: Any) -> list[tuple[dt.date, Any]]:
    """(start, ModelPrice) in date order; time-of-day prices (off-peak discounts) are left out."""
    from genai_prices.types import ConditionalPrice, ModelPrice, StartDateConstraint

    if isinstance(prices, ModelPrice):
        return [(UNDATED, prices)]
    out: dict[dt.date, Any] = {}
    for cp in prices:
        if not isinstance(cp, ConditionalPrice):
            continue
        if cp.constraint is None:
            out.setdefault(UNDATED, cp.prices)
        elif isinstance(cp.constraint, StartDateConstraint):
            out[cp.constraint.start_date] = cp.prices
    return sorted(out.items())


def _base(value: Any) -> Decimal | None:
    from genai_prices.types import TieredPrices

    if isinstance(value, TieredPrices):
        return Decimal(value.base)
    return None if value is None else Decimal(value)


def _at(value: Any, start: int) -> Decimal | None:
    """The price of a field for a request in the tier that starts at ``start`` tokens."""
    from genai_prices.types import TieredPrices

    if isinstance(value, TieredPrices):
        price = Decimal(value.base)
        for tier in value.tiers:
            if tier.start <= start:
                price = Decimal(tier.price)
        return price
    return None if value is None else Decimal(value)


def _price(name: str, provider: Provider, start: dt.date, mp: Any, info: Any) -> Price | None:
    from genai_prices.types import TieredPrices

    fields = {k: v for k, v in vars(mp).items() if not k.startswith("_")}
    inp, out = _base(fields.get("input_mtok")), _base(fields.get("output_mtok"))
    if inp is None or inp <= 0 or (out is not None and out <= 0):
        return None  # never priced at $0: the database has no per-token text price for it
    starts = sorted({t.start for v in fields.values() if isinstance(v, TieredPrices) for t in v.tiers})
    tiers = tuple(
        Tier(above_input_tokens=s, input_per_mtok=_at(fields.get("input_mtok"), s) or inp,
             output_per_mtok=_at(fields.get("output_mtok"), s), cached_input_per_mtok=_at(fields.get("cache_read_mtok"), s),
             cache_write_per_mtok=_at(fields.get("cache_write_mtok"), s), batch_input_per_mtok=None,
             batch_output_per_mtok=None, batch_cached_input_per_mtok=None,
             cache_write_1h_per_mtok=_at(fields.get("cache_write_1h_mtok"), s))
        for s in starts
    )
    variants = [dict(v.when) for v in (info.price_variants or ())]
    batch = provider.batch_rule is not None and {"processing": "batch"} in variants
    offered = tuple(sorted({
        _TIER_VARIANTS[v["service_tier"]] for v in variants
        if v.get("service_tier") in _TIER_VARIANTS and provider.market.tier(_TIER_VARIANTS[v["service_tier"]])
    }))
    extra = sorted(k for k, v in fields.items() if v is not None and k not in _TEXT_FIELDS)
    note = f"{DATABASE} entry for {info.id!r}" + (f"; also prices {', '.join(extra)} (not estimated here)"
                                                  if extra else "")
    return Price(
        model=name,
        provider=provider.id,
        effective_from=start,
        effective_until=None,
        input_per_mtok=inp,
        output_per_mtok=out,
        cached_input_per_mtok=_base(fields.get("cache_read_mtok")),
        cache_write_per_mtok=_base(fields.get("cache_write_mtok")),
        batch_input_per_mtok=None,
        batch_output_per_mtok=None,
        batch_cached_input_per_mtok=None,
        source=HOME,
        note=note,
        batch_rule=provider.batch_rule if batch else None,
        tiers=tiers,
        origin=f"{DATABASE} {version()}",
        cache_write_1h_per_mtok=_base(fields.get("cache_write_1h_mtok")),
        market=provider.market,
        offered_tiers=offered,
        batch_offered=batch,
        launch=None,
        min_cacheable_tokens=provider.market.caching.min_cacheable_tokens if provider.market.caching else None,
        fallback=database_label(),
    )


_TEXT_FIELDS = {"input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok"}


def _tokenizer(name: str, provider: str) -> str:
    if provider in _TOKENIZER:
        return _TOKENIZER[provider]
    import tiktoken.model

    try:
        encoding = tiktoken.model.encoding_name_for_model(name)
    except KeyError:
        return "o200k_base"
    return encoding if encoding in _SHIPPED_ENCODINGS else "o200k_base"
