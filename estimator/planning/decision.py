"""The one decision: every way to run a job as a point of cost against time, and the one to use.

A *way to run the job* (``WayToRun``) is a single tier (standard, streaming
with early exit, priority, ultrafast, flex, batch), batch with a standard
retry of what expires, or a split: the share that cannot wait by a fast tier
and the bulk by batch or flex. Each has a cost (the cost models of
``estimator.modes``) and a time to finish (``estimator.planning.times``):

* standard, streaming, priority and ultrafast: the requests under the
  account's rate limits; whether a tier shares the standard limits or has its
  own, and how much faster it answers, is ``times.TIER_TIME_RULES``;
* flex: the same limits as standard at flex's latency
  (``TierParams.flex_latency_seconds``), and a share of the requests refused
  under load (``flex_refused_share``), retried, not charged: each request
  needs 1 / (1 - share) attempts;
* batch: waves under the enqueued-token and file limits, each wave taking the
  completion window (worst case) or the typical wave time the user sets.

The choice (``decide``): with a deadline, only the ways whose worst case
meets it (the fastest when none does); among them the cheapest when no value
of an hour is given, otherwise the one with the highest net value,
``-(cost + value × hours)`` (hours counted on the plan's wait basis: batch's
worst case or its typical time). Without either, the default value of an hour
applies, and the decision says that it assumed it.

Everything a front end shows about the choice comes from the same model: the
break-even sizes (``flip_points``: the job resized, its batch files re-split
and its waves recounted, bisected to the exact row where the choice changes),
standard against batch alone (``BatchTradeoff``), and the cost of every way
over a range of sizes (``cost_curve``), so a chart's lines cross exactly at
the break-even drawn beside them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from estimator import convert
from estimator.batch import BatchPlan
from estimator.batch.logistics import batch_plan_of, split_uniform
from estimator.convert import Document, Result, set_field
from estimator.errors import UsageError, param
from estimator.formats import format_hours
from estimator.modes import Comparison, ModeParams, compare
from estimator.money import ZERO, format_usd, shown_difference
from estimator.planning.limits import RateLimits, Throughput
from estimator.planning.times import DEFAULT_FLEX_LATENCY_SECONDS, standard_time, time_rule
from estimator.pricing import Price
from estimator.usage import Usage

DEFAULT_VALUE_PER_HOUR = Decimal(50)
"""USD per hour of waiting: the classic illustration's figure (roughly a loaded hourly cost
of one person kept waiting). Replace it with what an hour of delay costs you."""

SYNC_TIERS = ("standard", "streaming_early_exit", "priority", "ultrafast")
SLOW_TIERS = ("batch", "flex")
EXCLUDABLE_TIERS = ("flex", "priority", "ultrafast")
"""Tiers a user can leave out of the decision; standard stays as the way that always exists."""
MAX_FLIPS = 50


@dataclass(frozen=True)
class DeadlinePreset:
    """A deadline a person says in words ("tomorrow"), and the hours the plan takes it to mean."""

    key: str
    label: str
    hours: Decimal
    meaning: str


DEADLINE_PRESETS = (
    DeadlinePreset("today", "Today", Decimal(8), "within a working day (8 hours)"),
    DeadlinePreset("tomorrow", "Tomorrow", Decimal(24), "within 24 hours"),
    DeadlinePreset("week", "This week", Decimal(168), "within 7 days (168 hours)"),
)
"""The deadlines offered before anyone types one: the hours are counted from when the job starts."""


WAY_WORDS = {"streaming_early_exit": "streaming with early exit"}


def way_words(name: str) -> str:
    """A way's name as a sentence says it (``streaming_early_exit`` -> ``streaming with early exit``)."""
    return " ".join(WAY_WORDS.get(part, part) for part in name.split(" "))


def deadline_preset(key: str) -> DeadlinePreset:
    """The preset called ``key`` (``today``, ``tomorrow``, ``week``)."""
    found = next((p for p in DEADLINE_PRESETS if p.key == key), None)
    if found is None:
        raise UsageError(f"no deadline preset {key!r}; use one of {', '.join(p.key for p in DEADLINE_PRESETS)}",
                         param="deadline")
    return found


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
    """One way to run the job (a tier, or a split or retry across tiers): its requests per tier, cost and time."""

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
        if model.interactive and tier in ("flex", "standard"):
            continue  # a person waits for each answer: streamed (or a faster tier), never queued
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
                sub = resized_batch(batch_plan, rest)
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


