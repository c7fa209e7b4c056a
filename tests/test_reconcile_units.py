"""Every billable unit a result reports is read and priced, and the gap to the estimate is split into causes.

Result lines follow the providers' documented response shapes:

* OpenAI Responses API usage with ``input_tokens_details.cache_write_tokens`` (GPT-5.6 and later)
  and ``output_tokens_details.reasoning_tokens``, ``service_tier`` and ``web_search_call`` output items
  (https://platform.openai.com/docs/api-reference/responses/object, prompt-caching guide);
* Anthropic Messages usage with ``cache_creation.ephemeral_5m/1h_input_tokens``,
  ``server_tool_use.web_search_requests``, ``inference_geo`` and ``speed``
  (https://docs.anthropic.com/en/api/messages, data-residency and web-search-tool pages);
* Gemini ``usageMetadata`` with ``trafficType`` and candidates' ``groundingMetadata.webSearchQueries``
  (https://ai.google.dev/api/generate-content#UsageMetadata, grounding guide).

Every expected cost is hand arithmetic from the prices pinned here, so a changed price or rule fails.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from estimator import load_pricebook, reconcile
from estimator.batch import ReconcileOptions
from estimator.batch.attribution import CAUSES
from estimator.charts import cost_waterfall
from estimator.errors import EstimatorError
from estimator.modes import unit_rates
from estimator.pricing.shipped import shipped_pricing_dir

M = Decimal(1_000_000)
DAY = dt.date(2026, 12, 1)
EPOCH = 1764547200  # 2025-12-01T00:00:00Z


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _pin(model: str, mode: str, **expected: str) -> None:
    rates = unit_rates(load_pricebook().price(model, DAY), mode)
    got = {"input": rates.input, "cached": rates.cached_input, "write": rates.cache_write(""), "output": rates.output}
    for name, value in expected.items():
        assert got[name] == Decimal(value), (model, mode, name, got[name])


def _openai_request(cid: str, model: str, url: str = "/v1/chat/completions") -> dict[str, Any]:
    body: dict[str, Any] = ({"model": model, "input": f"question {cid}", "max_output_tokens": 400}
                            if url == "/v1/responses" else
                            {"model": model, "messages": [{"role": "user", "content": f"question {cid}"}],
                             "max_tokens": 400})
    return {"custom_id": cid, "method": "POST", "url": url, "body": body}


def _openai_ok(cid: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"batch_req_{cid}", "custom_id": cid, "error": None,
            "response": {"status_code": 200, "request_id": f"req_{cid}", "body": body}}


def _claude_request(cid: str, model: str = "claude-sonnet-4-6") -> dict[str, Any]:
    return {"custom_id": cid, "params": {"model": model, "max_tokens": 300,
                                        "messages": [{"role": "user", "content": f"Hello {cid}"}]}}


def _claude_ok(cid: str, usage: dict[str, Any], model: str = "claude-sonnet-4-6") -> dict[str, Any]:
    return {"custom_id": cid, "result": {"type": "succeeded", "message": {
        "id": f"msg_{cid}", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": "Hi"}], "stop_reason": "end_turn", "usage": usage}}}


# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------


def test_openai_cache_writes_reasoning_and_web_search_are_priced(tmp_path: Path) -> None:
    _pin("gpt-5.6-terra", "batch", input="1.00", cached="0.10", write="1.25", output="6.00")
    requests = _jsonl(tmp_path / "r.jsonl", [_openai_request("a", "gpt-5.6-terra", "/v1/responses")])
    body = {"id": "resp_1", "object": "response", "created_at": EPOCH, "model": "gpt-5.6-terra",
            "output": [{"type": "web_search_call", "id": "ws_1", "status": "completed"},
                       {"type": "web_search_call", "id": "ws_2", "status": "completed"},
                       {"type": "message", "role": "assistant", "content": []}],
            "usage": {"input_tokens": 10_000, "input_tokens_details": {"cached_tokens": 2_000,
                                                                       "cache_write_tokens": 6_000},
                      "output_tokens": 500, "output_tokens_details": {"reasoning_tokens": 300}}}
    results = _jsonl(tmp_path / "o.jsonl", [_openai_ok("a", body)])
    rec = reconcile(requests, results, as_of=DAY)
    # 2,000 uncached, 2,000 cache reads, 6,000 cache writes (1.25x input, halved in batch), 500 output;
    # two web searches at $10 per 1,000 calls, not discounted in batch
    tokens = (2_000 * Decimal("1.00") + 2_000 * Decimal("0.10") + 6_000 * Decimal("1.25") + 500 * Decimal(6)) / M
    assert rec.actual.cost == tokens + 2 * Decimal("0.01") == Decimal("0.0327")
    assert rec.actual.cache_write_tokens == 6_000 and rec.actual.reasoning_tokens == 300
    assert rec.actual.tool_uses == (("web_search/call", 2),) and rec.actual.tool_cost == Decimal("0.02")
    assert rec.attribution.share("tool_fees") == Decimal("0.02")


def test_anthropic_residency_one_hour_writes_and_web_search(tmp_path: Path) -> None:
    _pin("claude-sonnet-4-6", "batch", input="1.50", cached="0.15", write="1.875", output="7.50")
    requests = _jsonl(tmp_path / "r.jsonl", [_claude_request("a"), _claude_request("b")])
    usage = {"input_tokens": 1_000, "output_tokens": 200, "cache_read_input_tokens": 4_000,
             "cache_creation_input_tokens": 3_000,
             "cache_creation": {"ephemeral_5m_input_tokens": 1_000, "ephemeral_1h_input_tokens": 2_000},
             "server_tool_use": {"web_search_requests": 3}, "inference_geo": "us", "service_tier": "batch"}
    plain = {"input_tokens": 1_000, "output_tokens": 200, "cache_read_input_tokens": 0,
             "cache_creation_input_tokens": 0, "inference_geo": "global", "service_tier": "batch"}
    results = _jsonl(tmp_path / "o.jsonl", [_claude_ok("a", usage), _claude_ok("b", plain)])
    rec = reconcile(requests, results, as_of=DAY)
    one_hour = load_pricebook().price("claude-sonnet-4-6", DAY).cache_write_1h_per_mtok
    assert one_hour == Decimal(6)  # 2x base input; halved in a batch
    us = Decimal("1.1")  # inference_geo "us" on every token category (Sonnet 4.6 and later)
    a = (1_000 * Decimal("1.5") + 4_000 * Decimal("0.15") + 1_000 * Decimal("1.875") + 2_000 * Decimal(3)
         + 200 * Decimal("7.5")) * us / M + 3 * Decimal("0.01")
    b = (1_000 * Decimal("1.5") + 200 * Decimal("7.5")) / M
    assert rec.actual.cost == a + b
    assert rec.actual.cache_writes == (("", 1_000), ("1h", 2_000))
    residency = (1_000 * Decimal("1.5") + 4_000 * Decimal("0.15") + 1_000 * Decimal("1.875") + 2_000 * Decimal(3)
                 + 200 * Decimal("7.5")) * Decimal("0.1") / M
    assert rec.attribution.share("residency") == residency
    assert rec.attribution.share("tool_fees") == Decimal("0.03")


def test_the_tier_that_served_and_the_model_that_answered(tmp_path: Path) -> None:
    _pin("gpt-4o-mini", "standard", input="0.15", output="0.60")
    _pin("gpt-4o-mini", "priority", input="0.25", output="1.00")  # published Priority figures
    requests = _jsonl(tmp_path / "r.jsonl", [_openai_request(c, "gpt-4o-mini") for c in "abc"])
    usage = {"prompt_tokens": 1_000, "completion_tokens": 100}
    results = _jsonl(tmp_path / "o.jsonl", [
        _openai_ok("a", {"model": "gpt-4o-mini-2024-07-18", "service_tier": "default", "created": EPOCH,
                         "usage": usage}),
        _openai_ok("b", {"model": "gpt-4o-mini-2024-07-18", "service_tier": "priority", "usage": usage}),
        _openai_ok("c", {"model": "gpt-4o", "service_tier": "priority", "usage": usage}),
    ])
    rec = reconcile(requests, results, as_of=DAY, mode="priority")
    gpt4o = unit_rates(load_pricebook().price("gpt-4o", DAY), "priority")
    a = (1_000 * Decimal("0.15") + 100 * Decimal("0.60")) / M  # a Fast request served at default: Standard
    b = (1_000 * Decimal("0.25") + 100 * Decimal("1.00")) / M
    c = (1_000 * gpt4o.input + 100 * gpt4o.output) / M  # gpt-4o answered a gpt-4o-mini request
    assert rec.actual.cost == a + b + c
    assert dict(rec.served) == {"priority": 2, "standard": 1}
    assert dict(rec.answered_by) == {"gpt-4o-mini": 2, "gpt-4o": 1}
    assert rec.attribution.share("tier_served") == a - (1_000 * Decimal("0.25") + 100 * Decimal("1.00")) / M
    assert rec.attribution.share("model_substitution") > 0
    text = rec.to_text()
    assert "served at: priority 2, standard 1" in text and "answered by: gpt-4o-mini 2, gpt-4o 1" in text


def test_gemini_grounding_per_prompt_on_2x_and_per_unique_query_on_3(tmp_path: Path) -> None:
    def run(model: str, folder: str) -> Any:
        (tmp_path / folder).mkdir()
        requests = _jsonl(tmp_path / folder / "g.jsonl", [
            {"key": "k1", "request": {"contents": [{"role": "user", "parts": [{"text": "news?"}]}],
                                      "tools": [{"google_search": {}}], "generationConfig": {"maxOutputTokens": 100}}}])
        results = _jsonl(tmp_path / folder / "o.jsonl", [{"key": "k1", "response": {
            "modelVersion": model,
            "candidates": [{"content": {"parts": [{"text": "..."}], "role": "model"},
                            "groundingMetadata": {"webSearchQueries": ["a", "", "b", "a"]}}],
            "usageMetadata": {"promptTokenCount": 1_000, "candidatesTokenCount": 100, "totalTokenCount": 1_100}}}])
        return reconcile(requests, results, as_of=DAY, model=model)

    old = run("gemini-2.5-flash", "old")
    assert old.actual.tool_uses == (("google_search/grounded_prompt", 1), ("google_search/search_query", 2))
    assert old.actual.tool_cost == Decimal("0.035")  # $35 per 1,000 grounded prompts; queries are not billed
    new = run("gemini-3-flash-preview", "new")
    assert new.actual.tool_cost == 2 * Decimal("0.014")  # two unique non-empty queries at $14 per 1,000
    assert any("free allowance not deducted" in n for n in new.notes)


def test_a_unit_the_tables_cannot_price_is_listed_with_its_count(tmp_path: Path) -> None:
    requests = _jsonl(tmp_path / "r.jsonl", [_openai_request("a", "gpt-4o-mini")])
    body = {"model": "gpt-4o-mini", "usage": {
        "prompt_tokens": 1_000, "completion_tokens": 300,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 400},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 100}}}
    rec = reconcile(requests, _jsonl(tmp_path / "o.jsonl", [_openai_ok("a", body)]), as_of=DAY)
    assert dict(rec.unpriced) == {"audio input tokens": 400, "audio output tokens": 100}
    assert rec.actual.input_tokens == 600 and rec.actual.output_tokens == 200  # text tokens priced
    assert "not priced (no price in the tables): audio input tokens 400, audio output tokens 100" in rec.to_text()
    # A tool with no fee on the day (before the fee is in force): listed, not dropped
    old = _openai_ok("a", {"model": "gpt-4o-mini", "output": [{"type": "web_search_call"}],
                           "usage": {"input_tokens": 10, "output_tokens": 5}})
    (tmp_path / "old").mkdir()
    responses = _jsonl(tmp_path / "old" / "r.jsonl", [_openai_request("a", "gpt-4o-mini", "/v1/responses")])
    rec = reconcile(responses, _jsonl(tmp_path / "old" / "o.jsonl", [old]), as_of=dt.date(2025, 6, 1))
    assert dict(rec.unpriced) == {"web_search/call": 1}


# --------------------------------------------------------------------------
# The gap, by cause
# --------------------------------------------------------------------------


@pytest.fixture
def mixed(tmp_path: Path) -> Any:
    requests = _jsonl(tmp_path / "r.jsonl", [_claude_request(c) for c in "abcd"])
    results = _jsonl(tmp_path / "o.jsonl", [
        _claude_ok("a", {"input_tokens": 50, "output_tokens": 280, "cache_read_input_tokens": 2_000,
                         "cache_creation_input_tokens": 0, "inference_geo": "us"}),
        _claude_ok("b", {"input_tokens": 3_000, "output_tokens": 40, "cache_creation_input_tokens": 1_000,
                         "server_tool_use": {"web_search_requests": 2}}),
        _claude_ok("c", {"input_tokens": -1, "output_tokens": 40}),
        {"custom_id": "d", "result": {"type": "expired"}},
    ])
    return reconcile(requests, results, as_of=DAY, output_tokens=100,
                     options=ReconcileOptions(estimated_as_of=dt.date(2026, 3, 1)))


def test_causes_add_up_to_the_gap_in_total_and_per_request(mixed: Any) -> None:
    g = mixed.attribution
    assert [k for k, _ in g.causes] == [k for k, _ in CAUSES]
    assert sum(v for _, v in g.causes) == g.actual - g.estimated == mixed.actual.cost - mixed.estimated.cost
    per = mixed.per_request
    assert [r.id for r in per] == ["a", "b", "c"]
    for r in per:
        assert sum(v for _, v in r.causes) == r.cost_error
    for key, total in g.causes:
        assert sum((dict(r.causes).get(key, Decimal(0)) for r in per), Decimal(0)) == total
    assert sum(r.actual_cost for r in per if r.actual_cost is not None) == g.actual
    assert g.share("unreadable_lines") == -per[2].estimated_cost < 0
    assert g.share("residency") > 0 and g.share("tool_fees") == Decimal("0.02") and g.share("cache_hit_rate") < 0


def test_json_text_and_waterfall_show_the_same_attribution(mixed: Any) -> None:
    doc = mixed.to_json()
    causes = {k: Decimal(v) for k, v in doc["attribution"]["causes"].items()}
    assert causes == dict(mixed.attribution.causes)
    steps = mixed.waterfall()
    assert steps[0] == ("estimate", mixed.attribution.estimated) and steps[-1] == ("actual", mixed.attribution.actual)
    assert sum(v for _, v in steps[1:-1]) == steps[-1][1] - steps[0][1]
    fig = cost_waterfall(steps)
    trace = fig.data[0]
    assert list(trace.measure) == ["absolute", *["relative"] * (len(steps) - 2), "total"]
    assert list(trace.x) == [label for label, _ in steps]
    text = mixed.to_text()
    block = text.split("actual - estimated: ")[1].split("\n")
    money = re.compile(r"-?\$[0-9,]+\.[0-9]+")
    gap = Decimal(money.findall(block[0])[0].replace("$", "").replace(",", ""))
    labels = tuple(f"  {words}" for _, words in CAUSES)
    shown = [Decimal(money.findall(line)[0].replace("$", "").replace(",", "")) for line in block[1:]
             if line.startswith(labels)]
    assert len(shown) == sum(1 for _, v in mixed.attribution.causes if v)
    assert sum(shown) == gap  # the causes as printed add up to the gap as printed
    est = Decimal(money.findall(text.split("\nestimated")[1].split("\n")[0])[0].replace("$", "").replace(",", ""))
    act = Decimal(money.findall(text.split("\nactual ")[1].split("\n")[0])[0].replace("$", "").replace(",", ""))
    assert act - est == gap


def test_a_price_change_between_estimate_and_run_is_its_own_cause(tmp_path: Path) -> None:
    book = load_pricebook()
    model = next(m for m in book.models if m.provider == "openai" and len(m.prices) > 1 and m.kind == "chat"
                 and m.prices[-1].input_per_mtok != m.prices[-2].input_per_mtok
                 and m.prices[-2].batch_offered and m.prices[-1].batch_offered)
    before, after = model.prices[-2].effective_from, model.prices[-1].effective_from
    requests = _jsonl(tmp_path / "r.jsonl", [_openai_request("a", model.id)])
    results = _jsonl(tmp_path / "o.jsonl", [_openai_ok("a", {"model": model.id, "usage": {
        "prompt_tokens": 1_000, "completion_tokens": 10}})])
    rec = reconcile(requests, results, as_of=after, output_tokens=10,
                    options=ReconcileOptions(estimated_as_of=before))
    est = unit_rates(model.price_on(before), "batch")
    run = unit_rates(model.price_on(after), "batch")
    counted = rec.estimated.input_tokens
    assert rec.attribution.share("price_date") == (counted * (run.input - est.input) + 10 * (run.output - est.output)) / M
    assert rec.to_json()["estimated_as_of"] == before.isoformat()


def test_gemini_traffic_type_gives_the_tier_that_served(tmp_path: Path) -> None:
    model = "gemini-3.5-flash"
    price = load_pricebook().price(model, DAY)
    flex, standard = unit_rates(price, "flex"), unit_rates(price, "standard")
    requests = _jsonl(tmp_path / "g.jsonl", [
        {"key": k, "request": {"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
                               "generationConfig": {"maxOutputTokens": 50}}} for k in ("k1", "k2")])
    meta = {"promptTokenCount": 1_000, "candidatesTokenCount": 100}
    results = _jsonl(tmp_path / "o.jsonl", [
        {"key": "k1", "response": {"modelVersion": model, "usageMetadata": {**meta, "trafficType": "ON_DEMAND_FLEX"}}},
        {"key": "k2", "response": {"modelVersion": model, "usageMetadata": {**meta, "trafficType": "ON_DEMAND"}}},
    ])
    rec = reconcile(requests, results, as_of=DAY, model=model, mode="flex")
    assert rec.actual.cost == (1_000 * (flex.input + standard.input) + 100 * (flex.output + standard.output)) / M
    assert dict(rec.served) == {"flex": 1, "standard": 1}
    assert rec.attribution.share("tier_served") == (1_000 * (standard.input - flex.input)
                                                    + 100 * (standard.output - flex.output)) / M


@pytest.mark.parametrize(("fee", "message"), [
    ("usd_per_thousand = -1", "usd_per_thousand"),
    ("usd_per_thousand = 5\neffective_until = 2025-01-01", "effective_until must be after"),
    ("usd_per_thousand = 5\ncolour = 'red'", "colour"),
])
def test_a_bad_fee_in_a_price_file_names_the_file(tmp_path: Path, fee: str, message: str) -> None:
    text = (shipped_pricing_dir() / "anthropic.toml").read_text(encoding="utf-8")
    block = (f'[[fees]]\ntool = "web_search"\nunit = "call"\nlabel = "x"\n{fee}\neffective_from = 2025-06-01\n'
             'source = "https://example.invalid/fees"\nchecked = 2026-12-01\n\n')
    path = tmp_path / "mine.toml"
    path.write_text(text.replace("[[combinations]]", block + "[[combinations]]", 1), encoding="utf-8")
    with pytest.raises(EstimatorError) as caught:
        load_pricebook(extra_files=[path])
    assert str(path) in str(caught.value) and message in str(caught.value)


# --------------------------------------------------------------------------
# The requests most off, and the percentiles, without building every comparison
# --------------------------------------------------------------------------


def _from_every_comparison(rec: Any, k: int) -> tuple[list[Any], dict[str, Any]]:
    """``most_off`` and ``error_distribution`` as they read from ``per_request`` (every request built)."""
    per = rec.per_request
    known = [r for r in per if r.actual_cost is not None]

    def pct(values: list[Any], q: int) -> Any:
        return values[min(len(values) - 1, max(0, -(-q * len(values) // 100) - 1))]

    ins = sorted(r.actual_input - r.estimated_input for r in known)
    outs = sorted(r.actual_output - r.estimated_output for r in known)
    costs = sorted(r.cost_error for r in known)
    return (sorted(per, key=lambda r: (-abs(r.cost_error), r.line))[:k],
            {"input_tokens": {f"p{q}": pct(ins, q) for q in (5, 50, 95)},
             "output_tokens": {f"p{q}": pct(outs, q) for q in (5, 50, 95)},
             "cost": {f"p{q}": pct(costs, q) for q in (5, 50, 95)}})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_most_off_and_percentiles_are_those_of_every_comparison(tmp_path: Path, seed: int) -> None:
    """Mixed tiers, residency, cache writes of both lifetimes, tool fees, another model answering,
    plain usages and unreadable usage: the requests most off and the percentiles are exactly those read from every
    request's comparison, ties broken by line."""
    import random

    rng = random.Random(seed)
    ids = [f"r{i}" for i in range(80)]
    requests = _jsonl(tmp_path / "r.jsonl", [_claude_request(c) for c in ids])
    rows = []
    for cid in ids:
        if rng.random() < 0.05:
            rows.append(_claude_ok(cid, {"input_tokens": -1, "output_tokens": 40}))
            continue
        if rng.random() < 0.4:  # a plain usage: read as a row, never built into a record
            rows.append(_claude_ok(cid, {
                "input_tokens": rng.choice([10, 20, 3_000]), "output_tokens": rng.choice([40, 100, 280]),
                "cache_read_input_tokens": rng.choice([0, 2_000]),
                "cache_creation_input_tokens": rng.choice([0, 0, 700]),
                "service_tier": rng.choice(["batch", "standard"])},
                model=rng.choice(["claude-sonnet-4-6", "claude-opus-4-6"])))
            continue
        five, hour = rng.choice([0, 0, 500]), rng.choice([0, 0, 1_000])
        usage: dict[str, Any] = {
            "input_tokens": rng.choice([10, 20, 3_000]), "output_tokens": rng.choice([40, 100, 280]),
            "cache_read_input_tokens": rng.choice([0, 2_000]), "cache_creation_input_tokens": five + hour,
            "cache_creation": {"ephemeral_5m_input_tokens": five, "ephemeral_1h_input_tokens": hour},
            "inference_geo": rng.choice(["us", "global"]), "service_tier": rng.choice(["batch", "standard"])}
        if rng.random() < 0.3:
            usage["server_tool_use"] = {"web_search_requests": rng.choice([1, 2])}
        rows.append(_claude_ok(cid, usage, model=rng.choice(["claude-sonnet-4-6", "claude-opus-4-6"])))
    rec = reconcile(requests, _jsonl(tmp_path / "o.jsonl", rows), as_of=DAY, output_tokens=100)
    for k in (1, 5, 10, 200):
        expected_off, expected_dist = _from_every_comparison(rec, k)
        assert rec.most_off(k) == expected_off
    assert rec.error_distribution() == expected_dist
    assert len({r.cost_error for r in rec.per_request}) < len(rec.per_request)  # ties, broken by line
