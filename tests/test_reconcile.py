"""Reconciling finished batches: fixtures built from the providers' documented result shapes.

Every expected cost is written out as hand arithmetic from the prices the test
also pins, so a changed price or a changed billing rule fails here.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from estimator import load_pricebook, reconcile
from estimator.batch import read_batch_file
from estimator.batch.outputs import load_output_profile, output_profile
from estimator.batch.results import read_results
from estimator.cli import main
from estimator.pricing.rates import rates

DAY = dt.date(2025, 11, 1)
M = Decimal(1_000_000)


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows), encoding="utf-8")
    return path


def _pin(model: str, **expected: str) -> None:
    """The prices the hand arithmetic below uses are the book's (a batch price: the provider's rule applied)."""
    price = load_pricebook().price(model, DAY)
    batch = rates(price, "batch") if price.batch_offered else {}
    for name, value in expected.items():
        got = batch.get(name.removeprefix("batch_")) if name.startswith("batch_") else getattr(price, name)
        assert got == Decimal(value), (model, name)


# --------------------------------------------------------------------------
# OpenAI /v1/chat/completions with cached and reasoning tokens
# --------------------------------------------------------------------------


def _chat_request(cid: str, text: str, model: str = "o4-mini") -> dict[str, Any]:
    return {"custom_id": cid, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": model, "messages": [{"role": "user", "content": text}], "max_completion_tokens": 500}}


def _openai_ok(cid: str, usage: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"batch_req_{cid}", "custom_id": cid,
            "response": {"status_code": 200, "request_id": f"req_{cid}",
                         "body": {"id": "chatcmpl-x", "object": "chat.completion", "created": 1761955200,
                                  "model": "o4-mini-2025-04-16", "choices": [], "usage": usage}},
            "error": None}


def _openai_http_error(cid: str, status: int, etype: str, message: str) -> dict[str, Any]:
    return {"id": f"batch_req_{cid}", "custom_id": cid,
            "response": {"status_code": status, "request_id": f"req_{cid}",
                         "body": {"error": {"message": message, "type": etype, "param": None, "code": None}}},
            "error": None}


@pytest.fixture
def openai_chat(tmp_path: Path) -> dict[str, Path]:
    requests = _jsonl(tmp_path / "chat.jsonl", [_chat_request(f"a{i}", f"question number {i}") for i in range(1, 7)])
    results = _jsonl(tmp_path / "chat-output.jsonl", [
        _openai_ok("a2", {"prompt_tokens": 2000, "completion_tokens": 100, "total_tokens": 2100,
                          "prompt_tokens_details": {"cached_tokens": 0},
                          "completion_tokens_details": {"reasoning_tokens": 64}}),
        _openai_ok("a1", {"prompt_tokens": 1000, "completion_tokens": 300, "total_tokens": 1300,
                          "prompt_tokens_details": {"cached_tokens": 400},
                          "completion_tokens_details": {"reasoning_tokens": 200}}),
        _openai_ok("zz", {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}),
    ])
    errors = _jsonl(tmp_path / "chat-errors.jsonl", [
        _openai_http_error("a3", 500, "server_error", "The server had an error"),
        _openai_http_error("a4", 400, "invalid_request_error", "Invalid 'messages': empty content"),
        {"id": "batch_req_a5", "custom_id": "a5", "response": None,
         "error": {"code": "batch_expired", "message": "This request could not be executed before the "
                   "completion window expired."}},
    ])
    return {"requests": requests, "results": results, "errors": errors}


def test_openai_chat_actual_cost_is_hand_arithmetic(openai_chat: dict[str, Path], tmp_path: Path) -> None:
    _pin("o4-mini", batch_input_per_mtok="0.55", batch_cached_input_per_mtok="0.55", batch_output_per_mtok="2.2")
    rec = reconcile(openai_chat["requests"], openai_chat["results"], openai_chat["errors"], as_of=DAY,
                    retry_to=tmp_path / "retry")
    # a1: 600 uncached + 400 cached at the batch cached price, 300 output (200 of them reasoning)
    a1 = (600 * Decimal("0.55") + 400 * Decimal("0.55") + 300 * Decimal("2.2")) / M
    a2 = (2000 * Decimal("0.55") + 100 * Decimal("2.2")) / M
    assert rec.actual.cost == a1 + a2 == Decimal("0.00253")
    assert (rec.actual.input_tokens, rec.actual.cached_input_tokens) == (3000, 400)
    assert (rec.actual.output_tokens, rec.actual.reasoning_tokens) == (400, 264)
    assert rec.succeeded == ("a1", "a2")
    assert [(f.id, f.reason, f.retryable) for f in rec.failed] == [
        ("a3", "server_error", True), ("a4", "invalid_request_error", False)]
    assert rec.expired == ("a5",) and rec.canceled == () and rec.missing == ("a6",)
    assert rec.unknown_ids == ("zz",)


def test_openai_chat_estimate_is_for_exactly_the_succeeded_requests(openai_chat: dict[str, Path]) -> None:
    report = read_batch_file(openai_chat["requests"])
    rec = reconcile(openai_chat["requests"], openai_chat["results"], openai_chat["errors"], as_of=DAY,
                    output_tokens=150)
    est_in = report.per_request_input[0] + report.per_request_input[1]
    assert rec.estimated.input_tokens == est_in
    assert rec.estimated.output_tokens == 300
    assert rec.estimated.cost == (est_in * Decimal("0.55") + 300 * Decimal("2.2")) / M
    by_id = {r.id: r for r in rec.per_request}
    assert by_id["a1"].actual_output == 300 and by_id["a1"].estimated_output == 150
    assert rec.most_off(1)[0].id == "a2"  # 2000 input tokens against a handful estimated


def test_retry_file_holds_exactly_the_retryable_requests_byte_for_byte(
    openai_chat: dict[str, Path], tmp_path: Path
) -> None:
    rec = reconcile(openai_chat["requests"], openai_chat["results"], openai_chat["errors"], as_of=DAY,
                    retry_to=tmp_path / "out" / "retry")
    original = openai_chat["requests"].read_bytes().splitlines(keepends=True)
    assert rec.retry.ids == ("a3", "a5", "a6")
    assert len(rec.retry.files) == 1 and rec.retry.valid is True
    assert rec.retry.files[0].read_bytes() == original[2] + original[4] + original[5]
    assert read_batch_file(rec.retry.files[0]).ok
    assert [f.id for f in rec.not_retried] == ["a4"]
    assert rec.retry.estimated_cost > 0


def test_retry_file_is_split_under_the_providers_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [_chat_request(f"b{i}", "x" * 50) for i in range(5)]
    requests = _jsonl(tmp_path / "many.jsonl", rows)
    results = _jsonl(tmp_path / "out.jsonl", [
        {"id": "x", "custom_id": "b0", "response": None, "error": {"code": "batch_expired", "message": "expired"}}])
    from estimator.batch import reconciliation as module

    real = module.read_batch_file

    def small_limits(path: Any, **kw: Any) -> Any:
        from dataclasses import replace

        return replace(real(path, **kw), max_requests=2)

    monkeypatch.setattr(module, "read_batch_file", small_limits)
    rec = reconcile(requests, results, as_of=DAY, retry_to=tmp_path / "retry")
    assert [len(p.read_bytes().splitlines()) for p in rec.retry.files] == [2, 2, 1]
    assert b"".join(p.read_bytes() for p in rec.retry.files) == requests.read_bytes()


# --------------------------------------------------------------------------
# OpenAI /v1/responses and /v1/embeddings usage shapes
# --------------------------------------------------------------------------


def test_openai_responses_usage(tmp_path: Path) -> None:
    _pin("gpt-4o-mini", batch_input_per_mtok="0.075", batch_cached_input_per_mtok="0.075",
         batch_output_per_mtok="0.3")
    requests = _jsonl(tmp_path / "resp.jsonl", [
        {"custom_id": "r1", "method": "POST", "url": "/v1/responses",
         "body": {"model": "gpt-4o-mini", "input": "hello there", "max_output_tokens": 100}}])
    results = _jsonl(tmp_path / "resp-out.jsonl", [
        {"id": "b1", "custom_id": "r1", "error": None,
         "response": {"status_code": 200, "request_id": "q", "body": {
             "id": "resp_1", "object": "response", "created_at": 1761955200, "model": "gpt-4o-mini",
             "usage": {"input_tokens": 500, "input_tokens_details": {"cached_tokens": 200}, "output_tokens": 50,
                       "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 550}}}}])
    rec = reconcile(requests, results, as_of=DAY)
    assert rec.actual.cost == (300 * Decimal("0.075") + 200 * Decimal("0.075") + 50 * Decimal("0.3")) / M
    assert rec.actual.cached_input_tokens == 200


def test_openai_embeddings_usage(tmp_path: Path) -> None:
    _pin("text-embedding-3-small", input_per_mtok="0.02")
    requests = _jsonl(tmp_path / "emb.jsonl", [
        {"custom_id": f"e{i}", "method": "POST", "url": "/v1/embeddings",
         "body": {"model": "text-embedding-3-small", "input": f"text {i}"}} for i in range(2)])
    results = _jsonl(tmp_path / "emb-out.jsonl", [
        {"id": "b", "custom_id": "e0", "error": None, "response": {"status_code": 200, "request_id": "q", "body": {
            "object": "list", "data": [], "model": "text-embedding-3-small",
            "usage": {"prompt_tokens": 1000, "total_tokens": 1000}}}}])
    rec = reconcile(requests, results, as_of=DAY)
    assert rec.actual.cost == 1000 * Decimal("0.02") * Decimal("0.5") / M  # batch: half of standard
    assert rec.actual.output_tokens == 0 and rec.estimated.output_tokens == 0
    assert rec.missing == ("e1",)


# --------------------------------------------------------------------------
# Anthropic Message Batches
# --------------------------------------------------------------------------


def _claude_request(cid: str) -> dict[str, Any]:
    return {"custom_id": cid, "params": {"model": "claude-sonnet-4-5", "max_tokens": 1024,
                                        "messages": [{"role": "user", "content": f"Hello {cid}"}]}}


def test_anthropic_results(tmp_path: Path) -> None:
    _pin("claude-sonnet-4-5", input_per_mtok="3", cached_input_per_mtok="0.3", cache_write_per_mtok="3.75",
         batch_input_per_mtok="1.5", batch_output_per_mtok="7.5")
    requests = _jsonl(tmp_path / "claude.jsonl", [_claude_request(f"c{i}") for i in range(1, 7)])
    usage = {"input_tokens": 100, "cache_creation_input_tokens": 500, "cache_read_input_tokens": 1000,
             "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 200},
             "output_tokens": 400}
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
               "content": [{"type": "text", "text": "Hi"}], "stop_reason": "end_turn", "usage": usage}
    results = _jsonl(tmp_path / "claude-results.jsonl", [
        {"custom_id": "c2", "result": {"type": "errored", "error": {"type": "error", "error": {
            "type": "invalid_request_error", "message": "max_tokens: Field required"}}}},
        {"custom_id": "c1", "result": {"type": "succeeded", "message": message}},
        {"custom_id": "c3", "result": {"type": "errored", "error": {"type": "error", "error": {
            "type": "overloaded_error", "message": "Overloaded"}}}},
        {"custom_id": "c4", "result": {"type": "canceled"}},
        {"custom_id": "c5", "result": {"type": "expired"}},
    ])
    rec = reconcile(requests, results, as_of=DAY, retry_to=tmp_path / "retry")
    # batch discount on every class: cache read 0.3/2, 5-minute write 3.75/2, 1-hour write 2 x 3 / 2
    expected = (100 * Decimal("1.5") + 1000 * Decimal("0.15") + 300 * Decimal("1.875") + 200 * Decimal(3)
                + 400 * Decimal("7.5")) / M
    assert rec.actual.cost == expected == Decimal("0.0044625")
    assert rec.actual.input_tokens == 1600 and rec.actual.cached_input_tokens == 1000
    assert rec.actual.cache_write_tokens == 500
    assert [(f.id, f.retryable) for f in rec.failed] == [("c2", False), ("c3", True)]
    assert rec.canceled == ("c4",) and rec.expired == ("c5",) and rec.missing == ("c6",)
    original = requests.read_bytes().splitlines(keepends=True)
    assert rec.retry.files[0].read_bytes() == b"".join(original[i] for i in (2, 3, 4, 5))
    assert rec.retry.valid


def test_anthropic_standard_mode_has_no_discount(tmp_path: Path) -> None:
    requests = _jsonl(tmp_path / "claude.jsonl", [_claude_request("c1")])
    results = _jsonl(tmp_path / "r.jsonl", [{"custom_id": "c1", "result": {"type": "succeeded", "message": {
        "model": "claude-sonnet-4-5", "usage": {"input_tokens": 10, "output_tokens": 20,
                                                "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}}])
    rec = reconcile(requests, results, as_of=DAY, mode="standard")
    assert rec.actual.cost == (10 * Decimal(3) + 20 * Decimal(15)) / M


# --------------------------------------------------------------------------
# Gemini Batch API
# --------------------------------------------------------------------------


def _gemini_request(key: str) -> dict[str, Any]:
    return {"key": key, "request": {"contents": [{"role": "user", "parts": [{"text": f"Tell me about {key}"}]}],
                                    "generationConfig": {"maxOutputTokens": 800}}}


def test_gemini_request_file_validates_and_counts(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "g.jsonl", [_gemini_request("k1"), _gemini_request("k1"),
                                         {"key": "k3", "request": {"contents": []}}])
    report = read_batch_file(path)
    assert report.provider == "google" and not report.exact
    assert any("duplicate key 'k1'" in i.message for i in report.issues)
    assert any(i.line == 3 and "contents" in i.message for i in report.issues)
    good = read_batch_file(_jsonl(tmp_path / "ok.jsonl", [_gemini_request("k1")]))
    assert good.ok and good.max_output_tokens == 800 and good.input_tokens > 0


def test_gemini_results(tmp_path: Path) -> None:
    _pin("gemini-2.5-flash", batch_input_per_mtok="0.15", batch_output_per_mtok="1.25",
         batch_cached_input_per_mtok="0.03")
    requests = _jsonl(tmp_path / "g.jsonl", [_gemini_request(f"k{i}") for i in range(1, 5)])
    results = _jsonl(tmp_path / "g-out.jsonl", [
        {"key": "k1", "response": {"candidates": [{"content": {"parts": [{"text": "..."}], "role": "model"}}],
                                   "modelVersion": "gemini-2.5-flash",
                                   "usageMetadata": {"promptTokenCount": 1000, "cachedContentTokenCount": 400,
                                                     "candidatesTokenCount": 100, "thoughtsTokenCount": 300,
                                                     "totalTokenCount": 1400}}},
        {"key": "k2", "error": {"code": 3, "message": "Request contains an invalid argument.",
                                "status": "INVALID_ARGUMENT"}},
        {"key": "k3", "status": {"code": 13, "message": "Internal error", "status": "INTERNAL"}},
    ])
    rec = reconcile(requests, results, as_of=DAY, retry_to=tmp_path / "retry")
    assert rec.model == "gemini-2.5-flash"  # the request file names none: taken from the responses
    # cached tokens at the batch's cached price ($0.03, not half of it: Google's batch cache rule);
    # thoughts bill as output
    assert rec.actual.cost == (600 * Decimal("0.15") + 400 * Decimal("0.03") + 400 * Decimal("1.25")) / M
    assert rec.actual.output_tokens == 400 and rec.actual.reasoning_tokens == 300
    assert [(f.id, f.retryable) for f in rec.failed] == [("k2", False), ("k3", True)]
    assert rec.retry.ids == ("k3", "k4") and rec.retry.valid
    original = requests.read_bytes().splitlines(keepends=True)
    assert rec.retry.files[0].read_bytes() == original[2] + original[3]


# --------------------------------------------------------------------------
# Reading problems, output profiles, CLI
# --------------------------------------------------------------------------


def test_unreadable_result_lines_are_reported_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"custom_id":"a","response":{"status_code":200,"body":{"usage":{"prompt_tokens":1,'
                    '"completion_tokens":1}}},"error":null}\nnot json\n', encoding="utf-8")
    rf = read_results(path)
    assert len(rf.records) == 1 and rf.issues and "line 2" in str(rf.issues[0])


def test_results_of_another_provider_are_refused(openai_chat: dict[str, Path], tmp_path: Path) -> None:
    from estimator.errors import DataError

    other = _jsonl(tmp_path / "claude-results.jsonl", [{"custom_id": "a1", "result": {"type": "expired"}}])
    with pytest.raises(DataError, match="do not belong"):
        reconcile(openai_chat["requests"], other, as_of=DAY)


def test_output_profile_statistics_and_interval(tmp_path: Path) -> None:
    p = output_profile([10, 20, 30, 40, 100], [100, 200, 300, 400, 1000])
    assert (p.p50, p.p95, p.max, p.min) == (30, 100, 100, 10)
    assert p.mean == 40 and p.expected_per_request == 40
    assert p.output_per_input == 0.1 and p.correlation == 1.0
    low, high = p.interval(1000)
    assert low < 40_000 < high
    saved = p.save(tmp_path / "profile.json")
    assert load_output_profile(saved) == p


def test_cli_json_has_the_documented_keys(openai_chat: dict[str, Path], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["reconcile", str(openai_chat["requests"]), str(openai_chat["results"]),
                                       str(openai_chat["errors"]), "--as-of", "2025-11-01", "--json",
                                       "--retry-file", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("requests", "succeeded", "failed", "expired", "canceled", "missing", "unknown_ids", "actual",
                "estimated", "retry"):
        assert key in data
    for side in ("actual", "estimated"):
        assert set(data[side]) >= {"input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens",
                                   "cost"}
        assert isinstance(data[side]["cost"], str)
    assert data["actual"]["cost"] == "0.00253"
    assert data["retry"]["path"] == str(tmp_path / "again-001.jsonl")
    assert Decimal(data["retry"]["cost"]) > 0
    assert (data["requests"], data["succeeded"], data["failed"], data["expired"], data["missing"]) == (6, 2, 2, 1, 1)
    # the notes name settings as the command line does, in JSON as in text
    assert any("--output-tokens" in n for n in data["notes"])
    assert not any("output_tokens=" in n for n in data["notes"])
    check = CliRunner().invoke(main, ["validate-batch", data["retry"]["path"]])
    assert check.exit_code == 0, check.output


def test_pilot_workflow_estimate_uses_measured_output(openai_chat: dict[str, Path], tmp_path: Path) -> None:
    profile = tmp_path / "outputs.json"
    run = CliRunner().invoke(main, ["reconcile", str(openai_chat["requests"]), str(openai_chat["results"]),
                                    str(openai_chat["errors"]), "--as-of", "2025-11-01", "--no-retry-file",
                                    "--save-outputs", str(profile)])
    assert run.exit_code == 0, run.output
    rest = _jsonl(tmp_path / "rest.jsonl", [_chat_request(f"n{i}", f"another question {i}") for i in range(10)])
    est = CliRunner().invoke(main, ["estimate", str(rest), "--output-from", str(profile), "--json",
                                    "--no-progress"])
    assert est.exit_code == 0, est.output
    data = json.loads(est.stdout)
    assert data["output_tokens"] == 10 * 200  # mean of 300 and 100 measured output tokens
    assert any("95% interval" in n for n in data["notes"])
    both = CliRunner().invoke(main, ["estimate", str(rest), "--output-from", str(profile), "--output-tokens", "3"])
    assert both.exit_code == 2


def test_the_token_table_keeps_wide_figures_apart(openai_chat: dict[str, Path]) -> None:
    """Totals of a big batch (tens of millions of tokens) stay separate columns in the text."""
    from dataclasses import replace

    rec = reconcile(openai_chat["requests"], openai_chat["results"], openai_chat["errors"], as_of=DAY)
    big = replace(rec, actual=replace(rec.actual, input_tokens=26_000_000, cached_input_tokens=12_800_000,
                                      output_tokens=920_926_778, cost=Decimal("1234567.89")))
    lines = big.to_text().splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["input", "tok"])
    actual = lines[head + 2].split()
    assert actual[:5] == ["actual", "26,000,000", "12,800,000", "920,926,778", "264"]
    assert len(actual) == 6 and actual[5].startswith("$1,234,567.89")
    assert len({len(lines[head]), len(lines[head + 1]), len(lines[head + 2])}) == 1  # columns line up
