"""Result and error files of batch jobs, read into one record per request.

Every provider writes one JSON object per line, in any order; the request's
id is the only join key. Shapes, each from the provider's page:

* OpenAI Batch API output and error files
  (https://platform.openai.com/docs/guides/batch, "Retrieve the results";
  https://platform.openai.com/docs/api-reference/batch/request-output):
  ``{"id", "custom_id", "response": {"status_code", "request_id", "body"} | null,
  "error": null | {"code", "message"}}``. ``body.usage`` is, for
  ``/v1/chat/completions``, ``{"prompt_tokens", "completion_tokens",
  "prompt_tokens_details": {"cached_tokens"}, "completion_tokens_details":
  {"reasoning_tokens"}}``; for ``/v1/responses``, ``{"input_tokens",
  "output_tokens", "input_tokens_details": {"cached_tokens"},
  "output_tokens_details": {"reasoning_tokens"}}``; for ``/v1/embeddings``,
  ``{"prompt_tokens", "total_tokens"}``. Cached tokens are part of the prompt
  tokens and reasoning tokens part of the completion tokens
  (https://platform.openai.com/docs/guides/prompt-caching,
  https://platform.openai.com/docs/guides/reasoning). Error codes of requests
  that never ran: ``batch_expired``, ``batch_cancelled``, ``request_timeout``.
* Anthropic Message Batches results
  (https://docs.anthropic.com/en/api/retrieving-message-batch-results,
  https://docs.anthropic.com/en/docs/build-with-claude/batch-processing):
  ``{"custom_id", "result": {"type": "succeeded", "message": {..., "usage":
  {"input_tokens", "output_tokens", "cache_creation_input_tokens",
  "cache_read_input_tokens", "cache_creation": {"ephemeral_5m_input_tokens",
  "ephemeral_1h_input_tokens"}}}} | {"type": "errored", "error": {"type":
  "error", "error": {"type", "message"}}} | {"type": "canceled"} | {"type":
  "expired"}}``. ``input_tokens`` excludes cache reads and cache writes
  (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching,
  "Tracking cache performance"). Errored, canceled and expired requests are
  not billed; an ``invalid_request_error`` must be fixed before a retry, other
  errors (server errors) can be retried as they are.
* Gemini Batch API output file
  (https://ai.google.dev/gemini-api/docs/batch-api, "Input file": "each line
  is either a GenerateContentResponse or a status object"):
  ``{"key", "response": {..., "usageMetadata": {"promptTokenCount",
  "candidatesTokenCount", "cachedContentTokenCount", "thoughtsTokenCount",
  "toolUsePromptTokenCount"}}}`` or ``{"key", "error" | "status": {"code",
  "message", "status"}}``. ``promptTokenCount`` includes the cached content
  (https://ai.google.dev/api/generate-content#UsageMetadata) and thinking
  tokens are billed as output (https://ai.google.dev/gemini-api/docs/pricing,
  "Output price (including thinking tokens)").

Each record normalizes usage to: all input tokens of the request
(``input_tokens``, cached and cache writes included), the cache reads among
them, the cache writes among them (by lifetime), all billed output tokens
(``output_tokens``, reasoning included) and the reasoning tokens among them.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from estimator.errors import DataError, UsageError

__all__ = [
    "RESULT_PROVIDERS",
    "ResultFile",
    "ResultRecord",
    "ResultUsage",
    "detect_result_format",
    "read_results",
]

ResultProvider = Literal["openai", "anthropic", "google"]
Outcome = Literal["succeeded", "failed", "expired", "canceled"]
RESULT_PROVIDERS: tuple[ResultProvider, ...] = ("openai", "anthropic", "google")
MAX_ISSUES = 50

# HTTP statuses worth retrying unchanged: timeouts, rate limits and server errors.
_RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
# Anthropic error types that a retry of the same request can cure
# (https://docs.anthropic.com/en/api/errors); invalid_request_error and the like cannot.
_ANTHROPIC_RETRYABLE = frozenset({"api_error", "overloaded_error", "rate_limit_error", "timeout_error"})
# google.rpc.Code names that a retry can cure (https://ai.google.dev/gemini-api/docs/troubleshooting).
# A status object carries the google.rpc.Code number (4, 8, 10, 13, 14 for these), an HTTP error its status.
_GOOGLE_RETRYABLE = frozenset({"RESOURCE_EXHAUSTED", "INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "ABORTED"})
_GRPC_RETRYABLE = frozenset({4, 8, 10, 13, 14})


@dataclass(frozen=True)
class ResultUsage:
    """Billed tokens of one request, in the provider-neutral shape described above."""

    input_tokens: int = 0  # every input token, cached and cache writes included
    cached_input_tokens: int = 0  # cache reads among input_tokens
    cache_write_tokens: int = 0  # cache writes among input_tokens (5-minute or unspecified lifetime)
    cache_write_1h_tokens: int = 0  # Anthropic 1-hour cache writes among input_tokens
    output_tokens: int = 0  # every billed output token, reasoning included
    reasoning_tokens: int = 0  # reasoning / thinking tokens among output_tokens

    @property
    def uncached_input_tokens(self) -> int:
        return self.input_tokens - self.cached_input_tokens - self.cache_write_tokens - self.cache_write_1h_tokens


@dataclass(frozen=True)
class ResultRecord:
    """What the provider reported for one request."""

    id: str
    outcome: Outcome
    usage: ResultUsage | None  # None when nothing is billed
    line: int
    path: str
    model: str | None = None
    status_code: int | None = None
    reason: str | None = None  # error code or type, e.g. "batch_expired", "invalid_request_error", "400"
    message: str | None = None
    retryable: bool = False
    created: dt.date | None = None  # the day the response was made, when the provider says


@dataclass(frozen=True)
class ResultFile:
    path: Path
    provider: ResultProvider
    records: tuple[ResultRecord, ...]
    issues: tuple[str, ...] = ()  # lines that could not be read, with their line numbers
    issues_not_shown: int = 0


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as f:
        for n, raw in enumerate(f, start=1):
            if n == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            yield n, raw


def detect_result_format(path: str | Path) -> ResultProvider | None:
    """The provider whose result-file shape the first line has, or None."""
    for _, raw in _lines(Path(path)):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        return _shape(obj)
    return None


def _shape(obj: Any) -> ResultProvider | None:
    if not isinstance(obj, dict):
        return None
    if "custom_id" in obj and isinstance(obj.get("result"), dict):
        return "anthropic"
    if "custom_id" in obj and ("response" in obj or "error" in obj):
        return "openai"
    if "key" in obj and ("response" in obj or "error" in obj or "status" in obj):
        return "google"
    return None


def read_results(path: str | Path, *, provider: ResultProvider | None = None) -> ResultFile:
    """Every result line of a provider's result or error file.

    Lines that are not a result of the provider (bad JSON, another shape) are
    listed in ``issues``, not silently dropped; a file with none raises.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found" if not path.exists() else f"{path}: not a file", path=str(path))
    if provider is None:
        provider = detect_result_format(path)
        if provider is None and path.stat().st_size > 0 and any(raw.strip() for _, raw in _lines(path)):
            raise DataError(
                f"{path}: not a batch result file: the first line is neither an OpenAI result "
                '({"custom_id", "response", "error"}), an Anthropic one ({"custom_id", "result"}) '
                'nor a Gemini one ({"key", "response" or "error"}).',
                path=str(path),
                line=1,
            )
    elif provider not in RESULT_PROVIDERS:
        raise UsageError(f"unknown result provider {provider!r}; use one of {', '.join(RESULT_PROVIDERS)}",
                         param="provider")
    records: list[ResultRecord] = []
    issues: list[str] = []
    more = 0
    parse = {"openai": _openai, "anthropic": _anthropic, "google": _google}[provider or "openai"]
    for n, raw in _lines(path):
        if not raw.strip():
            continue
        problem = None
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            problem = f"line {n}: not valid JSON ({exc})"
        else:
            if provider is None or _shape(obj) != provider:
                problem = f"line {n}: not a {provider} result line"
            else:
                try:
                    records.append(parse(obj, n, str(path)))
                except (TypeError, ValueError, AttributeError) as exc:
                    problem = f"line {n}: unreadable result ({exc})"
        if problem is not None:
            if len(issues) < MAX_ISSUES:
                issues.append(problem)
            else:
                more += 1
    return ResultFile(path, provider or "openai", tuple(records), tuple(issues), more)


