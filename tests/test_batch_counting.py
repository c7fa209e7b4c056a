"""Counting a batch request file's tokens: shared parts once, a slow tokenizer on a sample.

An Anthropic batch file is counted with ctok (pure Python). The system prompt every request
shares is tokenized once per file, not once per request; and a file too big to count row by
row in a moment is counted as a CSV is: exact o200k counts of every request, ctok on a
uniform sample, the rest predicted by their ratio, with the interval in the warnings.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from estimator.batch import read_batch_file
from estimator.counting import reconstructed
from estimator.tokens.claude import ClaudeTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_dataset import rows as generated_rows

SYSTEM = "You sort customer tickets into refund, shipping, account or other. " * 20


def _anthropic_file(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i, row in enumerate(generated_rows(n, seed=41)):
            f.write(json.dumps({"custom_id": f"r{i}", "params": {
                "model": "claude-sonnet-4-5-20250929", "max_tokens": 50, "system": SYSTEM,
                "messages": [{"role": "user", "content": row[1]}]}}) + "\n")
    return path


def test_the_shared_system_prompt_is_counted_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _anthropic_file(tmp_path / "small.jsonl", 200)
    seen: list[str] = []
    real = ClaudeTokenizer.count

    def count(self: ClaudeTokenizer, text: str) -> int:
        seen.append(text)
        return real(self, text)

    monkeypatch.setattr(ClaudeTokenizer, "count", count)
    report = read_batch_file(path)
    assert report.ok and report.requests == 200
    assert seen.count(SYSTEM) == 1


def test_a_big_file_counts_a_sample_with_ctok_and_holds_the_full_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _anthropic_file(tmp_path / "big.jsonl", 1_500)
    monkeypatch.setattr(reconstructed, "FULL_COUNT_BYTES", 10**9)  # every request with ctok
    full = read_batch_file(path)
    monkeypatch.setattr(reconstructed, "FULL_COUNT_BYTES", 100_000)
    monkeypatch.setattr(reconstructed, "SAMPLE_BYTES", 300_000)
    sampled = read_batch_file(path)
    assert sampled.requests == full.requests and len(sampled.per_request_input) == 1_500
    note = next(w for w in sampled.warnings if "predicted from a uniform sample" in w)
    half = int(re.search(r"within ±([\d,]+) tokens", note).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert abs(sampled.input_tokens - full.input_tokens) <= half
    assert abs(sampled.input_tokens - full.input_tokens) < 0.01 * full.input_tokens
