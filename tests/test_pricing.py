"""Pricing tables: every shipped file loads, lookups by date, errors, overrides."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from pricing_tables import model_entry, price_entry, provider_toml, write_table

from estimator.errors import PricingError, UnknownModelError
from estimator.pricing import load_pricebook, override_price
from estimator.pricing.load import load_provider_file
from estimator.pricing.schema import ProviderFile
from estimator.pricing.shipped import pricing_files, shipped_pricing_dir

SHIPPED = pricing_files()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_file_loads_with_sources_and_dates(path: Path) -> None:
    provider = load_provider_file(path)
    assert provider.models
    for model in provider.models:
        assert model.checked <= dt.date.today()
        for price in model.prices:
            assert price.source.startswith("https://"), f"{path.name}:{model.id} has no source URL"
            assert isinstance(price.input_per_mtok, Decimal)
            if model.kind == "chat":
                assert price.output_per_mtok is not None
            assert price.batch_rule is not None or price.batch_input_per_mtok is not None, (
                f"{path.name}:{model.id} cannot be priced in batch mode"
            )


def test_shipped_providers_cover_the_required_models() -> None:
    book = load_pricebook()
    required = [
        "gpt-4o", "gpt-4o-2024-05-13", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
        "gpt-5", "gpt-5-mini", "gpt-5-nano", "o3", "o4-mini", "gpt-4", "gpt-3.5-turbo",
        "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002",
        "gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro",
    ]
    for name in required:
        book.model(name)
    anthropic = {m.id for m in book.provider("anthropic").models}
    assert len(anthropic) >= 5


def test_schema_json_is_current() -> None:
    on_disk = json.loads((shipped_pricing_dir() / "schema.json").read_text(encoding="utf-8"))
    assert on_disk == ProviderFile.model_json_schema(), "run: python -m estimator schema --write pricing/schema.json"


def test_gpt4o_history_launch_and_today() -> None:
    book = load_pricebook()
    launch = book.price("gpt-4o", dt.date(2024, 5, 13))
    assert (launch.input_per_mtok, launch.output_per_mtok) == (Decimal("5"), Decimal("15"))
    later = book.price("gpt-4o", dt.date(2025, 1, 1))
    assert (later.input_per_mtok, later.output_per_mtok) == (Decimal("2.5"), Decimal("10"))
    assert later.effective_from > launch.effective_from
    assert launch.effective_until == later.effective_from
    with pytest.raises(PricingError, match="no price on 2024-05-12"):
        book.price("gpt-4o", dt.date(2024, 5, 12))


def test_unknown_model_lists_close_matches_never_zero() -> None:
    book = load_pricebook()
    with pytest.raises(UnknownModelError) as info:
        book.price("gpt-4o-mni", dt.date(2026, 12, 5))
    assert "gpt-4o-mini" in str(info.value)
    assert "gpt-4o-mini" in info.value.close_matches


BAD_FILES = [
    pytest.param("provider = 'x'\nmodels = [", "not valid TOML", id="toml-syntax"),
    pytest.param(
        """provider = "x"\ndisplay_name = "X"\npricing_page = "https://x"\n[[models]]\nid = "m"\n"""
        """display_name = "M"\ntokenizer = "o200k_base"\nchecked = 2026-01-01\n[[models.prices]]\n"""
        """effective_from = 2025-01-01\ninput_per_mtok = -1\noutput_per_mtok = 1\nsource = "https://x.com"\n""",
        "models[m].prices[2025-01-01].input_per_mtok",
        id="negative-price",
    ),
    pytest.param(
        """provider = "x"\ndisplay_name = "X"\npricing_page = "https://x"\n[[models]]\nid = "m"\n"""
        """display_name = "M"\ntokenizer = "o200k_base"\nchecked = 2026-01-01\n[[models.prices]]\n"""
        """effective_from = 2025-01-01\ninput_per_mtok = 1\noutput_per_mtok = 1\nsource = "https://x.com"\n"""
        """input_price = 3\n""",
        "Extra inputs are not permitted",
        id="unknown-field",
    ),
    pytest.param(
        """provider = "x"\ndisplay_name = "X"\npricing_page = "https://x"\n[[models]]\nid = "m"\n"""
        """display_name = "M"\ntokenizer = "o200k_base"\nchecked = 2026-01-01\n"""
        """[[models.prices]]\neffective_from = 2025-01-01\ninput_per_mtok = 1\noutput_per_mtok = 1\nsource = "https://x.com"\n"""
        """[[models.prices]]\neffective_from = 2024-01-01\ninput_per_mtok = 1\noutput_per_mtok = 1\nsource = "https://x.com"\n""",
        "ascending",
        id="history-out-of-order",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_invalid_files_name_the_file_and_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PricingError) as info:
        load_provider_file(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


CONTRACT = "https://example.com/contract"
USER_FILE = provider_toml(
    model_entry(
        "gpt-4o",
        "GPT-4o at our contract rate",
        price_entry("2026-01-01", "2.00", "8.00", source=CONTRACT),
        checked="2026-11-01",
    ),
    model_entry(
        "ft:gpt-4o-mini:acme",
        "Our fine-tune",
        price_entry("2025-01-01", "0.30", "1.20", source=CONTRACT),
        checked="2026-11-01",
    ),
    display_name="OpenAI (negotiated)",
    pricing_page=CONTRACT,
    batch=False,
)


def test_user_file_overrides_and_adds_models(tmp_path: Path) -> None:
    path = write_table(tmp_path, USER_FILE, "contract.toml")
    book = load_pricebook(extra_files=[path])
    assert book.price("gpt-4o", dt.date(2026, 6, 1)).input_per_mtok == Decimal("2.00")
    assert book.price("ft:gpt-4o-mini:acme", dt.date(2026, 12, 5)).output_per_mtok == Decimal("1.20")
    # The shipped batch rule still applies to the user's openai models.
    assert book.price("gpt-4o", dt.date(2026, 6, 1)).batch_rule is not None
    # Other shipped models are kept.
    book.model("gpt-4o-mini")


def test_flat_override_says_what_it_replaced() -> None:
    book = load_pricebook()
    price = override_price(book, "gpt-4o", input_per_mtok=Decimal(15), output_per_mtok=Decimal(15), label="flat $15",
                           as_of=dt.date(2026, 12, 5))
    assert price.input_per_mtok == price.output_per_mtok == Decimal(15)
    assert price.batch_input_per_mtok is None and price.cached_input_per_mtok is None
    assert price.source == "flat $15"
    assert "gpt-4o" in (price.note or "")


def test_installed_package_carries_the_same_tables() -> None:
    """A wheel ships pricing/ as estimator/_pricing (a link to the same files)."""
    import estimator

    packaged = Path(estimator.__file__).parent / "_pricing"
    shipped = Path(__file__).resolve().parent.parent / "pricing"
    assert sorted(p.name for p in packaged.glob("*.toml")) == sorted(p.name for p in shipped.glob("*.toml"))
    for path in shipped.glob("*.toml"):
        assert (packaged / path.name).read_bytes() == path.read_bytes()
