"""Price data: the strict file schema, dated entries, provider market rules, the price book.

``load_pricebook()`` reads the shipped tables (and any files of the user's);
``resolve_price(book, model, as_of=...)`` picks the entry in force on a day; ``models_on`` says
which models are current, retiring or retired on a day.
The file schema and loading live in ``estimator.pricing.schema`` and ``.load``;
``estimator.pricing.crosscheck`` compares every field with the pinned price databases.
"""

from estimator.pricing.book import PriceBook, override_price
from estimator.pricing.entries import BatchRule as BatchRule  # runtime types the library's modules share
from estimator.pricing.entries import Model as Model
from estimator.pricing.entries import Price
from estimator.pricing.entries import Tier as Tier
from estimator.pricing.lifecycle import Standing, default_model, models_on
from estimator.pricing.load import load_pricebook
from estimator.pricing.priced import PricedModel, resolve_price
from estimator.pricing.shipped import display_path as display_path

__all__ = [
    "Price",
    "PriceBook",
    "PricedModel",
    "Standing",
    "default_model",
    "load_pricebook",
    "models_on",
    "override_price",
    "resolve_price",
]
