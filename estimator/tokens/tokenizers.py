"""Token counting: exact for OpenAI encodings, calibrated estimates for the rest.

Every count says how it was obtained. ``Tokenizer.exact`` is True only for the
OpenAI encodings, which are counted exactly; ``Tokenizer.label`` is a one-line
description fit for the UI, and approximate tokenizers carry a
``relative_uncertainty`` and a ``calibration_note``.

Offline encodings
-----------------
tiktoken downloads its encoding files on first use. This module never does:
it reads the gzipped copies shipped in ``estimator/tokens/_encodings/``, checks the
sha256 of the decompressed bytes against the hash tiktoken pins for that
encoding, and builds the ``tiktoken.Encoding`` with the regex and special
tokens of tiktoken's own constructor (``tiktoken_ext.openai_public``), so that
neither is copied here. ``TIKTOKEN_CACHE_DIR`` is neither read nor written; a
user's own cache keeps working for their own tiktoken calls.

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
  containing a code point that is unassigned in this Python's ``unicodedata``,
  one of the Unicode 17 additions known to differ (``_UNICODE_17_RANGES``,
  found by an exhaustive comparison over all code points), or a surrogate is
  counted by tiktoken instead. ASCII text skips the screen.

``Tokenizer.verified(texts)`` compares the fast path with tiktoken on a
sample of the caller's own data. On any mismatch it returns a tiktoken-backed
twin for that count alone (nothing shared changes, so one user's odd rows never
change another's counts), with the reason in its ``notes``, and emits a
``TokenizerBackendWarning``; with ``strict=True`` it raises ``TokenizerError``
instead. ``Tokenizer.backend`` names the backend in use.
Set ``ESTIMATOR_TOKENIZER_BACKEND=tiktoken`` to turn the fast backend off.

Approximate tokenizers and their calibration
--------------------------------------------
Anthropic and Google do not publish their tokenizers, so these counts are an
exact o200k_base count times a calibration factor, rounded per text, and
always labelled approximate. Each figure below was read from the cited page;
none of them could be re-measured here (that needs the vendors' counting APIs).

``approx:anthropic`` (Claude 3 through Claude Opus 4.6 / Sonnet 4.x / Haiku 4.5):
factor 1.20, uncertainty +/-10 %.

* VentureBeat, "Hidden costs in AI deployment: Why Claude models may be 20-30%
  more expensive than GPT in enterprise settings" (May 2025; syndicated, e.g.
  https://techgeekwire.com/the-hidden-costs-of-tokenization-comparing-openais-gpt-4o-and-anthropics-claude-3-5-sonnet
  and https://news.quarkybyte.com/understanding-tokenizer-differences-impacting-ai-model-costs-and-efficiency-2025-05-01):
  for the same inputs Claude 3.5 Sonnet's tokenizer produced about 16 % more
  tokens than GPT-4o's (o200k_base) on English articles, 21 % more on maths and
  30 % more on Python code. 1.20 +/- 10 % spans 1.08-1.32, i.e. all three.
  Other languages were not measured.

``approx:anthropic-4.7`` (the tokenizer introduced with Claude Opus 4.7 and
used by later Claude models): factor 1.55, uncertainty +/-15 %.

* Anthropic's Opus 4.7 release notes and migration guide
  (https://platform.claude.com/docs/en/about-claude/models/migration-guide,
  quoted at https://sol.ava.dev/writings/2026-04-17-opus-4-7-tokenizer.html)
  say the new tokenizer uses roughly 1.0 to 1.35 times as many tokens as
  earlier models for the same text, varying by content.
* Independent measurements with Anthropic's count_tokens endpoint, Opus 4.7
  over Opus 4.6: English prose 1.45x, code 1.13-1.33x, CJK/Cyrillic/Arabic
  1.00x (https://sol.ava.dev/writings/2026-04-17-opus-4-7-tokenizer.html);
  English prose 1.20x, code 1.29-1.39x, technical docs 1.47x
  (https://www.claudecodecamp.com/p/i-measured-claude-4-7-s-new-tokenizer-here-s-what-it-costs-you).
* Chaining these with the 1.16-1.30 above gives about 1.39-1.81 over
  o200k_base for English and code; 1.55 +/- 15 % spans 1.32-1.78. Text in
  non-Latin scripts is likely overestimated.

``approx:gemini`` is calibrated per script against the Gemma 3 tokenizer:
see ``estimator.tokens.gemini``. Claude models in the price tables count
with ``ctok:<generation>`` (reconstructed counts, ``estimator.tokens.claude``);
the two ``approx:anthropic`` factors above remain for tables that name them.

Chat framing
------------
``chat_tokens`` follows OpenAI's documented recipe for chat models: 3 tokens
per message, the tokens of every value (role, content, name), 1 more per
``name`` and 3 to prime the reply. ``chat_overhead_tokens`` is that total minus
the user content, so a dataset can count only its varying text per row.
Embedding requests count the input text only (``Tokenizer.count``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import gzip
import hashlib
import os
import random
import re
import threading
import types
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

from estimator.errors import TokenizerError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import tiktoken

__all__ = [
    "APPROXIMATE_SPECS",
    "ENCODING_SHA256",
    "EXACT_SPECS",
    "REPLY_PRIMING",
    "TOKENS_PER_MESSAGE",
    "TOKENS_PER_NAME",
    "Tokenizer",
    "TokenizerBackendWarning",
    "chat_overhead_tokens",
    "chat_tokens",
    "clear_caches",
    "encoding_for_model",
    "encoding_from_file",
    "get_tokenizer",
    "known_tokenizers",
    "load_encoding",
    "tokenizer_for_model",
]

O200K: Final = "o200k_base"
CL100K: Final = "cl100k_base"

#: sha256 of each decompressed encoding file, as pinned by tiktoken.
ENCODING_SHA256: Final[Mapping[str, str]] = types.MappingProxyType(
    {
        O200K: "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        CL100K: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    }
)
EXACT_SPECS: Final = (O200K, CL100K)

TOKENS_PER_MESSAGE: Final = 3
TOKENS_PER_NAME: Final = 1
REPLY_PRIMING: Final = 3

BACKEND_ENV: Final = "ESTIMATOR_TOKENIZER_BACKEND"
_BACKENDS: Final = ("auto", "quicktok", "tiktoken")

_ENCODINGS_DIR: Final = Path(__file__).with_name("_encodings")


class TokenizerBackendWarning(RuntimeWarning):
    """The fast backend disagreed with tiktoken or failed; tiktoken took over."""


# --------------------------------------------------------------------------
# Offline encodings
# --------------------------------------------------------------------------


def _read_verified(name: str, path: Path) -> bytes:
    """The decompressed bytes of ``path``, after checking them against the pinned hash."""
    expected = ENCODING_SHA256.get(name)
    if expected is None:
        raise TokenizerError(
            f"unknown encoding {name!r}; known encodings: {', '.join(ENCODING_SHA256)}"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TokenizerError(
            f"cannot read the {name} encoding file {path}: {exc.strerror or exc}. "
            "Reinstall estimator; the file ships with the package."
        ) from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise TokenizerError(
                f"{path} is not a valid gzip file ({exc}). Reinstall estimator."
            ) from exc
    actual = hashlib.sha256(raw).hexdigest()
    if actual != expected:
        raise TokenizerError(
            f"{path}: sha256 of the {name} data is {actual}, but tiktoken pins "
            f"{expected}. The file is damaged or is not OpenAI's {name}; "
            "reinstall estimator to restore it."
        )
    return raw


def _parse_ranks(data: bytes, path: Path) -> dict[bytes, int]:
    """Parse tiktoken's format: one ``base64(token) rank`` pair per line."""
    ranks: dict[bytes, int] = {}
    for lineno, line in enumerate(data.splitlines(), start=1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except (ValueError, binascii.Error) as exc:
            raise TokenizerError(f"{path}, line {lineno}: not a 'token rank' pair") from exc
    return ranks


def _constructor_kwargs(
    name: str, ranks_for: Callable[[str, str | None], dict[bytes, int]]
) -> dict[str, Any]:
    """Run tiktoken's own constructor for ``name`` with its file loader replaced.

    The constructor function is re-bound to a copy of its module globals in
    which ``load_tiktoken_bpe`` is ours, so the regex and special tokens come
    from tiktoken itself, nothing is downloaded, and no global state changes.
    """
    try:
        from tiktoken_ext import openai_public  # pyright: ignore[reportMissingTypeStubs]
    except ImportError as exc:  # pragma: no cover - tiktoken always ships it
        raise TokenizerError(f"tiktoken's encoding definitions are missing: {exc}") from exc
    ctor = getattr(openai_public, name, None)
    if not isinstance(ctor, types.FunctionType):
        raise TokenizerError(f"this tiktoken version does not define the {name} encoding")
    rebound = types.FunctionType(
        ctor.__code__,
        {**ctor.__globals__, "load_tiktoken_bpe": ranks_for},
        ctor.__name__,
        ctor.__defaults__,
        ctor.__closure__,
    )
    kwargs: dict[str, Any] = rebound()
    return kwargs


def encoding_from_file(name: str, path: str | os.PathLike[str]) -> tiktoken.Encoding:
    """Build the tiktoken encoding ``name`` from a (gzipped) ``.tiktoken`` file.

    The decompressed bytes must match the sha256 tiktoken pins for ``name``;
    otherwise ``TokenizerError`` is raised. Not cached: use ``load_encoding``.
    """
    import tiktoken

    source = Path(path)
    expected = ENCODING_SHA256.get(name)

    def ranks_for(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        if not url.endswith(f"/{name}.tiktoken"):
            raise TokenizerError(f"tiktoken's {name} constructor asked for {url}, not {name}.tiktoken")
        if expected_hash != expected:
            raise TokenizerError(
                f"tiktoken {tiktoken.__version__} pins sha256 {expected_hash} for {name}, "
                f"but this package ships the file with sha256 {expected}; "
                "update estimator to match tiktoken."
            )
        return _parse_ranks(_read_verified(name, source), source)

    kwargs = _constructor_kwargs(name, ranks_for)
    return tiktoken.Encoding(**kwargs)


@functools.cache
def load_encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding ``name`` built from the shipped, verified file (cached)."""
    if name not in ENCODING_SHA256:
        raise TokenizerError(
            f"unknown encoding {name!r}; known encodings: {', '.join(ENCODING_SHA256)}"
        )
    return encoding_from_file(name, _ENCODINGS_DIR / f"{name}.tiktoken.gz")


# --------------------------------------------------------------------------
# Model -> encoding
# --------------------------------------------------------------------------

# A family matches the whole (lower-cased) id. "-..." covers sizes, dated
# snapshots and variants (gpt-4o-mini, gpt-4o-2024-08-06, o3-pro); gpt-5 also
# takes point releases (gpt-5.1). "gpt-4(-...)" cannot swallow gpt-4o or gpt-4.1.
_MODEL_FAMILIES: Final[tuple[tuple[str, re.Pattern[str], str], ...]] = tuple(
    (family, re.compile(pattern), encoding)
    for family, pattern, encoding in (
        ("gpt-4o", r"(chat)?gpt-4o(-.*)?", O200K),
        ("gpt-4.1", r"gpt-4\.1(-.*)?", O200K),
        ("gpt-4.5", r"gpt-4\.5(-.*)?", O200K),
        ("gpt-5", r"gpt-5([.-].*)?", O200K),
        ("o1", r"o1(-.*)?", O200K),
        ("o3", r"o3(-.*)?", O200K),
        ("o4-mini", r"o4-mini(-.*)?", O200K),
        ("gpt-4", r"gpt-4(-.*)?", CL100K),
        ("gpt-3.5-turbo", r"gpt-3\.5-turbo(-.*)?|gpt-35-turbo(-.*)?", CL100K),
        ("text-embedding-3", r"text-embedding-3-(small|large)", CL100K),
        ("text-embedding-ada-002", r"text-embedding-ada-002", CL100K),
    )
)


def _base_model_id(model_id: str) -> str:
    """``ft:gpt-4o-mini:org::id`` -> ``gpt-4o-mini``; ``openai/gpt-4o`` -> ``gpt-4o``."""
    model = model_id.strip().lower()
    if model.startswith("ft:"):
        model = model[3:].split(":", 1)[0]
    return model.removeprefix("openai/")


def encoding_for_model(model_id: str) -> str:
    """The tiktoken encoding of an OpenAI model id, by family prefix.

    Raises ``TokenizerError`` for ids outside the known OpenAI families.
    """
    model = _base_model_id(model_id)
    for _family, pattern, encoding in _MODEL_FAMILIES:
        if pattern.fullmatch(model):
            return encoding
    families = ", ".join(family for family, _, _ in _MODEL_FAMILIES)
    raise TokenizerError(
        f"no OpenAI tokenizer is known for model {model_id!r}. Known families: {families}. "
        "For other providers use the tokenizer named in the pricing table "
        "(e.g. get_tokenizer('approx:anthropic'))."
    )


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
    """True for every code point the fast backend must not count (see module docs)."""
    import numpy as np

    table = np.zeros(0x110000, dtype=np.bool_)
    category = unicodedata.category
    table[:] = [category(chr(cp)) == "Cn" for cp in range(0x110000)]
    table[0xD800:0xE000] = True  # surrogates: tiktoken's own replacement rules apply
    for first, last in _UNICODE_17_RANGES:
        table[first : last + 1] = True
    return table


_SCREEN_CHUNK_CHARS: Final = 1 << 23


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
        hits = np.flatnonzero(table[codepoints])
        if hits.size:
            ends = np.cumsum([len(texts[i]) for i in group])
            owners: list[int] = np.unique(np.searchsorted(ends, hits, side="right")).tolist()
            flagged.extend(group[k] for k in owners)
    return flagged


def _check_texts(texts: Sequence[object]) -> None:
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


class _ExactCounter:
    """Exact counts for one encoding; quicktok when trusted, tiktoken otherwise."""

    def __init__(self, encoding_name: str, backend: str) -> None:
        self.encoding_name = encoding_name
        self.encoding = load_encoding(encoding_name)
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        self._fast: _FastEncoder | None = None
        if backend != "tiktoken":
            fast, problem = _load_quicktok(encoding_name, self.encoding)
            if fast is None and backend == "quicktok":
                raise TokenizerError(f"the quicktok backend is unavailable: {problem}")
            if fast is None and problem != "quicktok is not installed":
                self._record(f"{problem}; counting with tiktoken")
            self._fast = fast

    @property
    def backend(self) -> str:
        return "tiktoken" if self._fast is None else "quicktok"

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
        fast = self._fast
        if fast is None:
            _check_texts(items)
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
        fast = self._fast
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


# --------------------------------------------------------------------------
# The interface
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calibration:
    vendor: str
    models: str  # which of the vendor's models it is calibrated for ("" for all)
    factor: Decimal
    relative_uncertainty: float
    note: str


APPROXIMATE_SPECS: Final[Mapping[str, _Calibration]] = types.MappingProxyType(
    {
        "approx:anthropic": _Calibration(
            vendor="Claude",
            models="Claude 3 to Opus 4.6",
            factor=Decimal("1.20"),
            relative_uncertainty=0.10,
            note=(
                "Claude's tokenizer is not public. Published comparisons of Claude 3.5 Sonnet "
                "with GPT-4o (o200k_base) on the same inputs found about 16% more tokens on "
                "English articles, 21% on maths and 30% on Python code (VentureBeat, May 2025). "
                "o200k_base x 1.20 +/-10% spans all three; other languages were not measured. "
                "Models from Claude Opus 4.7 on use a newer tokenizer: approx:anthropic-4.7."
            ),
        ),
        "approx:anthropic-4.7": _Calibration(
            vendor="Claude",
            models="Claude Opus 4.7 and later",
            factor=Decimal("1.55"),
            relative_uncertainty=0.15,
            note=(
                "Claude's tokenizer is not public. Anthropic says the tokenizer introduced with "
                "Claude Opus 4.7 uses about 1.0-1.35x the tokens of earlier Claude models; "
                "independent count_tokens measurements found 1.20-1.45x on English prose, "
                "1.13-1.39x on code and 1.0x on CJK, Cyrillic and Arabic. Chained with the "
                "earlier tokenizer's 1.16-1.30x over o200k_base this gives o200k_base x 1.55 "
                "+/-15% for English and code; non-Latin text is likely overestimated."
            ),
        ),
    }
)


@dataclass(frozen=True)
class Tokenizer:
    """Counts tokens for one encoding spec and says how it counts.

    ``spec`` is ``"o200k_base"``, ``"cl100k_base"`` or one of
    ``APPROXIMATE_SPECS``. Exact tokenizers have ``relative_uncertainty`` None;
    approximate ones multiply an exact ``encoding_name`` count by ``factor``
    and round half up, per text.
    """

    spec: str
    exact: bool
    label: str
    relative_uncertainty: float | None
    calibration_note: str | None
    encoding_name: str
    factor: Decimal | None
    _counter: _ExactCounter = field(repr=False, compare=False)
    #: how the counts were obtained, as reports print it: "exact", "approximate", "reconstructed (...)"
    token_counts: str = ""
    notes: tuple[str, ...] = ()
    """What happened to this tokenizer for one count (e.g. a fallback to tiktoken)."""

    @property
    def backend(self) -> str:
        """``"quicktok"`` or ``"tiktoken"``: what counts the exact tokens right now."""
        return self._counter.backend

    @property
    def warnings(self) -> tuple[str, ...]:
        """Why the fast backend is not used (for everyone), and this tokenizer's own notes."""
        return (*self._counter.warnings, *self.notes)

    def _scale(self, count: int) -> int:
        if self.factor is None:
            return count
        numerator, denominator = self.factor.as_integer_ratio()
        return (2 * count * numerator + denominator) // (2 * denominator)

    def count(self, text: str) -> int:
        """Tokens in ``text`` (``encode_ordinary`` semantics; special tokens are text)."""
        return self._scale(self._counter.count(text))

    def count_batch(self, texts: Sequence[str], threads: int | None = None) -> list[int]:
        """``[count(t) for t in texts]``, fast. ``threads`` defaults to the usable CPUs (max 8)."""
        counts = self._counter.count_batch(texts, threads)
        if self.factor is None:
            return counts
        return [self._scale(count) for count in counts]

    def verified(self, texts: Sequence[str], n: int = 200, *, seed: int = 0, strict: bool = False) -> Tokenizer:
        """This tokenizer if its fast backend agrees with tiktoken on ``n`` of ``texts`` picked
        at random; otherwise a tiktoken-backed twin whose ``notes`` say why.

        Nothing shared changes: the fallback belongs to the count that asked for it. With
        ``strict=True`` a disagreement raises ``TokenizerError`` instead.
        """
        items = texts if isinstance(texts, list) else list(texts)
        _check_texts(items)
        reason = self._counter.mismatch(items, n, seed)
        if reason is None:
            return self
        if strict:
            raise TokenizerError(reason)
        warnings.warn(reason, TokenizerBackendWarning, stacklevel=2)
        return replace(self, _counter=_counter(self.encoding_name, "tiktoken"),
                       notes=(*self.notes, f"{reason}; this count used tiktoken"))


def _resolve_backend(backend: str | None) -> str:
    chosen = backend if backend is not None else os.environ.get(BACKEND_ENV, "auto")
    if chosen not in _BACKENDS:
        raise TokenizerError(
            f"unknown tokenizer backend {chosen!r}"
            + (f" (from {BACKEND_ENV})" if backend is None else "")
            + f"; choose one of {', '.join(_BACKENDS)}"
        )
    return chosen


@functools.cache
def _counter(encoding_name: str, backend: str) -> _ExactCounter:
    return _ExactCounter(encoding_name, backend)


def known_tokenizers() -> tuple[str, ...]:
    """Every tokenizer name a price file may give a model."""
    return (*EXACT_SPECS, *APPROXIMATE_SPECS, "approx:gemini", "ctok:3.0", "ctok:4.7", "ctok:4.8")


@functools.cache
def _tokenizer(spec: str, backend: str) -> Tokenizer:
    if spec in EXACT_SPECS:
        return Tokenizer(
            spec=spec,
            exact=True,
            label=f"exact: tiktoken {spec}",
            relative_uncertainty=None,
            calibration_note=None,
            encoding_name=spec,
            factor=None,
            _counter=_counter(spec, backend),
            token_counts="exact",
        )
    if spec.startswith("ctok:"):  # reconstructed Claude counts
        from estimator.tokens.claude import claude_tokenizer

        return claude_tokenizer(spec, backend)
    if spec == "approx:gemini":  # calibrated per script
        from estimator.tokens.gemini import gemini_tokenizer

        return gemini_tokenizer(backend)
    calibration = APPROXIMATE_SPECS.get(spec)
    if calibration is None:
        raise TokenizerError(f"unknown tokenizer {spec!r}; known tokenizers: {', '.join(known_tokenizers())}")
    percent = round(calibration.relative_uncertainty * 100)
    return Tokenizer(
        spec=spec,
        exact=False,
        label=(
            f"approximate: {calibration.vendor} tokenizer not public; "
            f"{O200K} x {calibration.factor}, ±{percent}% "
            f"({calibration.models + '; ' if calibration.models else ''}see calibration note)"
        ),
        relative_uncertainty=calibration.relative_uncertainty,
        calibration_note=calibration.note,
        encoding_name=O200K,
        factor=calibration.factor,
        _counter=_counter(O200K, backend),
        token_counts="approximate",
    )


def get_tokenizer(spec: str, *, backend: str | None = None) -> Tokenizer:
    """The (cached) tokenizer for ``spec``.

    ``backend`` is ``"auto"`` (quicktok when installed and verified, else
    tiktoken), ``"quicktok"`` (error if unavailable) or ``"tiktoken"``; None
    reads ``ESTIMATOR_TOKENIZER_BACKEND`` and defaults to ``"auto"``.
    """
    return _tokenizer(spec, _resolve_backend(backend))


def tokenizer_for_model(model_id: str, *, backend: str | None = None) -> Tokenizer:
    """The exact tokenizer of an OpenAI model id (see ``encoding_for_model``)."""
    return get_tokenizer(encoding_for_model(model_id), backend=backend)


def clear_caches() -> None:
    """Forget built encodings and tokenizers (tests; after replacing files)."""
    _tokenizer.cache_clear()
    _counter.cache_clear()
    load_encoding.cache_clear()


# --------------------------------------------------------------------------
# Chat framing
# --------------------------------------------------------------------------


def chat_tokens(messages: Sequence[Mapping[str, str]], tokenizer: Tokenizer) -> int:
    """Prompt tokens of a chat request, framed as OpenAI documents for chat models
    (Claude: as ``estimator.tokens.claude`` frames a Messages API request)."""
    from estimator.tokens.claude import ClaudeTokenizer

    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(
            f"chat_tokens needs a Tokenizer, not a {type(tokenizer).__name__}; for a model name such as "
            "'gpt-4o' use estimator.count_tokens(messages, model=...)"
        )

    if isinstance(tokenizer, ClaudeTokenizer):
        return tokenizer.request_tokens(messages)
    total = REPLY_PRIMING
    for message in messages:
        total += TOKENS_PER_MESSAGE
        for key, value in message.items():
            total += tokenizer.count(value)
            if key == "name":
                total += TOKENS_PER_NAME
    return total


def chat_overhead_tokens(tokenizer: Tokenizer, *, system: str | None) -> int:
    """Tokens of a request made of an optional system message plus one user
    message, except the user content's own tokens.

    ``chat_overhead_tokens(t, system=s) + t.count(user)`` equals
    ``chat_tokens([{"role": "system", "content": s}, {"role": "user", "content": user}], t)``.
    """
    from estimator.tokens.claude import ClaudeTokenizer

    if isinstance(tokenizer, ClaudeTokenizer):
        return tokenizer.request_overhead(messages=1, system=system)
    messages: list[dict[str, str]] = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": ""})
    return chat_tokens(messages, tokenizer)
