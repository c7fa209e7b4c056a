"""The price book: every priced model by id and alias, and dated look-ups in it.

``PriceBook.model(name, as_of)`` finds a model (a moving alias such as
``gemini-flash-latest`` resolves to its target on the day), and
``Model.price_on(day)`` the entry in force. A model the curated tables do not
list is priced from the genai-prices database, labelled so, unless the book
is strict (``estimator.pricing.fallback``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from estimator.errors import PricingError, UnknownModelError, param
from estimator.pricing import fallback
from estimator.pricing.entries import BatchRule, Model, Price, Provider
from estimator.pricing.market import MovingAlias


@dataclass(frozen=True)
class PriceBook:
    """Every priced model, by id and alias."""

    providers: tuple[Provider, ...]
    _index: Mapping[str, Model] = field(repr=False, default_factory=dict)
    strict: bool = False
    """True: only the curated tables price; a model they do not list is an error even where the
    genai-prices database knows it (see ``estimator.pricing.fallback``)."""
    _database: dict[str, fallback.Lookup] = field(repr=False, default_factory=dict, compare=False, hash=False)

    @property
    def models(self) -> tuple[Model, ...]:
        return tuple(m for p in self.providers for m in p.models)

    def model(self, name: str, as_of: dt.date | None = None) -> Model:
        """The model called ``name``; a moving alias (``*-latest``) resolves to its target on ``as_of``
        (required for a moving alias: which model it means depends on the day)."""
        key = name.strip()
        found = self._index.get(key) or self._index.get(key.lower())
        if found is None:
            alias = self.moving_alias(key)
            if alias is not None and as_of is None:
                raise PricingError(f"{alias.name} points to different models over time: give {param('as_of')}",
                                   param="as_of")
            day = as_of or dt.date.min
            target = alias.target_on(day) if alias else None
            if alias is not None and target is None:
                first = alias.targets[0][0]
                raise PricingError(
                    f"{alias.name} has no known target on {day}: the first one the tables know starts {first}. "
                    f"Set {param('as_of')} to {first} or later, or name the model itself.",
                    param="as_of",
                )
            found = self._index.get(target) if target else None
        if found is None and key:
            found = self._from_references(key)
        if found is None:
            raise UnknownModelError(name, [*self._index.keys(), *(a.name for a in self.moving_aliases)])
        return found

    def curated_name(self, name: str) -> str | None:
        """The curated model id ``name`` stands for, where it is another name of one (a snapshot id)."""
        key = name.strip()
        found = self._index.get(key) or self._index.get(key.lower())
        if found is not None:
            return found.id
        return self._lookup(key).curated

    def _lookup(self, name: str) -> fallback.Lookup:
        if name not in self._database:
            self._database[name] = fallback.lookup(name, self.providers, self._index)
        return self._database[name]

    def _from_references(self, name: str) -> Model | None:
        """A curated model under another name, or a model only a price database knows (refused in strict mode)."""
        found = self._lookup(name)
        known = [*self._index.keys(), *(a.name for a in self.moving_aliases)]
        if found.curated is not None:
            return self._index[found.curated]
        if found.model is not None and self.strict:
            raise UnknownModelError(
                name, known, detail=f"{found.model.prices[0].fallback} prices it, but {param('strict_prices')} "
                "refuses prices outside the curated tables.",
            )
        if found.model is None and found.refused:
            raise UnknownModelError(name, known, detail=f"It is not priced: {found.refused}.")
        return found.model

    def curated(self, name: str) -> bool:
        """Whether ``name`` is a model, alias or moving alias of the curated tables (or a user file)."""
        key = name.strip()
        return key in self._index or key.lower() in self._index or self.moving_alias(key) is not None

    @property
    def moving_aliases(self) -> tuple[MovingAlias, ...]:
        return tuple(a for p in self.providers for a in p.moving_aliases)

    def moving_alias(self, name: str) -> MovingAlias | None:
        return next((a for a in self.moving_aliases if a.name == name.strip().lower()), None)

    def price(self, name: str, as_of: dt.date) -> Price:
        """The entry of ``name`` in force on ``as_of``."""
        return self.model(name, as_of).price_on(as_of)

    def provider(self, provider_id: str) -> Provider:
        for p in self.providers:
            if p.id == provider_id:
                return p
        raise PricingError(f"unknown provider {provider_id!r}; known: {', '.join(p.id for p in self.providers)}")

    def with_providers(self, extra: Iterable[Provider]) -> PriceBook:
        """A book where models in ``extra`` override same-named ones (user files)."""
        return replace(build_book([*self.providers, *extra]), strict=self.strict)

    def with_strict(self, strict: bool) -> PriceBook:
        """The same tables, with the genai-prices fallback refused (True) or allowed (False)."""
        return self if strict == self.strict else replace(self, strict=strict, _database={})


def build_book(providers: Sequence[Provider]) -> PriceBook:
    merged: dict[str, Provider] = {}
    for prov in providers:
        merged[prov.id] = prov if prov.id not in merged else _merge(merged[prov.id], prov)
    index: dict[str, Model] = {}
    for prov in merged.values():
        for m in prov.models:
            for name in (m.id, *m.aliases):
                index[name] = m
                index.setdefault(name.lower(), m)
    return PriceBook(providers=tuple(merged.values()), _index=index)


def _with_rule(model: Model, rule: BatchRule) -> Model:
    return replace(model, prices=tuple(replace(p, batch_rule=p.batch_rule or rule) for p in model.prices))


def _merge(base: Provider, extra: Provider) -> Provider:
    names = {n for m in extra.models for n in (m.id, *m.aliases)}
    kept = tuple(m for m in base.models if m.id not in names)
    if extra.batch_rule is None and base.batch_rule is not None:
        # A user file without a [batch] section keeps the provider's published batch rule.
        extra = replace(extra, models=tuple(_with_rule(m, base.batch_rule) for m in extra.models))
    return Provider(
        id=base.id,
        display_name=base.display_name,
        pricing_page=base.pricing_page,
        batch_rule=extra.batch_rule or base.batch_rule,
        models=kept + extra.models,
        origin=base.origin,
        market=base.market,
        moving_aliases=base.moving_aliases + extra.moving_aliases,
        disagreements=base.disagreements + extra.disagreements,
    )


def override_price(
    book: PriceBook,
    model: str,
    *,
    input_per_mtok: Decimal | None = None,
    output_per_mtok: Decimal | None = None,
    batch_input_per_mtok: Decimal | None = None,
    batch_output_per_mtok: Decimal | None = None,
    label: str = "user override",
    as_of: dt.date,
) -> Price:
    """A price based on the model's entry in force on ``as_of`` with some numbers replaced.

    Used for negotiated rates and for flat-rate exercises (``$15 per million
    tokens``). The result says it is an override so the output can say so.
    """
    base = book.model(model).price_on(as_of)
    changes: dict[str, object] = {"source": label, "note": f"overrides {base.describe()}", "origin": "override"}
    for name, value in (
        ("input_per_mtok", input_per_mtok),
        ("output_per_mtok", output_per_mtok),
        ("batch_input_per_mtok", batch_input_per_mtok),
        ("batch_output_per_mtok", batch_output_per_mtok),
    ):
        if value is not None:
            if value < 0:
                raise PricingError(f"{name} must not be negative (got {value})")
            changes[name] = value
    # An override of the standard price must not keep a stale explicit batch price.
    # Cached and long-context prices of the base entry no longer apply either.
    if input_per_mtok is not None:
        changes.update(cached_input_per_mtok=None, cache_write_per_mtok=None, batch_cached_input_per_mtok=None)
        if batch_input_per_mtok is None:
            changes["batch_input_per_mtok"] = None
    if output_per_mtok is not None and batch_output_per_mtok is None:
        changes["batch_output_per_mtok"] = None
    if input_per_mtok is not None or output_per_mtok is not None:
        # Long-context rows and the figures the provider prints for a tier belong to the list price:
        # every tier now follows its rule from the overridden price.
        changes["tiers"] = ()
        changes["tier_prices"] = ()
    return replace(base, **changes)  # type: ignore[arg-type]
