"""Planning a job: time per tier, the one decision, routing, forecasts and the budgeter exercise.

``estimator.plan(...)`` returns a ``JobPlan``; its ``decision`` is the recommended way to
run the job and why, and ``cost_curve()`` every way's cost over job sizes.
"""

from estimator.planning.decision import (
    DEFAULT_VALUE_PER_HOUR,
    EXCLUDABLE_TIERS,
    BatchTradeoff,
    CurvePoint,
    Decision,
    TierParams,
    WayToRun,
)
from estimator.planning.exercise import (
    DEFAULT_ROWS,
    DEFAULT_TOKENS_PER_ROW,
    DEFAULT_WAIT_HOURS,
    EXERCISE_MODEL,
    EXERCISE_PRICE_DATE,
    run_exercise,
)
from estimator.planning.forecast import (
    ALL_BATCH,
    ALL_STANDARD,
    DEFAULT_PLANS,
    PRICING_RULES,
    SCHEDULE_PERIODS,
    Forecast,
    ForecastOptions,
    ModeMix,
    Volume,
    build_forecast,
    hybrid_mix,
    size_from,
    volume_from,
)
from estimator.planning.job import WAIT_BASES, JobPlan, PlanOptions, plan_job
from estimator.planning.limits import (
    DEFAULT_CONCURRENCY,
    DEFAULT_LATENCY_SECONDS,
    RATE_LIMIT_EXAMPLES,
    RateLimitExample,
    RateLimits,
    Throughput,
    rate_limit_example,
)
from estimator.planning.routing import RoutingPlan, TrafficMix, route_traffic
from estimator.planning.times import JobTimes, ModeTime

__all__ = [
    "ALL_BATCH",
    "ALL_STANDARD",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_LATENCY_SECONDS",
    "DEFAULT_ROWS",
    "DEFAULT_TOKENS_PER_ROW",
    "DEFAULT_VALUE_PER_HOUR",
    "DEFAULT_WAIT_HOURS",
    "EXCLUDABLE_TIERS",
    "EXERCISE_MODEL",
    "EXERCISE_PRICE_DATE",
    "PRICING_RULES",
    "RATE_LIMIT_EXAMPLES",
    "SCHEDULE_PERIODS",
    "WAIT_BASES",
    "BatchTradeoff",
    "CurvePoint",
    "Decision",
    "DEFAULT_PLANS",
    "Forecast",
    "ForecastOptions",
    "JobPlan",
    "JobTimes",
    "ModeMix",
    "ModeTime",
    "PlanOptions",
    "RateLimitExample",
    "RateLimits",
    "RoutingPlan",
    "Throughput",
    "TierParams",
    "TrafficMix",
    "Volume",
    "WayToRun",
    "build_forecast",
    "hybrid_mix",
    "plan_job",
    "rate_limit_example",
    "route_traffic",
    "run_exercise",
    "size_from",
    "volume_from",
]
