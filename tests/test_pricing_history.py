"""Dated price entries are history: once published here they never change.

``pricing/history.lock.json`` holds a digest of every (model, effective_from)
entry. A new dated entry is welcome (add it with
``UPDATE_PRICING_LOCK=1 pytest tests/test_pricing_history.py``, which only
appends); changing or deleting a locked entry fails, because a price change
must be a new entry, not an edit of an old one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from estimator.pricing import load_pricebook
from estimator.report.estimate import price_history

LOCK = Path(__file__).resolve().parent.parent / "pricing" / "history.lock.json"
PRICE_KEYS = ("effective_from", "tiers")


def entry_digests() -> dict[str, str]:
    book = load_pricebook()
    digests = {}
    for model in book.models:
        for entry in price_history(book, model.id, dt.date(2026, 12, 5))["prices"]:
            facts = {k: v for k, v in entry.items() if k.endswith("_per_mtok") or k in PRICE_KEYS}
            text = json.dumps(facts, sort_keys=True, default=str)
            digests[f"{model.provider}/{model.id}@{entry['effective_from']}"] = hashlib.sha256(text.encode()).hexdigest()
    return digests


def test_published_price_entries_are_never_rewritten() -> None:
    current = entry_digests()
    locked: dict[str, str] = json.loads(LOCK.read_text(encoding="utf-8")) if LOCK.exists() else {}
    if os.environ.get("UPDATE_PRICING_LOCK") == "1":
        merged = {**current, **locked}  # append only: locked entries keep their digest
        LOCK.write_text(json.dumps(dict(sorted(merged.items())), indent=1) + "\n", encoding="utf-8")
        locked = merged
    missing = sorted(set(locked) - set(current))
    changed = sorted(k for k in locked if k in current and current[k] != locked[k])
    assert not missing, f"dated price entries were removed: {missing}. Keep history; add a new dated entry instead."
    assert not changed, (
        f"dated price entries were edited: {changed}. A price change is a new entry with its own "
        "effective_from; if an entry was simply wrong, fix it and update the lock deliberately."
    )
    unlocked = sorted(set(current) - set(locked))
    assert not unlocked, f"new entries not in the lock yet: {unlocked}; run UPDATE_PRICING_LOCK=1 pytest {__file__}"
