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
    estimate_line_bytes,
    format_for,
    iter_requests,
    prompt_token_counter,
)
from estimator.convert import Result, counted, set_field
from estimator.counting.prompts import RequestShape
from estimator.errors import UsageError, param
from estimator.modes import Comparison, ModeParams, compare
from estimator.money import ZERO, format_usd
from estimator.planning.decision import (
    Decision,
    JobTimes,
    ModeTime,
    RateLimits,
    RequestSize,
    Throughput,
    decide_for_job,
    format_hours,
    job_times,
)
from estimator.planning.tiers import JobModel, TierDecision, TierParams, batch_break_even, decide_tiers
from estimator.pricing import Model
from estimator.reading.source import ReadOptions, open_rows
from estimator.report.estimate import PricedModel
from estimator.usage import Usage

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
    one row per way to run the job."""

    priced: PricedModel
    usage: Usage
    comparison: Comparison
    times: JobTimes
    batch: BatchPlan
    expiry: ExpiryOutcome | None
    decision: Decision
    options: PlanOptions
    notes: tuple[str, ...] = ()
    tiers: TierDecision | None = None  # every tier as a way to run the job, and the one to use

    def as_dict(self) -> dict[str, Any]:
        o, u = self.options, self.usage
        return {
            "model": self.priced.model.id,
            "provider": self.priced.model.provider,
            "price": self.priced.describe(),
            "job": {"requests": u.requests, "input_tokens": u.input_tokens, "output_tokens": u.output_tokens},
            "costs": {name: {"total": c.total_cost, "input": c.input_cost, "output": c.output_cost,
                             "savings_vs_standard": c.savings_vs_standard}
                      for name, c in self.comparison.modes.items()},
            "rate_limits": {"label": o.limits_text, "rpm": o.limits.rpm, "tpm": o.limits.tpm,
                            "tpm_counts": o.limits.tpm_counts, "itpm": o.limits.input_tpm,
                            "otpm": o.limits.output_tpm, "concurrency": o.throughput.concurrency,
                            "latency_seconds": o.throughput.latency_seconds},
            "times": {name: _time_json(t) for name, t in self.times.as_mapping().items()},
            "batch": batch_plan_json(self.batch),
            "expiry": expiry_json(self.expiry),
            "decision": decision_json(self.decision),
            "tiers": None if self.tiers is None else self.tiers.as_dict(),
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        return plan_text(self.as_dict())

    def summary(self) -> str:
        u = self.usage
        if self.tiers is not None:
            best = self.tiers.recommended
            pick = f"{best.name}, {format_usd(best.cost)} in {format_hours(best.wait_hours(self.tiers.wait_basis))}"
        else:
            pick = self.decision.recommendation
        return (f"{self.priced.model.id}, {counted(u.requests, 'request')} ({u.input_tokens:,} input + {u.output_tokens:,} "
                f"output tokens): standard {format_usd(self.comparison.standard.total_cost)}; use {pick}")

    def table(self) -> list[dict[str, Any]]:
        """One row per way to run the job (every tier and split), or per delivery mode."""
        if self.tiers is not None:
            return self.tiers.table()
        times = self.times.as_mapping()
        return [{"way": name, "cost": c.total_cost,
                 "hours": times[name].hours if name in times else None,
                 "worst_case_hours": times[name].worst_case_hours if name in times else None,
                 "recommended": name == self.decision.recommendation}
                for name, c in self.comparison.modes.items()]


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


def decision_json(d: Decision) -> dict[str, Any]:
    """The recommendation and the figures behind it, as plain data."""
    return {"recommendation": d.recommendation, "reason": d.reason, "batch_savings": d.batch_savings,
            "wait_hours": d.wait_hours, "wait_basis": d.wait_basis, "value_per_hour": d.value_per_hour,
            "wait_cost": d.wait_cost, "net_benefit_of_batch": d.net_benefit_of_batch,
            "break_even_rows": d.break_even_rows, "deadline_hours": d.deadline_hours,
            "batch_meets_deadline": d.batch_meets_deadline, "standard_meets_deadline": d.standard_meets_deadline}


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
    cmp = compare(usage, priced.price, opts.modes)
    rule = priced.price.batch_rule
    all_notes = list(notes)
    if measured is not None:
        batch_plan = plan_measured(priced.model.id, measured, rule=rule, queue=opts.queue,
                                   typical_wave_hours=opts.typical_batch_hours, window_hours=None if rule else 24)
    else:
        batch_plan, sizing = uniform_batch_plan(priced, usage, opts, max_tokens=max_tokens)
        all_notes += sizing
    if rule is None:
        all_notes.append("the provider has no batch rule: a 24 h window is assumed")
    throughput = opts.throughput if max_tokens is None or opts.throughput.max_tokens is not None else (
        Throughput(opts.throughput.concurrency, opts.throughput.latency_seconds, max_tokens))
    times = job_times(usage, opts.limits, throughput, batch_plan)
    decision = decide_for_job(
        cmp, times, value_per_hour=opts.value_per_hour, deadline_hours=opts.deadline_hours,
        interactive=opts.interactive, urgent_share=opts.urgent_share, wait_basis=opts.wait_basis,
    )
    expiry = expiry_outcome(cmp, batch_plan, opts.completion_share) if opts.completion_share < 1 else None
    tier_decision, decision = _tier_decision(cmp, priced, opts, throughput, batch_plan, decision)
    return JobPlan(priced, usage, cmp, times, batch_plan, expiry, decision,
                   _with_throughput(opts, throughput), tuple(all_notes), tier_decision)


def _tier_decision(cmp: Comparison, priced: PricedModel, opts: PlanOptions, throughput: Throughput,
                   batch_plan: BatchPlan, decision: Decision) -> tuple[TierDecision | None, Decision]:
    """The decision across every tier, and the standard-or-batch decision with its break-even
    taken from the same time model (the size where the choice between the two really flips)."""
    usage = cmp.usage
    if usage.requests == 0:
        return None, decision
    model = JobModel(priced.price, opts.limits, throughput, opts.modes, opts.tiers,
                     batch_plan.window_hours, opts.typical_batch_hours, opts.completion_share, opts.urgent_share,
                     opts.interactive)
    # Sizes searched: ten times the job, and up to 10M rows or 400 waves of batch, whichever is less.
    per_wave = batch_plan.largest_wave_requests or usage.requests
    hi = max(10 * usage.requests, min(10_000_000, 400 * per_wave))
    td = decide_tiers(usage, model, batch_plan, value_per_hour=opts.value_per_hour,
                      deadline_hours=opts.deadline_hours, wait_basis=opts.wait_basis, search_up_to=hi)
    if "batch" in cmp.modes:
        rows, _ = batch_break_even(usage, model, batch_plan, value_per_hour=opts.value_per_hour,
                                   deadline_hours=opts.deadline_hours, wait_basis=opts.wait_basis, hi=hi)
        decision = replace(decision, break_even_rows=rows)
    return td, decision


def _with_throughput(options: PlanOptions, throughput: Throughput) -> PlanOptions:
    from dataclasses import replace

    return options if options.throughput == throughput else replace(options, throughput=throughput)


def plan_text(r: dict[str, Any]) -> str:
    """A plan document (``JobPlan.to_json()``) as text for a terminal."""
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
    lines += ["", _batch_line(b)]
    if r["expiry"]:
        e = r["expiry"]
        lines.append(f"  if {e['completion_share']} complete in the window: {e['remainder_requests']:,} requests to "
                     f"resend, as batch {format_usd(e['resubmit_batch_cost'])} (+{e['extra_worst_case_hours_if_batch']} h)"
                     f" or standard {format_usd(e['resubmit_standard_cost'])}")
    lines += ["", f"Recommendation: {d['recommendation']}", f"  {d['reason']}"]
    if d["break_even_rows"] is not None and d["wait_cost"] is not None:
        lines.append(f"  break-even: {d['break_even_rows']:,.0f} rows (batch wins above, standard below)")
    t = r.get("tiers")
    if t:
        lines += ["", "Every tier (cost, time to finish):"]
        for w in t["ways"]:
            worst = (f", worst case {format_hours(w['worst_case_hours'])}"
                     if w["worst_case_hours"] != w["hours"] else "")
            lines.append(f"  {w['name']:<22} {format_usd(w['cost'])}  {format_hours(w['hours'])}{worst}")
        lines += [f"Across tiers: {t['recommended']}", f"  {t['reason']}"]
        if t["break_even"]:
            b_e = t["break_even"]
            lines.append(f"  break-even: {b_e['rows']:,} rows ({b_e['below']} below, {b_e['above']} from there)")
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
