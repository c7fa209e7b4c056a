"""Close the loop on a finished batch: what ran, what it cost, what to send again.

``reconcile(requests, results, errors)`` joins a batch request file with the
provider's result and error files on ``custom_id`` (Gemini: ``key``), then

* classifies every request: succeeded, failed (by reason, retryable or not),
  expired, canceled, or missing from every file; result lines whose id was
  never requested are listed as unknown;
* prices what was billed, from the usage the provider reported, at the price
  entry in force on the day of the run and at batch rates (``mode="batch"``),
  or standard rates for ``mode="standard"``. Per request, with the rates of
  the long-context tier its input falls in:

  - OpenAI: ``cached_tokens`` are part of ``prompt_tokens`` and bill at the
    cached-input rate, the rest at the input rate; ``reasoning_tokens`` are
    part of ``completion_tokens`` and bill as output
    (https://platform.openai.com/docs/guides/prompt-caching,
    https://platform.openai.com/docs/guides/reasoning);
  - Anthropic: ``input_tokens`` (uncached) at the input rate, cache reads at
    the cache-hit rate (0.1x input), 5-minute cache writes at 1.25x input,
    1-hour cache writes at 2x input; the batch discount applies to all of
    them (https://docs.anthropic.com/en/docs/about-claude/pricing, "Prompt
    caching" and "Batch processing");
  - Gemini: ``cachedContentTokenCount`` is part of ``promptTokenCount`` and
    bills at the cached rate, the rest at the input rate;
    ``thoughtsTokenCount`` bills as output on top of ``candidatesTokenCount``
    (https://ai.google.dev/gemini-api/docs/pricing);
  - failed, expired and canceled requests bill nothing (OpenAI: "you will
    only be charged for tokens consumed from any completed requests",
    https://platform.openai.com/docs/guides/batch; Anthropic: expired and
    canceled requests are not billed, batch-processing page).

* compares that with the estimate of exactly the succeeded requests: input
  counted as ``read_batch_file`` counts it, output from ``output_tokens`` (per
  request, capped by its ``max_tokens``) or the caps (the worst case);
* selects the requests to send again (retryable failures, expired, canceled,
  missing), and with ``retry_to`` writes them, byte for byte, into files
  split under the provider's limits, atomically, and validates them;
* measures output lengths for the next estimate (``OutputProfile``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from estimator import convert
from estimator.batch.files import BatchFileReport, read_batch_file
from estimator.batch.logistics import FileLimits
from estimator.batch.outputs import OutputProfile, output_profile
from estimator.batch.profile import require_valid
from estimator.batch.results import ResultRecord, ResultUsage, describe_provider, read_results
from estimator.batch.writer import BatchRequest, write_requests
from estimator.convert import Document, Result, as_of_date, counted, today
from estimator.errors import DataError, EstimatorError, UsageError, param
from estimator.money import ZERO, format_usd
from estimator.pricing import Model, Price, PriceBook, Tier, load_pricebook
from estimator.pricing.rates import _batch_rates, _Rates, _standard_rates

__all__ = ["Failure", "Reconciliation", "RequestComparison", "RetryPlan", "TokenTotals", "reconcile"]

Mode = Literal["batch", "standard"]
MILLION = Decimal(1_000_000)
MOST_OFF = 10


@dataclass(frozen=True)
class TokenTotals(Document):
    """Tokens of each kind, and their cost, summed over a set of requests."""

    requests: int
    input_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "cached_input_tokens": self.cached_input_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "cost": self.cost,
        }


@dataclass(frozen=True)
class RequestComparison(Document):
    """One succeeded request: the estimate against what was billed."""

    id: str
    line: int
    estimated_input: int
    actual_input: int
    estimated_output: int
    actual_output: int
    estimated_cost: Decimal
    actual_cost: Decimal

    @property
    def cost_error(self) -> Decimal:
        return self.actual_cost - self.estimated_cost

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "line": self.line,
            "estimated_input_tokens": self.estimated_input,
            "actual_input_tokens": self.actual_input,
            "estimated_output_tokens": self.estimated_output,
            "actual_output_tokens": self.actual_output,
            "estimated_cost": self.estimated_cost,
            "actual_cost": self.actual_cost,
            "cost_error": self.cost_error,
        }


@dataclass(frozen=True)
class Failure(Document):
    """A request that failed: why, whether a retry can succeed, and where its result line is."""

    id: str
    line: int  # the request's line in the request file
    reason: str
    message: str | None
    retryable: bool
    result_path: str
    result_line: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "line": self.line, "reason": self.reason, "message": self.message,
                "retryable": self.retryable, "result_file": self.result_path, "result_line": self.result_line}


@dataclass(frozen=True)
class RetryPlan(Document):
    """The requests to send again, what they should cost, and where they were written."""

    ids: tuple[str, ...]
    estimated_cost: Decimal
    estimated_input_tokens: int
    estimated_output_tokens: int
    files: tuple[Path, ...] = ()
    valid: bool | None = None  # whether every written file passed validation; None if none written
    issues: tuple[str, ...] = ()

    @property
    def requests(self) -> int:
        return len(self.ids)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "path": str(self.files[0]) if len(self.files) == 1 else None,
            "files": [str(p) for p in self.files],
            "cost": self.estimated_cost,
            "input_tokens": self.estimated_input_tokens,
            "output_tokens": self.estimated_output_tokens,
            "valid": self.valid,
            "issues": list(self.issues),
            "ids": list(self.ids),
        }


@dataclass(frozen=True, repr=False)
class Reconciliation(Result):
    """A finished batch against its estimate: what succeeded, failed and must be sent again, and
    what was billed. ``to_frame()`` has one row per succeeded request (estimated against actual)."""

    requests_path: Path
    result_paths: tuple[Path, ...]
    provider: str
    model: str
    price: Price
    mode: Mode
    as_of: dt.date
    requests: int
    succeeded: tuple[str, ...]
    failed: tuple[Failure, ...]
    expired: tuple[str, ...]
    canceled: tuple[str, ...]
    missing: tuple[str, ...]
    unknown_ids: tuple[str, ...]
    actual: TokenTotals
    estimated: TokenTotals
    per_request: tuple[RequestComparison, ...]
    retry: RetryPlan
    outputs: OutputProfile | None
    notes: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()  # result lines that could not be read
    duplicate_results: tuple[str, ...] = ()

    @property
    def cost_difference(self) -> Decimal:
        """Actual cost minus the estimate for the same requests (positive: the bill is higher)."""
        return self.actual.cost - self.estimated.cost

    @property
    def failed_by_reason(self) -> dict[str, int]:
        return dict(Counter(f.reason for f in self.failed).most_common())

    @property
    def not_retried(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failed if not f.retryable)

    def summary(self) -> str:
        a, e = self.actual, self.estimated
        return (f"{self.model}, {counted(self.requests, 'request')}: {len(self.succeeded):,} succeeded, {len(self.failed):,} "
                f"failed, {len(self.expired) + len(self.canceled) + len(self.missing):,} expired, canceled or "
                f"missing; billed {format_usd(a.cost)} against {format_usd(e.cost)} estimated; "
                f"{self.retry.requests:,} to send again")

    def table(self) -> list[dict[str, Any]]:
        """One row per succeeded request: estimated and actual tokens and cost."""
        return [r.as_dict() for r in self.per_request]

    def most_off(self, k: int = MOST_OFF) -> list[RequestComparison]:
        return sorted(self.per_request, key=lambda r: (-abs(r.cost_error), r.line))[:k]

    def error_distribution(self) -> dict[str, Any]:
        """Percentiles of actual - estimated per request: output tokens and cost."""
        outs = sorted(r.actual_output - r.estimated_output for r in self.per_request)
        ins = sorted(r.actual_input - r.estimated_input for r in self.per_request)
        costs = sorted(r.cost_error for r in self.per_request) or [ZERO]

        def pct(values: Sequence[Any], q: int) -> Any:
            return values[min(len(values) - 1, max(0, math.ceil(q * len(values) / 100) - 1))] if values else 0

        return {
            "input_tokens": {"p5": pct(ins, 5), "p50": pct(ins, 50), "p95": pct(ins, 95)},
            "output_tokens": {"p5": pct(outs, 5), "p50": pct(outs, 50), "p95": pct(outs, 95)},
            "cost": {"p5": pct(costs, 5), "p50": pct(costs, 50), "p95": pct(costs, 95)},
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests_file": str(self.requests_path),
            "result_files": [str(p) for p in self.result_paths],
            "provider": self.provider,
            "model": self.model,
            "mode": self.mode,
            "as_of": self.as_of.isoformat(),
            "price": {"effective_from": self.price.effective_from.isoformat(), "source": self.price.source},
            "requests": self.requests,
            "succeeded": len(self.succeeded),
            "failed": len(self.failed),
            "failed_by_reason": self.failed_by_reason,
            "failures": [f.as_dict() for f in self.failed],
            "not_retried": [f.as_dict() for f in self.not_retried],
            "expired": len(self.expired),
            "canceled": len(self.canceled),
            "missing": len(self.missing),
            "missing_ids": list(self.missing),
            "expired_ids": list(self.expired),
            "canceled_ids": list(self.canceled),
            "unknown_ids": list(self.unknown_ids),
            "duplicate_results": list(self.duplicate_results),
            "unreadable_lines": list(self.unreadable),
            "actual": self.actual.as_dict(),
            "estimated": self.estimated.as_dict(),
            "difference": {"cost": self.actual.cost - self.estimated.cost,
                           "input_tokens": self.actual.input_tokens - self.estimated.input_tokens,
                           "output_tokens": self.actual.output_tokens - self.estimated.output_tokens},
            "error_distribution": self.error_distribution(),
            "most_off": [r.as_dict() for r in self.most_off()],
            "per_request": [r.as_dict() for r in self.per_request],
            "retry": self.retry.as_dict(),
            "outputs": self.outputs.to_json() if self.outputs else None,
            "notes": list(self.notes),
        }

    def to_text(self) -> str:
        a, e = self.actual, self.estimated
        lines = [
            (f"{self.requests_path}: {self.requests:,} requests, {describe_provider(self.provider)} batch, "
             f"model {self.model}, {self.mode} prices from {self.price.effective_from} (as of {self.as_of})"),
            (f"succeeded {len(self.succeeded):,}  failed {len(self.failed):,}  expired {len(self.expired):,}  "
             f"canceled {len(self.canceled):,}  missing {len(self.missing):,}  unknown ids {len(self.unknown_ids):,}"),
        ]
        if self.failed:
            lines.append("failed by reason: " + ", ".join(f"{k} {v:,}" for k, v in self.failed_by_reason.items()))
        lines += [
            "",
            f"{'':<10}{'input tok':>12}{'cached':>10}{'output tok':>12}{'reasoning':>11}{'cost':>14}",
            (f"{'estimated':<10}{e.input_tokens:>12,}{e.cached_input_tokens:>10,}{e.output_tokens:>12,}"
             f"{e.reasoning_tokens:>11,}{format_usd(e.cost):>14}"),
            (f"{'actual':<10}{a.input_tokens:>12,}{a.cached_input_tokens:>10,}{a.output_tokens:>12,}"
             f"{a.reasoning_tokens:>11,}{format_usd(a.cost):>14}"),
            f"actual - estimated: {format_usd(a.cost - e.cost)} over the {len(self.succeeded):,} succeeded requests",
        ]
        off = [r for r in self.most_off(5) if r.cost_error != 0]
        if off:
            lines.append("most off (actual - estimated):")
            lines += [f"  {r.id} (line {r.line}): output {r.estimated_output:,} -> {r.actual_output:,} tokens, "
                      f"{format_usd(r.cost_error)}" for r in off]
        for f in self.not_retried:
            lines.append(f"not retried: {f.id} (line {f.line}): {f.reason}: {f.message or ''}".rstrip(": "))
        r = self.retry
        if r.requests:
            where = ", ".join(str(p) for p in r.files) if r.files else "not written"
            lines.append(f"retry: {r.requests:,} requests, about {format_usd(r.estimated_cost)}; file: {where}"
                         + ("" if r.valid is None else " (valid)" if r.valid else " (INVALID)"))
        else:
            lines.append("retry: nothing to send again")
        if self.outputs:
            lines.append(self.outputs.describe())
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


# --------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bill:
    """Rates of one request: by its tier and the mode, USD per million tokens."""

    rates: _Rates
    cache_write_1h: Decimal


def _source(price: Price, input_tokens: int) -> Price | Tier:
    chosen: Price | Tier = price
    for tier in sorted(price.tiers, key=lambda t: t.above_input_tokens):
        if input_tokens > tier.boundary:
            chosen = tier
    return chosen


def _bill(price: Price, input_tokens: int, mode: Mode) -> _Bill:
    src = _source(price, input_tokens)
    std = _standard_rates(src, price)
    # Anthropic: 1-hour cache writes are 2x the base input price where the table lists no price.
    one_hour = getattr(src, "cache_write_1h_per_mtok", None) or 2 * src.input_per_mtok
    if mode == "standard":
        return _Bill(std, one_hour)
    rates = _batch_rates(src, price)
    # A cache read never costs more than the same token uncached (an entry without a cached price
    # and a "cache-only" rule would otherwise price it above the batch input rate).
    rates = replace(rates, cached_input=min(rates.cached_input, rates.input))
    rule = price.batch_rule
    if rule is not None and rule.cached_input == "batch-only":
        one_hour = rates.input
    elif rule is not None and rule.cached_input == "stack":
        one_hour *= rule.discount_multiplier
    return _Bill(rates, one_hour)


def _actual_classes(u: ResultUsage, bill: _Bill) -> list[tuple[Decimal, int]]:
    r = bill.rates
    return [(r.input, u.uncached_input_tokens), (r.cached_input, u.cached_input_tokens),
            (r.cache_write, u.cache_write_tokens), (bill.cache_write_1h, u.cache_write_1h_tokens),
            (r.output, u.output_tokens)]


def _cost(classes: Iterable[tuple[Decimal, int]]) -> Decimal:
    return sum((Decimal(tokens) * rate / MILLION for rate, tokens in classes if tokens), ZERO)


class _Ledger:
    """Tokens summed by rate, multiplied once at the end."""

    def __init__(self) -> None:
        self.tokens: Counter[Decimal] = Counter()

    def add(self, classes: Iterable[tuple[Decimal, int]]) -> None:
        for rate, tokens in classes:
            self.tokens[rate] += tokens

    def cost(self) -> Decimal:
        return _cost(self.tokens.items())


# --------------------------------------------------------------------------
# The request file, line by line
# --------------------------------------------------------------------------


@dataclass
class _Request:
    id: str
    line: int
    raw: bytes
    index: int  # position among the file's requests (as in BatchFileReport.per_request_input)


def _request_lines(path: Path, provider: str) -> dict[str, _Request]:
    key = "key" if provider == "google" else "custom_id"
    out: dict[str, _Request] = {}
    index = 0
    with open(path, "rb") as f:
        for n, raw in enumerate(f, start=1):
            text = raw[3:] if n == 1 and raw.startswith(codecs.BOM_UTF8) else raw
            if not text.strip():
                continue
            obj = json.loads(text)
            if not isinstance(obj, dict):
                continue
            cid = obj.get(key)
            if isinstance(cid, str):
                out[cid] = _Request(cid, n, text if text.endswith(b"\n") else text + b"\n", index)
            index += 1
    return out


# --------------------------------------------------------------------------
# Reconcile
# --------------------------------------------------------------------------


def _resolve_model(book: PriceBook, model: str | None, report: BatchFileReport,
                   records: Sequence[ResultRecord], day: dt.date) -> Model:
    if model:
        return book.model(model, day)
    if report.model:
        return book.model(report.model, day)
    seen = Counter(r.model for r in records if r.model)
    for name, _ in seen.most_common():
        try:
            return book.model(name, day)
        except EstimatorError:  # a snapshot name the price book does not know: try the next one
            continue
    raise UsageError(
        f"{report.path}: the request file names no model and the results name none that is priced; "
        f"give one with {param('model')}",
        param="model",
    )


def reconcile(
    requests: str | Path,
    results: str | Path | Sequence[str | Path],
    errors: str | Path | None = None,
    *,
    model: str | None = None,
    as_of: dt.date | str | None = None,
    mode: Mode = "batch",
    output_tokens: int | None = None,
    retry_to: str | Path | None = None,
    prices: PriceBook | None = None,
) -> Reconciliation:
    """Join a batch's request file with its result (and error) files; see the module docstring.

    ``prices`` is the price book (default: the shipped tables); it also gives the per-file
    limits of the retry file.
    """
    if mode not in ("batch", "standard"):
        raise UsageError(f"{param('mode')} must be 'batch' or 'standard', not {mode!r}", param="mode")
    output_tokens = convert.optional(convert.count, output_tokens, "output_tokens")
    given_day = None if as_of is None else as_of_date(as_of)
    model = convert.optional(convert.text, model, "model", example="'gpt-4o'")
    for name, path in (("requests", requests), ("errors", errors), ("retry_to", retry_to)):
        if path is not None and not isinstance(path, (str, Path)):
            raise UsageError(f"{param(name)} must be a file path, not a {type(path).__name__}", param=name)
    if not isinstance(results, (str, Path)) and not (
            isinstance(results, Sequence) and all(isinstance(p, (str, Path)) for p in results)):
        raise UsageError(f"{param('results')} must be a file path or a list of them", param="results")
    if prices is not None and not isinstance(prices, PriceBook):
        raise UsageError(f"{param('prices')} must be a price book from load_pricebook(...), not a "
                         f"{type(prices).__name__}", param="prices")
    book = prices or load_pricebook()
    files = _read_files(Path(requests), results, errors, book)
    notes: list[str] = []
    day = given_day if given_day is not None else _run_date(files.records, notes)
    chosen = _resolve_model(book, model, files.report, files.records, day)
    price = chosen.price_on(day)
    if price.cached_input_per_mtok is None and any(r.usage and r.usage.cached_input_tokens for r in files.records):
        notes.append(f"the {chosen.id} price entry lists no cached-input price: cached tokens are priced "
                     "as uncached input")
    if mode == "batch" and price.batch_rule is None and price.batch_input_per_mtok is None:
        raise UsageError(f"{chosen.id} has no batch price; use {param('mode')} standard", param="mode")
    embedding = chosen.kind == "embedding" or files.report.url == "/v1/embeddings"
    expect = _ExpectedOutput(files.report.per_request_max_output, output_tokens, embedding)
    notes += expect.notes(files.report)
    by_id, unknown, duplicates = _join(files.records, files.lines)
    tally = _Tally(price, mode)
    for q in sorted(files.lines.values(), key=lambda q: q.line):
        tally.add(q, by_id.get(q.id), files.report.per_request_input[q.index], expect(q))
    outputs = tally.outputs(chosen.id, files.report.provider, ", ".join(str(p) for p in files.paths))
    retry = _retry_plan(tally.retry_ids, files.lines, files.report, price, mode, outputs, expect)
    if retry_to is not None and retry.ids:
        retry = _write_retry(retry, files.lines, files.report, retry_to)
    unreadable = tuple(f"{rf.path}: {i}" for rf in files.result_files for i in rf.issues)
    notes += _reading_notes(files, unreadable, duplicates)
    return tally.reconciliation(
        files=files, model=chosen.id, as_of=day, retry=retry, outputs=outputs, notes=notes,
        unknown=unknown, duplicates=duplicates, unreadable=unreadable,
    )


@dataclass(frozen=True)
class _Files:
    """The request file and the result files of one batch, read and checked."""

    requests_path: Path
    report: BatchFileReport
    paths: tuple[Path, ...]
    result_files: tuple[Any, ...]
    lines: Mapping[str, _Request]
    records: tuple[ResultRecord, ...]


def _read_files(req_path: Path, results: str | Path | Sequence[str | Path], errors: str | Path | None,
                book: PriceBook) -> _Files:
    report = read_batch_file(req_path, prices=book)
    require_valid(report)
    paths = [Path(results)] if isinstance(results, (str, Path)) else [Path(p) for p in results]
    if errors is not None:
        paths.append(Path(errors))
    result_files = [read_results(p) for p in paths]
    for rf in result_files:
        if rf.records and rf.provider != report.provider:
            raise DataError(
                f"{rf.path}: {describe_provider(rf.provider)} results do not belong to the "
                f"{describe_provider(report.provider)} request file {req_path}",
                path=str(rf.path),
            )
    lines = _request_lines(req_path, report.provider)
    records = tuple(r for rf in result_files for r in rf.records)
    return _Files(req_path, report, tuple(paths), tuple(result_files), lines, records)


def _run_date(records: Sequence[ResultRecord], notes: list[str]) -> dt.date:
    """The day the batch ran: the first response's, else today (and a note says which)."""
    days = sorted({r.created for r in records if r.created is not None})
    if days:
        notes.append(f"priced as of {days[0]}, the day the first response was created")
        return days[0]
    day = today()
    notes.append(f"priced as of today ({day}): the results carry no date; give the run's date "
                 f"with {param('as_of')}")
    return day