def resized_batch(plan: BatchPlan, requests: int) -> BatchPlan:
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


@dataclass(frozen=True)
class BatchTradeoff(Document):
    """Standard against batch alone, on the plan's own time model: the classic question.

    ``savings`` is what batch saves against standard; ``wait_hours`` how much later batch
    finishes (on the wait basis; never negative); ``wait_cost`` that wait at the value of an
    hour (None when only a deadline counts); ``break_even_rows`` the smallest job of these
    rows from which batch is chosen over standard (0: from the first row; None: batch never
    is, up to the sizes searched).
    """

    savings: Decimal
    wait_hours: Decimal
    wait_cost: Decimal | None
    break_even_rows: int | None
    searched_up_to: int
    batch_meets_deadline: bool | None
    standard_meets_deadline: bool | None
    standard_cost: Decimal = ZERO
    batch_cost: Decimal = ZERO

    @property
    def net_benefit(self) -> Decimal | None:
        """What batch is worth once the wait is paid for (negative: standard is better)."""
        return None if self.wait_cost is None else self.savings - self.wait_cost

    @property
    def savings_as_shown(self) -> Decimal:
        """The saving as a reader computes it from the two costs shown in cents (what every page prints)."""
        return shown_difference(self.standard_cost, self.batch_cost)

    @property
    def pays_below_value_per_hour(self) -> Decimal | None:
        """The value of an hour of waiting below which batch's saving beats its extra wait:
        savings ÷ extra hours (None when batch saves nothing or is not slower)."""
        if self.savings <= 0 or self.wait_hours <= 0:
            return None
        return self.savings / self.wait_hours

    def wait_text(self) -> str:
        """One sentence on standard against batch that assumes no value of an hour."""
        saves = format_usd(self.savings_as_shown)
        if self.savings <= 0:
            return "Batch saves nothing over standard here."
        if self.wait_hours <= 0:
            return f"Batch saves {saves} over standard and finishes no later: it pays whatever an hour is worth."
        below = self.pays_below_value_per_hour
        assert below is not None
        return (f"Batch saves {saves} over standard and finishes {format_hours(self.wait_hours)} later: "
                f"waiting pays while an hour of waiting is worth less than {format_usd(below)}.")

    def as_dict(self) -> dict[str, Any]:
        return {"savings": self.savings, "wait_hours": self.wait_hours, "wait_cost": self.wait_cost,
                "net_benefit": self.net_benefit, "break_even_rows": self.break_even_rows,
                "searched_up_to_rows": self.searched_up_to, "batch_meets_deadline": self.batch_meets_deadline,
                "standard_meets_deadline": self.standard_meets_deadline, "standard_cost": self.standard_cost,
                "batch_cost": self.batch_cost, "pays_below_value_per_hour": self.pays_below_value_per_hour}


@dataclass(frozen=True)
class FrontierPoint:
    """A way that stands out before any stakes are known: the cheapest, the fastest, or standard."""

    roles: tuple[str, ...]  # of "cheapest", "fastest", "standard"
    way: WayToRun

    @property
    def label(self) -> str:
        """``Cheapest``, ``Fastest``, ``Standard``, or several joined (``Cheapest and fastest``)."""
        words = " and ".join(self.roles)
        return words[:1].upper() + words[1:]

    @property
    def heading(self) -> str:
        """The point in a few words: ``Cheapest: batch``, ``Standard``, ``Standard, also the cheapest``."""
        if "standard" not in self.roles:
            return f"{self.label}: {way_words(self.way.name)}"
        others = [r for r in self.roles if r != "standard"]
        return "Standard" + (f", also the {' and the '.join(others)}" if others else "")


