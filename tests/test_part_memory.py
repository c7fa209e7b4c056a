"""Counting one large Gemini request part takes memory bounded per chunk, not per character of the part
(benchmarks/bench_part_memory.py measures the process peak against OpenAI's)."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from estimator.batch.files import read_batch_file
from estimator.tokens import script_mix
from estimator.tokens.script_mix import _chunk_counts, script_counts

MIXED = "Plain prose, then code: {a[0]} = f(x); 中文字符 and Привет мир, עברית. "


def fields(s: script_mix.ScriptCounts) -> list[list[int]]:
    return [v.tolist() for v in (s.latin, s.cjk, s.other, s.code_symbols, s.spaces)]


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_chunked_counts_equal_the_whole_pass(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    rng = np.random.default_rng(7)
    texts = ["".join(MIXED[i] for i in rng.integers(0, len(MIXED), size=int(n))) for n in rng.integers(0, 300, 40)]
    texts += ["", MIXED * 50, "x"]
    whole = fields(_chunk_counts(texts))
    monkeypatch.setattr(script_mix, "CHUNK_CHARS", chunk)
    assert fields(script_counts(texts)) == whole


def test_one_large_part_is_classified_in_bounded_memory() -> None:
    text = MIXED * (8 * 1024 * 1024 // len(MIXED))  # 8 M characters, every script class
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        counts = script_counts([text])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert int(counts.latin[0] + counts.cjk[0] + counts.other[0]) == len(text)
    # about 20 bytes per character of one chunk of this text; the whole part at once took 133 MB here
    assert peak < 32 * script_mix.CHUNK_CHARS


def test_a_large_gemini_part_counts_as_the_sum_of_its_pieces(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "g.jsonl"
    part = MIXED * 2000
    path.write_text(json.dumps({"key": "a", "request": {"contents": [{"parts": [{"text": part}]}]}}) + "\n",
                    encoding="utf-8")
    whole = read_batch_file(path, model="gemini-2.5-flash").input_tokens
    monkeypatch.setattr(script_mix, "CHUNK_CHARS", 4096)
    assert read_batch_file(path, model="gemini-2.5-flash").input_tokens == whole
