"""``plan``, ``route``, ``write-batch``, ``forecast`` and ``exercise``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from .. import Estimate, EstimatorError, JobSize, PlanOptions, load_pricebook
from .. import estimate as estimate_api
from .. import forecast as forecast_api
from .. import plan as plan_job_api
from .. import route as route_api
from .. import write_batch as write_batch_api
from ..batch import BatchFileOptions, QueueLimit
from ..batch.bodies import REASONING_EFFORTS
from ..batch.logistics import DEFAULT_TYPICAL_WAVE_HOURS
from ..batch.writer import ENDPOINTS as BATCH_ENDPOINTS
from ..convert import month_start, today
from ..errors import UsageError
from ..planning import (
    ForecastOptions,
    ModeMix,
    RateLimits,
    Throughput,
    TierParams,
    TrafficMix,
    Volume,
    hybrid_mix,
    rate_limit_example,
    run_exercise,
    size_from,
)
from ..planning.decision import DEFAULT_VALUE_PER_HOUR, EXCLUDABLE_TIERS
from ..planning.exercise import DEFAULT_ROWS, DEFAULT_TOKENS_PER_ROW, DEFAULT_WAIT_HOURS, EXERCISE_MODEL, EXERCISE_PRICE_DATE
from ..planning.forecast import ALL_BATCH, ALL_STANDARD, PRICING_RULES, SCHEDULE_PERIODS
from ..planning.job import WAIT_BASES
from ..planning.limits import DEFAULT_CONCURRENCY, DEFAULT_LATENCY_SECONDS, RATE_LIMIT_EXAMPLES
from ..planning.summary import approval_summary
from ..pricing import PriceBook
from ..reading import ReadOptions
from ..reading.rows import FORMATS
from ..usage import RequestSize, Usage
from .base import cli_words, decimal_option, echo_json, main
from .dataset_options import dataset_options, estimate_options_from, progress_line
from .engine import book_from, mode_options, mode_params_from, parse_date, pricing_options

# --------------------------------------------------------------------------
# Option helpers
# --------------------------------------------------------------------------


def _dec(kw: dict[str, Any], name: str, *, minimum: Decimal | None = None, maximum: Decimal | None = None,
         positive: bool = False) -> Decimal | None:
    flag = "--" + name.replace("_", "-")
    value = decimal_option(kw.get(name), flag)
    if value is None:
        return None
    if positive and value <= 0:
        raise UsageError(f"{flag} must be > 0, got {value}")
    if minimum is not None and value < minimum:
        raise UsageError(f"{flag} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise UsageError(f"{flag} must be <= {maximum}, got {value}")
    return value


def _share(kw: dict[str, Any], name: str) -> Decimal:
    value = _dec(kw, name, minimum=Decimal(0), maximum=Decimal(1))
    return value if value is not None else Decimal(0)


def _date(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag} {value!r} is not a date; use YYYY-MM-DD") from None


def _size(kw: dict[str, Any], unit: str) -> RequestSize:
    inp = _dec(kw, f"input_tokens_per_{unit}", minimum=Decimal(0))
    out = _dec(kw, f"output_tokens_per_{unit}", minimum=Decimal(0))
    if inp is None or out is None:
        raise UsageError(f"give --input-tokens-per-{unit} and --output-tokens-per-{unit}")
    return RequestSize.per_request(inp, out)


def _opts(*options: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(options):
            fn = opt(fn)
        return fn

    return deco


def optional_dataset_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``dataset_options`` with FILE optional: commands that also work from plain numbers."""
    fn = dataset_options(fn)
    for param in getattr(fn, "__click_params__", []):
        if isinstance(param, click.Argument) and param.name == "file":
            param.required = False
    return fn


json_option = click.option("--json", "as_json", is_flag=True, help="Print only JSON on stdout.")

