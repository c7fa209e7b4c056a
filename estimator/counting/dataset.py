"""Count the tokens of every request a dataset would make, exactly and fast.

Each data row is one request: its user text comes from a column or a prompt
template (``RequestShape``), with an optional system prompt. For chat models
a request's billed input is

    chat framing + system prompt (the same for every request, counted once)
    + the tokens of the row's user text (counted per row, in bulk)

which equals ``chat_tokens(build_messages(shape, text))`` row by row (the
tests prove it). Embedding models bill the text alone.

How it is fast: a reader thread parses the file and renders the texts
while one counting thread per core (``workers``) each tokenizes a whole batch
with the tokenizer's ``count_batch`` (a native backend that releases the
GIL); all per-row bookkeeping (sums, percentiles, context-window checks,
long-context tiers) is vectorised with numpy over whole batches, and the
constant part of every request (framing, system prompt) is counted once.
Memory stays flat: a few batches in flight and bounded histograms, whatever
the file size. ``benchmarks/bench_count.py`` measures it.

``sample_rows=n`` estimates instead of counting: see ``estimator.counting.sampling``.
"""

from __future__ import annotations

import math
import os
import queue
import string
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import numpy as np

from estimator.counting.prompts import RequestShape, build_messages, render_texts
from estimator.counting.sampling import Reservoir, SampleEstimate, estimate_from_sample
from estimator.errors import DataError, UsageError, param
from estimator.pricing import Model, Price
from estimator.reading.source import ReadOptions
from estimator.usage import TierUsage, Usage

MAX_LISTED_ROWS = 10  # row numbers kept for "first rows that ..." messages
PROGRESS_INTERVAL = 0.2  # seconds between progress callbacks (at most ~5 per second)
VERIFY_ROWS = 200  # rows cross-checked against tiktoken when the counter is a fast backend
COUNT_CHUNK = 5_000  # texts per tokenizer call


# --------------------------------------------------------------------------
# Inputs and results
# --------------------------------------------------------------------------


_OUTPUT_PARAMS = {
    "fixed": "output_tokens",
    "column": "output_column",
    "examples_column": "output_examples",
    "ratio": "output_ratio",
    "max_tokens": "max_tokens",
}
"""The library parameter behind each way of estimating output (``OutputSpec`` field -> name)."""


@dataclass(frozen=True)
class OutputSpec:
    """Expected output tokens per request: at most one of the first four.

    ``fixed``: every request answers with this many tokens. ``column``: a
    column holding each row's token count. ``examples_column``: a column
    holding an example answer per row, tokenized. ``ratio``: output =
    ceil(ratio x the row's input tokens). ``max_tokens`` is the per-request
    cap of the API call: expected output is capped at it, the worst case is
    ``max_tokens`` per request, and alone it is also the expected output.
    With nothing given, output is not estimated (and the profile says so).
    """

    fixed: int | None = None
    column: str | None = None
    examples_column: str | None = None
    ratio: Decimal | None = None
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        given = [n for n in ("fixed", "column", "examples_column", "ratio") if getattr(self, n) is not None]
        if len(given) > 1:
            raise UsageError(
                f"give at most one way to estimate output tokens ({param('output_tokens')}, "
                f"{param('output_column')}, {param('output_examples')} or {param('output_ratio')}); "
                f"got {', '.join(_OUTPUT_PARAMS[g] for g in given)}",
                param=_OUTPUT_PARAMS[given[-1]],
            )
        for name in ("fixed", "max_tokens"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise UsageError(f"output {name} must be a whole number >= 0, got {value!r}",
                                 param=_OUTPUT_PARAMS[name])
        if self.max_tokens == 0:
            raise UsageError("max_tokens must be at least 1", param="max_tokens")
        if self.ratio is not None and (
            not isinstance(self.ratio, Decimal) or not self.ratio.is_finite() or self.ratio < 0
        ):
            raise UsageError(f"output ratio must be a finite decimal >= 0, e.g. 0.5; got {self.ratio!r}",
                             param="output_ratio")

    @property
    def kind(self) -> str:
        for name in ("fixed", "column", "examples_column", "ratio", "max_tokens"):
            if getattr(self, name) is not None:
                return name
        return "none"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.column, self.examples_column) if c is not None)

    def describe(self) -> str:
        how = {
            "fixed": f"{self.fixed} tokens per request",
            "column": f"token counts from column {self.column!r}",
            "examples_column": f"tokens of the example answers in column {self.examples_column!r}",
            "ratio": f"{self.ratio} x each request's input tokens (rounded up)",
            "max_tokens": f"the max_tokens cap, {self.max_tokens} per request",
            "none": "not estimated",
        }[self.kind]
        if self.max_tokens is not None and self.kind != "max_tokens":
            how += f", capped at max_tokens {self.max_tokens}"
        return how


