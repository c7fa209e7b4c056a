"""How a data row becomes a request: a text column or a prompt template.

A template uses ``{column}`` placeholders (``{{`` and ``}}`` for literal
braces). Values are inserted exactly as read, so ``NA`` stays ``NA``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from estimator.errors import DataError, UsageError


@dataclass(frozen=True)
class RequestShape:
    """Where each request's user text comes from, and an optional system prompt."""

    column: str | None = None
    template: str | None = None
    system: str | None = None

    def __post_init__(self) -> None:
        if (self.column is None) == (self.template is None):
            raise UsageError("give exactly one of a text column (--column) or a prompt template (--template)")
        if self.template is not None:
            template_fields(self.template)  # fail early on a malformed template

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns this shape reads."""
        if self.column is not None:
            return (self.column,)
        assert self.template is not None
        return template_fields(self.template)

    def describe(self) -> str:
        what = f"column {self.column!r}" if self.column is not None else f"template {self.template!r}"
        return what + (" with a system prompt" if self.system else "")


def template_fields(template: str) -> tuple[str, ...]:
    """The column names a template refers to, in first-use order."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise UsageError(
            f"prompt template is malformed ({exc}); use {{column}} for a value and {{{{ }}}} for literal braces"
        ) from None
    names: list[str] = []
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if name == "" or name.isdigit():
            raise UsageError("prompt template placeholders must name a column, e.g. {review_text}")
        if spec or conv:
            raise UsageError(f"placeholder {{{name}}} has a format spec or conversion; use plain {{{name}}}")
        if name not in names:
            names.append(name)
    if not names:
        raise UsageError("prompt template has no {column} placeholder")
    return tuple(names)


def check_columns(shape: RequestShape, available: Sequence[str], where: str) -> None:
    """Raise a DataError naming the missing columns and listing the file's columns."""
    missing = [c for c in shape.columns if c not in available]
    if missing:
        listed = ", ".join(repr(c) for c in available) or "(none)"
        raise DataError(
            f"{where}: no column {', '.join(repr(m) for m in missing)}. The file's columns are: {listed}. "
            "Pick one with --column or use {name} placeholders in --template."
        )


def render_texts(shape: RequestShape, columns: Mapping[str, Sequence[str]]) -> list[str]:
    """The user text of every row of a column batch."""
    if shape.column is not None:
        return list(columns[shape.column])
    assert shape.template is not None
    # Placeholders name columns verbatim: {user.name} and {a[0]} are columns, not
    # attribute or index look-ups (str.format would read them so).
    parts = [(literal, name) for literal, name, _, _ in string.Formatter().parse(shape.template)]
    names = shape.columns
    cols = [columns[n] for n in names]
    out = []
    for values in zip(*cols):
        row = dict(zip(names, values))
        out.append("".join(literal + (row[name] if name is not None else "") for literal, name in parts))
    return out


def build_messages(shape: RequestShape, text: str) -> list[dict[str, str]]:
    """The chat messages of one request."""
    messages = []
    if shape.system:
        messages.append({"role": "system", "content": shape.system})
    messages.append({"role": "user", "content": text})
    return messages
