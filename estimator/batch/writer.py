"""Ready-to-submit batch JSONL files: one request per data row.

Formats (one JSON object per line):

* ``openai-chat``: ``{"custom_id", "method": "POST", "url": "/v1/chat/completions",
  "body": {"model", "messages", "max_tokens"}}``
* ``openai-responses``: the same with ``"url": "/v1/responses"`` and ``"body": {"model", "input",
  "instructions"?, "max_output_tokens"?}``
* ``openai-embeddings``: the same with ``"url": "/v1/embeddings"`` and
  ``"body": {"model", "input"}``
* ``anthropic``: ``{"custom_id", "params": {"model", "max_tokens", "messages", "system"?}}``
* ``gemini``: ``{"key", "request": {"contents", "systemInstruction"?, "generationConfig"?:
  {"maxOutputTokens"}}}`` (https://ai.google.dev/gemini-api/docs/batch-api, "Input file"; the model is
  named when the batch is created)

Tools, a response schema and reasoning settings (``RequestExtras``, ``estimator.batch.bodies``) go in
every request as its endpoint documents them.

A request's ``custom_id`` is the row's value in an id column (it must be
unique) or ``row-000123-<8 hex>``: the row number and the first 8 hex digits
of a sha256 of the row number and the row's values, so it is stable across
runs and unique within the files.

Files are split under the provider's per-file limits (``PREFIX-001.jsonl``,
``PREFIX-002.jsonl``, ...) by the same splitter the planner uses. Each file
is written to a temporary name and renamed into place only when every file
is complete, so an error or Ctrl-C leaves no partial file behind.

Nothing of the user's is lost: before anything is written, the names the prefix can produce are
checked against every input of the call (``protected``: never replaced, even with ``overwrite``)
and against the files already there (replaced only with ``overwrite``; without it, none is touched
and none deleted). A writer holds the prefix's lock file (``.PREFIX.lock``, created exclusively)
while it writes, and claims each final name exclusively before moving its file there, so two
writers into one prefix cannot both succeed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np

from estimator import convert
from estimator.batch.bodies import NO_EXTRAS, RequestExtras, schema_from, tools_from
from estimator.batch.files import ANTHROPIC_CUSTOM_ID, OPENAI_ENDPOINTS
from estimator.batch.logistics import FileLimits, FileSplitter
from estimator.convert import Result, set_field
from estimator.counting.prompts import RequestShape, build_messages, check_columns, render_texts
from estimator.errors import DataError, UsageError, param
from estimator.tokens import chat_tokens, get_tokenizer

FORMATS = ("openai-chat", "openai-responses", "openai-embeddings", "anthropic", "gemini")
URLS = {"openai-chat": "/v1/chat/completions", "openai-responses": "/v1/responses",
        "openai-embeddings": "/v1/embeddings"}
ENDPOINTS = tuple(OPENAI_ENDPOINTS)
"""The OpenAI Batch API endpoints a file can be written for."""
DEFAULT_CHARS_PER_TOKEN = Decimal(4)
"""For size estimates without data: about 4 characters of English text per token (OpenAI's rule of thumb)."""

_MAX_REPORTED_DUPLICATES = 5


class RowBatchLike(Protocol):
    """What the dataset readers yield: columns of exact strings and the number of the first row."""

    @property
    def columns(self) -> Mapping[str, Sequence[str]]: ...

    @property
    def first_row(self) -> int: ...


def format_for(provider: str, kind: str = "chat", endpoint: str | None = None) -> str:
    """The batch file format of a provider and model kind; ``endpoint`` chooses among OpenAI's
    (``/v1/chat/completions``, the default for chat models; ``/v1/responses``; ``/v1/embeddings``)."""
    if endpoint is not None and provider != "openai":
        raise UsageError(f"{param('endpoint')} chooses among OpenAI's batch endpoints; {provider} batch files have "
                         "one request format: leave it out", param="endpoint")
    if provider == "openai":
        if endpoint is None:
            return "openai-embeddings" if kind == "embedding" else "openai-chat"
        fmt = {url: f for f, url in URLS.items()}.get(endpoint)
        if fmt is None:
            raise UsageError(f"unknown {param('endpoint')} {endpoint!r}; use one of {', '.join(ENDPOINTS)}",
                             param="endpoint")
        if (fmt == "openai-embeddings") != (kind == "embedding"):
            wanted = "/v1/embeddings" if kind == "embedding" else "/v1/chat/completions or /v1/responses"
            raise UsageError(f"a {kind} model is sent to {wanted}, not {endpoint}", param="endpoint")
        return fmt
    if provider == "anthropic":
        if kind == "embedding":
            raise UsageError("Anthropic has no embedding models to batch")
        return "anthropic"
    if provider == "google":
        if kind == "embedding":
            raise UsageError("Gemini embedding models have no batch file format here")
        return "gemini"
    raise UsageError(
        f"no batch file format for provider {provider!r}: batch files can be written for openai, anthropic and "
        "google models"
    )


# --------------------------------------------------------------------------
# One request
# --------------------------------------------------------------------------


def request_record(
    fmt: str, custom_id: str, model: str, shape: RequestShape, text: str, max_tokens: int | None,
    extras: RequestExtras = NO_EXTRAS,
) -> dict[str, Any]:
    """The JSON object of one batch request."""
    if fmt == "openai-chat":
        body: dict[str, Any] = {"model": model, "messages": build_messages(shape, text)}
        if max_tokens is not None:
            # reasoning models refuse max_tokens; max_completion_tokens caps the answer and the reasoning
            body["max_completion_tokens" if extras.reasoning_effort else "max_tokens"] = max_tokens
        extras.chat(body)
        return {"custom_id": custom_id, "method": "POST", "url": URLS[fmt], "body": body}
    if fmt == "openai-responses":
        body = {"model": model}
        messages = build_messages(shape, text)
        if shape.messages is None:  # a system prompt and one user text: instructions and input
            if shape.system:
                body["instructions"] = shape.system
            body["input"] = text
        else:
            body["input"] = messages
        if max_tokens is not None:
            body["max_output_tokens"] = max_tokens
        extras.responses(body)
        return {"custom_id": custom_id, "method": "POST", "url": URLS[fmt], "body": body}
    if fmt == "openai-embeddings":
        return {"custom_id": custom_id, "method": "POST", "url": URLS[fmt], "body": {"model": model, "input": text}}
    if fmt == "anthropic":
        if max_tokens is None:
            raise UsageError(f"Anthropic batch requests need max_tokens: give {param('max_tokens')}", param="max_tokens")
        params: dict[str, Any] = {
            "model": model,
            "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": text}],
        }
        if shape.system:
            params["system"] = shape.system
        extras.anthropic(params)
        return {"custom_id": custom_id, "params": params}
    if fmt == "gemini":
        request: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": text}]}]}
        if shape.system:
            request["systemInstruction"] = {"parts": [{"text": shape.system}]}
        if max_tokens is not None:
            request["generationConfig"] = {"maxOutputTokens": max_tokens}
        extras.gemini(request)
        return {"key": custom_id, "request": request}
    raise UsageError(f"unknown batch format {fmt!r}; use one of {', '.join(FORMATS)}")


