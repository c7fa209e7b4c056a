"""Names outside the curated tables: other names of a curated model, or prices from a price database.

The curated tables (``pricing/*.toml``) are the product's prices: each entry has its provider
source and its date. A name they do not list is looked up in the two pinned references
(``estimator.pricing.references``), in this order:

1. another name of a curated model (a dated snapshot id such as ``claude-opus-4-6-20260205``,
   a provider prefix such as ``gemini/...``, or a name genai-prices maps to the same model):
   priced by the curated entry, and the result says which name was asked and which entry priced it;
2. a model genai-prices prices per token (installed with the ``check`` or ``test`` extra);
3. a model the litellm price file shipped in ``pricing/references`` prices per token.

Such a price is a fact of its result, never silent: ``Price.fallback`` names the database, its
version and the day this project last compared it, and the estimate's notes and JSON
(``price_database``) repeat it. Batch and service-tier prices are derived only where one of our
provider rules applies and the database shows the model sold in that mode. A model without a
positive per-token text price (audio by the second, a free model, an image model) is not priced
at all, never $0, and the error says why; so is a fine-tuned model (its prices are the
organisation's own). ``PriceBook(strict=True)`` refuses the databases (2 and 3), not the other
names of a curated model (1).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from estimator.pricing import references as refs
from estimator.pricing.entries import Model, Price, Provider, Tier

DATABASE = "genai-prices"
CHECKED = dt.date(2026, 12, 5)
"""The day this project last compared the pinned versions with the curated tables and the providers' pages."""
HOME = "https://github.com/pydantic/genai-prices"
LITELLM_HOME = "https://github.com/BerriAI/litellm"
UNDATED = dt.date.min
"""effective_from of a database entry that has no start date (the database does not record launches)."""

_TIER_VARIANTS = {"flex": "flex", "priority": "priority", "fast": "priority"}
_TOKENIZER = {"anthropic": "ctok:3.0", "google": "approx:gemini"}
_SHIPPED_ENCODINGS = ("o200k_base", "cl100k_base")
_TEXT_MODES = ("chat", "embedding", "responses", "completion")
_PREFIXES = ("models/", "gemini/", "anthropic/", "openai/", "google/")


@dataclass(frozen=True)
class Lookup:
    """What the references say about a name the curated tables do not list."""

    model: Model | None = None  # priced from a database
    curated: str | None = None  # the curated model id this name is another name of
    refused: str | None = None  # why a name a database lists is not priced


def available() -> bool:
    try:
        import genai_prices  # noqa: F401
    except ImportError:
        return False
    return True


def database_label() -> str:
    """``genai-prices 0.2.5 (checked 2026-12-05)``: the words every genai-prices fallback price carries."""
    return f"{DATABASE} {version()} (checked {CHECKED})"


def litellm_label() -> str:
    return f"{refs.LITELLM} {refs.pins()[refs.LITELLM].version} (checked {CHECKED})"


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _version

    try:
        return _version(DATABASE)
    except PackageNotFoundError:
        return "not installed"


def source_of(price: Price) -> dict[str, Any] | None:
    """Where a price outside the curated tables came from (None: the curated tables priced it)."""
    if price.fallback is None:
        return None
    if price.fallback.startswith(refs.LITELLM):
        return {"name": refs.LITELLM, "version": refs.pins()[refs.LITELLM].version, "checked": CHECKED,
                "entry_dated": False, "note": price.note}
    return {"name": DATABASE, "version": version(), "checked": CHECKED,
            "entry_dated": price.effective_from != UNDATED, "note": price.note}


def lookup(name: str, providers: tuple[Provider, ...], curated: Mapping[str, Model]) -> Lookup:
    """``name`` as the references know it: a curated model's other name, a database price, or a refusal."""
    same = _curated_name(name, curated)
    if same is not None:
        return Lookup(curated=same)
    ours = {p.id: p for p in providers}
    reasons: list[str] = []
    if name.lower().startswith("ft:"):
        return Lookup(refused="a fine-tuned model is priced per organisation: give its price in your own file")
    if available():
        found = _genai_model(name, ours, curated)
        if isinstance(found, Model):
            return Lookup(model=found)
        if found:
            reasons.append(found)
    found_l = _litellm_model(name, ours)
    if isinstance(found_l, Model):
        return Lookup(model=found_l)
    if found_l:
        reasons.append(found_l)
    return Lookup(refused="; ".join(reasons) or None)


def _curated_name(name: str, curated: Mapping[str, Model]) -> str | None:
    """The curated model ``name`` is another name of: a provider prefix, an Anthropic dated snapshot id,
    or a name genai-prices matches to a curated model's entry."""
    key = name.strip().lower()
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key[len(prefix):] in curated:
            return curated[key[len(prefix):]].id
    base = re.sub(r"-\d{8}$", "", key)
    if base != key and base in curated and curated[base].provider == "anthropic":
        return curated[base].id  # an Anthropic snapshot id: claude-opus-4-6-20260205
    if available():
        found = _genai_find(key, tuple(sorted({m.provider for m in curated.values()})))
        if found is None:
            return None
        _, info = found
        matches = {m.id for n, m in curated.items() if info.is_match(n)}
        if info.id.lower() in curated:
            matches.add(curated[info.id.lower()].id)
        if len(matches) == 1:
            return matches.pop()
    return None


