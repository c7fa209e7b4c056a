"""How long a job takes: synchronous requests under the rate limits, each tier's speed, batch waves.

Standard and streaming requests are limited by the account's rate limits and
by how many requests the client keeps in flight. Throughput in requests per
minute is the smallest of

* RPM (requests per minute),
* TPM / tokens counted per request. How providers count (assumption
  documented per table entry): OpenAI counts the prompt plus ``max_tokens``
  against TPM when a request is sent, so with ``max_tokens`` set we count
  input + max_tokens, otherwise input + expected output; Anthropic has
  separate input (ITPM) and output (OTPM) limits, with output settled at the
  real count when a request ends; Gemini's TPM counts input tokens only,
* concurrency × 60 / latency (a client with N requests in flight, each
  taking ``latency`` seconds).

Streaming does not change throughput (the same limits apply); it changes when
the first tokens arrive. Whether a tier (flex, priority, ultrafast) shares the
standard limits or has its own, and how much faster it answers, is
``TIER_TIME_RULES``, read from each provider's wording. Batch time comes from
``estimator.batch.logistics``: waves × completion window (worst case) or waves
× a typical wave time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from estimator.batch import BatchPlan
from estimator.formats import format_hours, format_number
from estimator.money import ZERO
from estimator.planning.limits import RateLimits, Throughput
from estimator.usage import RequestSize, Usage, fraction_decimal


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
    usage: Usage, limits: RateLimits, throughput: Throughput | None = None, mode: str = "standard"
) -> ModeTime:
    """Time to send every request of ``usage`` within the rate limits."""
    throughput = throughput or Throughput()
    size = RequestSize.of(usage)
    allowed = throughput_limits(size, limits, throughput)
    bottleneck = min(allowed, key=lambda k: allowed[k])
    rate = allowed[bottleneck]
    hours = fraction_decimal(Fraction(usage.requests) / rate / 60) if usage.requests else ZERO
    what = "streamed requests (same limits as standard)" if mode != "standard" else "standard requests"
    explanation = (
        f"{usage.requests:,} {what} at {format_number(fraction_decimal(rate))} requests/min, limited by "
        f"{_BOTTLENECK_WORDS[bottleneck]}: {format_hours(hours)}"
    )
    return ModeTime(mode, hours, hours, fraction_decimal(rate), bottleneck, explanation)


def batch_time(plan: BatchPlan) -> ModeTime:
    bottleneck = "queue" if plan.waves > 1 else "window"
    return ModeTime("batch", plan.typical_hours, plan.worst_case_hours, None, bottleneck, plan.describe())


def job_times(
    usage: Usage, limits: RateLimits, throughput: Throughput | None = None, plan: BatchPlan | None = None
) -> JobTimes:
    return JobTimes(
        standard=standard_time(usage, limits, throughput, "standard"),
        streaming_early_exit=standard_time(usage, limits, throughput, "streaming_early_exit"),
        batch=batch_time(plan) if plan is not None else None,
    )


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
