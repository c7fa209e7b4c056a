"""Summaries shared by the CLI and the app: an estimate, price listings.

Plain data in, plain data out (dicts of str/int, Decimal kept as Decimal
in ``as_dict()``; ``to_json()`` turns it into a string). No UI imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from estimator import convert
from estimator.convert import Result, as_of_date, counted, today
from estimator.counting.reasoning import with_reasoning
from estimator.errors import PricingError, UsageError, param
from estimator.modes import MODE_LABELS, Comparison, ModeParams, batch_prices, check_cache, compare
from estimator.money import CENT, format_usd, places_for_sum, quantize, shown_difference
from estimator.pricing import Price, PriceBook, PricedModel, display_path, fallback, load_pricebook, resolve_price
from estimator.pricing.lifecycle import standing
from estimator.report.intervals import cost_basis, cost_bounds
from estimator.tokens import get_tokenizer

if TYPE_CHECKING:
    from estimator.counting.profile import TokenProfile


@dataclass(frozen=True, repr=False)
class Estimate(Result):
    """What a job costs under every delivery mode, from its counted rows.

    ``comparison.modes[name].total_cost`` is each mode's cost (``Decimal``); ``profile`` holds the
    counts; ``to_json()`` is the document ``estimate --json`` prints; ``to_frame()`` one row per mode.
    """

    profile: TokenProfile
    priced: PricedModel
    comparison: Comparison
    worst_case: Comparison | None
    notes: tuple[str, ...] = field(default=())
    sample_bounds: tuple[Comparison, Comparison] | None = None  # costs at the 95% interval's ends
    # every mode's cost range when counts are sampled or approximate (estimator.report.intervals)
    cost_bounds: tuple[Comparison, Comparison] | None = None
    cost_basis: str | None = None
    cache_notes: tuple[str, ...] = ()  # why the caching priced differs from the caching asked for

    def summary(self) -> str:
        p = self.profile
        costs = ", ".join(f"{MODE_LABELS.get(n, n)} {format_usd(c.total_cost)}" for n, c in self.comparison.modes.items())
        kind = "" if p.exact else " (approximate)"
        sampled = f", estimated from {p.sample.sample_rows:,} sampled rows" if p.sample is not None else ""
        return (f"{self.priced.model.id}, {counted(p.rows, 'request')}{sampled}, {p.input_tokens:,} input + "
                f"{p.output_tokens:,} output tokens{kind}: {costs}")

    def table(self) -> list[dict[str, Any]]:
        """One row per delivery mode: tokens, costs and the saving against standard."""
        worst = self.worst_case.modes if self.worst_case is not None else {}
        return [
            {"mode": name, "label": MODE_LABELS.get(name, name), **_mode_json(c),
             "worst_case_total_cost": worst[name].total_cost if name in worst else None}
            for name, c in self.comparison.modes.items()
        ]

    def repriced(
        self,
        *,
        modes: ModeParams | None = None,
        output_tokens: int | None = None,
        max_tokens: int | None = None,
        as_of: dt.date | str | None = None,
        prices: PriceBook | None = None,
    ) -> Estimate:
        """The same counted rows priced again: other delivery-mode settings (``modes``), a fixed
        answer length (``output_tokens``, capped at ``max_tokens``), another pricing date or price
        book. Nothing is read or counted again; where that could change the counts (a fixed output
        that may push a row past the context window, an entry with other long-context thresholds)
        a ``UsageError`` says to estimate again."""
        output_tokens = convert.optional(convert.count, output_tokens, "output_tokens")
        max_tokens = convert.optional(convert.count, max_tokens, "max_tokens", minimum=1)
        convert.optional(convert.instance, modes, "modes", kind=ModeParams)
        convert.optional(convert.instance, prices, "prices", kind=PriceBook)
        profile = self.profile
        if output_tokens is not None and profile.output_per_row is None and self.priced.model.kind != "embedding":
            raise UsageError(f"this estimate was counted without an output length, so a fixed one cannot be added "
                             f"here: estimate again with {param('output_tokens')}", param="output_tokens")
        if output_tokens is not None:
            if not profile.takes_fixed_output(output_tokens, max_tokens, self.priced.model.context_window):
                raise UsageError(f"{param('output_tokens')}={output_tokens} could push a row past the context "
                                 "window: estimate again with it", param="output_tokens")
            reasoning = profile.reasoning
            if reasoning is not None and reasoning.basis != "prior":
                raise UsageError(f"this estimate's output was measured by a pilot: estimate again with "
                                 f"{param('output_tokens')} instead", param="output_tokens")
            profile = profile.with_fixed_output(output_tokens, max_tokens)
            if reasoning is not None:
                profile = with_reasoning(profile, reasoning.effort)
        elif max_tokens is not None:
            raise UsageError(f"give {param('max_tokens')} with {param('output_tokens')}, or estimate again",
                             param="max_tokens")
        priced = self.priced
        if as_of is not None or prices is not None:
            book = prices if prices is not None else load_pricebook()
            priced = resolve_price(book, self.priced.model.id, as_of=as_of_date(as_of), today=today())
            if priced.price.thresholds != self.priced.price.thresholds:
                raise UsageError("the entry in force then splits long prompts at other sizes: estimate again "
                                 f"with that {param('as_of')}", param="as_of")
        return build_estimate(profile, priced, modes if modes is not None else self.comparison.params)

    def output_split(self) -> dict[str, Any] | None:
        """The expected output as answer and reasoning (None: output not estimated)."""
        p = self.profile
        if p.output_per_row is None:
            return None
        if p.reasoning is None:
            return {"answer_tokens": p.output_tokens, "reasoning_tokens": 0, "reasoning_basis": None,
                    "reasoning_prior": None, "reasoning_share": 0.0, "reasoning_dominates": False,
                    "output_tokens_range": [p.output_tokens, p.output_tokens]}
        return p.reasoning.as_dict()

    @property
    def input_tokens_range(self) -> tuple[int, int] | None:
        """The input tokens at the ends of an approximate tokenizer's calibration interval (None: exact)."""
        u = self.profile.relative_uncertainty
        if not u:
            return None
        share = Decimal(str(u))
        total = self.profile.input_tokens
        return (int((total * (1 - share)).to_integral_value(rounding=ROUND_FLOOR)),
                int((total * (1 + share)).to_integral_value(rounding=ROUND_CEILING)))

    def as_dict(self) -> dict[str, Any]:
        """The document ``estimate --json`` prints, with exact values."""
        p = self.profile
        price = self.priced.price
        out: dict[str, Any] = {
            "model": self.priced.model.id,
            "model_requested": self.priced.requested_name,
            "provider": self.priced.model.provider,
            "pricing_date": _since(price),
            "as_of": self.priced.as_of,
            "price_source": price.source,
            "price_database": price_database(price),
            "price_overridden": self.priced.overridden,
            "prices_usd_per_mtok": _price_fields(price),
            "file": p.source,
            "format": p.format,
            "source_notes": list(p.source_notes),
            "rows": p.rows,
            "input_tokens": p.input_tokens,
            "text_tokens": p.text_tokens,
            "output_tokens": p.output_tokens,
            "output_tokens_worst_case": p.output_tokens_worst,
            "token_counts": p.token_counts or ("exact" if p.exact else "approximate"),
            "tokenizer": p.tokenizer,
            "relative_uncertainty": p.relative_uncertainty,
            "input_per_row": _dist(p.input_per_row),
            "output_per_row": _dist(p.output_per_row) if p.output_per_row else None,
            "output": self.output_split(),
            "input_per_row_histogram": [list(b) for b in p.input_bins],
            "over_context_rows": p.over_context_rows,
            "over_context_first_rows": list(p.over_context_first),
            "skipped_rows": p.skipped_rows,
            "skipped_first_rows": list(p.skipped_first),
            "long_context": [
                {"above_input_tokens": t.above_input_tokens, "requests": t.requests,
                 "input_tokens": t.input_tokens, "output_tokens": t.output_tokens}
                for t in p.tiers
            ],
            "modes": {name: _mode_json(c) for name, c in self.comparison.modes.items()},
            "modes_unavailable": dict(self.comparison.unavailable),
            "shutdown_date": self.priced.model.shutdown_date,
            "notes": list(self.notes),
        }
        if self.cost_bounds is not None:
            low, high = self.cost_bounds
            out["total_cost_range"] = {
                "basis": self.cost_basis,
                "modes": {name: [low.modes[name].total_cost, high.modes[name].total_cost] for name in low.modes},
            }
        if self.worst_case is not None:
            out["modes_worst_case"] = {name: _mode_json(c) for name, c in self.worst_case.modes.items()}
        if p.sample is not None:
            s = p.sample
            out["sample"] = {
                "sample_rows": s.sample_rows,
                "population_rows": s.population_rows,
                "method": s.method,
                "input_tokens_ci95": [s.ci_low, s.ci_high],
            }
            if s.output_tokens_estimate is not None:
                out["sample"]["output_tokens_ci95"] = [s.output_ci_low, s.output_ci_high]
            if s.rows_ci_low is not None:  # rows drawn at random offsets: the row count is estimated too
                out["sample"]["rows_ci95"] = [s.rows_ci_low, s.rows_ci_high]
            if self.sample_bounds is not None:
                low, high = self.sample_bounds
                out["sample"]["total_cost_ci95"] = {
                    name: [low.modes[name].total_cost, high.modes[name].total_cost] for name in low.modes
                }
        return out

    def to_text(self) -> str:
        p = self.profile
        price = self.priced.price
        counts = "exact" if p.exact else "APPROXIMATE: " + p.tokenizer.removeprefix("approximate: ")
        if p.token_counts.startswith("reconstructed"):
            counts = p.token_counts
        framing = p.input_tokens - p.text_tokens
        split = f" (text {p.text_tokens:,} + chat framing {framing:,})" if framing else ""
        lines = [
            f"{p.source}: {p.rows:,} requests ({p.format})",
            f"model {self.priced.model.id}; price entry from {_since(price) or 'an undated database entry'}"
            + (" (overridden)" if self.priced.overridden else "")
            + f"; source {price.source}",
            f"tokens ({counts}): input {p.input_tokens:,}{split}, "
            f"expected output {p.output_tokens:,}"
            + (f" (answer {p.reasoning.answer_tokens:,} + reasoning {p.reasoning.tokens:,})"
               if p.reasoning is not None else "")
            + (f", worst case {p.output_tokens_worst:,}" if p.output_tokens_worst is not None else ""),
            f"input per row: mean {p.input_per_row.mean:.1f}, p50 {p.input_per_row.p50:,}, "
            f"p95 {p.input_per_row.p95:,}, max {p.input_per_row.max:,}",
        ]
        if p.output_per_row is not None:
            o = p.output_per_row
            lines.append(f"output per row: mean {o.mean:.1f}, p50 {o.p50:,}, p95 {o.p95:,}, max {o.max:,}")
        if p.reasoning is not None:
            lines.append(p.reasoning.describe())
        if p.sample is not None:
            s = p.sample
            lines.append(
                f"ESTIMATED from {s.sample_rows:,} sampled rows of {s.population_rows:,} ({s.method}): "
                f"input tokens 95% CI {s.ci_low:,} .. {s.ci_high:,}"
                + (f"; output tokens 95% CI {s.output_ci_low:,} .. {s.output_ci_high:,}"
                   if s.output_ci_low is not None and s.output_ci_high is not None else "")
            )
        if self.cost_bounds is not None:
            low, high = self.cost_bounds
            lines.append(f"  total cost range ({self.cost_basis}): " + "; ".join(
                f"{MODE_LABELS.get(n, n)} {format_usd(low.modes[n].total_cost)} .. "
                f"{format_usd(high.modes[n].total_cost)}"
                for n in low.modes
            ))
        lines.append("")
        fees = any(c.fee_cost for c in self.comparison.modes.values())
        fee_head = f"{'tool fees $':>14}" if fees else ""
        header = (f"{'mode':<28}{'input tok':>15}{'output tok':>15}{'input $':>14}{'output $':>14}{fee_head}"
                  f"{'total $':>14}{'saves':>14}")
        lines.append(header)
        lines.append("-" * len(header))
        standard = self.comparison.standard.total_cost
        for name, c in self.comparison.modes.items():
            # Cents where input + output = total still reads true in cents; more decimals where it would not,
            # and the saving is the difference of the two totals as printed.
            parts = (c.input_cost, c.output_cost, *((c.fee_cost,) if fees else ()))
            if min(c.input_cost, c.output_cost, c.total_cost) >= CENT or c.total_cost == 0:
                places: int | None = places_for_sum(parts, c.total_cost)
            else:
                places = None
            lines.append(
                f"{MODE_LABELS.get(name, name):<28}{c.input_tokens:>15,}{c.output_tokens:>15,}"
                f"{format_usd(c.input_cost, places):>14}{format_usd(c.output_cost, places):>14}"
                + (f"{format_usd(c.fee_cost, places):>14}" if fees else "")
                + f"{format_usd(c.total_cost, places):>14}"
                f"{format_usd(shown_difference(standard, c.total_cost)):>14}"
            )
        if self.worst_case is not None:
            lines.append("")
            lines.append("worst case (every request uses its max output):")
            for name, c in self.worst_case.modes.items():
                lines.append(f"  {MODE_LABELS.get(name, name):<26}{format_usd(c.total_cost):>14}")
        if p.over_context_rows:
            first = ", ".join(str(r) for r in p.over_context_first)
            lines.append(f"\nWARNING: {_rows(p.over_context_rows)} exceed the model's context window (rows {first} ...)")
        if p.skipped_rows:
            first = ", ".join(str(r) for r in p.skipped_first)
            lines.append(f"WARNING: {_rows(p.skipped_rows)} malformed, skipped (rows {first} ...)")
        long_limits = {t.boundary for t in price.tiers}
        for tier in p.tiers:
            if tier.requests and tier.above_input_tokens in long_limits:
                lines.append(
                    f"long-context prices: {_rows(tier.requests)} above {tier.above_input_tokens:,} input tokens "
                    f"({tier.input_tokens:,} input, {tier.output_tokens:,} output tokens) priced at the higher tier"
                )
            elif tier.requests:
                lines.append(f"{_rows(tier.requests)} above {tier.above_input_tokens:,} input tokens: a tier that "
                             "excludes such prompts prices them at Standard")
        lines += [f"read: {note}" for note in p.source_notes]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _since(price: Price) -> dt.date | None:
    """The entry's first day; None for an undated entry of the price database."""
    return None if price.effective_from == dt.date.min else price.effective_from


