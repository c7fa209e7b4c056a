"""The answer first: the ways to run the job, what each costs and takes, and, once the stakes are
known, the one to use and why.

Shown at the top of the Estimate tab as soon as a file is counted: one strip with the question
("When do you need the results?") and, until it is answered, the cheapest way (and its time), the
fastest (and its cost) and standard side by side, with no pick; once answered, the recommended
way, its cost, its time, from which size batch pays, what it beat and what it rests on. Below it
one picture of every way as a point of cost against time to finish. Every figure is the library's
plan of the counted estimate (``estimator.plan``), the same plan the Time value and Batch plan
tabs show.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from .. import Estimate, JobPlan

# The one import outside the public API: estimator.charts needs plotly, so `import estimator` leaves it out.
from ..charts import tier_tradeoff
from ..errors import UsageError
from ..formats import compact_count, format_hours
from ..money import format_usd
from ..planning.decision import Decision
from . import stakes
from .common import Settings, way_label
from .plans import plan_estimate, plan_options


def batch_pays_from(d: Decision) -> str:
    """From which size batch is chosen over standard, on the plan's own time model (the figure the
    Time value tab shows as well)."""
    bt = d.batch
    if bt is None:
        return "batch not offered"
    if bt.break_even_rows is None:
        return f"none up to {compact_count(bt.searched_up_to)} rows"
    if bt.break_even_rows == 0:
        return "the first row"
    return f"{compact_count(bt.break_even_rows)} rows"


def wait_words(basis: str) -> str:
    return "worst case: batch's completion window" if basis == "worst" else "typical time"


def render(settings: Settings, est: Estimate, key: tuple[Any, ...]) -> JobPlan | None:
    """The answer strip and the trade-off chart; None when the job cannot be planned."""
    if settings.priced is None or est.profile.rows == 0:
        return None
    try:
        plan = plan_estimate(key, est, plan_options(settings))
    except UsageError as exc:
        st.info(f"No recommendation: {exc}")
        return None
    d = plan.decision
    with st.container(border=True, key="answer_strip"):
        st.markdown("**Which way to run this job**")
        stakes.ask("strip")
        if d.assumed_value:
            frontier(d)
        else:
            recommendation(d)
    st.plotly_chart(tradeoff_chart(d), key="answer_tradeoff", config={"displayModeBar": False})
    return plan


def frontier(d: Decision) -> None:
    """Before the stakes are known: the cheapest, the fastest and standard, each with its price and time."""
    points = d.frontier
    cols = st.columns(len(points))
    for col, point in zip(cols, points):
        w = point.way
        col.metric(point.label, format_usd(w.cost), delta=f"{way_label(w.name)}, {format_hours(w.wait_hours(d.wait_basis))}",
                   delta_color="off", delta_arrow="off", help=f"{w.explanation} ({wait_words(d.wait_basis)})")
    if d.batch is not None:
        st.markdown(d.batch.wait_text())
    st.caption("Nothing is recommended until you say when the results are needed or what an hour of waiting is "
               f"worth. Times: {wait_words(d.wait_basis)}.")


def recommendation(d: Decision) -> None:
    """Once the stakes are known: the way to use, what it costs and takes, what it beat, and why."""
    best = d.recommended
    cols = st.columns(4)
    cols[0].metric("Recommended", way_label(best.name))
    cols[1].metric("Cost", format_usd(best.cost))
    cols[2].metric("Time to finish", format_hours(best.wait_hours(d.wait_basis)),
                   help=f"{'Worst case' if d.wait_basis == 'worst' else 'Typical'}; {best.explanation}")
    cols[3].metric("Batch pays from", batch_pays_from(d),
                   help="Below this many rows standard is the better of the two, from it batch; found on the same "
                        "time model as this plan (the job resized, its batch waves recounted). The Time value tab "
                        "shows the same figure.")
    st.markdown(f"{d.reason} {d.versus}")
    st.caption(f"Rests on: {d.assumption}.")


def tradeoff_chart(d: Decision) -> Any:
    labels = {w.name: way_label(w.name) for w in d.ways}
    return tier_tradeoff(d.as_dict()["ways"], value_per_hour=None if d.assumed_value else d.value_per_hour,
                         recommended=None if d.assumed_value else d.recommended.name, wait_basis=d.wait_basis,
                         labels=labels)
