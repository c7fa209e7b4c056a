"""The seek pass: a sample of rows read at random byte offsets, the rest of the file never read.

``estimator.reading.seek`` draws the rows (each with probability proportional to its span
in bytes); here they are counted and every total is estimated with the Hansen-Hurwitz
estimator of ``estimator.counting.sampling.estimate_from_spans``: input and output tokens,
the number of rows itself, the requests over the context window and above each
long-context threshold. Per-row percentiles come from the drawn rows re-weighted to a
uniform sample (each kept with probability proportional to ``1 / span``).

When it is used (``seek_gains``): the file is CSV, TSV or JSON Lines in UTF-8, not
compressed, and the sample's rows (at the mean row size of the start of the file) come to
at most ``1 / SEEK_MIN_FILE_SHARE`` of the file; the sample has at least
``MIN_SEEK_ROWS`` rows. Otherwise the sampled pass reads the whole file
(``estimator.counting.sampled_pass``), which also counts the rows exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np

from estimator.counting.counts import Counts, count_inputs, row_outputs, verified_tokenizer
from estimator.counting.output import parse_token_counts
from estimator.counting.plan import CountPlan
from estimator.counting.progress import ProgressReporter
from estimator.counting.prompts import render_texts
from estimator.counting.sampling import SampleEstimate, estimate_from_spans
from estimator.errors import DataError, param

MIN_SEEK_ROWS: Final = 1_000
"""Smaller samples read the whole file: below this, the weighted estimate's t interval can fall short of
95% on rows whose tokens per byte swing with their length (tests/test_seek_sampling.py measures it)."""
SEEK_MIN_FILE_SHARE: Final = 10
"""The file must hold at least this many times the bytes of the sample's rows."""


def seek_gains(ds: Any, n: int) -> bool:
    """Whether a sample of ``n`` rows of ``ds`` is drawn by seeking rather than by reading every row."""
    mean = getattr(ds, "mean_row_bytes", None)
    return mean is not None and mean > 0 and n >= MIN_SEEK_ROWS and n * float(mean) * SEEK_MIN_FILE_SHARE <= ds.info.total_bytes


@dataclass
class Draws:
    """The rows drawn at random offsets of one or more files, counted: what an estimate needs of them."""

    inputs: np.ndarray  # billed input tokens of each draw (0 for a malformed row)
    outputs: np.ndarray | None  # expected output tokens of each draw
    spans: np.ndarray
    good: np.ndarray
    total_bytes: int
    bytes_read: int
    bad: list[Any] = field(default_factory=list)
    tokenizer: Any = None


def seek_draws(ds: Any, plan: CountPlan, tokenizer: Any, n: int, seed: int) -> Draws | None:
    """``n`` rows of ``ds`` drawn at random offsets and counted; None if the source cannot be sampled so."""
    sample = ds.seek_sample(list(plan.columns), n, seed)
    if sample is None:
        return None
    good = sample.good
    texts = render_texts(plan.shape, {c: sample.columns[c] for c in plan.shape.columns})
    kept = [t for t, g in zip(texts, good.tolist()) if g]
    tokenizer = verified_tokenizer(tokenizer, kept, seed)
    y = np.zeros(len(texts), dtype=np.int64)
    index = np.flatnonzero(good)
    if len(index):
        y[index] = count_inputs(plan, tokenizer, kept)
    outputs, bad_values = _outputs(plan, y, sample, tokenizer)
    if bad_values is not None:
        good = good & ~bad_values
    inputs = np.where(good, y + plan.framing_tokens, 0)
    outputs = np.where(good, outputs, 0) if outputs is not None else None
    return Draws(inputs, outputs, sample.spans, good, sample.total_bytes, sample.bytes_read, list(sample.bad),
                 tokenizer)


def combine(parts: list[Draws]) -> Draws:
    """Draws of several files in one: each file was given draws in proportion to its bytes (a multinomial
    split of ``n``), so together they are draws over the files' bytes laid end to end."""
    outputs = [p.outputs for p in parts]
    return Draws(
        np.concatenate([p.inputs for p in parts]),
        None if any(o is None for o in outputs) else np.concatenate(outputs),  # type: ignore[arg-type]
        np.concatenate([p.spans for p in parts]),
        np.concatenate([p.good for p in parts]),
        sum(p.total_bytes for p in parts),
        sum(p.bytes_read for p in parts),
        [b for p in parts for b in p.bad],
        next((p.tokenizer for p in parts if p.tokenizer is not None), None),
    )


