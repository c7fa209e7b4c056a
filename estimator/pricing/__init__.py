"""Price data: the strict file schema, dated entries, provider market rules, the price book.

``load_pricebook()`` reads the shipped tables (and any files of the user's);
``resolve_price(book, model, as_of=...)`` picks the entry in force on a day.
``estimator.pricing.crosscheck`` compares every field with the pinned price databases.
"""

from estimator.pricing.book import PriceBook, override_price
from estimator.pricing.crosscheck import CheckResult, Difference
from estimator.pricing.crosscheck import check as check_prices
from estimator.pricing.entries import BatchRule, Model, Price, Provider, Tier
from estimator.pricing.load import load_pricebook, load_provider_file, parse_provider
from estimator.pricing.priced import PricedModel, resolve_price
from estimator.pricing.references import pins as reference_pins
from estimator.pricing.schema import ProviderFile
from estimator.pricing.shipped import display_path, shipped_pricing_dir

__all__ = [
    "BatchRule",
    "CheckResult",
    "Difference",
    "Model",
    "Price",
    "PriceBook",
    "PricedModel",
    "Provider",
    "ProviderFile",
    "Tier",
    "check_prices",
    "display_path",
    "load_pricebook",
    "load_provider_file",
    "override_price",
    "parse_provider",
    "reference_pins",
    "resolve_price",
    "shipped_pricing_dir",
]
