"""Files behind a URL (``s3://``, ``gs://``, ``https://``, any fsspec protocol), read like local ones.

``as_path(source)`` gives a ``pathlib.Path`` for a local file and a ``RemotePath`` for a URL:
the readers use only what both offer (``name``, ``suffix``, ``exists()``, ``is_dir()``,
``stat().st_size``, ``open("rb")``), so a CSV on S3 streams and samples like one on disk.
``read_ranges`` reads many byte ranges of one file at once: ``pread`` locally, concurrent
range requests remotely (what seek-based sampling needs).

Remote access needs the optional ``remote`` extra (fsspec with s3fs, gcsfs and aiohttp);
credentials come from the usual places of each protocol (for S3: ``AWS_*`` variables,
``~/.aws``, ``AWS_ENDPOINT_URL`` for an S3-compatible store).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from estimator.errors import DataError, UsageError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_EXTRA = "pip install 'llm-batch-estimator[remote]'"


def is_url(source: object) -> bool:
    """Whether ``source`` is a URL (``s3://``, ``https://``...) rather than a local path."""
    return isinstance(source, str) and bool(_URL.match(source)) and not source.startswith("file://")


@dataclass(frozen=True)
class _Stat:
    st_size: int


class RemotePath:
    """A file or directory behind a URL, with the part of ``pathlib.Path`` the readers use."""

    def __init__(self, url: str, fs: Any = None, path: str | None = None) -> None:
        self.url = url
        if fs is None:
            fs, path = filesystem(url)
        self.fs = fs
        self.path = path if path is not None else url
        self._pure = PurePosixPath(self.path)
        self._info: dict[str, Any] | None = None

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"RemotePath({self.url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemotePath) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    @property
    def name(self) -> str:
        return self._pure.name

    @property
    def suffix(self) -> str:
        return self._pure.suffix

    @property
    def suffixes(self) -> list[str]:
        return self._pure.suffixes

    def _details(self) -> dict[str, Any] | None:
        if self._info is None:
            try:
                self._info = dict(self.fs.info(self.path))
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise DataError(f"{self.url}: cannot reach the file: {exc}", path=self.url) from None
        return self._info

    def exists(self) -> bool:
        return self._details() is not None

    def is_dir(self) -> bool:
        info = self._details()
        return info is not None and info.get("type") == "directory"

    def is_file(self) -> bool:
        info = self._details()
        return info is not None and info.get("type") != "directory"

    def stat(self) -> _Stat:
        info = self._details()
        if info is None:
            raise FileNotFoundError(self.url)
        return _Stat(int(info.get("size") or 0))

    def open(self, mode: str = "rb") -> IO[bytes]:
        if mode != "rb":
            raise ValueError("remote files are read only")
        f: IO[bytes] = self.fs.open(self.path, "rb")
        return f

    def files(self, suffixes: Sequence[str] = ()) -> list[RemotePath]:
        """The files under this directory (recursively), sorted; only those ending in ``suffixes`` if given."""
        found = sorted(self.fs.find(self.path))
        keep = [p for p in found if not suffixes or p.lower().endswith(tuple(suffixes))]
        protocol = self.url.split("://", 1)[0]
        return [RemotePath(f"{protocol}://{p}" if "://" not in p else p, self.fs, p) for p in keep]


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path within it."""
    try:
        import fsspec  # local: an optional extra, only for URLs
    except ImportError:
        raise UsageError(f"{url}: reading a URL needs the optional remote extra: {_EXTRA}", param="source") from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise UsageError(f"{url}: cannot read this kind of URL ({exc}); {_EXTRA} adds s3://, gs:// and https://",
                         param="source") from None
    return fs, str(path)


AnyPath = Path | RemotePath


def as_path(source: str | os.PathLike[str] | RemotePath) -> Path | RemotePath:
    """A local ``Path``, or a ``RemotePath`` for a URL (the ``//`` kept as written)."""
    if isinstance(source, RemotePath):
        return source
    if is_url(source):
        return RemotePath(str(source))
    text = os.fspath(source)
    return Path(text.removeprefix("file://"))


def read_ranges(path: Path | RemotePath, starts: Sequence[int], ends: Sequence[int]) -> list[bytes]:
    """The bytes ``[start, end)`` of ``path`` for each pair (cut short at the end of the file)."""
    if isinstance(path, RemotePath):
        if not starts:
            return []
        got = path.fs.cat_ranges([path.path] * len(starts), list(starts), list(ends))
        out = []
        for part in got:
            if isinstance(part, BaseException):
                raise DataError(f"{path}: reading part of the file failed: {part}", path=str(path))
            out.append(bytes(part))
        return out
    fd = os.open(path, os.O_RDONLY)
    try:
        return [os.pread(fd, max(0, e - s), s) for s, e in zip(starts, ends)]
    finally:
        os.close(fd)


def arrow_filesystem(path: Path | RemotePath) -> tuple[str, Any]:
    """(path, filesystem) for ``pyarrow.dataset``: None for a local path (Arrow's own)."""
    if isinstance(path, RemotePath):
        from pyarrow.fs import FSSpecHandler, PyFileSystem  # local: heavy, Parquet only

        return path.path, PyFileSystem(FSSpecHandler(path.fs))
    return str(path), None
