"""Excel workbooks (.xlsx, first sheet) through openpyxl's read-only mode, which streams the
sheet XML; cell values as stored, not as displayed. ``estimator.reading.xlsx_guard`` checks
the package before openpyxl opens it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from estimator.errors import DataError, param
from estimator.reading.rows import BadRow, BadRowPolicy, DatasetInfo, Reader, Run, check_duplicates
from estimator.reading.xlsx_guard import scan_xlsx


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


class XlsxReader(Reader):
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
        check_duplicates(path, header, f"header of sheet {title!r}")
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
        try:  # local: openpyxl is only needed for workbooks, and its absence is reported as a DataError
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
    ) -> Iterator[Run]:
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
                    yield Run(cols, first, rows, before, nbytes)
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
            yield Run(cols, first, rows, before, total)