def price_database(price: Price) -> dict[str, Any] | None:
    """Where a price outside the curated tables came from (None: the curated tables priced it)."""
    return fallback.source_of(price)


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def build_estimate(profile: TokenProfile, priced: PricedModel, params: ModeParams | None = None) -> Estimate:
    """Price a counted profile under every mode. Caching is priced as it can really happen: a
    cached prefix longer than what the requests share is cut to it, and one shorter than the
    provider's minimum cacheable prefix is not cached (``Estimate.cache_notes`` say so)."""
    params = params or ModeParams()
    cache, cache_notes = check_cache(params.cache, priced.price, shared_tokens=profile.shared_prefix_tokens)
    params = replace(params, cache=cache, fee_day=params.fee_day or priced.as_of)
    comparison = compare(profile.usage(), priced.price, params)
    worst = None
    if profile.output_tokens_worst is not None and profile.output_tokens_worst != profile.output_tokens:
        worst = compare(profile.usage(worst_case=True), priced.price, params)
    ranges = cost_bounds(profile, priced.price, params)
    bounds = cost_bounds(profile, priced.price, params, prior=False) if profile.sample is not None else None
    notes = [*profile.notes, *cache_notes]
    if not profile.exact:
        calibration = get_tokenizer(priced.model.tokenizer).calibration_note
        kind = "reconstructed" if profile.token_counts.startswith("reconstructed") else "approximate"
        notes.append(f"token counts are {kind}. Calibration: {calibration or profile.tokenizer}")
    if priced.overridden:
        notes.append(f"prices overridden: {priced.describe()}")
    notes.extend(priced.price.notices)
    notes.extend(priced.notes)
    notes.extend(fee_notes(comparison))
    notes.extend(f"{mode} unavailable: {why}" for mode, why in comparison.unavailable.items()
                 if mode in ("batch", "flex", "priority", "ultrafast") and mode in priced.price.offered_tiers + ("batch",))
    return Estimate(profile, priced, comparison, worst, tuple(notes), bounds, ranges, cost_basis(profile),
                    tuple(cache_notes))


