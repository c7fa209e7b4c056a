"""``inspect`` (what a data file looks like to the reader) and ``validate-batch``."""

from __future__ import annotations

from typing import Literal

import click

from ..batch import BatchFileReport, read_batch_file
from ..reading import ReadOptions, preview
from ..reading.rows import FORMATS
from .base import echo_json, main

_PREVIEW_ROWS = 3


@main.command("inspect")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--format",
    "format",
    type=click.Choice(FORMATS),
    help="File format (default: from the extension and content).",
)
@click.option("--encoding", metavar="CODEC", help="Text encoding (default: detected; UTF-8 first).")
@click.option("--delimiter", metavar="CHAR", help="CSV delimiter (default: detected; 'tab' for a tab).")
@click.option(
    "--skip-bad-rows", is_flag=True, help="Leave malformed rows out of the preview (they are listed)."
)
@click.option(
    "--rows",
    "preview_rows",
    type=click.IntRange(min=0, max=10**12),
    default=_PREVIEW_ROWS,
    show_default=True,
    help="Rows to show.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def inspect_command(
    file: str,
    format: str | None,
    encoding: str | None,
    delimiter: str | None,
    skip_bad_rows: bool,
    preview_rows: int,
    as_json: bool,
) -> None:
    """Show how FILE is read: format, encoding, delimiter, columns, notes and the first rows."""
    read = ReadOptions(format=format, encoding=encoding, delimiter=delimiter, skip_bad_rows=skip_bad_rows)
    found = preview(file, read, rows=preview_rows)
    if as_json:
        echo_json(found.to_json())
        return
    click.echo(found.to_text())
    for s in found.skipped:
        click.echo(f"skipped: line {s.line} (row {s.row}): {s.reason}", err=True)


@main.command("validate-batch")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--provider",
    type=click.Choice(["openai", "anthropic", "google"]),
    help="The file's format (default: detected from the first line).",
)
@click.option("--model", "-m", help="Model whose tokenizer counts requests that name none (a Gemini file names none).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def validate_batch(file: str, provider: str | None, model: str | None, as_json: bool) -> None:
    """Check a batch request file before it is sent: OpenAI Batch API (/v1/chat/completions, /v1/responses,
    /v1/embeddings), Anthropic Message Batches, or Gemini ({"key", "request"} lines, or {"request"} lines
    as Vertex AI batch prediction takes them).

    Prints the model, requests and bytes against the provider's per-file
    limits, input tokens, the output upper bound, and every problem with its
    line. Exits 0 if the file is valid, 1 if not.
    """
    report = read_batch_file(file, provider=_PROVIDERS.get(provider or ""), model=model)
    if as_json:
        echo_json(report.to_dict())
    else:
        _print_report(report)
    if not report.ok:
        raise click.exceptions.Exit(1)


_PROVIDERS: dict[str, Literal["openai", "anthropic", "google"]] = {
    "openai": "openai", "anthropic": "anthropic", "google": "google"}


def _print_report(r: BatchFileReport) -> None:
    click.echo(f"file:        {r.path}")
    click.echo(f"format:      {r.format_name}")
    models = (
        ", ".join(f"{m} ({n:,})" for m, n in r.models.items()) if len(r.models) > 1 else (r.model or "(none)")
    )
    click.echo(f"model:       {models}")
    click.echo(f"requests:    {r.requests:,} of {r.max_requests:,} allowed per file")
    click.echo(
        f"size:        {r.bytes:,} of {r.max_bytes:,} bytes allowed per file (limits: {r.limits_source})"
    )
    stats = r.input_stats()
    click.echo(
        f"input:       {r.input_tokens:,} tokens ({r.tokenizer_label}); "
        f"per request min {stats['min']:,}, median {stats['median']:,}, max {stats['max']:,}"
    )
    if r.max_output_tokens is not None:
        click.echo(f"output:      at most {r.max_output_tokens:,} tokens (sum of the requests' max tokens)")
    else:
        click.echo(
            f"output:      no upper bound: {r.requests_without_max_tokens:,} request(s) set no max tokens"
        )
    for w in r.warnings:
        click.echo(f"warning: {w}")
    if r.ok:
        click.echo("valid: no problems found")
        return
    click.echo(f"INVALID: {r.issue_count:,} problem(s)")
    for issue in r.issues:
        click.echo(f"  {issue}")
    if r.issues_not_shown:
        click.echo(f"  ... and {r.issues_not_shown:,} more")
