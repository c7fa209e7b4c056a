"""What a written batch request carries beyond its messages: tools, a response schema, reasoning.

One set of settings (``RequestExtras``), written the way each endpoint documents it:

============================  ==========================================  =====================================
setting                       OpenAI chat / responses                     Anthropic / Gemini
============================  ==========================================  =====================================
tools (function definitions)  chat ``tools: [{"type": "function",         Anthropic ``tools: [{"name",
                              "function": {...}}]``; responses ``tools:     "description", "input_schema"}]``;
                              [{"type": "function", "name", ...}]``;       Gemini ``tools: [{"functionDeclarations":
                              other tool types (``web_search``...) as      [{"name", "description",
                              given                                        "parameters"}]}]``; other tools as given
response schema (JSON)        chat ``response_format: {"type":            Anthropic ``output_config: {"format":
                              "json_schema", "json_schema": {"name",       {"type": "json_schema", "schema"}}``;
                              "schema", "strict": true}}``; responses      Gemini ``generationConfig:
                              ``text: {"format": {"type": "json_schema",   {"responseMimeType": "application/json",
                              "name", "schema", "strict": true}}``         "responseSchema"}``
reasoning effort              chat ``reasoning_effort``; responses         Gemini ``generationConfig.thinkingConfig
                              ``reasoning: {"effort"}``                    .thinkingLevel``; Anthropic: use a
                                                                           thinking budget
thinking budget (tokens)      (OpenAI has none: use reasoning effort)      Anthropic ``thinking: {"type":
                                                                           "enabled", "budget_tokens"}``; Gemini
                                                                           ``thinkingConfig.thinkingBudget``
============================  ==========================================  =====================================

Tools are given once, in any of the three providers' function shapes (OpenAI chat's
``{"type": "function", "function": {...}}``, the flat ``{"name", "description", "parameters"}``,
Anthropic's ``input_schema``), and rewritten for the endpoint; a tool of another type (a
provider's built-in tool such as ``{"type": "web_search"}``) is written as given. A response
schema is a JSON Schema object, or OpenAI's ``{"name", "schema", "strict"?}`` wrapper.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estimator import convert
from estimator.convert import set_field
from estimator.errors import DataError, UsageError, param

__all__ = ["REASONING_EFFORTS", "RequestExtras", "json_from_file"]

REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
"""The effort levels OpenAI's ``reasoning_effort`` takes (which a model accepts is the provider's to say)."""
ANTHROPIC_MIN_THINKING = 1024  # budget_tokens below this are refused by the Messages API


@dataclass(frozen=True)
class RequestExtras:
    """Tools, a response schema and reasoning settings sent with every request of a batch file."""

    tools: tuple[Mapping[str, Any], ...] = ()
    response_schema: Mapping[str, Any] | None = None
    reasoning_effort: str | None = None
    thinking_budget: int | None = None

    def __post_init__(self) -> None:
        set_field(self, "tools", _tools(self.tools))
        if self.response_schema is not None and not isinstance(self.response_schema, Mapping):
            raise UsageError(f"{param('response_schema')} must be a JSON Schema object (a mapping), not a "
                             f"{type(self.response_schema).__name__}", param="response_schema")
        effort = convert.optional(convert.text, self.reasoning_effort, "reasoning_effort", example="'low'")
        if effort is not None and effort not in REASONING_EFFORTS:
            raise UsageError(f"{param('reasoning_effort')} must be one of {', '.join(REASONING_EFFORTS)}, not "
                             f"{effort!r}", param="reasoning_effort")
        set_field(self, "reasoning_effort", effort)
        set_field(self, "thinking_budget",
                  convert.optional(convert.count, self.thinking_budget, "thinking_budget", minimum=0))

    @property
    def empty(self) -> bool:
        return not self.tools and self.response_schema is None and self.reasoning_effort is None \
            and self.thinking_budget is None

    def check(self, fmt: str, max_tokens: int | None) -> None:
        """Refuse what ``fmt`` (a batch file format) cannot carry, before any row is read."""
        if fmt == "openai-embeddings" and not self.empty:
            raise UsageError("embedding requests take no tools, response schema or reasoning settings: leave "
                             "them out or choose a chat model", param=self._first_given())
        if fmt.startswith("openai-") and self.thinking_budget is not None:
            raise UsageError(f"OpenAI requests take a reasoning effort, not a thinking budget: give "
                             f"{param('reasoning_effort')} instead", param="thinking_budget")
        if fmt == "anthropic" and self.reasoning_effort is not None:
            raise UsageError(f"Anthropic batch requests take a thinking budget in tokens, not an effort level: "
                             f"give {param('thinking_budget')} instead", param="reasoning_effort")
        if fmt == "anthropic" and self.thinking_budget is not None:
            if self.thinking_budget < ANTHROPIC_MIN_THINKING:
                raise UsageError(f"Anthropic's thinking budget is at least {ANTHROPIC_MIN_THINKING:,} tokens, not "
                                 f"{self.thinking_budget:,}", param="thinking_budget")
            if max_tokens is not None and self.thinking_budget >= max_tokens:
                raise UsageError(f"Anthropic counts thinking within max_tokens: {param('thinking_budget')} "
                                 f"({self.thinking_budget:,}) must be below {param('max_tokens')} "
                                 f"({max_tokens:,})", param="thinking_budget")
        if fmt == "gemini" and self.reasoning_effort is not None and self.thinking_budget is not None:
            raise UsageError(f"Gemini takes a thinking level or a thinking budget, not both: leave out "
                             f"{param('reasoning_effort')} or {param('thinking_budget')}", param="thinking_budget")

    def _first_given(self) -> str:
        for name in ("tools", "response_schema", "reasoning_effort", "thinking_budget"):
            if getattr(self, name) not in (None, ()):
                return name
        return "tools"

    # -- per endpoint ----------------------------------------------------------

    def chat(self, body: dict[str, Any]) -> None:
        if self.tools:
            body["tools"] = [_openai_chat_tool(t) for t in self.tools]
        if self.response_schema is not None:
            name, schema, strict = _schema_parts(self.response_schema)
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": name, "schema": schema, "strict": strict}}
        if self.reasoning_effort is not None:
            body["reasoning_effort"] = self.reasoning_effort

    def responses(self, body: dict[str, Any]) -> None:
        if self.tools:
            body["tools"] = [_openai_responses_tool(t) for t in self.tools]
        if self.response_schema is not None:
            name, schema, strict = _schema_parts(self.response_schema)
            body["text"] = {"format": {"type": "json_schema", "name": name, "schema": schema, "strict": strict}}
        if self.reasoning_effort is not None:
            body["reasoning"] = {"effort": self.reasoning_effort}

    def anthropic(self, params: dict[str, Any]) -> None:
        if self.tools:
            params["tools"] = [_anthropic_tool(t) for t in self.tools]
        if self.response_schema is not None:
            params["output_config"] = {"format": {"type": "json_schema",
                                                  "schema": _schema_parts(self.response_schema)[1]}}
        if self.thinking_budget is not None:
            params["thinking"] = {"type": "enabled", "budget_tokens": self.thinking_budget}

    def gemini(self, request: dict[str, Any]) -> None:
        if self.tools:
            declarations, others = [], []
            for tool in self.tools:
                f = _function(tool)
                if f is None:
                    others.append(dict(tool))
                else:
                    name, description, parameters = f
                    declarations.append({"name": name, **({"description": description} if description else {}),
                                         **({"parameters": parameters} if parameters is not None else {})})
            request["tools"] = ([{"functionDeclarations": declarations}] if declarations else []) + others
        config: dict[str, Any] = request.setdefault("generationConfig", {})
        if self.response_schema is not None:
            config["responseMimeType"] = "application/json"
            config["responseSchema"] = _schema_parts(self.response_schema)[1]
        if self.reasoning_effort is not None:
            config["thinkingConfig"] = {"thinkingLevel": self.reasoning_effort}
        if self.thinking_budget is not None:
            config["thinkingConfig"] = {"thinkingBudget": self.thinking_budget}
        if not config:
            del request["generationConfig"]


def json_from_file(path: str | Path, name: str) -> Any:
    """The JSON value in the file at ``path``, given for the argument ``name`` (tools, a schema)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{param(name)}: no file {str(p)!r}; give the path of a JSON file", param=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: cannot read it as UTF-8 text ({exc}); save it as a UTF-8 JSON file",
                        path=str(p)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{p}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); it is "
                        f"read for {param(name)}", path=str(p), line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise DataError(f"{p}: JSON that cannot be read ({exc}); it is read for {param(name)}",
                        path=str(p)) from None


