"""Counting a dataset's tokens: prompts from rows, exact and sampled passes, Dask."""

from estimator.counting.dataset import CountOptions, count_dataset
from estimator.counting.output import OutputSpec
from estimator.counting.profile import Distribution, TokenProfile
from estimator.counting.progress import Progress
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
