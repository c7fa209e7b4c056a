"""The sampled pass: one read of a dataset for byte sizes, a uniform sample counted, and the
rows that could cross the context window or a long-context threshold counted exactly.

The statistics (reservoir, ratio estimator, interval) are in ``estimator.counting.sampling``.
"""

from __future__ import annotations

import string
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np

from estimator.counting import reconstructed
from estimator.counting.counts import Counts, count_inputs, count_rows, counts_from_tokens, row_outputs, verified_tokenizer
from estimator.counting.output import ceil_ratio, parse_token_counts
from estimator.counting.plan import CountPlan
from estimator.counting.prefetch import Prefetcher
from estimator.counting.profile import Histogram
from estimator.counting.progress import ProgressReporter
from estimator.counting.prompts import RequestShape, render_texts
from estimator.counting.sampling import Reservoir, SampleEstimate, estimate_from_sample
from estimator.errors import DataError, param


def _utf8_lengths(values: Sequence[str]) -> np.ndarray:
    return np.fromiter(
        (len(s.encode("utf-8", "surrogatepass")) for s in values), dtype=np.int64, count=len(values)
    )


def text_bytes(shape: RequestShape, columns: Mapping[str, Sequence[str]]) -> np.ndarray:
    """UTF-8 byte length of every row's user text, without rendering the texts."""
    if shape.column is not None:
        return _utf8_lengths(columns[shape.column])
    if shape.messages is not None:  # the JSON text is longer than its contents: still an upper bound
        return _utf8_lengths(columns[shape.messages])
    assert shape.template is not None
    literal = 0
    uses: dict[str, int] = {}
    for lit, name, _, _ in string.Formatter().parse(shape.template):
        literal += len(lit.encode("utf-8"))
        if name is not None:
            uses[name] = uses.get(name, 0) + 1
    n = len(next(iter(columns.values()))) if columns else 0
    total = np.full(n, literal, dtype=np.int64)
    for name, k in uses.items():
        total += k * _utf8_lengths(columns[name])
    return total


