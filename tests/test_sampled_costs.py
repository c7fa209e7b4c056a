"""Sampled estimates: the cost interval holds the exact cost for every output option.

The rows are 2,000 realistic requests (benchmarks/make_dataset.py). For each
seed, a uniform sample is drawn the way ``sample_pass`` draws it (a seeded
reservoir over batches), the totals are estimated with
``estimate_from_sample`` and every mode's cost range comes from
``estimator.report.intervals.cost_bounds``, exactly as ``estimate --sample``
builds them; the exact cost is the one of counting every row.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import estimator
from estimator import EstimateOptions
from estimator.counting import CountOptions, OutputSpec
from estimator.counting.sampling import Reservoir, estimate_from_sample, t_quantile
from estimator.modes import compare
from estimator.report.intervals import cost_bounds
from estimator.usage import Usage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_dataset import rows as generated_rows

DAY = dt.date(2025, 6, 1)
ROWS = 2_000
SEEDS = 200
RATIO = Decimal("0.3")


@pytest.fixture(scope="module")
def job() -> dict[str, object]:
    """The per-row arrays of the rows, counted exactly once."""
    from estimator.tokens import get_tokenizer

    data = list(generated_rows(ROWS, seed=11))
    texts = [t for _, t, _, _ in data]
    answers = [t[: len(t) // 3] for t in reversed(texts)]  # example answers, unrelated in length to the request
    tok = get_tokenizer("o200k_base")
    frame = pd.DataFrame({"text": texts, "answer": answers, "out": [int(o) for _, _, _, o in data]})
    exact = estimator.estimate(frame, model="gpt-4o", column="text", output_tokens=50, as_of=DAY)
    framing = exact.profile.framing_tokens
    y = np.asarray(tok.count_batch(texts), dtype=np.int64)
    assert int(y.sum()) + framing * ROWS == exact.profile.input_tokens
    return {
        "profile": exact.profile,
        "price": exact.priced.price,
        "framing": framing,
        "y": y,
        "x": np.array([len(t.encode()) for t in texts], dtype=np.int64),
        "outputs": {
            "fixed": (np.full(ROWS, 50), False),
            "column": (frame["out"].to_numpy(), False),
            "examples": (np.asarray(tok.count_batch(answers), dtype=np.int64), True),
            "ratio": (np.ceil(float(RATIO) * (y + framing)).astype(np.int64), True),
            "max_tokens": (np.full(ROWS, 200), False),
        },
    }


def _draw(n: int, seed: int) -> np.ndarray:
    res = Reservoir(n, seed)
    idx = np.arange(ROWS)
    for start in range(0, ROWS, 700):  # batches, as the reader delivers them
        res.offer(idx[start : start + 700])
    return np.array(res.items)


@pytest.mark.parametrize("n", [30, 300], ids=["n30", "n300"])
@pytest.mark.parametrize("option", ["fixed", "column", "examples", "ratio", "max_tokens"])
def test_cost_interval_coverage(job: dict, option: str, n: int) -> None:
    y, x, framing, price = job["y"], job["x"], job["framing"], job["price"]
    out, sampled_output = job["outputs"][option]
    truth = compare(Usage(ROWS, int(y.sum()) + framing * ROWS, int(out.sum())), price)
    hits = {"standard": 0, "batch": 0}
    for seed in range(SEEDS):
        pick = _draw(n, seed)
        est = estimate_from_sample(y[pick], x[pick], int(x.sum()), ROWS, per_row_constant=framing,
                                   outputs=out[pick] if sampled_output else None)
        profile = replace(
            job["profile"],
            input_tokens=est.input_tokens_estimate,
            output_tokens=est.output_tokens_estimate if sampled_output else int(out.sum()),
            output_tokens_worst=None,
            output_counts=(),
            sample=est,
        )
        bounds = cost_bounds(profile, price)
        assert bounds is not None
        low, high = bounds
        for mode in hits:
            hits[mode] += low.modes[mode].total_cost <= truth.modes[mode].total_cost <= high.modes[mode].total_cost
    rates = {m: h / SEEDS for m, h in hits.items()}
    print(f"\n{option}, {n} of {ROWS} rows: coverage {rates}")
    assert min(rates.values()) >= 0.93
    assert max(rates.values()) <= 0.995  # honest, not absurdly wide


def test_output_uncertainty_widens_the_cost_interval(job: dict) -> None:
    """With example answers the output total is estimated too: the cost range is wider than the input's alone."""
    y, x, framing, price = job["y"], job["x"], job["framing"], job["price"]
    out, _ = job["outputs"]["examples"]
    pick = _draw(30, 1)
    with_out = estimate_from_sample(y[pick], x[pick], int(x.sum()), ROWS, per_row_constant=framing, outputs=out[pick])
    without = replace(with_out, output_tokens_estimate=None, output_standard_error=0.0, covariance=0.0)
    assert with_out.output_ci_low < with_out.output_tokens_estimate < with_out.output_ci_high
    base = replace(job["profile"], output_tokens=with_out.output_tokens_estimate, output_tokens_worst=None)
    wide = cost_bounds(replace(base, sample=with_out), price)
    narrow = cost_bounds(replace(base, sample=without), price)
    assert wide is not None and narrow is not None

    def width(b: tuple) -> Decimal:
        return b[1].standard.total_cost - b[0].standard.total_cost

    assert width(wide) > width(narrow) > 0


