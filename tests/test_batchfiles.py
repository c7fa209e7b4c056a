"""Batch request files: every problem found with its line, tokens counted as billed; the CLI commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ctok  # pyright: ignore[reportMissingTypeStubs]
import pytest
from click.testing import CliRunner
from pricing_tables import GPT4O_LAUNCH, book_from, provider_toml

import estimator.cli.datasets  # noqa: F401  registers inspect and validate-batch
from estimator.batch import files as batchfiles
from estimator.batch.files import BatchIssue, detect_batch_format, read_batch_file
from estimator.cli.base import main
from estimator.errors import DataError
from estimator.tokens import chat_tokens, get_tokenizer

O200K = get_tokenizer("o200k_base")
CL100K = get_tokenizer("cl100k_base")
CLAUDE = get_tokenizer("ctok:3.0")  # claude-sonnet-4-5's generation in the price tables


def chat(cid: str, content: Any = "Hello", model: str = "gpt-4o-mini", **body: Any) -> dict[str, Any]:
    return {
        "custom_id": cid,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": content}], **body},
    }


def claude(cid: str, text: str = "Hello", **params: Any) -> dict[str, Any]:
    return {
        "custom_id": cid,
        "params": {
            "model": "claude-sonnet-4-5",
            "max_tokens": 100,
            "messages": [{"role": "user", "content": text}],
            **params,
        },
    }


def write_lines(path: Path, items: list[Any]) -> Path:
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in items)
    )
    return path


# -- detection -------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        (chat("a"), "openai"),
        (claude("a"), "anthropic"),
        ({"text": "a row of data"}, None),
        ("not json", None),
        ("[1, 2]", None),
    ],
    ids=["openai", "anthropic", "plain-jsonl", "not-json", "array"],
)
def test_detect_batch_format(tmp_path: Path, first: Any, expected: str | None) -> None:
    assert detect_batch_format(write_lines(tmp_path / "b.jsonl", ["", first])) == expected


def test_not_a_batch_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a batch request file"):
        read_batch_file(write_lines(tmp_path / "b.jsonl", [{"text": "x"}]))


# -- OpenAI: counting ------------------------------------------------------


def test_chat_counts_match_chat_framing(tmp_path: Path) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi <|endoftext|> 😀 中文", "name": "ann"},
    ]
    items = [
        {
            "custom_id": "1",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": messages, "max_tokens": 40},
        },
        chat("2", "Second request", max_completion_tokens=10, n=3),
    ]
    r = read_batch_file(write_lines(tmp_path / "b.jsonl", items))
    assert r.ok, r.issues
    expected = [
        chat_tokens(messages, O200K),
        chat_tokens([{"role": "user", "content": "Second request"}], O200K),
    ]
    assert r.per_request_input == expected
    assert r.input_tokens == sum(expected)
    assert r.max_output_tokens == 40 + 10 * 3
    assert (r.provider, r.url, r.model, r.requests, r.exact) == (
        "openai",
        "/v1/chat/completions",
        "gpt-4o-mini",
        2,
        True,
    )
    assert r.tokenizer_label == O200K.label
    assert r.bytes == (tmp_path / "b.jsonl").stat().st_size


def test_chat_content_parts_count_text_and_warn_about_images(tmp_path: Path) -> None:
    parts = [
        {"type": "text", "text": "Describe "},
        {"type": "image_url", "image_url": {"url": "data:..."}},
        {"type": "text", "text": "this picture"},
    ]
    r = read_batch_file(write_lines(tmp_path / "b.jsonl", [chat("1", parts, max_tokens=5)]))
    assert r.ok
    assert r.per_request_input == [chat_tokens([{"role": "user", "content": "Describe this picture"}], O200K)]
    assert any("image" in w and "NOT counted" in w for w in r.warnings)  # "data:..." has no readable image


def test_missing_max_tokens_means_no_upper_bound(tmp_path: Path) -> None:
    r = read_batch_file(write_lines(tmp_path / "b.jsonl", [chat("1", max_tokens=5), chat("2")]))
    assert r.ok  # valid, but the caller needs an output estimate
    assert r.max_output_tokens is None
    assert r.requests_without_max_tokens == 1
    assert any("set no max tokens" in w for w in r.warnings)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("one text", lambda: CL100K.count("one text")),
        (["a b", "c d e"], lambda: CL100K.count("a b") + CL100K.count("c d e")),
        ([1, 2, 3, 4], lambda: 4),
        ([[1, 2], [3]], lambda: 3),
    ],
    ids=["string", "strings", "token-array", "token-arrays"],
)
def test_embeddings_inputs(tmp_path: Path, data: Any, expected: Any) -> None:
    item = {
        "custom_id": "e",
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "text-embedding-3-small", "input": data},
    }
    r = read_batch_file(write_lines(tmp_path / "b.jsonl", [item]))
    assert r.ok
    assert r.per_request_input == [expected()]
    assert r.max_output_tokens == 0
    assert r.tokenizer_label == CL100K.label


def test_responses_input_and_instructions(tmp_path: Path) -> None:
    items = [
        {
            "custom_id": "r1",
            "method": "POST",
            "url": "/v1/responses",
            "body": {
                "model": "gpt-4.1",
                "input": "Summarise this",
                "instructions": "Be terse",
                "max_output_tokens": 20,
            },
        },
        {
            "custom_id": "r2",
            "method": "POST",
            "url": "/v1/responses",
            "body": {
                "model": "gpt-4.1",
                "input": [{"role": "user", "content": [{"type": "input_text", "text": "Hi"}]}],
                "max_output_tokens": 7,
            },
        },
    ]
    r = read_batch_file(write_lines(tmp_path / "b.jsonl", items))
    assert r.ok, r.issues
    assert r.per_request_input == [
        chat_tokens(
            [{"role": "system", "content": "Be terse"}, {"role": "user", "content": "Summarise this"}], O200K
        ),
        chat_tokens([{"role": "user", "content": "Hi"}], O200K),
    ]
    assert r.max_output_tokens == 27
    assert any("/v1/responses" in w for w in r.warnings)


def test_unknown_openai_model_falls_back_to_o200k_with_a_warning(tmp_path: Path) -> None:
    r = read_batch_file(write_lines(tmp_path / "b.jsonl", [chat("1", model="my-finetune", max_tokens=1)]))
    assert r.per_request_input == [chat_tokens([{"role": "user", "content": "Hello"}], O200K)]
    assert any("o200k_base" in w for w in r.warnings)


# -- OpenAI: validation ----------------------------------------------------


def test_all_problems_are_collected_with_their_lines(tmp_path: Path) -> None:
    items: list[Any] = [
        chat("a", max_tokens=5),  # 1 ok
        chat("b", max_tokens=5),  # 2 ok
        chat("a", max_tokens=5),  # 3 duplicate id
        {**chat("c"), "method": "GET"},  # 4 method
        chat("d", model="gpt-4o"),  # 5 other model
        "{not json",  # 6
        {**chat("e"), "url": "/v1/embeddings"},  # 7 other url
        {"custom_id": "f", "method": "POST", "url": "/v1/chat/completions"},  # 8 no body
        {
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": []},
        },  # 9
        '"just a string"',  # 10
        {**chat("g"), "url": "/v1/completions"},  # 11 not a batch endpoint
        chat("h", model="gpt-4o"),  # 12 other model again
    ]
    r = read_batch_file(write_lines(tmp_path / "b.jsonl", items))
    assert not r.ok
    text = [str(i) for i in r.issues]
    expected = [
        "line 3: duplicate custom_id 'a': already used on line 1 (lines 1 and 3)",
        'line 4: "method" must be "POST", not "GET"',
        "line 5: model 'gpt-4o' (line 5, 12) differs from 'gpt-4o-mini' (line 1); a batch file must use one model",
        "line 6: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        'line 7: "url" /v1/embeddings differs from /v1/chat/completions (line 1); one file must use one endpoint',
        "line 8: missing 'body'; a request needs custom_id, method, url and body",
        'line 9: missing "custom_id"; every request needs a unique id to match its result',
        'line 9: body needs "messages": a non-empty list of {"role", "content"} objects',
        "line 10: a JSON string where a request object {...} was expected",
    ]
    for e in expected:
        assert e in text
    assert any(t.startswith('line 11: "url" "/v1/completions" is not a batch endpoint') for t in text)
    lines = [i.line or 0 for i in r.issues]
    assert lines == sorted(lines)


def test_issue_list_is_capped_and_the_rest_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batchfiles, "MAX_ISSUES", 5)
    r = read_batch_file(write_lines(tmp_path / "b.jsonl", [chat("same", max_tokens=1) for _ in range(12)]))
    assert len(r.issues) == 5 and r.issues_not_shown == 6 and r.issue_count == 11
    assert not r.ok


@pytest.mark.parametrize(
    ("rule", "requests", "source"),
    [(True, 3, "pricing table"), (False, 50_000, "published defaults")],
    ids=["from-pricing-table", "defaults"],
)
def test_per_file_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rule: bool, requests: int, source: str
) -> None:
    """The limits come from the caller's price book (the user's own tables), else the defaults."""
    if rule:
        book = book_from(tmp_path, provider_toml(GPT4O_LAUNCH, max_requests_per_file=3, max_bytes_per_file=400))
    else:
        monkeypatch.setattr(batchfiles, "DEFAULT_LIMITS", {"openai": (50_000, 400), "anthropic": (1, 1)})
        book = book_from(tmp_path, provider_toml(GPT4O_LAUNCH, batch=False))
    r = read_batch_file(write_lines(tmp_path / "b.jsonl", [chat(str(i), max_tokens=1) for i in range(4)]),
                        prices=book)
    assert (r.max_requests, r.max_bytes, r.limits_source) == (requests, 400, source)
    messages = [i.message for i in r.issues if i.line is None]
    assert any("bytes exceed the openai limit of 400" in m for m in messages)
    assert any("4 requests exceed" in m for m in messages) == rule


def test_limits_come_from_the_shipped_pricing_table() -> None:
    from estimator.pricing import load_pricebook

    rule = load_pricebook().provider("openai").batch_rule
    assert rule is not None
    assert batchfiles._limits("openai", load_pricebook())[:2] == (rule.max_requests_per_file, rule.max_bytes_per_file)


def test_blank_lines_and_empty_file(tmp_path: Path) -> None:
    r = read_batch_file(
        write_lines(tmp_path / "b.jsonl", [chat("1", max_tokens=1), "", chat("2", max_tokens=1)])
    )
    assert [str(i) for i in r.issues] == [
        "line 2: blank line(s) at line 2; remove them (every line must be a request)"
    ]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    r = read_batch_file(empty, provider="openai")
    assert r.issues == [BatchIssue(None, "the file holds no requests")]


# -- Anthropic -------------------------------------------------------------


def test_anthropic_counts_are_reconstructed_and_framed(tmp_path: Path) -> None:
    items = [
        claude("one", "Hello there"),
        claude("two", "Second", system="You are terse.", max_tokens=50),
        claude(
            "three",
            system=[{"type": "text", "text": "Sys"}],
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "Look"}, {"type": "image", "source": {}}],
                },
                {"role": "assistant", "content": "Ok"},
            ],
        ),
    ]
    r = read_batch_file(write_lines(tmp_path / "a.jsonl", items))
    assert r.ok, r.issues
    assert r.provider == "anthropic" and r.url is None and r.model == "claude-sonnet-4-5"
    assert not r.exact and r.tokenizer_label == CLAUDE.label
    assert r.per_request_input == [
        chat_tokens([{"role": "user", "content": "Hello there"}], CLAUDE),
        chat_tokens([{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Second"}],
                    CLAUDE),
        chat_tokens([{"role": "system", "content": "Sys"}, {"role": "user", "content": "Look"},
                     {"role": "assistant", "content": "Ok"}], CLAUDE),
    ]
    assert r.per_request_input[0] == ctok.token_count("Hello there", "3.0")
    assert r.max_output_tokens == 100 + 50 + 100
    assert r.token_counts == "reconstructed (ctok 1.3.0, generation 3.0)"
    assert any("reconstructed" in w for w in r.warnings)
    assert any("image (unknown source)" in w and "NOT counted" in w for w in r.warnings)


def test_anthropic_validation(tmp_path: Path) -> None:
    no_max = claude("b")
    del no_max["params"]["max_tokens"]
    items = [
        claude("a"),
        no_max,
        claude("a"),
        claude("bad id!"),
        {
            "custom_id": "c",
            "params": {
                "model": "claude-haiku-4-5",
                "max_tokens": 5,
                "messages": [{"role": "system", "content": "x"}],
            },
        },
    ]
    items.append(claude("ends-in-newline\n"))  # "$" would let a final newline through
    r = read_batch_file(write_lines(tmp_path / "a.jsonl", items))
    text = [str(i) for i in r.issues]
    assert any(t.startswith("line 6: \"custom_id\" 'ends-in-newline\\n' must be 1-64") for t in text), text
    assert 'line 2: params has no "max_tokens"; the Messages API requires it' in text
    assert "line 3: duplicate custom_id 'a': already used on line 1 (lines 1 and 3)" in text
    assert any(t.startswith("line 4: \"custom_id\" 'bad id!' must be 1-64") for t in text)
    assert 'line 5: message 1 must be an object with "role" "user" or "assistant"' in text
    assert r.max_output_tokens is None and r.requests_without_max_tokens == 1
    assert any("several models in one file" in w for w in r.warnings)


# -- CLI -------------------------------------------------------------------


def test_cli_validate_batch_valid(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "b.jsonl", [chat("1", max_tokens=5), chat("2", max_tokens=5)])
    result = CliRunner().invoke(main, ["validate-batch", str(path)])
    assert result.exit_code == 0, result.output
    assert "model:       gpt-4o-mini" in result.output
    assert "requests:    2 of 50,000 allowed per file" in result.output
    assert "output:      at most 10 tokens" in result.output
    assert "valid: no problems found" in result.output


def test_cli_validate_batch_invalid_lists_every_issue(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "b.jsonl", [chat("1"), chat("1"), "oops"])
    result = CliRunner().invoke(main, ["validate-batch", str(path)])
    assert result.exit_code == 1
    assert "INVALID: 2 problem(s)" in result.output
    assert "line 2: duplicate custom_id '1'" in result.output
    assert "line 3: not valid JSON" in result.output
    assert "output:      no upper bound: 3 request(s)" not in result.output  # only 2 requests are objects
    assert "no upper bound: 2 request(s) set no max tokens" in result.output


def test_cli_validate_batch_json(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [claude("x")])
    result = CliRunner().invoke(main, ["validate-batch", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] is True and data["provider"] == "anthropic" and data["exact"] is False
    assert data["input_tokens"] == ctok.token_count("Hello", "3.0")
    assert data["max_requests"] == 100_000 and data["max_bytes"] == 268_435_456


def test_cli_validate_batch_not_a_batch_file(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "d.jsonl", [{"text": "x"}])
    result = CliRunner().invoke(main, ["validate-batch", str(path)])
    assert result.exit_code == 1
    assert "not a batch request file" in result.output


def test_cli_inspect_text(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b'\xef\xbb\xbfid;text\r\n1;NA\r\n2;"multi\r\nline"\r\n3;007\r\n4;later\r\n')
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "format:    csv" in out and "encoding:  utf-8-sig" in out and "delimiter: ';'" in out
    assert "columns (2): 'id', 'text'" in out
    assert "note: UTF-8 with BOM" in out and "note: delimiter ';' detected" in out
    assert "text: 'NA'" in out and "text: 'multi\\r\\nline'" in out and "text: '007'" in out
    assert "later" not in out


def test_cli_inspect_json_and_options(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_bytes("id|text\n1|café\n2|x|extra\n3|y\n".encode("cp1252"))
    result = CliRunner().invoke(
        main, ["inspect", str(path), "--encoding", "cp1252", "--delimiter", "|", "--skip-bad-rows", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["encoding"] == "cp1252" and data["delimiter"] == "|"
    assert [r["values"]["text"] for r in data["rows"]] == ["café", "y"]
    assert [r["row"] for r in data["rows"]] == [1, 3]
    assert data["skipped"] == [{"row": 2, "line": 3, "reason": "expected 2 fields, found 3: '2|x|extra'"}]


def test_cli_inspect_bad_file_exits_1_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(b"")
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert result.exit_code == 1
    assert "empty file" in result.output


# -- the tokenizer of a file's model comes from the price book ------------


def test_every_priced_openai_chat_model_counts_with_its_book_tokenizer(tmp_path: Path) -> None:
    from estimator.pricing import load_pricebook

    book = load_pricebook(strict=True)
    for model in book.provider("openai").models:
        if model.kind != "chat":
            continue
        path = write_lines(tmp_path / f"{model.id}.jsonl", [chat("a", "Hello there", model=model.id)])
        report = read_batch_file(path, prices=book)
        assert not [w for w in report.warnings if "tokenizer" in w or "counted with" in w], model.id
        expected = get_tokenizer(model.tokenizer).count("Hello there")
        assert report.input_tokens == 3 + 3 + O200K.count("user") + expected, model.id


def test_a_model_the_book_does_not_know_is_counted_with_a_warning(tmp_path: Path) -> None:
    from estimator.pricing import load_pricebook

    path = write_lines(tmp_path / "x.jsonl", [chat("a", model="gpt-nonexistent-9")])
    report = read_batch_file(path, prices=load_pricebook(strict=True))
    assert any("'gpt-nonexistent-9' is not in the price tables" in w and "o200k_base" in w for w in report.warnings)
