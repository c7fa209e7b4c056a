"""Parquet row groups drawn at random, sized from the file footers: a dataset of any size in seconds.

A Parquet footer gives every row group's row count and, per column chunk, its uncompressed
size in bytes, without reading any data. The row count is exact. The byte size is close to
the text's own bytes for free text (plain encoding: the text plus 4 bytes a value), but a
dictionary-encoded repetitive column stores each distinct value once, and its footer size
can be tens of times below its text. So the size is used only to *choose* row groups (a
group is drawn with probability proportional to its footer bytes), and every drawn group is
read: its values give the real text bytes of each of its rows, and a few rows of it are
tokenized. Whatever the encoding, the weights cancel in the estimator
(``estimator.counting.group_pass``), and the ratio of real text bytes to footer bytes in the
drawn groups is reported when it is far from 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from estimator.reading.parquet import arrow_text


@dataclass(frozen=True)
class GroupInfo:
    """One row group as its file's footer describes it."""

    fragment: Any  # pyarrow.dataset.ParquetFileFragment of the file
    index: int  # row group number in the file
    rows: int
    footer_bytes: int  # uncompressed bytes of the needed columns' chunks, from the footer
    first_row: int  # 1-based number of its first row in the dataset
    stored_bytes: int = 0  # compressed bytes of those chunks: what reading them costs


@dataclass
class GroupRows:
    """A row group that was read: each row's text bytes per column, and its values on demand."""

    info: GroupInfo
    lengths: dict[str, np.ndarray]  # UTF-8 bytes of each row's text, per column
    values: Callable[[Sequence[int]], dict[str, list[str]]]  # the text of the rows at these positions
    bytes_read: int


def byte_lengths(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The UTF-8 bytes of each value as ``arrow_text`` renders it (nulls: 0), vectorised where Arrow can."""
    import pyarrow.compute as pc  # local: heavy, Parquet only

    t = arr.type
    if isinstance(t, pa.DictionaryType):
        arr = arr.cast(t.value_type)
        t = arr.type
    if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
            or pa.types.is_large_binary(t)):
        if pa.types.is_nested(t):
            return np.fromiter((len(v.encode("utf-8", "surrogatepass")) for v in arrow_text(arr)), dtype=np.int64)
        try:
            arr = arr.cast(pa.string())
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            return np.fromiter((len(v.encode("utf-8", "surrogatepass")) for v in arrow_text(arr)), dtype=np.int64)
    lengths = pc.fill_null(pc.binary_length(arr), 0)
    if isinstance(lengths, pa.ChunkedArray):
        lengths = lengths.combine_chunks()
    return np.asarray(lengths.to_numpy(zero_copy_only=False), dtype=np.int64)


def row_groups(dataset: Any, columns: Sequence[str]) -> list[GroupInfo]:
    """Every row group of a ``pyarrow.dataset`` of Parquet files, with its footer sizes for ``columns``."""
    out: list[GroupInfo] = []
    first = 1
    for fragment in dataset.get_fragments():
        meta = fragment.metadata
        names = [meta.schema.column(i).path for i in range(meta.num_columns)]
        wanted = [i for i, name in enumerate(names) if name.split(".", 1)[0] in columns]
        for g in range(meta.num_row_groups):
            rg = meta.row_group(g)
            size = sum(rg.column(i).total_uncompressed_size for i in wanted)
            stored = sum(rg.column(i).total_compressed_size for i in wanted)
            out.append(GroupInfo(fragment, g, rg.num_rows, int(size), first, int(stored)))
            first += rg.num_rows
    return out


def read_group(info: GroupInfo, columns: Sequence[str]) -> GroupRows:
    """Read one row group's ``columns``."""
    table = info.fragment.subset(row_group_ids=[info.index]).to_table(columns=list(columns))
    lengths = {c: byte_lengths(table.column(c)) for c in columns}

    def values(rows: Sequence[int]) -> dict[str, list[str]]:
        picked = table.take(pa.array(list(rows), type=pa.int64()))
        return {c: arrow_text(picked.column(c)) for c in columns}

    return GroupRows(info, lengths, values, info.stored_bytes or int(table.nbytes))