def serialize(record: Mapping[str, Any]) -> bytes:
    """One JSONL line (with its newline), compact UTF-8.

    U+2028 and U+2029 are escaped too: JSON allows them raw, but some line
    splitters treat them as line breaks.
    """
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (text + "\n").encode("utf-8")


def hashed_custom_id(row: int, values: Sequence[str]) -> str:
    """``row-000123-1a2b3c4d``: stable for the same row number and content."""
    digest = hashlib.sha256(json.dumps([row, list(values)], ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()
    return f"row-{row:06d}-{digest[:8]}"


class LineSizer:
    """The exact bytes of each row's request line, as ``write_batch`` writes it with row-based ids,
    without writing it: the line around the text is sized once per width of the row number, and the
    text's JSON-escaped bytes are counted in bulk (quotes, backslashes and control characters escaped,
    U+2028 and U+2029 as ``\\u2028``, every other character as its UTF-8 bytes). Conversations are
    serialized row by row."""

    def __init__(self, fmt: str, model: str, shape: RequestShape, max_tokens: int | None) -> None:
        self.fmt, self.model, self.shape, self.max_tokens = fmt, model, shape, max_tokens
        self._around: dict[int, int] = {}

    def _line(self, row: int, text: str) -> int:
        return len(serialize(request_record(self.fmt, hashed_custom_id(row, [""]), self.model, self.shape, text,
                                            self.max_tokens)))

    def _around_digits(self, digits: int) -> int:
        """Bytes of a line with an empty text, for row numbers of ``digits`` digits."""
        if digits not in self._around:
            self._around[digits] = self._line(10 ** (digits - 1), "")
        return self._around[digits]

    def sizes(self, first_row: int, texts: Sequence[str]) -> np.ndarray:
        """Bytes of the lines of rows ``first_row``, ``first_row + 1``, ... whose user texts are ``texts``."""
        n = len(texts)
        if self.shape.messages is not None:
            return np.fromiter((self._line(first_row + i, t) for i, t in enumerate(texts)), dtype=np.int64, count=n)
        import pyarrow as pa  # here: reconcile and pilot write whole lines and never size them
        import pyarrow.compute as pc

        arr = pa.array(texts, type=pa.large_string())
        sizes = pc.binary_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)
        for pattern, extra in _ESCAPES:
            sizes += pc.count_substring_regex(arr, pattern).to_numpy(zero_copy_only=False).astype(np.int64) * extra
        last = first_row + n - 1
        widths = range(len(str(max(first_row, 1))), len(str(max(last, 1))) + 1)
        for digits in widths:
            lo, hi = max(first_row, 10 ** (digits - 1) if digits > 1 else 0), min(last, 10**digits - 1)
            sizes[lo - first_row: hi - first_row + 1] += self._around_digits(max(digits, 6))
        return sizes


# Bytes a JSON string adds to a character's UTF-8 bytes (``json.dumps(ensure_ascii=False)`` and ``serialize``).
_ESCAPES: tuple[tuple[str, int], ...] = (
    (r'["\\\x08\x09\x0a\x0c\x0d]', 1),  # \" \\ \b \t \n \f \r: two bytes for one
    (r"[\x00-\x07\x0b\x0e-\x1f]", 5),  # other control characters: \u00XX, six bytes for one
    (r"[\x{2028}\x{2029}]", 3),  # \u2028 and \u2029: six bytes for three
)


def estimate_line_bytes(
    fmt: str,
    model: str,
    *,
    input_tokens: int | Decimal,
    max_tokens: int | None,
    system: str | None = None,
    rows: int = 1,
    chars_per_token: Decimal = DEFAULT_CHARS_PER_TOKEN,
) -> int:
    """Bytes of one request line whose user text is ``input_tokens`` tokens of plain ASCII.

    An estimate for planning without data: real text may escape quotes and
    newlines, and non-ASCII characters take 2-4 bytes. With a dataset, the
    planner measures the real lines instead.
    """
    if chars_per_token <= 0:
        raise UsageError("characters per token must be > 0")
    chars = int((Decimal(input_tokens) * chars_per_token).to_integral_value())
    shape = RequestShape(column="text", system=system)
    sample_id = hashed_custom_id(max(rows, 1), ["x"])
    return len(serialize(request_record(fmt, sample_id, model, shape, "x" * chars, max_tokens)))


# --------------------------------------------------------------------------
# Requests from data rows
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRequest:
    row: int
    custom_id: str
    line: bytes
    input_tokens: int


def iter_requests(
    batches: Iterable[RowBatchLike],
    *,
    shape: RequestShape,
    model: str,
    fmt: str,
    max_tokens: int | None,
    id_column: str | None = None,
    count_tokens: Callable[[list[dict[str, str]]], int] | None = None,
    where: str = "data",
    extras: RequestExtras = NO_EXTRAS,
) -> Iterator[BatchRequest]:
    """One serialized request per data row, in data order.

    ``count_tokens`` (messages -> prompt tokens) fills ``input_tokens``, which
    the planner needs for the queue limit; without it they are 0.
    """
    if fmt == "openai-embeddings" and shape.system:
        raise UsageError("embedding requests have no system prompt: leave it out", param="system")
    if fmt not in FORMATS:
        raise UsageError(f"unknown batch format {fmt!r}; use one of {', '.join(FORMATS)}")
    extras.check(fmt, max_tokens)
    seen: dict[str, int] = {}
    duplicates: list[tuple[str, int, int]] = []
    checked = False
    for batch in batches:
        cols = batch.columns
        if not checked:
            available = list(cols.keys())
            check_columns(shape, available, where)
            if id_column is not None and id_column not in available:
                listed = ", ".join(repr(c) for c in available)
                raise DataError(f"{where}: no id column {id_column!r}. The file's columns are: {listed}.")
            checked = True
        texts = render_texts(shape, cols)
        used = [cols[c] for c in shape.columns]
        ids = cols[id_column] if id_column is not None else None
        for i, text in enumerate(texts):
            row = batch.first_row + i
            if ids is not None:
                custom_id = ids[i]
                _check_id(custom_id, row, fmt, id_column or "", where)
                first = seen.get(custom_id)
                if first is not None:
                    duplicates.append((custom_id, first, row))
                    if len(duplicates) >= _MAX_REPORTED_DUPLICATES:
                        _raise_duplicates(duplicates, id_column or "", where)
                    continue
                seen[custom_id] = row
            else:
                custom_id = hashed_custom_id(row, [c[i] for c in used])
            try:
                if shape.system:
                    shape.system.encode("utf-8")
                line = serialize(request_record(fmt, custom_id, model, shape, text, max_tokens, extras))
            except UnicodeEncodeError:
                raise DataError(
                    f"{where}: row {row} (or the system prompt) holds text that is not valid Unicode "
                    "(a lone surrogate, half of a character pair); fix the file's encoding or the prompt",
                    row=row,
                ) from None
            tokens = count_tokens(build_messages(shape, text)) if count_tokens is not None else 0
            yield BatchRequest(row, custom_id, line, tokens)
    if duplicates:
        _raise_duplicates(duplicates, id_column or "", where)


def _check_id(value: str, row: int, fmt: str, column: str, where: str) -> None:
    if value == "":
        raise DataError(f"{where}: row {row} has an empty value in id column {column!r}; every request needs an id")
    if fmt == "anthropic" and not ANTHROPIC_CUSTOM_ID.fullmatch(value):
        raise DataError(
            f"{where}: row {row}: id {value!r} in column {column!r} is not a valid Anthropic custom_id "
            "(1-64 characters of letters, digits, '_' and '-'); leave out "
            f"{param('id_column')} to use row-based ids"
        )


def _raise_duplicates(duplicates: list[tuple[str, int, int]], column: str, where: str) -> None:
    listed = "; ".join(f"{v!r} in rows {a} and {b}" for v, a, b in duplicates[:_MAX_REPORTED_DUPLICATES])
    raise DataError(
        f"{where}: id column {column!r} has duplicate values ({listed}); a batch needs a unique custom_id per "
        f"request. Deduplicate the rows or leave out {param('id_column')} to use row-based ids."
    )


# --------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    requests: int
    bytes: int
    first_row: int
    last_row: int
    input_tokens: int


@dataclass(frozen=True, repr=False)
class Manifest(Result):
    """What was written: every file with its requests, bytes and rows; ``to_frame()`` per file."""

    format: str
    model: str
    url: str | None
    files: tuple[WrittenFile, ...]
    limits: FileLimits

    @property
    def requests(self) -> int:
        return sum(f.requests for f in self.files)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def summary(self) -> str:
        where = f"{self.files[0].path}" + (f" .. {self.files[-1].path.name}" if len(self.files) > 1 else "") \
            if self.files else "no files"
        return f"{self.model}, {self.requests:,} requests in {len(self.files):,} file(s) ({self.format}): {where}"

    def table(self) -> list[dict[str, Any]]:
        """One row per written file."""
        return [{"path": str(f.path), "requests": f.requests, "bytes": f.bytes, "first_row": f.first_row,
                 "last_row": f.last_row, "input_tokens": f.input_tokens} for f in self.files]

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "model": self.model,
            "url": self.url,
            "requests": self.requests,
            "bytes": self.bytes,
            "limits": {"max_requests": self.limits.max_requests, "max_bytes": self.limits.max_bytes,
                       "max_input_tokens": self.limits.max_input_tokens},
            "files": [
                {"path": str(f.path), "requests": f.requests, "bytes": f.bytes, "first_row": f.first_row,
                 "last_row": f.last_row, "input_tokens": f.input_tokens}
                for f in self.files
            ],
        }


