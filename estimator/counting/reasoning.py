"""Reasoning inside the expected output: a counted profile with the reasoning tokens a model adds.

Reasoning (thinking) tokens bill as output and count against ``max_tokens``. Before any answer
has been seen their length is the family's prior at the effort asked for (or the effort the model
uses when none is named: ``estimator.counting.priors``). Reasoning comes before the answer, so
under a cap ``C`` a request with a reasoning prior ``R`` and an answer ``a`` bills
``min(R, C)`` reasoning tokens and ``min(a, C - min(R, C))`` answer tokens: ``min(a + R, C)`` in
all. That map is monotone in ``a``, so per-row percentiles move exactly; totals are exact where
the per-row answer lengths are known (``TokenProfile.output_counts``) or no answer reaches the cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from estimator.counting.priors import LengthPrior, ReasoningOutput, output_prior
from estimator.counting.profile import Distribution, TokenProfile
from estimator.errors import UsageError, param

__all__ = ["reasoning_split", "with_reasoning"]


def reasoning_split(
    answers: Sequence[tuple[int, int]], reasoning: int, cap: int | None
) -> tuple[int, int]:
    """``(answer tokens, reasoning tokens)`` billed by requests of the given ``(answer, count)``
    pairs when each reasons ``reasoning`` tokens under ``cap`` (None: no cap)."""
    r = reasoning if cap is None else min(reasoning, cap)
    room = None if cap is None else cap - r
    answer = sum((a if room is None else min(a, room)) * n for a, n in answers)
    return answer, r * sum(n for _, n in answers)


def with_reasoning(profile: TokenProfile, effort: str | None = None, *,
                   caps: Sequence[int | None] | None = None, named: Mapping[str, int] | None = None) -> TokenProfile:
    """``profile`` with the reasoning its model adds at ``effort`` (default: the effort the model uses
    when a request names none) on top of every answer, from the family's prior.

    A profile without an output estimate (or of a model that does not reason at that effort) comes back
    unchanged but for a note; an effort the model does not take is a ``UsageError`` naming the ones it
    takes. The profile's answers must not include reasoning yet.

    ``caps``: each request's own ``max_tokens`` (a batch file's requests, each taken to reason at
    ``effort``). Reasoning counts against each cap, so it is added where the requests share one cap
    (or none has one) and otherwise left out with a note. ``named``: requests per reasoning effort the
    file's requests name themselves: without ``effort``, the most common of them is priced (an effort
    the model does not take is noted and its default priced instead).
    """
    asked, refused = effort, None
    if effort is None and caps is not None and named:
        effort = next(iter(named))  # most common first
        try:
            output_prior(profile.model, effort=effort)
        except UsageError as exc:
            refused = (f"the requests name reasoning effort {effort!r}, which {profile.model} does not take "
                       f"(the API would refuse them: {exc}); priced at the model's default")
            effort = None
    prior = output_prior(profile.model, effort=effort)
    if refused is not None:
        profile = replace(profile, notes=(*profile.notes, refused))
    if profile.output_per_row is None:
        if prior.reasoning is not None and profile.rows:
            note = (f"reasoning is not estimated either: {profile.model} reasons at effort {prior.effort} "
                    f"(prior {prior.reasoning.tokens:,} tokens per request, billed as output)")
            return replace(profile, notes=(*profile.notes, note))
        return profile
    if prior.reasoning is None:
        return profile
    cap = profile.max_tokens
    if caps is not None:
        read = _file_efforts_note(named or {}, profile.rows, prior.effort, asked)
        if len(set(caps)) > 1:
            note = (f"reasoning is NOT in the output: {profile.model} reasons at effort {prior.effort} (prior "
                    f"{prior.reasoning.tokens:,} tokens per request, billed as output), but the requests carry "
                    "different max_tokens, which reasoning counts against")
            return replace(profile, notes=(*profile.notes, note, read))
        cap = next(iter(caps), None)
        profile = replace(profile, notes=(*profile.notes, read))
    return _added(profile, prior.reasoning, prior.effort, prior.family, prior.reasoning_source,
                  prior.reasoning_basis, cap)


def _file_efforts_note(named: Mapping[str, int], requests: int, priced: str | None, asked: str | None) -> str:
    """What a batch file's requests say of their own reasoning effort, and the effort priced."""
    if not named:
        return (f"the requests name no reasoning effort (OpenAI reasoning_effort or reasoning.effort, Gemini "
                f"thinkingConfig; Anthropic thinking budgets are not read): each is taken to reason at effort {priced}; "
                f"set {param('reasoning_effort')} to choose another")
    said = ", ".join(f"{name}: {n:,}" for name, n in named.items())
    silent = requests - sum(named.values())
    said += f", none named: {silent:,}" if silent > 0 else ""
    if asked is not None:
        return f"priced at reasoning effort {priced} as {param('reasoning_effort')} says; the requests name ({said})"
    if len(named) == 1 and silent <= 0:
        return f"every request names reasoning effort {priced}, priced as such"
    return f"the requests name different reasoning efforts ({said}): all priced at {priced}, the most common"