rate_limit_options = _opts(
    click.option("--limits", "limits_key", metavar="EXAMPLE",
                 help="Start from a published example: " + ", ".join(e.key for e in RATE_LIMIT_EXAMPLES)
                 + ". Replace with your account's numbers."),
    click.option("--rpm", type=click.IntRange(min=1, max=10**12), help="Requests per minute."),
    click.option("--tpm", type=click.IntRange(min=1, max=10**12), help="Tokens per minute (see --tpm-counts)."),
    click.option("--tpm-counts", type=click.Choice(["input+max_tokens", "input"]),
                 help="What counts against --tpm: prompt + max_tokens (OpenAI) or prompt only (Gemini)."),
    click.option("--itpm", type=click.IntRange(min=1, max=10**12), help="Input tokens per minute (Anthropic)."),
    click.option("--otpm", type=click.IntRange(min=1, max=10**12), help="Output tokens per minute (Anthropic)."),
    click.option("--concurrency", type=click.IntRange(min=1, max=10**12), default=DEFAULT_CONCURRENCY,
                 show_default=True, help="Requests your client keeps in flight."),
    click.option("--latency", default=str(DEFAULT_LATENCY_SECONDS), show_default=True,
                 help="Seconds one request takes (an assumption: measure yours)."),
    click.option("--enqueued-tokens", type=click.IntRange(min=1, max=10**12),
                 help="Batch queue limit in prompt tokens (OpenAI, Gemini)."),
    click.option("--enqueued-requests", type=click.IntRange(min=1, max=10**12),
                 help="Batch queue limit in requests (Anthropic)."),
)


tier_options = _opts(
    click.option("--flex-latency", metavar="SECONDS",
                 help="Seconds one flex request takes (default: the provider's figure, e.g. Google's 5 minutes, "
                 "else the standard latency divided by flex's published speed)."),
    click.option("--flex-refused-share", metavar="SHARE",
                 help="Share (0 to below 1) of flex requests refused under load; they are retried, not charged, "
                 "so flex takes 1 / (1 - share) times as long.  [default: 0]"),
    click.option("--no-splits", is_flag=True,
                 help="Do not consider splitting the job (the --urgent-share by a fast tier, the rest by batch "
                 "or flex)."),
    click.option("--exclude-tier", multiple=True, type=click.Choice(EXCLUDABLE_TIERS),
                 help="Leave a tier out of the decision, e.g. when the account has no priority access "
                 "(repeat for several)."),
)


def _rate_limits(kw: dict[str, Any]) -> tuple[RateLimits, QueueLimit, str]:
    base = rate_limit_example(kw["limits_key"]) if kw.get("limits_key") else None
    lim = base.limits if base else RateLimits()
    limits = RateLimits(
        rpm=kw.get("rpm") or lim.rpm,
        tpm=kw.get("tpm") or lim.tpm,
        tpm_counts=kw.get("tpm_counts") or lim.tpm_counts,
        input_tpm=kw.get("itpm") or lim.input_tpm,
        output_tpm=kw.get("otpm") or lim.output_tpm,
    )
    queue = QueueLimit(
        enqueued_tokens=kw.get("enqueued_tokens") or (base.batch_queue_tokens if base else None),
        enqueued_requests=kw.get("enqueued_requests") or (base.batch_queue_requests if base else None),
        label=base.key if base else "",
    )
    if base:
        label = f"{base.provider} {base.tier} example for {base.model}, from {base.source}"
    elif any(kw.get(k) for k in ("rpm", "tpm", "itpm", "otpm")):
        label = "your limits"
    else:
        label = ""
    return limits, queue, label


def _throughput(kw: dict[str, Any]) -> Throughput:
    latency = _dec(kw, "latency", positive=True)
    return Throughput(concurrency=kw["concurrency"], latency_seconds=latency or DEFAULT_LATENCY_SECONDS,
                      max_tokens=kw.get("max_tokens"))


def _book(kw: dict[str, Any]) -> PriceBook:
    return book_from(kw)


# --------------------------------------------------------------------------
# plan
# --------------------------------------------------------------------------


@main.command()
@optional_dataset_options
@click.option("--model", "-m", required=True, help="Model id, e.g. gpt-4o.")
@click.option("--rows", type=click.IntRange(min=0, max=10**12), help="Without FILE: requests in the job (one per data row).")
@click.option("--input-tokens-per-row", help="Without FILE: average prompt tokens per request.")
@click.option("--output-tokens-per-row", help="Without FILE: average output tokens per request.")
@pricing_options
@mode_options
@rate_limit_options
@click.option("--typical-batch-hours", default=str(DEFAULT_TYPICAL_WAVE_HOURS), show_default=True,
              help="How long one wave of batch files usually takes (an assumption; the window is the promise).")
