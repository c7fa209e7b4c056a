"""Planning a job: time per mode, the decision, routing, forecasts and the budgeter exercise.

``estimator.plan(...)`` gives a ``JobPlan``; the names here build the parts of a plan
and price a month-by-month forecast or a routing of traffic. The arithmetic behind them
lives in ``estimator.planning.decision``, ``.tiers``, ``.job``, ``.forecast`` and ``.exercise``.
"""

from estimator.planning.decision import (
    RateLimitExample,
    RateLimits,
    RoutingPlan,
    Throughput,
    TrafficMix,
    rate_limit_example,
    route_traffic,
)
from estimator.planning.exercise import Exercise, run_exercise
from estimator.planning.forecast import Forecast, ModeMix, Volume, build_forecast, hybrid_mix, size_from, volume_from
from estimator.planning.job import JobPlan, PlanOptions
from estimator.planning.tiers import TierDecision, TierParams

__all__ = [
    "Exercise",
    "Forecast",
    "JobPlan",
    "ModeMix",
    "PlanOptions",
    "RateLimitExample",
    "RateLimits",
    "RoutingPlan",
    "Throughput",
    "TierDecision",
    "TierParams",
    "TrafficMix",
    "Volume",
    "build_forecast",
    "hybrid_mix",
    "rate_limit_example",
    "route_traffic",
    "run_exercise",
    "size_from",
    "volume_from",
]