def fee_notes(comparison: Comparison) -> list[str]:
    """What the server-tool fees of each mode are made of, in words (one line when every mode agrees)."""
    words = {name: c.explanation.partition("; server-tool fees: ")[2] for name, c in comparison.modes.items()
             if c.fee_cost or "server-tool fees" in c.explanation}
    if not words:
        return []
    if len(set(words.values())) == 1:
        return [f"server-tool fees in every mode: {next(iter(words.values()))}"]
    return [f"server-tool fees, {MODE_LABELS.get(n, n)}: {w}" for n, w in words.items()]


def _mode_json(c: Any) -> dict[str, Any]:
    return {
        "input_tokens": c.input_tokens,
        "output_tokens": c.output_tokens,
        "cached_input_tokens": c.cached_input_tokens,
        "input_cost": c.input_cost,
        "output_cost": c.output_cost,
        "fee_cost": c.fee_cost,
        "total_cost": c.total_cost,
        "savings_vs_standard": c.savings_vs_standard,
        "explanation": c.explanation,
    }


def _dist(d: Any) -> dict[str, Any]:
    return {"mean": quantize(Decimal(d.mean), 2), "p50": d.p50, "p95": d.p95, "max": d.max, "min": d.min}


_PRICE_FIELDS = (
    "input_per_mtok",
    "cached_input_per_mtok",
    "cache_write_per_mtok",
    "output_per_mtok",
    "batch_input_per_mtok",
    "batch_output_per_mtok",
    "batch_cached_input_per_mtok",
)


