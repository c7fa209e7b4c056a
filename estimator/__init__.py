"""LLM API delivery-mode cost estimator: the public API.

The CLI and the Streamlit app use only what is exported here.
"""

from .errors import (
    DataError,
    EstimatorError,
    PricingError,
    TokenizerError,
    UnknownModelError,
    UsageError,
)
from .modes import (
    MODE_LABELS,
    MODES,
    CacheParams,
    Comparison,
    EarlyExitParams,
    ModeCost,
    ModeParams,
    TierUsage,
    Usage,
    compare,
)
from .money import format_usd, quantize, to_decimal
from .pricing import Model, Price, PriceBook, Provider, load_pricebook, override_price
from .requests import RequestShape, build_messages, render_texts, template_fields

__all__ = [
    "MODES",
    "MODE_LABELS",
    "CacheParams",
    "Comparison",
    "DataError",
    "EarlyExitParams",
    "EstimatorError",
    "ModeCost",
    "ModeParams",
    "Model",
    "Price",
    "PriceBook",
    "PricingError",
    "Provider",
    "RequestShape",
    "TierUsage",
    "TokenizerError",
    "UnknownModelError",
    "Usage",
    "UsageError",
    "build_messages",
    "compare",
    "format_usd",
    "load_pricebook",
    "override_price",
    "quantize",
    "render_texts",
    "template_fields",
    "to_decimal",
]
