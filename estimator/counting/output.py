"""Expected output tokens per request: how they are asked for (``OutputSpec``), read from a
column of counts, or taken as a ratio of the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from estimator import convert
from estimator.convert import set_field
from estimator.errors import UsageError, param

_OUTPUT_PARAMS = {
    "fixed": "output_tokens",
    "column": "output_column",
    "examples_column": "output_examples",
    "ratio": "output_ratio",
    "max_tokens": "max_tokens",
}
MAX_RATIO = 1000
"""Output tokens per input token beyond which a ratio is a typo (the command line refuses it too)."""


@dataclass(frozen=True)
class OutputSpec:
    """Expected output tokens per request: at most one of the first four.

    ``fixed``: every request answers with this many tokens. ``column``: a
    column holding each row's token count. ``examples_column``: a column
    holding an example answer per row, tokenized. ``ratio``: output =
    ceil(ratio x the row's input tokens). ``max_tokens`` is the per-request
    cap of the API call: expected output is capped at it, the worst case is
    ``max_tokens`` per request, and alone it is also the expected output.
    With nothing given, output is not estimated (and the profile says so).

    ``reasoning_effort``: the effort a model that reasons is asked for (its provider's word: low,
    medium, high, minimal, "none"...); default, the effort it uses when a request names none.
    Reasoning tokens bill as output and count against ``max_tokens``: the estimate adds them to the
    answer from the model family's prior (``estimator.counting.priors``), shown apart.
    """

    fixed: int | None = None
    column: str | None = None
    examples_column: str | None = None
    ratio: Decimal | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None

    def __post_init__(self) -> None:
        given = [n for n in ("fixed", "column", "examples_column", "ratio") if getattr(self, n) is not None]
        if len(given) > 1:
            raise UsageError(
                f"give at most one way to estimate output tokens ({param('output_tokens')}, "
                f"{param('output_column')}, {param('output_examples')} or {param('output_ratio')}); "
                f"got {', '.join(_OUTPUT_PARAMS[g] for g in given)}",
                param=_OUTPUT_PARAMS[given[-1]],
            )
        set_field(self, "fixed", convert.optional(convert.count, self.fixed, _OUTPUT_PARAMS["fixed"]))
        set_field(self, "max_tokens", convert.optional(convert.count, self.max_tokens, "max_tokens", minimum=1))
        for name in ("column", "examples_column"):
            set_field(self, name, convert.optional(convert.text, getattr(self, name), _OUTPUT_PARAMS[name]))
        set_field(self, "ratio", convert.optional(convert.number, self.ratio, "output_ratio", maximum=MAX_RATIO))
        effort = convert.optional(convert.text, self.reasoning_effort, "reasoning_effort", example="'high'")
        set_field(self, "reasoning_effort", (effort.strip().lower() or None) if effort is not None else None)

    @property
    def only_reasoning(self) -> bool:
        """Only a reasoning effort is given: the rest of the output may come from elsewhere."""
        return self.kind == "none" and self.reasoning_effort is not None

    @property
    def kind(self) -> str:
        for name in ("fixed", "column", "examples_column", "ratio", "max_tokens"):
            if getattr(self, name) is not None:
                return name
        return "none"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.column, self.examples_column) if c is not None)

    def describe(self) -> str:
        how = {
            "fixed": f"{self.fixed} tokens per request",
            "column": f"token counts from column {self.column!r}",
            "examples_column": f"tokens of the example answers in column {self.examples_column!r}",
            "ratio": f"{self.ratio} x each request's input tokens (rounded up)",
            "max_tokens": f"the max_tokens cap, {self.max_tokens} per request",
            "none": "not estimated",
        }[self.kind]
        if self.max_tokens is not None and self.kind != "max_tokens":
            how += f", capped at max_tokens {self.max_tokens}"
        return how


def parse_token_counts(
    values: Sequence[str], column: str, first_row: int
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Whole numbers >= 0 from a column of text; the bad ones as (row, reason)."""
    try:
        arr = np.fromiter(map(int, values), dtype=np.int64, count=len(values))
        if len(arr) == 0 or int(arr.min()) >= 0:
            return arr, []
    except (ValueError, OverflowError):
        pass
    out = np.zeros(len(values), dtype=np.int64)
    bad: list[tuple[int, str]] = []
    for i, raw in enumerate(values):
        try:
            d = Decimal(raw.strip().replace("_", ""))
            ok = d.is_finite() and d >= 0 and d == d.to_integral_value() and d < 2**62
        except ArithmeticError:
            ok = False
        if ok:
            out[i] = int(d)
        else:
            bad.append(
                (first_row + i, f"column {column!r}: {raw[:40]!r} is not a whole number of tokens >= 0")
            )
    return out, bad


def ceil_ratio(ratio: Decimal, tokens: np.ndarray) -> np.ndarray:
    """ceil(ratio x tokens) exactly, with integer arithmetic."""
    num, den = ratio.as_integer_ratio()
    if len(tokens) == 0 or int(tokens.max()) * num < 2**62:
        return -((-tokens * num) // den)
    return np.array([-((-t * num) // den) for t in tokens.tolist()], dtype=np.int64)
