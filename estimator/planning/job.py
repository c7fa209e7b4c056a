"""A job plan: cost per mode, time per mode, batch files and waves, and which way to run it.

``plan_job(usage, priced, options)`` is the one planning core: the ``plan``
command prints its ``JobPlan`` (``to_json()`` with ``--json``, ``to_text()``
otherwise) and the app draws the same object. ``uniform_batch_plan`` sizes
batch files from one representative request line, for jobs known only by
their totals; ``measured_requests`` measures the real request lines of a
dataset instead.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from estimator import convert
from estimator.batch.logistics import (
    DEFAULT_TYPICAL_WAVE_HOURS,
    BatchPlan,
    ExpiryOutcome,
    QueueLimit,
    expiry_outcome,
    plan_measured,
    plan_uniform,
)
from estimator.batch.writer import (
    DEFAULT_CHARS_PER_TOKEN,
    LineSizer,
    estimate_line_bytes,
    format_for,
    iter_requests,
    prompt_token_counter,
)
from estimator.convert import Result, counted, set_field
from estimator.counting.counts import RowsCounted
from estimator.counting.prompts import RequestShape
from estimator.errors import UsageError, param
from estimator.formats import format_hours
from estimator.modes import Comparison, ModeParams, compare
from estimator.money import ZERO, format_usd, shown_difference
from estimator.planning.decision import (
    CurvePoint,
    Decision,
    JobModel,
    TierParams,
    cost_curve,
    curve_sizes,
    decide,
    default_search_limit,
    standard_or_batch,
)
from estimator.planning.limits import RateLimits, Throughput
from estimator.planning.times import JobTimes, ModeTime, job_times
from estimator.pricing import Model, PricedModel
from estimator.reading.source import ReadOptions, open_rows
from estimator.usage import RequestSize, Usage

WAIT_BASES = ("worst", "typical")


@dataclass(frozen=True)
class PlanOptions:
    """The account, the client and the user's stakes: everything a plan needs beyond the job.

    ``limits_label`` says where the limits come from (a published example, the
    user's own figures). ``completion_share`` is the share of batch requests
    expected to finish inside the window (the rest is priced as resubmitted).
    ``bytes_per_request`` overrides the request line size used to split files.
    The decision weighs ``value_per_hour`` of waiting, or meets ``deadline_hours``.
    """

    limits: RateLimits = field(default_factory=RateLimits)
    queue: QueueLimit = field(default_factory=QueueLimit)
    limits_label: str = ""
    throughput: Throughput = field(default_factory=Throughput)
    typical_batch_hours: Decimal = DEFAULT_TYPICAL_WAVE_HOURS
    completion_share: Decimal = Decimal(1)
    bytes_per_request: int | None = None
    value_per_hour: Decimal | None = None
    deadline_hours: Decimal | None = None
    interactive: bool = False
    urgent_share: Decimal = ZERO
    wait_basis: str = "worst"
    modes: ModeParams = field(default_factory=ModeParams)
    tiers: TierParams = field(default_factory=TierParams)

    def __post_init__(self) -> None:
        for name, kind in (("limits", RateLimits), ("queue", QueueLimit), ("throughput", Throughput),
                           ("modes", ModeParams), ("tiers", TierParams)):
            convert.instance(getattr(self, name), name, kind)
        set_field(self, "limits_label", convert.text(self.limits_label, "limits_label"))
        set_field(self, "typical_batch_hours", convert.number(self.typical_batch_hours, "typical_batch_hours"))
        for name in ("completion_share", "urgent_share"):
            set_field(self, name, convert.share(getattr(self, name), name))
        set_field(self, "value_per_hour", convert.optional(convert.money, self.value_per_hour, "value_per_hour"))
        set_field(self, "deadline_hours", convert.optional(convert.number, self.deadline_hours, "deadline_hours"))
        set_field(self, "bytes_per_request",
                  convert.optional(convert.count, self.bytes_per_request, "bytes_per_request", minimum=1))
        set_field(self, "interactive", convert.flag(self.interactive, "interactive"))
        if self.wait_basis not in WAIT_BASES:
            raise UsageError(f"{param('wait_basis')} must be one of {', '.join(map(repr, WAIT_BASES))}, "
                             f"not {self.wait_basis!r}", param="wait_basis")

    @property
    def limits_text(self) -> str:
        if self.limits_label:
            return self.limits_label
        if any((self.limits.rpm, self.limits.tpm, self.limits.input_tpm, self.limits.output_tpm)):
            return "your limits"
        return "no rate limits given: only concurrency × latency limits throughput"


@dataclass(frozen=True, repr=False)
class JobPlan(Result):
    """Everything a plan reports; ``to_json()`` is the document ``plan --json`` prints, ``to_frame()``
    one row per way to run the job.

    ``decision`` is the one decision: the recommended way to run the job among every tier,
    split and retry, why, what it assumed, where the choice changes with size, and standard
    against batch alone. ``cost_curve()`` gives every way's cost over job sizes on the same model.
    """

    priced: PricedModel
    usage: Usage
    comparison: Comparison
    times: JobTimes
    batch: BatchPlan
    expiry: ExpiryOutcome | None
    decision: Decision
    options: PlanOptions
    notes: tuple[str, ...] = ()
    model: JobModel | None = field(default=None, repr=False)  # None for an empty job

    def summary(self) -> str:
        d, u = self.decision, self.usage
        return (f"{self.priced.model.id}, {counted(u.requests, 'request')} ({u.input_tokens:,} input + "
                f"{u.output_tokens:,} output tokens): standard {format_usd(self.comparison.standard.total_cost)}; "
                f"use {d.recommendation}, {format_usd(d.recommended.cost)} in "
                f"{format_hours(d.recommended.wait_hours(d.wait_basis))}")

    def table(self) -> list[dict[str, Any]]:
        """One row per way to run the job (every tier, split and retry)."""
        return self.decision.table()

    def cost_curve(self, sizes: Sequence[int] | None = None) -> tuple[CurvePoint, ...]:
        """Every way to run jobs of ``sizes`` rows like this one (default: one row to the sizes searched
        for the break-even, on a log scale), with the way chosen at each size."""
        if self.model is None:
            raise UsageError("an empty job has no cost curve", param="sizes")
        d = self.decision
        chosen = sizes if sizes is not None else curve_sizes(self.usage.requests, d.searched_up_to)
        return cost_curve(self.usage, self.model, self.batch, chosen, value_per_hour=self.options.value_per_hour,
                          deadline_hours=self.options.deadline_hours, wait_basis=d.wait_basis)

    def batch_curve(self, sizes: Sequence[int] | None = None) -> tuple[CurvePoint, ...]:
        """Standard against batch alone over job sizes, on the model ``decision.batch`` is found on:
        the two lines of ``total`` cross at ``decision.batch.break_even_rows``."""
        if self.model is None:
            raise UsageError("an empty job has no cost curve", param="sizes")
        d = self.decision
        chosen = sizes if sizes is not None else curve_sizes(self.usage.requests, d.searched_up_to)
        return cost_curve(self.usage, standard_or_batch(self.model), self.batch, chosen,
                          value_per_hour=self.options.value_per_hour, deadline_hours=self.options.deadline_hours,
                          wait_basis=d.wait_basis, only=("standard", "batch"))

    def as_dict(self) -> dict[str, Any]:
        o, u = self.options, self.usage
        return {
            "model": self.priced.model.id,
            "provider": self.priced.model.provider,
            "price": self.priced.describe(),
            "job": {"requests": u.requests, "input_tokens": u.input_tokens, "output_tokens": u.output_tokens},
            "costs": {name: {"total": c.total_cost, "input": c.input_cost, "output": c.output_cost, "fees": c.fee_cost,
                             "savings_vs_standard": c.savings_vs_standard}
                      for name, c in self.comparison.modes.items()},
            "rate_limits": {"label": o.limits_text, "rpm": o.limits.rpm, "tpm": o.limits.tpm,
                            "tpm_counts": o.limits.tpm_counts, "itpm": o.limits.input_tpm,
                            "otpm": o.limits.output_tpm, "concurrency": o.throughput.concurrency,
                            "latency_seconds": o.throughput.latency_seconds},
            "times": {name: _time_json(t) for name, t in self.times.as_mapping().items()},
            "batch": batch_plan_json(self.batch),
            "expiry": expiry_json(self.expiry),
            "decision": self.decision.as_dict(),
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        return plan_text(self.as_dict())


def _time_json(t: ModeTime) -> dict[str, Any]:
    return {"hours": t.hours, "worst_case_hours": t.worst_case_hours, "requests_per_minute": t.requests_per_minute,
            "bottleneck": t.bottleneck, "explanation": t.explanation}


def batch_plan_json(p: BatchPlan) -> dict[str, Any]:
    """A batch plan as plain data: its files, waves, limits and times."""
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


def expiry_json(e: ExpiryOutcome | None) -> dict[str, Any] | None:
    """What a batch that does not finish in its window costs, as plain data."""
    if e is None:
        return None
    return {"completion_share": e.completion_share, "completed_requests": e.completed_requests,
            "remainder_requests": e.remainder_requests, "first_pass_cost": e.first_pass_cost,
            "resubmit_batch_cost": e.resubmit_batch_cost, "resubmit_standard_cost": e.resubmit_standard_cost,
            "total_if_resubmitted_as_batch": e.total_if_resubmitted_as_batch,
            "total_if_resubmitted_as_standard": e.total_if_resubmitted_as_standard,
            "extra_worst_case_hours_if_batch": e.extra_worst_case_hours_if_batch}


def batch_format(model: Model) -> tuple[str, str | None]:
    """The batch request format of ``model``'s provider, and a note when none exists
    (its lines are then sized in the OpenAI chat format: an estimate either way)."""
    try:
        return format_for(model.provider, model.kind), None
    except UsageError:
        return "openai-chat", (f"no batch file format for {model.provider}: request lines sized in the "
                               "OpenAI chat format")


def uniform_batch_plan(
    priced: PricedModel, usage: Usage, options: PlanOptions, *, max_tokens: int | None = None
) -> tuple[BatchPlan, list[str]]:
    """Files and waves for ``usage.requests`` requests of the job's average size, and notes.

    The request line is measured from one representative line unless
    ``options.bytes_per_request`` gives it.
    """
    model = priced.model
    fmt, note = batch_format(model)
    notes = [note] if note else []
    size = RequestSize.of(usage)
    line_bytes = options.bytes_per_request
    if line_bytes is None:
        cap = max_tokens
        if cap is None and fmt == "anthropic":
            # Anthropic lines carry max_tokens; without one the expected output stands in for sizing.
            cap = max(1, math.ceil(size.output_tokens))
        line_bytes = estimate_line_bytes(fmt, model.id, input_tokens=size.input_decimal, max_tokens=cap,
                                         rows=usage.requests)
        notes.append(f"batch file bytes estimated from one {line_bytes:,}-byte request line "
                     f"(~{DEFAULT_CHARS_PER_TOKEN} characters per prompt token)")
    rule = priced.price.batch_rule
    plan = plan_uniform(model.id, usage.requests, line_bytes=line_bytes, input_tokens_per_request=size.input_tokens,
                        rule=rule, queue=options.queue, typical_wave_hours=options.typical_batch_hours,
                        window_hours=None if rule else 24)
    return plan, notes


def measured_requests(
    source: Any, shape: RequestShape, model: Model, *, read: ReadOptions | None = None,
    max_tokens: int | None = None, count_tokens: bool = False, token_counter: Callable[..., int] | None = None,
    id_column: str | None = None,
) -> Iterator[tuple[int, int, int]]:
    """(row, request line bytes, prompt tokens) of every row of ``source`` as it would be written
    to a batch file, in order, read lazily. Prompt tokens are counted only with ``count_tokens``."""
    fmt, _ = batch_format(model)
    counter = token_counter
    if counter is None and count_tokens:
        counter = prompt_token_counter(model.tokenizer, fmt)
    columns = list(dict.fromkeys([*shape.columns, *([id_column] if id_column else [])]))
    with open_rows(source, read) as ds:
        for r in iter_requests(ds.batches(columns), shape=shape, model=model.id, fmt=fmt, max_tokens=max_tokens,
                               id_column=id_column, count_tokens=counter, where=str(ds.info.path)):
            yield r.row, len(r.line), r.input_tokens


class MeasuredLines:
    """Each request line's bytes and prompt tokens, gathered while a dataset is counted
    (``CountOptions.on_rows``), so that a plan reads its source once: the count and the batch
    files' sizes come from the same pass."""

    def __init__(self, model: Model, shape: RequestShape, max_tokens: int | None) -> None:
        fmt, _ = batch_format(model)
        # Anthropic lines carry max_tokens; without one, a 1-digit stand-in, corrected in requests()
        self.needs_cap = fmt == "anthropic" and max_tokens is None
        self._sizer = LineSizer(fmt, model.id, shape, 1 if self.needs_cap else max_tokens)
        self._batches: dict[int, tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, rows: RowsCounted) -> None:
        sizes = self._sizer.sizes(rows.first_row, rows.texts)
        with self._lock:
            self._batches[rows.first_row] = (sizes, rows.input_tokens)

    @property
    def rows(self) -> int:
        return sum(len(s) for s, _ in self._batches.values())

    def requests(self, stand_in_cap: int = 1) -> Iterator[tuple[int, int, int]]:
        """(row, line bytes, prompt tokens) of every request, in row order; ``stand_in_cap`` is the
        max_tokens the lines carry where the job gives none (Anthropic)."""
        extra = len(str(stand_in_cap)) - 1 if self.needs_cap else 0
        for first in sorted(self._batches):
            sizes, tokens = self._batches[first]
            for i, (size, count) in enumerate(zip(sizes.tolist(), tokens.tolist())):
                yield first + i, size + extra, count


def measured_batch_plan(
    source: Any, shape: RequestShape, priced: PricedModel, options: PlanOptions | None = None, *,
    read: ReadOptions | None = None, max_tokens: int | None = None, id_column: str | None = None,
) -> BatchPlan:
    """Files and waves from the real request line of every row of ``source``, as ``write_batch``
    would write them (prompt tokens counted only when the queue limit counts tokens)."""
    opts = options or PlanOptions()
    rule = priced.price.batch_rule
    lines = measured_requests(source, shape, priced.model, read=read, max_tokens=max_tokens, id_column=id_column,
                              count_tokens=opts.queue.enqueued_tokens is not None)
    return plan_measured(priced.model.id, lines, rule=rule, queue=opts.queue,
                         typical_wave_hours=opts.typical_batch_hours, window_hours=None if rule else 24)


def job_model(
    usage: Usage,
    priced: PricedModel,
    options: PlanOptions,
    *,
    measured: Iterable[tuple[int, int, int]] | None = None,
    max_tokens: int | None = None,
) -> tuple[JobModel, BatchPlan, list[str]]:
    """The time model of a job (limits, throughput, tiers, stakes), its batch files and waves, and
    notes on how they were sized: what every way to run it is priced and timed on."""
    rule = priced.price.batch_rule
    notes: list[str] = []
    if measured is not None:
        batch_plan = plan_measured(priced.model.id, measured, rule=rule, queue=options.queue,
                                   typical_wave_hours=options.typical_batch_hours, window_hours=None if rule else 24)
    else:
        batch_plan, sizing = uniform_batch_plan(priced, usage, options, max_tokens=max_tokens)
        notes += sizing
    if rule is None:
        notes.append("the provider has no batch rule: a 24 h window is assumed")
    throughput = options.throughput if max_tokens is None or options.throughput.max_tokens is not None else (
        Throughput(options.throughput.concurrency, options.throughput.latency_seconds, max_tokens))
    modes = replace(options.modes, fee_day=options.modes.fee_day or priced.as_of)
    model = JobModel(priced.price, options.limits, throughput, modes, options.tiers, batch_plan.window_hours,
                     options.typical_batch_hours, options.completion_share, options.urgent_share, options.interactive)
    return model, batch_plan, notes


def plan_job(
    usage: Usage,
    priced: PricedModel,
    options: PlanOptions | None = None,
    *,
    measured: Iterable[tuple[int, int, int]] | None = None,
    max_tokens: int | None = None,
    notes: Sequence[str] = (),
) -> JobPlan:
    """Cost, time, batch logistics and the decision for one job.

    ``measured`` gives the real (row, line bytes, prompt tokens) of every request;
    without it the batch files are sized from the job's average request.
    """
    opts = options or PlanOptions()
    # server-tool fees are priced at the entry in force on the pricing day
    opts = replace(opts, modes=replace(opts.modes, fee_day=opts.modes.fee_day or priced.as_of))
    cmp = compare(usage, priced.price, opts.modes)
    model, batch_plan, all_notes = job_model(usage, priced, opts, measured=measured, max_tokens=max_tokens)
    all_notes = [*notes, *all_notes]
    throughput = model.throughput
    times = job_times(usage, opts.limits, throughput, batch_plan)
    expiry = expiry_outcome(cmp, batch_plan, opts.completion_share) if opts.completion_share < 1 else None
    if usage.requests == 0:
        raise UsageError("the job has no requests: nothing to plan", param="rows")
    decision = decide(usage, model, batch_plan, value_per_hour=opts.value_per_hour,
                      deadline_hours=opts.deadline_hours, wait_basis=opts.wait_basis,
                      search_up_to=default_search_limit(usage, batch_plan))
    options_used = opts if opts.throughput == throughput else replace(opts, throughput=throughput)
    return JobPlan(priced, usage, cmp, times, batch_plan, expiry, decision, options_used, tuple(all_notes), model)


def plan_text(r: dict[str, Any]) -> str:
    """A plan document (``JobPlan.to_json()``) as text for a terminal. Every saving is the
    difference of the two amounts printed beside it, so the lines add up as read."""
    job, costs, b, d = r["job"], r["costs"], r["batch"], r["decision"]
    standard = costs["standard"]["total"]
    lines = [
        f"{job['requests']:,} requests, {job['input_tokens']:,} input + {job['output_tokens']:,} output tokens",
        f"Price: {r['price']}",
        "",
        "Cost:",
    ]
    for name, c in costs.items():
        save = ""
        if name != "standard":
            diff = shown_difference(standard, c["total"])
            save = f"  (saves {format_usd(diff)})" if diff >= 0 else f"  (costs {format_usd(-diff)} more)"
        lines.append(f"  {name:<22} {format_usd(c['total'])}{save}")
    lines += ["", f"Time ({r['rate_limits']['label']}):"]
    for name, t in r["times"].items():
        if name == "batch":
            lines.append(f"  {name:<22} typical {format_hours(t['hours'])}, "
                         f"worst case {format_hours(t['worst_case_hours'])}")
        else:
            lines.append(f"  {name:<22} {t['explanation']}")
    lines += ["", _batch_line(b)]
    if r["expiry"]:
        e = r["expiry"]
        lines.append(f"  if {e['completion_share']} complete in the window: {e['remainder_requests']:,} requests to "
                     f"resend, as batch {format_usd(e['resubmit_batch_cost'])} (+{e['extra_worst_case_hours_if_batch']} h)"
                     f" or standard {format_usd(e['resubmit_standard_cost'])}")
    lines += ["", "Every way to run it (cost, time to finish):"]
    for w in d["ways"]:
        worst = (f", worst case {format_hours(w['worst_case_hours'])}"
                 if w["worst_case_hours"] != w["hours"] else "")
        lines.append(f"  {w['name']:<28} {format_usd(w['cost'])}  {format_hours(w['hours'])}{worst}")
    lines += [f"  {name} is not a way here: {why}" for name, why in d["unavailable"].items()]
    lines += ["", f"Recommendation: {d['recommended']}", f"  {d['reason']}", f"  Assumed: {d['assumption']}."]
    if d["break_even"]:
        be = d["break_even"]
        lines.append(f"  break-even: {be['rows']:,} rows ({be['below']} below, {be['above']} from there)")
    bt = d["batch"]
    if bt is not None:
        when = ("batch is chosen over standard from the first row" if bt["break_even_rows"] == 0
                else f"batch is chosen over standard from {bt['break_even_rows']:,} rows"
                if bt["break_even_rows"] is not None
                else f"standard stays the better of the two up to {bt['searched_up_to_rows']:,} rows")
        wait = (f", worth {format_usd(bt['wait_cost'])}" if bt["wait_cost"] is not None else "")
        lines.append(f"  Standard against batch: batch saves {format_usd(bt['savings'])} and finishes "
                     f"{format_hours(bt['wait_hours'])} later{wait}; {when}.")
    lines += [f"note: {note}" for note in r["notes"]]
    return "\n".join(lines)


def _batch_line(b: dict[str, Any]) -> str:
    lim = b["limits"]
    caps = ", ".join(x for x in (
        f"≤ {lim['max_requests']:,} requests" if lim["max_requests"] else "",
        f"≤ {lim['max_bytes']:,} bytes" if lim["max_bytes"] else "",
        f"≤ {lim['max_input_tokens']:,} prompt tokens" if lim["max_input_tokens"] else "",
    ) if x) or "no per-file limits"
    return (f"Batch: {b['file_count']:,} file(s) ({caps} each), {b['bytes']:,} bytes, {b['waves']:,} wave(s); "
            f"worst case {b['waves']:,} × {b['window_hours']} h = {format_hours(b['worst_case_hours'])}")
