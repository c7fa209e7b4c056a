"""From ``Counts`` to a ``TokenProfile``: the totals, the notes on how things were counted, the
long-context usage and the prefix every request shares.
"""

from __future__ import annotations

from typing import Any

from estimator.counting.counts import Counts
from estimator.counting.plan import CountPlan
from estimator.counting.profile import MAX_LISTED_ROWS, TokenProfile
from estimator.counting.sampling import SampleEstimate
from estimator.errors import param
from estimator.pricing import Model
from estimator.usage import TierUsage


def build_profile(
    plan: CountPlan,
    model: Model,
    tokenizer: Any,
    c: Counts,
    sample: SampleEstimate | None,
    *,
    source: str,
    fmt: str,
    notes: list[str],
    skipped: list[int],
    skipped_count: int,
    elapsed: float,
    bytes_read: int,
) -> TokenProfile:
    o = plan.output
    notes += _count_notes(plan, model, c, sample, skipped_count)
    tiers = _tier_usage(plan, c, sample)
    counts_output = plan.counts_output
    return TokenProfile(
        source=source,
        format=fmt,
        rows=c.rows,
        model=model.id,
        tokenizer=str(tokenizer.label),
        exact=bool(tokenizer.exact),  # of the tokenizer; a sampled estimate is flagged by ``sample``
        relative_uncertainty=tokenizer.relative_uncertainty,
        input_tokens=c.input_tokens,
        text_tokens=c.text_tokens,
        output_tokens=c.output_tokens if counts_output else 0,
        output_tokens_worst=c.output_worst if counts_output else None,
        input_per_row=c.input_hist.distribution(),
        input_bins=() if sample is not None else c.input_hist.bins(),
        output_per_row=c.output_hist.distribution() if counts_output else None,
        output_counts=c.output_hist.pairs() if counts_output else (),
        over_context_rows=c.over_context_rows,
        over_context_first=tuple(c.over_context_first),
        tiers=tiers,
        skipped_rows=skipped_count,
        skipped_first=tuple(skipped[:MAX_LISTED_ROWS]),
        notes=tuple(notes),
        sample=sample,
        elapsed_seconds=elapsed,
        bytes_read=bytes_read,
        max_tokens=o.max_tokens if counts_output else None,
        framing_tokens=plan.framing_tokens,
        token_counts=str(getattr(tokenizer, "token_counts", "") or ("exact" if tokenizer.exact else "approximate")),
        output_counted=counts_output and (o.examples_column is not None or o.ratio is not None),
    )


def _count_notes(
    plan: CountPlan, model: Model, c: Counts, sample: SampleEstimate | None, skipped_count: int
) -> list[str]:
    """What a reader of the counts must know: how output was estimated, what was checked or skipped."""
    o = plan.output
    notes: list[str] = []
    if plan.embedding:
        if o.kind != "none":
            notes.append("embedding models bill input only: the output options are ignored")
    elif o.kind == "none":
        notes.append(
            f"output tokens not estimated, so output cost is EXCLUDED: give {param('output_tokens')}, "
            f"{param('output_column')}, {param('output_examples')}, {param('output_ratio')} or "
            f"{param('max_tokens')} to include it"
        )
    else:
        notes.append(f"expected output: {o.describe()}")
    if plan.context_window is not None and c.over_context_rows:
        what = (
            "input + max_tokens"
            if o.max_tokens
            else ("input + expected output" if plan.counts_output else "input")
        )
        about = "about " if sample is not None and sample.rows_ci_low is not None else ""
        notes.append(
            f"{about}{c.over_context_rows:,} requests exceed the {plan.context_window:,}-token context window "
            f"({what}); they are included in the totals but would fail or be truncated"
        )
    if plan.context_window is None:
        notes.append(f"{model.id}: no context window known, so over-long rows are not checked")
    if sample is not None and sample.rows_ci_low is not None:
        notes.append(
            f"estimated from {sample.sample_rows:,} rows drawn at random byte offsets, the rest of the file unread: "
            f"about {sample.population_rows:,} rows (95% interval {sample.rows_ci_low:,} to {sample.rows_ci_high:,}); "
            "per-row percentiles, context-window and tier checks are estimated from the drawn rows"
        )
    elif sample is not None:
        notes.append(
            f"estimated from a uniform sample of {sample.sample_rows:,} of {sample.population_rows:,} rows; "
            "per-row percentiles are the sample's; context-window and tier checks are exact"
        )
    if skipped_count:
        notes.append(f"{skipped_count:,} malformed rows were skipped and are not counted")
    return notes


def _tier_usage(plan: CountPlan, c: Counts, sample: SampleEstimate | None) -> tuple[TierUsage, ...]:
    """The requests above each long-context threshold; never more than the (estimated) totals."""
    tiers = tuple(
        TierUsage(thr, *c.tiers[thr]) for thr in plan.thresholds if thr in c.tiers and c.tiers[thr][0] > 0
    )
    if sample is None:
        return tiers
    return tuple(
        TierUsage(t.above_input_tokens, min(t.requests, c.rows), min(t.input_tokens, c.input_tokens),
                  min(t.output_tokens, c.output_tokens))
        for t in tiers
    )


def shared_prefix(plan: CountPlan, tokenizer: Any) -> int | None:
    """What every request of ``plan`` starts with, in tokens (None: not known to share anything)."""
    shape = plan.shape
    if shape.messages is not None or plan.embedding:
        return None
    shared = plan.framing_tokens
    if shape.template is not None:
        start = shape.template.split("{", 1)[0].replace("{{", "{")
        if start:
            shared += int(tokenizer.count(start))
    return shared
