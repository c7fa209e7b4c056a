"""Batch JSONL files: formats, custom ids, splitting under limits, all-or-nothing writes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.batch.logistics import FileLimits, split_rows
from estimator.batch.writer import (
    estimate_line_bytes,
    format_for,
    hashed_custom_id,
    iter_requests,
    write_batch_files,
)
from estimator.counting.prompts import RequestShape
from estimator.errors import DataError, UsageError


@dataclass(frozen=True)
class Batch:
    columns: Mapping[str, Sequence[str]]
    first_row: int


def batches(columns: Mapping[str, Sequence[str]], size: int = 3) -> list[Batch]:
    n = len(next(iter(columns.values())))
    return [Batch({k: list(v[i:i + size]) for k, v in columns.items()}, i + 1) for i in range(0, n, size)]


def read_lines(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    return [json.loads(line) for line in raw.decode("utf-8").split("\n")[:-1]]


def all_requests(manifest_files: Sequence[Path]) -> list[dict[str, Any]]:
    return [r for p in manifest_files for r in read_lines(p)]


TEXTS = ["hello", 'say "hi"', "two\nlines", "naïve café ☕", "tab\there", "sep\u2028arator", "", "last"]


def test_openai_chat_round_trip(tmp_path: Path) -> None:
    shape = RequestShape(column="text", system="Be brief.")
    m = write_batch_files(batches({"text": TEXTS}), prefix=tmp_path / "req", shape=shape, model="gpt-4o",
                          fmt="openai-chat", max_tokens=50, limits=FileLimits(50_000, 200 * 1024 * 1024))
    assert [f.path.name for f in m.files] == ["req-001.jsonl"]
    reqs = read_lines(m.files[0].path)
    assert len(reqs) == len(TEXTS) == m.requests
    assert reqs[0] == {
        "custom_id": reqs[0]["custom_id"], "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o", "messages": [{"role": "system", "content": "Be brief."},
                                                  {"role": "user", "content": "hello"}], "max_tokens": 50},
    }
    assert [r["body"]["messages"][-1]["content"] for r in reqs] == TEXTS
    ids = [r["custom_id"] for r in reqs]
    assert len(set(ids)) == len(ids)
    assert ids[0].startswith("row-000001-") and ids[7].startswith("row-000008-")
    # Splitting on U+2028 (as str.splitlines does) must not break a request apart.
    assert len(m.files[0].path.read_text(encoding="utf-8").splitlines()) == len(TEXTS)
    assert m.files[0].bytes == m.files[0].path.stat().st_size
    assert (m.files[0].first_row, m.files[0].last_row) == (1, 8)


def test_template_rows(tmp_path: Path) -> None:
    shape = RequestShape(template="Review of {product}: {review}")
    m = write_batch_files(batches({"product": ["a", "b"], "review": ["good", "NA"]}), prefix=tmp_path / "t",
                          shape=shape, model="gpt-4o", fmt="openai-chat", max_tokens=None, limits=FileLimits())
    reqs = read_lines(m.files[0].path)
    assert [r["body"]["messages"] for r in reqs] == [[{"role": "user", "content": "Review of a: good"}],
                                                     [{"role": "user", "content": "Review of b: NA"}]]
    assert "max_tokens" not in reqs[0]["body"]


def test_anthropic_format(tmp_path: Path) -> None:
    shape = RequestShape(column="text", system="You label reviews.")
    m = write_batch_files(batches({"text": ["x", "y"]}), prefix=tmp_path / "a", shape=shape,
                          model="claude-sonnet-4-5", fmt="anthropic", max_tokens=100, limits=FileLimits())
    first = read_lines(m.files[0].path)[0]
    assert set(first) == {"custom_id", "params"}
    assert first["params"] == {"model": "claude-sonnet-4-5", "max_tokens": 100,
                               "messages": [{"role": "user", "content": "x"}], "system": "You label reviews."}
    with pytest.raises(UsageError, match="max_tokens"):
        write_batch_files(batches({"text": ["x"]}), prefix=tmp_path / "b", shape=shape, model="c",
                          fmt="anthropic", max_tokens=None, limits=FileLimits())
    assert not list(tmp_path.glob("b-*"))


def test_embeddings_format(tmp_path: Path) -> None:
    m = write_batch_files(batches({"text": ["x", "y"]}), prefix=tmp_path / "e", shape=RequestShape(column="text"),
                          model="text-embedding-3-small", fmt="openai-embeddings", max_tokens=None,
                          limits=FileLimits())
    assert read_lines(m.files[0].path)[1] == {
        "custom_id": hashed_custom_id(2, ["y"]), "method": "POST", "url": "/v1/embeddings",
        "body": {"model": "text-embedding-3-small", "input": "y"},
    }
    assert m.url == "/v1/embeddings"
    with pytest.raises(UsageError, match="system prompt"):
        write_batch_files(batches({"text": ["x"]}), prefix=tmp_path / "f",
                          shape=RequestShape(column="text", system="s"), model="e", fmt="openai-embeddings",
                          max_tokens=None, limits=FileLimits())


@pytest.mark.parametrize(
    ("provider", "kind", "fmt"),
    [("openai", "chat", "openai-chat"), ("openai", "embedding", "openai-embeddings"),
     ("anthropic", "chat", "anthropic"), ("google", "chat", "gemini")],
)
def test_format_for(provider: str, kind: str, fmt: str) -> None:
    assert format_for(provider, kind) == fmt


def test_format_for_unsupported_provider() -> None:
    with pytest.raises(UsageError, match="mistral"):
        format_for("mistral")


def test_gemini_batch_file_is_written_and_validates(tmp_path: Path) -> None:
    from estimator.batch import read_batch_file

    m = write_batch_files(batches({"text": ["first", "second"]}), prefix=tmp_path / "g",
                          shape=RequestShape(column="text", system="Be brief."), model="gemini-2.5-flash",
                          fmt="gemini", max_tokens=64, limits=FileLimits())
    report = read_batch_file(m.files[0].path)
    assert report.ok and report.provider == "google" and report.requests == 2
    assert report.max_output_tokens == 128
    first = json.loads(m.files[0].path.read_bytes().splitlines()[0])
    assert first["request"]["systemInstruction"] == {"parts": [{"text": "Be brief."}]}


# --------------------------------------------------------------------------
# custom_id
# --------------------------------------------------------------------------


def test_hashed_ids_are_stable_and_content_bound() -> None:
    assert hashed_custom_id(123, ["a"]) == hashed_custom_id(123, ["a"])
    assert hashed_custom_id(123, ["a"]) != hashed_custom_id(123, ["b"])
    assert hashed_custom_id(123, ["a"]) != hashed_custom_id(124, ["a"])
    assert len(hashed_custom_id(123, ["a"])) == len("row-000123-") + 8
    assert hashed_custom_id(1_234_567, ["a"]).startswith("row-1234567-")


def test_id_column(tmp_path: Path) -> None:
    m = write_batch_files(batches({"id": ["a-1", "b_2", "c3"], "text": ["x", "y", "z"]}), prefix=tmp_path / "i",
                          shape=RequestShape(column="text"), model="gpt-4o", fmt="anthropic", max_tokens=10,
                          limits=FileLimits(), id_column="id")
    assert [r["custom_id"] for r in read_lines(m.files[0].path)] == ["a-1", "b_2", "c3"]


def test_duplicate_ids_name_the_rows_and_write_nothing(tmp_path: Path) -> None:
    cols = {"id": ["a", "b", "a", "c", "b"], "text": list("vwxyz")}
    with pytest.raises(DataError, match=r"'a' in rows 1 and 3; 'b' in rows 2 and 5"):
        write_batch_files(batches(cols), prefix=tmp_path / "d", shape=RequestShape(column="text"), model="gpt-4o",
                          fmt="openai-chat", max_tokens=10, limits=FileLimits(), id_column="id")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("ids", "fmt", "message"),
    [
        pytest.param(["a", ""], "openai-chat", "row 2 has an empty value", id="empty"),
        pytest.param(["a", "has space"], "anthropic", "not a valid Anthropic custom_id", id="anthropic-pattern"),
        pytest.param(["a", "x" * 65], "anthropic", "not a valid Anthropic custom_id", id="anthropic-length"),
    ],
)
def test_bad_ids(tmp_path: Path, ids: list[str], fmt: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        write_batch_files(batches({"id": ids, "text": ["p", "q"]}), prefix=tmp_path / "x",
                          shape=RequestShape(column="text"), model="m", fmt=fmt, max_tokens=5,
                          limits=FileLimits(), id_column="id")
    assert list(tmp_path.iterdir()) == []


def test_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no column 'body'"):
        write_batch_files(batches({"text": ["p"]}), prefix=tmp_path / "x", shape=RequestShape(column="body"),
                          model="m", fmt="openai-chat", max_tokens=5, limits=FileLimits())
    with pytest.raises(DataError, match="no id column 'key'"):
        write_batch_files(batches({"text": ["p"]}), prefix=tmp_path / "x", shape=RequestShape(column="text"),
                          model="m", fmt="openai-chat", max_tokens=5, limits=FileLimits(), id_column="key")


# --------------------------------------------------------------------------
# Splitting under the limits
# --------------------------------------------------------------------------


def test_split_by_requests(tmp_path: Path) -> None:
    texts = [f"row {i}" for i in range(10)]
    m = write_batch_files(batches({"text": texts}, size=4), prefix=tmp_path / "r", shape=RequestShape(column="text"),
                          model="gpt-4o", fmt="openai-chat", max_tokens=5, limits=FileLimits(max_requests=4))
    assert [f.path.name for f in m.files] == ["r-001.jsonl", "r-002.jsonl", "r-003.jsonl"]
    assert [(f.requests, f.first_row, f.last_row) for f in m.files] == [(4, 1, 4), (4, 5, 8), (2, 9, 10)]
    reqs = all_requests([f.path for f in m.files])
    assert [r["body"]["messages"][0]["content"] for r in reqs] == texts


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(st.text(max_size=40), min_size=1, max_size=60), max_bytes=st.integers(400, 2_000))
def test_split_by_bytes_round_trip(tmp_path_factory: pytest.TempPathFactory, texts: list[str], max_bytes: int) -> None:
    out = tmp_path_factory.mktemp("bytes")
    m = write_batch_files(batches({"text": texts}, size=7), prefix=out / "b", shape=RequestShape(column="text"),
                          model="gpt-4o", fmt="openai-chat", max_tokens=5, limits=FileLimits(max_bytes=max_bytes))
    reqs = all_requests([f.path for f in m.files])
    assert len(reqs) == len(texts) == m.requests  # exactly one request per data row
    assert [r["body"]["messages"][0]["content"] for r in reqs] == texts
    ids = [r["custom_id"] for r in reqs]
    assert len(set(ids)) == len(ids)
    for f in m.files:
        assert f.path.stat().st_size == f.bytes <= max_bytes
    # The planner, given the same measured lines, predicts exactly these files.
    spans = split_rows(((r.row, len(r.line), 0) for r in iter_requests(
        batches({"text": texts}), shape=RequestShape(column="text"), model="gpt-4o", fmt="openai-chat",
        max_tokens=5)), FileLimits(max_bytes=max_bytes))
    assert [(s.first_row, s.last_row, s.bytes) for s in spans] == [(f.first_row, f.last_row, f.bytes) for f in m.files]
    assert sorted(p.name for p in out.iterdir()) == [f.path.name for f in m.files]  # no temp files left


def test_row_too_big_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="row 3"):
        write_batch_files(batches({"text": ["a", "b", "x" * 5_000, "d"]}), prefix=tmp_path / "big",
                          shape=RequestShape(column="text"), model="gpt-4o", fmt="openai-chat", max_tokens=5,
                          limits=FileLimits(max_bytes=1_000))
    assert list(tmp_path.iterdir()) == []


def test_token_limit_per_file(tmp_path: Path) -> None:
    m = write_batch_files(batches({"text": ["a b", "c d", "e f"]}), prefix=tmp_path / "t",
                          shape=RequestShape(column="text"), model="gpt-4o", fmt="openai-chat", max_tokens=5,
                          limits=FileLimits(max_input_tokens=4),
                          count_tokens=lambda msgs: sum(len(m["content"].split()) for m in msgs))
    assert [(f.requests, f.input_tokens) for f in m.files] == [(2, 4), (1, 2)]


# --------------------------------------------------------------------------
# All or nothing
# --------------------------------------------------------------------------


def failing(after: int, exc: BaseException) -> Iterator[Batch]:
    for i in range(after):
        yield Batch({"text": [f"row {i}"]}, i + 1)
    raise exc


@pytest.mark.parametrize("exc", [DataError("bad row 4"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_interrupted_write_leaves_nothing(tmp_path: Path, exc: BaseException) -> None:
    with pytest.raises(type(exc)):
        write_batch_files(failing(5, exc), prefix=tmp_path / "p", shape=RequestShape(column="text"), model="gpt-4o",
                          fmt="openai-chat", max_tokens=5, limits=FileLimits(max_requests=2))
    assert list(tmp_path.iterdir()) == []


def test_existing_files_need_overwrite(tmp_path: Path) -> None:
    def write(n: int, overwrite: bool = False):  # type: ignore[no-untyped-def]
        return write_batch_files(batches({"text": [str(i) for i in range(n)]}), prefix=tmp_path / "o",
                                 shape=RequestShape(column="text"), model="gpt-4o", fmt="openai-chat",
                                 max_tokens=5, limits=FileLimits(max_requests=1), overwrite=overwrite)

    write(3)
    with pytest.raises(UsageError, match="already exist"):
        write(2)
    assert len(list(tmp_path.iterdir())) == 3
    m = write(2, overwrite=True)
    # The third file of the earlier run is gone: it would read as part of this one.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o-001.jsonl", "o-002.jsonl"] == [f.path.name for f in m.files]


def test_prefix_checks(tmp_path: Path) -> None:
    made = write_batch_files(batches({"text": ["a"]}), prefix=tmp_path / "new" / "dir" / "p",
                             shape=RequestShape(column="text"), model="m", fmt="openai-chat", max_tokens=5,
                             limits=FileLimits())
    assert made.files[0].path == tmp_path / "new" / "dir" / "p-001.jsonl"
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(UsageError, match="cannot use output directory"):
        write_batch_files(batches({"text": ["a"]}), prefix=tmp_path / "a-file" / "p",
                          shape=RequestShape(column="text"), model="m", fmt="openai-chat", max_tokens=5,
                          limits=FileLimits())
    m = write_batch_files(batches({"text": ["a"]}), prefix=tmp_path / "p.jsonl", shape=RequestShape(column="text"),
                          model="m", fmt="openai-chat", max_tokens=5, limits=FileLimits())
    assert m.files[0].path.name == "p-001.jsonl"


def test_no_rows_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no rows"):
        write_batch_files([], prefix=tmp_path / "n", shape=RequestShape(column="text"), model="m",
                          fmt="openai-chat", max_tokens=5, limits=FileLimits())


# --------------------------------------------------------------------------
# Size estimate without data
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["openai-chat", "anthropic", "openai-embeddings"])
def test_estimate_matches_a_real_line_of_that_size(tmp_path: Path, fmt: str) -> None:
    estimate = estimate_line_bytes(fmt, "gpt-4o", input_tokens=250, max_tokens=100, rows=1)
    m = write_batch_files(batches({"text": ["x" * 1_000]}), prefix=tmp_path / "s", shape=RequestShape(column="text"),
                          model="gpt-4o", fmt=fmt, max_tokens=100, limits=FileLimits())
    assert m.files[0].bytes == estimate


# --------------------------------------------------------------------------
# Cross-check: the batch-file validator accepts what the writer writes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "model", "system"),
    [("openai-chat", "gpt-4o", "Be brief."), ("openai-embeddings", "text-embedding-3-small", None),
     ("anthropic", "claude-sonnet-4-5-20250929", "Be brief.")],
)
def test_written_files_pass_the_validator(tmp_path: Path, fmt: str, model: str, system: str | None) -> None:
    from estimator.batch.files import read_batch_file
    from estimator.pricing import load_pricebook
    from estimator.tokens import chat_tokens, get_tokenizer

    tokenizer = get_tokenizer(load_pricebook().model(model).tokenizer)
    count = ((lambda msgs: tokenizer.count(msgs[-1]["content"])) if fmt == "openai-embeddings"
             else (lambda msgs: chat_tokens(msgs, tokenizer)))
    m = write_batch_files(batches({"text": TEXTS}), prefix=tmp_path / "v", shape=RequestShape(column="text",
                          system=system), model=model, fmt=fmt, max_tokens=None if fmt == "openai-embeddings" else 64,
                          limits=FileLimits(max_requests=5), count_tokens=count)
    for f in m.files:
        report = read_batch_file(f.path)
        assert report.ok, report.issues
        assert report.requests == f.requests and report.bytes == f.bytes
        assert report.model == model
        if fmt != "anthropic":  # Anthropic counts are approximate there
            assert report.input_tokens == f.input_tokens


# --------------------------------------------------------------------------
# The shipped OpenAI limits, exactly: 200 MiB per file
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "files"), [(0, 1), (1, 2)], ids=["exactly-200MiB", "one-byte-over"])
def test_shipped_byte_limit_to_the_byte(tmp_path: Path, extra: int, files: int) -> None:
    from estimator.pricing import load_pricebook

    rule = load_pricebook().model("gpt-4o").price_on(dt.date(2026, 12, 5)).batch_rule
    assert rule is not None and rule.max_bytes_per_file == 209_715_200
    shape = RequestShape(column="text")
    overhead = len(iter_one_line(shape, ""))  # bytes of a request line around its text (row ids < 1,000,000)
    rows = 1_000
    per_row = rule.max_bytes_per_file // rows - overhead
    texts = ["a" * per_row for _ in range(rows)]
    texts[0] += "a" * (rule.max_bytes_per_file - rows * (per_row + overhead))  # fill the file to the byte
    texts[-1] += "a" * extra
    m = write_batch_files(batches({"text": texts}, size=100), prefix=tmp_path / "big", shape=shape, model="gpt-4o",
                          fmt="openai-chat", max_tokens=None, limits=FileLimits.from_rule(rule))
    assert len(m.files) == files
    assert m.bytes == rule.max_bytes_per_file + extra
    assert all(f.path.stat().st_size <= rule.max_bytes_per_file for f in m.files)
    assert m.requests == rows


def iter_one_line(shape: RequestShape, text: str) -> bytes:
    (req,) = iter_requests([Batch({"text": [text]}, 1)], shape=shape, model="gpt-4o", fmt="openai-chat",
                           max_tokens=None)
    return req.line
