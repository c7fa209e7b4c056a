"""The Pilot tab: the rows to run first to learn a job's output length, and when enough is known.

Everything shown comes from one ``estimator.pilot`` call; this module reads widgets and renders.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path

import streamlit as st

from .. import pilot
from ..money import format_usd
from ..piloting.pilot import PilotOptions, PilotRound
from .common import Settings, app_words
from .data import staged


def render(settings: Settings) -> None:
    st.subheader("Pilot: learn the output length before the whole job")
    st.caption(
        "Upload the dataset; the first round is sized from the model's output prior (a documented guess, "
        "labelled as such). Submit the batch file, then upload the result files of every round so far: the "
        "estimate of the whole job gets a 95% interval, and the next round's rows (never a row that ran) or "
        "a stop."
    )
    data = st.file_uploader("Dataset (CSV, JSONL, Parquet, XLSX)", key="pilot_data")
    cols = st.columns(3)
    column = cols[0].text_input("Text column", key="pilot_column")
    strata = cols[1].text_input("Strata column (optional)", key="pilot_strata")
    tolerance = cols[2].text_input("Tolerance", value="5%", key="pilot_tolerance")
    results = st.file_uploader("Result files of the rounds so far", type=["jsonl", "json"],
                               accept_multiple_files=True, key="pilot_results")
    if data is None or not column:
        st.info("Upload a dataset and name its text column.")
        return
    options = PilotOptions(tolerance=tolerance, strata_column=strata or None)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="estimator-pilot-") as out:
        source = stack.enter_context(staged(data.name, data.getvalue()))
        staged_results = tuple(stack.enter_context(staged(r.name, r.getvalue())) for r in results or [])
        result = pilot(source, Path(out) / "round", model=settings.model.id, column=column,
                       results=staged_results, options=options, prices=settings.book, as_of=settings.as_of)
        _show(result)


def _show(result: PilotRound) -> None:
    cols = st.columns(3)
    cols[0].metric("Expected job cost", format_usd(result.expected_cost))
    label = "95% interval" if result.basis == "pilot" else "Prior range"
    cols[1].metric(label, f"{format_usd(result.low_cost)} to {format_usd(result.high_cost)}")
    cols[2].metric("Rows run / next", f"{result.rows_run:,} / {result.rows_next:,}")
    st.write(app_words(result.verdict()))
    st.dataframe(result.to_frame(), key="pilot_strata_table")
    st.code(app_words(result.to_text()), language=None)
    if result.batch is not None and result.batch.files:
        first = result.batch.files[0].path
        st.download_button("Batch file of this round", first.read_bytes(), file_name=first.name,
                           key="pilot_batch_download")
    if result.manifest_path is not None:
        st.download_button("Manifest (JSON)", result.manifest_path.read_bytes(), file_name="pilot.manifest.json",
                           key="pilot_manifest_download")
