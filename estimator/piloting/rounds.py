"""Which rows a pilot round runs: strata of the dataset, a fixed random order within each, and the
step from what has run to the next round. Pure numpy on token counts, shared by the library
(``estimator.piloting.pilot``) and the coverage simulation (tests/test_pilot_coverage.py).

Rows are put in one random order, fixed by a seed, before the first round; a round takes, in each
stratum, the next rows of that order that have not run (nor been chosen before). Rows that ran are
never chosen again, so a row is billed once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimator.piloting.design import Assessment, Observed, assess, first_sizes, observe

LENGTH_BINS = 4
"""Input-length strata: quartiles of the rows' input tokens (fewer where lengths repeat)."""


@dataclass(frozen=True)
class Strata:
    """Each row's stratum (``index``), each stratum's rows (``population``) and a label per stratum."""

    index: np.ndarray
    population: np.ndarray
    labels: tuple[str, ...]
    edges: tuple[int, ...]  # input-token bin edges (the upper bounds but the last)

    @property
    def count(self) -> int:
        return len(self.population)


def length_edges(tokens: np.ndarray, bins: int = LENGTH_BINS) -> tuple[int, ...]:
    """Input-token cut points splitting the rows into up to ``bins`` groups of about equal size."""
    if len(tokens) == 0 or bins <= 1:
        return ()
    qs = np.quantile(tokens, np.linspace(0, 1, bins + 1)[1:-1], method="lower")
    return tuple(sorted({int(q) for q in qs if q < tokens.max()}))


def stratify(tokens: np.ndarray, groups: np.ndarray | None = None, group_names: tuple[str, ...] = (),
             bins: int = LENGTH_BINS) -> Strata:
    """Strata by input length (bins cut at the quantiles) within each value of a user's column
    (``groups``: an integer code per row, ``group_names`` the values); empty strata are dropped."""
    edges = length_edges(tokens, bins)
    length_bin = np.searchsorted(np.asarray(edges, dtype=np.int64), tokens, side="left")
    nbins = len(edges) + 1
    code = length_bin if groups is None else groups.astype(np.int64) * nbins + length_bin
    used, index = np.unique(code, return_inverse=True)
    population = np.bincount(index, minlength=len(used)).astype(np.int64)
    bounds = [0, *[e + 1 for e in edges]]
    labels = []
    for c in used.tolist():
        b = c % nbins
        span = f"input {bounds[b]:,}+ tokens" if b == nbins - 1 else f"input {bounds[b]:,}-{edges[b]:,} tokens"
        labels.append(span if groups is None else f"{group_names[c // nbins]} / {span}")
    return Strata(index.astype(np.int64), population, tuple(labels), edges)


def random_rank(rows: int, seed: int) -> np.ndarray:
    """Each row's place in the fixed random order of the pilot."""
    rank = np.empty(rows, dtype=np.int64)
    rank[np.random.default_rng(seed).permutation(rows)] = np.arange(rows)
    return rank


def pick(strata: Strata, rank: np.ndarray, taken: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Rows (indices, ascending) that bring each stratum up to ``targets`` rows taken, the next ones in
    the random order; ``taken`` marks rows already run or chosen (never chosen again)."""
    have = np.bincount(strata.index[taken], minlength=strata.count)
    want = np.maximum(targets - have, 0)
    free = np.flatnonzero(~taken)
    if len(free) == 0 or not want.any():
        return np.zeros(0, dtype=np.int64)
    order = free[np.lexsort((rank[free], strata.index[free]))]  # by stratum, then random order
    s = strata.index[order]
    starts = np.searchsorted(s, np.arange(strata.count), side="left")
    place = np.arange(len(order)) - starts[s]
    return np.sort(order[place < want[s]])


def first_targets(strata: Strata, spread: float, expected: float, known: float, tolerance: float) -> np.ndarray:
    """Rows per stratum of the first round, from the prior's spread and mean output per request."""
    rows = float(strata.population.sum())
    return first_sizes(strata.population, np.full(strata.count, max(spread, 1e-9)), known, rows * expected,
                       tolerance)


def step(strata: Strata, ran: np.ndarray, output: np.ndarray, known: float,
         tolerance: float) -> tuple[Observed, Assessment]:
    """Where the pilot stands after the rows ``ran`` (indices) billed ``output`` tokens each."""
    o = observe(strata.population, strata.index[ran], output)
    return o, assess(o, known, tolerance)
