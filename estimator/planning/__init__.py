"""Planning a job: time per tier, the one decision, routing, forecasts and the budgeter exercise.

``estimator.plan(...)`` returns a ``JobPlan``; its ``decision`` is the recommended way to
run the job and why, and ``cost_curve()`` every way's cost over job sizes. The names here
build the parts of a plan and price a month-by-month forecast or a routing of traffic
(``estimator.forecast`` and ``estimator.route`` are the one-call forms). The arithmetic
behind them, and the defaults the command line and the app show, live in
``estimator.planning.limits``, ``.times``, ``.decision``, ``.job``, ``.routing``,
``.forecast`` and ``.exercise``. ``what_fits`` answers the reverse question (what a budget buys
by a deadline) and ``approval_summary`` writes a plan on one page for the person approving it.
"""

from estimator.planning.decision import (
    BatchTradeoff,
    CurvePoint,
    DeadlinePreset,
    Decision,
    FrontierPoint,
    TierParams,
    WayToRun,
)
from estimator.planning.exercise import Exercise, run_exercise
from estimator.planning.fits import Fit, WhatFits, what_fits
from estimator.planning.forecast import (
    Forecast,
    ForecastOptions,
    ModeMix,
    Volume,
    build_forecast,
    hybrid_mix,
    size_from,
    volume_from,
)
from estimator.planning.job import JobPlan, PlanOptions
from estimator.planning.limits import RateLimitExample, RateLimits, Throughput, rate_limit_example
from estimator.planning.routing import RoutingPlan, TrafficMix, route_traffic
from estimator.planning.summary import approval_summary

__all__ = [
    "BatchTradeoff",
    "CurvePoint",
    "DeadlinePreset",
    "Decision",
    "Exercise",
    "Fit",
    "Forecast",
    "ForecastOptions",
    "FrontierPoint",
    "JobPlan",
    "ModeMix",
    "PlanOptions",
    "RateLimitExample",
    "RateLimits",
    "RoutingPlan",
    "Throughput",
    "TierParams",
    "TrafficMix",
    "Volume",
    "WayToRun",
    "WhatFits",
    "approval_summary",
    "build_forecast",
    "hybrid_mix",
    "rate_limit_example",
    "route_traffic",
    "run_exercise",
    "size_from",
    "volume_from",
    "what_fits",
]