@click.option("--completion-share", default="1", show_default=True,
              help="Share (0-1) of batch requests expected to finish inside the window; the rest is resubmitted.")
@click.option("--bytes-per-request", type=click.IntRange(min=1, max=10**12),
              help="Bytes of one request line in the batch file (default: measured from FILE, else estimated).")
@click.option("--value-per-hour", help=f"USD an hour of waiting costs you (default {DEFAULT_VALUE_PER_HOUR} "
              "when no --deadline-hours is given).")
@click.option("--deadline-hours", help="Results are needed within this many hours.")
@click.option("--interactive", is_flag=True, help="A person waits for each answer.")
@click.option("--urgent-share", default="0", show_default=True,
              help="Share (0-1) of the rows needed right away; the rest may wait.")
@click.option("--wait-basis", type=click.Choice(WAIT_BASES), default="worst", show_default=True,
              help="Count the wait from batch's worst case (window) or its typical time.")
@tier_options
@click.option("--summary", is_flag=True,
              help="Print one page in Markdown for the person approving the spend instead: the job, the choice, "
              "its cost and time, every way to run it, the assumptions and the price sources.")
@json_option
def plan(**kw: Any) -> None:
    """How long each mode takes, how a batch splits into files and waves, and which mode to use.

    The job is every row of FILE (as for 'estimate'; batch file sizes are measured from the
    real request lines), or, without FILE, --rows requests of --input-tokens-per-row and
    --output-tokens-per-row tokens.
    """
    numbers = [k for k in ("rows", "input_tokens_per_row", "output_tokens_per_row") if kw.get(k) is not None]
    size = None
    if kw.get("file") is not None:
        if numbers:
            raise UsageError("give either FILE or --rows/--input-tokens-per-row/--output-tokens-per-row, not both")
    else:
        used = [k for k in ("column", "template", "output_tokens", "reasoning_effort", "output_column",
                            "output_examples", "output_ratio", "sample") if kw.get(k) is not None]
        if used:
            raise UsageError(f"--{used[0].replace('_', '-')} needs FILE; without FILE give --rows, "
                             "--input-tokens-per-row and --output-tokens-per-row")
        if len(numbers) < 3:
            raise UsageError("give FILE, or the job size: --rows with --input-tokens-per-row and "
                             "--output-tokens-per-row")
        size = JobSize(kw["rows"], _dec(kw, "input_tokens_per_row", minimum=Decimal(0)) or Decimal(0),
                       _dec(kw, "output_tokens_per_row", minimum=Decimal(0)) or Decimal(0))
    line = progress_line(kw) if kw.get("file") is not None else None
    try:
        result = plan_job_api(
            kw.get("file"), model=kw["model"], size=size, column=kw.get("column"), template=kw.get("template"),
            system=kw.get("system"), as_of=parse_date(kw.get("as_of")), prices=book_from(kw),
            options=plan_options_from(kw), estimate_options=estimate_options_from(kw, line, mode_params_from(kw)),
            messages=kw.get("messages_column"),
        )
    finally:
        if line is not None:
            line.clear()
    if kw["as_json"] and kw["summary"]:
        raise UsageError("give --json or --summary, not both")
    if kw["as_json"]:
        echo_json(result.to_json())
    elif kw["summary"]:
        source = Path(kw["file"]).name if kw.get("file") is not None else None
        click.echo(cli_words(approval_summary(result, source=source, prepared=today())), nl=False)
    else:
        click.echo(cli_words(result.to_text()))


