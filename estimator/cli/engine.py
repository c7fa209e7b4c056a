"""``estimate``, ``models``, ``prices`` and ``schema``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from .. import (
    BatchFileReport,
    CacheParams,
    EarlyExitParams,
    ModeParams,
    PriceBook,
    PricedModel,
    ProviderFile,
    UsageError,
    build_estimate,
    detect_batch_format,
    display_path,
    format_table,
    format_usd,
    OutputProfile,
    get_tokenizer,
    interval_notes,
    load_output_profile,
    load_pricebook,
    model_rows,
    price_history,
    profile_from_batch,
    read_batch_file,
    resolve_price,
)
from .base import decimal_option, echo_json, main


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of {value!r} is not a date; use YYYY-MM-DD, e.g. 2024-05-13") from None


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
    return fn


def mode_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Parameters of the cost models; the defaults mean no caching and no early exit."""
    opts = [
        click.option("--cache-prefix-tokens", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Tokens of a prefix shared by every request (e.g. the system prompt) that can be cached."),
        click.option("--cache-hit-rate", default="0", show_default=True,
                     help="Share of requests (0-1) that find the shared prefix in the cache."),
        click.option("--cancel-share", default="0", show_default=True,
                     help="Streaming: share of streams (0-1) the reader cancels early."),
        click.option("--seen-fraction", default="1", show_default=True,
                     help="Streaming: fraction (0-1) of the output a cancelling reader has seen."),
        click.option("--tail-tokens", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Streaming: tokens the server still generates after a cancel before it notices."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


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
    )


def book_from(kw: dict[str, Any]) -> PriceBook:
    return load_pricebook(extra_files=kw.get("price_files") or ())


def price_from(book: PriceBook, model: str, kw: dict[str, Any]) -> PricedModel:
    return resolve_price(
        book,
        model,
        as_of=_parse_date(kw.get("as_of")),
        input_per_mtok=decimal_option(kw.get("input_price"), "--input-price"),
        output_per_mtok=decimal_option(kw.get("output_price"), "--output-price"),
    )


def _dataset_options() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    from .dataset_options import dataset_options

    return dataset_options


@main.command()
@_dataset_options()
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

    FILE may also be a ready-made OpenAI or Anthropic batch request file (JSONL):
    each request is counted as it will be billed, its model is read from the file,
    and its max_tokens bound the output (--output-tokens sets a typical answer).
    """
    from .dataset_options import profile_from_options

    book = book_from(kw)
    params = mode_params_from(kw)
    measured = _output_from(kw)
    batch = _batch_report(kw["file"])
    if batch is not None:
        model = kw["model"] or batch.model
        if model is None:
            raise UsageError(f"{kw['file']}: the batch file names no model; give one with --model")
        priced = price_from(book, model, kw)
        profile = profile_from_batch(batch, model=priced.model, price=priced.price,
                                     output_per_request=kw.get("output_tokens"))
        if batch.model and priced.model.id != book.model(batch.model).id:
            note = (f"priced as {priced.model.id}, but the file's requests name {batch.model} "
                    "(tokens counted with that model's tokenizer)")
            profile = replace(profile, notes=(*profile.notes, note))
    else:
        if not kw["model"]:
            raise UsageError("Missing option '--model' / '-m': which model's prices? e.g. --model gpt-4o")
        priced = price_from(book, kw["model"], kw)
        profile = profile_from_options(kw, priced.model, priced.price)
    if measured is not None:
        profile = replace(profile, notes=(*profile.notes, *interval_notes(measured, profile.rows, priced.price)))
    result = build_estimate(profile, priced, params)
    if kw["as_json"]:
        echo_json(result.to_json())
    else:
        click.echo(result.to_text())


def _output_from(kw: dict[str, Any]) -> OutputProfile | None:
    """The measured output profile of --output-from, which then sets --output-tokens."""
    if not kw.get("output_from"):
        return None
    given = [f"--{k.replace('_', '-')}" for k in ("output_tokens", "output_column", "output_examples", "output_ratio")
             if kw.get(k) is not None]
    if given:
        raise UsageError(f"give either --output-from or {', '.join(given)}, not both")
    measured = load_output_profile(kw["output_from"])
    kw["output_tokens"] = measured.expected_per_request
    return measured


def _batch_report(file: str) -> BatchFileReport | None:
    """The file's batch report if it is an OpenAI or Anthropic batch request file."""
    path = Path(file)
    if not path.is_file():
        return None
    with path.open("rb") as f:
        head = f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{") or detect_batch_format(path) is None:
        return None
    return read_batch_file(path)


@main.command()
@click.option("--provider", help="Only this provider (openai, anthropic, google).")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Prices in force on this date (default: today).")
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
def models(provider: str | None, as_of: str | None, price_files: tuple[str, ...], as_json: bool) -> None:
    """List every priced model with its current prices (USD per million tokens)."""
    book = load_pricebook(extra_files=price_files)
    rows = model_rows(book, as_of=_parse_date(as_of), provider=provider)
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
    click.echo("\nPrices in USD per million tokens. 'approx' tokenizers give approximate counts.")


@main.command()
@click.argument("model")
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
def prices(model: str, price_files: tuple[str, ...], as_json: bool) -> None:
    """Show the dated price history of MODEL with the source of each entry."""
    book = load_pricebook(extra_files=price_files)
    history = price_history(book, model)
    if as_json:
        echo_json(history)
        return
    m = book.model(model)
    click.echo(f"{m.display_name} ({m.id}, {m.provider}); prices last checked {m.checked}; file {display_path(m.origin)}")
    if m.aliases:
        click.echo(f"aliases: {', '.join(m.aliases)}")
    for entry in history["prices"]:
        until = entry["effective_until"] or "now"
        click.echo(f"\n{entry['effective_from']} .. {until}")
        for key, value in entry.items():
            if key.endswith("_per_mtok") and value is not None:
                click.echo(f"  {key:<28} {format_usd(Decimal(value), 4)}")
        for tier in entry["tiers"]:
            click.echo(f"  above {tier['above_input_tokens']:,} input tokens: "
                       + ", ".join(f"{k}={v}" for k, v in tier.items() if k.endswith("_per_mtok") and v))
        if entry["batch_rule"]:
            click.echo(f"  batch rule: {entry['batch_rule']}")
        click.echo(f"  source: {entry['source']}")
        if entry["note"]:
            click.echo(f"  note: {entry['note']}")


@main.command()
@click.option("--write", "write_to", type=click.Path(dir_okay=False), help="Write the schema to this file.")
def schema(write_to: str | None) -> None:
    """Print the JSON Schema of the pricing files (pricing/schema.json)."""
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
