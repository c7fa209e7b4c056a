"""The fast paths of reading request and result lines say and compute what the careful paths do."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator.batch.files import read_batch_file
from estimator.batch.results import _day


def test_result_day_is_the_utc_date_of_the_timestamp() -> None:
    rng = random.Random(7)
    stamps = [1, 86_399, 86_400, 1_764_547_199, 1_764_547_200, 253_402_300_799,
              *(rng.randrange(1, 253_402_300_800) for _ in range(5_000))]
    for ts in stamps:
        assert _day(ts) == dt.datetime.fromtimestamp(ts, tz=dt.UTC).date()
    assert _day(0) is None and _day(253_402_300_800) is None and _day(True) is None and _day(1.5) is None


def _body(**extra: object) -> dict[str, object]:
    return {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}], **extra}


@pytest.mark.parametrize(("line", "message"), [
    ({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": _body(), "extra": 1},
     "unexpected key(s) 'extra'"),
    ({"custom_id": "a", "url": "/v1/chat/completions", "body": _body(), "extra": 1}, "missing 'method'"),
    ({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions"}, "missing 'body'"),
])
def test_request_keys_are_still_checked(tmp_path: Path, line: dict[str, object], message: str) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    report = read_batch_file(path, count=False)
    assert any(message in str(issue) for issue in report.issues)


def test_tools_are_read_with_or_without_other_keys(tmp_path: Path) -> None:
    plain = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": _body()}
    tool = {"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object"}}}
    with_tools = {"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": _body(tools=[tool])}
    path = tmp_path / "requests.jsonl"
    path.write_text(json.dumps(plain) + "\n" + json.dumps(with_tools) + "\n", encoding="utf-8")
    report = read_batch_file(path)
    assert report.per_request_input[1] > report.per_request_input[0]


def test_counts_taken_in_batches_counted_while_reading_are_those_of_one_batch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next requests are read while the worker thread counts a batch: the per-request counts, in
    file order, are those of counting the whole file in one batch (a shared system prompt included)."""
    import estimator.batch.files as files

    rng = random.Random(3)
    words = ["price", "batch", "token", "naïve", "日本語", "emoji 🙂", "cache", "window"]
    path = tmp_path / "requests.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(60):
            text = " ".join(rng.choice(words) for _ in range(rng.randrange(1, 30)))
            messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]
            if i % 5 == 0:
                messages.append({"role": "user", "content": "Be brief.", "name": "x"})
            f.write(json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
                                "body": {"model": "gpt-4o-mini", "max_tokens": 5, "messages": messages}}) + "\n")
    whole = read_batch_file(path)
    monkeypatch.setattr(files, "_COUNT_EVERY", 7)
    pieces = read_batch_file(path)
    assert pieces.per_request_input == whole.per_request_input
    assert pieces.input_tokens == whole.input_tokens


# --------------------------------------------------------------------------
# Result lines: a plain usage is kept as a row, and reads as its record would
# --------------------------------------------------------------------------


def _careful(provider: str, response: dict[str, object]) -> object:
    """The usage as the field-by-field reader gives it (no fast path)."""
    from estimator import usage as usage_module

    fields = usage_module._Fields("")
    reader = {"openai": usage_module._openai, "anthropic": usage_module._anthropic,
              "google": usage_module._google}[provider]
    found = reader(response, fields)
    return None if fields.problems else found


_COUNT = st.integers(min_value=0, max_value=2_000_000)
_ODD_ZERO = st.sampled_from([0, None, False, 0.0, "0", 3])  # what reads as nothing, and what does not
_OPENAI_USAGE = st.fixed_dictionaries(
    {"prompt_tokens": _COUNT, "completion_tokens": _COUNT},
    optional={"total_tokens": st.one_of(_COUNT, st.none(), st.just(-1), st.just("x")),
              "prompt_tokens_details": st.fixed_dictionaries({}, optional={
                  "cached_tokens": st.one_of(_COUNT, st.none(), st.just(False)), "audio_tokens": _ODD_ZERO}),
              "completion_tokens_details": st.fixed_dictionaries({}, optional={
                  "reasoning_tokens": st.one_of(_COUNT, st.none(), st.just(0.0)), "audio_tokens": _ODD_ZERO,
                  "accepted_prediction_tokens": _ODD_ZERO})})
