"""Counting one batch of rows into ``Counts``: totals and histograms that merge in any order.

The core shared by the exact pass, the sampled pass and Dask partitions: all per-row
bookkeeping (sums, percentiles, context-window checks, long-context tiers) is vectorised
with numpy over whole batches, and the constant part of every request (framing, system
prompt) is counted once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from estimator.counting.output import ceil_ratio, parse_token_counts
from estimator.counting.plan import CountPlan
from estimator.counting.profile import MAX_LISTED_ROWS, Histogram
from estimator.counting.prompts import build_messages
from estimator.errors import DataError, param
from estimator.tokens import chat_tokens

VERIFY_ROWS = 200  # rows cross-checked against tiktoken when the counter is a fast backend
COUNT_CHUNK = 5_000  # texts per tokenizer call


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
        out = ceil_ratio(o.ratio, text_tok + plan.framing_tokens)
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


def verified_tokenizer(tokenizer: Any, texts: list[str], seed: int) -> Any:
    """The tokenizer to count with: cross-checked against tiktoken on the user's own rows."""
    return tokenizer.verified(texts, n=VERIFY_ROWS, seed=seed) if texts else tokenizer
