"""Close the loop on a finished batch: what ran, what it cost and why, what to send again.

``reconcile(requests, results, errors)`` joins a batch request file with the
provider's result and error files on ``custom_id`` (Gemini: ``key``), then

* classifies every request: succeeded, failed (by reason, retryable or not),
  expired, canceled, unreadable, or missing from every file; result lines whose id was
  never requested are listed as unknown. **A request whose result says it ran is never sent
  again**, whatever its usage holds, and neither is one whose result line cannot be read;
* prices every billable unit the provider reported (``estimator.usage.read_usage``), request
  by request, at the price entry in force on the day of the run: input, cache reads, cache
  writes by lifetime, output and reasoning, at the rates of the tier that served it and of the
  model that answered, with residency surcharges and server-tool fees. Per provider:

  - OpenAI: ``cached_tokens`` and ``cache_write_tokens`` are part of ``prompt_tokens``;
    ``reasoning_tokens`` are part of ``completion_tokens`` and bill as output
    (https://platform.openai.com/docs/guides/prompt-caching,
    https://platform.openai.com/docs/guides/reasoning);
  - Anthropic: ``input_tokens`` (uncached) at the input rate, cache reads at the cache-hit rate,
    5-minute and 1-hour cache writes at theirs; the batch discount applies to all of them
    (https://docs.anthropic.com/en/docs/about-claude/pricing);
  - Gemini: ``cachedContentTokenCount`` is part of ``promptTokenCount``; ``thoughtsTokenCount``
    bills as output (https://ai.google.dev/gemini-api/docs/pricing);
  - failed, expired and canceled requests bill nothing (OpenAI: "you will only be charged for
    tokens consumed from any completed requests", https://platform.openai.com/docs/guides/batch;
    Anthropic: expired and canceled requests are not billed, batch-processing page).

  A usage field that is not a count makes that request's bill **unknown**: it is listed with its
  file, line and field, and the interval it implies is given beside the known bill, never $0;
* compares that with the estimate of the same requests (input counted as ``read_batch_file``
  counts it, output from ``output_tokens`` capped by each request's ``max_tokens``, or the caps)
  and splits the gap into named causes (``estimator.batch.attribution``);
* checks the bill against the provider's own exported figures when given
  (``estimator.batch.billing``);
* selects the requests to send again (retryable failures, expired, canceled, missing), and with
  ``retry_to`` writes them, byte for byte, into new files split under the provider's limits,
  never over an input or an existing file unless ``overwrite`` is asked for (and never over an
  input at all);
* measures output lengths for the next estimate (``OutputProfile``), from the requests whose
  usage is known only.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import operator
import typing
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from estimator import _bulk, convert
from estimator.batch.attribution import (
    CAUSES,
    GapAttribution,
    Prices,
    PricingKey,
    StepRates,
    Tokens,
    cause_label,
    cause_shares,
    step_costs,
)
from estimator.batch.billing import BillingCheck, check_billing, undated
from estimator.batch.files import BatchFileReport, read_batch_file, request_lines
from estimator.batch.logistics import FileLimits
from estimator.batch.outputs import OutputProfile, output_profile
from estimator.batch.profile import require_valid
from estimator.batch.results import (
    PlainResult,
    ResultFile,
    ResultIssue,
    ResultRecord,
    ResultsInBackground,
    describe_provider,
    plain_record,
)
from estimator.batch.writer import BatchRequest, protected_paths, write_requests
from estimator.convert import Document, Result, as_of_date, counted, set_field, today
from estimator.errors import DataError, EstimatorError, PricingError, UsageError, param
from estimator.modes import ModeUnavailable, unit_rates
from estimator.money import MILLION, ZERO, format_usd, quantize, total_as_shown
from estimator.pricing import Model, Price, PriceBook, load_pricebook
from estimator.usage import Usage, UsageProblem

__all__ = [
    "Failure",
    "Reconciliation",
    "ReconcileOptions",
    "RequestComparison",
    "RetryPlan",
    "TokenTotals",
    "UnknownUsage",
    "reconcile",
]

MODES: tuple[str, ...] = ("batch", "standard", "flex", "priority", "ultrafast")
MOST_OFF = 10
SHOWN = 10  # items of a list the text shows before "and N more"


# --------------------------------------------------------------------------
# Options and documents
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReconcileOptions:
    """What ``reconcile`` does beyond the common keywords.

    ``estimated_as_of`` is the day the batch was estimated (its prices; default: the day it ran),
    so a price change between the two shows as its own cause. ``overwrite`` lets the retry files
    replace earlier retry files of the same prefix (never an input of the call). ``billing`` are
    the provider's exported usage or cost documents to check the bill against (OpenAI usage and
    costs API pages saved as JSON, Anthropic usage and cost reports, a Google Cloud billing export
    in CSV); ``billing_window`` the (start, end) of the run in UTC, to pick their lines (default:
    the days the results show, else the pricing day).
    """

    estimated_as_of: dt.date | str | None = None
    overwrite: bool = False
    billing: tuple[str | Path, ...] = ()
    billing_window: tuple[dt.datetime, dt.datetime] | None = None

    def __post_init__(self) -> None:
        if self.estimated_as_of is not None:
            set_field(self, "estimated_as_of", as_of_date(self.estimated_as_of, "estimated_as_of"))
        set_field(self, "overwrite", convert.flag(self.overwrite, "overwrite"))
        billing = (self.billing,) if isinstance(self.billing, (str, Path)) else self.billing
        if not isinstance(billing, (tuple, list)) or not all(isinstance(p, (str, Path)) for p in billing):
            raise UsageError(f"{param('billing')} must be a file path or a list of them", param="billing")
        set_field(self, "billing", tuple(Path(p) for p in billing))
        window = self.billing_window
        if window is not None:
            if not (isinstance(window, (tuple, list)) and len(window) == 2
                    and all(isinstance(t, dt.datetime) for t in window)):
                raise UsageError(f"{param('billing_window')} must be two datetimes (start, end)",
                                 param="billing_window")
            start, end = (t if t.tzinfo else t.replace(tzinfo=dt.UTC) for t in window)
            if end <= start:
                raise UsageError(f"{param('billing_window')} must end after it starts", param="billing_window")
            set_field(self, "billing_window", (start, end))


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
    cache_writes: tuple[tuple[str, int], ...] = ()  # by lifetime ("" the default)
    tool_uses: tuple[tuple[str, int], ...] = ()
    tool_cost: Decimal = ZERO

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "cached_input_tokens": self.cached_input_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cache_writes": {ttl or "default": n for ttl, n in self.cache_writes},
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "tool_uses": dict(self.tool_uses),
            "tool_cost": self.tool_cost,
            "cost": self.cost,
        }


@dataclass(frozen=True)
class RequestComparison(Document):
    """One request that ran: the estimate against what was billed, and the gap by cause.

    ``actual_cost`` is None when the request's usage could not be read (``problem`` says why).
    """

    id: str
    line: int
    estimated_input: int
    actual_input: int
    estimated_output: int
    actual_output: int
    estimated_cost: Decimal
    actual_cost: Decimal | None
    causes: tuple[tuple[str, Decimal], ...] = ()
    model: str | None = None
    served: str | None = None
    problem: str | None = None

    @classmethod
    def built(cls, id: str, line: int, estimated_input: int, actual_input: int, estimated_output: int,  # noqa: A002
              actual_output: int, estimated_cost: Decimal, actual_cost: Decimal | None,
              causes: tuple[tuple[str, Decimal], ...], model: str | None, served: str | None,
              problem: str | None = None) -> RequestComparison:
        """One from figures already checked (built without the frozen-dataclass checks: one per request)."""
        r = object.__new__(cls)
        r.__dict__.update(id=id, line=line, estimated_input=estimated_input, actual_input=actual_input,
                          estimated_output=estimated_output, actual_output=actual_output,
                          estimated_cost=estimated_cost, actual_cost=actual_cost, causes=causes, model=model,
                          served=served, problem=problem)
        return r

    @property
    def cost_error(self) -> Decimal:
        """Actual minus estimated cost (the estimate itself is taken off when the bill is unknown)."""
        return (self.actual_cost if self.actual_cost is not None else ZERO) - self.estimated_cost

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
            "causes": {k: v for k, v in self.causes if v},
            "model": self.model,
            "served": self.served,
            "problem": self.problem,
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
class UnknownUsage(Document):
    """Requests that ran, or may have, whose bill cannot be read: each with its file, line and field,
    and the interval of what they may have cost (``high`` None: no upper bound is known)."""

    items: tuple[ResultIssue, ...]
    requests: int
    low: Decimal
    high: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "low": self.low, "high": self.high,
                "items": [i.as_dict() for i in self.items]}


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
    """A finished batch against its estimate: what succeeded, failed and must be sent again, what
    was billed, and why it differs. ``to_frame()`` has one row per request that ran."""

    requests_path: Path
    result_paths: tuple[Path, ...]
    provider: str
    model: str
    price: Price
    mode: str
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
    retry: RetryPlan
    outputs: OutputProfile | None
    attribution: GapAttribution
    unknown: UnknownUsage
    notes: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()  # result lines that could not be read
    duplicate_results: tuple[str, ...] = ()
    unreadable_ids: tuple[str, ...] = ()  # requests whose result line could not be read: not sent again
    served: tuple[tuple[str, int], ...] = ()  # requests by the tier that served them
    answered_by: tuple[tuple[str, int], ...] = ()  # requests by the model that answered
    unpriced: tuple[tuple[str, int], ...] = ()  # units the tables do not price, with their counts
    estimated_as_of: dt.date | None = None
    billing: BillingCheck | None = None
    _detail: Any = field(default=None, compare=False)

    @property
    def cost_difference(self) -> Decimal:
        """Actual (known) cost minus the estimate for the same requests (positive: the bill is higher)."""
        return self.actual.cost - self.estimated.cost

    @property
    def failed_by_reason(self) -> dict[str, int]:
        return dict(Counter(f.reason for f in self.failed).most_common())

    @property
    def not_retried(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failed if not f.retryable)

    @cached_property
    def per_request(self) -> tuple[RequestComparison, ...]:
        """Every request that ran (or may have), estimated against billed, with its causes."""
        return self._detail.comparisons() if self._detail is not None else ()

    def summary(self) -> str:
        a, e = self.actual, self.estimated
        unknown = (f" (+ {self.unknown.requests:,} of unknown cost)" if self.unknown.requests else "")
        return (f"{self.model}, {counted(self.requests, 'request')}: {len(self.succeeded):,} succeeded, "
                f"{len(self.failed):,} failed, {len(self.expired) + len(self.canceled) + len(self.missing):,} "
                f"expired, canceled or missing; billed {format_usd(a.cost)}{unknown} against "
                f"{format_usd(e.cost)} estimated; {self.retry.requests:,} to send again")

    def table(self) -> list[dict[str, Any]]:
        """One row per request that ran: estimated and actual tokens and cost."""
        return [r.as_dict() for r in self.per_request]

    def most_off(self, k: int = MOST_OFF) -> list[RequestComparison]:
        """The ``k`` requests furthest off their estimate in cost (then by line)."""
        return self._detail.most_off(k) if self._detail is not None else []

    def error_distribution(self) -> dict[str, Any]:
        """Percentiles (5th, 50th, 95th) of actual - estimated per request whose bill is known: tokens and cost."""
        if self._detail is None:
            return {name: {f"p{q}": empty for q in (5, 50, 95)}
                    for name, empty in (("input_tokens", 0), ("output_tokens", 0), ("cost", ZERO))}
        return self._detail.error_distribution((5, 50, 95))

    def waterfall(self) -> list[tuple[str, Decimal]]:
        """(words, amount) from the estimate to the bill: the estimate, each cause that moved it, the
        known bill (the same figures as ``attribution``)."""
        g = self.attribution
        return [("estimate", g.estimated), *g.steps(), ("actual", g.actual)]

    @_bulk.paused_gc()  # (every request's comparison, as plain data: no cycles)
    def as_dict(self) -> dict[str, Any]:
        return {
            "requests_file": str(self.requests_path),
            "result_files": [str(p) for p in self.result_paths],
            "provider": self.provider,
            "model": self.model,
            "mode": self.mode,
            "as_of": self.as_of,
            "estimated_as_of": self.estimated_as_of or self.as_of,
            "price": {"effective_from": self.price.effective_from, "source": self.price.source},
            "requests": self.requests,
            "succeeded": len(self.succeeded),
            "failed": len(self.failed),
            "failed_by_reason": self.failed_by_reason,
            "failures": [f.as_dict() for f in self.failed],
            "not_retried": [f.as_dict() for f in self.not_retried],
            "expired": len(self.expired),
            "canceled": len(self.canceled),
            "missing": len(self.missing),
            "unreadable": len(self.unreadable_ids),
            "missing_ids": list(self.missing),
            "expired_ids": list(self.expired),
            "canceled_ids": list(self.canceled),
            "unreadable_ids": list(self.unreadable_ids),
            "unknown_ids": list(self.unknown_ids),
            "duplicate_results": list(self.duplicate_results),
            "unreadable_lines": list(self.unreadable),
            "actual": self.actual.as_dict(),
            "estimated": self.estimated.as_dict(),
            "unknown_usage": self.unknown.as_dict(),
            "difference": {"cost": self.actual.cost - self.estimated.cost,
                           "input_tokens": self.actual.input_tokens - self.estimated.input_tokens,
                           "output_tokens": self.actual.output_tokens - self.estimated.output_tokens},
            "attribution": self.attribution.as_dict(),
            "served_tiers": dict(self.served),
            "answered_by": dict(self.answered_by),
            "unpriced_units": dict(self.unpriced),
            "billing": self.billing.as_dict() if self.billing is not None else None,
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
             f"canceled {len(self.canceled):,}  missing {len(self.missing):,}  unreadable {len(self.unreadable_ids):,}  "
             f"unknown ids {len(self.unknown_ids):,}"),
        ]
        if self.failed:
            lines.append("failed by reason: " + ", ".join(f"{k} {v:,}" for k, v in self.failed_by_reason.items()))
        places = self._money_places()
        heads = ("input tok", "cached", "output tok", "reasoning", "cost")
        rows = [(name, (f"{t.input_tokens:,}", f"{t.cached_input_tokens:,}", f"{t.output_tokens:,}",
                        f"{t.reasoning_tokens:,}", format_usd(t.cost, places)))
                for name, t in (("estimated", e), ("actual", a))]
        # each column as wide as its widest figure, and at least two spaces apart
        widths = [max(len(h), *(len(r[i]) for _, r in rows)) + 2 for i, h in enumerate(heads)]
        lines += ["", f"{'':<10}" + "".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True))]
        lines += [f"{name:<10}" + "".join(f"{v:>{w}}" for v, w in zip(r, widths, strict=True)) for name, r in rows]
        lines += self._gap_lines()
        if self.unknown.requests:
            high = format_usd(self.unknown.high) if self.unknown.high is not None else "no known upper bound"
            lines.append(f"unknown: {counted(self.unknown.requests, 'request')} ran (or may have) with usage that "
                         f"cannot be read; they may have cost {format_usd(self.unknown.low)} to {high} more:")
            lines += [f"  {i}" for i in self.unknown.items[:SHOWN]]
            if len(self.unknown.items) > SHOWN:
                lines.append(f"  ... and {len(self.unknown.items) - SHOWN:,} more")
        if self.served:
            lines.append("served at: " + ", ".join(f"{k} {v:,}" for k, v in self.served))
        if len(self.answered_by) > 1 or (self.answered_by and self.answered_by[0][0] != self.model):
            lines.append("answered by: " + ", ".join(f"{k} {v:,}" for k, v in self.answered_by))
        if a.tool_uses:
            lines.append("tool uses: " + ", ".join(f"{k} {v:,}" for k, v in a.tool_uses)
                         + f" ({format_usd(a.tool_cost)} in fees)")
        if self.unpriced:
            lines.append("not priced (no price in the tables): " + ", ".join(f"{k} {v:,}" for k, v in self.unpriced))
        off = [r for r in self.most_off(5) if r.cost_error != 0]
        if off:
            lines.append("most off (actual - estimated):")
            lines += [f"  {r.id} (line {r.line}): output {r.estimated_output:,} -> {r.actual_output:,} tokens, "
                      + (format_usd(r.cost_error) if r.actual_cost is not None else "bill unknown")
                      for r in off]
        for f in self.not_retried:
            lines.append(f"not retried: {f.id} (line {f.line}): {f.reason}: {f.message or ''}".rstrip(": "))
        for cid in self.unreadable_ids[:SHOWN]:
            lines.append(f"not retried: {cid}: its result line cannot be read (it may have run); check it by hand")
        r = self.retry
        if r.requests:
            where = ", ".join(str(p) for p in r.files) if r.files else "not written"
            lines.append(f"retry: {r.requests:,} requests, about {format_usd(r.estimated_cost)}; file: {where}"
                         + ("" if r.valid is None else " (valid)" if r.valid else " (INVALID)"))
        else:
            lines.append("retry: nothing to send again")
        if self.billing is not None:
            lines += self.billing.text_lines()
        if self.outputs:
            lines.append(self.outputs.describe())
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _money_places(self) -> int:
        """Decimals at which the estimate, the bill and every cause read true together: the causes as
        printed add up to the bill minus the estimate as printed."""
        g = self.attribution
        steps = [v for _, v in g.causes if v]
        places = _places([g.estimated, g.actual, *steps])
        while places < 12 and quantize(g.actual, places) - quantize(g.estimated, places) != total_as_shown(
                steps, places):
            places += 1
        return places

    def _gap_lines(self) -> list[str]:
        """The gap and its causes, each as printed adding up to the gap as printed."""
        g = self.attribution
        steps = [(k, v) for k, v in g.causes if v != 0]
        places = self._money_places()
        gap = total_as_shown([v for _, v in steps], places) if steps else ZERO
        lines = [f"actual - estimated: {format_usd(gap, places)} over the "
                 f"{counted(len(self.succeeded) + len(self.unreadable_ids), 'request')} that ran"]
        lines += [f"  {cause_label(k):<20}{format_usd(v, places):>14}" for k, v in steps]
        return lines


# --------------------------------------------------------------------------
# Reconcile
# --------------------------------------------------------------------------


@_bulk.paused_gc()  # parsed lines hold no cycles: no collection walks them while they pile up
def reconcile(
    requests: str | Path,
    results: str | Path | Sequence[str | Path],
    errors: str | Path | None = None,
    *,
    model: str | None = None,
    as_of: dt.date | str | None = None,
    mode: str = "batch",
    output_tokens: int | None = None,
    retry_to: str | Path | None = None,
    prices: PriceBook | None = None,
    options: ReconcileOptions | None = None,
) -> Reconciliation:
    """Join a batch's request file with its result (and error) files; see the module docstring.

    ``prices`` is the price book (default: the shipped tables); it also gives the per-file
    limits of the retry file. ``mode`` is how the requests were sent: ``"batch"``, or
    ``"standard"``, ``"flex"``, ``"priority"``, ``"ultrafast"`` for requests sent one by one and
    saved in the batch result shape (each is then billed at the tier that served it).
    """
    opts = options if options is not None else ReconcileOptions()
    convert.instance(opts, "options", ReconcileOptions)
    if mode not in MODES:
        raise UsageError(f"{param('mode')} must be one of {', '.join(MODES)}, not {mode!r}", param="mode")
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
    result_list = [Path(results)] if isinstance(results, (str, Path)) else [Path(p) for p in results]
    inputs = [Path(requests), *result_list, *([Path(errors)] if errors is not None else []),
              *(Path(b) for b in opts.billing)]
    if retry_to is not None:
        protected_paths(retry_to, inputs, overwrite=opts.overwrite, name="retry_to")  # before anything is written
    files = _read_files(Path(requests), result_list, errors, book)
    notes: list[str] = list(files.notes)
    day = given_day if given_day is not None else _run_date(files, notes)
    chosen = _resolve_model(book, model, files, day)
    price = chosen.price_on(day)
    est_day = day if opts.estimated_as_of is None else as_of_date(opts.estimated_as_of)
    est_price = chosen.price_on(est_day) if est_day != day else price
    try:
        unit_rates(price, mode)
        unit_rates(est_price, mode)
    except ModeUnavailable as exc:
        raise UsageError(f"{chosen.id} cannot be priced in {mode} mode: {exc}; use another {param('mode')}",
                         param="mode") from None
    embedding = chosen.kind == "embedding" or files.report.url == "/v1/embeddings"
    expect = _ExpectedOutput(files.report.per_request_max_output, output_tokens, embedding)
    notes += expect.notes(files.report)
    by_id, unknown, duplicates = _join(files)
    tally = _Tally(book, chosen, Prices(est_price, price, {chosen.id: price}, mode, day), notes)
    report = files.report
    caps = report.per_request_max_output if not embedding else [0] * len(report.ids)
    add, add_plain, found = tally.add, tally.add_plain, by_id.get
    for i, (cid, line, est_in, est_out, cap) in enumerate(zip(
            report.ids, report.lines, report.per_request_input, expect.each(len(report.ids)), caps, strict=True)):
        r = found(cid)
        if type(r) is tuple:
            add_plain(i, cid, line, r, est_in, est_out, cap)
        else:
            add(i, cid, line, r, est_in, est_out, cap)
    outputs = tally.outputs(chosen.id, files.report.provider, ", ".join(str(p) for p in files.paths))
    retry = _retry_plan(tally.retry_indices, files.report, price, mode, outputs, expect)
    if retry_to is not None and retry.ids:
        retry = _write_retry(retry, tally.retry_indices, files.report, retry_to, inputs, opts.overwrite)
    unreadable = tuple(str(i) for rf in files.result_files for i in rf.issues if i.field is None)
    notes += _reading_notes(files, duplicates)
    rec = tally.reconciliation(
        files=files, model=chosen.id, as_of=day, retry=retry, outputs=outputs,
        unknown=unknown, duplicates=duplicates, unreadable=unreadable,
        estimated_as_of=None if opts.estimated_as_of is None else as_of_date(opts.estimated_as_of),
    )
    if opts.billing:
        window = opts.billing_window or _window(files, day)
        check = check_billing(opts.billing, rec_cost=rec.actual.cost, provider=files.report.provider,
                              models={chosen.id, *(m for m, _ in rec.answered_by)}, mode=mode, window=window,
                              book=book, day=day, tokens=rec.actual)
        rec = replace(rec, billing=check)
    return rec


def _window(files: _Files, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The days the results were made (the pricing day when they carry none), as a UTC window."""
    days = files.days() or [day]
    start = dt.datetime.combine(days[0], dt.time(), tzinfo=dt.UTC)
    return start, dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


