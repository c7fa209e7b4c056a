"""The Time value tab: is the batch discount worth the wait?"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

# The one import outside the public API: estimator.charts needs plotly, so `import estimator` leaves it out.
from ..charts import SavingsCase, cost_vs_size, savings_vs_time_value
from ..modes import Comparison, compare
from ..money import format_usd
from ..planning import PlanOptions, run_exercise
from ..planning.decision import DEFAULT_VALUE_PER_HOUR, Decision, format_hours
from ..planning.job import plan_job
from ..usage import RequestSize, Usage
from . import routing, tier_settings
from .common import Settings, mode_label, need_price, to_decimal
from .job import job_inputs

if TYPE_CHECKING:
    from .estimate import EstimateResult

RECOMMENDATION_TEXT = {
    "standard": "Send standard requests",
    "stream": "Stream the requests",
    "batch": "Use the Batch API",
    "hybrid": "Split: urgent rows now, the rest as a batch",
}


def render(settings: Settings, result: EstimateResult | None) -> None:
    priced = need_price(settings)
    st.subheader("Is waiting for batch worth it?")
    job = job_inputs(result, "tv", priced)
    cols = st.columns([2, 1, 1])
    basis = cols[0].radio(
        "Weigh the wait by",
        ["value", "deadline"],
        horizontal=True,
        key="tv_basis",
        format_func={"value": "What an hour of waiting is worth", "deadline": "A deadline"}.__getitem__,
    )
    value = deadline = None
    if basis == "value":
        value = to_decimal(
            cols[1].number_input(
                "Value of an hour of waiting (USD)",
                min_value=0.0,
                value=float(DEFAULT_VALUE_PER_HOUR),
                step=10.0,
                key="value_per_hour",
                help="What an hour of delay costs you: people kept waiting, a later launch ...",
            ),
            2,
        )
    else:
        deadline = to_decimal(
            cols[1].number_input(
                "Deadline (hours from now)", min_value=0.0, value=24.0, step=1.0, key="deadline_hours"
            ),
            3,
        )
    wait_basis = cols[2].radio(
        "Batch wait",
        ["worst", "typical"],
        key="wait_basis",
        format_func={
            "worst": "Worst case (the completion window)",
            "typical": "Typical (sidebar assumption)",
        }.__getitem__,
    )

    tier_settings.render()

    limits = settings.limits
    options = PlanOptions(
        limits=limits.rate_limits, queue=limits.queue, throughput=limits.throughput(job.max_tokens),
        typical_batch_hours=limits.typical_wave_hours, value_per_hour=value, deadline_hours=deadline,
        wait_basis=wait_basis, modes=settings.params,
    )
    options = tier_settings.with_tier_settings(options)
    planned = plan_job(job.usage, priced, options, max_tokens=job.max_tokens)  # the plan command's own core
    comparison, times, decision = planned.comparison, planned.times, planned.decision

    st.success(
        f"**{RECOMMENDATION_TEXT[decision.recommendation]}.** {decision.reason}", icon=":material/lightbulb:"
    )
    m = st.columns(5)
    m[0].metric("Batch saves", format_usd(decision.batch_savings))
    m[1].metric("Extra wait for batch", format_hours(decision.wait_hours))
    m[2].metric("Cost of the wait", format_usd(decision.wait_cost) if decision.wait_cost is not None else "–")
    m[3].metric(
        "Net benefit of batch",
        format_usd(decision.net_benefit_of_batch) if decision.net_benefit_of_batch is not None else "–",
    )
    be = decision.break_even_rows
    if deadline is not None:  # only the deadline decides: there is no size at which waiting starts to pay
        be = None
    m[4].metric(
        "Break-even size",
        f"{compact(math.ceil(be))} rows" if be is not None else ("–" if deadline is not None else "never"),
        help="Below this many rows standard wins; above it batch does."
        + (f" Exactly {math.ceil(be):,} rows." if be is not None else ""),
    )
    if decision.deadline_hours is not None:
        st.caption(
            f"Deadline {format_hours(decision.deadline_hours)}: batch worst case "
            f"{'meets' if decision.batch_meets_deadline else 'misses'} it; standard "
            f"{'meets' if decision.standard_meets_deadline else 'misses'} it."
        )

    st.dataframe(
        pd.DataFrame(
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
                for name, t in times.as_mapping().items()
            ]
        ),
        hide_index=True,
        width="stretch",
        key="tv_times",
    )
    st.caption(
        f"Times under {limits.describe()} (change them in the sidebar). "
        + " ".join(f"{mode_label(n)}: {t.explanation}." for n, t in times.as_mapping().items())
    )

    left, right = st.columns(2)
    with left:
        st.plotly_chart(size_chart(job.usage, comparison, decision), key="tv_size_chart")
    with right:
        if value is None:  # a deadline, not an hourly value, decides: a value-per-hour chart would mislead
            st.caption("With a deadline, the hourly value of waiting plays no part; choose \"What an hour of "
                       "waiting is worth\" above to weigh the savings against it.")
        else:
            savings_chart(settings, decision, value)

    routing.render(settings, result)


def savings_chart(settings: Settings, decision: Decision, value: Decimal) -> None:
    """The job's savings and the classic cases against the value of an hour of waiting."""
    cases = classic_cases(settings)
    cases.append(SavingsCase("your job", decision.batch_savings, decision.wait_hours))
    top = max(
        [Decimal(1_000), (value or Decimal(0)) * 10]
        + [c.savings / c.extra_wait_hours * 10 for c in cases if c.extra_wait_hours > 0 and c.savings > 0]
    )
    st.plotly_chart(
        savings_vs_time_value([Decimal("0.01"), top], cases, chosen=value), key="tv_savings_chart"
    )
    st.caption(
        "The classic cases from the Batch budgeter tab: saving $7.50 is not worth a 24-hour wait at "
        "$50/hour ($1,200); saving $7,500 is."
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


def compact(n: int) -> str:
    """1,234,567 as 1.23M: a metric has room for a few characters."""
    if n >= 1_000_000_000:
        return f"{n / 1e9:.2f}B"
    if n >= 1_000_000:
        return f"{n / 1e6:.2f}M"
    if n >= 100_000:
        return f"{n / 1e3:.0f}k"
    return f"{n:,}"


def classic_cases(settings: Settings) -> list[SavingsCase]:
    ex = run_exercise(settings.book)
    return [
        SavingsCase(f"saves {format_usd(s.savings)} ({s.rows:,} rows)", s.savings, s.wait_hours)
        for s in sorted(ex.scenarios, key=lambda s: s.savings)
    ]


def size_chart(usage: Usage, comparison: Comparison, decision: Decision) -> go.Figure:
    """Cost of each mode over dataset sizes, batch including the cost of its wait."""
    size = RequestSize.of(usage)
    be = decision.break_even_rows
    top = max(usage.requests * 100, int(be * 10) if be else 0, 1_000)
    points = 60
    sizes = sorted({max(1, round(10 ** (math.log10(top) * i / points))) for i in range(points + 1)})
    wait_cost = decision.wait_cost or Decimal(0)
    series: dict[str, list[Decimal]] = {name: [] for name in comparison.modes}
    for n in sizes:
        c = compare(size.usage(n, comparison.price), comparison.price, comparison.params)
        for name, cost in c.modes.items():
            series[name].append(cost.total_cost + (wait_cost if name == "batch" else 0))
    labels = {n: mode_label(n) + (" + cost of waiting" if n == "batch" and wait_cost else "") for n in series}
    marker = None
    if be is not None and be > 0:
        at = compare(size.usage(max(1, math.ceil(be)), comparison.price), comparison.price, comparison.params)
        marker = (math.ceil(be), at.standard.total_cost)
    return cost_vs_size(
        sizes,
        series,
        labels=labels,
        break_even=marker,
        current=(usage.requests, f"this job: {usage.requests:,} rows"),
        cost_label="Cost, batch incl. the wait (USD)",
    )
