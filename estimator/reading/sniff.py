"""What a file is before it is read: its format (from the name, then the content), its
encoding (byte-order mark, UTF-16 without one, else UTF-8 checked), its CSV delimiter, and
the binary files (workbooks, archives, PDFs) refused as text whatever their name says.
"""

from __future__ import annotations

import codecs
import gzip
import itertools
import json

from estimator.errors import DataError, UsageError, param
from estimator.reading import limits
from estimator.reading.csv_records import DELIMITER_NAMES, DELIMITERS, Scanner, header_complete
from estimator.reading.remote import AnyPath
from estimator.reading.text import Encoding, utf8_error


def check_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(
            f"unknown encoding {encoding!r}; use a Python codec name such as utf-8, cp1252, latin-1, utf-16"
        ) from None
    if not getattr(codecs.lookup(encoding), "_is_text_encoding", True):
        raise UsageError(
            f"{encoding!r} is not a text encoding (it transforms bytes, like base64, hex, zlib or rot13); "
            f"give {param('encoding')} a character encoding such as utf-8, cp1252, latin-1, utf-16",
            param="encoding",
        )
    return "utf-8" if name == "utf-8-sig" else name


def check_delimiter(delimiter: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    d = named.get(delimiter.lower(), delimiter)
    if len(d) != 1 or d in '\r\n"':
        raise UsageError(f"delimiter must be one character (or 'tab'), not {delimiter!r}")
    return d


_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}


def format_from_name(path: AnyPath) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _EXTENSIONS.get(suffixes[-1]) if suffixes else None


def format_from_content(head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04") and b"xl/" in head[:4096]:
        return "xlsx"
    return "csv"


def gunzip_head(path: AnyPath, n: int) -> bytes:
    try:
        with path.open("rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as f:
            return f.read(n)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: gzip data is damaged ({exc}); decompress it and check the result") from None


def _looks_like_jsonl(head: bytes) -> bool:
    first = head.lstrip(codecs.BOM_UTF8).lstrip().split(b"\n", 1)[0].strip()
    if not (first.startswith(b"{") and first.endswith(b"}")):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


def refuse_binary(path: AnyPath, head: bytes, fmt: str) -> None:
    """Files that are not text at all, whatever their name says."""
    kind = fmt.upper()
    if head.startswith(b"PK\x03\x04"):
        if b"xl/" in head[:4096] or b"[Content_Types].xml" in head[:4096]:
            what, todo = (
                "an Excel workbook (.xlsx)",
                f"rename it .xlsx or set {param('source_format')} to xlsx, or save it as CSV",
            )
        else:
            what, todo = "a zip archive", "unzip it and read the file inside"
        raise DataError(f"{path}: this looks like {what}, not {kind}; {todo}.", path=str(path))
    if head.startswith(b"PAR1"):
        raise DataError(
            f"{path}: this looks like a Parquet file, not {kind}; rename it .parquet or set "
            f"{param('source_format')} to parquet.",
            path=str(path),
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"{path}: this looks like an old Excel .xls (or other Office) file, not {kind}; save it as .xlsx or CSV."
        )
    if head.startswith(b"%PDF"):
        raise DataError(f"{path}: this looks like a PDF file, not {kind}; export the table as CSV.")
    if fmt in ("csv", "tsv") and _looks_like_jsonl(head):
        raise DataError(
            f"{path}: this looks like JSON Lines (the first line is a JSON object), not {kind}; "
            f"set {param('source_format')} to jsonl or rename it .jsonl (for a batch request file, see "
            f"{param('validate_batch')}).",
            path=str(path),
            line=1,
        )
    if _bom(head)[0] is None and b"\x00" in head[:1024] and _utf16_without_bom(head) is None:
        nul = head.index(b"\x00")
        raise DataError(
            f"{path}: this looks like a binary file, not {kind} text (NUL byte at offset {nul}); "
            "export the data as CSV, JSONL or Parquet."
        )


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 little-endian with BOM"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 big-endian with BOM"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM (removed from the first header)"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 little-endian with BOM (as Excel writes 'Unicode Text')"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 big-endian with BOM"),
)


def _bom(head: bytes) -> tuple[str | None, int, str]:
    for bom, codec, note in _BOMS:
        if head.startswith(bom):
            return codec, len(bom), note
    return None, 0, ""


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:1024]
    if len(sample) < 8:
        return None
    even = sample[0::2].count(0) / len(sample[0::2])
    odd = sample[1::2].count(0) / len(sample[1::2])
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def detect_encoding(path: AnyPath, head: bytes, asked: str | None, notes: list[str]) -> Encoding:
    bom_codec, bom_len, bom_note = _bom(head)
    if asked is not None:
        if bom_codec is not None and bom_codec.split("-")[:2] == asked.split("-")[:2]:
            return Encoding(asked if asked not in ("utf-16", "utf-32") else bom_codec, bom_len)
        if bom_codec is not None:
            notes.append(
                f"the file starts with a {bom_note.split(' (')[0]} mark but the encoding {asked} was asked for"
            )
        return Encoding(asked, 0)
    if bom_codec is not None:
        notes.append(bom_note)
        return Encoding(bom_codec, bom_len)
    guess = _utf16_without_bom(head)
    if guess is not None:
        notes.append(f"{guess.upper()} without BOM detected (NUL bytes between characters)")
        return Encoding(guess, 0)
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise utf8_error(path, head, exc.start, exc.end, base_offset=0, base_line=1) from None
    return Encoding("utf-8", 0)


def sniff_delimiter(head: bytes) -> tuple[str, str | None]:
    """The delimiter that splits the first records into the same number (> 1) of fields."""
    sample = head[: limits.SNIFF_BYTES]
    if not header_complete(sample):  # a header longer than the sample
        sample = head
    best: tuple[float, int, int] | None = None
    chosen = ","
    for priority, cand in enumerate(DELIMITERS):
        if cand.encode() not in sample:
            continue
        scanner = Scanner(cand)
        cut, _ = scanner.last_boundary(sample)
        records = scanner.records(sample[:cut] if cut else sample, complete=True)
        counts = [n for _, _, n in itertools.islice(records, 200)]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(1 for n in counts if n == counts[0]) / len(counts)
        score = (consistent, counts[0] if consistent == 1 else 0, -priority)
        if best is None or score > best:
            best, chosen = score, cand
    if best is None:
        return ",", None
    return chosen, None if chosen == "," else f"delimiter {DELIMITER_NAMES[chosen]} detected"