def _price_fields(price: Price) -> dict[str, Decimal | None]:
    return {f: getattr(price, f) for f in _PRICE_FIELDS}


def model_rows(book: PriceBook, *, as_of: dt.date, provider: str | None = None) -> list[dict[str, Any]]:
    if provider is not None:
        book.provider(provider)  # an unknown provider is an error listing the known ones
    rows = []
    for prov in book.providers:
        if provider and prov.id != provider:
            continue
        for m in prov.models:
            if as_of < m.prices[0].effective_from:
                continue  # not priced yet on that date
            p = m.price_on(as_of)
            try:
                batch_in, batch_out = batch_prices(p) if prov.batch_rule or p.batch_input_per_mtok else (None, None)
            except PricingError:  # no batch for this model on that date
                batch_in, batch_out = None, None
            rows.append({
                "provider": prov.id,
                "model": m.id,
                "display_name": m.display_name,
                "kind": m.kind,
                "input_per_mtok": p.input_per_mtok,
                "cached_input_per_mtok": p.cached_input_per_mtok,
                "output_per_mtok": p.output_per_mtok,
                "batch_input_per_mtok": batch_in,
                "batch_output_per_mtok": batch_out,
                "effective_from": p.effective_from,
                "tokenizer": "exact" if m.exact_tokenizer else (
                    "reconstructed" if m.tokenizer.startswith("ctok:") else "approx"
                ),
                "context_window": m.context_window,
                "checked": m.checked,
                "standing": standing(m, as_of).state,
                "shutdown_date": m.shutdown_date,
                "source": p.source,
            })
    return rows


