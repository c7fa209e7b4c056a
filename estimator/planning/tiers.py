"""The decision across every tier: each way to run a job as a point of cost against time.

A *way to run the job* (``WayToRun``) is a single tier (standard, streaming
with early exit, priority, ultrafast, flex, batch), batch with a standard
retry of what expires, or a split: the share that cannot wait by a fast tier
and the bulk by batch or flex. Each has a cost (the cost models of
``estimator.modes``) and a time to finish:

* standard, streaming, priority and ultrafast: the requests under the
  account's rate limits (``decision.standard_time``). Whether a tier shares
  the standard limits or has its own, and how much faster it answers, is
  ``TIER_TIME_RULES``, read from each provider's wording in the pricing files
  (e.g. OpenAI Fast "shares the Standard rate limits ... up to 2.5x faster";
  Gemini Priority "rate limit 0.3x the standard limit");
* flex: the same limits as standard at flex's latency
  (``TierParams.flex_latency_seconds``), and a share of the requests refused
  under load (``flex_refused_share``), retried, not charged: each request
  needs 1 / (1 - share) attempts;
* batch: waves under the enqueued-token and file limits, each wave taking the
  completion window (worst case) or the typical wave time the user sets.

The choice (``decide_tiers``): with a deadline, only the ways whose worst
case meets it; among them the cheapest when no value of an hour is given,
otherwise the one with the highest net value, ``-(cost + value × hours)``
(hours counted on the plan's wait basis: batch's worst case or its typical
time). Without either, the default value of an hour applies.

Break-even sizes come from the same model: the job is resized (``n`` rows
like these), its batch files re-split and its waves recounted, and the sizes
where the chosen way changes are found by bisection (``flip_points``). So the
reported break-even is exactly where the recommendation flips.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from typing import Any

from estimator import convert
from estimator.batch.logistics import BatchPlan, batch_plan_of, split_uniform
from estimator.convert import Result, set_field
from estimator.errors import UsageError, param
from estimator.modes import Comparison, ModeParams, compare
from estimator.money import ZERO, format_usd
from estimator.planning.decision import (
    DEFAULT_VALUE_PER_HOUR,
    RateLimits,
    Throughput,
    format_hours,
    standard_time,
)
from estimator.pricing import Price
from estimator.usage import Usage

SYNC_TIERS = ("standard", "streaming_early_exit", "priority", "ultrafast")
SLOW_TIERS = ("batch", "flex")
EXCLUDABLE_TIERS = ("flex", "priority", "ultrafast")
"""Tiers a user can leave out of the decision; standard stays as the way that always exists."""
MAX_FLIPS = 50


@dataclass(frozen=True)
class TierTimeRule:
    """How a tier's requests are limited: the standard limits shared, or a pool of its own."""

    limits: str  # "shared" (one pool with standard) or "separate"
    limit_factor: Decimal  # the tier's limits as a multiple of the standard ones
    speed_factor: Decimal  # how many times faster one request completes than a standard one
    source: str


TIER_TIME_RULES: dict[tuple[str, str], TierTimeRule] = {
    ("openai", "flex"): TierTimeRule("shared", Decimal(1), Decimal("0.5"),
                                     "OpenAI: flex 'shares the model's rate limits', 'slower'; "
                                     "half the standard speed is an assumption"),
    ("openai", "priority"): TierTimeRule("shared", Decimal(1), Decimal("2.5"),
                                         "OpenAI: Fast 'shares the Standard rate limits', 'up to 2.5x faster'"),
    ("openai", "ultrafast"): TierTimeRule("separate", Decimal(1), Decimal(8),
                                          "OpenAI: Ultrafast has 'separate rate limits', 'up to 8x faster' "
                                          "(its own limits taken equal to the standard ones: an assumption)"),
    ("anthropic", "priority"): TierTimeRule("separate", Decimal(1), Decimal("2.5"),
                                            "Anthropic: fast mode has 'dedicated fast-mode rate limits', up to 2.5x "
                                            "output tokens per second (limits taken equal to standard: an assumption)"),
    ("google", "flex"): TierTimeRule("shared", Decimal(1), Decimal("0.5"),
                                     "Google: flex takes minutes (1-15 minute target); latency set by "
                                     "flex_latency_seconds"),
    ("google", "priority"): TierTimeRule("separate", Decimal("0.3"), Decimal(1),
                                         "Google: Priority 'rate limit 0.3x the standard limit', 'seconds'"),
}
DEFAULT_TIME_RULE = TierTimeRule("shared", Decimal(1), Decimal(1), "no published rule: standard limits and speed")
DEFAULT_FLEX_LATENCY_SECONDS: dict[str, Decimal] = {"google": Decimal(300)}
"""Flex latency where the provider states one (Google: a 1-15 minute target; 5 minutes taken).
Elsewhere flex latency is the standard latency divided by the rule's speed factor."""


