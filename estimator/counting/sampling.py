"""Estimate a huge file's tokens from a sample, with an honest 95% interval.

One cheap pass measures every row's size (the UTF-8 byte length of its
request text, computed without tokenizing) and keeps a uniform random sample
of ``n`` rows (reservoir sampling, seeded). Only the sample is tokenized.

The total is then estimated with the **ratio estimator**: tokens are nearly
proportional to bytes, so

    T_hat = X * (sum of sampled tokens / sum of sampled bytes)

where ``X`` is the exact byte total of all rows. Its standard error comes from
the residuals ``e_i = y_i - R_hat * x_i`` of the sampled rows (simple random
sampling without replacement, with the finite population correction):

    SE = N * sqrt((1 - n/N) * s_e^2 / n),   s_e^2 = sum(e_i^2) / (n - 1)

and the 95% interval is ``T_hat +- 1.96 SE``. Because the residuals are
much smaller than the spread of the row sizes, this interval is several times
narrower than the one of the plain estimator ``N * mean(y)`` (reported too,
for comparison). Both are large-sample (normal) intervals: with a few dozen
sampled rows or a handful of giant rows they can be too narrow; the tests
measure their coverage.

Per-row constants (the chat framing and the system prompt, identical for
every request) are known exactly and added outside the estimate, so the
interval only covers what is actually uncertain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054

RATIO_METHOD = "ratio estimator on UTF-8 bytes, 95% normal interval"


@dataclass(frozen=True)
class SampleEstimate:
    """Input tokens of all rows estimated from a uniform sample of rows.

    ``input_tokens_estimate`` and the interval bounds are billed input tokens
    (ints: the low bound rounded down, the high bound up). The ``plain_*``
    interval is the mean-scaling estimator's, for comparison.
    """

    sample_rows: int
    population_rows: int
    input_tokens_estimate: int
    ci_low: int
    ci_high: int
    method: str
    plain_ci_low: int
    plain_ci_high: int
    plain_estimate: int = 0
    standard_error: float = 0.0

    @property
    def relative_half_width(self) -> float:
        """Half the interval's width as a share of the estimate (0.003 = +-0.3%)."""
        if self.input_tokens_estimate == 0:
            return 0.0
        return (self.ci_high - self.ci_low) / 2 / self.input_tokens_estimate

    @property
    def plain_relative_half_width(self) -> float:
        if self.plain_estimate == 0:
            return 0.0
        return (self.plain_ci_high - self.plain_ci_low) / 2 / self.plain_estimate


@dataclass(frozen=True)
class TotalEstimate:
    estimate: float
    standard_error: float

    def interval(self, z: float = Z95) -> tuple[int, int]:
        low = max(0, math.floor(self.estimate - z * self.standard_error))
        return low, math.ceil(self.estimate + z * self.standard_error)


def _as_float(values: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _fpc(n: int, population: int) -> float:
    return max(0.0, 1.0 - n / population) if population else 0.0


def ratio_estimate(
    y_sample: Sequence[int] | np.ndarray,
    x_sample: Sequence[int] | np.ndarray,
    x_total: int,
    population: int,
) -> TotalEstimate:
    """Ratio estimator of sum(y) over the population, given the exact sum of x."""
    y = _as_float(y_sample)
    x = _as_float(x_sample)
    n = len(y)
    if n == 0 or population == 0:
        return TotalEstimate(0.0, 0.0)
    sx = float(x.sum())
    if sx == 0:  # every sampled row is empty: fall back to the plain estimator
        return plain_estimate(y_sample, population)
    r = float(y.sum()) / sx
    total = x_total * r
    if n < 2:
        return TotalEstimate(total, math.inf)
    resid = y - r * x
    s2 = float(resid @ resid) / (n - 1)
    se = population * math.sqrt(_fpc(n, population) * s2 / n)
    return TotalEstimate(total, se)


def plain_estimate(y_sample: Sequence[int] | np.ndarray, population: int) -> TotalEstimate:
    """Mean-scaling estimator ``N * mean(y)`` and its standard error."""
    y = _as_float(y_sample)
    n = len(y)
    if n == 0 or population == 0:
        return TotalEstimate(0.0, 0.0)
    total = population * float(y.mean())
    if n < 2:
        return TotalEstimate(total, math.inf)
    se = population * math.sqrt(_fpc(n, population) * float(y.var(ddof=1)) / n)
    return TotalEstimate(total, se)


def estimate_from_sample(
    y_sample: Sequence[int] | np.ndarray,
    x_sample: Sequence[int] | np.ndarray,
    x_total: int,
    population: int,
    *,
    per_row_constant: int = 0,
) -> SampleEstimate:
    """Both estimators of the population total, as a ``SampleEstimate``.

    ``y`` are the sampled rows' variable tokens (the user text), ``x`` their
    byte sizes; ``per_row_constant`` tokens (chat framing, system prompt) are
    added exactly, ``population`` times.
    """
    fixed = per_row_constant * population
    ratio = ratio_estimate(y_sample, x_sample, x_total, population)
    plain = plain_estimate(y_sample, population)
    low, high = ratio.interval()
    plow, phigh = plain.interval()
    return SampleEstimate(
        sample_rows=len(y_sample),
        population_rows=population,
        input_tokens_estimate=fixed + round(ratio.estimate),
        ci_low=fixed + low,
        ci_high=fixed + high,
        method=RATIO_METHOD,
        plain_ci_low=fixed + plow,
        plain_ci_high=fixed + phigh,
        plain_estimate=fixed + round(plain.estimate),
        standard_error=ratio.standard_error,
    )


class Reservoir:
    """A uniform random sample of ``size`` items from a stream (Algorithm R).

    Items arrive in batches; each batch costs one vectorised draw, and only
    the (few, ``size * ln(N/size)`` in all) replacements touch Python objects.
    Every subset of ``size`` rows is equally likely, whatever the batching.
    """

    def __init__(self, size: int, seed: int = 0) -> None:
        if size < 1:
            raise ValueError("sample size must be at least 1")
        self.size = size
        self.seen = 0
        self._rng = np.random.default_rng(seed)
        self.items: list[object] = []

    def offer(self, items: Sequence[object]) -> None:
        """Consider ``items`` (the next rows of the stream, in order)."""
        m = len(items)
        if m == 0:
            return
        start = 0
        room = self.size - len(self.items)
        if room > 0:
            take = min(room, m)
            self.items.extend(items[:take])
            start = take
        if start < m:
            # Item with global index i (0-based) replaces slot j ~ U{0..i} when j < size.
            upper = np.arange(self.seen + start + 1, self.seen + m + 1, dtype=np.int64)
            slots = self._rng.integers(0, upper)
            hits = np.flatnonzero(slots < self.size)
            for k in hits.tolist():
                self.items[int(slots[k])] = items[start + k]
        self.seen += m
