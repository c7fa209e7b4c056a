"""Why a bill differs from its estimate: the gap split into named causes, request by request.

The estimate of a request prices its counted input and expected output at the requested model's
rates on the day it was estimated, in the mode asked. The bill prices what the provider reported.
Between the two, one thing changes at a time, in this order, and each step's change in cost is
its cause's share:

1. **price date**: the requested model's rates on the day the batch ran, not the day estimated;
2. **model substitution**: the rates of the model that answered (a snapshot of the same model is
   the same model);
3. **input count**: the billed input tokens instead of the counted ones (all at the input rate);
4. **output length**: the billed output tokens that are not reasoning, instead of the expected output;
5. **reasoning**: the reasoning (thinking) tokens on top;
6. **cache hit rate**: cache reads at the cached rate and cache writes at the write rate of their lifetime;
7. **tier served**: the rates of the tier that served (a Fast request served at Standard);
8. **residency**: surcharges such as US-only inference (1.1x);
9. **tool fees**: server-tool uses (web search, grounding) at their fees;
10. **unreadable lines**: requests that ran (or may have) whose usage could not be read leave the
    known bill; what they may have cost is an interval beside it.

Every step is linear in token counts, so a cause's share over many requests is computed once, on
the summed tokens of the requests priced alike (``Tokens``, keyed by ``PricingKey``); the same
function gives one request's shares, so the parts always add up to the whole.
"""

from __future__ import annotations

import datetime as dt
import operator
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from estimator.convert import Document
from estimator.modes import ToolFee, UnitRates, token_cost, tool_fees, unit_rates
from estimator.money import MILLION, ZERO
from estimator.pricing import Price

__all__ = ["CAUSES", "GapAttribution", "PricingKey", "Tokens", "cause_label"]

CAUSES: tuple[tuple[str, str], ...] = (
    ("price_date", "price date"),
    ("model_substitution", "model substitution"),
    ("input_count", "input count"),
    ("output_length", "output length"),
    ("reasoning", "reasoning"),
    ("cache_hit_rate", "cache hit rate"),
    ("tier_served", "tier served"),
    ("residency", "residency"),
    ("tool_fees", "tool fees"),
    ("unreadable_lines", "unreadable lines"),
)
"""(key, words) of every cause, in the order the steps are taken."""

_LABELS = dict(CAUSES)
_STEP_CAUSES = tuple(key for key, _ in CAUSES[:-1])  # a step each (the unreadable lines are not one)


def cause_label(key: str) -> str:
    return _LABELS.get(key, key.replace("_", " "))


def segment(thresholds: tuple[int, ...], input_tokens: int) -> int:
    """Which stretch of prompt lengths ``input_tokens`` falls in under a price entry's ``thresholds``
    (0: below every long-context threshold)."""
    return bisect_left(thresholds, input_tokens) if thresholds else 0


class Tokens:
    """Token counts of one request, or summed over requests priced alike."""

    __slots__ = ("act_in", "act_out", "cached", "est_in", "est_out", "reasoning", "requests", "tools", "writes")

    def __init__(self, est_in: int = 0, est_out: int = 0, act_in: int = 0, act_out: int = 0, reasoning: int = 0,
                 cached: int = 0, writes: Mapping[str, int] | None = None, tools: Mapping[str, int] | None = None,
                 requests: int = 1) -> None:
        self.requests, self.est_in, self.est_out = requests, est_in, est_out
        self.act_in, self.act_out, self.reasoning, self.cached = act_in, act_out, reasoning, cached
        self.writes: dict[str, int] = dict(writes) if writes else {}
        self.tools: dict[str, int] = dict(tools) if tools else {}

    def add(self, other: Tokens) -> None:
        self.requests += other.requests
        self.est_in += other.est_in
        self.est_out += other.est_out
        self.act_in += other.act_in
        self.act_out += other.act_out
        self.reasoning += other.reasoning
        self.cached += other.cached
        for ttl, n in other.writes.items():
            self.writes[ttl] = self.writes.get(ttl, 0) + n
        for unit, n in other.tools.items():
            self.tools[unit] = self.tools.get(unit, 0) + n

    @property
    def uncached(self) -> int:
        return self.act_in - self.cached - sum(self.writes.values())


class PricingKey(NamedTuple):
    """What decides the rates of a request at each step: the stretch of prompt length its counted and
    billed input fall in under each price entry, the model that answered, the tier that served, the
    surcharges that applied."""

    estimated_segment: int
    requested_segment: int
    answer_estimated_segment: int
    answer_segment: int
    answer: str
    served: str
    uplifts: tuple[str, ...]
    ttls: tuple[str, ...]
    tools: tuple[str, ...]


@dataclass
class StepRates:
    """The rates of every step for one ``PricingKey``, and what the tables cannot price."""

    estimated: UnitRates
    run_day: UnitRates
    answered: UnitRates
    answered_billed: UnitRates
    served: UnitRates
    residency: UnitRates
    fees: Mapping[str, ToolFee]
    notes: tuple[str, ...] = ()


