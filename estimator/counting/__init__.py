"""Counting a dataset's tokens: prompts from rows, exact and sampled passes, Dask.

``estimator.estimate`` counts through ``count_dataset`` (``estimator.counting.dataset``);
the names here are the options and the profile a notebook meets.
"""

from estimator.counting.dataset import CountOptions
from estimator.counting.output import OutputSpec
from estimator.counting.profile import Distribution, TokenProfile
from estimator.counting.progress import Progress

__all__ = ["CountOptions", "Distribution", "OutputSpec", "Progress", "TokenProfile"]
