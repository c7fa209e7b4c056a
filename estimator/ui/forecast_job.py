"""The job a forecast runs: the dataset counted on the Estimate tab on a schedule, or typed-in sizes.

With a dataset, every run sends each of its rows once (the library's
``volume_from``: once, daily, weekly or monthly) at the dataset's own tokens
per request (``size_from``), as ``forecast FILE --schedule ...`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import streamlit as st

from .. import Estimate
from .. import forecast as forecast_of
from ..errors import UsageError
from ..planning import Forecast, ForecastOptions, Volume, volume_from
from ..planning.forecast import SCHEDULE_PERIODS
from ..usage import RequestSize
from .common import Settings, for_the_app

if TYPE_CHECKING:
    from .estimate import EstimateResult

SCHEDULE_LABELS = {"once": "Once", "daily": "Every day", "weekly": "Every week", "monthly": "Every month"}
PERIODS = ("day", "week", "month")


@dataclass(frozen=True)
class ForecastJob:
    requests: int  # per ``period`` in the first month
    period: str  # "once", "day", "week" or "month"
    size: RequestSize
    label: str

    estimate: Estimate | None = None  # the uploaded dataset's, run on ``schedule``
    schedule: str | None = None

    def forecast(self, settings: Settings, options: ForecastOptions) -> Forecast:
        """The library's forecast of this job (``estimator.forecast``)."""
        if self.estimate is not None:
            return forecast_of(self.estimate, schedule=self.schedule, options=options, prices=settings.book)
        volume = Volume(self.requests, self.period, self.size, options.growth_pct)
        return forecast_of(volume, model=settings.model.id, options=options, prices=settings.book)


def tokens_text(tokens: Decimal) -> str:
    """Tokens per request for display: whole tokens shown whole, averages to two places."""
    return f"{tokens:,.0f}" if tokens == tokens.to_integral_value() else f"{tokens:,.2f}"


def forecast_job(result: EstimateResult | None) -> ForecastJob:
    """The uploaded dataset on a schedule (the default when there is one), or sizes typed in here."""
    if result is not None:
        use = st.toggle(
            f"Use the uploaded dataset ({result.upload.name})", value=True, key="fc_use_dataset",
            help="Off: type the requests and their sizes instead.",
        )
        if use:
            when, inp_col, out_col = st.columns(3)
            schedule = when.selectbox(
                "The job runs",
                list(SCHEDULE_PERIODS),
                index=list(SCHEDULE_PERIODS).index("monthly"),
                format_func=SCHEDULE_LABELS.__getitem__,
                key="fc_schedule",
                help="Each run sends every row of the dataset once.",
            )
            try:
                v = volume_from(result.profile, schedule)
            except UsageError as exc:
                st.info(f"The dataset cannot seed the forecast: {for_the_app(exc)} Type the sizes instead.")
            else:
                inp_col.metric("Input tokens per request", tokens_text(v.size.input_decimal))
                out_col.metric("Output tokens per request", tokens_text(v.size.output_decimal))
                st.caption(
                    f"{v.requests:,} requests a run ({result.upload.name}, counted on the Estimate tab), "
                    f"{SCHEDULE_LABELS[schedule].lower()}."
                )
                return ForecastJob(v.requests, v.period, v.size, result.upload.name, result.estimate, schedule)
    else:
        st.caption("No dataset uploaded: type the requests here, or upload a file on the Estimate tab.")
    c = st.columns(4)
    requests = int(c[0].number_input("Requests", min_value=0, value=10_000, step=1_000, key="fc_requests"))
    period = c[1].selectbox("per", list(PERIODS), key="fc_period")
    inp = int(
        c[2].number_input("Input tokens per request", min_value=0, value=500, step=50, key="fc_input_tokens")
    )
    out = int(
        c[3].number_input("Output tokens per request", min_value=0, value=200, step=50, key="fc_output_tokens")
    )
    return ForecastJob(requests, period, RequestSize.per_request(inp, out), f"{requests:,} requests a {period}")
