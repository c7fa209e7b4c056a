"""Stream the rows of a data file as text, exactly as written, in bounded memory.

``open_dataset(path)`` detects the format (CSV, TSV, JSONL, Parquet file or
directory, .xlsx), the encoding and the delimiter, and returns a
``Dataset`` whose ``batches(columns)`` yields ``RowBatch`` objects: the
requested columns as lists of ``str``, the 1-based data-row number of the
first row, and how many bytes of the file have been consumed (for progress).

What "as written" means, per format:

* CSV/TSV: every value is the text between the delimiters, unquoted
  (``"a""b"`` -> ``a"b``). Nothing is converted: ``NA``, ``null``,
  ``None``, an empty cell and ``007`` come back as those strings. TSV is read
  like CSV with a tab delimiter, so quoted values (as Excel and pandas write
  them) may hold tabs and newlines.
* JSONL: one JSON object per line. A string value is returned as is; a
  number or boolean as its JSON text as written (``1.10`` stays ``1.10``);
  an object or array as compact JSON text; ``null`` and a missing key as
  ``""``. The columns are the keys of the first ``batch_rows`` objects, in
  first-seen order.
* Parquet: each value cast to text (numbers, dates, decimals by Arrow's
  cast); nested values as compact JSON; null as ``""``.
* .xlsx (first sheet, needs ``openpyxl``): cell values as stored, not as
  displayed: text as is, whole numbers without ``.0``, dates in ISO format,
  booleans as ``TRUE``/``FALSE``, empty cells as ``""``.

Data rows are numbered from 1, not counting the header or blank lines. A
row that cannot be read (wrong number of fields, a JSONL line that is not an
object) stops the read with a ``DataError`` naming its line, or, with
``bad_rows="skip"``, is left out and listed in ``Dataset.skipped``; batches
never straddle a skipped row, so ``first_row`` stays exact.

CSV is split into blocks of whole records here (a quote-aware scan that
follows Arrow's CSV rules) and each block is parsed by ``pyarrow.csv``; the
scan is what gives exact line numbers, catches a quote that is never closed
(Arrow would silently read the rest of the file into one value) and keeps
memory bounded by the block size and the longest record.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import difflib
import gzip
import io
import itertools
import json
import re
import warnings
import zipfile
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, Self, cast

import pyarrow as pa
import pyarrow.csv as pacsv

from estimator.errors import DataError, UsageError, param
from estimator.reading.xlsx_guard import scan_xlsx

__all__ = [
    "FORMATS",
    "BadRow",
    "Dataset",
    "DatasetInfo",
    "RowBatch",
    "open_dataset",
]

FORMATS = ("csv", "tsv", "jsonl", "parquet", "xlsx")
BadRowPolicy = Literal["error", "skip"]

SNIFF_BYTES = 64 * 1024
"""How much of the start of a text file is used to detect encoding and delimiter."""
BLOCK_BYTES = 4 * 1024 * 1024
"""Bytes read at a time; a CSV block is parsed once it holds whole records."""
MAX_RECORD_BYTES = 64 * 1024 * 1024
"""A single CSV record longer than this is taken as a quote that never closes."""
MAX_BATCH_BYTES = 64 * 1024 * 1024
"""A batch is handed over early once its text reaches this size."""
DELIMITERS = (",", "\t", ";", "|")
_DELIMITER_NAMES = {",": "','", "\t": "tab", ";": "';'", "|": "'|'"}

_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}


# --------------------------------------------------------------------------
# Public values
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RowBatch:
    """Consecutive data rows: only the requested columns, every value a ``str``."""

    columns: Mapping[str, Sequence[str]]
    first_row: int  # 1-based data-row number of the first row (the header is not a row)
    rows: int
    nbytes: int  # bytes of the file consumed so far, for progress; never decreases


@dataclass(frozen=True)
class BadRow:
    """A row left out under ``bad_rows="skip"``: where it is and why."""

    row: int | None  # data-row number it would have had
    line: int | None  # physical line of the file (for .xlsx: the sheet row)
    reason: str


@dataclass
class DatasetInfo:
    path: Path
    format: str  # one of FORMATS
    encoding: str | None  # Python codec name of a text file; None for Parquet and .xlsx
    delimiter: str | None  # CSV/TSV only
    columns: list[str]
    total_bytes: int
    notes: list[str] = field(default_factory=list)  # what was detected, for the user


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def open_dataset(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    bad_rows: BadRowPolicy = "error",
    batch_rows: int = 20_000,
) -> Dataset:
    """Open a data file for streaming; raises ``DataError`` if it cannot be read as asked."""
    path = Path(path)
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown format {format!r}; use one of: {', '.join(FORMATS)}")
    if bad_rows not in ("error", "skip"):
        raise UsageError(f"bad_rows must be 'error' or 'skip', not {bad_rows!r}")
    if batch_rows < 1:
        raise UsageError(f"batch_rows must be at least 1, not {batch_rows}")
    if delimiter is not None:
        delimiter = _check_delimiter(delimiter)
    codec = _check_encoding(encoding) if encoding is not None else None

    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        if format not in (None, "parquet"):
            raise DataError(f"{path}: is a directory; only a Parquet dataset can be read from a directory")
        return Dataset(_ParquetReader(path), bad_rows, batch_rows)

    total = path.stat().st_size
    if total == 0:
        raise DataError(f"{path}: empty file (0 bytes); there are no rows to estimate. Check the export.")
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    gz = head.startswith(b"\x1f\x8b")
    notes: list[str] = []
    if gz:
        notes.append("gzip-compressed; read through decompression")
        head = _gunzip_head(path, SNIFF_BYTES)

    fmt = format or _format_from_name(path) or _format_from_content(head)
    if (
        format is None
        and fmt == "csv"
        and head.lstrip()[:1] == b"{"
        and path.suffix.lower() not in (".csv", ".tsv")
    ):
        fmt = "jsonl"
    if fmt in ("csv", "tsv", "jsonl"):
        _refuse_binary(path, head, fmt)
    if fmt == "parquet":
        return Dataset(_ParquetReader(path), bad_rows, batch_rows)
    if fmt == "xlsx":
        return Dataset(_XlsxReader(path), bad_rows, batch_rows)
    enc = _detect_encoding(path, head, codec, notes)
    if fmt == "jsonl":
        return Dataset(_JsonlReader(path, enc, gz, total, notes, batch_rows, bad_rows), bad_rows, batch_rows)
    if delimiter is None and fmt == "tsv":
        delimiter = "\t"
        if format is None:
            notes.append(f"delimiter tab (from the {path.suffix} extension)")
    return Dataset(_CsvReader(path, fmt, enc, gz, total, delimiter, notes), bad_rows, batch_rows)


class Dataset:
    """An opened data file. Use as a context manager; iterate ``batches(columns)``."""

    def __init__(self, reader: _Reader, bad_rows: BadRowPolicy, batch_rows: int) -> None:
        self._reader = reader
        self.info: DatasetInfo = reader.info
        self.bad_rows: BadRowPolicy = bad_rows
        self.batch_rows = batch_rows
        self.skipped: list[BadRow] = []
        self._open: list[Generator[RowBatch, None, None]] = []

    def batches(self, columns: Sequence[str]) -> Iterator[RowBatch]:
        """Stream the rows of ``columns``; ``skipped`` restarts with each call."""
        wanted = list(dict.fromkeys(columns))
        self._check_columns(wanted)
        self.skipped = []
        gen = self._batches(wanted)
        self._open.append(gen)
        return gen

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


# --------------------------------------------------------------------------
# Shared plumbing
# --------------------------------------------------------------------------


@dataclass
class _Run:
    """Consecutive rows from a reader, in order, with no skipped row inside."""

    columns: dict[str, list[str]]
    first_row: int
    rows: int
    nbytes_before: int
    nbytes_after: int
    text_bytes: int = 0


class _Reader:
    info: DatasetInfo

    def runs(
        self, columns: list[str], bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> Iterator[_Run]:
        raise NotImplementedError


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

    def add(self, run: _Run) -> Iterator[RowBatch]:
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
            if self._rows >= self.batch_rows or self._bytes >= MAX_BATCH_BYTES:
                yield from self.flush()
                self._first = run.first_row + start

    def flush(self) -> Iterator[RowBatch]:
        if self._rows:
            yield RowBatch(columns=self._pending, first_row=self._first, rows=self._rows, nbytes=self._nbytes)
            self._first += self._rows
            self._pending = {c: [] for c in self.columns}
            self._rows = 0
            self._bytes = 0


def _check_delimiter(delimiter: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    d = named.get(delimiter.lower(), delimiter)
    if len(d) != 1 or d in '\r\n"':
        raise UsageError(f"delimiter must be one character (or 'tab'), not {delimiter!r}")
    return d


def _check_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(
            f"unknown encoding {encoding!r}; use a Python codec name such as utf-8, cp1252, latin-1, utf-16"
        ) from None
    if not getattr(codecs.lookup(encoding), "_is_text_encoding", True):
        raise UsageError(
            f"{encoding!r} is not a text encoding (it transforms bytes, like base64, hex, zlib or rot13); "
            f"give {param('encoding')} a character encoding such as utf-8, cp1252, latin-1, utf-16",
            param="encoding",
        )
    return "utf-8" if name == "utf-8-sig" else name


def _format_from_name(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _EXTENSIONS.get(suffixes[-1]) if suffixes else None


def _format_from_content(head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04") and b"xl/" in head[:4096]:
        return "xlsx"
    return "csv"


def _gunzip_head(path: Path, n: int) -> bytes:
    try:
        with gzip.open(path, "rb") as f:
            return f.read(n)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: gzip data is damaged ({exc}); decompress it and check the result") from None


def _looks_like_jsonl(head: bytes) -> bool:
    first = head.lstrip(codecs.BOM_UTF8).lstrip().split(b"\n", 1)[0].strip()
    if not (first.startswith(b"{") and first.endswith(b"}")):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


def _refuse_binary(path: Path, head: bytes, fmt: str) -> None:
    """Files that are not text at all, whatever their name says."""
    kind = fmt.upper()
    if head.startswith(b"PK\x03\x04"):
        if b"xl/" in head[:4096] or b"[Content_Types].xml" in head[:4096]:
            what, todo = (
                "an Excel workbook (.xlsx)",
                f"rename it .xlsx or set {param('source_format')} to xlsx, or save it as CSV",
            )
        else:
            what, todo = "a zip archive", "unzip it and read the file inside"
        raise DataError(f"{path}: this looks like {what}, not {kind}; {todo}.", path=str(path))
    if head.startswith(b"PAR1"):
        raise DataError(
            f"{path}: this looks like a Parquet file, not {kind}; rename it .parquet or set "
            f"{param('source_format')} to parquet.",
            path=str(path),
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"{path}: this looks like an old Excel .xls (or other Office) file, not {kind}; save it as .xlsx or CSV."
        )
    if head.startswith(b"%PDF"):
        raise DataError(f"{path}: this looks like a PDF file, not {kind}; export the table as CSV.")
    if fmt in ("csv", "tsv") and _looks_like_jsonl(head):
        raise DataError(
            f"{path}: this looks like JSON Lines (the first line is a JSON object), not {kind}; "
            f"set {param('source_format')} to jsonl or rename it .jsonl (for a batch request file, see "
            f"{param('validate_batch')}).",
            path=str(path),
            line=1,
        )
    if _bom(head)[0] is None and b"\x00" in head[:1024] and _utf16_without_bom(head) is None:
        nul = head.index(b"\x00")
        raise DataError(
            f"{path}: this looks like a binary file, not {kind} text (NUL byte at offset {nul}); "
            "export the data as CSV, JSONL or Parquet."
        )


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 little-endian with BOM"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 big-endian with BOM"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM (removed from the first header)"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 little-endian with BOM (as Excel writes 'Unicode Text')"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 big-endian with BOM"),
)


def _bom(head: bytes) -> tuple[str | None, int, str]:
    for bom, codec, note in _BOMS:
        if head.startswith(bom):
            return codec, len(bom), note
    return None, 0, ""


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:1024]
    if len(sample) < 8:
        return None
    even = sample[0::2].count(0) / len(sample[0::2])
    odd = sample[1::2].count(0) / len(sample[1::2])
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


@dataclass(frozen=True)
class _Encoding:
    codec: str  # Python codec name; "utf-8" is read without transcoding
    bom: int  # bytes of byte-order mark at the start


def _detect_encoding(path: Path, head: bytes, asked: str | None, notes: list[str]) -> _Encoding:
    bom_codec, bom_len, bom_note = _bom(head)
    if asked is not None:
        if bom_codec is not None and bom_codec.split("-")[:2] == asked.split("-")[:2]:
            return _Encoding(asked if asked not in ("utf-16", "utf-32") else bom_codec, bom_len)
        if bom_codec is not None:
            notes.append(
                f"the file starts with a {bom_note.split(' (')[0]} mark but the encoding {asked} was asked for"
            )
        return _Encoding(asked, 0)
    if bom_codec is not None:
        notes.append(bom_note)
        return _Encoding(bom_codec, bom_len)
    guess = _utf16_without_bom(head)
    if guess is not None:
        notes.append(f"{guess.upper()} without BOM detected (NUL bytes between characters)")
        return _Encoding(guess, 0)
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise _utf8_error(path, head, exc.start, exc.end, base_offset=0, base_line=1) from None
    return _Encoding("utf-8", 0)


def _utf8_error(
    path: Path, data: bytes, start: int, end: int, *, base_offset: int, base_line: int
) -> DataError:
    line = base_line + _line_ends(data, 0, start)
    bad = data[start : max(end, start + 1)]
    context_start = max(_line_start(data, start), start - 30)
    context = data[context_start:start].decode("utf-8", "backslashreplace")
    return DataError(
        f"{path}: not UTF-8 text: byte {base_offset + start} (line {line}, after {context!r}) is {bad!r}. "
        f"The file was saved in another encoding: name it with {param('encoding')} (most likely cp1252, "
        "as Windows and Excel save CSV; or latin-1), or re-save the file as UTF-8.",
        path=str(path),
        line=line,
    )


def _line_ends(data: bytes, start: int, end: int) -> int:
    """Line ends in ``data[start:end]``: \\n, \\r\\n and a bare \\r (old Mac files) each end one line."""
    n = data.count(b"\n", start, end)
    cr = data.count(b"\r", start, end)
    return n + cr - data.count(b"\r\n", start, end) if cr else n


def _line_start(data: bytes, pos: int) -> int:
    """Where the line holding ``data[pos]`` starts."""
    return max(data.rfind(b"\n", 0, pos), data.rfind(b"\r", 0, pos)) + 1


def _preview(data: bytes | str, limit: int = 60) -> str:
    text = data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else data
    text = text.rstrip("\r\n")
    return repr(text if len(text) <= limit else text[:limit] + "...")


# --------------------------------------------------------------------------
# Text sources: a file, decompressed and transcoded to UTF-8, in blocks
# --------------------------------------------------------------------------


class _Source:
    """Yields blocks of UTF-8 bytes from a file of any supported encoding."""

    def __init__(self, path: Path, enc: _Encoding, gz: bool, block: int | None = None) -> None:
        self.path = path
        self.enc = enc
        self.gz = gz
        self.block = block or BLOCK_BYTES
        self.raw_consumed = 0  # bytes of the file on disk read so far
        self.utf8_offset_is_raw = enc.codec == "utf-8" and not gz  # error offsets then map 1:1

    def blocks(self) -> Generator[bytes, None, None]:
        with open(self.path, "rb") as raw:
            f = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if self.gz else raw
            try:
                if self.enc.codec == "utf-8":
                    yield from self._utf8(f, raw)
                else:
                    yield from self._transcode(f, raw)
            except (OSError, EOFError) as exc:
                if not self.gz:
                    raise
                raise DataError(
                    f"{self.path}: gzip data is damaged ({exc}); decompress it and check the result"
                ) from None

    def _utf8(self, f: IO[bytes], raw: IO[bytes]) -> Iterator[bytes]:
        start = f.read(len(codecs.BOM_UTF8))
        if start != codecs.BOM_UTF8:
            yield start
        while True:
            b = f.read(self.block)
            self.raw_consumed = raw.tell()
            if not b:
                return
            yield b

    def _transcode(self, f: IO[bytes], raw: IO[bytes]) -> Iterator[bytes]:
        dec = codecs.getincrementaldecoder(self.enc.codec)("strict")
        fed = 0  # decoded stream bytes fed to the decoder
        lines = 1
        first = True
        while True:
            b = f.read(self.block)
            final = not b
            buffered = len(dec.getstate()[0])
            try:
                text = dec.decode(b, final=final)
            except UnicodeDecodeError as exc:
                offset = fed - buffered + exc.start
                before = exc.object[: exc.start].decode(self.enc.codec, "ignore").count("\n")
                raise DataError(
                    f"{self.path}: not valid {self.enc.codec} text: byte {offset} (about line {lines + before}) "
                    f"is {exc.object[exc.start : exc.end]!r} ({exc.reason}). Check the encoding and name the right "
                    f"one with {param('encoding')} (e.g. utf-8, cp1252, latin-1, utf-16).",
                    path=str(self.path),
                ) from None
            fed += len(b)
            self.raw_consumed = raw.tell()
            if first and text:
                first = False
                text = text.removeprefix("\ufeff")
            lines += text.count("\n")
            if text:
                yield text.encode("utf-8")
            if final:
                return


# --------------------------------------------------------------------------
# CSV: a quote-aware record scanner that follows Arrow's rules
# --------------------------------------------------------------------------
#
# Arrow's CSV parser: a field is quoted only if its first character is the
# quote; inside, "" is a literal quote and a lone quote ends the quoting,
# after which the rest of the field up to the delimiter is literal. \n, \r
# and \r\n end a record outside quotes; empty lines are ignored.


class _Scanner:
    def __init__(self, delimiter: str) -> None:
        d = re.escape(delimiter.encode())
        self.delim = delimiter.encode()
        quoted = rb'"[^"]*+(?:""[^"]*+)*+"'
        # Possessive, so a field-start quote that never closes stops the match rather than
        # being re-read as a literal quote.
        field_chars = (
            rb'(?:[^"\r\n]++|(?:(?<=[' + d + rb"\r\n])|\A)" + quoted + rb"|(?<=[^" + d + rb'\r\n])")*+'
        )
        self.field_chars = re.compile(field_chars)
        self.whole_records = re.compile(rb"(?:" + field_chars + rb"(?:\r\n|\r|\n))*+")
        self.quoted = re.compile(quoted)
        self.unquoted = re.compile(rb"[^" + d + rb"\r\n]*")

    def last_boundary(self, buf: bytes) -> tuple[int, int | None]:
        """End of the last whole record in ``buf`` (0 if none), and an open quote's position.

        ``buf`` must start at a record start. The open quote is the first one after the
        last whole record that has no closing quote in ``buf``.
        """
        cut = _always(self.whole_records.match(buf)).end()
        if cut == len(buf):
            return cut, None
        stop = _always(self.field_chars.match(buf, cut)).end()
        return cut, (stop if buf[stop : stop + 1] == b'"' else None)

    def records(self, buf: bytes, *, complete: bool = True) -> Iterator[tuple[int, int, int]]:
        """(start, end, field count) of each non-empty record, in order (the slow, exact path)."""
        pos = 0
        n = len(buf)
        delim = self.delim[0]
        quoted = self.quoted.match
        unquoted = self.unquoted.match
        while pos < n:
            c = buf[pos]
            if c in (10, 13):
                pos += 1
                continue
            start = pos
            fields = 1
            while True:
                if buf[pos : pos + 1] == b'"':
                    m = quoted(buf, pos)
                    if m is None:
                        return  # open quote: the caller reports it
                    pos = m.end()
                pos = _always(unquoted(buf, pos)).end()
                if pos >= n:
                    if complete:
                        yield start, pos, fields
                    return
                if buf[pos] == delim:
                    fields += 1
                    pos += 1
                    continue
                end = pos
                pos += 1
                if buf[end] == 13 and buf[pos : pos + 1] == b"\n":
                    pos += 1
                yield start, end, fields
                break

    def split(self, record: bytes) -> list[bytes]:
        """The unquoted fields of one record."""
        out: list[bytes] = []
        pos = 0
        n = len(record)
        while True:
            value = b""
            if record[pos : pos + 1] == b'"':
                m = self.quoted.match(record, pos)
                if m is None:
                    raise ValueError("open quote")
                value = m.group()[1:-1].replace(b'""', b'"')
                pos = m.end()
            m2 = _always(self.unquoted.match(record, pos))
            value += m2.group()
            pos = m2.end()
            out.append(value)
            if pos >= n or record[pos] != self.delim[0]:
                return out
            pos += 1


def _always(m: re.Match[bytes] | None) -> re.Match[bytes]:
    """The match of a pattern that matches the empty string, so never fails."""
    assert m is not None
    return m


@dataclass
class _Chunk:
    data: bytes  # whole records, UTF-8
    line: int  # physical line of data[0]
    offset: int  # offset of data[0] in the UTF-8 stream
    nbytes: int  # file bytes consumed when this chunk was cut


def _chunks(source: _Source, scanner: _Scanner, path: Path) -> Iterator[_Chunk]:
    """Blocks of whole records; raises DataError on a quote that never closes."""
    parts: list[bytes] = []
    size = 0
    line = 1
    offset = 0
    need = 0  # a record still growing is rescanned only once the buffer has doubled
    after_cr = False
    blocks = source.blocks()
    done = False
    while not done:
        block = next(blocks, None)
        if block is None:
            done = True
        else:
            parts.append(block)
            size += len(block)
            if size < need:
                continue
        buf = b"".join(parts)
        parts = []
        if not buf:
            break
        cut, open_quote = scanner.last_boundary(buf)
        if open_quote is not None and (done or len(buf) - open_quote > MAX_RECORD_BYTES):
            raise _open_quote_error(path, buf, open_quote, line, offset, source, done)
        if done:
            cut = len(buf)
        if cut == 0:
            if len(buf) > MAX_RECORD_BYTES:
                raise DataError(
                    f"{path}: line {line}: a single row longer than {MAX_RECORD_BYTES // 2**20} MB; "
                    "check the delimiter and the line endings."
                )
            need = 2 * len(buf)
            parts, size = [buf], len(buf)
            continue
        need = 0
        if after_cr and buf[:1] == b"\n":
            line -= 1  # the \r that ended the last chunk and this \n are one line end
        yield _Chunk(buf[:cut], line, offset, source.raw_consumed)
        line += _line_ends(buf, 0, cut)
        after_cr = buf[cut - 1 : cut] == b"\r"
        offset += cut
        rest = buf[cut:]
        parts, size = ([rest], len(rest)) if rest else ([], 0)


def _open_quote_error(
    path: Path, buf: bytes, q: int, line: int, offset: int, source: _Source, at_eof: bool
) -> DataError:
    qline = line + _line_ends(buf, 0, q)
    start = _line_start(buf, q)
    col = len(buf[start:q].decode("utf-8", "replace")) + 1
    where = f"line {qline}, column {col}"
    if source.utf8_offset_is_raw:
        where += f" (byte {source.enc.bom + offset + q})"
    rest = "to the end of the file" if at_eof else f"for over {MAX_RECORD_BYTES // 2**20} MB"
    return DataError(
        f"{path}: {where}: a quoted value opens here and never closes, so everything after it {rest} would be "
        f"one value: {_preview(buf[start : q + 40], 80)}. Close the quote, or write a quote inside a value as "
        'two quotes ("").'
    )


class _CsvReader(_Reader):
    def __init__(
        self,
        path: Path,
        fmt: str,
        enc: _Encoding,
        gz: bool,
        total: int,
        delimiter: str | None,
        notes: list[str],
    ) -> None:
        self.path = path
        self.enc = enc
        self.gz = gz
        head, eof = self._head()
        if delimiter is None:
            delimiter, note = _sniff_delimiter(head)
            if note:
                notes.append(note)
        self.delimiter = delimiter
        self.scanner = _Scanner(delimiter)
        self.columns = self._header(head, eof)
        _check_duplicates(path, self.columns, "header")
        self.info = DatasetInfo(
            path=path,
            format=fmt,
            encoding="utf-8-sig" if enc.codec == "utf-8" and enc.bom else enc.codec,
            delimiter=delimiter,
            columns=self.columns,
            total_bytes=total,
            notes=notes,
        )

    def _source(self) -> _Source:
        return _Source(self.path, self.enc, self.gz)

    def _head(self) -> tuple[bytes, bool]:
        """The start of the text (at least the sniff sample), and whether it is all of it."""
        blocks = self._source().blocks()
        head = b""
        try:
            for block in blocks:
                head += block
                if len(head) >= SNIFF_BYTES and self._header_complete(head):
                    return head, False
                if len(head) > MAX_RECORD_BYTES:
                    return head, False
        finally:
            blocks.close()
        return head, True

    @staticmethod
    def _header_complete(head: bytes) -> bool:
        body = head.lstrip(b"\r\n")
        return any(_Scanner(d).last_boundary(body)[0] > 0 for d in DELIMITERS)

    def _header(self, head: bytes, eof: bool) -> list[str]:
        body = head.lstrip(b"\r\n")
        skipped = len(head) - len(body)
        record = next(self.scanner.records(body, complete=eof), None)
        if record is None:
            _, open_quote = self.scanner.last_boundary(body)
            if open_quote is not None and eof:
                raise DataError(
                    f"{self.path}: the header row has a quote that never closes: {_preview(body[:80])}"
                )
            if not body.strip():
                raise DataError(
                    f"{self.path}: empty file: no header row, only blank lines. Check the export."
                )
            raise DataError(f"{self.path}: the header row is longer than {MAX_RECORD_BYTES // 2**20} MB")
        start, end, _ = record
        names = []
        for raw in self.scanner.split(body[start:end]):
            try:
                names.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                bad = body.index(raw) + skipped
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _utf8_error(
                        self.path, head, bad + exc.start, bad + exc.end, base_offset=self.enc.bom, base_line=1
                    ) from None
        return names

    def runs(
        self, columns: list[str], bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> Iterator[_Run]:
        read_columns = columns or self.columns[:1]
        ncols = len(self.columns)
        row = 1  # data-row number of the next record
        nbytes = 0
        in_header = True
        for chunk in _chunks(self._source(), self.scanner, self.path):
            data, line, offset = chunk.data, chunk.line, chunk.offset
            if in_header:
                body = data.lstrip(b"\r\n")
                line += _line_ends(data, 0, len(data) - len(body))
                offset += len(data) - len(body)
                record = next(self.scanner.records(body), None)
                if record is None:  # blank lines only so far
                    continue
                in_header = False
                cut = _after_terminator(body, record[1])
                line += _line_ends(body, 0, cut)
                offset += cut
                data = body[cut:]
            before = nbytes
            nbytes = max(nbytes, min(chunk.nbytes, self.info.total_bytes))
            if not data.strip(b"\r\n"):
                continue
            table, bad = self._parse(data, read_columns, ncols, line, offset)
            records = table.num_rows + len(bad)
            if not bad:
                yield self._run(table, columns, row, before, nbytes)
                row += records
                continue
            located, positions = self._locate(data, line, row, ncols, bad, records)
            if bad_rows == "error":
                first_bad = located[0]
                where = f"line {first_bad.line} (data row {first_bad.row})" if first_bad.line else "a row"
                delim = _DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))
                raise DataError(
                    f"{self.path}: {where}: {first_bad.reason}; the header has {ncols} columns. Fix that row "
                    f"(a value containing the delimiter {delim} must be quoted), check the delimiter "
                    f"({param('delimiter')}), or skip malformed rows with {param('skip_bad_rows')}.",
                    path=str(self.path),
                    line=first_bad.line,
                    row=first_bad.row,
                )
            for b in located:
                skip(b)
            if positions is None:  # could not place them: keep the rows together
                yield self._run(table, columns, row, before, nbytes)
            else:  # the good rows between bad ones, as separate runs
                taken = 0
                prev = 0
                for p in [*positions, records]:
                    if p > prev:
                        yield self._run(table.slice(taken, p - prev), columns, row + prev, before, nbytes)
                        taken += p - prev
                    prev = p + 1
            row += records

    def _locate(
        self, data: bytes, line: int, row: int, ncols: int, bad: list[str], records: int
    ) -> tuple[list[BadRow], list[int] | None]:
        """The bad records of a block with their lines and row numbers (the exact, slow scan)."""
        found = []
        count = 0
        for i, (s, e, n) in enumerate(self.scanner.records(data)):
            count = i + 1
            if n != ncols:
                found.append(
                    (
                        i,
                        BadRow(
                            row + i,
                            line + _line_ends(data, 0, s),
                            f"expected {ncols} fields, found {n}: {_preview(data[s:e])}",
                        ),
                    )
                )
        if len(found) == len(bad) and count == records:
            return [b for _, b in found], [i for i, _ in found]
        return [BadRow(None, None, f"malformed row: {_preview(t)}") for t in bad], None

    def _parse(
        self, data: bytes, read_columns: list[str], ncols: int, line: int, offset: int
    ) -> tuple[pa.Table, list[str]]:
        bad: list[str] = []

        def on_invalid(r: Any) -> str:
            bad.append(r.text)
            return "skip"

        index = {c: f"c{self.columns.index(c)}" for c in read_columns}
        try:
            table = pacsv.read_csv(
                pa.py_buffer(data),
                read_options=pacsv.ReadOptions(
                    column_names=[f"c{i}" for i in range(ncols)], block_size=max(len(data) + 1, 1 << 20)
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
                ),
                convert_options=pacsv.ConvertOptions(
                    include_columns=list(index.values()),
                    column_types={n: pa.string() for n in index.values()},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    null_values=[],
                ),
            )
        except pa.ArrowInvalid as exc:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as u:
                base = self.enc.bom + offset if self.enc.codec == "utf-8" and not self.gz else offset
                raise _utf8_error(self.path, data, u.start, u.end, base_offset=base, base_line=line) from None
            raise DataError(f"{self.path}: cannot parse as CSV near line {line}: {exc}") from None
        return table.rename_columns(list(index)), bad

    @staticmethod
    def _run(table: pa.Table, columns: list[str], first_row: int, before: int, after: int) -> _Run:
        cols = {c: table.column(c).to_pylist() for c in columns}
        return _Run(cols, first_row, table.num_rows, before, after, table.nbytes)


def _after_terminator(data: bytes, end: int) -> int:
    """The position after the record terminator at ``end`` (\\n, \\r or \\r\\n)."""
    if data[end : end + 2] == b"\r\n":
        return end + 2
    if data[end : end + 1] in (b"\r", b"\n"):
        return end + 1
    return end


def _sniff_delimiter(head: bytes) -> tuple[str, str | None]:
    """The delimiter that splits the first records into the same number (> 1) of fields."""
    sample = head[:SNIFF_BYTES]
    if not _CsvReader._header_complete(sample):  # a header longer than the sample
        sample = head
    best: tuple[float, int, int] | None = None
    chosen = ","
    for priority, cand in enumerate(DELIMITERS):
        if cand.encode() not in sample:
            continue
        scanner = _Scanner(cand)
        cut, _ = scanner.last_boundary(sample)
        records = scanner.records(sample[:cut] if cut else sample, complete=True)
        counts = [n for _, _, n in itertools.islice(records, 200)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for n in counts if n == counts[0]) / len(counts)
        score = (consistent, counts[0] if consistent == 1 else 0, -priority)
        if best is None or score > best:
            best, chosen = score, cand
    if best is None:
        return ",", None
    return chosen, None if chosen == "," else f"delimiter {_DELIMITER_NAMES[chosen]} detected"


def _check_duplicates(path: Path, names: Sequence[str], what: str) -> None:
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names, start=1):
        positions.setdefault(name, []).append(i)
    dups = {n: p for n, p in positions.items() if len(p) > 1}
    if dups:
        listed = "; ".join(f"{n!r} at columns {', '.join(map(str, p))}" for n, p in dups.items())
        raise DataError(
            f"{path}: duplicate column names in the {what}: {listed}. Rename them so each column has its own name."
        )


# --------------------------------------------------------------------------
# JSONL
# --------------------------------------------------------------------------


class _RawNumber(str):
    """A JSON number kept as the text it was written as."""


def _load_object(text: str) -> Any:
    return json.loads(text, parse_int=_RawNumber, parse_float=_RawNumber, parse_constant=_RawNumber)


def _unsendable(obj: Any) -> str | None:
    """Why a parsed object's text cannot be sent (a lone surrogate from a \\uD800 escape), or None."""
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"holds a lone surrogate escape ({exc.object[exc.start : exc.end].encode('unicode_escape').decode()}), "
            "half of a character pair, which is not valid Unicode text and cannot be sent to an API"
        )
    return None


