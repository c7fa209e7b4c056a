"""How a data row becomes a request: a text column, a prompt template, or a whole conversation.

A template uses ``{column}`` placeholders (``{{`` and ``}}`` for literal
braces). Values are inserted exactly as read, so ``NA`` stays ``NA``.
A conversation column holds each request's chat messages as JSON text
(``[{"role": "user", "content": "..."}]``), as the in-memory reader writes it.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from estimator.errors import DataError, UsageError, param


@dataclass(frozen=True)
class RequestShape:
    """Where each request's text comes from, and an optional system prompt.

    Exactly one of ``column`` (the user message), ``template`` (a user message
    built from columns) or ``messages`` (a column of whole conversations).
    """

    column: str | None = None
    template: str | None = None
    system: str | None = None
    messages: str | None = None

    def __post_init__(self) -> None:
        given = [x for x in (self.column, self.template, self.messages) if x is not None]
        if len(given) > 1:
            raise UsageError(f"give either a text column ({param('column')}) or a prompt template "
                             f"({param('template')}), not both", param="template")
        if not given:
            raise UsageError(
                f"give exactly one of a text column ({param('column')}) or a prompt template "
                f"({param('template')})",
                param="column",
            )
        if self.template is not None:
            template_fields(self.template)  # fail early on a malformed template

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns this shape reads."""
        if self.column is not None:
            return (self.column,)
        if self.messages is not None:
            return (self.messages,)
        assert self.template is not None
        return template_fields(self.template)

    def describe(self) -> str:
        if self.messages is not None:
            what = "whole conversations"
        elif self.column is not None:
            what = f"column {self.column!r}"
        else:
            what = f"template {self.template!r}"
        return what + (" with a system prompt" if self.system else "")


def template_fields(template: str) -> tuple[str, ...]:
    """The column names a template refers to, in first-use order."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise UsageError(
            f"prompt template is malformed ({exc}); use {{column}} for a value and {{{{ }}}} for literal braces",
            param="template",
        ) from None
    names: list[str] = []
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if name == "" or name.isdigit():
            raise UsageError("prompt template placeholders must name a column, e.g. {review_text}",
                             param="template")
        if spec or conv:
            raise UsageError(f"placeholder {{{name}}} has a format spec or conversion; use plain {{{name}}}",
                             param="template")
        if name not in names:
            names.append(name)
    if not names:
        raise UsageError("prompt template has no {column} placeholder", param="template")
    return tuple(names)


def check_columns(shape: RequestShape, available: Sequence[str], where: str) -> None:
    """Raise a DataError naming the missing columns and listing the file's columns."""
    missing = [c for c in shape.columns if c not in available]
    if missing:
        listed = ", ".join(repr(c) for c in available) or "(none)"
        raise DataError(
            f"{where}: no column {', '.join(repr(m) for m in missing)}. The file's columns are: {listed}. "
            f"Pick one with {param('column')} or use {{name}} placeholders in {param('template')}.",
            path=where,
            field=missing[0],
        )


def render_texts(shape: RequestShape, columns: Mapping[str, Sequence[str]]) -> list[str]:
    """The user text of every row of a column batch."""
    if shape.column is not None:
        return list(columns[shape.column])
    if shape.messages is not None:
        return list(columns[shape.messages])
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
    """The chat messages of one request (``text`` as ``render_texts`` gives it)."""
    messages: list[dict[str, str]] = []
    if shape.system:
        messages.append({"role": "system", "content": shape.system})
    if shape.messages is not None:
        messages.extend(json.loads(text))
    else:
        messages.append({"role": "user", "content": text})
    return messages
