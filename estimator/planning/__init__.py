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

import typing

from estimator._lazy import lazy_names as _lazy_names

if typing.TYPE_CHECKING:
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

__getattr__, __dir__ = _lazy_names(__name__, {
    "BatchTradeoff": "estimator.planning.decision",
    "CurvePoint": "estimator.planning.decision",
    "DeadlinePreset": "estimator.planning.decision",
    "Decision": "estimator.planning.decision",
    "Exercise": "estimator.planning.exercise",
    "Fit": "estimator.planning.fits",
    "Forecast": "estimator.planning.forecast",
    "ForecastOptions": "estimator.planning.forecast",
    "FrontierPoint": "estimator.planning.decision",
    "JobPlan": "estimator.planning.job",
    "ModeMix": "estimator.planning.forecast",
    "PlanOptions": "estimator.planning.job",
    "RateLimitExample": "estimator.planning.limits",
    "RateLimits": "estimator.planning.limits",
    "RoutingPlan": "estimator.planning.routing",
    "Throughput": "estimator.planning.limits",
    "TierParams": "estimator.planning.decision",
    "TrafficMix": "estimator.planning.routing",
    "Volume": "estimator.planning.forecast",
    "WayToRun": "estimator.planning.decision",
    "WhatFits": "estimator.planning.fits",
    "approval_summary": "estimator.planning.summary",
    "build_forecast": "estimator.planning.forecast",
    "hybrid_mix": "estimator.planning.forecast",
    "rate_limit_example": "estimator.planning.limits",
    "route_traffic": "estimator.planning.routing",
    "run_exercise": "estimator.planning.exercise",
    "size_from": "estimator.planning.forecast",
    "volume_from": "estimator.planning.forecast",
    "what_fits": "estimator.planning.fits",
})

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
