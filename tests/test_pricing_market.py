"""Today's market: the genai-prices fallback, strict mode, the dated cross-check and spot prices.

genai-prices is in the ``test`` extra: these tests import it and never skip.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import genai_prices  # noqa: F401  - a missing database must fail here, not skip
import pytest
from click.testing import CliRunner

import estimator
from estimator.cli import main
from estimator.errors import PricingError, UnknownModelError
from estimator.modes import CacheParams, ModeParams, compare
from estimator.pricing import load_pricebook
from estimator.pricing.crosscheck import check as check_prices
from estimator.pricing.fallback import CHECKED, DATABASE, lookup
from estimator.pricing.references import pins
from estimator.usage import Usage

BOOK = load_pricebook()
STRICT = load_pricebook(strict=True)
TODAY = dt.date(2026, 11, 29)
CHECK_DAY = dt.date(2026, 12, 5)  # the day the acknowledged differences were written
PINNED_VERSION = pins()[DATABASE].version
ONLY_IN_DATABASE = "gpt-4-turbo"  # in genai-prices, not in the curated tables


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# --------------------------------------------------------------------------
# The fallback
# --------------------------------------------------------------------------


def test_a_model_only_the_database_knows_is_priced_and_labelled() -> None:
    assert not BOOK.curated(ONLY_IN_DATABASE)
    price = BOOK.price(ONLY_IN_DATABASE, TODAY)
    assert price.input_per_mtok == Decimal(10) and price.output_per_mtok == Decimal(30)
    assert price.fallback == f"{DATABASE} {PINNED_VERSION} (checked {CHECKED})"
    assert any(DATABASE in n and PINNED_VERSION in n for n in price.notices)
    # The database shows it sold through Batch, so our OpenAI batch rule (50%) prices it.
    costs = compare(Usage(1, 1_000_000, 1_000_000), price)
    assert costs.modes["batch"].total_cost == Decimal(20)


def test_fallback_in_the_estimate_json_and_text() -> None:
    est = estimator.estimate(["hello world"] * 3, model=ONLY_IN_DATABASE, output_tokens=10, as_of=TODAY)
    doc = json.loads(estimator.report.json_text(est.to_json()))
    assert doc["price_database"] == {
        "name": DATABASE, "version": PINNED_VERSION, "checked": str(CHECKED), "entry_dated": False,
        "note": f"{DATABASE} entry for '{ONLY_IN_DATABASE}'",
    }
    assert doc["pricing_date"] is None  # the database does not date this entry
    assert any("not in the curated tables" in n for n in doc["notes"])
    assert "not in the curated tables" in est.to_text()
    curated = estimator.estimate(["hello world"], model="gpt-4o", output_tokens=10, as_of=TODAY)
    assert curated.to_json()["price_database"] is None


def test_batch_price_unknown_without_a_rule_that_applies() -> None:
    # o1-mini: the database shows no batch price for it, so no batch mode is invented.
    est = estimator.estimate(["hi"], model="o1-mini", output_tokens=5, as_of=TODAY)
    doc = est.as_dict()
    assert "batch" not in doc["modes"]
    assert doc["modes_unavailable"]["batch"].startswith("batch price unknown")
    assert DATABASE in doc["modes_unavailable"]["batch"]
    assert doc["modes"]["standard"]["total_cost"] > 0


@pytest.mark.parametrize("name", ["no-such-model", "gpt-4o-2099", "tts-1", "gemma-3"])
def test_unknown_everywhere_or_not_per_token_is_still_an_error(name: str) -> None:
    with pytest.raises(UnknownModelError):
        BOOK.model(name)


def test_strict_refuses_the_fallback_and_says_why() -> None:
    with pytest.raises(UnknownModelError) as info:
        STRICT.model(ONLY_IN_DATABASE)
    assert DATABASE in str(info.value)
    assert "--strict-prices" in info.value.render({"strict_prices": "--strict-prices"})
    assert STRICT.model("gpt-4o").id == "gpt-4o"  # curated models are unaffected


def test_a_curated_model_is_never_taken_from_the_fallback() -> None:
    for m in BOOK.models:
        for name in (m.id, *m.aliases):
            got = BOOK.model(name)
            assert got is m and got.prices[0].fallback is None, name
    # A name the database resolves to a curated model is priced by the curated entry, never the database.
    book_index = {n: m for m in BOOK.models for n in (m.id, *m.aliases)}
    found = lookup("claude-opus-4-6-20260205", BOOK.providers, book_index)
    assert found.curated == "claude-opus-4-6" and found.model is None


def test_cli_strict_prices_flag() -> None:
    code, out, err = run("prices", ONLY_IN_DATABASE, "--json")
    assert code == 0 and json.loads(out)["price_database"]["name"] == DATABASE
    code, out, err = run("prices", ONLY_IN_DATABASE, "--strict-prices")
    assert code == 1 and "--strict-prices refuses" in err and out == ""


# --------------------------------------------------------------------------
# The cross-check, today and over history
# --------------------------------------------------------------------------


KNOWN = [
    ("anthropic", "claude-sonnet-4-20250514", "above_200000.input_per_mtok"),  # genai-prices lacks the tier
    ("openai", "gpt-4o", "input_per_mtok"),  # alias history: $5 until 2024-10-02
    ("openai", "o3", "cached_input_per_mtok"),  # launch cached price $2.50
]


def test_history_check_finds_the_known_disagreements_acknowledged() -> None:
    found = {(d.provider, d.model, d.field): d for d in check_prices(BOOK, CHECK_DAY).differences
             if d.database == DATABASE}
    for key in KNOWN:
        assert key in found, key
        assert found[key].acknowledged, key
    assert found[("openai", "gpt-4o", "input_per_mtok")].first == dt.date(2024, 5, 13)


def test_no_unacknowledged_disagreement_on_any_date() -> None:
    result = check_prices(BOOK, CHECK_DAY)
    assert not [d.describe() for d in result.unacknowledged]
    assert result.by_database[DATABASE] > 2_500 and result.by_database["litellm"] > 1_000


def test_an_unacknowledged_disagreement_fails(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A user file with a wrong gpt-4o price: the check must flag it.
    (tmp_path / "mine.toml").write_text(
        'provider = "openai"\ndisplay_name = "OpenAI"\npricing_page = "https://example.com/prices"\n'
        '[[models]]\nid = "gpt-4o-mini"\ndisplay_name = "x"\ntokenizer = "o200k_base"\nchecked = 2026-11-29\n'
        '[[models.prices]]\neffective_from = 2024-07-18\ninput_per_mtok = 9\noutput_per_mtok = 9\n'
        'source = "https://example.com/prices"\n', encoding="utf-8")
    book = load_pricebook([tmp_path / "mine.toml"])
    assert [d for d in check_prices(book, CHECK_DAY).unacknowledged if d.model == "gpt-4o-mini"]


# --------------------------------------------------------------------------
# Today's prices at the right date (figures from the providers' pages)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "day", "inp", "out"), [
    ("gpt-5.5", dt.date(2026, 11, 29), "5.00", "30.00"),
    ("claude-opus-4-8", dt.date(2026, 11, 29), "5.00", "25.00"),
    ("claude-opus-5-5", dt.date(2026, 11, 29), "4.00", "20.00"),
    ("gemini-4-argon", dt.date(2026, 11, 30), "2.00", "10.00"),
    ("gemini-4-argon", dt.date(2026, 12, 1), "4.00", "20.00"),
])
def test_estimate_json_prices_at_the_date(model: str, day: dt.date, inp: str, out: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "rows.csv"
    data.write_text("text\none two three\n", encoding="utf-8")
    code, stdout, err = run("estimate", str(data), "--column", "text", "--model", model, "--as-of", day.isoformat(),
                            "--output-tokens", "1", "--json")
    assert code == 0, err
    doc = json.loads(stdout)
    assert Decimal(doc["prices_usd_per_mtok"]["input_per_mtok"]) == Decimal(inp)
    assert Decimal(doc["prices_usd_per_mtok"]["output_per_mtok"]) == Decimal(out)
    assert doc["price_database"] is None


def test_moving_alias_priced_at_the_date() -> None:
    assert BOOK.model("gemini-flash-latest", dt.date(2026, 2, 1)).id == "gemini-3-flash-preview"
    assert BOOK.model("gemini-flash-latest", TODAY).id == "gemini-3.8-flash"
    est = estimator.estimate(["hi"], model="gemini-pro-latest", output_tokens=1, as_of=dt.date(2026, 2, 1))
    assert est.to_json()["model"] == "gemini-3-pro-preview"
    with pytest.raises(PricingError, match="no known target"):
        BOOK.model("gemini-flash-lite-latest", dt.date(2026, 1, 1))


def test_fast_mode_end_dates() -> None:
    u = Usage(1, 1_000_000, 1_000_000)
    assert compare(u, BOOK.price("claude-opus-4-8", dt.date(2026, 11, 29))).modes["priority"].total_cost == 60
    gone = compare(u, BOOK.price("claude-opus-4-8", dt.date(2026, 11, 30))).unavailable["priority"]
    assert "withdrawn on 2026-11-30" in gone
    assert "priority" in compare(u, BOOK.price("claude-opus-4-7", TODAY)).unavailable
    assert "priority" in compare(u, BOOK.price("claude-opus-4-6", TODAY)).unavailable


def test_one_hour_cache_writes_on_every_caching_claude_entry() -> None:
    u = Usage(100, 1_000_000, 10_000)
    params = ModeParams(cache=CacheParams(4096, Decimal("0.5"), ttl="1h"))
    for m in BOOK.provider("anthropic").models:
        for p in m.prices:
            day = max(p.effective_from, dt.date(2025, 5, 22))  # the 1-hour TTL's (assumed) launch
            if p.effective_until is not None and day >= p.effective_until:
                continue
            price = m.price_on(day)
            if price.cached_input_per_mtok is None:
                continue
            assert price.cache_write_1h_per_mtok == price.input_per_mtok * 2, (m.id, p.effective_from)
            compare(u, price, params)  # never raises


GEMINI = [m for m in BOOK.provider("google").models if m.kind == "chat"]


@pytest.mark.parametrize("model", GEMINI, ids=[m.id for m in GEMINI])
@pytest.mark.parametrize("hit", [Decimal(0), Decimal("0.3"), Decimal(1)])
def test_caching_never_makes_a_gemini_batch_dearer(model: estimator.pricing.Model, hit: Decimal) -> None:
    usage = Usage(200, 2_000_000, 100_000)
    for entry in model.prices:
        price = model.price_on(entry.effective_from)
        plain = compare(usage, price)
        if "batch" not in plain.modes:
            continue
        for prefix in (1024, 4096, 9000):
            cached = compare(usage, price, ModeParams(cache=CacheParams(prefix, hit)))
            assert cached.modes["batch"].total_cost <= plain.modes["batch"].total_cost, (entry.effective_from, prefix)
