"""The Time value tab: is the batch discount worth the wait?

Every figure here is the library's plan of the job (``estimator.plan``): the
decision across every tier, standard against batch alone on the same time
model (``JobPlan.decision.batch``), and the cost of both over dataset sizes
(``JobPlan.batch_curve``), whose lines cross at the break-even shown beside them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from .. import JobPlan

# The one import outside the public API: estimator.charts needs plotly, so `import estimator` leaves it out.
from ..charts import SavingsCase, cost_vs_size, savings_vs_time_value
from ..formats import format_hours
from ..money import format_usd
from ..planning import run_exercise
from . import routing, stakes, tier_settings
from .answer import batch_pays_from
from .common import Settings, mode_label, need_price, way_label
from .job import job_inputs
from .plans import plan_options

if TYPE_CHECKING:
    from .estimate import EstimateResult


def render(settings: Settings, result: EstimateResult | None) -> None:
    need_price(settings)
    st.subheader("Is waiting for batch worth it?")
    job = job_inputs(result, "tv")
    stakes.ask("tv")
    st.radio(
        "Batch wait",
        ["worst", "typical"],
        key="wait_basis",
        format_func={
            "worst": "Worst case (the completion window)",
            "typical": "Typical (sidebar assumption)",
        }.__getitem__,
        horizontal=True,
        help="How long batch takes in the comparison: the provider's promise (the completion window), or the "
        "typical time set in the sidebar.",
    )

    tier_settings.render()

    planned = job.plan(settings, plan_options(settings, max_tokens=job.max_tokens))  # the plan command's own core
    d = planned.decision
    if d.assumed_value:
        st.info(
            "**Nothing is recommended until you say when you need the results** (or what an hour of waiting is "
            "worth). The options: "
            + "; ".join(f"{p.heading} {format_usd(p.way.cost)} in {format_hours(p.way.wait_hours(d.wait_basis))}"
                        for p in d.frontier) + ".",
            icon=":material/help:",
        )
    else:
        st.success(f"**{way_label(d.recommendation)}.** {d.reason} {d.versus}", icon=":material/lightbulb:")
        st.caption(f"Rests on: {d.assumption}.")
    bt = d.batch
    if bt is None:
        why = d.unavailable.get("batch", "a person waits for each answer" if planned.options.interactive else "")
        st.info(f"Batch is not a way to run this job{': ' + why if why else ''}.")
    else:
        m = st.columns(5)
        m[0].metric("Batch saves", format_usd(bt.savings_as_shown),
                    help="Standard's cost less batch's, as both are shown (the same figure as on the Estimate tab).")
        m[1].metric("Extra wait for batch", format_hours(bt.wait_hours))
        below = bt.pays_below_value_per_hour
        m[2].metric("Waiting pays below", f"{format_usd(below)}/h" if below is not None else "–",
                    help="The value of an hour of waiting at which batch's saving equals the cost of its extra wait.")
        m[3].metric("Cost of the wait",
                    format_usd(bt.wait_cost) if bt.wait_cost is not None and not d.assumed_value else "–",
                    help="The extra wait at the value of an hour you gave." if not d.assumed_value
                    else "Say what an hour of waiting is worth to price the wait.")
        m[4].metric(
            "Batch pays from",
            batch_pays_from(d),
            help="Below this many rows standard is the better of the two; from it batch is, on the same time "
            "model as the plan (the same figure as in the Estimate tab's answer)."
            + (f" Exactly {bt.break_even_rows:,} rows." if bt.break_even_rows else ""),
        )
        if d.assumed_value and d.value_per_hour is not None:
            st.caption(f"Batch pays from that size at an assumed {format_usd(d.value_per_hour)} an hour of waiting; "
                       "say yours above.")
        if d.deadline_hours is not None:
            st.caption(
                f"Deadline {format_hours(d.deadline_hours)}: batch worst case "
                f"{'meets' if bt.batch_meets_deadline else 'misses'} it; standard "
                f"{'meets' if bt.standard_meets_deadline else 'misses'} it."
            )

    st.dataframe(times_table(planned), hide_index=True, width="stretch", key="tv_times")
    st.caption(
        f"Times under {settings.limits.describe()} (change them in the sidebar). "
        + " ".join(f"{mode_label(n)}: {t.explanation}." for n, t in planned.times.as_mapping().items())
    )

    left, right = st.container(), st.container()  # one chart under the other: each needs the width
    with left:
        if bt is not None:
            st.plotly_chart(size_chart(planned), key="tv_size_chart", config={"displayModeBar": False})
    with right:
        if d.deadline_hours is not None and planned.options.value_per_hour is None:
            st.caption("With a deadline, the hourly value of waiting plays no part; choose \"$ an hour\" above to "
                       "weigh the savings against it.")
        elif bt is not None:
            savings_chart(settings, bt.savings_as_shown, bt.wait_hours,
                          None if d.assumed_value else d.value_per_hour)

    routing.render(settings, result)


def times_table(planned: JobPlan) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Mode": mode_label(name),
                "Typical time": format_hours(t.hours),
                "Worst case": format_hours(t.worst_case_hours),
                "Requests/min": (f"{t.requests_per_minute:,.0f}" if t.requests_per_minute >= 10
                                 else f"{t.requests_per_minute:.2g}")
                if t.requests_per_minute is not None
                else "scheduled",
                "Limited by": BOTTLENECKS.get(t.bottleneck, t.bottleneck),
            }
            for name, t in planned.times.as_mapping().items()
        ]
    )


def savings_chart(settings: Settings, savings: Decimal, wait_hours: Decimal, value: Decimal | None) -> None:
    """The job's savings and the classic cases against the value of an hour of waiting."""
    cases = classic_cases(settings)
    cases.append(SavingsCase("your job", savings, wait_hours))
    st.plotly_chart(savings_vs_time_value(None, cases, chosen=value), key="tv_savings_chart",
                    config={"displayModeBar": False})
    st.caption(
        "The classic cases from the Batch budgeter tab: saving $7.50 is not worth a 24-hour wait at "
        "$50/hour ($1,200); saving $7,500 is. Their wait is the exercise's fixed 24 hours, on purpose (the "
        "textbook question); your job's is the plan's, worked out from your limits and batch queue."
    )


