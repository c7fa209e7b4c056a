"""``reconcile``: a finished batch against its estimate, the retry file, and measured output lengths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import load_pricebook, reconcile
from .base import cli_words, echo_json, main
from .engine import parse_date


@main.command("reconcile")
@click.argument("requests", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.argument("results", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.argument("errors", required=False, type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--model", "-m", help="Price as this model (default: the request file's model, else the results').")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="The day the batch ran, for its prices (default: the day of the first response, if the "
                   "results carry one, else today).")
@click.option("--mode", type=click.Choice(["batch", "standard"]), default="batch", show_default=True,
              help="Price at batch or standard rates.")
@click.option("--output-tokens", type=click.IntRange(min=0),
              help="The expected output per request the estimate used (default: each request's max_tokens).")
@click.option("--retry-file", "retry_file", metavar="PREFIX",
              help="Write the requests to send again to PREFIX-001.jsonl, ... "
                   "(default: next to REQUESTS, named <name>-retry-001.jsonl).")
@click.option("--no-retry-file", is_flag=True, help="Do not write a retry file; only report what it would hold.")
@click.option("--save-outputs", "save_outputs", type=click.Path(dir_okay=False), metavar="FILE",
              help="Save the measured output lengths to FILE (JSON) for 'estimate --output-from FILE'.")
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False),
              help="Your own pricing TOML; overrides shipped models.")
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
def reconcile_command(**kw: Any) -> None:
    """Compare a finished batch with its estimate and write the requests to send again.

    REQUESTS is the batch request file that was submitted (OpenAI, Anthropic or
    Gemini); RESULTS and ERRORS are the files the provider returned (OpenAI
    writes failed requests to a separate error file). Results are joined on
    custom_id (Gemini: key), priced from the usage the provider reported, and
    compared with the estimate of the same requests. Requests that failed with
    a retryable error, expired, were canceled or are missing from every file
    are written, byte for byte, to a retry file that passes validate-batch.
    """
    requests = Path(kw["requests"])
    retry_to = None
    if not kw["no_retry_file"]:
        retry_to = kw["retry_file"] or str(requests.with_name(requests.stem + "-retry"))
    result = reconcile(
        requests,
        kw["results"],
        kw["errors"],
        model=kw["model"],
        as_of=parse_date(kw["as_of"]),
        mode=kw["mode"],
        output_tokens=kw["output_tokens"],
        retry_to=retry_to,
        prices=load_pricebook(extra_files=kw["price_files"] or ()),
    )
    saved = None
    if kw["save_outputs"] and result.outputs is not None:
        saved = result.outputs.save(kw["save_outputs"])
    if kw["as_json"]:
        data = result.as_dict()
        data["notes"] = [cli_words(n) for n in data["notes"]]
        data["outputs_file"] = str(saved) if saved else None
        echo_json(data)
        return
    click.echo(cli_words(result.to_text()))
    if saved:
        click.echo(f"output lengths saved to {saved}; use: estimate FILE --output-from {saved}")
    elif kw["save_outputs"]:
        click.echo("no output lengths to save: no request succeeded with usage", err=True)