def tools_from(value: Any) -> Any:
    """Tool definitions as given: a list, a JSON file of a list, or of ``{"tools": [...]}``."""
    if isinstance(value, (str, Path)):
        value = json_from_file(value, "tools")
        if isinstance(value, Mapping) and isinstance(value.get("tools"), list):
            value = value["tools"]
    return value


def schema_from(value: Any) -> Any:
    """A response schema as given: a mapping, or a JSON file holding one."""
    if isinstance(value, (str, Path)):
        value = json_from_file(value, "response_schema")
    return value


def _tools(tools: Any) -> tuple[Mapping[str, Any], ...]:
    if tools is None:
        return ()
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Sequence):
        raise UsageError(f"{param('tools')} must be a list of tool definitions (JSON objects), not a "
                         f"{type(tools).__name__}", param="tools")
    out = []
    for i, tool in enumerate(tools, start=1):
        if not isinstance(tool, Mapping):
            raise UsageError(f"tool {i} of {param('tools')} must be a JSON object, not {json.dumps(tool)[:40]}",
                             param="tools")
        gemini_tool = len(tool) == 1 and isinstance(next(iter(tool.values())), Mapping)  # {"googleSearch": {}}
        if _function(tool) is None and "type" not in tool and not gemini_tool:
            raise UsageError(f"tool {i} of {param('tools')} is neither a function definition (a \"name\" with "
                             "\"parameters\" or \"input_schema\") nor a provider's tool (a \"type\", or "
                             "Gemini's one-key form such as {\"googleSearch\": {}})", param="tools")
        out.append(tool)
    return tuple(out)