_OPENAI_BODY = st.fixed_dictionaries(
    {"usage": _OPENAI_USAGE},
    optional={"model": st.sampled_from(["gpt-4o-mini-2024-07-18", "gpt-4o", ""]),
              "service_tier": st.sampled_from(["default", "flex", "priority", "batch", "scale"])})
_ANTHROPIC_MESSAGE = st.fixed_dictionaries(
    {"usage": st.fixed_dictionaries(
        {"input_tokens": _COUNT, "output_tokens": _COUNT},
        optional={"cache_read_input_tokens": st.one_of(st.none(), _COUNT, st.just(False), st.just(0.0)),
                  "cache_creation_input_tokens": st.one_of(st.none(), _COUNT, st.just(False), st.just("")),
                  "service_tier": st.sampled_from(["batch", "standard", "priority"]),
                  "inference_geo": st.sampled_from(["global", "not_available", "us", None]),
                  "speed": st.sampled_from(["standard", "fast", None]),
                  "cache_creation": st.one_of(st.none(), st.just([]), st.fixed_dictionaries({}, optional={
                      "ephemeral_5m_input_tokens": st.one_of(_COUNT, _ODD_ZERO, st.integers(0, 50)),
                      "ephemeral_1h_input_tokens": _ODD_ZERO})),
                  "server_tool_use": st.one_of(st.none(), st.just("x"), st.fixed_dictionaries({}, optional={
                      "web_search_requests": _ODD_ZERO, "web_fetch_requests": _ODD_ZERO}))})},
    optional={"model": st.sampled_from(["claude-sonnet-4-5-20250929", "claude-opus-4-6"])})


_MAYBE_COUNT = st.one_of(st.none(), _COUNT, st.just(-1), st.just(True))
_GEMINI_RESPONSE = st.fixed_dictionaries(
    {"usageMetadata": st.fixed_dictionaries(
        {"promptTokenCount": _COUNT},
        optional={"candidatesTokenCount": _MAYBE_COUNT, "cachedContentTokenCount": _MAYBE_COUNT,
                  "thoughtsTokenCount": _MAYBE_COUNT, "toolUsePromptTokenCount": _MAYBE_COUNT,
                  "totalTokenCount": _COUNT,
                  "promptTokensDetails": st.lists(st.fixed_dictionaries(
                      {"modality": st.sampled_from(["TEXT", "IMAGE", "AUDIO"]), "tokenCount": _COUNT}), max_size=3),
                  "serviceTier": st.sampled_from(["standard", "flex", "PRIORITY", "batch", "other", ""]),
                  "trafficType": st.sampled_from(["ON_DEMAND", "ON_DEMAND_FLEX", "BATCH"])})},
    optional={"modelVersion": st.sampled_from(["gemini-2.5-flash", "gemini-3-pro-preview", ""]),
              "candidates": st.lists(st.fixed_dictionaries({}, optional={
                  "groundingMetadata": st.one_of(st.none(), st.fixed_dictionaries(
                      {"webSearchQueries": st.lists(st.sampled_from(["a", "b", " "]), max_size=3)}))}), max_size=2)})


@settings(max_examples=1_000, deadline=None)
@given(st.one_of(st.tuples(st.just("openai"), _OPENAI_BODY), st.tuples(st.just("anthropic"), _ANTHROPIC_MESSAGE),
                 st.tuples(st.just("google"), _GEMINI_RESPONSE)))
def test_a_plain_usage_is_the_usage_the_careful_reader_gives(case: tuple[str, dict[str, object]]) -> None:
    from estimator.usage import plain_usage, usage_of_plain

    provider, response = case
    plain = plain_usage(provider, response)
    careful = _careful(provider, response)
    if plain is not None:  # anything else is left to the careful reader
        assert usage_of_plain(plain) == careful


_SMALL = st.one_of(st.integers(0, 4), st.none())


@settings(max_examples=500, deadline=None)
@given(st.fixed_dictionaries(
    {"input_tokens": st.integers(0, 9), "output_tokens": st.integers(0, 9)},
    optional={"cache_creation_input_tokens": _SMALL, "cache_read_input_tokens": _SMALL,
              "cache_creation": st.fixed_dictionaries({}, optional={"ephemeral_5m_input_tokens": _SMALL,
                                                                    "ephemeral_1h_input_tokens": _SMALL}),
              "server_tool_use": st.fixed_dictionaries({}, optional={"web_search_requests": _SMALL,
                                                                     "web_fetch_requests": _SMALL}),
              "speed": st.sampled_from(["fast", "standard"]), "inference_geo": st.sampled_from(["us", "global"])}))