def time_rule(provider: str, tier: str) -> TierTimeRule:
    if tier in ("standard", "streaming_early_exit"):
        return TierTimeRule("shared", Decimal(1), Decimal(1), "the account's standard limits")
    return TIER_TIME_RULES.get((provider, tier), DEFAULT_TIME_RULE)


@dataclass(frozen=True)
class TierParams:
    """Settings of the tiers' time model that the user may know better than the defaults."""

    flex_latency_seconds: Decimal | None = None  # None: the provider's figure or standard ÷ speed
    flex_refused_share: Decimal = ZERO  # share of flex requests refused under load (retried, not charged)
    splits: bool = True  # consider splitting the job between a fast and a slow tier
    excluded_tiers: tuple[str, ...] = ()  # tiers the user may not or will not use (e.g. no priority access)

    def __post_init__(self) -> None:
        excluded = (self.excluded_tiers,) if isinstance(self.excluded_tiers, str) else self.excluded_tiers
        if not isinstance(excluded, (tuple, list, set, frozenset)):
            raise UsageError(f"{param('excluded_tiers')} must be a tuple of tier names, not {excluded!r}",
                             param="excluded_tiers")
        unknown = [str(t) for t in excluded if t not in EXCLUDABLE_TIERS]
        if unknown:
            raise UsageError(f"only {', '.join(EXCLUDABLE_TIERS)} can be left out, not {', '.join(unknown)}",
                             param="excluded_tiers")
        set_field(self, "excluded_tiers", tuple(excluded))
        set_field(self, "flex_refused_share",
                  convert.share(self.flex_refused_share, "flex_refused_share", below_one=True))
        set_field(self, "flex_latency_seconds", convert.optional(convert.number, self.flex_latency_seconds,
                                                                 "flex_latency_seconds", above=True))
        set_field(self, "splits", convert.flag(self.splits, "splits"))


# --------------------------------------------------------------------------
# Ways to run a job
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class WayToRun:
    name: str  # "standard", "batch", "batch + standard retry", "priority 10% + batch", ...
    requests: Mapping[str, int]  # requests per tier
    cost: Decimal
    hours: Decimal  # typical time to finish everything
    worst_case_hours: Decimal
    explanation: str

    def wait_hours(self, basis: str) -> Decimal:
        return self.worst_case_hours if basis == "worst" else self.hours


@dataclass(frozen=True)
class JobModel:
    """Everything the time model needs besides the job's size."""

    price: Price
    limits: RateLimits
    throughput: Throughput
    modes: ModeParams
    tiers: TierParams
    batch_window_hours: Decimal | None  # None: batch not offered
    typical_wave_hours: Decimal
    completion_share: Decimal
    urgent_share: Decimal
    interactive: bool


def sync_time(usage: Usage, tier: str, model: JobModel) -> tuple[Decimal, str]:
    """Hours for every request of ``usage`` through a synchronous tier, and how that is worked out."""
    rule = time_rule(model.price.provider, tier)
    lim = model.limits
    if rule.limit_factor != 1:
        def scale(v: int | None) -> int | None:
            return None if v is None else max(1, int(Decimal(v) * rule.limit_factor))
        lim = RateLimits(scale(lim.rpm), scale(lim.tpm), lim.tpm_counts, scale(lim.input_tpm), scale(lim.output_tpm))
    latency = model.throughput.latency_seconds / rule.speed_factor
    if tier == "flex":
        latency = model.tiers.flex_latency_seconds or DEFAULT_FLEX_LATENCY_SECONDS.get(model.price.provider, latency)
    t = standard_time(usage, lim, replace(model.throughput, latency_seconds=latency), tier)
    hours = t.hours
    how = t.explanation
    if tier == "flex" and model.tiers.flex_refused_share:
        hours = hours / (1 - model.tiers.flex_refused_share)
        how += f"; {model.tiers.flex_refused_share:%} refused under load and retried: {format_hours(hours)}"
    return hours, how + f" ({rule.source})"