def _max_tokens_of(nbytes: np.ndarray, tokenizer: Any) -> np.ndarray:
    """An upper bound of the tokens of texts of these byte sizes.

    A byte-level BPE token covers at least one byte, so tokens <= bytes; an
    approximate tokenizer scales an exact count by its ``factor``; a tokenizer
    with ``max_tokens_per_byte`` (ctok's markers, per-script factors) says its own bound.
    """
    per_byte = getattr(tokenizer, "max_tokens_per_byte", None)
    if per_byte is not None:
        return nbytes * int(per_byte) + 2
    factor = getattr(tokenizer, "factor", None)
    if factor is None or factor <= 1:
        return nbytes
    num, den = Decimal(factor).as_integer_ratio()
    return -((-nbytes * num) // den) + 1


def _output_bound(
    plan: CountPlan,
    in_bound: np.ndarray,
    columns: Mapping[str, Sequence[str]],
    column_values: np.ndarray | None,
    tokenizer: Any,
) -> np.ndarray | int:
    """An upper bound of each row's output tokens as the context-window check counts them."""
    o = plan.output
    if not plan.counts_output:
        return 0
    if o.max_tokens is not None:
        return o.max_tokens
    if o.fixed is not None:
        return o.fixed
    if o.column is not None:
        assert column_values is not None
        return column_values
    if o.ratio is not None:
        return ceil_ratio(o.ratio, in_bound)
    assert o.examples_column is not None
    return _max_tokens_of(_utf8_lengths(columns[o.examples_column]), tokenizer)


@dataclass
class _SampledRow:
    row: int
    nbytes: int
    columns: dict[str, str]


class _RowView(Sequence[_SampledRow]):
    """Rows of a batch built only when the reservoir picks them."""

    def __init__(self, first_row: int, columns: Mapping[str, Sequence[str]], nbytes: np.ndarray) -> None:
        self.first_row, self.columns, self.nbytes = first_row, columns, nbytes

    def __len__(self) -> int:
        return len(self.nbytes)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return _SampledRow(
            self.first_row + i, int(self.nbytes[i]), {c: v[i] for c, v in self.columns.items()}
        )


def in_order[T, R](items: Iterable[T], work: Callable[[T], R], workers: int) -> Iterator[R]:
    """``work(item)`` of each item, in the items' order, with up to ``workers`` items worked on at once
    in threads (``work`` should spend its time in native code that releases the GIL)."""
    if workers <= 1:
        yield from map(work, items)
        return
    pending: deque[Future[R]] = deque()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dataset-counter")
    try:
        for item in items:
            pending.append(pool.submit(work, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True)


def sample_pass(
    ds: Any,
    plan: CountPlan,
    tokenizer: Any,
    n: int,
    seed: int,
    report: ProgressReporter,
    measure: Callable[[RequestShape, Mapping[str, Sequence[str]]], np.ndarray] | None = None,
) -> tuple[Counts, int, SampleEstimate, Any] | None:
    """One pass: byte sizes of all rows, a reservoir sample, exact counts of the
    rows that could exceed the context window or a tier threshold.

    A row's token count never exceeds its UTF-8 byte count (each token covers
    at least one byte), so rows too small in bytes to cross a limit cannot
    cross it in tokens; the few that could are tokenized exactly.

    ``measure`` replaces the byte size as the ratio estimator's auxiliary
    variable (``estimator.counting.reconstructed``: exact o200k counts); then
    ``n`` is the reservoir's size and the rows counted are a uniform subsample
    of ``sample_size(rows, bytes)`` of it.
    """
    res: Reservoir | None = None if measure is not None else Reservoir(n, seed)  # sized at the first batch
    x_total = 0
    byte_total = 0
    rows = 0
    nbytes = 0
    lowest_tier = min(plan.thresholds) if plan.thresholds else None
    big = Counts()  # exact counts of the rows that could cross a limit
    column_out = 0  # exact output total from a column of counts
    column_out_hist = Histogram()

    def read() -> Iterator[tuple[int, Mapping[str, Sequence[str]], int]]:
        for b in ds.batches(list(plan.columns)):
            yield int(b.first_row), b.columns, int(b.nbytes)

    def sized(item: tuple[int, Mapping[str, Sequence[str]], int]) -> tuple[int, Mapping[str, Sequence[str]], int,
                                                                         np.ndarray, np.ndarray]:
        first_row, columns, nb = item
        size = text_bytes(plan.shape, columns)
        return first_row, columns, nb, size, (size if measure is None else measure(plan.shape, columns))

    # With a measure (exact o200k counts) one counting thread per core sizes whole batches, as the exact
    # pass does; the batches are taken in order, so the reservoir and every total are those of one thread.
    workers = max(1, plan.threads or 1) if measure is not None else 1
    feed = Prefetcher(read, depth=workers)
    try:
        for first_row, columns, nb, size, xs in in_order(feed, sized, workers):
            m = len(size)
            keep_mask: np.ndarray | None = None
            vals_kept: np.ndarray | None = None
            if plan.output.column is not None and plan.counts_output:
                vals, bad = parse_token_counts(columns[plan.output.column], plan.output.column, first_row)
                if bad:
                    if not plan.skip_bad_values:
                        row, why = bad[0]
                        raise DataError(
                            f"row {row}, {why}. Fix the value, or skip such rows with {param('skip_bad_rows')}",
                            row=row,
                            field=plan.output.column,
                        )
                    keep_mask = np.ones(m, dtype=bool)
                    keep_mask[[r - first_row for r, _ in bad]] = False
                    big.skipped.extend(bad)
                    vals = vals[keep_mask]
                if plan.output.max_tokens is not None:
                    vals = np.minimum(vals, plan.output.max_tokens)
                column_out += int(vals.sum())
                column_out_hist.add(vals)
                vals_kept = vals
            if keep_mask is not None:
                idx = np.flatnonzero(keep_mask)
                columns = {c: [v[i] for i in idx.tolist()] for c, v in columns.items()}
                size = size[keep_mask]
                xs = xs[keep_mask] if measure is not None else size
                rownos = first_row + idx
            else:
                rownos = None
            m = len(size)
            x_total += int(xs.sum())
            byte_total += int(size.sum())
            rows += m
            if res is None:
                res = Reservoir(min(n, reconstructed.reservoir_size(m, int(size.sum()))), seed)
            if keep_mask is None:
                res.offer(_RowView(first_row, columns, xs))
            else:
                assert rownos is not None
                res.offer(
                    [
                        _SampledRow(int(r), int(s), {c: v[i] for c, v in columns.items()})
                        for i, (r, s) in enumerate(zip(rownos.tolist(), xs.tolist()))
                    ]
                )
            if lowest_tier is not None or plan.context_window is not None:
                in_bound = _max_tokens_of(size, tokenizer) + plan.framing_tokens
                flag = np.zeros(m, dtype=bool)
                if lowest_tier is not None:
                    flag |= in_bound > lowest_tier
                if plan.context_window is not None:
                    out_bound = _output_bound(plan, in_bound, columns, vals_kept, tokenizer)
                    flag |= in_bound + out_bound > plan.context_window
                cand = np.flatnonzero(flag)
                if len(cand):
                    sub = {c: [v[i] for i in cand.tolist()] for c, v in columns.items()}
                    sub_rows = (rownos[cand] if rownos is not None else first_row + cand).astype(np.int64)
                    big.merge(
                        count_rows(
                            replace(plan, skip_bad_values=True),
                            render_texts(plan.shape, sub),
                            sub,
                            0,
                            tokenizer,
                            row_numbers=sub_rows,
                        )
                    )
            nbytes = nb
            report(rows, nbytes)
    finally:
        feed.close()
    report(rows, nbytes, final=True)
    sampled: list[_SampledRow] = res.items if res is not None else []  # type: ignore[assignment]
    if measure is not None:  # a uniform subsample of the reservoir, its size fixed by the population
        n = reconstructed.sample_size(rows, byte_total)
        if rows > n:
            picked = np.random.default_rng(seed + 1).choice(len(sampled), size=min(n, len(sampled)), replace=False)
            sampled = [sampled[i] for i in sorted(picked.tolist())]
    if rows <= n:
        return None

    texts = render_texts(plan.shape, {c: [r.columns[c] for r in sampled] for c in plan.shape.columns})
    tokenizer = verified_tokenizer(tokenizer, texts, seed)
    scols = {c: [r.columns[c] for r in sampled] for c in plan.columns}
    srows = np.array([r.row for r in sampled], dtype=np.int64)
    y = count_inputs(plan, tokenizer, texts)
    x = np.array([r.nbytes for r in sampled], dtype=np.int64)
    sample_plan = replace(plan, context_window=None, thresholds=(), skip_bad_values=True)
    s = counts_from_tokens(sample_plan, y, scols, srows, tokenizer)
    o = plan.output
    out_y = None
    if plan.counts_output and o.column is None and o.fixed is None and o.kind != "max_tokens":
        # examples or ratio: the output total is a second ratio estimate from the same rows
        out_y, _, _ = row_outputs(sample_plan, y, scols, srows, tokenizer)
    est = estimate_from_sample(y, x, x_total, rows, per_row_constant=plan.framing_tokens, outputs=out_y)
    if measure is not None:
        est = replace(est, method=reconstructed.PROXY_METHOD)

    counts = Counts(rows=rows)
    counts.input_tokens = est.input_tokens_estimate
    counts.text_tokens = est.input_tokens_estimate - plan.framing_tokens * rows
    counts.input_hist = s.input_hist
    counts.skipped = big.skipped
    if plan.counts_output:
        if o.column is not None:  # counted exactly on every row during the pass
            counts.output_tokens = column_out
            counts.output_hist = column_out_hist
        elif o.fixed is not None or o.kind == "max_tokens":
            per = o.fixed if o.fixed is not None else o.max_tokens
            assert per is not None
            counts.output_tokens = min(per, o.max_tokens or per) * rows
            counts.output_hist = s.output_hist
        else:  # examples or ratio: output tokens per byte of request text, from the sample
            assert est.output_tokens_estimate is not None
            counts.output_tokens = est.output_tokens_estimate
            counts.output_hist = s.output_hist
        counts.output_worst = o.max_tokens * rows if o.max_tokens is not None else counts.output_tokens
    counts.over_context_rows = big.over_context_rows
    counts.over_context_first = big.over_context_first
    counts.tiers = big.tiers
    return counts, nbytes, est, tokenizer
