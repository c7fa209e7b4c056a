"""Counting a dataset's tokens: prompts from rows, exact and sampled passes, Dask."""

from estimator.counting.dataset import CountOptions, Distribution, OutputSpec, Progress, TokenProfile, count_dataset
from estimator.counting.prompts import RequestShape, build_messages, render_texts, template_fields

__all__ = [
    "CountOptions",
    "Distribution",
    "OutputSpec",
    "Progress",
    "RequestShape",
    "TokenProfile",
    "build_messages",
    "count_dataset",
    "render_texts",
    "template_fields",
]
