"""Text files as blocks of UTF-8: decompressed, transcoded from their encoding, with line counts.

Also the pieces of a good error message about text: where a byte that is not UTF-8 sits
(line, what comes before it) and a short excerpt of a line.
"""

from __future__ import annotations

import codecs
import gzip
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import IO, cast

from estimator.errors import DataError, param
from estimator.reading import limits
from estimator.reading.remote import AnyPath


@dataclass(frozen=True)
class Encoding:
    codec: str  # Python codec name; "utf-8" is read without transcoding
    bom: int  # bytes of byte-order mark at the start


class TextSource:
    """Yields blocks of UTF-8 bytes from a file of any supported encoding."""

    def __init__(self, path: AnyPath, enc: Encoding, gz: bool, block: int | None = None) -> None:
        self.path = path
        self.enc = enc
        self.gz = gz
        self.block = block or limits.BLOCK_BYTES
        self.raw_consumed = 0  # bytes of the file on disk read so far
        self.utf8_offset_is_raw = enc.codec == "utf-8" and not gz  # error offsets then map 1:1

    def blocks(self) -> Generator[bytes, None, None]:
        with self.path.open("rb") as raw:
            f = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if self.gz else raw
            try:
                if self.enc.codec == "utf-8":
                    yield from self._utf8(f, raw)
                else:
                    yield from self._transcode(f, raw)
            except (OSError, EOFError) as exc:
                if not self.gz:
                    raise
                raise DataError(
                    f"{self.path}: gzip data is damaged ({exc}); decompress it and check the result"
                ) from None

    def _utf8(self, f: IO[bytes], raw: IO[bytes]) -> Iterator[bytes]:
        start = f.read(len(codecs.BOM_UTF8))
        if start != codecs.BOM_UTF8:
            yield start
        while True:
            b = f.read(self.block)
            self.raw_consumed = raw.tell()
            if not b:
                return
            yield b

    def _transcode(self, f: IO[bytes], raw: IO[bytes]) -> Iterator[bytes]:
        dec = codecs.getincrementaldecoder(self.enc.codec)("strict")
        fed = 0  # decoded stream bytes fed to the decoder
        lines = 1
        first = True
        while True:
            b = f.read(self.block)
            final = not b
            buffered = len(dec.getstate()[0])
            try:
                text = dec.decode(b, final=final)
            except UnicodeDecodeError as exc:
                offset = fed - buffered + exc.start
                before = exc.object[: exc.start].decode(self.enc.codec, "ignore").count("\n")
                raise DataError(
                    f"{self.path}: not valid {self.enc.codec} text: byte {offset} (about line {lines + before}) "
                    f"is {exc.object[exc.start : exc.end]!r} ({exc.reason}). Check the encoding and name the right "
                    f"one with {param('encoding')} (e.g. utf-8, cp1252, latin-1, utf-16).",
                    path=str(self.path),
                ) from None
            fed += len(b)
            self.raw_consumed = raw.tell()
            if first and text:
                first = False
                text = text.removeprefix("\ufeff")
            lines += text.count("\n")
            if text:
                yield text.encode("utf-8")
            if final:
                return


def utf8_error(
    path: AnyPath, data: bytes, start: int, end: int, *, base_offset: int, base_line: int
) -> DataError:
    line = base_line + line_ends(data, 0, start)
    bad = data[start : max(end, start + 1)]
    context_start = max(line_start(data, start), start - 30)
    context = data[context_start:start].decode("utf-8", "backslashreplace")
    return DataError(
        f"{path}: not UTF-8 text: byte {base_offset + start} (line {line}, after {context!r}) is {bad!r}. "
        f"The file was saved in another encoding: name it with {param('encoding')} (most likely cp1252, "
        "as Windows and Excel save CSV; or latin-1), or re-save the file as UTF-8.",
        path=str(path),
        line=line,
    )


def line_ends(data: bytes, start: int, end: int) -> int:
    """Line ends in ``data[start:end]``: \\n, \\r\\n and a bare \\r (old Mac files) each end one line."""
    n = data.count(b"\n", start, end)
    cr = data.count(b"\r", start, end)
    return n + cr - data.count(b"\r\n", start, end) if cr else n


def line_start(data: bytes, pos: int) -> int:
    """Where the line holding ``data[pos]`` starts."""
    return max(data.rfind(b"\n", 0, pos), data.rfind(b"\r", 0, pos)) + 1


def excerpt(data: bytes | str, limit: int = 60) -> str:
    text = data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else data
    text = text.rstrip("\r\n")
    return repr(text if len(text) <= limit else text[:limit] + "...")