def _join(records: Sequence[ResultRecord], lines: Mapping[str, _Request]
          ) -> tuple[dict[str, ResultRecord], list[str], list[str]]:
    """One outcome per requested id (a success wins over a failure of the same id), the ids
    never requested, and the ids with more than one result line."""
    rank = {"succeeded": 0, "failed": 1, "expired": 2, "canceled": 3}
    by_id: dict[str, ResultRecord] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for r in records:
        if r.id not in lines:
            unknown.append(r.id)
            continue
        old = by_id.get(r.id)
        if old is not None:
            duplicates.append(r.id)
            if rank[r.outcome] >= rank[old.outcome]:
                continue
        by_id[r.id] = r
    return by_id, unknown, duplicates


class _ExpectedOutput:
    """The output each request was estimated with: the given length capped by its max_tokens,
    else the cap itself (the worst case); nothing for embeddings."""

    def __init__(self, caps: Sequence[int | None], output_tokens: int | None, embedding: bool) -> None:
        self.caps, self.output_tokens, self.embedding = caps, output_tokens, embedding

    def __call__(self, q: _Request) -> int:
        if self.embedding:
            return 0
        cap = self.caps[q.index] if q.index < len(self.caps) else None
        if self.output_tokens is not None:
            return self.output_tokens if cap is None else min(self.output_tokens, cap)
        return cap or 0

    def notes(self, report: BatchFileReport) -> list[str]:
        if self.embedding or self.output_tokens is not None:
            return []
        if report.requests_without_max_tokens:
            return ["estimated output is 0 for requests without max_tokens: give "
                    f"{param('output_tokens')} for the estimate the batch was planned with"]
        return ["estimated output = each request's max_tokens (the worst case); give "
                f"{param('output_tokens')} for the estimate the batch was planned with"]


