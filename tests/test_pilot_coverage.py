"""Honest coverage, measured: pilots drawn from datasets whose every output length is known.

Each pilot runs the library's own rounds (``estimator.piloting.rounds``: strata, the first round
from a prior, then ``step`` after each round) until it stops, and its final 95% interval of the
job's cost is checked against the true cost. Three kinds of job, 20,000 rows each:

* heavy-tailed: lognormal answers (sigma 1.3, growing with input length), no cap;
* capped: lognormal answers (median 600) cut at max_tokens 1,000 (about 30% hit the cap);
* reasoning-dominated: a short answer plus lognormal reasoning (median 2,500, sigma 1.1) under a
  20,000 cap, against a prior that expects 300 tokens (far too low).

Cost is in output-token units (input at a quarter of the output price, as gpt-4o-mini). The
stated bound: every pilot stops within MAX_ROUNDS rounds. Seeds are fixed; it runs in a few seconds.
"""

from __future__ import annotations

import numpy as np
import pytest

from estimator.piloting.rounds import first_targets, pick, random_rank, step, stratify

ROWS = 20_000
PILOTS = 200
TOLERANCE = 0.05
INPUT_SHARE = 0.25  # price of an input token / price of an output token
MAX_ROUNDS = 6
"""The stated bound: a pilot stops (inside the tolerance, or with every row run) by this round."""
PRIOR = (300.0, 300.0)  # mean and spread per request: the answer prior, no reasoning


def dataset(kind: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    g = np.random.default_rng(seed)
    x = np.maximum(5, g.lognormal(5.5, 0.8, ROWS)).astype(np.int64)
    if kind == "heavy":
        y = g.lognormal(np.log(250) + 0.2 * (np.log(x) - 5.5), 1.3, ROWS)
    elif kind == "capped":
        y = np.minimum(g.lognormal(np.log(600), 0.9, ROWS), 1000)
    else:
        y = np.minimum(g.lognormal(np.log(200), 0.6, ROWS) + g.lognormal(np.log(2500), 1.1, ROWS), 20_000)
    return x, np.ceil(y).astype(np.int64)


def one_pilot(kind: str, seed: int) -> tuple[bool, int, int]:
    """(the final interval covers the true cost, rounds run, rows run)."""
    x, y = dataset(kind, seed)
    strata = stratify(x)
    rank = random_rank(ROWS, seed)
    taken = np.zeros(ROWS, dtype=bool)
    base = INPUT_SHARE * float(x.sum())
    targets = first_targets(strata, PRIOR[1], PRIOR[0], base, TOLERANCE)
    rounds = 0
    while True:
        rounds += 1
        taken[pick(strata, rank, taken, targets)] = True
        ran = np.flatnonzero(taken)
        _, a = step(strata, ran, y[ran], base + float(y[ran].sum()), TOLERANCE)
        if a.stop:
            break
        targets = a.targets
    truth = base + float(y.sum())
    covered = a.expected - a.rest.low_width <= truth <= a.expected + a.rest.high_width
    return covered, rounds, int(taken.sum())


@pytest.mark.parametrize("kind", ["heavy", "capped", "reasoning"])
def test_final_interval_covers_the_true_cost_and_the_pilot_stops_in_time(kind: str) -> None:
    runs = [one_pilot(kind, 1_000 + i) for i in range(PILOTS)]
    coverage = sum(c for c, _, _ in runs) / PILOTS
    rounds = max(r for _, r, _ in runs)
    assert coverage >= 0.93, f"{kind}: coverage {coverage:.3f}"
    assert rounds <= MAX_ROUNDS, f"{kind}: a pilot took {rounds} rounds"