@dataclass(frozen=True)
class _Files:
    """The request file and the result files of one batch, read and checked."""

    requests_path: Path
    report: BatchFileReport
    paths: tuple[Path, ...]
    result_files: tuple[ResultFile, ...]
    notes: tuple[str, ...] = ()

    def outcomes(self) -> Iterator[ResultRecord | PlainResult]:
        """Every result of every file, file by file in line order: plain rows as they are, and records."""
        for rf in self.result_files:
            yield from rf.in_line_order()

    def days(self) -> list[dt.date]:
        """The days the responses were made, in order."""
        found = {day for rf in self.result_files for row in rf.plain if (day := row[4]) is not None}
        found.update(day for rf in self.result_files for r in rf.other_records if (day := r.created) is not None)
        return sorted(found)


def _read_files(req_path: Path, results: list[Path], errors: str | Path | None, book: PriceBook) -> _Files:
    """The request file, read here, and the result files, read meanwhile in a second process when
    they are big enough to gain (``ResultsInBackground``)."""
    paths = [*results, *([Path(errors)] if errors is not None else [])]
    background = ResultsInBackground(paths, alongside=req_path)
    try:
        report = read_batch_file(req_path, prices=book)
        notes = require_valid(report, submitted=True)
        result_files = background.take()
    finally:
        background.close()
    for rf in result_files:
        if rf.outcomes and rf.provider != report.provider:
            raise DataError(
                f"{rf.path}: {describe_provider(rf.provider)} results do not belong to the "
                f"{describe_provider(report.provider)} request file {req_path}",
                path=str(rf.path),
            )
    return _Files(req_path, report, tuple(paths), tuple(result_files), tuple(notes))