def plan_options_from(kw: dict[str, Any]) -> PlanOptions:
    limits, queue, label = _rate_limits(kw)
    typical = _dec(kw, "typical_batch_hours", minimum=Decimal(0))
    completion = _dec(kw, "completion_share", minimum=Decimal(0), maximum=Decimal(1))
    return PlanOptions(
        limits=limits, queue=queue, limits_label=label, throughput=_throughput(kw),
        typical_batch_hours=typical if typical is not None else DEFAULT_TYPICAL_WAVE_HOURS,
        completion_share=completion if completion is not None else Decimal(1),
        bytes_per_request=kw.get("bytes_per_request"),
        value_per_hour=_dec(kw, "value_per_hour", minimum=Decimal(0)),
        deadline_hours=_dec(kw, "deadline_hours", minimum=Decimal(0)),
        interactive=bool(kw.get("interactive")), urgent_share=_share(kw, "urgent_share"),
        wait_basis=kw.get("wait_basis") or "worst", modes=mode_params_from(kw),
        tiers=tier_params_from(kw),
    )


def tier_params_from(kw: dict[str, Any]) -> TierParams:
    """The tier settings of ``plan``: flex's latency and refusals, splits, tiers left out."""
    refused = _dec(kw, "flex_refused_share", minimum=Decimal(0))
    if refused is not None and refused >= 1:
        raise UsageError(f"--flex-refused-share must be below 1 (every request refused never finishes), got {refused}")
    return TierParams(
        flex_latency_seconds=_dec(kw, "flex_latency", positive=True),
        flex_refused_share=refused if refused is not None else Decimal(0),
        splits=not kw.get("no_splits"),
        excluded_tiers=tuple(dict.fromkeys(kw.get("exclude_tier") or ())),
    )


# --------------------------------------------------------------------------
# route
# --------------------------------------------------------------------------


@main.command()
@click.option("--model", "-m", required=True, help="Model id, e.g. gpt-4o.")
@click.option("--daily-requests", type=click.IntRange(min=0, max=10**12), required=True, help="New requests per day.")
@click.option("--interactive-share", default="0", show_default=True,
              help="Share (0-1) from a web UI: a person waits, so they are streamed.")
@click.option("--batch-share", default="0", show_default=True,
              help="Share (0-1) of the automated (webhook, cron) traffic that can wait for a batch.")
@click.option("--backfill", type=click.IntRange(min=0, max=10**12), default=0, show_default=True,
              help="A one-off backlog of requests, sent as batch.")
@click.option("--input-tokens-per-request", required=True, help="Average prompt tokens per request.")
@click.option("--output-tokens-per-request", required=True, help="Average output tokens per request.")
@click.option("--days-per-month", default="30", show_default=True,
              help="Days the monthly figures cover (30 = per 30 days; forecast uses each calendar month's days).")
@pricing_options
@mode_options
@json_option
def route(**kw: Any) -> None:
    """Price a traffic mix: interactive (streamed), automated (standard or batch) and a backfill (batch)."""
    inp = _dec(kw, "input_tokens_per_request", minimum=Decimal(0))
    out = _dec(kw, "output_tokens_per_request", minimum=Decimal(0))
    if inp is None or out is None:
        raise UsageError("give --input-tokens-per-request and --output-tokens-per-request")
    days = _dec(kw, "days_per_month", positive=True) or Decimal(30)
    mix = TrafficMix(kw["daily_requests"], _share(kw, "interactive_share"), _share(kw, "batch_share"),
                     kw["backfill"], days)
    rp = route_api(mix, JobSize(1, inp, out), model=kw["model"], as_of=kw.get("as_of"), prices=_book(kw),
                   modes=mode_params_from(kw), input_price=decimal_option(kw.get("input_price"), "--input-price"),
                   output_price=decimal_option(kw.get("output_price"), "--output-price"))
    if kw["as_json"]:
        echo_json(rp.to_json())
        return
    click.echo(cli_words(rp.to_text()))


# --------------------------------------------------------------------------
# write-batch
# --------------------------------------------------------------------------


@main.command("write-batch")
@click.argument("file", type=click.Path(exists=True, dir_okay=True))
@click.option("--model", "-m", required=True,
              help="Model id; its provider decides the file format (OpenAI Batch API, Anthropic Message Batches "
                   "or Gemini batch JSONL).")
@click.option("--endpoint", type=click.Choice(list(BATCH_ENDPOINTS)),
              help="OpenAI endpoint of every request (default: /v1/chat/completions; /v1/embeddings for an "
                   "embedding model).")