def file_name(prefix: Path, index: int) -> Path:
    return prefix.with_name(f"{prefix.name}-{index:03d}.jsonl")


def _pattern(prefix: Path) -> re.Pattern[str]:
    return re.compile(re.escape(prefix.name) + r"-\d{3,}\.jsonl$")


def existing_outputs(prefix: Path) -> list[Path]:
    pattern = _pattern(prefix)
    parent = prefix.parent
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.iterdir() if pattern.match(p.name))


def normalize_prefix(prefix: str | Path, *, create: bool = True) -> Path:
    p = Path(prefix)
    if p.suffix == ".jsonl":
        p = p.with_suffix("")
    if p.name in ("", ".", ".."):
        raise UsageError(f"output prefix {str(prefix)!r} needs a file name part, e.g. out/requests", param="prefix")
    if create:
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot use output directory {str(p.parent)!r}: {exc.strerror}") from None
    return p


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def protected_paths(prefix: str | Path, inputs: Iterable[str | Path], *, overwrite: bool,
                    name: str = "prefix") -> list[Path]:
    """The files already written under ``prefix``; an error, before anything is written, when one of
    the names the prefix produces is an input of the call (never replaced) or an existing file
    (replaced only with ``overwrite``). ``name`` is the caller's argument for the prefix."""
    out = normalize_prefix(prefix, create=False)
    pattern = _pattern(out)
    for given in inputs:
        path = Path(given)
        if pattern.match(path.name) and _same_file(path.parent, out.parent):
            raise UsageError(
                f"the output prefix {str(prefix)!r} would write {path.name}, which is an input of this command "
                f"({path}); an input is never replaced: choose another {param(name)}", param=name)
    old = existing_outputs(out)
    if old and not overwrite:
        names = ", ".join(p.name for p in old[:5]) + (" ..." if len(old) > 5 else "")
        raise UsageError(f"files with the prefix {str(prefix)!r} already exist ({names}); nothing was written. "
                         f"Allow {param('overwrite')} to replace them or choose another prefix", param="overwrite")
    return old


