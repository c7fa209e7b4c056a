"""A reconciled batch against the provider's own figures: usage and cost exports.

The fixtures are built from the providers' documented schemas (sources beside each builder). The
amounts are hand arithmetic: a matched line is one whose bucket overlaps the run, whose model is a
model of the batch (a dated snapshot is its model) and whose tier is the batch's.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from estimator import reconcile
from estimator.batch import ReconcileOptions
from estimator.batch.billing import read_billing
from estimator.cli import main

M = Decimal(1_000_000)
DAY = dt.date(2025, 12, 1)
START = 1764547200  # 2025-12-01T00:00:00Z
DAY_S = 86_400


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def openai_batch(tmp_path: Path) -> dict[str, Path]:
    requests = _jsonl(tmp_path / "batch.jsonl", [
        {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
         "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"q {i}"}], "max_tokens": 50}}
        for i in range(2)])
    results = _jsonl(tmp_path / "out.jsonl", [
        {"custom_id": f"r{i}", "error": None, "response": {"status_code": 200, "body": {
            "model": "gpt-4o-mini-2024-07-18", "created": START + 3600,
            "usage": {"prompt_tokens": 1_000, "completion_tokens": 150}}}} for i in range(2)])
    return {"requests": requests, "results": results, "folder": tmp_path}


# OpenAI organization usage API, completions, saved page by page: GET /v1/organization/usage/completions
# ?group_by=model&group_by=batch&group_by=service_tier&bucket_width=1d
# (https://platform.openai.com/docs/api-reference/usage/completions; object "page" with "data" buckets of
# "start_time"/"end_time" Unix seconds and "results" of "organization.usage.completions.result": input_tokens
# with cached and cache-write tokens included, input_cached_tokens, output_tokens, num_model_requests, model,
# batch, service_tier). The dashboard's internal tier names (incentivized-tier) appear as service_tier.
def _openai_usage_page() -> dict[str, Any]:
    def result(model: str, batch: bool, tier: str, inp: int, out: int, n: int, cached: int = 0) -> dict[str, Any]:
        return {"object": "organization.usage.completions.result", "input_tokens": inp, "output_tokens": out,
                "input_cached_tokens": cached, "input_audio_tokens": 0, "output_audio_tokens": 0,
                "num_model_requests": n, "project_id": None, "user_id": None, "api_key_id": None, "model": model,
                "batch": batch, "service_tier": tier}
    return {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": START - DAY_S, "end_time": START, "results": [
            result("gpt-4o-mini-2024-07-18", True, "default", 9_999, 9_999, 9)]},  # the day before: not the run
        {"object": "bucket", "start_time": START, "end_time": START + DAY_S, "results": [
            result("gpt-4o-mini-2024-07-18", True, "default", 2_000, 300, 2),
            result("gpt-4o-mini-2024-07-18", True, "incentivized-tier", 1_000, 100, 1, cached=0),
            result("gpt-4o-mini-2024-07-18", False, "default", 5_000, 500, 5),  # not batch traffic
            result("gpt-4o-2024-08-06", True, "default", 7_000, 700, 7),  # another model
        ]}]}


# OpenAI organization costs API, GET /v1/organization/costs?group_by=line_item&bucket_width=1d
# (https://platform.openai.com/docs/api-reference/usage/costs; results "organization.costs.result" with
# "amount": {"value", "currency": "usd"} and "line_item", e.g. "gpt-4o-mini-2024-07-18, input").
def _openai_costs_page() -> dict[str, Any]:
    def cost(item: str, value: str) -> dict[str, Any]:
        return {"object": "organization.costs.result", "amount": {"value": Decimal(value), "currency": "usd"},
                "line_item": item, "project_id": None}
    return {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": START, "end_time": START + DAY_S, "results": [
            cost("gpt-4o-mini-2024-07-18, input (batch)", "0.0002"),
            cost("gpt-4o-mini-2024-07-18, output (batch)", "0.0001"),
            cost("gpt-4o-2024-08-06, input (batch)", "0.00875"),
        ]}]}


def _save(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, default=float), encoding="utf-8")  # amounts as JSON numbers
    return path


def test_openai_usage_and_costs_are_matched_by_window_model_and_tier(openai_batch: dict[str, Path]) -> None:
    usage = _save(openai_batch["folder"] / "usage.json", _openai_usage_page())
    costs = _save(openai_batch["folder"] / "costs.json", _openai_costs_page())
    rec = reconcile(openai_batch["requests"], openai_batch["results"], as_of=DAY,
                    options=ReconcileOptions(billing=(usage, costs)))
    b = rec.billing
    assert b is not None
    batch_rate_in, batch_rate_out = Decimal("0.075"), Decimal("0.30")  # gpt-4o-mini batch, half of $0.15/$0.60
    assert rec.actual.cost == (2_000 * batch_rate_in + 300 * batch_rate_out) / M == Decimal("0.00024")
    # matched: the two batch usage lines of gpt-4o-mini on the run's day, and its two batch cost lines
    assert b.matched == 4 and b.unmatched == 4
    assert b.provider_usage["input_tokens"] == 3_000 and b.provider_usage["output_tokens"] == 400
    assert b.provider_usage["requests"] == 3
    assert b.tables_cost == (3_000 * batch_rate_in + 400 * batch_rate_out) / M
    assert b.provider_cost == Decimal("0.0003")
    assert b.residual == Decimal("0.0003") - b.tables_cost == Decimal("-0.000045")  # a tier the tables never name
    assert b.usage_beyond_batch["input_tokens"] == 1_000  # the incentivized-tier line is not in the results
    assert dict(b.unknown_tiers) == {"incentivized-tier": 1}
    assert b.unmatched_cost == Decimal("0.00875")
    text = rec.to_text()
    assert "provider cost $0.0003 against" in text and "incentivized-tier (1 lines)" in text
    doc = json.loads(json.dumps(rec.to_json()))
    assert Decimal(doc["billing"]["residual"]) == b.residual


# Anthropic Usage & Cost Admin API: GET /v1/organizations/usage_report/messages?group_by[]=model
# &group_by[]=service_tier (https://docs.anthropic.com/en/api/admin-api/usage-cost/get-messages-usage-report:
# "data" buckets with RFC 3339 "starting_at"/"ending_at" and "results" holding uncached_input_tokens,
# cache_read_input_tokens, cache_creation.ephemeral_5m/1h_input_tokens, output_tokens,
# server_tool_use.web_search_requests, model, service_tier, context_window) and GET /v1/organizations/
# cost_report?group_by[]=description (amount: a decimal string in cents, "123.45" is $1.23; cost_type
# tokens / web_search / code_execution; model; service_tier; token_type).
def _anthropic_docs(folder: Path) -> tuple[Path, Path]:
    day = {"starting_at": "2025-12-01T00:00:00Z", "ending_at": "2025-12-02T00:00:00Z"}
    usage = {"has_more": False, "next_page": None, "data": [{**day, "results": [
        {"uncached_input_tokens": 2_000, "cache_read_input_tokens": 0,
         "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
         "output_tokens": 400, "server_tool_use": {"web_search_requests": 3}, "api_key_id": None,
         "workspace_id": None, "model": "claude-sonnet-4-5-20250929", "service_tier": "batch",
         "context_window": "0-200k"},
        {"uncached_input_tokens": 50_000, "cache_read_input_tokens": 0, "cache_creation": {},
         "output_tokens": 5_000, "model": "claude-sonnet-4-5-20250929", "service_tier": "standard",
         "context_window": "0-200k"}]}]}
    cost = {"has_more": False, "next_page": None, "data": [{**day, "results": [
        {"amount": "0.300", "currency": "USD", "cost_type": "tokens", "description": "Sonnet 4.5 input (batch)",
         "model": "claude-sonnet-4-5-20250929", "service_tier": "batch", "token_type": "uncached_input_tokens",
         "context_window": "0-200k", "workspace_id": None},
        {"amount": "0.300", "currency": "USD", "cost_type": "tokens", "description": "Sonnet 4.5 output (batch)",
         "model": "claude-sonnet-4-5-20250929", "service_tier": "batch", "token_type": "output_tokens",
         "context_window": "0-200k", "workspace_id": None},
        {"amount": "3.000", "currency": "USD", "cost_type": "web_search", "description": "Web search",
         "model": None, "service_tier": None, "token_type": None, "context_window": None, "workspace_id": None}]}]}
    return _save(folder / "usage_report.json", usage), _save(folder / "cost_report.json", cost)


def test_anthropic_reports_cents_and_web_search(tmp_path: Path) -> None:
    requests = _jsonl(tmp_path / "c.jsonl", [{"custom_id": f"r{i}", "params": {
        "model": "claude-sonnet-4-5", "max_tokens": 300, "messages": [{"role": "user", "content": "hi"}]}}
        for i in range(2)])
    results = _jsonl(tmp_path / "o.jsonl", [{"custom_id": f"r{i}", "result": {"type": "succeeded", "message": {
        "model": "claude-sonnet-4-5-20250929", "usage": {
            "input_tokens": 1_000, "output_tokens": 200, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0,
            "server_tool_use": {"web_search_requests": 1 + i}}}}} for i in range(2)])
    usage, cost = _anthropic_docs(tmp_path)
    rec = reconcile(requests, results, as_of=DAY, options=ReconcileOptions(billing=(usage, cost)))
    b = rec.billing
    assert b is not None
    tokens = (2_000 * Decimal("1.5") + 400 * Decimal("7.5")) / M  # Sonnet 4.5 batch: $1.50 / $7.50
    assert rec.actual.cost == tokens + 3 * Decimal("0.01")
    assert b.provider_cost == Decimal("0.036")  # 0.300 + 0.300 + 3.000 cents
    assert b.tables_cost == rec.actual.cost  # the provider's usage at table prices is the batch's own
    assert b.residual == 0
    assert b.matched == 4 and b.unmatched == 1  # the standard-tier usage line is other traffic


# Google Cloud Billing export to BigQuery, standard usage cost table, saved as CSV
# (https://cloud.google.com/billing/docs/how-to/export-data-bigquery-tables/standard-usage: service.description,
# sku.description, usage_start_time, usage_end_time, cost, currency, usage.amount_in_pricing_units,
# usage.pricing_unit). The Gemini API bills under "Generative Language API"; its SKUs name model, kind and tier.
_HEADER = ("billing_account_id,service.description,sku.description,usage_start_time,usage_end_time,project.id,"
           "cost,currency,usage.amount_in_pricing_units,usage.pricing_unit")
_HOUR = "2025-12-01 00:00:00 UTC,2025-12-01 01:00:00 UTC"
_ROWS = [
    ("Generative Language API", "Gemini 2.5 Flash Batch Input Text Tokens", _HOUR, "0.0003", "0.002", "count1e6"),
    ("Generative Language API", "Gemini 2.5 Flash Batch Output Text Tokens", _HOUR, "0.0005", "0.0004", "count1e6"),
    ("Generative Language API", "Gemini 2.5 Flash Grounding with Google Search", _HOUR, "0.07", "2", "count"),
    ("Generative Language API", "Gemini 2.5 Pro Input Text Tokens", _HOUR, "0.5", "0.4", "count1e6"),
    ("Compute Engine", "N1 Predefined Instance Core", _HOUR, "9.99", "10", "hour"),
    ("Generative Language API", "Gemini 2.5 Flash Batch Input Text Tokens",
     "2025-12-03 00:00:00 UTC,2025-12-03 01:00:00 UTC", "0.0003", "0.002", "count1e6"),
]
GOOGLE_CSV = "\n".join([_HEADER, *(f"0A1B2C-3D4E5F-6A7B8C,{svc},{sku},{when},proj,{cost},USD,{amount},{unit}"
                                   for svc, sku, when, cost, amount, unit in _ROWS)]) + "\n"


def test_google_billing_export_csv(tmp_path: Path) -> None:
    requests = _jsonl(tmp_path / "g.jsonl", [{"key": f"k{i}", "request": {
        "contents": [{"role": "user", "parts": [{"text": "news"}]}], "generationConfig": {"maxOutputTokens": 300}}}
        for i in range(2)])
    results = _jsonl(tmp_path / "o.jsonl", [{"key": f"k{i}", "response": {
        "modelVersion": "gemini-2.5-flash",
        "candidates": [{"content": {"parts": [{"text": "..."}]}, "groundingMetadata": {"webSearchQueries": ["q"]}}],
        "usageMetadata": {"promptTokenCount": 1_000, "candidatesTokenCount": 200}}} for i in range(2)])
    export = tmp_path / "billing.csv"
    export.write_text(GOOGLE_CSV, encoding="utf-8")
    rec = reconcile(requests, results, as_of=DAY, options=ReconcileOptions(billing=(export,)))
    b = rec.billing
    assert b is not None
    # the three Gemini 2.5 Flash lines of the run's day: batch tokens and grounding (its SKU names no tier);
    # not Pro, not Compute Engine (another service, not counted), not two days later
    assert b.matched == 3 and b.provider_cost == Decimal("0.0708")
    tokens = (2_000 * Decimal("0.15") + 400 * Decimal("1.25")) / M  # 2.5 Flash batch: $0.15 / $1.25
    assert rec.actual.cost == tokens + 2 * Decimal("0.035")
    assert b.residual == Decimal("0.0708") - rec.actual.cost


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad-amount.json", {"object": "page", "data": [{"object": "bucket", "start_time": START, "end_time": START + 1,
                                                     "results": [{"object": "organization.costs.result",
                                                                  "amount": {"value": "lots", "currency": "usd"}}]}]},
     "data[0].results[0].amount.value"),
    ("bad-tokens.json", {"data": [{"starting_at": "2025-12-01T00:00:00Z", "ending_at": "2025-12-02T00:00:00Z",
                                   "results": [{"uncached_input_tokens": -4, "output_tokens": 1}]}]},
     "data[0].results[0].uncached_input_tokens"),
    ("no-buckets.json", {"object": "page"}, 'no "data" list'),
    ("bad-time.json", {"data": [{"starting_at": "yesterday", "ending_at": "today", "results": []}]},
     "no readable start and end time"),
    ("not-json.json", None, "not valid JSON"),
    ("bad.csv", "a,b\n1,2\n", "not a billing export"),
    ("bad-cost.csv", GOOGLE_CSV.replace(",0.0003,USD", ",NaN,USD", 1), "line 2: cost"),
])
def test_a_bad_export_is_reported_by_file_and_place(tmp_path: Path, name: str, content: Any, message: str) -> None:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else ("{not json" if content is None else json.dumps(content)),
                    encoding="utf-8")
    _, issues = read_billing(path)
    assert issues and str(path) in issues[0] and message in " ".join(issues), issues


def test_cli_billing_option(openai_batch: dict[str, Path]) -> None:
    usage = _save(openai_batch["folder"] / "usage.json", _openai_usage_page())
    run = CliRunner().invoke(main, ["reconcile", str(openai_batch["requests"]), str(openai_batch["results"]),
                                    "--as-of", "2025-12-01", "--billing", str(usage), "--json", "--no-retry-file",
                                    "--billing-window", "2025-12-01T00:00/2025-12-02T00:00"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.stdout)
    assert data["billing"]["matched_lines"] == 2 and data["billing"]["unknown_tiers"] == {"incentivized-tier": 1}
    wrong = CliRunner().invoke(main, ["reconcile", str(openai_batch["requests"]), str(openai_batch["results"]),
                                      "--billing", str(usage), "--billing-window", "yesterday"])
    assert wrong.exit_code == 2 and "--billing-window" in wrong.output
