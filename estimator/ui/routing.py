"""Hybrid routing on the Time value tab: a traffic mix priced per route and blended per month.

The same numbers as ``python -m estimator route``: interactive requests from a
web UI are streamed, automated ones (webhooks, cron) go standard or, for the
share that can wait, batch; a one-off backfill goes batch.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from .. import JobSize
from .. import route as route_of

# The one import outside the public API: estimator.charts needs plotly, so `import estimator` leaves it out.
from ..charts import RouteSlice, routing_costs
from ..formats import format_share
from ..money import format_usd
from ..planning import RoutingPlan, TrafficMix
from ..usage import RequestSize
from .common import Settings, guarded, mode_label, need_price, to_decimal

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

    from .estimate import EstimateResult

DEFAULT_INPUT_TOKENS = 500
DEFAULT_OUTPUT_TOKENS = 200
TENTH = Decimal("0.1")


def render(settings: Settings, result: EstimateResult | None) -> None:
    st.divider()
    st.subheader("Hybrid routing")
    st.caption(
        "A day's traffic split by where it comes from: requests from a web UI, where a person waits, are "
        "streamed; automated ones (webhooks, cron jobs) go standard, or batch for the share that can wait; "
        "a one-off backfill goes batch. Model, prices and mode parameters come from the sidebar."
    )
    with guarded("pricing the traffic mix"):
        _render(settings, result)


def _render(settings: Settings, result: EstimateResult | None) -> None:
    need_price(settings)
    c = st.columns(4)
    daily = int(
        c[0].number_input(
            "New requests per day", min_value=0, value=10_000, step=1_000, key="route_daily_requests"
        )
    )
    interactive = to_decimal(
        c[1].number_input(
            "Share from a web UI (interactive)",
            min_value=0.0,
            max_value=1.0,
            value=0.3,
            step=0.05,
            format="%.2f",
            key="route_interactive_share",
            help="A person waits for these answers: they are streamed.",
        ),
        4,
    )
    waiting = to_decimal(
        c[2].number_input(
            "Automated share that can wait",
            min_value=0.0,
            max_value=1.0,
            value=0.5,
            step=0.05,
            format="%.2f",
            key="route_batch_share",
            help="Webhook and cron requests whose results may take up to the batch window: sent as batch.",
        ),
        4,
    )
    backfill = int(
        c[3].number_input(
            "Backfill (one-off requests)",
            min_value=0,
            value=100_000,
            step=10_000,
            key="route_backfill",
            help="A backlog processed once, as batch.",
        )
    )
    c = st.columns(4)
    size, size_note = size_inputs(result, c[0], c[1])
    days = to_decimal(
        c[2].number_input(
            "Days per month", min_value=1.0, max_value=31.0, value=30.0, step=1.0, key="route_days_per_month"
        ),
        2,
    )
    if size_note:
        c[3].caption(size_note)

    mix = TrafficMix(daily, interactive, waiting, backfill, days)
    rp = route_of(mix, size, model=settings.model.id, as_of=settings.as_of, prices=settings.book,
                  modes=settings.params)  # the route command's own call

    m = st.columns(4)
    m[0].metric(
        "Blended cost per month",
        format_usd(rp.monthly_cost),
        help=f"{format_usd(rp.daily_cost)} a day over {days} days.",
    )
    m[1].metric(
        "Batch saves per month",
        format_usd(rp.moved_savings_monthly),
        help=f"Sending {format_share(waiting)} of the automated traffic as batch instead of standard. "
        f"All of it as batch would save {format_usd(rp.all_moved_savings_monthly)} a month.",
    )
    if rp.backfill is None:
        m[2].metric("One-off backfill (batch)", format_usd(Decimal(0)), help="No backfill.")
    else:
        m[2].metric(
            "One-off backfill (batch)",
            format_usd(rp.backfill.cost),
            delta=f"saves {format_usd(rp.backfill_savings)} vs standard",  # worded as a saving, as elsewhere
            delta_color="green",
            delta_arrow="down",
            help=f"{rp.backfill.requests:,} requests once; as standard requests "
            f"{format_usd(rp.backfill_standard_cost)}.",
        )
    m[3].metric("Blended cost per request", format_usd(rp.cost_per_request))

    # The table, then the chart under it at full width: its legend names each route in full.
    left, right = st.container(), st.container()
    with left:
        rows = [
            {
                "Route": r.route,
                "Mode": mode_label(r.mode),
                "Requests/day": f"{r.requests:,}",
                "Cost/month": format_usd(r.cost),
            }
            for r in rp.monthly_routes
        ]
        rows.append(
            {
                "Route": "blend",
                "Mode": "",
                "Requests/day": f"{daily:,}",
                "Cost/month": format_usd(rp.monthly_cost),
            }
        )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="route_table")
        st.caption(
            f"Without batch (every automated request standard): {format_usd(rp.baseline_monthly_cost)} "
            "a month. Streamed requests cost what standard ones do unless early exit is set in the sidebar."
        )
    with right:
        st.plotly_chart(routing_chart(rp), key="route_chart", config={"displayModeBar": False})


def size_inputs(
    result: EstimateResult | None, left: DeltaGenerator, right: DeltaGenerator
) -> tuple[JobSize, str]:
    """Tokens per request: the counted dataset's averages by default, else typed-in defaults.

    A keyed widget keeps its value when its default changes, so the defaults are
    written into the session state whenever their source (the dataset) changes.
    """
    source: tuple[object, ...] = ("typed",)
    inp, out = Decimal(DEFAULT_INPUT_TOKENS), Decimal(DEFAULT_OUTPUT_TOKENS)
    note = ""
    if result is not None and result.profile.rows > 0:
        p = result.profile
        avg = RequestSize.of(p.usage())
        inp = avg.input_decimal.quantize(TENTH, rounding=ROUND_HALF_UP)
        source = (result.upload.name, p.rows, p.input_tokens, p.output_tokens, p.output_per_row is not None)
        if p.output_per_row is not None:
            out = avg.output_decimal.quantize(TENTH, rounding=ROUND_HALF_UP)
            note = f"Defaults: the average request of {result.upload.name} (Estimate tab)."
        else:
            note = (
                f"Input default: the average request of {result.upload.name}; its output is not estimated "
                "(set it on the Estimate tab)."
            )
    if st.session_state.get("route_size_source") != source:
        st.session_state["route_size_source"] = source
        st.session_state["route_input_tokens"] = float(inp)
        st.session_state["route_output_tokens"] = float(out)
    # No ``value=``: the session state holds it (a default as well would draw a warning).
    input_tokens = left.number_input(
        "Input tokens per request", min_value=0.0, step=50.0, format="%.1f", key="route_input_tokens"
    )
    output_tokens = right.number_input(
        "Output tokens per request", min_value=0.0, step=50.0, format="%.1f", key="route_output_tokens"
    )
    return JobSize(1, to_decimal(input_tokens, 1), to_decimal(output_tokens, 1)), note


def routing_chart(rp: RoutingPlan) -> go.Figure:
    """The month without batch next to the hybrid month, one segment per route; the routes that
    would go standard without batch are drawn hatched."""
    hybrid = [RouteSlice(f"{r.route} · {mode_label(r.mode)}", r.mode, r.cost) for r in rp.monthly_routes]
    without = [RouteSlice(f"{r.route} · {mode_label(r.mode)}", r.mode, r.cost,
                          pattern="/" if r.mode == "standard" else "") for r in rp.baseline_monthly_routes]
    return routing_costs({"All standard": without, "Hybrid": hybrid})
