"""What an estimate says: the estimate document and the one JSON encoding.

Price listings (``estimator.report.estimate.model_rows``, ``price_history``) and the
CSV export (``estimator.report.export``) serve the command line and the app;
``compare_models`` prices one counted dataset for several models side by side. The names load
when first used, so a command that only writes JSON (``json_text``) never loads the estimate.
"""

import typing

from estimator._lazy import lazy_names as _lazy_names

if typing.TYPE_CHECKING:
    from estimator.report.estimate import Estimate
    from estimator.report.export import json_text
    from estimator.report.models import ModelComparison, compare_models

__getattr__, __dir__ = _lazy_names(__name__, {
    "Estimate": "estimator.report.estimate",
    "ModelComparison": "estimator.report.models",
    "compare_models": "estimator.report.models",
    "json_text": "estimator.report.export",
})

__all__ = ["Estimate", "ModelComparison", "compare_models", "json_text"]