def _genai_model(name: str, ours: Mapping[str, Provider], curated: Mapping[str, Model]) -> Model | str | None:
    """``name`` priced from genai-prices, the reason it cannot be, or None where the database does not list it."""
    got = _genai_find(name, tuple(ours))
    if got is None:
        return None
    found, info = got
    provider = ours.get(found.id)
    if provider is None:
        return None
    if info.id in curated or info.id.lower() in curated:
        return None
    entries = _entries(info.prices)
    built = [_price(name, provider, start, mp, info) for start, mp in entries]
    if not entries or any(p is None for p in built):
        fields = sorted({k for _, mp in entries for k, v in vars(mp).items() if v is not None and not k.startswith("_")})
        return (f"{database_label()} lists {info.id!r} without a positive per-token text price"
                + (f" (it prices {', '.join(fields)})" if fields else ""))
    prices = [p for p in built if p is not None]
    if len({p.output_per_mtok is None for p in prices}) > 1:
        return f"{database_label()} prices {info.id!r} with and without output in different periods"
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


def _genai_find(name: str, provider_ids: tuple[str, ...]) -> tuple[Any, Any] | None:
    """(provider, model) of genai-prices for ``name``: the provider its name implies, else the first of ours."""
    from genai_prices.data_snapshot import get_snapshot

    snapshot = get_snapshot()
    for pid in (None, *provider_ids):
        try:
            return snapshot.find_provider_model(name, None, pid, None)
        except LookupError:
            continue
    return None


_LITELLM_PROVIDER = {v: k for k, v in refs.LITELLM_PROVIDERS.items()}


def _litellm_model(name: str, ours: Mapping[str, Provider]) -> Model | str | None:
    """``name`` priced from the pinned litellm file, the reason it cannot be, or None where it is not listed."""
    entries = refs.litellm_entries()
    key = name.strip()
    entry = entries.get(key) or entries.get(f"gemini/{key}")
    if entry is None:
        return None
    provider = ours.get(_LITELLM_PROVIDER.get(str(entry.get("litellm_provider")), ""))
    if provider is None:
        return None
    mode = str(entry.get("mode"))
    label = litellm_label()
    if mode not in _TEXT_MODES:
        return f"{label} lists {name!r} as a {mode} model; only text and embedding models are priced here"
    inp = refs.per_mtok(entry.get("input_cost_per_token"))
    out = refs.per_mtok(entry.get("output_cost_per_token"))
    if inp is None or inp <= 0 or (mode != "embedding" and (out is None or out <= 0)):
        return f"{label} lists {name!r} at no per-token price (a free or otherwise billed model): not priced, never $0"
    tiers = []
    for key2, value in sorted(entry.items()):
        m = re.fullmatch(r"input_cost_per_token_above_(\d+)k_tokens", key2)
        if m:
            k = m.group(1)
            tiers.append(Tier(
                above_input_tokens=int(k) * 1000, input_per_mtok=refs.per_mtok(value) or inp,
                output_per_mtok=refs.per_mtok(entry.get(f"output_cost_per_token_above_{k}k_tokens")),
                cached_input_per_mtok=refs.per_mtok(entry.get(f"cache_read_input_token_cost_above_{k}k_tokens")),
                cache_write_per_mtok=refs.per_mtok(entry.get(f"cache_creation_input_token_cost_above_{k}k_tokens")),
                batch_input_per_mtok=None, batch_output_per_mtok=None, batch_cached_input_per_mtok=None))
    batch = provider.batch_rule is not None and "input_cost_per_token_batches" in entry
    offered = tuple(t for t in ("flex", "priority", "ultrafast")
                    if f"input_cost_per_token_{t}" in entry and provider.market.tier(t))
    shutdown = entry.get("deprecation_date")
    price = Price(
        model=name, provider=provider.id, effective_from=UNDATED, effective_until=None, input_per_mtok=inp,
        output_per_mtok=None if mode == "embedding" else out,
        cached_input_per_mtok=refs.per_mtok(entry.get("cache_read_input_token_cost")),
        cache_write_per_mtok=refs.per_mtok(entry.get("cache_creation_input_token_cost")),
        batch_input_per_mtok=None, batch_output_per_mtok=None, batch_cached_input_per_mtok=None,
        source=LITELLM_HOME, note=f"litellm entry for {name!r}", batch_rule=provider.batch_rule if batch else None,
        tiers=tuple(tiers), origin=f"{refs.LITELLM} {refs.pins()[refs.LITELLM].version}",
        cache_write_1h_per_mtok=refs.per_mtok(entry.get("cache_creation_input_token_cost_above_1hr")),
        market=provider.market, offered_tiers=offered, batch_offered=batch, launch=None,
        min_cacheable_tokens=int(entry["prompt_cache_min_tokens"]) if isinstance(entry.get("prompt_cache_min_tokens"), int)
        else (provider.market.caching.min_cacheable_tokens if provider.market.caching else None),
        fallback=label,
    )
    return Model(
        id=name, provider=provider.id, display_name=f"{name} ({refs.LITELLM})",
        kind="embedding" if mode == "embedding" else "chat", tokenizer=_tokenizer(name, provider.id), aliases=(),
        context_window=entry.get("max_input_tokens") if isinstance(entry.get("max_input_tokens"), int) else None,
        max_output_tokens=None, checked=CHECKED,
        note=f"Not in the curated tables or in genai-prices: priced from {label}.", prices=(price,),
        origin=price.origin,
        shutdown_date=dt.date.fromisoformat(shutdown) if isinstance(shutdown, str) else None,
        service_tiers=offered,
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
