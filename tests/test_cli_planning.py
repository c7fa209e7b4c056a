"""plan, route, write-batch, forecast and exercise through click's CliRunner."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pricing_tables import ANNOUNCED_CUT_2031, model_entry, price_entry, provider_toml, write_table

from estimator.cli import main

PRICES = provider_toml(
    model_entry("test-flat-15", "Every token at $15", price_entry("2024-01-01", 15, 15)),
    model_entry(
        "test-cut",
        "A model with an announced price cut",
        price_entry("2024-01-01", 5, 15),
        ANNOUNCED_CUT_2031,
    ),
    display_name="OpenAI (test prices)",
)


@pytest.fixture()
def prices(tmp_path: Path) -> str:
    return str(write_table(tmp_path, PRICES, "test-prices.toml"))


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def run_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# --------------------------------------------------------------------------
# exercise
# --------------------------------------------------------------------------


def test_exercise_text_shows_the_arithmetic() -> None:
    result = run("exercise")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Price: $15 per 1M tokens — gpt-4o-2024-05-13 output price in force on 2024-05-13" in out
    assert "1,000,000 rows × 1,000 tokens = 1,000,000,000 tokens" in out
    assert "1,000,000,000 tokens × $15 / 1M = $15,000.00" in out
    assert "= $7,500.00" in out and "$15.00 - $7.50 = $7.50" in out
    assert "24 h × $50/h = $1,200.00" in out
    assert "= 160,000 rows" in out


def test_exercise_json() -> None:
    data = run_json("exercise")
    big, small = data["scenarios"]
    assert Decimal(big["standard_cost"]) == 15_000 and Decimal(big["batch_cost"]) == 7_500
    assert Decimal(small["standard_cost"]) == 15 and Decimal(small["batch_cost"]) == Decimal("7.5")
    assert big["worth_waiting"] is True and small["worth_waiting"] is False
    assert Decimal(data["break_even_rows"]) == 160_000
    assert isinstance(big["standard_cost"], str)  # decimals as strings, never floats
    assert big["steps"][0]["arithmetic"] == "1,000,000 rows × 1,000 tokens = 1,000,000,000 tokens"


def test_exercise_flat_override_and_other_sizes() -> None:
    data = run_json("exercise", "--price-per-mtok", "15", "--batch-multiplier", "0.5", "--rows", "2000",
                    "--tokens-per-row", "500", "--value-per-hour", "10", "--wait-hours", "1")
    s = data["scenarios"][0]
    assert (Decimal(s["standard_cost"]), Decimal(s["batch_cost"]), Decimal(s["wait_cost"])) == (
        Decimal(15), Decimal("7.5"), Decimal(10))
    assert s["worth_waiting"] is False
    assert data["price"]["overridden"] is True and "flat override" in data["price"]["source"]


@pytest.mark.parametrize(
    "args",
    [("--price-per-mtok", "abc"), ("--price-per-mtok", "-1"), ("--rows", "-5"), ("--as-of", "May 13"),
     ("--batch-multiplier", "2")],
    ids=["not-a-number", "negative-price", "negative-rows", "bad-date", "multiplier"],
)
def test_exercise_bad_options_exit_2(args: tuple[str, ...]) -> None:
    result = run("exercise", *args)
    assert result.exit_code == 2, result.output


def test_exercise_unknown_model_exits_1() -> None:
    result = run("exercise", "--model", "gpt-4o-2099-01-01")
    assert result.exit_code == 1
    assert "unknown model" in result.stderr


# --------------------------------------------------------------------------
# plan
# --------------------------------------------------------------------------

FAST = ("--concurrency", "1000000", "--latency", "0.001")  # standard finishes at once: the wait is the window


@pytest.mark.parametrize(("rows", "recommendation"), [("1000", "standard"), ("1000000", "batch")])
def test_plan_classic_decision(prices: str, rows: str, recommendation: str) -> None:
    data = run_json("plan", "-m", "test-flat-15", "--price-file", prices, "--rows", rows,
                    "--input-tokens-per-row", "0", "--output-tokens-per-row", "1000", *FAST)
    d = data["decision"]
    assert d["recommended"] == recommendation
    assert Decimal(d["value_per_hour"]) == 50 and d["assumed_value_per_hour"] is True
    bt = d["batch"]
    assert Decimal(bt["savings"]) == Decimal(int(rows)) * Decimal("0.0075")
    assert Decimal(23) < Decimal(bt["wait_hours"]) <= 24
    assert Decimal(159_000) < Decimal(bt["break_even_rows"]) <= 160_000
    assert data["batch"]["file_count"] == (1 if rows == "1000" else 20)
    assert Decimal(data["batch"]["worst_case_hours"]) == 24


def test_plan_with_tier_limits_makes_waves(prices: str) -> None:
    data = run_json("plan", "-m", "test-flat-15", "--price-file", prices, "--rows", "1000",
                    "--input-tokens-per-row", "1000", "--output-tokens-per-row", "100", "--limits", "openai-tier-1")
    b = data["batch"]
    assert b["queue"]["enqueued_tokens"] == 90_000
    assert b["file_count"] == 12 and b["waves"] == 12
    assert Decimal(b["worst_case_hours"]) == 288
    t = data["times"]["standard"]
    # 30,000 TPM / (1,000 + 100) tokens a request.
    assert t["bottleneck"] == "tpm"
    assert Decimal(t["requests_per_minute"]).quantize(Decimal("0.01")) == Decimal("27.27")
    assert data["rate_limits"]["rpm"] == 500


def test_plan_text_and_deadline(prices: str) -> None:
    result = run("plan", "-m", "test-flat-15", "--price-file", prices, "--rows", "1000000",
                 "--input-tokens-per-row", "0", "--output-tokens-per-row", "1000", "--deadline-hours", "12", *FAST)
    assert result.exit_code == 0, result.output
    assert "Recommendation: standard" in result.stdout
    assert "batch would save $7,500.00, but it misses the deadline" in result.stdout
    assert "Assumed: results are needed within 12 h" in result.stdout
    assert "Batch: 20 file(s)" in result.stdout


def test_plan_expiry(prices: str) -> None:
    data = run_json("plan", "-m", "test-flat-15", "--price-file", prices, "--rows", "1000",
                    "--input-tokens-per-row", "0", "--output-tokens-per-row", "1000", "--completion-share", "0.9")
    e = data["expiry"]
    assert e["remainder_requests"] == 100
    assert Decimal(e["resubmit_batch_cost"]) == Decimal("0.75")
    assert Decimal(e["resubmit_standard_cost"]) == Decimal("1.5")


@pytest.mark.parametrize(
    "args",
    [(), ("--rows", "10"), ("--rows", "10", "--input-tokens-per-row", "x", "--output-tokens-per-row", "1"),
     ("--rows", "10", "--input-tokens-per-row", "1", "--output-tokens-per-row", "1", "--limits", "tier-9"),
     ("--rows", "10", "--input-tokens-per-row", "1", "--output-tokens-per-row", "1", "--completion-share", "2"),
     ("--rows", "10", "--input-tokens-per-row", "1", "--output-tokens-per-row", "1", "--latency", "0")],
    ids=["no-size", "no-tokens", "bad-number", "unknown-limits", "share", "latency"],
)
def test_plan_bad_options_exit_2(prices: str, args: tuple[str, ...]) -> None:
    result = run("plan", "-m", "test-flat-15", "--price-file", prices, *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""


# --------------------------------------------------------------------------
# route
# --------------------------------------------------------------------------


def test_route(prices: str) -> None:
    data = run_json("route", "-m", "test-cut", "--price-file", prices, "--as-of", "2025-01-01",
                    "--daily-requests", "10000", "--interactive-share", "0.3", "--batch-share", "0.5",
                    "--backfill", "500000", "--input-tokens-per-request", "1000", "--output-tokens-per-request", "200")
    assert [(r["mode"], r["requests_per_day"], Decimal(r["cost_per_day"])) for r in data["routes"]] == [
        ("streaming_early_exit", 3_000, Decimal(24)), ("standard", 3_500, Decimal(28)), ("batch", 3_500, Decimal(14))]
    assert Decimal(data["monthly_cost"]) == 1_980
    assert Decimal(data["moved_savings_monthly"]) == 420
    assert Decimal(data["backfill"]["savings"]) == 2_000
    text = run("route", "-m", "test-cut", "--price-file", prices, "--as-of", "2025-01-01", "--daily-requests", "10",
               "--input-tokens-per-request", "1", "--output-tokens-per-request", "1")
    assert text.exit_code == 0 and "Blend:" in text.stdout


# --------------------------------------------------------------------------
# forecast
# --------------------------------------------------------------------------


def test_forecast_future_price_and_budget(prices: str) -> None:
    data = run_json("forecast", "-m", "test-cut", "--price-file", prices, "--requests-per-month", "1000",
                    "--input-tokens-per-request", "1000", "--output-tokens-per-request", "100",
                    "--start", "2030-11", "--months", "4", "--budget", "2")
    std = [r for r in data["rows"] if r["plan"] == "all standard"]
    assert [(r["month"], Decimal(r["cost"])) for r in std] == [
        ("2030-11-01", Decimal("6.5")), ("2030-12-01", Decimal("6.5")),
        ("2031-01-01", Decimal("1.4")), ("2031-02-01", Decimal("1.4"))]
    assert data["price_changes"][0]["month"] == "2031-01-01"
    plans = {p["name"]: p for p in data["plans"]}
    assert set(plans) == {"all standard", "all batch", "hybrid"}
    assert plans["all standard"]["first_month_over_budget"] == "2030-11-01"


def test_forecast_custom_plans_and_text(prices: str) -> None:
    result = run("forecast", "-m", "test-cut", "--price-file", prices, "--requests-per-day", "100",
                 "--input-tokens-per-request", "1000", "--output-tokens-per-request", "100", "--start", "2030-01",
                 "--months", "3", "--growth-pct", "10", "--plan", "mostly batch=standard:0.2,batch:0.8",
                 "--budget", "1000")
    assert result.exit_code == 0, result.output
    assert "mostly batch" in result.stdout and "2030-03" in result.stdout
    assert "mostly batch: within budget" in result.stdout


@pytest.mark.parametrize(
    "args",
    [("--requests-per-day", "1", "--requests-per-month", "1"), (),
     ("--requests-per-day", "1", "--plan", "nonsense"), ("--requests-per-day", "1", "--plan", "x=standard:0.5"),
     ("--requests-per-day", "1", "--start", "soon")],
    ids=["both-volumes", "no-volume", "plan-syntax", "plan-shares", "start"],
)
def test_forecast_bad_options_exit_2(prices: str, args: tuple[str, ...]) -> None:
    result = run("forecast", "-m", "test-cut", "--price-file", prices, "--input-tokens-per-request", "1",
                 "--output-tokens-per-request", "1", *args)
    assert result.exit_code == 2, result.output


# --------------------------------------------------------------------------
# write-batch
# --------------------------------------------------------------------------


def write_csv(path: Path, rows: list[tuple[str, str]]) -> str:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows(rows)
    return str(path)


def test_write_batch(tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "data.csv", [(f"r{i}", f"review {i}, \"quoted\"\nline") for i in range(5)])
    out = tmp_path / "out"
    out.mkdir()
    manifest = run_json("write-batch", data_file, "-m", "gpt-4o", "--column", "text", "--system", "Label it.",
                        "--max-tokens", "20", "--out", str(out / "reviews"), "--max-requests-per-file", "2")
    assert [Path(f["path"]).name for f in manifest["files"]] == ["reviews-001.jsonl", "reviews-002.jsonl",
                                                                 "reviews-003.jsonl"]
    assert manifest["requests"] == 5
    requests = [json.loads(line) for f in manifest["files"] for line in Path(f["path"]).read_text("utf-8").splitlines()]
    assert [r["body"]["messages"][1]["content"] for r in requests] == [f"review {i}, \"quoted\"\nline" for i in range(5)]
    assert requests[0]["url"] == "/v1/chat/completions" and requests[0]["body"]["max_tokens"] == 20
    assert [f["first_row"] for f in manifest["files"]] == [1, 3, 5]
    again = run("write-batch", data_file, "-m", "gpt-4o", "--column", "text", "--out", str(out / "reviews"))
    assert again.exit_code == 2 and "--overwrite" in again.stderr


def test_write_batch_anthropic_with_ids(tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "data.csv", [("a-1", "x"), ("b-2", "y")])
    manifest = run_json("write-batch", data_file, "-m", "claude-sonnet-4-5-20250929", "--column", "text",
                        "--max-tokens", "50", "--id-column", "id", "--out", str(tmp_path / "claude"))
    lines = Path(manifest["files"][0]["path"]).read_text("utf-8").splitlines()
    assert [json.loads(x)["custom_id"] for x in lines] == ["a-1", "b-2"]
    assert manifest["format"] == "anthropic"


def test_write_batch_duplicate_ids_exit_1(tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "data.csv", [("a", "x"), ("b", "y"), ("a", "z")])
    result = run("write-batch", data_file, "-m", "gpt-4o", "--column", "text", "--id-column", "id",
                 "--out", str(tmp_path / "dup"))
    assert result.exit_code == 1
    assert "'a' in rows 1 and 3" in result.stderr
    assert not list(tmp_path.glob("dup*"))


def test_write_batch_missing_column_exit_1(tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "data.csv", [("a", "x")])
    result = run("write-batch", data_file, "-m", "gpt-4o", "--column", "txt", "--out", str(tmp_path / "m"))
    assert result.exit_code == 1
    assert "txt" in result.stderr


def test_write_batch_needs_column_or_template(tmp_path: Path) -> None:
    data_file = write_csv(tmp_path / "data.csv", [("a", "x")])
    result = run("write-batch", data_file, "-m", "gpt-4o", "--out", str(tmp_path / "m"))
    assert result.exit_code == 2


# --------------------------------------------------------------------------
# plan from a dataset
# --------------------------------------------------------------------------


def test_plan_from_a_file_measures_the_real_lines(tmp_path: Path, prices: str) -> None:
    data_file = write_csv(tmp_path / "data.csv", [(f"r{i}", f"ünïcode review {i} " * (i % 7 + 1)) for i in range(40)])
    model = ("-m", "test-flat-15", "--price-file", prices)
    request = ("--column", "text", "--system", "Label it.", "--max-tokens", "20")
    data = run_json("plan", data_file, *model, *request, "--as-of", "2025-01-01", "--output-tokens", "10",
                    "--limits", "openai-tier-1")
    assert data["job"]["requests"] == 40 and data["job"]["output_tokens"] == 400
    b = data["batch"]
    assert b["bytes_measured"] is True and b["requests"] == 40
    # Prompt tokens counted for the queue limit match the estimate's input count (same chat framing).
    assert b["input_tokens"] == data["job"]["input_tokens"]
    # The bytes the plan measured are the bytes write-batch writes.
    written = run_json("write-batch", data_file, *model, *request, "--out", str(tmp_path / "w"))
    assert written["requests"] == 40
    assert b["bytes"] == written["bytes"] == sum((tmp_path / f"w-{i:03d}.jsonl").stat().st_size for i in (1,))


def test_plan_file_and_numbers_conflict(tmp_path: Path, prices: str) -> None:
    data_file = write_csv(tmp_path / "data.csv", [("a", "x")])
    both = run("plan", data_file, "-m", "test-flat-15", "--price-file", prices, "--column", "text", "--rows", "5")
    assert both.exit_code == 2 and "not both" in both.stderr
    column_only = run("plan", "-m", "test-flat-15", "--price-file", prices, "--column", "text", "--rows", "5",
                      "--input-tokens-per-row", "1", "--output-tokens-per-row", "1")
    assert column_only.exit_code == 2 and "--column needs FILE" in column_only.stderr


@pytest.mark.parametrize(("rows", "files"), [(50_000, 1), (50_001, 2)], ids=["50k-rows", "50k-and-one"])
def test_dataset_at_the_request_limit(tmp_path: Path, rows: int, files: int) -> None:
    data_file = tmp_path / "rows.csv"
    data_file.write_text("id,text\n" + "".join(f"{i},review {i}\n" for i in range(rows)), encoding="utf-8")
    data = run_json("plan", str(data_file), "-m", "gpt-4o", "--column", "text", "--output-tokens", "5",
                    "--as-of", "2025-01-01")
    assert data["job"]["requests"] == rows
    assert data["batch"]["file_count"] == files and data["batch"]["bytes_measured"] is True
    written = run_json("write-batch", str(data_file), "-m", "gpt-4o", "--column", "text", "--out",
                       str(tmp_path / "req"))
    assert [f["requests"] for f in written["files"]] == [50_000, rows - 50_000][:files]
    assert [f["bytes"] for f in written["files"]] == [f["bytes"] for f in data["batch"]["files"]]
