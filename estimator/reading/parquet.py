"""Parquet files and directories, and ``arrow_text``: the one conversion of Arrow values to text
(Parquet, frames in memory and Dask partitions all use it, so they count the same).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa

from estimator.errors import DataError
from estimator.reading.remote import AnyPath, arrow_filesystem
from estimator.reading.rows import BadRow, BadRowPolicy, DatasetInfo, Reader, Run, check_duplicates
from estimator.reading.text import excerpt


def arrow_text(arr: pa.ChunkedArray | pa.Array) -> list[str]:
    """Every value of an Arrow column as text: the one conversion for Parquet, frames and Dask."""
    t = arr.type
    if isinstance(t, pa.DictionaryType):
        arr = arr.cast(t.value_type)
        t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return [("" if v is None else v) for v in arr.to_pylist()]
    if pa.types.is_nested(t):
        return [
            ("" if v is None else json.dumps(v, ensure_ascii=False, separators=(",", ":"), default=str))
            for v in arr.to_pylist()
        ]
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        values = arr.to_pylist()
        try:
            return [("" if v is None else v.decode("utf-8")) for v in values]
        except UnicodeDecodeError as exc:
            at = next(i for i, v in enumerate(values) if v is not None and not _is_utf8(v))
            raise DataError(
                f"a binary column holds bytes that are not UTF-8 text ({exc.reason}, {excerpt(values[at])})",
                row=at,
            ) from None
    try:
        return [("" if v is None else v) for v in arr.cast(pa.string()).to_pylist()]
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return [("" if v is None else str(v)) for v in arr.to_pylist()]


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class ParquetReader(Reader):
    def __init__(self, path: AnyPath) -> None:
        # local: these pyarrow modules are heavy to import and only Parquet needs them
        import pyarrow.dataset as pads
        import pyarrow.parquet as pq

        self.path = path
        where, filesystem = arrow_filesystem(path)
        is_file = path.is_file()
        if is_file:  # the dataset API refuses duplicate names before they can be reported
            try:
                check_duplicates(path, pq.read_schema(where, filesystem=filesystem).names, "Parquet schema")
            except (pa.ArrowInvalid, OSError) as exc:
                raise DataError(f"{path}: cannot read as Parquet: {exc}") from None
        try:
            self.dataset = pads.dataset(where, format="parquet", filesystem=filesystem)
            self.total_rows = self.dataset.count_rows()
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{path}: cannot read as Parquet: {exc}") from None
        files = list(getattr(self.dataset, "files", []) or [])
        if not is_file and not files:
            raise DataError(f"{path}: no Parquet files in this directory")
        if is_file:
            total = path.stat().st_size
        elif filesystem is None:
            total = sum(Path(f).stat().st_size for f in files)
        else:
            total = sum(int(filesystem.get_file_info(f).size or 0) for f in files)
        names = list(self.dataset.schema.names)
        check_duplicates(path, names, "Parquet schema")
        notes = [f"{len(files)} Parquet files"] if not is_file else []
        notes.append(f"{self.total_rows} rows")
        self.info = DatasetInfo(path, "parquet", None, None, names, total, notes)

    def runs(
        self, columns: list[str], bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> Iterator[Run]:
        read = columns or self.info.columns[:1]
        row = 1
        total = max(self.total_rows, 1)
        nbytes = 0
        try:
            for rb in self.dataset.to_batches(columns=read, batch_size=65_536):
                before = nbytes
                nbytes = self.info.total_bytes * min(row - 1 + rb.num_rows, total) // total
                cols = {}
                for c in columns:
                    try:
                        cols[c] = arrow_text(rb.column(c))
                    except DataError as exc:
                        at = row + (exc.row or 0)
                        raise DataError(
                            f"{self.path}: column {c!r}, row {at}: {exc}. Only text can be counted: decode "
                            "the column to UTF-8 text, or leave it out.",
                            path=str(self.path), column=c, row=at,
                        ) from None
                yield Run(cols, row, rb.num_rows, before, nbytes, rb.nbytes)
                row += rb.num_rows
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{self.path}: cannot read as Parquet: {exc}") from None
