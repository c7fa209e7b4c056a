"""What an estimate says: the estimate document and the one JSON encoding.

Price listings (``estimator.report.estimate.model_rows``, ``price_history``) and the
CSV export (``estimator.report.export``) serve the command line and the app.
"""

from estimator.report.estimate import Estimate
from estimator.report.export import json_text

__all__ = ["Estimate", "json_text"]
