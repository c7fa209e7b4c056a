"""Dated price entries are history: once published here they never change.

``pricing/history.lock.json`` holds a digest of every (model, effective_from) entry: of every
price the entry charges, as the library computes it (each mode the model is sold in, below and
above each long-context threshold, each cache TTL; ``estimator.pricing.rates.entry_figures``). A rule or
a figure that changes what a published entry charges fails here; dropping a figure that only
copied its rule does not. A new dated entry is welcome (add it with
``UPDATE_PRICING_LOCK=1 pytest tests/test_pricing_history.py``, which only appends); changing or
deleting a locked entry fails, because a price change must be a new entry, not an edit of an old one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from estimator.pricing import load_pricebook
from estimator.pricing.rates import entry_figures

LOCK = Path(__file__).resolve().parent.parent / "pricing" / "history.lock.json"


def entry_digests() -> dict[str, str]:
    book = load_pricebook(strict=True)
    digests = {}
    for model in book.models:
        for entry in model.prices:
            figures = entry_figures(model.price_on(entry.effective_from))
            text = json.dumps({k: f"{v.normalize():f}" for k, v in sorted(figures.items())}, sort_keys=True)
            digests[f"{model.provider}/{model.id}@{entry.effective_from}"] = hashlib.sha256(text.encode()).hexdigest()
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