def _added(profile: TokenProfile, p: LengthPrior, effort: str | None, family: str | None, source: str | None,
           basis: str | None, cap: int | None) -> TokenProfile:
    rows = profile.rows
    r = p.tokens if cap is None else min(p.tokens, cap)
    dist = profile.output_per_row
    assert dist is not None
    pairs = profile.output_counts
    exact_pairs = bool(pairs) and profile.sample is None and sum(n for _, n in pairs) == rows
    truncates = cap is not None and dist.max > cap - r

    def totals(reasoning: int) -> tuple[int, int]:
        """The job's (answer, reasoning) tokens with ``reasoning`` tokens per request."""
        if exact_pairs:
            return reasoning_split(pairs, reasoning, cap)
        _, think = reasoning_split([(0, rows)], reasoning, cap)
        if cap is None or dist.max <= cap - min(reasoning, cap):
            return profile.output_tokens, think
        if pairs:  # a sample's rows: their share of answer tokens kept under the cap
            kept, _ = reasoning_split(pairs, reasoning, cap)
            whole = sum(a * n for a, n in pairs)
            return (profile.output_tokens * kept // whole if whole else 0), think
        return min(profile.output_tokens, rows * (cap - min(reasoning, cap))), think  # at most

    answer, think = totals(p.tokens)
    low_answer, low_think = totals(p.low)
    high_answer, high_think = totals(p.high)

    def billed(a: int) -> int:
        return a + r if cap is None else min(a + r, cap)

    new_dist = Distribution(Decimal(answer + think) / Decimal(rows) if rows else Decimal(0), billed(dist.p50),
                            billed(dist.p95), billed(dist.max), billed(dist.min))
    counts: dict[int, int] = {}
    for a, n in pairs:
        counts[billed(a)] = counts.get(billed(a), 0) + n
    tiers = tuple(
        replace(t, output_tokens=(t.output_tokens + t.requests * r) if cap is None
                else min(t.output_tokens + t.requests * r, t.requests * cap))
        for t in profile.tiers)
    worst = profile.output_tokens_worst
    if worst is not None and cap is None:
        worst += think  # no cap: the worst case is the expected output (the prior's range is in the cost range)
    notes = [f"expected output includes reasoning: {p.tokens:,} tokens per request at effort {effort} for "
             f"{family} (a prior, range {p.low:,} to {p.high:,} per request; {basis})"]
    if cap is not None and (r < p.tokens or truncates):
        notes.append(f"reasoning counts against max_tokens {cap:,}: "
                     + (f"{r:,} reasoning tokens per request at most, " if r < p.tokens else "")
                     + "answers cut short where reasoning and answer together reach it")
    if truncates and not exact_pairs:
        notes.append("the answer tokens kept under the cap are estimated (the per-row lengths are not all known)")
    reasoning = ReasoningOutput(
        basis="prior", effort=effort, family=family, source=source, assumption=basis, per_request=r,
        low=p.low if cap is None else min(p.low, cap), high=p.high if cap is None else min(p.high, cap),
        tokens=think, answer_tokens=answer, output_low=low_answer + low_think, output_high=high_answer + high_think,
        capped=cap is not None and (r < p.tokens or truncates),
    )
    if (sentence := reasoning.dominance()) is not None:
        notes.append(sentence)
    return replace(
        profile, output_tokens=answer + think, output_tokens_worst=worst, output_per_row=new_dist,
        output_counts=tuple(sorted(counts.items())), tiers=tiers, reasoning=replace(reasoning, notes=tuple(notes)),
        notes=(*profile.notes, *notes),
    )
