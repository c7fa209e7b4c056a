"""The pinned price databases the cross-check reads: genai-prices (a package) and litellm (a JSON file).

Both are references, not sources: where one disagrees with a provider's page, the page wins and
the pricing file acknowledges the difference. They are pinned so a check gives the same answer
until someone moves the pin on purpose (``tools/refresh_price_references.py``):

- genai-prices ships its data inside the package; the version is pinned in the ``check`` and
  ``test`` extras and in ``pricing/references/references.toml``;
- litellm is far too large to depend on: the JSON it ships
  (``litellm/model_prices_and_context_window_backup.json``) is checked in under
  ``pricing/references/``, trimmed to the providers these tables cover, with the wheel's and the
  file's sha256 in the manifest.

Everything here reads local files: no network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from estimator.errors import PricingError
from estimator.pricing.shipped import shipped_pricing_dir

GENAI_PRICES = "genai-prices"
LITELLM = "litellm"
LITELLM_PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "gemini"}
"""Our provider id -> litellm's ``litellm_provider``."""


def references_dir() -> Path:
    return shipped_pricing_dir() / "references"


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    checked: dt.date
    file: str | None = None
    sha256: str | None = None


@lru_cache(maxsize=1)
def pins() -> dict[str, Pin]:
    path = references_dir() / "references.toml"
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    return {name: Pin(name, str(v["version"]), v["checked"], v.get("file"), v.get("sha256"))
            for name, v in raw.items() if isinstance(v, dict)}


def installed_genai_prices() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(GENAI_PRICES)
    except PackageNotFoundError:
        return None


def require_genai_prices() -> str:
    """The installed genai-prices version; an error unless it is the pinned one."""
    pinned = pins()[GENAI_PRICES].version
    found = installed_genai_prices()
    if found is None:
        raise PricingError(f"{GENAI_PRICES} is not installed; install the 'check' extra ({GENAI_PRICES}=={pinned})")
    if found != pinned:
        raise PricingError(f"{GENAI_PRICES} {found} is installed, but the tables are checked against {pinned} "
                           f"(pricing/references/references.toml); install {GENAI_PRICES}=={pinned}")
    return found


@lru_cache(maxsize=1)
def litellm_entries() -> dict[str, dict[str, Any]]:
    """The pinned litellm price entries, by litellm's model name; an error if the file was altered."""
    pin = pins()[LITELLM]
    path = references_dir() / str(pin.file)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != pin.sha256:
        raise PricingError(f"{path.name}: its sha256 is not the one in references.toml; refresh it with "
                           "tools/refresh_price_references.py instead of editing it")
    entries: dict[str, dict[str, Any]] = json.loads(data, parse_float=Decimal)
    return entries


def litellm_entry(provider: str, model: str) -> dict[str, Any] | None:
    """litellm's entry for one of our models (Google's under the ``gemini/`` prefix)."""
    entries = litellm_entries()
    wanted = LITELLM_PROVIDERS.get(provider)
    for key in ((f"gemini/{model}", model) if provider == "google" else (model,)):
        entry = entries.get(key)
        if entry is not None and entry.get("litellm_provider") == wanted:
            return entry
    return None


def per_mtok(value: object) -> Decimal | None:
    """litellm's USD per token as USD per million tokens, exactly as its JSON prints it."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    return (Decimal(value) * 1_000_000).normalize()
