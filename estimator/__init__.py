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
from .tokens import Tokenizer, chat_tokens, encoding_for_model, get_tokenizer, load_encoding
from .readers import Dataset, DatasetInfo, RowBatch, open_dataset
from .batchfiles import BatchFileReport, read_batch_file
from .datasets import OutputSpec, Progress, TokenProfile, count_dataset
from .report import Estimate, PricedModel, build_estimate, model_rows, price_history, resolve_price
from .logistics import BatchPlan, FileLimits, QueueLimit, plan_measured, plan_uniform
from .planning import Decision, RateLimits, Throughput, decide, job_times, route_traffic
from .forecast import Forecast, Volume
from .exercise import run_exercise
from .batchwriter import write_batch_files

__all__ = [
    "MODES",
    "MODE_LABELS",
    "BatchFileReport",
    "BatchPlan",
    "CacheParams",
    "Comparison",
    "DataError",
    "Dataset",
    "DatasetInfo",
    "Decision",
    "EarlyExitParams",
    "Estimate",
    "EstimatorError",
    "FileLimits",
    "ModeCost",
    "ModeParams",
    "Model",
    "OutputSpec",
    "Price",
    "PriceBook",
    "PricedModel",
    "PricingError",
    "Progress",
    "Provider",
    "QueueLimit",
    "RateLimits",
    "RequestShape",
    "RowBatch",
    "Throughput",
    "TierUsage",
    "TokenProfile",
    "Tokenizer",
    "TokenizerError",
    "UnknownModelError",
    "Usage",
    "UsageError",
    "Volume",
    "build_estimate",
    "build_messages",
    "chat_tokens",
    "compare",
    "count_dataset",
    "decide",
    "encoding_for_model",
    "Forecast",
    "format_usd",
    "get_tokenizer",
    "job_times",
    "load_encoding",
    "load_pricebook",
    "model_rows",
    "open_dataset",
    "override_price",
    "plan_measured",
    "plan_uniform",
    "price_history",
    "quantize",
    "read_batch_file",
    "render_texts",
    "resolve_price",
    "route_traffic",
    "run_exercise",
    "template_fields",
    "to_decimal",
    "write_batch_files",
]
