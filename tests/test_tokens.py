"""Token counting: reference vectors, chat framing, model table, file checks,
approximate labels, and proof that the fast backend counts exactly as tiktoken."""

from __future__ import annotations

import dataclasses
import gzip
import sys
import types
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.errors import TokenizerError
from estimator.pricing import load_pricebook
from estimator.tokens import (
    Tokenizer,
    TokenizerBackendWarning,
    approximate,
    chat_overhead_tokens,
    chat_tokens,
    encodings,
    exact,
    get_tokenizer,
)
from estimator.tokens.encodings import encoding_from_file, load_encoding
from estimator.tokens.tokenizer import REPLY_PRIMING, TOKENS_PER_MESSAGE, TOKENS_PER_NAME

ENCODINGS = ("o200k_base", "cl100k_base")
BOOK = load_pricebook(strict=True)
ENCODINGS_DIR = Path(encodings.__file__).with_name("_encodings")

try:
    import quicktok  # noqa: F401  # pyright: ignore[reportMissingTypeStubs, reportUnusedImport]

    HAVE_QUICKTOK = True
except ImportError:
    HAVE_QUICKTOK = False

needs_quicktok = pytest.mark.skipif(not HAVE_QUICKTOK, reason="quicktok-v1 is not installed")


def reference_count(encoding: str, text: str) -> int:
    return len(load_encoding(encoding).encode_ordinary(text))


# --------------------------------------------------------------------------
# Reference vectors (published by OpenAI: tiktoken README and cookbook)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "text", "ids"),
    [
        ("o200k_base", "hello world", [24912, 2375]),
        ("cl100k_base", "hello world", [15339, 1917]),
        ("o200k_base", "tiktoken is great!", [83, 8251, 2488, 382, 2212, 0]),
        ("cl100k_base", "tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
        ("cl100k_base", "antidisestablishmentarianism", [519, 85342, 34500, 479, 8997, 2191]),
    ],
    ids=["o200k-hello", "cl100k-hello", "o200k-tiktoken", "cl100k-tiktoken", "cl100k-antidis"],
)
def test_reference_token_ids(encoding: str, text: str, ids: list[int]) -> None:
    assert load_encoding(encoding).encode_ordinary(text) == ids
    assert get_tokenizer(encoding).count(text) == len(ids)


@pytest.mark.parametrize(("encoding", "endoftext"), [("o200k_base", 199999), ("cl100k_base", 100257)])
def test_encoding_uses_tiktokens_own_definition(encoding: str, endoftext: int) -> None:
    """The split regex and special tokens come from tiktoken's constructor, not a copy."""
    from tiktoken_ext import openai_public

    code = getattr(openai_public, encoding).__code__
    consts = [c for const in code.co_consts for c in (const if isinstance(const, tuple) else (const,))]
    regex_parts = [c for c in consts if isinstance(c, str) and "\\p{" in c]
    built = load_encoding(encoding)
    assert regex_parts and all(part in built._pat_str for part in regex_parts)
    assert built.name == encoding
    assert built.encode("<|endoftext|>", allowed_special="all") == [endoftext]
    assert load_encoding(encoding) is built  # cached


# --------------------------------------------------------------------------
# Chat framing
# --------------------------------------------------------------------------

