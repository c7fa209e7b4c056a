"""The statistics of a pilot: how many rows to run in each stratum, what the rest of the job's
output will be, how sure that is, and when to stop.

Plain numpy on token counts; money enters only as the known part of the job's cost expressed in
output tokens (``known``: what is already certain, divided by the price of one output token), so
the same functions serve the library and the coverage simulation (tests/test_pilot_coverage.py).

**The estimator.** Rows are split into strata (input-length bins, times the values of a column
the user names). In stratum ``h`` of ``N_h`` rows, ``n_h`` have run, with billed output (answer
and reasoning, capped at ``max_tokens``: a capped answer bills the cap) of mean ``m_h`` and
variance ``s_h^2``. The output of the ``N_h - n_h`` rows not yet run is predicted as
``(N_h - n_h) m_h``, with prediction variance ``(N_h - n_h) N_h s_h^2 / n_h`` (the sampling error
of ``m_h`` plus the spread of the rows themselves; the classical stratified estimator with its
finite-population correction, Cochran, *Sampling Techniques*, 3rd ed., ch. 5). Rows that ran
count with their actual output, so the job's total is exact for them.

**The interval.** ``total - t * se`` to ``total + (t + (2t^2 + 1) g / 6) * se`` with Student's t on
Satterthwaite's degrees of freedom and ``g = G1 / sqrt(n)`` (Hall's correction of the t interval
for a skewed population, P. Hall, *Ann. Statist.* 1992: the upper end moves out by the skewness).
Heavy tails make this too narrow at small samples: a pilot that has not yet met the rare long
answers underestimates both the mean and the spread. Two guards, chosen by simulation (the
README gives the figures):

* a *tail allowance*: each stratum's variance is taken as if its longest answer seen had come
  twice more (``s_h^2 + 2 (max_h - m_h)^2 / n_h``, ``TAIL_WEIGHT``), which fades as ``1 / n_h``
  once the tail is well sampled;
* a *minimum size*: Cochran's rule for skewed populations, ``n >= 25 G1^2`` (G1 the skewness of
  the outputs about their stratum means, as seen, the allowance included; ibid. section 2.15),
  at least ``MIN_PER_STRATUM`` rows in every stratum and ``MIN_ROWS`` in all.

**The sizes.** For a half-width of ``E`` output tokens (the tolerance times the job's cost), the
smallest total ``n`` whose Neyman allocation (``n_h`` proportional to ``N_h S_h``) gives
``t * se <= PLAN_MARGIN * E``, found by bisection because the allowance makes the variance fall
faster than ``1 / n``; strata that already hold more than their share keep what they have. Before
any run ``S_h`` is the prior's spread (``estimator.counting.priors``), after one the spread seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from estimator.counting.sampling import t_quantile

MIN_PER_STRATUM = 10
"""Rows every stratum runs at least: fewer cannot show its spread."""
MIN_ROWS = 100
"""Rows a pilot runs at least, whatever the tolerance."""
COCHRAN_FACTOR = 25
"""Cochran's rule: the normal approximation holds for n > 25 G1^2."""
TAIL_WEIGHT = 2.0
"""The allowance: each stratum's variance as if its longest answer seen had come this many times more."""
PLAN_MARGIN = 0.9
"""Rounds are sized for 90% of the tolerance, so that the next check is not a coin toss."""


@dataclass(frozen=True)
class Observed:
    """What the rows that ran say, stratum by stratum (arrays of one value per stratum)."""

    population: np.ndarray  # N_h: rows of the dataset in the stratum
    run: np.ndarray  # n_h: rows that ran with a known usage
    total: np.ndarray  # their billed output tokens, summed
    mean: np.ndarray
    variance: np.ndarray  # sample variance (n - 1), 0 where fewer than 2 ran
    top: np.ndarray  # the longest output seen
    third: np.ndarray  # sum of cubed deviations from the stratum mean

    @property
    def strata(self) -> int:
        return len(self.population)

    @property
    def rest(self) -> np.ndarray:
        return self.population - self.run


def observe(population: np.ndarray, stratum: np.ndarray, output: np.ndarray) -> Observed:
    """Summaries per stratum of the outputs of the rows that ran (``stratum[i]`` of ``output[i]``)."""
    h = len(population)
    y = output.astype(np.float64)
    n = np.bincount(stratum, minlength=h).astype(np.int64)
    total = np.bincount(stratum, weights=y, minlength=h)
    safe = np.maximum(n, 1)
    mean = total / safe
    dev = y - mean[stratum]
    ss = np.bincount(stratum, weights=dev * dev, minlength=h)
    variance = np.where(n > 1, ss / np.maximum(n - 1, 1), 0.0)
    top = np.zeros(h)
    np.maximum.at(top, stratum, y)
    third = np.bincount(stratum, weights=dev**3, minlength=h)
    return Observed(np.asarray(population, dtype=np.int64), n, total, mean, variance, top, third)


