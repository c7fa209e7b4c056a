"""The Forecast tab: monthly cost per plan against a budget, with dated price changes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

# The one import outside the public API: estimator.charts needs plotly, so `import estimator` leaves it out.
from ..charts import MODE_COLOURS
from ..charts import forecast as forecast_chart
from ..convert import today
from ..formats import format_share
from ..money import format_usd
from ..planning import ForecastOptions, hybrid_mix
from ..planning.forecast import ALL_BATCH, ALL_STANDARD
from ..report.export import rows_to_csv, to_json_bytes
from .common import Settings, display_paths, mode_label, relative_paths, to_decimal
from .forecast_job import forecast_job

if TYPE_CHECKING:
    from .estimate import EstimateResult

PLAN_COLOURS = {
    "all standard": MODE_COLOURS["standard"],
    "all batch": MODE_COLOURS["batch"],
    "hybrid": MODE_COLOURS["hybrid"],
}
PRICING_RULES = {
    "prorate": "Split months at a price change",
    "month-start": "Price in force on the 1st of each month",
}


def render(settings: Settings, estimated: EstimateResult | None = None) -> None:
    st.subheader("Monthly budget forecast")
    st.caption(
        f"Model: {settings.model.display_name} ({settings.model.id}), priced month by month with the "
        "price entry in force then. Mode parameters from the sidebar apply."
    )
    job = forecast_job(estimated)  # the uploaded dataset on a schedule, or typed-in sizes
    c = st.columns(4)
    growth = to_decimal(
        c[0].number_input("Monthly growth (%)", min_value=-99.0, max_value=1000.0, value=5.0, step=1.0, key="fc_growth"), 4
    )
    budget_value = c[1].number_input(
        "Monthly budget (USD, 0 = none)", min_value=0.0, value=1_000.0, step=100.0, key="fc_budget"
    )
    budget = to_decimal(budget_value, 2) if budget_value else None
    start = c[2].date_input(
        "First month", value=today().replace(day=1), min_value=dt.date(2020, 1, 1), key="fc_start"
    )
    horizon = int(c[3].number_input("Months", min_value=1, max_value=120, value=12, step=1, key="fc_horizon"))
    share_cols = st.columns(3)
    batch_share = to_decimal(
        share_cols[0].number_input(
            "Hybrid plan: share sent as batch",
            min_value=0.0,
            max_value=1.0,
            value=0.5,
            step=0.05,
            format="%.2f",
            key="fc_batch_share",
        ),
        4,
    )
    interactive = to_decimal(
        share_cols[1].number_input(
            "Hybrid plan: share streamed (interactive)",
            min_value=0.0,
            max_value=1.0,
            value=0.2,
            step=0.05,
            format="%.2f",
            key="fc_interactive_share",
        ),
        4,
    )
    rule = share_cols[2].selectbox(
        "Price changes", list(PRICING_RULES), format_func=lambda k: PRICING_RULES[k], key="fc_pricing_rule"
    )

    hybrid = hybrid_mix(batch_share, interactive, name="hybrid")
    options = ForecastOptions(months=horizon, start=start, budget=budget, plans=(ALL_STANDARD, ALL_BATCH, hybrid),
                              growth_pct=growth, pricing_rule=rule, modes=settings.params)
    result = job.forecast(settings, options)  # the library's forecast: estimator.forecast

    m = st.columns(len(result.plans))
    for col, p in zip(m, result.plans):
        over = p.first_month_over_budget
        status = p.budget_status(budget)
        col.metric(
            f"{p.mix.name}: {horizon} months",
            format_usd(p.total_cost) + ("" if p.fully_priced else " (part unpriced)"),
            delta=status,
            delta_color="red" if over else ("green" if p.fully_priced else "off"),
            delta_arrow="off",
            help=", ".join(f"{mode_label(k)} {format_share(v, 0)}" for k, v in p.mix.shares.items()),
        )
    months = [r.month for r in result.plans[0].months]
    fig = forecast_chart(
        months,
        {p.mix.name: [r.cost for r in p.months] for p in result.plans},
        budget=budget,
        price_changes=[
            (ch.effective_from, f"{result.model}: new price from {ch.effective_from}")
            for ch in result.price_changes
        ],
        colours=PLAN_COLOURS,
    )
    st.plotly_chart(fig, key="fc_chart")
    for note in result.notes:  # a shutdown inside the horizon, its successor or the lack of one, a launch
        st.warning(display_paths(note), icon=":material/event_busy:")
    for name, reason in result.unavailable:
        st.caption(f"Plan {name} is not shown: {display_paths(reason)}")
    if result.price_changes:
        for ch in result.price_changes:
            st.caption(f"From {ch.month:%b %Y}: {display_paths(ch.description)}")
    else:
        st.caption(
            "No dated price change of this model falls inside the forecast; the price tables list only "
            "published prices."
        )

    table = pd.DataFrame(
        [
            {
                "Month": f"{r.month:%Y-%m}",
                "Requests": f"{r.requests:,}",
                **{p.mix.name: "no price" if p.months[i].unpriced_requests == p.months[i].requests
                   and p.months[i].requests else format_usd(p.months[i].cost) for p in result.plans},
            }
            for i, r in enumerate(result.plans[0].months)
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch", key="fc_table")
    rows = result.csv_rows()
    d = st.columns(2)
    d[0].download_button(
        "Download forecast (CSV)",
        data=rows_to_csv(rows),
        file_name="forecast.csv",
        mime="text/csv",
        key="download_forecast_csv",
        on_click="ignore",
    )
    d[1].download_button(
        "Download forecast (JSON)",
        data=to_json_bytes(relative_paths(result.to_json())),
        file_name="forecast.json",
        mime="application/json",
        key="download_forecast_json",
        on_click="ignore",
    )
