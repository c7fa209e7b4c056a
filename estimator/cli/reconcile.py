"""``reconcile``: a finished batch against its estimate and the provider's figures, the retry file,
and measured output lengths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from .. import load_pricebook, reconcile
from ..batch import ReconcileOptions
from ..batch.writer import unused_prefix
from .base import cli_words, echo_json, main


def _window(value: str | None) -> tuple[dt.datetime, dt.datetime] | None:
    """``START/END`` in ISO 8601 (UTC unless a zone is given)."""
    if value is None:
        return None
    start, sep, end = value.partition("/")
    try:
        if not sep:
            raise ValueError
        return dt.datetime.fromisoformat(start.strip()), dt.datetime.fromisoformat(end.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r}: give START/END, e.g. 2026-11-01T00:00/2026-11-02T00:00",
                                 param_hint="--billing-window") from None


@main.command("reconcile")
@click.argument("requests", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.argument("results", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.argument("errors", required=False, type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--model", "-m", help="Price as this model (default: the request file's model, else the results').")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="The day the batch ran, for its prices (default: the day of the first response, if the "
                   "results carry one, else today).")
@click.option("--estimated-as-of", "estimated_as_of", metavar="YYYY-MM-DD",
              help="The day the batch was estimated, for the estimate's prices (default: --as-of).")
@click.option("--mode", type=click.Choice(["batch", "standard", "flex", "priority", "ultrafast"]), default="batch",
              show_default=True,
              help="How the requests were sent: batch, or one by one at a tier (each then billed at the tier "
                   "that served it).")
@click.option("--output-tokens", type=click.IntRange(min=0),
              help="The expected output per request the estimate used (default: each request's max_tokens).")
@click.option("--retry-file", "retry_file", metavar="PREFIX",
              help="Write the requests to send again to PREFIX-001.jsonl, ... (default: next to REQUESTS, "
                   "named <name>-retry-001.jsonl, or <name>-retry-2-001.jsonl... if that exists).")
@click.option("--no-retry-file", is_flag=True, help="Do not write a retry file; only report what it would hold.")
@click.option("--save-outputs", "save_outputs", type=click.Path(dir_okay=False), metavar="FILE",
              help="Save the measured output lengths to FILE (JSON, a new file) for 'estimate --output-from FILE'.")
@click.option("--overwrite", is_flag=True,
              help="Let --retry-file and --save-outputs replace files of an earlier run (never an input).")
@click.option("--billing", "billing", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=str),
              metavar="FILE",
              help="The provider's usage or cost export to check the bill against (OpenAI usage/costs API pages "
                   "as JSON, Anthropic usage or cost report, Google Cloud billing export CSV); repeatable.")
@click.option("--billing-window", "billing_window", metavar="START/END",
              help="The run's time window in UTC, to pick the export's lines (default: the results' days).")
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False),
              help="Your own pricing TOML; overrides shipped models.")
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")
def reconcile_command(**kw: Any) -> None:
    """Compare a finished batch with its estimate and write the requests to send again.

    REQUESTS is the batch request file that was submitted (OpenAI, Anthropic or
    Gemini); RESULTS and ERRORS are the files the provider returned (OpenAI
    writes failed requests to a separate error file). Results are joined on
    custom_id (Gemini: key), every billable unit they report is priced, and the
    gap to the estimate of the same requests is split into causes. Requests that
    failed with a retryable error, expired, were canceled or are missing from every
    file are written, byte for byte, to new retry files that pass validate-batch; a
    request whose result says it ran is never sent again.
    """
    requests = Path(kw["requests"])
    inputs = [requests, Path(kw["results"]), *([Path(kw["errors"])] if kw["errors"] else []),
              *(Path(b) for b in kw["billing"])]
    retry_to = None
    if not kw["no_retry_file"]:
        retry_to = kw["retry_file"] or str(unused_prefix(requests.with_name(requests.stem + "-retry"), inputs))
    result = reconcile(
        requests,
        kw["results"],
        kw["errors"],
        model=kw["model"],
        as_of=kw["as_of"],  # None: the day of the first response (the library reads the string)
        mode=kw["mode"],
        output_tokens=kw["output_tokens"],
        retry_to=retry_to,
        prices=load_pricebook(extra_files=kw["price_files"] or ()),
        options=ReconcileOptions(estimated_as_of=kw["estimated_as_of"], overwrite=kw["overwrite"],
                                 billing=tuple(kw["billing"]), billing_window=_window(kw["billing_window"])),
    )
    saved = None
    if kw["save_outputs"] and result.outputs is not None:
        saved = result.outputs.save(kw["save_outputs"], overwrite=kw["overwrite"], protected=inputs)
    if kw["as_json"]:
        data = result.as_dict()  # the notes still hold their settings' markers: named by their flags here
        data["notes"] = [cli_words(n) for n in data["notes"]]
        data["outputs_file"] = str(saved) if saved else None
        echo_json(data)
        return
    click.echo(cli_words(result.to_text()))
    if saved:
        click.echo(f"output lengths saved to {saved}; use: estimate FILE --output-from {saved}")
    elif kw["save_outputs"]:
        click.echo("no output lengths to save: no request succeeded with a readable usage", err=True)
