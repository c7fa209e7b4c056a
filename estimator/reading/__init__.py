"""Row sources: data files (CSV, TSV, JSONL, Parquet, Excel) and data already in memory."""

from estimator.reading.columns import (
    ColumnChoice,
    ColumnProfile,
    column_warnings,
    first_rows,
    profile_column,
    suggest_text_column,
)
from estimator.reading.dataset import Dataset, open_dataset
from estimator.reading.memory import MESSAGES_COLUMN, TEXT_COLUMN, frame_to_table, is_in_memory
from estimator.reading.parquet import arrow_text
from estimator.reading.preview import SourcePreview, preview
from estimator.reading.rows import FORMATS, DatasetInfo, RowBatch
from estimator.reading.source import ReadOptions, open_rows

__all__ = [
    "FORMATS",
    "MESSAGES_COLUMN",
    "TEXT_COLUMN",
    "ColumnChoice",
    "ColumnProfile",
    "Dataset",
    "DatasetInfo",
    "ReadOptions",
    "RowBatch",
    "SourcePreview",
    "arrow_text",
    "column_warnings",
    "first_rows",
    "frame_to_table",
    "is_in_memory",
    "open_dataset",
    "open_rows",
    "preview",
    "profile_column",
    "suggest_text_column",
]