def test_cost_interval_by_hand() -> None:
    """cost +- t sqrt(a^2 V_in + b^2 V_out + 2ab C), a and b the prices per token."""
    y = np.array([10, 20, 30, 45])
    x = np.array([40, 90, 120, 170])
    o = np.array([5, 4, 9, 12])
    est = estimate_from_sample(y, x, 4_200, 100, outputs=o)
    # jackknife by hand: leave-one-out ratio totals, centred, times (1 - n/N)(n - 1)/n
    reps_y = np.array([4_200 * (y.sum() - y[i]) / (x.sum() - x[i]) for i in range(4)])
    reps_o = np.array([4_200 * (o.sum() - o[i]) / (x.sum() - x[i]) for i in range(4)])
    k = (1 - 4 / 100) * 3 / 4
    v_in = k * ((reps_y - reps_y.mean()) ** 2).sum()
    v_out = k * ((reps_o - reps_o.mean()) ** 2).sum()
    cov = k * ((reps_y - reps_y.mean()) * (reps_o - reps_o.mean())).sum()
    assert est.standard_error == pytest.approx(math.sqrt(v_in))
    assert est.output_standard_error == pytest.approx(math.sqrt(v_out))
    assert est.covariance == pytest.approx(cov)
    assert est.t == pytest.approx(3.1824)  # Student t, 3 degrees of freedom
    a, b = 2.5e-6, 10e-6  # gpt-4o: $2.50 and $10 per million tokens
    assert est.cost_half_width(a, b) == pytest.approx(3.1824 * math.sqrt(a * a * v_in + b * b * v_out + 2 * a * b * cov))


@pytest.mark.parametrize(("df", "expected"), [(1, 12.706), (9, 2.262), (29, 2.045), (299, 1.968), (10_000, 1.960)])
def test_t_quantiles(df: int, expected: float) -> None:
    assert t_quantile(df) == pytest.approx(expected, abs=0.002)


def test_sampled_estimate_reports_output_interval_and_cost_ranges(job: dict) -> None:
    """End to end: ``estimate --sample`` with example answers gives both intervals in its JSON."""
    frame = pd.DataFrame({"text": [f"row {i} " + "word " * (i % 40) for i in range(500)],
                          "answer": ["yes " * (i % 13 + 1) for i in range(500)]})
    e = estimator.estimate(frame, model="gpt-4o", column="text", as_of=DAY,
                           options=EstimateOptions(output=OutputSpec(examples_column="answer"),
                                                   count=CountOptions(sample_rows=40, seed=3)))
    doc = e.as_dict()
    lo, hi = doc["sample"]["output_tokens_ci95"]
    assert lo < e.profile.output_tokens < hi
    for name, (low, high) in doc["total_cost_range"]["modes"].items():
        assert low < doc["modes"][name]["total_cost"] < high
    assert doc["sample"]["total_cost_ci95"] == doc["total_cost_range"]["modes"]
    assert "input and output" in doc["total_cost_range"]["basis"]
    assert "output tokens 95% CI" in e.to_text()


def test_approximate_counts_carry_their_calibration_into_every_cost() -> None:
    """A Gemini estimate (approximate tokenizer) gives each mode's cost at -u and +u of the counted tokens."""
    frame = pd.DataFrame({"text": [f"Summarise ticket {i}: the kettle stopped working." for i in range(50)]})
    # thinking off (a budget of 0): the range is the calibration interval alone
    e = estimator.estimate(frame, model="gemini-2.5-flash", column="text", as_of=dt.date(2025, 9, 1),
                           options=EstimateOptions(output=OutputSpec(ratio=RATIO, reasoning_effort="none")))
    u = Decimal(str(e.profile.relative_uncertainty))
    assert u > 0 and e.profile.output_counted
    doc = e.as_dict()
    price = e.priced.price
    low_in = int((Decimal(e.profile.input_tokens) * (1 - u)).to_integral_value(rounding="ROUND_FLOOR"))
    low_out = int((Decimal(e.profile.output_tokens) * (1 - u)).to_integral_value(rounding="ROUND_FLOOR"))
    by_hand = (low_in * price.input_per_mtok + low_out * price.output_per_mtok) / 1_000_000
    assert doc["total_cost_range"]["modes"]["standard"][0] == by_hand
    assert set(doc["total_cost_range"]["modes"]) == set(doc["modes"])
    assert "calibration" in doc["total_cost_range"]["basis"]
    assert "total cost range" in e.to_text()
