"""Every batch request format the help texts name is recognised by one detection, the same way by
``validate-batch``, ``estimate``, ``plan`` (CLI and library) and the app's uploader (test_app_batch_formats)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import estimator
from estimator.batch.files import detect_batch_format, read_batch_file
from estimator.batch.sniff import batch_request_format
from estimator.cli import main

SYSTEM = "Answer in one word."
TEXTS = ["Is the sky blue?", "Name a prime number.", "Is water wet?"]


def _openai(url: str, body: dict[str, Any], i: int) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "method": "POST", "url": url, "body": body}


def chat(i: int, text: str) -> dict[str, Any]:
    return _openai("/v1/chat/completions", {"model": "gpt-4o-mini", "max_tokens": 20, "messages": [
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]}, i)


def responses(i: int, text: str) -> dict[str, Any]:
    return _openai("/v1/responses", {"model": "gpt-4o-mini", "instructions": SYSTEM, "input": text,
                                     "max_output_tokens": 20}, i)


def embeddings(i: int, text: str) -> dict[str, Any]:
    return _openai("/v1/embeddings", {"model": "text-embedding-3-small", "input": text}, i)


def anthropic(i: int, text: str) -> dict[str, Any]:
    return {"custom_id": f"r{i}", "params": {"model": "claude-haiku-4-5", "max_tokens": 20, "system": SYSTEM,
                                             "messages": [{"role": "user", "content": text}]}}


def gemini_request(text: str) -> dict[str, Any]:
    return {"contents": [{"role": "user", "parts": [{"text": text}]}],
            "systemInstruction": {"parts": [{"text": SYSTEM}]}, "generationConfig": {"maxOutputTokens": 20}}


def gemini(i: int, text: str) -> dict[str, Any]:
    return {"key": f"r{i}", "request": gemini_request(text)}


def gemini_keyless(i: int, text: str) -> dict[str, Any]:
    return {"request": gemini_request(text)}


FORMATS = {
    # name: (line builder, provider, model to price with)
    "openai-chat": (chat, "openai", "gpt-4o-mini"),
    "openai-responses": (responses, "openai", "gpt-4o-mini"),
    "openai-embeddings": (embeddings, "openai", "text-embedding-3-small"),
    "anthropic": (anthropic, "anthropic", "claude-haiku-4-5-20251001"),
    "gemini-key-request": (gemini, "google", "gemini-2.5-flash-lite"),
    "gemini-request-only": (gemini_keyless, "google", "gemini-2.5-flash-lite"),
}


def batch_file(tmp_path: Path, name: str) -> Path:
    build = FORMATS[name][0]
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(build(i, t)) + "\n" for i, t in enumerate(TEXTS)), encoding="utf-8")
    return path


def cli_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_front_end_reads_the_file_as_the_same_batch_file(tmp_path: Path, name: str) -> None:
    path = batch_file(tmp_path, name)
    _, provider, model = FORMATS[name]
    assert detect_batch_format(path) == provider
    assert batch_request_format(path) == provider
    report = read_batch_file(path, model=model)
    assert report.ok, report.issues
    assert report.provider == provider and report.requests == len(TEXTS)
    counted = report.input_tokens
    assert counted > 0

    checked = cli_json("validate-batch", str(path))
    assert checked["ok"] and checked["input_tokens"] == counted and checked["format"] == report.format_name

    # estimate: the file's requests as billed, never "which column?" nor each line's JSON counted
    est = cli_json("estimate", str(path), "--model", model)
    assert est["rows"] == len(TEXTS) and est["input_tokens"] == counted
    assert est["format"] == f"{report.format_name} file"
    lib = estimator.estimate(str(path), model=model)
    assert lib.profile.input_tokens == counted and lib.profile.rows == len(TEXTS)

    plan = cli_json("plan", str(path), "--model", model)
    assert plan["job"]["requests"] == len(TEXTS) and plan["job"]["input_tokens"] == counted
    assert estimator.plan(str(path), model=model).usage.input_tokens == counted


def test_gemini_files_name_no_model_so_the_model_given_counts_them(tmp_path: Path) -> None:
    path = batch_file(tmp_path, "gemini-key-request")
    assert any("name no model" in w for w in read_batch_file(path).warnings)
    assert not any("name no model" in w for w in read_batch_file(path, model="gemini-2.5-flash").warnings)
    result = CliRunner().invoke(main, ["estimate", str(path)])
    assert result.exit_code != 0 and "--model" in result.output and "--column" not in result.output


def test_keyless_gemini_lines_are_valid_and_say_how_results_match(tmp_path: Path) -> None:
    report = read_batch_file(batch_file(tmp_path, "gemini-request-only"))
    assert report.ok
    assert any('no "key"' in w for w in report.warnings)
    assert report.ids == ["", "", ""]


def test_a_gemini_file_mixing_keyed_and_keyless_lines_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(gemini(1, "a")) + "\n" + json.dumps(gemini_keyless(2, "b")) + "\n", encoding="utf-8")
    report = read_batch_file(path)
    assert [i.line for i in report.issues] == [2] and "key" in report.issues[0].message


@pytest.mark.parametrize(
    "row",
    [{"request": "GET /index.html", "status": 200}, {"request": {"path": "/", "method": "GET"}},
     {"key": "a", "value": "b"}],
    ids=["log-line", "request-object-without-contents", "key-value"],
)
def test_data_with_request_or_key_columns_is_not_a_gemini_batch(tmp_path: Path, row: dict[str, Any]) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert detect_batch_format(path) is None


def test_a_gemini_count_of_the_request_json_is_gone(tmp_path: Path) -> None:
    """Counting each line's JSON text (the old fallback) gives far more than the requests' text."""
    path = batch_file(tmp_path, "gemini-key-request")
    est = cli_json("estimate", str(path), "--model", "gemini-2.5-flash")
    as_data = cli_json("estimate", str(path), "--model", "gemini-2.5-flash", "--format", "jsonl",
                       "--column", "request")
    assert est["input_tokens"] < as_data["input_tokens"]