def guarded_variance(o: Observed) -> np.ndarray:
    """Each stratum's variance with the tail allowance: as if its longest answer had come once more."""
    safe = np.maximum(o.run, 1)
    return o.variance + TAIL_WEIGHT * (o.top - o.mean) ** 2 / safe


@dataclass(frozen=True)
class RestEstimate:
    """The output tokens of the rows not yet run: the estimate, its standard error and the t quantile."""

    total: float
    se: float
    df: float
    t: float
    skew: float = 0.0  # G1 / sqrt(n): the skewness of the estimate itself, for the upper end

    @property
    def low_width(self) -> float:
        """From the estimate down to the interval's lower end."""
        return self.t * self.se

    @property
    def high_width(self) -> float:
        """From the estimate up to the interval's upper end: wider by Hall's skewness term, because a
        right-skewed output's mean is more often under- than overestimated by a pilot."""
        return (self.t + (2 * self.t**2 + 1) / 6 * max(self.skew, 0.0)) * self.se

    @property
    def half_width(self) -> float:
        """The wider side: what the tolerance is checked against."""
        return max(self.low_width, self.high_width)


def thin(o: Observed) -> np.ndarray:
    """Strata with rows left but fewer than 2 that ran: their own mean and spread mean nothing yet."""
    return (o.rest > 0) & (o.run < 2)


def borrowed(o: Observed) -> Observed:
    """``o`` with every thin stratum given the pooled mean, variance and longest answer of all rows
    that ran (a wider guess than its own 0 or 1 answers), so no stratum's rest is predicted as 0."""
    weak = thin(o)
    n = int(o.run.sum())
    if not weak.any() or n < 2:
        return o
    mean = float(o.total.sum()) / n
    ss = float((o.variance * np.maximum(o.run - 1, 0)).sum() + (o.run * (o.mean - mean) ** 2).sum())
    variance = ss / (n - 1)
    return Observed(o.population, o.run, o.total, np.where(weak, mean, o.mean),
                    np.where(weak, variance, o.variance), np.where(weak, float(o.top.max()), o.top), o.third)


def rest_estimate(o: Observed) -> RestEstimate:
    """The stratified estimate of the rows not yet run (a stratum with fewer than 2 rows run borrows
    the pooled figures, see ``borrowed``)."""
    o = borrowed(o)
    rest = o.rest.astype(np.float64)
    n = np.maximum(o.run, 1).astype(np.float64)
    v = guarded_variance(o)
    terms = rest * o.population * v / n
    variance = float(terms.sum())
    if variance <= 0:
        return RestEstimate(float((rest * o.mean).sum()), 0.0, math.inf, t_quantile(10**9))
    dof = np.maximum(o.run - 1, 1)
    df = variance**2 / float((terms**2 / dof).sum())
    skew = skewness(o) / math.sqrt(max(int(o.run.sum()), 1))
    return RestEstimate(float((rest * o.mean).sum()), math.sqrt(variance), df, t_quantile(int(df)), skew)


def skewness(o: Observed) -> float:
    """Fisher's G1 of the outputs about their stratum means, the tail allowance included."""
    n = int(o.run.sum())
    if n < 3:
        return 0.0
    extra = o.top - o.mean  # the allowance: the longest answer once more
    m2 = (float((o.variance * np.maximum(o.run - 1, 0)).sum()) + float((extra**2).sum())) / (n + o.strata)
    m3 = (float(o.third.sum()) + float((extra**3).sum())) / (n + o.strata)
    return m3 / m2**1.5 if m2 > 0 else 0.0


def minimum_rows(o: Observed | None, strata: int) -> int:
    """The fewest rows a pilot may stop at: Cochran's rule on the skewness seen, and the floors."""
    floor = max(MIN_ROWS, MIN_PER_STRATUM * strata)
    if o is None:
        return floor
    return max(floor, math.ceil(COCHRAN_FACTOR * skewness(o) ** 2))


