"""The job the planning tabs work on: the uploaded dataset, or typed-in sizes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from ..batch import BatchPlan
from ..batch.writer import format_for
from ..errors import UsageError
from ..planning import PlanOptions
from ..planning.job import uniform_batch_plan
from ..pricing import PricedModel
from ..usage import RequestSize, Usage
from .common import Settings

if TYPE_CHECKING:
    from .estimate import EstimateResult


@dataclass(frozen=True)
class Job:
    usage: Usage
    max_tokens: int | None
    label: str
    result: EstimateResult | None  # set when the job is the uploaded dataset


def job_inputs(result: EstimateResult | None, prefix: str, priced: PricedModel, *, rows: int = 100_000) -> Job:
    """Use the dataset counted on the Estimate tab, or sizes typed in here."""
    if result is not None:
        p = result.profile
        use = st.toggle(
            f"Use the uploaded dataset ({result.upload.name})", value=True, key=f"{prefix}_use_dataset"
        )
        if use:
            out = (
                f"{p.output_tokens:,} expected output tokens"
                if p.output_per_row is not None
                else "output not estimated"
            )
            st.caption(
                f"{p.rows:,} requests, {p.input_tokens:,} input tokens, {out} (counted on the Estimate tab)."
            )
            return Job(p.usage(), p.max_tokens, result.upload.name, result)
    else:
        st.caption("No dataset uploaded: describe the job here, or upload a file on the Estimate tab.")
    cols = st.columns(3)
    n = int(
        cols[0].number_input("Requests (rows)", min_value=1, value=rows, step=1_000, key=f"{prefix}_rows")
    )
    inp = int(
        cols[1].number_input(
            "Input tokens per request", min_value=0, value=500, step=50, key=f"{prefix}_input_tokens"
        )
    )
    out_tokens = int(
        cols[2].number_input(
            "Output tokens per request", min_value=0, value=200, step=50, key=f"{prefix}_output_tokens"
        )
    )
    usage = RequestSize.per_request(inp, out_tokens).usage(n, priced.price)
    return Job(usage, None, f"{n:,} requests of {inp:,} + {out_tokens:,} tokens", None)


def batch_format(settings: Settings) -> str | None:
    """The batch file format of the model's provider; None when files cannot be written for it."""
    try:
        return format_for(settings.model.provider, settings.model.kind)
    except UsageError:
        return None


def uniform_plan(settings: Settings, priced: PricedModel, job: Job) -> BatchPlan:
    """Files and waves for requests of the job's average size (one representative request line)."""
    limits = settings.limits
    options = PlanOptions(queue=limits.queue, typical_batch_hours=limits.typical_wave_hours)
    plan, _notes = uniform_batch_plan(priced, job.usage, options, max_tokens=job.max_tokens)
    return plan
