"""The reverse question: what can I run for $X by my deadline?

For each counted estimate (one per model, e.g. from ``estimator.report.models.compare_models``)
and each way to run it (every tier, batch, and the plan's splits), on the same time model as the
plan: whether the whole dataset fits the budget and the deadline, and if not, how many of its rows
would (rows like the dataset's average, the batch files re-split for that many).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from estimator import convert
from estimator.convert import Result
from estimator.errors import UsageError, param
from estimator.formats import format_hours
from estimator.money import format_usd
from estimator.planning.decision import WayToRun, family, way_words, ways_at
from estimator.planning.job import PlanOptions, job_model
from estimator.report.estimate import Estimate


@dataclass(frozen=True)
class Fit:
    """One way to run one model's job within the budget and the deadline."""

    model: str
    way: str  # the way's family: standard, batch, flex, priority, "priority + batch", ...
    rows: int  # rows of the dataset that fit (all of them when ``whole``)
    of_rows: int
    cost: Decimal  # of those rows
    hours: Decimal  # to finish them in the worst case (batch: its completion window per wave)

    @property
    def whole(self) -> bool:
        return self.rows == self.of_rows

    def describe(self) -> str:
        what = f"all {self.of_rows:,} rows" if self.whole else f"{self.rows:,} of {self.of_rows:,} rows"
        return (f"{self.model} by {way_words(self.way)}: {what} for {format_usd(self.cost)} "
                f"in {format_hours(self.hours)}")


@dataclass(frozen=True, repr=False)
class WhatFits(Result):
    """Every model and way that runs the whole dataset within the budget and deadline (cheapest
    first), then the ways that run part of it (most rows first); ``best`` is the first."""

    budget: Decimal
    deadline_hours: Decimal | None
    fits: tuple[Fit, ...]
    rows: int

    @property
    def best(self) -> Fit | None:
        return self.fits[0] if self.fits else None

    @property
    def whole(self) -> tuple[Fit, ...]:
        return tuple(f for f in self.fits if f.whole)

    def summary(self) -> str:
        within = f"{format_usd(self.budget)}" + (
            f" within {format_hours(self.deadline_hours)}" if self.deadline_hours is not None else "")
        if not self.fits:
            return f"nothing runs any of the {self.rows:,} rows for {within}"
        return f"for {within}: {self.fits[0].describe()}"

    def table(self) -> list[dict[str, Any]]:
        return [{"model": f.model, "way": f.way, "rows": f.rows, "of_rows": f.of_rows, "whole": f.whole,
                 "cost": f.cost, "hours": f.hours} for f in self.fits]

    def as_dict(self) -> dict[str, Any]:
        return {"budget": self.budget, "deadline_hours": self.deadline_hours, "rows": self.rows,
                "fits": self.table()}


def _fits(way: WayToRun, budget: Decimal, deadline: Decimal | None) -> bool:
    """Within the budget, and done by the deadline in the worst case (as the plan's deadline rule)."""
    return way.cost <= budget and (deadline is None or way.worst_case_hours <= deadline)


def _fits_of(est: Estimate, spend: Decimal, deadline: Decimal | None, opts: PlanOptions) -> list[Fit]:
    """Every way of running ``est``'s job that fits, whole or in part (the most rows that do)."""
    usage = est.profile.usage()
    if usage.requests == 0:
        return []
    model, batch_plan, _ = job_model(usage, est.priced, opts, max_tokens=est.profile.max_tokens)
    cache: dict[int, dict[str, WayToRun]] = {}

    def at(n: int) -> dict[str, WayToRun]:
        if n not in cache:
            cache[n] = {}
            for w in ways_at(usage, model, batch_plan, n):
                cache[n].setdefault(family(w.name), w)
        return cache[n]

    found = []
    name_of = est.priced.model.id
    for name, way in at(usage.requests).items():
        if _fits(way, spend, deadline):
            found.append(Fit(name_of, name, usage.requests, usage.requests, way.cost, way.worst_case_hours))
            continue
        lo, hi = 0, usage.requests  # the way fits lo rows (none, trivially), not hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            w = at(mid).get(name)
            if w is not None and _fits(w, spend, deadline):
                lo = mid
            else:
                hi = mid
        if lo > 0:
            w = at(lo)[name]
            found.append(Fit(name_of, name, lo, usage.requests, w.cost, w.worst_case_hours))
    return found


def what_fits(
    estimates: Sequence[Estimate],
    budget: Decimal | int | str,
    *,
    deadline_hours: Decimal | int | str | None = None,
    options: PlanOptions | None = None,
) -> WhatFits:
    """What ``budget`` buys by ``deadline_hours`` (None: no deadline; met in the worst case) for each
    of ``estimates`` (the same dataset, one estimate per model), on the time model of ``options``
    (rate limits, batch queue, tiers)."""
    spend = convert.money(budget, "budget")
    deadline = convert.optional(convert.number, deadline_hours, "deadline_hours")
    opts = options if options is not None else PlanOptions()
    convert.instance(opts, "options", PlanOptions)
    if isinstance(estimates, Estimate) or not all(isinstance(e, Estimate) for e in estimates):
        raise UsageError(f"{param('estimates')} must be a list of estimates of the same dataset", param="estimates")
    found = [f for est in estimates for f in _fits_of(est, spend, deadline, opts)]
    rows = max((est.profile.rows for est in estimates), default=0)
    whole = sorted((f for f in found if f.whole), key=lambda f: (f.cost, f.hours))
    part = sorted((f for f in found if not f.whole), key=lambda f: (-f.rows, f.cost, f.hours))
    return WhatFits(spend, deadline, (*whole, *part), rows)
