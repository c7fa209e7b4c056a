"""The Reconcile tab: a finished batch against its estimate and the provider's figures, failures,
the gap by cause, and the retry file."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import streamlit as st

from .. import reconcile
from ..batch import ReconcileOptions, Reconciliation
from ..batch.attribution import cause_label
from ..charts import cost_waterfall, estimated_vs_actual
from ..money import format_usd
from .common import Settings, app_words, guarded, pricebook
from .data import staged

UPLOADS = (("requests", "reconcile_requests"), ("results", "reconcile_results"), ("errors", "reconcile_errors"))


def render(settings: Settings) -> None:
    st.subheader("Reconcile a finished batch")
    st.caption(
        "Upload the request file you submitted and the result (and error) files the provider returned: "
        "OpenAI, Anthropic or Gemini. Results are joined on custom_id (Gemini: key); every billable unit "
        "they report is priced, and the gap to the estimate is split into its causes."
    )
    cols = st.columns(3)
    requests = cols[0].file_uploader("Request file (JSONL)", type=["jsonl", "json"], key="reconcile_requests")
    results = cols[1].file_uploader("Result file (JSONL)", type=["jsonl", "json"], key="reconcile_results")
    errors = cols[2].file_uploader("Error file (optional, OpenAI)", type=["jsonl", "json"],
                                   key="reconcile_errors")
    opts = st.columns(3)
    mode = opts[0].selectbox("How the requests were sent", ["batch", "standard", "flex", "priority", "ultrafast"],
                             key="reconcile_mode",
                             help="Batch rates for a batch; a tier for requests sent one by one (each is then "
                                  "billed at the tier that served it).")
    output = opts[1].number_input("Estimated output tokens per request (0: each request's max tokens)",
                                  min_value=0, value=0, step=1, key="reconcile_output_tokens")
    estimated_on = opts[2].date_input("Day the batch was estimated (its prices)", value=None,
                                      key="reconcile_estimated_as_of",
                                      help="Leave empty when it was estimated on the day it ran.")
    billing = st.file_uploader(
        "The provider's usage or cost export (optional): OpenAI usage/costs API pages (JSON), Anthropic usage "
        "or cost report (JSON), Google Cloud billing export (CSV)", type=["json", "jsonl", "csv"],
        accept_multiple_files=True, key="reconcile_billing")
    if requests is None or results is None:
        st.session_state.pop("_reconciled", None)  # a removed upload's reconciliation is not kept in memory
        st.info("Upload a request file and a result file to reconcile them.")
        return
    if not results.getvalue().strip():
        st.warning(f"{results.name} is empty: no request has a result, so every request counts as missing and "
                   "is offered for a retry. Check that this is the provider's result file before sending them "
                   "again.", icon=":material/warning:")
    uploads = [(role, u) for (role, _), u in zip(UPLOADS, (requests, results, errors)) if u is not None]
    billing_files = list(billing or [])
    # Every rerun of the page (any widget, on any tab) would reconcile the batch again: 100,000
    # requests take seconds. The last reconciliation is kept for the same uploads and settings
    # (an upload's file_id changes when a file is uploaded again), with the shipped price tables.
    key = (tuple((role, u.file_id) for role, u in uploads), tuple(b.file_id for b in billing_files),
           mode, int(output), estimated_on, settings.book.strict)
    keep = settings.book is pricebook(settings.book.strict)
    kept = st.session_state.get("_reconciled")
    if keep and kept is not None and kept[0] == key:
        with guarded("showing the reconciliation"):
            show(*kept[1:])
        return
    with guarded("reconciling the batch"):
        with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="estimator-retry-") as out:
            paths = {role: stack.enter_context(staged(u.name, u.getvalue())) for role, u in uploads}
            bills = [stack.enter_context(staged(b.name, b.getvalue())) for b in billing_files]
            rec = reconcile(paths["requests"], paths["results"], paths.get("errors"),
                            mode=mode, output_tokens=int(output) or None, retry_to=Path(out) / "retry",
                            prices=settings.book,
                            options=ReconcileOptions(estimated_as_of=estimated_on, billing=tuple(bills)))
            names = {str(paths[role]): u.name for role, u in uploads}
            names.update({str(p): b.name for p, b in zip(bills, billing_files)})
            names[f"{out}/"] = ""
            retry_files = [(p.name, p.read_bytes()) for p in rec.retry.files]
        st.session_state["_reconciled"] = (key, rec, retry_files, names) if keep else None
        show(rec, retry_files, names)


def _named(text: str, names: dict[str, str]) -> str:
    """A library text with the temporary copies of the uploads named as the uploads."""
    for path, name in names.items():
        text = text.replace(path, name)
    return app_words(text)


@contextlib.contextmanager
def _section(title: str) -> Iterator[None]:
    st.markdown(f"**{title}**")
    yield


def show(rec: Reconciliation, retry_files: list[tuple[str, bytes]], names: dict[str, str] | None = None) -> None:
    names = names or {}
    st.caption(f"{rec.model}, {rec.mode} prices from {rec.price.effective_from} (as of {rec.as_of}). "
               f"[source]({rec.price.source})")
    counts = [("Requests", rec.requests), ("Succeeded", len(rec.succeeded)), ("Failed", len(rec.failed)),
              ("Expired", len(rec.expired)), ("Canceled", len(rec.canceled)), ("Missing", len(rec.missing)),
              ("Unreadable", len(rec.unreadable_ids)), ("Unknown ids", len(rec.unknown_ids))]
    for col, (label, value) in zip(st.columns(len(counts)), counts):
        col.metric(label, f"{value:,}")
    a, e = rec.actual, rec.estimated
    money = st.columns(4)
    money[0].metric("Estimated cost", format_usd(e.cost))
    money[1].metric("Actual cost", format_usd(a.cost), delta=format_usd(rec.cost_difference), delta_color="inverse")
    unknown = rec.unknown
    high = format_usd(unknown.high) if unknown.high is not None else "no upper bound"
    money[2].metric("Unknown usage", f"{unknown.requests:,} requests",
                    help=f"They ran (or may have) but their usage cannot be read: {format_usd(unknown.low)} "
                         f"to {high} more.")
    money[3].metric("Retry cost (estimate)", format_usd(rec.retry.estimated_cost))
    st.dataframe(pd.DataFrame([
        {"": "estimated", "input tokens": e.input_tokens, "cached input": e.cached_input_tokens,
         "cache writes": e.cache_write_tokens, "output tokens": e.output_tokens, "reasoning": e.reasoning_tokens,
         "cost": format_usd(e.cost)},
        {"": "actual", "input tokens": a.input_tokens, "cached input": a.cached_input_tokens,
         "cache writes": a.cache_write_tokens, "output tokens": a.output_tokens, "reasoning": a.reasoning_tokens,
         "cost": format_usd(a.cost)},
    ]), hide_index=True, key="reconcile_totals")
    with _section("Why the bill differs from the estimate"):
        st.plotly_chart(cost_waterfall(rec.waterfall()), key="reconcile_waterfall")
        st.dataframe(pd.DataFrame([{"cause": cause_label(k), "amount": format_usd(v)}
                                   for k, v in rec.attribution.causes if v]), hide_index=True,
                     key="reconcile_causes")
    if unknown.requests:
        with _section("Requests whose usage cannot be read (not sent again)"):
            st.dataframe(pd.DataFrame([{"id": i.id, "file": _named(i.path, names), "line": i.line,
                                        "field": i.field or "", "problem": i.message} for i in unknown.items]),
                         hide_index=True, key="reconcile_unknown")
    detail = [("Served at", ", ".join(f"{k} {v:,}" for k, v in rec.served)),
              ("Answered by", ", ".join(f"{k} {v:,}" for k, v in rec.answered_by)),
              ("Tool uses", ", ".join(f"{k} {v:,}" for k, v in a.tool_uses)),
              ("Not priced", ", ".join(f"{k} {v:,}" for k, v in rec.unpriced))]
    for label, text in detail:
        if text:
            st.caption(f"{label}: {text}")
    if rec.per_request:
        st.plotly_chart(estimated_vs_actual([(r.id, r.estimated_cost, r.actual_cost) for r in rec.per_request
                                             if r.actual_cost is not None]), key="reconcile_chart")
        with _section("Requests most off"):
            st.dataframe(pd.DataFrame([
                {"id": r.id, "line": r.line, "estimated output": r.estimated_output, "actual output": r.actual_output,
                 "estimated input": r.estimated_input, "actual input": r.actual_input,
                 "actual - estimated": format_usd(r.cost_error) if r.actual_cost is not None else "unknown"}
                for r in rec.most_off()
            ]), hide_index=True, key="reconcile_most_off")
    if rec.failed:
        with _section("Failures by reason"):
            st.dataframe(pd.DataFrame([
                {"id": f.id, "line": f.line, "reason": f.reason, "retried": "yes" if f.retryable else "no",
                 "message": f.message or ""} for f in rec.failed
            ]), hide_index=True, key="reconcile_failures")
    if rec.billing is not None:
        with _section("Against the provider's own figures"):
            for line in rec.billing.text_lines():
                st.caption(_named(line, names))
    if rec.outputs is not None:
        st.caption(_named(rec.outputs.describe(), names))
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
        st.caption(_named(note, names))


def retry_download(files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """One retry file as it is, several in a zip."""
    if len(files) == 1:
        return files[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(name, data)
    return "retry-files.zip", buffer.getvalue()
