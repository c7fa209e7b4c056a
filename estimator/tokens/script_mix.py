"""What kinds of text a row holds: Latin-script letters, code symbols, CJK, other scripts.

Each character falls in one class by its code point (ranges below), counted
per row for a whole batch at once with numpy. Spaces and ASCII punctuation
go with the Latin-script part; ``CODE_SYMBOLS`` are also counted apart, and
their share of a row's non-space characters (its *code density*) tells code
from prose.
"""

from __future__ import annotations

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


CHUNK_CHARS: Final = 1 << 20
"""Characters classified at once. The vectorised pass takes about 25 bytes per character (code
points, row numbers, classes, masks); texts are cut into chunks of this size, so its memory stays
near 25 MB however long one text is."""


def script_counts(texts: Sequence[str]) -> ScriptCounts:
    """Count each row's characters by kind, vectorised over chunks of at most ``CHUNK_CHARS``."""
    n = len(texts)
    if sum(map(len, texts)) <= CHUNK_CHARS:
        return _chunk_counts(texts)
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
    """Count each row's characters by kind, vectorised over the whole batch at once."""
    n = len(texts)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    zeros = np.zeros(n, dtype=np.int64)
    if n == 0 or int(lengths.sum()) == 0:
        return ScriptCounts(zeros, zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy())
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")
    cp = np.frombuffer(joined, dtype=np.uint32)
    row = np.repeat(np.arange(n, dtype=np.int64), lengths)
    if all(t.isascii() for t in texts):
        latin = lengths.copy()
        cjk = zeros.copy()
        other = zeros.copy()
    else:
        cls = _CLASSES[np.searchsorted(_STARTS, cp, side="right") - 1]
        per = np.bincount(row * 3 + cls, minlength=3 * n).reshape(n, 3)
        latin, cjk, other = per[:, LATIN].copy(), per[:, CJK].copy(), per[:, OTHER].copy()
    code = np.bincount(row[np.isin(cp, _CODE_POINTS)], minlength=n)
    spaces = np.bincount(row[np.isin(cp, _SPACES)], minlength=n)
    return ScriptCounts(latin, cjk, other, code, spaces)


def char_classes(text: str) -> np.ndarray:
    """The class (LATIN, CJK or OTHER) of each character of ``text``."""
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _CLASSES[np.searchsorted(_STARTS, cp, side="right") - 1]


def code_density(text: str) -> float:
    """One text's code density (see ``ScriptCounts.code_density``)."""
    return float(script_counts([text]).code_density[0])
