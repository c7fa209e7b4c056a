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
    calls: list[str | None] = []
    report = read_batch_file(claude)  # loads the tokenizer
    tokenizer = files_module.get_tokenizer("ctok:3.0")
    real = type(tokenizer).request_overhead

    def counting(self: object, *, messages: int, system: str | None) -> int:
        calls.append(system)
        return real(self, messages=messages, system=system)  # type: ignore[arg-type]

    monkeypatch.setattr(type(tokenizer), "request_overhead", counting)
    again = read_batch_file(claude)
    assert calls == [SYSTEM]  # once for 600 requests
    assert again.per_request_input == report.per_request_input


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