@dataclass(frozen=True)
class Distribution:
    """Per-row token counts: exact mean and nearest-rank percentiles."""

    mean: Decimal
    p50: int
    p95: int
    max: int
    min: int


@dataclass(frozen=True)
class Progress:
    rows: int
    bytes_read: int
    total_bytes: int | None
    elapsed: float
    eta_seconds: float | None


@dataclass(frozen=True)
class TokenProfile:
    """What a dataset's requests add up to, and how the numbers were obtained."""

    source: str
    format: str
    rows: int
    model: str
    tokenizer: str
    exact: bool  # the tokenizer counts exactly; a sampled profile is still an estimate (see ``sample``)
    relative_uncertainty: float | None
    input_tokens: int  # billed input: user text + chat framing (+ system prompt); embeddings: text only
    text_tokens: int  # the user texts alone
    output_tokens: int  # expected
    output_tokens_worst: int | None  # max_tokens x rows; same as expected without a cap; None: not estimated
    input_per_row: Distribution
    output_per_row: Distribution | None
    over_context_rows: int
    over_context_first: tuple[int, ...]
    tiers: tuple[TierUsage, ...]
    skipped_rows: int
    skipped_first: tuple[int, ...]
    notes: tuple[str, ...]
    sample: SampleEstimate | None
    elapsed_seconds: float
    bytes_read: int
    max_tokens: int | None = None  # the per-request output cap used for the worst case
    framing_tokens: int = 0  # per-request tokens besides the user text (chat framing + system prompt)
    input_bins: tuple[tuple[int, int, int], ...] = ()  # histogram of input tokens per row: (low, high, rows)
    token_counts: str = ""  # "exact", "approximate" or "reconstructed (ctok ..., generation ...)"
    output_counts: tuple[tuple[int, int], ...] = ()  # (output tokens, rows) pairs, where known
    tiers_worst: tuple[TierUsage, ...] = ()  # the tiers with every answer at its own cap (batch files)
    source_notes: tuple[str, ...] = ()  # what reading the source found (format, encoding, delimiter...)
    # tokens at the start of every request (chat framing, system prompt, a template's fixed start):
    # the most a prompt cache can hold for all of them; None when unknown (conversations, batch files)
    shared_prefix_tokens: int | None = None
    # the expected output is counted by the tokenizer (example answers, a ratio of the input's tokens),
    # so an approximate tokenizer's calibration interval applies to it too
    output_counted: bool = False

    def usage(self, worst_case: bool = False) -> Usage:
        """Token totals for the cost models; ``worst_case``: every answer hits its cap."""
        if not worst_case or self.output_tokens_worst is None:
            return Usage(self.rows, self.input_tokens, self.output_tokens, self.tiers, self.output_counts)
        tiers = self.tiers
        if self.tiers_worst:
            tiers = self.tiers_worst
        elif self.max_tokens is not None:
            tiers = tuple(replace(t, output_tokens=t.requests * self.max_tokens) for t in tiers)
        return Usage(self.rows, self.input_tokens, self.output_tokens_worst, tiers)

    def takes_fixed_output(self, tokens: int, max_tokens: int | None, context_window: int | None) -> bool:
        """Whether ``with_fixed_output(tokens, max_tokens)`` is exact for this profile counted with no output:
        a ``max_tokens`` cap decides the context check, or no row comes within ``tokens`` of the window."""
        return max_tokens is not None or context_window is None or self.input_per_row.max + tokens <= context_window

    def with_fixed_output(self, tokens: int, max_tokens: int | None = None) -> TokenProfile:
        """This profile with every answer ``tokens`` long (capped at ``max_tokens``), without re-reading.

        Exact for totals, tiers and distributions: a fixed output adds the same count to every
        row. The context-window check is the caller's: it stays as counted, which is exact when
        the profile was counted with the same ``max_tokens`` cap, or when no row comes within
        ``tokens`` of the window. Profiles that bill no output (embeddings) come back unchanged.
        """
        if self.output_per_row is None:
            return self
        spec = OutputSpec(fixed=tokens, max_tokens=max_tokens)  # validates both
        per = min(tokens, max_tokens) if max_tokens is not None else tokens
        output = per * self.rows
        dist = Distribution(Decimal(per), per, per, per, per) if self.rows else Distribution(Decimal(0), 0, 0, 0, 0)
        notes = tuple(
            f"expected output: {spec.describe()}" if n.startswith("expected output: ") else n for n in self.notes
        )
        return replace(
            self,
            output_tokens=output,
            output_tokens_worst=max_tokens * self.rows if max_tokens is not None else output,
            output_per_row=dist,
            tiers=tuple(replace(t, output_tokens=t.requests * per) for t in self.tiers),
            output_counts=((per, self.rows),) if self.rows else (),
            max_tokens=max_tokens,
            notes=notes,
        )