@click.option("--column", "-c", metavar="NAME", help="Column whose text is each request's user message.")
@click.option("--template", "-t", metavar="TEXT", help="User message built from columns: 'Summarise: {review}'.")
@click.option("--system", metavar="TEXT", help="System prompt sent with every request.")
@click.option("--max-tokens", type=click.IntRange(min=1, max=10**12), help="max_tokens of every request (Anthropic needs it).")
@click.option("--id-column", help="A column of unique ids to use as custom_id (default: row-based ids).")
@click.option("--tools-file", "--tools", "tools", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="JSON file of tool definitions (a list, or {\"tools\": [...]}) sent with every request, "
                   "rewritten for the provider.")
@click.option("--schema-file", "--response-schema", "response_schema", type=click.Path(exists=True, dir_okay=False),
              metavar="FILE",
              help="JSON Schema file every answer must follow (structured output).")
@click.option("--reasoning-effort", type=click.Choice(list(REASONING_EFFORTS)),
              help="Reasoning effort (OpenAI; Gemini's thinking level).")
@click.option("--thinking-budget", type=click.IntRange(min=0, max=10**12),
              help="Thinking tokens (Anthropic: at least 1,024 and below --max-tokens; Gemini 2.5).")
@click.option("--out", "prefix", required=True, help="Output prefix: writes PREFIX-001.jsonl, PREFIX-002.jsonl, ...")
@click.option("--overwrite", is_flag=True, help="Replace existing PREFIX-NNN.jsonl files.")
@click.option("--max-requests-per-file", type=click.IntRange(min=1, max=10**12), help="Override the provider's per-file limit.")
@click.option("--max-bytes-per-file", type=click.IntRange(min=1, max=10**12), help="Override the provider's per-file limit.")
@click.option("--enqueued-tokens", type=click.IntRange(min=1, max=10**12),
              help="Also keep each file's prompt tokens under your batch queue limit (counts tokens).")
@click.option("--format", "data_format", type=click.Choice(list(FORMATS)),
              help="Data file format (default: from the extension and content).")
@click.option("--encoding", help="Text encoding of the data file (default: detected).")
@click.option("--delimiter", help="CSV delimiter (default: detected).")
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False))
@json_option
def write_batch(**kw: Any) -> None:
    """Write FILE as ready-to-submit batch JSONL: exactly one request per data row.

    OpenAI models: /v1/chat/completions (default), /v1/responses or /v1/embeddings (--endpoint);
    Anthropic models: Message Batches requests; Gemini models: {"key", "request"} lines. Tools, a
    response schema and reasoning settings go in every request as its endpoint documents them.
    """
    options = BatchFileOptions(
        max_tokens=kw.get("max_tokens"), id_column=kw.get("id_column"), overwrite=kw["overwrite"],
        max_requests_per_file=kw.get("max_requests_per_file"), max_bytes_per_file=kw.get("max_bytes_per_file"),
        enqueued_tokens=kw.get("enqueued_tokens"), endpoint=kw.get("endpoint"), tools=kw.get("tools"),
        response_schema=kw.get("response_schema"), reasoning_effort=kw.get("reasoning_effort"),
        thinking_budget=kw.get("thinking_budget"),
    )
    read = ReadOptions(format=kw.get("data_format"), encoding=kw.get("encoding"), delimiter=kw.get("delimiter"))
    manifest = write_batch_api(kw["file"], kw["prefix"], model=kw["model"], column=kw.get("column"),
                               template=kw.get("template"), system=kw.get("system"), options=options, read=read,
                               prices=load_pricebook(extra_files=kw.get("price_files") or ()))
    if kw["as_json"]:
        echo_json(manifest.to_json())
        return
    click.echo(f"Wrote {manifest.requests:,} {manifest.format} requests for {manifest.model}"
               + (f" ({manifest.url})" if manifest.url else "") + f" in {len(manifest.files)} file(s):")
    for f in manifest.files:
        click.echo(f"  {f.path}  {f.requests:,} requests, {f.bytes:,} bytes, rows {f.first_row:,}-{f.last_row:,}")


# --------------------------------------------------------------------------
# forecast
# --------------------------------------------------------------------------


