"""The estimate/models/prices commands, checked against tiktoken and the tables."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from estimator.cli import main
from estimator.tokens.encodings import load_encoding

TRICKY = [
    'He said "hi", then left',
    "line one\nline two\r\nline three",
    "emoji 👩‍👩‍👧‍👦 and 🎉",
    "中文和日本語のテキスト",
    "NA",
    "null",
    "007",
    "",
    "<|endoftext|> in the middle",
    "x" * 20_000,
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def tricky_csv(tmp_path: Path) -> Path:
    path = tmp_path / "tricky.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i, text in enumerate(TRICKY):
            w.writerow([i, text])
    return path


def expected_chat_tokens(texts: list[str], encoding: str, system: str | None = None) -> int:
    """OpenAI's documented chat framing, counted with tiktoken directly."""
    enc = load_encoding(encoding)
    total = 0
    for text in texts:
        messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": text}]
        total += 3  # reply priming
        for m in messages:
            total += 3 + sum(len(enc.encode_ordinary(v)) for v in m.values())
    return total


@pytest.mark.parametrize(
    ("model", "encoding"),
    [pytest.param("gpt-4o", "o200k_base", id="gpt-4o"), pytest.param("gpt-4", "cl100k_base", id="gpt-4")],
)
def test_estimate_json_matches_tiktoken_and_published_prices(tricky_csv: Path, model: str, encoding: str) -> None:
    code, out, err = run("estimate", str(tricky_csv), "--model", model, "--column", "text",
                         "--output-tokens", "100", "--json", "--no-progress")
    assert code == 0, err
    data = json.loads(out)
    assert data["rows"] == len(TRICKY)
    assert data["input_tokens"] == expected_chat_tokens(TRICKY, encoding)
    assert data["text_tokens"] == sum(len(load_encoding(encoding).encode_ordinary(t)) for t in TRICKY)
    assert data["output_tokens"] == 100 * len(TRICKY)
    assert data["token_counts"] == "exact"
    histogram = data["input_per_row_histogram"]
    assert sum(rows for _, _, rows in histogram) == data["rows"]
    assert histogram[0][0] == data["input_per_row"]["min"] and histogram[-1][1] >= data["input_per_row"]["max"]
    prices = data["prices_usd_per_mtok"]
    std = data["modes"]["standard"]
    assert Decimal(std["input_cost"]) == data["input_tokens"] * Decimal(prices["input_per_mtok"]) / 1_000_000
    assert Decimal(std["output_cost"]) == data["output_tokens"] * Decimal(prices["output_per_mtok"]) / 1_000_000
    batch = data["modes"]["batch"]
    assert Decimal(batch["total_cost"]) == Decimal(std["total_cost"]) / 2
    for mode in ("standard", "streaming_early_exit", "batch"):
        assert set(data["modes"][mode]) >= {"input_tokens", "output_tokens", "input_cost", "output_cost", "total_cost"}


def test_estimate_with_template_system_and_as_of(tricky_csv: Path) -> None:
    code, out, err = run("estimate", str(tricky_csv), "--model", "gpt-4o", "--template", "#{id}: {text}",
                         "--system", "Summarise.", "--output-tokens", "10", "--as-of", "2024-05-13",
                         "--json", "--no-progress")
    assert code == 0, err
    data = json.loads(out)
    texts = [f"#{i}: {t}" for i, t in enumerate(TRICKY)]
    assert data["input_tokens"] == expected_chat_tokens(texts, "o200k_base", system="Summarise.")
    assert data["pricing_date"] == "2024-05-13"
    assert data["prices_usd_per_mtok"]["input_per_mtok"] == "5.00"
    expected = (data["input_tokens"] * Decimal(5) + data["output_tokens"] * Decimal(15)) / 1_000_000
    assert Decimal(data["modes"]["standard"]["total_cost"]) == expected


