"""Rows already in memory: pandas DataFrames, pyarrow Tables, lists of texts or chat conversations.

Every value becomes text the way a Parquet file's values do (``arrow_text``):
strings as they are, numbers, booleans and dates by Arrow's cast, nested
values as compact JSON, nulls (and pandas' NaN/NaT/None) as ``""``. The same
conversion serves Dask partitions, so a frame counts the same wherever it is.

* A DataFrame or a Table: one request per row, columns by name.
* An iterable of strings: one request per string, in a column named ``text``.
* An iterable of conversations (each a sequence of ``{"role", "content"}``
  messages): one request per conversation, held as JSON text in a column
  named ``messages`` and counted with the chat framing of the whole
  conversation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from estimator.errors import DataError, UsageError
from estimator.reading.dataset import Dataset
from estimator.reading.parquet import arrow_text
from estimator.reading.rows import BadRow, BadRowPolicy, DatasetInfo, Reader, Run

TEXT_COLUMN = "text"
MESSAGES_COLUMN = "messages"
_BATCH_ROWS = 65_536


class _TableReader(Reader):
    def __init__(self, table: pa.Table, name: str, kind: str) -> None:
        names = [str(n) for n in table.column_names]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise DataError(f"{name}: duplicate column names {', '.join(map(repr, duplicates))}; rename them",
                            param="source")
        self.table = table.rename_columns(names)
        self.name = name
        self.info = DatasetInfo(
            Path(name), kind, None, None, names, int(table.nbytes), [f"{table.num_rows} rows in memory"]
        )

    def runs(
        self, columns: list[str], bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> Iterator[Run]:
        row = 1
        done = 0
        total = max(self.table.num_rows, 1)
        for rb in self.table.select(columns).to_batches(max_chunksize=_BATCH_ROWS):
            before = done
            done = self.info.total_bytes * min(row - 1 + rb.num_rows, total) // total
            try:
                cols = {c: arrow_text(rb.column(c)) for c in columns}
            except DataError as exc:
                raise DataError(f"{self.name}: {exc.message}", field=exc.field) from None
            yield Run(cols, row, rb.num_rows, before, done, rb.nbytes)
            row += rb.num_rows


def frame_to_table(frame: Any) -> pa.Table:
    """A pandas DataFrame as an Arrow table; a column Arrow cannot type is taken as text."""
    names = [str(n) for n in frame.columns]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:  # frame[name] would be a frame, not a column: which one holds the text is anyone's guess
        raise DataError(
            f"<DataFrame>: duplicate column names {', '.join(map(repr, duplicates))}; rename them so that each "
            "column has its own name (e.g. df.columns = [...]), or drop the extra ones "
            "(df.loc[:, ~df.columns.duplicated()])",
            param="source",
        )
    frame = frame.reset_index(drop=True)
    arrays = []
    for name in frame.columns:
        series = frame[name]
        try:
            arrays.append(pa.Array.from_pandas(series))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            arrays.append(pa.array([_as_text(v) for v in series.tolist()], type=pa.string()))
    return pa.Table.from_arrays(arrays, names=[str(n) for n in frame.columns])


def _as_text(value: Any) -> str | None:
    import pandas as pd  # local: pandas is heavy to import and only frames in memory need it

    if value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value))):
        return None
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


def _conversation_json(conversation: Any, row: int) -> str:
    if isinstance(conversation, (str, bytes)) or not isinstance(conversation, Sequence):
        raise UsageError(
            f"conversation {row} is a {type(conversation).__name__}, not a list of messages",
            row=row,
            param="source",
        )
    for i, message in enumerate(conversation, start=1):
        if not isinstance(message, Mapping) or not isinstance(message.get("content"), str):
            raise UsageError(
                f"conversation {row}, message {i}: each message needs a 'role' and a text 'content'",
                row=row,
                param="source",
            )
        for key, value in message.items():
            if not isinstance(value, str):
                raise UsageError(
                    f"conversation {row}, message {i}: {key!r} is a {type(value).__name__}, not text",
                    row=row,
                    field=str(key),
                    param="source",
                )
    return json.dumps(list(conversation), ensure_ascii=False, separators=(",", ":"))


def _items_table(items: Iterable[Any]) -> tuple[pa.Table, str]:
    """An Arrow table from a list of strings or of conversations, and what it holds."""
    texts: list[str] = []
    conversations: list[str] = []
    for row, item in enumerate(items, start=1):
        if isinstance(item, str):
            if conversations:
                raise UsageError(f"item {row} is text, but earlier items are conversations", row=row,
                                 param="source")
            texts.append(item)
        else:
            if texts:
                raise UsageError(f"item {row} is a {type(item).__name__}, but earlier items are texts",
                                 row=row, param="source")
            conversations.append(_conversation_json(item, row))
    if conversations:
        return pa.table({MESSAGES_COLUMN: pa.array(conversations, type=pa.string())}), "conversations"
    return pa.table({TEXT_COLUMN: pa.array(texts, type=pa.string())}), "texts"


def is_in_memory(source: object) -> bool:
    """True for the sources ``open_in_memory`` takes (not a path)."""
    return not isinstance(source, (str, bytes, Path)) and (
        _is_frame(source) or isinstance(source, (pa.Table, pa.RecordBatch)) or isinstance(source, Iterable)
    )


def _is_frame(source: object) -> bool:
    module = type(source).__module__
    return module.startswith("pandas") and type(source).__name__ == "DataFrame"


def open_in_memory(source: Any) -> tuple[Dataset, str]:
    """A ``Dataset`` over in-memory rows, and its kind: ``dataframe``, ``table``, ``texts``, ``conversations``."""
    if _is_frame(source):
        table, kind, name = frame_to_table(source), "dataframe", "<DataFrame>"
    elif isinstance(source, pa.RecordBatch):
        table, kind, name = pa.Table.from_batches([source]), "table", "<Arrow table>"
    elif isinstance(source, pa.Table):
        table, kind, name = source, "table", "<Arrow table>"
    elif isinstance(source, Mapping):
        raise UsageError(
            "a mapping is not a row source; pass a DataFrame, a list of texts or a list of conversations",
            param="source",
        )
    elif isinstance(source, Iterable):
        table, kind = _items_table(source)
        name = f"<{kind}>"
    else:
        raise UsageError(
            f"cannot read rows from a {type(source).__name__}; pass a file path, a pandas DataFrame, "
            "a pyarrow Table, a list of texts or a list of conversations",
            param="source",
        )
    return Dataset(_TableReader(table, name, kind), "error", _BATCH_ROWS), kind