def test_anthropic_cache_writes_by_lifetime_read_as_the_careful_reader_reads_them(usage: dict[str, object]) -> None:
    """Small counts, so that writes by lifetime meet, exceed and fall short of the total."""
    from estimator.usage import plain_usage, usage_of_plain

    plain = plain_usage("anthropic", {"usage": usage})
    if plain is not None:
        assert usage_of_plain(plain) == _careful("anthropic", {"usage": usage})


_OPENAI_SHAPES = st.one_of(
    st.fixed_dictionaries(  # /v1/responses
        {"object": st.just("response"), "usage": st.fixed_dictionaries(
            {"input_tokens": st.integers(0, 9), "output_tokens": st.one_of(st.integers(0, 9), st.none())},
            optional={"total_tokens": st.integers(0, 20),
                      "input_tokens_details": st.fixed_dictionaries({}, optional={
                          "cached_tokens": _SMALL, "cache_write_tokens": _SMALL, "audio_tokens": _ODD_ZERO}),
                      "output_tokens_details": st.fixed_dictionaries({}, optional={"reasoning_tokens": _SMALL})})},
        optional={"output": st.lists(st.one_of(st.fixed_dictionaries({"type": st.sampled_from(
                      ["message", "reasoning", "web_search_call"])}), st.just("x")), max_size=3),
                  "service_tier": st.sampled_from(["default", "flex", "priority", "scale"]),
                  "prompt_cache_retention": st.sampled_from(["in_memory", "24h"]),
                  "model": st.sampled_from(["gpt-5", ""])}),
    st.fixed_dictionaries(  # /v1/embeddings
        {"object": st.sampled_from(["list", "embedding"]), "usage": st.fixed_dictionaries(
            {"prompt_tokens": st.integers(0, 9)},
            optional={"total_tokens": st.integers(0, 9), "completion_tokens": _SMALL})},
        optional={"model": st.just("text-embedding-3-small")}),
    st.fixed_dictionaries(  # /v1/chat/completions, small counts
        {"usage": st.fixed_dictionaries(
            {"prompt_tokens": st.integers(0, 9), "completion_tokens": st.integers(0, 9)},
            optional={"prompt_tokens_details": st.fixed_dictionaries({}, optional={
                          "cached_tokens": _SMALL, "audio_tokens": _SMALL, "cache_write_tokens": _SMALL}),
                      "completion_tokens_details": st.fixed_dictionaries({}, optional={
                          "reasoning_tokens": _SMALL, "audio_tokens": _SMALL})})},
        optional={"output": st.just([]), "service_tier": st.sampled_from(["auto", "batch"])}))


@settings(max_examples=800, deadline=None)
@given(_OPENAI_SHAPES)
def test_openai_responses_embeddings_and_chat_read_as_the_careful_reader_reads_them(body: dict[str, object]) -> None:
    from estimator.usage import plain_usage, usage_of_plain

    plain = plain_usage("openai", body)
    if plain is not None:
        assert usage_of_plain(plain) == _careful("openai", body)


