"""CSV and TSV files: every value the text between the delimiters, unquoted, never converted.

Blocks of whole records (``estimator.reading.csv_records``) are parsed by ``pyarrow.csv``
with every column as text; a row with the wrong number of fields is located by the exact
scan, with its line and data-row number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from estimator.errors import DataError, param
from estimator.reading import limits
from estimator.reading.csv_records import DELIMITER_NAMES, Scanner, after_terminator, chunks, header_complete
from estimator.reading.rows import BadRow, BadRowPolicy, DatasetInfo, Reader, Run, check_duplicates
from estimator.reading.sniff import sniff_delimiter
from estimator.reading.text import Encoding, TextSource, excerpt, line_ends, utf8_error


class CsvReader(Reader):
    def __init__(
        self,
        path: Path,
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
