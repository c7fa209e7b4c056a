"""An independent reading of the providers' published pricing rules, for the tests.

Written from the providers' pages (OpenAI's pricing, Priority/Fast, Flex, Ultrafast and prompt
caching pages; Anthropic's pricing, fast-mode, batch and data-residency pages; Google's pricing,
batch, Flex and Priority pages), not from ``estimator``: it reads the raw TOML with ``tomllib``
for the published Standard figures only (input, output, cached input, cache writes, long-context
rows) and applies the rules below to them. ``tests/test_rules_reference.py`` compares what it
gives with ``estimator.price`` for every model, dated entry, tier, cache TTL, prefix size and
long-context boundary. A rule changed here must be changed from a provider's page, never to make
the library agree.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

MILLION = Decimal(1_000_000)
PRICING = Path(__file__).resolve().parent.parent / "pricing"

# ---------------------------------------------------------------- the rules, per provider page

# Batch: half of Standard on every token class (all three providers' batch pages).
BATCH = Decimal("0.5")
# Flex: half of Standard (OpenAI Flex page: "billed at Batch rates"; Google Flex page).
FLEX = Decimal("0.5")
# Priority / Fast: the provider's multiplier, or the model's own row where the page prints another.
PRIORITY = {"openai": Decimal(2), "anthropic": Decimal(2), "google": Decimal("1.8")}
PRIORITY_BY_MODEL = {
    # https://openai.com/api-priority-processing/ and https://openai.com/api-fast-mode/
    "gpt-4o": Decimal("1.7"), "gpt-4o-2024-08-06": Decimal("1.7"), "gpt-4o-2024-11-20": Decimal("1.7"),
    "gpt-4o-2024-05-13": Decimal("1.75"), "gpt-4.1": Decimal("1.75"), "gpt-4.1-mini": Decimal("1.75"),
    "o3": Decimal("1.75"), "gpt-5-mini": Decimal("1.8"), "gpt-5.5": Decimal("2.5"),
    # https://platform.claude.com/docs/en/build-with-claude/fast-mode: 6x on Opus 4.6 and 4.7
    "claude-opus-4-6": Decimal(6), "claude-opus-4-7": Decimal(6),
}
# Rows printed as figures, not as a multiple (input, cached input, output).
PRIORITY_FIGURES = {
    "gpt-4o-mini": (Decimal("0.25"), Decimal("0.125"), Decimal("1.00")),
    "o4-mini": (Decimal("2.00"), Decimal("0.50"), Decimal("8.00")),
}
# "Requests estimated at >128K prompt tokens" run and bill at Standard (footnote 1 of the Priority page).
PRIORITY_STANDARD_ABOVE = {
    "gpt-4.1": 128_000, "gpt-4.1-mini": 128_000, "gpt-4.1-nano": 128_000, "gpt-5": 128_000,
    "gpt-5-mini": 128_000, "gpt-5.1": 128_000, "gpt-5.2": 128_000, "gpt-5.4": 128_000,
    "gpt-5.4-mini": 128_000, "gpt-5.5": 128_000,
}
# Ultrafast: 6x Standard (OpenAI Ultrafast guide); GPT-6.2 introductory 3x until 2027-03-01.
ULTRAFAST = Decimal(6)
ULTRAFAST_INTRO = {"gpt-6.2-astra": (Decimal(3), dt.date(2027, 3, 1)), "gpt-6.2-sol": (Decimal(3), dt.date(2027, 3, 1))}

# Cached tokens inside a batch: OpenAI's Batch table prints no cached price for GPT-4o, GPT-4.1
# and the o-series (they cost the batch input price); Google's Batch tab shows the Standard
# caching price for Gemini 2.x, 3 Pro/Flash Preview and 3.1 Pro Preview; elsewhere caching
# stacks with the batch discount.
BATCH_CACHE_AT_BATCH_INPUT = {
    "gpt-4o", "gpt-4o-2024-05-13", "gpt-4o-2024-08-06", "gpt-4o-2024-11-20", "gpt-4o-mini", "gpt-4.1",
    "gpt-4.1-mini", "gpt-4.1-nano", "o1", "o3", "o4-mini", "o3-mini",
}
STANDARD_CACHE_IN_BATCH = {
    "gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-3-pro-preview",
    "gemini-3-flash-preview", "gemini-3.1-pro-preview",
}
STANDARD_CACHE_IN_FLEX = {
    "gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-3-flash-preview", "gemini-3.1-pro-preview",
}
# Cached prices the pages print rounded, or as figures of their own.
BATCH_CACHED_FIGURES = {("gpt-5.4", 0): Decimal("0.13"), ("gemini-3.5-flash-lite", 0): Decimal("0.02")}
FLEX_CACHED_FIGURES = {("gpt-5.4", 0): Decimal("0.13"), ("o4-mini", 0): Decimal("0.138"),
                       ("gemini-3.5-flash-lite", 0): Decimal("0.02")}
PRIORITY_CACHED_FIGURES = {("gemini-3.5-flash-lite", 0): Decimal("0.05")}

# OpenAI: 12-hour cache writes cost 2.5 x input from GPT-5.6 on (GPT-6.1 Terra model page).
TWELVE_HOUR_WRITE = Decimal("2.5")
GPT_56_LAUNCH = dt.date(2026, 7, 9)
# OpenAI: before GPT-5.6, cache hits come in 128-token increments above 1,024.
OPENAI_HIT_INCREMENT = 128


@dataclass(frozen=True)
class Probe:
    """One request of ``input_tokens`` (of which ``prefix`` are a shared prefix) and ``output_tokens``."""

    input_tokens: int
    output_tokens: int
    prefix: int = 0
    hit: bool = False  # the prefix is read from the cache (True) or written to it (False)
    ttl: str | None = None


def load(provider: str) -> dict[str, Any]:
    with open(PRICING / f"{provider}.toml", "rb") as f:
        return tomllib.load(f, parse_float=Decimal)


def models(provider: str) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(provider file, model, dated entry) for every entry of every model."""
    data = load(provider)
    for m in data["models"]:
        for entry in m["prices"]:
            yield data, m, entry