# --------------------------------------------------------------------------
# Per provider
# --------------------------------------------------------------------------


def _int(value: Any) -> int:
    """A token count: absent or null is 0; anything else must be a non-negative int."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"token count {value!r} is not a non-negative integer")
    return value


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _day(timestamp: Any) -> dt.date | None:
    if isinstance(timestamp, int) and not isinstance(timestamp, bool) and timestamp > 0:
        return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).date()
    return None


def openai_usage(usage: Mapping[str, Any]) -> ResultUsage:
    """Chat completions, embeddings or responses usage."""
    if "input_tokens" in usage and "prompt_tokens" not in usage:  # /v1/responses
        inp, out = _int(usage.get("input_tokens")), _int(usage.get("output_tokens"))
        cached = _int(_get(usage, "input_tokens_details", "cached_tokens"))
        reasoning = _int(_get(usage, "output_tokens_details", "reasoning_tokens"))
    else:  # /v1/chat/completions and /v1/embeddings (which has no completion tokens)
        inp, out = _int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens"))
        cached = _int(_get(usage, "prompt_tokens_details", "cached_tokens"))
        reasoning = _int(_get(usage, "completion_tokens_details", "reasoning_tokens"))
    if cached > inp or reasoning > out:
        raise ValueError("cached tokens exceed prompt tokens or reasoning tokens exceed completion tokens")
    return ResultUsage(input_tokens=inp, cached_input_tokens=cached, output_tokens=out, reasoning_tokens=reasoning)


def _openai(obj: Mapping[str, Any], n: int, path: str) -> ResultRecord:
    cid = obj.get("custom_id")
    if not isinstance(cid, str):
        raise TypeError('"custom_id" is not a string')
    response = obj.get("response")
    error = obj.get("error")
    status = _get(response, "status_code")
    body = _get(response, "body")
    if isinstance(error, Mapping):
        code = str(error.get("code") or "error")
        message = error.get("message")
        outcome: Outcome = (
            "expired" if code == "batch_expired" else "canceled" if code == "batch_cancelled" else "failed"
        )
        return ResultRecord(cid, outcome, None, n, path, status_code=status if isinstance(status, int) else None,
                            reason=code, message=str(message) if message is not None else None,
                            retryable=outcome != "failed" or code == "request_timeout")
    if isinstance(status, int) and status == 200 and isinstance(body, Mapping):
        usage = body.get("usage")
        model = body.get("model")
        return ResultRecord(
            cid, "succeeded", openai_usage(usage) if isinstance(usage, Mapping) else ResultUsage(), n, path,
            model=str(model) if model else None, status_code=status,
            created=_day(body.get("created") or body.get("created_at")),
        )
    err = _get(body, "error")
    code = _get(err, "code") or _get(err, "type") or (str(status) if status is not None else "error")
    message = _get(err, "message")
    return ResultRecord(cid, "failed", None, n, path, status_code=status if isinstance(status, int) else None,
                        reason=str(code), message=str(message) if message is not None else None,
                        retryable=isinstance(status, int) and status in _RETRYABLE_STATUS)


def anthropic_usage(usage: Mapping[str, Any]) -> ResultUsage:
    uncached = _int(usage.get("input_tokens"))
    reads = _int(usage.get("cache_read_input_tokens"))
    writes = _int(usage.get("cache_creation_input_tokens"))
    by_ttl = usage.get("cache_creation")
    one_hour = 0
    if isinstance(by_ttl, Mapping):
        one_hour = _int(by_ttl.get("ephemeral_1h_input_tokens"))
        five = _int(by_ttl.get("ephemeral_5m_input_tokens"))
        writes = max(writes, five + one_hour)
    return ResultUsage(
        input_tokens=uncached + reads + writes,
        cached_input_tokens=reads,
        cache_write_tokens=writes - one_hour,
        cache_write_1h_tokens=one_hour,
        output_tokens=_int(usage.get("output_tokens")),
    )


def _anthropic(obj: Mapping[str, Any], n: int, path: str) -> ResultRecord:
    cid = obj.get("custom_id")
    if not isinstance(cid, str):
        raise TypeError('"custom_id" is not a string')
    result = obj["result"]
    kind = result.get("type")
    if kind == "succeeded":
        message = result.get("message") or {}
        usage = message.get("usage")
        return ResultRecord(cid, "succeeded", anthropic_usage(usage) if isinstance(usage, Mapping) else ResultUsage(),
                            n, path, model=message.get("model"))
    if kind in ("canceled", "expired"):
        return ResultRecord(cid, kind, None, n, path, reason=kind, retryable=True)
    if kind == "errored":
        error = result.get("error")
        inner = _get(error, "error") if isinstance(_get(error, "error"), Mapping) else error
        etype = str(_get(inner, "type") or "error")
        message = _get(inner, "message")
        return ResultRecord(cid, "failed", None, n, path, reason=etype,
                            message=str(message) if message is not None else None,
                            retryable=etype in _ANTHROPIC_RETRYABLE)
    raise ValueError(f"unknown result type {kind!r}")


def google_usage(meta: Mapping[str, Any]) -> ResultUsage:
    prompt = _int(meta.get("promptTokenCount")) + _int(meta.get("toolUsePromptTokenCount"))
    cached = _int(meta.get("cachedContentTokenCount"))
    thoughts = _int(meta.get("thoughtsTokenCount"))
    if cached > prompt:
        raise ValueError("cachedContentTokenCount exceeds promptTokenCount")
    return ResultUsage(input_tokens=prompt, cached_input_tokens=cached,
                       output_tokens=_int(meta.get("candidatesTokenCount")) + thoughts, reasoning_tokens=thoughts)


def _google(obj: Mapping[str, Any], n: int, path: str) -> ResultRecord:
    key = obj.get("key")
    if not isinstance(key, str):
        raise TypeError('"key" is not a string')
    error = obj.get("error") or obj.get("status")
    response = obj.get("response")
    if isinstance(response, Mapping) and not error:
        meta = response.get("usageMetadata")
        return ResultRecord(key, "succeeded", google_usage(meta) if isinstance(meta, Mapping) else ResultUsage(),
                            n, path, model=response.get("modelVersion"))
    code = _get(error, "code")
    status = _get(error, "status")
    message = _get(error, "message")
    reason = str(status or code or "error")
    retryable = status in _GOOGLE_RETRYABLE or (
        isinstance(code, int) and code in (_GRPC_RETRYABLE if code < 100 else _RETRYABLE_STATUS)
    )
    return ResultRecord(key, "failed", None, n, path, status_code=code if isinstance(code, int) else None,
                        reason=reason, message=str(message) if message is not None else None, retryable=retryable)


def describe_provider(provider: str) -> str:
    return {"openai": "OpenAI", "anthropic": "Anthropic", "google": "Gemini"}.get(provider, provider)

