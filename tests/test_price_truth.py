"""Every price is a rule or a published figure; every name a user types resolves or says why not.

A tier's price is the provider's rule applied to the entry in force. A figure written for one
model (explicit batch prices, ``tier_prices``) exists only where the provider prints a different
one: a figure equal to what the rule gives is a copy waiting to go stale, and fails here, as does
a new dated entry that carries an older entry's tier figures over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import estimator
from estimator.cli import main
from estimator.errors import PricingError, UnknownModelError, UsageError
from estimator.modes import CacheParams, ModeParams
from estimator.planning.forecast import ModeMix, Volume, build_forecast
from estimator.pricing import load_pricebook, override_price, resolve_price
from estimator.pricing.crosscheck import check
from estimator.pricing.rates import ModeUnavailable, rates
from estimator.pricing.references import litellm_entries, pins, references_dir
from estimator.usage import RequestSize

ROOT = Path(__file__).resolve().parent.parent
BOOK = load_pricebook(strict=True)
DAY = dt.date(2026, 12, 5)
BATCH_FIELDS = {"batch_input_per_mtok": "input_per_mtok", "batch_output_per_mtok": "output_per_mtok",
                "batch_cached_input_per_mtok": "cached_input_per_mtok"}


def _explicit_figures():  # (model, entry, mode, field, figure, input tokens of the row)
    for m in BOOK.models:
        for p in m.prices:
            for row, tokens in ((p, 0), *((t, t.boundary + 1) for t in p.tiers)):
                for name, field in BATCH_FIELDS.items():
                    if getattr(row, name) is not None:
                        yield m, p, "batch", field, getattr(row, name), tokens
            for tp in p.tier_prices:
                for name in ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok"):
                    if getattr(tp, name) is not None:
                        yield m, p, tp.tier, name, getattr(tp, name), 0


def test_no_explicit_figure_equals_its_rule() -> None:
    copies = []
    for m, p, mode, field, figure, tokens in _explicit_figures():
        price = m.price_on(max(p.effective_from, dt.date(2026, 12, 5)) if p.effective_until is None
                           else p.effective_from)
        try:
            rule = rates(price, mode, input_tokens=tokens, explicit=False)[field]
        except ModeUnavailable:
            rule = rates(m.price_on(p.effective_from), mode, input_tokens=tokens, explicit=False)[field]
        if rule == figure:
            copies.append(f"{m.id}@{p.effective_from} {mode} {field} = {figure}: the rule gives the same")
    assert not copies, "explicit figures that copy their rule (delete them):\n" + "\n".join(copies)
    assert len(list(_explicit_figures())) >= 5  # the published exceptions are still there


def test_a_new_entry_does_not_carry_tier_figures_over() -> None:
    carried = []
    for m in BOOK.models:
        for old, new in zip(m.prices, m.prices[1:]):
            if (old.input_per_mtok, old.output_per_mtok) == (new.input_per_mtok, new.output_per_mtok):
                continue
            for name in BATCH_FIELDS:
                if getattr(new, name) is not None and getattr(new, name) == getattr(old, name):
                    carried.append(f"{m.id}@{new.effective_from} {name}")
            for tp in new.tier_prices:
                before = old.tier_price(tp.tier)
                if before is not None and before.input_per_mtok == tp.input_per_mtok and tp.input_per_mtok is not None:
                    carried.append(f"{m.id}@{new.effective_from} {tp.tier}")
    assert not carried, f"tier figures carried over from an older entry: {carried}"


@pytest.mark.parametrize(("model", "day", "mode", "inp", "out"), [
    # Gemini 4 Argon from 2026-12-01 ($4/$20): batch and flex half, priority 1.8x (Google's rules)
    ("gemini-4-argon", dt.date(2026, 12, 1), "batch", "2", "10"),
    ("gemini-4-argon", dt.date(2026, 12, 1), "flex", "2", "10"),
    ("gemini-4-argon", dt.date(2026, 12, 1), "priority", "7.2", "36"),
    ("gemini-4-carbon", dt.date(2026, 12, 1), "priority", "7.2", "36"),
    ("gemini-3.6-flash", dt.date(2027, 1, 1), "batch", "0.75", "3.75"),
    ("gemini-3.8-flash", dt.date(2027, 1, 1), "priority", "2.7", "13.5"),
    # Claude Opus 4.6 fast mode: 6x ($30 / $150)
    ("claude-opus-4-6", dt.date(2026, 4, 1), "priority", "30", "150"),
    # GPT-6.2 Ultrafast: 3x until 2027-02-28, then 6x
    ("gpt-6.2-astra", dt.date(2026, 12, 5), "ultrafast", "24", "120"),
    ("gpt-6.2-astra", dt.date(2027, 3, 1), "ultrafast", "48", "240"),
])
def test_tier_prices_follow_the_entry_in_force(model: str, day: dt.date, mode: str, inp: str, out: str) -> None:
    r = rates(BOOK.price(model, day), mode)
    assert (r["input_per_mtok"], r["output_per_mtok"]) == (Decimal(inp), Decimal(out))


def test_batch_cache_reads_are_halved_where_google_halves_them() -> None:
    assert rates(BOOK.price("gemini-3.6-flash", DAY), "batch")["cached_input_per_mtok"] == Decimal("0.0375")
    assert rates(BOOK.price("gemini-2.5-pro", dt.date(2025, 11, 1)), "batch")["cached_input_per_mtok"] == Decimal("0.125")


def test_fast_mode_cache_prices_stack_with_the_multiplier() -> None:
    r = rates(BOOK.price("claude-opus-4-7", dt.date(2026, 5, 1)), "priority")
    assert (r["cached_input_per_mtok"], r["cache_write_per_mtok"]) == (Decimal(3), Decimal("37.5"))


def test_twelve_hour_cache_writes_are_two_and_a_half_times_input() -> None:
    assert rates(BOOK.price("gpt-6.1-terra", DAY), "standard", ttl="12h")["cache_write_per_mtok"] == Decimal("2.5")
    assert rates(BOOK.price("gpt-5.6-sol", DAY), "standard", ttl="12h")["cache_write_per_mtok"] == Decimal(10)
    with pytest.raises(PricingError, match="12h"):
        rates(BOOK.price("gpt-5.4", DAY), "standard", ttl="12h")


def test_priority_on_long_prompts_bills_at_standard() -> None:
    cmp = estimator.price({"requests": 10, "input_tokens": 3_000_000, "output_tokens": 10_000}, "gpt-5.4", as_of=DAY,
                          prices=BOOK)
    assert cmp.modes["priority"].total_cost == cmp.modes["standard"].total_cost == Decimal("15.225")
    # 200K prompts are above OpenAI's 128K exclusion but below the 272K tier: Standard's short rates
    cmp = estimator.price({"requests": 1, "input_tokens": 200_000, "output_tokens": 0}, "gpt-5.4", as_of=DAY,
                          prices=BOOK)
    assert cmp.modes["priority"].total_cost == Decimal("0.5")


def test_openai_cache_hits_come_in_128_token_increments() -> None:
    params = ModeParams(cache=CacheParams(1_100, Decimal(1)))
    cmp = estimator.price({"requests": 1, "input_tokens": 2_000, "output_tokens": 0}, "gpt-4.1", as_of=DAY,
                          prices=BOOK, modes=params)
    assert cmp.standard.cached_input_tokens == 1_024
    assert cmp.standard.input_cost == (976 * Decimal(2) + 1_024 * Decimal("0.5")) / 1_000_000
    later = estimator.price({"requests": 1, "input_tokens": 2_000, "output_tokens": 0}, "gpt-6-sol", as_of=DAY,
                            prices=BOOK, modes=params)
    assert later.standard.cached_input_tokens == 1_100  # GPT-5.6 and later: no increments


def test_an_override_reaches_every_tier() -> None:
    over = override_price(BOOK, "gpt-4o-mini", input_per_mtok=Decimal(1), output_per_mtok=Decimal(2), as_of=DAY)
    assert rates(over, "priority")["input_per_mtok"] == Decimal(2)  # the provider's 2x, not the list-price figure
    assert rates(over, "batch")["output_per_mtok"] == Decimal(1)


# --------------------------------------------------------------------------
# Uplifts
# --------------------------------------------------------------------------


def _total(model: str, uplifts: tuple[str, ...], mode: str = "standard") -> Decimal:
    cmp = estimator.price({"requests": 10, "input_tokens": 1_000_000, "output_tokens": 0}, model, as_of=DAY,
                          prices=BOOK, modes=ModeParams(uplifts=uplifts))  # 100K-token prompts: short context
    return cmp.cost(mode).total_cost


def test_uplifts_multiply_every_mode_they_are_sold_with() -> None:
    assert _total("gpt-6-astra", ("regional",)) == Decimal(11)
    assert _total("gpt-6-astra", ("regional",), "batch") == Decimal("5.5")
    assert _total("gpt-6-astra", ("fedramp",)) == Decimal(11)
    assert _total("claude-opus-4-8", ("us_inference",)) == Decimal("5.5")
    assert _total("gpt-4o", ("regional",)) == Decimal("2.5")  # released before 2026-03-05: no surcharge
    with pytest.raises(ModeUnavailable, match="global and US"):
        _total("gpt-6-astra", ("regional",), "ultrafast")


@pytest.mark.parametrize(("model", "uplift", "why"), [
    ("claude-opus-4-5", "us_inference", "older ones reject the option"),
    ("gpt-6-astra", "us_inference", "no 'us_inference' uplift"),
    ("claude-opus-4-8", "regional", "no 'regional' uplift"),
])
def test_an_uplift_a_model_does_not_offer_is_refused(model: str, uplift: str, why: str) -> None:
    with pytest.raises(PricingError, match=why) as info:
        _total(model, (uplift,))
    assert info.value.param == "uplifts"


def test_uplifts_from_the_command_line() -> None:
    runner = CliRunner()
    data = ROOT / "examples" / "reviews.csv"
    args = ["estimate", str(data), "-c", "review", "--output-tokens", "10", "--as-of", "2026-12-05", "--json"]
    base = json.loads(runner.invoke(main, [*args, "-m", "claude-opus-4-8"]).stdout)
    up = json.loads(runner.invoke(main, [*args, "-m", "claude-opus-4-8", "--uplift", "us_inference"]).stdout)
    assert Decimal(up["modes"]["standard"]["total_cost"]) == Decimal(base["modes"]["standard"]["total_cost"]) * Decimal("1.1")
    refused = runner.invoke(main, [*args, "-m", "claude-opus-4-5", "--uplift", "us_inference"])
    assert refused.exit_code != 0 and "--uplift" in refused.stderr and "reject" in refused.stderr


def test_uplifts_must_be_names() -> None:
    with pytest.raises(UsageError):
        ModeParams(uplifts="regional")  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Names a user types
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "model"), [
    ("gpt-5.6", "gpt-5.6-sol"),
    ("claude-opus-4-6-20260205", "claude-opus-4-6"),
    ("claude-opus-4-7-20260416", "claude-opus-4-7"),
    ("gemini/gemini-3.8-flash", "gemini-3.8-flash"),
])
def test_aliases_and_snapshot_ids_price_as_the_curated_entry(name: str, model: str) -> None:
    priced = resolve_price(BOOK, name, as_of=DAY)
    assert priced.model.id == model and priced.price.fallback is None
    est = estimator.estimate(["hello"], model=name, output_tokens=1, as_of=DAY, prices=BOOK)
    doc = est.to_json()
    assert (doc["model"], doc["model_requested"]) == (model, name)


def test_every_text_model_either_reference_lists_is_priced_or_refused_with_a_reason() -> None:
    book = load_pricebook()  # the fallback allowed
    from genai_prices.data_snapshot import get_snapshot

    names = {(str(v["litellm_provider"]), k.removeprefix("gemini/")) for k, v in litellm_entries().items()
             if v.get("mode") in ("chat", "embedding", "responses", "completion")}
    names |= {(p.id, m.id) for p in get_snapshot().providers if p.id in ("openai", "anthropic", "google")
              for m in p.models}
    silent = []
    for _, name in sorted(names):
        try:
            book.model(name, DAY)
        except UnknownModelError as exc:
            if "It is not priced:" not in str(exc):
                silent.append(name)
    assert not silent, f"refused without a reason: {silent}"


def test_an_unknown_name_says_what_is_close() -> None:
    with pytest.raises(UnknownModelError, match="Did you mean: .*gpt-5.5"):
        BOOK.model("gpt-5.55")


# --------------------------------------------------------------------------
# Forecasts from a launch month
# --------------------------------------------------------------------------


def test_a_forecast_from_the_launch_month_prices_from_the_launch_day() -> None:
    model = BOOK.model("gpt-6.2-astra")
    volume = Volume(1000, "day", RequestSize.per_request(1000, 100))
    f = build_forecast(model, volume, [ModeMix("standard", {"standard": Decimal(1)})], start=dt.date(2026, 11, 1),
                       horizon_months=2)
    first = f.plans[0].months[0]
    assert first.unpriced_requests == 16_000 and first.cost == Decimal(14_000) * Decimal("0.012")
    assert any("first offered on 2026-11-17" in n and "not priced" in n for n in f.notes)


# --------------------------------------------------------------------------
# The references and the cross-check
# --------------------------------------------------------------------------


def test_the_pinned_references_are_the_ones_recorded() -> None:
    pin = pins()["litellm"]
    data = (references_dir() / str(pin.file)).read_bytes()
    assert hashlib.sha256(data).hexdigest() == pin.sha256
    manifest = tomllib.loads((references_dir() / "references.toml").read_text(encoding="utf-8"))
    version = manifest["genai-prices"]["version"]
    for path in ("pyproject.toml", "constraints.txt"):
        assert f"genai-prices=={version}" in (ROOT / path).read_text(encoding="utf-8"), path


def test_an_acknowledgement_stops_covering_a_field_when_a_value_changes(tmp_path: Path) -> None:
    text = (ROOT / "pricing" / "google.toml").read_text(encoding="utf-8")
    # Google's page moves Argon again: our value changes, the litellm acknowledgement must not cover it.
    before, after = "effective_from = 2026-12-01\ninput_per_mtok = 4.00", "effective_from = 2026-12-01\ninput_per_mtok = 4.50"
    changed = text.replace(before, after)
    assert changed != text
    (tmp_path / "google.toml").write_text(changed, encoding="utf-8")
    for other in ("openai.toml", "anthropic.toml"):
        (tmp_path / other).write_text((ROOT / "pricing" / other).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "references").mkdir()
    book = load_pricebook(directory=tmp_path, strict=True)
    open_ = [d for d in check(book, DAY).unacknowledged if d.model == "gemini-4-argon"]
    assert any(d.field == "input_per_mtok" and d.ours == "4.5" for d in open_)


def test_prices_check_prints_the_fields_compared() -> None:
    result = CliRunner().invoke(main, ["prices", "--check", "--as-of", "2026-12-05"])
    assert result.exit_code == 0, result.output
    head = result.stdout.splitlines()[0]
    assert re.search(r"genai-prices 0\.2\.5, litellm 1\.110\.2 .*: [\d,]+ fields compared", head)
    assert head.endswith("0 unacknowledged")


# --------------------------------------------------------------------------
# Counts in the docs come from the data
# --------------------------------------------------------------------------


def test_the_readme_counts_match_the_tables() -> None:
    readme = (ROOT / "pricing" / "README.md").read_text(encoding="utf-8")
    for provider in BOOK.providers:
        row = re.search(rf"^\| `{provider.id}\.toml` \| [^|]+\| (\d+) \|", readme, re.M)
        assert row is not None, provider.id
        assert int(row.group(1)) == len(provider.models), (provider.id, len(provider.models))
