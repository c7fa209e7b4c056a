"""Planning: how long each delivery mode takes, whether waiting for batch pays, and hybrid routing.

Time to finish a job
    Standard and streaming requests are limited by the account's rate limits
    and by how many requests the client keeps in flight. Throughput in
    requests per minute is the smallest of

    * RPM (requests per minute),
    * TPM / tokens counted per request. How providers count (assumption
      documented per table entry): OpenAI counts the prompt plus
      ``max_tokens`` against TPM when a request is sent, so with
      ``max_tokens`` set we count input + max_tokens, otherwise input +
      expected output; Anthropic has separate input (ITPM) and output
      (OTPM) limits, with output settled at the real count when a request
      ends; Gemini's TPM counts input tokens only,
    * concurrency × 60 / latency (a client with N requests in flight, each
      taking ``latency`` seconds).

    Streaming does not change throughput (the same limits apply); it changes
    when the first tokens arrive. Batch time comes from ``logistics``: waves
    × completion window (worst case) or waves × a typical wave time.

The time-value decision
    Batch saves money in proportion to the rows; the wait it costs is one
    window whatever the size. At ``value_per_hour`` dollars per hour of
    waiting, batch is worth it when savings > wait hours × value. The
    break-even size is the row count where the two are equal: below it
    standard wins, above it batch wins. The classic illustration at the
    default $50/hour and a 24 h wait (24 × $50 = $1,200): saving $7.50 is not
    worth the wait; saving $7,500 is. A deadline overrides: if batch's worst
    case misses it, batch is not recommended.

Hybrid routing
    Interactive traffic (a person at a web UI) is streamed; automated traffic
    (webhooks, cron jobs) goes standard, or batch for the share that can
    wait; a backfill goes batch. ``route_traffic`` prices each route and the
    blend, and what moving a share of the automated traffic to batch saves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from estimator import convert
from estimator.batch.logistics import BatchPlan
from estimator.convert import Result, set_field
from estimator.errors import UsageError, param
from estimator.modes import Comparison, ModeParams, compare
from estimator.money import ZERO, format_usd
from estimator.pricing import Price
from estimator.usage import RequestSize, Usage, fraction_decimal

DEFAULT_VALUE_PER_HOUR = Decimal(50)
"""USD per hour of waiting: the classic illustration's figure (roughly a loaded hourly cost
of one person kept waiting). Replace it with what an hour of delay costs you."""

DEFAULT_CONCURRENCY = 50
"""Requests a client keeps in flight: an assumption; typical async clients use 10-100."""

DEFAULT_LATENCY_SECONDS = Decimal(10)
"""Seconds one request takes end to end: an assumption (about 500-1,000 output tokens at
50-100 tokens per second). Measure your own."""

RECOMMENDATIONS = ("standard", "stream", "batch", "hybrid")


# --------------------------------------------------------------------------
# Request size
# --------------------------------------------------------------------------


# --------------------------------------------------------------------------
# Rate limits: a small table of published examples
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimits:
    """Per-minute limits of one account for one model. ``None``: no such limit.

    ``tpm_counts`` says what the provider counts against ``tpm``:
    ``"input+max_tokens"`` (OpenAI: prompt plus max_tokens, or the expected
    output when max_tokens is not set) or ``"input"`` (Gemini).
    ``input_tpm``/``output_tpm`` are Anthropic's separate ITPM and OTPM.
    """

    rpm: int | None = None
    tpm: int | None = None
    tpm_counts: str = "input+max_tokens"
    input_tpm: int | None = None
    output_tpm: int | None = None

    def __post_init__(self) -> None:
        if self.tpm_counts not in ("input+max_tokens", "input"):
            raise UsageError(f"{param('tpm_counts')} must be 'input+max_tokens' or 'input', got {self.tpm_counts!r}",
                             param="tpm_counts")
        for name in ("rpm", "tpm", "input_tpm", "output_tpm"):
            set_field(self, name, convert.optional(convert.count, getattr(self, name), name, minimum=1))


@dataclass(frozen=True)
class RateLimitExample:
    """Published limits of one tier for one model: an example, not your account."""

    key: str
    provider: str
    tier: str
    model: str
    limits: RateLimits
    batch_queue_tokens: int | None  # enqueued prompt tokens (OpenAI, Gemini)
    batch_queue_requests: int | None  # requests in the processing queue (Anthropic)
    source: str
    note: str = ""


_OPENAI_SRC = "https://platform.openai.com/docs/models/gpt-4o"  # the rate-limit table by usage tier
_ANTHROPIC_SRC = "https://docs.anthropic.com/en/api/rate-limits"
_GOOGLE_SRC = "https://ai.google.dev/gemini-api/docs/rate-limits"


_UNCONFIRMED = "not confirmed against the provider's current page: check your account's limits page"


def _openai(tier: int, rpm: int, tpm: int, queue: int, confirmed: bool = False) -> RateLimitExample:
    return RateLimitExample(
        f"openai-tier-{tier}", "openai", f"Tier {tier}", "gpt-4o",
        RateLimits(rpm=rpm, tpm=tpm, tpm_counts="input+max_tokens"), queue, None, _OPENAI_SRC,
        "" if confirmed else _UNCONFIRMED,
    )


def _anthropic(tier: int, rpm: int, itpm: int, otpm: int, queue: int) -> RateLimitExample:
    return RateLimitExample(
        f"anthropic-tier-{tier}", "anthropic", f"Tier {tier}", "Claude Sonnet 4.x",
        RateLimits(rpm=rpm, input_tpm=itpm, output_tpm=otpm), None, queue, _ANTHROPIC_SRC,
        "cache reads do not count against ITPM on current models; this table counts all input (conservative)",
    )


def _gemini(key: str, tier: str, model: str, rpm: int, tpm: int, queue: int) -> RateLimitExample:
    return RateLimitExample(
        key, "google", tier, model, RateLimits(rpm=rpm, tpm=tpm, tpm_counts="input"), queue, None, _GOOGLE_SRC,
        "as published in 2025; Google now shows each project's limits only in AI Studio; " + _UNCONFIRMED,
    )


# Examples to start from; every account differs and the figures change. Replace them with the
# numbers on your account's limits page (OpenAI: Settings > Limits; Anthropic: Console > Limits;
# Gemini: AI Studio > Rate limit). Read 2025; older pages listed other figures (e.g. OpenAI Tier 4
# gpt-4o at 800,000 TPM and an 80,000,000-token queue).
RATE_LIMIT_EXAMPLES: tuple[RateLimitExample, ...] = (
    # OpenAI gpt-4o: RPM, TPM (input + max_tokens), batch queue limit (enqueued prompt tokens).
    _openai(1, 500, 30_000, 90_000, confirmed=True),
    _openai(2, 5_000, 450_000, 1_350_000),
    _openai(3, 5_000, 800_000, 50_000_000),
    _openai(4, 10_000, 2_000_000, 200_000_000),
    _openai(5, 10_000, 30_000_000, 5_000_000_000),
    # Anthropic Claude Sonnet 4.x: RPM, ITPM, OTPM; Message Batches: requests in the processing queue.
    _anthropic(1, 50, 30_000, 8_000, 100_000),
    _anthropic(2, 1_000, 450_000, 90_000, 200_000),
    _anthropic(3, 2_000, 800_000, 160_000, 300_000),
    _anthropic(4, 4_000, 2_000_000, 400_000, 500_000),
    # Gemini: RPM, TPM (input only), batch enqueued tokens.
    _gemini("gemini-flash-tier-1", "Tier 1", "gemini-2.5-flash", 1_000, 1_000_000, 3_000_000),
    _gemini("gemini-pro-tier-1", "Tier 1", "gemini-2.5-pro", 150, 2_000_000, 5_000_000),
    _gemini("gemini-pro-tier-2", "Tier 2", "gemini-2.5-pro", 1_000, 5_000_000, 500_000_000),
)


def rate_limit_example(key: str) -> RateLimitExample:
    """The published limits named ``key`` (e.g. ``"openai-tier-1"``): an example, not your account."""
    for ex in RATE_LIMIT_EXAMPLES:
        if ex.key == key:
            return ex
    known = ", ".join(ex.key for ex in RATE_LIMIT_EXAMPLES)
    raise UsageError(f"no rate-limit example {key!r}; known: {known}. Or give {param('rpm')}/{param('tpm')} "
                     "yourself.", param="limits")


# --------------------------------------------------------------------------
# Time to finish
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    """How the client sends requests."""

    concurrency: int = DEFAULT_CONCURRENCY
    latency_seconds: Decimal = DEFAULT_LATENCY_SECONDS
    max_tokens: int | None = None  # counted against OpenAI-style TPM instead of the expected output

    def __post_init__(self) -> None:
        set_field(self, "concurrency", convert.count(self.concurrency, "concurrency", minimum=1))
        set_field(self, "latency_seconds", convert.number(self.latency_seconds, "latency_seconds", above=True))
        set_field(self, "max_tokens", convert.optional(convert.count, self.max_tokens, "max_tokens", minimum=1))


@dataclass(frozen=True)
class ModeTime:
    mode: str
    hours: Decimal  # expected (typical) time to finish the whole job
    worst_case_hours: Decimal
    requests_per_minute: Decimal | None  # None for batch: the provider schedules it
    bottleneck: str
    explanation: str


@dataclass(frozen=True)
class JobTimes:
    standard: ModeTime
    streaming_early_exit: ModeTime
    batch: ModeTime | None

    def as_mapping(self) -> Mapping[str, ModeTime]:
        out = {"standard": self.standard, "streaming_early_exit": self.streaming_early_exit}
        if self.batch is not None:
            out["batch"] = self.batch
        return out


def throughput_limits(size: RequestSize, limits: RateLimits, throughput: Throughput) -> dict[str, Fraction]:
    """Requests per minute each limit allows, by name."""
    out: dict[str, Fraction] = {}
    if limits.rpm is not None:
        out["rpm"] = Fraction(limits.rpm)
    if limits.tpm is not None:
        if limits.tpm_counts == "input":
            per = size.input_tokens
        else:
            per = size.input_tokens + (
                Fraction(throughput.max_tokens) if throughput.max_tokens is not None else size.output_tokens
            )
        if per > 0:
            out["tpm"] = Fraction(limits.tpm) / per
    if limits.input_tpm is not None and size.input_tokens > 0:
        out["input_tpm"] = Fraction(limits.input_tpm) / size.input_tokens
    if limits.output_tpm is not None and size.output_tokens > 0:
        out["output_tpm"] = Fraction(limits.output_tpm) / size.output_tokens
    out["concurrency"] = Fraction(throughput.concurrency * 60) / Fraction(str(throughput.latency_seconds))
    return out


_BOTTLENECK_WORDS = {
    "rpm": "requests per minute",
    "tpm": "tokens per minute",
    "input_tpm": "input tokens per minute",
    "output_tpm": "output tokens per minute",
    "concurrency": "concurrency × latency",
}


def standard_time(
    usage: Usage, limits: RateLimits, throughput: Throughput = Throughput(), mode: str = "standard"
) -> ModeTime:
    """Time to send every request of ``usage`` within the rate limits."""
    size = RequestSize.of(usage)
    allowed = throughput_limits(size, limits, throughput)
    bottleneck = min(allowed, key=lambda k: allowed[k])
    rate = allowed[bottleneck]
    hours = fraction_decimal(Fraction(usage.requests) / rate / 60) if usage.requests else ZERO
    what = "streamed requests (same limits as standard)" if mode != "standard" else "standard requests"
    explanation = (
        f"{usage.requests:,} {what} at {_num(fraction_decimal(rate))} requests/min, limited by "
        f"{_BOTTLENECK_WORDS[bottleneck]}: {format_hours(hours)}"
    )
    return ModeTime(mode, hours, hours, fraction_decimal(rate), bottleneck, explanation)


def batch_time(plan: BatchPlan) -> ModeTime:
    bottleneck = "queue" if plan.waves > 1 else "window"
    return ModeTime("batch", plan.typical_hours, plan.worst_case_hours, None, bottleneck, plan.describe())


def job_times(
    usage: Usage, limits: RateLimits, throughput: Throughput = Throughput(), plan: BatchPlan | None = None
) -> JobTimes:
    return JobTimes(
        standard=standard_time(usage, limits, throughput, "standard"),
        streaming_early_exit=standard_time(usage, limits, throughput, "streaming_early_exit"),
        batch=batch_time(plan) if plan is not None else None,
    )


# --------------------------------------------------------------------------
# The time-value decision
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    recommendation: str  # one of RECOMMENDATIONS
    reason: str  # one sentence
    batch_savings: Decimal  # standard cost - batch cost
    wait_hours: Decimal  # batch time - standard time (never negative)
    value_per_hour: Decimal | None
    wait_cost: Decimal | None  # wait_hours × value_per_hour
    net_benefit_of_batch: Decimal | None  # savings - wait cost
    break_even_rows: Decimal | None  # rows at which savings = wait cost; None: batch never saves
    deadline_hours: Decimal | None
    batch_meets_deadline: bool | None
    standard_meets_deadline: bool | None
    wait_basis: str  # "worst" (completion window) or "typical"


def decide(
    comparison: Comparison,
    *,
    standard_hours: Decimal,
    batch_hours: Decimal,
    batch_worst_case_hours: Decimal | None = None,
    value_per_hour: Decimal | None = None,
    deadline_hours: Decimal | None = None,
    interactive: bool = False,
    urgent_share: Decimal = ZERO,
    wait_basis: str = "worst",
) -> Decision:
    """Recommend standard, stream, batch or hybrid for the job priced in ``comparison``.

    ``batch_hours`` is the batch time the wait is counted from (the worst case
    by default: what the provider promises); the deadline is always checked
    against ``batch_worst_case_hours`` (default: ``batch_hours``). Without a
    value of time and without a deadline the default $50/hour applies; with
    only a deadline, only the deadline counts. ``urgent_share`` of the rows
    needed now makes a split ("hybrid") possible.
    """
    if wait_basis not in ("worst", "typical"):
        raise UsageError(f"wait basis must be 'worst' or 'typical', got {wait_basis!r}")
    if not (0 <= urgent_share <= 1):
        raise UsageError(f"urgent share must be between 0 and 1, got {urgent_share}")
    for name, value in (("value per hour", value_per_hour), ("deadline hours", deadline_hours)):
        if value is not None and value < 0:
            raise UsageError(f"{name} must be >= 0, got {value}")
    worst = batch_worst_case_hours if batch_worst_case_hours is not None else batch_hours
    value = value_per_hour if value_per_hour is not None else (DEFAULT_VALUE_PER_HOUR if deadline_hours is None else None)
    no_batch = comparison.unavailable.get("batch") if "batch" not in comparison.modes else None
    savings = ZERO if no_batch is not None else comparison.savings("batch")
    rows = comparison.usage.requests
    wait = max(ZERO, batch_hours - standard_hours)
    wait_cost = wait * value if value is not None else None
    per_row = savings / rows if rows else ZERO
    if wait_cost is None:
        break_even = ZERO if per_row > 0 else None
    else:
        break_even = wait_cost / per_row if per_row > 0 else None
    batch_fits = None if deadline_hours is None else worst <= deadline_hours
    standard_fits = None if deadline_hours is None else standard_hours <= deadline_hours
    stream_saving = comparison.savings("streaming_early_exit")

    def decision(rec: str, reason: str) -> Decision:
        return Decision(
            recommendation=rec, reason=reason, batch_savings=savings, wait_hours=wait, value_per_hour=value,
            wait_cost=wait_cost, net_benefit_of_batch=None if wait_cost is None else savings - wait_cost,
            break_even_rows=break_even, deadline_hours=deadline_hours, batch_meets_deadline=batch_fits,
            standard_meets_deadline=standard_fits, wait_basis=wait_basis,
        )

    wait_text = (
        f"{format_usd(wait_cost)} that {format_hours(wait)} of waiting costs at {format_usd(value)}/hour"
        if wait_cost is not None and value is not None
        else "nothing, since only the deadline counts"
    )
    late = "" if standard_fits is not False else (
        f" (standard needs {format_hours(standard_hours)} too: raise the rate limits or split the job)"
    )

    if no_batch is not None:
        return decision(_no_batch(stream_saving), f"Batch is unavailable ({no_batch}), so send the requests "
                                                  f"now{_stream_clause(stream_saving)}{late}.")
    if interactive:
        extra = f" and early exit saves {format_usd(stream_saving)}" if stream_saving > 0 else ""
        return decision("stream", "A person waits for each answer, so batch is out; streaming shows the first "
                                  f"tokens at once{extra}.")
    if batch_fits is False:
        return decision(_no_batch(stream_saving),
                        f"Batch's worst case ({format_hours(worst)}) misses the {format_hours(deadline_hours or ZERO)} "
                        f"deadline, so send the requests now{_stream_clause(stream_saving)}{late}.")
    worth = savings > 0 and (wait_cost is None or savings > wait_cost)
    # With only a deadline, waiting costs nothing as long as batch's worst case meets it.
    meets = (f"and its worst case ({format_hours(worst)}) meets the {format_hours(deadline_hours or ZERO)} deadline"
             if wait_cost is None else f"more than the {wait_text}")
    if 0 < urgent_share < 1:
        rest = savings * (1 - urgent_share)
        if rest > 0 and (wait_cost is None or rest > wait_cost):
            return decision("hybrid",
                            f"Send the urgent {_pct(urgent_share)} now and batch the rest: that saves "
                            f"{format_usd(rest)}, {meets}.")
    if worth:
        return decision("batch", f"Batch saves {format_usd(savings)}, {meets}.")
    if savings <= 0:
        why = "Batch saves nothing here"
    else:
        why = f"Batch saves only {format_usd(savings)}, not more than the {wait_text}"
    return decision(_no_batch(stream_saving), f"{why}, so send the requests now{_stream_clause(stream_saving)}{late}.")


def _no_batch(stream_saving: Decimal) -> str:
    return "stream" if stream_saving > 0 else "standard"


def _stream_clause(stream_saving: Decimal) -> str:
    return f", streamed with early exit to save {format_usd(stream_saving)}" if stream_saving > 0 else " as standard requests"


def decide_for_job(
    comparison: Comparison,
    times: JobTimes,
    *,
    value_per_hour: Decimal | None = None,
    deadline_hours: Decimal | None = None,
    interactive: bool = False,
    urgent_share: Decimal = ZERO,
    wait_basis: str = "worst",
) -> Decision:
    """``decide`` with the times of ``job_times``."""
    if times.batch is None:
        raise UsageError("no batch plan: batch time is unknown")
    batch_hours = times.batch.worst_case_hours if wait_basis == "worst" else times.batch.hours
    return decide(
        comparison, standard_hours=times.standard.hours, batch_hours=batch_hours,
        batch_worst_case_hours=times.batch.worst_case_hours, value_per_hour=value_per_hour,
        deadline_hours=deadline_hours, interactive=interactive, urgent_share=urgent_share, wait_basis=wait_basis,
    )


# --------------------------------------------------------------------------
# Hybrid routing
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TrafficMix:
    """Where a day's requests come from.

    ``interactive_share`` of the daily requests come from a web UI (a person
    waits: streamed); the rest are automated (webhooks, cron jobs), of which
    ``batch_share`` can wait for a batch. ``backfill_requests`` is a one-off
    backlog, sent as batch.
    """

    daily_requests: int
    interactive_share: Decimal
    batch_share: Decimal = ZERO
    backfill_requests: int = 0
    days_per_month: Decimal = Decimal(30)

    def __post_init__(self) -> None:
        for name in ("daily_requests", "backfill_requests"):
            set_field(self, name, convert.count(getattr(self, name), name))
        for name in ("interactive_share", "batch_share"):
            set_field(self, name, convert.share(getattr(self, name), name))
        set_field(self, "days_per_month", convert.number(self.days_per_month, "days_per_month", above=True,
                                                         maximum=31))


@dataclass(frozen=True)
class RouteCost:
    route: str
    mode: str
    requests: int
    cost: Decimal


@dataclass(frozen=True, repr=False)
class RoutingPlan(Result):
    """A day's traffic split into routes, each priced, the blend and the backfill; ``to_frame()`` per route."""

    mix: TrafficMix
    routes: tuple[RouteCost, ...]  # per day
    daily_cost: Decimal
    baseline_daily_cost: Decimal  # interactive streamed, all automated traffic standard
    all_batch_daily_cost: Decimal  # interactive streamed, all automated traffic batch
    backfill: RouteCost | None  # one-off
    backfill_standard_cost: Decimal

    @property
    def monthly_cost(self) -> Decimal:
        return self.daily_cost * self.mix.days_per_month

    @property
    def moved_savings_daily(self) -> Decimal:
        """What sending ``batch_share`` of the automated traffic as batch saves per day."""
        return self.baseline_daily_cost - self.daily_cost

    @property
    def moved_savings_monthly(self) -> Decimal:
        return self.moved_savings_daily * self.mix.days_per_month

    @property
    def all_moved_savings_monthly(self) -> Decimal:
        return (self.baseline_daily_cost - self.all_batch_daily_cost) * self.mix.days_per_month

    @property
    def backfill_savings(self) -> Decimal:
        return ZERO if self.backfill is None else self.backfill_standard_cost - self.backfill.cost

    @property
    def cost_per_request(self) -> Decimal:
        return ZERO if self.mix.daily_requests == 0 else self.daily_cost / self.mix.daily_requests

    def as_dict(self) -> dict[str, Any]:
        """The routes, the blend and the backfill (``route --json``)."""
        return {
            "routes": [{"route": r.route, "mode": r.mode, "requests_per_day": r.requests, "cost_per_day": r.cost}
                       for r in self.routes],
            "daily_cost": self.daily_cost, "monthly_cost": self.monthly_cost,
            "days_per_month": self.mix.days_per_month,  # monthly figures are per this many days, not calendar months
            "cost_per_request": self.cost_per_request, "baseline_daily_cost": self.baseline_daily_cost,
            "moved_savings_daily": self.moved_savings_daily, "moved_savings_monthly": self.moved_savings_monthly,
            "all_moved_savings_monthly": self.all_moved_savings_monthly,
            "backfill": None if self.backfill is None else {
                "requests": self.backfill.requests, "batch_cost": self.backfill.cost,
                "standard_cost": self.backfill_standard_cost, "savings": self.backfill_savings},
        }

    @property
    def _per_month(self) -> str:
        """Monthly figures are a fixed number of days (forecast uses calendar months): say how many."""
        return f" per {self.mix.days_per_month.normalize():f} days"

    def to_text(self) -> str:
        lines = [f"  {r.route:<28} {r.mode:<22} {r.requests:>10,}/day  {format_usd(r.cost)}/day" for r in self.routes]
        lines += [
            f"\nBlend: {format_usd(self.daily_cost)}/day, {format_usd(self.monthly_cost)}{self._per_month} "
            f"({format_usd(self.cost_per_request)} a request)",
            f"Sending {self.mix.batch_share:%} of the automated traffic as batch saves "
            f"{format_usd(self.moved_savings_monthly)}{self._per_month}; all of it would save "
            f"{format_usd(self.all_moved_savings_monthly)}{self._per_month}.",
        ]
        if self.backfill is not None:
            lines.append(f"Backfill of {self.backfill.requests:,} requests: {format_usd(self.backfill.cost)} as batch "
                         f"(saves {format_usd(self.backfill_savings)} against standard).")
        return "\n".join(lines)

    def summary(self) -> str:
        return (f"{self.mix.daily_requests:,} requests a day in {len(self.routes)} routes: "
                f"{format_usd(self.daily_cost)}/day, {format_usd(self.monthly_cost)}{self._per_month}")

    def table(self) -> list[dict[str, Any]]:
        """One row per route: its mode, requests and cost per day (the backfill as a one-off row)."""
        rows: list[dict[str, Any]] = [{"route": r.route, "mode": r.mode, "requests_per_day": r.requests,
                                       "cost_per_day": r.cost, "one_off_cost": None} for r in self.routes]
        if self.backfill is not None:
            rows.append({"route": self.backfill.route, "mode": self.backfill.mode, "requests_per_day": None,
                         "cost_per_day": None, "one_off_cost": self.backfill.cost})
        return rows


