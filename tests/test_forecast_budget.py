"""Forecasts a budget owner can use, checked by hand on the shipped price tables.

1,000 requests a day of 1,000 input + 100 output tokens: per request $0.001 x input price per
million + $0.0001 x output price per million.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

import estimator
from estimator import load_pricebook
from estimator.cli import main
from estimator.errors import UsageError
from estimator.planning import Volume, build_forecast, size_from, volume_from
from estimator.planning.forecast import ALL_BATCH, ALL_STANDARD
from estimator.usage import RequestSize

SIZE = RequestSize.per_request(1_000, 100)
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "reviews.csv"


def _cost(requests: int, input_per_mtok: str, output_per_mtok: str) -> Decimal:
    return requests * (1_000 * Decimal(input_per_mtok) + 100 * Decimal(output_per_mtok)) / 1_000_000


def test_mid_month_change_is_split_by_day() -> None:
    """gpt-4o, October 2024: 1 day at $5/$15, then 30 days at $2.50/$10 (from 2024-10-02)."""
    f = build_forecast(load_pricebook().model("gpt-4o"), Volume(1_000, "day", SIZE), [ALL_STANDARD],
                       start=dt.date(2024, 10, 1), horizon_months=1)
    month = f.plans[0].months[0]
    assert month.requests == 31_000
    assert month.cost == _cost(1_000, "5", "15") + _cost(30_000, "2.5", "10") == Decimal("111.5")
    assert month.price_entries == (dt.date(2024, 5, 13), dt.date(2024, 10, 2))


def test_announced_future_price_from_its_first_day() -> None:
    """gemini-4-argon: $2/$10 until 2026-11-30, then $4/$20 (announced); the batch rate follows the new entry."""
    f = build_forecast(load_pricebook().model("gemini-4-argon"), Volume(1_000, "day", SIZE), [ALL_STANDARD],
                       start=dt.date(2026, 11, 1), horizon_months=2, budget=Decimal(150))
    nov, dec = f.plans[0].months
    assert nov.cost == _cost(30_000, "2", "10") == Decimal(90)
    assert dec.cost == _cost(31_000, "4", "20") == Decimal(186)
    assert f.plans[0].first_month_over_budget == dt.date(2026, 12, 1)
    assert [c.effective_from for c in f.price_changes] == [dt.date(2026, 12, 1)]
    assert not nov.over_budget and dec.over_budget


def test_a_shutdown_stops_pricing_with_a_note() -> None:
    """claude-sonnet-4-20250514 shuts down on 2026-06-15: June is priced for 14 of its 30 days."""
    f = build_forecast(load_pricebook().model("claude-sonnet-4-20250514"), Volume(1_000, "day", SIZE),
                       [ALL_STANDARD, ALL_BATCH], start=dt.date(2026, 5, 1), horizon_months=3)
    may, june, july = f.plans[0].months
    assert may.cost == _cost(31_000, "3", "15")
    assert june.cost == _cost(14_000, "3", "15") and june.unpriced_requests == 16_000
    assert july.cost == 0 and july.unpriced_requests == 31_000
    assert f.plans[1].months[1].cost == _cost(14_000, "3", "15") / 2  # batch: half price
    assert f.shutdown_date == dt.date(2026, 6, 15)
    assert "shuts down on 2026-06-15" in f.notes[0] and "47,000 requests" in f.notes[0]
    assert "note: claude-sonnet-4-20250514 shuts down" in f.to_text()
    doc = f.to_json()
    assert doc["shutdown_date"] == "2026-06-15" and doc["rows"][1]["unpriced_requests"] == 16_000


def test_no_note_when_the_shutdown_is_after_the_horizon() -> None:
    f = build_forecast(load_pricebook().model("claude-sonnet-4-20250514"), Volume(1_000, "day", SIZE),
                       [ALL_STANDARD], start=dt.date(2026, 3, 1), horizon_months=3)
    assert f.notes == () and f.shutdown_date is None


@pytest.mark.parametrize(
    ("period", "requests", "expected"),
    [("once", 5_000, [5_000, 0, 0]), ("week", 700, [3_100, 2_800, 3_100]), ("month", 4_000, [4_000] * 3),
     ("day", 10, [310, 280, 310])],
    ids=["once", "weekly", "monthly", "daily"],
)
def test_schedules_on_the_calendar(period: str, requests: int, expected: list[int]) -> None:
    """January, February (28 days) and March 2025: a week is 7 calendar days."""
    f = build_forecast(load_pricebook().model("gpt-4o"), Volume(requests, period, SIZE), [ALL_STANDARD],
                       start=dt.date(2025, 1, 1), horizon_months=3)
    assert [m.requests for m in f.plans[0].months] == expected


def test_seeded_from_the_dataset() -> None:
    """A job run once costs what its estimate says; its tokens per request are the dataset's."""
    est = estimator.estimate(EXAMPLE, model="gpt-4o", column="review", output_tokens=50, as_of=dt.date(2025, 3, 1))
    size = size_from(est)
    assert size == RequestSize(Fraction(est.profile.input_tokens, est.profile.rows),
                               Fraction(est.profile.output_tokens, est.profile.rows))
    assert size_from(est.profile) == size
    once = build_forecast(est.priced.model, volume_from(est, "once"), [ALL_STANDARD, ALL_BATCH],
                          start=dt.date(2025, 3, 1), horizon_months=2)
    assert once.plans[0].months[0].cost == est.comparison.standard.total_cost
    assert once.plans[1].months[0].cost == est.comparison.modes["batch"].total_cost
    assert once.plans[0].months[1].cost == 0
    weekly = volume_from(est, "weekly")
    assert (weekly.requests, weekly.period) == (est.profile.rows, "week")
    with pytest.raises(UsageError):
        volume_from(est, "hourly")


