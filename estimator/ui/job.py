"""The job the planning tabs work on: the uploaded dataset's estimate, or typed-in sizes.

Either way the tabs plan it with the library's ``estimator.plan``: the counted
estimate is planned as it is (its long-context rows, price entry and output
included), a typed-in job as ``JobSize`` at the sidebar's price entry, so a
request above a long-context threshold is priced at the tier's rates here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from .. import JobPlan, JobSize, PlanOptions
from ..batch.writer import format_for
from ..errors import UsageError
from .common import Settings
from .plans import plan_estimate, plan_size

if TYPE_CHECKING:
    from .estimate import EstimateResult


@dataclass(frozen=True)
class Job:
    size: JobSize | None  # typed in; None when the job is the uploaded dataset
    label: str
    result: EstimateResult | None  # set when the job is the uploaded dataset

    def plan(self, settings: Settings, options: PlanOptions) -> JobPlan:
        """The library's plan of this job under ``options`` (made once for every tab: ``plans``)."""
        if self.result is not None:
            return plan_estimate(self.result.key, self.result.estimate, options)
        assert self.size is not None
        return plan_size(settings, self.size, options)

    @property
    def max_tokens(self) -> int | None:
        return self.result.profile.max_tokens if self.result is not None else None


def job_inputs(result: EstimateResult | None, prefix: str, *, rows: int = 100_000) -> Job:
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
            return Job(None, result.upload.name, result)
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
    return Job(JobSize(n, inp, out_tokens), f"{n:,} requests of {inp:,} + {out_tokens:,} tokens", None)


def batch_format(settings: Settings) -> str | None:
    """The batch file format of the model's provider; None when files cannot be written for it."""
    try:
        return format_for(settings.model.provider, settings.model.kind)
    except UsageError:
        return None