def neyman_sizes(
    population: np.ndarray,
    spread: np.ndarray,
    tail: np.ndarray,
    have: np.ndarray,
    half_width: float,
    t: float,
    at_least: int,
    g1: float = 0.0,
) -> np.ndarray:
    """Rows to have run in each stratum so that ``t * se <= half_width`` (output tokens of the rest).

    ``spread`` is each stratum's standard deviation per row, ``tail`` the numerator of its
    allowance (``(max - mean)^2``; its variance is ``spread^2 + tail / n_h``). The total is the
    smallest that works (bisection), allocated in proportion to ``N_h S_h``, never below ``have``
    or ``MIN_PER_STRATUM`` (nor above ``N_h``), and at least ``at_least`` rows in all.
    """
    pop = population.astype(np.float64)
    weight = pop * np.maximum(spread, 1e-9)
    floor = np.minimum(population, np.maximum(have, MIN_PER_STRATUM))

    def allocate(total: int) -> np.ndarray:
        share = np.ceil(total * weight / weight.sum()) if weight.sum() > 0 else np.ceil(total * pop / pop.sum())
        return np.minimum(population, np.maximum(floor, share.astype(np.int64)))

    def fits(sizes: np.ndarray) -> bool:
        n = np.maximum(sizes, 1).astype(np.float64)
        v = spread**2 + tail / n
        se = math.sqrt(float(((pop - sizes) * pop * v / n).sum()))
        skew = max(g1, 0.0) / math.sqrt(max(int(sizes.sum()), 1))
        return (t + (2 * t**2 + 1) / 6 * skew) * se <= half_width

    everything = int(population.sum())
    low, high = int(floor.sum()), everything
    if fits(allocate(low)):
        high = low
    elif not fits(allocate(high)):
        return population.copy()
    while high - low > 1:
        mid = (low + high) // 2
        if fits(allocate(mid)):
            high = mid
        else:
            low = mid
    sizes = allocate(high)
    short = at_least - int(sizes.sum())
    if short > 0:  # the minimum size: the extra rows go where the spread is, as Neyman would put them
        sizes = allocate(int(sizes.sum()) + short)
    while (short := min(at_least, everything) - int(sizes.sum())) > 0:
        # strata of no spread seen may still hold the rows the minimum needs: by their room left
        room = (population - sizes).astype(np.float64)
        sizes = np.minimum(population, sizes + np.ceil(short * room / room.sum()).astype(np.int64))
    return sizes


@dataclass(frozen=True)
class Assessment:
    """Where a pilot stands after a round: the rest's output, the job's interval, and what next."""

    rest: RestEstimate
    known: float  # the job's certain part, in output tokens (actual cost so far + input of the rest)
    tolerance: float
    minimum: int  # rows the pilot must have run before it may stop
    targets: np.ndarray  # rows each stratum should have run after the next round (= run: stop)

    @property
    def expected(self) -> float:
        """The job's cost in output tokens: the known part plus the rest's expected output."""
        return self.known + self.rest.total

    @property
    def relative_half_width(self) -> float:
        return self.rest.half_width / self.expected if self.expected > 0 else 0.0

    @property
    def within(self) -> bool:
        return self.relative_half_width <= self.tolerance

    @property
    def stop(self) -> bool:
        """Enough is known: nothing more to run in any stratum."""
        return bool((self.targets <= self.run).all())

    run: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def assess(o: Observed, known: float, tolerance: float) -> Assessment:
    """Whether the 95% interval of the job is within ``tolerance`` of its estimate, and if not, how
    many rows each stratum should have run after the next round.

    ``known`` is the certain part of the job's cost in output tokens. A pilot may stop only once it
    holds the minimum (``minimum_rows``) and its interval is within the tolerance.
    """
    rest = rest_estimate(o)
    minimum = minimum_rows(o, o.strata)
    a = Assessment(rest, known, tolerance, minimum, o.run.copy(), o.run.copy())
    if a.within and int(o.run.sum()) >= minimum and not thin(o).any():
        return a
    b = borrowed(o)
    spread = np.sqrt(b.variance)
    tail = (b.top - b.mean) ** 2
    targets = neyman_sizes(o.population, spread, tail, o.run, PLAN_MARGIN * tolerance * a.expected,
                           rest.t, minimum, skewness(o))
    if int(targets.sum()) <= int(o.run.sum()) and int(o.rest.sum()) > 0:
        # The sizes say enough, the interval says not yet (the t quantile or the allowance moved):
        # every stratum grows by the factor a variance falling as 1 / n would need, at least a tenth.
        factor = max(1.1, (a.relative_half_width / (PLAN_MARGIN * tolerance)) ** 2) if tolerance > 0 else 2.0
        targets = np.minimum(o.population, np.maximum(o.run + 1, np.ceil(o.run * factor).astype(np.int64)))
    return Assessment(rest, known, tolerance, minimum, np.maximum(targets, o.run), o.run.copy())


def first_sizes(population: np.ndarray, spread: np.ndarray, known: float, expected_rest: float,
                tolerance: float) -> np.ndarray:
    """The first round's rows per stratum, from the prior's spread per row and expected output:
    the Neyman sizes for the tolerance, and the minimum."""
    minimum = minimum_rows(None, len(population))
    half = PLAN_MARGIN * tolerance * (known + expected_rest)
    return neyman_sizes(population, spread, np.zeros(len(population)), np.zeros(len(population), np.int64),
                        half, t_quantile(max(1, minimum - 1)), minimum)
