"""``estimate``, ``models``, ``prices`` and ``schema``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from .. import estimate as estimate_api
from .. import load_pricebook
from ..convert import as_of_date, today
from ..errors import UsageError
from ..modes import CacheParams, EarlyExitParams, ModeParams
from ..money import format_price
from ..pricing import Price, PriceBook
from ..pricing.crosscheck import check as check_prices
from ..pricing.references import pins as reference_pins
from ..pricing.shipped import display_path
from ..report.estimate import format_table, model_rows, price_history
from ..tokens import get_tokenizer
from .base import cli_words, decimal_option, echo_json, main
from .dataset_options import dataset_options, estimate_options_from, progress_line


def parse_date(value: str | None) -> dt.date:
    """The date of ``--as-of``, or today: converted by the library's door."""
    return as_of_date(value)


def pricing_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--as-of, --price-file and flat price overrides, shared by pricing commands."""
    fn = click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
                      help="Price with the entry in force on this date (default: today).")(fn)
    fn = click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False),
                      help="Your own pricing TOML (negotiated rates, fine-tuned models); overrides shipped models.")(fn)
    fn = click.option("--input-price", metavar="USD_PER_MTOK",
                      help="Override the input price (USD per million tokens).")(fn)
    fn = click.option("--output-price", metavar="USD_PER_MTOK",
                      help="Override the output price (USD per million tokens).")(fn)
    return strict_prices_option(fn)


def strict_prices_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--strict-prices: refuse models the curated tables do not price (no genai-prices fallback)."""
    return click.option("--strict-prices", "strict_prices", is_flag=True,
                        help="Only the curated price tables: refuse a model they do not list instead of "
                             "pricing it from the genai-prices database (labelled) as by default.")(fn)


