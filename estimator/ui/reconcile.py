"""The Reconcile tab: a finished batch against its estimate, failures, and the retry file."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from .. import reconcile
from ..batch import Reconciliation
from ..charts import estimated_vs_actual
from ..money import format_usd
from .common import Settings, app_words


def render(settings: Settings) -> None:
    st.subheader("Reconcile a finished batch")
    st.caption(
        "Upload the request file you submitted and the result (and error) files the provider returned: "
        "OpenAI, Anthropic or Gemini. Results are joined on custom_id (Gemini: key) and priced from the "
        "usage the provider reported."
    )
    cols = st.columns(3)
    requests = cols[0].file_uploader("Request file (JSONL)", type=["jsonl", "json"], key="reconcile_requests")
    results = cols[1].file_uploader("Result file (JSONL)", type=["jsonl", "json"], key="reconcile_results")
    errors = cols[2].file_uploader("Error file (optional, OpenAI)", type=["jsonl", "json"],
                                   key="reconcile_errors")
    opts = st.columns(2)
    mode = opts[0].selectbox("Prices", ["batch", "standard"], key="reconcile_mode",
                             help="Batch rates for a batch; standard to compare with what it would have cost.")
    output = opts[1].number_input("Estimated output tokens per request (0: each request's max tokens)",
                                  min_value=0, value=0, step=1, key="reconcile_output_tokens")
    if requests is None or results is None:
        st.info("Upload a request file and a result file to reconcile them.")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = []
        for name, upload in (("requests", requests), ("results", results), ("errors", errors)):
            if upload is None:
                continue
            path = folder / f"{name}.jsonl"
            path.write_bytes(upload.getvalue())
            paths.append(path)
        rec = reconcile(paths[0], paths[1], paths[2] if len(paths) > 2 else None,
                        mode="standard" if mode == "standard" else "batch",
                        output_tokens=int(output) or None, retry_to=folder / "retry", prices=settings.book)
        retry_files = [(p.name, p.read_bytes()) for p in rec.retry.files]
    show(rec, retry_files)


def show(rec: Reconciliation, retry_files: list[tuple[str, bytes]]) -> None:
    st.caption(f"{rec.model}, {rec.mode} prices from {rec.price.effective_from} (as of {rec.as_of}). "
               f"[source]({rec.price.source})")
    counts = [("Requests", rec.requests), ("Succeeded", len(rec.succeeded)), ("Failed", len(rec.failed)),
              ("Expired", len(rec.expired)), ("Canceled", len(rec.canceled)), ("Missing", len(rec.missing)),
              ("Unknown ids", len(rec.unknown_ids))]
    for col, (label, value) in zip(st.columns(len(counts)), counts):
        col.metric(label, f"{value:,}")
    a, e = rec.actual, rec.estimated
    money = st.columns(3)
    money[0].metric("Estimated cost", format_usd(e.cost))
    money[1].metric("Actual cost", format_usd(a.cost), delta=format_usd(rec.cost_difference), delta_color="inverse")
    money[2].metric("Retry cost (estimate)", format_usd(rec.retry.estimated_cost))
    st.dataframe(pd.DataFrame([
        {"": "estimated", "input tokens": e.input_tokens, "cached input": e.cached_input_tokens,
         "output tokens": e.output_tokens, "reasoning": e.reasoning_tokens, "cost": format_usd(e.cost)},
        {"": "actual", "input tokens": a.input_tokens, "cached input": a.cached_input_tokens,
         "output tokens": a.output_tokens, "reasoning": a.reasoning_tokens, "cost": format_usd(a.cost)},
    ]), hide_index=True, key="reconcile_totals")
    if rec.per_request:
        st.plotly_chart(estimated_vs_actual([(r.id, r.estimated_cost, r.actual_cost) for r in rec.per_request]),
                        key="reconcile_chart")
        st.markdown("**Requests most off**")
        st.dataframe(pd.DataFrame([
            {"id": r.id, "line": r.line, "estimated output": r.estimated_output, "actual output": r.actual_output,
             "estimated input": r.estimated_input, "actual input": r.actual_input,
             "actual - estimated": format_usd(r.cost_error)} for r in rec.most_off()
        ]), hide_index=True, key="reconcile_most_off")
    if rec.failed:
        st.markdown("**Failures by reason**")
        st.dataframe(pd.DataFrame([
            {"id": f.id, "line": f.line, "reason": f.reason, "retried": "yes" if f.retryable else "no",
             "message": f.message or ""} for f in rec.failed
        ]), hide_index=True, key="reconcile_failures")
    if rec.outputs is not None:
        st.caption(rec.outputs.describe())
        st.download_button("Download the measured output lengths (JSON)",
                           json.dumps(rec.outputs.to_json(), indent=2).encode("utf-8"),
                           file_name="output-lengths.json", mime="application/json", key="reconcile_outputs")
    if rec.retry.requests:
        name, data = retry_download(retry_files)
        st.download_button(f"Download the retry file ({rec.retry.requests:,} requests)", data, file_name=name,
                           mime="application/jsonl" if name.endswith(".jsonl") else "application/zip",
                           key="reconcile_retry")
    else:
        st.success("Nothing to send again.")
    for note in rec.notes:
        st.caption(app_words(note))


def retry_download(files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """One retry file as it is, several in a zip."""
    if len(files) == 1:
        return files[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(name, data)
    return "retry-files.zip", buffer.getvalue()
