"""Batch logistics: how a job splits into batch files and waves, and how long it takes.

A batch file holds at most ``max_requests`` requests and ``max_bytes`` bytes
(the provider's per-file limits, from the ``[batch]`` rule of its pricing
file) and one model. The account may hold only so much work in the batch
queue at once (OpenAI and Gemini: enqueued prompt tokens per model;
Anthropic: requests in the processing queue), so files go out in waves: a
wave is what fits in the queue together, and the next wave waits until the
previous one has finished. The provider promises each wave within its
completion window (24 h); that is the worst case. How fast a wave usually
finishes is the user's typical-case figure.

Everything here is arithmetic on sizes. The sizes come either from a
uniform estimate (one representative request line) or, for a dataset, from
the real serialized lines (``batchwriter.measure_requests``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from estimator import convert
from estimator.convert import set_field
from estimator.errors import DataError, UsageError, param
from estimator.modes import Comparison
from estimator.money import ZERO
from estimator.pricing import BatchRule

DEFAULT_TYPICAL_WAVE_HOURS = Decimal(6)
"""Assumed typical time for one wave of batch files to complete.

An assumption, not a provider figure: providers promise only the window
(24 h); batches often finish in minutes to a few hours, depending on load.
Replace it with what your own batches take.
"""


# --------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FileLimits:
    """What one batch file may hold. ``None`` means no limit of that kind."""

    max_requests: int | None = None
    max_bytes: int | None = None
    max_input_tokens: int | None = None  # set from the queue limit: a file must fit the queue alone

    def __post_init__(self) -> None:
        for name in ("max_requests", "max_bytes", "max_input_tokens"):
            set_field(self, name, convert.optional(convert.count, getattr(self, name), name, minimum=1))

    @classmethod
    def from_rule(cls, rule: BatchRule | None) -> FileLimits:
        if rule is None:
            return cls()
        return cls(max_requests=rule.max_requests_per_file, max_bytes=rule.max_bytes_per_file)


@dataclass(frozen=True)
class QueueLimit:
    """How much batch work the account may have enqueued at once.

    ``enqueued_tokens`` counts prompt (input) tokens, as OpenAI's "batch
    queue limit" and Gemini's "batch enqueued tokens" do; output tokens are
    not counted. ``enqueued_requests`` counts requests, as Anthropic's
    "batch requests in the processing queue" does. Both are account
    settings: see ``planning.RATE_LIMIT_EXAMPLES`` for published examples.
    """

    enqueued_tokens: int | None = None
    enqueued_requests: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        for name in ("enqueued_tokens", "enqueued_requests"):
            set_field(self, name, convert.optional(convert.count, getattr(self, name), name, minimum=1))
        set_field(self, "label", convert.text(self.label, "label"))

    def file_limits(self, base: FileLimits) -> FileLimits:
        """``base`` tightened so that any one file fits the queue on its own."""

        def tighter(a: int | None, b: int | None) -> int | None:
            return b if a is None else a if b is None else min(a, b)

        return FileLimits(
            max_requests=tighter(base.max_requests, self.enqueued_requests),
            max_bytes=base.max_bytes,
            max_input_tokens=tighter(base.max_input_tokens, self.enqueued_tokens),
        )


# --------------------------------------------------------------------------
# Splitting rows into files
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSpan:
    """Consecutive data rows that go into one batch file."""

    index: int  # 1-based file number
    first_row: int
    last_row: int  # inclusive
    requests: int
    bytes: int
    input_tokens: int


class FileSplitter:
    """Places request lines into files in data order, starting a new file when one is full.

    The planner and the batch writer share this class, so a plan and the
    files written from it always agree.
    """

    def __init__(self, limits: FileLimits) -> None:
        self.limits = limits
        self.spans: list[FileSpan] = []
        self._open: FileSpan | None = None

    def place(self, row: int, line_bytes: int, input_tokens: int = 0) -> tuple[int, bool]:
        """Put one request in a file. Returns (file number, whether it starts a new file)."""
        lim = self.limits
        if lim.max_bytes is not None and line_bytes > lim.max_bytes:
            raise DataError(
                f"row {row}: its request line is {line_bytes:,} bytes, more than a whole batch file may hold "
                f"({lim.max_bytes:,} bytes). Shorten the row's text or send it as a standard request."
            )
        if lim.max_input_tokens is not None and input_tokens > lim.max_input_tokens:
            raise DataError(
                f"row {row}: its prompt has {input_tokens:,} tokens, more than the batch queue may hold at once "
                f"({lim.max_input_tokens:,} enqueued tokens). Raise {param('enqueued_tokens')} to your account's limit, "
                "or send this row as a standard request."
            )
        cur = self._open
        if cur is not None and self._fits(cur, line_bytes, input_tokens):
            self._open = FileSpan(cur.index, cur.first_row, row, cur.requests + 1, cur.bytes + line_bytes,
                                  cur.input_tokens + input_tokens)
            return cur.index, False
        if cur is not None:
            self.spans.append(cur)
        index = len(self.spans) + 1
        self._open = FileSpan(index, row, row, 1, line_bytes, input_tokens)
        return index, True

    def _fits(self, cur: FileSpan, line_bytes: int, input_tokens: int) -> bool:
        lim = self.limits
        if lim.max_requests is not None and cur.requests + 1 > lim.max_requests:
            return False
        if lim.max_bytes is not None and cur.bytes + line_bytes > lim.max_bytes:
            return False
        return lim.max_input_tokens is None or cur.input_tokens + input_tokens <= lim.max_input_tokens

    def finish(self) -> tuple[FileSpan, ...]:
        if self._open is not None:
            self.spans.append(self._open)
            self._open = None
        return tuple(self.spans)


def split_rows(items: Iterable[tuple[int, int, int]], limits: FileLimits) -> tuple[FileSpan, ...]:
    """Files for measured requests: ``(row, line bytes, input tokens)`` in data order."""
    splitter = FileSplitter(limits)
    for row, line_bytes, tokens in items:
        splitter.place(row, line_bytes, tokens)
    return splitter.finish()


def split_uniform(
    requests: int, line_bytes: int, input_tokens_per_request: Fraction | int, limits: FileLimits, first_row: int = 1
) -> tuple[FileSpan, ...]:
    """Files for ``requests`` requests that all have the same line size and prompt tokens.

    Exact arithmetic, no loop over rows: every file but the last is full.
    """
    if requests < 0 or line_bytes <= 0:
        raise UsageError("requests must be >= 0 and the request line size > 0")
    if requests == 0:
        return ()
    per_req = Fraction(input_tokens_per_request)
    capacity = _uniform_capacity(line_bytes, per_req, limits)
    spans: list[FileSpan] = []
    start = first_row
    remaining = requests
    while remaining > 0:
        n = min(capacity, remaining)
        # Tokens of rows [k, k+n): the uniform average, rounded so that file totals add up.
        done = start - first_row
        tokens = math.ceil(per_req * (done + n)) - math.ceil(per_req * done)
        spans.append(FileSpan(len(spans) + 1, start, start + n - 1, n, n * line_bytes, tokens))
        start += n
        remaining -= n
        if len(spans) > 10_000_000:  # pragma: no cover - guards against a runaway plan
            raise UsageError("more than ten million batch files: check the limits")
    return tuple(spans)


def _uniform_capacity(line_bytes: int, per_req: Fraction, limits: FileLimits) -> int:
    caps = []
    if limits.max_requests is not None:
        caps.append(limits.max_requests)
    if limits.max_bytes is not None:
        if line_bytes > limits.max_bytes:
            raise DataError(
                f"one request line ({line_bytes:,} bytes) is larger than a whole batch file may be "
                f"({limits.max_bytes:,} bytes)"
            )
        caps.append(limits.max_bytes // line_bytes)
    if limits.max_input_tokens is not None and per_req > 0:
        if math.ceil(per_req) > limits.max_input_tokens:
            raise DataError(
                f"one request's prompt (~{math.ceil(per_req):,} tokens) is more than the batch queue may hold "
                f"({limits.max_input_tokens:,} enqueued tokens)"
            )
        # Largest n whose rounded-up token total still fits.
        caps.append(max(1, math.floor(limits.max_input_tokens / per_req)))
    return max(1, min(caps)) if caps else 10**18


# --------------------------------------------------------------------------
# Waves and the plan
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchFile:
    index: int
    first_row: int
    last_row: int
    requests: int
    bytes: int
    input_tokens: int
    wave: int


@dataclass(frozen=True)
class BatchPlan:
    """Files, waves and time of a batch job."""

    model: str
    files: tuple[BatchFile, ...]
    waves: int
    requests: int
    bytes: int
    input_tokens: int
    bytes_measured: bool  # True: real serialized lines; False: estimated from one representative line
    file_limits: FileLimits
    queue: QueueLimit
    window_hours: Decimal
    typical_wave_hours: Decimal

    @property
    def worst_case_hours(self) -> Decimal:
        """Every wave takes the whole completion window."""
        return self.window_hours * self.waves

    @property
    def typical_hours(self) -> Decimal:
        return self.typical_wave_hours * self.waves

    @property
    def largest_wave_requests(self) -> int:
        per_wave: dict[int, int] = {}
        for f in self.files:
            per_wave[f.wave] = per_wave.get(f.wave, 0) + f.requests
        return max(per_wave.values(), default=0)

    def describe(self) -> str:
        how = "measured from the serialized requests" if self.bytes_measured else "estimated from one request line"
        return (
            f"{self.requests:,} requests in {len(self.files):,} file(s) ({self.bytes:,} bytes, {how}), "
            f"{self.waves:,} wave(s): worst case {self.worst_case_hours} h "
            f"({self.waves:,} × {self.window_hours} h window), typical {self.typical_hours} h"
        )


def assign_waves(spans: Iterable[FileSpan], queue: QueueLimit) -> tuple[BatchFile, ...]:
    """Group files, in order, into waves that fit the queue limit together."""
    files: list[BatchFile] = []
    wave, tokens, requests = 0, 0, 0
    for span in spans:
        fits = wave > 0 and (queue.enqueued_tokens is None or tokens + span.input_tokens <= queue.enqueued_tokens) and (
            queue.enqueued_requests is None or requests + span.requests <= queue.enqueued_requests
        )
        if not fits:
            wave, tokens, requests = wave + 1, 0, 0
        tokens += span.input_tokens
        requests += span.requests
        files.append(BatchFile(span.index, span.first_row, span.last_row, span.requests, span.bytes,
                               span.input_tokens, wave))
    return tuple(files)


def batch_plan_of(
    model: str,
    spans: tuple[FileSpan, ...],
    *,
    file_limits: FileLimits,
    queue: QueueLimit,
    window_hours: int | Decimal,
    typical_wave_hours: Decimal = DEFAULT_TYPICAL_WAVE_HOURS,
    bytes_measured: bool,
) -> BatchPlan:
    if typical_wave_hours < 0:
        raise UsageError(f"typical batch hours must be >= 0, got {typical_wave_hours}")
    window = Decimal(window_hours)
    if typical_wave_hours > window:
        raise UsageError(
            f"the typical batch time ({typical_wave_hours} h) cannot exceed the completion window ({window} h)"
        )
    files = assign_waves(spans, queue)
    return BatchPlan(
        model=model,
        files=files,
        waves=max((f.wave for f in files), default=0),
        requests=sum(f.requests for f in files),
        bytes=sum(f.bytes for f in files),
        input_tokens=sum(f.input_tokens for f in files),
        bytes_measured=bytes_measured,
        file_limits=file_limits,
        queue=queue,
        window_hours=window,
        typical_wave_hours=typical_wave_hours,
    )


def plan_uniform(
    model: str,
    requests: int,
    *,
    line_bytes: int,
    input_tokens_per_request: Fraction | int,
    rule: BatchRule | None,
    queue: QueueLimit = QueueLimit(),
    typical_wave_hours: Decimal = DEFAULT_TYPICAL_WAVE_HOURS,
    window_hours: int | None = None,
) -> BatchPlan:
    """Plan a job of identical requests (sizes from one representative line)."""
    window = _window(rule, window_hours)
    limits = queue.file_limits(FileLimits.from_rule(rule))
    spans = split_uniform(requests, line_bytes, input_tokens_per_request, limits)
    return batch_plan_of(model, spans, file_limits=limits, queue=queue, window_hours=window,
                     typical_wave_hours=typical_wave_hours, bytes_measured=False)


def plan_measured(
    model: str,
    items: Iterable[tuple[int, int, int]],
    *,
    rule: BatchRule | None,
    queue: QueueLimit = QueueLimit(),
    typical_wave_hours: Decimal = DEFAULT_TYPICAL_WAVE_HOURS,
    window_hours: int | None = None,
) -> BatchPlan:
    """Plan from measured requests: ``(row, serialized line bytes, prompt tokens)`` in data order."""
    window = _window(rule, window_hours)
    limits = queue.file_limits(FileLimits.from_rule(rule))
    spans = split_rows(items, limits)
    return batch_plan_of(model, spans, file_limits=limits, queue=queue, window_hours=window,
                     typical_wave_hours=typical_wave_hours, bytes_measured=True)


def _window(rule: BatchRule | None, window_hours: int | None) -> int:
    if window_hours is not None:
        if window_hours <= 0:
            raise UsageError(f"completion window must be > 0 hours, got {window_hours}")
        return window_hours
    if rule is None:
        raise UsageError("this model's provider has no [batch] rule: give the completion window in hours")
    return rule.completion_window_hours


# --------------------------------------------------------------------------
# Expired batches
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiryOutcome:
    """What a batch costs when only part of it completes inside the window.

    Requests still unfinished when the window closes expire and are not
    billed; completed ones are. The remainder must be sent again, in a new
    batch (another window of waiting) or as standard requests (full price).
    """

    completion_share: Decimal
    completed_requests: int
    remainder_requests: int
    first_pass_cost: Decimal
    resubmit_batch_cost: Decimal
    resubmit_standard_cost: Decimal
    extra_worst_case_hours_if_batch: Decimal

    @property
    def total_if_resubmitted_as_batch(self) -> Decimal:
        return self.first_pass_cost + self.resubmit_batch_cost

    @property
    def total_if_resubmitted_as_standard(self) -> Decimal:
        return self.first_pass_cost + self.resubmit_standard_cost


def expiry_outcome(comparison: Comparison, plan: BatchPlan, completion_share: Decimal) -> ExpiryOutcome:
    """Cost and delay when ``completion_share`` of the requests finish in the window.

    Requests are taken as alike, so cost splits in proportion to requests.
    """
    if not (0 <= completion_share <= 1):
        raise UsageError(f"completion share must be between 0 and 1, got {completion_share}")
    total = comparison.usage.requests
    completed = math.floor(Decimal(total) * completion_share)
    remainder = total - completed
    batch_total = comparison.modes["batch"].total_cost
    standard_total = comparison.standard.total_cost

    def part(amount: Decimal, n: int) -> Decimal:
        return ZERO if total == 0 else amount * n / total

    per_wave = plan.largest_wave_requests or 1
    extra_waves = math.ceil(remainder / per_wave) if remainder else 0
    return ExpiryOutcome(
        completion_share=completion_share,
        completed_requests=completed,
        remainder_requests=remainder,
        first_pass_cost=part(batch_total, completed),
        resubmit_batch_cost=part(batch_total, remainder),
        resubmit_standard_cost=part(standard_total, remainder),
        extra_worst_case_hours_if_batch=plan.window_hours * extra_waves,
    )
