"""The row-group pass: a Parquet dataset of any size estimated from its footers and a few row groups.

Two stages, both with replacement (``estimator.reading.groups`` says why footer sizes are
only used to choose):

1. ``GROUP_DRAWS`` row groups are drawn, each with probability ``a_g / A`` where ``a_g``
   is its footer size in bytes for the needed columns (``A`` their total over the dataset;
   the row counts when a footer gives no sizes);
2. in each drawn group, ``k`` rows are drawn with probability ``s_i / S_g``, where ``s_i``
   is the row's request text in bytes plus one (read from the group: exact) and ``S_g``
   their total in the group.

Each drawn group then gives an unbiased estimate of the dataset's total of any per-row
quantity ``z`` (tokens, output tokens, requests over the context window...):

    u = (A / a_g) * S_g * mean(z_i / s_i)

and the estimate is the mean of the ``u`` over the draws, with the standard error
``sd(u) / sqrt(draws)`` and Student's t with ``draws - 1`` degrees of freedom (the
"ultimate cluster" variance of two-stage sampling with replacement, which holds the
variation of both stages). The row count is the footers' exact total; the chat framing is
added exactly. A dataset of a terabyte is sized by reading ``GROUP_DRAWS`` row groups.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np

from estimator.counting.counts import Counts, count_inputs, row_outputs, verified_tokenizer
from estimator.counting.output import parse_token_counts
from estimator.counting.plan import CountPlan
from estimator.counting.progress import ProgressReporter
from estimator.counting.prompts import RequestShape, render_texts
from estimator.counting.sampling import SampleEstimate, TotalEstimate, t_quantile
from estimator.counting.seek_pass import SEEK_MIN_FILE_SHARE
from estimator.errors import DataError, param

GROUP_DRAWS: Final = 20
"""Row groups drawn (with replacement; a group drawn twice is read once)."""

GROUP_METHOD: Final = (
    "Parquet row groups drawn by their footer sizes, rows within them by their bytes; two-stage "
    "Hansen-Hurwitz estimator, 95% t interval over the drawn groups"
)


def groups_gain(ds: Any, n: int) -> bool:
    """Whether a sample of ``n`` rows of ``ds`` is drawn from row groups: a Parquet source whose footers
    count at least ``SEEK_MIN_FILE_SHARE`` times the sample's rows."""
    rows = getattr(ds, "known_rows", None)
    return rows is not None and rows >= SEEK_MIN_FILE_SHARE * n


def shape_bytes(shape: RequestShape, lengths: dict[str, np.ndarray], rows: int) -> np.ndarray:
    """Each row's request text in UTF-8 bytes, from the bytes of its columns (as ``text_bytes``)."""
    if shape.column is not None:
        return lengths[shape.column]
    if shape.messages is not None:
        return lengths[shape.messages]
    assert shape.template is not None
    total = np.zeros(rows, dtype=np.int64)
    for lit, name, _, _ in string.Formatter().parse(shape.template):
        total += len(lit.encode("utf-8"))
        if name is not None:
            total += lengths[name]
    return total


@dataclass
class _Draw:
    group: int
    rows: np.ndarray  # positions in the group
    size: np.ndarray  # s_i of the drawn rows
    group_size: int  # S_g
    weight: float  # A / a_g