@main.command("forecast")
@optional_dataset_options
@click.option("--model", "-m", help="Model id, e.g. gpt-4o (default with --from-estimate: the estimate's model).")
@click.option("--from-estimate", "from_estimate", type=click.Path(exists=True, dir_okay=False),
              help="Take the job (rows, tokens per request, model) from the JSON of 'estimate --json'.")
@click.option("--schedule", type=click.Choice(list(SCHEDULE_PERIODS)),
              help="With FILE or --from-estimate: how often the whole job runs (every row once per run).")
@click.option("--requests-per-day", type=click.IntRange(min=0, max=10**12), help="Volume in the first month, per day.")
@click.option("--requests-per-week", type=click.IntRange(min=0, max=10**12),
              help="Volume in the first month, per week (days of the month / 7 weeks).")
@click.option("--requests-per-month", type=click.IntRange(min=0, max=10**12), help="Volume in the first month.")
@click.option("--input-tokens-per-request", help="Average prompt tokens per request (without FILE).")
@click.option("--output-tokens-per-request", help="Average output tokens per request (without FILE).")
@click.option("--growth-pct", default="0", show_default=True, help="Monthly volume growth in percent.")
@click.option("--months", type=click.IntRange(1, 600), default=12, show_default=True)
@click.option("--start", help="First month, YYYY-MM (default: this month).")
@click.option("--budget", help="Monthly budget in USD.")
@click.option("--plan", "plans", multiple=True,
              help="A plan NAME=mode:share,... (modes: standard, streaming_early_exit, batch). "
                   "Default: all standard, all batch, and a hybrid.")
@click.option("--hybrid-batch-share", default="0.5", show_default=True, help="Batch share of the default hybrid plan.")
@click.option("--hybrid-interactive-share", default="0", show_default=True,
              help="Streamed share of the default hybrid plan.")
@click.option("--pricing-rule", type=click.Choice(list(PRICING_RULES)), default="prorate", show_default=True,
              help="Split a month at a price change and price each day at its entry (default), or price "
                   "each month at the entry in force on its first day.")
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False))
@mode_options
@json_option
def forecast_cmd(**kw: Any) -> None:
    """Monthly cost over a horizon for several plans, at the prices in force each day, against a monthly budget.

    The job comes from FILE (counted as for 'estimate': its rows and tokens per request), from
    --from-estimate, or from --input-tokens-per-request and --output-tokens-per-request; the volume
    from --schedule (with FILE or --from-estimate) or --requests-per-day/-week/-month.
    """
    given = [(k, p) for k, p in (("requests_per_day", "day"), ("requests_per_week", "week"),
                                  ("requests_per_month", "month")) if kw.get(k) is not None]
    if len(given) > 1:
        raise UsageError("give one of --requests-per-day, --requests-per-week or --requests-per-month")
    if kw.get("file") is not None and kw.get("from_estimate"):
        raise UsageError("give FILE or --from-estimate, not both")
    book = load_pricebook(extra_files=kw.get("price_files") or ())
    growth = _dec(kw, "growth_pct") or Decimal(0)
    options = ForecastOptions(
        months=kw["months"], start=month_start(kw.get("start")), budget=_dec(kw, "budget", minimum=Decimal(0)),
        plans=tuple(ModeMix.parse(p) for p in kw["plans"]) if kw["plans"] else
        (ALL_STANDARD, ALL_BATCH, hybrid_mix(_share(kw, "hybrid_batch_share"), _share(kw, "hybrid_interactive_share"))),
        growth_pct=growth, pricing_rule=kw["pricing_rule"], modes=mode_params_from(kw),
    )
    model_id: str | None = kw.get("model")
    size: RequestSize | None = None
    job: Estimate | None = None
    if kw.get("file") is not None:
        if not model_id:
            raise UsageError("which model's prices? Give --model, e.g. gpt-4o")
        job = estimate_api(kw["file"], model=model_id, column=kw.get("column"), template=kw.get("template"),
                           system=kw.get("system"), as_of=options.start, prices=book,
                           options=estimate_options_from(kw, None, mode_params_from(kw)),
                           messages=kw.get("messages_column"))
        rows: int | None = job.profile.rows
    elif kw.get("from_estimate"):
        rows, size, model_in_file = _estimate_json(kw["from_estimate"])
        model_id = model_id or model_in_file
    else:
        rows = None
    if rows is not None and any(kw.get(k) is not None for k in ("input_tokens_per_request",
                                                                 "output_tokens_per_request")):
        raise UsageError("the tokens per request come from the dataset: leave out --input/--output-tokens-per-request")
    if job is not None and not given:
        if not kw.get("schedule"):
            raise UsageError("how often does the job run? Give --schedule (once, daily, weekly, monthly) "
                             "or --requests-per-day/-week/-month")
        result = forecast_api(job, schedule=kw["schedule"], options=options, prices=book)
    else:
        if job is not None:
            size = size_from(job)
        elif size is None:
            size = _size(kw, "request")
        if given:
            (key, period), = given
            volume = Volume(kw[key], period, size, growth)
        elif rows is not None and kw.get("schedule"):
            volume = Volume(rows, SCHEDULE_PERIODS[kw["schedule"]], size, growth)
        elif rows is not None:
            raise UsageError("how often does the job run? Give --schedule (once, daily, weekly, monthly) "
                             "or --requests-per-day/-week/-month")
        else:
            raise UsageError("give one of --requests-per-day, --requests-per-week or --requests-per-month")
        if not model_id:
            raise UsageError("which model's prices? Give --model, e.g. gpt-4o")
        result = forecast_api(volume, model=model_id, options=options, prices=book)
    if kw["as_json"]:
        echo_json(result.to_json())
        return
    click.echo(cli_words(result.to_text()))


