"""Checks on an .xlsx package before its XML is parsed: bounded work, no silent loss.

An .xlsx is a zip of XML parts. Three things in it make a reader misbehave, and
each is checked here by one streaming pass over the decompressed bytes (fast
byte scans, no XML parsing):

* **A huge token.** The expat parser bundled with Python re-parses an
  unfinished token (a run of text or a tag not yet closed) on every chunk it is
  fed, so the time grows with the square of the longest token: a 20 KB file
  holding one 20 MB token took 33 s, a 208 KB one about an hour. Excel keeps a
  cell to 32,767 characters, so no real workbook has a token anywhere near
  ``MAX_TOKEN_BYTES``; above it the file is refused with a message.
* **A zip bomb.** The XML parts may decompress to far more than the file's
  size; reading time follows the decompressed size, so it is capped at
  ``MAX_EXPANSION`` times the file (with a floor, ``MIN_XML_BUDGET``, for small
  files).
* **A DTD** (``<!DOCTYPE``/``<!ENTITY``): never written by spreadsheet
  programs, and the door to entity-expansion attacks ("billion laughs").

The same pass lists formula cells that carry no cached result
(``<c r="B2"><f>A2*2</f></c>``, as libraries write them). Such a cell has
no value until a spreadsheet program recalculates the workbook; read as
stored it would be empty text, so the reader reports the cells instead.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from estimator.errors import DataError

__all__ = ["MAX_EXPANSION", "MAX_TOKEN_BYTES", "MIN_XML_BUDGET", "XlsxScan", "scan_xlsx"]

MAX_TOKEN_BYTES = 1024 * 1024
"""Longest run of bytes without '<' or '>' in any XML part (a cell holds at most 32,767 characters)."""
MAX_EXPANSION = 200
"""The XML parts may decompress to at most this many times the file's size ..."""
MIN_XML_BUDGET = 64 * 1024 * 1024
"""... or to this many bytes, whichever is more."""
MAX_PARTS = 10_000
_CHUNK = 1024 * 1024

_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_DELIMS = re.compile(rb"[<>]")
_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
# A cell holding a formula and no cached value: no <v>, or an empty <v/> (as openpyxl writes).
# An empty <v> in a cell typed t="str" is a formula whose result is the empty string.
_UNCACHED = re.compile(
    rb"<" + _NAME + rb"c\b([^>]*)>\s*<" + _NAME + rb"f\b[^>]*(?:/>|>[^<]*</" + _NAME + rb"f>)\s*"
    rb"(<" + _NAME + rb"v\s*/>|<" + _NAME + rb"v\s*>\s*</" + _NAME + rb"v>)?\s*</" + _NAME + rb"c>"
)
_STR_TYPE = re.compile(rb"""\bt\s*=\s*["']str["']""")
_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3})([0-9]{1,7})["']""")
_CLOSE_C = re.compile(rb"</" + _NAME + rb"c>")
_MAX_LISTED = 10_000


@dataclass
class XlsxScan:
    """What the scan found: formula cells without a cached value, per worksheet part."""

    uncached: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # part -> (row, col, "B2")
    xml_bytes: int = 0


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def scan_xlsx(path: Path) -> XlsxScan:
    """Refuse a workbook whose XML would take unbounded work; list uncached formula cells."""
    size = max(path.stat().st_size, 1)
    budget = max(MIN_XML_BUDGET, MAX_EXPANSION * size)
    scan = XlsxScan()
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            if len(members) > MAX_PARTS:
                raise DataError(
                    f"{path}: this .xlsx holds {len(members):,} parts, more than a workbook has "
                    f"(at most {MAX_PARTS:,} are read); save the sheet as CSV.",
                    path=str(path),
                )
            for info in members:
                name = info.filename
                if not name.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                if scan.xml_bytes + info.file_size > budget:
                    raise _too_big(path, scan.xml_bytes + info.file_size, size)
                worksheet = name.startswith("xl/worksheets/")
                with zf.open(info) as part:
                    _scan_part(path, name, part, scan, budget, size, worksheet)
    except zipfile.BadZipFile as exc:
        raise DataError(f"{path}: cannot read as an .xlsx workbook: {exc}", path=str(path)) from None
    except (OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise DataError(
            f"{path}: cannot read as an .xlsx workbook: damaged or unsupported zip data ({exc}); "
            "open and save it again in a spreadsheet program, or save the sheet as CSV.",
            path=str(path),
        ) from None
    return scan


def _too_big(path: Path, xml: int, size: int) -> DataError:
    return DataError(
        f"{path}: this .xlsx decompresses to more than {xml:,} bytes of XML from {size:,} bytes "
        f"(over {MAX_EXPANSION}x its size), which is not a normal workbook and would take unbounded "
        "time to read. Save the sheet as CSV.",
        path=str(path),
    )


def _scan_part(
    path: Path, name: str, part: object, scan: XlsxScan, budget: int, size: int, worksheet: bool
) -> None:
    read = part.read  # type: ignore[attr-defined]
    run = 0  # bytes since the last '<' or '>' at the end of what was read so far
    carry = b""  # worksheet bytes after the last complete cell, for the formula scan
    keep = 3 * MAX_TOKEN_BYTES + 4096
    tail = b""
    while True:
        chunk: bytes = read(_CHUNK)
        if not chunk:
            break
        scan.xml_bytes += len(chunk)
        if scan.xml_bytes > budget:
            raise _too_big(path, scan.xml_bytes, size)
        if _DTD.search(tail + chunk[:16]) or (b"<!" in chunk and _DTD.search(chunk)):
            raise DataError(
                f"{path}: the part {name!r} of this .xlsx declares a DTD (<!DOCTYPE or <!ENTITY), "
                "which spreadsheet programs never write and which can expand without bound; "
                "it is not read. Open and save the file in a spreadsheet program, or save the sheet as CSV.",
                path=str(path),
            )
        tail = chunk[-16:]
        pieces = _DELIMS.split(chunk)
        if len(pieces) == 1:
            run += len(chunk)
            longest = run
        else:
            longest = max(run + len(pieces[0]), max(map(len, pieces)))
            run = len(pieces[-1])
        if longest >= MAX_TOKEN_BYTES:
            raise DataError(
                f"{path}: the part {name!r} of this .xlsx holds a single piece of text or tag of more "
                f"than {MAX_TOKEN_BYTES:,} bytes; a cell holds at most 32,767 characters, so this is not "
                "a normal workbook, and reading it would take unbounded time. Save the sheet as CSV.",
                path=str(path),
            )
        if worksheet:
            carry = _find_uncached(name, carry + chunk, scan, keep)


def _find_uncached(name: str, buf: bytes, scan: XlsxScan, keep: int) -> bytes:
    last = None
    for match in _CLOSE_C.finditer(buf):  # the last closing tag in the buffer
        last = match
    if last is None:
        return buf[-keep:]
    done = last.end()
    if b"<f" in buf[:done] or b":f" in buf[:done]:
        cells = scan.uncached.setdefault(name, [])
        for m in _UNCACHED.finditer(buf, 0, done):
            if len(cells) >= _MAX_LISTED:
                break
            if m.group(2) and _STR_TYPE.search(m.group(1)):
                continue
            ref = _REF.search(m.group(1))
            if ref:
                cells.append((int(ref.group(2)), _column_number(ref.group(1)), (ref.group(1) + ref.group(2)).decode()))
            else:
                cells.append((0, 0, "?"))
    return buf[done:][-keep:]
