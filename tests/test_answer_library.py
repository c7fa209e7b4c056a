"""The library behind the answer a person sees: which models are current on a day, the frontier shown
before the stakes are known, what a recommendation beat, several models on one counted dataset, what a
budget buys by a deadline, and the one-page summary (in Python and from the command line)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import estimator
from estimator import JobSize, PlanOptions
from estimator.cli import main
from estimator.errors import UsageError, render
from estimator.money import format_usd, shown_difference
from estimator.planning import DeadlinePreset, approval_summary, what_fits
from estimator.planning.decision import DEADLINE_PRESETS, deadline_preset
from estimator.pricing import default_model, load_pricebook, models_on
from estimator.pricing.lifecycle import standing
from estimator.report import compare_models

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BOOK = load_pricebook()
DAY = dt.date(2026, 12, 5)


# --------------------------------------------------------------------------
# Models a person can trust
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "day", "state", "badge"),
    [
        ("gpt-4o", dt.date(2026, 12, 5), "retiring", "retiring 2027-01-14"),
        ("gpt-4o", dt.date(2027, 1, 14), "retired", "retired 2027-01-14"),
        ("claude-3-5-haiku-20241022", dt.date(2026, 12, 5), "retired", "retired 2026-02-19"),
        ("gpt-5.4-mini", dt.date(2026, 12, 5), "current", ""),
        ("gpt-5.4-mini", dt.date(2025, 1, 1), "upcoming", "from 2026-03-17"),
    ],
    ids=["announced-shutdown", "from-the-shutdown-day", "long-gone", "current", "not-launched"],
)
def test_a_models_standing_on_a_day(model: str, day: dt.date, state: str, badge: str) -> None:
    s = standing(BOOK.model(model), day)
    assert (s.state, s.badge) == (state, badge)
    assert s.usable == (state in ("current", "retiring"))


def test_current_models_first_retired_ones_only_when_asked() -> None:
    anthropic = BOOK.provider("anthropic").models
    shown = models_on(anthropic, DAY)
    states = [s.state for s in shown]
    assert "retired" not in states and states == sorted(states, key=["current", "retiring"].index)
    everything = models_on(anthropic, DAY, retired=True)
    assert {s.model.id for s in everything} - {s.model.id for s in shown} == {
        m.id for m in anthropic if m.shutdown_date is not None and m.shutdown_date <= DAY}
    assert "claude-3-5-haiku-20241022" in {s.model.id for s in everything}


def test_the_default_is_current_never_a_retired_one() -> None:
    for provider in BOOK.providers:
        m = default_model(provider.models, DAY)
        assert standing(m, DAY).state == "current" and m.kind == "chat", provider.id
    # The first of the preferred that is current on the day; a retired preference is passed over.
    openai = BOOK.provider("openai").models
    assert default_model(openai, DAY, ("gpt-4", "gpt-5.4-mini")).id == "gpt-5.4-mini"
    assert default_model(openai, dt.date(2024, 6, 1), ("gpt-5.4-mini",)).id != "gpt-5.4-mini"


def test_the_app_starts_from_a_current_model() -> None:
    from apptest_helpers import APP_MODEL

    from estimator.convert import today

    assert standing(BOOK.model(APP_MODEL), today()).state == "current"


# --------------------------------------------------------------------------
# Ask before assuming: the frontier, what a recommendation beat
# --------------------------------------------------------------------------

JOB = JobSize(100_000, 30, 50)


def plan(**options: object) -> estimator.JobPlan:
    return estimator.plan(model="gpt-4o", size=JOB, as_of=DAY, options=PlanOptions(**options))  # type: ignore[arg-type]


def test_without_stakes_the_frontier_is_the_cheapest_the_fastest_and_standard() -> None:
    d = plan().decision
    assert d.assumed_value
    roles = {r: p.way for p in d.frontier for r in p.roles}
    assert roles["cheapest"] == d.cheapest and roles["fastest"] == d.fastest
    assert roles["standard"].name == "standard"
    assert len({p.way.name for p in d.frontier}) == len(d.frontier)  # each way once
    assert [p["name"] for p in d.as_dict()["frontier"]] == [p.way.name for p in d.frontier]


def test_a_way_in_two_roles_is_one_point() -> None:
    d = estimator.plan(model="gpt-4o", size=JobSize(10, 30, 50), as_of=DAY,
                       options=PlanOptions(tiers=estimator.planning.TierParams(excluded_tiers=("priority",)))).decision
    points = {p.way.name: p for p in d.frontier}
    if d.fastest.name == "standard":
        assert points["standard"].roles[-1] == "standard" and "fastest" in points["standard"].roles
        assert points["standard"].heading.startswith("Standard, also the")


def test_every_recommendation_names_what_it_beat_and_its_price() -> None:
    d = plan(value_per_hour=50).decision
    assert d.runner_up is not None and d.runner_up is not d.recommended
    assert d.versus.startswith(f"It beat {d.runner_up.name}: {format_usd(d.runner_up.cost)} in ")
    deadline = plan(deadline_hours=24).decision
    assert deadline.recommended.name == "batch"
    other = deadline.runner_up
    assert other is not None and other.name == "standard"
    more = format_usd(shown_difference(other.cost, deadline.recommended.cost))
    assert deadline.versus == f"It beat standard: {format_usd(other.cost)} in 5.6 h, {more} more."
    hopeless = plan(deadline_hours=1).decision
    assert "nothing meets the 1 h deadline, so the fastest is chosen" in hopeless.versus


def test_deadline_presets_mean_hours() -> None:
    assert [(p.key, p.hours) for p in DEADLINE_PRESETS] == [("today", 8), ("tomorrow", 24), ("week", 168)]
    assert isinstance(deadline_preset("tomorrow"), DeadlinePreset)
    with pytest.raises(UsageError, match="no deadline preset 'someday'"):
        deadline_preset("someday")


def test_batch_pays_below_the_value_where_the_choice_flips() -> None:
    """The hourly value the page quotes is where standard against batch changes on the plan's own model."""
    bt = plan().decision.batch
    assert bt is not None and bt.pays_below_value_per_hour is not None
    assert bt.savings_as_shown == shown_difference(bt.standard_cost, bt.batch_cost)
    below = bt.pays_below_value_per_hour * Decimal("0.99")
    above = bt.pays_below_value_per_hour * Decimal("1.01")
    assert plan(value_per_hour=below).decision.batch.net_benefit > 0  # type: ignore[union-attr,operator]
    assert plan(value_per_hour=above).decision.batch.net_benefit < 0  # type: ignore[union-attr,operator]
    assert "waiting pays while an hour of waiting is worth less than" in bt.wait_text()


