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

__all__ = [
    "BatchRule",
    "Model",
    "Price",
    "PriceBook",
    "Provider",
    "ProviderFile",
    "Tier",
    "display_path",
    "load_pricebook",
    "override_price",
    "shipped_pricing_dir",
]