def _function(tool: Mapping[str, Any]) -> tuple[str, str | None, Any] | None:
    """(name, description, parameters) of a function definition in any provider's shape, else None."""
    if tool.get("type") not in (None, "function"):
        return None  # a provider's own tool (web_search, code_execution, ...): written as given
    function = tool.get("function")
    inner = function if isinstance(function, Mapping) else tool
    name = inner.get("name")
    if not isinstance(name, str):
        return None
    parameters = inner.get("parameters", inner.get("input_schema"))
    description = inner.get("description")
    return name, description if isinstance(description, str) else None, parameters


def _openai_chat_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    f = _function(tool)
    if f is None:
        return dict(tool)
    name, description, parameters = f
    function = {"name": name, **({"description": description} if description else {}),
                **({"parameters": parameters} if parameters is not None else {})}
    given = tool.get("function")
    inner: Mapping[str, Any] = given if isinstance(given, Mapping) else tool
    if "strict" in inner:
        function["strict"] = inner["strict"]
    return {"type": "function", "function": function}


def _openai_responses_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    f = _function(tool)
    if f is None:
        return dict(tool)
    return {"type": "function", **_openai_chat_tool(tool)["function"]}


def _anthropic_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    f = _function(tool)
    if f is None:
        return dict(tool)
    name, description, parameters = f
    return {"name": name, **({"description": description} if description else {}),
            "input_schema": parameters if parameters is not None else {"type": "object", "properties": {}}}


def _schema_parts(given: Mapping[str, Any]) -> tuple[str, Any, bool]:
    """(name, schema, strict) of a JSON Schema or of OpenAI's ``{"name", "schema", "strict"?}`` wrapper."""
    if isinstance(given.get("schema"), Mapping) and isinstance(given.get("name"), str):
        return given["name"], given["schema"], bool(given.get("strict", True))
    return "response", dict(given), True


NO_EXTRAS = RequestExtras()
"""No tools, schema or reasoning settings: a plain request."""