def _resolve_model(book: PriceBook, model: str | None, files: _Files, day: dt.date) -> Model:
    report = files.report
    if model:
        return book.model(model, day)
    if report.model:
        return book.model(report.model, day)
    seen = Counter(m for r in files.outcomes() if (m := r[11] if type(r) is tuple else r.model))  # type: ignore[union-attr]
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


def _run_date(files: _Files, notes: list[str]) -> dt.date:
    """The day the batch ran: the first response's, else today (and a note says which)."""
    days = files.days()
    if days:
        notes.append(f"priced as of {days[0]}, the day the first response was created")
        return days[0]
    day = today()
    notes.append(f"priced as of today ({day}): the results carry no date; give the run's date "
                 f"with {param('as_of')}")
    return day


_RANK = {"succeeded": 0, "unreadable": 1, "failed": 2, "expired": 3, "canceled": 4}


def _rank(r: ResultRecord | PlainResult) -> int:
    return 0 if type(r) is tuple else _RANK[r.outcome]  # type: ignore[union-attr]


def _join(files: _Files) -> tuple[dict[str, ResultRecord | PlainResult], list[str], list[str]]:
    """One outcome per requested id (a success wins over anything else, an unreadable line over a
    failure: a request that may have run is never sent again), the ids never requested, and the
    ids with more than one result line. A plain row is a success."""
    wanted = set(files.report.ids)  # (ids are unique in a request file that passed its checks)
    by_id: dict[str, ResultRecord | PlainResult] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for r in files.outcomes():
        rid = r[0] if type(r) is tuple else r.id  # type: ignore[union-attr]
        if rid not in wanted:
            unknown.append(rid)
            continue
        old = by_id.get(rid)
        if old is not None:
            duplicates.append(rid)
            if _rank(r) >= _rank(old):
                continue
        by_id[rid] = r
    return by_id, unknown, duplicates