def mode_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Parameters of the cost models; the defaults mean no caching and no early exit."""
    opts = [
        click.option("--cache-prefix-tokens", type=click.IntRange(min=0, max=10**12), default=0, show_default=True,
                     help="Tokens of a prefix shared by every request (e.g. the system prompt) that can be cached."),
        click.option("--cache-hit-rate", default="0", show_default=True,
                     help="Share of requests (0-1) that find the shared prefix in the cache."),
        click.option("--cancel-share", default="0", show_default=True,
                     help="Streaming: share of streams (0-1) the reader cancels early."),
        click.option("--seen-fraction", default="1", show_default=True,
                     help="Streaming: fraction (0-1) of the output a cancelling reader has seen."),
        click.option("--tail-tokens", type=click.IntRange(min=0, max=10**12), default=0, show_default=True,
                     help="Streaming: tokens the server still generates after a cancel before it notices."),
        click.option("--uplift", "uplifts", multiple=True, type=click.Choice(UPLIFTS),
                     help="A surcharge the requests ask for (repeatable): regional = OpenAI data residency "
                          "(+10% on models released from 2026-03-05), fedramp = OpenAI FedRAMP endpoints (+10%), "
                          "us_inference = Anthropic inference_geo 'us' (1.1x, Opus 4.6 and later). Refused "
                          "where the model does not offer it."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


UPLIFTS = ("regional", "fedramp", "us_inference")
"""The surcharges of the shipped tables ([[uplifts]]), as --uplift takes them."""


def mode_params_from(kw: dict[str, Any]) -> ModeParams:
    def dec(name: str) -> Decimal:
        value = decimal_option(kw[name], "--" + name.replace("_", "-"))
        assert value is not None
        return value

    return ModeParams(
        cache=CacheParams(shared_prefix_tokens=kw["cache_prefix_tokens"], hit_rate=dec("cache_hit_rate")),
        early_exit=EarlyExitParams(
            cancel_share=dec("cancel_share"), seen_fraction=dec("seen_fraction"), tail_tokens=kw["tail_tokens"]
        ),
        uplifts=tuple(kw.get("uplifts") or ()),
    )


def book_from(kw: dict[str, Any]) -> PriceBook:
    return load_pricebook(extra_files=kw.get("price_files") or (), strict=bool(kw.get("strict_prices")))


@main.command()
@dataset_options
@click.option("--model", "-m", help="Model id, e.g. gpt-4o, claude-sonnet-4-5, gemini-2.5-flash "
              "(required, except for a batch request file, which names its model).")
@pricing_options
@mode_options
@click.option("--output-from", "output_from", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Expected output measured by a pilot run: a batch result file, or the file saved by "
                   "'reconcile --save-outputs'.")
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
def estimate(**kw: Any) -> None:
    """Compare what FILE costs as standard, streaming with early exit, and batch requests.

    Every data row of FILE is one request: its text comes from --column, or from
    --template with {column} placeholders, with an optional --system prompt.

    FILE may also be a ready-made OpenAI, Anthropic or Gemini batch request file (JSONL):
    each request is counted as it will be billed, its model is read from the file,
    and its max_tokens bound the output (--output-tokens sets a typical answer).
    """
    line = progress_line(kw)
    try:
        result = estimate_api(
            kw["file"], model=kw["model"], column=kw.get("column"), template=kw.get("template"),
            system=kw.get("system"), as_of=parse_date(kw.get("as_of")), prices=book_from(kw),
            options=estimate_options_from(kw, line, mode_params_from(kw)), messages=kw.get("messages_column"),
        )
    finally:
        if line is not None:
            line.clear()
    if kw["as_json"]:
        echo_json(result.to_json())
    else:
        click.echo(cli_words(result.to_text()))


@main.command()
@click.option("--provider", help="Only this provider (openai, anthropic, google).")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Prices in force on this date (default: today).")
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
@strict_prices_option
def models(provider: str | None, as_of: str | None, price_files: tuple[str, ...], as_json: bool,
           strict_prices: bool) -> None:
    """List every curated model with its current prices (USD per million tokens)."""
    book = load_pricebook(extra_files=price_files, strict=strict_prices)
    rows = model_rows(book, as_of=parse_date(as_of), provider=provider)
    if as_json:
        echo_json(rows)
        return
    click.echo(format_table(
        rows,
        columns=[("provider", "provider"), ("model", "model"), ("input", "input_per_mtok"),
                 ("cached", "cached_input_per_mtok"), ("output", "output_per_mtok"),
                 ("batch in", "batch_input_per_mtok"), ("batch out", "batch_output_per_mtok"),
                 ("since", "effective_from"), ("tokens", "tokenizer"), ("checked", "checked")],
    ))
    click.echo("\nPrices in USD per million tokens. Token counts: exact for OpenAI, reconstructed (ctok) for Claude, "
               "approximate (calibrated) for Gemini.")


@main.command()
@click.argument("model", required=False)
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
@click.option("--check", "check_db", is_flag=True,
              help="Compare every price field with the pinned genai-prices and litellm (offline), on every date "
                   "they know; fail on an unacknowledged difference.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="With --check: the day litellm (which has no dates) is compared on (default: today).")
@strict_prices_option
def prices(model: str | None, price_files: tuple[str, ...], as_json: bool, check_db: bool, as_of: str | None,
           strict_prices: bool) -> None:
    """Show the dated price history of MODEL with the source of each entry, or --check every price."""
    book = load_pricebook(extra_files=price_files, strict=strict_prices)
    if check_db:
        day = parse_date(as_of)
        result = check_prices(book, day)
        open_ = result.unacknowledged
        pinned = {name: pin.version for name, pin in reference_pins().items()}
        if as_json:
            echo_json({"databases": pinned, "date": day, "fields_compared": dict(result.by_database),
                       "differences": [vars(d) for d in result.differences], "unacknowledged": len(open_)})
        else:
            click.echo(", ".join(f"{name} {version}" for name, version in pinned.items())
                       + f" (checked on {day}): {result.compared:,} fields compared ("
                       + ", ".join(f"{n:,} with {name}" for name, n in result.by_database.items())
                       + f"), {len(result.differences)} differences, {len(open_)} unacknowledged")
            for d in result.differences:
                click.echo("  " + d.describe())
        if open_:
            raise SystemExit(1)
        return
    if model is None:
        raise UsageError("Give a MODEL, or --check to compare every price with genai-prices and litellm")
    history = price_history(book, model, today())
    if as_json:
        echo_json(history)
        return
    m = book.model(model, today())
    click.echo(f"{m.display_name} ({m.id}, {m.provider}); prices last checked {m.checked}; file {display_path(m.origin)}")
    if m.aliases:
        click.echo(f"aliases: {', '.join(m.aliases)}")
    if history["price_database"]:
        click.echo(f"note: {m.note}")
    for entry, price in zip(history["prices"], m.prices):
        until = entry["effective_until"] or "now"
        since = "(undated)" if entry["effective_from"] == dt.date.min else entry["effective_from"]
        click.echo(f"\n{since} .. {until}")
        for key, value in entry.items():
            if key.endswith("_per_mtok") and value is not None:
                click.echo(f"  {key:<28} {format_price(Decimal(value))}")
        for tier in entry["tiers"]:
            click.echo(f"  above {tier['above_input_tokens']:,} input tokens: "
                       + ", ".join(f"{k}={v}" for k, v in tier.items() if k.endswith("_per_mtok") and v))
        if entry["batch_rule"]:
            click.echo(f"  batch rule: {entry['batch_rule']}")
        for line in _tier_rules(price):
            click.echo(f"  {line}")
        click.echo(f"  source: {entry['source']}")
        if entry["note"]:
            click.echo(f"  note: {entry['note']}")


def _tier_rules(price: Price) -> list[str]:
    """How each tier the model is sold at is priced from the entry, in words (the rule, not a figure)."""
    lines = []
    for tier in price.market.tiers:
        if tier.name not in price.offered_tiers:
            continue
        terms = price.tier_terms(tier.name)
        how = f"{tier.label}: {terms.multiplier or tier.multiplier} x standard"
        if price.tier_price(tier.name) is not None:
            how += " (with figures the provider prints for this model)"
        if terms.standard_above_input_tokens is not None:
            how += f"; prompts above {terms.standard_above_input_tokens:,} tokens run and bill at standard"
        lines.append(how + f" ({terms.source or tier.source})")
    return lines


@main.command()
@click.option("--write", "write_to", type=click.Path(dir_okay=False), help="Write the schema to this file.")
def schema(write_to: str | None) -> None:
    """Print the JSON Schema of the pricing files (pricing/schema.json)."""
    from ..pricing.schema import ProviderFile  # pydantic is loaded for this command only

    text = json.dumps(ProviderFile.model_json_schema(), indent=2, sort_keys=True) + "\n"
    if write_to:
        Path(write_to).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command()
def selfcheck() -> None:
    """Check, offline, that the tokenizer files verify and every pricing table loads."""
    for spec, text, expected in (("o200k_base", "hello world", 2), ("cl100k_base", "hello world", 2)):
        tok = get_tokenizer(spec)
        got = tok.count(text)
        if got != expected:
            raise UsageError(f"tokenizer {spec} counted {got} tokens for {text!r}, expected {expected}")
        click.echo(f"ok  {tok.label}")
    book = load_pricebook()
    files = sorted({m.origin for m in book.models})
    click.echo(f"ok  {len(book.models)} priced models from {len(files)} pricing files")
