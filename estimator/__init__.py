"""LLM API delivery-mode cost estimator and planner: the public API.

    import estimator
    est = estimator.estimate("reviews.csv", model="gpt-4o", column="review", output_tokens=50)
    print(est.to_text())

A source may be a file path, a pandas DataFrame, a pyarrow Table, a list of
strings or a list of chat conversations. Model names are strings. Money is
``Decimal``; numbers may be given as ints, Decimals, strings or floats (read by
the digits typed). The names here are the calls a notebook needs, their option
objects and results; each concept has a subpackage with more, each listing its
public names in ``__all__``: ``estimator.errors``, ``estimator.modes``,
``estimator.reading``, ``estimator.counting``, ``estimator.pricing``,
``estimator.batch``, ``estimator.planning``, ``estimator.piloting``, ``estimator.report``,
``estimator.tokens``, ``estimator.money``, ``estimator.usage``.
"""

import typing

from . import _entry
from ._lazy import lazy_names as _lazy_names

if _entry.is_command_line():  # Ctrl-C while the program starts: a message, not a traceback
    _entry.startup_signals()

if typing.TYPE_CHECKING:
    from estimator.api import (
        EstimateOptions,
        JobSize,
        count_tokens,
        estimate,
        forecast,
        pilot,
        plan,
        price,
        route,
        write_batch,
    )
    from estimator.batch import reconcile
    from estimator.errors import EstimatorError
    from estimator.planning import JobPlan, PlanOptions
    from estimator.pricing import load_pricebook
    from estimator.report import Estimate

__getattr__, __dir__ = _lazy_names(__name__, {
    "Estimate": "estimator.report",
    "EstimateOptions": "estimator.api",
    "EstimatorError": "estimator.errors",
    "JobPlan": "estimator.planning",
    "JobSize": "estimator.api",
    "PlanOptions": "estimator.planning",
    "count_tokens": "estimator.api",
    "estimate": "estimator.api",
    "forecast": "estimator.api",
    "load_pricebook": "estimator.pricing",
    "pilot": "estimator.api",
    "plan": "estimator.api",
    "price": "estimator.api",
    "reconcile": "estimator.batch",
    "route": "estimator.api",
    "write_batch": "estimator.api",
})

__all__ = [
    "Estimate",
    "EstimateOptions",
    "EstimatorError",
    "JobPlan",
    "JobSize",
    "PlanOptions",
    "count_tokens",
    "estimate",
    "forecast",
    "load_pricebook",
    "pilot",
    "plan",
    "price",
    "reconcile",
    "route",
    "write_batch",
]