HELLO = [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there!"}]
HELLO_NAMED = [{"role": "user", "content": "Hello", "name": "John"}, HELLO[1]]


@pytest.mark.parametrize(
    ("model", "messages", "expected"),
    [
        ("gpt-4o", HELLO, 15),
        ("gpt-4", HELLO, 15),
        ("gpt-4o", HELLO_NAMED, 17),
        ("gpt-4", HELLO_NAMED, 17),
    ],
    ids=["gpt-4o", "gpt-4", "gpt-4o-name", "gpt-4-name"],
)
def test_chat_tokens_openai_examples(model: str, messages: list[dict[str, str]], expected: int) -> None:
    assert chat_tokens(messages, book_tokenizer(model)) == expected


def test_chat_constants() -> None:
    assert (TOKENS_PER_MESSAGE, TOKENS_PER_NAME, REPLY_PRIMING) == (3, 1, 3)


def test_chat_tokens_empty_conversation_is_reply_priming() -> None:
    assert chat_tokens([], get_tokenizer("o200k_base")) == REPLY_PRIMING


@pytest.mark.parametrize("spec", ["o200k_base", "cl100k_base", "approx:anthropic", "approx:gemini"])
@settings(max_examples=50, deadline=None)
@given(system=st.one_of(st.none(), st.text(max_size=60)), user=st.text(max_size=60))
def test_chat_overhead_plus_user_text_is_the_whole_request(spec: str, system: str | None, user: str) -> None:
    tok = get_tokenizer(spec)
    messages = ([] if system is None else [{"role": "system", "content": system}]) + [
        {"role": "user", "content": user}
    ]
    assert chat_overhead_tokens(tok, system=system) + tok.count(user) == chat_tokens(messages, tok)


@pytest.mark.parametrize(
    ("system", "expected"),
    [(None, 3 + 3 + 1), ("You are terse.", 3 + 2 * 3 + 1 + 1 + 4)],
    ids=["user-only", "with-system"],
)
def test_chat_overhead_values(system: str | None, expected: int) -> None:
    # reply priming + per-message framing + "user" (+ "system" + its text, 4 tokens)
    assert chat_overhead_tokens(get_tokenizer("o200k_base"), system=system) == expected


# --------------------------------------------------------------------------
# Model -> encoding
# --------------------------------------------------------------------------

def test_every_openai_model_names_the_encoding_tiktoken_knows_for_it() -> None:
    """The tokenizer of a model is data of the price book; where tiktoken knows the model too, they agree."""
    import tiktoken

    checked = 0
    for model in BOOK.provider("openai").models:
        for name in (model.id, *model.aliases):
            try:
                expected = tiktoken.encoding_name_for_model(name)
            except KeyError:  # a model newer than this tiktoken
                continue
            assert model.tokenizer == expected, name
            checked += 1
    assert checked >= 10


def test_every_model_in_the_book_has_a_working_tokenizer() -> None:
    for model in BOOK.models:
        assert get_tokenizer(model.tokenizer).count("hello world") > 0, model.id


def book_tokenizer(model: str) -> Tokenizer:
    return get_tokenizer(BOOK.model(model).tokenizer)


def test_embedding_requests_count_the_input_only() -> None:
    tok = book_tokenizer("text-embedding-3-small")
    assert tok.spec == "cl100k_base"
    assert tok.count("hello world") == 2  # no chat framing


def test_a_models_tokenizer_is_the_cached_exact_tokenizer() -> None:
    tok = book_tokenizer("gpt-4o-mini")
    assert tok is get_tokenizer("o200k_base")
    assert tok.exact and tok.label == "exact: tiktoken o200k_base" and tok.relative_uncertainty is None


# --------------------------------------------------------------------------
# Encoding files
# --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_tampered_file_raises_tokenizer_error(tmp_path: Path, encoding: str) -> None:
    data = gzip.decompress((ENCODINGS_DIR / f"{encoding}.tiktoken.gz").read_bytes())
    tampered = data.replace(b" 0\n", b" 1\n", 1)
    assert tampered != data
    path = tmp_path / f"{encoding}.tiktoken.gz"
    path.write_bytes(gzip.compress(tampered))
    with pytest.raises(TokenizerError, match="sha256") as info:
        encoding_from_file(encoding, path)
    assert str(path) in str(info.value) and encodings.ENCODING_SHA256[encoding] in str(info.value)


def test_uncompressed_copy_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "cl100k_base.tiktoken"
    path.write_bytes(gzip.decompress((ENCODINGS_DIR / "cl100k_base.tiktoken.gz").read_bytes()))
    assert encoding_from_file("cl100k_base", path).encode_ordinary("hello world") == [15339, 1917]


def test_file_for_the_wrong_encoding_raises(tmp_path: Path) -> None:
    with pytest.raises(TokenizerError, match="sha256"):
        encoding_from_file("o200k_base", ENCODINGS_DIR / "cl100k_base.tiktoken.gz")


@pytest.mark.parametrize(
    ("content", "match"),
    [(None, "cannot read"), (b"\x1f\x8bnot really gzip", "not a valid gzip")],
    ids=["missing", "corrupt-gzip"],
)
def test_unreadable_file_raises(tmp_path: Path, content: bytes | None, match: str) -> None:
    path = tmp_path / "o200k_base.tiktoken.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TokenizerError, match=match):
        encoding_from_file("o200k_base", path)


@pytest.mark.parametrize("spec", ["p50k_base", "o200k", "approx:openai"])
def test_unknown_spec_raises(spec: str) -> None:
    with pytest.raises(TokenizerError, match="unknown"):
        get_tokenizer(spec)
    with pytest.raises(TokenizerError, match="unknown encoding"):
        load_encoding(spec)


def test_user_tiktoken_cache_dir_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "theirs").write_bytes(b"x")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    encoding_from_file("cl100k_base", ENCODINGS_DIR / "cl100k_base.tiktoken.gz")
    assert [p.name for p in cache.iterdir()] == ["theirs"]