def _batch_hours(plan: BatchPlan) -> tuple[Decimal, Decimal]:
    return plan.typical_hours, plan.worst_case_hours


def ways_to_run(
    cmp: Comparison, model: JobModel, batch_plan: BatchPlan | None
) -> tuple[WayToRun, ...]:
    """Every way to run the job the model offers, with its cost and time."""
    usage = cmp.usage
    n = usage.requests
    out: list[WayToRun] = []
    sync: dict[str, tuple[Decimal, str]] = {}
    for tier in (*SYNC_TIERS, "flex"):
        if tier not in cmp.modes or tier in model.tiers.excluded_tiers:
            continue
        if model.interactive and tier == "flex":
            continue
        hours, how = sync_time(usage, tier, model)
        sync[tier] = (hours, how)
        if tier == "flex" and model.urgent_share > 0:
            continue
        out.append(WayToRun(tier, {tier: n}, cmp.modes[tier].total_cost, hours, hours, how))
    batch_ok = "batch" in cmp.modes and batch_plan is not None and not model.interactive
    if batch_ok and batch_plan is not None:
        typical, worst = _batch_hours(batch_plan)
        cost = cmp.modes["batch"].total_cost
        if model.urgent_share == 0:
            c = model.completion_share
            if c < 1:
                done = math.floor(Decimal(n) * c)
                rest = n - done
                per_req_b = cost / n if n else ZERO
                per_req_s = cmp.standard.total_cost / n if n else ZERO
                retry_hours, _ = sync_time(usage.scaled(Decimal(rest) / n) if n else usage, "standard", model)
                out.append(WayToRun("batch + standard retry", {"batch": done, "standard": rest},
                                    per_req_b * done + per_req_s * rest, typical + retry_hours, worst + retry_hours,
                                    f"{rest:,} expired requests resent as standard after the window"))
                waves_again = math.ceil(rest / max(1, batch_plan.largest_wave_requests)) if rest else 0
                extra = (batch_plan.window_hours * waves_again, batch_plan.typical_wave_hours * waves_again)
                out.append(WayToRun("batch", {"batch": n}, cost, typical + extra[1], worst + extra[0],
                                    batch_plan.describe() + f"; {rest:,} expired requests resent as batch"))
            else:
                out.append(WayToRun("batch", {"batch": n}, cost, typical, worst, batch_plan.describe()))
    if model.tiers.splits and 0 < model.urgent_share < 1 and n > 1:
        urgent = max(1, min(n - 1, math.ceil(Decimal(n) * model.urgent_share)))
        out += _splits(cmp, model, urgent, sync, batch_plan if batch_ok else None)
    return tuple(out)


def _splits(cmp: Comparison, model: JobModel, urgent: int, sync: Mapping[str, tuple[Decimal, str]],
            batch_plan: BatchPlan | None) -> list[WayToRun]:
    n = cmp.usage.requests
    rest = n - urgent
    share_u = Decimal(urgent) / n
    out = []
    for fast in ("standard", "priority", "ultrafast"):
        if fast not in sync:
            continue
        fast_hours = sync[fast][0] * share_u
        fast_cost = cmp.modes[fast].total_cost * share_u
        for slow in SLOW_TIERS:
            if slow not in cmp.modes or slow in model.tiers.excluded_tiers:
                continue
            slow_cost = cmp.modes[slow].total_cost * (1 - share_u)
            if slow == "batch":
                if batch_plan is None:
                    continue
                # The bulk's batch files hold fewer requests: re-split them.
                sub = _resized_batch(batch_plan, rest)
                typical, worst = max(fast_hours, sub.typical_hours), max(fast_hours, sub.worst_case_hours)
            else:
                if slow not in sync:
                    continue
                slow_hours = sync[slow][0] * (1 - share_u)
                shared = time_rule(model.price.provider, fast).limits == "shared"
                typical = worst = fast_hours + slow_hours if shared else max(fast_hours, slow_hours)
            out.append(WayToRun(f"{fast} {urgent:,} + {slow} {rest:,}", {fast: urgent, slow: rest},
                                fast_cost + slow_cost, typical, worst,
                                f"the {urgent:,} requests that cannot wait by {fast}, the other {rest:,} by {slow}"))
    return out