def split_count(total: int, share: Decimal) -> int:
    """``share`` of ``total``, rounded half up to a whole request."""
    return int((Decimal(total) * share).to_integral_value(rounding=ROUND_HALF_UP))


def route_traffic(mix: TrafficMix, size: RequestSize, price: Price, params: ModeParams | None = None) -> RoutingPlan:
    """Price each route of ``mix`` per day, the blend, and the one-off backfill."""
    params = params or ModeParams()

    def cost(requests: int, mode: str) -> Decimal:
        if requests == 0:
            return ZERO
        return compare(size.usage(requests, price), price, params).cost(mode).total_cost

    interactive = split_count(mix.daily_requests, mix.interactive_share)
    automated = mix.daily_requests - interactive
    batched = split_count(automated, mix.batch_share)
    standard = automated - batched
    routes = (
        RouteCost("interactive (web UI)", "streaming_early_exit", interactive, cost(interactive, "streaming_early_exit")),
        RouteCost("automated (webhooks, cron)", "standard", standard, cost(standard, "standard")),
        RouteCost("automated, can wait", "batch", batched, cost(batched, "batch")),
    )
    daily = sum((r.cost for r in routes), ZERO)
    baseline = routes[0].cost + cost(automated, "standard")
    all_batch = routes[0].cost + cost(automated, "batch")
    backfill = None
    backfill_std = ZERO
    if mix.backfill_requests:
        backfill = RouteCost("backfill", "batch", mix.backfill_requests, cost(mix.backfill_requests, "batch"))
        backfill_std = cost(mix.backfill_requests, "standard")
    return RoutingPlan(mix, routes, daily, baseline, all_batch, backfill, backfill_std)


# --------------------------------------------------------------------------
# Formatting helpers (display only)
# --------------------------------------------------------------------------


def format_hours(hours: Decimal) -> str:
    if hours == hours.to_integral_value():
        text = f"{int(hours):,} h"
    elif hours < 1:
        minutes = (hours * 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{minutes} min"
    else:
        text = f"{hours.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,} h"
    if hours >= 48:
        days = (hours / 24).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        text += f" ({days:,} days)"
    return text


def _num(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _pct(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"