@dataclass
class Prices:
    """The price entries a reconciliation prices with, and rates worked out once per key."""

    estimated: Price  # the requested model on the day it was estimated
    requested: Price  # the requested model on the day the batch ran
    answers: dict[str, Price]  # model id -> its entry on the day the batch ran
    mode: str
    day: dt.date
    cache: dict[PricingKey, StepRates] = field(default_factory=dict)

    def step_rates(self, key: PricingKey, lengths: tuple[int, int, int, int]) -> StepRates:
        """The rates of ``key``; ``lengths`` are a request's counted input under each entry and its
        billed input (any request of the key gives the same rates)."""
        found = self.cache.get(key)
        if found is None:
            est_in, _, _, act_in = lengths
            answer = self.answers[key.answer]
            served = unit_rates(answer, key.served, input_tokens=act_in, ttls=key.ttls)
            found = StepRates(
                estimated=unit_rates(self.estimated, self.mode, input_tokens=est_in),
                run_day=unit_rates(self.requested, self.mode, input_tokens=est_in),
                answered=unit_rates(answer, self.mode, input_tokens=est_in),
                answered_billed=unit_rates(answer, self.mode, input_tokens=act_in, ttls=key.ttls),
                served=served,
                residency=unit_rates(answer, key.served, input_tokens=act_in, ttls=key.ttls, uplifts=key.uplifts),
                fees=tool_fees(answer, key.served, self.day, key.tools),
            )
            self.cache[key] = found
        return found


def step_costs(t: Tokens, r: StepRates) -> tuple[Decimal, ...]:
    """The cost after each step: the estimate, then steps 1 to 9 (the last is the bill).

    A product that two steps share is worked out once (the same operation on the same figures: the
    same Decimal, exponent included)."""
    est_in, est_out, act_in = Decimal(t.est_in), Decimal(t.est_out), Decimal(t.act_in)
    e = (est_in * r.estimated.input + est_out * r.estimated.output) / MILLION
    p1 = (est_in * r.run_day.input + est_out * r.run_day.output) / MILLION
    p2 = (est_in * r.answered.input + est_out * r.answered.output) / MILLION
    b = r.answered_billed
    billed_in = act_in * b.input
    p3 = (billed_in + est_out * b.output) / MILLION
    p4 = (billed_in + Decimal(t.act_out - t.reasoning) * b.output) / MILLION
    p5 = (billed_in + Decimal(t.act_out) * b.output) / MILLION
    uncached, cached, output = t.uncached, t.cached, t.act_out
    p6 = token_cost(b, uncached=uncached, cached=cached, writes=t.writes, output=output)
    p7 = token_cost(r.served, uncached=uncached, cached=cached, writes=t.writes, output=output)
    p8 = token_cost(r.residency, uncached=uncached, cached=cached, writes=t.writes, output=output)
    if not t.tools:
        return e, p1, p2, p3, p4, p5, p6, p7, p8, p8 + ZERO
    fees = sum((Decimal(n) * f.per_use for unit, n in t.tools.items()
                if (f := r.fees.get(unit)) is not None and f.per_use is not None), ZERO)
    return e, p1, p2, p3, p4, p5, p6, p7, p8, p8 + fees


def cause_shares(costs: tuple[Decimal, ...]) -> tuple[tuple[str, Decimal], ...]:
    """Each cause's share from the cost after each step, as ``(cause, amount)`` in the causes' order
    (the unreadable lines are not a step)."""
    return tuple(zip(_STEP_CAUSES, map(operator.sub, costs[1:], costs[:-1]), strict=True))


@dataclass(frozen=True)
class GapAttribution(Document):
    """The estimate, the known bill, and the gap between them split into named causes.

    ``causes`` add up to ``actual - estimated`` exactly; ``unknown_low``/``unknown_high`` is what the
    requests whose usage could not be read may have cost on top of ``actual``.
    """

    estimated: Decimal
    actual: Decimal
    causes: tuple[tuple[str, Decimal], ...]
    unknown_low: Decimal = ZERO
    unknown_high: Decimal | None = ZERO

    @property
    def gap(self) -> Decimal:
        return self.actual - self.estimated

    def share(self, cause: str) -> Decimal:
        return dict(self.causes).get(cause, ZERO)

    def steps(self) -> list[tuple[str, Decimal]]:
        """(words, amount) of every cause that moved the cost, in order (for a waterfall)."""
        return [(cause_label(k), v) for k, v in self.causes if v != 0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "estimated": self.estimated,
            "actual": self.actual,
            "gap": self.gap,
            "causes": {k: v for k, v in self.causes},
            "unknown_usage_cost": {"low": self.unknown_low, "high": self.unknown_high},
        }
