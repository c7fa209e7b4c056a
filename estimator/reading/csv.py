"""CSV and TSV files: every value the text between the delimiters, unquoted, never converted.

Blocks of whole records (``estimator.reading.csv_records``) are parsed by ``pyarrow.csv``
with every column as text; a row with the wrong number of fields is located by the exact
scan, with its line and data-row number.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from estimator.errors import DataError, param
from estimator.reading import limits
from estimator.reading.csv_records import DELIMITER_NAMES, Scanner, after_terminator, chunks, header_complete
from estimator.reading.remote import AnyPath
from estimator.reading.rows import BadRow, BadRowPolicy, DatasetInfo, Reader, Run, check_duplicates
from estimator.reading.seek import CsvLocator, Located, SeekSample, draw_offsets, sample_rows
from estimator.reading.sniff import sniff_delimiter
from estimator.reading.text import Encoding, TextSource, excerpt, line_ends, utf8_error


class CsvReader(Reader):
    def __init__(
        self,
        path: AnyPath,
        fmt: str,
        enc: Encoding,
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
            delimiter, note = sniff_delimiter(head)
            if note:
                notes.append(note)
        self.delimiter = delimiter
        self.scanner = Scanner(delimiter)
        self.columns = self._header(head, eof)
        check_duplicates(path, self.columns, "header")
        self._head_rows = self._head_layout(head, eof)
        self.info = DatasetInfo(
            path=path,
            format=fmt,
            encoding="utf-8-sig" if enc.codec == "utf-8" and enc.bom else enc.codec,
            delimiter=delimiter,
            columns=self.columns,
            total_bytes=total,
            notes=notes,
        )

    def _source(self) -> TextSource:
        return TextSource(self.path, self.enc, self.gz)

    def _head(self) -> tuple[bytes, bool]:
        """The start of the text (at least the sniff sample), and whether it is all of it."""
        blocks = self._source().blocks()
        head = b""
        try:
            for block in blocks:
                head += block
                if len(head) >= limits.SNIFF_BYTES and header_complete(head):
                    return head, False
                if len(head) > limits.MAX_RECORD_BYTES:
                    return head, False
        finally:
            blocks.close()
        return head, True

    def _header(self, head: bytes, eof: bool) -> list[str]:
        body = head.lstrip(b"\r\n")
        skipped = len(head) - len(body)
        record = next(self.scanner.records(body, complete=eof), None)
        if record is None:
            _, open_quote = self.scanner.last_boundary(body)
            if open_quote is not None and eof:
                raise DataError(
                    f"{self.path}: the header row has a quote that never closes: {excerpt(body[:80])}"
                )
            if not body.strip():
                raise DataError(
                    f"{self.path}: empty file: no header row, only blank lines. Check the export."
                )
            raise DataError(f"{self.path}: the header row is longer than {limits.MAX_RECORD_BYTES // 2**20} MB")
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
                    raise utf8_error(
                        self.path, head, bad + exc.start, bad + exc.end, base_offset=self.enc.bom, base_line=1
                    ) from None
        return names

    def _head_layout(self, head: bytes, eof: bool) -> tuple[int, float, int, bool]:
        """Where the data rows start (bytes after the BOM), their mean and largest size in the head,
        and whether the head's unquoted values never hold a quote (strict quoting)."""
        body = head.lstrip(b"\r\n")
        skipped = len(head) - len(body)
        first = next(self.scanner.records(body, complete=eof), None)
        if first is None:
            return len(head), 0.0, 0, True
        start = after_terminator(body, first[1])
        start += len(body[start:]) - len(body[start:].lstrip(b"\r\n"))
        count, last, longest = 0, start, 0
        strict = True
        quote = b'"'
        for s, e, _ in itertools.islice(self.scanner.records(body[start:], complete=eof), 2_000):
            count += 1
            longest = max(longest, e - s)
            last = start + e
            record = body[start + s : start + e]
            if strict and quote in record:
                strict = all(self.scanner.quoted.fullmatch(f) is not None if f[:1] == quote else quote not in f
                             for f in _raw_fields(self.scanner, record))
        mean = (last - start) / count if count else 0.0
        return skipped + start, mean, longest, strict

    @property
    def mean_row_bytes(self) -> float | None:
        """The mean size of a data row at the start of the file (None: no row there, or not seekable)."""
        if self.gz or self.enc.codec != "utf-8" or not self._head_rows[1]:
            return None
        return self._head_rows[1]

    @property
    def seek_bytes(self) -> int | None:
        """Bytes of the data rows that random offsets are drawn from (None: the file cannot seek)."""
        if self.mean_row_bytes is None:
            return None
        return max(0, self.info.total_bytes - self.enc.bom - self._head_rows[0])

    def seek_sample(self, columns: list[str], n: int, seed: int, bad_rows: BadRowPolicy) -> SeekSample | None:
        """``n`` rows drawn at random byte offsets (``estimator.reading.seek``); None if the file cannot seek."""
        if self.mean_row_bytes is None:
            return None
        start, mean, longest, strict = self._head_rows
        data_start = self.enc.bom + start
        data_end = self.info.total_bytes
        if data_end <= data_start:
            return None
        locate = CsvLocator(self.delimiter, len(self.columns), strict)
        window = int(max(2_048, 4 * mean, 2 * longest))
        offsets = draw_offsets(data_start, data_end, n, seed)
        try:
            return sample_rows(self.path, offsets, (data_start, data_end), window, locate,
                               lambda rows: self._values(rows, columns), bad_rows)
        except DataError as exc:
            if exc.path:
                raise
            raise DataError(f"{self.path}: {exc.message}", path=str(self.path)) from None

    def _values(self, rows: Sequence[Located], columns: list[str]) -> tuple[dict[str, list[str]], list[str | None]]:
        """The values of ``columns`` in each drawn record, and what is wrong with each (None: nothing)."""
        ncols = len(self.columns)
        records = [r.text for r in rows]
        starts = [r.start for r in rows]
        fields = [r.fields for r in rows]
        problems: list[str | None] = [
            None if f == ncols else f"expected {ncols} fields, found {f}: {excerpt(r)}" for r, f in zip(records, fields)
        ]
        good = [r for r, p in zip(records, problems) if p is None]
        out: dict[str, list[str]] = {c: [""] * len(records) for c in columns}
        if not good:
            return out, problems
        try:
            table, bad = self._parse(b"\n".join(good) + b"\n", columns or self.columns[:1], ncols, 1, 0)
        except DataError:
            table, bad = None, ["?"]
        values: dict[str, list[str]]
        if table is not None and not bad and table.num_rows == len(good):
            values = {c: table.column(c).to_pylist() for c in columns}
        else:  # one record at a time: exact, and names the record that cannot be read
            values = {c: [] for c in columns}
            index = {c: self.columns.index(c) for c in columns}
            for r, start, problem in zip(records, starts, problems):
                if problem is not None:
                    continue
                try:
                    split = [v.decode("utf-8") for v in self.scanner.split(r)]
                except (UnicodeDecodeError, ValueError) as exc:
                    raise DataError(f"{self.path}: the row at byte {start:,} cannot be read ({exc}); name the "
                                    f"encoding with {param('encoding')}", path=str(self.path)) from None
                for c in columns:
                    values[c].append(split[index[c]])
        k = 0
        for i, p in enumerate(problems):
            if p is None:
                for c in columns:
                    out[c][i] = values[c][k]
                k += 1
        return out, problems

    def runs(
        self, columns: list[str], bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> Iterator[Run]:
        read_columns = columns or self.columns[:1]
        ncols = len(self.columns)
        row = 1  # data-row number of the next record
        nbytes = 0
        in_header = True
        for chunk in chunks(self._source(), self.scanner, self.path):
            data, line, offset = chunk.data, chunk.line, chunk.offset
            if in_header:
                body = data.lstrip(b"\r\n")
                line += line_ends(data, 0, len(data) - len(body))
                offset += len(data) - len(body)
                record = next(self.scanner.records(body), None)
                if record is None:  # blank lines only so far
                    continue
                in_header = False
                cut = after_terminator(body, record[1])
                line += line_ends(body, 0, cut)
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
                delim = DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))
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
                            line + line_ends(data, 0, s),
                            f"expected {ncols} fields, found {n}: {excerpt(data[s:e])}",
                        ),
                    )
                )
        if len(found) == len(bad) and count == records:
            return [b for _, b in found], [i for i, _ in found]
        return [BadRow(None, None, f"malformed row: {excerpt(t)}") for t in bad], None

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
                raise utf8_error(self.path, data, u.start, u.end, base_offset=base, base_line=line) from None
            raise DataError(f"{self.path}: cannot parse as CSV near line {line}: {exc}") from None
        return table.rename_columns(list(index)), bad

    @staticmethod
    def _run(table: pa.Table, columns: list[str], first_row: int, before: int, after: int) -> Run:
        cols = {c: table.column(c).to_pylist() for c in columns}
        return Run(cols, first_row, table.num_rows, before, after, table.nbytes)


def _raw_fields(scanner: Scanner, record: bytes) -> list[bytes]:
    """The fields of one record as written (quotes kept), split at the delimiters outside quotes."""
    out: list[bytes] = []
    pos = 0
    n = len(record)
    while True:
        start = pos
        if record[pos : pos + 1] == b'"':
            m = scanner.quoted.match(record, pos)
            if m is None:
                out.append(record[start:])
                return out
            pos = m.end()
        pos = scanner.unquoted.match(record, pos).end()  # type: ignore[union-attr]
        out.append(record[start:pos])
        if pos >= n or record[pos] != scanner.delim[0]:
            return out
        pos += 1
