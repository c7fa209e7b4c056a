"""LLM API delivery-mode cost estimator and planner: the public API.

    import estimator
    est = estimator.estimate("reviews.csv", model="gpt-4o", column="review", output_tokens=50)
    print(est.to_text())

A source may be a file path, a pandas DataFrame, a pyarrow Table, a list of
strings or a list of chat conversations. Model names are strings. Money is
``Decimal``. Each concept has a subpackage with more: ``estimator.tokens``,
``estimator.pricing``, ``estimator.reading``, ``estimator.counting``,
``estimator.batch``, ``estimator.planning``, ``estimator.report``.
"""

from . import _entry

if _entry.is_command_line():  # Ctrl-C while the program starts: a message, not a traceback
    _entry.startup_signals()

from estimator.api import (
    EstimateOptions,
    JobSize,
    count_tokens,
    estimate,
    forecast,
    plan,
    price,
    route,
    write_batch,
)
from estimator.batch import Reconciliation, reconcile
from estimator.counting import CountOptions, OutputSpec, TokenProfile
from estimator.errors import (
    DataError,
    EstimatorError,
    PricingError,
    TokenizerError,
    UnknownModelError,
    UsageError,
)
from estimator.modes import MODE_LABELS, CacheParams, Comparison, EarlyExitParams, ModeCost, ModeParams
from estimator.money import format_usd
from estimator.planning import JobPlan, PlanOptions
from estimator.pricing import PriceBook, load_pricebook
from estimator.reading import ReadOptions
from estimator.report import Estimate
from estimator.usage import Usage

__all__ = [
    "MODE_LABELS",
    "CacheParams",
    "Comparison",
    "CountOptions",
    "DataError",
    "EarlyExitParams",
    "Estimate",
    "EstimateOptions",
    "EstimatorError",
    "JobPlan",
    "JobSize",
    "ModeCost",
    "ModeParams",
    "OutputSpec",
    "PlanOptions",
    "PriceBook",
    "PricingError",
    "ReadOptions",
    "Reconciliation",
    "TokenProfile",
    "TokenizerError",
    "UnknownModelError",
    "Usage",
    "UsageError",
    "count_tokens",
    "estimate",
    "forecast",
    "format_usd",
    "load_pricebook",
    "plan",
    "price",
    "reconcile",
    "route",
    "write_batch",
]