def test_the_common_responses_are_plain() -> None:
    from estimator.usage import plain_usage

    assert plain_usage("openai", {"model": "gpt-4o-mini", "usage": {
        "prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}}) == (9, 3, 0, 0, 0, None, "gpt-4o-mini")
    assert plain_usage("anthropic", {"model": "claude-sonnet-4-5", "usage": {
        "input_tokens": 9, "output_tokens": 3, "cache_read_input_tokens": 4, "cache_creation_input_tokens": 2,
        "service_tier": "batch"}}) == (15, 3, 4, 0, 2, "batch", "claude-sonnet-4-5")
    # as the Messages API writes it today: writes by lifetime, server tools and where it ran
    assert plain_usage("anthropic", {"model": "claude-sonnet-4-5", "usage": {
        "input_tokens": 9, "cache_creation_input_tokens": 2, "cache_read_input_tokens": 4,
        "cache_creation": {"ephemeral_5m_input_tokens": 2, "ephemeral_1h_input_tokens": 0}, "output_tokens": 3,
        "server_tool_use": {"web_search_requests": 0}, "service_tier": "standard", "inference_geo": "global"}}
    ) == (15, 3, 4, 0, 2, "standard", "claude-sonnet-4-5")
    assert plain_usage("openai", {"object": "response", "model": "gpt-5", "output": [
        {"type": "reasoning"}, {"type": "message"}], "usage": {
        "input_tokens": 9, "input_tokens_details": {"cached_tokens": 4}, "output_tokens": 7,
        "output_tokens_details": {"reasoning_tokens": 5}, "total_tokens": 16}}) == (9, 7, 4, 5, 0, None, "gpt-5")
    searched = {"object": "response", "output": [{"type": "web_search_call"}, {"type": "message"}],
                "usage": {"input_tokens": 9, "output_tokens": 7}}
    assert plain_usage("openai", searched) is None  # a server tool call: priced by the careful reader
    assert _careful("openai", searched).tool_uses == (("web_search/call", 1),)  # type: ignore[attr-defined]
    assert plain_usage("openai", {"object": "list", "model": "text-embedding-3-small", "usage": {
        "prompt_tokens": 9, "total_tokens": 9}}) == (9, 0, 0, 0, 0, None, "text-embedding-3-small")
    assert plain_usage("google", {"modelVersion": "gemini-2.5-flash", "candidates": [{"content": {}}], "usageMetadata": {
        "promptTokenCount": 9, "candidatesTokenCount": 3, "thoughtsTokenCount": 2, "totalTokenCount": 14,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 9}]}}) == (9, 5, 0, 2, 0, None, "gemini-2.5-flash")


def _mixed_openai_files(folder: Path) -> tuple[Path, list[Path], dict[str, int]]:
    """Requests, and two result files mixing plain usages with every other outcome: duplicates in both
    orders, an id never requested, a usage beyond the context window, a detailed usage, an error,
    an expiry, an unreadable line that names its request, and three days. Also the token totals of
    the results that are priced."""
    rng = random.Random(11)
    ids = [f"q{i}" for i in range(60)]
    requests = folder / "requests.jsonl"
    requests.write_text("".join(json.dumps({
        "custom_id": c, "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "max_tokens": 300, "messages": [{"role": "user", "content": f"q {c}"}]}})
        + "\n" for c in ids), encoding="utf-8")

    def ok(cid: str, usage: dict[str, object], day: int = 0, **body: object) -> str:
        return json.dumps({"custom_id": cid, "error": None, "response": {"status_code": 200, "body": {
            "created": 1764547200 + day * 86_400, "model": "gpt-4o-mini-2024-07-18", "usage": usage, **body}}})

    def failed(cid: str, code: str = "server_error") -> str:
        return json.dumps({"custom_id": cid, "response": {"status_code": 500, "body": {
            "error": {"code": code, "message": "boom"}}}, "error": None})

    first, second = [], []
    totals = {"input": 0, "output": 0, "reasoning": 0}

    def priced(usage: dict[str, object]) -> dict[str, object]:
        audio = int((usage.get("prompt_tokens_details") or {}).get("audio_tokens", 0))  # type: ignore[union-attr]
        totals["input"] += int(usage["prompt_tokens"]) - audio  # type: ignore[call-overload]  # listed apart
        totals["output"] += int(usage["completion_tokens"])  # type: ignore[call-overload]
        details = usage.get("completion_tokens_details") or {}
        totals["reasoning"] += int(details.get("reasoning_tokens", 0))  # type: ignore[union-attr]
        return usage

    for i, cid in enumerate(ids):
        usage: dict[str, object] = {"prompt_tokens": rng.randrange(8, 90), "completion_tokens": rng.randrange(1, 300),
                                    "prompt_tokens_details": {"cached_tokens": 0}}
        kind = i % 10
        if kind == 0:
            first.append(failed(cid))
            second.append(ok(cid, priced(usage), day=1))  # a failure, then its success elsewhere: it wins
        elif kind == 1:
            first.append(ok(cid, priced(usage)))
            second.append(failed(cid))  # a success, then a failure: the success stays
        elif kind == 2:
            first.append(ok(cid, priced(usage), service_tier="flex"))
            first.append(ok(cid, {**usage, "completion_tokens": 999}))  # two successes: the first is kept
        elif kind == 3:
            first.append(ok(cid, priced({**usage, "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 7}})))
        elif kind == 4:
            first.append(ok(cid, {"prompt_tokens": 9_000_000, "completion_tokens": 3}))  # beyond the window
        elif kind == 5:
            first.append(json.dumps({"custom_id": cid, "response": None,
                                     "error": {"code": "batch_expired", "message": "expired"}}))
        elif kind == 6:
            first.append('{"custom_id": "' + cid + '", "response": {"status_code": 200, "body": {"usa')
        else:
            out = int(usage["completion_tokens"])  # type: ignore[call-overload]
            usage["completion_tokens_details"] = {"reasoning_tokens": rng.randrange(0, out + 1)}
            first.append(ok(cid, priced(usage), day=kind % 3,
                            service_tier=rng.choice(["default", "priority", "batch"])))
    first.append(ok("never-asked", {"prompt_tokens": 3, "completion_tokens": 4}))
    a, b = folder / "results-1.jsonl", folder / "results-2.jsonl"
    a.write_text("\n".join(first) + "\n", encoding="utf-8")
    b.write_text("\n".join(second) + "\n", encoding="utf-8")
    return requests, [a, b], totals


def test_plain_rows_reconcile_exactly_as_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same files reconciled with plain usages kept as rows and with every line built into a record
    (the field-by-field reader): every figure, note, list and per-request comparison is the same."""
    import estimator.batch.results as results
    from estimator import reconcile

    requests, outputs, totals = _mixed_openai_files(tmp_path)
    assert results.read_results(outputs[0]).plain and results.read_results(outputs[0]).other_records
    rows = reconcile(requests, outputs, mode="standard", output_tokens=120)
    monkeypatch.setattr(results, "plain_usage", lambda provider, response: None)
    assert not results.read_results(outputs[0]).plain
    records = reconcile(requests, outputs, mode="standard", output_tokens=120)
    assert rows.as_dict() == records.as_dict()
    assert (rows.actual.input_tokens, rows.actual.output_tokens, rows.actual.reasoning_tokens) == (
        totals["input"], totals["output"], totals["reasoning"])
    assert rows.to_text() == records.to_text()
    assert rows.most_off(100) == records.most_off(100)
    assert rows.error_distribution() == records.error_distribution()
    assert rows.duplicate_results and rows.unknown_ids == ("never-asked",) and rows.unknown.requests
    # and without a model in the request file, the model is the one most results name
    assert reconcile(requests, outputs, as_of="2025-12-01").model == "gpt-4o-mini"


def test_records_of_a_result_file_are_in_line_order(tmp_path: Path) -> None:
    from estimator.batch.results import read_results

    _, outputs, _ = _mixed_openai_files(tmp_path)
    found = read_results(outputs[0])
    lines = [r.line for r in found.records]
    assert lines == sorted(lines) and len(lines) == found.outcomes
    assert [r[1] if isinstance(r, tuple) else r.line for r in found.in_line_order()] == lines


# --------------------------------------------------------------------------
# Result files read in a second process
# --------------------------------------------------------------------------


def test_result_files_read_in_a_second_process_are_those_read_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import estimator.batch.results as results
    from estimator import reconcile

    requests, outputs, _ = _mixed_openai_files(tmp_path)
    here = reconcile(requests, outputs, mode="standard", output_tokens=120)
    monkeypatch.setattr(results, "BACKGROUND_BYTES", 0)
    background = results.ResultsInBackground(outputs)
    assert background.process is not None  # the files are read there
    assert background.take() == [results.read_results(p) for p in outputs]
    there = reconcile(requests, outputs, mode="standard", output_tokens=120)
    assert there.as_dict() == here.as_dict() and there.to_text() == here.to_text()


def test_when_the_second_process_fails_the_files_are_read_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import estimator.batch.results as results
    from estimator import reconcile
    from estimator.errors import DataError

    requests, outputs, _ = _mixed_openai_files(tmp_path)
    here = reconcile(requests, outputs, mode="standard", output_tokens=120)
    monkeypatch.setattr(results, "BACKGROUND_BYTES", 0)
    # an interpreter that exits at once with an error
    monkeypatch.setattr(sys, "executable", sys.executable)
    monkeypatch.setattr(results, "_CHILD", "raise SystemExit(3)")
    assert reconcile(requests, outputs, mode="standard", output_tokens=120).as_dict() == here.as_dict()
    # one that writes something else than the files
    monkeypatch.setattr(results, "_CHILD", "import sys; sys.stdout.write('not a pickle')")
    assert reconcile(requests, outputs, mode="standard", output_tokens=120).as_dict() == here.as_dict()
    # a file the second process cannot read gives the error reading it here gives
    monkeypatch.undo()
    monkeypatch.setattr(results, "BACKGROUND_BYTES", 0)
    bad = tmp_path / "not-results.jsonl"
    bad.write_text('{"hello": 1}\n', encoding="utf-8")
    with pytest.raises(DataError, match="not a batch result file") as caught:
        reconcile(requests, [outputs[0], bad])
    assert caught.value.path == str(bad)


def test_the_second_process_is_stopped_when_the_request_file_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import estimator.batch.results as results
    from estimator import reconcile
    from estimator.errors import EstimatorError

    _, outputs, _ = _mixed_openai_files(tmp_path)
    started: list[Any] = []
    real = results.ResultsInBackground.__init__

    def keep(self: results.ResultsInBackground, paths: list[Path], alongside: Path | None = None) -> None:
        real(self, paths, alongside)
        started.append(self.process)

    monkeypatch.setattr(results, "BACKGROUND_BYTES", 0)
    monkeypatch.setattr(results.ResultsInBackground, "__init__", keep)
    broken = tmp_path / "requests.jsonl"
    broken.write_text("not json\n", encoding="utf-8")
    with pytest.raises(EstimatorError):
        reconcile(broken, outputs)
    assert started and started[0] is not None and started[0].poll() is not None  # stopped, not left running


def test_plain_rows_on_both_sides_of_a_price_threshold_reconcile_as_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """gpt-4.1's prices change at 128,000 prompt tokens (priority is not sold above): plain rows at,
    below and above it are priced exactly as their records are."""
    import estimator.batch.results as results
    from estimator import reconcile

    sizes = [1_000, 127_999, 128_000, 128_001, 300_000]
    requests = tmp_path / "requests.jsonl"
    requests.write_text("".join(json.dumps({
        "custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
        "body": {"model": "gpt-4.1", "max_tokens": 50, "messages": [{"role": "user", "content": "x " * (i * 40)}]}})
        + "\n" for i in range(len(sizes) * 2)), encoding="utf-8")
    outputs = tmp_path / "results.jsonl"
    outputs.write_text("".join(json.dumps({"custom_id": f"r{i}", "error": None, "response": {
        "status_code": 200, "body": {"created": 1764547200, "model": "gpt-4.1-2025-04-14", "service_tier": "priority",
                                     "usage": {"prompt_tokens": sizes[i % len(sizes)], "completion_tokens": 20}}}})
        + "\n" for i in range(len(sizes) * 2)), encoding="utf-8")
    assert len(results.read_results(outputs).plain) == len(sizes) * 2
    rows = reconcile(requests, outputs, mode="priority")
    monkeypatch.setattr(results, "plain_usage", lambda provider, response: None)
    records = reconcile(requests, outputs, mode="priority")
    assert rows.as_dict() == records.as_dict() and rows.to_text() == records.to_text()
    assert rows.most_off(20) == records.most_off(20)
    assert len({c.actual_cost / c.actual_input for c in rows.per_request if c.actual_cost}) > 1  # two rates


def test_a_second_process_starts_only_when_it_has_work_to_overlap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Results big enough, and a request file read meanwhile that is at least half that size."""
    import estimator.batch.results as results

    monkeypatch.setattr(results, "BACKGROUND_BYTES", 1_000)
    big = tmp_path / "results.jsonl"
    big.write_text('{"custom_id": "a", "response": null, "error": {"code": "x"}}\n' * 40, encoding="utf-8")
    small, enough = tmp_path / "small.jsonl", tmp_path / "enough.jsonl"
    small.write_text("x" * 400, encoding="utf-8")
    enough.write_text("x" * 600, encoding="utf-8")
    assert results.ResultsInBackground([small]).process is None  # results too small
    assert results.ResultsInBackground([big], alongside=small).process is None  # nothing to overlap
    started = results.ResultsInBackground([big], alongside=enough)
    try:
        assert started.process is not None
        assert started.take() == [results.read_results(big)]
    finally:
        started.close()
