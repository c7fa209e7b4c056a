"""Count the tokens of every request a dataset would make, exactly and fast.

Each data row is one request: its user text comes from a column or a prompt
template (``RequestShape``), with an optional system prompt. For chat models
a request's billed input is

    chat framing + system prompt (the same for every request, counted once)
    + the tokens of the row's user text (counted per row, in bulk)

which equals ``chat_tokens(build_messages(shape, text))`` row by row (the
tests prove it). Embedding models bill the text alone.

``count_dataset`` plans the count (``estimator.counting.plan``), chooses the pass
and assembles the ``TokenProfile`` (``estimator.counting.assemble``):

* exact (``estimator.counting.exact_pass``), the default;
* with ``sample_rows=n``, by one rule: rows drawn at random byte offsets of a CSV, TSV
  or JSON Lines file when the sample is at most a tenth of its rows
  (``estimator.counting.seek_pass``); Parquet row groups drawn by their footer sizes
  when the footers count at least ten times ``n`` rows
  (``estimator.counting.group_pass``); otherwise one pass over every row with a
  uniform sample tokenized (``estimator.counting.sampled_pass``), or an exact count
  when the source has no more than ``n`` rows.

``benchmarks/bench_count.py`` and ``benchmarks/bench_scale.py`` measure it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from estimator import convert
from estimator.convert import set_field
from estimator.counting import reconstructed
from estimator.counting.assemble import build_profile, shared_prefix
from estimator.counting.counts import RowsCounted
from estimator.counting.exact_pass import exact_pass
from estimator.counting.group_pass import group_pass, groups_gain
from estimator.counting.output import OutputSpec
from estimator.counting.plan import count_plan, default_threads
from estimator.counting.profile import TokenProfile
from estimator.counting.progress import Progress, ProgressReporter
from estimator.counting.prompts import RequestShape
from estimator.counting.sampled_pass import sample_pass
from estimator.counting.seek_pass import seek_gains, seek_pass
from estimator.errors import UsageError, param
from estimator.pricing import Model, Price
from estimator.reading.source import ReadOptions, open_rows
from estimator.tokens import get_tokenizer

MAX_SEED = 2**63 - 2  # numpy's generators take seeds below 2**63, and the sample draws with seed + 1
MAX_WORKERS = 1024


@dataclass(frozen=True)
class CountOptions:
    """How to count: every row exactly (the default) or a sample, and with how many threads.

    ``sample_rows``: estimate from that many sampled rows (seeded by ``seed``) with a
    95% interval: rows at random offsets of a big text file, row groups of a big
    Parquet dataset, else a uniform sample of a pass over every row (see the module
    docs); a source with no more rows is counted exactly.
    ``workers``: counting threads (default: the usable CPUs). ``progress`` is
    called at most ~5 times a second and once at the end.
    """

    sample_rows: int | None = None
    seed: int = 0
    workers: int | None = None
    progress: Callable[[Progress], None] | None = field(default=None, compare=False)
    on_rows: Callable[[RowsCounted], None] | None = field(default=None, compare=False)
    """Called with every batch of rows an exact pass counts (from counting threads, in any order):
    their texts and billed input tokens, for a caller that needs each row (the batch plan's line
    sizes) without reading the source a second time."""

    def __post_init__(self) -> None:
        set_field(self, "sample_rows", convert.optional(convert.count, self.sample_rows, "sample_rows", minimum=2))
        set_field(self, "seed", convert.count(self.seed, "seed", maximum=MAX_SEED))
        set_field(self, "workers", convert.optional(convert.count, self.workers, "workers", minimum=1,
                                                    maximum=MAX_WORKERS))
        if self.progress is not None and not callable(self.progress):
            raise UsageError(f"{param('progress')} must be a function taking a Progress, not {self.progress!r}",
                             param="progress")


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
    read = read or ReadOptions()
    opts = options or CountOptions()
    threads = default_threads(opts.workers)
    plan = count_plan(model, shape, output, price, bad_rows=read.bad_rows, threads=threads)
    tok = tokenizer if tokenizer is not None else get_tokenizer(model.tokenizer)
    started = time.monotonic()
    with open_rows(source, read) as ds:
        info = ds.info
        report = ProgressReporter(opts.progress, info.total_bytes)
        sampled = None
        if opts.sample_rows is None and _too_slow_to_count_all(tok, info.total_bytes):
            # reconstructed Claude counts of a big file: exact o200k on every row, ctok on a sample
            # (one counting thread per core, each counting whole batches on one core, as the exact pass)
            measure = reconstructed.proxy_measure(tok, opts.seed, 1)
            with reconstructed.helpers_ready(tok, threads):
                sampled = sample_pass(ds, plan, tok, reconstructed.MAX_SAMPLE_ROWS, opts.seed, report,
                                      measure=measure)
            # None: few (long) rows, counted all below
        elif opts.sample_rows is not None:
            if seek_gains(ds, opts.sample_rows):
                sampled = seek_pass(ds, plan, tok, opts.sample_rows, opts.seed, report)
            elif groups_gain(ds, opts.sample_rows):
                sampled = group_pass(ds, plan, tok, opts.sample_rows, opts.seed, report)
            if sampled is None:
                sampled = sample_pass(ds, plan, tok, opts.sample_rows, opts.seed, report)
            if sampled is None:  # no more rows than the sample: count them all
                return count_dataset(source, model=model, shape=shape, output=output, price=price, read=read,
                                     options=replace(opts, sample_rows=None), tokenizer=tokenizer)
        if sampled is None and opts.sample_rows is None and _too_slow_to_count_all(tok, info.total_bytes):
            with open_rows(source, read) as again:
                counts, bytes_read, used = exact_pass(again, plan, tok, opts.seed, report, opts.on_rows)
            sample = None
        elif sampled is not None:
            counts, bytes_read, sample, used = sampled
        else:
            counts, bytes_read, used = exact_pass(ds, plan, tok, opts.seed, report, opts.on_rows)
            sample = None
        unreadable = list(ds.skipped)
        skipped_rows = sorted(
            [int(b.row) for b in unreadable if b.row is not None] + [r for r, _ in counts.skipped]
        )
        notes = [f"tokenizer: {w}" for w in used.warnings] + list(getattr(ds, "sample_notes", []))
        source_name, fmt, source_notes = str(info.path), str(info.format), tuple(info.notes)
    profile = build_profile(
        plan, model, used, counts, sample,
        source=source_name, fmt=fmt, notes=notes, skipped=skipped_rows,
        skipped_count=len(unreadable) + len(counts.skipped),
        elapsed=time.monotonic() - started, bytes_read=bytes_read,
    )
    return replace(profile, source_notes=source_notes, shared_prefix_tokens=shared_prefix(plan, used))


def _too_slow_to_count_all(tokenizer: Any, total_bytes: int | None) -> bool:
    """A slow tokenizer (ctok) on a file too big to count row by row in seconds."""
    return reconstructed.is_slow(tokenizer) and (total_bytes is None or total_bytes > reconstructed.FULL_COUNT_BYTES)
