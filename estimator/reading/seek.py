"""Rows drawn at random byte offsets of a text file, without reading the rest of it.

Seek-based sampling reads a few kilobytes around each of ``n`` uniformly random byte
offsets of the data (everything after the header) and keeps **the row the offset falls
in**. A row is the span from its first byte to the first byte of the next row (its
terminator and any blank lines after it included), so the spans tile the data and a row
is drawn with probability ``span / data bytes``: long rows more often than short ones.
That length bias is not hidden: every draw carries its span, and the estimators of
``estimator.counting.sampling`` weight each draw by ``1 / span`` (Hansen-Hurwitz), which
makes the totals unbiased for any mix of row lengths (tests/test_seek_sampling.py checks
it on rows whose tokens per byte change with their length).

Resynchronising to row boundaries
---------------------------------
JSON Lines: a row is a line (JSON strings cannot hold a raw newline).

CSV: a quoted value may hold line breaks, so a line break is not always a row boundary.
Around an offset every line start is a candidate, tried in order; a candidate is taken
as a row start when the next ``VALIDATE_ROWS`` rows parsed from it (or all rows up to
the end of the file) each have the header's number of fields under the quoting rules of
``estimator.reading.csv_records``, without a quote character inside an unquoted value
(unless the start of the file shows such values). A line start inside a quoted value
reads the rest of the value as unquoted text, which breaks one of these rules within a
row or two: the value's closing quote then sits inside an unquoted value or opens a
new quote, and the field counts go wrong. From the first accepted row start the rows
are parsed forward, exactly, to the one holding the offset. Where the window around an
offset holds no accepted start before it, it is widened (up to ``MAX_WINDOW``); a file
where that still fails falls back to reading the whole file (``SeekUnsupported``). Known
limit: a value that itself holds lines of CSV with the header's field count cannot be
told from real rows, by this or any local rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from estimator.errors import DataError
from estimator.reading.csv_records import Scanner, after_terminator
from estimator.reading.remote import AnyPath, read_ranges
from estimator.reading.rows import BadRow, BadRowPolicy

VALIDATE_ROWS = 3
"""Consecutive well-formed rows that confirm a candidate row start."""
MAX_WINDOW = 8 * 1024 * 1024
"""The widest window read around one offset before the file is read whole instead."""


class SeekUnsupported(Exception):
    """This file cannot be sampled by seeking (rows could not be told apart); read it whole."""


@dataclass
class SeekSample:
    """Rows drawn with probability proportional to their span in bytes, one per random offset.

    ``columns`` hold each draw's values (``""`` for a malformed row left out); ``spans`` the
    bytes of each drawn row's span (its weight is ``1 / span``); ``good`` is False where a
    draw fell in a malformed row (skipped rows count as zero in every total).
    """

    columns: dict[str, list[str]]
    spans: np.ndarray
    offsets: np.ndarray  # where each drawn row starts in the file
    good: np.ndarray
    total_bytes: int  # bytes of all rows' spans: what the offsets were drawn from
    bytes_read: int
    bad: list[BadRow] = field(default_factory=list)


@dataclass(frozen=True)
class Located:
    start: int  # the row's first byte (absolute)
    content_end: int  # end of the row's text, before its terminator (absolute)
    span_end: int  # first byte of the next row, or the end of the data (absolute)
    fields: int  # fields found (CSV); 0 for a JSON line
    text: bytes  # the row's bytes, without its terminator


Locate = Callable[[bytes, int, int, bool, bool], "Located | None"]
"""(window, window start, offset, window starts at the data start, window ends at the data end)
-> the row holding the offset, or None when the window is too narrow to tell."""


def draw_offsets(data_start: int, data_end: int, n: int, seed: int) -> np.ndarray:
    """``n`` uniform byte offsets in ``[data_start, data_end)``, seeded."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.integers(data_start, data_end, size=n, dtype=np.int64))


def locate_all(
    path: AnyPath, offsets: np.ndarray, data_start: int, data_end: int, window: int, locate: Locate
) -> tuple[list[Located], int]:
    """The row holding each offset, reading windows of ``2 * window`` bytes (widened where needed)."""
    found: list[Located | None] = [None] * len(offsets)
    todo = list(range(len(offsets)))
    width = max(256, window)
    bytes_read = 0
    while todo:
        if width > MAX_WINDOW:
            raise SeekUnsupported("no row boundary could be confirmed near some offsets")
        starts = [max(data_start, int(offsets[i]) - width) for i in todo]
        ends = [min(data_end, int(offsets[i]) + width) for i in todo]
        # overlapping windows (offsets are sorted) are read as one range: fewer bytes and requests
        spans: list[list[int]] = []
        for lo, hi in zip(starts, ends):
            if spans and lo <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], hi)
            else:
                spans.append([lo, hi])
        chunks = read_ranges(path, [a for a, _ in spans], [b for _, b in spans])
        bytes_read += sum(map(len, chunks))
        retry = []
        k = 0
        for i, lo, hi in zip(todo, starts, ends):
            while spans[k][1] < hi or spans[k][0] > lo:
                k += 1
            base = spans[k][0]
            buf = chunks[k][lo - base : hi - base]
            got = locate(buf, lo, int(offsets[i]), lo == data_start, hi >= data_end)
            if got is None:
                retry.append(i)
            else:
                found[i] = got
        todo = retry
        width *= 4
    return [f for f in found if f is not None], bytes_read


# --------------------------------------------------------------------------
# JSON Lines
# --------------------------------------------------------------------------


