"""Monthly budget forecasts over a horizon, priced with the dated price tables.

Volume follows the job's schedule: ``once`` (one run, in the first month),
per ``day``, ``week`` or ``month``, and grows by a fixed percentage each
month (compounded; requests rounded half up to whole requests). Calendars
are real ones: a daily volume is multiplied by the calendar days of each
month, a weekly one by days / 7. The size of a request comes from the
numbers given, or from a counted dataset (``size_from``: an ``Estimate`` or
a ``TokenProfile``, its tokens per request).

A model whose shutdown date falls inside the horizon is priced until the day
before it. From that day on its requests are priced as the replacement the
provider names (``Model.successor`` in the price tables, followed as far as
needed), and the notes say so; where the provider names none, they are not
priced (``MonthRow.unpriced_requests``), the notes say there is no price after
the shutdown, and a plan is never reported "within budget" for months it
could not price. Days before the model was launched are not priced either.

By default (``pricing_rule="prorate"``) each day is priced at the entry in
force that day: a month with a price change is split at the change, each
part priced at its own entry, the volume spread evenly over the days. With
``pricing_rule="month-start"`` the whole month is priced at the entry in force
on its first day.

A plan is a mix of delivery modes (shares of the requests). Plans are
compared against a monthly budget: for each, the first month whose cost
exceeds it. ``Forecast.rows()`` gives plain rows a chart can draw.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from estimator import convert
from estimator.convert import Result, set_field
from estimator.errors import PricingError, UsageError, param
from estimator.modes import MODES, ModeParams
from estimator.money import ZERO, format_usd, to_decimal, total_as_shown
from estimator.pricing import Model, Price, PriceBook
from estimator.usage import RequestSize

PRICING_RULES = ("prorate", "month-start")  # the first is the default
SCHEDULES = ("once", "day", "week", "month")  # how often the job's requests come


SCHEDULE_PERIODS = {"once": "once", "daily": "day", "weekly": "week", "monthly": "month"}


def volume_from(source: Any, schedule: str, monthly_growth_pct: Decimal = ZERO) -> Volume:
    """The job of a counted dataset (``Estimate`` or ``TokenProfile``) run on ``schedule``:
    each run sends every row once (once, daily, weekly or monthly)."""
    if schedule not in SCHEDULE_PERIODS:
        raise UsageError(f"{param('schedule')} must be one of {', '.join(map(repr, SCHEDULE_PERIODS))}, "
                         f"got {schedule!r}", param="schedule")
    profile = getattr(source, "profile", source)
    return Volume(int(profile.rows), SCHEDULE_PERIODS[schedule], size_from(profile), monthly_growth_pct)


def size_from(source: Any) -> RequestSize:
    """Tokens per request of a counted dataset: an ``Estimate`` or a ``TokenProfile`` (exact fractions)."""
    profile = getattr(source, "profile", source)
    usage = getattr(profile, "usage", None)
    if not callable(usage):
        raise UsageError("give an Estimate or a TokenProfile to take the tokens per request from")
    size = RequestSize.of(usage())
    if size.input_tokens == 0 and size.output_tokens == 0:
        raise UsageError("the dataset has no rows to take the tokens per request from")
    return size
# 1000 % (eleven times the volume each month) is already far beyond any plan; above it compounding gives absurd numbers.
MAX_MONTHLY_GROWTH_PCT = Decimal(1000)


def growth_pct(value: object, name: str) -> Decimal:
    """A monthly growth in percent, exact, within what compounding can mean."""
    growth = convert.exact(value, name)
    if not (-100 < growth <= MAX_MONTHLY_GROWTH_PCT):
        raise UsageError(
            f"{param(name)} (monthly growth) must be above -100% and at most {MAX_MONTHLY_GROWTH_PCT}% "
            f"(eleven times the previous month's volume), got {growth}%",
            param=name,
        )
    return growth


@dataclass(frozen=True)
class Volume:
    """How many requests a job sends per ``period`` (``"once"``, ``"day"``, ``"week"`` or ``"month"``), of
    what ``size``, growing by ``monthly_growth_pct`` percent a month."""

    requests: int  # per ``period`` in the first month
    period: str  # "day" or "month"
    size: RequestSize
    monthly_growth_pct: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.period not in SCHEDULES:
            raise UsageError(f"{param('period')} must be one of {', '.join(map(repr, SCHEDULES))}, got {self.period!r}",
                             param="period")
        set_field(self, "requests", convert.count(self.requests, "requests"))
        convert.instance(self.size, "size", RequestSize)
        set_field(self, "monthly_growth_pct", growth_pct(self.monthly_growth_pct, "monthly_growth_pct"))

    def requests_in(self, month_index: int, first_day: dt.date) -> int:
        base = Decimal(self.requests)
        days = calendar.monthrange(first_day.year, first_day.month)[1]
        if self.period == "once":
            return self.requests if month_index == 0 else 0
        if self.period == "day":
            base *= days
        elif self.period == "week":
            base = base * days / 7
        factor = (1 + self.monthly_growth_pct / 100) ** month_index
        return int((base * factor).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class ModeMix:
    """A plan: which share of the requests goes through which delivery mode."""

    name: str
    shares: Mapping[str, Decimal]

    def __post_init__(self) -> None:
        set_field(self, "name", convert.text(self.name, "name"))
        if not isinstance(self.shares, Mapping) or not self.shares:
            raise UsageError(f"plan {self.name!r} has no modes: give {param('shares')} as a mapping of mode to share, "
                             "e.g. {'batch': 0.5, 'standard': 0.5}", param="shares")
        for mode in self.shares:
            if mode not in MODES:
                raise UsageError(f"plan {self.name!r}: unknown mode {mode!r}; modes: {', '.join(MODES)}",
                                 param="shares")
        set_field(self, "shares", {mode: convert.share(share, "shares") for mode, share in self.shares.items()})
        if sum(self.shares.values(), ZERO) != 1:
            raise UsageError(f"plan {self.name!r}: shares must add up to 1, they add up to "
                             f"{sum(self.shares.values(), ZERO)}")

    @classmethod
    def parse(cls, text: str) -> ModeMix:
        """A plan written ``NAME=mode:share,mode:share``, e.g. ``mostly batch=standard:0.2,batch:0.8``
        (a mode named twice adds up)."""
        name, sep, body = text.partition("=")
        if not sep or not name.strip() or not body.strip():
            raise UsageError(f"{param('plans')} {text!r}: write NAME=mode:share,..., e.g. "
                             "'mostly batch=standard:0.2,batch:0.8'", param="plans")
        shares: dict[str, Decimal] = {}
        for part in body.split(","):
            mode, colon, share = part.partition(":")
            try:
                value = to_decimal(share.strip()) if colon else None
            except (ValueError, TypeError):
                value = None
            if value is None or not value.is_finite():
                raise UsageError(f"{param('plans')} {text!r}: {part!r} is not mode:share", param="plans")
            shares[mode.strip()] = shares.get(mode.strip(), ZERO) + value
        return cls(name.strip(), shares)


ALL_STANDARD = ModeMix("all standard", {"standard": Decimal(1)})
ALL_BATCH = ModeMix("all batch", {"batch": Decimal(1)})


@dataclass(frozen=True)
class ForecastOptions:
    """How a forecast looks ahead: ``months`` from ``start`` (a month; default this month), against
    ``budget`` a month, for ``plans`` (default: all standard, all batch, and half as batch),
    a scheduled dataset's volume growing ``growth_pct`` a month, prices by ``pricing_rule``."""

    months: int = 12
    start: dt.date | str | None = None
    budget: Decimal | None = None
    plans: tuple[ModeMix, ...] | None = None
    growth_pct: Decimal = ZERO
    pricing_rule: str = "prorate"
    modes: ModeParams = field(default_factory=ModeParams)

    def __post_init__(self) -> None:  # numbers a person types: exact from here on
        set_field(self, "months", convert.count(self.months, "months", minimum=1, maximum=600))
        set_field(self, "start", convert.optional(convert.as_of_date, self.start, "start"))
        set_field(self, "budget", convert.optional(convert.money, self.budget, "budget"))
        set_field(self, "growth_pct", growth_pct(self.growth_pct, "growth_pct"))
        if self.plans is not None:
            if isinstance(self.plans, ModeMix) or not all(isinstance(p, ModeMix) for p in self.plans):
                raise UsageError(f"{param('plans')} must be a list of ModeMix", param="plans")
            set_field(self, "plans", tuple(self.plans))
        if self.pricing_rule not in PRICING_RULES:
            raise UsageError(f"{param('pricing_rule')} must be one of {', '.join(map(repr, PRICING_RULES))}",
                             param="pricing_rule")
        convert.instance(self.modes, "modes", ModeParams)

    @property
    def plans_or_default(self) -> tuple[ModeMix, ...]:
        return self.plans if self.plans is not None else DEFAULT_PLANS


