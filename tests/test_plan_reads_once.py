"""`plan FILE` reads its file once: the request lines are sized while the rows are counted, and
the batch files come out exactly as a second pass over the real lines (or write_batch) makes them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import estimator
from estimator import EstimateOptions, PlanOptions
from estimator.batch import QueueLimit
from estimator.batch.writer import LineSizer, hashed_custom_id, request_record, serialize
from estimator.counting.prompts import RequestShape
from estimator.planning.job import measured_batch_plan
from estimator.pricing import load_pricebook, resolve_price

AS_OF = dt.date(2026, 12, 5)
TEXTS = ['plain words', 'a "quoted" word', 'back\\slash', 'lines\nand\ttabs\r', 'control \x01\x1f',
         'ünïcödé 日本語 \u2028 \u2029', '', 'emoji 😀 and more', 'x' * 3000]


def write_csv(path: Path, n: int) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(n):
            w.writerow([i, TEXTS[i % len(TEXTS)] + f" {i}"])
    return path


@pytest.mark.parametrize(
    ("model", "kwargs"),
    [
        ("gpt-4o", {"column": "text"}),
        ("gpt-4o-mini", {"template": "Classify: {text}", "system": "Be terse."}),
        ("text-embedding-3-small", {"column": "text"}),
        ("claude-sonnet-4-6", {"column": "text", "max_tokens": 300}),
        ("gemini-2.5-flash", {"column": "text", "system": "Answer in French."}),
    ],
)
def test_the_one_pass_plan_has_the_files_a_second_pass_measures(tmp_path: Path, model: str,
                                                                 kwargs: dict[str, Any]) -> None:
    # 600 rows (about 200 KB): small enough for Claude's ctok to count every row (a bigger file is
    # estimated from a ctok sample, and its batch bytes are then estimated too, with a note)
    path = write_csv(tmp_path / "rows.csv", 600)
    options = PlanOptions(queue=QueueLimit(enqueued_tokens=8_000))
    p = estimator.plan(path, model=model, as_of=AS_OF, options=options, output_tokens=20, **kwargs)
    assert p.batch.bytes_measured
    priced = resolve_price(load_pricebook(), model, as_of=AS_OF)
    shape = RequestShape(column=kwargs.get("column"), template=kwargs.get("template"), system=kwargs.get("system"))
    two_pass = measured_batch_plan(path, shape, priced, options, max_tokens=kwargs.get("max_tokens"))
    assert [(f.first_row, f.last_row, f.bytes, f.wave) for f in p.batch.files] == \
        [(f.first_row, f.last_row, f.bytes, f.wave) for f in two_pass.files]
    assert p.batch.bytes == two_pass.bytes and p.batch.waves == two_pass.waves


def test_the_file_is_opened_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv(tmp_path / "rows.csv", 500)
    import estimator.reading.source as source

    opened: list[object] = []
    real = source.open_rows

    def counting_open(*args: Any, **kw: Any) -> Any:
        opened.append(args[0])
        return real(*args, **kw)

    for module in ("estimator.counting.dataset", "estimator.planning.job", "estimator.api"):
        if hasattr(__import__(module, fromlist=["x"]), "open_rows"):
            monkeypatch.setattr(f"{module}.open_rows", counting_open)
    estimator.plan(path, model="gpt-4o", column="text", output_tokens=10, as_of=AS_OF)
    assert len(opened) == 1


def test_a_sampled_count_sizes_files_from_the_average_request(tmp_path: Path) -> None:
    from estimator.counting import CountOptions

    path = write_csv(tmp_path / "rows.csv", 3_000)
    p = estimator.plan(path, model="gpt-4o", column="text", output_tokens=10, as_of=AS_OF,
                       estimate_options=EstimateOptions(count=CountOptions(sample_rows=100)))
    assert not p.batch.bytes_measured
    assert any("estimated from a sample" in n for n in p.notes)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), min_size=1, max_size=8),
       first=st.sampled_from([1, 997, 999_999, 9_999_998]),
       fmt=st.sampled_from(["openai-chat", "openai-embeddings", "anthropic", "gemini"]))
def test_line_sizes_are_the_bytes_of_the_serialized_lines(texts: list[str], first: int, fmt: str) -> None:
    shape = RequestShape(column="t", system=None if fmt == "openai-embeddings" else "Sys \u2028 \"x\"")
    sizer = LineSizer(fmt, "m", shape, 64)
    expected = [len(serialize(request_record(fmt, hashed_custom_id(first + i, [t]), "m", shape, t, 64)))
                for i, t in enumerate(texts)]
    assert sizer.sizes(first, texts).tolist() == expected


def test_conversations_are_sized_row_by_row(tmp_path: Path) -> None:
    chat = [{"role": "user", "content": 'say "hi"\n'}, {"role": "assistant", "content": "hi"}]
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps({"conversation": chat}) + "\n" for _ in range(40)), encoding="utf-8")
    p = estimator.plan(path, model="gpt-4o", messages="conversation", output_tokens=5, as_of=AS_OF)
    priced = resolve_price(load_pricebook(), "gpt-4o", as_of=AS_OF)
    two_pass = measured_batch_plan(path, RequestShape(messages="conversation"), priced)
    assert p.batch.bytes == two_pass.bytes and p.batch.bytes_measured
