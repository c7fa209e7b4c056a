"""Reconstructed Claude counts (ctok) and script-calibrated Gemini counts."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import ctok  # pyright: ignore[reportMissingTypeStubs]
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.cli import main
from estimator.counting import CountOptions, OutputSpec, reconstructed
from estimator.counting.dataset import count_dataset
from estimator.counting.prompts import RequestShape
from estimator.pricing import load_pricebook
from estimator.tokens import chat_tokens, claude, get_tokenizer
from estimator.tokens.claude import FRAMES, GENERATIONS, SYSTEM_TOKENS, TURN_TOKENS, ClaudeTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_dataset import rows as generated_rows

CLAUDE = "claude-sonnet-4-5-20250929"

ENGLISH = "The licensee shall indemnify the licensor against all claims arising from the use of the work."
CODE = "def area(r: float) -> float:\n    return 3.14159 * r ** 2  # {x: y}\n"
CHINESE = "这是一个用于测试的中文句子，我们希望估计令牌数量。今天天气很好，我们去公园散步吧。"
JAPANESE = "これはトークン数を見積もるための日本語の文です。東京は日本の首都です。"


# --------------------------------------------------------------------------
# Claude: mapping, labels, framing
# --------------------------------------------------------------------------


def test_every_claude_model_maps_to_a_ctok_generation() -> None:
    claude = [m for m in load_pricebook().models if m.provider == "anthropic"]
    assert claude
    for m in claude:
        assert m.tokenizer in ("ctok:3.0", "ctok:4.7", "ctok:4.8"), m.id
        assert not m.exact_tokenizer
        tok = get_tokenizer(m.tokenizer)
        assert isinstance(tok, ClaudeTokenizer)
        assert tok.token_counts.startswith("reconstructed (ctok 1.3.0, generation ")
        assert not tok.exact and "reconstructed" in tok.label


@pytest.mark.parametrize("generation", ["3.0", "4.7", "4.8"])
@pytest.mark.parametrize("text", [ENGLISH, CODE, CHINESE, "hello, world", " leading space", "trailing\n\n"])
def test_one_user_message_is_ctoks_count(generation: str, text: str) -> None:
    tok = get_tokenizer(f"ctok:{generation}")
    assert isinstance(tok, ClaudeTokenizer)
    expected = ctok.token_count(text, generation)
    assert tok.message_tokens(text) == expected
    assert chat_tokens([{"role": "user", "content": text}], tok) == expected


@pytest.mark.parametrize("generation", sorted(GENERATIONS))
def test_frames_are_ctoks_own(generation: str) -> None:
    """The frame of each generation is data (so building a tokenizer does not load ctok's vocabulary):
    it must be the number of ``⟨pad⟩`` tokens ctok puts before a message's content."""
    tokens = ctok.tokenize("x", generation)
    assert FRAMES[generation] == next(i for i, t in enumerate(tokens) if t != "⟨pad⟩")
    assert get_tokenizer(f"ctok:{generation}").frame == FRAMES[generation]


def test_known_frames() -> None:
    assert get_tokenizer("ctok:3.0").message_tokens("hello, world") == 10  # content 3 + frame 7 (ctok README)
    assert get_tokenizer("ctok:4.7").message_tokens("hello, world") == 15


def test_system_prompt_and_turns_follow_the_stated_rule() -> None:
    tok = get_tokenizer("ctok:3.0")
    assert isinstance(tok, ClaudeTokenizer)
    messages = [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": ENGLISH},
        {"role": "assistant", "content": "Understood."},
        {"role": "user", "content": CODE},
    ]
    expected = (
        tok.frame
        + tok.count("Answer briefly.") + SYSTEM_TOKENS
        + tok.count(ENGLISH) + tok.count("Understood.") + tok.count(CODE) + 2 * TURN_TOKENS
    )
    assert chat_tokens(messages, tok) == expected


def test_unknown_generation_is_refused() -> None:
    from estimator.errors import TokenizerError

    with pytest.raises(TokenizerError, match="ctok:3.0"):
        get_tokenizer("ctok:2.1")


# --------------------------------------------------------------------------
# Claude: a CSV and its batch file agree, and say they are reconstructed
# --------------------------------------------------------------------------


def _csv(path: Path, texts: list[str]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows((f"r{i}", t) for i, t in enumerate(texts))
    return path


def _run_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.parametrize("system", [None, "Label the text: legal, code or other."])
def test_csv_and_its_batch_file_count_the_same(tmp_path: Path, system: str | None) -> None:
    texts = [ENGLISH, CODE, CHINESE, JAPANESE, "x", "Mixed 中文 and English\n\n"]
    data = _csv(tmp_path / "data.csv", texts)
    extra = ["--system", system] if system else []
    csv_est = _run_json("estimate", str(data), "-m", CLAUDE, "--column", "text", "--output-tokens", "5", *extra)
    manifest = _run_json("write-batch", str(data), "-m", CLAUDE, "--column", "text", "--max-tokens", "5",
                         "--out", str(tmp_path / "b"), *extra)
    batch = manifest["files"][0]["path"]
    batch_est = _run_json("estimate", batch, "--output-tokens", "5")
    assert csv_est["input_tokens"] == batch_est["input_tokens"]
    tok = get_tokenizer("ctok:3.0")
    messages = [[*([{"role": "system", "content": system}] if system else []), {"role": "user", "content": t}]
                for t in texts]
    assert csv_est["input_tokens"] == sum(chat_tokens(m, tok) for m in messages)
    for est in (csv_est, batch_est):
        assert est["token_counts"] == "reconstructed (ctok 1.3.0, generation 3.0)"
        assert "reconstructed" in est["tokenizer"]
    validated = _run_json("validate-batch", batch)
    assert validated["token_counts"] == "reconstructed (ctok 1.3.0, generation 3.0)"
    assert validated["input_tokens"] == csv_est["input_tokens"]


def test_text_report_says_reconstructed(tmp_path: Path) -> None:
    data = _csv(tmp_path / "data.csv", [ENGLISH, CODE])
    result = CliRunner().invoke(main, ["estimate", str(data), "-m", CLAUDE, "--column", "text",
                                       "--output-tokens", "5"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "reconstructed (ctok 1.3.0, generation 3.0)" in result.output
    assert "APPROXIMATE" not in result.output


# --------------------------------------------------------------------------
# Claude: big files are estimated from exact o200k counts and a ctok sample
# --------------------------------------------------------------------------


GENERATED_ROWS = 3_000


@pytest.fixture(scope="module")
def population() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Realistic rows, then CJK and code rows; their ctok and o200k counts, each counted once here
    (ctok is pure Python: counting the rows again in every test was most of this file's time)."""
    texts = [text for _, text, _, _ in generated_rows(GENERATED_ROWS, seed=11)]
    texts += [CHINESE * (1 + i % 3) for i in range(200)] + [CODE * (1 + i % 4) for i in range(200)]
    y = np.asarray(get_tokenizer("ctok:3.0").count_batch(texts), dtype=np.int64)
    x = np.asarray(get_tokenizer("o200k_base").count_batch(texts), dtype=np.int64)
    return texts, y, x


@pytest.fixture(scope="module")
def generated(
    tmp_path_factory: pytest.TempPathFactory, population: tuple[list[str], np.ndarray, np.ndarray]
) -> tuple[Path, list[str], np.ndarray]:
    """The realistic rows as a CSV, with their ctok counts."""
    texts, y, _ = population
    texts, y = texts[:GENERATED_ROWS], y[:GENERATED_ROWS]
    return _csv(tmp_path_factory.mktemp("claude") / "gen.csv", texts), texts, y


def _estimate(path: Path, seed: int = 0) -> Any:
    model = load_pricebook().model(CLAUDE)
    return count_dataset(path, model=model, shape=RequestShape(column="text"), output=OutputSpec(fixed=10),
                         price=model.price_on(dt.date(2026, 12, 5)), options=CountOptions(seed=seed))


def test_big_file_is_sampled_and_the_interval_holds_ctoks_full_count(
    generated: tuple[Path, list[str], np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, texts, counts = generated
    tok = get_tokenizer("ctok:3.0")
    truth = int(counts.sum()) + len(texts) * tok.frame
    monkeypatch.setattr(reconstructed, "FULL_COUNT_BYTES", 10_000)  # this small file counts as big
    monkeypatch.setattr(reconstructed, "SAMPLE_BYTES", 100_000)
    monkeypatch.setattr(reconstructed, "MIN_SAMPLE_ROWS", 300)
    profile = _estimate(path)
    s = profile.sample
    assert s is not None and s.method == reconstructed.PROXY_METHOD
    assert s.sample_rows < len(texts)
    assert s.ci_low <= truth <= s.ci_high
    assert s.relative_half_width < 0.01
    assert profile.token_counts == "reconstructed (ctok 1.3.0, generation 3.0)"


def test_small_file_is_counted_row_by_row(generated: tuple[Path, list[str], np.ndarray], tmp_path: Path) -> None:
    _, texts, counts = generated
    small = _csv(tmp_path / "small.csv", texts[:200])
    profile = _estimate(small)
    tok = get_tokenizer("ctok:3.0")
    assert profile.sample is None
    assert profile.input_tokens == int(counts[:200].sum()) + 200 * tok.frame


def test_interval_coverage_with_o200k_as_auxiliary(population: tuple[list[str], np.ndarray, np.ndarray]) -> None:
    """The ratio estimator on o200k counts covers ctok's total about 95% of the time."""
    from estimator.counting.sampling import estimate_from_sample

    _, y, x = population
    truth, n_pop = int(y.sum()), len(y)
    rng = np.random.default_rng(0)
    reps, n, hits = 400, 300, 0
    for _ in range(reps):
        pick = rng.choice(n_pop, size=n, replace=False)
        est = estimate_from_sample(y[pick], x[pick], int(x.sum()), n_pop)
        hits += est.ci_low <= truth <= est.ci_high
    assert 0.91 <= hits / reps <= 0.99


# --------------------------------------------------------------------------
# Gemini: calibrated per script
# --------------------------------------------------------------------------


def test_gemini_cjk_is_no_longer_overstated_by_the_old_factor() -> None:
    g, o = get_tokenizer("approx:gemini"), get_tokenizer("o200k_base")
    cjk = [CHINESE * 5, JAPANESE * 5]
    assert sum(g.count_batch(cjk)) < 0.9 * 1.10 * sum(o.count_batch(cjk))
    english = [ENGLISH * 5]
    assert sum(g.count_batch(english)) == pytest.approx(1.041 * sum(o.count_batch(english)), rel=0.02)
    code = [CODE * 10]
    assert sum(g.count_batch(code)) > sum(g.count_batch(english)) * sum(o.count_batch(code)) / sum(
        o.count_batch(english)
    )


def test_gemini_count_matches_count_batch_and_label() -> None:
    g = get_tokenizer("approx:gemini")
    texts = [ENGLISH, CODE, CHINESE, JAPANESE, "", "Привет, мир"]
    assert [g.count(t) for t in texts] == g.count_batch(texts)
    assert not g.exact and g.relative_uncertainty is not None and "Gemma 3" in g.label
    assert g.calibration_note and "not shipped" in g.calibration_note


def test_gemini_calibration_file_is_complete() -> None:
    from estimator.tokens.gemini import CLASSES, load_calibration

    cal = load_calibration()
    assert set(cal.classes) == set(CLASSES)
    assert cal.measured and cal.reference and cal.corpora
    assert 0 < cal.relative_uncertainty < 0.5
    assert cal.classes["cjk"].factor < cal.classes["latin_prose"].factor < cal.classes["code"].factor


def test_script_counts() -> None:
    from estimator.tokens.script_mix import script_counts

    s = script_counts(["abc def", "中文字", "Привет", "", "x = {a: b}; y(z)"])
    assert s.latin.tolist() == [7, 0, 0, 0, 16]
    assert s.cjk.tolist() == [0, 3, 0, 0, 0]
    assert s.other.tolist() == [0, 0, 6, 0, 0]
    assert s.code_density[4] > 0.3 and s.code_density[0] == 0


_SCRIPT_CHARS = st.one_of(
    st.sampled_from(list("abc {}[]()<>=;_#*/\\|&^%$@~`+\t\n\r xyzé中文Пр😀—")),
    st.characters(codec="utf-8"),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(_SCRIPT_CHARS, max_size=40), max_size=12))
def test_script_counts_are_those_of_each_character(texts: list[str]) -> None:
    """Per row: code symbols, spaces, CJK and other scripts, counted character by character."""
    from estimator.tokens.script_mix import CJK, CODE_SYMBOLS, OTHER, char_classes, script_counts

    s = script_counts(texts)
    for i, text in enumerate(texts):
        classes = char_classes(text).tolist() if text else []
        cjk, other = classes.count(CJK), classes.count(OTHER)
        assert (s.cjk[i], s.other[i], s.latin[i]) == (cjk, other, len(text) - cjk - other)
        assert s.code_symbols[i] == sum(c in CODE_SYMBOLS for c in text)
        assert s.spaces[i] == sum(c in "\t\n\r " for c in text)


@pytest.mark.parametrize("system", [None, "Label the text: legal, code or other."], ids=["no-system", "system"])
def test_library_csv_and_its_batch_file_count_the_same(tmp_path: Path, system: str | None) -> None:
    """The same rule through the Python API: estimate(csv) == estimate(write_batch(csv)), to the token."""
    import estimator

    texts = [ENGLISH, CODE, CHINESE, "x"]
    data = _csv(tmp_path / "data.csv", texts)
    from_csv = estimator.estimate(data, model=CLAUDE, column="text", system=system, output_tokens=5)
    from estimator.batch import BatchFileOptions

    manifest = estimator.write_batch(data, tmp_path / "b", model=CLAUDE, column="text", system=system,
                                     options=BatchFileOptions(max_tokens=5))
    from_batch = estimator.estimate(manifest.files[0].path, output_tokens=5)
    assert from_csv.profile.input_tokens == from_batch.profile.input_tokens
    assert from_csv.profile.rows == from_batch.profile.rows == len(texts)
    # no OpenAI chat framing for Claude: the frame is ctok's, measured
    tok = get_tokenizer("ctok:3.0")
    messages = [[*([{"role": "system", "content": system}] if system else []), {"role": "user", "content": t}]
                for t in texts]
    assert from_csv.profile.input_tokens == sum(chat_tokens(m, tok) for m in messages)


def test_a_big_batch_counted_in_helper_processes_is_ctoks_own_count() -> None:
    from estimator.tokens import ctok_worker

    tok = get_tokenizer("ctok:3.0")
    assert isinstance(tok, ClaudeTokenizer)
    texts = [f"Ticket {i}: the parcel arrived damaged, día {i}, 注文 {i}. " * (1 + i % 7) for i in range(700)]
    assert sum(map(len, texts)) >= claude.START_CHARS
    here = [int(ctok.token_count(t, "3.0")) - tok.frame for t in texts]
    tok.prepare_batch(2)
    assert tok.count_batch(texts) == here  # shared out to two helpers, in order
    # Two helpers, each its contiguous share, in the texts' order.
    workers = [w for w in (ctok_worker.start("3.0"), ctok_worker.start("3.0")) if w is not None]
    assert ctok_worker.count_in(workers, texts) == [c + tok.frame for c in here]
    # A helper that fails: None, and count_batch counts here instead.
    dead = ctok_worker.start("3.0")
    assert dead is not None
    dead.kill()
    dead.wait()
    assert ctok_worker.count_in([dead], texts) is None
    tok.drop_batch()


def test_the_sample_is_drawn_from_a_reservoir_sized_by_the_first_rows() -> None:
    assert reconstructed.reservoir_size(0, 0) == reconstructed.MAX_SAMPLE_ROWS
    short = reconstructed.reservoir_size(1000, 50_000)  # 50-byte rows: the sample wants 3,840 rows
    assert short == min(reconstructed.MAX_SAMPLE_ROWS, 4 * reconstructed.sample_size(10**9, 50 * 10**9))
    long = reconstructed.reservoir_size(10, 10_000_000)  # 1 MB rows: the fewest rows, four times over
    assert long == 4 * reconstructed.MIN_SAMPLE_ROWS
