"""Stream the rows of a data file as text, exactly as written, in bounded memory.

``open_dataset(path)`` detects the format (CSV, TSV, JSONL, Parquet file or
directory, .xlsx), the encoding and the delimiter (``estimator.reading.sniff``),
and returns a ``Dataset`` whose ``batches(columns)`` yields ``RowBatch`` objects:
the requested columns as lists of ``str``, the 1-based data-row number of the
first row, and how many bytes of the file have been consumed (for progress).

What "as written" means, per format:

* CSV/TSV (``estimator.reading.csv``): every value is the text between the
  delimiters, unquoted (``"a""b"`` -> ``a"b``). Nothing is converted: ``NA``,
  ``null``, ``None``, an empty cell and ``007`` come back as those strings. TSV
  is read like CSV with a tab delimiter, so quoted values (as Excel and pandas
  write them) may hold tabs and newlines.
* JSONL (``estimator.reading.jsonl``): one JSON object per line. A string value
  is returned as is; a number or boolean as its JSON text as written (``1.10``
  stays ``1.10``); an object or array as compact JSON text; ``null`` and a
  missing key as ``""``. The columns are the keys of the first ``batch_rows``
  objects, in first-seen order.
* Parquet (``estimator.reading.parquet``): each value cast to text (numbers,
  dates, decimals by Arrow's cast); nested values as compact JSON; null as ``""``.
* .xlsx (``estimator.reading.xlsx``, first sheet, needs ``openpyxl``): cell
  values as stored, not as displayed: text as is, whole numbers without ``.0``,
  dates in ISO format, booleans as ``TRUE``/``FALSE``, empty cells as ``""``.

Data rows are numbered from 1, not counting the header or blank lines. A
row that cannot be read (wrong number of fields, a JSONL line that is not an
object) stops the read with a ``DataError`` naming its line, or, with
``bad_rows="skip"``, is left out and listed in ``Dataset.skipped``; batches
never straddle a skipped row, so ``first_row`` stays exact.
"""

from __future__ import annotations

import difflib
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, Self

import pyarrow as pa

from estimator.errors import DataError, UsageError
from estimator.reading import limits
from estimator.reading.csv import CsvReader
from estimator.reading.groups import GroupInfo, GroupRows, read_group, row_groups
from estimator.reading.jsonl import JsonlReader
from estimator.reading.parquet import ParquetReader
from estimator.reading.remote import AnyPath, RemotePath, as_path
from estimator.reading.rows import FORMATS, BadRow, BadRowPolicy, DatasetInfo, Reader, RowBatch, Run
from estimator.reading.seek import SeekUnsupported
from estimator.reading.sniff import (
    check_delimiter,
    check_encoding,
    detect_encoding,
    format_from_content,
    format_from_name,
    gunzip_head,
    refuse_binary,
)

__all__ = ["Dataset", "open_dataset"]


def open_dataset(
    path: str | Path | AnyPath,
    *,
    format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    bad_rows: BadRowPolicy = "error",
    batch_rows: int = 20_000,
) -> Dataset:
    """Open a data file for streaming; raises ``DataError`` if it cannot be read as asked."""
    path = as_path(path)
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown format {format!r}; use one of: {', '.join(FORMATS)}")
    if bad_rows not in ("error", "skip"):
        raise UsageError(f"bad_rows must be 'error' or 'skip', not {bad_rows!r}")
    if batch_rows < 1:
        raise UsageError(f"batch_rows must be at least 1, not {batch_rows}")
    if delimiter is not None:
        delimiter = check_delimiter(delimiter)
    codec = check_encoding(encoding) if encoding is not None else None

    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        if format not in (None, "parquet"):
            raise DataError(f"{path}: is a directory; only a Parquet dataset can be read from a directory")
        return Dataset(ParquetReader(path), bad_rows, batch_rows)

    total = path.stat().st_size
    if total == 0:
        raise DataError(f"{path}: empty file (0 bytes); there are no rows to estimate. Check the export.")
    with path.open("rb") as f:
        head = f.read(limits.SNIFF_BYTES)
    gz = head.startswith(b"\x1f\x8b")
    notes: list[str] = []
    if gz:
        notes.append("gzip-compressed; read through decompression")
        head = gunzip_head(path, limits.SNIFF_BYTES)

    fmt = format or format_from_name(path) or format_from_content(head)
    if (
        format is None
        and fmt == "csv"
        and head.lstrip()[:1] == b"{"
        and path.suffix.lower() not in (".csv", ".tsv")
    ):
        fmt = "jsonl"
    if fmt in ("csv", "tsv", "jsonl"):
        refuse_binary(path, head, fmt)
    if fmt == "parquet":
        return Dataset(ParquetReader(path), bad_rows, batch_rows)
    if fmt == "xlsx":
        if isinstance(path, RemotePath):
            raise DataError(f"{path}: an Excel workbook is read from a local file only; download it, or save it as "
                            "CSV or Parquet", path=str(path))
        from estimator.reading.xlsx import XlsxReader  # zipfile and the sheet reader load only for a workbook

        return Dataset(XlsxReader(path), bad_rows, batch_rows)
    enc = detect_encoding(path, head, codec, notes)
    if fmt == "jsonl":
        return Dataset(JsonlReader(path, enc, gz, total, notes, batch_rows, bad_rows), bad_rows, batch_rows)
    if delimiter is None and fmt == "tsv":
        delimiter = "\t"
        if format is None:
            notes.append(f"delimiter tab (from the {path.suffix} extension)")
    return Dataset(CsvReader(path, fmt, enc, gz, total, delimiter, notes), bad_rows, batch_rows)


