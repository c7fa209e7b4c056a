"""Everything in a batch request besides its message text: images, audio, PDFs, tool definitions, response
schemas, tool calls and results, and the server tools it may call (billed per use beside the tokens).

``Tally`` collects one file's parts: what was counted by a published rule, what was approximated (with
its interval), what could not be counted (a remote URL, a file id, a format without a rule: listed with
its count, never dropped), and the server-tool uses each request may incur (``calls_per_request`` each,
one unless the caller says otherwise). The reader adds the texts and fixed tokens to each request.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from estimator.tokens.media import (
    audio_seconds,
    audio_tokens,
    base64_head,
    base64_image_size,
    data_url_bytes,
    image_tokens,
    pdf_pages,
    pdf_tokens,
)
from estimator.tokens.tools import DEFINITION_SHARE, anthropic_tool_prompt, json_text, openai_functions

__all__ = ["DefinitionsCount", "PartsSummary", "Tally", "request_definitions"]


class _Request(Protocol):
    overhead: int
    texts: list[str]
    approx_texts: list[str]


# Server tools in request bodies -> the fee unit results count them by ("tool/unit").
_OPENAI_SERVER_TOOLS = {"web_search": "web_search/call", "web_search_preview": "web_search/call",
                        "file_search": "file_search/call", "code_interpreter": "code_interpreter/session"}
_ANTHROPIC_SERVER_TOOLS = {"web_search": "web_search/call", "web_fetch": "web_fetch/call"}
# Server tools billed by time, not per call: listed, not estimated.
_BY_TIME = ("code_execution", "bash_code_execution")
_DATED = re.compile(r"_\d{4}_?\d{2}_?\d{2}$|_\d{8}$")
_OPENAI_TOOL_KEYS = frozenset({"tools", "functions", "tool_choice", "response_format", "text"})
"""The body keys ``Tally.openai_tools`` reads: a body with none of them offers no tools or schema."""


@dataclass(frozen=True)
class PartsSummary:
    """What a file's requests hold besides text, for the report and its notes."""

    media_parts: dict[str, int] = field(default_factory=dict)  # "image" -> parts counted
    media_tokens: dict[str, int] = field(default_factory=dict)  # "image" -> tokens
    definition_requests: int = 0  # requests carrying tool definitions or a response schema
    fixed_tokens: int = 0  # published fixed tokens (Anthropic's tool-use system prompt)
    approximate_tokens: int = 0  # tokens counted by an approximate rule, and their interval
    approximate_low: int = 0
    approximate_high: int = 0
    uncounted: dict[str, int] = field(default_factory=dict)  # "image (remote URL)" -> parts
    tool_uses: dict[str, int] = field(default_factory=dict)  # "web_search/call" -> uses assumed
    tool_requests: dict[str, int] = field(default_factory=dict)  # "web_search/call" -> requests with the tool
    calls_per_request: int = 1
    rules: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()
    unpriced_tools: dict[str, int] = field(default_factory=dict)  # "code_execution (billed by container time)" -> requests

    def to_dict(self) -> dict[str, Any]:
        return {
            "media_parts": self.media_parts, "media_tokens": self.media_tokens,
            "definition_requests": self.definition_requests, "fixed_tokens": self.fixed_tokens,
            "approximate_tokens": self.approximate_tokens,
            "approximate_interval": [self.approximate_low, self.approximate_high],
            "uncounted": self.uncounted, "server_tool_uses": self.tool_uses,
            "server_tool_requests": self.tool_requests, "calls_per_request": self.calls_per_request,
            "rules": list(self.rules), "server_tools_not_priced": self.unpriced_tools,
        }

    def notes(self) -> list[str]:
        """Plain words for what was counted, approximated, left out and assumed."""
        out: list[str] = []
        for kind, n in sorted(self.media_parts.items()):
            out.append(f"{n:,} {kind} part(s) counted as {self.media_tokens.get(kind, 0):,} input tokens by the "
                       "provider's published rule")
        if self.approximate_tokens or self.approximate_low != self.approximate_high:
            out.append(f"{self.approximate_tokens:,} input tokens of tool definitions, response schemas, tool calls "
                       "and results are approximate (no provider publishes their exact serialization): between "
                       f"{self.approximate_low:,} and {self.approximate_high:,}")
        if self.fixed_tokens:
            out.append(f"{self.fixed_tokens:,} input tokens of the provider's tool-use system prompt included")
        for kind, n in sorted(self.uncounted.items()):
            out.append(f"{n:,} {kind} part(s) NOT counted (no rule can size them offline); the input estimate "
                       "is low by their tokens")
        out += list(self.caveats)
        out += [f"{n:,} request(s) offer the server tool {what}: its charge is NOT estimated, so the cost is low by it"
                for what, n in sorted(self.unpriced_tools.items())]
        for unit, n in sorted(self.tool_requests.items()):
            out.append(f"{n:,} request(s) offer the server tool {unit.split('/')[0]}: {self.calls_per_request} "
                       f"{unit.split('/')[1].replace('_', ' ')}(s) per request assumed, "
                       f"{self.tool_uses.get(unit, 0):,} in all")
        return out


