"""Row sources: data files (CSV, TSV, JSONL, Parquet, Excel) and data already in memory.

``open_rows(source, ReadOptions(...))`` reads any source; ``preview`` shows what reading a
file finds; ``suggest_text_column`` picks the column a person would. The readers, the
sniffing and the row types live in their modules (``estimator.reading.dataset``, ``.rows``,
``.sniff``, ``.csv``, ``.jsonl``, ``.parquet``, ``.xlsx``, ``.memory``, ``.columns``).
"""

from estimator.reading.columns import ColumnChoice, suggest_text_column
from estimator.reading.preview import SourcePreview, preview
from estimator.reading.source import ReadOptions, open_rows

__all__ = ["ColumnChoice", "ReadOptions", "SourcePreview", "open_rows", "preview", "suggest_text_column"]