# --------------------------------------------------------------------------
# Approximate tokenizers
# --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", sorted(approximate.APPROXIMATE_SPECS))
def test_approximate_tokenizers_say_so(spec: str) -> None:
    tok = get_tokenizer(spec)
    assert not tok.exact
    assert tok.label.startswith("approximate:") and "not public" in tok.label
    assert tok.relative_uncertainty is not None and 0 < tok.relative_uncertainty < 0.5
    assert tok.calibration_note and "o200k_base" in tok.calibration_note
    assert tok.factor is not None and f"x {tok.factor}" in tok.label
    assert f"±{round(tok.relative_uncertainty * 100)}%" in tok.label


@pytest.mark.parametrize(
    ("spec", "base", "expected"),
    [
        ("approx:anthropic", 100, 120),
        ("approx:anthropic", 0, 0),
        ("approx:anthropic", 1, 1),
        ("approx:anthropic", 3, 4),  # 3.6 rounds up
        ("approx:anthropic-4.7", 2, 3),  # 3.1
        ("approx:anthropic-4.7", 10, 16),  # 15.5 rounds half up
    ],
)
def test_approximate_scaling(spec: str, base: int, expected: int) -> None:
    assert get_tokenizer(spec)._scale(base) == expected  # pyright: ignore[reportPrivateUsage]


@pytest.mark.parametrize("spec", sorted(approximate.APPROXIMATE_SPECS))
def test_approximate_count_batch_matches_count(spec: str) -> None:
    tok = get_tokenizer(spec)
    texts = ["hello world", "", "The quick brown fox jumps over the lazy dog. " * 7, "日本語"]
    assert tok.count_batch(texts) == [tok.count(t) for t in texts]
    exact = Decimal(get_tokenizer("o200k_base").count(texts[2])) * (tok.factor or Decimal(1))
    assert tok.count(texts[2]) == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------
# Exactness of every backend on tricky text
# --------------------------------------------------------------------------