def _compact(value: Any) -> str:
    if type(value) is _RawNumber:
        return str.__str__(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ",".join(_compact(v) for v in value) + "]"
    return (
        "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _compact(v) for k, v in value.items()) + "}"
    )


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return str.__str__(value) if type(value) is _RawNumber else value
    if value is None:
        return ""
    return _compact(value)


class _JsonlReader(_Reader):
    def __init__(
        self,
        path: Path,
        enc: _Encoding,
        gz: bool,
        total: int,
        notes: list[str],
        scan_rows: int,
        bad_rows: BadRowPolicy,
    ) -> None:
        self.path = path
        self.enc = enc
        self.gz = gz
        keys: dict[str, None] = {}
        objects = 0
        for _, _, obj in self._objects(bad_rows, lambda b: None):
            keys.update(dict.fromkeys(obj))
            objects += 1
            if objects >= scan_rows:
                break
        if not objects:
            raise DataError(f"{path}: empty file: no JSON objects, only blank lines")
        self.scanned = objects if objects >= scan_rows else None  # set when the scan stopped early
        self.info = DatasetInfo(path, "jsonl", enc.codec, None, list(keys), total, notes)

    def _lines(self) -> Iterator[tuple[int, bytes | str, int]]:
        """(line number, line, file bytes consumed)."""
        with open(self.path, "rb") as raw:
            f = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if self.gz else raw
            if self.enc.codec == "utf-8":
                for n, line in enumerate(f, start=1):
                    if n == 1 and line.startswith(codecs.BOM_UTF8):
                        line = line[3:]
                    yield n, line, raw.tell()
            else:
                text = io.TextIOWrapper(f, encoding=self.enc.codec, errors="strict", newline="\n")
                try:
                    for n, sline in enumerate(text, start=1):
                        if n == 1:
                            sline = sline.lstrip("\ufeff")
                        yield n, sline, raw.tell()
                except UnicodeDecodeError as exc:
                    raise DataError(
                        f"{self.path}: not valid {self.enc.codec} text ({exc.reason}); name the right encoding "
                        f"with {param('encoding')}, or re-save the file as UTF-8",
                        path=str(self.path),
                    ) from None

    def _objects(
        self, bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> Iterator[tuple[int, int, Any]]:
        """(row number, file bytes consumed, object) of each non-blank line."""
        row = 0
        offset = self.enc.bom
        for n, line, consumed in self._lines():
            start = offset
            offset += len(line)
            if isinstance(line, bytes):
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise DataError(
                        f"{self.path}: line {n}: not UTF-8 text at byte {start + exc.start} "
                        f"({line[exc.start : exc.end]!r}); JSON Lines must be UTF-8. Re-save the file as UTF-8, "
                        f"or name its encoding with {param('encoding')}.",
                        path=str(self.path),
                        line=n,
                    ) from None
            else:
                text = line
            if not text.strip():
                continue
            row += 1
            try:
                obj = _load_object(text.rstrip("\r\n"))
            except json.JSONDecodeError as exc:
                problem = f"not valid JSON ({exc.msg} at column {exc.colno}): {_preview(text)}"
                if n == 1 and row == 1 and text.lstrip().startswith("["):
                    problem = "a JSON array, not JSON Lines; write one object per line (e.g. jq -c '.[]')"
                self._bad(n, row, problem, bad_rows, skip)
                continue
            except RecursionError:
                self._bad(n, row, "JSON nested too deeply to read (thousands of levels)", bad_rows, skip)
                continue
            if "\\u" in text and isinstance(obj, dict) and (why := _unsendable(obj)) is not None:
                self._bad(n, row, f"the object {why}", bad_rows, skip)
                continue
            if not isinstance(obj, dict):
                kind = {list: "array", str: "string", _RawNumber: "number", bool: "boolean"}.get(
                    type(obj), "null"
                )
                if n == 1 and isinstance(obj, list):
                    problem = "a JSON array, not JSON Lines; write one object per line (e.g. jq -c '.[]')"
                else:
                    problem = f"a JSON {kind} where an object {{...}} was expected: {_preview(text)}"
                self._bad(n, row, problem, bad_rows, skip)
                continue
            yield row, consumed, obj

    def _bad(
        self, line: int, row: int, problem: str, bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> None:
        if bad_rows == "error":
            raise DataError(
                f"{self.path}: line {line}: {problem}. Each line must be one JSON object; fix the line, or skip "
                f"malformed lines with {param('skip_bad_rows')}.",
                path=str(self.path),
                line=line,
                row=row,
            )
        skip(BadRow(row=row, line=line, reason=problem))

    def runs(
        self, columns: list[str], bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> Iterator[_Run]:
        cols: dict[str, list[str]] = {c: [] for c in columns}
        first = 1
        rows = 0
        text_bytes = 0
        before = 0
        consumed = 0
        for row, consumed, obj in self._objects(bad_rows, skip):
            if rows and (row != first + rows or rows >= 4096 or text_bytes > MAX_BATCH_BYTES // 4):
                yield _Run(cols, first, rows, before, consumed, text_bytes)
                cols = {c: [] for c in columns}
                rows = 0
                text_bytes = 0
                before = consumed
            if not rows:
                first = row
            for c in columns:
                v = _as_text(obj.get(c))
                cols[c].append(v)
                text_bytes += len(v)
            rows += 1
        if rows:
            yield _Run(cols, first, rows, before, min(consumed, self.info.total_bytes), text_bytes)


# --------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------


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
                f"a binary column holds bytes that are not UTF-8 text ({exc.reason}, {_preview(values[at])})",
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


class _ParquetReader(_Reader):
    def __init__(self, path: Path) -> None:
        import pyarrow.dataset as pads
        import pyarrow.parquet as pq

        self.path = path
        if path.is_file():  # the dataset API refuses duplicate names before they can be reported
            try:
                _check_duplicates(path, pq.read_schema(path).names, "Parquet schema")
            except (pa.ArrowInvalid, OSError) as exc:
                raise DataError(f"{path}: cannot read as Parquet: {exc}") from None
        try:
            self.dataset = pads.dataset(path, format="parquet")
            self.total_rows = self.dataset.count_rows()
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{path}: cannot read as Parquet: {exc}") from None
        files = list(getattr(self.dataset, "files", []) or [])
        if path.is_dir() and not files:
            raise DataError(f"{path}: no Parquet files in this directory")
        total = sum(Path(f).stat().st_size for f in files) if files else path.stat().st_size
        names = list(self.dataset.schema.names)
        _check_duplicates(path, names, "Parquet schema")
        notes = [f"{len(files)} Parquet files"] if path.is_dir() else []
        notes.append(f"{self.total_rows} rows")
        self.info = DatasetInfo(path, "parquet", None, None, names, total, notes)

    def runs(
        self, columns: list[str], bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> Iterator[_Run]:
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
                yield _Run(cols, row, rb.num_rows, before, nbytes, rb.nbytes)
                row += rb.num_rows
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{self.path}: cannot read as Parquet: {exc}") from None


# --------------------------------------------------------------------------
# .xlsx (openpyxl, read-only mode: streams the sheet XML)
# --------------------------------------------------------------------------


def _cell_list(cells: Sequence[tuple[int, int, str]], limit: int = 5) -> str:
    names = ", ".join(ref for _, _, ref in cells[:limit])
    return names + (f" and {len(cells) - limit:,} more" if len(cells) > limit else "")


def _uncached_error(path: Path, title: str, cells: Sequence[tuple[int, int, str]]) -> DataError:
    first = cells[0]
    return DataError(
        f"{path}: sheet {title!r}: {len(cells):,} formula cell(s) have no stored result "
        f"({_cell_list(cells)}): the workbook was written by a program that does not calculate "
        "formulas, so their values are unknown (they are not empty). Open the file in Excel or "
        "LibreOffice and save it, so the results are stored, or write the values instead of formulas.",
        path=str(path),
        line=first[0] or None,
        column=first[2],
    )


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return str(v)


class _XlsxReader(_Reader):
    def __init__(self, path: Path) -> None:
        self.path = path
        scan = scan_xlsx(path)
        with self._sheet() as (ws, title, nsheets):
            header_row = next(ws.iter_rows(values_only=True), None)
            max_row = ws.max_row
            part = str(getattr(ws, "_worksheet_path", "")).lstrip("/")
        self.uncached = scan.uncached.get(part, [])
        if any(r == 1 for r, _, _ in self.uncached):
            raise _uncached_error(path, title, [c for c in self.uncached if c[0] == 1])
        if header_row is None:
            raise DataError(f"{path}: empty file: the first sheet {title!r} has no rows")
        header = [_cell_text(v) for v in header_row]
        while header and header[-1] == "":
            header.pop()
        if not header:
            raise DataError(f"{path}: the first row of sheet {title!r} is empty; put the column names there")
        _check_duplicates(path, header, f"header of sheet {title!r}")
        notes = [f"sheet {title!r}" + (f" (the first of {nsheets} sheets)" if nsheets > 1 else "")]
        notes.append("cell values as stored, not as displayed (number formats are not applied)")
        if self.uncached:
            notes.append(
                f"{len(self.uncached)} formula cell(s) without a stored result ({_cell_list(self.uncached)}); "
                "reading a column that holds one is refused"
            )
        self.title = title
        self.max_row = max_row if isinstance(max_row, int) and max_row > 1 else None
        self.info = DatasetInfo(path, "xlsx", None, None, header, path.stat().st_size, notes)

    @contextlib.contextmanager
    def _sheet(self) -> Iterator[tuple[Any, str, int]]:
        try:
            import openpyxl
            from openpyxl.utils.exceptions import InvalidFileException
        except ImportError:
            raise DataError(
                f"{self.path}: reading .xlsx needs the openpyxl package (pip install openpyxl), "
                "or save the sheet as CSV"
            ) from None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about styles it does not need here
                wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise DataError(f"{self.path}: cannot read as an .xlsx workbook: {exc}") from None
        except Exception as exc:  # a damaged package can fail anywhere inside openpyxl
            raise DataError(
                f"{self.path}: cannot read as an .xlsx workbook: the package is damaged "
                f"({type(exc).__name__}: {exc}); open and save it again in a spreadsheet program, "
                "or save the sheet as CSV."
            ) from None
        try:
            ws = wb.worksheets[0]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield ws, ws.title, len(wb.worksheets)
        finally:
            wb.close()

    def runs(
        self, columns: list[str], bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> Iterator[_Run]:
        index = [self.info.columns.index(c) for c in columns]
        read = [c for c in self.uncached if c[1] - 1 in index]
        if read:
            raise _uncached_error(self.path, self.title, read)
        ncols = len(self.info.columns)
        total = self.info.total_bytes
        cols: dict[str, list[str]] = {c: [] for c in columns}
        first = rows = row = before = nbytes = 0
        with self._sheet() as (ws, _, _):
            for sheet_row, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if sheet_row == 1 or all(v is None or v == "" for v in values):
                    continue
                row += 1
                if self.max_row:
                    nbytes = max(nbytes, total * min(sheet_row, self.max_row) // self.max_row)
                extra = [v for v in values[ncols:] if v is not None and v != ""]
                if (extra or (rows and rows >= 4096)) and rows:
                    yield _Run(cols, first, rows, before, nbytes)
                    cols = {c: [] for c in columns}
                    rows = 0
                    before = nbytes
                if extra:
                    reason = f"{ncols + len(extra)} filled cells, the header has {ncols}"
                    if bad_rows == "error":
                        raise DataError(
                            f"{self.path}: sheet row {sheet_row}: {reason}. Give the extra cells a header, clear "
                            f"them, or skip such rows with {param('skip_bad_rows')}.",
                            path=str(self.path),
                            line=sheet_row,
                            row=row,
                        )
                    skip(BadRow(row=row, line=sheet_row, reason=reason))
                    continue
                if not rows:
                    first = row
                for c, i in zip(columns, index):
                    cols[c].append(_cell_text(values[i]) if i < len(values) else "")
                rows += 1
        if rows:
            yield _Run(cols, first, rows, before, total)