# --------------------------------------------------------------------------
# Per-row statistics that merge: the counting core shared with distributed.py
# --------------------------------------------------------------------------

_SMALL = 1 << 16  # token counts below this go in a dense array; larger ones in a dict


class Histogram:
    """Exact distribution of non-negative ints in bounded memory."""

    __slots__ = ("count", "dense", "sparse", "total")

    def __init__(self) -> None:
        self.dense = np.zeros(0, dtype=np.int64)
        self.sparse: dict[int, int] = {}
        self.count = 0
        self.total = 0

    def add(self, values: np.ndarray) -> None:
        if len(values) == 0:
            return
        self.count += len(values)
        self.total += int(values.sum())
        small = values[values < _SMALL]
        if len(small):
            counts = np.bincount(small)
            if len(counts) > len(self.dense):
                counts[: len(self.dense)] += self.dense
                self.dense = counts
            else:
                self.dense[: len(counts)] += counts
        if len(small) != len(values):
            for v in values[values >= _SMALL].tolist():
                self.sparse[v] = self.sparse.get(v, 0) + 1

    def merge(self, other: Histogram) -> None:
        if len(other.dense) > len(self.dense):
            self.dense, other_dense = other.dense.copy(), self.dense
        else:
            other_dense = other.dense
        self.dense[: len(other_dense)] += other_dense
        for v, c in other.sparse.items():
            self.sparse[v] = self.sparse.get(v, 0) + c
        self.count += other.count
        self.total += other.total

    def _values_counts(self) -> tuple[np.ndarray, np.ndarray]:
        nz = np.flatnonzero(self.dense)
        values = nz.astype(np.int64)
        counts = self.dense[nz]
        if self.sparse:
            sv = np.array(sorted(self.sparse), dtype=np.int64)
            sc = np.array([self.sparse[v] for v in sv.tolist()], dtype=np.int64)
            values, counts = np.concatenate([values, sv]), np.concatenate([counts, sc])
        return values, counts

    def pairs(self, limit: int = 4096) -> tuple[tuple[int, int], ...]:
        """(value, rows) pairs of every distinct value, or () when there are more than ``limit``."""
        values, counts = self._values_counts()
        if len(values) > limit:
            return ()
        return tuple(zip(values.tolist(), counts.tolist(), strict=True))

    def bins(self, n: int = 40) -> tuple[tuple[int, int, int], ...]:
        """Up to ``n`` equal-width bins ``(low, high, rows)`` (inclusive bounds) over all values."""
        values, counts = self._values_counts()
        if len(values) == 0:
            return ()
        lo, hi = int(values.min()), int(values.max())
        if hi > 100 and hi > 20 * max(lo, 1):
            # A long tail: equal widths would put nearly every row in the first bin. Bins of equal
            # ratio (to be drawn on a log axis) show the body of the distribution and the tail.
            edges = np.unique(np.geomspace(max(lo, 1), hi + 1, n + 1).astype(np.int64))
            if lo == 0:
                edges = np.concatenate(([0], edges))
            index = np.searchsorted(edges, values, side="right") - 1
            totals = np.bincount(index, weights=counts, minlength=len(edges) - 1).astype(np.int64)
            return tuple(
                (int(edges[i]), int(edges[i + 1]) - 1, int(c)) for i, c in enumerate(totals.tolist()) if c
            )
        width = max(1, -(-(hi - lo + 1) // n))
        index = (values - lo) // width
        totals = np.bincount(index, weights=counts, minlength=int(index.max()) + 1).astype(np.int64)
        return tuple(
            (lo + i * width, lo + (i + 1) * width - 1, int(c)) for i, c in enumerate(totals.tolist()) if c
        )

    def distribution(self) -> Distribution:
        if self.count == 0:
            return Distribution(Decimal(0), 0, 0, 0, 0)
        values, counts = self._values_counts()
        cum = np.cumsum(counts)

        def rank(p: int) -> int:  # nearest rank: the smallest value with >= p% of rows at or below it
            k = max(1, math.ceil(p * self.count / 100))
            return int(values[int(np.searchsorted(cum, k))])

        mean = Decimal(self.total) / Decimal(self.count)
        return Distribution(mean, rank(50), rank(95), int(values[-1]), int(values[0]))


@dataclass
class Counts:
    """Totals of a set of rows; ``merge`` adds another set (any order)."""

    rows: int = 0
    text_tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    output_worst: int = 0
    input_hist: Histogram = field(default_factory=Histogram)
    output_hist: Histogram = field(default_factory=Histogram)
    over_context_rows: int = 0
    over_context_first: list[int] = field(default_factory=list)
    # threshold -> [requests, input tokens, output tokens] of the requests above it
    tiers: dict[int, list[int]] = field(default_factory=dict)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, reason), output-value problems

    def merge(self, other: Counts) -> None:
        self.rows += other.rows
        self.text_tokens += other.text_tokens
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.output_worst += other.output_worst
        self.input_hist.merge(other.input_hist)
        self.output_hist.merge(other.output_hist)
        self.over_context_rows += other.over_context_rows
        self.over_context_first = sorted(self.over_context_first + other.over_context_first)[:MAX_LISTED_ROWS]
        for thr, (r, i, o) in other.tiers.items():
            mine = self.tiers.setdefault(thr, [0, 0, 0])
            mine[0] += r
            mine[1] += i
            mine[2] += o
        self.skipped.extend(other.skipped)

    def shifted(self, offset: int) -> Counts:
        """The same counts with row numbers moved by ``offset`` (partitions)."""
        if offset:
            self.over_context_first = [r + offset for r in self.over_context_first]
            self.skipped = [(r + offset, why) for r, why in self.skipped]
        return self


@dataclass(frozen=True)
class CountPlan:
    """Everything needed to count a batch of rows; picklable for worker processes."""

    shape: RequestShape
    output: OutputSpec
    tokenizer_spec: str
    embedding: bool
    framing_tokens: int
    thresholds: tuple[int, ...]
    context_window: int | None
    skip_bad_values: bool
    threads: int | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        names = list(self.shape.columns)
        if not self.embedding:
            names += [c for c in self.output.columns if c not in names]
        return tuple(names)

    @property
    def counts_output(self) -> bool:
        return not self.embedding and self.output.kind != "none"


def count_plan(
    model: Model,
    shape: RequestShape,
    output: OutputSpec,
    price: Price | None,
    *,
    bad_rows: str = "error",
    threads: int | None = None,
) -> CountPlan:
    from estimator.tokens import chat_overhead_tokens, get_tokenizer

    embedding = model.kind == "embedding"
    if embedding and shape.system:
        raise UsageError("embedding models take text only: leave out the system prompt", param="system")
    tok = get_tokenizer(model.tokenizer)
    # build_messages leaves out an empty system prompt, so the framing must too; a whole
    # conversation is counted with its framing (count_inputs), so it adds none here.
    framing = 0 if embedding or shape.messages is not None else chat_overhead_tokens(tok, system=shape.system or None)
    thresholds = price.thresholds if price is not None else ()
    return CountPlan(
        shape=shape,
        output=output,
        tokenizer_spec=model.tokenizer,
        embedding=embedding,
        framing_tokens=framing,
        thresholds=thresholds,
        context_window=model.context_window,
        skip_bad_values=bad_rows == "skip",
        threads=threads,
    )


def parse_token_counts(
    values: Sequence[str], column: str, first_row: int
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Whole numbers >= 0 from a column of text; the bad ones as (row, reason)."""
    try:
        arr = np.fromiter(map(int, values), dtype=np.int64, count=len(values))
        if len(arr) == 0 or int(arr.min()) >= 0:
            return arr, []
    except (ValueError, OverflowError):
        pass
    out = np.zeros(len(values), dtype=np.int64)
    bad: list[tuple[int, str]] = []
    for i, raw in enumerate(values):
        try:
            d = Decimal(raw.strip().replace("_", ""))
            ok = d.is_finite() and d >= 0 and d == d.to_integral_value() and d < 2**62
        except ArithmeticError:
            ok = False
        if ok:
            out[i] = int(d)
        else:
            bad.append(
                (first_row + i, f"column {column!r}: {raw[:40]!r} is not a whole number of tokens >= 0")
            )
    return out, bad


def _ceil_ratio(ratio: Decimal, tokens: np.ndarray) -> np.ndarray:
    """ceil(ratio x tokens) exactly, with integer arithmetic."""
    num, den = ratio.as_integer_ratio()
    if len(tokens) == 0 or int(tokens.max()) * num < 2**62:
        return -((-tokens * num) // den)
    return np.array([-((-t * num) // den) for t in tokens.tolist()], dtype=np.int64)


def count_rows(
    plan: CountPlan,
    texts: Sequence[str],
    columns: Mapping[str, Sequence[str]],
    first_row: int,
    tokenizer: Any,
    row_numbers: np.ndarray | None = None,
) -> Counts:
    """Count one batch of rows: ``texts`` are the rendered user texts.

    Rows whose output value is bad raise a DataError, or with
    ``plan.skip_bad_values`` are left out and listed in ``Counts.skipped``.
    """
    rownos = (
        row_numbers
        if row_numbers is not None
        else np.arange(first_row, first_row + len(texts), dtype=np.int64)
    )
    text_tok = count_inputs(plan, tokenizer, texts, rownos)
    return counts_from_tokens(plan, text_tok, columns, rownos, tokenizer)


def count_inputs(
    plan: CountPlan, tokenizer: Any, texts: Sequence[str], rows: Sequence[int] | np.ndarray | None = None
) -> np.ndarray:
    """Tokens of each request's rendered text; a conversation's with its chat framing.

    ``rows`` are the data-row numbers of ``texts``, for messages about a malformed conversation.
    """
    if plan.shape.messages is None:
        return count_texts(tokenizer, texts, plan.threads)
    from estimator.tokens import chat_tokens

    out = np.empty(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        try:
            messages = build_messages(plan.shape, text)
            if not all(isinstance(m, dict) and all(isinstance(v, str) for v in m.values()) for m in messages):
                raise TypeError("not text")
            out[i] = chat_tokens(messages, tokenizer)
        except (ValueError, TypeError, AttributeError):
            row = int(rows[i]) if rows is not None else None
            where = f"row {row}: " if row is not None else ""
            raise DataError(
                f"{where}column {plan.shape.messages!r} is not a conversation: give a JSON list of "
                f"{{\"role\": ..., \"content\": \"text\"}} messages (found {text[:60]!r})",
                row=row, field=plan.shape.messages,
            ) from None
    return out


def count_texts(tokenizer: Any, texts: Sequence[str], threads: int | None) -> np.ndarray:
    """Tokens of each text, ``COUNT_CHUNK`` texts per tokenizer call.

    The chunks bound the tokenizer's working memory per call (its input
    checks copy the texts), which matters with one counting thread per core.
    """
    if len(texts) <= COUNT_CHUNK:
        return np.asarray(tokenizer.count_batch(texts, threads=threads), dtype=np.int64)
    items = texts if isinstance(texts, list) else list(texts)
    parts = [
        np.asarray(tokenizer.count_batch(items[i : i + COUNT_CHUNK], threads=threads), dtype=np.int64)
        for i in range(0, len(items), COUNT_CHUNK)
    ]
    return np.concatenate(parts)


def counts_from_tokens(
    plan: CountPlan,
    text_tok: np.ndarray,
    columns: Mapping[str, Sequence[str]],
    rownos: np.ndarray,
    tokenizer: Any,
) -> Counts:
    """``Counts`` of rows whose user-text tokens are already known."""
    out, keep, skipped = row_outputs(plan, text_tok, columns, rownos, tokenizer)
    if keep is not None:
        text_tok, rownos = text_tok[keep], rownos[keep]
        out = out[keep] if out is not None else None
    c = Counts()
    c.skipped = skipped
    _accumulate(c, plan, text_tok, out, rownos)
    return c


def row_outputs(
    plan: CountPlan,
    text_tok: np.ndarray,
    columns: Mapping[str, Sequence[str]],
    rownos: np.ndarray,
    tokenizer: Any,
) -> tuple[np.ndarray | None, np.ndarray | None, list[tuple[int, str]]]:
    """Expected output tokens per row (None: not estimated), the rows to keep
    (None: all) and the skipped rows with reasons."""
    if not plan.counts_output:
        return None, None, []
    n = len(text_tok)
    o = plan.output
    keep: np.ndarray | None = None
    skipped: list[tuple[int, str]] = []
    if o.column is not None:
        out, bad = parse_token_counts(columns[o.column], o.column, 0)
        if bad:
            if not plan.skip_bad_values:
                row, why = bad[0]
                raise DataError(
                    f"row {int(rownos[row])}, {why}. Fix the value, or skip such rows with "
                    f"{param('skip_bad_rows')}",
                    row=int(rownos[row]),
                    field=o.column,
                )
            keep = np.ones(n, dtype=bool)
            keep[[r for r, _ in bad]] = False
            skipped = [(int(rownos[r]), why) for r, why in bad]
    elif o.examples_column is not None:
        out = count_texts(tokenizer, list(columns[o.examples_column]), plan.threads)
    elif o.fixed is not None:
        out = np.full(n, o.fixed, dtype=np.int64)
    elif o.ratio is not None:
        out = _ceil_ratio(o.ratio, text_tok + plan.framing_tokens)
    else:
        assert o.max_tokens is not None
        out = np.full(n, o.max_tokens, dtype=np.int64)
    if o.max_tokens is not None:
        out = np.minimum(out, o.max_tokens)
    return out, keep, skipped


def _accumulate(
    c: Counts, plan: CountPlan, text_tok: np.ndarray, out: np.ndarray | None, rownos: np.ndarray
) -> None:
    inp = text_tok + plan.framing_tokens
    c.rows += len(inp)
    c.text_tokens += int(text_tok.sum())
    c.input_tokens += int(inp.sum())
    c.input_hist.add(inp)
    worst = None
    if out is not None:
        c.output_tokens += int(out.sum())
        c.output_hist.add(out)
        worst = np.full(len(out), plan.output.max_tokens, dtype=np.int64) if plan.output.max_tokens else out
        c.output_worst += int(worst.sum())
    if plan.context_window is not None:
        need = inp if worst is None else inp + worst
        over = np.flatnonzero(need > plan.context_window)
        if len(over):
            c.over_context_rows += len(over)
            room = MAX_LISTED_ROWS - len(c.over_context_first)
            if room > 0:
                c.over_context_first += [int(r) for r in rownos[over[:room]]]
    for thr in plan.thresholds:
        above = inp > thr
        if above.any():
            t = c.tiers.setdefault(thr, [0, 0, 0])
            t[0] += int(above.sum())
            t[1] += int(inp[above].sum())
            if out is not None:
                t[2] += int(out[above].sum())


# --------------------------------------------------------------------------
# Reading: a thread that parses and renders while the main thread counts
# --------------------------------------------------------------------------


@dataclass
class _Batch:
    first_row: int
    texts: list[str]
    columns: Mapping[str, Sequence[str]]
    nbytes: int


class _Done:
    pass


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Prefetcher:
    """Iterates ``make()`` in a daemon thread, ``depth`` items ahead.

    Stops promptly when ``close()`` is called (Ctrl-C in the consumer), and
    re-raises the producer's exception in the consumer.
    """

    def __init__(self, make: Callable[[], Iterator[Any]], depth: int = 2) -> None:
        self._q: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(make,), name="dataset-reader", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, make: Callable[[], Iterator[Any]]) -> None:
        try:
            for item in make():
                if not self._put(item):
                    return
            self._put(_Done())
        except BaseException as exc:  # noqa: BLE001  handed to the consumer, which re-raises it
            self._put(_Failed(exc))

    def __iter__(self) -> Iterator[Any]:
        while True:
            item = self._q.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item

    def close(self) -> None:
        self._stop.set()
        try:
            while True:
                self._q.get_nowait()
        except queue.Empty:
            pass
        self._thread.join()  # the reader stops at its next batch; a second Ctrl-C still interrupts this


class _ProgressReporter:
    def __init__(self, callback: Callable[[Progress], None] | None, total_bytes: int | None) -> None:
        self.callback = callback
        self.total = total_bytes
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, rows: int, nbytes: int, final: bool = False) -> None:
        if self.callback is None:
            return
        now = time.monotonic()
        if not final and now - self.last < PROGRESS_INTERVAL:
            return
        self.last = now
        elapsed = now - self.start
        eta = None
        if self.total and nbytes:
            eta = 0.0 if final else max(0.0, elapsed * (self.total - nbytes) / nbytes)
        self.callback(Progress(rows, nbytes, self.total, elapsed, eta))


def _default_threads(workers: int | None) -> int:
    if workers is not None:
        if workers < 1:
            raise UsageError(f"workers must be at least 1, got {workers}", param="workers")
        return workers
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _verify(tokenizer: Any, texts: list[str], seed: int) -> Any:
    """The tokenizer to count with: cross-checked against tiktoken on the user's own rows."""
    return tokenizer.verified(texts, n=VERIFY_ROWS, seed=seed) if texts else tokenizer


# --------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CountOptions:
    """How to count: every row exactly (the default) or a sample, and with how many threads.

    ``sample_rows``: estimate from that many uniformly sampled rows (seeded by
    ``seed``) with a 95% interval; a source with no more rows is counted exactly.
    ``workers``: counting threads (default: the usable CPUs). ``progress`` is
    called at most ~5 times a second and once at the end.
    """

    sample_rows: int | None = None
    seed: int = 0
    workers: int | None = None
    progress: Callable[[Progress], None] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.sample_rows is not None and (isinstance(self.sample_rows, bool) or self.sample_rows < 2):
            raise UsageError(f"the sample must be at least 2 rows, got {self.sample_rows}", param="sample_rows")
        if self.workers is not None and self.workers < 1:
            raise UsageError(f"workers must be at least 1, got {self.workers}", param="workers")


def count_dataset(
    source: Any,
    *,
    model: Model,
    shape: RequestShape,
    output: OutputSpec,
    price: Price | None = None,
    read: ReadOptions | None = None,
    options: CountOptions | None = None,
    tokenizer: Any = None,
) -> TokenProfile:
    """Count (or with ``options.sample_rows``, estimate) the tokens of every request of ``source``.

    ``source`` is a path or rows in memory (see ``estimator.reading.open_rows``).
    ``tokenizer`` defaults to the model's; a fallback it needs is recorded in this
    profile's notes only.

    Raises DataError for unreadable files, missing columns and bad output
    values; UsageError for impossible option combinations. KeyboardInterrupt
    stops the reader thread and propagates.
    """
    from estimator.reading.source import open_rows
    from estimator.tokens import get_tokenizer

    read = read or ReadOptions()
    opts = options or CountOptions()
    threads = _default_threads(opts.workers)
    plan = count_plan(model, shape, output, price, bad_rows=read.bad_rows, threads=threads)
    tok = tokenizer if tokenizer is not None else get_tokenizer(model.tokenizer)
    started = time.monotonic()
    with open_rows(source, read) as ds:
        info = ds.info
        report = _ProgressReporter(opts.progress, info.total_bytes)
        sampled = None
        if opts.sample_rows is None and _too_slow_to_count_all(tok, info.total_bytes):
            # reconstructed Claude counts of a big file: exact o200k on every row, ctok on a sample
            from estimator.counting.reconstructed import MAX_SAMPLE_ROWS, proxy_measure

            measure = proxy_measure(tok, opts.seed, threads)
            sampled = _sample_pass(ds, plan, tok, MAX_SAMPLE_ROWS, opts.seed, report, measure=measure)
            # None: few (long) rows, counted all below
        elif opts.sample_rows is not None:
            sampled = _sample_pass(ds, plan, tok, opts.sample_rows, opts.seed, report)
            if sampled is None:  # no more rows than the sample: count them all
                return count_dataset(source, model=model, shape=shape, output=output, price=price, read=read,
                                     options=replace(opts, sample_rows=None), tokenizer=tokenizer)
        if sampled is None and opts.sample_rows is None and _too_slow_to_count_all(tok, info.total_bytes):
            with open_rows(source, read) as again:
                counts, bytes_read, used = _exact_pass(again, plan, tok, opts.seed, report)
            sample = None
        elif sampled is not None:
            counts, bytes_read, sample, used = sampled
        else:
            counts, bytes_read, used = _exact_pass(ds, plan, tok, opts.seed, report)
            sample = None
        unreadable = list(ds.skipped)
        skipped_rows = sorted(
            [int(b.row) for b in unreadable if b.row is not None] + [r for r, _ in counts.skipped]
        )
        notes = [f"tokenizer: {w}" for w in used.warnings]
        source_name, fmt, source_notes = str(info.path), str(info.format), tuple(info.notes)
    profile = _profile(
        plan, model, used, counts, sample,
        source=source_name, fmt=fmt, notes=notes, skipped=skipped_rows,
        skipped_count=len(unreadable) + len(counts.skipped),
        elapsed=time.monotonic() - started, bytes_read=bytes_read,
    )
    return replace(profile, source_notes=source_notes, shared_prefix_tokens=_shared_prefix(plan, used))


def _shared_prefix(plan: CountPlan, tokenizer: Any) -> int | None:
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


def _too_slow_to_count_all(tokenizer: Any, total_bytes: int | None) -> bool:
    """A slow tokenizer (ctok) on a file too big to count row by row in seconds."""
    from estimator.counting.reconstructed import FULL_COUNT_BYTES, is_slow

    return is_slow(tokenizer) and (total_bytes is None or total_bytes > FULL_COUNT_BYTES)


def _batches(ds: Any, plan: CountPlan) -> Iterator[_Batch]:
    shape = plan.shape
    for b in ds.batches(list(plan.columns)):
        yield _Batch(int(b.first_row), render_texts(shape, b.columns), b.columns, int(b.nbytes))


def _exact_pass(
    ds: Any, plan: CountPlan, tokenizer: Any, seed: int, report: _ProgressReporter
) -> tuple[Counts, int, Any]:
    """Count every row. ``plan.threads`` counting threads each take whole batches.

    Several single-threaded counters beat one multi-threaded ``count_batch``
    call: each call has a serial part that holds the GIL (list handling, the
    tokenizer's input checks), and with one counter per core another batch's
    native tokenization fills the core while one counter is in its serial part.
    """
    total = Counts()
    nbytes = 0
    workers = max(1, plan.threads or 1)
    one = replace(plan, threads=1)
    feed = _Prefetcher(lambda: _batches(ds, plan), depth=workers)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dataset-counter")
    running: set[Future[Counts]] = set()

    def collect(done: set[Future[Counts]]) -> None:
        for fut in done:
            total.merge(fut.result())

    try:
        for i, batch in enumerate(feed):
            if i == 0:
                tokenizer = _verify(tokenizer, batch.texts, seed)
            if len(running) >= workers:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                collect(done)
                report(total.rows, nbytes)
            running.add(pool.submit(count_rows, one, batch.texts, batch.columns, batch.first_row, tokenizer))
            nbytes = batch.nbytes
        collect(set(running))
        running.clear()
    finally:
        for fut in running:
            fut.cancel()
        pool.shutdown(wait=True)
        feed.close()
    report(total.rows, nbytes, final=True)
    return total, nbytes, tokenizer


# --------------------------------------------------------------------------
# Sampled estimate
# --------------------------------------------------------------------------


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
        return _ceil_ratio(o.ratio, in_bound)
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


def _sample_pass(
    ds: Any,
    plan: CountPlan,
    tokenizer: Any,
    n: int,
    seed: int,
    report: _ProgressReporter,
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
    res = Reservoir(n, seed)
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

    feed = _Prefetcher(read)
    try:
        for first_row, columns, nb in feed:
            size = text_bytes(plan.shape, columns)
            xs = size if measure is None else measure(plan.shape, columns)
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
            if keep_mask is None:
                res.offer(_RowView(first_row, columns, xs))
            else:
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
    sampled: list[_SampledRow] = res.items  # type: ignore[assignment]
    if measure is not None:  # a uniform subsample of the reservoir, its size fixed by the population
        from estimator.counting.reconstructed import sample_size

        n = sample_size(rows, byte_total)
        if rows > n:
            picked = np.random.default_rng(seed + 1).choice(len(sampled), size=n, replace=False)
            sampled = [sampled[i] for i in sorted(picked.tolist())]
    if rows <= n:
        return None

    texts = render_texts(plan.shape, {c: [r.columns[c] for r in sampled] for c in plan.shape.columns})
    tokenizer = _verify(tokenizer, texts, seed)
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
        from estimator.counting.reconstructed import PROXY_METHOD

        est = replace(est, method=PROXY_METHOD)

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


# --------------------------------------------------------------------------
# Assembling the profile
# --------------------------------------------------------------------------


def _profile(
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
        notes.append(
            f"{c.over_context_rows:,} requests exceed the {plan.context_window:,}-token context window ({what}); "
            "they are included in the totals but would fail or be truncated"
        )
    if plan.context_window is None:
        notes.append(f"{model.id}: no context window known, so over-long rows are not checked")
    if sample is not None:
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


