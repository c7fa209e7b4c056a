"""Exact token counts of an OpenAI encoding: quicktok when trusted, tiktoken otherwise.

Counting semantics
------------------
Counts follow ``Encoding.encode_ordinary``: special-token strings such as
``<|endoftext|>`` are counted as ordinary text and never raise. A ``str``
holding surrogate code points (e.g. from ``surrogateescape`` decoding) is
counted as tiktoken counts it: a high/low pair is joined into its character
and each lone surrogate counts as U+FFFD. Both backends give these results,
because such text is always sent to tiktoken (see below).

Fast exact backend
------------------
``count_batch`` uses quicktok (PyPI ``quicktok-v1``), an exact BPE
implementation, when it is installed and passes the checks below; otherwise
tiktoken's ``encode_ordinary`` in a loop (which, for short rows, beats
``encode_ordinary_batch``). quicktok releases the GIL and parallelises a batch
over native threads (``threads=``). It is trusted only after:

* a full vocabulary check when loaded: for every token of the verified
  tiktoken file, quicktok decodes the token's rank to the same bytes;
* a probe of tricky strings against tiktoken when loaded;
* a Unicode screen on every call: quicktok's character classes follow Unicode
  17, tiktoken 0.14's follow Unicode 16, and the two split text differently
  around letters assigned in Unicode 17 (e.g. U+088F before ``'s``). Text
  containing one of the Unicode 17 additions known to differ
  (``_UNICODE_17_RANGES``, found by an exhaustive comparison over all code
  points, which tests/test_tokens.py repeats) or a surrogate is counted by
  tiktoken instead. Every other code point, including those newer than this
  Python's own ``unicodedata`` (Unicode 15 on Python 3.12), is classified
  alike by both engines, so such text takes the fast path. ASCII text skips
  the screen.

``Tokenizer.verified(texts)`` compares the fast path with tiktoken on a
sample of the caller's own data. On any mismatch it returns a tiktoken-backed
twin for that count alone (nothing shared changes, so one user's odd rows never
change another's counts), with the reason in its ``notes``, and emits a
``TokenizerBackendWarning``; with ``strict=True`` it raises ``TokenizerError``
instead. ``Tokenizer.backend`` names the backend in use.
Set ``ESTIMATOR_TOKENIZER_BACKEND=tiktoken`` to turn the fast backend off.
"""

from __future__ import annotations

import functools
import os
import random
import threading
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

from estimator.errors import TokenizerError
from estimator.tokens.encodings import load_encoding

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import tiktoken

BACKEND_ENV: Final = "ESTIMATOR_TOKENIZER_BACKEND"
_BACKENDS: Final = ("auto", "quicktok", "tiktoken")


class TokenizerBackendWarning(RuntimeWarning):
    """The fast backend disagreed with tiktoken or failed; tiktoken took over."""


# --------------------------------------------------------------------------
# Fast backend (quicktok) and its Unicode screen
# --------------------------------------------------------------------------

# Code points assigned in Unicode 17.0 on which quicktok 0.4 (Unicode 17
# classes) and tiktoken 0.14 (Unicode 16) split text differently. Found by
# comparing both on every code point in several contexts (tests/test_tokens.py
# repeats the check). Kept explicitly so the screen still holds on a Python
# whose unicodedata already knows Unicode 17.
_UNICODE_17_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x088F, 0x088F), (0x0C5C, 0x0C5C), (0x0CDC, 0x0CDC), (0x1ACF, 0x1ADD),
    (0x1AE0, 0x1AEB), (0xA7CE, 0xA7CF), (0xA7D2, 0xA7D2), (0xA7D4, 0xA7D4),
    (0xA7F1, 0xA7F1), (0x10940, 0x10959), (0x10EC5, 0x10EC7), (0x10EFA, 0x10EFB),
    (0x11B60, 0x11B67), (0x11DB0, 0x11DDB), (0x11DE0, 0x11DE9), (0x16EA0, 0x16EB8),
    (0x16EBB, 0x16ED3), (0x16FF2, 0x16FF6), (0x187F8, 0x187FF), (0x18D09, 0x18D1E),
    (0x18D80, 0x18DF2), (0x1E6C0, 0x1E6DE), (0x1E6E0, 0x1E6F5), (0x1E6FE, 0x1E6FF),
    (0x2B73A, 0x2B73F), (0x2CEA2, 0x2CEAD), (0x323B0, 0x33479),
)

# Strings the fast backend must count exactly as tiktoken does before it is used.
_PROBES: Final[tuple[str, ...]] = (
    "",
    "hello world",
    "Hello, world! Don't we'll they're I'M",
    "<|endoftext|> <|endofprompt|> <|fim_prefix|>",
    "naïve café résumé Zürich São Paulo",
    "日本語のテキスト 中文 한국어",
    "مرحبا بالعالم",
    "e\u0301 a\u0308\u0323 \u0915\u094d\u0937",
    "👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇯🇵",
    "   \t\t  \n\n\r\n  x  \r\n",
    "1234567890123456789 3.14159 -42 1e-10",
    "a\x00b\x01\x7f",
    "a" * 2000,
    " " * 2000,
    "def f(x):\n    return [i**2 for i in range(100)]  # ok\n",
)


