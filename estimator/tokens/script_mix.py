"""What kinds of text a row holds: Latin-script letters, code symbols, CJK, other scripts.

Each character falls in one class by its code point (ranges below), counted
per row for a whole batch at once with numpy. Spaces and ASCII punctuation
go with the Latin-script part; ``CODE_SYMBOLS`` are also counted apart, and
their share of a row's non-space characters (its *code density*) tells code
from prose.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

__all__ = ["CJK", "CODE_SYMBOLS", "LATIN", "OTHER", "ScriptCounts", "char_classes", "code_density", "script_counts"]

CODE_SYMBOLS: Final = "{}[]()<>=;_#*/\\|&^%$@~`+"

LATIN, CJK, OTHER = 0, 1, 2

# (first code point, class) of consecutive ranges; a range runs to the next start.
_RANGES: Final = (
    (0x0000, LATIN),  # ASCII, Latin-1, Latin Extended A/B, IPA, spacing modifiers, combining marks
    (0x0370, OTHER),  # Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic, Thai, ...
    (0x1100, CJK),  # Hangul Jamo
    (0x1200, OTHER),  # Ethiopic ... Mongolian ...
    (0x1E00, LATIN),  # Latin Extended Additional
    (0x1F00, OTHER),  # Greek Extended
    (0x2000, LATIN),  # general punctuation, symbols, arrows, box drawing (few; count with the prose)
    (0x2E80, CJK),  # CJK radicals, Kangxi, CJK symbols and punctuation, kana, Bopomofo, Hangul compat., ...
    (0xA000, OTHER),  # Yi, Vai, ...
    (0xAC00, CJK),  # Hangul syllables
    (0xD7B0, OTHER),
    (0xF900, CJK),  # CJK compatibility ideographs
    (0xFB00, LATIN),  # alphabetic presentation forms (ligatures)
    (0xFB1D, OTHER),  # Hebrew and Arabic presentation forms
    (0xFE30, CJK),  # CJK compatibility forms, small forms
    (0xFE70, OTHER),  # Arabic presentation forms B
    (0xFF00, CJK),  # fullwidth forms
    (0xFFF0, LATIN),  # specials
    (0x10000, OTHER),  # supplementary scripts
    (0x1F000, LATIN),  # emoji and symbols (byte-level in both tokenizers, like punctuation)
    (0x20000, CJK),  # CJK extensions B-H
    (0x32000, OTHER),
)
_STARTS: Final = np.array([s for s, _ in _RANGES], dtype=np.uint32)
_CLASSES: Final = np.array([c for _, c in _RANGES], dtype=np.int64)
_CODE_POINTS: Final = np.array(sorted(ord(c) for c in CODE_SYMBOLS), dtype=np.uint32)
_SPACES: Final = np.array([9, 10, 13, 32], dtype=np.uint32)


@dataclass(frozen=True)
class ScriptCounts:
    """Characters per row of each kind (arrays of one value per row)."""

    latin: np.ndarray  # Latin script, digits, spaces, punctuation (code symbols included)
    cjk: np.ndarray
    other: np.ndarray
    code_symbols: np.ndarray
    spaces: np.ndarray

    @property
    def code_density(self) -> np.ndarray:
        """Code symbols per non-space character of the Latin-script part."""
        visible = np.maximum(self.latin - self.spaces, 1)
        return self.code_symbols / visible


_BYTE_KIND: Final = np.zeros(256, dtype=np.uint8)  # 1: a code symbol, 2: a space, 0: anything else
_BYTE_KIND[[ord(c) for c in CODE_SYMBOLS]] = 1
_BYTE_KIND[[9, 10, 13, 32]] = 2
_KIND_TABLE: Final = _BYTE_KIND.tobytes()  # the same, as a bytes.translate table


def _per_row(flags: np.ndarray, starts: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """How many of ``flags`` fall in each row, the rows starting at the byte offsets ``starts``.

    Only the rows that hold bytes are summed: each runs to the next such row's start (or the end),
    which an empty row between them does not move. (Summing at every row's start gave an empty row
    the next byte's flag, and took the last byte from the row before a run of empty rows at the end.)
    """
    if not empty.any():
        return np.add.reduceat(flags, starts, dtype=np.int64)
    counts = np.zeros(len(starts), dtype=np.int64)
    full = ~empty
    if full.any():
        counts[full] = np.add.reduceat(flags, starts[full], dtype=np.int64)
    return counts


CHUNK_CHARS: Final = 1 << 20
"""Characters classified at once. The vectorised pass takes several bytes per character (UTF-8
bytes, byte kinds, masks, and for non-ASCII characters their code points, classes and rows);
texts are cut into chunks of this size, so its memory stays bounded however long one text is."""


def script_counts(texts: Sequence[str]) -> ScriptCounts:
    """Count each row's characters by kind, vectorised over chunks of at most ``CHUNK_CHARS``."""
    n = len(texts)
    lengths = list(map(len, texts))
    if sum(lengths) <= CHUNK_CHARS:
        return _chunk_counts(texts)
    if max(lengths) <= CHUNK_CHARS:  # no text to cut: runs of whole texts, each run one chunk
        ends = list(itertools.accumulate(lengths))
        parts, start = [], 0
        while start < n:
            stop = max(start + 1, bisect.bisect_right(ends, (ends[start - 1] if start else 0) + CHUNK_CHARS, start))
            parts.append(_chunk_counts(texts[start:stop]))
            start = stop
        return ScriptCounts(*(np.concatenate([getattr(p, f.name) for p in parts])
                              for f in dataclasses.fields(ScriptCounts)))
    totals = np.zeros((5, n), dtype=np.int64)
    rows: list[int] = []
    pieces: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if pieces:
            part = _chunk_counts(pieces)
            at = np.asarray(rows, dtype=np.int64)
            for k, values in enumerate((part.latin, part.cjk, part.other, part.code_symbols, part.spaces)):
                np.add.at(totals[k], at, values)
        rows.clear()
        pieces.clear()
        size = 0

    for i, text in enumerate(texts):
        for start in range(0, len(text), CHUNK_CHARS):
            piece = text[start:start + CHUNK_CHARS]
            if size + len(piece) > CHUNK_CHARS:
                flush()
            rows.append(i)
            pieces.append(piece)
            size += len(piece)
    flush()
    return ScriptCounts(*(totals[k].copy() for k in range(5)))


def _chunk_counts(texts: Sequence[str]) -> ScriptCounts:
    """Count each row's characters by kind, vectorised over the whole batch at once.

    Works on the UTF-8 bytes: code symbols and spaces are ASCII, so they are counted per byte,
    and only the first byte of each non-ASCII character is decoded to its code point and
    classed (a few percent of the bytes of most text), which makes this a small part of the
    cost of counting the tokens.
    """
    n = len(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    zeros = np.zeros(n, dtype=np.int64)
    if n == 0 or int(lengths.sum()) == 0:
        return ScriptCounts(zeros, zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy())
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    raw = b"".join(encoded)
    data = np.frombuffer(raw, dtype=np.uint8)
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
    ends = np.cumsum(sizes)
    starts = np.minimum(ends - sizes, len(data) - 1)
    empty = sizes == 0
    # Each byte's kind (1: a code symbol, 2: a space) by bytes.translate, several times faster than an
    # array lookup; one sum per row gives code + 2 x spaces, and the code symbols, rare in most text,
    # are counted per row from their positions.
    kind = np.frombuffer(raw.translate(_KIND_TABLE), dtype=np.uint8)
    both = _per_row(kind, starts, empty)
    symbols = np.flatnonzero(kind == 1)
    code = np.bincount(np.searchsorted(ends, symbols, side="right"), minlength=n).astype(np.int64)
    spaces = (both - code) // 2
    lead = np.flatnonzero(data >= 0xC0)  # the first byte of every non-ASCII character
    cjk, other = zeros.copy(), zeros.copy()
    if len(lead):

        def byte(k: int) -> np.ndarray:
            return data.take(lead + k, mode="clip").astype(np.uint32)

        b0, b1, b2, b3 = byte(0), byte(1) & 0x3F, byte(2) & 0x3F, byte(3) & 0x3F
        cp = np.where(b0 >= 0xF0, ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3,
                      np.where(b0 >= 0xE0, ((b0 & 0x0F) << 12) | (b1 << 6) | b2, ((b0 & 0x1F) << 6) | b1))
        cls = _CLASSES[np.searchsorted(_STARTS, cp, side="right") - 1]
        row = np.searchsorted(ends, lead, side="right")
        per = np.bincount(row * 3 + cls, minlength=3 * n).reshape(n, 3)
        cjk, other = per[:, CJK].copy(), per[:, OTHER].copy()
    return ScriptCounts(lengths - cjk - other, cjk, other, code, spaces)


def char_classes(text: str) -> np.ndarray:
    """The class (LATIN, CJK or OTHER) of each character of ``text``."""
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _CLASSES[np.searchsorted(_STARTS, cp, side="right") - 1]


def code_density(text: str) -> float:
    """One text's code density (see ``ScriptCounts.code_density``)."""
    return float(script_counts([text]).code_density[0])
