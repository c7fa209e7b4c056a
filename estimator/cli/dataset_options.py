"""Options shared by every command that reads a dataset, turned into the library's option objects.

``@dataset_options`` adds the ``FILE`` argument and the options below;
``estimate_options_from(kw, progress)`` turns them into ``EstimateOptions``
(reading, counting, output), and ``progress_line(kw)`` draws a progress line
on stderr while counting runs (only on a terminal, unless ``--progress``
forces it).

Output tokens: with none of ``--output-tokens``, ``--output-column``,
``--output-examples``, ``--output-ratio`` or ``--max-tokens``, output is not
estimated: the estimate covers input only and its notes say in capitals that
output cost is EXCLUDED. A guessed default (say 0, or the model's maximum)
would look like an answer and be wrong either way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from .. import EstimateOptions
from ..batch import load_output_profile
from ..counting import CountOptions, OutputSpec, Progress
from ..counting.prompts import RequestShape
from ..errors import UsageError
from ..formats import progress_text
from ..modes import ModeParams
from ..reading import ReadOptions
from ..reading.rows import FORMATS
from .base import decimal_option


def dataset_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add FILE and the dataset, request, output and run options to a click command."""
    opts = [
        click.argument("file", type=click.Path(dir_okay=True, path_type=str)),
        click.option(
            "--column", "-c", metavar="NAME", help="Column whose text is each request's user message."
        ),
        click.option(
            "--template",
            "-t",
            metavar="TEXT",
            help="User message built from columns: 'Summarise: {review}' ({{ }} for literal braces).",
        ),
        click.option("--system", metavar="TEXT", help="System prompt sent with every request."),
        click.option(
            "--messages-column",
            metavar="NAME",
            help="Column holding each request's whole chat conversation, a JSON list of "
            '{"role", "content"} messages (e.g. the "messages" key of a JSONL file).',
        ),
        click.option(
            "--format",
            "format",
            type=click.Choice(FORMATS),
            help="File format (default: from the extension and content).",
        ),
        click.option("--encoding", metavar="CODEC", help="Text encoding (default: detected; UTF-8 first)."),
        click.option(
            "--delimiter", metavar="CHAR", help="CSV delimiter (default: detected; 'tab' for a tab)."
        ),
        click.option(
            "--skip-bad-rows",
            is_flag=True,
            help="Leave malformed rows out (they are counted and listed) instead of stopping.",
        ),
        click.option(
            "--output-tokens",
            type=click.IntRange(min=0, max=10**12),
            metavar="N",
            help="Expected output tokens per request (e.g. a typical answer length).",
        ),
        click.option(
            "--output-column", metavar="NAME", help="Column holding each row's expected output tokens."
        ),
        click.option(
            "--output-examples",
            metavar="NAME",
            help="Column holding an example answer per row; its tokens are the expected output.",
        ),
        click.option(
            "--output-ratio",
            metavar="R",
            help="Expected output = R x each request's input tokens (rounded up), e.g. 0.3.",
        ),
        click.option(
            "--max-tokens",
            type=click.IntRange(min=1, max=10**12),
            metavar="N",
            help="The request's max_tokens: caps expected output and gives the worst case. "
            "Alone, every answer is assumed to use it all.",
        ),
        click.option(
            "--reasoning-effort",
            metavar="EFFORT",
            help="The reasoning effort the requests ask for (the provider's word: minimal, low, medium, high, "
            "none...). Reasoning bills as output: it is added to the answer from the model family's prior "
            "(default: the effort the model uses when none is named) and shown apart.",
        ),
        click.option(
            "--sample",
            type=click.IntRange(min=2, max=10**12),
            metavar="N",
            help="Estimate from N randomly sampled rows, with a 95% interval, instead of counting all.",
        ),
        click.option("--seed", type=click.IntRange(0, 2**128), default=0, show_default=True, help="Random seed of --sample."),
        click.option(
            "--workers",
            type=click.IntRange(min=1, max=10**12),
            metavar="N",
            help="Tokenizer threads (default: all CPUs).",
        ),
        click.option(
            "--dask",
            "dask_scheduler",
            metavar="ADDRESS",
            help="Count on a Dask cluster (extra 'dask'): a scheduler address such as tcp://host:8786, "
            "or 'local' for a cluster on this machine. FILE may then be a Parquet directory or a CSV glob.",
        ),
        click.option(
            "--image-column",
            metavar="COLUMN",
            help="A column of local image paths sent with each row: each image's size, read from its header, "
            "becomes input tokens by the provider's published rule (OpenAI tiles or patches by detail, "
            "Anthropic width x height / 750, Gemini per image). URLs and missing files are listed, not counted.",
        ),
        click.option(
            "--image-detail",
            type=click.Choice(["auto", "low", "high", "original", "medium", "ultra_high"]),
            default="auto",
            show_default=True,
            help="OpenAI's image detail, or Gemini's media resolution, for --image-column images.",
        ),
        click.option(
            "--tools-file",
            metavar="FILE",
            help="A JSON file of the tool definitions every request carries (the provider's format): their tokens, "
            "Anthropic's tool-use system prompt and server-tool fees (web search, grounding) are added. "
            "Approximate where the provider publishes no serialization (stated with an interval).",
        ),
        click.option(
            "--schema-file",
            metavar="FILE",
            help="A JSON schema every request carries as its structured-output format; counted as its JSON text "
            "(approximate, with an interval).",
        ),
        click.option(
            "--tool-calls-per-request",
            type=click.IntRange(min=0, max=10**6),
            metavar="N",
            help="Calls of each server tool a batch request offers (web search, file search, grounding) that "
            "each request makes; default 1. Priced per call beside the tokens.",
        ),
        click.option(
            "--progress/--no-progress",
            "progress",
            default=None,
            help="Show a progress line on stderr (default: only on a terminal).",
        ),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _ratio(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        ratio = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        ratio = None
    if ratio is None or not ratio.is_finite() or ratio < 0 or ratio > 1000:
        raise UsageError(
            f"{value!r} is not a number from 0 to 1000; use e.g. 0.3 for 30% of the input tokens",
            param="output_ratio",
        )
    return ratio


def shape_from_options(kw: Mapping[str, Any]) -> RequestShape:
    return RequestShape(column=kw.get("column"), template=kw.get("template"), system=kw.get("system"),
                        messages=kw.get("messages_column"))


def output_from_options(kw: Mapping[str, Any]) -> OutputSpec:
    return OutputSpec(
        fixed=kw.get("output_tokens"),
        column=kw.get("output_column"),
        examples_column=kw.get("output_examples"),
        ratio=_ratio(kw.get("output_ratio")),
        max_tokens=kw.get("max_tokens"),
        reasoning_effort=kw.get("reasoning_effort"),
    )


def estimate_options_from(
    kw: Mapping[str, Any], progress: Callable[[Progress], None] | None, modes: ModeParams | None = None
) -> EstimateOptions:
    """The reading, counting, output and price-override options of a command, as the library takes them."""
    return EstimateOptions(
        read=read_options_from(kw),
        count=count_options_from(kw, progress),
        output=output_from_options(kw),
        modes=modes or ModeParams(),
        input_price=decimal_option(kw.get("input_price"), "--input-price"),
        output_price=decimal_option(kw.get("output_price"), "--output-price"),
        dask=kw.get("dask_scheduler"),
        image_column=kw.get("image_column"),
        image_detail=kw.get("image_detail") or "auto",
        tool_calls_per_request=1 if kw.get("tool_calls_per_request") is None else kw["tool_calls_per_request"],
        tools=kw.get("tools_file"),
        response_schema=kw.get("schema_file"),
        measured_output=load_output_profile(kw["output_from"]) if kw.get("output_from") else None,
    )


class ProgressLine:
    """A single self-overwriting status line on stderr."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.width = 0

    def __call__(self, p: Progress) -> None:
        text = progress_text(p.rows, p.bytes_read, p.total_bytes, p.elapsed, p.eta_seconds)
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.width:
            self.stream.write(f"\r{''.ljust(self.width)}\r")
            self.stream.flush()
            self.width = 0


def read_options_from(kw: Mapping[str, Any]) -> ReadOptions:
    return ReadOptions(format=kw.get("format"), encoding=kw.get("encoding"), delimiter=kw.get("delimiter"),
                       skip_bad_rows=bool(kw.get("skip_bad_rows")))


def count_options_from(kw: Mapping[str, Any], progress: Callable[[Progress], None] | None) -> CountOptions:
    return CountOptions(sample_rows=kw.get("sample"), seed=kw.get("seed") or 0, workers=kw.get("workers"),
                        progress=progress)


def progress_line(kw: Mapping[str, Any]) -> ProgressLine | None:
    show = kw.get("progress")
    if show is None:
        show = sys.stderr.isatty()
    return ProgressLine() if show else None
