"""The fast paths of reading request and result lines say and compute what the careful paths do."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest

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
