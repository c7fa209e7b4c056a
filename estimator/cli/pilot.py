"""``pilot``: the rows to run first to learn a job's output length, and when enough is known."""

from __future__ import annotations

from typing import Any

import click

from .. import load_pricebook, pilot
from ..piloting.pilot import PilotOptions
from ..reading import ReadOptions
from ..reading.rows import FORMATS
from .base import cli_words, echo_json, main


@main.command("pilot")
@click.argument("file", type=click.Path(exists=True, dir_okay=True))
@click.option("--model", "-m", required=True, help="Model id, e.g. gpt-4o-mini.")
@click.option("--column", "-c", metavar="NAME", help="Column whose text is each request's user message.")
@click.option("--template", "-t", metavar="TEXT", help="User message built from columns: 'Summarise: {review}'.")
@click.option("--system", metavar="TEXT", help="System prompt sent with every request.")
@click.option("--tolerance", default="5%", show_default=True,
              help="Stop when the job's 95% cost interval is within this share of the estimate: 5% or 0.05.")
@click.option("--out", "prefix", required=True, metavar="PREFIX",
              help="Writes PREFIX-001.jsonl (the round's batch file), PREFIX.manifest.json (what was chosen and "
                   "why) and, once results are in, PREFIX.output.json (the learned output lengths).")
@click.option("--results", "results", multiple=True, type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Result file of a round run so far (OpenAI, Anthropic or Gemini); repeat for every round.")
@click.option("--previous", "previous", multiple=True, type=click.Path(exists=True, dir_okay=False),
              metavar="MANIFEST",
              help="Manifest of an earlier round: its rows are never chosen again, whether their results are in "
                   "or not.")
@click.option("--strata-column", "strata_column", metavar="NAME",
              help="A column whose values (task type, language) are strata besides input length.")
@click.option("--max-tokens", type=click.IntRange(min=1, max=10**12),
              help="max_tokens of every request (Anthropic needs it); answers that reach it bill it.")
@click.option("--reasoning-effort", "reasoning_effort", metavar="EFFORT",
              help="The reasoning effort the job will use (low, medium, high...), for the prior.")
@click.option("--output-tokens", type=click.IntRange(min=0, max=10**12),
              help="Your guess of the answer's length, for the prior (reasoning comes on top).")
@click.option("--mode", type=click.Choice(["batch", "standard", "flex", "priority"]), default="batch",
              show_default=True, help="How the job will run: its prices.")
@click.option("--seed", type=click.IntRange(min=0, max=2**32 - 1), default=0, show_default=True,
              help="Fixes the random order of rows; keep it the same in every round.")
@click.option("--id-column", help="A column of unique ids to use as custom_id (default: row-based ids).")
@click.option("--overwrite", is_flag=True, help="Replace the files of an earlier run of the same PREFIX (never an input).")
@click.option("--format", "data_format", type=click.Choice(list(FORMATS)),
              help="Data file format (default: from the extension and content).")
@click.option("--encoding", help="Text encoding of the data file (default: detected).")
@click.option("--delimiter", help="CSV delimiter (default: detected).")
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout (the manifest's content).")
def pilot_command(**kw: Any) -> None:
    """Write a pilot round of FILE: the rows that tell most about output length, as a batch file.

    Without --results this is the first round, sized from the tolerance and the
    model's output prior (labelled as such). Submit PREFIX-001.jsonl, then run the
    command again with --results for every result file so far and a new --out: it
    estimates the whole job's cost with a 95% interval (rows that ran at their
    actual cost) and either says stop, or writes the next round's rows. A row that
    ran is never chosen again.
    """
    options = PilotOptions(
        tolerance=kw["tolerance"], strata_column=kw.get("strata_column"), results=tuple(kw["results"]),
        previous=tuple(kw["previous"]), max_tokens=kw.get("max_tokens"), reasoning_effort=kw.get("reasoning_effort"),
        output_tokens=kw.get("output_tokens"), mode=kw["mode"], seed=kw["seed"], overwrite=kw["overwrite"],
        id_column=kw.get("id_column"),
    )
    read = ReadOptions(format=kw.get("data_format"), encoding=kw.get("encoding"), delimiter=kw.get("delimiter"))
    result = pilot(kw["file"], kw["prefix"], model=kw["model"], column=kw.get("column"), template=kw.get("template"),
                   system=kw.get("system"), options=options, read=read,
                   prices=load_pricebook(extra_files=kw.get("price_files") or ()))
    if kw["as_json"]:
        data = result.as_dict()  # the notes still hold their settings' markers: named by their flags here
        data["notes"] = [cli_words(n) for n in data["notes"]]
        echo_json(data)
        return
    click.echo(cli_words(result.to_text()))
    if result.batch is not None:
        click.echo(f"next: submit {result.batch.files[0].path}, then run pilot again with --results for each "
                   "result file so far and a new --out")
    elif result.stop and result.learned_path is not None:
        click.echo(f"use the learned lengths: estimate {kw['file']} --output-from {result.learned_path}")
