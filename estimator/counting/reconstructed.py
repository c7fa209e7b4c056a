"""Big files with a slow tokenizer (ctok's reconstructed Claude counts): exact o200k, sampled ctok.

ctok counts about 0.2-0.4 MB of text a second, so a file of a few hundred KB is
counted row by row, and a bigger one is estimated (within ``1.3x`` the time of an
exact OpenAI count of the same file, ``benchmarks/bench_providers.py``):

* every row is counted exactly with ``o200k_base`` (the fast native counter,
  the same pass an OpenAI estimate makes);
* a uniform random sample of rows is counted with ctok;
* the total is the **ratio estimator** of ``estimator.counting.sampling``
  with the o200k count as the auxiliary variable:
  ``T = X_o200k * sum(ctok) / sum(o200k)`` over the sample, with its 95%
  interval. Claude and o200k counts of the same text are nearly proportional
  (the residuals are a few tokens per row), so a sample of about 200 KB of text
  gives an interval of about +-0.5% of the total.

The sample size is fixed before any ctok count, from the population's mean
row size: ``SAMPLE_BYTES`` of text, at least ``MIN_SAMPLE_ROWS`` and at most
``MAX_SAMPLE_ROWS`` rows. Context-window and long-context-tier checks stay
exact: rows that could cross a limit (by a byte bound) are counted with ctok.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

import numpy as np

from estimator.counting.prompts import RequestShape, render_texts
from estimator.tokens import get_tokenizer

__all__ = [
    "FULL_COUNT_BYTES",
    "MAX_SAMPLE_ROWS",
    "MIN_SAMPLE_ROWS",
    "PROXY_METHOD",
    "helpers_ready",
    "SAMPLE_BYTES",
    "is_slow",
    "proxy_measure",
    "reservoir_size",
    "sample_size",
]

FULL_COUNT_BYTES: Final = 256_000  # files up to this size are counted row by row with ctok (under a second)
SAMPLE_BYTES: Final = 192_000  # text counted with ctok for a bigger file (about half a second)
MIN_SAMPLE_ROWS: Final = 300
MAX_SAMPLE_ROWS: Final = 20_000

PROXY_METHOD: Final = (
    "ratio estimator on exact o200k_base counts of every row, ctok on a uniform sample, 95% normal interval"
)


def is_slow(tokenizer: Any) -> bool:
    """Whether the tokenizer counts too slowly to count a big file row by row."""
    return hasattr(tokenizer, "proxy_count_batch")


def sample_size(rows: int, text_bytes: int, *, budget: int | None = None) -> int:
    """Rows to count with ctok: ``budget`` bytes (default ``SAMPLE_BYTES``) at the population's mean
    row size, within bounds."""
    if rows <= 0:
        return 0
    if budget is None:
        budget = SAMPLE_BYTES
    mean = max(1.0, text_bytes / rows)
    return int(min(rows, MAX_SAMPLE_ROWS, max(MIN_SAMPLE_ROWS, budget / mean)))


@contextlib.contextmanager
def helpers_ready(tokenizer: Any, threads: int | None) -> Iterator[None]:
    """ctok's helper processes started now, for the sample counted after the pass (they load ctok
    while the file is read); any the sample did not take are stopped after it."""
    tokenizer.prepare_batch(threads)
    try:
        yield
    finally:
        tokenizer.drop_batch()


def reservoir_size(first_rows: int, first_bytes: int) -> int:
    """Rows a pass keeps before it knows the file's mean row size: four times the sample the first
    batch's mean calls for (within ``MAX_SAMPLE_ROWS``). The sample, sized from the whole file's mean,
    is drawn from these; should the rest of the file run more than four times shorter, the sample is
    the rows kept, and its interval says so."""
    mean = max(1.0, first_bytes / max(1, first_rows))
    return int(min(MAX_SAMPLE_ROWS, 4 * max(MIN_SAMPLE_ROWS, SAMPLE_BYTES / mean)))


def proxy_measure(
    tokenizer: Any, seed: int, threads: int | None
) -> Callable[[RequestShape, Mapping[str, Sequence[str]]], np.ndarray]:
    """Exact o200k_base counts of each row's user text (the sampled estimate's auxiliary variable).

    The first batch cross-checks the fast o200k backend against tiktoken, as
    an exact pass does.
    """
    exact = get_tokenizer(tokenizer.encoding_name)
    checked = False
    lock = threading.Lock()  # batches are measured in several threads; the first checks the backend

    def measure(shape: RequestShape, columns: Mapping[str, Sequence[str]]) -> np.ndarray:
        nonlocal checked, exact
        texts = render_texts(shape, columns)
        if not checked and texts:
            with lock:
                if not checked:
                    exact = exact.verified(texts, n=200, seed=seed)  # a fallback belongs to this count only
                    checked = True
        return np.asarray(exact.count_batch(texts, threads=threads), dtype=np.int64)

    return measure
