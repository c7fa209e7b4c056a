"""Output-length priors: the answer and the reasoning to expect per request before any has been seen.

The figures live in ``priors.toml`` beside this module, each family with the provider page it
rests on and a wide range; they are *priors* (guesses within documented bounds), and everything
that shows one says so. A pilot's measured lengths replace them (``estimator.piloting``).
Reasoning (thinking) tokens bill as output.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estimator import convert
from estimator.errors import UsageError, param

__all__ = ["LengthPrior", "OutputPrior", "ReasoningOutput", "output_prior", "reasoning_efforts"]

PRIORS_FILE = Path(__file__).with_name("priors.toml")
NO_REASONING = "none"
DOMINANT = 0.5
"""Reasoning dominates the output when it is more than this share of the output tokens."""


@dataclass(frozen=True)
class LengthPrior:
    """Tokens per request: a central guess, the range of a job's mean per request, and the spread
    of one request about that mean (standard deviation / mean)."""

    tokens: int
    low: int
    high: int
    cv: float

    @property
    def spread(self) -> float:
        """Standard deviation of one request's length."""
        return self.cv * self.tokens


@dataclass(frozen=True)
class ReasoningFamily:
    family: str
    match: tuple[str, ...]
    default: str
    source: str
    basis: str
    efforts: dict[str, LengthPrior]
    turns_off: bool  # reasoning can be turned off ("none") on these models


@dataclass(frozen=True)
class OutputPrior:
    """What one request is expected to bill as output before a pilot: answer plus reasoning.

    ``answer_given``: the answer length is the caller's figure, not the prior. ``reasoning`` is
    ``None`` when the model does not reason at ``effort``.
    """

    model: str
    answer: LengthPrior
    answer_given: bool
    answer_source: str
    reasoning: LengthPrior | None
    effort: str | None
    family: str | None
    reasoning_source: str | None
    reasoning_basis: str | None

    @property
    def tokens(self) -> int:
        """Expected output tokens per request (answer and reasoning)."""
        return self.answer.tokens + (self.reasoning.tokens if self.reasoning else 0)

    @property
    def low(self) -> int:
        return self.answer.low + (self.reasoning.low if self.reasoning else 0)

    @property
    def high(self) -> int:
        return self.answer.high + (self.reasoning.high if self.reasoning else 0)

    @property
    def spread(self) -> float:
        """Standard deviation of one request's output (answer and reasoning taken as independent)."""
        r = self.reasoning.spread if self.reasoning else 0.0
        return math.hypot(self.answer.spread, r)

    @property
    def reasoning_share(self) -> float:
        return (self.reasoning.tokens / self.tokens) if self.reasoning and self.tokens else 0.0

    def describe(self) -> str:
        answer = (f"answer {self.answer.tokens:,} tokens as given" if self.answer_given else
                  f"answer {self.answer.tokens:,} tokens (prior, range {self.answer.low:,} to {self.answer.high:,})")
        if self.reasoning is None:
            return f"output per request: {answer}; no reasoning"
        return (f"output per request: {answer} + reasoning {self.reasoning.tokens:,} tokens (prior for "
                f"{self.family} at effort {self.effort}, range {self.reasoning.low:,} to {self.reasoning.high:,}; "
                f"{self.reasoning_source})")

    def as_dict(self) -> dict[str, Any]:
        def one(p: LengthPrior | None) -> dict[str, Any] | None:
            return None if p is None else {"tokens": p.tokens, "low": p.low, "high": p.high, "cv": p.cv}

        return {
            "kind": "prior",
            "model": self.model,
            "answer": {**(one(self.answer) or {}), "given": self.answer_given, "source": self.answer_source},
            "reasoning": None if self.reasoning is None else {
                **(one(self.reasoning) or {}), "effort": self.effort, "family": self.family,
                "source": self.reasoning_source, "basis": self.reasoning_basis},
            "tokens_per_request": self.tokens,
        }


def _length(raw: dict[str, Any], where: str) -> LengthPrior:
    p = LengthPrior(int(raw["tokens"]), int(raw["low"]), int(raw["high"]), float(raw["cv"]))
    if not (0 <= p.low <= p.tokens <= p.high) or p.cv <= 0:
        raise ValueError(f"{PRIORS_FILE.name}: {where}: need 0 <= low <= tokens <= high and cv > 0")
    return p


@functools.cache
def _table() -> tuple[LengthPrior, str, tuple[ReasoningFamily, ...]]:
    with open(PRIORS_FILE, "rb") as f:
        data = tomllib.load(f)
    answer = _length(data["answer"], "answer")
    families = []
    for raw in data["reasoning"]:
        efforts = {name: _length(v, f"{raw['family']} {name}") for name, v in raw["efforts"].items()}
        if raw["default"] != NO_REASONING and raw["default"] not in efforts:
            raise ValueError(f"{PRIORS_FILE.name}: {raw['family']}: default effort {raw['default']!r} has no figures")
        turns_off = raw["default"] == NO_REASONING or bool(raw.get("turns_off", False))
        families.append(ReasoningFamily(raw["family"], tuple(raw["match"]), raw["default"], raw["source"],
                                        raw["basis"], efforts, turns_off))
    return answer, data["answer"]["source"], tuple(families)


