"""One counted dataset priced for several models side by side, every tier of each.

``compare_models(est, ["gpt-5.4", "claude-haiku-4-5"], recount=...)`` reuses ``est``'s counts for
every model whose tokens would be the same (the same tokenizer, the same long-context thresholds,
no row near a context window that differs) and asks ``recount`` for the others, so a dataset is
read once per tokenizer, not once per model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from estimator import convert
from estimator.convert import Result, today
from estimator.errors import EstimatorError, UsageError, param
from estimator.money import format_usd
from estimator.pricing import Price, PriceBook, load_pricebook, resolve_price
from estimator.pricing.entries import Model
from estimator.pricing.lifecycle import Standing, standing
from estimator.report.estimate import Estimate, build_estimate


@dataclass(frozen=True)
class ModelEstimate:
    """One model's estimate of the dataset, and whether its rows had to be counted again."""

    estimate: Estimate
    counted_again: bool
    standing: Standing

    @property
    def model(self) -> Model:
        return self.estimate.priced.model


@dataclass(frozen=True, repr=False)
class ModelComparison(Result):
    """The same dataset priced for several models; ``table()`` has one row per model with every
    tier's cost (``None`` where the model does not offer the tier)."""

    models: tuple[ModelEstimate, ...]  # the estimate compared against first
    not_compared: tuple[tuple[str, str], ...] = ()  # (model, why)

    @property
    def modes(self) -> tuple[str, ...]:
        """Every tier any of the models offers, in the order the estimates list them."""
        return tuple(dict.fromkeys(n for m in self.models for n in m.estimate.comparison.modes))

    def cheapest(self, mode: str = "standard") -> ModelEstimate | None:
        """The model whose ``mode`` costs least (None when no model offers it)."""
        offered = [m for m in self.models if mode in m.estimate.comparison.modes]
        return min(offered, key=lambda m: m.estimate.comparison.modes[mode].total_cost) if offered else None

    def summary(self) -> str:
        rows = self.models[0].estimate.profile.rows if self.models else 0
        parts = ", ".join(f"{m.model.id} {format_usd(m.estimate.comparison.standard.total_cost)}" for m in self.models)
        return f"{len(self.models)} models on {rows:,} rows, standard: {parts}"

    def table(self) -> list[dict[str, Any]]:
        out = []
        for m in self.models:
            est = m.estimate
            out.append({
                "model": m.model.id, "display_name": m.model.display_name, "standing": m.standing.state,
                "shutdown_date": m.model.shutdown_date, "tokenizer": est.profile.tokenizer,
                "token_counts": est.profile.token_counts, "counted_again": m.counted_again,
                "input_tokens": est.profile.input_tokens, "output_tokens": est.profile.output_tokens,
                "price_source": est.priced.price.source,
                **{mode: (est.comparison.modes[mode].total_cost if mode in est.comparison.modes else None)
                   for mode in self.modes},
            })
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"modes": list(self.modes), "models": self.table(),
                "not_compared": [{"model": name, "why": why} for name, why in self.not_compared]}


def recount_reason(base: Estimate, model: Model, price: Price) -> str | None:
    """None when ``base``'s token counts hold for ``model`` priced at ``price``; else why its rows
    must be counted again."""
    counted = base.priced.model
    profile = base.profile
    if model.tokenizer != counted.tokenizer:
        return f"{model.id} counts with {model.tokenizer}, not {counted.tokenizer}"
    if model.kind != counted.kind:
        return f"{model.id} is an {model.kind} model, {counted.id} a {counted.kind} model"
    differ = set(price.thresholds) ^ set(base.priced.price.thresholds)
    if differ and profile.input_per_row.max > min(differ):  # a prompt is long for one model, not the other
        return f"{model.id}'s long-context prices split prompts at other sizes"
    if model.context_window != counted.context_window:
        longest = profile.input_per_row.max + (profile.output_per_row.max if profile.output_per_row else 0)
        windows = [w for w in (model.context_window, counted.context_window) if w is not None]
        if profile.over_context_rows or any(longest > w for w in windows):
            return f"rows come near {model.id}'s context window, which differs"
    return None


def compare_models(
    base: Estimate,
    models: Sequence[str],
    *,
    recount: Callable[[str], Estimate] | None = None,
    prices: PriceBook | None = None,
    as_of: dt.date | str | None = None,
) -> ModelComparison:
    """``base``'s dataset priced for each of ``models`` at every tier they offer, with the same
    delivery-mode settings.

    Counts are reused where the tokens would be the same (``recount_reason``); for the other
    models ``recount(model_id)`` must return that model's estimate of the same rows (e.g.
    ``lambda m: estimator.estimate(df, model=m, column="text", output_tokens=50)``). Without
    ``recount`` they are listed in ``not_compared`` with the reason, as are models without a price
    on the day. ``as_of`` defaults to ``base``'s pricing date.
    """
    convert.instance(base, "base", Estimate)
    if isinstance(models, str) or not all(isinstance(m, str) for m in models):
        raise UsageError(f"{param('models')} must be a list of model names, e.g. ['gpt-5.4', 'gpt-4o']",
                         param="models")
    book = prices if prices is not None else load_pricebook()
    day = base.priced.as_of if as_of is None else convert.as_of_date(as_of)
    out = [ModelEstimate(base, False, standing(base.priced.model, day))]
    skipped: list[tuple[str, str]] = []
    for name in dict.fromkeys(models):
        try:
            priced = resolve_price(book, name, as_of=day, today=today())
        except EstimatorError as exc:
            skipped.append((name, exc.message))
            continue
        if any(m.model.id == priced.model.id for m in out):
            continue
        why = recount_reason(base, priced.model, priced.price)
        if why is None:
            est = build_estimate(replace(base.profile, model=priced.model.id), priced, base.comparison.params)
        elif recount is None:
            skipped.append((priced.model.id, f"{why}: its rows must be counted again (give {param('recount')})"))
            continue
        else:
            est = recount(priced.model.id)
        out.append(ModelEstimate(est, why is not None, standing(priced.model, day)))
    return ModelComparison(tuple(out), tuple(skipped))
