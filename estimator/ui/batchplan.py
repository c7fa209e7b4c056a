"""The Batch plan tab: files, waves and completion time, and the ready-to-submit JSONL files."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from .. import JobPlan, write_batch
from ..batch import BatchFileOptions, BatchPlan, QueueLimit
from ..batch.logistics import expiry_outcome
from ..counting.prompts import RequestShape
from ..errors import UsageError
from ..formats import format_bytes, format_hours
from ..money import format_usd
from ..planning import PlanOptions
from ..planning.job import measured_batch_plan
from ..pricing import Price, PricedModel
from ..reading import ReadOptions
from .common import Settings, need_price, pricebook, tokenizer
from .data import Upload, file_preview, staged
from .job import Job, batch_format, job_inputs
from .plans import plan_options

if TYPE_CHECKING:
    from .estimate import EstimateResult

FILE_PREFIX = "batch-requests"
ROW_IDS = "(row number and content hash)"
MAX_LISTED_FILES = 500
MEASURE_BY_DEFAULT_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class BatchJob:
    """What the batch files are written from; hashable, so plans can be cached on it."""

    model: str
    format: str
    column: str | None
    template: str | None
    system: str | None
    max_tokens: int | None
    id_column: str | None
    queue_tokens: int | None
    queue_requests: int | None
    typical_wave_hours: Decimal

    @property
    def shape(self) -> RequestShape:
        return RequestShape(column=self.column, template=self.template, system=self.system)

    @property
    def queue(self) -> QueueLimit:
        return QueueLimit(self.queue_tokens, self.queue_requests)

    def columns(self) -> list[str]:
        return [*self.shape.columns, *([self.id_column] if self.id_column else [])]

    def options(self) -> BatchFileOptions:
        return BatchFileOptions(max_tokens=self.max_tokens, id_column=self.id_column,
                                enqueued_tokens=self.queue_tokens)

    def plan_options(self) -> PlanOptions:
        return PlanOptions(queue=self.queue, typical_batch_hours=self.typical_wave_hours)


def render(settings: Settings, result: EstimateResult | None) -> None:
    priced = need_price(settings)
    st.subheader("Batch files, waves and completion time")
    job = job_inputs(result, "bp")
    # The plan the answer strip and the Time value tab show: the same options, the same figures.
    planned = job.plan(settings, plan_options(settings, max_tokens=job.max_tokens))
    fmt = batch_format(settings)
    rule = priced.price.batch_rule
    if rule is not None:
        limits = [
            f"{rule.max_requests_per_file:,} requests" if rule.max_requests_per_file else None,
            # Providers publish these limits in binary megabytes (200 MB = 209,715,200 bytes).
            f"{format_bytes(rule.max_bytes_per_file)} ({rule.max_bytes_per_file:,} bytes)"
            if rule.max_bytes_per_file
            else None,
        ]
        st.caption(
            f"{settings.limits.provider_name} batch files hold at most "
            f"{' and '.join(x for x in limits if x) or 'any number of requests'}; each batch completes "
            f"within {rule.completion_window_hours} h. Queue limit: {settings.limits.describe()} "
            "(sidebar). [source](" + rule.source + ")"
        )

    download: tuple[BatchJob, Upload] | None = None
    ready_made = job.result is not None and job.result.options is None
    upload = job.result.upload if job.result is not None and fmt is not None and not ready_made else None
    if ready_made:
        st.info(
            "The uploaded file is already a batch request file: its own size and request count are "
            "checked against the limits on the Estimate tab. The plan below splits the same job by its "
            "average request.",
            icon=":material/fact_check:",
        )
    measure = False
    if upload is not None:
        # Every tab runs on every change, so a big file is only re-read when asked for.
        measure = st.toggle(
            "Measure every request line (reads the file again; needed to download the files)",
            value=upload.size <= MEASURE_BY_DEFAULT_BYTES,
            key="bp_measure",
        )
    if upload is not None and fmt is not None and measure:
        bjob = batch_job_inputs(settings, job, fmt)
        if bjob.queue_tokens is not None:
            tokenizer(settings.model.tokenizer)
        with st.spinner("Measuring every request line ..."):
            plan = measured_plan(
                upload.digest, upload.name, upload.format, upload.encoding, bjob, _data=upload.data,
                _price=priced.price,
                delimiter=upload.delimiter, skip_bad_rows=upload.skip_bad_rows,
            )
        download = (bjob, upload)
    else:
        if job.result is not None and fmt is None and not ready_made:
            st.info(
                f"Ready-to-submit files can be written for OpenAI and Anthropic models; for "
                f"{settings.limits.provider_name} the plan uses an estimated request size."
            )
        plan = planned.batch

    show_plan(plan)
    show_expiry(planned, plan)
    if download is not None:
        bjob, upload = download
        several = len(plan.files) > 1
        st.download_button(
            f"Download {len(plan.files):,} batch file{'s (zip)' if several else ' (JSONL)'}",
            data=lambda: batch_files_bytes(upload, bjob),
            file_name=f"{FILE_PREFIX}.zip" if several else f"{FILE_PREFIX}-001.jsonl",  # as in the table
            mime="application/zip" if several else "application/jsonl",
            key="download_batch_files",
            on_click="ignore",
        )
        st.caption(
            f"One `{bjob.format}` request per row, split exactly as planned above. Upload each file to the "
            "provider's batch endpoint."
        )
    elif job.result is None:
        st.caption("Upload a dataset on the Estimate tab to download ready-to-submit batch files.")
    elif fmt is not None:
        st.caption(
            "Sizes estimated from the average request. Measure the request lines to download the files."
        )


def batch_job_inputs(settings: Settings, job: Job, fmt: str) -> BatchJob:
    assert job.result is not None
    options = job.result.options
    assert options is not None  # ready-made batch files are never rewritten
    upload = job.result.upload
    columns = file_preview(upload.digest, upload.name, upload.read, upload.data)[0]
    cols = st.columns(2)
    if options.max_tokens is not None:
        cap = options.max_tokens
        cols[0].caption(f"Each request carries max_tokens {cap:,} (from the Estimate tab).")
    else:
        profile = job.result.profile
        default = 0
        if fmt == "anthropic":  # required there: the longest expected answer, or a common default
            default = (
                profile.output_per_row.max if profile.output_per_row and profile.output_per_row.max else 1024
            )
        cap = int(
            cols[0].number_input(
                "max_tokens in each request"
                + (" (required by Anthropic)" if fmt == "anthropic" else " (0 = leave out)"),
                min_value=1 if fmt == "anthropic" else 0,
                value=default,
                step=50,
                key="batch_max_tokens",
                help="Set max_tokens on the Estimate tab to use the same cap there.",
            )
        )
    id_column = cols[1].selectbox(
        "custom_id from",
        [ROW_IDS, *columns],
        key="batch_id_column",
        help="A column of unique ids, or ids made from the row number and content.",
    )
    q = settings.limits.queue
    return BatchJob(
        model=settings.model.id,
        format=fmt,
        column=options.column,
        template=options.template,
        system=options.system,
        max_tokens=cap or None,
        id_column=None if id_column == ROW_IDS else id_column,
        queue_tokens=q.enqueued_tokens,
        queue_requests=q.enqueued_requests,
        typical_wave_hours=settings.limits.typical_wave_hours,
    )


@st.cache_data(max_entries=16, show_spinner=False)
def measured_plan(
    digest: str,
    name: str,
    fmt: str | None,
    encoding: str | None,
    bjob: BatchJob,
    *,
    _data: bytes | memoryview | Path,
    _price: Price,
    delimiter: str | None = None,
    skip_bad_rows: bool = False,
) -> BatchPlan:
    """The plan from the real serialized request lines of every row."""
    priced = PricedModel(pricebook().model(bjob.model), _price, _price.effective_from)
    read = ReadOptions(format=fmt, encoding=encoding, delimiter=delimiter, skip_bad_rows=skip_bad_rows)
    with staged(name, _data) as path:
        return measured_batch_plan(path, bjob.shape, priced, bjob.plan_options(), read=read,
                                   max_tokens=bjob.max_tokens, id_column=bjob.id_column)


def batch_files_bytes(upload: Upload, bjob: BatchJob) -> bytes:
    """The batch files of an upload: one JSONL file as is, several in a zip with their manifest.

    Runs when the download is clicked (outside the script run), so it calls no streamlit.
    """
    with (
        tempfile.TemporaryDirectory(prefix="estimator-batch-") as out,
        staged(upload.name, upload.data) as path,
    ):
        manifest = write_batch(
            path, Path(out).joinpath(FILE_PREFIX), model=bjob.model, column=bjob.column, template=bjob.template,
            system=bjob.system, options=bjob.options(), read=upload.read,
            prices=pricebook(),
        )
        if len(manifest.files) == 1:
            return manifest.files[0].path.read_bytes()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for f in manifest.files:
                zf.write(f.path, arcname=f.path.name)
            doc = manifest.to_json()
            for entry in doc["files"]:
                entry["path"] = Path(entry["path"]).name
            zf.writestr("manifest.json", json.dumps(doc, indent=2) + "\n")
        return buf.getvalue()


def show_expiry(planned: JobPlan, plan: BatchPlan) -> None:
    """Batches that expire bill only what completed; the rest must be sent again."""
    with st.expander("If the batch does not finish in its window"):
        share = st.slider(
            "Share of requests completed within the window",
            min_value=0.0,
            max_value=1.0,
            value=0.9,
            step=0.01,
            key="bp_completion_share",
            help="Requests still pending when the window closes expire and are not billed.",
        )
        outcome = expiry_outcome(planned.comparison, plan, Decimal(str(share)))
        cols = st.columns(3)
        cols[0].metric("Completed and billed", format_usd(outcome.first_pass_cost),
                       help=f"{outcome.completed_requests:,} requests at batch prices")
        cols[1].metric("Total if the rest is resent as batch", format_usd(outcome.total_if_resubmitted_as_batch),
                       help=f"{outcome.remainder_requests:,} requests in a new batch: "
                       f"+{format_hours(outcome.extra_worst_case_hours_if_batch)} worst case")
        cols[2].metric("Total if the rest is resent as standard",
                       format_usd(outcome.total_if_resubmitted_as_standard),
                       help=f"{outcome.remainder_requests:,} requests at standard prices, now")
        st.caption(
            f"{outcome.completed_requests:,} of {planned.usage.requests:,} requests complete; "
            f"{outcome.remainder_requests:,} expire unbilled. Resending them as a batch costs "
            f"{format_usd(outcome.resubmit_batch_cost)} and up to "
            f"{format_hours(outcome.extra_worst_case_hours_if_batch)} more; as standard requests "
            f"{format_usd(outcome.resubmit_standard_cost)}."
        )


def show_plan(plan: BatchPlan) -> None:
    m = st.columns(4)
    m[0].metric("Batch files", f"{len(plan.files):,}")
    m[1].metric(
        "Waves",
        f"{plan.waves:,}",
        help="Files that fit the batch queue together; each wave waits for the previous one.",
    )
    m[2].metric(
        "Worst case",
        format_hours(plan.worst_case_hours),
        help=f"{plan.waves:,} wave(s) × the {plan.window_hours} h completion window",
    )
    m[3].metric(
        "Typical",
        format_hours(plan.typical_hours),
        help=f"{plan.waves:,} wave(s) × {plan.typical_wave_hours} h (sidebar assumption)",
    )
    st.caption(plan.describe())
    if not plan.files:
        raise UsageError("the job has no requests: nothing to plan")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "File": f"{FILE_PREFIX}-{f.index:03d}.jsonl",
                    "Rows": f"{f.first_row:,} – {f.last_row:,}",
                    "Requests": f"{f.requests:,}",
                    "Bytes": f"{f.bytes:,}",
                    "Prompt tokens": f"{f.input_tokens:,}",
                    "Wave": f.wave,
                }
                for f in plan.files[:MAX_LISTED_FILES]
            ]
        ),
        hide_index=True,
        width="stretch",
        key="bp_files",
    )
    if len(plan.files) > MAX_LISTED_FILES:
        st.caption(f"First {MAX_LISTED_FILES} of {len(plan.files):,} files shown.")