def estimate_draws(plan: CountPlan, draws: Draws, seed: int) -> tuple[Counts, SampleEstimate]:
    """Every total of the counted draws (``estimate_from_spans``)."""
    est = estimate_from_spans(draws.inputs, draws.spans, draws.total_bytes, rows=draws.good.astype(np.int64),
                              outputs=draws.outputs if plan.counts_output else None)
    return _counts(plan, est, draws.inputs, draws.outputs, draws.spans, draws.good, seed), est


def seek_pass(
    ds: Any, plan: CountPlan, tokenizer: Any, n: int, seed: int, report: ProgressReporter
) -> tuple[Counts, int, SampleEstimate, Any] | None:
    """Counts estimated from ``n`` rows drawn at random offsets; None if the file cannot be sampled so."""
    draws = seek_draws(ds, plan, tokenizer, n, seed)
    if draws is None:
        return None
    counts, est = estimate_draws(plan, draws, seed)
    report(counts.rows, draws.bytes_read, final=True)
    ds.skipped = list(draws.bad)
    return counts, draws.bytes_read, est, draws.tokenizer


def _outputs(plan: CountPlan, y: np.ndarray, sample: Any, tokenizer: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Each draw's expected output tokens, and the draws whose output value is bad (left out)."""
    if not plan.counts_output:
        return None, None
    o = plan.output
    good = sample.good
    if o.column is not None:
        values, bad = parse_token_counts(sample.columns[o.column], o.column, 0)
        flagged = np.zeros(len(y), dtype=bool)
        for i, why in bad:
            if not good[i]:
                continue
            if not plan.skip_bad_values:
                raise DataError(f"the row at byte {int(sample.offsets[i]):,}, {why}. Fix the value, or skip such rows "
                                f"with {param('skip_bad_rows')}", field=o.column)
            flagged[i] = True
        full = values
        if o.max_tokens is not None:
            full = np.minimum(full, o.max_tokens)
        return full, flagged
    rows = np.arange(len(y), dtype=np.int64)
    out, _, _ = row_outputs(replace(plan, skip_bad_values=True), y, sample.columns, rows, tokenizer)
    return out, None


def _counts(
    plan: CountPlan,
    est: SampleEstimate,
    inputs: np.ndarray,
    outputs: np.ndarray | None,
    spans: np.ndarray,
    good: np.ndarray,
    seed: int,
) -> Counts:
    total = float(est.input_tokens_estimate)
    scale = np.where(good, 1.0 / spans, 0.0)  # each draw's weight, up to a constant
    weight_sum = float(scale.sum()) or 1.0
    rows = est.population_rows

    def share(mask: np.ndarray, values: np.ndarray | None = None) -> int:
        """The population total of ``values`` (or the count) over the draws in ``mask``."""
        v = np.ones(len(mask)) if values is None else values.astype(np.float64)
        return round(rows * float((scale * v * mask).sum()) / weight_sum)

    c = Counts(rows=rows)
    c.input_tokens = est.input_tokens_estimate
    c.text_tokens = max(0, round(total - plan.framing_tokens * rows))
    # A uniform sample re-drawn from the draws (weight 1 / span) for the per-row percentiles.
    picked = np.flatnonzero(good)
    if len(picked):
        p = scale[picked] / scale[picked].sum()
        picked = np.random.default_rng(seed + 1).choice(picked, size=len(picked), p=p)
    c.input_hist.add(inputs[picked])
    if outputs is not None and plan.counts_output:
        c.output_tokens = est.output_tokens_estimate if est.output_tokens_estimate is not None else 0
        c.output_hist.add(outputs[picked])
        o = plan.output
        c.output_worst = o.max_tokens * rows if o.max_tokens is not None else c.output_tokens
    need = inputs if outputs is None else inputs + (
        np.full(len(inputs), plan.output.max_tokens) if plan.output.max_tokens else outputs)
    if plan.context_window is not None:
        c.over_context_rows = share(good & (need > plan.context_window))
    for thr in plan.thresholds:
        above = good & (inputs > thr)
        if above.any():
            c.tiers[thr] = [share(above), share(above, inputs), share(above, outputs) if outputs is not None else 0]
    return c
