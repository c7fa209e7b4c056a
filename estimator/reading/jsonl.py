"""JSON Lines files: one object per line; values as their JSON text as written.

A string is returned as is, a number or boolean as written (``1.10`` stays ``1.10``), an
object or array as compact JSON, ``null`` and a missing key as ``""``.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from estimator.errors import DataError, param
from estimator.reading import limits
from estimator.reading.rows import BadRow, BadRowPolicy, DatasetInfo, Reader, Run
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
        path: Path,
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
