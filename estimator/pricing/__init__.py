"""Price data: the strict file schema, the price book and its dated look-ups."""

from estimator.pricing.book import (
    BatchRule,
    Model,
    Price,
    PriceBook,
    Provider,
    ProviderFile,
    Tier,
    display_path,
    load_pricebook,
    override_price,
    shipped_pricing_dir,
)
from estimator.pricing.crosscheck import DATABASE as PRICE_DATABASE
from estimator.pricing.crosscheck import check as check_prices
from estimator.pricing.crosscheck import check_history as check_price_history
from estimator.pricing.crosscheck import database_version as price_database_version

__all__ = [
    "PRICE_DATABASE",
    "BatchRule",
    "Model",
    "Price",
    "PriceBook",
    "Provider",
    "ProviderFile",
    "Tier",
    "check_price_history",
    "check_prices",
    "display_path",
    "load_pricebook",
    "override_price",
    "price_database_version",
    "shipped_pricing_dir",
]