def _resized_batch(plan: BatchPlan, requests: int) -> BatchPlan:
    """``plan`` for ``requests`` requests of the same average line and prompt size."""
    if requests == plan.requests:
        return plan
    line = max(1, math.ceil(Fraction(plan.bytes, plan.requests))) if plan.requests else 1
    per_req = Fraction(plan.input_tokens, plan.requests) if plan.requests else Fraction(0)
    spans = split_uniform(requests, line, per_req, plan.file_limits)
    return batch_plan_of(plan.model, spans, file_limits=plan.file_limits, queue=plan.queue,
                         window_hours=plan.window_hours, typical_wave_hours=plan.typical_wave_hours,
                         bytes_measured=False)


# --------------------------------------------------------------------------
# The choice
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    way: WayToRun
    reason: str


def net_value(way: WayToRun, value_per_hour: Decimal, basis: str) -> Decimal:
    return -(way.cost + value_per_hour * way.wait_hours(basis))


def choose(ways: Sequence[WayToRun], *, value_per_hour: Decimal | None, deadline_hours: Decimal | None,
           basis: str) -> WayToRun:
    """The way with the highest net value among those that meet the deadline (the cheapest with
    only a deadline). When none meets it, the fastest."""
    if not ways:
        raise UsageError("no way to run this job is offered")
    value = value_per_hour if value_per_hour is not None else (DEFAULT_VALUE_PER_HOUR if deadline_hours is None else None)
    fits = [w for w in ways if deadline_hours is None or w.worst_case_hours <= deadline_hours]
    if not fits:
        return min(ways, key=lambda w: (w.worst_case_hours, w.cost))
    if value is None:
        return min(fits, key=lambda w: (w.cost, w.worst_case_hours))
    # Ties go to the faster way, then to the earlier one in the list (standard before streaming).
    return max(fits, key=lambda w: (net_value(w, value, basis), -w.worst_case_hours))


# --------------------------------------------------------------------------
# Break-even sizes: where the choice flips, on the same model
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Flip:
    rows: int  # the smallest size at which ``above`` is chosen
    below: str
    above: str


def family(name: str) -> str:
    """A way's name without its request counts ("standard 10 + batch 90" -> "standard + batch")."""
    return " + ".join(part.split(" ")[0] if part.split(" ")[-1].replace(",", "").isdigit() else part
                      for part in name.split(" + "))


def flip_points(choice_at: Callable[[int], str], key_at: Callable[[int], Any], lo: int, hi: int,
                limit: int = MAX_FLIPS) -> list[Flip]:
    """Sizes in ``(lo, hi]`` where ``choice_at`` changes.

    ``key_at`` is a size's segment key (batch waves, which ways meet the
    deadline): every part of it only moves one way as the size grows, so two
    sizes with the same key bound a segment in which it is constant. Within a
    segment each way's net value is linear in the size, so the region where
    one way wins is an interval, and bisection finds its ends exactly.
    """
    flips: list[Flip] = []
    segments: list[tuple[int, int]] = []

    def split(a: int, b: int, ka: Any, kb: Any) -> None:
        if len(segments) > 4 * limit:
            return
        if ka == kb or b - a <= 1:
            if ka == kb:
                segments.append((a, b))
            else:
                segments.extend([(a, a), (b, b)])
            return
        m = (a + b) // 2
        km = key_at(m)
        split(a, m, ka, km)
        split(m, b, km, kb)

    split(lo, hi, key_at(lo), key_at(hi))
    previous = choice_at(lo)
    for a, b in segments:
        ca = choice_at(a)
        if ca != previous:
            flips.append(Flip(a, previous, ca))
        cur, x = ca, a
        while choice_at(b) != cur and len(flips) < limit:
            left, right = x, b  # choice_at(left) == cur, choice_at(right) != cur
            while right - left > 1:
                mid = (left + right) // 2
                if choice_at(mid) == cur:
                    left = mid
                else:
                    right = mid
            nxt = choice_at(right)
            flips.append(Flip(right, cur, nxt))
            cur, x = nxt, right
        previous = cur
        if len(flips) >= limit:
            break
    return [f for f in flips if f.rows > lo]