class _Tally:
    """Outcomes, billed tokens and costs, request by request, in the request file's order."""

    def __init__(self, price: Price, mode: Mode) -> None:
        self.price, self.mode = price, mode
        self.actual, self.estimated = _Ledger(), _Ledger()
        self.succeeded: list[str] = []
        self.failed: list[Failure] = []
        self.expired: list[str] = []
        self.canceled: list[str] = []
        self.missing: list[str] = []
        self.retry_ids: list[str] = []
        self.comparisons: list[RequestComparison] = []
        self.totals = Counter[str]()
        self.est_totals = Counter[str]()
        self.measured_out: list[int] = []
        self.measured_in: list[int] = []
        self.reasoning = 0
        self.requests = 0

    def add(self, q: _Request, found: ResultRecord | None, est_in: int, est_out: int) -> None:
        self.requests += 1
        if found is None:
            self.missing.append(q.id)
            self.retry_ids.append(q.id)
        elif found.outcome == "succeeded":
            self._succeeded(q, found, est_in, est_out)
        elif found.outcome in ("expired", "canceled"):
            (self.expired if found.outcome == "expired" else self.canceled).append(q.id)
            self.retry_ids.append(q.id)
        else:
            self.failed.append(Failure(q.id, q.line, found.reason or "error", found.message, found.retryable,
                                       found.path, found.line))
            if found.retryable:
                self.retry_ids.append(q.id)

    def _succeeded(self, q: _Request, r: ResultRecord, est_in: int, est_out: int) -> None:
        est_bill = _bill(self.price, est_in, self.mode)
        est_classes = [(est_bill.rates.input, est_in), (est_bill.rates.output, est_out)]
        self.succeeded.append(q.id)
        u = r.usage or ResultUsage()
        classes = _actual_classes(u, _bill(self.price, u.input_tokens, self.mode))
        self.actual.add(classes)
        self.estimated.add(est_classes)
        self.totals.update(input=u.input_tokens, cached=u.cached_input_tokens,
                           writes=u.cache_write_tokens + u.cache_write_1h_tokens,
                           output=u.output_tokens, reasoning=u.reasoning_tokens)
        self.est_totals.update(input=est_in, output=est_out)
        self.comparisons.append(RequestComparison(q.id, q.line, est_in, u.input_tokens, est_out, u.output_tokens,
                                                  _cost(est_classes), _cost(classes)))
        if r.usage is not None:
            self.measured_out.append(u.output_tokens)
            self.measured_in.append(u.input_tokens)
            self.reasoning += u.reasoning_tokens

    def outputs(self, model: str, provider: str, source: str) -> OutputProfile | None:
        if not self.measured_out:
            return None
        return output_profile(self.measured_out, self.measured_in, reasoning=self.reasoning, model=model,
                              provider=provider, source=source)

    def reconciliation(self, *, files: _Files, model: str, as_of: dt.date, retry: RetryPlan,
                       outputs: OutputProfile | None, notes: Sequence[str], unknown: Sequence[str],
                       duplicates: Sequence[str], unreadable: tuple[str, ...]) -> Reconciliation:
        t, e, n = self.totals, self.est_totals, len(self.succeeded)
        return Reconciliation(
            requests_path=files.requests_path, result_paths=files.paths, provider=files.report.provider,
            model=model, price=self.price, mode=self.mode, as_of=as_of, requests=self.requests,
            succeeded=tuple(self.succeeded), failed=tuple(self.failed), expired=tuple(self.expired),
            canceled=tuple(self.canceled), missing=tuple(self.missing), unknown_ids=tuple(dict.fromkeys(unknown)),
            actual=TokenTotals(n, t["input"], t["cached"], t["writes"], t["output"], t["reasoning"],
                               self.actual.cost()),
            estimated=TokenTotals(n, e["input"], 0, 0, e["output"], 0, self.estimated.cost()),
            per_request=tuple(self.comparisons), retry=retry, outputs=outputs, notes=tuple(notes),
            unreadable=unreadable, duplicate_results=tuple(dict.fromkeys(duplicates)),
        )