@dataclass(frozen=True, repr=False)
class Decision(Result):
    """Every way to run the job, the one to use and why, and where that choice changes with size.

    ``value_per_hour`` is the value of an hour of waiting the choice used: the user's, or
    ``DEFAULT_VALUE_PER_HOUR`` when neither a value nor a deadline was given (then
    ``assumed_value`` is True and ``assumption`` says so).
    """

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
    assumed_value: bool
    assumption: str
    unavailable: Mapping[str, str] = field(default_factory=dict)
    batch: BatchTradeoff | None = None  # None: batch is not a way to run this job
    runner_up: WayToRun | None = None  # the way chosen were the recommended one not offered

    @property
    def recommendation(self) -> str:
        """The name of the recommended way."""
        return self.recommended.name

    @property
    def meets_deadline(self) -> bool | None:
        if self.deadline_hours is None:
            return None
        return self.recommended.worst_case_hours <= self.deadline_hours

    def way(self, name: str) -> WayToRun | None:
        return next((w for w in self.ways if w.name == name), None)

    @property
    def frontier(self) -> tuple[FrontierPoint, ...]:
        """What to show before the stakes are known: the cheapest way (and its time), the fastest
        (and its cost) and standard, each once (a way that is both cheapest and standard is one point)."""
        points: list[FrontierPoint] = []
        for role, way in (("cheapest", self.cheapest), ("fastest", self.fastest), ("standard", self.way("standard"))):
            if way is None:
                continue
            i = next((i for i, p in enumerate(points) if p.way.name == way.name), None)
            if i is None:
                points.append(FrontierPoint((role,), way))
            else:
                points[i] = FrontierPoint((*points[i].roles, role), way)
        return tuple(points)

    @property
    def versus(self) -> str:
        """What the recommendation beat: the next best way, its cost and time, and why it lost."""
        if self.runner_up is None:
            return "It is the only way to run this job."
        return _versus(self.recommended, self.runner_up, self.value_per_hour, self.deadline_hours, self.wait_basis)

    def summary(self) -> str:
        best = self.recommended
        return (f"use {best.name}: {format_usd(best.cost)} in {format_hours(best.wait_hours(self.wait_basis))}, "
                f"of {len(self.ways)} ways to run the job ({self.assumption})")

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
            "assumption": self.assumption,
            "assumed_value_per_hour": self.assumed_value,
            "cost": self.recommended.cost,
            "hours": self.recommended.hours,
            "worst_case_hours": self.recommended.worst_case_hours,
            "value_per_hour": value,
            "deadline_hours": self.deadline_hours,
            "meets_deadline": self.meets_deadline,
            "wait_basis": self.wait_basis,
            "fastest": self.fastest.name,
            "cheapest": self.cheapest.name,
            "frontier": [{"roles": list(p.roles), "name": p.way.name, "cost": p.way.cost, "hours": p.way.hours,
                          "worst_case_hours": p.way.worst_case_hours} for p in self.frontier],
            "runner_up": None if self.runner_up is None else self.runner_up.name,
            "versus": self.versus,
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
            "batch": None if self.batch is None else self.batch.as_dict(),
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


def default_search_limit(usage: Usage, batch_plan: BatchPlan | None) -> int:
    """Sizes searched for flips: ten times the job, and up to 10M rows or 400 waves of batch, whichever is less."""
    per_wave = (batch_plan.largest_wave_requests if batch_plan else 0) or usage.requests
    return max(10 * max(usage.requests, 1), min(10_000_000, 400 * max(per_wave, 1)), 1000)


