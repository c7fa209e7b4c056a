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

That linearised error is too small for a few dozen rows (it ignores the
ratio's own variation), so the reported interval uses the **jackknife**
standard error of the ratio estimator (leave one sampled row out, with the
same finite population correction) and Student's t with ``n - 1`` degrees
of freedom: ``T_hat +- t SE``. Because the residuals are much smaller than
the spread of the row sizes, this interval is several times narrower than
the one of the plain estimator ``N * mean(y)`` (reported too, for
comparison). tests/test_sampling.py measures the coverage over many seeds at
30 and 300 sampled rows.

When the expected output is itself estimated from the sample (example
answers, or a ratio of each request's tokens), its total is a second ratio
estimate from the same rows; the jackknife gives its standard error and its
covariance with the input total, so the interval of a cost
``a * input + b * output`` is ``cost +- t sqrt(a^2 V_in + b^2 V_out + 2ab C)``
(``SampleEstimate.cost_half_width``).

Per-row constants (the chat framing and the system prompt, identical for
every request) are known exactly and added outside the estimate, so the
interval only covers what is actually uncertain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Z95 = 1.959963984540054

RATIO_METHOD = "ratio estimator on UTF-8 bytes, jackknife standard error, 95% t interval"

# Student t 97.5% quantiles for the smallest degrees of freedom; above them a
# Cornish-Fisher expansion is within 0.001 (no scipy needed).
_T975 = {1: 12.7062, 2: 4.3027, 3: 3.1824, 4: 2.7764, 5: 2.5706, 6: 2.4469, 7: 2.3646, 8: 2.3060}


def t_quantile(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (two-sided 95%)."""
    if df < 1:
        return math.inf
    if df in _T975:
        return _T975[df]
    z = Z95
    return (z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))


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
    standard_error: float = 0.0  # of the input total (jackknife)
    t: float = Z95  # the interval's quantile (Student's t, n - 1 degrees of freedom)
    # The output total when it is estimated from the same sample (examples, ratio); else None.
    output_tokens_estimate: int | None = None
    output_ci_low: int | None = None
    output_ci_high: int | None = None
    output_standard_error: float = 0.0
    covariance: float = 0.0  # of the input and output totals
    # Rows drawn at random byte offsets: the row count is estimated too (None: it was counted)
    rows_ci_low: int | None = None
    rows_ci_high: int | None = None

    def cost_half_width(self, per_input_token: float, per_output_token: float) -> float:
        """Half the 95% interval of ``a * input + b * output`` (a, b: cost per token)."""
        a, b = per_input_token, per_output_token
        var = (a * a * self.standard_error**2 + b * b * self.output_standard_error**2
               + 2 * a * b * self.covariance)
        return self.t * math.sqrt(max(var, 0.0))

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


def jackknife_ratio(
    y_sample: Sequence[int] | np.ndarray,
    x_sample: Sequence[int] | np.ndarray,
    x_total: int,
    population: int,
) -> tuple[float, np.ndarray]:
    """The ratio estimate of the total and its leave-one-out replicates (centred)."""
    y, x = _as_float(y_sample), _as_float(x_sample)
    sy, sx = float(y.sum()), float(x.sum())
    total = x_total * sy / sx if sx else 0.0
    if len(y) < 2 or sx == 0:
        return total, np.zeros(len(y))
    rest = sx - x
    with np.errstate(divide="ignore", invalid="ignore"):
        reps = np.where(rest > 0, x_total * (sy - y) / np.where(rest > 0, rest, 1.0), total)
    return total, reps - reps.mean()


def _jackknife_cov(a: np.ndarray, b: np.ndarray, population: int) -> float:
    n = len(a)
    if n < 2:
        return math.inf
    return _fpc(n, population) * (n - 1) / n * float(a @ b)


def estimate_from_sample(
    y_sample: Sequence[int] | np.ndarray,
    x_sample: Sequence[int] | np.ndarray,
    x_total: int,
    population: int,
    *,
    per_row_constant: int = 0,
    outputs: Sequence[int] | np.ndarray | None = None,
) -> SampleEstimate:
    """Both estimators of the population total, as a ``SampleEstimate``.

    ``y`` are the sampled rows' variable tokens (the user text), ``x`` their
    byte sizes; ``per_row_constant`` tokens (chat framing, system prompt) are
    added exactly, ``population`` times. ``outputs``: the sampled rows' expected
    output tokens when the output total is estimated from the sample too.
    """
    fixed = per_row_constant * population
    n = len(y_sample)
    ratio = ratio_estimate(y_sample, x_sample, x_total, population)  # linearised; kept for the degenerate cases
    jy = np.zeros(n)
    if n >= 2 and population and float(_as_float(x_sample).sum()) > 0:
        est_y, jy = jackknife_ratio(y_sample, x_sample, x_total, population)
        ratio = TotalEstimate(est_y, math.sqrt(_jackknife_cov(jy, jy, population)))
    t = t_quantile(n - 1)
    plain = plain_estimate(y_sample, population)
    low, high = ratio.interval(t)
    plow, phigh = plain.interval()
    out: dict[str, Any] = {}
    if outputs is not None:
        est_o, jo = jackknife_ratio(outputs, x_sample, x_total, population)
        se_o = math.sqrt(_jackknife_cov(jo, jo, population))
        olow, ohigh = TotalEstimate(est_o, se_o).interval(t)
        out = {
            "output_tokens_estimate": round(est_o),
            "output_ci_low": olow,
            "output_ci_high": ohigh,
            "output_standard_error": se_o,
            "covariance": _jackknife_cov(jy, jo, population),
        }
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
        t=t,
        **out,
    )


SPAN_METHOD = (
    "rows drawn at random byte offsets (probability proportional to their bytes), Hansen-Hurwitz estimator "
    "weighted by 1/bytes, 95% t interval"
)


def _pps(z: np.ndarray, spans: np.ndarray, total_bytes: int) -> tuple[TotalEstimate, np.ndarray]:
    """Hansen-Hurwitz: the total of ``z`` from draws made with probability ``span / total_bytes``, its
    standard error, and each draw's centred contribution (for covariances)."""
    r = total_bytes * _as_float(z) / _as_float(spans)
    n = len(r)
    if n == 0:
        return TotalEstimate(0.0, 0.0), r
    mean = float(r.mean())
    if n < 2:
        return TotalEstimate(mean, math.inf), r - mean
    return TotalEstimate(mean, float(r.std(ddof=1)) / math.sqrt(n)), r - mean


def _pps_cov(a: np.ndarray, b: np.ndarray) -> float:
    n = len(a)
    return float(a @ b) / (n - 1) / n if n > 1 else 0.0


def estimate_from_spans(
    inputs: Sequence[int] | np.ndarray,
    spans: Sequence[int] | np.ndarray,
    total_bytes: int,
    *,
    rows: Sequence[int] | np.ndarray | None = None,
    outputs: Sequence[int] | np.ndarray | None = None,
) -> SampleEstimate:
    """Totals from rows drawn at uniformly random byte offsets (``estimator.reading.seek``).

    Draw ``i`` fell in a row whose span is ``spans[i]`` bytes, so it was drawn with
    probability ``spans[i] / total_bytes``; each draw contributes ``total_bytes * z / span``
    and the estimate is their mean (Hansen-Hurwitz, unbiased whatever the mix of row lengths),
    with Student's t (n - 1 degrees of freedom) for the interval. ``inputs`` are each drawn
    row's billed input tokens (framing included), ``rows`` 1 for a row that counts and 0 for
    a malformed one (default: all 1), ``outputs`` each row's expected output tokens.
    """
    spans_f = _as_float(spans)
    n = len(spans_f)
    t = t_quantile(n - 1)
    est_in, c_in = _pps(_as_float(inputs), spans_f, total_bytes)
    est_rows, _ = _pps(_as_float(rows) if rows is not None else np.ones(n), spans_f, total_bytes)
    low, high = est_in.interval(t)
    rlow, rhigh = est_rows.interval(t)
    out: dict[str, Any] = {}
    if outputs is not None:
        est_out, c_out = _pps(_as_float(outputs), spans_f, total_bytes)
        olow, ohigh = est_out.interval(t)
        out = {
            "output_tokens_estimate": round(est_out.estimate),
            "output_ci_low": olow,
            "output_ci_high": ohigh,
            "output_standard_error": est_out.standard_error,
            "covariance": _pps_cov(c_in, c_out),
        }
    estimate = round(est_in.estimate)
    return SampleEstimate(
        sample_rows=n,
        population_rows=round(est_rows.estimate),
        input_tokens_estimate=estimate,
        ci_low=low,
        ci_high=high,
        method=SPAN_METHOD,
        plain_ci_low=low,
        plain_ci_high=high,
        plain_estimate=estimate,
        standard_error=est_in.standard_error,
        t=t,
        rows_ci_low=rlow,
        rows_ci_high=rhigh,
        **out,
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