def price_history(book: PriceBook, model: str, as_of: dt.date) -> dict[str, Any]:
    """Every dated entry of ``model`` (a moving alias: the model it points to on ``as_of``)."""
    m = book.model(model, as_of)
    return {
        "model": m.id,
        "provider": m.provider,
        "display_name": m.display_name,
        "aliases": list(m.aliases),
        "checked": m.checked,
        "file": display_path(m.origin),
        "price_database": price_database(m.prices[0]),
        "prices": [
            {
                "effective_from": p.effective_from,
                "effective_until": p.effective_until,
                **_price_fields(p),
                "tiers": [
                    {"above_input_tokens": t.above_input_tokens,
                     **{f: getattr(t, f) for f in _PRICE_FIELDS}}
                    for t in p.tiers
                ],
                "batch_rule": (
                    f"{p.batch_rule.discount_multiplier} x standard, caching '{p.batch_rule.cached_input}', "
                    f"{p.batch_rule.completion_window_hours} h window ({p.batch_rule.source})"
                    if p.batch_rule and p.batch_input_per_mtok is None
                    else None
                ),
                "source": p.source,
                "note": p.note,
            }
            for p in m.prices
        ],
    }


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, Decimal):
            return f"{v.normalize():f}" if v == v.to_integral() else f"{v:f}".rstrip("0")
        return str(v)

    table = [[h for h, _ in columns]] + [[cell(r.get(k)) for _, k in columns] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    out = []
    for i, row in enumerate(table):
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
