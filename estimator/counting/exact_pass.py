"""The exact pass: every row of a dataset counted, with one counting thread per core.

A reader thread (``estimator.counting.prefetch``) parses the file and renders the texts
while ``plan.threads`` counting threads each tokenize a whole batch with the tokenizer's
``count_batch`` (a native backend that releases the GIL). Memory stays flat: a few batches
in flight and bounded histograms, whatever the file size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any

from estimator.counting.counts import Counts, count_rows, verified_tokenizer
from estimator.counting.plan import CountPlan
from estimator.counting.prefetch import Prefetcher
from estimator.counting.progress import ProgressReporter
from estimator.counting.prompts import render_texts


@dataclass
class _Batch:
    first_row: int
    texts: list[str]
    columns: Mapping[str, Sequence[str]]
    nbytes: int


def _batches(ds: Any, plan: CountPlan) -> Iterator[_Batch]:
    shape = plan.shape
    for b in ds.batches(list(plan.columns)):
        yield _Batch(int(b.first_row), render_texts(shape, b.columns), b.columns, int(b.nbytes))


def exact_pass(
    ds: Any, plan: CountPlan, tokenizer: Any, seed: int, report: ProgressReporter
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
    feed = Prefetcher(lambda: _batches(ds, plan), depth=workers)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dataset-counter")
    running: set[Future[Counts]] = set()

    def collect(done: set[Future[Counts]]) -> None:
        for fut in done:
            total.merge(fut.result())

    try:
        for i, batch in enumerate(feed):
            if i == 0:
                tokenizer = verified_tokenizer(tokenizer, batch.texts, seed)
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