def reasoning_family(model: str) -> ReasoningFamily | None:
    """The family of reasoning models ``model`` belongs to, or ``None`` (it does not reason)."""
    for fam in _table()[2]:
        if any(re.search(pattern, model) for pattern in fam.match):
            return fam
    return None


def output_prior(model: str, *, effort: str | None = None, answer_tokens: int | None = None) -> OutputPrior:
    """The prior output per request of ``model`` at reasoning ``effort`` (default: the effort the
    model uses when a request names none). ``answer_tokens`` replaces the answer's prior."""
    model = convert.text(model, "model", example="'gpt-5'")
    effort = convert.optional(convert.text, effort, "reasoning_effort", example="'high'")
    answer_tokens = convert.optional(convert.count, answer_tokens, "output_tokens")
    answer, answer_source, _ = _table()
    if answer_tokens is not None:
        answer = LengthPrior(answer_tokens, answer_tokens, answer_tokens, answer.cv)
    fam = reasoning_family(model)
    if fam is None:
        if effort not in (None, NO_REASONING):
            raise UsageError(f"{model} does not reason: leave out {param('reasoning_effort')} (or give "
                             f"{NO_REASONING!r}, the only effort it takes)", param="reasoning_effort")
        return OutputPrior(model, answer, answer_tokens is not None, answer_source, None, None, None, None, None)
    chosen = (effort or fam.default).lower()
    if chosen not in _allowed(fam):
        raise UsageError(f"{param('reasoning_effort')} {effort!r} is not one {fam.family} takes here; use one of "
                         f"{', '.join(_allowed(fam))}", param="reasoning_effort")
    reasoning = None if chosen == NO_REASONING else fam.efforts[chosen]
    return OutputPrior(model, answer, answer_tokens is not None, answer_source, reasoning, chosen, fam.family,
                       fam.source, fam.basis)


def reasoning_efforts(model: str) -> tuple[str | None, tuple[str, ...]]:
    """The effort ``model`` reasons at when a request names none (``None``: it does not reason by
    default) and every effort it takes (empty: it does not reason), in the provider's words."""
    fam = reasoning_family(convert.text(model, "model", example="'gpt-5'"))
    if fam is None:
        return None, ()
    return (None if fam.default == NO_REASONING else fam.default), _allowed(fam)


def _allowed(fam: ReasoningFamily) -> tuple[str, ...]:
    """The efforts a family takes: "none" only where reasoning can be turned off."""
    return (NO_REASONING, *fam.efforts) if fam.turns_off else tuple(fam.efforts)


@dataclass(frozen=True)
class ReasoningOutput:
    """The reasoning (thinking) tokens inside a job's expected output, and where the figure comes from.

    ``basis`` is ``"prior"`` (the family's documented prior at ``effort``, ``low``..``high`` tokens per
    request) or ``"measured"`` (a pilot's results: the measured share of the output that was reasoning).
    ``per_request`` is reasoning tokens per request after any ``max_tokens`` cap; ``tokens`` the job's
    total; ``output_low``/``output_high`` the job's whole output (answer and reasoning) at the ends of
    the prior's range, so a cost range can carry it.
    """

    basis: str
    effort: str | None
    family: str | None
    source: str | None
    assumption: str | None
    per_request: int
    low: int
    high: int
    tokens: int
    answer_tokens: int
    output_low: int
    output_high: int
    capped: bool = False
    notes: tuple[str, ...] = ()  # how the reasoning was added (the estimate's notes, with ``dominance()``)

    @property
    def output_tokens(self) -> int:
        return self.answer_tokens + self.tokens

    @property
    def share(self) -> float:
        """Share of the expected output tokens that are reasoning."""
        return self.tokens / self.output_tokens if self.output_tokens else 0.0

    @property
    def dominates(self) -> bool:
        return self.output_tokens > 0 and self.tokens > DOMINANT * self.output_tokens

    @property
    def has_range(self) -> bool:
        return (self.output_low, self.output_high) != (self.output_tokens, self.output_tokens)

    def describe(self) -> str:
        if self.basis == "measured":
            return (f"reasoning: {self.tokens:,} tokens in all, {self.share:.0%} of the output as measured by a "
                    "pilot (the learned lengths replace the reasoning prior)")
        cap = ", capped by max_tokens" if self.capped else ""
        return (f"reasoning: {self.per_request:,} tokens per request{cap} (prior for {self.family} at effort "
                f"{self.effort}, range {self.low:,} to {self.high:,} per request; {self.source})")

    def dominance(self) -> str | None:
        """A plain sentence when reasoning is most of the output, else ``None``."""
        if not self.dominates:
            return None
        return (f"reasoning dominates the output: {self.share:.0%} of the expected output tokens are reasoning, "
                "billed as output though never shown in the answer")

    def as_dict(self) -> dict[str, Any]:
        prior = None if self.basis != "prior" else {
            "family": self.family, "effort": self.effort, "tokens_per_request": self.per_request,
            "range_per_request": [self.low, self.high], "capped": self.capped, "source": self.source,
            "basis": self.assumption,
        }
        return {"answer_tokens": self.answer_tokens, "reasoning_tokens": self.tokens,
                "reasoning_basis": self.basis, "reasoning_prior": prior, "reasoning_share": round(self.share, 4),
                "reasoning_dominates": self.dominates, "output_tokens_range": [self.output_low, self.output_high]}
