"""The page: sidebar settings, then one tab per task.

Tabs (not separate pages) so that every tab sees the same uploaded file and
settings in one script run; the expensive steps are cached, so re-running
the other tabs costs little.
"""

from __future__ import annotations

import streamlit as st

from . import batchplan, estimate, exercise, forecast, pricing, reconcile, timevalue
from .common import guarded, sidebar_settings
from .uploads import limit_arenas

TABS = ("Estimate", "Time value", "Batch plan", "Forecast", "Batch budgeter", "Pricing", "Reconcile")


def main() -> None:
    limit_arenas()  # as MALLOC_ARENA_MAX=2 (./dev app sets it): memory freed after an upload can be returned
    st.set_page_config(page_title="LLM API cost estimator", page_icon=":material/calculate:", layout="wide")
    st.title("LLM API cost estimator")
    st.caption(
        "What a job costs as standard requests, streamed with early exit, or through the Batch API; "
        "how long each takes; and whether waiting for batch pays."
    )
    with guarded("loading the price tables"):
        settings = sidebar_settings()
        tabs = st.tabs(list(TABS))
        result = None
        with tabs[0], guarded("estimating the dataset"):
            result = estimate.render(settings)
        with tabs[1], guarded("weighing time against money"):
            timevalue.render(settings, result)
        with tabs[2], guarded("planning the batch"):
            batchplan.render(settings, result)
        with tabs[3], guarded("forecasting"):
            forecast.render(settings)
        with tabs[4], guarded("working through the exercise"):
            exercise.render(settings)
        with tabs[5], guarded("showing the price tables"):
            pricing.render(settings)
        with tabs[6], guarded("reconciling the batch"):
            reconcile.render(settings)
