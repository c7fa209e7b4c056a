"""What a job uses: every billable unit, in total and per long-context tier, and the size of one request.

``Usage`` is the one home of billable units, for a whole job or for one request a provider
reported: tokens by kind (input, cache reads, cache writes by lifetime, output, reasoning), server
tool calls, the tier that served, the surcharges that applied, the model that answered, and any
unit the price tables cannot price (kept with its count, never dropped). ``RequestSize`` is the
average request, kept as exact fractions, from which a usage of any number of requests is built
(long-context tiers included when a price entry is given).

The providers' own usage objects are read here too (``read_usage``), field by field: a value that
is not a whole number of tokens is a ``UsageProblem`` naming the field, never a silent 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from typing import Any

from estimator import convert
from estimator.convert import set_field
from estimator.errors import UsageError, param
from estimator.pricing import Price

__all__ = ["RequestSize", "TierUsage", "Usage", "UsageProblem", "plain_usage", "read_usage",
           "usage_of_plain"]


@dataclass(frozen=True)
class TierUsage:
    """The requests whose prompt exceeds ``above_input_tokens``, and their tokens."""

    above_input_tokens: int
    requests: int
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class Usage:
    """Billable units of a job (or of one request, ``requests=1``), summed over its requests.

    ``tiers`` holds, for each long-context threshold of the model, the totals
    of the requests above it (a subset of the main totals). Leave it empty
    when the model has no tiers or no request crosses one.

    The detail fields are parts of the totals or units beside them, where a provider reported them
    (an estimate leaves them at their defaults): ``cached_input_tokens`` and ``cache_writes``
    (``(ttl, tokens)``; ``""`` is the provider's default lifetime) are parts of ``input_tokens``;
    ``reasoning_tokens`` are part of ``output_tokens``; ``tool_uses`` are server-tool units such as
    ``("web_search/call", 3)``; ``service_tier`` is the mode that served (``"standard"``,
    ``"batch"``, ``"flex"``, ``"priority"``, ...; ``None``: as asked; anything else is the
    provider's own word, priced as asked with a note); ``uplifts`` the surcharges that applied
    (``"us_inference"``); ``model`` the model that answered; ``unpriced`` units the price tables do
    not price (audio tokens, an unknown cache lifetime), with their counts, kept so they are listed.
    """

    requests: int
    input_tokens: int
    output_tokens: int
    tiers: tuple[TierUsage, ...] = ()
    # (output tokens, requests) pairs: how the output spreads over the requests, where it is
    # known (a counted dataset). Early exit caps each stream at its own answer with it.
    output_per_request: tuple[tuple[int, int], ...] = ()
    cached_input_tokens: int = 0
    cache_writes: tuple[tuple[str, int], ...] = ()
    reasoning_tokens: int = 0
    tool_uses: tuple[tuple[str, int], ...] = ()
    service_tier: str | None = None
    uplifts: tuple[str, ...] = ()
    model: str | None = None
    unpriced: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        for name in ("requests", "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens"):
            # totals: products of counts, no bound of their own
            set_field(self, name, convert.count(getattr(self, name), name, maximum=None))
        for name in ("cache_writes", "tool_uses", "unpriced"):
            set_field(self, name, _units(getattr(self, name), name))
        set_field(self, "uplifts", tuple(convert.text(u, "uplifts") for u in self.uplifts))
        set_field(self, "service_tier", convert.optional(convert.text, self.service_tier, "service_tier"))
        set_field(self, "model", convert.optional(convert.text, self.model, "model"))
        if self.cached_input_tokens + self.cache_write_tokens > self.input_tokens:
            raise UsageError(f"cache reads and writes ({self.cached_input_tokens + self.cache_write_tokens:,}) "
                             f"exceed the input tokens ({self.input_tokens:,}); they are part of them",
                             param="cached_input_tokens")
        if self.reasoning_tokens > self.output_tokens:
            raise UsageError(f"reasoning tokens ({self.reasoning_tokens:,}) exceed the output tokens "
                             f"({self.output_tokens:,}); they are part of them", param="reasoning_tokens")

    @classmethod
    def reported(cls, input_tokens: int, output_tokens: int, *, cached_input_tokens: int = 0,
                 cache_writes: tuple[tuple[str, int], ...] = (), reasoning_tokens: int = 0,
                 tool_uses: tuple[tuple[str, int], ...] = (), service_tier: str | None = None,
                 uplifts: tuple[str, ...] = (), model: str | None = None,
                 unpriced: tuple[tuple[str, int], ...] = ()) -> Usage:
        """One request as a provider reported it, every field already checked by ``read_usage``
        (built without checking again: a result file has a usage per line)."""
        u = object.__new__(cls)
        u.__dict__.update(requests=1, input_tokens=input_tokens, output_tokens=output_tokens, tiers=(),
                          output_per_request=(), cached_input_tokens=cached_input_tokens, cache_writes=cache_writes,
                          reasoning_tokens=reasoning_tokens, tool_uses=tool_uses, service_tier=service_tier,
                          uplifts=uplifts, model=model, unpriced=unpriced)
        return u

    @property
    def cache_write_tokens(self) -> int:
        """Tokens written to the cache, every lifetime together."""
        return sum(n for _, n in self.cache_writes)

    @property
    def uncached_input_tokens(self) -> int:
        """Input tokens neither read from nor written to a cache."""
        return self.input_tokens - self.cached_input_tokens - self.cache_write_tokens

    def __add__(self, other: Usage) -> Usage:
        """Both usages together: counts summed; the tier, model and uplifts kept where both agree."""
        if not isinstance(other, Usage):
            return NotImplemented
        by_limit: dict[int, TierUsage] = {t.above_input_tokens: t for t in self.tiers}
        for t in other.tiers:
            old = by_limit.get(t.above_input_tokens)
            by_limit[t.above_input_tokens] = t if old is None else TierUsage(
                t.above_input_tokens, old.requests + t.requests, old.input_tokens + t.input_tokens,
                old.output_tokens + t.output_tokens)
        return Usage(
            requests=self.requests + other.requests,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            tiers=tuple(by_limit[k] for k in sorted(by_limit)),
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            cache_writes=_merged(self.cache_writes, other.cache_writes),
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            tool_uses=_merged(self.tool_uses, other.tool_uses),
            service_tier=self.service_tier if self.service_tier == other.service_tier else None,
            uplifts=self.uplifts if self.uplifts == other.uplifts else (),
            model=self.model if self.model == other.model else None,
            unpriced=_merged(self.unpriced, other.unpriced),
        )

    def scaled(self, factor: Decimal) -> Usage:
        """The same job ``factor`` times as large (token counts rounded up)."""

        def up(n: int) -> int:
            return int((Decimal(n) * factor).to_integral_value(rounding=ROUND_CEILING))

        def each(units: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
            return tuple((name, up(n)) for name, n in units)

        cached, writes = up(self.cached_input_tokens), each(self.cache_writes)
        inp = max(up(self.input_tokens), cached + sum(n for _, n in writes))  # parts rounded up stay parts
        out = up(self.output_tokens)
        return Usage(
            requests=up(self.requests),
            input_tokens=inp,
            output_tokens=out,
            tiers=tuple(
                TierUsage(t.above_input_tokens, up(t.requests), up(t.input_tokens), up(t.output_tokens))
                for t in self.tiers
            ),
            output_per_request=self.output_per_request,  # a shape: early exit rescales it to the totals
            cached_input_tokens=cached,
            cache_writes=writes,
            reasoning_tokens=min(up(self.reasoning_tokens), out),
            tool_uses=each(self.tool_uses),
            service_tier=self.service_tier,
            uplifts=self.uplifts,
            model=self.model,
            unpriced=each(self.unpriced),
        )


def _units(value: Iterable[tuple[str, int]], name: str) -> tuple[tuple[str, int], ...]:
    """``(name, count)`` pairs, checked, in a stable order, one pair per name."""
    if isinstance(value, Mapping):
        value = value.items()
    if isinstance(value, (str, bytes)):
        raise UsageError(f"{param(name)} must be (name, count) pairs, not {value!r}", param=name)
    pairs: dict[str, int] = {}
    for item in value:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
            raise UsageError(f"{param(name)} must be (name, count) pairs, not {item!r}", param=name)
        pairs[item[0]] = pairs.get(item[0], 0) + convert.count(item[1], name, maximum=None)
    return tuple(sorted(pairs.items()))


def _merged(a: tuple[tuple[str, int], ...], b: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    pairs = dict(a)
    for name, n in b:
        pairs[name] = pairs.get(name, 0) + n
    return tuple(sorted(pairs.items()))


@dataclass(frozen=True)
class RequestSize:
    """Average tokens of one request, kept as exact fractions."""

    input_tokens: Fraction
    output_tokens: Fraction

    def __post_init__(self) -> None:
        for name in ("input_tokens", "output_tokens"):
            if getattr(self, name) < 0:
                raise UsageError(f"{param(name)} (tokens per request) must be >= 0, got {getattr(self, name)}",
                                 param=name)

    @classmethod
    def of(cls, usage: Usage) -> RequestSize:
        if usage.requests == 0:
            return cls(Fraction(0), Fraction(0))
        return cls(Fraction(usage.input_tokens, usage.requests), Fraction(usage.output_tokens, usage.requests))

    @classmethod
    def per_request(cls, input_tokens: int | Decimal | str, output_tokens: int | Decimal | str) -> RequestSize:
        """A request of this many input and output tokens on average (any number a person types)."""
        return cls(*(Fraction(convert.number(value, name, maximum=convert.MAX_COUNT))
                     for name, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens))))

    def usage(self, requests: int, price: Price) -> Usage:
        """Totals of ``requests`` such requests, rounded up to whole tokens.

        Every request is taken to be of this size, so when the size crosses a
        long-context threshold of the price entry all of the requests are long: the usage carries them in ``Usage.tiers`` and they
        are priced at the tier's rates (plan, route and forecast all build
        their usages here).
        """
        requests = convert.count(requests, "requests", maximum=None)
        inp, out = math.ceil(self.input_tokens * requests), math.ceil(self.output_tokens * requests)
        tiers = tuple(
            TierUsage(limit, requests, inp, out)
            for limit in price.thresholds if requests and self.input_tokens > limit
        )
        return Usage(requests, inp, out, tiers)

    @property
    def input_decimal(self) -> Decimal:
        return fraction_decimal(self.input_tokens)

    @property
    def output_decimal(self) -> Decimal:
        return fraction_decimal(self.output_tokens)


def fraction_decimal(value: Fraction | int) -> Decimal:
    """An exact fraction as a Decimal (to the context's precision)."""
    f = Fraction(value)
    return Decimal(f.numerator) / Decimal(f.denominator)


# --------------------------------------------------------------------------
# The providers' usage objects, read field by field
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageProblem:
    """A usage field that cannot be a billed count: where it is (a dotted path) and what is wrong."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class HugeNumber(str):
    """An integer literal too long to convert (over Python's 4,300 digits): kept as its text so the
    reader can name the field it stands in."""


MAX_REQUEST_TOKENS = convert.MAX_COUNT
"""More tokens than this on one request is not a count any provider bills."""

_ABSENT = object()


def _described(value: object) -> str:
    if value is _ABSENT:
        return "is missing"
    if value is None:
        return "is null"
    if isinstance(value, bool):
        return f"is {str(value).lower()}, not a number of tokens"
    if isinstance(value, HugeNumber):
        return f"is a number of {len(value.lstrip('-')):,} digits, not a number of tokens"
    if isinstance(value, float):
        if value != value:
            return "is NaN, not a number of tokens"
        if value in (float("inf"), float("-inf")):
            return f"is {'-' if value < 0 else ''}Infinity, not a number of tokens"
        return f"is {value!r}, a decimal number, not a whole number of tokens"
    if isinstance(value, int):
        return f"is {value:,}, below 0" if value < 0 else f"is {value:,}, more than any request is billed"
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:17] + "..."
        return f"is the text {shown!r}, not a number"
    return f"is a JSON {'array' if isinstance(value, list) else 'object'}, not a number"


class _Fields:
    """Reads token counts out of one usage object, collecting a problem per bad field."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[UsageProblem] = []

    def tokens(self, obj: Any, *keys: str, required: bool = False) -> int:
        value: Any = obj
        for key in keys:
            value = value.get(key, _ABSENT) if isinstance(value, Mapping) else _ABSENT
        if type(value) is int and 0 <= value <= MAX_REQUEST_TOKENS:
            return value
        if (value is _ABSENT or value is None) and not required:
            return 0
        self.problem(".".join(keys), _described(value))
        return 0

    def problem(self, field: str, message: str) -> None:
        self.problems.append(UsageProblem(f"{self.where}.{field}" if self.where else field, message))

    def part(self, part: int, part_name: str, whole: int, whole_name: str) -> bool:
        """Whether ``part`` fits in ``whole``; a problem when it does not."""
        if part > whole:
            self.problem(part_name, f"{part:,} exceed {whole_name} ({whole:,}), of which they are a part")
            return False
        return True


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def read_usage(provider: str, response: Any, where: str = "", *,
               plain_tried: bool = False) -> tuple[Usage | None, tuple[UsageProblem, ...]]:
    """The usage of one answered request from the provider's response object, and any bad field.

    ``response`` is the OpenAI response ``body``, the Anthropic ``message`` or the Gemini
    ``GenerateContentResponse``; ``where`` is its dotted path in the line (for the messages).
    With any problem the usage is None: the request ran, but what it was billed is unknown.
    ``plain_tried``: the caller already had ``plain_usage`` say None, so it is not tried again.
    """
    if not plain_tried:
        plain = plain_usage(provider, response)
        if plain is not None:
            return usage_of_plain(plain), ()
    reader = {"openai": _openai, "anthropic": _anthropic, "google": _google}.get(provider)
    if reader is None:
        raise UsageError(f"unknown provider {provider!r}", param="provider")
    f = _Fields(where)
    if not isinstance(response, Mapping):
        f.problems.append(UsageProblem(where or "response", _described(response).replace(", not a number", "")))
        return None, tuple(f.problems)
    usage = reader(response, f)
    return (usage if not f.problems else None), tuple(f.problems)


# Service-tier words of the providers -> the mode they bill as.
_OPENAI_TIERS = {"default": "standard", "auto": "standard", "standard": "standard", "flex": "flex",
                 "priority": "priority", "fast": "priority", "ultrafast": "ultrafast", "batch": "batch"}
_GOOGLE_TIERS = {"ON_DEMAND": "standard", "ON_DEMAND_FLEX": "flex", "ON_DEMAND_PRIORITY": "priority",
                 "STANDARD": "standard", "FLEX": "flex", "PRIORITY": "priority", "BATCH": "batch"}


def _openai(body: Mapping[str, Any], f: _Fields) -> Usage | None:
    """Chat completions, responses or embeddings (https://platform.openai.com/docs/api-reference).

    Cached reads and cache writes are part of the prompt tokens, reasoning part of the
    completion tokens; audio tokens (part of them too) are listed apart, unpriced.
    """
    usage = body.get("usage", _ABSENT)
    if not isinstance(usage, Mapping):
        f.problem("usage", _described(usage).replace(", not a number", ""))
        return None
    f.where = f"{f.where}.usage" if f.where else "usage"
    if "input_tokens" in usage and "prompt_tokens" not in usage:  # /v1/responses
        names = ("input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details")
    else:  # /v1/chat/completions and /v1/embeddings (no completion tokens)
        names = ("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details")
    inp_name, out_name, in_details, out_details = names
    inp = f.tokens(usage, inp_name, required=True)
    out = f.tokens(usage, out_name, required=body.get("object") != "list")  # an embeddings list has no output
    cached = f.tokens(usage, in_details, "cached_tokens")
    writes = f.tokens(usage, in_details, "cache_write_tokens")
    reasoning = f.tokens(usage, out_details, "reasoning_tokens")
    audio_in = f.tokens(usage, in_details, "audio_tokens")
    audio_out = f.tokens(usage, out_details, "audio_tokens")
    if f.part(cached + writes, f"{in_details}.cached_tokens", inp, inp_name):
        f.part(cached + writes + audio_in, f"{in_details}.audio_tokens", inp, inp_name)
    if f.part(reasoning, f"{out_details}.reasoning_tokens", out, out_name):
        f.part(reasoning + audio_out, f"{out_details}.audio_tokens", out, out_name)
    retention = _text(body.get("prompt_cache_retention"))
    ttl = "" if retention in (None, "in_memory", "in-memory", "default") else str(retention)
    searches = 0
    output = body.get("output")
    if isinstance(output, list):  # /v1/responses: one output item per server tool call
        searches = sum(1 for item in output if isinstance(item, Mapping) and item.get("type") == "web_search_call")
    tier = _text(body.get("service_tier"))
    unpriced = [(k, n) for k, n in (("audio input tokens", audio_in), ("audio output tokens", audio_out)) if n]
    if f.problems:
        return None
    return Usage.reported(
        inp - audio_in, out - audio_out, cached_input_tokens=cached,
        cache_writes=((ttl, writes),) if writes else (), reasoning_tokens=reasoning,
        tool_uses=(("web_search/call", searches),) if searches else (),
        service_tier=_OPENAI_TIERS.get(tier, tier) if tier else None,
        model=_text(body.get("model")), unpriced=tuple(unpriced),
    )


def _anthropic(message: Mapping[str, Any], f: _Fields) -> Usage | None:
    """Messages API usage (https://docs.anthropic.com/en/api/messages): ``input_tokens`` excludes
    cache reads and writes; ``cache_creation`` splits the writes by lifetime; ``server_tool_use``
    counts web searches and fetches; ``inference_geo`` and ``speed`` say where and how it ran."""
    usage = message.get("usage", _ABSENT)
    if not isinstance(usage, Mapping):
        f.problem("usage", _described(usage).replace(", not a number", ""))
        return None
    f.where = f"{f.where}.usage" if f.where else "usage"
    uncached = f.tokens(usage, "input_tokens", required=True)
    out = f.tokens(usage, "output_tokens", required=True)
    reads = f.tokens(usage, "cache_read_input_tokens")
    writes = f.tokens(usage, "cache_creation_input_tokens")
    by_ttl = usage.get("cache_creation")
    five = one_hour = 0
    if isinstance(by_ttl, Mapping):
        five = f.tokens(usage, "cache_creation", "ephemeral_5m_input_tokens")
        one_hour = f.tokens(usage, "cache_creation", "ephemeral_1h_input_tokens")
        if "cache_creation_input_tokens" in usage and five + one_hour > writes:
            f.problem("cache_creation", f"the writes by lifetime ({five + one_hour:,}) exceed "
                                        f"cache_creation_input_tokens ({writes:,})")
        five = max(five, writes - one_hour)  # writes of no stated lifetime are the default 5 minutes
    elif by_ttl is not None:
        f.problem("cache_creation", _described(by_ttl).replace(", not a number", ", not an object"))
    else:
        five = writes
    tools = usage.get("server_tool_use")
    searches = fetches = 0
    if isinstance(tools, Mapping):
        searches = f.tokens(usage, "server_tool_use", "web_search_requests")
        fetches = f.tokens(usage, "server_tool_use", "web_fetch_requests")
    speed, tier, geo = _text(usage.get("speed")), _text(usage.get("service_tier")), _text(usage.get("inference_geo"))
    served = "priority" if speed == "fast" else "batch" if tier == "batch" else "standard" if tier else None
    if f.problems:
        return None
    return Usage.reported(
        uncached + reads + five + one_hour, out, cached_input_tokens=reads,
        cache_writes=tuple((ttl, n) for ttl, n in (("", five), ("1h", one_hour)) if n),
        tool_uses=tuple((k, n) for k, n in (("web_fetch/call", fetches), ("web_search/call", searches)) if n),
        service_tier=served, uplifts=("us_inference",) if geo == "us" else (),
        model=_text(message.get("model")),
    )


def _google(response: Mapping[str, Any], f: _Fields) -> Usage | None:
    """``usageMetadata`` (https://ai.google.dev/api/generate-content#UsageMetadata):
    ``promptTokenCount`` includes the cached content, thinking tokens bill as output, tool-use
    prompt tokens as input; grounding with Google Search bills per grounded prompt (Gemini 2.x)
    or per unique non-empty search query (Gemini 3), from ``groundingMetadata``."""
    meta = response.get("usageMetadata", _ABSENT)
    if not isinstance(meta, Mapping):
        f.problem("usageMetadata", _described(meta).replace(", not a number", ""))
        return None
    f.where = f"{f.where}.usageMetadata" if f.where else "usageMetadata"
    prompt = f.tokens(meta, "promptTokenCount", required=True)
    tool_prompt = f.tokens(meta, "toolUsePromptTokenCount")
    cached = f.tokens(meta, "cachedContentTokenCount")
    candidates = f.tokens(meta, "candidatesTokenCount")
    thoughts = f.tokens(meta, "thoughtsTokenCount")
    fits = f.part(cached, "cachedContentTokenCount", prompt, "promptTokenCount")
    audio = 0
    details = meta.get("promptTokensDetails")
    if isinstance(details, list):
        for i, d in enumerate(details):
            if isinstance(d, Mapping) and d.get("modality") == "AUDIO":
                n = d.get("tokenCount")
                if type(n) is int and 0 <= n <= MAX_REQUEST_TOKENS:
                    audio += n
                elif n is not None:
                    f.problem(f"promptTokensDetails.{i}.tokenCount", _described(n))
    if fits:
        f.part(cached + audio, "promptTokensDetails", prompt, "promptTokenCount")
    grounded, queries = 0, set[str]()
    for candidate in response.get("candidates") or ():
        grounding = candidate.get("groundingMetadata") if isinstance(candidate, Mapping) else None
        if isinstance(grounding, Mapping):
            grounded = 1
            queries.update(q for q in grounding.get("webSearchQueries") or () if isinstance(q, str) and q.strip())
    raw_tier = _text(meta.get("serviceTier")) or _text(meta.get("trafficType"))
    tier = _GOOGLE_TIERS.get(raw_tier.upper(), raw_tier) if raw_tier else None
    if f.problems:
        return None
    tools = (("google_search/grounded_prompt", grounded), ("google_search/search_query", len(queries)))
    return Usage.reported(
        prompt + tool_prompt - audio, candidates + thoughts, cached_input_tokens=cached, reasoning_tokens=thoughts,
        tool_uses=tuple((k, n) for k, n in tools if n), service_tier=tier,
        model=_text(response.get("modelVersion")),
        unpriced=(("audio input tokens", audio),) if audio else (),
    )


# --------------------------------------------------------------------------
# Fast paths: the common, clean usage objects, read without collecting problems. Anything
# unusual (a detail field, a value that is not a plain count) returns None and the careful
# reader above reads the object, naming every bad field.
# --------------------------------------------------------------------------


PlainUsage = tuple[int, int, int, int, int, str | None, str | None]
"""A clean usage as plain fields: (input tokens, output tokens, cached input tokens, reasoning tokens,
cache writes of the default lifetime, tier billed, model): no tool use, uplift or unpriced unit."""


def plain_usage(provider: str, response: Any) -> PlainUsage | None:
    """The usage of a common, clean response object as plain fields (``usage_of_plain`` makes it a
    ``Usage``), read without collecting problems; None for anything else, which ``read_usage`` reads
    field by field. A result file reader keeps these fields as they are: a ``Usage`` per line costs
    as much as reading the line."""
    fast = _FAST.get(provider)
    return fast(response) if fast is not None and type(response) is dict else None


def usage_of_plain(plain: PlainUsage) -> Usage:
    """The ``Usage`` of one request's plain fields (from ``plain_usage``)."""
    inp, out, cached, reasoning, writes, tier, model = plain
    return Usage.reported(inp, out, cached_input_tokens=cached, reasoning_tokens=reasoning,
                          cache_writes=(("", writes),) if writes else (), service_tier=tier, model=model)


def _n(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_REQUEST_TOKENS


def _none(value: Any) -> bool:
    """Null or the integer 0: a detail that adds nothing (``false`` and ``0.0`` are for the careful reader)."""
    return value is None or (type(value) is int and value == 0)


def _fast_openai(body: dict[str, Any]) -> PlainUsage | None:
    usage = body.get("usage")
    if type(usage) is not dict or body.get("prompt_cache_retention") is not None or len(usage) > 5:
        return None
    output = body.get("output")
    if "input_tokens" in usage and "prompt_tokens" not in usage:  # /v1/responses
        inp: Any = usage.get("input_tokens")
        out: Any = usage.get("output_tokens")
        pd, cd = usage.get("input_tokens_details"), usage.get("output_tokens_details")
        if output is not None:
            if type(output) is not list:
                return None
            for item in output:
                if type(item) is not dict or item.get("type") == "web_search_call":
                    return None  # a server tool call (or an odd item): the careful reader
    else:  # /v1/chat/completions, /v1/embeddings (a list, with no completion tokens)
        if output is not None:
            return None
        inp, out = usage.get("prompt_tokens"), usage.get("completion_tokens")
        if out is None and body.get("object") == "list":
            out = 0
        pd, cd = usage.get("prompt_tokens_details"), usage.get("completion_tokens_details")
    if not (_n(inp) and _n(out)):
        return None
    cached: Any = 0
    reasoning: Any = 0
    if pd is not None:
        if type(pd) is not dict:
            return None
        for k, v in pd.items():
            if k != "cached_tokens" and not _none(v):
                return None  # cache writes, audio: the careful reader
        cached = pd.get("cached_tokens")
        cached = 0 if cached is None else cached
        if not _n(cached) or cached > inp:
            return None
    if cd is not None:
        if type(cd) is not dict:
            return None
        for k, v in cd.items():
            if k != "reasoning_tokens" and not _none(v):
                return None
        reasoning = cd.get("reasoning_tokens")
        reasoning = 0 if reasoning is None else reasoning
        if not _n(reasoning) or reasoning > out:
            return None
    tier = body.get("service_tier")
    if tier is not None and (type(tier) is not str or tier not in _OPENAI_TIERS):
        return None
    return inp, out, cached, reasoning, 0, _OPENAI_TIERS[tier] if tier else None, _text(body.get("model"))


def _fast_anthropic(message: dict[str, Any]) -> PlainUsage | None:
    usage = message.get("usage")
    if type(usage) is not dict:
        return None
    inp: Any = usage.get("input_tokens")
    out: Any = usage.get("output_tokens")
    reads: Any = usage.get("cache_read_input_tokens")
    writes: Any = usage.get("cache_creation_input_tokens")
    reads, writes = 0 if reads is None else reads, 0 if writes is None else writes  # (false is not 0)
    if not (_n(inp) and _n(out) and _n(reads) and _n(writes)):
        return None
    if not _ANTHROPIC_PLAIN.issuperset(usage):
        for key, value in usage.items():
            if key in _ANTHROPIC_PLAIN or value is None:
                continue
            if key == "cache_creation":  # writes by lifetime: plain while all are of the default 5 minutes
                if type(value) is not dict:
                    return None
                five, hour = value.get("ephemeral_5m_input_tokens"), value.get("ephemeral_1h_input_tokens")
                five, hour = 0 if five is None else five, 0 if hour is None else hour
                if not (_n(five) and _n(hour)) or hour or ("cache_creation_input_tokens" in usage and five > writes):
                    return None  # one-hour writes, or a bad count: the careful reader says which
                writes = max(five, writes)
            elif key == "server_tool_use":  # plain while no server tool ran
                if type(value) is not dict or not all(_none(value.get(k)) for k in _ANTHROPIC_TOOL_COUNTS):
                    return None
            elif (key == "inference_geo" and value == "us") or (key == "speed" and value == "fast"):
                return None  # a residency surcharge, or the fast tier
            elif key not in ("inference_geo", "speed"):
                return None  # a field this reader does not know: the careful reader
    tier = usage.get("service_tier")
    if tier is not None and type(tier) is not str:
        return None
    return (inp + reads + writes, out, reads, 0, writes,
            ("batch" if tier == "batch" else "standard") if tier else None, _text(message.get("model")))


def _fast_google(response: dict[str, Any]) -> PlainUsage | None:
    meta = response.get("usageMetadata")
    if type(meta) is not dict:
        return None
    prompt: Any = meta.get("promptTokenCount")
    if not _n(prompt):
        return None
    counts: list[Any] = []
    for key in ("toolUsePromptTokenCount", "cachedContentTokenCount", "candidatesTokenCount", "thoughtsTokenCount"):
        value = meta.get(key)
        if value is None:
            value = 0
        elif not _n(value):
            return None
        counts.append(value)
    tool_prompt, cached, candidates, thoughts = counts
    if cached > prompt:
        return None
    details = meta.get("promptTokensDetails")
    if type(details) is list:
        for d in details:
            if isinstance(d, Mapping) and d.get("modality") == "AUDIO":
                return None  # audio tokens are listed apart: the careful reader
    found = response.get("candidates")
    if found:
        if type(found) is not list:
            return None
        for candidate in found:
            if isinstance(candidate, Mapping) and isinstance(candidate.get("groundingMetadata"), Mapping):
                return None  # grounding bills per prompt or per query: the careful reader
    raw_tier = _text(meta.get("serviceTier")) or _text(meta.get("trafficType"))
    tier = _GOOGLE_TIERS.get(raw_tier.upper(), raw_tier) if raw_tier else None
    return (prompt + tool_prompt, candidates + thoughts, cached, thoughts, 0, tier,
            _text(response.get("modelVersion")))


_ANTHROPIC_PLAIN = frozenset({"input_tokens", "output_tokens", "cache_read_input_tokens",
                              "cache_creation_input_tokens", "service_tier"})
_ANTHROPIC_TOOL_COUNTS = ("web_search_requests", "web_fetch_requests")
_FAST: dict[str, Any] = {"openai": _fast_openai, "anthropic": _fast_anthropic, "google": _fast_google}
