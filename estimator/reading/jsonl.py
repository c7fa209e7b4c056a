"""JSON Lines files: one object per line; values as their JSON text as written.

A string is returned as is, a number or boolean as written (``1.10`` stays ``1.10``), an
object or array as compact JSON, ``null`` and a missing key as ``""``.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, cast

from estimator.errors import DataError, param
from estimator.reading import limits
from estimator.reading.remote import AnyPath
from estimator.reading.rows import BadRow, BadRowPolicy, DatasetInfo, Reader, Run
from estimator.reading.seek import SeekSample, draw_offsets, locate_line, sample_rows
from estimator.reading.text import Encoding, excerpt


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


class JsonlReader(Reader):
    def __init__(
        self,
        path: AnyPath,
        enc: Encoding,
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
        self._layout: tuple[int, float, int] | None = None

    def _head_layout(self) -> tuple[int, float, int]:
        """Where the first line starts, and the mean and largest line size at the start of the file."""
        if self._layout is None:
            with self.path.open("rb") as f:
                head = f.read(limits.SNIFF_BYTES)
            body = head[self.enc.bom :]
            lines = body.split(b"\n")
            if len(head) == limits.SNIFF_BYTES and len(lines) > 1:
                lines = lines[:-1]  # the last one may be cut
            start = self.enc.bom
            for line in lines:
                if line.strip():
                    break
                start += len(line) + 1
            sizes = [len(line) + 1 for line in lines if line.strip()]
            self._layout = (start, sum(sizes) / len(sizes) if sizes else 0.0, max(sizes, default=0))
        return self._layout

    @property
    def mean_row_bytes(self) -> float | None:
        """The mean size of a line at the start of the file (None: not seekable)."""
        if self.gz or self.enc.codec != "utf-8":
            return None
        return self._head_layout()[1] or None

    @property
    def seek_bytes(self) -> int | None:
        """Bytes of the lines that random offsets are drawn from (None: the file cannot seek)."""
        if self.mean_row_bytes is None:
            return None
        return max(0, self.info.total_bytes - self._head_layout()[0])

    def seek_sample(self, columns: list[str], n: int, seed: int, bad_rows: BadRowPolicy) -> SeekSample | None:
        """``n`` lines drawn at random byte offsets (``estimator.reading.seek``); None if the file cannot seek."""
        if self.mean_row_bytes is None:
            return None
        start, mean, longest = self._head_layout()
        end = self.info.total_bytes
        if end <= start:
            return None
        window = int(max(2_048, 4 * mean, 2 * longest))
        return sample_rows(self.path, draw_offsets(start, end, n, seed), (start, end), window, locate_line,
                           lambda rows: self._values([r.text for r in rows], columns), bad_rows)

    def _values(self, records: Sequence[bytes], columns: list[str]) -> tuple[dict[str, list[str]], list[str | None]]:
        out: dict[str, list[str]] = {c: [] for c in columns}
        problems: list[str | None] = []
        for raw in records:
            problem = None
            obj: Any = None
            try:
                text = raw.decode("utf-8")
                obj = _load_object(text.rstrip("\r\n"))
            except UnicodeDecodeError as exc:
                problem = f"not UTF-8 text ({raw[exc.start : exc.end]!r}); JSON Lines must be UTF-8"
            except json.JSONDecodeError as exc:
                problem = f"not valid JSON ({exc.msg} at column {exc.colno}): {excerpt(raw)}"
            except RecursionError:
                problem = "JSON nested too deeply to read (thousands of levels)"
            if problem is None and not isinstance(obj, dict):
                problem = f"a JSON value where an object {{...}} was expected: {excerpt(raw)}"
            if problem is None and "\\u" in text and (why := _unsendable(obj)) is not None:
                problem = f"the object {why}"
            problems.append(problem)
            for c in columns:
                out[c].append(_as_text(obj.get(c)) if problem is None else "")
        return out, problems

    def _lines(self) -> Iterator[tuple[int, bytes | str, int]]:
        """(line number, line, file bytes consumed)."""
        with self.path.open("rb") as raw:
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
                problem = f"not valid JSON ({exc.msg} at column {exc.colno}): {excerpt(text)}"
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
                    problem = f"a JSON {kind} where an object {{...}} was expected: {excerpt(text)}"
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
    ) -> Iterator[Run]:
        cols: dict[str, list[str]] = {c: [] for c in columns}
        first = 1
        rows = 0
        text_bytes = 0
        before = 0
        consumed = 0
        for row, consumed, obj in self._objects(bad_rows, skip):
            if rows and (row != first + rows or rows >= 4096 or text_bytes > limits.MAX_BATCH_BYTES // 4):
                yield Run(cols, first, rows, before, consumed, text_bytes)
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
            yield Run(cols, first, rows, before, min(consumed, self.info.total_bytes), text_bytes)