def hybrid_mix(batch_share: Decimal, interactive_share: Decimal = ZERO, name: str = "hybrid") -> ModeMix:
    """Interactive share streamed, batch share batched, the rest standard."""
    batch_share = convert.share(batch_share, "batch_share")
    interactive_share = convert.share(interactive_share, "interactive_share")
    rest = 1 - batch_share - interactive_share
    if rest < 0:
        raise UsageError(f"{param('batch_share')} + {param('interactive_share')} must not exceed 1",
                         param="batch_share")
    shares = {"streaming_early_exit": interactive_share, "standard": rest, "batch": batch_share}
    return ModeMix(name, {k: v for k, v in shares.items() if v > 0} or {"standard": Decimal(1)})


DEFAULT_PLANS: tuple[ModeMix, ...] = (ALL_STANDARD, ALL_BATCH, hybrid_mix(Decimal("0.5")))
"""The plans a forecast compares unless told otherwise."""


@dataclass(frozen=True)
class MonthRow:
    plan: str
    month: dt.date  # first day
    requests: int
    input_tokens: int
    output_tokens: int
    cost: Decimal
    cost_by_mode: Mapping[str, Decimal]
    price_entries: tuple[dt.date, ...]  # effective_from of the entries that priced this month
    cumulative_cost: Decimal
    over_budget: bool
    unpriced_requests: int = 0  # requests no entry prices: after a shutdown with no successor, before launch
    priced_as: tuple[str, ...] = ()  # the models whose entries priced this month (a successor after a shutdown)