def group_pass(
    ds: Any, plan: CountPlan, tokenizer: Any, n: int, seed: int, report: ProgressReporter
) -> tuple[Counts, int, SampleEstimate, Any] | None:
    """Counts estimated from row groups of a Parquet source; None if the source has no row groups."""
    groups = ds.row_groups(plan.columns)
    if not groups:
        return None
    population = sum(g.rows for g in groups)
    footer = np.array([g.footer_bytes for g in groups], dtype=np.float64)
    if (footer <= 0).any():
        footer = np.array([g.rows for g in groups], dtype=np.float64)
    total_footer = float(footer.sum())
    if population == 0 or total_footer <= 0:
        return None
    rng = np.random.default_rng(seed)
    draws_n = min(GROUP_DRAWS, n)
    per_draw = math.ceil(n / draws_n)
    picked = rng.choice(len(groups), size=draws_n, p=footer / total_footer)
    read: dict[int, Any] = {}
    draws: list[_Draw] = []
    for g in picked.tolist():
        if g not in read:
            read[g] = ds.read_group(groups[g], plan.columns)
        got = read[g]
        s = shape_bytes(plan.shape, got.lengths, groups[g].rows) + 1
        total = int(s.sum())
        rows = rng.choice(len(s), size=per_draw, p=s / total) if len(s) else np.zeros(0, dtype=np.int64)
        draws.append(_Draw(g, rows, s[rows], total, total_footer / float(footer[g])))
    # the drawn rows' values, tokenized together
    columns: dict[str, list[str]] = {c: [] for c in plan.columns}
    numbers: list[int] = []
    for d in draws:
        for c, values in read[d.group].values(d.rows.tolist()).items():
            columns[c].extend(values)
        numbers.extend((groups[d.group].first_row + d.rows).tolist())
    texts = render_texts(plan.shape, {c: columns[c] for c in plan.shape.columns})
    tokenizer = verified_tokenizer(tokenizer, texts, seed)
    rownos = np.asarray(numbers, dtype=np.int64)
    y = count_inputs(plan, tokenizer, texts, rownos)
    inputs = y + plan.framing_tokens
    outputs = _outputs(plan, y, columns, rownos, tokenizer)

    ends = np.cumsum([len(d.rows) for d in draws])
    starts = ends - np.array([len(d.rows) for d in draws])

    def estimate(z: np.ndarray) -> tuple[TotalEstimate, np.ndarray]:
        u = np.array([d.weight * d.group_size * float(np.mean(z[a:b] / d.size)) if b > a else 0.0
                      for d, a, b in zip(draws, starts.tolist(), ends.tolist())])
        mean = float(u.mean())
        se = float(u.std(ddof=1)) / math.sqrt(len(u)) if len(u) > 1 else math.inf
        return TotalEstimate(mean, se), u - mean

    t = t_quantile(len(draws) - 1)
    text_total, c_in = estimate(y.astype(np.float64))
    fixed = plan.framing_tokens * population
    low, high = text_total.interval(t)
    extra: dict[str, Any] = {}
    counts = Counts(rows=population)
    o = plan.output
    sampled_output = plan.counts_output and o.fixed is None and o.kind != "max_tokens"
    if plan.counts_output and outputs is not None:
        if sampled_output:
            out_total, c_out = estimate(outputs.astype(np.float64))
            olow, ohigh = out_total.interval(t)
            k = len(c_in)
            extra = {
                "output_tokens_estimate": round(out_total.estimate), "output_ci_low": olow, "output_ci_high": ohigh,
                "output_standard_error": out_total.standard_error,
                "covariance": float(c_in @ c_out) / (k - 1) / k if k > 1 else 0.0,
            }
            counts.output_tokens = round(out_total.estimate)
        else:
            per = o.fixed if o.fixed is not None else o.max_tokens
            assert per is not None
            counts.output_tokens = min(per, o.max_tokens or per) * population
        counts.output_worst = o.max_tokens * population if o.max_tokens is not None else counts.output_tokens
    est = SampleEstimate(
        sample_rows=len(y), population_rows=population, input_tokens_estimate=fixed + round(text_total.estimate),
        ci_low=fixed + low, ci_high=fixed + high, method=GROUP_METHOD, plain_ci_low=fixed + low,
        plain_ci_high=fixed + high, plain_estimate=fixed + round(text_total.estimate),
        standard_error=text_total.standard_error, t=t, **extra,
    )
    counts.input_tokens = est.input_tokens_estimate
    counts.text_tokens = round(text_total.estimate)
    # per-row percentiles: the drawn rows re-drawn with weights that make them uniform
    weights = np.concatenate([np.full(len(d.rows), d.weight * d.group_size) / d.size for d in draws])
    uniform = np.random.default_rng(seed + 1).choice(len(y), size=len(y), p=weights / weights.sum())
    counts.input_hist.add(inputs[uniform])
    if outputs is not None and plan.counts_output:
        counts.output_hist.add(outputs[uniform])
    need = inputs if outputs is None else inputs + (np.full(len(inputs), o.max_tokens) if o.max_tokens else outputs)
    if plan.context_window is not None:
        counts.over_context_rows = round(estimate((need > plan.context_window).astype(np.float64))[0].estimate)
    for thr in plan.thresholds:
        above = inputs > thr
        if above.any():
            counts.tiers[thr] = [
                round(estimate(above.astype(np.float64))[0].estimate),
                round(estimate(np.where(above, inputs, 0).astype(np.float64))[0].estimate),
                round(estimate(np.where(above, outputs, 0).astype(np.float64))[0].estimate) if outputs is not None else 0,
            ]
    bytes_read = sum(r.bytes_read for r in read.values())
    report(population, bytes_read, final=True)
    real = sum(int(shape_bytes(plan.shape, r.lengths, groups[g].rows).sum()) for g, r in read.items())
    footer_read = sum(groups[g].footer_bytes for g in read)
    ds.sample_notes = [
        f"{len(read)} of {len(groups):,} Parquet row groups read ({bytes_read:,} bytes stored), chosen by the sizes "
        "in the file footers; the row count is the footers' exact total"
    ]
    if footer_read and not 0.67 <= real / footer_read <= 1.5:
        ds.sample_notes.append(
            f"the footers give {footer_read:,} bytes for the request columns of the row groups read, but their "
            f"text is {real:,} bytes ({real / footer_read:.1f}x: dictionary encoding or compression of repeated "
            "values); the estimate rests on the text read, not on the footer sizes"
        )
    return counts, bytes_read, est, tokenizer


def _outputs(
    plan: CountPlan, y: np.ndarray, columns: dict[str, list[str]], rownos: np.ndarray, tokenizer: Any
) -> np.ndarray | None:
    if not plan.counts_output:
        return None
    o = plan.output
    if o.column is not None:
        values, bad = parse_token_counts(columns[o.column], o.column, 0)
        if bad:
            i, why = bad[0]
            raise DataError(f"row {int(rownos[i])}, {why}. Fix the value, or count without {param('sample_rows')}",
                            row=int(rownos[i]), field=o.column)
        return np.minimum(values, o.max_tokens) if o.max_tokens is not None else values
    out, _, _ = row_outputs(replace(plan, skip_bad_values=True), y, columns, rownos, tokenizer)
    return out