# --------------------------------------------------------------------------
# The decision
# --------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class TierDecision(Result):
    """Every tier (and split) as a way to run the job, and the one to use."""

    ways: tuple[WayToRun, ...]
    recommended: WayToRun
    fastest: WayToRun
    cheapest: WayToRun
    value_per_hour: Decimal | None
    deadline_hours: Decimal | None
    wait_basis: str
    flips: tuple[Flip, ...]  # where the choice changes, on sizes from 1 row to ``searched_up_to``
    searched_up_to: int
    break_even: Flip | None  # the flip nearest the job's size
    reason: str
    unavailable: Mapping[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        best = self.recommended
        return (f"use {best.name}: {format_usd(best.cost)} in {format_hours(best.wait_hours(self.wait_basis))}, "
                f"of {len(self.ways)} ways to run the job")

    def table(self) -> list[dict[str, Any]]:
        """One row per way to run the job: its cost, time, net value and whether it is the one to use."""
        return [{"way": w["name"], "cost": w["cost"], "hours": w["hours"], "worst_case_hours": w["worst_case_hours"],
                 "net_value": w["net_value"], "meets_deadline": w["meets_deadline"],
                 "recommended": w["name"] == self.recommended.name}
                for w in self.as_dict()["ways"]]

    def as_dict(self) -> dict[str, Any]:
        value = self.value_per_hour
        return {
            "recommended": self.recommended.name,
            "reason": self.reason,
            "cost": self.recommended.cost,
            "hours": self.recommended.hours,
            "worst_case_hours": self.recommended.worst_case_hours,
            "value_per_hour": value,
            "deadline_hours": self.deadline_hours,
            "wait_basis": self.wait_basis,
            "fastest": self.fastest.name,
            "cheapest": self.cheapest.name,
            "ways": [
                {"name": w.name, "requests": dict(w.requests), "cost": w.cost, "hours": w.hours,
                 "worst_case_hours": w.worst_case_hours,
                 "net_value": None if value is None else net_value(w, value, self.wait_basis),
                 "meets_deadline": None if self.deadline_hours is None else w.worst_case_hours <= self.deadline_hours,
                 "explanation": w.explanation}
                for w in self.ways
            ],
            "break_even": None if self.break_even is None else {
                "rows": self.break_even.rows, "below": self.break_even.below, "above": self.break_even.above},
            "flips": [{"rows": f.rows, "below": f.below, "above": f.above} for f in self.flips],
            "searched_up_to_rows": self.searched_up_to,
            "unavailable": dict(self.unavailable),
        }


def effective_value(value_per_hour: Decimal | None, deadline_hours: Decimal | None) -> Decimal | None:
    return value_per_hour if value_per_hour is not None else (
        DEFAULT_VALUE_PER_HOUR if deadline_hours is None else None)


def resized(usage: Usage, rows: int) -> Usage:
    """``rows`` requests like those of ``usage`` (tier shares and output shape kept)."""
    if usage.requests == rows:
        return usage
    if usage.requests == 0:
        raise UsageError("an empty job cannot be resized")
    u = usage.scaled(Decimal(rows) / Decimal(usage.requests))
    # scaled() rounds every count up; the request count is exact.
    return replace(u, requests=rows, tiers=tuple(replace(t, requests=min(t.requests, rows)) for t in u.tiers))


def decide_tiers(
    usage: Usage,
    model: JobModel,
    batch_plan: BatchPlan | None,
    *,
    value_per_hour: Decimal | None,
    deadline_hours: Decimal | None,
    wait_basis: str = "worst",
    search_up_to: int | None = None,
) -> TierDecision:
    """Every way to run the job, the one to use, and the sizes where that choice flips."""
    value = effective_value(value_per_hour, deadline_hours)

    cmp = compare(usage, model.price, model.modes)
    ways = ways_to_run(cmp, model, batch_plan if "batch" in cmp.modes else None)
    best = choose(ways, value_per_hour=value_per_hour, deadline_hours=deadline_hours, basis=wait_basis)
    fastest = min(ways, key=lambda w: (w.worst_case_hours, w.cost))
    cheapest = min(ways, key=lambda w: (w.cost, w.worst_case_hours))

    hi = search_up_to or max(10 * max(usage.requests, 1), 1000)
    flips: list[Flip] = []
    if usage.requests > 0:
        _, flips = size_flips(usage, model, batch_plan, value_per_hour=value_per_hour,
                              deadline_hours=deadline_hours, wait_basis=wait_basis, hi=hi)
    near = None
    if flips and usage.requests:
        near = min(flips, key=lambda f: abs(math.log(f.rows / usage.requests)))
    return TierDecision(tuple(ways), best, fastest, cheapest, value, deadline_hours, wait_basis, tuple(flips), hi,
                        near, _reason(best, fastest, cheapest, value, deadline_hours, wait_basis),
                        {**cmp.unavailable, **{t: "left out in the settings" for t in model.tiers.excluded_tiers
                                               if t in cmp.modes}})


def size_flips(
    usage: Usage, model: JobModel, batch_plan: BatchPlan | None, *, value_per_hour: Decimal | None,
    deadline_hours: Decimal | None, wait_basis: str, hi: int, only: tuple[str, ...] | None = None,
) -> tuple[str, list[Flip]]:
    """The way chosen for one row, and where that changes as the job grows to ``hi`` rows of this kind.

    ``only`` restricts the ways (by family, e.g. ``("standard", "batch")``).
    """
    choices: dict[int, str] = {}
    keys: dict[int, Any] = {}

    def plan_at(rows: int) -> BatchPlan | None:
        return None if batch_plan is None else _resized_batch(batch_plan, rows)

    def choice_at(rows: int) -> str:
        if rows not in choices:
            cmp = compare(resized(usage, rows), model.price, model.modes)
            ws = ways_to_run(cmp, model, plan_at(rows) if "batch" in cmp.modes else None)
            if only is not None:
                ws = tuple(w for w in ws if family(w.name) in only)
            pick = choose(ws, value_per_hour=value_per_hour, deadline_hours=deadline_hours, basis=wait_basis)
            choices[rows] = family(pick.name)
        return choices[rows]

    def key_at(rows: int) -> Any:
        if rows not in keys:
            plan = plan_at(rows)
            fits: tuple[bool, ...] = ()
            if deadline_hours is not None:
                u = resized(usage, rows)
                fits = tuple(sync_time(u, t, model)[0] <= deadline_hours for t in ("standard", "priority",
                                                                                   "ultrafast", "flex"))
            keys[rows] = (plan.waves if plan else 0, fits)
        return keys[rows]

    return choice_at(1), flip_points(choice_at, key_at, 1, hi)


def batch_break_even(
    usage: Usage, model: JobModel, batch_plan: BatchPlan | None, *, value_per_hour: Decimal | None,
    deadline_hours: Decimal | None, wait_basis: str, hi: int,
) -> tuple[Decimal | None, tuple[Flip, ...]]:
    """Standard against batch alone: the smallest size from which batch is chosen (0: from the
    first row; None: not up to ``hi`` rows), on the plan's own time model, and every flip."""
    plain = replace(model, urgent_share=ZERO, completion_share=Decimal(1), interactive=False)
    start, flips = size_flips(usage, plain, batch_plan, value_per_hour=value_per_hour,
                              deadline_hours=deadline_hours, wait_basis=wait_basis, hi=hi, only=("standard", "batch"))
    if start == "batch":
        return ZERO, tuple(flips)
    first = next((f for f in flips if f.above == "batch"), None)
    return (None if first is None else Decimal(first.rows)), tuple(flips)


def _reason(best: WayToRun, fastest: WayToRun, cheapest: WayToRun, value: Decimal | None,
            deadline: Decimal | None, basis: str) -> str:
    """One sentence: what the recommended way costs and takes, and what waiting or speed would change."""
    head = f"{best.name.capitalize()}: {format_usd(best.cost)} in {format_hours(best.wait_hours(basis))}"
    if deadline is not None and best.worst_case_hours > deadline:
        return f"Nothing meets the {format_hours(deadline)} deadline; the fastest is {head}."
    parts = []
    if cheapest.name != best.name:
        saved = best.cost - cheapest.cost
        wait = cheapest.wait_hours(basis) - best.wait_hours(basis)
        why = ("it misses the deadline" if deadline is not None and cheapest.worst_case_hours > deadline
               else f"the {format_hours(wait)} more waiting is worth {format_usd(wait * value)}"
               if value is not None else "it misses the deadline")
        parts.append(f"{cheapest.name} would save {format_usd(saved)}, but {why}")
    if fastest.name != best.name:
        extra = fastest.cost - best.cost
        sooner = best.wait_hours(basis) - fastest.wait_hours(basis)
        parts.append(f"{fastest.name} would finish {format_hours(sooner)} sooner for {format_usd(extra)} more")
    if not parts:
        return f"{head}, the cheapest and the fastest way."
    return f"{head}; " + "; ".join(parts) + "."


def rows_text(rows: int) -> str:
    if rows >= 1_000_000:
        return f"{Decimal(rows) / 1_000_000:.2f}M".replace(".00M", "M")
    return f"{rows:,}"


def ceil_dec(x: Decimal) -> int:
    return int(x.to_integral_value(rounding=ROUND_CEILING))
