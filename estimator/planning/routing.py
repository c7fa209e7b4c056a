"""Hybrid routing: a day's traffic split by where it comes from, priced per route and blended.

Interactive traffic (a person at a web UI) is streamed; automated traffic
(webhooks, cron jobs) goes standard, or batch for the share that can wait; a
backfill goes batch. ``route_traffic`` prices each route and the blend, and
what moving a share of the automated traffic to batch saves, per day and per
month of ``days_per_month`` days.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from estimator import convert
from estimator.convert import Result, set_field
from estimator.modes import ModeParams, compare
from estimator.money import CENT, ZERO, format_usd, shown_difference, total_as_shown
from estimator.pricing import Price
from estimator.usage import RequestSize


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
    cost: Decimal  # per day (the backfill: once)

    def times(self, days: Decimal) -> RouteCost:
        """This route over ``days`` days."""
        return RouteCost(self.route, self.mode, self.requests, self.cost * days)


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
    baseline_routes: tuple[RouteCost, ...] = ()  # per day, every automated request sent standard
    model: str = ""
    price: str = ""  # the price entry, described

    @property
    def monthly_cost(self) -> Decimal:
        return self.daily_cost * self.mix.days_per_month

    @property
    def monthly_routes(self) -> tuple[RouteCost, ...]:
        """Each route's cost over ``days_per_month`` days."""
        return tuple(r.times(self.mix.days_per_month) for r in self.routes)

    @property
    def baseline_monthly_routes(self) -> tuple[RouteCost, ...]:
        """The month without batch: the interactive route as is, every automated request standard."""
        return tuple(r.times(self.mix.days_per_month) for r in self.baseline_routes)

    @property
    def baseline_monthly_cost(self) -> Decimal:
        return self.baseline_daily_cost * self.mix.days_per_month

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
            "model": self.model, "price": self.price,
            "routes": [{"route": r.route, "mode": r.mode, "requests_per_day": r.requests, "cost_per_day": r.cost,
                        "cost_per_month": m.cost}
                       for r, m in zip(self.routes, self.monthly_routes)],
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
        """The routes and the blend; the blend a day is the sum of the routes as printed."""
        lines = [f"Price: {self.price}", ""] if self.price else []
        lines += [f"  {r.route:<28} {r.mode:<22} {r.requests:>10,}/day  {format_usd(r.cost)}/day" for r in self.routes]
        shown_daily = total_as_shown([r.cost for r in self.routes]) if all(
            r.cost == 0 or abs(r.cost) >= CENT for r in self.routes) else self.daily_cost
        lines += [
            f"\nBlend: {format_usd(shown_daily)}/day, {format_usd(self.monthly_cost)}{self._per_month} "
            f"({format_usd(self.cost_per_request)} a request)",
            f"Sending {self.mix.batch_share:%} of the automated traffic as batch saves "
            f"{format_usd(self.moved_savings_monthly)}{self._per_month}; all of it would save "
            f"{format_usd(self.all_moved_savings_monthly)}{self._per_month}.",
        ]
        if self.backfill is not None:
            saved = shown_difference(self.backfill_standard_cost, self.backfill.cost)
            lines.append(f"Backfill of {self.backfill.requests:,} requests: {format_usd(self.backfill.cost)} as batch, "
                         f"{format_usd(self.backfill_standard_cost)} as standard (saves {format_usd(saved)}).")
        return "\n".join(lines)

    def summary(self) -> str:
        model = f"{self.model}, " if self.model else ""
        return (f"{model}{self.mix.daily_requests:,} requests a day in {len(self.routes)} routes: "
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
    baseline_routes = (routes[0], RouteCost("all automated traffic", "standard", automated,
                                            cost(automated, "standard")))
    baseline = sum((r.cost for r in baseline_routes), ZERO)
    all_batch = routes[0].cost + cost(automated, "batch")
    backfill = None
    backfill_std = ZERO
    if mix.backfill_requests:
        backfill = RouteCost("backfill", "batch", mix.backfill_requests, cost(mix.backfill_requests, "batch"))
        backfill_std = cost(mix.backfill_requests, "standard")
    return RoutingPlan(mix, routes, daily, baseline, all_batch, backfill, backfill_std, baseline_routes)
