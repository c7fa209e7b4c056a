"""The library prices every model, dated entry and tier as the providers' published rules do.

``tests/rules_reference.py`` reads the raw tables and applies the rules as the providers' pages
state them; this compares it with ``estimator.price`` over every model, dated entry, service tier,
cache TTL, cached-prefix size and long-context boundary.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import rules_reference as ref

import estimator
from estimator import load_pricebook
from estimator.errors import PricingError
from estimator.modes import CacheParams, ModeParams

PROVIDERS = ("openai", "anthropic", "google")
MODES = ("standard", "batch", "flex", "priority", "ultrafast")
TOLERANCE = Decimal("1e-12")


def _probes(data: dict, m: dict, entry: dict) -> list[ref.Probe]:
    limits = sorted({t["above_input_tokens"] for t in entry.get("tiers", [])} | {128_000})
    window = m.get("context_window") or 10**7
    probes = [ref.Probe(3_000, 700), ref.Probe(1, 1)]
    for prefix in (512, 900, 1_024, 1_100, 1_152, 2_048, 2_100, 4_096, 4_200, 6_000):
        probes.append(ref.Probe(8_000, 300, prefix, hit=True))
        probes.append(ref.Probe(8_000, 300, prefix, hit=False))
    for ttl in data["caching"]["ttls"]:
        probes.append(ref.Probe(9_000, 100, 8_192, hit=False, ttl=None if ttl == "default" else ttl))
    for limit in limits:
        for n in (limit, limit + 1):
            if n + 1_000 <= window:
                probes.append(ref.Probe(n, 1_000))
                probes.append(ref.Probe(n, 1_000, 8_192, hit=True))
    return probes


def _days(m: dict, entry: dict) -> list[dt.date]:
    days = [entry["effective_from"], dt.date(2026, 12, 5), dt.date(2027, 1, 15)]
    if m["id"] in ref.ULTRAFAST_INTRO:
        days.append(ref.ULTRAFAST_INTRO[m["id"]][1])
    later = [p["effective_from"] for p in m["prices"] if p["effective_from"] > entry["effective_from"]]
    return sorted({d for d in days if d >= entry["effective_from"] and (not later or d < min(later))})


def _cases() -> list[tuple[str, dict, dict, dict]]:
    return [(p, data, m, entry) for p in PROVIDERS for data, m, entry in ref.models(p)]


def test_every_price_follows_the_published_rules() -> None:
    book = load_pricebook(strict=True)
    compared = 0
    wrong: list[str] = []
    for provider, data, m, entry in _cases():
        for day in _days(m, entry):
            if m.get("shutdown_date") and day >= m["shutdown_date"]:
                continue
            for probe in _probes(data, m, entry):
                ttl = probe.ttl
                params = ModeParams(cache=CacheParams(
                    shared_prefix_tokens=probe.prefix, hit_rate=Decimal(1 if probe.hit else 0), ttl=ttl))
                try:
                    cmp = estimator.price({"requests": 1, "input_tokens": probe.input_tokens,
                                           "output_tokens": probe.output_tokens if m["kind"] == "chat" else 0},
                                          m["id"], as_of=day, prices=book, modes=params)
                except PricingError:
                    assert ref.cost(data, m, entry, "standard", probe, day) is None, (m["id"], day, probe)
                    continue
                for mode in MODES:
                    if mode not in cmp.modes:
                        continue
                    theirs = ref.cost(data, m, entry, mode, probe, day)
                    ours = cmp.modes[mode].total_cost
                    compared += 1
                    if theirs is None or abs(ours - theirs) > TOLERANCE:
                        wrong.append(f"{provider}/{m['id']}@{day} {mode} {probe}: library {ours}, rules {theirs}")
    assert not wrong, f"{len(wrong)} of {compared} prices differ from the rules:\n" + "\n".join(wrong[:40])
    assert compared > 10_000


@pytest.mark.parametrize(("model", "tier"), [
    ("o4-mini", "flex"), ("o4-mini", "priority"), ("gpt-4.1-nano", "priority"), ("gpt-4o-2024-05-13", "priority"),
    ("gpt-5.4-pro", "flex"), ("gpt-5.5-pro", "flex"), ("o1-pro", "batch"),
])
def test_tiers_the_provider_sells_are_priced(model: str, tier: str) -> None:
    m = load_pricebook(strict=True).model(model)
    day = max(m.launch, dt.date(2025, 4, 16))  # Flex and Priority started 2025-04-16
    cmp = estimator.price({"requests": 1, "input_tokens": 1000, "output_tokens": 100}, model, as_of=day)
    assert tier in cmp.modes, cmp.unavailable.get(tier)
