"""Counting a big batch request file fast: a shared system prompt counted once, Claude texts sampled.

A Claude file with more message text than ``CTOK_FULL_BYTES`` is counted exactly with o200k_base and a
systematic sample of its texts with ctok (in a helper process, or here when it cannot start); small files
are counted text by text. The limits are lowered here so a small file takes the big-file path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from estimator.batch import files as files_module
from estimator.batch import read_batch_file

SYSTEM = "You are a careful assistant for a bookshop. Answer in one short paragraph. " * 4
WORDS = ("novel", "poetry", "atlas", "cookbook", "biography", "memoir", "thriller", "essay", "chronicle")


def _claude_file(path: Path, n: int) -> Path:
    lines = []
    for i in range(n):
        text = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(20 + i % 30)) + f" order {i}"
        lines.append(json.dumps({"custom_id": f"r{i}", "params": {
            "model": "claude-sonnet-4-5", "max_tokens": 100, "system": SYSTEM,
            "messages": [{"role": "user", "content": text}]}}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def claude(tmp_path: Path) -> Path:
    return _claude_file(tmp_path / "claude.jsonl", 600)


def test_small_files_are_counted_text_by_text(claude: Path) -> None:
    report = read_batch_file(claude)
    assert "sampled" not in report.token_counts
    assert not any("estimated" in w for w in report.warnings)


@pytest.mark.parametrize("helper", [True, False])
def test_big_claude_files_sample_ctok_and_stay_close(claude: Path, monkeypatch: pytest.MonkeyPatch,
                                                     helper: bool) -> None:
    exact = read_batch_file(claude)
    monkeypatch.setattr(files_module, "CTOK_FULL_BYTES", 4_000)
    monkeypatch.setattr(files_module, "CTOK_SAMPLE_BYTES", 6_000)
    monkeypatch.setattr(files_module, "CTOK_MIN_SAMPLE", 40)
    if not helper:
        monkeypatch.setattr(files_module.subprocess, "Popen", _refuse)
    sampled = read_batch_file(claude)
    assert sampled.token_counts.endswith("text sampled")
    (warning,) = [w for w in sampled.warnings if "estimated" in w]
    assert "with ctok" in warning and "95% interval" in warning
    assert abs(sampled.input_tokens - exact.input_tokens) / exact.input_tokens < 0.02
    # the system prompt and the framing stay exact: each request differs from its exact count by its text only
    assert sampled.requests == exact.requests and sampled.ids == exact.ids


def _refuse(*args: object, **kwargs: object) -> None:
    raise OSError("no helper processes here")


def test_a_shared_system_prompt_is_counted_once(claude: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    report = read_batch_file(claude)  # loads the tokenizer
    tokenizer = files_module.get_tokenizer("ctok:3.0")
    real = type(tokenizer).count

    def counting(self: object, text: str) -> int:
        calls.append(text)
        return real(self, text)  # type: ignore[arg-type]

    monkeypatch.setattr(type(tokenizer), "count", counting)
    again = read_batch_file(claude)
    assert calls.count(SYSTEM) == 1  # once for 600 requests
    assert again.per_request_input == report.per_request_input


def test_with_the_helper_this_process_counts_nothing_with_ctok(claude: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample and the system prompt are counted in the helper (ctok's vocabulary is never loaded
    here), and the counts are those of the same file read without the helper."""
    monkeypatch.setattr(files_module, "CTOK_FULL_BYTES", 4_000)
    monkeypatch.setattr(files_module, "CTOK_SAMPLE_BYTES", 6_000)
    monkeypatch.setattr(files_module, "CTOK_MIN_SAMPLE", 40)
    with monkeypatch.context() as m:
        m.setattr(files_module.subprocess, "Popen", _refuse)
        here = read_batch_file(claude)
    tokenizer = files_module.get_tokenizer("ctok:3.0")

    def refuse(self: object, text: str) -> int:
        raise AssertionError(f"counted with ctok in this process: {text[:40]!r}")

    monkeypatch.setattr(type(tokenizer), "count", refuse)
    helped = read_batch_file(claude)
    assert helped.per_request_input == here.per_request_input
    assert helped.warnings == here.warnings


def test_the_report_keeps_each_requests_line_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    lines = [json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
                         "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "é" * i}]}})
             for i in range(3)]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    report = read_batch_file(path)
    assert report.ids == ["r0", "r1", "r2"] and report.lines == [1, 2, 3]
    raw = path.read_bytes()
    for (start, length), line in zip(report.spans, lines):
        assert raw[start:start + length].rstrip(b"\r\n") == line.encode()
    assert files_module.request_lines(report, [2, 0]) == [lines[2].encode() + b"\r\n", lines[0].encode() + b"\r\n"]


TEXTS = ["hello, world", " leading space", "trailing\n\n", "Ünïcödé “quotes” and CAPS LOCK", "def f(x):\n    return x",
         "这是一个用于测试的中文句子", SYSTEM]


@pytest.mark.parametrize("generation", ["3.0", "4.8"])
def test_the_workers_cached_vocabulary_counts_as_ctok(generation: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """ctok's built vocabulary is kept in the user's cache dir (here a temporary one); loaded from there
    it counts exactly as ctok does, and a damaged cache file is rebuilt without a word."""
    import ctok  # pyright: ignore[reportMissingTypeStubs]
    import ctok.main as ctok_main  # pyright: ignore[reportMissingTypeStubs]

    from estimator.tokens import ctok_worker

    expected = [ctok.token_count(t, generation) for t in TEXTS]
    family = ctok_main._family(generation)
    built = ctok_main._model
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(ctok_main, "_model", built)  # put back after the test
    ctok_worker.load(generation)  # not cached yet: built by ctok, then written
    (written,) = (tmp_path / "estimator").glob("ctok-*.pickle")
    assert f"-{family}-" in written.name
    ctok_worker.load(generation)  # read from the cache
    assert ctok_main._model is not built and ctok_main._model(family) is not built(family)
    assert [ctok.token_count(t, generation) for t in TEXTS] == expected
    written.write_bytes(b"not a pickle")
    monkeypatch.setattr(ctok_main, "_model", built)
    ctok_worker.load(generation)  # damaged: built again, and rewritten
    assert ctok_main._model is built
    assert [ctok.token_count(t, generation) for t in TEXTS] == expected
    assert written.read_bytes() != b"not a pickle"
