"""Named errors. Each message says what was wrong, where, and what to do.

The CLI maps these to exit codes: ``UsageError`` -> 2, every other
``EstimatorError`` -> 1.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class EstimatorError(Exception):
    """Base class for every error the estimator raises on purpose."""

    exit_code = 1


class UsageError(EstimatorError):
    """The command or call was asked for something it cannot do (bad option)."""

    exit_code = 2


class PricingError(EstimatorError):
    """A pricing file is invalid, or a price lookup cannot be answered."""


class UnknownModelError(PricingError):
    """A model id that no pricing table knows."""

    def __init__(self, model: str, known: Iterable[str]) -> None:
        known = sorted(set(known))
        close = difflib.get_close_matches(model, known, n=5, cutoff=0.5)
        if not close:
            close = [k for k in known if model.lower() in k.lower()][:5]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        super().__init__(
            f"unknown model {model!r}: no pricing table lists it.{hint} "
            "Run 'python -m estimator models' to list priced models, or add your own "
            "price with --price-file (see pricing/README.md)."
        )
        self.model = model
        self.close_matches = close


class TokenizerError(EstimatorError):
    """A tokenizer or its encoding file is missing or does not verify."""


class DataError(EstimatorError):
    """An input file cannot be read as asked. Messages name file, line/column."""
