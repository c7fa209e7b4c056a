"""Named errors that carry structure; front ends word them.

Every error says what was wrong, where (``path``, ``line``, ``column``, ``row``,
``field``) and which of the caller's parameters it concerns (``param``, the name
of the library argument, such as ``"column"`` or ``"as_of"``).

Messages and notes never name a command-line flag or a widget. Where a message
tells the user to change a setting, it names the setting with :func:`param`,
which leaves a marker; :func:`render` turns the marker into the caller's own
word for it: ``column=`` for the Python API (the default), ``--column`` in the
CLI, the widget's label in the app.

Exit codes used by the CLI: ``UsageError`` -> 2, every other ``EstimatorError`` -> 1.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

__all__ = ["DataError", "EstimatorError", "PricingError", "TokenizerError", "UnknownModelError", "UsageError"]

_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{_OPEN}([a-z_][a-z0-9_]*){_CLOSE}")


def param(name: str) -> str:
    """A placeholder for the setting ``name`` inside a message; see :func:`render`."""
    return f"{_OPEN}{name}{_CLOSE}"


_PYTHON_WORDS = {
    # settings of the command line and the app that Python spells another way
    "validate_batch": "estimator.batch.read_batch_file(path)",
    "price_files": "prices=load_pricebook(extra_files=[...])",
    "strict_prices": "prices=load_pricebook(strict=True)",
    # fields of option objects whose ``param`` names the concept, not the field
    "source_format": "ReadOptions(format=...)",
    "output_column": "OutputSpec(column=...)",
    "output_examples": "OutputSpec(examples_column=...)",
    "output_ratio": "OutputSpec(ratio=...)",
    "output_from": "EstimateOptions(measured_output=...)",
    "cache_prefix_tokens": "CacheParams(shared_prefix_tokens=...)",
    "cache_ttl": "CacheParams(ttl=...)",
}


def python_name(name: str) -> str:
    """How the Python API names a setting in a message: ``column=``, or where it lives when it is
    not a keyword of the call (``OutputSpec(ratio=...)``, ``prices=load_pricebook(strict=True)``)."""
    return _PYTHON_WORDS.get(name, f"{name}=")


def render(text: str, names: Mapping[str, str] | None = None) -> str:
    """``text`` with every :func:`param` marker replaced by the front end's word for it.

    A setting the front end has no word for is named as the Python API names it.
    """
    table = names or {}

    def word(m: re.Match[str]) -> str:
        try:  # a subscript, not .get(): a mapping may derive the word (dict.__missing__)
            return table[m.group(1)]
        except KeyError:
            return python_name(m.group(1))

    return _MARKER.sub(word, text)


def params_in(text: str) -> tuple[str, ...]:
    """The settings a message names, in order."""
    return tuple(dict.fromkeys(_MARKER.findall(text)))


class EstimatorError(Exception):
    """Base class for every error the estimator raises on purpose."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | str | None = None,
        row: int | None = None,
        field: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.row = row
        self.field = field
        self.param = param

    def render(self, names: Mapping[str, str] | None = None) -> str:
        """The message in a front end's words (see :func:`render`)."""
        return render(self.message, names)

    def __str__(self) -> str:
        return self.render()

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"error": type(self).__name__, "message": str(self)}
        for key in ("path", "line", "column", "row", "field", "param"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


class UsageError(EstimatorError):
    """The call asked for something it cannot do: a bad or conflicting setting (``param``)."""

    exit_code = 2


class PricingError(EstimatorError):
    """A pricing file is invalid, or a price lookup cannot be answered."""


class UnknownModelError(PricingError):
    """A model id that no pricing table knows."""

    def __init__(self, model: str, known: Iterable[str], detail: str = "") -> None:
        known = sorted(set(known))
        close = difflib.get_close_matches(model, known, n=5, cutoff=0.5)
        if not close:
            close = [k for k in known if model.lower() in k.lower()][:5]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        super().__init__(
            f"unknown model {model!r}: no pricing table lists it.{' ' + detail if detail else ''}{hint} "
            f"Choose a priced model, or add your own price with {param('price_files')} "
            "(see pricing/README.md).",
            param="model",
        )
        self.model = model
        self.close_matches = close


class TokenizerError(EstimatorError):
    """A tokenizer or its encoding file is missing or does not verify."""


class DataError(EstimatorError):
    """An input cannot be read as asked: ``path``, ``line``, ``column``, ``row`` say where."""
