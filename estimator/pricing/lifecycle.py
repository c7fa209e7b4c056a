"""Which models are current on a day: not launched yet, current, retiring (a shutdown announced) or retired.

A model's standing on a day comes from its price history and its ``shutdown_date``: before its
first price it is *upcoming*; from its shutdown date on it is *retired* (the API no longer serves
it); before that, a model whose shutdown is announced is *retiring*, and any other is *current*.
Front ends list current models first, badge retiring ones with their date, and keep retired ones
out of sight unless asked (``models_on``); ``default_model`` picks a current one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from estimator.errors import PricingError
from estimator.pricing.entries import Model

STATES = ("upcoming", "current", "retiring", "retired")


@dataclass(frozen=True)
class Standing:
    """A model's standing on ``day``: one of ``STATES``."""

    model: Model
    day: dt.date
    state: str

    @property
    def usable(self) -> bool:
        """Whether the API serves the model on the day (current or retiring)."""
        return self.state in ("current", "retiring")

    @property
    def badge(self) -> str:
        """A few words to put beside the model's name: ``retiring 2027-01-14``, ``retired 2026-02-19``,
        ``from 2026-11-17``; empty for a current model."""
        m = self.model
        if self.state == "retiring":
            return f"retiring {m.shutdown_date}"
        if self.state == "retired":
            return f"retired {m.shutdown_date}"
        if self.state == "upcoming":
            return f"from {m.launch}"
        return ""

    def describe(self) -> str:
        """One sentence on the standing, naming the successor the provider names, if any."""
        m = self.model
        after = f"; its provider names {m.successor} as its successor" if m.successor else ""
        if self.state == "retired":
            return f"{m.display_name} was shut down on {m.shutdown_date}: the API no longer serves it{after}"
        if self.state == "retiring":
            return f"{m.display_name} is retiring: the API stops serving it on {m.shutdown_date}{after}"
        if self.state == "upcoming":
            return f"{m.display_name} was not offered yet on {self.day}: its first price starts {m.launch}"
        return f"{m.display_name} is current"


def standing(model: Model, day: dt.date) -> Standing:
    """``model``'s standing on ``day``."""
    if day < model.launch:
        return Standing(model, day, "upcoming")
    if model.shutdown_date is not None:
        return Standing(model, day, "retired" if day >= model.shutdown_date else "retiring")
    return Standing(model, day, "current")


def models_on(models: Iterable[Model], day: dt.date, *, retired: bool = False,
              upcoming: bool = False) -> tuple[Standing, ...]:
    """The standing of each of ``models`` on ``day``, current ones first, then retiring (soonest
    shutdown last), then retired (with ``retired``) and not yet launched (with ``upcoming``);
    within a state the newest launch comes first."""
    order = {s: i for i, s in enumerate(("current", "retiring", "retired", "upcoming"))}
    found = [standing(m, day) for m in models]
    shown = [s for s in found if (retired or s.state != "retired") and (upcoming or s.state != "upcoming")]

    def key(s: Standing) -> tuple[int, int, int]:
        shutdown = s.model.shutdown_date.toordinal() if s.model.shutdown_date else 0
        return (order[s.state], -shutdown if s.state == "retiring" else 0, -s.model.launch.toordinal())

    return tuple(sorted(shown, key=key))


def default_model(models: Iterable[Model], day: dt.date, preferred: Sequence[str] = ()) -> Model:
    """The model to start from on ``day``: the first of ``preferred`` (ids or aliases) that is current
    then, else the newest current chat model, else the newest usable one."""
    pool = list(models)
    if not pool:
        raise PricingError("no models to choose from")
    for name in preferred:
        m = next((m for m in pool if name == m.id or name in m.aliases), None)
        if m is not None and standing(m, day).state == "current":
            return m
    ranked = models_on(pool, day, retired=True, upcoming=True)
    chat = [s for s in ranked if s.model.kind == "chat"] or list(ranked)
    return next((s.model for s in chat if s.state == "current"),
                next((s.model for s in chat if s.usable), chat[0].model))
