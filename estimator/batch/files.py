"""Ready-made batch request files: check them and count their tokens before anyone pays.

Two formats, both JSON Lines, one request per line:

* OpenAI Batch API input: ``{"custom_id", "method": "POST", "url", "body"}``
  with ``url`` one of ``/v1/chat/completions``, ``/v1/embeddings``,
  ``/v1/responses``. One model and one endpoint per file.
* Anthropic Message Batches: ``{"custom_id", "params": {"model",
  "max_tokens", "messages", "system"?}}``.
* Gemini Batch API input file: ``{"key", "request": {"contents",
  "systemInstruction"?, "generationConfig"?: {"maxOutputTokens"}}}``, one
  ``GenerateContentRequest`` per line with a user-defined ``key``
  (https://ai.google.dev/gemini-api/docs/batch-api, "Input file"). The model
  is chosen when the batch is created, not in the file, so the report names
  none unless a request carries ``"model"``.

``read_batch_file`` reads the whole file once, collects every problem it
finds (each with its line number; the first ``MAX_ISSUES`` are kept and the
rest counted) and counts each request's input tokens as it would be billed:

* chat: the OpenAI chat framing of ``tokens.chat_tokens`` (3 per message, 1
  per ``name``, 3 for the reply) over the text of each message; text parts of
  a list ``content`` are joined; images, audio and files are not counted
  (a warning says how many requests hold them);
* embeddings: the tokens of each input string; a token-array input counts its
  length;
* responses: ``input`` (a string, or a list of messages counted as chat) plus
  ``instructions`` as a system message; the chat framing is an approximation;
* Anthropic: message text plus ``system``, counted with the model's Claude
  tokenizer generation from the price data (``ctok:<generation>``, counts
  reconstructed by ctok) and framed as ``estimator.tokens.claude`` frames a
  request, the same rule as a CSV's rows; the counts say they are reconstructed.
  ctok is pure Python (about 0.3 MB/s): a file with more than ``CTOK_FULL_BYTES`` of
  message text is counted exactly with ``o200k_base`` and a uniform sample of its texts with
  ctok, each text's count being its o200k count times the sample's ratio (the ratio estimator of
  ``estimator.counting.sampling``, its 95% interval in the warnings).
* Gemini: the text parts of ``contents`` and ``systemInstruction``, with the
  approximate Gemini tokenizer (``approx:gemini``), labelled approximate.

The output upper bound of a request is its ``max_tokens`` /
``max_completion_tokens`` / ``max_output_tokens`` (times ``n`` for chat) /
Gemini's ``generationConfig.maxOutputTokens`` (times ``candidateCount``);
``BatchFileReport.max_output_tokens`` is their sum, or None when some request
sets none (the caller then needs an output estimate). Embeddings have no
output tokens.

Per-file limits come from the pricing table's ``[batch]`` rule of the
provider, or the published defaults below when the table gives none.

Speed: a text that recurs (the system prompt every request shares) is counted once; ctok counts
the sample and the system prompts of a big Claude file in a helper process
(``estimator.tokens.ctok_worker``), started before the file is read so that ctok loads while this
process reads; this process then never loads ctok's vocabulary.
The report keeps each request's id, line number and byte span, so a reconciliation joins and
copies lines without reading the file twice.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import math
import re
import statistics
import subprocess
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from estimator import _bulk, convert
from estimator.batch.parts import PartsSummary, Tally
from estimator.convert import as_of_date
from estimator.counting.sampling import ratio_estimate
from estimator.errors import DataError, EstimatorError, UsageError, param
from estimator.pricing import PriceBook, load_pricebook
from estimator.tokens import Tokenizer, ctok_worker, get_tokenizer
from estimator.tokens.tokenizer import REPLY_PRIMING, TOKENS_PER_MESSAGE, TOKENS_PER_NAME

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_ISSUES",
    "OPENAI_ENDPOINTS",
    "BatchFileReport",
    "BatchIssue",
    "detect_batch_format",
    "read_batch_file",
    "request_lines",
]

Provider = Literal["openai", "anthropic", "google"]

OPENAI_ENDPOINTS = {
    "/v1/chat/completions": "chat",
    "/v1/embeddings": "embeddings",
    "/v1/responses": "responses",
}
DEFAULT_LIMITS: Mapping[str, tuple[int, int]] = {
    # (requests per file, bytes per file), as published; the pricing tables override these.
    "openai": (50_000, 209_715_200),
    "anthropic": (100_000, 268_435_456),
    # Gemini publishes no request count per file; 2 GB is the Files API's per-file maximum.
    "google": (1_000_000_000, 2_147_483_648),
}
MAX_ISSUES = 50
"""Problems kept in a report; the rest are counted in ``issues_not_shown``."""
_COUNT_EVERY = 10_000  # requests whose texts are tokenized together
CTOK_FULL_BYTES = 262_144
"""Anthropic files with at most this much message text are counted text by text with ctok."""
CTOK_SAMPLE_BYTES = 131_072
"""Text counted with ctok in a bigger file (about half a second), at least ``CTOK_MIN_SAMPLE`` texts."""
CTOK_MIN_SAMPLE = 200
_OPENAI_KEYS = frozenset({"custom_id", "method", "url", "body"})
_MEMO_MOST = 4_096  # recurring texts whose counts are kept for the whole file
ANTHROPIC_CUSTOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the Message Batches API's custom_id rule (whole id: fullmatch)


@dataclass(frozen=True)
class BatchIssue:
    """One problem that would make the provider reject the file or a request."""

    line: int | None  # None for a problem of the whole file (size, count)
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


@dataclass(frozen=True)
class BatchFileReport:
    """A checked batch request file: its provider, model, requests, counted tokens and every issue found."""

    path: Path
    provider: Provider
    url: str | None  # OpenAI endpoint; None for Anthropic
    model: str | None  # the file's model (the most used one if several)
    requests: int
    bytes: int
    input_tokens: int
    max_output_tokens: int | None  # sum of per-request caps; None if any request sets none
    requests_without_max_tokens: int
    per_request_input: list[int]
    exact: bool  # whether the token counts are exact
    tokenizer_label: str
    max_requests: int
    max_bytes: int
    limits_source: str  # "pricing table" or "published defaults"
    issues: list[BatchIssue]
    issues_not_shown: int = 0
    warnings: list[str] = field(default_factory=list)
    models: dict[str, int] = field(default_factory=dict)  # requests per model
    per_request_max_output: list[int | None] = field(default_factory=list)  # each request's output cap
    reasoning_efforts: dict[str, int] = field(default_factory=dict)  # requests per reasoning effort they name
    token_counts: str = ""  # "exact", "approximate" or "reconstructed (ctok ..., generation ...)"
    ids: list[str] = field(default_factory=list)  # each request's custom_id (Gemini: key), "" if it has none
    lines: list[int] = field(default_factory=list)  # each request's line number
    spans: list[tuple[int, int]] = field(default_factory=list)  # each request's (byte offset, length) in the file
    parts: PartsSummary = field(default_factory=PartsSummary)  # images, tools, schemas, server tools, left out

    @cached_property
    def id_index(self) -> dict[str, int]:
        """Position of each request id among the requests (the first, if one repeats)."""
        index: dict[str, int] = {}
        for i, cid in enumerate(self.ids):
            if cid:
                index.setdefault(cid, i)
        return index

    @property
    def format_name(self) -> str:
        """The file's format as people call it: ``"OpenAI Batch API, /v1/responses"``, ``"Gemini Batch API"``."""
        return FORMAT_NAMES[self.provider] + (f", {self.url}" if self.url else "")

    @property
    def ok(self) -> bool:
        """True when no problem was found (warnings do not count)."""
        return not self.issues and not self.issues_not_shown

    @property
    def issue_count(self) -> int:
        return len(self.issues) + self.issues_not_shown

    def input_stats(self) -> dict[str, int | float]:
        """Min, median, mean, 95th percentile and max of the per-request input tokens."""
        values = sorted(self.per_request_input)
        if not values:
            return {"min": 0, "median": 0, "mean": 0.0, "p95": 0, "max": 0}
        return {
            "min": values[0],
            "median": int(statistics.median_low(values)),
            "mean": round(sum(values) / len(values), 1),
            "p95": values[min(len(values) - 1, (95 * len(values) + 99) // 100 - 1)],
            "max": values[-1],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "provider": self.provider,
            "format": self.format_name,
            "ok": self.ok,
            "url": self.url,
            "model": self.model,
            "models": self.models,
            "requests": self.requests,
            "max_requests": self.max_requests,
            "bytes": self.bytes,
            "max_bytes": self.max_bytes,
            "limits_source": self.limits_source,
            "input_tokens": self.input_tokens,
            "input_tokens_per_request": self.input_stats(),
            "max_output_tokens": self.max_output_tokens,
            "reasoning_efforts": self.reasoning_efforts,
            "requests_without_max_tokens": self.requests_without_max_tokens,
            "exact": self.exact,
            "token_counts": self.token_counts or ("exact" if self.exact else "approximate"),
            "tokenizer": self.tokenizer_label,
            "issues": [{"line": i.line, "message": i.message} for i in self.issues],
            "issues_not_shown": self.issues_not_shown,
            "warnings": self.warnings,
            "parts": self.parts.to_dict(),
        }


# --------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------


def _first_object(path: Path) -> Any:
    with open(path, "rb") as f:
        for raw in f:
            if raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            if raw.strip():
                try:
                    return json.loads(raw)
                except (ValueError, RecursionError):  # bad JSON or UTF-8, numbers too long, nesting too deep
                    return None
    return None


FORMAT_NAMES: Mapping[str, str] = {
    "openai": "OpenAI Batch API",
    "anthropic": "Anthropic Message Batches",
    "google": "Gemini Batch API",
}
"""How each provider's batch request format is named to people (CLI, app, notes)."""


def batch_shape(obj: Any) -> Provider | None:
    """The provider whose batch request shape ``obj`` (one parsed line) has, or None for a data row.

    * OpenAI: ``{"custom_id", "method"/"url", "body": {...}}`` (chat, responses, embeddings);
    * Anthropic: ``{"custom_id", "params": {...}}``;
    * Gemini: ``{"key", "request": {...}}`` (the Gemini API's batch file) or ``{"request": {"contents",
      ...}}`` (the same request without a key, as Vertex AI batch prediction takes it).

    A data file may well have "body", "url", "method" or "request" keys (emails, web pages, logs):
    only an id together with a request in the provider's shape, or a Gemini request with its
    ``contents``, makes a batch request.
    """
    if not isinstance(obj, dict):
        return None
    if "custom_id" in obj:
        if isinstance(obj.get("params"), dict):
            return "anthropic"
        if isinstance(obj.get("body"), dict) and ("url" in obj or "method" in obj):
            return "openai"
        return None
    request = obj.get("request")
    if isinstance(request, dict) and ("key" in obj or isinstance(request.get("contents"), list)):
        return "google"
    return None


def detect_batch_format(path: str | Path) -> Provider | None:
    """``"openai"``, ``"anthropic"`` or ``"google"`` from the first request of the file, or None.

    The one detection every front end uses (``estimate``, ``plan``, ``validate-batch``, the app's
    uploader), through ``batch_request_format`` or ``read_batch_file``.
    """
    return batch_shape(_first_object(Path(path)))


def _provider_by_keys(obj: Any) -> Provider | None:
    """A damaged first request's provider from its keys alone (a file named a batch file)."""
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("params"), dict):
        return "anthropic"
    if "request" in obj:
        return "google"
    if "body" in obj or "url" in obj or "method" in obj:
        return "openai"
    return None


# What a file's requests are counted with when the price book does not know their model.
_FALLBACK_TOKENIZERS: dict[str, tuple[str, str]] = {
    "openai": ("o200k_base", "o200k_base (the encoding of current OpenAI models)"),
    "anthropic": ("ctok:3.0", "Claude tokenizer generation 3.0 (Claude 3 to Opus 4.6; Opus 4.7 and later "
                              "count more tokens)"),
    "google": ("approx:gemini", "the calibrated Gemini estimate"),
}


def model_tokenizer(book: PriceBook, provider: Provider, model: str | None,
                    day: dt.date) -> tuple[Tokenizer, str | None]:
    """The tokenizer the price book names for ``model``, and a warning when it cannot say.

    A model the book does not know is counted with its provider's usual tokenizer, and the
    warning says which and how to add the model.
    """
    spec, words = _FALLBACK_TOKENIZERS[provider]
    if model is None:
        return get_tokenizer(spec), f"the requests name no model; counted with {words}"
    try:
        return get_tokenizer(book.model(model, day).tokenizer), None
    except EstimatorError:
        return get_tokenizer(spec), (
            f"model {model!r} is not in the price tables; counted with {words}. Add the model with its "
            f"tokenizer to a price file (pricing/{provider}.toml) for exact counts"
        )


def _limits(provider: Provider, book: PriceBook) -> tuple[int, int, str]:
    """Per-file limits from the price book's batch rule of ``provider`` (the caller's book,
    with any price files of the user's), or the published defaults."""
    default_requests, default_bytes = DEFAULT_LIMITS[provider]
    try:
        rule = book.provider(provider).batch_rule
    except EstimatorError:
        rule = None
    if rule is None or (rule.max_requests_per_file is None and rule.max_bytes_per_file is None):
        return default_requests, default_bytes, "published defaults"
    return (
        rule.max_requests_per_file or default_requests,
        rule.max_bytes_per_file or default_bytes,
        "pricing table",
    )


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


class _Issues:
    def __init__(self) -> None:
        self.kept: list[BatchIssue] = []
        self.more = 0

    def add(self, line: int | None, message: str) -> None:
        if len(self.kept) < MAX_ISSUES:
            self.kept.append(BatchIssue(line, message))
        else:
            self.more += 1


class _Request:
    """What one request contributes: fixed framing tokens plus texts to count (one per line: kept lean)."""

    __slots__ = ("approx_texts", "claude_frame", "max_output", "overhead", "texts", "token_arrays")

    def __init__(self, max_output: int | None = None) -> None:
        self.overhead = 0
        self.texts: list[str] = []
        self.token_arrays = 0  # tokens given as token ids (embeddings)
        self.max_output = max_output
        self.approx_texts: list[str] = []  # texts counted by an approximate rule (also in ``texts``)
        self.claude_frame: tuple[int, str | None] | None = None  # Anthropic: (messages, system), framed when counted


def _spans(path: Path) -> Iterator[tuple[int, bytes, int]]:
    """(line number, bytes, byte offset) of each line; a leading byte-order mark is not part of the first."""
    offset = 0
    with open(path, "rb", buffering=1 << 18) as f:
        for n, raw in enumerate(f, start=1):
            size = len(raw)
            if n == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
                offset = 3
            yield n, raw, offset
            offset += len(raw) if n == 1 and size != len(raw) else size


class _CtokSample:
    """Claude texts for the ratio estimate: all of them while they are few, else a systematic sample.

    Every text is counted exactly with o200k. In a big file every k-th distinct text (k from the file's
    size) goes to a helper process that loads ctok and counts it while this process reads on; each
    text's Claude count is then its o200k count times the sample's ratio. The system prompts are
    counted exactly with ctok, in the helper too when it runs, so this process never loads ctok's
    vocabulary. Without the helper (it could not start, or the file is small), the same texts are
    counted here. ``early`` is a helper started for ``early_generation`` before the file was read.
    """

    def __init__(self, tokenizer: Any, file_bytes: int, early: subprocess.Popen[bytes] | None = None,
                 early_generation: str | None = None) -> None:
        self.tokenizer = tokenizer
        self.file_bytes = file_bytes
        self.small: list[str] | None = []  # every distinct text while their total is small
        self.chars = 0
        self.texts = 0
        self.proxy_total = 0
        self.used = False
        self.chosen: list[str] = []
        self.stride = 0
        self.helper: subprocess.Popen[bytes] | None = None
        self.early = early if early_generation == self._generation() else None
        if early is not None and self.early is None:
            ctok_worker.stop(early)
        self.systems: dict[str, None] = {}  # distinct system prompts, in the order met
        self.sent: dict[str, None] = {}  # distinct texts sent to the helper, in order
        self.counted: dict[str, int] | None = None  # the helper's counts (content tokens) by text

    def offer(self, texts: list[str]) -> None:
        first = self.texts
        self.texts += len(texts)
        self.chars += sum(map(len, texts))
        if self.small is not None:
            self.small.extend(texts)
            if self.chars <= CTOK_FULL_BYTES:
                return
            texts, first = self.small, 0  # too many to count one by one: sample from the start
            self.small = None
        if not self.stride:  # every k-th text, k from the texts per byte read so far
            mean = max(1.0, self.chars / max(1, self.texts))
            wanted = max(CTOK_MIN_SAMPLE, int(CTOK_SAMPLE_BYTES / mean))
            expected = self.texts * max(1.0, self.file_bytes / max(1, self._bytes_seen()))
            self.stride = max(1, int(expected / wanted))
            self._start()
        picked = [t for i, t in enumerate(texts, start=first) if i % self.stride == 0]
        self.chosen += picked
        self._send(picked)

    def _bytes_seen(self) -> int:
        return self.chars * 2  # a request line is about twice its texts (JSON, framing, system prompt)

    def _generation(self) -> str:
        return str(getattr(self.tokenizer, "generation", "3.0"))

    def _start(self) -> None:
        self.helper, self.early = self.early or ctok_worker.start(self._generation()), None
        self._send(list(self.systems))

    def offer_systems(self, systems: list[str]) -> None:
        """System prompts of the requests read: each distinct one is counted exactly with ctok."""
        new = [t for t in dict.fromkeys(systems) if t not in self.systems]
        self.systems.update(dict.fromkeys(new))
        if self.helper is not None:
            self._send(new)

    def _send(self, texts: list[str]) -> None:
        if self.helper is None or self.helper.stdin is None:
            return
        texts = [t for t in dict.fromkeys(texts) if t not in self.sent]
        self.sent.update(dict.fromkeys(texts))
        try:
            self.helper.stdin.write(b"".join(json.dumps(t).encode("utf-8") + b"\n" for t in texts))
        except OSError:
            self.close()

    def _helper_counts(self) -> dict[str, int] | None:
        """Content tokens of every text sent to the helper (waited for once), or None without it."""
        helper, self.helper = self.helper, None
        if helper is None:
            return self.counted
        try:
            out, _ = helper.communicate(timeout=600)
            counts = json.loads(out) if helper.returncode == 0 else None
        except (OSError, ValueError, subprocess.TimeoutExpired):
            ctok_worker.stop(helper)
            return None
        if not isinstance(counts, list) or len(counts) != len(self.sent):
            return None
        frame = int(getattr(self.tokenizer, "frame", 0))
        self.counted = {t: int(c) - frame for t, c in zip(self.sent, counts)}
        return self.counted

    def ctok_counts(self, texts: Sequence[str]) -> list[int]:
        """Content tokens of ``texts``: the helper's counts, else counted here."""
        counted = self._helper_counts() or {}
        missing = [t for t in texts if t not in counted]
        here = dict(zip(missing, self.tokenizer.count_batch(missing))) if missing else {}
        return [counted[t] if t in counted else here[t] for t in texts]

    def close(self) -> None:
        helper, self.helper = self.helper, None
        early, self.early = self.early, None
        ctok_worker.stop(helper)
        ctok_worker.stop(early)

    def ratio(self, warnings: list[str]) -> float | None:
        """Claude tokens per o200k token of the texts, from the sample."""
        y = self.ctok_counts(self.chosen)
        x = self.tokenizer.proxy_count_batch(self.chosen)
        if not sum(x):
            return None
        self.used = True
        est = ratio_estimate(y, x, self.proxy_total, self.texts)
        low, high = est.interval()
        ratio = sum(y) / sum(x)
        half = (high - low) / 2 / est.estimate if est.estimate else 0.0
        warnings.append(
            f"Claude counts of the message texts are estimated: every text counted with o200k_base, "
            f"{len(self.chosen):,} of the {self.texts:,} distinct texts (every {self.stride:,}th) with ctok, "
            f"{ratio:.4f} Claude tokens per o200k token (95% interval of the text tokens ±{half:.2%}); "
            "system prompts and framing are counted exactly"
        )
        return ratio



@_bulk.paused_gc()  # parsed lines hold no cycles: no collection walks them while they pile up
def read_batch_file(path: str | Path, *, provider: Provider | None = None, prices: PriceBook | None = None,
                    as_of: Any = None, count: bool = True, tool_calls_per_request: int = 1,
                    model: str | None = None) -> BatchFileReport:
    """Validate a batch request file and count its tokens; problems go in ``issues``.

    ``prices`` is the price book whose batch rules give the per-file limits and whose models
    name their tokenizers (default: the shipped tables); ``as_of`` (default today) is the day
    a moving alias such as ``gemini-flash-latest`` is resolved on. ``count=False`` checks the
    file without counting its tokens (every count 0). ``tool_calls_per_request`` is how many times a
    request is assumed to call each server tool it offers (web search, grounding...): 1 unless known.
    ``model`` is the model requests that name none are counted for (a Gemini file names none): its
    image rules and tokenizer apply to them.

    Raises ``DataError`` only when the file cannot be read at all or is not a
    batch file of a known provider.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found" if not path.exists() else f"{path}: not a file")
    if provider is None:
        # Asked to read a batch file: a first request missing its custom_id is an issue
        # to report on its line, not a reason to call the file something else.
        provider = detect_batch_format(path) or _provider_by_keys(_first_object(path))
        if provider is None:
            raise DataError(
                f"{path}: not a batch request file: the first line is neither an OpenAI batch request "
                '({"custom_id", "method", "url", "body"}), an Anthropic one ({"custom_id", "params"}) '
                'nor a Gemini one ({"key", "request"}). '
                f"Name the provider with {param('provider')} if the first line is damaged.",
                path=str(path),
                line=1,
            )
    elif provider not in ("openai", "anthropic", "google"):
        raise UsageError(f"unknown batch provider {provider!r}; use 'openai', 'anthropic' or 'google'",
                         param="provider")
    book = prices if prices is not None else load_pricebook()
    calls = convert.count(tool_calls_per_request, "tool_calls_per_request")
    reader = _Reader(path, provider, book, as_of_date(as_of), count, calls)
    name = convert.optional(convert.text, model, "model")
    reader.default_model = reader._canonical(name) if name else None
    return reader.read()


def request_lines(report: BatchFileReport, indices: Sequence[int]) -> list[bytes]:
    """The bytes of the requests at ``indices`` (positions among the file's requests), each ending
    in a newline, read from the file by their spans (a retry copies them byte for byte)."""
    out: list[bytes] = []
    with open(report.path, "rb") as f:
        for i in indices:
            start, length = report.spans[i]
            f.seek(start)
            raw = f.read(length)
            out.append(raw if raw.endswith(b"\n") else raw + b"\n")
    return out


class _Reader:
    def __init__(self, path: Path, provider: Provider, book: PriceBook, day: dt.date, count: bool = True,
                 calls_per_request: int = 1) -> None:
        self.path = path
        self.book = book
        self.day = day
        self.counting = count
        self.ids_in_order: list[str] = []
        self.line_numbers: list[int] = []
        self.spans: list[tuple[int, int]] = []
        self.memo: dict[str, int] = {}  # counts of texts that recur (system prompts)
        self.overheads: dict[tuple[int, str | None], int] = {}
        self.sampled: _CtokSample | None = None
        self.early: tuple[subprocess.Popen[bytes] | None, str] | None = None  # a ctok helper started up front
        self.with_system: dict[str, list[int]] = {}  # Claude: requests by system prompt, its count added last
        self.provider: Provider = provider
        self.issues = _Issues()
        self.warnings: list[str] = []
        self.ids: dict[str, int] = {}
        self.models: Counter[str] = Counter()
        self.model_lines: dict[str, list[int]] = {}
        self.url: str | None = None
        self.url_line = 0
        self.other_urls: dict[str, list[int]] = {}
        self.per_request: list[int] = []
        self.text_sums: list[int] = []  # each request's text tokens (o200k counts where Claude is sampled)
        self.small_texts: list[list[str]] | None = []  # each request's texts, while few enough to count all
        self.per_request_cap: list[int | None] = []
        self.efforts: Counter[str] = Counter()  # requests per reasoning effort they name
        self.pending: list[_Request | None] = []
        self.worker: ThreadPoolExecutor | None = None  # counts one batch while the next is read
        self.counting_batch: tuple[list[_Request | None], Counter[str], list[str], Future[list[int]] | None] | None = None
        self.tokenizer: Any = None
        self.max_output_total = 0
        self.without_max = 0
        self.tally = Tally(provider, calls_per_request)
        self.default_model: str | None = None  # the model requests that name none are counted for
        self.canonical: dict[str, str] = {}
        self.request_model: str | None = None  # the model of the request being read
        self.requests = 0
        self.keyless: bool | None = None  # Gemini: whether the requests come without keys ({"request"} lines)

    # -- the pass over the file ----------------------------------------------

    def read(self) -> BatchFileReport:
        size = self.path.stat().st_size
        blank_lines: list[int] = []
        last_line = 0
        try:
            if self.provider == "anthropic" and self.counting and size > CTOK_FULL_BYTES:
                self._start_ctok_early()
            for n, raw, offset in _spans(self.path):
                last_line = n
                if not raw or raw.isspace():  # (no copy of every line, as strip() makes)
                    blank_lines.append(n)
                    continue
                self._line(n, raw, offset)
            self._count()
            self._settle()
            self._collect()
        finally:
            if self.worker is not None:
                self.worker.shutdown(wait=True, cancel_futures=True)
                self.worker = None
            if self.sampled is not None:
                self.sampled.close()
            if self.early is not None:
                ctok_worker.stop(self.early[0])
        if blank_lines:
            shown = ", ".join(map(str, blank_lines[:5])) + (
                f" and {len(blank_lines) - 5} more" if len(blank_lines) > 5 else ""
            )
            self.issues.add(
                blank_lines[0], f"blank line(s) at line {shown}; remove them (every line must be a request)"
            )
        if last_line == 0 or self.requests == 0:
            self.issues.add(None, "the file holds no requests")
        return self._report(size)

    def _line(self, n: int, raw: bytes, offset: int) -> None:
        try:
            obj = _bulk.loads(raw, _read_line)
        except UnicodeDecodeError as exc:
            self.issues.add(n, f"not UTF-8 text (byte {exc.start} of the line); save the file as UTF-8")
            return
        except json.JSONDecodeError as exc:
            self.issues.add(n, f"not valid JSON ({exc.msg} at column {exc.colno})")
            return
        except RecursionError:
            self.issues.add(n, "JSON nested too deeply to read (thousands of levels)")
            return
        except ValueError as exc:  # an integer of more than 4,300 digits
            self.issues.add(n, f"a number cannot be read ({exc})")
            return
        if not isinstance(obj, dict):
            self.issues.add(n, f"a JSON {_kind(obj)} where a request object {{...}} was expected")
            return
        self.requests += 1
        cid = obj.get("key" if self.provider == "google" else "custom_id")
        self.ids_in_order.append(cid if isinstance(cid, str) else "")
        self.line_numbers.append(n)
        self.spans.append((offset, len(raw)))
        self.request_model = self.default_model
        if self.provider == "openai":
            request = self._openai(n, obj)
        elif self.provider == "google":
            request = self._gemini(n, obj)
        else:
            request = self._anthropic(n, obj)
        self.pending.append(request)  # None (unusable) keeps its place with 0 tokens
        if len(self.pending) >= _COUNT_EVERY:
            self._count()

    def _count(self) -> None:
        """Count the pending requests' texts, each distinct text once (a shared system prompt once per file).

        The tokenizer runs in a worker thread while this one reads the next requests (the fast counters
        release the interpreter lock): the previous batch's counts are taken in first, so the memo of
        recurring texts, the Claude sample and the order of the counts are those of a count in line,
        and the tokenizer is never used by both threads at once.
        """
        self._settle()
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        if not self.counting:
            self._assemble(batch, {})
            return
        tokenizer = self._tokenizer()
        occurrences = Counter(t for r in batch if r is not None for t in r.texts)
        todo = [t for t in occurrences if t not in self.memo]
        slow = hasattr(tokenizer, "proxy_count_batch")
        if slow:
            if self.sampled is None:
                early, generation = self.early or (None, None)
                self.early = None
                self.sampled = _CtokSample(tokenizer, self.path.stat().st_size, early, generation)
            self.sampled.offer(todo)
            self.sampled.offer_systems([r.claude_frame[1] for r in batch
                                        if r is not None and r.claude_frame is not None
                                        and r.claude_frame[1] is not None])
        counter = tokenizer.proxy_count_batch if slow else tokenizer.count_batch
        if self.worker is None:
            self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="estimator-count")
        future = self.worker.submit(counter, todo) if todo else None
        self.counting_batch = (batch, occurrences, todo, future)

    def _settle(self) -> None:
        """Take in the counts of the batch the worker thread is counting, if any."""
        if self.counting_batch is None:
            return
        (batch, occurrences, todo, future), self.counting_batch = self.counting_batch, None
        counts = dict(zip(todo, future.result())) if future is not None else {}
        for text, n in occurrences.items():
            if n > 1 and len(self.memo) < _MEMO_MOST:
                self.memo[text] = counts[text] if text in counts else self.memo[text]
        self._assemble(batch, counts)

    def _collect(self) -> None:
        """Turn sampled Claude counts into estimates (every text counted with ctok while they are few)."""
        s = self.sampled
        if s is not None and self.text_sums and s.small is not None and self.small_texts is not None:
            exact = dict(zip(s.small, self.tokenizer.count_batch(s.small)))  # few texts: every one with ctok
            self.per_request = [p - t + sum(exact[x] for x in texts)
                                for p, t, texts in zip(self.per_request, self.text_sums, self.small_texts)]
        elif s is not None and self.text_sums:
            ratio = s.ratio(self.warnings)
            if ratio is not None:
                self.per_request = [p if t == 0 else p - t + math.floor(t * ratio + 0.5)
                                    for p, t in zip(self.per_request, self.text_sums)]
        if s is not None and self.with_system:  # each system prompt counted once, with ctok
            for system, n in zip(self.with_system, s.ctok_counts(list(self.with_system))):
                for i in self.with_system[system]:
                    self.per_request[i] += n
        if s is not None:
            s.close()
        self.text_sums = []
        self.small_texts = None

    def _assemble(self, batch: list[_Request | None], counts: Mapping[str, int]) -> None:
        """Per-request token counts of a counted batch, in file order."""
        tokenizer = self.tokenizer
        count_of = {**self.memo, **counts}.__getitem__  # a text's count: the same number in both
        sampled = self.sampled is not None  # only a Claude sample needs each request's text tokens
        frames: dict[tuple[int, bool], int] = {}  # a Claude frame by (messages, with a system prompt)
        for r in batch:
            if r is None:
                self.per_request.append(0)
                if sampled:
                    self.text_sums.append(0)
                self.per_request_cap.append(None)
                if self.small_texts is not None:
                    self.small_texts.append([])
                continue
            text_sum = sum(map(count_of, r.texts)) if self.counting else 0
            overhead = r.overhead + r.token_arrays
            if r.claude_frame is not None and self.counting and self.sampled is not None:
                messages, system = r.claude_frame  # the system prompt's own tokens are added in _collect
                frame = frames.get((messages, system is None))
                if frame is None:
                    frame = frames[(messages, system is None)] = tokenizer.request_overhead(
                        messages=messages, system=system, system_tokens=0)
                overhead += frame
                if system is not None:
                    self.with_system.setdefault(system, []).append(len(self.per_request))
            elif r.claude_frame is not None and self.counting:
                overhead += self._claude_overhead(tokenizer, r.claude_frame)
            self.per_request.append(overhead + text_sum)
            if sampled:
                self.text_sums.append(text_sum)
            if self.small_texts is not None and self.sampled is not None:
                if self.sampled.small is None:
                    self.small_texts = None  # too many to count one by one: the sample decides
                else:
                    self.small_texts.append(r.texts)
            self.per_request_cap.append(r.max_output)
            if r.max_output is None:
                self.without_max += 1
            else:
                self.max_output_total += r.max_output
            if r.approx_texts and self.counting:
                self.tally.approx_text_tokens += sum(map(count_of, r.approx_texts))
        if self.sampled is not None:
            self.sampled.proxy_total += sum(counts.values())

    def _claude_overhead(self, tokenizer: Any, frame: tuple[int, str | None]) -> int:
        """Frame, turns and system prompt of a Claude request; a system prompt is counted once per file."""
        found = self.overheads.get(frame)
        if found is None:
            messages, system = frame
            found = tokenizer.request_overhead(messages=messages, system=system)
            if len(self.overheads) < _MEMO_MOST:
                self.overheads[frame] = found
        return found

    def _start_ctok_early(self) -> None:
        """Start the ctok helper of a big Claude file before reading it, so that ctok loads while
        this process reads; its generation is that of the first request's model."""
        first = _first_object(self.path)
        params = first.get("params") if isinstance(first, dict) else None
        model = params.get("model") if isinstance(params, dict) else None
        spec = _FALLBACK_TOKENIZERS["anthropic"][0]
        try:
            if isinstance(model, str) or self.default_model:
                spec = self.book.model(model if isinstance(model, str) else str(self.default_model), self.day).tokenizer
        except EstimatorError:
            pass
        if spec.startswith("ctok:"):
            generation = spec.removeprefix("ctok:")
            self.early = (ctok_worker.start(generation), generation)

    def _tokenizer(self) -> Any:
        if self.tokenizer is None:
            model = self.models.most_common(1)[0][0] if self.models else self.default_model
            self.tokenizer, problem = model_tokenizer(self.book, self.provider, model, self.day)
            if problem:
                self.warnings.append(problem)
        return self.tokenizer

    # -- common checks -------------------------------------------------------

    def _custom_id(self, n: int, obj: Mapping[str, Any], name: str = "custom_id") -> None:
        cid = obj.get(name)
        if cid is None:
            self.issues.add(n, f'missing "{name}"; every request needs a unique id to match its result')
            return
        if not isinstance(cid, str) or not cid:
            self.issues.add(n, f'"{name}" must be a non-empty string, not {json.dumps(cid)}')
            return
        if self.provider == "anthropic" and not ANTHROPIC_CUSTOM_ID.fullmatch(cid):
            self.issues.add(n, f'"custom_id" {cid!r} must be 1-64 letters, digits, "-" or "_"')
        first = self.ids.get(cid)
        if first is not None:
            self.issues.add(
                n, f"duplicate {name} {cid!r}: already used on line {first} (lines {first} and {n})"
            )
        else:
            self.ids[cid] = n

    def _canonical(self, model: str) -> str:
        """The price tables' id of ``model`` (a dated snapshot or alias names its model), as rules are keyed."""
        found = self.canonical.get(model)
        if found is None:
            try:
                found = self.book.model(model, self.day).id
            except EstimatorError:
                found = model
            if len(self.canonical) < _MEMO_MOST:
                self.canonical[model] = found
        return found

    def _model(self, n: int, model: Any) -> None:
        if not isinstance(model, str) or not model:
            self.issues.add(n, f'"model" must be a non-empty string, not {json.dumps(model)}')
            return
        self.models[model] += 1
        self.request_model = self._canonical(model)
        lines = self.model_lines.setdefault(model, [])
        if len(lines) < 6:  # the first few are named in a message
            lines.append(n)

    # -- OpenAI --------------------------------------------------------------

    def _openai(self, n: int, obj: Mapping[str, Any]) -> _Request | None:
        self._custom_id(n, obj)
        if len(obj) != 4 or not _OPENAI_KEYS.issuperset(obj):  # else exactly the four keys: nothing to say
            missing = [k for k in ("method", "url", "body") if k not in obj]
            if missing:
                self.issues.add(
                    n,
                    f"missing {', '.join(repr(k) for k in missing)}; a request needs custom_id, method, url and body",
                )
            extra = sorted(set(obj) - _OPENAI_KEYS)
            if extra:
                self.issues.add(
                    n,
                    f"unexpected key(s) {', '.join(repr(k) for k in extra)} next to custom_id, method, url, body",
                )
        method = obj.get("method")
        if "method" in obj and method != "POST":
            self.issues.add(n, f'"method" must be "POST", not {json.dumps(method)}')
        url = obj.get("url")
        endpoint = None
        if "url" in obj:
            endpoint = OPENAI_ENDPOINTS.get(url) if isinstance(url, str) else None
            if endpoint is None:
                self.issues.add(
                    n,
                    f'"url" {json.dumps(url)} is not a batch endpoint; use one of {", ".join(OPENAI_ENDPOINTS)}',
                )
            elif self.url is None:
                self.url, self.url_line = url, n
            elif url != self.url:
                self.issues.add(
                    n,
                    f'"url" {url} differs from {self.url} (line {self.url_line}); one file must use one endpoint',
                )
        body = obj.get("body")
        if "body" in obj and not isinstance(body, dict):
            self.issues.add(n, f'"body" must be an object, not a JSON {_kind(body)}')
            return None
        if body is None:
            return None
        if "model" not in body:
            self.issues.add(n, 'body has no "model"')
        else:
            self._model(n, body["model"])
        endpoint = endpoint or OPENAI_ENDPOINTS.get(self.url or "")
        if endpoint == "chat":
            return self._chat(n, body)
        if endpoint == "embeddings":
            return self._embeddings(n, body)
        if endpoint == "responses":
            return self._responses(n, body)
        return None

    def _effort(self, value: Any) -> None:
        """A request's own reasoning effort (OpenAI ``reasoning_effort`` / ``reasoning.effort``, Gemini
        ``thinkingLevel``, or ``none`` for a thinking budget of 0)."""
        if isinstance(value, str) and value.strip():
            self.efforts[value.strip().lower()] += 1

    def _chat(self, n: int, body: Mapping[str, Any]) -> _Request | None:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            self.issues.add(n, 'body needs "messages": a non-empty list of {"role", "content"} objects')
            return None
        request = _Request()
        if not self._frame_messages(n, messages, request):
            return None
        self.tally.openai_tools(request, body, self.request_model, "chat")
        self._effort(body.get("reasoning_effort"))
        cap, valid = _cap(body, ("max_completion_tokens", "max_tokens"))
        if not valid:
            self.issues.add(n, "max_completion_tokens / max_tokens must be a positive integer")
        choices = body.get("n", 1)
        if not isinstance(choices, int) or isinstance(choices, bool) or choices < 1:
            self.issues.add(n, f'"n" must be a positive integer, not {json.dumps(choices)}')
            choices = 1
        request.max_output = None if cap is None else cap * choices
        return request

    def _frame_messages(self, n: int, messages: Sequence[Any], request: _Request) -> bool:
        """Chat framing (tokens.chat_tokens): 3 per message, each value, 1 per name, 3 to prime the reply."""
        request.overhead += REPLY_PRIMING
        texts = request.texts
        for i, message in enumerate(messages, start=1):
            if not isinstance(message, dict) or "role" not in message:
                self.issues.add(n, f'message {i} must be an object with a "role"')
                return False
            request.overhead += TOKENS_PER_MESSAGE
            for key, value in message.items():
                if key == "content":
                    text = value if type(value) is str else self._content_text(value, request)
                    if text is None:
                        self.issues.add(
                            n, f"message {i}: content must be a string or a list of content parts"
                        )
                        return False
                    texts.append(text)
                elif isinstance(value, str):
                    texts.append(value)
                    if key == "name":
                        request.overhead += TOKENS_PER_NAME
                elif value is not None:  # tool_calls and the like: their JSON text, as an approximation
                    self.tally.approximate(request, value)
        return True

    def _content_text(self, content: Any, request: _Request) -> str | None:
        """The text of a message's content; images, audio, documents, tool calls and results are counted
        (or listed) by ``parts.Tally``."""
        if isinstance(content, str):
            return content
        if content is None:
            return ""
        if not isinstance(content, list):
            return None
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict):
                if self.provider == "anthropic":
                    text = self.tally.anthropic_block(request, part, self.request_model)
                else:
                    text = self.tally.openai_part(request, part, self.request_model)
                if text is not None:
                    texts.append(text)
            else:
                return None
        return "".join(texts)

    def _embeddings(self, n: int, body: Mapping[str, Any]) -> _Request | None:
        request = _Request(max_output=0)
        data = body.get("input")
        if isinstance(data, str):
            request.texts.append(data)
        elif isinstance(data, list) and data and all(isinstance(x, str) for x in data):
            request.texts.extend(data)
        elif isinstance(data, list) and data and all(_is_int(x) for x in data):
            request.token_arrays = len(data)
        elif (
            isinstance(data, list)
            and data
            and all(isinstance(x, list) and all(_is_int(t) for t in x) for x in data)
        ):
            request.token_arrays = sum(len(x) for x in data)
        else:
            self.issues.add(n, 'body needs "input": a string, a list of strings, or token arrays')
            return None
        return request

    def _responses(self, n: int, body: Mapping[str, Any]) -> _Request | None:
        data = body.get("input")
        messages: list[Any] = []
        request = _Request()
        instructions = body.get("instructions")
        if isinstance(instructions, str):
            messages.append({"role": "system", "content": instructions})
        if isinstance(data, str):
            messages.append({"role": "user", "content": data})
        elif isinstance(data, list) and data:
            for item in data:
                if isinstance(item, dict) and "role" in item:
                    messages.append({k: v for k, v in item.items() if k in ("role", "content", "name")})
                elif isinstance(item, dict):  # tool calls, their outputs and other items: approximate
                    self.tally.approximate(request, _item_payload(item))
                else:
                    self.issues.add(
                        n, '"input" items must be objects such as {"role": "user", "content": "..."}'
                    )
                    return None
        else:
            self.issues.add(n, 'body needs "input": a string or a list of input items')
            return None
        if not self._frame_messages(n, messages, request):
            return None
        self.tally.openai_tools(request, body, self.request_model, "responses")
        reasoning = body.get("reasoning")
        self._effort(reasoning.get("effort") if isinstance(reasoning, dict) else None)
        cap, valid = _cap(body, ("max_output_tokens",))
        if not valid:
            self.issues.add(n, "max_output_tokens must be a positive integer")
        request.max_output = cap
        return request

    # -- Anthropic -----------------------------------------------------------

    def _anthropic(self, n: int, obj: Mapping[str, Any]) -> _Request | None:
        self._custom_id(n, obj)
        extra = sorted(set(obj) - {"custom_id", "params"}) if len(obj) != 2 or "params" not in obj else []
        if extra:
            self.issues.add(
                n, f"unexpected key(s) {', '.join(repr(k) for k in extra)} next to custom_id and params"
            )
        params = obj.get("params")
        if not isinstance(params, dict):
            self.issues.add(n, '"params" must be an object with model, max_tokens and messages')
            return None
        if "model" not in params:
            self.issues.add(n, 'params has no "model"')
        else:
            self._model(n, params["model"])
        request = _Request()
        cap, valid = _cap(params, ("max_tokens",))
        if not valid:
            self.issues.add(n, '"max_tokens" must be a positive integer')
        elif cap is None:
            self.issues.add(n, 'params has no "max_tokens"; the Messages API requires it')
        request.max_output = cap
        system = params.get("system")
        system_text: str | None = None
        if system is not None:
            system_text = self._content_text(system, request)
            if system_text is None:
                self.issues.add(n, '"system" must be a string or a list of text blocks')
        messages = params.get("messages")
        if not isinstance(messages, list) or not messages:
            self.issues.add(n, 'params needs "messages": a non-empty list of {"role", "content"} objects')
            return None
        for i, message in enumerate(messages, start=1):
            if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
                self.issues.add(n, f'message {i} must be an object with "role" "user" or "assistant"')
                return None
            text = self._content_text(message.get("content"), request)
            if text is None:
                self.issues.add(n, f"message {i}: content must be a string or a list of content blocks")
                return None
            request.texts.append(text)
        self.tally.anthropic_tools(request, params, self.request_model)
        request.claude_frame = (len(messages), system_text)  # the system prompt is counted with the frame
        return request

    # -- Gemini --------------------------------------------------------------

    def _gemini(self, n: int, obj: Mapping[str, Any]) -> _Request | None:
        if self.keyless is None:  # the first request decides: keys on every line, or on none
            self.keyless = "key" not in obj
        if "key" in obj or not self.keyless:
            self._custom_id(n, obj, "key")
        extra = sorted(set(obj) - {"key", "request"})
        if extra:
            self.issues.add(n, f"unexpected key(s) {', '.join(repr(k) for k in extra)} next to key and request")
        body = obj.get("request")
        if not isinstance(body, dict):
            self.issues.add(n, '"request" must be a GenerateContentRequest object with "contents"')
            return None
        if "model" in body:
            self._model(n, str(body["model"]).removeprefix("models/"))
        request = _Request()
        config = body.get("generationConfig", body.get("generation_config")) or {}
        resolution = str(config.get("mediaResolution", config.get("media_resolution", ""))) if isinstance(
            config, dict) else ""
        resolution = resolution.lower().removeprefix("media_resolution_")
        system = body.get("systemInstruction", body.get("system_instruction"))
        if system is not None and (
            not isinstance(system, dict) or not self._gemini_parts(system.get("parts"), request, resolution)
        ):
            self.issues.add(n, '"systemInstruction" must be a content object with a list of "parts"')
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            self.issues.add(n, 'request needs "contents": a non-empty list of {"role"?, "parts"} objects')
            return None
        for i, content in enumerate(contents, start=1):
            if not isinstance(content, dict) or not self._gemini_parts(content.get("parts"), request, resolution):
                self.issues.add(n, f'content {i} must be an object with a non-empty list of "parts"')
                return None
            if content.get("role", "user") not in ("user", "model"):
                self.issues.add(n, f'content {i}: "role" must be "user" or "model"')
        self.tally.gemini_tools(request, body, self.request_model)
        if not isinstance(config, dict):
            self.issues.add(n, '"generationConfig" must be an object')
            return request
        thinking = config.get("thinkingConfig", config.get("thinking_config"))
        if isinstance(thinking, dict):
            level = thinking.get("thinkingLevel", thinking.get("thinking_level"))
            budget = thinking.get("thinkingBudget", thinking.get("thinking_budget"))
            self._effort(level if level is not None else ("none" if budget == 0 else None))
        cap, valid = _cap(config, ("maxOutputTokens", "max_output_tokens"))
        if not valid:
            self.issues.add(n, "generationConfig.maxOutputTokens must be a positive integer")
        given: Any = config.get("candidateCount", config.get("candidate_count", 1))
        choices: int = given if _is_int(given) and given >= 1 else 1
        if choices != given:
            self.issues.add(n, f'"candidateCount" must be a positive integer, not {json.dumps(given)}')
        request.max_output = None if cap is None else cap * choices
        return request

    def _gemini_parts(self, parts: Any, request: _Request, resolution: str = "") -> bool:
        if not isinstance(parts, list) or not parts:
            return False
        for part in parts:
            if not isinstance(part, dict):
                return False
            text = self.tally.gemini_part(request, part, self.request_model, resolution)
            if text is not None:
                request.texts.append(text)
        return True

    # -- the report ----------------------------------------------------------

    def _report(self, size: int) -> BatchFileReport:
        max_requests, max_bytes, source = _limits(self.provider, self.book)
        self._check_limits(size, max_requests, max_bytes, source)
        model = self.models.most_common(1)[0][0] if self.models else None
        self._check_models()
        tokenizer = self._tokenizer() if self.counting else None
        self._warn(tokenizer)
        return BatchFileReport(
            path=self.path,
            provider=self.provider,
            url=self.url,
            model=model,
            requests=self.requests,
            bytes=size,
            input_tokens=sum(self.per_request),
            max_output_tokens=None if self.without_max or not self.requests else self.max_output_total,
            requests_without_max_tokens=self.without_max,
            per_request_input=self.per_request,
            exact=bool(tokenizer.exact) if tokenizer is not None else False,
            tokenizer_label=str(tokenizer.label) if tokenizer is not None else "not counted",
            max_requests=max_requests,
            max_bytes=max_bytes,
            limits_source=source,
            issues=sorted(self.issues.kept, key=lambda i: (i.line is not None, i.line or 0)),
            issues_not_shown=self.issues.more,
            warnings=self.warnings,
            models=dict(self.models.most_common()),
            per_request_max_output=self.per_request_cap,
            reasoning_efforts=dict(self.efforts.most_common()),
            token_counts=(tokenizer.token_counts if tokenizer is not None else "not counted")
            + (", text sampled" if self.sampled and self.sampled.used else ""),
            ids=self.ids_in_order,
            lines=self.line_numbers,
            spans=self.spans,
            parts=self.tally.summary(),
        )

    def _check_limits(self, size: int, max_requests: int, max_bytes: int, source: str) -> None:
        if self.requests > max_requests:
            self.issues.add(
                None,
                f"{self.requests:,} requests exceed the {self.provider} limit of {max_requests:,} per file "
                f"({source}); split the file",
            )
        if size > max_bytes:
            self.issues.add(
                None,
                f"{size:,} bytes exceed the {self.provider} limit of {max_bytes:,} bytes per file ({source}); "
                "split the file",
            )

    def _check_models(self) -> None:
        """One model per file (OpenAI, Gemini); several are priced apart (Anthropic)."""
        if len(self.models) > 1:
            first_model = next(iter(self.model_lines))
            others = [m for m in self.model_lines if m != first_model]
            if self.provider != "anthropic":
                for other in others:
                    lines = self.model_lines[other]
                    shown = ", ".join(map(str, lines[:5])) + (
                        f" and {self.models[other] - 5} more" if self.models[other] > 5 else ""
                    )
                    self.issues.add(
                        lines[0],
                        f"model {other!r} (line {shown}) differs from {first_model!r} (line "
                        f"{self.model_lines[first_model][0]}); a batch file must use one model",
                    )
            else:
                listed = ", ".join(f"{m} ({c:,} requests)" for m, c in self.models.most_common())
                self.warnings.append(
                    f"several models in one file: {listed}; price each model's requests separately"
                )

    def _warn(self, tokenizer: Any) -> None:
        """What the counts leave out or only approximate."""
        self.warnings.extend(self.tally.summary().notes())
        if self.keyless:
            self.warnings.append(
                'the requests carry no "key" ({"request": ...} lines, as Vertex AI batch prediction takes '
                'them): give each line a "key" to send it to the Gemini API and to match results to requests'
            )
        if self.url == "/v1/responses":
            self.warnings.append(
                "/v1/responses input is counted with the chat message framing (an approximation)"
            )
        if tokenizer is not None and not tokenizer.exact:
            kind = "reconstructed" if tokenizer.token_counts.startswith("reconstructed") else "approximate"
            self.warnings.append(f"token counts are {kind}: {tokenizer.label}")
        if self.without_max:
            self.warnings.append(
                f"{self.without_max:,} request(s) set no max tokens, so output has no upper bound; "
                "give an output estimate"
            )


def _item_payload(item: Mapping[str, Any]) -> Any:
    """What a /v1/responses input item that is not a message puts in the prompt, roughly: a function
    call's name and arguments, a call output's output, otherwise the item without its ids."""
    kind = item.get("type")
    if kind == "function_call":
        return {"name": item.get("name"), "arguments": item.get("arguments")}
    if kind == "function_call_output":
        return item.get("output", "")
    return {k: v for k, v in item.items() if k not in ("id", "call_id", "status")}


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _cap(body: Mapping[str, Any], keys: Sequence[str]) -> tuple[int | None, bool]:
    """The first of ``keys`` that is set, and whether it is valid (a positive int); (None, True) if none is."""
    for key in keys:
        value = body.get(key)
        if value is not None:
            return (value, True) if _is_int(value) and value > 0 else (None, False)
    return None, True


def _read_line(raw: bytes) -> Any:
    """A request line as the standard library reads it (a bad byte named by its UTF-8 error)."""
    return json.loads(raw.decode("utf-8"))


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else "object"
