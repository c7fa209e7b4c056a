"""CSV records: a quote-aware scanner that follows Arrow's rules, and blocks of whole records.

The CSV reader (``estimator.reading.csv``) splits the text into blocks of whole records
here and has each block parsed by ``pyarrow.csv``; this scan is what gives exact line
numbers, catches a quote that is never closed (Arrow would silently read the rest of the
file into one value) and keeps memory bounded by the block size and the longest record.

Arrow's CSV parser: a field is quoted only if its first character is the
quote; inside, "" is a literal quote and a lone quote ends the quoting,
after which the rest of the field up to the delimiter is literal. \\n, \\r
and \\r\\n end a record outside quotes; empty lines are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from estimator.errors import DataError
from estimator.reading import limits
from estimator.reading.remote import AnyPath
from estimator.reading.text import TextSource, excerpt, line_ends, line_start

DELIMITERS = (",", "\t", ";", "|")
DELIMITER_NAMES = {",": "','", "\t": "tab", ";": "';'", "|": "'|'"}


class Scanner:
    def __init__(self, delimiter: str) -> None:
        d = re.escape(delimiter.encode())
        self.delim = delimiter.encode()
        quoted = rb'"[^"]*+(?:""[^"]*+)*+"'
        # Possessive, so a field-start quote that never closes stops the match rather than
        # being re-read as a literal quote.
        field_chars = (
            rb'(?:[^"\r\n]++|(?:(?<=[' + d + rb"\r\n])|\A)" + quoted + rb"|(?<=[^" + d + rb'\r\n])")*+'
        )
        self.field_chars = re.compile(field_chars)
        self.whole_records = re.compile(rb"(?:" + field_chars + rb"(?:\r\n|\r|\n))*+")
        self.quoted = re.compile(quoted)
        self.unquoted = re.compile(rb"[^" + d + rb"\r\n]*")

    def last_boundary(self, buf: bytes) -> tuple[int, int | None]:
        """End of the last whole record in ``buf`` (0 if none), and an open quote's position.

        ``buf`` must start at a record start. The open quote is the first one after the
        last whole record that has no closing quote in ``buf``.
        """
        cut = _always(self.whole_records.match(buf)).end()
        if cut == len(buf):
            return cut, None
        stop = _always(self.field_chars.match(buf, cut)).end()
        return cut, (stop if buf[stop : stop + 1] == b'"' else None)

    def records(self, buf: bytes, *, complete: bool = True) -> Iterator[tuple[int, int, int]]:
        """(start, end, field count) of each non-empty record, in order (the slow, exact path)."""
        pos = 0
        n = len(buf)
        delim = self.delim[0]
        quoted = self.quoted.match
        unquoted = self.unquoted.match
        while pos < n:
            c = buf[pos]
            if c in (10, 13):
                pos += 1
                continue
            start = pos
            fields = 1
            while True:
                if buf[pos : pos + 1] == b'"':
                    m = quoted(buf, pos)
                    if m is None:
                        return  # open quote: the caller reports it
                    pos = m.end()
                pos = _always(unquoted(buf, pos)).end()
                if pos >= n:
                    if complete:
                        yield start, pos, fields
                    return
                if buf[pos] == delim:
                    fields += 1
                    pos += 1
                    continue
                end = pos
                pos += 1
                if buf[end] == 13 and buf[pos : pos + 1] == b"\n":
                    pos += 1
                yield start, end, fields
                break

    def split(self, record: bytes) -> list[bytes]:
        """The unquoted fields of one record."""
        out: list[bytes] = []
        pos = 0
        n = len(record)
        while True:
            value = b""
            if record[pos : pos + 1] == b'"':
                m = self.quoted.match(record, pos)
                if m is None:
                    raise ValueError("open quote")
                value = m.group()[1:-1].replace(b'""', b'"')
                pos = m.end()
            m2 = _always(self.unquoted.match(record, pos))
            value += m2.group()
            pos = m2.end()
            out.append(value)
            if pos >= n or record[pos] != self.delim[0]:
                return out
            pos += 1


def _always(m: re.Match[bytes] | None) -> re.Match[bytes]:
    """The match of a pattern that matches the empty string, so never fails."""
    assert m is not None
    return m


@dataclass
class Chunk:
    data: bytes  # whole records, UTF-8
    line: int  # physical line of data[0]
    offset: int  # offset of data[0] in the UTF-8 stream
    nbytes: int  # file bytes consumed when this chunk was cut


def chunks(source: TextSource, scanner: Scanner, path: AnyPath) -> Iterator[Chunk]:
    """Blocks of whole records; raises DataError on a quote that never closes."""
    parts: list[bytes] = []
    size = 0
    line = 1
    offset = 0
    need = 0  # a record still growing is rescanned only once the buffer has doubled
    after_cr = False
    blocks = source.blocks()
    done = False
    while not done:
        block = next(blocks, None)
        if block is None:
            done = True
        else:
            parts.append(block)
            size += len(block)
            if size < need:
                continue
        buf = b"".join(parts)
        parts = []
        if not buf:
            break
        cut, open_quote = scanner.last_boundary(buf)
        if open_quote is not None and (done or len(buf) - open_quote > limits.MAX_RECORD_BYTES):
            raise _open_quote_error(path, buf, open_quote, line, offset, source, done)
        if done:
            cut = len(buf)
        if cut == 0:
            if len(buf) > limits.MAX_RECORD_BYTES:
                raise DataError(
                    f"{path}: line {line}: a single row longer than {limits.MAX_RECORD_BYTES // 2**20} MB; "
                    "check the delimiter and the line endings."
                )
            need = 2 * len(buf)
            parts, size = [buf], len(buf)
            continue
        need = 0
        if after_cr and buf[:1] == b"\n":
            line -= 1  # the \r that ended the last chunk and this \n are one line end
        yield Chunk(buf[:cut], line, offset, source.raw_consumed)
        line += line_ends(buf, 0, cut)
        after_cr = buf[cut - 1 : cut] == b"\r"
        offset += cut
        rest = buf[cut:]
        parts, size = ([rest], len(rest)) if rest else ([], 0)


def _open_quote_error(
    path: AnyPath, buf: bytes, q: int, line: int, offset: int, source: TextSource, at_eof: bool
) -> DataError:
    qline = line + line_ends(buf, 0, q)
    start = line_start(buf, q)
    col = len(buf[start:q].decode("utf-8", "replace")) + 1
    where = f"line {qline}, column {col}"
    if source.utf8_offset_is_raw:
        where += f" (byte {source.enc.bom + offset + q})"
    rest = "to the end of the file" if at_eof else f"for over {limits.MAX_RECORD_BYTES // 2**20} MB"
    return DataError(
        f"{path}: {where}: a quoted value opens here and never closes, so everything after it {rest} would be "
        f"one value: {excerpt(buf[start : q + 40], 80)}. Close the quote, or write a quote inside a value as "
        'two quotes ("").'
    )


def after_terminator(data: bytes, end: int) -> int:
    """The position after the record terminator at ``end`` (\\n, \\r or \\r\\n)."""
    if data[end : end + 2] == b"\r\n":
        return end + 2
    if data[end : end + 1] in (b"\r", b"\n"):
        return end + 1
    return end


def header_complete(head: bytes) -> bool:
    """Whether ``head`` holds a whole first record under any of the usual delimiters."""
    body = head.lstrip(b"\r\n")
    return any(Scanner(d).last_boundary(body)[0] > 0 for d in DELIMITERS)