def test_estimate_text_output_names_the_price_entry(tricky_csv: Path) -> None:
    code, out, _ = run("estimate", str(tricky_csv), "--model", "gpt-4o", "--column", "text",
                       "--output-tokens", "5", "--no-progress")
    assert code == 0
    assert "Batch API" in out and "Standard" in out
    assert "price entry from 2024-10-02" in out


def test_flat_price_override_is_reported(tricky_csv: Path) -> None:
    code, out, _ = run("estimate", str(tricky_csv), "--model", "gpt-4o", "--column", "text", "--output-tokens", "0",
                       "--input-price", "15", "--output-price", "15", "--json", "--no-progress")
    assert code == 0
    data = json.loads(out)
    assert data["price_overridden"] is True
    assert Decimal(data["modes"]["standard"]["total_cost"]) == data["input_tokens"] * Decimal(15) / 1_000_000
    assert Decimal(data["modes"]["batch"]["total_cost"]) == data["input_tokens"] * Decimal("7.5") / 1_000_000


def test_approximate_models_say_so(tricky_csv: Path) -> None:
    code, out, _ = run("estimate", str(tricky_csv), "--model", "gemini-2.5-flash", "--column", "text",
                       "--output-tokens", "5", "--no-progress")
    assert code == 0
    assert "APPROXIMATE" in out
    code, out, _ = run("estimate", str(tricky_csv), "--model", "claude-sonnet-4-5", "--column", "text",
                       "--output-tokens", "5", "--no-progress")
    assert code == 0
    assert "reconstructed (ctok 1.3.0, generation 3.0)" in out and "APPROXIMATE" not in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["--model", "gpt-4o-mni", "--column", "text"], 1, "gpt-4o-mini", id="unknown-model"),
        pytest.param(["--model", "gpt-4o", "--column", "body"], 1, "'text'", id="missing-column-lists-columns"),
        pytest.param(["--model", "gpt-4o", "--column", "text", "--template", "{text}"], 2, "not both",
                     id="column-and-template"),
        pytest.param(["--model", "gpt-4o", "--column", "text", "--as-of", "May 2024"], 2, "YYYY-MM-DD", id="bad-date"),
        pytest.param(["--model", "gpt-4o", "--column", "text", "--as-of", "2020-01-01"], 1, "no price on",
                     id="before-first-price"),
        pytest.param(["--model", "gpt-4o", "--column", "text", "--cancel-share", "2"], 2,
                     "--cancel-share must be between 0 and 1, got 2",
                     id="bad-share"),
    ],
)
def test_estimate_errors(tricky_csv: Path, args: list[str], code: int, message: str) -> None:
    got, out, err = run("estimate", str(tricky_csv), *args, "--no-progress", "--json")
    assert got == code, err
    assert message in err
    assert out == ""
    assert "Traceback" not in err


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    got, _, err = run("estimate", str(tmp_path / "nope.csv"), "--model", "gpt-4o", "--column", "text")
    assert got in (1, 2)
    assert "nope.csv" in err


def test_models_lists_current_prices() -> None:
    code, out, _ = run("models", "--json")
    assert code == 0
    rows = {r["model"]: r for r in json.loads(out)}
    assert rows["gpt-4o"]["input_per_mtok"] == "2.50"
    assert rows["gpt-4o"]["batch_input_per_mtok"] == "1.25"
    assert {r["provider"] for r in rows.values()} == {"openai", "anthropic", "google"}
    code, out, _ = run("models", "--provider", "google")
    assert code == 0 and "gemini-2.5-pro" in out and "gpt-4o" not in out


def test_prices_shows_dated_history_with_sources() -> None:
    code, out, _ = run("prices", "gpt-4o", "--json")
    assert code == 0
    history = json.loads(out)
    dates = [p["effective_from"] for p in history["prices"]]
    assert dates[:2] == ["2024-05-13", "2024-10-02"]
    assert all(p["source"].startswith("https://") for p in history["prices"])
    code, out, _ = run("prices", "gpt-4o")
    assert code == 0 and "2024-05-13 .. 2024-10-02" in out