def decide(
    usage: Usage,
    model: JobModel,
    batch_plan: BatchPlan | None,
    *,
    value_per_hour: Decimal | None,
    deadline_hours: Decimal | None,
    wait_basis: str = "worst",
    search_up_to: int | None = None,
) -> Decision:
    """Every way to run the job, the one to use, and the sizes where that choice flips."""
    value = effective_value(value_per_hour, deadline_hours)
    cmp = compare(usage, model.price, model.modes)
    plan = batch_plan if "batch" in cmp.modes else None
    ways = ways_to_run(cmp, model, plan)
    best = choose(ways, value_per_hour=value_per_hour, deadline_hours=deadline_hours, basis=wait_basis)
    fastest = min(ways, key=lambda w: (w.worst_case_hours, w.cost))
    cheapest = min(ways, key=lambda w: (w.cost, w.worst_case_hours))
    others = [w for w in ways if w is not best]
    runner_up = (choose(others, value_per_hour=value_per_hour, deadline_hours=deadline_hours, basis=wait_basis)
                 if others else None)

    hi = search_up_to or default_search_limit(usage, batch_plan)
    flips: list[Flip] = []
    resized_plans: dict[int, BatchPlan] = {}
    ways_by_size: dict[int, tuple[WayToRun, ...]] = {}
    if usage.requests > 0:
        _, flips = size_flips(usage, model, batch_plan, value_per_hour=value_per_hour,
                              deadline_hours=deadline_hours, wait_basis=wait_basis, hi=hi,
                              resized_plans=resized_plans, ways_by_size=ways_by_size)
    near = None
    if flips and usage.requests:
        near = min(flips, key=lambda f: abs(math.log(f.rows / usage.requests)))
    assumed = value_per_hour is None and deadline_hours is None
    tradeoff = None
    if plan is not None and usage.requests > 0 and not model.interactive:
        tradeoff = batch_tradeoff(cmp, usage, model, plan, value_per_hour=value_per_hour,
                                  deadline_hours=deadline_hours, wait_basis=wait_basis, hi=hi,
                                  resized_plans=resized_plans,
                                  ways_by_size=ways_by_size if standard_or_batch(model) == model else None)
    return Decision(
        tuple(ways), best, fastest, cheapest, value, deadline_hours, wait_basis, tuple(flips), hi, near,
        _reason(best, fastest, cheapest, value, deadline_hours, wait_basis),
        assumed, _assumption(value, deadline_hours, wait_basis, assumed),
        {**cmp.unavailable, **{t: "left out in the settings" for t in model.tiers.excluded_tiers if t in cmp.modes}},
        tradeoff,
        runner_up,
    )


def _assumption(value: Decimal | None, deadline: Decimal | None, basis: str, assumed: bool) -> str:
    wait = "batch's worst case (its completion window)" if basis == "worst" else "batch's typical time"
    if deadline is not None and value is None:
        return f"results are needed within {format_hours(deadline)}; the cheapest way that meets it is chosen"
    assert value is not None
    given = (f"an hour of waiting is taken to be worth {format_usd(value)} (an assumption: "
             "give what an hour of delay costs you, or a deadline)" if assumed
             else f"an hour of waiting is worth {format_usd(value)}")
    limit = f", within {format_hours(deadline)}" if deadline is not None else ""
    return f"{given}{limit}; the wait is counted from {wait}"


def size_flips(
    usage: Usage, model: JobModel, batch_plan: BatchPlan | None, *, value_per_hour: Decimal | None,
    deadline_hours: Decimal | None, wait_basis: str, hi: int, only: tuple[str, ...] | None = None,
    resized_plans: dict[int, BatchPlan] | None = None,
    ways_by_size: dict[int, tuple[WayToRun, ...]] | None = None,
) -> tuple[str, list[Flip]]:
    """The way chosen for one row, and where that changes as the job grows to ``hi`` rows of this kind.

    ``only`` restricts the ways (by family, e.g. ``("standard", "batch")``); ``resized_plans`` and
    ``ways_by_size`` keep the batch plan re-split and the ways priced for each size tried, to share
    between searches over the same job and model.
    """
    choices: dict[int, str] = {}
    keys: dict[int, Any] = {}
    plans = resized_plans if resized_plans is not None else {}
    priced_ways = ways_by_size if ways_by_size is not None else {}

    def plan_at(rows: int) -> BatchPlan | None:
        if batch_plan is None:
            return None
        if rows not in plans:
            plans[rows] = resized_batch(batch_plan, rows)
        return plans[rows]

    def choice_at(rows: int) -> str:
        if rows not in choices:
            if rows not in priced_ways:
                priced_ways[rows] = ways_at(usage, model, batch_plan, rows, plan_at(rows))
            ws = priced_ways[rows]
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


