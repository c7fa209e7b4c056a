"""Is a file a ready-made batch request file? Decided from its first bytes, so an estimate of a CSV
or Parquet file never loads the batch-file reader (``estimator.batch.files``); a file that starts like
JSON is handed to that reader's one detection, ``detect_batch_format``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from estimator.batch.files import Provider

__all__ = ["batch_request_format"]


def batch_request_format(path: str | Path, read: Any = None) -> Provider | None:
    """The provider of a ready-made batch request file at ``path``, or None for any other file.

    A data format asked for in ``read`` (``ReadOptions.format``) always wins: the file is
    then read as data, never as a batch file.
    """
    p = Path(path)
    if (read is not None and getattr(read, "format", None) is not None) or not p.is_file():
        return None
    with p.open("rb") as f:
        head = f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{"):
        return None
    from estimator.batch.files import detect_batch_format

    return detect_batch_format(p)