def _estimate_json(path: str) -> tuple[int, RequestSize, str | None]:
    """Rows, tokens per request and model of a saved 'estimate --json'."""
    import json

    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        rows, inp, out = int(doc["rows"]), int(doc["input_tokens"]), int(doc["output_tokens"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"--from-estimate {path}: not the JSON of 'estimate --json' ({exc})") from None
    if rows <= 0:
        raise UsageError(f"--from-estimate {path}: the estimate has no rows")
    return rows, RequestSize.of(Usage(rows, inp, out)), doc.get("model")


# --------------------------------------------------------------------------
# exercise
# --------------------------------------------------------------------------


@main.command("exercise")
@click.option("--rows", "rows", type=click.IntRange(min=0, max=10**12), multiple=True,
              help="Row counts to work through (default: 1,000,000 and 1,000).")
@click.option("--tokens-per-row", type=click.IntRange(min=0, max=10**12), default=DEFAULT_TOKENS_PER_ROW, show_default=True)
@click.option("--price-per-mtok", help="A flat price per million tokens instead of the price book's.")
@click.option("--batch-multiplier", help="Batch price = standard × this (default: the provider's batch rule).")
@click.option("--value-per-hour", default=str(DEFAULT_VALUE_PER_HOUR), show_default=True,
              help="USD an hour of waiting costs you.")
@click.option("--wait-hours", default=str(DEFAULT_WAIT_HOURS), show_default=True)
@click.option("--model", "-m", default=EXERCISE_MODEL, show_default=True)
@click.option("--as-of", default=EXERCISE_PRICE_DATE.isoformat(), show_default=True,
              help="Date of the price entry to use.")
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False))
@json_option
def exercise_cmd(**kw: Any) -> None:
    """The batch budgeter exercise: is it worth waiting 24 hours to save 50%?"""
    override = _dec(kw, "price_per_mtok", positive=True)
    try:
        book: PriceBook | None = load_pricebook(extra_files=kw.get("price_files") or ())
    except EstimatorError:
        if override is None:
            raise
        book = None
    result = run_exercise(
        book,
        rows=tuple(kw["rows"]) or DEFAULT_ROWS,
        tokens_per_row=kw["tokens_per_row"],
        wait_hours=_dec(kw, "wait_hours", minimum=Decimal(0)) or Decimal(0),
        value_per_hour=_dec(kw, "value_per_hour", minimum=Decimal(0)) or Decimal(0),
        model=kw["model"],
        as_of=_date(kw["as_of"], "--as-of") or EXERCISE_PRICE_DATE,
        price_per_mtok=override,
        batch_multiplier=_dec(kw, "batch_multiplier"),
    )
    if kw["as_json"]:
        echo_json(result.to_json())
    else:
        click.echo(cli_words(result.to_text()))
