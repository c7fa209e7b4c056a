"""What an estimate says: the estimate document and the one JSON encoding.

Price listings (``estimator.report.estimate.model_rows``, ``price_history``) and the
CSV export (``estimator.report.export``) serve the command line and the app;
``compare_models`` prices one counted dataset for several models side by side.
"""

from estimator.report.estimate import Estimate
from estimator.report.export import json_text
from estimator.report.models import ModelComparison, compare_models

__all__ = ["Estimate", "ModelComparison", "compare_models", "json_text"]
