"""The account's rate limits and how a client sends requests: the inputs of every time estimate.

The examples are published limits of one tier for one model: a start, not the
user's account. Replace them with the numbers on the account's limits page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from estimator import convert
from estimator.convert import set_field
from estimator.errors import UsageError, param

DEFAULT_CONCURRENCY = 50
"""Requests a client keeps in flight: an assumption; typical async clients use 10-100."""

DEFAULT_LATENCY_SECONDS = Decimal(10)
"""Seconds one request takes end to end: an assumption (about 500-1,000 output tokens at
50-100 tokens per second). Measure your own."""


@dataclass(frozen=True)
class RateLimits:
    """Per-minute limits of one account for one model. ``None``: no such limit.

    ``tpm_counts`` says what the provider counts against ``tpm``:
    ``"input+max_tokens"`` (OpenAI: prompt plus max_tokens, or the expected
    output when max_tokens is not set) or ``"input"`` (Gemini).
    ``input_tpm``/``output_tpm`` are Anthropic's separate ITPM and OTPM.
    """

    rpm: int | None = None
    tpm: int | None = None
    tpm_counts: str = "input+max_tokens"
    input_tpm: int | None = None
    output_tpm: int | None = None

    def __post_init__(self) -> None:
        if self.tpm_counts not in ("input+max_tokens", "input"):
            raise UsageError(f"{param('tpm_counts')} must be 'input+max_tokens' or 'input', got {self.tpm_counts!r}",
                             param="tpm_counts")
        for name in ("rpm", "tpm", "input_tpm", "output_tpm"):
            set_field(self, name, convert.optional(convert.count, getattr(self, name), name, minimum=1))


@dataclass(frozen=True)
class RateLimitExample:
    """Published limits of one tier for one model: an example, not your account."""

    key: str
    provider: str
    tier: str
    model: str
    limits: RateLimits
    batch_queue_tokens: int | None  # enqueued prompt tokens (OpenAI, Gemini)
    batch_queue_requests: int | None  # requests in the processing queue (Anthropic)
    source: str
    note: str = ""


_OPENAI_SRC = "https://platform.openai.com/docs/models/gpt-4o"  # the rate-limit table by usage tier
_ANTHROPIC_SRC = "https://docs.anthropic.com/en/api/rate-limits"
_GOOGLE_SRC = "https://ai.google.dev/gemini-api/docs/rate-limits"


_UNCONFIRMED = "not confirmed against the provider's current page: check your account's limits page"


def _openai(tier: int, rpm: int, tpm: int, queue: int, confirmed: bool = False) -> RateLimitExample:
    return RateLimitExample(
        f"openai-tier-{tier}", "openai", f"Tier {tier}", "gpt-4o",
        RateLimits(rpm=rpm, tpm=tpm, tpm_counts="input+max_tokens"), queue, None, _OPENAI_SRC,
        "" if confirmed else _UNCONFIRMED,
    )


def _anthropic(tier: int, rpm: int, itpm: int, otpm: int, queue: int) -> RateLimitExample:
    return RateLimitExample(
        f"anthropic-tier-{tier}", "anthropic", f"Tier {tier}", "Claude Sonnet 4.x",
        RateLimits(rpm=rpm, input_tpm=itpm, output_tpm=otpm), None, queue, _ANTHROPIC_SRC,
        "cache reads do not count against ITPM on current models; this table counts all input (conservative)",
    )


def _gemini(key: str, tier: str, model: str, rpm: int, tpm: int, queue: int) -> RateLimitExample:
    return RateLimitExample(
        key, "google", tier, model, RateLimits(rpm=rpm, tpm=tpm, tpm_counts="input"), queue, None, _GOOGLE_SRC,
        "as published in 2025; Google now shows each project's limits only in AI Studio; " + _UNCONFIRMED,
    )


# Examples to start from; every account differs and the figures change. Replace them with the
# numbers on your account's limits page (OpenAI: Settings > Limits; Anthropic: Console > Limits;
# Gemini: AI Studio > Rate limit). Read 2025; older pages listed other figures (e.g. OpenAI Tier 4
# gpt-4o at 800,000 TPM and an 80,000,000-token queue).
RATE_LIMIT_EXAMPLES: tuple[RateLimitExample, ...] = (
    # OpenAI gpt-4o: RPM, TPM (input + max_tokens), batch queue limit (enqueued prompt tokens).
    _openai(1, 500, 30_000, 90_000, confirmed=True),
    _openai(2, 5_000, 450_000, 1_350_000),
    _openai(3, 5_000, 800_000, 50_000_000),
    _openai(4, 10_000, 2_000_000, 200_000_000),
    _openai(5, 10_000, 30_000_000, 5_000_000_000),
    # Anthropic Claude Sonnet 4.x: RPM, ITPM, OTPM; Message Batches: requests in the processing queue.
    _anthropic(1, 50, 30_000, 8_000, 100_000),
    _anthropic(2, 1_000, 450_000, 90_000, 200_000),
    _anthropic(3, 2_000, 800_000, 160_000, 300_000),
    _anthropic(4, 4_000, 2_000_000, 400_000, 500_000),
    # Gemini: RPM, TPM (input only), batch enqueued tokens.
    _gemini("gemini-flash-tier-1", "Tier 1", "gemini-2.5-flash", 1_000, 1_000_000, 3_000_000),
    _gemini("gemini-pro-tier-1", "Tier 1", "gemini-2.5-pro", 150, 2_000_000, 5_000_000),
    _gemini("gemini-pro-tier-2", "Tier 2", "gemini-2.5-pro", 1_000, 5_000_000, 500_000_000),
)


def rate_limit_example(key: str) -> RateLimitExample:
    """The published limits named ``key`` (e.g. ``"openai-tier-1"``): an example, not your account."""
    for ex in RATE_LIMIT_EXAMPLES:
        if ex.key == key:
            return ex
    known = ", ".join(ex.key for ex in RATE_LIMIT_EXAMPLES)
    raise UsageError(f"no rate-limit example {key!r}; known: {known}. Or give {param('rpm')}/{param('tpm')} "
                     "yourself.", param="limits")


@dataclass(frozen=True)
class Throughput:
    """How the client sends requests."""

    concurrency: int = DEFAULT_CONCURRENCY
    latency_seconds: Decimal = DEFAULT_LATENCY_SECONDS
    max_tokens: int | None = None  # counted against OpenAI-style TPM instead of the expected output

    def __post_init__(self) -> None:
        set_field(self, "concurrency", convert.count(self.concurrency, "concurrency", minimum=1))
        set_field(self, "latency_seconds", convert.number(self.latency_seconds, "latency_seconds", above=True))
        set_field(self, "max_tokens", convert.optional(convert.count, self.max_tokens, "max_tokens", minimum=1))
