"""How a source is read: its format, encoding, delimiter, columns, notes and first rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from estimator.reading.rows import BadRow, DatasetInfo
from estimator.reading.source import ReadOptions, open_rows


@dataclass(frozen=True)
class SourcePreview:
    """What reading a source found, and its first rows (``{"row": n, "values": {column: text}}``)."""

    info: DatasetInfo
    rows: tuple[dict[str, Any], ...]
    skipped: tuple[BadRow, ...]

    def to_json(self) -> dict[str, Any]:
        info = self.info
        return {
            "path": str(info.path), "format": info.format, "encoding": info.encoding, "delimiter": info.delimiter,
            "columns": info.columns, "total_bytes": info.total_bytes, "notes": info.notes, "rows": list(self.rows),
            "skipped": [{"row": s.row, "line": s.line, "reason": s.reason} for s in self.skipped],
        }

    def to_text(self) -> str:
        info = self.info
        lines = [f"file:      {info.path}", f"format:    {info.format}"]
        if info.encoding is not None:
            lines.append(f"encoding:  {info.encoding}")
        if info.delimiter is not None:
            lines.append(f"delimiter: {'tab' if info.delimiter == chr(9) else repr(info.delimiter)}")
        lines.append(f"size:      {info.total_bytes:,} bytes")
        lines.append(f"columns ({len(info.columns)}): " + ", ".join(repr(c) for c in info.columns))
        lines += [f"note: {note}" for note in info.notes]
        if self.rows or not self.skipped:
            lines += ["", f"first {len(self.rows)} row(s):" if self.rows else "no data rows (header only)"]
        for r in self.rows:
            lines.append(f"  row {r['row']}:")
            lines += [f"    {c}: {_short(v)}" for c, v in r["values"].items()]
        return "\n".join(lines)


PREVIEW_CHARS = 80


def _short(value: str) -> str:
    shown = value if len(value) <= PREVIEW_CHARS else value[:PREVIEW_CHARS] + f"... ({len(value):,} chars)"
    return repr(shown)


def preview(source: Any, read: ReadOptions | None = None, rows: int = 3) -> SourcePreview:
    """Open ``source`` as ``estimate`` would and keep its first ``rows`` rows."""
    kept: list[dict[str, Any]] = []
    with open_rows(source, read) as ds:
        info = ds.info
        if rows > 0:
            for batch in ds.batches(info.columns):
                for i in range(min(batch.rows, rows - len(kept))):
                    kept.append({"row": batch.first_row + i, "values": {c: batch.columns[c][i] for c in info.columns}})
                if len(kept) >= rows:
                    break
        skipped = tuple(ds.skipped)
    return SourcePreview(info, tuple(kept), skipped)
