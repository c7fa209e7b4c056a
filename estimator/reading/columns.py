"""Which column of a table holds the text a person means to send: the default text column.

A table's first column is usually an id; the text is usually the longest column of words.
``suggest_text_column`` picks that column from a sample of rows and says why, so a front end
can show its choice instead of silently counting ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from estimator.errors import DataError
from estimator.reading.dataset import Dataset

# Names that say "this is the text" (checked after normalising case and separators).
_TEXT_NAMES = (
    "text", "body", "content", "message", "prompt", "review", "comment", "description", "question",
    "input", "document", "sentence", "article", "abstract", "summary", "query", "instruction", "docstring",
)
_ID_NAME = re.compile(r"(^|[_\-\s])(id|ids|uuid|guid|key|hash|sha|index|idx|no|num|number)$|^(id|uuid|guid)[_\-\s]?",
                      re.IGNORECASE)
_NUMBER = re.compile(r"^[\s$€£+\-]*\d[\d,._\s]*%?\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.+\-Z ]*(UTC|GMT)?)?$")
_ID_VALUE = re.compile(r"^[A-Za-z]{0,4}[\-_]?[0-9A-Fa-f\-_]{2,}$")
# Links, paths and dotted names (https://..., src/app/main.py, pkg.module.func): one "word" each.
_LINK_OR_PATH = re.compile(r"^([a-z][a-z0-9+.\-]*://\S+|www\.\S+|\S*/\S+|[\w\-]+(\.[\w\-]+)+)$", re.IGNORECASE)



@dataclass(frozen=True)
class ColumnProfile:
    """What a sample of one column looks like."""

    name: str
    mean_chars: float
    share_numeric: float  # values that read as numbers or dates
    share_id_like: float  # values with no spaces that look like codes (r001, 3f2a-..., 42)
    share_with_spaces: float  # values with at least one space: words
    distinct_share: float
    # long ASCII values without a single space (base64, hex dumps, padding): data, not words
    share_blob: float = 0.0

    @property
    def id_like_name(self) -> bool:
        return bool(_ID_NAME.search(self.name.strip()))

    @property
    def looks_like_ids(self) -> bool:
        return self.id_like_name or (self.share_id_like >= 0.9 and self.share_with_spaces < 0.1)

    @property
    def looks_numeric(self) -> bool:
        return self.share_numeric >= 0.9

    @property
    def looks_like_blobs(self) -> bool:
        return self.share_blob >= 0.9

    @property
    def text_like(self) -> bool:
        return not self.looks_numeric and not self.looks_like_ids and not self.looks_like_blobs


class ColumnChoice(NamedTuple):
    """The suggested text column, why it was chosen, and what to check."""

    column: str
    reason: str
    warnings: tuple[str, ...] = ()


def profile_column(name: str, values: Sequence[str]) -> ColumnProfile:
    vals = [v for v in values if v is not None and str(v).strip() != ""]
    if not vals:
        return ColumnProfile(name, 0.0, 0.0, 0.0, 0.0, 0.0)
    n = len(vals)
    texts = [str(v).strip() for v in vals]
    return ColumnProfile(
        name=name,
        mean_chars=sum(len(t) for t in texts) / n,
        share_numeric=sum(1 for t in texts if _NUMBER.match(t) or _DATE.match(t)) / n,
        share_id_like=sum(
            1 for t in texts
            if " " not in t and ((len(t) <= 64 and _ID_VALUE.match(t)) or _LINK_OR_PATH.match(t))
        ) / n,
        share_with_spaces=sum(1 for t in texts if " " in t) / n,
        distinct_share=len(set(texts)) / n,
        # CJK prose has no spaces either: only ASCII runs count as data.
        share_blob=sum(1 for t in texts if len(t) > 64 and t.isascii() and not any(c.isspace() for c in t)) / n,
    )


def _named_text(name: str) -> bool:
    words = re.split(r"[_\-\s.]+", name.strip().lower())
    return any(w in _TEXT_NAMES or w.rstrip("s") in _TEXT_NAMES for w in words if w)


def suggest_text_column(columns: Sequence[str], sample_rows: Sequence[Mapping[str, str]]) -> ColumnChoice:
    """The column a person would send as the request text, from the header and a sample of rows.

    The longest text-like column wins (text-like: not mostly numbers or dates, not id-like by
    name or values); a column named like text (``text``, ``body``, ``content`` ...) wins ties
    and near-ties. When every column looks like ids or numbers, the longest one is chosen with
    a warning. Returns a ``ColumnChoice`` that unpacks as ``(column, reason, warnings)``.
    """
    if not columns:
        raise ValueError("no columns to choose from")
    profiles = [profile_column(c, [str(r.get(c, "") or "") for r in sample_rows]) for c in columns]
    text_like = [p for p in profiles if p.text_like]
    if not sample_rows:
        named = [c for c in columns if _named_text(c) and not profile_column(c, []).id_like_name]
        if "text" in columns:
            return ColumnChoice("text", "the column is named text (no rows to look at)")
        if named:
            return ColumnChoice(named[0], f"its name, {named[0]}, says it holds text (no rows to look at)")
        return ColumnChoice(columns[0], "the first column (no rows to look at)",
                            ("the file has no data rows: check the text column",))

    def score(p: ColumnProfile) -> float:
        # Named text columns get a 20% head start, enough to win near-ties only.
        return p.mean_chars * (1.2 if _named_text(p.name) else 1.0) * (1.0 + p.share_with_spaces)

    if text_like:
        best = max(text_like, key=score)
        others = [p.name for p in profiles if not p.text_like]
        reason = f"the longest text column (about {best.mean_chars:,.0f} characters per row"
        if len(text_like) > 1:
            runner = sorted(text_like, key=score, reverse=True)[1]
            reason += f"; next: {runner.name}, about {runner.mean_chars:,.0f}"
        reason += ")"
        if others:
            reason += (f"; {', '.join(others[:4])}{' ...' if len(others) > 4 else ''} "
                       f"{'looks' if len(others) == 1 else 'look'} like ids, numbers or encoded data")
        warnings: tuple[str, ...] = ()
        if best.mean_chars < 8 and best.share_with_spaces < 0.2:
            warnings = ((f"{best.name} holds short values (about {best.mean_chars:,.1f} characters per row): "
                        "check that it is the text you mean to send"),)
        return ColumnChoice(best.name, reason, warnings)
    best = max(profiles, key=lambda p: p.mean_chars)
    kind = "numbers" if best.looks_numeric else "ids"
    return ColumnChoice(
        best.name,
        "no column looks like text; the one with the longest values",
        (f"{best.name} looks like {kind}, not text: choose the column that holds the text to send",),
    )


def column_warnings(column: str, sample_rows: Sequence[Mapping[str, str]]) -> tuple[str, ...]:
    """Warnings for a column the user chose: it looks like ids or numbers."""
    p = profile_column(column, [str(r.get(column, "") or "") for r in sample_rows])
    if not sample_rows or p.text_like:
        return ()
    kind = "numbers" if p.looks_numeric else "ids"
    return (f"{column} looks like {kind}, not text: the estimate counts these values as the requests",)


def first_rows(ds: Dataset, n: int = 200) -> list[dict[str, str]]:
    """Up to ``n`` data rows of an opened dataset as dicts (fewer when a row cannot be read)."""
    rows: list[dict[str, str]] = []
    columns = list(ds.info.columns)
    if not columns:
        return rows
    try:
        for batch in ds.batches(columns):
            for i in range(batch.rows):
                rows.append({c: batch.columns[c][i] for c in columns})
                if len(rows) >= n:
                    return rows
    except DataError:  # a malformed row: the rows before it are enough to choose a column
        pass
    return rows