BOTTLENECKS = {
    "rpm": "requests per minute",
    "tpm": "tokens per minute",
    "input_tpm": "input tokens per minute",
    "output_tpm": "output tokens per minute",
    "concurrency": "requests in flight × latency",
    "window": "completion window",
    "queue": "batch queue",
}


def classic_cases(settings: Settings) -> list[SavingsCase]:
    ex = run_exercise(settings.book)
    return [
        SavingsCase(f"saves {format_usd(s.savings)} ({s.rows:,} rows)", s.savings, s.wait_hours)
        for s in sorted(ex.scenarios, key=lambda s: s.savings)
    ]


def size_chart(planned: JobPlan) -> go.Figure:
    """Standard and batch over dataset sizes, each with the value of its wait: they cross at the break-even."""
    curve = planned.batch_curve()
    bt = planned.decision.batch
    assert bt is not None
    d = planned.decision
    with_value = d.value_per_hour is not None
    assumed = f" at an assumed {format_usd(d.value_per_hour)}/h" if d.assumed_value and d.value_per_hour else ""
    marker = None
    if bt.break_even_rows:
        at = planned.batch_curve([bt.break_even_rows])[0]
        marker = (bt.break_even_rows, at.total["standard"])
    labels = {n: mode_label(n) + (f" + its wait{assumed}" if with_value else "") for n in ("standard", "batch")}
    return cost_vs_size(
        [p.rows for p in curve],
        {n: [p.total[n] for p in curve] for n in ("standard", "batch")},
        labels=labels,
        break_even=marker,
        current=(planned.usage.requests, f"this job: {planned.usage.requests:,} rows"),
        cost_label="Cost incl. the wait (USD)" if with_value else "Cost (USD)",
        title="Standard against batch by dataset size",
    )
