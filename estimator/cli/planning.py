"""``plan``, ``route``, ``write-batch``, ``forecast`` and ``exercise``."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import click

from .. import (
    ALL_BATCH,
    ALL_STANDARD,
    DEFAULT_CHARS_PER_TOKEN,
    DEFAULT_CONCURRENCY,
    DEFAULT_LATENCY_SECONDS,
    DEFAULT_ROWS,
    DEFAULT_TOKENS_PER_ROW,
    DEFAULT_TYPICAL_WAVE_HOURS,
    DEFAULT_VALUE_PER_HOUR,
    DEFAULT_WAIT_HOURS,
    EXERCISE_MODEL,
    EXERCISE_PRICE_DATE,
    FORMATS,
    PRICING_RULES,
    RATE_LIMIT_EXAMPLES,
    BatchPlan,
    Comparison,
    Decision,
    EstimatorError,
    ExpiryOutcome,
    FileLimits,
    Forecast,
    ModeMix,
    ModeTime,
    PriceBook,
    QueueLimit,
    RateLimits,
    RequestShape,
    RequestSize,
    Throughput,
    TrafficMix,
    Usage,
    UsageError,
    Volume,
    build_forecast,
    chat_tokens,
    compare,
    decide_for_job,
    estimate_line_bytes,
    expiry_outcome,
    format_for,
    format_hours,
    format_usd,
    get_tokenizer,
    hybrid_mix,
    iter_requests,
    job_times,
    load_pricebook,
    open_dataset,
    plan_measured,
    plan_uniform,
    rate_limit_example,
    route_traffic,
    run_exercise,
    write_batch_files,
)
from .base import decimal_option, echo_json, main
from .dataset_options import dataset_options, profile_from_options, shape_from_options
from .engine import book_from, mode_options, mode_params_from, price_from, pricing_options

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


def _month(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today().replace(day=1)
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date().replace(day=1)
        except ValueError:
            continue
    raise UsageError(f"--start {value!r} is not a month; use YYYY-MM, e.g. 2025-01")


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
        label = "no rate limits given: only concurrency × latency limits throughput (pass --limits or --rpm/--tpm)"
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
@click.option("--wait-basis", type=click.Choice(["worst", "typical"]), default="worst", show_default=True,
              help="Count the wait from batch's worst case (window) or its typical time.")
@json_option
def plan(**kw: Any) -> None:
    """How long each mode takes, how a batch splits into files and waves, and which mode to use.

    The job is every row of FILE (as for 'estimate'; batch file sizes are measured from the
    real request lines), or, without FILE, --rows requests of --input-tokens-per-row and
    --output-tokens-per-row tokens.
    """
    numbers = [k for k in ("rows", "input_tokens_per_row", "output_tokens_per_row") if kw.get(k) is not None]
    book = _book(kw)
    priced = price_from(book, kw["model"], kw)
    notes: list[str] = []
    measured = None
    if kw.get("file") is not None:
        if numbers:
            raise UsageError("give either FILE or --rows/--input-tokens-per-row/--output-tokens-per-row, not both")
        profile = profile_from_options(kw, priced.model, priced.price)
        usage = profile.usage()
        notes.extend(profile.notes)
        if kw.get("bytes_per_request") is None and kw.get("sample") is None:
            measured = _measure(kw, priced.model)
        elif kw.get("sample") is not None:
            notes.append("--sample: batch file bytes estimated, not measured")
    else:
        used = [k for k in ("column", "template", "output_tokens", "output_column", "output_examples",
                            "output_ratio", "sample") if kw.get(k) is not None]
        if used:
            raise UsageError(f"--{used[0].replace('_', '-')} needs FILE; without FILE give --rows, "
                             "--input-tokens-per-row and --output-tokens-per-row")
        if len(numbers) < 3:
            raise UsageError("give FILE, or the job size: --rows with --input-tokens-per-row and "
                             "--output-tokens-per-row")
        usage = _size(kw, "row").usage(kw["rows"])
    result = build_plan(usage, RequestSize.of(usage), priced, kw, measured=measured, notes=notes)
    if kw["as_json"]:
        echo_json(result)
    else:
        click.echo(plan_text(result))


def _measure(kw: dict[str, Any], model: Any) -> Iterator[tuple[int, int, int]]:
    """(row, serialized request bytes, prompt tokens) of every row of FILE, in order, read lazily.

    Prompt tokens are counted only when a batch queue limit in tokens applies.
    """
    try:
        fmt = format_for(model.provider, model.kind)
    except UsageError:
        fmt = "openai-chat"
    _, queue, _ = _rate_limits(kw)
    count = (_token_counter(model.tokenizer, embedding=fmt == "openai-embeddings")
             if queue.enqueued_tokens is not None else None)
    shape = shape_from_options(kw)
    with open_dataset(kw["file"], format=kw.get("format"), encoding=kw.get("encoding"),
                      delimiter=kw.get("delimiter"), bad_rows="skip" if kw.get("skip_bad_rows") else "error") as ds:
        for r in iter_requests(
            ds.batches(list(shape.columns)), shape=shape, model=model.id, fmt=fmt, max_tokens=kw.get("max_tokens"),
            count_tokens=count, where=str(ds.info.path),
        ):
            yield r.row, len(r.line), r.input_tokens


def build_plan(usage: Usage, size: RequestSize, priced: Any, kw: dict[str, Any], *,
               measured: Iterable[tuple[int, int, int]] | None = None, notes: Sequence[str] = ()) -> dict[str, Any]:
    """Everything ``plan`` reports, as plain data."""
    provider, kind = priced.model.provider, priced.model.kind
    params = mode_params_from(kw)
    cmp = compare(usage, priced.price, params)
    limits, queue, limits_label = _rate_limits(kw)
    throughput = _throughput(kw)
    rule = priced.price.batch_rule
    notes = list(notes)
    try:
        fmt = format_for(provider, kind)
    except UsageError:
        fmt = "openai-chat"
        notes.append(f"no batch file format for {provider}: request lines sized in the OpenAI chat format")
    line_bytes = kw.get("bytes_per_request")
    if line_bytes is None and measured is None:
        cap = kw.get("max_tokens")
        if cap is None and fmt == "anthropic":
            # Anthropic lines carry max_tokens; without one the expected output stands in for sizing.
            cap = max(1, math.ceil(size.output_tokens))
        line_bytes = estimate_line_bytes(fmt, priced.model.id, input_tokens=size.input_decimal,
                                         max_tokens=cap, rows=usage.requests)
        notes.append(f"batch file bytes estimated from one {line_bytes:,}-byte request line "
                     f"(~{DEFAULT_CHARS_PER_TOKEN} characters per prompt token)")
    typical = _dec(kw, "typical_batch_hours", minimum=Decimal(0))
    typical = typical if typical is not None else DEFAULT_TYPICAL_WAVE_HOURS
    window = None if rule else 24
    if measured is not None:
        batch_plan = plan_measured(priced.model.id, measured, rule=rule, queue=queue,
                                   typical_wave_hours=typical, window_hours=window)
    else:
        assert line_bytes is not None
        batch_plan = plan_uniform(
            priced.model.id, usage.requests, line_bytes=line_bytes, input_tokens_per_request=size.input_tokens,
            rule=rule, queue=queue, typical_wave_hours=typical, window_hours=window,
        )
    if rule is None:
        notes.append("the provider has no [batch] rule: a 24 h window is assumed")
    times = job_times(usage, limits, throughput, batch_plan)
    decision = decide_for_job(
        cmp, times,
        value_per_hour=_dec(kw, "value_per_hour", minimum=Decimal(0)),
        deadline_hours=_dec(kw, "deadline_hours", minimum=Decimal(0)),
        interactive=kw["interactive"], urgent_share=_share(kw, "urgent_share"), wait_basis=kw["wait_basis"],
    )
    completion = _dec(kw, "completion_share", minimum=Decimal(0), maximum=Decimal(1))
    expiry = None
    if completion is not None and completion < 1:
        expiry = expiry_outcome(cmp, batch_plan, completion)
    return {
        "model": priced.model.id,
        "provider": provider,
        "price": priced.describe(),
        "job": {"requests": usage.requests, "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens},
        "costs": _costs(cmp),
        "rate_limits": {"label": limits_label, "rpm": limits.rpm, "tpm": limits.tpm, "tpm_counts": limits.tpm_counts,
                        "itpm": limits.input_tpm, "otpm": limits.output_tpm,
                        "concurrency": throughput.concurrency, "latency_seconds": throughput.latency_seconds},
        "times": {name: _time_json(t) for name, t in times.as_mapping().items()},
        "batch": _plan_json(batch_plan),
        "expiry": _expiry_json(expiry),
        "decision": _decision_json(decision),
        "notes": notes,
    }


def _costs(cmp: Comparison) -> dict[str, Any]:
    return {name: {"total": c.total_cost, "input": c.input_cost, "output": c.output_cost,
                   "savings_vs_standard": c.savings_vs_standard} for name, c in cmp.modes.items()}


def _time_json(t: ModeTime) -> dict[str, Any]:
    return {"hours": t.hours, "worst_case_hours": t.worst_case_hours, "requests_per_minute": t.requests_per_minute,
            "bottleneck": t.bottleneck, "explanation": t.explanation}


def _plan_json(p: BatchPlan) -> dict[str, Any]:
    return {
        "files": [{"index": f.index, "first_row": f.first_row, "last_row": f.last_row, "requests": f.requests,
                   "bytes": f.bytes, "input_tokens": f.input_tokens, "wave": f.wave} for f in p.files],
        "file_count": len(p.files), "waves": p.waves, "requests": p.requests, "bytes": p.bytes,
        "input_tokens": p.input_tokens, "bytes_measured": p.bytes_measured,
        "limits": {"max_requests": p.file_limits.max_requests, "max_bytes": p.file_limits.max_bytes,
                   "max_input_tokens": p.file_limits.max_input_tokens},
        "queue": {"enqueued_tokens": p.queue.enqueued_tokens, "enqueued_requests": p.queue.enqueued_requests},
        "window_hours": p.window_hours, "typical_wave_hours": p.typical_wave_hours,
        "worst_case_hours": p.worst_case_hours, "typical_hours": p.typical_hours,
    }


def _expiry_json(e: ExpiryOutcome | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"completion_share": e.completion_share, "completed_requests": e.completed_requests,
            "remainder_requests": e.remainder_requests, "first_pass_cost": e.first_pass_cost,
            "resubmit_batch_cost": e.resubmit_batch_cost, "resubmit_standard_cost": e.resubmit_standard_cost,
            "total_if_resubmitted_as_batch": e.total_if_resubmitted_as_batch,
            "total_if_resubmitted_as_standard": e.total_if_resubmitted_as_standard,
            "extra_worst_case_hours_if_batch": e.extra_worst_case_hours_if_batch}


def _decision_json(d: Decision) -> dict[str, Any]:
    return {"recommendation": d.recommendation, "reason": d.reason, "batch_savings": d.batch_savings,
            "wait_hours": d.wait_hours, "wait_basis": d.wait_basis, "value_per_hour": d.value_per_hour,
            "wait_cost": d.wait_cost, "net_benefit_of_batch": d.net_benefit_of_batch,
            "break_even_rows": d.break_even_rows, "deadline_hours": d.deadline_hours,
            "batch_meets_deadline": d.batch_meets_deadline, "standard_meets_deadline": d.standard_meets_deadline}


def plan_text(r: dict[str, Any]) -> str:
    job, costs, b, d = r["job"], r["costs"], r["batch"], r["decision"]
    lines = [
        f"{job['requests']:,} requests, {job['input_tokens']:,} input + {job['output_tokens']:,} output tokens",
        f"Price: {r['price']}",
        "",
        "Cost:",
    ]
    for name, c in costs.items():
        save = f"  (saves {format_usd(c['savings_vs_standard'])})" if name != "standard" else ""
        lines.append(f"  {name:<22} {format_usd(c['total'])}{save}")
    lines += ["", f"Time ({r['rate_limits']['label']}):"]
    for name, t in r["times"].items():
        if name == "batch":
            lines.append(f"  {name:<22} typical {format_hours(t['hours'])}, "
                         f"worst case {format_hours(t['worst_case_hours'])}")
        else:
            lines.append(f"  {name:<22} {t['explanation']}")
    lim = b["limits"]
    caps = ", ".join(x for x in (
        f"≤ {lim['max_requests']:,} requests" if lim["max_requests"] else "",
        f"≤ {lim['max_bytes']:,} bytes" if lim["max_bytes"] else "",
        f"≤ {lim['max_input_tokens']:,} prompt tokens" if lim["max_input_tokens"] else "",
    ) if x) or "no per-file limits"
    lines += ["", (f"Batch: {b['file_count']:,} file(s) ({caps} each), {b['bytes']:,} bytes, {b['waves']:,} wave(s); "
                   f"worst case {b['waves']:,} × {b['window_hours']} h = "
                   f"{format_hours(b['worst_case_hours'])}")]
    if r["expiry"]:
        e = r["expiry"]
        lines.append(f"  if {e['completion_share']} complete in the window: {e['remainder_requests']:,} requests to "
                     f"resend, as batch {format_usd(e['resubmit_batch_cost'])} (+{e['extra_worst_case_hours_if_batch']} h)"
                     f" or standard {format_usd(e['resubmit_standard_cost'])}")
    lines += ["", f"Recommendation: {d['recommendation']}", f"  {d['reason']}"]
    if d["break_even_rows"] is not None and d["wait_cost"] is not None:
        lines.append(f"  break-even: {d['break_even_rows']:,.0f} rows (batch wins above, standard below)")
    for note in r["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


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
@click.option("--days-per-month", default="30", show_default=True)
@pricing_options
@mode_options
@json_option
def route(**kw: Any) -> None:
    """Price a traffic mix: interactive (streamed), automated (standard or batch) and a backfill (batch)."""
    size = _size(kw, "request")
    days = _dec(kw, "days_per_month", positive=True) or Decimal(30)
    mix = TrafficMix(kw["daily_requests"], _share(kw, "interactive_share"), _share(kw, "batch_share"),
                     kw["backfill"], days)
    priced = price_from(_book(kw), kw["model"], kw)
    rp = route_traffic(mix, size, priced.price, mode_params_from(kw))
    data = {
        "model": priced.model.id,
        "price": priced.describe(),
        "routes": [{"route": r.route, "mode": r.mode, "requests_per_day": r.requests, "cost_per_day": r.cost}
                   for r in rp.routes],
        "daily_cost": rp.daily_cost, "monthly_cost": rp.monthly_cost, "cost_per_request": rp.cost_per_request,
        "baseline_daily_cost": rp.baseline_daily_cost,
        "moved_savings_daily": rp.moved_savings_daily, "moved_savings_monthly": rp.moved_savings_monthly,
        "all_moved_savings_monthly": rp.all_moved_savings_monthly,
        "backfill": None if rp.backfill is None else {
            "requests": rp.backfill.requests, "batch_cost": rp.backfill.cost,
            "standard_cost": rp.backfill_standard_cost, "savings": rp.backfill_savings},
    }
    if kw["as_json"]:
        echo_json(data)
        return
    click.echo(f"Price: {data['price']}\n")
    for r in rp.routes:
        click.echo(f"  {r.route:<28} {r.mode:<22} {r.requests:>10,}/day  {format_usd(r.cost)}/day")
    click.echo(f"\nBlend: {format_usd(rp.daily_cost)}/day, {format_usd(rp.monthly_cost)}/month "
               f"({format_usd(rp.cost_per_request)} a request)")
    click.echo(f"Sending {mix.batch_share:%} of the automated traffic as batch saves "
               f"{format_usd(rp.moved_savings_monthly)}/month; all of it would save "
               f"{format_usd(rp.all_moved_savings_monthly)}/month.")
    if rp.backfill is not None:
        click.echo(f"Backfill of {rp.backfill.requests:,} requests: {format_usd(rp.backfill.cost)} as batch "
                   f"(saves {format_usd(rp.backfill_savings)} against standard).")


# --------------------------------------------------------------------------
# write-batch
# --------------------------------------------------------------------------


@main.command("write-batch")
@click.argument("file", type=click.Path(exists=True, dir_okay=True))
@click.option("--model", "-m", required=True, help="Model id; decides the file format (OpenAI or Anthropic).")
@click.option("--column", "-c", metavar="NAME", help="Column whose text is each request's user message.")
@click.option("--template", "-t", metavar="TEXT", help="User message built from columns: 'Summarise: {review}'.")
@click.option("--system", metavar="TEXT", help="System prompt sent with every request.")
@click.option("--max-tokens", type=click.IntRange(min=1, max=10**12), help="max_tokens of every request (Anthropic needs it).")
@click.option("--id-column", help="A column of unique ids to use as custom_id (default: row-based ids).")
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
    """Write FILE as ready-to-submit batch JSONL: exactly one request per data row."""
    book = load_pricebook(extra_files=kw.get("price_files") or ())
    model = book.model(kw["model"])
    fmt = format_for(model.provider, model.kind)
    shape = RequestShape(column=kw.get("column"), template=kw.get("template"), system=kw.get("system"))
    rule = model.price_on(None).batch_rule
    base = FileLimits.from_rule(rule)
    limits = FileLimits(
        max_requests=kw.get("max_requests_per_file") or base.max_requests,
        max_bytes=kw.get("max_bytes_per_file") or base.max_bytes,
        max_input_tokens=kw.get("enqueued_tokens"),
    )
    count = _token_counter(model.tokenizer, embedding=fmt == "openai-embeddings") if kw.get("enqueued_tokens") else None
    with open_dataset(kw["file"], format=kw.get("data_format"), encoding=kw.get("encoding"),
                      delimiter=kw.get("delimiter")) as ds:
        # The reader names any missing column and suggests close matches.
        wanted = list(dict.fromkeys([*shape.columns, *([kw["id_column"]] if kw.get("id_column") else [])]))
        manifest = write_batch_files(
            ds.batches(wanted), prefix=kw["prefix"], shape=shape, model=model.id, fmt=fmt,
            max_tokens=kw.get("max_tokens"), limits=limits, id_column=kw.get("id_column"), count_tokens=count,
            overwrite=kw["overwrite"], where=str(ds.info.path),
        )
    if kw["as_json"]:
        echo_json(manifest.to_json())
        return
    click.echo(f"Wrote {manifest.requests:,} {fmt} requests for {model.id} in {len(manifest.files)} file(s):")
    for f in manifest.files:
        click.echo(f"  {f.path}  {f.requests:,} requests, {f.bytes:,} bytes, rows {f.first_row:,}-{f.last_row:,}")


def _token_counter(spec: str, *, embedding: bool) -> Callable[[list[dict[str, str]]], int]:
    """Prompt tokens of one request: chat framing included, or the bare text for embeddings."""
    tokenizer = get_tokenizer(spec)
    if embedding:
        return lambda messages: tokenizer.count(messages[-1]["content"])
    return lambda messages: chat_tokens(messages, tokenizer)


# --------------------------------------------------------------------------
# forecast
# --------------------------------------------------------------------------


def _parse_mix(text: str) -> ModeMix:
    """``NAME=mode:share,mode:share``."""
    name, sep, body = text.partition("=")
    if not sep or not name.strip() or not body.strip():
        raise UsageError(f"--plan {text!r}: write NAME=mode:share,..., e.g. 'mostly batch=standard:0.2,batch:0.8'")
    shares: dict[str, Decimal] = {}
    for part in body.split(","):
        mode, colon, share = part.partition(":")
        value = decimal_option(share.strip(), "--plan") if colon else None
        if value is None:
            raise UsageError(f"--plan {text!r}: {part!r} is not mode:share")
        shares[mode.strip()] = shares.get(mode.strip(), Decimal(0)) + value
    return ModeMix(name.strip(), shares)


@main.command("forecast")
@click.option("--model", "-m", required=True, help="Model id, e.g. gpt-4o.")
@click.option("--requests-per-day", type=click.IntRange(min=0, max=10**12), help="Volume in the first month, per day.")
@click.option("--requests-per-month", type=click.IntRange(min=0, max=10**12), help="Volume in the first month.")
@click.option("--input-tokens-per-request", required=True, help="Average prompt tokens per request.")
@click.option("--output-tokens-per-request", required=True, help="Average output tokens per request.")
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
@click.option("--pricing-rule", type=click.Choice(list(PRICING_RULES)), default="month-start", show_default=True,
              help="Price each month at the entry in force on its first day, or split it at a price change.")
@click.option("--price-file", "price_files", multiple=True, type=click.Path(dir_okay=False))
@mode_options
@json_option
def forecast_cmd(**kw: Any) -> None:
    """Monthly cost over a horizon for several plans, at the prices in force each month, against a budget."""
    per_day: int | None = kw.get("requests_per_day")
    per_month: int | None = kw.get("requests_per_month")
    if per_day is not None and per_month is None:
        requests, period = per_day, "day"
    elif per_month is not None and per_day is None:
        requests, period = per_month, "month"
    else:
        raise UsageError("give exactly one of --requests-per-day or --requests-per-month")
    volume = Volume(requests, period, _size(kw, "request"),
                    _dec(kw, "growth_pct") or Decimal(0))
    if kw["plans"]:
        mixes: Sequence[ModeMix] = [_parse_mix(p) for p in kw["plans"]]
    else:
        mixes = [ALL_STANDARD, ALL_BATCH,
                 hybrid_mix(_share(kw, "hybrid_batch_share"), _share(kw, "hybrid_interactive_share"))]
    model = load_pricebook(extra_files=kw.get("price_files") or ()).model(kw["model"])
    result = build_forecast(model, volume, mixes, start=_month(kw.get("start")), horizon_months=kw["months"],
                            budget=_dec(kw, "budget", minimum=Decimal(0)), params=mode_params_from(kw),
                            pricing_rule=kw["pricing_rule"])
    if kw["as_json"]:
        echo_json(result.to_json())
        return
    click.echo(forecast_text(result))


def forecast_text(f: Forecast) -> str:
    names = [p.mix.name for p in f.plans]
    width = max(14, *(len(n) for n in names))
    lines = [f"{f.model}, {f.horizon_months} months from {f.start:%Y-%m} (prices: {f.pricing_rule})", "",
             "month     " + "".join(f"{n:>{width + 2}}" for n in names)]
    for i, first in enumerate(p.month for p in f.plans[0].months):
        cells = []
        for p in f.plans:
            row = p.months[i]
            mark = " *" if row.over_budget else "  "
            cells.append(f"{format_usd(row.cost, 2):>{width}}{mark}")
        lines.append(f"{first:%Y-%m}   " + "".join(cells))
    lines.append("total     " + "".join(f"{format_usd(p.total_cost, 2):>{width}}  " for p in f.plans))
    if f.budget is not None:
        lines.append(f"\nBudget {format_usd(f.budget, 2)}/month (* = over):")
        for p in f.plans:
            when = p.first_month_over_budget
            lines.append(f"  {p.mix.name}: " + (f"first over in {when:%Y-%m}" if when else "stays within budget"))
    for c in f.price_changes:
        lines.append(f"price change from {c.month:%Y-%m}: {c.description}")
    return "\n".join(lines)


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
        click.echo(result.to_text())
