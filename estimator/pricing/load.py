"""Reading price tables: TOML parsed with ``parse_float=Decimal``, checked by the strict
schema, turned into runtime entries; the shipped tables loaded once per directory."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from estimator.errors import PricingError
from estimator.pricing import provider_cache
from estimator.pricing.book import PriceBook, build_book
from estimator.pricing.entries import BatchRule, Model, Price, Provider, Tier
from estimator.pricing.market import (
    CachingRule,
    Combination,
    Disagreement,
    Fee,
    Market,
    MovingAlias,
    ServiceTier,
    TierPrice,
    TierRule,
    TierWindow,
    TtlWrite,
    Uplift,
)
from estimator.pricing.shipped import pricing_files, shipped_pricing_dir
from estimator.tokens import known_tokenizers

if TYPE_CHECKING:  # pydantic and the file models load only when a file is validated (see provider_cache)
    from pydantic import ValidationError

    from estimator.pricing.schema import ModelFile, PriceFile, ProviderFile


def _format_validation(err: ValidationError, path: Path, raw: Mapping[str, object]) -> str:
    lines = []
    for e in err.errors()[:10]:
        loc = list(e["loc"])
        where = _describe_loc(loc, raw)
        lines.append(f"  {where}: {e['msg']}")
    more = f"\n  ... and {err.error_count() - 10} more" if err.error_count() > 10 else ""
    return f"{path}: invalid pricing file:\n" + "\n".join(lines) + more


def _describe_loc(loc: Sequence[int | str], raw: Mapping[str, object]) -> str:
    parts: list[str] = []
    node: object = raw
    for key in loc:
        if isinstance(key, int) and isinstance(node, list):
            items = cast("list[object]", node)
            item = items[key] if key < len(items) else None
            label = item.get("id") if isinstance(item, dict) else None
            eff = item.get("effective_from") if isinstance(item, dict) else None
            parts[-1] += f"[{label or eff or key}]"
            node = item
        else:
            parts.append(str(key))
            node = node.get(str(key)) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


_MAX_NUMBER = 10**12


def _absurd_number(node: object, where: str = "") -> tuple[str, str] | None:
    """The first number in a parsed TOML document that is not finite or beyond any real price or limit."""
    if isinstance(node, dict):
        for key, value in node.items():
            found = _absurd_number(value, f"{where}.{key}" if where else str(key))
            if found:
                return found
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found = _absurd_number(value, f"{where}[{i}]")
            if found:
                return found
    elif isinstance(node, Decimal) and (not node.is_finite() or abs(node) > _MAX_NUMBER):
        return where, str(node)
    elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > _MAX_NUMBER:
        return where, f"{str(node)[:12]}... ({len(str(node))} digits)"
    return None


def parse_provider(text: str, origin: str) -> Provider:
    """Parse and validate one provider TOML document."""
    path = Path(origin)
    try:
        raw = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise PricingError(f"{origin}: not valid TOML: {exc}. Fix the file or remove it.") from None
    except RecursionError:
        raise PricingError(f"{origin}: not a pricing file: arrays or tables nested too deeply to read.") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise PricingError(f"{origin}: not valid TOML: a number cannot be read ({exc}).") from None
    if (where := _absurd_number(raw)) is not None:
        raise PricingError(
            f"{origin}: {where[0]} = {where[1]} is not a usable number (at most {_MAX_NUMBER:,} is accepted). "
            "Fix the value.",
            path=origin,
            field=where[0],
        )
    from pydantic import ValidationError

    from estimator.pricing.schema import ProviderFile

    try:
        data = ProviderFile.model_validate(raw)
    except ValidationError as exc:
        raise PricingError(_format_validation(exc, path, raw)) from None
    return _to_runtime(data, origin)


def load_provider_file(path: str | Path) -> Provider:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PricingError(f"{path}: pricing file not found") from None
    except UnicodeDecodeError as exc:
        raise PricingError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    return provider_cache.cached(text, str(path), parse_provider)


def _to_runtime(data: ProviderFile, origin: str) -> Provider:
    rule = _batch_rule(data)
    market = _market(data)
    models = tuple(_model(data, m, origin, rule, market) for m in data.models)
    return Provider(
        id=data.provider,
        display_name=data.display_name,
        pricing_page=data.pricing_page,
        batch_rule=rule,
        models=models,
        origin=origin,
        market=market,
        moving_aliases=tuple(
            MovingAlias(a.name, tuple((t.effective_from, t.model, t.source) for t in a.targets), a.note)
            for a in data.moving_aliases
        ),
        disagreements=tuple(
            Disagreement(provider=data.provider, **d.model_dump()) for d in data.acknowledged_disagreements
        ),
    )


def _batch_rule(data: ProviderFile) -> BatchRule | None:
    b = data.batch
    if b is None:
        return None
    return BatchRule(
        discount_multiplier=b.discount_multiplier,
        cached_input=b.cached_input,
        completion_window_hours=b.completion_window_hours,
        max_requests_per_file=b.max_requests_per_file,
        max_bytes_per_file=b.max_bytes_per_file,
        source=b.source,
        checked=b.checked,
        note=b.note,
        available_from=b.available_from,
    )


def _model(data: ProviderFile, m: ModelFile, origin: str, rule: BatchRule | None, market: Market) -> Model:
    # Checked here so the message names the file and the model, not only the unknown name.
    if m.tokenizer not in known_tokenizers():
        raise PricingError(
            f"{origin}: model {m.id}: unknown tokenizer {m.tokenizer!r}; "
            f"use one of: {', '.join(known_tokenizers())}",
            path=origin,
            field="tokenizer",
        )
    prices = tuple(
        _price(data, m, p, m.prices[i + 1].effective_from if i + 1 < len(m.prices) else None, origin, rule, market)
        for i, p in enumerate(m.prices)
    )
    return Model(
        id=m.id,
        provider=data.provider,
        display_name=m.display_name,
        kind=m.kind,
        tokenizer=m.tokenizer,
        aliases=tuple(m.aliases),
        context_window=m.context_window,
        max_output_tokens=m.max_output_tokens,
        checked=m.checked,
        note=m.note,
        prices=prices,
        origin=origin,
        shutdown_date=m.shutdown_date,
        shutdown_source=m.shutdown_source,
        successor=m.successor,
        successor_source=m.successor_source,
        service_tiers=tuple(m.service_tiers),
    )


def _price(data: ProviderFile, m: ModelFile, p: PriceFile, until: dt.date | None, origin: str,
           rule: BatchRule | None, market: Market) -> Price:
    """One dated entry of a model, with what the provider's rules say about it."""
    return Price(
        model=m.id,
        provider=data.provider,
        effective_from=p.effective_from,
        effective_until=until,
        input_per_mtok=p.input_per_mtok,
        output_per_mtok=p.output_per_mtok,
        cached_input_per_mtok=p.cached_input_per_mtok,
        cache_write_per_mtok=p.cache_write_per_mtok,
        batch_input_per_mtok=p.batch_input_per_mtok,
        batch_output_per_mtok=p.batch_output_per_mtok,
        batch_cached_input_per_mtok=p.batch_cached_input_per_mtok,
        source=p.source,
        note=p.note,
        batch_rule=rule,
        tiers=tuple(Tier(**t.model_dump()) for t in p.tiers),
        origin=origin,
        cache_write_1h_per_mtok=p.cache_write_1h_per_mtok,
        cache_write_12h_per_mtok=p.cache_write_12h_per_mtok,
        cache_storage_per_mtok_hour=p.cache_storage_per_mtok_hour,
        tier_prices=tuple(TierPrice(**t.model_dump()) for t in p.tier_prices),
        market=market,
        offered_tiers=tuple(m.service_tiers),
        batch_offered=m.batch,
        launch=m.prices[0].effective_from,
        shutdown_date=m.shutdown_date,
        min_cacheable_tokens=m.min_cacheable_tokens or (data.caching.min_cacheable_tokens if data.caching else None),
        tier_windows=tuple(TierWindow(**w.model_dump()) for w in m.tier_windows),
        tier_rules=tuple(TierRule(**r.model_dump()) for r in m.tier_rules),
    )