TRICKY: dict[str, str] = {
    "empty": "",
    "hello": "hello world",
    "endoftext": "<|endoftext|>",
    "specials-mixed": "a<|endoftext|>b<|endofprompt|>c<|fim_prefix|><|fim_middle|><|fim_suffix|>",
    "special-partial": "<|endoftext| <|endoftext|><|endoftext",
    "emoji": "I love 🐍 and 🚀!",
    "emoji-zwj-family": "👨‍👩‍👧‍👦 family",
    "emoji-flags-skin": "🏳️‍🌈 🇯🇵🇫🇷 👍🏽👋🏿 ❤️‍🔥",
    "cjk": "日本語のテキストを数えます。中文字符，한국어 텍스트",
    "arabic": "مرحبا بالعالم، كيف حالك؟",
    "hebrew-rtl-mixed": "שלום world عالم 123",
    "devanagari": "हिन्दी में पाठ क्षत्रिय",
    "combining": "e\u0301 a\u0308\u0323 Z\u0335\u0321\u0317a\u0336l\u0337g\u0338o\u0334",
    "thai": "ภาษาไทยไม่มีช่องว่าง",
    "whitespace-runs": "a  b   c    d\t\t\te \n\n\n f\u00a0\u2003\u3000g",
    "trailing-space": "word   ",
    "only-newlines": "\n\n\n\n",
    "crlf": "line one\r\nline two\r\n\r\nline four\r",
    "nul-and-controls": "a\x00b\x01c\x07d\x1b[0m\x7f\x85\u200b\u200d\ufeff",
    "long-a": "a" * 20_000,
    "long-space": " " * 20_000,
    "long-newline": "\n" * 5_000,
    "long-emoji": "😀" * 3_000,
    "long-cjk": "漢" * 5_000,
    "digits": "12345678901234567890123456789012345678901234567890 3.14159265358979 -0.0001 1e308",
    "contractions": "don't can't I'M we'll they'RE it's 'tis o'clock rock'n'roll",
    "code": "def f(x):\n    return {'a': [1, 2, 3]}  # comment\n\tif x != y: pass\n",
    "url-json": 'https://example.com/a?b=c&d=e#f {"k": ["v", 1, null, true]}',
    "odd-unicode": "\u00ad\u034f\u061c\u180e\u2028\u2029\u2060\u2066\u2069\ue000\uf8ff\ufffd\U000f0000",
    "noncharacters": "\ufdd0\ufdef\ufffe\uffff\U0001fffe\U0010ffff",
    "math-letters": "𝐀𝐁𝐂 𝔄𝔅 ℵ₀ ∑∫∂√ ½ ² ⅷ",
    "unicode-17": "\u088f's \u0c5c's \U00010940's \U000323b0 letters",
    "unicode-16": "\U00010d50\U00010d51's \U0001ccf0\U0001ccf1 digits",
    "greek-cyrillic": "Ελληνικά ΣΊΣΥΦΟΣ кириллица ПРИВЕТ",
    "titlecase": "ǅemal ǈubljana ǋego Ǳ",
    "private-use-astral": "\U000f0001\U00100001",
}


def exact_tokenizers() -> Iterator[tuple[str, str]]:
    for encoding in ENCODINGS:
        yield encoding, "tiktoken"
        if HAVE_QUICKTOK:
            yield encoding, "quicktok"


BACKENDS = list(exact_tokenizers())
BACKEND_IDS = [f"{e}-{b}" for e, b in BACKENDS]


@pytest.mark.parametrize(("encoding", "backend"), BACKENDS, ids=BACKEND_IDS)
@pytest.mark.parametrize("name", list(TRICKY))
def test_tricky_text_counts_like_tiktoken(encoding: str, backend: str, name: str) -> None:
    tok = get_tokenizer(encoding, backend=backend)
    text = TRICKY[name]
    assert tok.count(text) == reference_count(encoding, text)


@pytest.mark.parametrize(("encoding", "backend"), BACKENDS, ids=BACKEND_IDS)
@pytest.mark.parametrize("threads", [None, 1, 2])
def test_count_batch_matches_count(encoding: str, backend: str, threads: int | None) -> None:
    tok = get_tokenizer(encoding, backend=backend)
    texts = list(TRICKY.values()) * 3
    assert tok.count_batch(texts, threads=threads) == [reference_count(encoding, t) for t in texts]
    assert tok.count_batch(tuple(texts[:5]), threads=threads) == tok.count_batch(texts[:5])
    assert tok.count_batch([]) == []


@pytest.mark.parametrize(("encoding", "backend"), BACKENDS, ids=BACKEND_IDS)
@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(), max_size=8))
def test_any_text_counts_like_tiktoken(encoding: str, backend: str, texts: list[str]) -> None:
    tok = get_tokenizer(encoding, backend=backend)
    expected = [reference_count(encoding, t) for t in texts]
    assert tok.count_batch(texts) == expected
    assert [tok.count(t) for t in texts] == expected


# Characters that sit on the pretokenizer's boundaries: case, marks, digits,
# apostrophes, whitespace kinds, punctuation, scripts, emoji parts.
BOUNDARY_CHARS = list(
    "aAzZ ǅ'’sStTdDmMlLvVrReE019٣¾ \t\n\r\x0b\x0c\u00a0\u2003\u3000.,!?/-_()[]{}<|>"
    "éÉßıİ\u0301\u0308\u0323\u094d日本語한글عربيשלוםΣσςЖж🚀👍\u200d\ufe0f🏽"
) + ["<|endoftext|>", "\r\n", "  ", "'s", "'LL", "123"]


