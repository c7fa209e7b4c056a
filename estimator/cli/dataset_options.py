"""Options shared by every command that reads a dataset, and the counting call.

``@dataset_options`` adds the ``FILE`` argument and the options below;
``profile_from_options(kw, model, price)`` turns them into a ``RequestShape``
and an ``OutputSpec``, runs ``count_dataset`` and draws a progress line on
stderr while it runs (only on a terminal, unless ``--progress`` forces it).

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

from .. import (
    FORMATS,
    Model,
    OutputSpec,
    Price,
    Progress,
    RequestShape,
    TokenProfile,
    UsageError,
    count_dataset,
    count_distributed,
)


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
            f"--output-ratio {value!r} is not a number from 0 to 1000; use e.g. 0.3 for 30% of the input tokens"
        )
    return ratio


def shape_from_options(kw: Mapping[str, Any]) -> RequestShape:
    if kw.get("column") is not None and kw.get("template") is not None:
        raise UsageError("give either --column or --template, not both")
    return RequestShape(column=kw.get("column"), template=kw.get("template"), system=kw.get("system"))


def output_from_options(kw: Mapping[str, Any]) -> OutputSpec:
    return OutputSpec(
        fixed=kw.get("output_tokens"),
        column=kw.get("output_column"),
        examples_column=kw.get("output_examples"),
        ratio=_ratio(kw.get("output_ratio")),
        max_tokens=kw.get("max_tokens"),
    )


class ProgressLine:
    """A single self-overwriting status line on stderr."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.width = 0

    def __call__(self, p: Progress) -> None:
        mb = p.bytes_read / 1e6
        total = f"/{p.total_bytes / 1e6:,.1f}" if p.total_bytes else ""
        rate = f"  {mb / p.elapsed:,.1f} MB/s" if p.elapsed > 0 else ""
        eta = f"  ETA {_clock(p.eta_seconds)}" if p.eta_seconds is not None else ""
        text = f"counting: {p.rows:,} rows  {mb:,.1f}{total} MB{rate}{eta}"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def profile_from_options(kw: Mapping[str, Any], model: Model, price: Price | None) -> TokenProfile:
    """Count the dataset named by the options of ``dataset_options``."""
    shape = shape_from_options(kw)
    output = output_from_options(kw)
    if kw.get("dask_scheduler"):
        return _count_on_dask(kw, model, price, shape, output)
    show = kw.get("progress")
    if show is None:
        show = sys.stderr.isatty()
    line = ProgressLine() if show else None
    try:
        return count_dataset(
            kw["file"],
            model=model,
            shape=shape,
            output=output,
            price=price,
            format=kw.get("format"),
            encoding=kw.get("encoding"),
            delimiter=kw.get("delimiter"),
            bad_rows="skip" if kw.get("skip_bad_rows") else "error",
            workers=kw.get("workers"),
            progress=line,
            sample_rows=kw.get("sample"),
            seed=kw.get("seed") or 0,
        )
    finally:
        if line is not None:
            line.clear()


def _count_on_dask(
    kw: Mapping[str, Any], model: Model, price: Price | None, shape: RequestShape, output: OutputSpec
) -> TokenProfile:
    """The same count on a Dask cluster: identical totals, for data beyond one machine."""
    unsupported = [
        name
        for name, key in (("--sample", "sample"), ("--encoding", "encoding"), ("--delimiter", "delimiter"),
                          ("--skip-bad-rows", "skip_bad_rows"))
        if kw.get(key)
    ]
    if unsupported:
        raise UsageError(f"--dask does not take {', '.join(unsupported)}; count without --dask for those")
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(
            "--dask needs the optional Dask extra: pip install -e '.[dask]' (or pip install 'dask[distributed]')"
        ) from None
    address = kw["dask_scheduler"]
    cluster = LocalCluster(processes=True, dashboard_address=None) if address == "local" else None
    try:
        with Client(cluster if cluster is not None else address):
            return count_distributed(
                kw["file"], model=model, shape=shape, output=output, price=price, format=kw.get("format")
            )
    except OSError as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None
    finally:
        if cluster is not None:
            cluster.close()