def _market(data: ProviderFile) -> Market:
    c = data.caching
    return Market(
        tiers=tuple(ServiceTier(**t.model_dump(exclude={"checked"})) for t in data.service_tiers),
        uplifts=tuple(
            Uplift(**{**u.model_dump(), "models": tuple(u.models), "applies_to": tuple(u.applies_to)})
            for u in data.uplifts
        ),
        combinations=tuple(
            Combination(tuple(c.features), c.allowed, tuple(c.models), c.reason, c.source)  # type: ignore[arg-type]
            for c in data.combinations
        ),
        fees=tuple(Fee(**{**f.model_dump(exclude={"checked"}), "models": tuple(f.models)}) for f in data.fees),
        caching=CachingRule(
            available_from=c.available_from,
            min_cacheable_tokens=c.min_cacheable_tokens,
            default_ttl=c.default_ttl,
            ttls=tuple(c.ttls),
            writes=c.writes,
            storage=c.storage,
            source=c.source,
            note=c.note,
            ttl_writes=tuple(TtlWrite(**w.model_dump()) for w in c.ttl_writes),
            hit_increment_tokens=c.hit_increment_tokens,
            hit_increment_models_released_before=c.hit_increment_models_released_before,
        )
        if c
        else None,
        batch_available_from=data.batch.available_from if data.batch else None,
    )


@lru_cache(maxsize=8)
def _load_dir(directory: str) -> PriceBook:
    return build_book([load_provider_file(p) for p in pricing_files(directory)])


def load_pricebook(extra_files: Sequence[str | Path] = (), directory: str | Path | None = None, *,
                   strict: bool = False) -> PriceBook:
    """The shipped tables, plus user files whose models override shipped ones.

    A model none of them lists is priced from the genai-prices database, labelled so, unless
    ``strict`` is True (see ``estimator.pricing.fallback``).
    """
    book = _load_dir(str(Path(directory) if directory else shipped_pricing_dir()))
    if extra_files:
        book = book.with_providers(load_provider_file(p) for p in extra_files)
    return book.with_strict(strict)