def test_schema_command_matches_shipped_schema() -> None:
    code, out, _ = run("schema")
    assert code == 0
    shipped = (Path(__file__).parent.parent / "pricing" / "schema.json").read_text(encoding="utf-8")
    assert json.loads(out) == json.loads(shipped)


def test_module_entry_point_and_exit_codes(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = subprocess.run([sys.executable, "-m", "estimator", "prices", "no-such-model"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "unknown model" in bad.stderr and bad.stdout == ""
    usage = subprocess.run([sys.executable, "-m", "estimator", "estimate"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2


def test_long_context_rows_are_priced_at_the_higher_tier(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text"])
        w.writerow(["short"])
        w.writerow(["word " * 210_000])
    code, out, err = run("estimate", str(path), "--model", "gemini-2.5-pro", "--column", "text",
                         "--output-tokens", "100", "--json", "--no-progress")
    assert code == 0, err
    data = json.loads(out)
    (tier,) = data["long_context"]
    assert tier["above_input_tokens"] == 200_000 and tier["requests"] == 1
    short_input = data["input_tokens"] - tier["input_tokens"]
    # 2.5 Pro always thinks: each answer bills its reasoning prior on top, at its row's tier
    per = 100 + data["output"]["reasoning_prior"]["tokens_per_request"]
    assert tier["output_tokens"] == per and data["output_tokens"] == 2 * per
    expected = (short_input * Decimal("1.25") + tier["input_tokens"] * Decimal("2.50")
                + per * Decimal(10) + per * Decimal(15)) / 1_000_000
    assert Decimal(data["modes"]["standard"]["total_cost"]) == expected
    assert data["token_counts"] == "approximate"


def test_estimate_prices_a_ready_made_batch_file(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parent.parent / "examples"
    code, out, err = run("validate-batch", str(examples / "openai-batch.jsonl"), "--json")
    assert code == 0, err
    validated = json.loads(out)
    code, out, err = run("estimate", str(examples / "openai-batch.jsonl"), "--json", "--no-progress")
    assert code == 0, err
    data = json.loads(out)
    assert data["model"] == "gpt-4o-mini"  # read from the file
    assert data["rows"] == validated["requests"] == 12
    assert data["input_tokens"] == validated["input_tokens"]
    assert data["output_tokens"] == data["output_tokens_worst_case"] == 12 * 5  # every max_tokens
    code, out, _ = run("estimate", str(examples / "openai-batch.jsonl"), "--output-tokens", "2", "--model", "gpt-4o",
                       "--json", "--no-progress")
    data = json.loads(out)
    assert data["output_tokens"] == 24 and data["output_tokens_worst_case"] == 60
    assert any("gpt-4o-mini" in n for n in data["notes"])


def test_estimate_refuses_an_invalid_batch_file(tmp_path: Path) -> None:
    line = ('{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", '
            '"body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}}\n')
    path = tmp_path / "dupes.jsonl"
    path.write_text(line + line, encoding="utf-8")
    code, out, err = run("estimate", str(path), "--no-progress")
    assert code == 1 and out == ""
    assert "custom_id" in err and "validate-batch" in err


def test_sampled_estimate_gives_cost_intervals_that_hold_the_exact_cost(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text"])
        for i in range(3000):
            w.writerow([f"Ticket {i}: the kettle {'leaks ' * (i % 7)}and the lid sticks; refund please. " * (1 + i % 3)])
    args = ["estimate", str(path), "--model", "gpt-4o", "--column", "text", "--output-tokens", "20", "--json",
            "--no-progress"]
    code, out, err = run(*args)
    assert code == 0, err
    exact = json.loads(out)
    code, out, err = run(*args, "--sample", "500", "--seed", "3")
    assert code == 0, err
    sampled = json.loads(out)["sample"]
    low, high = sampled["input_tokens_ci95"]
    assert low <= exact["input_tokens"] <= high
    for mode, (lo, hi) in sampled["total_cost_ci95"].items():
        assert Decimal(lo) <= Decimal(exact["modes"][mode]["total_cost"]) <= Decimal(hi)