class _ExpectedOutput:
    """The output each request was estimated with: the given length capped by its max_tokens,
    else the cap itself (the worst case); nothing for embeddings."""

    def __init__(self, caps: Sequence[int | None], output_tokens: int | None, embedding: bool) -> None:
        self.caps, self.output_tokens, self.embedding = caps, output_tokens, embedding

    def __call__(self, index: int) -> int:
        if self.embedding:
            return 0
        cap = self.caps[index] if index < len(self.caps) else None
        if self.output_tokens is not None:
            return self.output_tokens if cap is None else min(self.output_tokens, cap)
        return cap or 0

    def each(self, n: int) -> list[int]:
        """The expected output of requests ``0 .. n - 1``."""
        if self.embedding:
            return [0] * n
        caps = list(self.caps[:n]) + [None] * (n - len(self.caps))
        if self.output_tokens is None:
            return [cap or 0 for cap in caps]
        given = self.output_tokens
        return [given if cap is None else min(given, cap) for cap in caps]

    def notes(self, report: BatchFileReport) -> list[str]:
        if self.embedding or self.output_tokens is not None:
            return []
        if report.requests_without_max_tokens:
            return ["estimated output is 0 for requests without max_tokens: give "
                    f"{param('output_tokens')} for the estimate the batch was planned with"]
        return ["estimated output = each request's max_tokens (the worst case); give "
                f"{param('output_tokens')} for the estimate the batch was planned with"]


def _tokens(u: Usage | PlainResult) -> tuple[int, int]:
    """Input and output tokens of a usage or of a plain row."""
    return (u[5], u[6]) if type(u) is tuple else (u.input_tokens, u.output_tokens)  # type: ignore[union-attr]


