"""write-batch writes every endpoint, with tools, a response schema and reasoning settings, and
validate-batch and estimate read each file it writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import estimator
from estimator.batch import BatchFileOptions, Manifest, read_batch_file
from estimator.batch.bodies import RequestExtras
from estimator.batch.writer import format_for
from estimator.cli import main
from estimator.errors import DataError, UsageError

SCHEMA = {"type": "object", "properties": {"label": {"type": "string", "enum": ["good", "bad"]}},
          "required": ["label"], "additionalProperties": False}
FUNCTION = {"name": "lookup", "description": "Look up a product", "parameters": {
    "type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]}}
CHAT_TOOL = {"type": "function", "function": FUNCTION}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "reviews.csv"
    path.write_text('id,review\n1,"Great, works well"\n2,Broke after a day\n', encoding="utf-8")
    return path


def lines(manifest: Manifest) -> list[dict[str, Any]]:
    return [json.loads(x) for f in manifest.files for x in f.path.read_text(encoding="utf-8").splitlines()]


def write(data: Path, prefix: str, model: str, **options: Any) -> Manifest:
    return estimator.write_batch(data, data.parent / prefix, model=model, column="review", system="Classify.",
                                 options=BatchFileOptions(**options))


def test_responses_body(data: Path) -> None:
    m = write(data, "resp", "gpt-5.4", endpoint="/v1/responses", max_tokens=50, tools=[CHAT_TOOL, {"type": "web_search"}],
              response_schema=SCHEMA, reasoning_effort="low")
    assert m.url == "/v1/responses" and m.format == "openai-responses"
    first = lines(m)[0]
    assert first["url"] == "/v1/responses"
    assert first["body"] == {
        "model": "gpt-5.4", "instructions": "Classify.", "input": "Great, works well", "max_output_tokens": 50,
        "tools": [{"type": "function", **FUNCTION}, {"type": "web_search"}],
        "text": {"format": {"type": "json_schema", "name": "response", "schema": SCHEMA, "strict": True}},
        "reasoning": {"effort": "low"},
    }
    report = read_batch_file(m.files[0].path)
    assert report.ok and report.url == "/v1/responses" and report.max_output_tokens == 100
    # tools and the schema are part of what each request bills
    plain = read_batch_file(write(data, "plain", "gpt-5.4", endpoint="/v1/responses", max_tokens=50).files[0].path)
    assert report.input_tokens > plain.input_tokens


def test_chat_body_with_a_named_schema_and_reasoning(data: Path) -> None:
    named = {"name": "verdict", "schema": SCHEMA, "strict": False}
    m = write(data, "chat", "gpt-5.4", max_tokens=40, tools=[FUNCTION], response_schema=named,
              reasoning_effort="high")
    body = lines(m)[0]["body"]
    assert body["messages"] == [{"role": "system", "content": "Classify."}, {"role": "user", "content": "Great, works well"}]
    assert body["max_completion_tokens"] == 40 and "max_tokens" not in body  # reasoning models refuse max_tokens
    assert body["tools"] == [CHAT_TOOL]
    assert body["response_format"] == {"type": "json_schema", "json_schema": {"name": "verdict", "schema": SCHEMA,
                                                                               "strict": False}}
    assert body["reasoning_effort"] == "high"
    assert read_batch_file(m.files[0].path).ok


def test_embeddings_endpoint(data: Path) -> None:
    m = estimator.write_batch(data, data.parent / "emb", model="text-embedding-3-small", column="review",
                              options=BatchFileOptions(endpoint="/v1/embeddings"))
    assert lines(m)[0]["body"] == {"model": "text-embedding-3-small", "input": "Great, works well"}
    assert read_batch_file(m.files[0].path).ok


def test_anthropic_params(data: Path) -> None:
    m = write(data, "claude", "claude-sonnet-4-5", max_tokens=4000, tools=[CHAT_TOOL], response_schema=SCHEMA,
              thinking_budget=2048)
    params = lines(m)[0]["params"]
    assert params["tools"] == [{"name": "lookup", "description": "Look up a product",
                                "input_schema": FUNCTION["parameters"]}]
    assert params["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}
    assert params["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert params["max_tokens"] == 4000 and params["system"] == "Classify."
    assert read_batch_file(m.files[0].path).ok


def test_gemini_request(data: Path) -> None:
    m = write(data, "gem", "gemini-3-flash-preview", max_tokens=100, tools=[CHAT_TOOL, {"googleSearch": {}}],
              response_schema=SCHEMA, reasoning_effort="low")
    line = lines(m)[0]
    assert set(line) == {"key", "request"}
    request = line["request"]
    assert request["contents"] == [{"role": "user", "parts": [{"text": "Great, works well"}]}]
    assert request["systemInstruction"] == {"parts": [{"text": "Classify."}]}
    assert request["tools"] == [{"functionDeclarations": [FUNCTION]}, {"googleSearch": {}}]
    assert request["generationConfig"] == {"maxOutputTokens": 100, "responseMimeType": "application/json",
                                           "responseSchema": SCHEMA, "thinkingConfig": {"thinkingLevel": "low"}}
    report = read_batch_file(m.files[0].path, model="gemini-3-flash-preview")
    assert report.ok and report.provider == "google"
    budget = write(data, "gem2", "gemini-2.5-flash", thinking_budget=512)
    assert lines(budget)[0]["request"]["generationConfig"] == {"thinkingConfig": {"thinkingBudget": 512}}


@pytest.mark.parametrize(
    ("model", "options", "param"),
    [
        ("text-embedding-3-small", {"response_schema": SCHEMA}, "response_schema"),
        ("claude-sonnet-4-5", {"reasoning_effort": "low", "max_tokens": 10}, "reasoning_effort"),
        ("claude-sonnet-4-5", {"thinking_budget": 2048, "max_tokens": 1000}, "thinking_budget"),
        ("claude-sonnet-4-5", {"thinking_budget": 100, "max_tokens": 5000}, "thinking_budget"),
        ("gpt-5.4", {"thinking_budget": 1024}, "thinking_budget"),
        ("claude-sonnet-4-5", {"endpoint": "/v1/responses", "max_tokens": 10}, "endpoint"),
        ("gpt-5.4", {"endpoint": "/v1/embeddings"}, "endpoint"),
        ("gpt-5.4", {"endpoint": "/v1/moderations"}, "endpoint"),
        ("gpt-5.4", {"reasoning_effort": "extreme"}, "reasoning_effort"),
        ("gpt-5.4", {"tools": [{"description": "no name"}]}, "tools"),
        ("gpt-5.4", {"tools": {"name": "x"}}, "tools"),
    ],
    ids=["embeddings-schema", "anthropic-effort", "anthropic-budget-over-max", "anthropic-budget-small",
         "openai-budget", "anthropic-endpoint", "chat-model-embeddings", "unknown-endpoint", "unknown-effort",
         "nameless-tool", "tools-not-a-list"],
)
def test_what_an_endpoint_cannot_carry_is_refused_before_writing(data: Path, model: str, options: dict[str, Any],
                                                                   param: str) -> None:
    with pytest.raises(UsageError) as err:
        estimator.write_batch(data, data.parent / "out", model=model, column="review", options=BatchFileOptions(**options))
    assert err.value.param == param
    assert not list(data.parent.glob("out-*.jsonl"))


def test_format_for_an_endpoint() -> None:
    assert format_for("openai", "chat", "/v1/responses") == "openai-responses"
    assert format_for("openai", "embedding", "/v1/embeddings") == "openai-embeddings"
    assert RequestExtras().empty


def test_cli_writes_every_endpoint_from_files_and_validates_them(data: Path, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    tools = tmp_path / "tools.json"
    tools.write_text(json.dumps({"tools": [CHAT_TOOL]}), encoding="utf-8")
    runner = CliRunner()
    cases = [
        ("gpt-5.4", ["--endpoint", "/v1/responses", "--reasoning-effort", "medium"], "/v1/responses"),
        ("gpt-5.4", ["--endpoint", "/v1/chat/completions"], "/v1/chat/completions"),
        ("claude-sonnet-4-5", ["--thinking-budget", "1024"], None),
        ("gemini-2.5-flash", ["--thinking-budget", "256"], None),
    ]
    for i, (model, extra, url) in enumerate(cases):
        out = tmp_path / f"out{i}"
        result = runner.invoke(main, ["write-batch", str(data), "-m", model, "-c", "review", "--max-tokens", "2000",
                                      "--response-schema", str(schema), "--tools", str(tools), "--out", str(out),
                                      *extra, "--json"])
        assert result.exit_code == 0, result.output
        manifest = json.loads(result.stdout)
        assert manifest["url"] == url
        written = manifest["files"][0]["path"]
        check = runner.invoke(main, ["validate-batch", written, "-m", model, "--json"])
        assert check.exit_code == 0, check.output
        est = runner.invoke(main, ["estimate", written, "-m", model, "--json"])
        assert est.exit_code == 0, est.output
        assert json.loads(est.stdout)["input_tokens"] == json.loads(check.stdout)["input_tokens"]
        again = runner.invoke(main, ["write-batch", str(data), "-m", model, "-c", "review", "--max-tokens", "2000",
                                     "--out", str(out), *extra])
        assert again.exit_code != 0 and "--overwrite" in again.output  # never replaced without it


def test_cli_names_a_bad_json_file(data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "schema.json"
    bad.write_text('{"type": "object",\n "properties": }', encoding="utf-8")
    result = CliRunner().invoke(main, ["write-batch", str(data), "-m", "gpt-5.4", "-c", "review",
                                       "--response-schema", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "schema.json" in result.output and "line 2" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(DataError, match="line 2"):
        BatchFileOptions(response_schema=bad)


def test_help_names_every_format() -> None:
    text = CliRunner().invoke(main, ["write-batch", "--help"]).output
    assert "OpenAI or Anthropic)" not in text
    for word in ("Gemini", "Anthropic", "/v1/responses", "/v1/embeddings", "--response-schema", "--tools",
                 "--reasoning-effort", "--thinking-budget", "--endpoint"):
        assert word in text, word
