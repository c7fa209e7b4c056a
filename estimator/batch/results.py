"""Result and error files of batch jobs, read into one outcome per request line.

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

Each answered request's usage is read by ``estimator.usage.read_usage`` into the one usage type,
``estimator.usage.Usage``: every input token (cache reads and writes by lifetime among them),
every billed output token (reasoning among them), server-tool calls, the tier that served, the
residency that applied and the model that answered.

What the reader promises:

* **A request that ran is never taken for one that did not.** A line saying it ran (OpenAI
  status 200, Anthropic ``succeeded``, a Gemini ``response``) is ``succeeded`` whatever its usage
  holds; a usage field that is not a count (negative, a string, ``43.0``, ``true``, NaN, a number
  of thousands of digits, cached above prompt) makes its usage unknown and is listed with the
  file, line and field, never read as 0.
* **A line that cannot be read is not a request that never ran.** Bad JSON, a line over
  ``MAX_LINE_BYTES`` or an unknown result type whose request id can still be found is
  ``unreadable``: reported, and never sent again blindly.
* Checking is bounded: lines are read at most ``MAX_LINE_BYTES`` at a time, the first
  ``MAX_ISSUES`` problems are kept with their line numbers and the rest counted.

A request that ran with a plain usage (the counts, default-lifetime cache writes, tier and model:
most lines of a batch) is kept as a row, a tuple, rather than a record (``ResultFile.plain``); the
records are built from the rows only when asked for (``ResultFile.records``).

``ResultsInBackground`` reads result files in a second process while the caller reads the request
file: reading is interpreter-bound, so a thread would not run beside it. That process runs at a
lower priority (``nice`` 10), so that on a machine with few cores it takes what the caller leaves
and the request file is not read more slowly; the results are ready when the caller is. The files
come back as the same ``ResultFile`` objects (the rows cost little to send), and anything that goes
wrong there (a file that cannot be read, a process that cannot start) means the files are read
here as usual, with the same results and the same errors.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import heapq
import json
import pickle
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from estimator import _bulk
from estimator.errors import DataError, UsageError
from estimator.usage import HugeNumber, Usage, UsageProblem, plain_usage, read_usage, usage_of_plain

__all__ = [
    "MAX_LINE_BYTES",
    "RESULT_PROVIDERS",
    "ResultFile",
    "ResultIssue",
    "ResultRecord",
    "detect_result_format",
    "plain_record",
    "read_results",
]

ResultProvider = Literal["openai", "anthropic", "google"]
Outcome = Literal["succeeded", "failed", "expired", "canceled", "unreadable"]
RESULT_PROVIDERS: tuple[ResultProvider, ...] = ("openai", "anthropic", "google")
MAX_ISSUES = 50
MAX_LINE_BYTES = 64 * 1024 * 1024
"""A result line longer than this is not read (an answer of millions of tokens, or a file without newlines)."""

# HTTP statuses worth retrying unchanged: timeouts, rate limits and server errors.
_RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
# Anthropic error types that a retry of the same request can cure
# (https://docs.anthropic.com/en/api/errors); invalid_request_error and the like cannot.
_ANTHROPIC_RETRYABLE = frozenset({"api_error", "overloaded_error", "rate_limit_error", "timeout_error"})
# google.rpc.Code names that a retry can cure (https://ai.google.dev/gemini-api/docs/troubleshooting).
# A status object carries the google.rpc.Code number (4, 8, 10, 13, 14 for these), an HTTP error its status.
_GOOGLE_RETRYABLE = frozenset({"RESOURCE_EXHAUSTED", "INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "ABORTED"})
_GRPC_RETRYABLE = frozenset({4, 8, 10, 13, 14})
# The request id of a line that is not JSON (cut short, or damaged): found by its key.
_ID_IN_TEXT = {
    "openai": re.compile(rb'"custom_id"\s*:\s*"((?:[^"\\]|\\.){1,512})"'),
    "anthropic": re.compile(rb'"custom_id"\s*:\s*"((?:[^"\\]|\\.){1,512})"'),
    "google": re.compile(rb'"key"\s*:\s*"((?:[^"\\]|\\.){1,512})"'),
}


@dataclass(frozen=True)
class ResultIssue:
    """A result line, or a field of one, that could not be read."""

    path: str
    line: int
    message: str
    field: str | None = None
    id: str | None = None  # the request's id, where it could be found

    def __str__(self) -> str:
        where = f"{self.path}: line {self.line}" + (f": {self.field}" if self.field else "")
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.path, "line": self.line, "field": self.field, "id": self.id, "message": self.message}


@dataclass(frozen=True)
class ResultRecord:
    """What the provider reported for one request."""

    id: str
    outcome: Outcome
    usage: Usage | None  # None when nothing is billed, or when the request ran but its usage is unreadable
    line: int
    path: str
    model: str | None = None
    status_code: int | None = None
    reason: str | None = None  # error code or type, e.g. "batch_expired", "invalid_request_error", "400"
    message: str | None = None
    retryable: bool = False
    created: dt.date | None = None  # the day the response was made, when the provider says
    problems: tuple[UsageProblem, ...] = ()  # why the usage of a request that ran is unknown

    @classmethod
    def answered(cls, cid: str, usage: Usage, line: int, path: str, *, status_code: int | None = None,
                 created: dt.date | None = None) -> ResultRecord:
        """A request that ran with a readable usage (built without the frozen-dataclass checks: one per line)."""
        r = object.__new__(cls)
        r.__dict__.update(id=cid, outcome="succeeded", usage=usage, line=line, path=path, model=usage.model,
                          status_code=status_code, reason=None, message=None, retryable=False, created=created,
                          problems=())
        return r

    @property
    def ran(self) -> bool:
        """Whether the provider says the request ran (and billed it), whatever its usage holds."""
        return self.outcome == "succeeded"

    @property
    def usage_known(self) -> bool:
        return self.outcome == "succeeded" and self.usage is not None


PlainResult = tuple[str, int, str, int | None, dt.date | None, int, int, int, int, int, str | None, str | None]
"""A request that ran with a plain usage, as read from its line: (id, line, path, status code, day
created, then the ``PlainUsage`` fields: input, output, cached input, reasoning, default-lifetime cache
writes, tier, model). ``plain_record`` makes it a ``ResultRecord``."""


def plain_record(row: PlainResult) -> ResultRecord:
    """The ``ResultRecord`` of a plain result row."""
    return ResultRecord.answered(row[0], usage_of_plain(row[5:]), row[1], row[2], status_code=row[3],
                                 created=row[4])


@dataclass(frozen=True)
class ResultFile:
    """Every result line of a file: ``records`` in line order, and the lines that could not be read.

    The requests that ran with a plain usage (most lines) are kept as rows (``plain``), the rest as
    records (``other_records``): a record per line costs as much as reading the line, so
    ``records`` builds them only when asked for, and a reconciliation reads the rows as they are.
    """

    path: Path
    provider: ResultProvider
    other_records: tuple[ResultRecord, ...]
    issues: tuple[ResultIssue, ...] = ()  # lines that could not be read, with their line numbers
    issues_not_shown: int = 0
    plain: tuple[PlainResult, ...] = ()

    @functools.cached_property
    def records(self) -> tuple[ResultRecord, ...]:
        """Every result, in line order."""
        if not self.plain:
            return self.other_records
        built = list(map(plain_record, self.plain))
        if not self.other_records:
            return tuple(built)
        return tuple(heapq.merge(self.other_records, built, key=lambda r: r.line))

    def in_line_order(self) -> Iterator[ResultRecord | PlainResult]:
        """The plain rows and the other records, in line order, without building records."""
        if not self.other_records:
            return iter(self.plain)
        if not self.plain:
            return iter(self.other_records)
        return heapq.merge(self.other_records, self.plain,
                           key=lambda r: r[1] if type(r) is tuple else r.line)  # type: ignore[union-attr]

    @property
    def outcomes(self) -> int:
        """How many results the file holds (plain rows and other records)."""
        return len(self.plain) + len(self.other_records)

    @property
    def issue_count(self) -> int:
        return len(self.issues) + self.issues_not_shown


def _lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, whole) of each line, never holding more than ``MAX_LINE_BYTES`` of one:
    a longer line yields its first bytes with ``whole`` False and the rest is skipped."""
    with open(path, "rb", buffering=1 << 18) as f:
        n = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            n += 1
            if n == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while True:  # the rest of the line, in bounded pieces
                    more = f.readline(MAX_LINE_BYTES)
                    if not more or more.endswith(b"\n"):
                        break
                yield n, raw[:4096], False
                continue
            yield n, raw, True