# --------------------------------------------------------------------------
# Beyond one model
# --------------------------------------------------------------------------


def reviews(model: str) -> estimator.Estimate:
    return estimator.estimate(EXAMPLES / "reviews.csv", model=model, column="review", output_tokens=50, as_of=DAY)


def test_several_models_on_one_count_recounting_only_another_tokenizer() -> None:
    base = reviews("gpt-5.4-mini")
    recounted: list[str] = []

    def recount(model: str) -> estimator.Estimate:
        recounted.append(model)
        return reviews(model)

    cmp = compare_models(base, ["gpt-4o-mini", "gpt-4", "claude-haiku-4-5", "gpt-5.4-mini"], recount=recount)
    ids = [m.model.id for m in cmp.models]
    assert ids == ["gpt-5.4-mini", "gpt-4o-mini", "gpt-4", "claude-haiku-4-5-20251001"]
    assert recounted == ["gpt-4", "claude-haiku-4-5-20251001"]  # cl100k and ctok; gpt-4o-mini shares o200k
    for m in cmp.models:  # priced as estimating that model directly would price it
        direct = reviews(m.model.id)
        assert {n: c.total_cost for n, c in m.estimate.comparison.modes.items()} == \
            {n: c.total_cost for n, c in direct.comparison.modes.items()}
    row = {r["model"]: r for r in cmp.table()}
    assert row["gpt-4o-mini"]["counted_again"] is False and row["gpt-4"]["counted_again"] is True
    assert row["gpt-4"]["flex"] is None  # a tier the model does not offer
    assert cmp.cheapest() is not None

    without = compare_models(base, ["gpt-4o-mini", "gpt-4", "no-such-model-x"])
    assert [m.model.id for m in without.models] == ["gpt-5.4-mini", "gpt-4o-mini"]
    assert [name for name, _ in without.not_compared] == ["gpt-4", "no-such-model-x"]
    assert "counted again (give recount=)" in render(dict(without.not_compared)["gpt-4"])


def test_what_a_budget_buys_by_a_deadline() -> None:
    ests = [reviews("gpt-5.4-mini"), reviews("gpt-4o")]
    fits = what_fits(ests, "1", deadline_hours=8)
    assert fits.whole and all(f.cost <= 1 and f.hours <= 8 for f in fits.whole)
    assert [f.cost for f in fits.whole] == sorted(f.cost for f in fits.whole)
    assert "batch" not in {f.way for f in fits.whole}  # 24 h in the worst case
    assert fits.best == fits.whole[0]
    # A budget for part of the job: the most rows that fit, and one more would not.
    standard = next(w for w in estimator.plan(ests[1]).decision.ways if w.name == "standard")
    part = what_fits([ests[1]], standard.cost / 2, deadline_hours=8)
    f = next(f for f in part.fits if f.way == "standard")
    assert not f.whole and 0 < f.rows < f.of_rows and f.cost <= standard.cost / 2
    per_row = standard.cost / f.of_rows
    assert f.cost + per_row > standard.cost / 2  # one more row would not fit
    assert what_fits(ests, 0).fits == ()


# --------------------------------------------------------------------------
# The one-page summary
# --------------------------------------------------------------------------


def test_the_summary_says_the_job_the_choice_the_assumptions_and_the_sources() -> None:
    est = reviews("gpt-5.4-mini")
    p = estimator.plan(est, options=PlanOptions(deadline_hours=24))
    text = approval_summary(p, estimate=est, source="reviews.csv")
    d = p.decision
    for part in ("# Spend approval: reviews.csv, 12 requests on GPT-5.4 mini", "## The job", "12 rows",
                 "Output: 50 tokens per request", "## The choice",
                 format_usd(d.recommended.cost), d.versus, f"Rests on: {d.assumption}.", "## Every way to run it",
                 "## Assumptions", "## Price sources", p.priced.price.source):
        assert part in text, part
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + len(d.ways) + len(d.unavailable)  # the header, every way, what is not offered
    unsaid = approval_summary(estimator.plan(est), estimate=est)
    assert "nothing is recommended" in unsaid and "(recommended)" not in unsaid


def test_plan_summary_on_the_command_line(tmp_path: Path) -> None:
    args = ["plan", str(EXAMPLES / "reviews.csv"), "--model", "gpt-5.4-mini", "--column", "review",
            "--output-tokens", "50", "--deadline-hours", "24", "--as-of", str(DAY)]
    result = CliRunner().invoke(main, [*args, "--summary"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Spend approval: reviews.csv, 12 requests on GPT-5.4 mini")
    assert "Rests on: results are needed within 24 h" in result.output
    both = CliRunner().invoke(main, [*args, "--summary", "--json"])
    assert both.exit_code == 2 and "--json or --summary" in both.output
