"""One entry point for every row source: a file path or data already in memory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estimator import convert
from estimator.convert import set_field
from estimator.errors import UsageError, param
from estimator.reading.dataset import Dataset, open_dataset
from estimator.reading.memory import is_in_memory, open_in_memory
from estimator.reading.rows import FORMATS


@dataclass(frozen=True)
class ReadOptions:
    """How to read a data file. The defaults detect everything; memory sources ignore them."""

    format: str | None = None  # one of FORMATS; default from the name and content
    encoding: str | None = None  # a Python codec name; default detected (UTF-8 first)
    delimiter: str | None = None  # CSV only; default detected among , tab ; |
    skip_bad_rows: bool = False  # leave malformed rows out (counted and listed) instead of stopping

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in FORMATS:
            raise UsageError(f"{param('source_format')}: unknown format {self.format!r}; use one of: "
                             f"{', '.join(FORMATS)}", param="source_format")
        for name in ("encoding", "delimiter"):
            set_field(self, name, convert.optional(convert.text, getattr(self, name), name))
        set_field(self, "skip_bad_rows", convert.flag(self.skip_bad_rows, "skip_bad_rows"))

    @property
    def bad_rows(self) -> str:
        return "skip" if self.skip_bad_rows else "error"


def open_rows(source: Any, options: ReadOptions | None = None) -> Dataset:
    """A ``Dataset`` over ``source``: a path (str or Path), a pandas DataFrame, a pyarrow
    Table, an iterable of strings or an iterable of chat conversations."""
    opts = options or ReadOptions()
    if isinstance(source, (str, Path)):
        return open_dataset(source, format=opts.format, encoding=opts.encoding, delimiter=opts.delimiter,
                            bad_rows="skip" if opts.skip_bad_rows else "error")
    if isinstance(source, bytes) or not is_in_memory(source):
        raise UsageError(
            f"cannot read rows from a {type(source).__name__}; pass a file path, a pandas DataFrame, "
            "a pyarrow Table, a list of texts or a list of conversations",
            param="source",
        )
    dataset, _kind = open_in_memory(source)
    return dataset
