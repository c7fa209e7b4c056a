"""A JSONL data file with body/url/method keys is data, not a batch request file; --format always wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from estimator.batch.files import detect_batch_format, read_batch_file
from estimator.cli import main


def jsonl(tmp_path: Path, rows: list[dict[str, object]], name: str = "d.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


EMAILS = [{"subject": "hi", "body": "Dear team, ...", "url": "https://example.com"}, {"subject": "re", "body": "ok"}]
OPENAI = {"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions",
          "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"body": "text of an email"}, None),
        ({"url": "https://a.example", "method": "GET", "text": "page"}, None),
        ({"custom_id": "x", "body": "a string, not a request"}, None),
        (OPENAI, "openai"),
        ({"custom_id": "a", "params": {"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": []}}, "anthropic"),
    ],
    ids=["email-body", "web-page", "custom-id-string-body", "openai", "anthropic"],
)
def test_detection_by_shape(tmp_path: Path, row: dict[str, object], expected: str | None) -> None:
    assert detect_batch_format(jsonl(tmp_path, [row])) == expected


def test_email_jsonl_is_estimated_as_data(tmp_path: Path) -> None:
    path = jsonl(tmp_path, EMAILS)
    result = CliRunner().invoke(main, ["estimate", str(path), "--column", "body", "-m", "gpt-4o"])
    assert result.exit_code == 0, result.output
    assert "2 requests" in result.output
    assert "custom_id" not in result.output


def test_format_jsonl_wins_over_batch_detection(tmp_path: Path) -> None:
    path = jsonl(tmp_path, [OPENAI, {**OPENAI, "custom_id": "r2"}])
    result = CliRunner().invoke(main, ["estimate", str(path), "--format", "jsonl", "--column", "url", "-m", "gpt-4o"])
    assert result.exit_code == 0, result.output
    assert "2 requests (jsonl)" in result.output


def test_validate_batch_still_reports_a_missing_custom_id(tmp_path: Path) -> None:
    row = {k: v for k, v in OPENAI.items() if k != "custom_id"}
    report = read_batch_file(jsonl(tmp_path, [row]))
    assert any("custom_id" in i.message for i in report.issues)