class _FastEncoder(Protocol):
    n_vocab: int

    def count(self, text: str) -> int: ...

    def encode_batch(self, texts: Sequence[str], threads: int = 0) -> tuple[Any, Any]: ...

    def decode_single_token_bytes(self, token: int) -> bytes: ...


@functools.cache
def _screen_table() -> npt.NDArray[np.bool_]:
    """True for every code point the fast backend must not count (see module docs): built from
    ranges with numpy slices, in microseconds, whatever Unicode version this Python knows."""
    import numpy as np

    table = np.zeros(0x110000, dtype=np.bool_)
    table[0xD800:0xE000] = True  # surrogates: tiktoken's own replacement rules apply
    for first, last in _UNICODE_17_RANGES:
        table[first : last + 1] = True
    return table


_SCREEN_CHUNK_CHARS: Final = 1 << 23
_SCREEN_FIRST: Final = min(0xD800, *(first for first, _ in _UNICODE_17_RANGES))  # the lowest screened code point


def _screened(texts: Sequence[str]) -> list[int]:
    """Indices of texts that must be counted by tiktoken rather than the fast backend.

    Also rejects non-str items (a NaN from a data frame), so the fast path
    needs no second pass.
    """
    candidates: list[int] = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"token counting needs str values; item {i} is {type(text).__name__}")
        if not text.isascii():
            candidates.append(i)
    if not candidates:
        return []
    import numpy as np

    table = _screen_table()
    flagged: list[int] = []
    for group in _chunks(candidates, texts):
        # A numpy str array stores UCS-4, surrogates included: one uint32 per code point.
        codepoints = np.array("".join([texts[i] for i in group])).reshape(1).view(np.uint32)
        # Few characters of real text reach the first screened code point: the table is read for
        # those only (a comparison over every character is several times cheaper than a lookup).
        high = np.flatnonzero(codepoints >= _SCREEN_FIRST)
        hits = high[table[codepoints[high]]]
        if hits.size:
            ends = np.cumsum([len(texts[i]) for i in group])
            owners: list[int] = np.unique(np.searchsorted(ends, hits, side="right")).tolist()
            flagged.extend(group[k] for k in owners)
    return flagged


def check_texts(texts: Sequence[object]) -> None:
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"token counting needs str values; item {i} is {type(text).__name__}")


def _chunks(indices: list[int], texts: Sequence[str]) -> Iterator[list[int]]:
    """Group indices so that each group's texts hold at most ~8M characters (or one text)."""
    group: list[int] = []
    size = 0
    for i in indices:
        length = len(texts[i])
        if group and size + length > _SCREEN_CHUNK_CHARS:
            yield group
            group, size = [], 0
        group.append(i)
        size += length
    if group:
        yield group


def _load_quicktok(name: str, encoding: tiktoken.Encoding) -> tuple[_FastEncoder | None, str | None]:
    """quicktok's encoder for ``name`` if it is installed and matches tiktoken, else a reason."""
    try:
        import quicktok  # pyright: ignore[reportMissingTypeStubs]
    except ImportError:
        return None, "quicktok is not installed"
    try:
        fast = cast(_FastEncoder, quicktok.get_encoding(name))  # pyright: ignore[reportUnknownMemberType]
        ranks: dict[bytes, int] = encoding._mergeable_ranks  # pyright: ignore[reportPrivateUsage]
        if fast.n_vocab != encoding.n_vocab:
            return None, f"quicktok's {name} has {fast.n_vocab} token ids, tiktoken's {encoding.n_vocab}"
        for token, rank in ranks.items():
            if fast.decode_single_token_bytes(rank) != token:
                return None, f"quicktok's {name} vocabulary differs from tiktoken's at token {rank}"
        for probe in _PROBES:
            if fast.count(probe) != len(encoding.encode_ordinary(probe)):
                return None, f"quicktok miscounts {probe[:40]!r} with {name}"
    except Exception as exc:  # noqa: BLE001 - any failure of an optional backend means: do not use it
        return None, f"quicktok failed to load {name}: {exc!r}"
    return fast, None


def _default_threads() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


FAST_AFTER_CHARS: Final = 2_000_000
"""Text a count must hold before the fast backend is loaded ("auto"): tiktoken counts this much in
about the time quicktok takes to load and verify its vocabulary (~0.5 s), so small inputs never
pay for a second tokenizer."""


