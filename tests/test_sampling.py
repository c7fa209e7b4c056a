"""Sampled estimates: the 95% intervals must hold their promise."""

from __future__ import annotations

import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from estimator.counting.sampling import Reservoir, estimate_from_sample, plain_estimate, ratio_estimate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_dataset import rows as generated_rows


@pytest.fixture(scope="module")
def population() -> tuple[np.ndarray, np.ndarray]:
    """20,000 realistic rows: (tokens, UTF-8 bytes) per row."""
    from estimator.tokens import get_tokenizer

    texts = [text for _, text, _, _ in generated_rows(20_000, seed=7)]
    tok = get_tokenizer("o200k_base")
    y = np.asarray(tok.count_batch(texts), dtype=np.int64)
    x = np.array([len(t.encode()) for t in texts], dtype=np.int64)
    return y, x


def _draw(n: int, population_size: int, seed: int) -> np.ndarray:
    res = Reservoir(n, seed)
    idx = np.arange(population_size)
    for start in range(0, population_size, 7_000):  # batches, as the reader delivers them
        res.offer(idx[start : start + 7_000])
    return np.array(res.items)


def test_interval_coverage_is_about_95_percent(population: tuple[np.ndarray, np.ndarray]) -> None:
    y, x = population
    truth = int(y.sum())
    n_pop, n, reps = len(y), 300, 400
    hits = plain_hits = 0
    widths, plain_widths = [], []
    for seed in range(reps):
        pick = _draw(n, n_pop, seed)
        est = estimate_from_sample(y[pick], x[pick], int(x.sum()), n_pop)
        hits += est.ci_low <= truth <= est.ci_high
        plain_hits += est.plain_ci_low <= truth <= est.plain_ci_high
        widths.append(est.ci_high - est.ci_low)
        plain_widths.append(est.plain_ci_high - est.plain_ci_low)
    rate, plain_rate = hits / reps, plain_hits / reps
    print(
        f"\nratio CI coverage {rate:.1%}, plain CI coverage {plain_rate:.1%} over {reps} samples of {n}; "
        f"mean widths {np.mean(widths):,.0f} vs {np.mean(plain_widths):,.0f} tokens (truth {truth:,})"
    )
    assert rate >= 0.91
    assert rate <= 0.99  # not absurdly conservative either
    assert np.mean(widths) < np.mean(plain_widths)


def test_ten_thousand_rows_give_a_tight_interval(population: tuple[np.ndarray, np.ndarray]) -> None:
    y, x = population
    big = 1_000_000  # a million-row file: what the interval is for
    pick = _draw(10_000, len(y), seed=1)
    est = estimate_from_sample(y[pick], x[pick], int(x[pick].sum()) * big // 10_000, big)
    print(
        f"\n10,000 of 1,000,000 rows: ratio CI +-{est.relative_half_width:.3%}, "
        f"plain CI +-{est.plain_relative_half_width:.3%}"
    )
    assert 0.0005 < est.relative_half_width < 0.006
    assert est.plain_relative_half_width > 2 * est.relative_half_width


def test_exact_when_the_sample_is_the_population(population: tuple[np.ndarray, np.ndarray]) -> None:
    y, x = population
    est = estimate_from_sample(y, x, int(x.sum()), len(y), per_row_constant=7)
    total = int(y.sum()) + 7 * len(y)
    assert est.ci_low == est.ci_high == est.input_tokens_estimate == total
    assert est.plain_ci_low == est.plain_ci_high == total


def test_per_row_constant_shifts_the_interval_exactly() -> None:
    y, x = np.array([10, 20, 30, 40]), np.array([40, 90, 120, 170])
    a = estimate_from_sample(y, x, 4200, 100)
    b = estimate_from_sample(y, x, 4200, 100, per_row_constant=11)
    assert (
        b.ci_low - a.ci_low,
        b.ci_high - a.ci_high,
        b.input_tokens_estimate - a.input_tokens_estimate,
    ) == (1100, 1100, 1100)


def test_ratio_estimator_is_exact_for_proportional_rows() -> None:
    x = np.array([100, 250, 40, 75])
    t = ratio_estimate(x // 5, x, 10_000, 200)
    assert t.estimate == 2_000 and t.standard_error == 0


def test_plain_estimator_matches_textbook_formula() -> None:
    y = np.array([3, 7, 8, 12, 20])
    t = plain_estimate(y, 50)
    s2 = np.var(y, ddof=1)
    assert t.estimate == pytest.approx(50 * y.mean())
    assert t.standard_error == pytest.approx(50 * np.sqrt((1 - 5 / 50) * s2 / 5))


@pytest.mark.parametrize(
    ("size", "batches"),
    [(1, (10,)), (3, (1, 1, 1, 7)), (5, (2, 9, 4))],
    ids=["one-slot", "tiny-batches", "mixed-batches"],
)
def test_reservoir_is_uniform(size: int, batches: tuple[int, ...]) -> None:
    total = sum(batches)
    seen: Counter[int] = Counter()
    reps = 4_000
    for seed in range(reps):
        res = Reservoir(size, seed)
        start = 0
        for b in batches:
            res.offer(list(range(start, start + b)))
            start += b
        assert len(set(res.items)) == size
        seen.update(res.items)  # type: ignore[arg-type]
    expected = reps * size / total
    assert set(seen) == set(range(total))
    assert all(abs(c - expected) < 5 * np.sqrt(expected) for c in seen.values()), seen


def test_reservoir_keeps_everything_from_a_short_stream() -> None:
    res = Reservoir(10, 0)
    res.offer(["a", "b"])
    res.offer(["c"])
    assert res.items == ["a", "b", "c"] and res.seen == 3


def test_interval_bounds_are_ints_and_ordered() -> None:
    est = estimate_from_sample([5, 9, 30], [20, 41, 140], 10_000, 60)
    assert all(isinstance(v, int) for v in (est.ci_low, est.ci_high, est.plain_ci_low, est.plain_ci_high))
    assert est.ci_low <= est.input_tokens_estimate <= est.ci_high
    assert Decimal(est.ci_low) >= 0