@pytest.mark.parametrize(("encoding", "backend"), BACKENDS, ids=BACKEND_IDS)
@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.sampled_from(BOUNDARY_CHARS), max_size=40))
def test_boundary_heavy_text_counts_like_tiktoken(encoding: str, backend: str, parts: list[str]) -> None:
    text = "".join(parts)
    assert get_tokenizer(encoding, backend=backend).count(text) == reference_count(encoding, text)


# --------------------------------------------------------------------------
# Surrogates: the policy is tiktoken's, for every backend
# --------------------------------------------------------------------------

SURROGATES = {
    "lone-high": ("a\ud800b", "a\ufffdb"),
    "lone-low": ("\udc00", "\ufffd"),
    "trailing-high": ("x\ud83d", "x\ufffd"),
    "pair-joins": ("\ud83d\ude00 ok", "😀 ok"),
    "surrogateescape": (b"caf\xe9 \xff".decode("utf-8", "surrogateescape"), "caf\ufffd \ufffd"),
}


@pytest.mark.parametrize(("encoding", "backend"), BACKENDS, ids=BACKEND_IDS)
@pytest.mark.parametrize("name", list(SURROGATES))
def test_surrogates_count_as_tiktoken_does(encoding: str, backend: str, name: str) -> None:
    text, equivalent = SURROGATES[name]
    tok = get_tokenizer(encoding, backend=backend)
    expected = reference_count(encoding, equivalent)
    assert reference_count(encoding, text) == expected  # tiktoken's own rule
    assert tok.count(text) == expected
    assert tok.count_batch([text, "plain", text]) == [expected, 1, expected]


@pytest.mark.parametrize(("encoding", "backend"), BACKENDS, ids=BACKEND_IDS)
@pytest.mark.parametrize("bad", [None, 3.5, b"bytes", float("nan")], ids=["none", "float", "bytes", "nan"])
def test_non_text_raises_type_error(encoding: str, backend: str, bad: object) -> None:
    tok = get_tokenizer(encoding, backend=backend)
    with pytest.raises(TypeError, match="str"):
        tok.count_batch(["ok", bad])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="str"):
        tok.count(bad)  # type: ignore[arg-type]
    assert tok.backend == backend


# --------------------------------------------------------------------------
# Backend selection, verification and fallback
# --------------------------------------------------------------------------


@needs_quicktok
def test_default_backend_is_quicktok_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(exact.BACKEND_ENV, raising=False)
    tok = get_tokenizer("o200k_base")
    assert tok.backend == "quicktok" and tok.warnings == ()


def test_backend_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(exact.BACKEND_ENV, "tiktoken")
    assert get_tokenizer("cl100k_base").backend == "tiktoken"
    monkeypatch.setenv(exact.BACKEND_ENV, "fastest")
    with pytest.raises(TokenizerError, match=exact.BACKEND_ENV):
        get_tokenizer("cl100k_base")


def new_counter(encoding: str, backend: str) -> Any:
    """A counter outside the caches, so a test can break it without affecting others."""
    return exact.ExactCounter(encoding, backend)


def fresh(spec: str, counter: Any) -> Tokenizer:
    return dataclasses.replace(get_tokenizer(spec, backend="tiktoken"), _counter=counter)


def with_fast(encoding: str, wrap: Callable[[Any], object]) -> Tokenizer:
    """A tokenizer whose quicktok encoder is wrapped (to simulate a faulty backend)."""
    counter = new_counter(encoding, "quicktok")
    counter._fast = wrap(counter._fast)
    return fresh(encoding, counter)


def test_missing_quicktok_falls_back_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "quicktok", None)
    tok = fresh("o200k_base", new_counter("o200k_base", "auto"))
    assert tok.backend == "tiktoken" and tok.warnings == ()
    assert tok.count_batch(["hello world"]) == [2]
    with pytest.raises(TokenizerError, match="not installed"):
        new_counter("o200k_base", "quicktok")


