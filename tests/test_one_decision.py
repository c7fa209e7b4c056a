"""One decision engine: the headline, every way, the break-even, the curves and the text cannot disagree.

Swept over models, sizes, values of an hour and deadlines: the recommended way is the best of the
listed ways by the stated rule, meets the deadline whenever any way does, is the way the cost curve
picks at the job's own size, the text and the JSON name it, and the sizes just below and at the
reported break-even are planned to the ways the break-even names.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

import estimator
from estimator import JobSize, PlanOptions
from estimator.planning import RateLimits
from estimator.planning.decision import family, net_value

AS_OF = dt.date(2026, 12, 5)
MODELS = ["gpt-4o-mini", "gpt-5.4", "gpt-6-astra", "claude-sonnet-4-6", "gemini-2.5-flash", "gemini-4-argon"]
LIMITS = RateLimits(rpm=5_000, tpm=2_000_000)


def plan_of(model: str, rows: int, value: Decimal | None, deadline: Decimal | None) -> estimator.JobPlan:
    return estimator.plan(model=model, size=JobSize(rows, 700, 150), as_of=AS_OF,
                          options=PlanOptions(limits=LIMITS, value_per_hour=value, deadline_hours=deadline))


stakes = st.one_of(
    st.tuples(st.sampled_from([Decimal(0), Decimal(1), Decimal(20), Decimal(100), Decimal(5000)]), st.none()),
    st.tuples(st.none(), st.sampled_from([Decimal(1), Decimal(6), Decimal(30), Decimal(200)])),
    st.tuples(st.sampled_from([Decimal(20)]), st.sampled_from([Decimal(30)])),
)


@settings(max_examples=40, deadline=None)
@given(model=st.sampled_from(MODELS), rows=st.integers(1, 3_000_000), stake=stakes)
def test_the_recommendation_is_the_best_way_everywhere_it_is_shown(
    model: str, rows: int, stake: tuple[Decimal | None, Decimal | None]
) -> None:
    value, deadline = stake
    p = plan_of(model, rows, value, deadline)
    d = p.decision
    best = d.recommended
    fits = [w for w in d.ways if deadline is None or w.worst_case_hours <= deadline]
    if fits:
        assert best in fits, "a way that misses the deadline is never chosen while another meets it"
        if d.value_per_hour is None:
            assert best.cost == min(w.cost for w in fits)
        else:
            assert net_value(best, d.value_per_hour, d.wait_basis) == max(
                net_value(w, d.value_per_hour, d.wait_basis) for w in fits)
    else:
        assert best.worst_case_hours == min(w.worst_case_hours for w in d.ways)
    doc = p.to_json()["decision"]
    assert doc["recommended"] == best.name and Decimal(str(doc["cost"])) == best.cost
    assert f"Recommendation: {best.name}" in p.to_text()
    (here,) = p.cost_curve([rows])
    assert here.chosen == family(best.name)


@settings(max_examples=12, deadline=None)
@given(model=st.sampled_from(MODELS), rows=st.integers(100, 2_000_000),
       value=st.sampled_from([Decimal(1), Decimal(20), Decimal(300)]))
def test_the_break_evens_are_where_the_plans_change(model: str, rows: int, value: Decimal) -> None:
    d = plan_of(model, rows, value, None).decision
    if d.break_even is not None:
        f = d.break_even
        assert family(plan_of(model, f.rows - 1, value, None).decision.recommendation) == f.below
        assert family(plan_of(model, f.rows, value, None).decision.recommendation) == f.above
    bt = d.batch
    if bt is not None and bt.break_even_rows:
        curve = plan_of(model, rows, value, None).batch_curve([bt.break_even_rows - 1, bt.break_even_rows])
        assert [c.chosen for c in curve] == ["standard", "batch"]
