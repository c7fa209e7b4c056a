"""The answer first: which way to run the job, what it costs, how long it takes, and why.

Shown at the top of the Estimate tab's results as soon as a file is counted:
one strip (the recommended way, its cost, its time to finish, the break-even
size, and the assumption it rests on) and one picture of every tier as a point
of cost against time to finish, with lines of equal net value. Every figure is
the library's plan of the counted estimate (``estimator.plan``); the Time value
tab shows the same plan in detail.
"""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from .. import Estimate, JobPlan, PlanOptions
from .. import plan as plan_of

# The one import outside the public API: estimator.charts needs plotly, so `import estimator` leaves it out.
from ..charts import tier_tradeoff
from ..errors import UsageError
from ..formats import format_hours
from ..money import format_usd
from ..planning.decision import DEFAULT_VALUE_PER_HOUR
from .common import Settings
from .tier_settings import with_tier_settings


def value_of_an_hour() -> tuple[Decimal | None, Decimal | None, str]:
    """The value of an hour, deadline and wait basis set on the Time value tab (its defaults before)."""
    basis = st.session_state.get("tv_basis", "value")
    value = st.session_state.get("value_per_hour", float(DEFAULT_VALUE_PER_HOUR))
    deadline = st.session_state.get("deadline_hours", 24.0)
    wait = st.session_state.get("wait_basis", "worst")
    if basis == "deadline":
        return None, Decimal(str(deadline)), wait
    return Decimal(str(value)), None, wait


def plan_options(settings: Settings, *, max_tokens: int | None = None) -> PlanOptions:
    """The sidebar's limits and the Time value tab's stakes and tier settings, as plan options."""
    value, deadline, wait = value_of_an_hour()
    lim = settings.limits
    options = PlanOptions(limits=lim.rate_limits, queue=lim.queue, limits_label=lim.describe(),
                          throughput=lim.throughput(max_tokens), typical_batch_hours=lim.typical_wave_hours,
                          value_per_hour=value, deadline_hours=deadline, wait_basis=wait, modes=settings.params)
    return with_tier_settings(options)


def break_even_text(plan: JobPlan) -> str:
    d = plan.decision
    if d.break_even is None:
        return f"none up to {d.searched_up_to:,} rows"
    return f"{d.break_even.rows:,} rows"


def render(settings: Settings, est: Estimate) -> JobPlan | None:
    """The answer strip and the trade-off chart; None when the job cannot be planned."""
    if settings.priced is None or est.profile.rows == 0:
        return None
    try:
        plan = plan_of(est, options=plan_options(settings))
    except UsageError as exc:
        st.info(f"No recommendation: {exc}")
        return None
    d = plan.decision
    best = d.recommended
    with st.container(border=True, key="answer_strip"):
        st.markdown("**Which way to run this job**")
        cols = st.columns(4)
        cols[0].metric("Recommended", best.name)
        cols[1].metric("Cost", format_usd(best.cost))
        cols[2].metric("Time to finish", format_hours(best.wait_hours(d.wait_basis)),
                       help=f"{'Worst case' if d.wait_basis == 'worst' else 'Typical'}; {best.explanation}")
        b = d.break_even
        cols[3].metric("Break-even", break_even_text(plan),
                       help=(f"Below it {b.below} is chosen, from it {b.above}; found on the same time model "
                             "as this plan (the job resized, its batch waves recounted)." if b else
                             "The choice does not change over the sizes searched."))
        st.markdown(d.reason)
        st.caption(f"Assumed: {d.assumption}.")
    fig = tier_tradeoff(d.as_dict()["ways"], value_per_hour=d.value_per_hour, recommended=best.name,
                        wait_basis=d.wait_basis)
    st.plotly_chart(fig, key="answer_tradeoff")
    return plan