class WrongVocab:
    """A stand-in fast encoder whose vocabulary differs from tiktoken's."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.n_vocab: int = real.n_vocab

    def decode_single_token_bytes(self, token: int) -> bytes:
        return b"?" if token == 1000 else self._real.decode_single_token_bytes(token)


@needs_quicktok
def test_fast_backend_with_a_different_vocabulary_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import quicktok  # pyright: ignore[reportMissingTypeStubs]

    real = quicktok.get_encoding("o200k_base")
    fake = types.SimpleNamespace(get_encoding=lambda name: WrongVocab(real))
    monkeypatch.setitem(sys.modules, "quicktok", fake)
    counter = new_counter("o200k_base", "auto")  # quicktok is loaded on first need, not here
    with pytest.warns(TokenizerBackendWarning, match="vocabulary differs"):
        assert counter.backend == "tiktoken"
    assert "vocabulary differs" in counter.warnings[0]


def test_small_counts_never_load_the_fast_backend() -> None:
    counter = new_counter("o200k_base", "auto")
    assert counter.count_batch(["hello world"] * 10, None) == [2] * 10
    assert counter._pending and counter._fast is None  # noqa: SLF001 - one tokenizer loaded, not two


class OffByOne:
    """Counts one token too many for text containing 'x'."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def count(self, text: str) -> int:
        return int(self._real.count(text)) + ("x" in text)

    def encode_batch(self, texts: list[str], threads: int = 0) -> tuple[Any, Any]:
        import numpy as np

        toks, offsets = self._real.encode_batch(texts, threads)
        extra = np.cumsum([0] + [("x" in t) for t in texts])
        return toks, offsets + extra


@needs_quicktok
def test_a_mismatch_gives_a_tiktoken_twin_for_that_count_only() -> None:
    tok = with_fast("o200k_base", OffByOne)
    texts = ["plain words"] * 50 + ["has an x"] + ["more words"] * 50
    assert tok.verified(texts[:50]) is tok  # no 'x' in the sample: nothing to see
    with pytest.warns(TokenizerBackendWarning, match="quicktok counted 4 tokens but tiktoken 3"):
        twin = tok.verified(texts, n=len(texts))
    assert twin.backend == "tiktoken"
    assert "item 50" in twin.warnings[-1] and "this count used tiktoken" in twin.warnings[-1]
    assert twin.count_batch(texts) == [reference_count("o200k_base", t) for t in texts]
    # Nothing shared changed: the original tokenizer still uses the fast backend, with no note.
    assert tok.backend == "quicktok" and tok.notes == ()


@needs_quicktok
def test_verified_strict_raises() -> None:
    tok = with_fast("cl100k_base", OffByOne)
    with pytest.raises(TokenizerError, match="quicktok counted"):
        tok.verified(["x marks the spot"], strict=True)
    assert tok.backend == "quicktok"


@pytest.mark.parametrize(("encoding", "backend"), BACKENDS, ids=BACKEND_IDS)
def test_verified_passes_on_tricky_text(encoding: str, backend: str) -> None:
    tok = get_tokenizer(encoding, backend=backend)
    assert tok.verified(list(TRICKY.values()), n=1000) is tok
    assert tok.verified([]) is tok
    assert tok.backend == backend and tok.warnings == ()