@dataclass(frozen=True)
class PlanForecast:
    mix: ModeMix
    months: tuple[MonthRow, ...]
    first_month_over_budget: dt.date | None

    @property
    def total_cost(self) -> Decimal:
        return sum((m.cost for m in self.months), ZERO)

    @property
    def unpriced_requests(self) -> int:
        return sum(m.unpriced_requests for m in self.months)

    @property
    def fully_priced(self) -> bool:
        return self.unpriced_requests == 0

    def budget_status(self, budget: Decimal | None) -> str | None:
        """How the plan stands against ``budget``, never "within budget" for months it could not price."""
        if budget is None:
            return None
        if self.first_month_over_budget is not None:
            return f"over budget from {self.first_month_over_budget:%Y-%m}"
        if not self.fully_priced:
            last = max((m.month for m in self.months if m.unpriced_requests == 0 and m.requests), default=None)
            until = f" through {last:%Y-%m}" if last is not None else ""
            return f"within budget{until}; {self.unpriced_requests:,} requests have no price"
        return "within budget"


@dataclass(frozen=True)
class PriceChange:
    month: dt.date  # first month priced (wholly or in part) at the new entry
    effective_from: dt.date
    description: str


@dataclass(frozen=True, repr=False)
class Forecast(Result):
    """Cost of each plan, month by month; ``to_frame()`` has one row per month and plan."""

    model: str
    start: dt.date
    horizon_months: int
    budget: Decimal | None
    pricing_rule: str
    plans: tuple[PlanForecast, ...]
    price_changes: tuple[PriceChange, ...]
    notes: tuple[str, ...] = ()
    shutdown_date: dt.date | None = None
    # (plan name, reason) of plans that use a mode the model cannot be priced in (e.g. no batch price).
    unavailable: tuple[tuple[str, str], ...] = ()

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per plan and month, for tables and charts."""
        return [
            {
                "plan": r.plan, "month": r.month.isoformat(), "requests": r.requests,
                "input_tokens": r.input_tokens, "output_tokens": r.output_tokens, "cost": r.cost,
                "cumulative_cost": r.cumulative_cost, "over_budget": r.over_budget,
                "price_entries": [d.isoformat() for d in r.price_entries],
                "cost_by_mode": dict(r.cost_by_mode),
                "unpriced_requests": r.unpriced_requests,
                "priced_as": list(r.priced_as),
            }
            for p in self.plans
            for r in p.months
        ]

    def csv_rows(self) -> list[dict[str, Any]]:
        """``rows()`` with each mode's cost as its own column, for a spreadsheet."""
        out = []
        for r in self.rows():
            flat = {k: v for k, v in r.items() if k not in ("cost_by_mode", "price_entries", "priced_as")}
            flat["price_entries"] = " ".join(r["price_entries"])
            flat["priced_as"] = " ".join(r["priced_as"])
            flat.update({f"cost_{mode}": cost for mode, cost in r["cost_by_mode"].items()})
            out.append(flat)
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "start": self.start.isoformat(),
            "horizon_months": self.horizon_months,
            "budget": self.budget,
            "pricing_rule": self.pricing_rule,
            "plans": [
                {"name": p.mix.name, "shares": dict(p.mix.shares), "total_cost": p.total_cost,
                 "first_month_over_budget": p.first_month_over_budget.isoformat() if p.first_month_over_budget else None,
                 "unpriced_requests": p.unpriced_requests, "budget_status": p.budget_status(self.budget)}
                for p in self.plans
            ],
            "price_changes": [
                {"month": c.month.isoformat(), "effective_from": c.effective_from.isoformat(),
                 "description": c.description}
                for c in self.price_changes
            ],
            "shutdown_date": self.shutdown_date.isoformat() if self.shutdown_date else None,
            "notes": list(self.notes),
            "unavailable_plans": [{"name": n, "reason": r} for n, r in self.unavailable],
            "rows": self.rows(),
        }

    def to_text(self) -> str:
        """A month-by-plan table with the budget and the dated price changes. Each total is the sum
        of the months as printed (cents), so the column adds up as read; a month with requests no
        entry prices says so instead of showing their cost as nothing."""
        names = [p.mix.name for p in self.plans]
        width = max(14, *(len(n) for n in names))
        lines = [f"{self.model}, {self.horizon_months} months from {self.start:%Y-%m} (prices: {self.pricing_rule})",
                 "", "month     " + "".join(f"{n:>{width + 2}}" for n in names)]
        for i, first in enumerate(p.month for p in self.plans[0].months):
            cells = []
            for p in self.plans:
                row = p.months[i]
                shown = "no price" if row.unpriced_requests and row.unpriced_requests == row.requests else (
                    format_usd(row.cost, 2) + ("+" if row.unpriced_requests else ""))
                cells.append(f"{shown:>{width}}{' *' if row.over_budget else '  '}")
            lines.append(f"{first:%Y-%m}   " + "".join(cells))
        lines.append("total     " + "".join(
            f"{format_usd(total_as_shown([r.cost for r in p.months]), 2):>{width}}  " for p in self.plans))
        if any(not p.fully_priced for p in self.plans):
            lines.append("(no price: no model serves those days; +: part of the month has no price)")
        if self.budget is not None:
            lines.append(f"\nBudget {format_usd(self.budget, 2)}/month (* = over):")
            for p in self.plans:
                lines.append(f"  {p.mix.name}: {p.budget_status(self.budget)}")
        lines += [f"price change from {c.month:%Y-%m}: {c.description}" for c in self.price_changes]
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"plan {name} not priced: {reason}" for name, reason in self.unavailable]
        return "\n".join(lines)

    def summary(self) -> str:
        totals = ", ".join(f"{p.mix.name} {format_usd(p.total_cost, 2)}" for p in self.plans)
        unpriced = max((p.unpriced_requests for p in self.plans), default=0)
        gap = f"; {unpriced:,} requests have no price (see notes)" if unpriced else ""
        return f"{self.model}, {self.horizon_months} months from {self.start:%Y-%m}: {totals}{gap}"

    def table(self) -> list[dict[str, Any]]:
        """One row per month and plan; the cost of each mode in a column of its own (``cost_batch``...)."""
        return self.csv_rows()