def _reading_notes(files: _Files, unreadable: Sequence[str], duplicates: Sequence[str]) -> list[str]:
    notes = []
    more = sum(rf.issues_not_shown for rf in files.result_files)
    if unreadable:
        notes.append(f"{len(unreadable) + more:,} result line(s) could not be read; they are not counted")
    if duplicates:
        notes.append(f"{len(duplicates):,} request id(s) have more than one result line; a success was kept")
    if not files.report.exact:
        notes.append(f"estimated input tokens are approximate ({files.report.tokenizer_label})")
    return notes


def _retry_plan(ids: Sequence[str], lines: Mapping[str, _Request], report: BatchFileReport, price: Price,
                mode: Mode, outputs: OutputProfile | None, estimated_output: Any) -> RetryPlan:
    """What the retry should cost: counted input, and the measured mean output where there is one."""
    ledger = _Ledger()
    total_in = total_out = 0
    caps = report.per_request_max_output
    for cid in ids:
        q = lines[cid]
        est_in = report.per_request_input[q.index]
        out = estimated_output(q)
        if outputs is not None and out:
            cap = caps[q.index] if q.index < len(caps) else None
            out = outputs.expected_per_request if cap is None else min(outputs.expected_per_request, cap)
        bill = _bill(price, est_in, mode)
        ledger.add([(bill.rates.input, est_in), (bill.rates.output, out)])
        total_in += est_in
        total_out += out
    return RetryPlan(tuple(ids), ledger.cost(), total_in, total_out)


def _write_retry(plan: RetryPlan, lines: Mapping[str, _Request], report: BatchFileReport,
                 prefix: str | Path) -> RetryPlan:
    ordered = sorted((lines[i] for i in plan.ids), key=lambda q: q.line)
    reqs = [BatchRequest(q.line, q.id, q.raw, report.per_request_input[q.index]) for q in ordered]
    limits = FileLimits(max_requests=report.max_requests, max_bytes=report.max_bytes)
    manifest = write_requests(reqs, prefix=prefix, fmt=f"{report.provider} batch retry", model=report.model or "",
                              limits=limits, overwrite=True)
    files = tuple(f.path for f in manifest.files)
    issues: list[str] = []
    for path in files:
        check = read_batch_file(path, provider=report.provider)
        issues += [f"{path}: {i}" for i in check.issues]
    return replace(plan, files=files, valid=not issues, issues=tuple(issues))