def locate_line(buf: bytes, lo: int, offset: int, at_start: bool, at_end: bool) -> Located | None:
    """The non-blank line holding ``offset`` (a blank line belongs to the line before it)."""
    u = offset - lo
    while True:
        nl = buf.rfind(b"\n", 0, u)
        if nl < 0 and not at_start:
            return None
        ls = nl + 1
        le = buf.find(b"\n", u)
        if le < 0:
            if not at_end:
                return None
            le = len(buf)
        if buf[ls:le].strip():
            break
        if ls == 0:  # a blank line cannot start the data: the window is too narrow
            return None
        u = ls - 1
    after = le + 1
    while after < len(buf):  # blank lines that follow belong to this row's span
        nxt = buf.find(b"\n", after)
        stop = len(buf) if nxt < 0 else nxt
        if buf[after:stop].strip():
            break
        if nxt < 0:
            if not at_end:
                return None
            after = len(buf)
            break
        after = nxt + 1
    if after >= len(buf) and not at_end:
        return None
    return Located(lo + ls, lo + le, lo + min(after, len(buf)), 0, buf[ls:le])


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


class CsvLocator:
    """Finds the CSV row holding an offset (see the module docs for the rule)."""

    def __init__(self, delimiter: str, ncols: int, strict_quotes: bool) -> None:

        self.ncols = ncols
        self.scanner = Scanner(delimiter)
        d = re.escape(delimiter.encode())
        quoted = rb'"[^"]*+(?:""[^"]*+)*+"'
        rest = rb"[^" + d + rb"\r\n]*+"
        plain = (rb"[^\"" + d + rb"\r\n][^\"" + d + rb"\r\n]*+") if strict_quotes else (rb"[^\"" + d + rb"\r\n]" + rest)
        field = rb"(?:" + quoted + (b"" if strict_quotes else rest) + rb"|" + plain + rb"|)"
        self.row = re.compile(field + (rb"(?:" + d + field + rb"){%d}" % (ncols - 1)) + rb"(?:\r\n|\r|\n)")
        self.blank = re.compile(rb"[\r\n]*+")
        self.line_start = re.compile(rb"\r\n|\r|\n")

    def _confirmed(self, buf: bytes, c: int, at_end: bool) -> bool:
        pos = c
        for _ in range(VALIDATE_ROWS):
            pos = self.blank.match(buf, pos).end()  # type: ignore[union-attr]
            if pos >= len(buf):
                return at_end or pos > c
            m = self.row.match(buf, pos)
            if m is None:
                return False
            pos = m.end()
        return True

    def __call__(self, buf: bytes, lo: int, offset: int, at_start: bool, at_end: bool) -> Located | None:
        u = offset - lo
        size = len(buf)
        if at_end and buf[-1:] not in (b"\n", b"\r"):
            buf += b"\n"  # the last row may end without a line break
        c: int | None = 0 if at_start else None
        if c is None:
            for m in self.line_start.finditer(buf, 0, u + 1):
                if self._confirmed(buf, m.end(), at_end):
                    c = m.end()
                    break
        if c is None or c > u:
            return None
        prev: tuple[int, int, int] | None = None
        pos = c
        end = len(buf)
        while True:
            pos = self.blank.match(buf, pos).end()  # type: ignore[union-attr]
            if pos > u or pos >= end:
                break
            row = self.row.match(buf, pos)
            if row is not None:
                stop = row.end()
                prev = (pos, stop - (2 if buf[stop - 2 : stop] == b"\r\n" else 1), self.ncols)
                pos = stop
                continue
            # not a well-formed row (or cut off by the window): the exact scan says where it ends
            record = next(self.scanner.records(buf[pos:], complete=at_end), None)
            if record is None:
                if at_end and self.scanner.last_boundary(buf[pos:])[1] is not None:
                    raise DataError(f"a quoted value opens after byte {lo + pos:,} and never closes before the "
                                    "end of the file")
                return None
            _, e, n = record
            prev = (pos, pos + e, n)
            pos = after_terminator(buf, pos + e)
        if prev is None:  # u is in blank lines that belong to a row before c
            return None
        if pos >= end:
            if not at_end:
                return None
            pos = size
        return Located(lo + prev[0], lo + prev[1], lo + pos, prev[2], buf[prev[0] : prev[1]])


def sample_rows(
    path: AnyPath,
    offsets: np.ndarray,
    data: tuple[int, int],
    window: int,
    locate: Locate,
    values: Callable[[Sequence[Located]], tuple[dict[str, list[str]], list[str | None]]],
    # the drawn rows -> (values per column, per row: None if it is fine, else what is wrong)
    bad_rows: BadRowPolicy,
) -> SeekSample:
    """The draws at ``offsets``: located, their values parsed by ``values`` (None: the row is fine)."""
    data_start, data_end = data
    rows, bytes_read = locate_all(path, offsets, data_start, data_end, window, locate)
    starts = [r.start for r in rows]
    cols, problems = values(rows)
    spans = np.array([r.span_end - r.start for r in rows], dtype=np.int64)
    good = np.array([p is None for p in problems], dtype=bool)
    bad: list[BadRow] = []
    for start, problem in zip(starts, problems):
        if problem is None:
            continue
        if bad_rows == "error":
            raise DataError(f"{path}: the row at byte {start:,}: {problem}", path=str(path))
        bad.append(BadRow(None, None, f"at byte {start:,}: {problem}"))
    return SeekSample(cols, spans, np.array(starts, dtype=np.int64), good, data_end - data_start,
                      bytes_read, bad)
