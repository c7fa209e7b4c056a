"""Messages that must say where and what: bare-CR line numbers, unknown tokenizers, plans without batch
prices, a pricing date after today, absurd growth."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from estimator.cli import main
from estimator.errors import DataError, PricingError, UsageError
from estimator.planning import Volume
from estimator.pricing import load_pricebook
from estimator.reading.dataset import open_dataset
from estimator.usage import RequestSize

CUSTOM = """schema_version = 1
provider = "acme"
display_name = "Acme"
currency = "USD"
pricing_page = "https://example.com/pricing"

[[models]]
id = "acme-1"
display_name = "Acme 1"
kind = "chat"
tokenizer = "{tokenizer}"
checked = 2026-01-01

[[models.prices]]
effective_from = 2025-01-01
input_per_mtok = 1.0
output_per_mtok = 2.0
source = "https://example.com/pricing"
"""


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def text_of(result: Result) -> str:
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


def assert_clean(result: Result, code: int) -> str:
    text = text_of(result)
    assert result.exit_code == code, text
    assert "Traceback" not in text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return text


@pytest.fixture
def ok_csv(tmp_path: Path) -> Path:
    path = tmp_path / "ok.csv"
    path.write_text("text\nhello\nworld\n", encoding="utf-8")
    return path


def price_file(tmp_path: Path, tokenizer: str = "o200k_base") -> Path:
    path = tmp_path / "acme.toml"
    path.write_text(CUSTOM.format(tokenizer=tokenizer), encoding="utf-8")
    return path


# -- bare CR line ends ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b"id,text\r1,a\r2,b\r3,c,d\r4,e\r", 4),
        (b"id,text\r\n1,a\r\n2,b\r\n3,c,d\r\n", 4),
        (b"id,text\n1,a\n2,b\n3,c,d\n", 4),
        (b"id,text\r\r1,a\r2,b\r3,c,d\r", 5),  # a blank line still counts
        (b"id,text\r1,\"a\rb\"\r2,b\r3,c,d\r", 5),  # a line end inside quotes is a physical line
    ],
    ids=["bare-cr", "crlf", "lf", "bare-cr-blank-line", "bare-cr-in-quotes"],
)
def test_bad_row_names_its_physical_line_whatever_the_line_ends(tmp_path: Path, content: bytes, line: int) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(content)
    with open_dataset(path) as ds, pytest.raises(DataError) as info:
        for _ in ds.batches(["text"]):
            pass
    assert info.value.line == line
    assert f"line {line} (data row 3)" in info.value.message


def test_open_quote_in_a_bare_cr_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_bytes(b'id,text\r1,a\r2,"b\r3,c\r')
    with pytest.raises(DataError, match=r"line 3, column 3"), open_dataset(path) as ds:
        for _ in ds.batches(["text"]):
            pass


def test_not_utf8_in_a_bare_cr_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"id,text\r1,a\r2,b\r3,caf\xe9\r")
    with pytest.raises(DataError, match=r"line 4"), open_dataset(path) as ds:
        for _ in ds.batches(["text"]):
            pass


# -- price files ---------------------------------------------------------------------


def test_unknown_tokenizer_names_the_file_and_the_model(tmp_path: Path, ok_csv: Path) -> None:
    path = price_file(tmp_path, tokenizer="acme_bpe")
    with pytest.raises(PricingError) as info:
        load_pricebook(extra_files=[path])
    assert str(path) in info.value.message
    assert "acme-1" in info.value.message
    assert "'acme_bpe'" in info.value.message
    assert "o200k_base" in info.value.message
    text = assert_clean(run("estimate", ok_csv, "--column", "text", "-m", "acme-1", "--price-file", path), 1)
    assert str(path) in text and "acme-1" in text


def test_provider_without_batch_section_prices_the_other_modes(tmp_path: Path, ok_csv: Path) -> None:
    path = price_file(tmp_path)
    result = run("estimate", ok_csv, "--column", "text", "-m", "acme-1", "--price-file", path, "--json")
    assert_clean(result, 0)
    doc = json.loads(result.stdout)
    assert "standard" in json.dumps(doc)
    assert any("batch unavailable" in n and "no [batch] rule" in n for n in doc["notes"]), doc["notes"]


def test_plan_without_batch_prices_recommends_sending_now(tmp_path: Path, ok_csv: Path) -> None:
    path = price_file(tmp_path)
    text = assert_clean(run("plan", ok_csv, "--column", "text", "-m", "acme-1", "--price-file", path), 0)
    assert "Recommendation: standard" in text
    assert "batch is not a way here:" in text


def test_forecast_without_batch_prices_shows_the_plans_it_can(tmp_path: Path) -> None:
    path = price_file(tmp_path)
    result = run("forecast", "-m", "acme-1", "--price-file", path, "--requests-per-day", "10",
                 "--input-tokens-per-request", "10", "--output-tokens-per-request", "5", "--months", "2", "--json")
    assert_clean(result, 0)
    doc = json.loads(result.stdout)
    assert [p["name"] for p in doc["plans"]] == ["all standard"]
    assert {u["name"] for u in doc["unavailable_plans"]} == {"all batch", "hybrid"}
    assert all("no [batch] rule" in u["reason"] for u in doc["unavailable_plans"])


def test_forecast_of_only_batch_without_batch_prices_is_an_error(tmp_path: Path) -> None:
    path = price_file(tmp_path)
    result = run("forecast", "-m", "acme-1", "--price-file", path, "--requests-per-day", "10",
                 "--input-tokens-per-request", "10", "--output-tokens-per-request", "5", "--plan", "b=batch:1")
    assert "no [batch] rule" in assert_clean(result, 1)


def test_route_without_batch_prices_says_why(tmp_path: Path) -> None:
    path = price_file(tmp_path)
    result = run("route", "-m", "acme-1", "--price-file", path, "--daily-requests", "100",
                 "--input-tokens-per-request", "100", "--output-tokens-per-request", "10", "--batch-share", "0.5")
    assert "batch unavailable" in assert_clean(result, 1)


# -- pricing date after today --------------------------------------------------------


def test_pricing_date_after_today_is_accepted_with_a_note(ok_csv: Path) -> None:
    result = run("estimate", ok_csv, "--column", "text", "-m", "gpt-4o-mini", "--as-of", "2099-01-01", "--json")
    assert_clean(result, 0)
    notes = json.loads(result.stdout)["notes"]
    assert any("2099-01-01 is after today" in n and "prices known today" in n for n in notes), notes


def test_pricing_date_of_today_has_no_such_note(ok_csv: Path) -> None:
    today = dt.date.today().isoformat()
    result = run("estimate", ok_csv, "--column", "text", "-m", "gpt-4o-mini", "--as-of", today, "--json")
    assert_clean(result, 0)
    assert not any("after today" in n for n in json.loads(result.stdout)["notes"])


# -- growth --------------------------------------------------------------------------


@pytest.mark.parametrize("growth", ["100000", "1000.5", "-100"])
def test_growth_outside_its_range_names_the_setting(growth: str) -> None:
    result = run("forecast", "-m", "gpt-4o", "--requests-per-day", "10", "--input-tokens-per-request", "10",
                 "--output-tokens-per-request", "5", "--growth-pct", growth, "--months", "600")
    text = assert_clean(result, 2)
    assert "--growth-pct" in text and "1000%" in text


def test_growth_at_the_bound_is_accepted() -> None:
    Volume(10, "day", RequestSize.per_request(10, 5), Decimal(1000))
    with pytest.raises(UsageError) as info:
        Volume(10, "day", RequestSize.per_request(10, 5), Decimal("1000.01"))
    assert info.value.param == "monthly_growth_pct"
