"""Tool definitions and response schemas as input tokens, by each provider's rule where one is published.

A definition becomes texts to count (with the model's tokenizer) plus fixed tokens:

* OpenAI publishes no serialization of function definitions. They are counted by the rule of OpenAI's
  cookbook ("How to count tokens with tiktoken", section 7): 7 tokens per function (10 on GPT-3.5/GPT-4),
  ``name:description``, 3 tokens before the properties, per property 3 tokens and ``key:type:description``,
  each enum item 3 tokens and its text (-3 per enum), 12 at the end. The cookbook matched the API on
  gpt-4o and gpt-4o-mini for flat parameters; nested properties are counted by the same rule, one
  level down. A response schema (``response_format`` / ``text.format``) is counted as its JSON text.
* Anthropic adds a tool-use system prompt whose size it publishes per model and ``tool_choice``
  (``ANTHROPIC_TOOL_PROMPT``); the definitions themselves are counted as their JSON text.
* Gemini function declarations and response schemas are counted as their JSON text.

Every count but Anthropic's published system prompt is an approximation: ``DEFINITION_SHARE`` is the
relative interval stated with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ANTHROPIC_TOOL_PROMPT", "DEFINITION_SHARE", "Definitions", "anthropic_tool_prompt",
           "json_text", "openai_functions"]

OPENAI_COOKBOOK = "https://cookbook.openai.com/examples/how_to_count_tokens_with_tiktoken"
ANTHROPIC_TOOLS = "https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview"

DEFINITION_SHARE = 0.2
"""The interval stated with an approximated definition or schema: its count ±20%. No provider publishes
how definitions are serialized; the cookbook rule matched flat definitions, and JSON text differs from
the provider's rendering by its punctuation, which this bounds."""

# (auto or none, any or tool) tokens of the tool-use system prompt, from the pricing table of the tool-use
# page (copy of 2026-07-13; the Claude 3 and 3.5 rows from the earlier versions of the same table).
ANTHROPIC_TOOL_PROMPT: dict[str, tuple[int, int]] = {
    "claude-opus-4-8": (290, 410),
    "claude-opus-4-7": (675, 804),
    "claude-opus-4-6": (497, 589),
    "claude-opus-4-5": (496, 588),
    "claude-opus-4-1": (313, 315),
    "claude-opus-4-": (313, 315),
    "claude-sonnet-5": (354, 474),  # exactly this id: Sonnet 5.5 is not in the table
    "claude-sonnet-4-6": (497, 589),
    "claude-sonnet-4-5": (496, 588),
    "claude-sonnet-4-": (313, 315),
    "claude-haiku-4-5": (496, 588),
    "claude-3-5-haiku": (264, 355),
    "claude-3-7-sonnet": (346, 313),
    "claude-3-5-sonnet": (346, 313),
    "claude-3-opus": (530, 281),
    "claude-3-haiku": (264, 340),
}
_PUBLISHED = sorted({n for pair in ANTHROPIC_TOOL_PROMPT.values() for n in pair})


@dataclass
class Definitions:
    """What definitions add to a request: fixed tokens, texts to count, and the bounds of a fixed estimate."""

    fixed: int = 0
    texts: list[str] = field(default_factory=list)
    fixed_low: int = 0  # the fixed tokens' interval where they are not published for the model
    fixed_high: int = 0
    note: str = ""


def json_text(value: Any) -> str:
    """The JSON text a definition or schema is counted as."""
    return json.dumps(value, ensure_ascii=False)


def _desc(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    return text[:-1] if text.endswith(".") else text


def _properties(props: Mapping[str, Any], out: Definitions) -> None:
    out.fixed += 3  # prop_init
    for key, spec in props.items():
        spec = spec if isinstance(spec, Mapping) else {}
        out.fixed += 3  # prop_key
        kind = spec.get("type", "")
        kind = "|".join(map(str, kind)) if isinstance(kind, list) else str(kind)
        out.texts.append(f"{key}:{kind}:{_desc(spec.get('description'))}")
        enum = spec.get("enum")
        if isinstance(enum, list) and enum:
            out.fixed += -3 + 3 * len(enum)
            out.texts.extend(str(item) for item in enum)
        nested = spec.get("properties")
        items = spec.get("items")
        if not isinstance(nested, Mapping) and isinstance(items, Mapping):
            nested = items.get("properties")
        if isinstance(nested, Mapping) and nested:
            _properties(nested, out)


def openai_functions(functions: list[Mapping[str, Any]], model: str | None) -> Definitions:
    """Function definitions (``{"name", "description", "parameters"}``) by the cookbook's rule."""
    out = Definitions()
    if not functions:
        return out
    older = (model or "").startswith(("gpt-4-", "gpt-3.5")) or model == "gpt-4"
    for f in functions:
        out.fixed += 10 if older else 7  # func_init
        out.texts.append(f"{f.get('name', '')}:{_desc(f.get('description'))}")
        params = f.get("parameters")
        props = params.get("properties") if isinstance(params, Mapping) else None
        if isinstance(props, Mapping) and props:
            _properties(props, out)
    out.fixed += 12  # func_end
    return out


def anthropic_tool_prompt(model: str | None, choice: str) -> Definitions:
    """The tool-use system prompt Anthropic adds for ``model`` with ``tool_choice`` ``choice``.

    A model the table does not list gets the middle of the published figures, with their whole range as
    its interval.
    """
    name = model or ""
    forced = choice in ("any", "tool")
    for prefix, pair in ANTHROPIC_TOOL_PROMPT.items():
        if name == prefix or (name.startswith(prefix) and (prefix.endswith("-") or name[len(prefix)] == "-")
                              and prefix != "claude-sonnet-5"):
            n = pair[1] if forced else pair[0]
            return Definitions(fixed=n, fixed_low=n, fixed_high=n,
                               note=f"tool-use system prompt {n} tokens ({ANTHROPIC_TOOLS})")
    low, high = _PUBLISHED[0], _PUBLISHED[-1]
    mid = (low + high) // 2
    return Definitions(fixed=mid, fixed_low=low, fixed_high=high,
                       note=f"tool-use system prompt not published for {name or 'this model'}: {mid} tokens, "
                            f"between {low} and {high} as published for other Claude models ({ANTHROPIC_TOOLS})")