class ExactCounter:
    """Exact counts for one encoding; quicktok when trusted, tiktoken otherwise.

    With ``backend="auto"`` quicktok is loaded once the counts asked of it reach
    ``FAST_AFTER_CHARS`` characters (or when ``backend`` is asked); until then tiktoken counts,
    which gives the same numbers.
    """

    def __init__(self, encoding_name: str, backend: str) -> None:
        self.encoding_name = encoding_name
        self.encoding = load_encoding(encoding_name)
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        self._fast: _FastEncoder | None = None
        self._pending = backend == "auto"  # quicktok not tried yet
        self._slow_chars = 0  # characters offered while quicktok was not loaded
        if backend == "quicktok":
            fast, problem = _load_quicktok(encoding_name, self.encoding)
            if fast is None:
                raise TokenizerError(f"the quicktok backend is unavailable: {problem}")
            self._fast = fast

    def _load_fast(self) -> _FastEncoder | None:
        """The fast backend, loaded (and checked against tiktoken) on first need."""
        if self._pending:
            with self._lock:
                if self._pending:
                    fast, problem = _load_quicktok(self.encoding_name, self.encoding)
                    if fast is None and problem != "quicktok is not installed":
                        self.warnings.append(f"{problem}; counting with tiktoken")
                        warnings.warn(f"{problem}; counting with tiktoken", TokenizerBackendWarning, stacklevel=4)
                    self._fast = fast
                    self._pending = False
        return self._fast

    def _fast_for(self, texts: Sequence[str]) -> _FastEncoder | None:
        """The fast backend if it is loaded, or worth loading now: ``texts`` and what tiktoken has
        counted so far come to ``FAST_AFTER_CHARS``."""
        if self._pending:
            self._slow_chars += sum(map(len, texts))
            if self._slow_chars >= FAST_AFTER_CHARS:
                return self._load_fast()
        return self._fast

    @property
    def backend(self) -> str:
        return "tiktoken" if self._load_fast() is None else "quicktok"

    def _record(self, message: str) -> None:
        with self._lock:
            self.warnings.append(message)
        warnings.warn(message, TokenizerBackendWarning, stacklevel=4)

    def _reference(self, text: str) -> int:
        return len(self.encoding.encode_ordinary(text))

    def count(self, text: str) -> int:
        if not isinstance(text, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"token counting needs a str, got {type(text).__name__}")
        fast = self._fast
        if fast is not None and (text.isascii() or not _screened([text])):
            return fast.count(text)
        return self._reference(text)

    def count_batch(self, texts: Sequence[str], threads: int | None) -> list[int]:
        items = texts if isinstance(texts, list) else list(texts)
        if self._pending or self._fast is None:
            check_texts(items)
        fast = self._fast_for(items)
        if fast is None:
            return [self._reference(text) for text in items]
        return self._fast_counts(fast, items, threads)

    def _fast_counts(self, fast: _FastEncoder, texts: list[str], threads: int | None) -> list[int]:
        import numpy as np

        nthreads = _default_threads() if threads is None else threads
        if nthreads < 1:
            raise ValueError(f"threads must be at least 1, got {nthreads}")
        screened = _screened(texts)
        sent = texts
        if screened:
            sent = list(texts)
            for i in screened:
                sent[i] = ""
        try:
            _tokens, offsets = fast.encode_batch(sent, nthreads)
        except Exception as exc:  # noqa: BLE001 - a failing optional backend must not lose the count
            # This batch only: the counter is shared, so one odd batch must not change it for everyone.
            warnings.warn(f"quicktok failed on a batch ({exc!r}); counted it with tiktoken",
                          TokenizerBackendWarning, stacklevel=3)
            return [self._reference(text) for text in texts]
        counts: list[int] = np.diff(offsets).tolist()
        for i in screened:
            counts[i] = self._reference(texts[i])
        return counts

    def mismatch(self, texts: Sequence[str], n: int, seed: int) -> str | None:
        """Why the fast backend cannot be trusted on ``texts`` (checked on ``n`` of them), or None."""
        fast = self._fast_for(texts)
        if fast is None or not texts or n <= 0:
            return None
        picked = sorted(random.Random(seed).sample(range(len(texts)), min(n, len(texts))))
        sample = [texts[i] for i in picked]
        got = self._fast_counts(fast, sample, threads=1)
        for i, text, count in zip(picked, sample, got):
            expected = self._reference(text)
            if count != expected:
                return (
                    f"quicktok counted {count} tokens but tiktoken {expected} for item {i} "
                    f"({text[:60]!r}) with {self.encoding_name}"
                )
        return None


def resolve_backend(backend: str | None) -> str:
    chosen = backend if backend is not None else os.environ.get(BACKEND_ENV, "auto")
    if chosen not in _BACKENDS:
        raise TokenizerError(
            f"unknown tokenizer backend {chosen!r}"
            + (f" (from {BACKEND_ENV})" if backend is None else "")
            + f"; choose one of {', '.join(_BACKENDS)}"
        )
    return chosen


@functools.cache
def exact_counter(encoding_name: str, backend: str) -> ExactCounter:
    return ExactCounter(encoding_name, backend)
