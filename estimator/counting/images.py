"""A dataset column of local image paths, counted as input tokens by the provider's published image rule.

Each path is opened and only its header read (PNG, JPEG, GIF, WebP): the size decides the tokens
(``estimator.tokens.media.image_tokens``). A relative path is taken from the data file's folder. A
remote URL, a missing file or an unreadable header is not counted: each is listed with its count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estimator.reading.source import ReadOptions, open_rows
from estimator.tokens.media import image_size, image_tokens

__all__ = ["ImageColumnCount", "count_image_column"]

_HEAD_BYTES = 131_072  # enough for a JPEG's frame header behind its metadata


@dataclass(frozen=True)
class ImageColumnCount:
    """The images of a column: how many, their tokens, and what was left out (kind -> paths)."""

    images: int = 0
    tokens: int = 0
    rows_with_images: int = 0
    exact: bool = True
    left_out: dict[str, int] = field(default_factory=dict)
    rule: str = ""

    def notes(self, column: str) -> list[str]:
        out = []
        if self.images:
            kind = "" if self.exact else " (the provider calls its rule an estimate)"
            out.append(f"{self.images:,} images of column {column!r} counted as {self.tokens:,} input tokens by "
                       f"the provider's published rule (e.g. {self.rule}){kind}")
        out += [f"{n:,} value(s) of column {column!r} NOT counted ({why}); the input estimate is low by their tokens"
                for why, n in sorted(self.left_out.items())]
        return out


def count_image_column(source: Any, column: str, *, provider: str, model: str, detail: str = "auto",
                       read: ReadOptions | None = None) -> ImageColumnCount:
    """Tokens of the images named in ``column`` (one local path per row; empty cells hold none)."""
    base = Path(source).parent if isinstance(source, (str, Path)) else Path.cwd()
    images = tokens = rows = 0
    exact = True
    rule = ""
    left: Counter[str] = Counter()
    with open_rows(source, read) as ds:
        for batch in ds.batches([column]):
            for value in batch.columns[column]:
                text = value.strip()
                if not text:
                    continue
                if text.startswith(("http://", "https://", "gs://", "s3://")):
                    left["a remote URL"] += 1
                    continue
                path = Path(text) if Path(text).is_absolute() else base / text
                try:
                    with open(path, "rb") as f:
                        head = f.read(_HEAD_BYTES)
                except OSError:
                    left["file not found or unreadable"] += 1
                    continue
                size = image_size(head)
                if size is None:
                    left["not a PNG, JPEG, GIF or WebP image"] += 1
                    continue
                count = image_tokens(provider, model, *size, detail=detail)
                if count is None:
                    left[f"no published image rule for {model}"] += 1
                    continue
                images += 1
                rows += 1
                tokens += count.tokens
                exact = exact and count.exact
                rule = count.rule.split(": ", 1)[-1] if ": " in count.rule else count.rule
    return ImageColumnCount(images, tokens, rows, exact, dict(left), rule)