def month_starts(start: dt.date, months: int) -> list[dt.date]:
    first = start.replace(day=1)
    out = []
    for i in range(months):
        y, m = divmod(first.month - 1 + i, 12)
        out.append(dt.date(first.year + y, m + 1, 1))
    return out


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def allocate(total: int, weights: Sequence[Decimal]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` into whole numbers that add up (largest remainder)."""
    wsum = sum(weights, ZERO)
    if total == 0 or wsum == 0:
        return [0] * len(weights)
    exact = [Decimal(total) * w / wsum for w in weights]
    floors = [int(x) for x in exact]
    left = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - floors[i], -i), reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return floors


def _serving(model: Model, day: dt.date, book: PriceBook | None) -> Model | None:
    """The model that serves on ``day``: ``model``, or after its shutdown the successor the provider
    names (followed as far as needed); None when none serves (not launched yet, or no successor)."""
    seen: set[str] = set()
    current: Model | None = model
    while current is not None and current.id not in seen:
        seen.add(current.id)
        if day < current.launch:
            return None
        if current.shutdown_date is None or day < current.shutdown_date:
            return current
        if current.successor is None or book is None:
            return None
        current = book.model(current.successor, day)
    return None


def _chain(model: Model, book: PriceBook | None) -> list[Model]:
    """``model`` and the successors it hands over to."""
    out = [model]
    while out[-1].successor is not None and book is not None and len(out) < 20:
        nxt = book.model(out[-1].successor, out[-1].shutdown_date)
        if nxt.id in {m.id for m in out}:
            break
        out.append(nxt)
    return out


def _segments(model: Model, first: dt.date, rule: str, book: PriceBook | None) -> list[tuple[Price | None, int]]:
    """(price entry, days) parts of the month starting ``first``; None: no model serves those days
    (before the launch, or after a shutdown with no successor)."""
    nxt = _next_month(first)
    chain = _chain(model, book)
    cuts = [first]
    for m in chain:
        cuts += [d for d in (m.launch, m.shutdown_date) if d is not None and first < d < nxt]
        if rule == "prorate":
            cuts += [p.effective_from for p in m.prices if first < p.effective_from < nxt]
    cuts = sorted(set(cuts)) + [nxt]
    parts: list[tuple[Price | None, int]] = []
    for a, b in pairwise(cuts):
        serving = _serving(model, a, book)
        # month-start: the entry in force on the first day of the month the serving model is served
        day = a if rule == "prorate" or serving is None else max(first, serving.launch)
        parts.append((None if serving is None else serving.price_on(day), (b - a).days))
    return parts


def build_forecast(
    model: Model,
    volume: Volume,
    plans: Sequence[ModeMix],
    *,
    start: dt.date,
    horizon_months: int = 12,
    budget: Decimal | None = None,
    params: ModeParams | None = None,
    pricing_rule: str = "prorate",
    book: PriceBook | None = None,
) -> Forecast:
    """Cost of each plan, month by month, at the prices in force each month.

    ``book`` is the price book the model's successor is looked up in after a shutdown (without
    it, nothing is priced after the shutdown)."""
    convert.instance(model, "model", Model)
    convert.instance(volume, "volume", Volume)
    start = convert.as_of_date(start, "start")
    horizon_months = convert.count(horizon_months, "horizon_months", minimum=1, maximum=600)
    if pricing_rule not in PRICING_RULES:
        raise UsageError(f"{param('pricing_rule')} must be one of {', '.join(map(repr, PRICING_RULES))}, "
                         f"got {pricing_rule!r}", param="pricing_rule")
    budget = convert.optional(convert.money, budget, "budget")
    if isinstance(plans, ModeMix) or not plans or not all(isinstance(p, ModeMix) for p in plans):
        raise UsageError(f"give {param('plans')} as a list of at least one ModeMix", param="plans")
    names = [p.name for p in plans]
    if len(set(names)) != len(names):
        raise UsageError(f"plan names must be distinct: {names}", param="plans")
    params = params or ModeParams()
    firsts = month_starts(start, horizon_months)
    month_segments = [_segments(model, f, pricing_rule, book) for f in firsts]
    volumes = [volume.requests_in(i, f) for i, f in enumerate(firsts)]

    results = []
    unavailable: list[tuple[str, str]] = []
    for mix in plans:
        try:
            results.append(_plan_forecast(mix, volume, firsts, month_segments, volumes, budget, params))
        except PricingError as exc:  # e.g. batch for a model without a batch price: price the other plans
            if len(plans) == 1:
                raise
            unavailable.append((mix.name, exc.message))
    if not results:
        raise PricingError(f"none of the plans can be priced: {'; '.join(f'{n}: {r}' for n, r in unavailable)}")
    end = _next_month(firsts[-1])
    notes = _handover_notes(model, firsts[0], end, book, results[0])
    off = model.shutdown_date
    return Forecast(model.id, firsts[0], horizon_months, budget, pricing_rule, tuple(results),
                    _price_changes(firsts, month_segments), tuple(notes), off if off is not None and off < end else None,
                    tuple(unavailable))


def _handover_notes(model: Model, start: dt.date, end: dt.date, book: PriceBook | None,
                    plan: PlanForecast) -> list[str]:
    """What the forecast says about launches, shutdowns and successors inside its horizon."""
    notes = []
    if start < model.launch < end or model.launch >= end:
        notes.append(f"{model.id} was first offered on {model.launch}: the days before it are not priced")
    for m in _chain(model, book):
        off = m.shutdown_date
        if off is None or not off < end:
            break
        source = f" (source: {m.shutdown_source})" if m.shutdown_source else ""
        if m.successor is not None and book is not None:
            notes.append(f"{m.id} shuts down on {off}{source}: from that day its requests are priced as "
                         f"{m.successor}, the replacement the provider names ({m.successor_source})")
            continue
        notes.append(
            f"{m.id} shuts down on {off}{source} and the price data names no replacement: there is no price "
            f"after {off - dt.timedelta(days=1)}, so {plan.unpriced_requests:,} requests are not priced and the "
            "costs stop there; forecast the model that will replace it for the rest"
        )
        break
    return notes


def _plan_forecast(
    mix: ModeMix,
    volume: Volume,
    firsts: Sequence[dt.date],
    month_segments: Sequence[list[tuple[Price | None, int]]],
    volumes: Sequence[int],
    budget: Decimal | None,
    params: ModeParams,
) -> PlanForecast:
    """One plan's months: each day's requests priced at the entry in force (none after a shutdown)."""
    modes = list(mix.shares)
    rows: list[MonthRow] = []
    cumulative = ZERO
    first_over = None
    for first, segs, requests in zip(firsts, month_segments, volumes):
        by_mode = {m: ZERO for m in modes}
        inp = out = 0
        unpriced = 0
        per_seg = allocate(requests, [Decimal(days) for _, days in segs])
        models: list[str] = []
        for (price, _), seg_requests in zip(segs, per_seg):
            if price is None:
                unpriced += seg_requests
                continue
            if seg_requests and price.model not in models:
                models.append(price.model)
            for mode, n in zip(modes, allocate(seg_requests, [mix.shares[m] for m in modes])):
                if n == 0:
                    continue
                usage = volume.size.usage(n, price)
                by_mode[mode] += MODES[mode](usage, price, params).total_cost
                inp += usage.input_tokens
                out += usage.output_tokens
        cost = sum(by_mode.values(), ZERO)
        cumulative += cost
        over = budget is not None and cost > budget
        if over and first_over is None:
            first_over = first
        rows.append(MonthRow(mix.name, first, requests, inp, out, cost, by_mode,
                             tuple(p.effective_from for p, _ in segs if p is not None), cumulative, over,
                             unpriced, tuple(models)))
    return PlanForecast(mix, tuple(rows), first_over)


def _price_changes(
    firsts: Sequence[dt.date], segments: Sequence[list[tuple[Price | None, int]]]
) -> tuple[PriceChange, ...]:
    changes = []
    previous = segments[0][0][0] if segments else None
    for first, segs in zip(firsts, segments):
        for price, _ in segs:
            if price is None:
                continue
            if previous is not None and (price.model, price.effective_from) != (previous.model,
                                                                                previous.effective_from):
                changes.append(PriceChange(first, price.effective_from, price.describe()))
            previous = price
    return tuple(changes)


def months_until_over(plan: PlanForecast) -> int | None:
    """Months from the start until the plan first exceeds the budget (0 = the first month)."""
    if plan.first_month_over_budget is None:
        return None
    for i, row in enumerate(plan.months):
        if row.month == plan.first_month_over_budget:
            return i
    return None  # pragma: no cover