def ways_at(usage: Usage, model: JobModel, batch_plan: BatchPlan | None, rows: int,
            resized_plan: BatchPlan | None = None) -> tuple[WayToRun, ...]:
    """Every way to run ``rows`` requests like those of ``usage``, batch files re-split for that size
    (``resized_plan``: that re-split plan, when the caller has it already)."""
    cmp = compare(resized(usage, rows), model.price, model.modes)
    if batch_plan is None or "batch" not in cmp.modes:
        return ways_to_run(cmp, model, None)
    return ways_to_run(cmp, model, resized_plan or resized_batch(batch_plan, rows))


def standard_or_batch(model: JobModel) -> JobModel:
    """The job as the classic question puts it: nothing urgent, nothing expires, nobody waits at a screen."""
    return replace(model, urgent_share=ZERO, completion_share=Decimal(1), interactive=False)


def batch_tradeoff(
    cmp: Comparison, usage: Usage, model: JobModel, batch_plan: BatchPlan, *, value_per_hour: Decimal | None,
    deadline_hours: Decimal | None, wait_basis: str, hi: int, resized_plans: dict[int, BatchPlan] | None = None,
    ways_by_size: dict[int, tuple[WayToRun, ...]] | None = None,
) -> BatchTradeoff:
    """Standard against batch alone for this job, and the size from which batch is chosen over standard."""
    plain = standard_or_batch(model)
    ways = {w.name: w for w in ways_to_run(cmp, plain, batch_plan)}
    standard, batch = ways["standard"], ways["batch"]
    value = effective_value(value_per_hour, deadline_hours)
    wait = max(ZERO, batch.wait_hours(wait_basis) - standard.wait_hours(wait_basis))
    start, flips = size_flips(usage, plain, batch_plan, value_per_hour=value_per_hour,
                              deadline_hours=deadline_hours, wait_basis=wait_basis, hi=hi,
                              only=("standard", "batch"), resized_plans=resized_plans, ways_by_size=ways_by_size)
    first = next((f.rows for f in flips if f.above == "batch"), None)
    return BatchTradeoff(
        savings=standard.cost - batch.cost, wait_hours=wait, wait_cost=None if value is None else wait * value,
        break_even_rows=0 if start == "batch" else first, searched_up_to=hi,
        batch_meets_deadline=None if deadline_hours is None else batch.worst_case_hours <= deadline_hours,
        standard_meets_deadline=None if deadline_hours is None else standard.worst_case_hours <= deadline_hours,
        standard_cost=standard.cost, batch_cost=batch.cost,
    )


# --------------------------------------------------------------------------
# Cost over sizes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CurvePoint:
    """Every way to run ``rows`` requests like the job's: cost, time, and the way chosen at that size.

    ``total`` is each way's cost plus the value of its wait (its cost alone when only a
    deadline counts): the quantity the decision minimises, so the lowest line is the choice.
    """

    rows: int
    cost: Mapping[str, Decimal]  # by way family (standard, batch, flex, ...)
    hours: Mapping[str, Decimal]  # on the wait basis
    total: Mapping[str, Decimal]
    chosen: str


def cost_curve(
    usage: Usage, model: JobModel, batch_plan: BatchPlan | None, sizes: Sequence[int], *,
    value_per_hour: Decimal | None, deadline_hours: Decimal | None, wait_basis: str,
    only: tuple[str, ...] | None = None,
) -> tuple[CurvePoint, ...]:
    """The ways to run the job at each of ``sizes`` rows, on the same model as ``decide``
    (``only``: these way families, e.g. ``("standard", "batch")``)."""
    value = effective_value(value_per_hour, deadline_hours)
    points = []
    for rows in sorted(set(sizes)):
        if rows < 1:
            raise UsageError(f"sizes must be at least 1 row, got {rows}", param="sizes")
        ways = ways_at(usage, model, batch_plan, rows)
        if only is not None:
            ways = tuple(w for w in ways if family(w.name) in only)
        pick = choose(ways, value_per_hour=value_per_hour, deadline_hours=deadline_hours, basis=wait_basis)
        cost: dict[str, Decimal] = {}
        hours: dict[str, Decimal] = {}
        for w in ways:
            name = family(w.name)
            if name in cost:  # a split or a retry: the family's first (plain) way is drawn
                continue
            cost[name] = w.cost
            hours[name] = w.wait_hours(wait_basis)
        total = {n: cost[n] + (hours[n] * value if value is not None else ZERO) for n in cost}
        points.append(CurvePoint(rows, cost, hours, total, family(pick.name)))
    return tuple(points)