def _cli(*args: str) -> dict:
    result = CliRunner().invoke(main, ["forecast", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_forecast_from_a_file_and_from_an_estimate(tmp_path: Path) -> None:
    est = CliRunner().invoke(main, ["estimate", str(EXAMPLE), "-m", "gpt-4o", "-c", "review",
                                    "--output-tokens", "50", "--as-of", "2025-03-01", "--json"])
    assert est.exit_code == 0, est.output
    saved = tmp_path / "est.json"
    saved.write_text(est.stdout)
    doc = json.loads(est.stdout)
    from_file = _cli(str(EXAMPLE), "-m", "gpt-4o", "-c", "review", "--output-tokens", "50",
                     "--schedule", "once", "--start", "2025-03", "--months", "1")
    from_json = _cli("--from-estimate", str(saved), "--schedule", "once", "--start", "2025-03", "--months", "1")
    for f in (from_file, from_json):
        assert f["model"] == "gpt-4o"
        assert f["rows"][0]["requests"] == doc["rows"]
        assert f["rows"][0]["cost"] == doc["modes"]["standard"]["total_cost"]
    daily = _cli("--from-estimate", str(saved), "--schedule", "daily", "--start", "2025-02", "--months", "1")
    assert daily["rows"][0]["requests"] == 28 * doc["rows"]


@pytest.mark.parametrize(
    ("args", "words"),
    [(["--schedule", "daily"], "--input-tokens-per-request"),
     ([str(EXAMPLE), "-m", "gpt-4o", "-c", "review"], "--schedule"),
     (["-m", "gpt-4o", "--input-tokens-per-request", "5", "--output-tokens-per-request", "5"], "--requests-per-day")],
    ids=["no-model", "no-schedule", "no-volume"],
)
def test_cli_forecast_says_what_is_missing(args: list[str], words: str) -> None:
    result = CliRunner().invoke(main, ["forecast", *args])
    assert result.exit_code != 0 and words in result.output
