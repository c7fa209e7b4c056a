"""Row sources: data files (CSV, TSV, JSONL, Parquet, Excel) and data already in memory."""
