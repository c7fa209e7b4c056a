"""Small provider pricing tables for the tests, in the TOML form of the shipped files.

A table is built from parts::

    provider_toml(
        model_entry("flat-15", "Every token at $15", price_entry("2024-05-13", 15, 15)),
        GPT4O_LAUNCH,
    )

is an OpenAI-like provider with the half-price batch rule and two models. Numbers and
dates go into the TOML as given (``"2.50"`` stays ``2.50``), so a test's prices read
exactly as it wrote them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from estimator.pricing import PriceBook, load_pricebook
from estimator.pricing.entries import Provider
from estimator.pricing.load import parse_provider

Number = int | str | Decimal
Day = str | dt.date

SITE = "https://example.test"
CHECKED = "2025-01-01"
MAX_REQUESTS_PER_FILE = 50_000
MAX_BYTES_PER_FILE = 209_715_200  # OpenAI's "200 MB" as the shipped table writes it


def _block(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _fields(values: Mapping[str, Number | None]) -> Iterable[str]:
    return (f"{key} = {value}" for key, value in values.items() if value is not None)


def price_entry(
    effective_from: Day,
    input_per_mtok: Number,
    output_per_mtok: Number,
    *,
    source: str = f"{SITE}/pricing",
    tiers: Sequence[Mapping[str, Number]] = (),
    **extra: Number,
) -> str:
    """One ``[[models.prices]]`` entry; ``extra`` adds fields such as ``batch_input_per_mtok``."""
    lines = [
        "[[models.prices]]",
        f"effective_from = {effective_from}",
        f"input_per_mtok = {input_per_mtok}",
        f"output_per_mtok = {output_per_mtok}",
        *_fields(extra),
        f'source = "{source}"',
    ]
    for tier in tiers:
        lines += ["[[models.prices.tiers]]", *_fields(tier)]
    return _block(*lines)


def model_entry(
    model_id: str,
    display_name: str,
    *prices: str,
    tokenizer: str = "o200k_base",
    checked: Day = CHECKED,
) -> str:
    """One ``[[models]]`` table followed by its dated prices, oldest first."""
    head = _block(
        "[[models]]",
        f'id = "{model_id}"',
        f'display_name = "{display_name}"',
        f'tokenizer = "{tokenizer}"',
        f"checked = {checked}",
    )
    return "\n".join([head, *prices])


def provider_toml(
    *models: str,
    provider: str = "openai",
    display_name: str = "OpenAI",
    pricing_page: str = f"{SITE}/pricing",
    batch: bool = True,
    max_requests_per_file: int | None = MAX_REQUESTS_PER_FILE,
    max_bytes_per_file: int | None = MAX_BYTES_PER_FILE,
) -> str:
    """A whole provider file: header, an optional ``[batch]`` rule, then the models.

    The batch rule is OpenAI's: half price, stacking with cached input, a 24-hour window, and
    the per-file limits given (``None`` leaves a limit out).
    """
    sections = [
        _block(
            "schema_version = 1",
            f'provider = "{provider}"',
            f'display_name = "{display_name}"',
            f'pricing_page = "{pricing_page}"',
        )
    ]
    if batch:
        limits = {"max_requests_per_file": max_requests_per_file, "max_bytes_per_file": max_bytes_per_file}
        sections.append(
            _block(
                "[batch]",
                "discount_multiplier = 0.5",
                'cached_input = "stack"',
                "completion_window_hours = 24",
                *_fields(limits),
                f'source = "{SITE}/batch"',
                f"checked = {CHECKED}",
            )
        )
    return "\n".join([*sections, *models])


def parse(text: str, origin: str = "test.toml") -> Provider:
    """The provider a table describes, as the estimator reads it."""
    return parse_provider(text, origin)


def write_table(directory: Path, text: str, name: str = "test.toml") -> Path:
    """Write a table where ``--price-file`` or ``load_pricebook(directory=...)`` can read it."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def book_from(directory: Path, text: str, name: str = "test.toml") -> PriceBook:
    """A price book holding only this table (the shipped tables are not loaded)."""
    write_table(directory, text, name)
    return load_pricebook(directory=directory)


# Prices that more than one test file uses.

GPT4O_LAUNCH = model_entry("gpt-4o", "GPT-4o", price_entry("2024-05-13", 5, 15))
"""GPT-4o at its May 2024 launch price: $5 input, $15 output per million tokens."""

ANNOUNCED_CUT_2031 = price_entry("2031-01-01", 1, 4, source=f"{SITE}/announced-cut")
"""A price cut announced for January 2031: $1 input, $4 output per million tokens."""
