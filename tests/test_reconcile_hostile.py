"""Hostile result files and saved output profiles: a request that ran is never sent again, a bad
usage is reported by file, line and field and priced as unknown (never $0), and nothing crashes.

The shapes are the providers' documented result lines (see tests/test_reconcile.py); the values are
the mistakes real files carry: negative, text, ``43.0``, ``true``, NaN, Infinity, null, thousands of
digits, cached above prompt, a count beyond the model's context window.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from estimator import reconcile
from estimator.batch import load_output_profile, read_results
from estimator.batch import results as results_module
from estimator.batch.outputs import output_profile
from estimator.cli import main
from estimator.errors import DataError, UsageError

DAY = dt.date(2026, 12, 1)

# Raw JSON text of a usage value: what json.dumps cannot write (NaN, Infinity, huge integers) included.
BAD_VALUES = {
    "negative": "-5",
    "text": '"12"',
    "decimal": "43.0",
    "true": "true",
    "null": "null",
    "nan": "NaN",
    "infinity": "Infinity",
    "minus-infinity": "-Infinity",
    "huge": "9" * 5_000,
    "list": "[1]",
    "object": '{"n": 1}',
    "beyond-max": str(10**15 + 1),
}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _requests(path: Path, provider: str, n: int) -> Path:
    rows: list[dict[str, Any]]
    if provider == "openai":
        rows = [{"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
                 "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"q {i}"}],
                          "max_tokens": 100}} for i in range(n)]
    elif provider == "anthropic":
        rows = [{"custom_id": f"r{i}", "params": {"model": "claude-sonnet-4-5", "max_tokens": 100,
                                                  "messages": [{"role": "user", "content": f"q {i}"}]}}
                for i in range(n)]
    else:
        rows = [{"key": f"r{i}", "request": {"contents": [{"role": "user", "parts": [{"text": f"q {i}"}]}],
                                            "generationConfig": {"maxOutputTokens": 100}}} for i in range(n)]
    return _write(path, [json.dumps(r) for r in rows])


def _ok_line(provider: str, cid: str, prompt: str, output: str = "10") -> str:
    """A line that says the request ran, with ``prompt`` as the raw JSON of its input tokens."""
    if provider == "openai":
        line = {"id": "b", "custom_id": cid, "error": None, "response": {"status_code": 200, "request_id": "q", "body": {
            "model": "gpt-4o-mini", "created": 1764547200,
            "usage": {"prompt_tokens": "PROMPT", "completion_tokens": "OUTPUT"}}}}
    elif provider == "anthropic":
        line = {"custom_id": cid, "result": {"type": "succeeded", "message": {
            "model": "claude-sonnet-4-5", "usage": {"input_tokens": "PROMPT", "output_tokens": "OUTPUT"}}}}
    else:
        line = {"key": cid, "response": {"modelVersion": "gemini-2.5-flash", "usageMetadata": {
            "promptTokenCount": "PROMPT", "candidatesTokenCount": "OUTPUT"}}}
    return json.dumps(line, separators=(",", ":")).replace('"PROMPT"', prompt).replace('"OUTPUT"', output)


PROVIDERS = ("openai", "anthropic", "google")


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("bad", list(BAD_VALUES))
def test_a_request_that_ran_with_a_bad_usage_is_unknown_never_missing_nor_free(
        tmp_path: Path, provider: str, bad: str) -> None:
    requests = _requests(tmp_path / "requests.jsonl", provider, 2)
    results = _write(tmp_path / "results.jsonl", [_ok_line(provider, "r0", "100"),
                                                  _ok_line(provider, "r1", BAD_VALUES[bad])])
    rec = reconcile(requests, results, as_of=DAY, model="gemini-2.5-flash" if provider == "google" else None,
                    retry_to=tmp_path / "retry")
    assert rec.succeeded == ("r0", "r1") and rec.missing == ()
    assert rec.retry.ids == () and rec.retry.files == ()  # never sent again: it would be billed twice
    assert rec.unknown.requests == 1 and rec.unknown.low > 0 and rec.unknown.high is not None
    (item,) = rec.unknown.items
    assert (item.path, item.line, item.id) == (str(results), 2, "r1")
    field = {"openai": "response.body.usage.prompt_tokens", "anthropic": "result.message.usage.input_tokens",
             "google": "response.usageMetadata.promptTokenCount"}[provider]
    assert item.field == field, item
    assert rec.actual.requests == 1  # the known one only, never the bad one at 0 tokens
    assert rec.attribution.share("unreadable_lines") < 0
    json.dumps(rec.to_json())
    assert "cannot be read" in rec.to_text()
    if rec.outputs is not None:
        assert rec.outputs.requests == 1  # the unknown usage is not measured as 0 tokens


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("usage", ["missing", "null", "string", "list"])
def test_a_missing_or_malformed_usage_object_is_unknown(tmp_path: Path, provider: str, usage: str) -> None:
    line = json.loads(_ok_line(provider, "r0", "1"))
    holder = {"openai": lambda d: d["response"]["body"], "anthropic": lambda d: d["result"]["message"],
              "google": lambda d: d["response"]}[provider](line)
    key = "usageMetadata" if provider == "google" else "usage"
    if usage == "missing":
        del holder[key]
    else:
        holder[key] = {"null": None, "string": "100 tokens", "list": [1, 2]}[usage]
    rec = reconcile(_requests(tmp_path / "q.jsonl", provider, 1), _write(tmp_path / "o.jsonl", [json.dumps(line)]),
                    as_of=DAY, model="gemini-2.5-flash" if provider == "google" else None)
    assert rec.succeeded == ("r0",) and rec.retry.ids == () and rec.unknown.requests == 1
    assert rec.actual.cost == 0 and rec.unknown.low > 0
    assert rec.unknown.items[0].field and rec.unknown.items[0].field.endswith(key)


@pytest.mark.parametrize("detail", ["cached-above-prompt", "reasoning-above-completion", "write-above-prompt"])
def test_parts_larger_than_their_whole_are_unknown(tmp_path: Path, detail: str) -> None:
    usage = {"prompt_tokens": 100, "completion_tokens": 10}
    if detail == "cached-above-prompt":
        usage["prompt_tokens_details"] = {"cached_tokens": 900}  # type: ignore[assignment]
    elif detail == "reasoning-above-completion":
        usage["completion_tokens_details"] = {"reasoning_tokens": 11}  # type: ignore[assignment]
    else:
        usage["prompt_tokens_details"] = {"cached_tokens": 50, "cache_write_tokens": 51}  # type: ignore[assignment]
    line = {"custom_id": "r0", "error": None,
            "response": {"status_code": 200, "body": {"model": "gpt-4o-mini", "usage": usage}}}
    rec = reconcile(_requests(tmp_path / "q.jsonl", "openai", 1), _write(tmp_path / "o.jsonl", [json.dumps(line)]),
                    as_of=DAY)
    assert rec.unknown.requests == 1 and rec.retry.ids == () and "exceed" in rec.unknown.items[0].message


def test_a_count_beyond_the_context_window_is_not_a_bill(tmp_path: Path) -> None:
    requests = _requests(tmp_path / "q.jsonl", "openai", 1)
    rec = reconcile(requests, _write(tmp_path / "o.jsonl", [_ok_line("openai", "r0", str(10**15))]), as_of=DAY)
    assert rec.actual.cost == 0 and rec.unknown.requests == 1 and rec.retry.ids == ()
    assert "context window of 128,000" in rec.unknown.items[0].message


@pytest.mark.parametrize("damage", ["cut-short", "not-json", "unknown-type", "bad-utf8"])
def test_an_unreadable_line_that_names_its_request_is_not_sent_again(tmp_path: Path, damage: str) -> None:
    whole = _ok_line("anthropic", "r1", "10")
    line = {"cut-short": whole[:60], "not-json": '{"custom_id":"r1", result: succeeded}',
            "unknown-type": '{"custom_id":"r1","result":{"type":"teleported"}}',
            "bad-utf8": '{"custom_id":"r1","result":{"type":"succeeded","message":{"usage":"\udcff"}}}'}[damage]
    results = tmp_path / "o.jsonl"
    raw = (_ok_line("anthropic", "r0", "10") + "\n").encode() + line.encode("utf-8", "surrogateescape") + b"\n"
    results.write_bytes(raw)
    rec = reconcile(_requests(tmp_path / "q.jsonl", "anthropic", 3), results, as_of=DAY)
    assert rec.unreadable_ids == ("r1",) and rec.missing == ("r2",)
    assert rec.retry.ids == ("r2",)  # the unreadable one may have run: it is not sent again
    assert rec.unknown.requests == 1 and rec.unknown.low == 0  # it may not have run either
    assert any("line 2" in u for u in rec.unreadable)


def test_a_line_longer_than_the_limit_is_reported_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(results_module, "MAX_LINE_BYTES", 200)
    long = _ok_line("openai", "r1", "10").replace('"request_id":"q"', '"request_id":"' + "x" * 500 + '"')
    path = _write(tmp_path / "o.jsonl", [_ok_line("openai", "r0", "10"), long, _ok_line("openai", "r2", "10")])
    rf = read_results(path)
    assert [r.outcome for r in rf.records] == ["succeeded", "unreadable", "succeeded"]
    assert rf.issues[0].line == 2 and "not read" in rf.issues[0].message


def test_issues_are_bounded_and_counted(tmp_path: Path) -> None:
    path = _write(tmp_path / "o.jsonl", [_ok_line("openai", "r0", "1")] + ["not json"] * 120)
    rf = read_results(path)
    assert len(rf.issues) == results_module.MAX_ISSUES and rf.issues_not_shown == 120 - results_module.MAX_ISSUES


@pytest.mark.parametrize("case", ["all-expired", "empty-file", "another-batch", "only-errors"])
def test_no_request_succeeded_and_json_still_works(tmp_path: Path, case: str) -> None:
    requests = _requests(tmp_path / "q.jsonl", "openai", 3)
    lines = {
        "all-expired": [json.dumps({"custom_id": f"r{i}", "response": None,
                                    "error": {"code": "batch_expired", "message": "expired"}}) for i in range(3)],
        "empty-file": [],
        "another-batch": [_ok_line("openai", "zz", "10")],
        "only-errors": [json.dumps({"custom_id": "r0", "response": {"status_code": 400, "body": {
            "error": {"message": "bad", "type": "invalid_request_error"}}}, "error": None})],
    }[case]
    results = tmp_path / "o.jsonl"
    results.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    rec = reconcile(requests, results, as_of=DAY)
    doc = json.loads(json.dumps(rec.to_json()))
    assert doc["actual"]["cost"] == "0" and doc["outputs"] is None and doc["per_request"] == []
    assert rec.to_text() and rec.table() == [] and rec.error_distribution()["cost"]["p50"] == 0
    run = CliRunner().invoke(main, ["reconcile", str(requests), str(results), "--as-of", "2026-12-01", "--json",
                                    "--no-retry-file"])
    assert run.exit_code == 0, run.output
    if case == "empty-file":
        assert any("hold no result" in n for n in rec.notes)


# --------------------------------------------------------------------------
# Saved output profiles
# --------------------------------------------------------------------------


def _profile(tmp_path: Path, **changes: Any) -> Path:
    doc = output_profile([10, 20, 30], [100, 200, 300], source="pilot.jsonl").to_json()
    raw = json.dumps({**doc, **{k: v for k, v in changes.items() if not isinstance(v, RawJson)}})
    for k, v in changes.items():
        if isinstance(v, RawJson):
            raw = raw[:-1] + f', "{k}": {v}}}' if k not in doc else raw.replace(f'"{k}": {json.dumps(doc[k])}',
                                                                              f'"{k}": {v}')
    path = tmp_path / "profile.json"
    path.write_text(raw, encoding="utf-8")
    return path


class RawJson(str):
    """A JSON value written as is (NaN, Infinity, thousands of digits)."""


@pytest.mark.parametrize(("field", "value"), [
    ("mean", "twenty"), ("mean", RawJson("NaN")), ("mean", RawJson("Infinity")), ("mean", -5),
    ("stdev", -1), ("stdev", RawJson("NaN")), ("requests", -3), ("requests", 0), ("requests", 2.5),
    ("requests", RawJson("9" * 5_000)), ("p95", True), ("max", "100"), ("source", "pilot\nnote: forged"),
    ("model", 12), ("reasoning_share", 3), ("correlation", -2), ("output_per_input", -1),
    ("mean", 10_000),  # above the max measured
])
def test_a_hostile_saved_profile_is_an_error_naming_the_field(tmp_path: Path, field: str, value: Any) -> None:
    path = _profile(tmp_path, **{field: value})
    with pytest.raises(DataError) as caught:
        load_output_profile(path)
    assert str(path) in str(caught.value)
    assert caught.value.field == field or field in str(caught.value)


def test_a_profile_with_fields_missing_or_unknown_is_refused(tmp_path: Path) -> None:
    doc = output_profile([10, 20], source="x").to_json()
    del doc["mean"]
    doc["surprise"] = 1
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError, match="unknown field.*surprise.*missing field.*mean"):
        load_output_profile(path)


def test_a_profile_cannot_be_built_with_impossible_figures() -> None:
    p = output_profile([10, 20], source="x")
    with pytest.raises(UsageError):
        type(p)(**{**p.__dict__, "stdev": -1.0})
    with pytest.raises(UsageError):
        type(p)(**{**p.__dict__, "source": "a\nnote: b"})


def test_output_from_a_result_file_leaves_unknown_usages_out(tmp_path: Path) -> None:
    path = _write(tmp_path / "o.jsonl", [_ok_line("openai", "r0", "100", "40"), _ok_line("openai", "r1", "-1", "0"),
                                          _ok_line("openai", "r2", "100", "60")])
    p = load_output_profile(path)
    assert p.requests == 2 and p.mean == 50  # never 0 tokens per answer from a bad line
    bad = _write(tmp_path / "bad.jsonl", [_ok_line("openai", "r1", '"x"', "0")])
    with pytest.raises(DataError, match="no answered request with usage"):
        load_output_profile(bad)


def test_estimate_with_a_hostile_profile_exits_with_a_message(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("text\nhello\n", encoding="utf-8")
    path = _profile(tmp_path, mean=RawJson("NaN"))
    run = CliRunner().invoke(main, ["estimate", str(data), "--column", "text", "--model", "gpt-4o-mini",
                                    "--output-from", str(path), "--no-progress"])
    assert run.exit_code == 1 and "mean" in run.output and "Traceback" not in run.output
