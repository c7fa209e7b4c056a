"""The answer first: which way to run the job, what it costs, how long it takes, and why.

Shown at the top of the Estimate tab's results as soon as a file is counted:
one strip (the recommended way, its cost, its time to finish, what waiting or
paying for speed changes, the break-even size) and one picture of every tier
as a point of cost against time to finish, with lines of equal net value.
The figures are the library's plan (``plan_job``); the Time value tab keeps
the detail.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import streamlit as st

# The one import outside the public API: estimator.charts needs plotly, so `import estimator` leaves it out.
from ..charts import tier_tradeoff
from ..errors import UsageError
from ..money import format_usd
from ..planning import JobPlan, PlanOptions
from ..planning.decision import DEFAULT_VALUE_PER_HOUR, format_hours
from ..planning.job import plan_job
from .common import Settings
from .tier_settings import with_tier_settings

if TYPE_CHECKING:
    from ..counting import TokenProfile


def value_of_an_hour() -> tuple[Decimal | None, Decimal | None, str]:
    """The value of an hour, deadline and wait basis set on the Time value tab (its defaults before)."""
    basis = st.session_state.get("tv_basis", "value")
    value = st.session_state.get("value_per_hour", float(DEFAULT_VALUE_PER_HOUR))
    deadline = st.session_state.get("deadline_hours", 24.0)
    wait = st.session_state.get("wait_basis", "worst")
    if basis == "deadline":
        return None, Decimal(str(deadline)), wait
    return Decimal(str(value)), None, wait


def answer_plan(settings: Settings, profile: TokenProfile) -> JobPlan:
    """The library's plan of the counted job under the sidebar's limits and the Time value settings."""
    priced = settings.priced
    assert priced is not None
    value, deadline, wait = value_of_an_hour()
    lim = settings.limits
    options = PlanOptions(limits=lim.rate_limits, queue=lim.queue, limits_label=lim.describe(),
                          throughput=lim.throughput(), typical_batch_hours=lim.typical_wave_hours,
                          value_per_hour=value, deadline_hours=deadline, wait_basis=wait, modes=settings.params)
    options = with_tier_settings(options)  # the Time value tab's tier settings
    return plan_job(profile.usage(), priced, options, max_tokens=profile.max_tokens)


def break_even_text(plan: JobPlan) -> str:
    t = plan.tiers
    if t is None or t.break_even is None:
        return "none up to " + f"{t.searched_up_to:,} rows" if t else "n/a"
    b = t.break_even
    return f"{b.rows:,} rows"


def render(settings: Settings, profile: TokenProfile) -> JobPlan | None:
    """The answer strip and the trade-off chart; None when the job cannot be planned."""
    if settings.priced is None or profile.rows == 0:
        return None
    try:
        plan = answer_plan(settings, profile)
    except UsageError as exc:
        st.info(f"No recommendation: {exc}")
        return None
    t = plan.tiers
    if t is None:
        return None
    best = t.recommended
    with st.container(border=True, key="answer_strip"):
        st.markdown("**Which way to run this job**")
        cols = st.columns(4)
        cols[0].metric("Recommended", best.name)
        cols[1].metric("Cost", format_usd(best.cost))
        cols[2].metric("Time to finish", format_hours(best.wait_hours(t.wait_basis)),
                       help=f"{'Worst case' if t.wait_basis == 'worst' else 'Typical'}; {best.explanation}")
        b = t.break_even
        cols[3].metric("Break-even", break_even_text(plan),
                       help=(f"Below it {b.below} is chosen, from it {b.above}; found on the same time model "
                             "as this plan (the job resized, its batch waves recounted)." if b else
                             "The choice does not change over the sizes searched."))
        st.markdown(t.reason)
    fig = tier_tradeoff(t.as_dict()["ways"], value_per_hour=t.value_per_hour, recommended=best.name,
                        wait_basis=t.wait_basis)
    st.plotly_chart(fig, key="answer_tradeoff")
    return plan