def unused_prefix(base: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """``base``, else ``base-2``, ``base-3``, ...: the first prefix under which no file exists yet and
    whose names are none of ``inputs`` (a default name that never replaces anything)."""
    first = normalize_prefix(base, create=False)
    names = [Path(p) for p in inputs]
    for n in range(1, 10_000):
        candidate = first if n == 1 else first.with_name(f"{first.name}-{n}")
        try:
            protected_paths(candidate, names, overwrite=False)
        except UsageError:
            continue
        return candidate
    raise UsageError(f"no free output prefix next to {first}: choose one", param="prefix")


@contextlib.contextmanager
def prefix_lock(prefix: Path) -> Iterator[Path]:
    """Hold ``.PREFIX.lock`` (created exclusively) while writing under ``prefix`` (a long prefix's lock is
    named by a digest of it, so the lock's name stays within the file system's limit)."""
    name = f".{prefix.name}.lock"
    if len(name.encode("utf-8", "surrogatepass")) > 200:
        name = f".{hashlib.sha256(prefix.name.encode('utf-8', 'surrogatepass')).hexdigest()[:24]}.lock"
    lock = prefix.with_name(name)
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        raise DataError(
            f"{lock}: another write into the prefix {prefix.name!r} is under way (or one was interrupted); "
            "wait for it, or remove this lock file if no other write is running", path=str(lock)) from None
    except OSError as exc:
        raise DataError(f"{prefix.parent}: cannot write the batch files there: {exc.strerror or exc}. Choose "
                        "another output prefix in a folder you can write to; nothing was written.",
                        path=str(prefix.parent)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
        yield lock
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()


def write_requests(
    requests: Iterable[BatchRequest],
    *,
    prefix: str | Path,
    fmt: str,
    model: str,
    limits: FileLimits,
    overwrite: bool = False,
    where: str | None = None,
    protected: Iterable[str | Path] = (),
    name: str = "prefix",
) -> Manifest:
    """Write requests into ``PREFIX-001.jsonl``, ... under ``limits``, all or nothing.

    ``protected`` are the inputs of the call: never replaced. Existing files of the prefix are
    replaced only with ``overwrite`` (and those this write does not replace are then removed, so
    no file of an earlier, larger run is mistaken for part of this one); without it nothing is
    touched.
    """
    inputs = [Path(p) for p in protected]
    protected_paths(prefix, inputs, overwrite=overwrite, name=name)
    created = _missing_dirs(Path(prefix).parent)
    out = normalize_prefix(prefix)
    try:
        with prefix_lock(out):
            old = protected_paths(prefix, inputs, overwrite=overwrite, name=name)  # again, now the prefix is ours
            manifest = _write_locked(requests, out, fmt, model, limits, overwrite, where)
    except BaseException:
        with signals_deferred():
            for folder in reversed(created):  # folders this call made, deepest first, if still empty
                with contextlib.suppress(OSError):
                    folder.rmdir()
        raise
    keep = {f.path for f in manifest.files}
    for stale in old:  # only with overwrite, and never an input (checked above)
        if stale not in keep:
            stale.unlink(missing_ok=True)
    return manifest


def _write_locked(requests: Iterable[BatchRequest], out: Path, fmt: str, model: str, limits: FileLimits,
                  overwrite: bool, where: str | None) -> Manifest:
    splitter = FileSplitter(limits)
    temps: list[Path] = []
    claimed: list[Path] = []
    renamed: list[Path] = []
    handle: IO[bytes] | None = None
    token = secrets.token_hex(4)
    try:
        for req in requests:
            index, new = splitter.place(req.row, len(req.line), req.input_tokens)
            if new:
                if handle is not None:
                    _close(handle)
                tmp = out.with_name(f".{file_name(out, index).name}.{token}.tmp")
                temps.append(tmp)
                handle = open(tmp, "xb")  # noqa: SIM115 - closed in _close or the cleanup below
            assert handle is not None
            handle.write(req.line)
        if handle is not None:
            _close(handle)
            handle = None
        spans = splitter.finish()
        if not spans:
            raise DataError(
                f"{where + ': ' if where else ''}the data has no rows (only a header, or blank lines): "
                "nothing to write",
                path=where,
            )
        finals = [file_name(out, s.index) for s in spans]
        with signals_deferred():  # Ctrl-C or SIGTERM cannot stop the renames half-way
            if not overwrite:
                for final in finals:  # claim every name first: a file that appeared meanwhile is never replaced
                    try:
                        os.close(os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                    except FileExistsError:
                        raise DataError(f"{final}: the file appeared while the batch files were being written; "
                                        "nothing was written", path=str(final)) from None
                    claimed.append(final)
            for tmp, final in zip(temps, finals):
                os.replace(tmp, final)
                renamed.append(final)
            temps = []
            claimed = []
    except BaseException as exc:
        with signals_deferred():  # nor the clean-up
            if handle is not None:
                with contextlib.suppress(OSError):
                    handle.close()
            for path in (*temps, *claimed, *renamed):  # a half-renamed set is removed too: all or nothing
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            target = exc.filename or out.parent
            raise DataError(
                f"{target}: cannot write the batch files there: {exc.strerror or exc}. Choose another output "
                "prefix in a folder you can write to (and a file name of at most 255 bytes); nothing was written.",
                path=str(target),
            ) from None
        raise
    files = tuple(
        WrittenFile(final, s.requests, s.bytes, s.first_row, s.last_row, s.input_tokens)
        for final, s in zip(finals, spans)
    )
    return Manifest(format=fmt, model=model, url=URLS.get(fmt), files=files, limits=limits)


def _missing_dirs(folder: Path) -> list[Path]:
    """The ancestors of ``folder`` (and itself) that do not exist yet, outermost first."""
    missing: list[Path] = []
    try:
        for p in (folder, *folder.parents):
            if p.exists():
                break
            missing.append(p)
    except OSError:
        return []
    return missing[::-1]


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM until the block ends, then act on them as usual.

    Python runs signal handlers in the main thread only, so the handlers are
    swapped there for ones that just note the signal (blocking the signal with
    a mask would not do: another thread of the process may take it). Elsewhere
    (the app's script threads) signals never reach this code anyway.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    before = {s: signal.getsignal(s) for s in held}
    for s in held:
        signal.signal(s, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
        for signum in dict.fromkeys(pending):
            previous = before[signal.Signals(signum)]
            if callable(previous):
                previous(signum, None)
            elif previous == signal.SIG_DFL:
                signal.raise_signal(signum)


def _close(handle: IO[bytes]) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()


def write_batch_files(
    batches: Iterable[RowBatchLike],
    *,
    prefix: str | Path,
    shape: RequestShape,
    model: str,
    fmt: str,
    max_tokens: int | None,
    limits: FileLimits,
    id_column: str | None = None,
    count_tokens: Callable[[list[dict[str, str]]], int] | None = None,
    overwrite: bool = False,
    where: str = "data",
    protected: Iterable[str | Path] = (),
    extras: RequestExtras = NO_EXTRAS,
) -> Manifest:
    """Batch files for every row of ``batches``: exactly one request per row. ``protected`` are the
    inputs (the data file): never replaced."""
    requests = iter_requests(batches, shape=shape, model=model, fmt=fmt, max_tokens=max_tokens,
                             id_column=id_column, count_tokens=count_tokens, where=where, extras=extras)
    return write_requests(requests, prefix=prefix, fmt=fmt, model=model, limits=limits, overwrite=overwrite,
                          where=where, protected=protected)


def prompt_token_counter(tokenizer_spec: str, fmt: str) -> Callable[[list[dict[str, str]]], int]:
    """Prompt tokens of one request as billed: the chat framing included, or the bare text of
    an embedding request."""
    tokenizer = get_tokenizer(tokenizer_spec)
    if fmt == "openai-embeddings":
        return lambda messages: tokenizer.count(messages[-1]["content"])
    return lambda messages: chat_tokens(messages, tokenizer)


@dataclass(frozen=True)
class BatchFileOptions:
    """How to write batch request files beyond the rows and the model.

    ``max_tokens`` goes in every request (Anthropic requires it); ``id_column``
    gives each request's ``custom_id`` (default: the row number and a content
    hash); the per-file limits default to the provider's; ``enqueued_tokens``
    also keeps each file's prompt tokens under a batch queue limit.

    ``endpoint`` chooses an OpenAI model's endpoint (``/v1/chat/completions``, ``/v1/responses`` or
    ``/v1/embeddings``; default: chat, or embeddings for an embedding model). ``tools`` (function
    definitions, or a provider's own tools), ``response_schema`` (a JSON Schema the answer must
    follow), ``reasoning_effort`` (OpenAI; Gemini's thinking level) and ``thinking_budget``
    (Anthropic's and Gemini's thinking tokens) go in every request as its endpoint documents them
    (``estimator.batch.bodies``). ``tools`` and ``response_schema`` may be paths of JSON files.
    """

    max_tokens: int | None = None
    id_column: str | None = None
    overwrite: bool = False
    max_requests_per_file: int | None = None
    max_bytes_per_file: int | None = None
    enqueued_tokens: int | None = None
    endpoint: str | None = None
    tools: Sequence[Mapping[str, Any]] | str | Path | None = None
    response_schema: Mapping[str, Any] | str | Path | None = None
    reasoning_effort: str | None = None
    thinking_budget: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_tokens", "max_requests_per_file", "max_bytes_per_file", "enqueued_tokens"):
            set_field(self, name, convert.optional(convert.count, getattr(self, name), name, minimum=1))
        set_field(self, "id_column", convert.optional(convert.text, self.id_column, "id_column"))
        set_field(self, "overwrite", convert.flag(self.overwrite, "overwrite"))
        set_field(self, "endpoint", convert.optional(convert.text, self.endpoint, "endpoint",
                                                     example="'/v1/responses'"))
        set_field(self, "tools", tools_from(self.tools))  # a path is read now: its errors name the argument
        set_field(self, "response_schema", schema_from(self.response_schema))
        extras = self.extras  # converts and checks them now, naming the argument
        set_field(self, "tools", extras.tools or None)
        set_field(self, "reasoning_effort", extras.reasoning_effort)
        set_field(self, "thinking_budget", extras.thinking_budget)

    @property
    def extras(self) -> RequestExtras:
        """What every request carries beyond its messages."""
        return RequestExtras(tools=self.tools or (), response_schema=self.response_schema,  # type: ignore[arg-type]
                             reasoning_effort=self.reasoning_effort, thinking_budget=self.thinking_budget)