def curve_sizes(rows: int, search_up_to: int, points: int = 60) -> tuple[int, ...]:
    """Sizes to draw a cost curve over: from one row to the sizes searched, evenly on a log scale,
    the job's own size included."""
    top = max(search_up_to, rows, 10)
    step = Decimal(top).ln() / points
    sizes = {max(1, int((step * i).exp().to_integral_value())) for i in range(points + 1)}
    return tuple(sorted(sizes | {max(1, rows), top}))


def _reason(best: WayToRun, fastest: WayToRun, cheapest: WayToRun, value: Decimal | None,
            deadline: Decimal | None, basis: str) -> str:
    """One sentence: what the recommended way costs and takes, and what waiting or speed would change."""
    head = f"{way_words(best.name).capitalize()}: {format_usd(best.cost)} in {format_hours(best.wait_hours(basis))}"
    if deadline is not None and best.worst_case_hours > deadline:
        return f"Nothing meets the {format_hours(deadline)} deadline; the fastest is {head}."
    parts = []
    if cheapest.name != best.name:
        saved = shown_difference(best.cost, cheapest.cost)
        wait = cheapest.wait_hours(basis) - best.wait_hours(basis)
        why = ("it misses the deadline" if deadline is not None and cheapest.worst_case_hours > deadline
               else f"the {format_hours(wait)} more waiting is worth {format_usd(wait * value)}"
               if value is not None else "it misses the deadline")
        parts.append(f"{way_words(cheapest.name)} would save {format_usd(saved)}, but {why}")
    if fastest.name != best.name:
        extra = shown_difference(fastest.cost, best.cost)
        sooner = best.wait_hours(basis) - fastest.wait_hours(basis)
        parts.append(f"{way_words(fastest.name)} would finish {format_hours(sooner)} sooner for {format_usd(extra)} more")
    if not parts:
        return f"{head}, the cheapest and the fastest way."
    return f"{head}; " + "; ".join(parts) + "."


def _versus(best: WayToRun, other: WayToRun, value: Decimal | None, deadline: Decimal | None, basis: str) -> str:
    """``It beat batch: $2.08 in 24 h, ...``: the next best way, its cost and time, and why it lost."""
    head = f"It beat {way_words(other.name)}: {format_usd(other.cost)} in {format_hours(other.wait_hours(basis))}"
    later = other.wait_hours(basis) - best.wait_hours(basis)
    dearer = shown_difference(other.cost, best.cost)
    if deadline is not None and best.worst_case_hours > deadline:
        return (f"{head}: nothing meets the {format_hours(deadline)} deadline, so the fastest is chosen"
                + (f", and it finishes {format_hours(later)} later." if later > 0 else "."))
    if deadline is not None and other.worst_case_hours > deadline:
        return f"{head}, which misses the {format_hours(deadline)} deadline."
    if value is None:  # only a deadline: the cheapest way that meets it
        if dearer > 0:
            return f"{head}, {format_usd(dearer)} more."
        return f"{head}, the same cost" + (f" but {format_hours(later)} later." if later > 0 else ".")
    if dearer < 0 and later > 0:
        return (f"{head}, {format_usd(-dearer)} cheaper but {format_hours(later)} later, a wait worth "
                f"{format_usd(later * value)} at {format_usd(value)} an hour.")
    if dearer > 0 and later < 0:
        return (f"{head}, {format_hours(-later)} sooner but {format_usd(dearer)} more, more than those hours "
                f"are worth ({format_usd(-later * value)} at {format_usd(value)} an hour).")
    if dearer > 0:
        return f"{head}, {format_usd(dearer)} more" + (f" and {format_hours(later)} later." if later > 0 else ".")
    if later > 0:
        return f"{head}, the same cost but {format_hours(later)} later."
    return f"{head}, as good: the tie goes to the faster or the first listed."
