"""The page: sidebar settings, then one tab per task.

Tabs (not separate pages) so that every tab sees the same uploaded file and
settings in one script run; the expensive steps are cached, so re-running
the other tabs costs little.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from . import batchplan, compare, estimate, exercise, forecast, keep, pilot, pricing, reconcile, timevalue
from .common import guarded, sidebar_settings
from .uploads import limit_arenas

# A local image: an icon named like ":material/..." makes the browser fetch it from a font server.
ICON = Path(__file__).parent / "static" / "icon.png"

# Metric values and labels wrap instead of being cut off ("$922.…") in narrow columns; wide
# tables scroll inside their own frame; on a phone the columns stack.
CSS = """
<style>
[data-testid="stMetric"], [data-testid="stMetric"] * {
    white-space: normal !important; text-overflow: clip !important; overflow-wrap: anywhere; min-width: 0;
}
[data-testid="stMetric"] [data-testid="stMarkdownContainer"], [data-testid="stMetricValue"] > div {
    overflow: visible !important;
}
[data-testid="stMetricValue"] { font-size: clamp(1.1rem, 2.2vw, 2.0rem); }
[data-testid="stColumn"] { min-width: 0; }
[data-testid="stWidgetLabel"] p, [data-testid="stCheckbox"] label p {
    white-space: normal !important; text-overflow: clip !important; overflow: visible !important;
}
[data-testid="stTabs"] [role="tablist"] { flex-wrap: wrap; column-gap: 0.9rem; }
/* The answer must fit the first screen after an upload: less room above the title, a smaller title. */
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
h1 { font-size: clamp(1.6rem, 4vw, 2.4rem) !important; padding-top: 0 !important; }
@media (max-width: 640px) {  /* a phone: at most two columns side by side */
    [data-testid="stMainBlockContainer"] { padding-top: 4rem; }
    .st-key-app_intro { display: none; }
    [data-testid="stHorizontalBlock"] { flex-wrap: wrap !important; }
    [data-testid="stColumn"] { flex: 1 1 calc(50% - 1rem) !important; min-width: calc(50% - 1rem) !important; }
    /* charts, tables, questions and buttons side by side are too narrow to read: one under another */
    [data-testid="stColumn"]:has([data-testid="stPlotlyChart"]), [data-testid="stColumn"]:has([data-testid="stDataFrame"]),
    [data-testid="stColumn"]:has([data-testid="stButtonGroup"]), [data-testid="stColumn"]:has([data-testid="stDownloadButton"]) {
        flex: 1 1 100% !important; min-width: 100% !important;
    }
}
</style>
"""

TABS = ("Estimate", "Compare models", "Time value", "Batch plan", "Forecast", "Batch budgeter", "Pricing",
        "Reconcile", "Pilot")


def main() -> None:
    limit_arenas()  # as MALLOC_ARENA_MAX=2 (./dev app sets it): memory freed after an upload can be returned
    st.set_page_config(page_title="LLM API cost estimator", page_icon=str(ICON), layout="wide")
    st.html(CSS)
    keep.restore()
    try:
        _page()
    finally:
        keep.remember()


def _page() -> None:
    st.title("LLM API cost estimator")
    with st.container(key="app_intro"):  # hidden on a phone: the answer needs the room
        st.caption(
            "What a job costs as standard requests, streamed with early exit, through the Batch API or another "
            "tier; how long each takes; and which to use when."
        )
    with guarded("loading the price tables"):
        settings = sidebar_settings()
        tabs = st.tabs(list(TABS))
        result = None
        with tabs[0], guarded("estimating the dataset"):
            result = estimate.render(settings)
        with tabs[1], guarded("comparing models"):
            compare.render(settings, result)
        with tabs[2], guarded("weighing time against money"):
            timevalue.render(settings, result)
        with tabs[3], guarded("planning the batch"):
            batchplan.render(settings, result)
        with tabs[4], guarded("forecasting"):
            forecast.render(settings, result)
        with tabs[5], guarded("working through the exercise"):
            exercise.render(settings)
        with tabs[6], guarded("showing the price tables"):
            pricing.render(settings)
        with tabs[7], guarded("reconciling the batch"):
            reconcile.render(settings)
        with tabs[8], guarded("planning the pilot"):
            pilot.render(settings)
