"""The plan of the job, made once for every tab that shows it.

The answer strip, the Time value tab and the Batch plan tab show the same plan (``estimator.plan``)
under the same options: the sidebar's limits, the stakes asked in the strip or on the Time value
tab, and the tier settings. The plan's size search is the slow part of a run, so a plan is cached
on what it depends on (the counted job or typed-in size, the model and pricing date, the mode
settings and the plan options), across runs and sessions.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from .. import Estimate, JobPlan, JobSize, PlanOptions
from .. import plan as plan_of
from .common import Settings, pricebook
from .stakes import stakes
from .tier_settings import with_tier_settings


def plan_options(settings: Settings, *, max_tokens: int | None = None) -> PlanOptions:
    """The sidebar's limits, the stated stakes and the tier settings, as plan options."""
    value, deadline = stakes()
    lim = settings.limits
    options = PlanOptions(limits=lim.rate_limits, queue=lim.queue, limits_label=lim.describe(),
                          throughput=lim.throughput(max_tokens), typical_batch_hours=lim.typical_wave_hours,
                          value_per_hour=value, deadline_hours=deadline,
                          wait_basis=st.session_state.get("wait_basis", "worst"), modes=settings.params)
    return with_tier_settings(options)


def priced_key(settings: Settings) -> tuple[Any, ...]:
    """What picks the price entry: the model, the day and whether only curated prices count."""
    return (settings.model.id, settings.as_of, settings.book.strict)


@st.cache_data(max_entries=32, show_spinner=False)
def _plan_of_estimate(key: tuple[Any, ...], options: PlanOptions, *, _est: Estimate) -> JobPlan:
    return plan_of(_est, options=options)


@st.cache_data(max_entries=32, show_spinner=False)
def _plan_of_size(size: JobSize, model: str, as_of: Any, strict: bool, options: PlanOptions) -> JobPlan:
    return plan_of(model=model, size=size, as_of=as_of, prices=pricebook(strict), options=options)


def plan_estimate(key: tuple[Any, ...], est: Estimate, options: PlanOptions) -> JobPlan:
    """The plan of a counted estimate; ``key`` identifies it (the upload, how it was counted and priced)."""
    return _plan_of_estimate(key, options, _est=est)


def plan_size(settings: Settings, size: JobSize, options: PlanOptions) -> JobPlan:
    """The plan of a typed-in job at the sidebar's model and pricing date."""
    if settings.book is not pricebook(settings.book.strict):  # a book of one's own: not cached
        return plan_of(model=settings.model.id, size=size, as_of=settings.as_of, prices=settings.book,
                       options=options)
    return _plan_of_size(size, settings.model.id, settings.as_of, settings.book.strict, options)