class Exploding:
    """Fails on every batch, as a crashed native library would."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def count(self, text: str) -> int:
        return int(self._real.count(text))

    def encode_batch(self, texts: list[str], threads: int = 0) -> tuple[Any, Any]:
        raise RuntimeError("native failure")


@needs_quicktok
def test_fast_backend_failure_falls_back_with_a_warning() -> None:
    tok = with_fast("o200k_base", Exploding)
    texts = ["hello world", "日本語 \U000323b0"]
    with pytest.warns(TokenizerBackendWarning, match="native failure"):
        assert tok.count_batch(texts) == [reference_count("o200k_base", t) for t in texts]
    assert tok.backend == "quicktok"  # that batch alone fell back: the shared counter is unchanged


@needs_quicktok
@pytest.mark.parametrize("threads", [0, -1])
def test_bad_thread_count_raises(threads: int) -> None:
    with pytest.raises(ValueError, match="threads"):
        get_tokenizer("o200k_base", backend="quicktok").count_batch(["a"], threads=threads)


# --------------------------------------------------------------------------
# Every code point, in contexts that expose the pretokenizer's character classes
# --------------------------------------------------------------------------


@needs_quicktok
@pytest.mark.slow
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(
    "context",
    ["{c}'s", "A{c}'t", "{c}123", "{c}\n\n", " {c}x"],
    ids=["s", "t", "digits", "newlines", "space"],
)
def test_every_code_point_counts_like_tiktoken(encoding: str, context: str) -> None:
    """Letters (contraction suffix), numbers (digit grouping) and whitespace
    (newline runs) classify each code point; a class the two engines disagree
    on changes these counts. Screened code points go to tiktoken anyway."""
    import numpy as np

    table = exact._screen_table()  # pyright: ignore[reportPrivateUsage]
    # Every code point of the planes where Unicode 17 assigns characters (0-3, 14) and of the private-use
    # planes (15, 16), and every 31st of planes 4-13, which no Unicode version has assigned yet.
    wanted = np.zeros(0x110000, dtype=np.bool_)
    wanted[:0x40000] = wanted[0xE0000:] = True
    wanted[0x40000:0xE0000:31] = True
    codepoints = np.flatnonzero(~table & wanted)
    texts = [context.replace("{c}", chr(cp)) for cp in codepoints.tolist()]
    enc = load_encoding(encoding)
    got = get_tokenizer(encoding, backend="quicktok").count_batch(texts)
    expected = [len(enc.encode_ordinary(t)) for t in texts]
    wrong = [hex(int(cp)) for cp, g, e in zip(codepoints, got, expected) if g != e]
    assert not wrong, f"{len(wrong)} code points differ, first {wrong[:10]}"


def test_parsed_ranks_are_kept_in_the_users_cache_under_the_files_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = ENCODINGS_DIR / "cl100k_base.tiktoken.gz"
    first = encoding_from_file("cl100k_base", source)
    kept = list((tmp_path / "cache" / "estimator" / "encodings").glob("cl100k_base-*.pickle"))
    assert len(kept) == 1
    # Read from the cache: the same encoding, token for token.
    again = encoding_from_file("cl100k_base", source)
    assert again._mergeable_ranks == first._mergeable_ranks  # pyright: ignore[reportPrivateUsage]
    assert again.encode_ordinary("hello world") == [15339, 1917]
    # A damaged cache is no cache: the file is parsed again, and the cache rewritten.
    kept[0].write_bytes(b"not a pickle")
    assert encoding_from_file("cl100k_base", source).encode_ordinary("hello world") == [15339, 1917]
    assert kept[0].read_bytes() != b"not a pickle"


def test_a_tampered_file_is_refused_even_with_a_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    good = ENCODINGS_DIR / "cl100k_base.tiktoken.gz"
    encoding_from_file("cl100k_base", good)  # cached under the good file's hash
    data = gzip.decompress(good.read_bytes()).replace(b" 0\n", b" 1\n", 1)
    bad = tmp_path / "cl100k_base.tiktoken.gz"
    bad.write_bytes(gzip.compress(data))
    with pytest.raises(TokenizerError, match="sha256"):
        encoding_from_file("cl100k_base", bad)


def test_the_screen_flags_exactly_the_texts_holding_a_screened_code_point() -> None:
    """Every range's edges and the surrogates, alone and among other texts (ASCII, Latin-1, CJK,
    emoji): a text is flagged exactly when one of its code points is in the screen's table."""
    import numpy as np

    table = exact._screen_table()  # pyright: ignore[reportPrivateUsage]
    edges = {0x7F, 0x80, 0xFF, 0x100, 0x88E, 0x88F, 0x890, 0xD7FF, 0xD800, 0xDFFF, 0xE000, 0x10FFFF}
    for first, last in exact._UNICODE_17_RANGES:  # pyright: ignore[reportPrivateUsage]
        edges |= {first - 1, first, last, last + 1}
    fillers = ["plain", "café", "日本語", "emoji 🙂", "—dash—"]
    texts = [f"{fillers[i % len(fillers)]}{chr(cp)}{fillers[(i + 2) % len(fillers)]}" for i, cp in enumerate(sorted(edges))]
    texts += fillers
    expected = [i for i, t in enumerate(texts) if any(table[ord(c)] for c in t)]
    assert exact._screened(texts) == expected  # pyright: ignore[reportPrivateUsage]
    assert expected and len(expected) < len(texts)
    assert int(np.flatnonzero(table)[0]) == exact._SCREEN_FIRST  # pyright: ignore[reportPrivateUsage]
