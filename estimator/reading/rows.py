"""What every reader hands over: rows as text, the rows it left out, what it found in the file.

``RowBatch``, ``BadRow`` and ``DatasetInfo`` are the public values of a ``Dataset``
(``estimator.reading.dataset``); ``Reader`` and ``Run`` are the interface each format's
reader implements (CSV, JSON Lines, Parquet, .xlsx, frames and lists in memory).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from estimator.errors import DataError
from estimator.reading.remote import AnyPath

FORMATS = ("csv", "tsv", "jsonl", "parquet", "xlsx")
BadRowPolicy = Literal["error", "skip"]


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
    path: AnyPath
    format: str  # one of FORMATS
    encoding: str | None  # Python codec name of a text file; None for Parquet and .xlsx
    delimiter: str | None  # CSV/TSV only
    columns: list[str]
    total_bytes: int
    notes: list[str] = field(default_factory=list)  # what was detected, for the user


@dataclass
class Run:
    """Consecutive rows from a reader, in order, with no skipped row inside."""

    columns: dict[str, list[str]]
    first_row: int
    rows: int
    nbytes_before: int
    nbytes_after: int
    text_bytes: int = 0


class Reader:
    info: DatasetInfo

    def runs(
        self, columns: list[str], bad_rows: BadRowPolicy, skip: Callable[[BadRow], None]
    ) -> Iterator[Run]:
        raise NotImplementedError

    @property
    def mean_row_bytes(self) -> float | None:
        """The mean bytes of a row where the reader can draw rows at random offsets, else None."""
        return None

    @property
    def seek_bytes(self) -> int | None:
        """Bytes of the rows that random offsets are drawn from, where the reader can seek, else None."""
        return None

    def seek_sample(self, columns: list[str], n: int, seed: int, bad_rows: BadRowPolicy) -> Any:
        """A ``estimator.reading.seek.SeekSample`` of ``n`` rows, or None where the reader cannot seek."""
        return None


def check_duplicates(path: AnyPath, names: Sequence[str], what: str) -> None:
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names, start=1):
        positions.setdefault(name, []).append(i)
    dups = {n: p for n, p in positions.items() if len(p) > 1}
    if dups:
        listed = "; ".join(f"{n!r} at columns {', '.join(map(str, p))}" for n, p in dups.items())
        raise DataError(
            f"{path}: duplicate column names in the {what}: {listed}. Rename them so each column has its own name."
        )