def _loads(raw: bytes) -> Any:
    """A JSON line; an integer too long for Python (over 4,300 digits) becomes a ``HugeNumber``."""
    try:
        return json.loads(raw)
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
    return json.loads(raw, parse_int=lambda text: int(text) if len(text) <= 4000 else HugeNumber(text))


def detect_result_format(path: str | Path) -> ResultProvider | None:
    """The provider whose result-file shape the first line has, or None."""
    for _, raw, whole in _lines(Path(path)):
        if not raw.strip():
            continue
        if not whole:
            return None
        try:
            obj = _loads(raw)
        except (ValueError, RecursionError):
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


class _Issues:
    def __init__(self, path: str) -> None:
        self.path = path
        self.kept: list[ResultIssue] = []
        self.more = 0

    def add(self, line: int, message: str, field: str | None = None, cid: str | None = None) -> None:
        if len(self.kept) < MAX_ISSUES:
            self.kept.append(ResultIssue(self.path, line, message, field, cid))
        else:
            self.more += 1


@_bulk.paused_gc()  # parsed lines hold no cycles: no collection walks them while they pile up
def read_results(path: str | Path, *, provider: ResultProvider | None = None) -> ResultFile:
    """Every result line of a provider's result or error file.

    Lines that are not a result of the provider (bad JSON, another shape) are
    listed in ``issues``, not silently dropped; where such a line still names its request, the
    request is ``unreadable`` (never taken as missing). A file of another kind raises.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found" if not path.exists() else f"{path}: not a file", path=str(path))
    if provider is None:
        provider = detect_result_format(path)
        if provider is None and any(raw.strip() for _, raw, _ in _lines(path)):
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
    if provider is None:  # an empty file: no results at all
        return ResultFile(path, "openai", ())
    records: list[ResultRecord] = []
    plain: list[PlainResult] = []
    issues = _Issues(str(path))
    parse = {"openai": _openai, "anthropic": _anthropic, "google": _google}[provider]
    where = str(path)
    for n, raw, whole in _lines(path):
        problem = None
        if not whole:
            problem = f"longer than {MAX_LINE_BYTES // (1024 * 1024)} MB: not read"
        elif raw.isspace():
            continue
        else:
            failure: BaseException | None = None
            try:
                obj = _bulk.loads(raw)
            except ValueError:  # not JSON, or an integer of thousands of digits: read again, keeping it as text
                try:
                    obj = _loads(raw)
                except (ValueError, RecursionError) as again:
                    failure = again
            except RecursionError as deep:
                failure = deep
            if failure is not None:
                problem = (f"not UTF-8 text (byte {failure.start} of the line)"
                           if isinstance(failure, UnicodeDecodeError)
                           else "JSON nested too deeply to read" if isinstance(failure, RecursionError)
                           else f"not valid JSON ({failure})")
            else:
                if _shape(obj) != provider:
                    problem = f"not {_article(provider)} result line"
                else:
                    try:
                        record = parse(obj, n, where)
                    except (TypeError, ValueError, AttributeError, KeyError) as exc:
                        problem = f"unreadable result ({exc})"
                    else:
                        if isinstance(record, tuple):
                            plain.append(record)
                            continue
                        records.append(record)
                        for p in record.problems:
                            issues.add(n, p.message, p.field, record.id)
                        continue
        cid = _id_in(raw, provider)
        issues.add(n, problem, None, cid)
        if cid is not None:
            records.append(ResultRecord(cid, "unreadable", None, n, where, reason="unreadable line", message=problem))
    return ResultFile(path, provider, tuple(records), tuple(issues.kept), issues.more, tuple(plain))


def _article(provider: str) -> str:
    return {"openai": "an OpenAI", "anthropic": "an Anthropic", "google": "a Gemini"}[provider]


def _id_in(raw: bytes, provider: str) -> str | None:
    """The request id a damaged line still shows, if any."""
    found = _ID_IN_TEXT[provider].search(raw)
    if found is None:
        return None
    try:
        value = json.loads(b'"' + found.group(1) + b'"')
    except ValueError:
        return None
    return value if isinstance(value, str) and value else None


# --------------------------------------------------------------------------
# Per provider
# --------------------------------------------------------------------------


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if type(obj) is not dict and not isinstance(obj, Mapping):  # a dict (what JSON gives) checked first: fast
            return None
        obj = obj.get(key)
    return obj


def _day(timestamp: Any) -> dt.date | None:
    if type(timestamp) is int and 0 < timestamp < 253402300800:  # before year 10000
        return _utc_day(timestamp // 86_400)  # a UTC day is 86,400 seconds of Unix time
    return None


@functools.lru_cache(maxsize=1024)
def _utc_day(days: int) -> dt.date:
    """The UTC date ``days`` after 1970-01-01 (results of one batch share a few: built once each)."""
    return _EPOCH + dt.timedelta(days=days)


_EPOCH = dt.date(1970, 1, 1)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)[:500]


def _id(obj: Mapping[str, Any], key: str) -> str:
    cid = obj.get(key)
    if not isinstance(cid, str) or not cid:
        raise TypeError(f'"{key}" is not a non-empty string')
    return cid


def _ran(cid: str, n: int, path: str, provider: str, response: Any, where: str, *, status_code: int | None = None,
         created: dt.date | None = None) -> ResultRecord | PlainResult:
    """A request the provider says ran: its plain row, or its record with its usage or with the fields
    that make its usage unknown."""
    plain = plain_usage(provider, response)
    if plain is not None:
        return (cid, n, path, status_code, created, *plain)
    usage, problems = read_usage(provider, response, where, plain_tried=True)
    if usage is not None:
        return ResultRecord.answered(cid, usage, n, path, status_code=status_code, created=created)
    model = _str(_get(response, "model") or _get(response, "modelVersion")) if isinstance(response, Mapping) else None
    return ResultRecord(cid, "succeeded", None, n, path, model=model, problems=problems, status_code=status_code,
                        created=created)


def _openai(obj: Mapping[str, Any], n: int, path: str) -> ResultRecord | PlainResult:
    cid = _id(obj, "custom_id")
    response = obj.get("response")
    error = obj.get("error")
    if type(response) is dict:
        status, body = response.get("status_code"), response.get("body")
    else:
        status, body = _get(response, "status_code"), _get(response, "body")
    status = status if type(status) is int else None
    if status == 200:  # it ran, and was billed, whatever else the line says
        return _ran(cid, n, path, "openai", body, "response.body", status_code=status,
                    created=_day(_get(body, "created") or _get(body, "created_at")))
    if isinstance(error, Mapping):
        code = str(error.get("code") or "error")
        outcome: Any = "expired" if code == "batch_expired" else "canceled" if code == "batch_cancelled" else "failed"
        return ResultRecord(cid, outcome, None, n, path, status_code=status, reason=code,
                            message=_str(error.get("message")),
                            retryable=outcome != "failed" or code == "request_timeout")
    if status is None:
        raise ValueError("neither a response with a status_code nor an error")
    err = _get(body, "error")
    code = _get(err, "code") or _get(err, "type") or str(status)
    return ResultRecord(cid, "failed", None, n, path, status_code=status, reason=str(code),
                        message=_str(_get(err, "message")), retryable=status in _RETRYABLE_STATUS)


def _anthropic(obj: Mapping[str, Any], n: int, path: str) -> ResultRecord | PlainResult:
    cid = _id(obj, "custom_id")
    result = obj["result"]
    kind = result.get("type")
    if kind == "succeeded":
        return _ran(cid, n, path, "anthropic", result.get("message"), "result.message")
    if kind in ("canceled", "expired"):
        return ResultRecord(cid, kind, None, n, path, reason=kind, retryable=True)
    if kind == "errored":
        error = result.get("error")
        inner = _get(error, "error") if isinstance(_get(error, "error"), Mapping) else error
        etype = str(_get(inner, "type") or "error")
        return ResultRecord(cid, "failed", None, n, path, reason=etype, message=_str(_get(inner, "message")),
                            retryable=etype in _ANTHROPIC_RETRYABLE)
    raise ValueError(f"unknown result type {_str(kind)!r}")


def _google(obj: Mapping[str, Any], n: int, path: str) -> ResultRecord | PlainResult:
    key = _id(obj, "key")
    error = obj.get("error") or obj.get("status")
    response = obj.get("response")
    if isinstance(response, Mapping) and not error:
        return _ran(key, n, path, "google", response, "response")
    if not isinstance(error, Mapping):
        raise ValueError("neither a response object nor an error")
    code = _get(error, "code")
    code = code if type(code) is int else None
    status = _get(error, "status")
    reason = str(status or code or "error")
    retryable = status in _GOOGLE_RETRYABLE or (
        code is not None and code in (_GRPC_RETRYABLE if code < 100 else _RETRYABLE_STATUS)
    )
    return ResultRecord(key, "failed", None, n, path, status_code=code, reason=reason,
                        message=_str(_get(error, "message")), retryable=retryable)


def describe_provider(provider: str) -> str:
    return {"openai": "OpenAI", "anthropic": "Anthropic", "google": "Gemini"}.get(provider, provider)


# --------------------------------------------------------------------------
# Reading in a second process
# --------------------------------------------------------------------------

BACKGROUND_BYTES = 8 * 1024 * 1024
"""Result files smaller than this together are read in the calling process: starting a second
process and importing the reader (about 0.2 s) costs more than reading them. So are result files
read alongside less than half as much other work (``alongside``: a small request file gives the
second process nothing to overlap)."""

_CHILD = (
    "import os, pickle, sys\n"
    "if hasattr(os, 'nice'):\n"
    "    os.nice(10)\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from estimator.batch.results import read_results\n"
    "files = [read_results(p) for p in sys.argv[2:]]\n"
    "sys.stdout.buffer.write(pickle.dumps(files, protocol=pickle.HIGHEST_PROTOCOL))\n"
)


class ResultsInBackground:
    """Result files read by ``read_results`` in a second process, started at once; ``take()`` gives
    the ``ResultFile`` of each path, read there, or read here when the second process failed.
    ``alongside`` is the file this process reads meanwhile (its size decides whether that pays)."""

    def __init__(self, paths: Sequence[str | Path], alongside: str | Path | None = None) -> None:
        self.paths = [Path(p) for p in paths]
        self.process: subprocess.Popen[bytes] | None = None
        try:
            size = sum(p.stat().st_size for p in self.paths)
            other = Path(alongside).stat().st_size if alongside is not None else size
        except OSError:
            return  # a path that is not there: read here, where the error names it
        if size < BACKGROUND_BYTES or other < BACKGROUND_BYTES // 2:
            return
        if not sys.executable or getattr(sys, "frozen", False):
            return  # no interpreter to start (a frozen app's executable is the app itself)
        root = str(Path(__file__).resolve().parent.parent.parent)  # where the estimator package is
        try:
            self.process = subprocess.Popen(  # noqa: S603 - this interpreter and this package's own reader
                [sys.executable, "-c", _CHILD, root, *map(str, self.paths)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except (OSError, ValueError):
            self.process = None

    def take(self) -> list[ResultFile]:
        """Every file's ``ResultFile``, in the order of the paths."""
        found = self._taken()
        return found if found is not None else [read_results(p) for p in self.paths]

    def _taken(self) -> list[ResultFile] | None:
        process, self.process = self.process, None
        if process is None:
            return None
        try:
            assert process.stdout is not None
            files = pickle.load(process.stdout)  # noqa: S301 - written by the process started above, reading these paths
            if process.wait() != 0:
                return None
        except Exception:  # noqa: BLE001 - whatever went wrong there, the files are read here
            return None
        finally:
            _end(process)
        if not (isinstance(files, list) and len(files) == len(self.paths)
                and all(type(f) is ResultFile and f.path == p for f, p in zip(files, self.paths, strict=True))):
            return None
        return files

    def close(self) -> None:
        """Stop the second process if it still runs (the caller gave up before ``take``)."""
        process, self.process = self.process, None
        if process is not None:
            _end(process)


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()
