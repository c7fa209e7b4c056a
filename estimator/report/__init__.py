"""What an estimate says: the estimate document, text tables, and the one JSON/CSV encoder."""

from estimator.report.estimate import (
    Estimate,
    build_estimate,
    format_table,
    model_rows,
    price_database,
    price_history,
)
from estimator.report.export import (
    estimate_csv,
    estimate_json,
    json_text,
    rows_to_csv,
    to_json_bytes,
)

__all__ = [
    "Estimate",
    "build_estimate",
    "estimate_csv",
    "estimate_json",
    "format_table",
    "json_text",
    "model_rows",
    "price_database",
    "price_history",
    "rows_to_csv",
    "to_json_bytes",
]