class Dataset:
    """An opened data file. Use as a context manager; iterate ``batches(columns)``."""

    def __init__(self, reader: Reader, bad_rows: BadRowPolicy, batch_rows: int) -> None:
        self._reader = reader
        self.info: DatasetInfo = reader.info
        self.bad_rows: BadRowPolicy = bad_rows
        self.batch_rows = batch_rows
        self.skipped: list[BadRow] = []
        self.sample_notes: list[str] = []  # what a sampled count read, for its notes
        self._open: list[Generator[RowBatch, None, None]] = []

    def batches(self, columns: Sequence[str]) -> Iterator[RowBatch]:
        """Stream the rows of ``columns``; ``skipped`` restarts with each call."""
        wanted = list(dict.fromkeys(columns))
        self._check_columns(wanted)
        self.skipped = []
        gen = self._batches(wanted)
        self._open.append(gen)
        return gen

    @property
    def mean_row_bytes(self) -> float | None:
        """The mean bytes of a row where rows can be drawn at random offsets (``seek_sample``), else None."""
        return self._reader.mean_row_bytes

    @property
    def seek_bytes(self) -> int | None:
        """Bytes of the rows that ``seek_sample`` draws offsets from (None: this source cannot seek)."""
        return self._reader.seek_bytes

    def seek_sample(self, columns: Sequence[str], n: int, seed: int) -> Any:
        """``n`` rows drawn at uniformly random byte offsets (``estimator.reading.seek.SeekSample``),
        or None where this source cannot seek (compressed, not UTF-8, Excel, in memory)."""
        wanted = list(dict.fromkeys(columns))
        self._check_columns(wanted)
        try:
            return self._reader.seek_sample(wanted, n, seed, self.bad_rows)
        except SeekUnsupported:
            return None

    @property
    def known_rows(self) -> int | None:
        """The number of rows where the file says it without being read (Parquet footers), else None."""
        return self._reader.total_rows if isinstance(self._reader, ParquetReader) else None

    def row_groups(self, columns: Sequence[str]) -> list[GroupInfo] | None:
        """Every Parquet row group with its footer sizes for ``columns`` (None: not Parquet)."""
        if not isinstance(self._reader, ParquetReader):
            return None
        wanted = list(dict.fromkeys(columns))
        self._check_columns(wanted)
        try:
            return row_groups(self._reader.dataset, wanted)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{self.info.path}: cannot read the Parquet footers: {exc}") from None

    def read_group(self, group: GroupInfo, columns: Sequence[str]) -> GroupRows:
        """One row group's ``columns`` (from ``row_groups``)."""
        try:
            return read_group(group, list(dict.fromkeys(columns)))
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{self.info.path}: cannot read as Parquet: {exc}") from None

    def _batches(self, wanted: list[str]) -> Generator[RowBatch, None, None]:
        batcher = _Batcher(wanted, self.batch_rows)
        for run in self._reader.runs(wanted, self.bad_rows, self.skipped.append):
            yield from batcher.add(run)
        yield from batcher.flush()

    def _check_columns(self, wanted: Sequence[str]) -> None:
        available = self.info.columns
        missing = [c for c in wanted if c not in available]
        if not missing:
            return
        listed = ", ".join(repr(c) for c in available) or "(none)"
        hints = []
        for m in missing:
            close = difflib.get_close_matches(m, available, n=3, cutoff=0.6)
            close = close or [c for c in available if c.strip().lower() == m.strip().lower()]
            if close:
                hints.append(f"Did you mean {' or '.join(repr(c) for c in close)} for {m!r}?")
        hint = (" " + "; ".join(hints)) if hints else ""
        scanned = getattr(self._reader, "scanned", None)
        if scanned:
            hint += (
                f" (JSON Lines columns are the keys of the first {scanned:,} objects; "
                "a key that first appears later is not listed)"
            )
        raise DataError(
            f"{self.info.path}: no column {', '.join(repr(m) for m in missing)}. "
            f"The file's columns are: {listed}.{hint}"
        )

    def close(self) -> None:
        for gen in self._open:
            gen.close()
        self._open.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Batcher:
    """Regroups runs into batches of ``batch_rows`` rows without crossing a gap."""

    def __init__(self, columns: list[str], batch_rows: int) -> None:
        self.columns = columns
        self.batch_rows = batch_rows
        self._pending: dict[str, list[str]] = {c: [] for c in columns}
        self._first = 1
        self._rows = 0
        self._bytes = 0
        self._nbytes = 0

    def add(self, run: Run) -> Iterator[RowBatch]:
        if run.rows == 0:
            self._nbytes = max(self._nbytes, run.nbytes_after)
            return
        if self._rows and run.first_row != self._first + self._rows:
            yield from self.flush()
        if not self._rows:
            self._first = run.first_row
        start = 0
        while start < run.rows:
            take = min(self.batch_rows - self._rows, run.rows - start)
            for c in self.columns:
                self._pending[c].extend(run.columns[c][start : start + take])
            self._rows += take
            self._bytes += run.text_bytes * take // run.rows
            start += take
            span = run.nbytes_after - run.nbytes_before
            self._nbytes = max(self._nbytes, run.nbytes_before + span * start // run.rows)
            if self._rows >= self.batch_rows or self._bytes >= limits.MAX_BATCH_BYTES:
                yield from self.flush()
                self._first = run.first_row + start

    def flush(self) -> Iterator[RowBatch]:
        if self._rows:
            yield RowBatch(columns=self._pending, first_row=self._first, rows=self._rows, nbytes=self._nbytes)
            self._first += self._rows
            self._pending = {c: [] for c in self.columns}
            self._rows = 0
            self._bytes = 0