class Tally:
    """One file's parts beyond text, filled in while the reader walks each request."""

    def __init__(self, provider: str, calls_per_request: int = 1) -> None:
        self.provider = provider
        self.calls = calls_per_request
        self.media_parts: Counter[str] = Counter()
        self.media_tokens: Counter[str] = Counter()
        self.uncounted: Counter[str] = Counter()
        self.tool_uses: Counter[str] = Counter()
        self.tool_requests: Counter[str] = Counter()
        self.unpriced_tools: Counter[str] = Counter()  # server tools offered whose charge is not estimated
        self.definition_requests = 0
        self.fixed = 0
        self.approx_fixed = 0
        self.approx_fixed_low = 0
        self.approx_fixed_high = 0
        self.approx_text_tokens = 0  # set by the reader once the texts are counted
        self.rules: dict[str, None] = {}
        self.caveats: dict[str, None] = {}

    # -- media --------------------------------------------------------------

    def _media(self, request: _Request, kind: str, count: Any) -> None:
        request.overhead += count.tokens
        self.media_parts[kind] += 1
        self.media_tokens[kind] += count.tokens
        self.rules[count.rule] = None
        if not count.exact:
            self.approx_fixed += count.tokens
            self.approx_fixed_low += count.low if count.low is not None else count.tokens
            self.approx_fixed_high += count.high if count.high is not None else count.tokens

    def image(self, request: _Request, model: str | None, source: str, detail: str = "auto",
              media_type: str = "") -> None:
        """An image given as a data URL or bare base64 (counted), a URL or a file id (listed)."""
        data = source
        if source.startswith(("http://", "https://", "gs://")):
            self.uncounted["image (remote URL)"] += 1
            return
        found = data_url_bytes(source)
        if found is not None:
            media_type, data = found
        size = base64_image_size(data)
        if size is None:
            self.uncounted[f"image ({media_type or 'unreadable'})"] += 1
            return
        count = image_tokens(self.provider, model, *size, detail=detail)
        if count is None:
            self.uncounted[f"image (no published rule for {model or 'the model'})"] += 1
            return
        self._media(request, "image", count)

    def audio(self, request: _Request, model: str | None, data: str) -> None:
        head = base64_head(data, 4096)
        seconds = audio_seconds(head, len(data) * 3 // 4)
        count = audio_tokens(self.provider, model, seconds) if seconds is not None else None
        if count is None:
            self.uncounted["audio" if seconds is not None else "audio (not WAV)"] += 1
            return
        self._media(request, "audio", count)
        self.caveats["audio tokens are priced at the text input rate: Google bills audio input at a rate of its "
                     "own on most models, which the price tables do not hold, so their cost is low"] = None

    def pdf(self, request: _Request, model: str | None, data: str, resolution: str = "") -> None:
        pages = pdf_pages(base64_head(data, len(data)))
        count = pdf_tokens(self.provider, model, pages, resolution) if pages else None
        if count is None:
            self.uncounted["PDF" if pages else "PDF (pages unreadable)"] += 1
            return
        self._media(request, "PDF", count)

    def file(self, kind: str) -> None:
        self.uncounted[kind] += 1

    # -- definitions, calls and results ------------------------------------

    def approximate(self, request: _Request, value: Any) -> None:
        """A tool call, a tool result or a definition counted as its JSON text (approximate)."""
        text = value if isinstance(value, str) else json_text(value)
        request.texts.append(text)
        request.approx_texts.append(text)

    def server_tool(self, unit: str | None, label: str) -> None:
        if unit is None:
            self.unpriced_tools[f"{label} (no fee per use in the tables)"] += 1
            return
        self.tool_requests[unit] += 1
        self.tool_uses[unit] += self.calls

    # -- providers ----------------------------------------------------------

    def openai_tools(self, request: _Request, body: Mapping[str, Any], model: str | None, endpoint: str) -> None:
        """``tools``/``functions``, ``tool_choice`` and the response schema of a chat or responses body."""
        if _OPENAI_TOOL_KEYS.isdisjoint(body):  # most requests: nothing here to count or list
            return
        functions: list[Mapping[str, Any]] = []
        tools = body.get("tools")
        for tool in tools if isinstance(tools, list) else ():
            if not isinstance(tool, Mapping):
                continue
            kind = str(tool.get("type", "function"))
            if kind == "function":
                spec = tool.get("function", tool) if endpoint == "chat" else tool
                if isinstance(spec, Mapping):
                    functions.append(spec)
            else:
                base = _DATED.sub("", kind)
                self.server_tool(_OPENAI_SERVER_TOOLS.get(base), kind)
                if base not in _OPENAI_SERVER_TOOLS:
                    self.approximate(request, tool)
        legacy = body.get("functions")
        if isinstance(legacy, list):
            functions += [f for f in legacy if isinstance(f, Mapping)]
        if functions:
            d = openai_functions(functions, model)
            request.overhead += d.fixed
            request.texts.extend(d.texts)
            request.approx_texts.extend(d.texts)
            self.approx_fixed += d.fixed
            self.approx_fixed_low += math.floor(d.fixed * (1 - DEFINITION_SHARE))
            self.approx_fixed_high += math.ceil(d.fixed * (1 + DEFINITION_SHARE))
            self.rules["function definitions: the rule of OpenAI's cookbook (approximate)"] = None
        choice = body.get("tool_choice")
        if isinstance(choice, Mapping):
            self.approximate(request, choice)
        schema = None
        fmt = body.get("response_format") if endpoint == "chat" else None
        if isinstance(fmt, Mapping) and isinstance(fmt.get("json_schema"), Mapping):
            schema = fmt["json_schema"]
        text = body.get("text")
        if endpoint == "responses" and isinstance(text, Mapping) and isinstance(text.get("format"), Mapping):
            f = text["format"]
            if f.get("type") == "json_schema":
                schema = f
        if isinstance(schema, Mapping):
            self.approximate(request, {k: v for k, v in schema.items() if k in ("name", "description", "schema")})
        if functions or schema is not None:
            self.definition_requests += 1
        if isinstance(body.get("web_search_options"), Mapping):
            self.uncounted["web search options of a search model (billed by the model's own rates)"] += 1

    def openai_part(self, request: _Request, part: Mapping[str, Any], model: str | None) -> str | None:
        """One content part of an OpenAI message: its text, or None after counting or listing it."""
        kind = str(part.get("type", ""))
        if isinstance(part.get("text"), str):
            return str(part["text"])
        if kind in ("image_url", "input_image"):
            url = part.get("image_url")
            detail = part.get("detail", "auto")
            if isinstance(url, Mapping):
                detail = url.get("detail", detail)
                url = url.get("url")
            if isinstance(url, str):
                self.image(request, model, url, str(detail or "auto"))
            else:
                self.file("image (file id)")
            return None
        if kind == "input_audio":
            audio = part.get("input_audio")
            data = audio.get("data") if isinstance(audio, Mapping) else None
            if isinstance(data, str):
                self.audio(request, model, data)
            else:
                self.file("audio")
            return None
        if kind in ("file", "input_file"):
            self.file("file (PDF or other document; OpenAI publishes no per-page rule)")
            return None
        self.file(kind or "unknown part")
        return None

    def anthropic_tools(self, request: _Request, params: Mapping[str, Any], model: str | None) -> None:
        if "tools" not in params:
            return
        tools = params.get("tools")
        if not isinstance(tools, list) or not tools:
            return
        self.definition_requests += 1
        for tool in tools:
            if not isinstance(tool, Mapping):
                continue
            kind = str(tool.get("type", "custom"))
            base = _DATED.sub("", kind)
            if base in _ANTHROPIC_SERVER_TOOLS:
                self.server_tool(_ANTHROPIC_SERVER_TOOLS[base], kind)
            elif base in _BY_TIME:
                self.unpriced_tools[f"{base} (billed by container time)"] += 1
            self.approximate(request, {k: v for k, v in tool.items() if k != "cache_control"})
        choice = params.get("tool_choice")
        kind = str(choice.get("type", "auto")) if isinstance(choice, Mapping) else "auto"
        d = anthropic_tool_prompt(model, kind)  # "when you use tools", the API adds its tool-use system prompt
        request.overhead += d.fixed
        self.rules[d.note] = None
        if d.fixed_low == d.fixed_high == d.fixed:
            self.fixed += d.fixed
        else:
            self.approx_fixed += d.fixed
            self.approx_fixed_low += d.fixed_low
            self.approx_fixed_high += d.fixed_high

    def anthropic_block(self, request: _Request, block: Mapping[str, Any], model: str | None) -> str | None:
        """One content block of a Claude message: its text, or None after counting or listing it."""
        kind = str(block.get("type", ""))
        if isinstance(block.get("text"), str) and kind in ("text", ""):
            return str(block["text"])
        source = block.get("source")
        src = source if isinstance(source, Mapping) else {}
        if kind == "image":
            if src.get("type") == "base64" and isinstance(src.get("data"), str):
                self.image(request, model, str(src["data"]), media_type=str(src.get("media_type", "")))
            else:
                self.file(f"image ({src.get('type', 'unknown')} source)")
            return None
        if kind == "document":
            if src.get("type") == "text" and isinstance(src.get("data"), str):
                return str(src["data"])
            if src.get("type") == "base64" and isinstance(src.get("data"), str):
                self.pdf(request, model, str(src["data"]))
            else:
                self.file(f"document ({src.get('type', 'unknown')} source)")
            return None
        if kind == "tool_use":
            self.approximate(request, {"name": block.get("name"), "input": block.get("input")})
            return None
        if kind == "tool_result":
            content = block.get("content")
            if isinstance(content, str):
                self.approximate(request, content)
            elif isinstance(content, list):
                for inner in content:
                    if isinstance(inner, Mapping):
                        text = self.anthropic_block(request, inner, model)
                        if text is not None:
                            self.approximate(request, text)
            return None
        if kind in ("thinking", "redacted_thinking"):
            return str(block.get("thinking", "")) if kind == "thinking" else None
        self.file(kind or "unknown block")
        return None

    def gemini_tools(self, request: _Request, body: Mapping[str, Any], model: str | None) -> None:
        has = False
        tools = body.get("tools")
        for tool in tools if isinstance(tools, list) else ():
            if not isinstance(tool, Mapping):
                continue
            for key, value in tool.items():
                if key in ("functionDeclarations", "function_declarations"):
                    has = True
                    self.approximate(request, value)
                elif key in ("googleSearch", "google_search", "googleSearchRetrieval", "google_search_retrieval"):
                    third = bool(re.match(r"gemini-([3-9]|\d\d)", model or ""))
                    self.server_tool("google_search/search_query" if third else "google_search/grounded_prompt",
                                     key)
                else:
                    self.uncounted[f"tool {key} (billed as tokens only; its definition not counted)"] += 1
        config = body.get("generationConfig", body.get("generation_config"))
        if isinstance(config, Mapping):
            for key in ("responseSchema", "response_schema", "responseJsonSchema", "response_json_schema"):
                if isinstance(config.get(key), Mapping):
                    has = True
                    self.approximate(request, config[key])
        if has:
            self.definition_requests += 1

    def gemini_part(self, request: _Request, part: Mapping[str, Any], model: str | None, resolution: str) -> str | None:
        """One part of Gemini contents: its text, or None after counting or listing it."""
        if isinstance(part.get("text"), str):
            return str(part["text"])
        inline = part.get("inlineData", part.get("inline_data"))
        own = part.get("mediaResolution", part.get("media_resolution"))
        level = str(own.get("level", resolution) if isinstance(own, Mapping) else own or resolution).lower()
        level = level.removeprefix("media_resolution_")
        if isinstance(inline, Mapping) and isinstance(inline.get("data"), str):
            mime = str(inline.get("mimeType", inline.get("mime_type", ""))).lower()
            data = str(inline["data"])
            if mime.startswith("image/"):
                self.image(request, model, data, level, mime)
            elif mime.startswith("audio/"):
                self.audio(request, model, data)
            elif mime == "application/pdf":
                self.pdf(request, model, data, level)
            else:
                self.file(f"inline {mime or 'data'}")
            return None
        if "fileData" in part or "file_data" in part:
            self.file("file (remote URI)")
            return None
        for key in ("functionCall", "function_call", "functionResponse", "function_response"):
            if key in part:
                self.approximate(request, part[key])
                return None
        self.file(str(next(iter(part), "unknown part")))
        return None

    def summary(self) -> PartsSummary:
        text = self.approx_text_tokens
        return PartsSummary(
            media_parts=dict(self.media_parts), media_tokens=dict(self.media_tokens),
            definition_requests=self.definition_requests, fixed_tokens=self.fixed,
            approximate_tokens=text + self.approx_fixed,
            approximate_low=math.floor(text * (1 - DEFINITION_SHARE)) + self.approx_fixed_low,
            approximate_high=math.ceil(text * (1 + DEFINITION_SHARE)) + self.approx_fixed_high,
            uncounted=dict(self.uncounted), tool_uses=dict(self.tool_uses), tool_requests=dict(self.tool_requests),
            calls_per_request=self.calls, rules=tuple(self.rules), caveats=tuple(self.caveats),
            unpriced_tools=dict(self.unpriced_tools),
        )


@dataclass(frozen=True)
class DefinitionsCount:
    """What a dataset's requests each carry besides their rows: tool definitions and a response schema."""

    tokens: int  # per request
    low: int
    high: int
    tool_uses: tuple[tuple[str, int], ...]  # per request
    notes: tuple[str, ...]


def request_definitions(provider: str, model: str, tokenizer: Any, *, tools: Any = None, schema: Any = None,
                        calls_per_request: int = 1) -> DefinitionsCount:
    """Tokens that ``tools`` (a list of tool definitions, in the provider's request format) and a response
    ``schema`` (a JSON schema) add to every request, and the server-tool uses they bring, by the same rules
    as a batch file's requests."""
    tally = Tally(provider, calls_per_request)
    request = _Parts()
    tool_list = list(tools) if isinstance(tools, list) else []
    if provider == "openai":
        body: dict[str, Any] = {"tools": tool_list}
        if isinstance(schema, Mapping):
            body["response_format"] = {"type": "json_schema", "json_schema": {"name": "response", "schema": schema}}
        tally.openai_tools(request, body, model, "chat")
    elif provider == "anthropic":
        tally.anthropic_tools(request, {"tools": tool_list}, model)
        if isinstance(schema, Mapping):
            tally.approximate(request, schema)
    else:
        declarations = [t for t in tool_list if isinstance(t, Mapping) and "name" in t]
        others = [t for t in tool_list if isinstance(t, Mapping) and "name" not in t]
        gemini: dict[str, Any] = {"tools": [*([{"functionDeclarations": declarations}] if declarations else []),
                                            *others]}
        if isinstance(schema, Mapping):
            gemini["generationConfig"] = {"responseSchema": schema}
        tally.gemini_tools(request, gemini, model)
    counts = tokenizer.count_batch(request.texts) if request.texts else []
    tally.approx_text_tokens = sum(counts)
    summary = tally.summary()
    tokens = request.overhead + sum(counts)
    exact_part = tokens - summary.approximate_tokens
    notes = [n for n in summary.notes() if "server tool" not in n]
    return DefinitionsCount(tokens, exact_part + summary.approximate_low, exact_part + summary.approximate_high,
                            tuple(sorted(summary.tool_uses.items())), tuple(notes))


class _Parts:
    """A stand-in request that only gathers what definitions add."""

    def __init__(self) -> None:
        self.overhead = 0
        self.texts: list[str] = []
        self.approx_texts: list[str] = []
