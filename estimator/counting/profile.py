"""The token profile of a dataset: what its requests add up to, and how the numbers were obtained.

``TokenProfile`` is the one home of a counted dataset's tokens; counting (exact, sampled,
Dask), batch files and reports all build or read this type. ``Histogram`` is the exact
per-row distribution behind its ``Distribution`` fields, in bounded memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np

from estimator.counting.output import OutputSpec
from estimator.counting.priors import ReasoningOutput
from estimator.counting.sampling import SampleEstimate
from estimator.usage import TierUsage, Usage

MAX_LISTED_ROWS = 10  # row numbers kept for "first rows that ..." messages


@dataclass(frozen=True)
class Distribution:
    """Per-row token counts: exact mean and nearest-rank percentiles."""

    mean: Decimal
    p50: int
    p95: int
    max: int
    min: int


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
    # server-tool uses the requests are expected to make ("web_search/call", n), priced per use beside the tokens
    tool_uses: tuple[tuple[str, int], ...] = ()
    # the reasoning inside ``output_tokens`` (estimator.counting.reasoning); None: none added
    reasoning: ReasoningOutput | None = None

    def usage(self, worst_case: bool = False) -> Usage:
        """Token totals for the cost models; ``worst_case``: every answer hits its cap."""
        if not worst_case or self.output_tokens_worst is None:
            return Usage(self.rows, self.input_tokens, self.output_tokens, self.tiers, self.output_counts,
                         reasoning_tokens=self.reasoning.tokens if self.reasoning is not None else 0,
                         tool_uses=self.tool_uses)
        tiers = self.tiers
        if self.tiers_worst:
            tiers = self.tiers_worst
        elif self.max_tokens is not None:
            tiers = tuple(replace(t, output_tokens=t.requests * self.max_tokens) for t in tiers)
        return Usage(self.rows, self.input_tokens, self.output_tokens_worst, tiers, tool_uses=self.tool_uses)

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
        added = self.reasoning.notes if self.reasoning is not None else ()  # the reasoning goes with the answers
        notes = tuple(
            f"expected output: {spec.describe()}" if n.startswith("expected output: ") else n for n in self.notes
            if n not in added
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
            reasoning=None,
        )


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