def _launch(m: dict[str, Any]) -> dt.date:
    return min(p["effective_from"] for p in m["prices"])


def _row(entry: dict[str, Any], input_tokens: int) -> tuple[dict[str, Any], int]:
    """The figures that bill a request of ``input_tokens``: the entry, or the long-context row it exceeds."""
    row, index = entry, 0
    for i, tier in enumerate(entry.get("tiers", []), start=1):
        if input_tokens > tier["above_input_tokens"]:
            row, index = tier, i
    return row, index


def _write(data: dict[str, Any], m: dict[str, Any], row: dict[str, Any], ttl: str | None) -> Decimal | None:
    """The cache-write price for ``ttl`` on the Standard tier; None: the TTL is not sold."""
    if ttl in (None, "default", "5m"):
        return row.get("cache_write_per_mtok", row["input_per_mtok"])
    if ttl == "1h":
        return row.get("cache_write_1h_per_mtok")
    if ttl == "12h" and data["provider"] == "openai" and _launch(m) >= GPT_56_LAUNCH:
        return row["input_per_mtok"] * TWELVE_HOUR_WRITE
    return None


def _min_prefix(data: dict[str, Any], m: dict[str, Any]) -> int:
    return int(m.get("min_cacheable_tokens") or data["caching"]["min_cacheable_tokens"])


def _cached_tokens(data: dict[str, Any], m: dict[str, Any], prefix: int) -> int:
    if data["provider"] == "openai" and _launch(m) < GPT_56_LAUNCH and prefix >= 1024:
        return 1024 + (prefix - 1024) // OPENAI_HIT_INCREMENT * OPENAI_HIT_INCREMENT
    return prefix


def cost(data: dict[str, Any], m: dict[str, Any], entry: dict[str, Any], mode: str, probe: Probe,
         day: dt.date) -> Decimal | None:
    """What the probe costs in ``mode`` on ``day`` by the published rules; None: no price by these rules."""
    provider, mid = data["provider"], m["id"]
    row, index = _row(entry, probe.input_tokens)
    inp, out = row["input_per_mtok"], row.get("output_per_mtok") or Decimal(0)
    cached = row.get("cached_input_per_mtok", inp)
    if data["caching"]["available_from"] > day:
        cached = inp
    write = _write(data, m, row, probe.ttl)
    if write is None:
        return None
    factor, cached_rate, write_rate = Decimal(1), cached, write
    if mode == "batch":
        factor = BATCH
        if mid in BATCH_CACHE_AT_BATCH_INPUT:
            cached_rate = inp  # x factor below: the batch input price
        elif mid in STANDARD_CACHE_IN_BATCH:
            cached_rate = cached / BATCH  # stays at the standard cached price after the factor
        if (mid, index) in BATCH_CACHED_FIGURES and entry.get("batch_cached_input_per_mtok") is not None:
            cached_rate = BATCH_CACHED_FIGURES[(mid, index)] / BATCH
    elif mode == "flex":
        factor = FLEX
        if mid in STANDARD_CACHE_IN_FLEX:
            cached_rate = cached / FLEX
        if (mid, index) in FLEX_CACHED_FIGURES:
            cached_rate = FLEX_CACHED_FIGURES[(mid, index)] / FLEX
    elif mode == "priority":
        limit = PRIORITY_STANDARD_ABOVE.get(mid)
        if limit is not None and probe.input_tokens > limit:
            factor = Decimal(1)  # runs and bills at Standard
        elif mid in PRIORITY_FIGURES:
            p_in, p_cached, p_out = PRIORITY_FIGURES[mid]
            return _total(probe, p_in, p_out, p_cached, p_in, data, m, entry)
        else:
            factor = PRIORITY_BY_MODEL.get(mid, PRIORITY[provider])
            if (mid, index) in PRIORITY_CACHED_FIGURES:
                cached_rate = PRIORITY_CACHED_FIGURES[(mid, index)] / factor
    elif mode == "ultrafast":
        factor = ULTRAFAST
        intro = ULTRAFAST_INTRO.get(mid)
        if intro is not None and day < intro[1]:
            factor = intro[0]
    return _total(probe, inp * factor, out * factor, min(cached_rate * factor, inp * factor), write_rate * factor,
                  data, m, entry)


def _total(probe: Probe, inp: Decimal, out: Decimal, cached: Decimal, write: Decimal, data: dict[str, Any],
           m: dict[str, Any], entry: dict[str, Any]) -> Decimal:
    prefix = probe.prefix if probe.prefix >= _min_prefix(data, m) else 0
    reads = writes = 0
    if prefix:
        if probe.hit:
            reads = _cached_tokens(data, m, prefix)
        else:
            writes = prefix
    plain = probe.input_tokens - reads - writes
    total = plain * inp + reads * cached + writes * write + probe.output_tokens * out
    return total / MILLION


def round_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.000000001"), rounding=ROUND_CEILING)