class _Detail:
    """Per-request comparisons, built from the same step costs as the totals when first asked for.

    Each request that ran is kept as ``(index, id, line, est_in, est_out, usage, key)`` (the usage
    a ``Usage`` or the request's plain result row), or ``(index, id, line, est_in, est_out, record,
    problem)`` when its usage is unknown.

    Ranking requests by how far off they were (``most_off``) and the percentiles of the error need
    every request's ``cost_error`` but no other figure: ``errors`` gives it exactly as an integer
    count of a unit common to every rate, so only the requests shown are built in full.
    """

    def __init__(self, ran: list[tuple[Any, ...]], prices: Prices, first_lengths: Mapping[PricingKey, Any],
                 estimated_rates: Any) -> None:
        self.ran, self.prices, self.first_lengths, self.estimated_rates = ran, prices, first_lengths, estimated_rates
        self._errors: list[int] | None = None

    def comparison(self, entry: tuple[Any, ...]) -> RequestComparison:
        _, cid, line, est_in, est_out, u, key = entry
        if not isinstance(key, PricingKey):
            rates = self.estimated_rates(est_in)
            est = (Decimal(est_in) * rates.input + Decimal(est_out) * rates.output) / MILLION
            return RequestComparison(cid, line, est_in, 0, est_out, 0, est, None,
                                     (("unreadable_lines", -est),), u.model, None, key)
        if type(u) is tuple:  # a plain row: (..., input, output, cached, reasoning, writes, tier, model)
            act_in, act_out, model = u[5], u[6], u[11]
            t = Tokens(est_in, est_out, act_in, act_out, u[8], u[7], {"": u[9]} if u[9] else None)
        else:
            act_in, act_out, model = u.input_tokens, u.output_tokens, u.model
            t = Tokens(est_in, est_out, act_in, act_out, u.reasoning_tokens, u.cached_input_tokens,
                       u.cache_writes and dict(u.cache_writes), u.tool_uses and dict(u.tool_uses))
        costs = step_costs(t, self.prices.step_rates(key, self.first_lengths[key]))
        return RequestComparison.built(cid, line, est_in, act_in, est_out, act_out, costs[0], costs[-1],
                                       cause_shares(costs), model, key.served)

    @_bulk.paused_gc()  # a comparison per request holds no cycles: no collection walks them as they pile up
    def comparisons(self) -> tuple[RequestComparison, ...]:
        return tuple(map(self.comparison, self.ran))

    def errors(self) -> list[int]:
        """Each request's ``cost_error`` (actual minus estimated cost), in ``ran``'s order, as an exact
        integer multiple of one unit: the same order and ties as the Decimal figures.

        Both costs are linear in the request's tokens with its key's rates (``step_costs``: the
        estimate, and the bill at the rates of the tier, residency and tool fees that applied), so
        each rate is turned once into an integer count of the unit and each request costs a few
        integer products.
        """
        if self._errors is not None:
            return self._errors
        rates: dict[Any, tuple[Decimal, ...]] = {}  # key -> (est in, est out, in, cached, out, writes..., fees...)
        for entry in self.ran:
            key = entry[6]
            if isinstance(key, PricingKey):
                if key not in rates:
                    r = self.prices.step_rates(key, self.first_lengths[key])
                    b = r.residency
                    write_rates = tuple(b.cache_write(ttl) or ZERO for ttl in key.ttls)
                    fees = tuple((f.per_use * MILLION) if (f := r.fees.get(unit)) is not None
                                 and f.per_use is not None else ZERO for unit in key.tools)
                    rates[key] = (r.estimated.input, r.estimated.output, b.input, b.cached_input, b.output,
                                  *write_rates, *fees)
            else:
                e = self.estimated_rates(entry[3])
                rates.setdefault(("unknown", e.input, e.output), (e.input, e.output))
        denominator = 1
        for values in rates.values():
            for v in values:
                denominator = math.lcm(denominator, v.as_integer_ratio()[1])
        scaled = {k: tuple(n * (denominator // d) for n, d in (v.as_integer_ratio() for v in values))
                  for k, values in rates.items()}
        out: list[int] = []
        for _, _, _, est_in, est_out, u, key in self.ran:
            if isinstance(key, PricingKey):
                ei, eo, inp, cached, output, *rest = scaled[key]
                if type(u) is tuple:  # a plain row: (..., input, output, cached, reasoning, writes, ...)
                    n_in, n_out, n_cached, written = u[5], u[6], u[7], u[9]
                    # its key's only lifetime is the default one, when it wrote to the cache; no tools
                    actual = (n_in - n_cached - written) * inp + n_cached * cached + n_out * output
                    if written:
                        actual += written * rest[0]
                    out.append(actual - (est_in * ei + est_out * eo))
                    continue
                n_in, n_out, n_cached = u.input_tokens, u.output_tokens, u.cached_input_tokens
                writes = dict(u.cache_writes) if u.cache_writes else {}
                tools = dict(u.tool_uses) if u.tool_uses else {}
                uncached = n_in - n_cached - sum(writes.values())
                actual = uncached * inp + n_cached * cached + n_out * output
                for ttl, w in zip(key.ttls, rest):
                    actual += writes.get(ttl, 0) * w
                for unit, fee in zip(key.tools, rest[len(key.ttls):]):
                    actual += tools.get(unit, 0) * fee
                out.append(actual - (est_in * ei + est_out * eo))
            else:
                e = self.estimated_rates(est_in)
                ei, eo = scaled[("unknown", e.input, e.output)]
                out.append(-(est_in * ei + est_out * eo))
        self._errors = out
        return out

    def most_off(self, k: int) -> list[RequestComparison]:
        """The ``k`` requests whose cost is furthest from their estimate (then by line), built in full."""
        errors, ran = self.errors(), self.ran
        picked = heapq.nsmallest(k, range(len(ran)), key=lambda i: (-abs(errors[i]), ran[i][2]))
        return [self.comparison(ran[i]) for i in picked]

    def error_distribution(self, quantiles: Sequence[int]) -> dict[str, Any]:
        """Percentiles of actual - estimated per request whose bill is known: tokens and cost
        (the value ranked ``ceil(q * n / 100)``, as ``Reconciliation.error_distribution`` says)."""
        errors, ran = self.errors(), self.ran
        known = [i for i in range(len(ran)) if isinstance(ran[i][6], PricingKey)]
        ins = sorted(_tokens(ran[i][5])[0] - ran[i][3] for i in known)
        outs = sorted(_tokens(ran[i][5])[1] - ran[i][4] for i in known)
        by_cost = sorted(known, key=errors.__getitem__)

        def rank(q: int) -> int:
            return min(len(known) - 1, max(0, math.ceil(q * len(known) / 100) - 1))

        def cost(q: int) -> Decimal:
            return self.comparison(ran[by_cost[rank(q)]]).cost_error if known else ZERO

        return {
            "input_tokens": {f"p{q}": ins[rank(q)] if known else 0 for q in quantiles},
            "output_tokens": {f"p{q}": outs[rank(q)] if known else 0 for q in quantiles},
            "cost": {f"p{q}": cost(q) for q in quantiles},
        }


_EST_IN, _EST_OUT, _ROW = operator.itemgetter(3), operator.itemgetter(4), operator.itemgetter(5)  # of ``ran``
_INPUT, _OUTPUT, _CACHED, _REASONING, _WRITES = (operator.itemgetter(i) for i in (5, 6, 7, 8, 9))  # of a row


class _Tally:
    """Outcomes, billed units and costs, request by request, in the request file's order."""

    def __init__(self, book: PriceBook, chosen: Model, prices: Prices, notes: list[str]) -> None:
        self.book, self.chosen, self.prices, self.notes = book, chosen, prices, notes
        self.mode, self.day = prices.mode, prices.day
        self.succeeded: list[str] = []
        self.failed: list[Failure] = []
        self.expired: list[str] = []
        self.canceled: list[str] = []
        self.missing: list[str] = []
        self.unreadable_ids: list[str] = []
        self.retry_indices: list[int] = []
        self.groups: dict[PricingKey, Tokens] = {}
        self.first_lengths: dict[PricingKey, tuple[int, int, int, int]] = {}
        self.unknown_items: list[ResultIssue] = []
        self.unknown_est = Tokens(requests=0)
        self.unknown_sizes: list[tuple[int, int]] = []  # (estimated input, output) of each, in order
        self.unknown_low = ZERO
        self.unknown_high: Decimal | None = ZERO
        self.ran: list[tuple[Any, ...]] = []
        self.thresholds: dict[str, tuple[int, ...]] = {
            "": prices.estimated.thresholds, "requested": prices.requested.thresholds,
            chosen.id: prices.requested.thresholds}
        self.measured_out: list[int] = []
        self.measured_in: list[int] = []
        self.reasoning = 0
        self.requests = 0
        self.served: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()
        self.unpriced: Counter[str] = Counter()
        self._answer_cache: dict[str | None, str] = {}
        self._served_cache: dict[tuple[str, str | None], str] = {}
        self._noted: set[str] = set()
        # Plain rows: what their model, tier and cache writes decide, and the rows of each key,
        # added to their group at the end (sums over columns, not a dozen additions per request).
        self._plain_kinds: dict[tuple[str | None, bool], tuple[Any, ...]] = {}
        self._plain_keys: dict[tuple[Any, ...], PricingKey] = {}
        self._plain_rows: dict[PricingKey, list[tuple[Any, ...]]] = {}

    # -- outcomes --------------------------------------------------------------

    def add(self, index: int, cid: str, line: int, found: ResultRecord | PlainResult | None, est_in: int,
            est_out: int, cap: int | None) -> None:
        self.requests += 1
        if found is None:
            self.missing.append(cid)
            self.retry_indices.append(index)
        elif type(found) is tuple:  # a plain row: it ran, and its usage was read
            self.succeeded.append(cid)
            implausible = self._implausible(found[11], found[5], found[6])
            if implausible is None:
                self._known(index, cid, line, found, est_in, est_out)
            else:
                self._unknown(index, cid, line, plain_record(found), est_in, est_out, cap, (implausible,))
        elif found.outcome == "succeeded":  # type: ignore[union-attr]
            found = typing.cast(ResultRecord, found)
            self.succeeded.append(cid)
            u = found.usage
            implausible = self._implausible(u.model, u.input_tokens, u.output_tokens) if u is not None else None
            if found.usage is not None and implausible is None:
                self._known(index, cid, line, found, est_in, est_out)
            else:
                self._unknown(index, cid, line, found, est_in, est_out, cap,
                              (*found.problems, *([implausible] if implausible else [])))
        elif found.outcome == "unreadable":  # type: ignore[union-attr]
            found = typing.cast(ResultRecord, found)
            self.unreadable_ids.append(cid)
            self._unknown(index, cid, line, found, est_in, est_out, cap, found.problems)
        elif found.outcome in ("expired", "canceled"):  # type: ignore[union-attr]
            found = typing.cast(ResultRecord, found)
            (self.expired if found.outcome == "expired" else self.canceled).append(cid)
            self.retry_indices.append(index)
        else:
            found = typing.cast(ResultRecord, found)
            self.failed.append(Failure(cid, line, found.reason or "error", found.message, found.retryable,
                                       found.path, found.line))
            if found.retryable:
                self.retry_indices.append(index)

    def add_plain(self, index: int, cid: str, line: int, row: PlainResult, est_in: int, est_out: int,
                  cap: int | None) -> None:
        """``add`` for a plain row (a request that ran with a plain usage): the same outcome, units and
        notes, without the per-request work a row does not need."""
        inp, out, writes, tier, model = row[5], row[6], row[9], row[10], row[11]
        kind = self._plain_kinds.get((model, writes > 0))
        if kind is None:
            kind = self._plain_kind(model, writes > 0)
        answer, window, est, req, ans, ttls, flat = kind
        if window is not None and (inp > window or out > window):
            self.add(index, cid, line, row, est_in, est_out, cap)  # not a bill: said as ``add`` says it
            return
        served = self._serve(answer, tier)
        self.requests += 1
        self.succeeded.append(cid)
        if est_in <= flat and inp <= flat:  # below every threshold: the first segment of each price
            segments: tuple[int, int, int, int] = (0, 0, 0, 0)
        else:
            segments = (bisect_left(est, est_in) if est else 0, bisect_left(req, est_in) if req else 0,
                        bisect_left(ans, est_in) if ans else 0, bisect_left(ans, inp) if ans else 0)
        key = self._plain_keys.get((answer, served, ttls, segments))
        if key is None:
            key = self._plain_keys[(answer, served, ttls, segments)] = PricingKey(*segments, answer, served, (), ttls, ())
        entry = (index, cid, line, est_in, est_out, row, key)
        rows = self._plain_rows.get(key)
        if rows is None:
            rows = self._plain_rows[key] = []
            if key not in self.groups:
                self.groups[key] = Tokens(requests=0)
                self.first_lengths[key] = (est_in, est_in, est_in, inp)
                self._check_rates(key, self.first_lengths[key])
        rows.append(entry)
        self.ran.append(entry)
        self.measured_out.append(out)
        self.measured_in.append(inp)
        self.reasoning += row[8]

    def _plain_kind(self, model: str | None, writes: bool) -> tuple[Any, ...]:
        """What a plain row's model and cache writes decide: the model that answered, its context
        window, the thresholds of each price, the cache-write lifetimes."""
        answer = self._answer(model)
        window = self.chosen.context_window if answer == self.chosen.id else \
            self.book.model(answer, self.day).context_window
        thresholds = (self.thresholds[""], self.thresholds["requested"], self.thresholds[answer])
        flat = min((t[0] for t in thresholds if t), default=math.inf)  # no request up to it crosses one
        kind = (answer, window, *thresholds, ("",) if writes else (), flat)
        self._plain_kinds[(model, writes)] = kind
        return kind

    def _fold_plain(self) -> None:
        """The plain rows' units added to their groups, column by column."""
        for key, entries in self._plain_rows.items():
            group = self.groups[key]
            rows = list(map(_ROW, entries))
            group.requests += len(entries)
            group.est_in += sum(map(_EST_IN, entries))
            group.est_out += sum(map(_EST_OUT, entries))
            group.act_in += sum(map(_INPUT, rows))
            group.act_out += sum(map(_OUTPUT, rows))
            group.cached += sum(map(_CACHED, rows))
            group.reasoning += sum(map(_REASONING, rows))
            written = sum(map(_WRITES, rows))
            if key.ttls:
                group.writes[""] = group.writes.get("", 0) + written
        self._plain_rows = {}

    def _implausible(self, model: str | None, input_tokens: int, output_tokens: int) -> UsageProblem | None:
        """A usage beyond the answering model's context window is not a bill: why, or None."""
        window = self.chosen.context_window
        name = self._answer(model)
        if name != self.chosen.id:
            window = self.book.model(name, self.day).context_window
        if window is None or (input_tokens <= window and output_tokens <= window):
            return None
        kind = "input" if input_tokens > window else "output"
        count = input_tokens if kind == "input" else output_tokens
        return UsageProblem(f"usage ({kind} tokens)", f"{count:,} {kind} tokens exceed {name}'s context window "
                                                      f"of {window:,}: not a count any request is billed")

    def _known(self, index: int, cid: str, line: int, r: ResultRecord | PlainResult, est_in: int,
               est_out: int) -> None:
        """A request whose bill is known: its units added to the group of requests priced alike.
        ``ran`` keeps its usage, or its plain row as it is."""
        if type(r) is tuple:
            u: Usage | PlainResult = r
            inp, out, cached, reasoning, writes, tier, model = r[5:]
            uplifts: tuple[str, ...] = ()
            cache_writes: tuple[tuple[str, int], ...] = (("", writes),) if writes else ()
            tool_uses: tuple[tuple[str, int], ...] = ()
            unpriced: tuple[tuple[str, int], ...] = ()
        else:
            usage = typing.cast(ResultRecord, r).usage
            assert usage is not None
            u = usage
            inp, out, cached, reasoning = usage.input_tokens, usage.output_tokens, usage.cached_input_tokens, \
                usage.reasoning_tokens
            tier, model, uplifts = usage.service_tier, usage.model, usage.uplifts
            cache_writes, tool_uses, unpriced = usage.cache_writes, usage.tool_uses, usage.unpriced
        answer = self._answer(model)
        served = self._serve(answer, tier)
        ans = self.thresholds[answer]
        est, req = self.thresholds[""], self.thresholds["requested"]
        key = PricingKey(
            bisect_left(est, est_in) if est else 0, bisect_left(req, est_in) if req else 0,
            bisect_left(ans, est_in) if ans else 0, bisect_left(ans, inp) if ans else 0,
            answer, served, uplifts,
            tuple(t for t, _ in cache_writes) if cache_writes else (),
            tuple(t for t, _ in tool_uses) if tool_uses else ())
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Tokens(requests=0)
            self.first_lengths[key] = (est_in, est_in, est_in, inp)
            self._check_rates(key, self.first_lengths[key])
        group.requests += 1
        group.est_in += est_in
        group.est_out += est_out
        group.act_in += inp
        group.act_out += out
        group.reasoning += reasoning
        group.cached += cached
        if cache_writes:
            for ttl, n in cache_writes:
                group.writes[ttl] = group.writes.get(ttl, 0) + n
        if tool_uses:
            for unit, n in tool_uses:
                group.tools[unit] = group.tools.get(unit, 0) + n
        self.ran.append((index, cid, line, est_in, est_out, u, key))
        if unpriced:
            for unit, n in unpriced:
                self.unpriced[unit] += n
        self.measured_out.append(out)
        self.measured_in.append(inp)
        self.reasoning += reasoning

    def _unknown(self, index: int, cid: str, line: int, r: ResultRecord, est_in: int, est_out: int,
                 cap: int | None, problems: Sequence[UsageProblem]) -> None:
        """A request that ran (or may have) whose bill cannot be read: its estimate leaves the known
        bill, and what it may have cost is an interval."""
        self.unknown_est.add(Tokens(est_in, est_out))
        self.unknown_sizes.append((est_in, est_out))
        self.ran.append((index, cid, line, est_in, est_out, r, "; ".join(str(p) for p in problems) or r.message))
        if problems:
            self.unknown_items += [ResultIssue(r.path, r.line, p.message, p.field, cid) for p in problems]
        else:
            self.unknown_items.append(ResultIssue(r.path, r.line, r.message or "unreadable", None, cid))
        low, high = self._interval(est_in, cap, may_not_have_run=r.outcome == "unreadable")
        self.unknown_low += low
        self.unknown_high = None if high is None or self.unknown_high is None else self.unknown_high + high

    def _interval(self, est_in: int, cap: int | None, *, may_not_have_run: bool) -> tuple[Decimal, Decimal | None]:
        """The least and most a request of ``est_in`` counted tokens can have cost: every prompt token
        read from the cache and no output, to every prompt token at the dearest input rate (a cache
        write) and its output cap (the model's own limit when the request sets none)."""
        r = unit_rates(self.prices.requested, self.mode, input_tokens=est_in)
        low = ZERO if may_not_have_run else Decimal(est_in) * min(r.input, r.cached_input) / MILLION
        most_out = cap if cap is not None else self.chosen.max_output_tokens
        if most_out is None and self.chosen.context_window is not None:
            most_out = max(0, self.chosen.context_window - est_in)
        if most_out is None:
            return low, None
        dearest = max(r.input, r.cached_input, *r.cache_writes.values())
        return low, (Decimal(est_in) * dearest + Decimal(most_out) * r.output) / MILLION

    # -- the model that answered, the tier that served ------------------------

    def _answer(self, name: str | None) -> str:
        """The priced model id that answered: the requested one unless the response names another
        model of the tables (a dated snapshot of the requested model is the requested model)."""
        found = self._answer_cache.get(name)
        if found is not None:
            return found
        found = self.chosen.id
        if name and name != self.chosen.id and name not in self.chosen.aliases \
                and undated(name) not in (self.chosen.id, *self.chosen.aliases):
            try:
                other = self.book.model(name, self.day)
                curated = self.book.curated(name) or self.book.curated(undated(name))
            except EstimatorError:
                other, curated = None, False
            if other is None or not curated:
                self._note(f"responses name model {name!r}, which is not in the price tables: priced as "
                           f"{self.chosen.id}, the model requested")
            elif other.id != self.chosen.id:
                try:
                    price = other.price_on(self.day)
                    unit_rates(price, self.mode)
                except (EstimatorError, ModeUnavailable) as exc:
                    self._note(f"responses name model {other.id}, which cannot be priced in {self.mode} mode "
                               f"({exc}): priced as {self.chosen.id}")
                else:
                    self.prices.answers[other.id] = price
                    self.thresholds[other.id] = price.thresholds
                    found = other.id
        self._answer_cache[name] = found
        return found

    def _serve(self, answer: str, reported: str | None) -> str:
        """The mode a request was billed in: the tier its response reports where that is a tier the
        model is sold at that day; a batch is billed as a batch whatever tier it names."""
        key = (answer, reported)
        found = self._served_cache.get(key)
        if found is not None:
            return found
        found = self.mode
        if reported is not None and reported != self.mode:
            if self.mode == "batch":
                if reported != "standard":
                    self._note(f"responses inside a batch report service tier {reported!r}: billed at batch rates")
            elif reported not in MODES:
                self._note(f"responses report service tier {reported!r}, which the price tables do not name: "
                           f"priced at {self.mode} rates")
            else:
                try:
                    unit_rates(self.prices.answers[answer], reported)
                except (ModeUnavailable, PricingError) as exc:
                    self._note(f"responses report service tier {reported!r}, not sold for {answer} then ({exc}): "
                               f"priced at {self.mode} rates")
                else:
                    found = reported
        self._served_cache[key] = found
        return found

    def _check_rates(self, key: PricingKey, lengths: tuple[int, int, int, int]) -> None:
        rates = self.prices.step_rates(key, lengths)
        for note in (*rates.served.notes, *rates.residency.notes):
            self._note(note)
        for ttl in key.ttls:
            if rates.answered_billed.cache_write(ttl) is None:
                self._note(f"{key.answer} has no price for {ttl or 'default'} cache writes in the tables: "
                           "those tokens are listed as not priced")
        for unit in key.tools:
            fee = rates.fees[unit]
            if fee.per_use is None:
                self._note(f"{fee.why}: those uses are listed as not priced")
            elif fee.why:
                self._note(f"{unit}: {fee.why}")

    def _note(self, text: str) -> None:
        if text not in self._noted:
            self._noted.add(text)
            self.notes.append(text)

    # -- results ---------------------------------------------------------------

    def outputs(self, model: str, provider: str, source: str) -> OutputProfile | None:
        if not self.measured_out:
            return None
        return output_profile(self.measured_out, self.measured_in, reasoning=self.reasoning, model=model,
                              provider=provider, source=source)

    def _estimated_rates(self, est_in: int) -> Any:
        return unit_rates(self.prices.estimated, self.mode, input_tokens=est_in)

    def reconciliation(self, *, files: _Files, model: str, as_of: dt.date, retry: RetryPlan,
                       outputs: OutputProfile | None, unknown: Sequence[str], duplicates: Sequence[str],
                       unreadable: tuple[str, ...], estimated_as_of: dt.date | None) -> Reconciliation:
        self._fold_plain()
        total = Tokens(requests=0)
        steps = [ZERO] * (len(CAUSES))
        tool_cost = ZERO
        for key, group in self.groups.items():
            total.add(group)
            self.served[key.served] += group.requests
            self.answered[key.answer] += group.requests
            rates = self.prices.step_rates(key, self.first_lengths[key])
            costs = step_costs(group, rates)
            for i in range(len(steps)):
                steps[i] += costs[i]
            tool_cost += costs[-1] - costs[-2]
            self._unpriced(group, rates)
        est_unknown = ZERO
        for est_in, est_out in self.unknown_sizes:
            rates = self._estimated_rates(est_in)
            est_unknown += (Decimal(est_in) * rates.input + Decimal(est_out) * rates.output) / MILLION
        estimated_cost = steps[0] + est_unknown
        actual_cost = steps[-1]
        causes = [(k, steps[i + 1] - steps[i]) for i, (k, _) in enumerate(CAUSES[:-1])]
        causes.append(("unreadable_lines", -est_unknown))
        attribution = GapAttribution(estimated_cost, actual_cost, tuple(causes), self.unknown_low, self.unknown_high)
        n_known = total.requests
        actual = TokenTotals(
            n_known, total.act_in, total.cached, sum(total.writes.values()), total.act_out, total.reasoning,
            actual_cost, cache_writes=tuple(sorted(total.writes.items())), tool_uses=tuple(sorted(total.tools.items())),
            tool_cost=tool_cost,
        )
        est_in = total.est_in + self.unknown_est.est_in
        est_out = total.est_out + self.unknown_est.est_out
        estimated = TokenTotals(n_known + self.unknown_est.requests, est_in, 0, 0, est_out, 0, estimated_cost)
        unknown_usage = UnknownUsage(tuple(self.unknown_items), self.unknown_est.requests, self.unknown_low,
                                     self.unknown_high)
        if self.unknown_est.requests:
            self._note(f"{counted(self.unknown_est.requests, 'request')} ran (or may have) but their usage cannot "
                       "be read: they are not sent again, their estimate is taken off the comparison, and what "
                       "they may have cost is given as an interval (see unknown_usage)")
        return Reconciliation(
            requests_path=files.requests_path, result_paths=files.paths, provider=files.report.provider,
            model=model, price=self.prices.requested, mode=self.mode, as_of=as_of, requests=self.requests,
            succeeded=tuple(self.succeeded), failed=tuple(self.failed), expired=tuple(self.expired),
            canceled=tuple(self.canceled), missing=tuple(self.missing), unknown_ids=tuple(dict.fromkeys(unknown)),
            actual=actual, estimated=estimated, retry=retry, outputs=outputs, attribution=attribution,
            unknown=unknown_usage, notes=tuple(self.notes), unreadable=unreadable,
            duplicate_results=tuple(dict.fromkeys(duplicates)), unreadable_ids=tuple(self.unreadable_ids),
            served=tuple(sorted(self.served.items())), answered_by=tuple(self.answered.most_common()),
            unpriced=tuple(sorted(self.unpriced.items())), estimated_as_of=estimated_as_of,
            _detail=_Detail(self.ran, self.prices, self.first_lengths, self._estimated_rates),
        )

    def _unpriced(self, group: Tokens, rates: StepRates) -> None:
        for ttl, n in group.writes.items():
            if rates.answered_billed.cache_write(ttl) is None and n:
                self.unpriced[f"cache write tokens ({ttl})"] += n
        for unit, n in group.tools.items():
            if rates.fees[unit].per_use is None and n:
                self.unpriced[unit] += n


def _places(amounts: Sequence[Decimal]) -> int:
    """Decimals that show, with two significant digits, every amount above a ten-thousandth of the
    largest (from cents, at most 10): a $3 cause beside a $50,000 bill does not print $50,000.000000."""
    nonzero = [abs(a) for a in amounts if a]
    if not nonzero:
        return 2
    floor = max(nonzero) / 10_000
    return max(2, *(min(10, -a.adjusted() + 1) for a in nonzero if a >= floor))


def _reading_notes(files: _Files, duplicates: Sequence[str]) -> list[str]:
    notes = []
    bad = sum(1 for rf in files.result_files for i in rf.issues if i.field is None)
    more = sum(rf.issues_not_shown for rf in files.result_files)
    if bad or more:
        notes.append(f"{bad + more:,} result line(s) could not be read; the requests they name (where a "
                     "request id could still be read) are not sent again")
    if duplicates:
        notes.append(f"{len(duplicates):,} request id(s) have more than one result line; one was kept "
                     "(a success first) and priced once")
    if not any(rf.outcomes for rf in files.result_files):
        notes.append("the result files hold no result: every request is missing")
    if not files.report.exact:
        notes.append(f"estimated input tokens are approximate ({files.report.tokenizer_label})")
    return notes


def _retry_plan(indices: Sequence[int], report: BatchFileReport, price: Price, mode: str,
                outputs: OutputProfile | None, estimated_output: Any) -> RetryPlan:
    """What the retry should cost: counted input, and the measured mean output where there is one."""
    total = ZERO
    total_in = total_out = 0
    caps = report.per_request_max_output
    for i in indices:
        est_in = report.per_request_input[i]
        out = estimated_output(i)
        if outputs is not None and out:
            cap = caps[i] if i < len(caps) else None
            out = outputs.expected_per_request if cap is None else min(outputs.expected_per_request, cap)
        r = unit_rates(price, mode, input_tokens=est_in)
        total += Decimal(est_in) * r.input + Decimal(out) * r.output
        total_in += est_in
        total_out += out
    return RetryPlan(tuple(report.ids[i] for i in indices), total / MILLION, total_in, total_out)


def _write_retry(plan: RetryPlan, indices: Sequence[int], report: BatchFileReport, prefix: str | Path,
                 inputs: Sequence[Path], overwrite: bool) -> RetryPlan:
    ordered = sorted(indices)
    raw = request_lines(report, ordered)
    reqs = [BatchRequest(report.lines[i], report.ids[i], line, report.per_request_input[i])
            for i, line in zip(ordered, raw)]
    limits = FileLimits(max_requests=report.max_requests, max_bytes=report.max_bytes)
    manifest = write_requests(reqs, prefix=prefix, fmt=f"{report.provider} batch retry", model=report.model or "",
                              limits=limits, overwrite=overwrite, protected=inputs, name="retry_to")
    files = tuple(f.path for f in manifest.files)
    issues: list[str] = []
    for path in files:
        check = read_batch_file(path, provider=report.provider, count=False)
        issues += [f"{path}: {i}" for i in check.issues]
    return replace(plan, files=files, valid=not issues, issues=tuple(issues))
