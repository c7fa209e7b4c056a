"""The provider's own figures: usage and cost exports, matched to a batch and set against its bill.

What a team pays is what the provider bills, not what a price list says. Each provider lets you
download its own account of usage or cost; this module reads them and checks a reconciled batch
against them:

* **OpenAI** organization usage and costs APIs, pages saved as JSON
  (``GET /v1/organization/usage/completions``, https://platform.openai.com/docs/api-reference/usage;
  ``GET /v1/organization/costs``). A page is ``{"object": "page", "data": [bucket, ...],
  "has_more", "next_page"}``; a bucket ``{"object": "bucket", "start_time", "end_time",
  "results": [...]}`` (Unix seconds). A usage result has ``input_tokens`` (cached and cache-write
  tokens included), ``input_cached_tokens``, ``input_cache_write_tokens``, ``output_tokens``,
  ``input_audio_tokens``, ``output_audio_tokens``, ``num_model_requests`` and, when grouped,
  ``model``, ``batch``, ``service_tier``, ``project_id``...; a cost result has ``amount:
  {"value", "currency"}`` and, grouped by line item, ``line_item`` (``"<model>, input"``).
* **Anthropic** Usage & Cost Admin API (https://docs.anthropic.com/en/api/admin-api/usage-cost/get-messages-usage-report,
  https://docs.anthropic.com/en/api/admin-api/usage-cost/get-cost-report). A report is
  ``{"data": [{"starting_at", "ending_at", "results": [...]}], "has_more", "next_page"}`` (RFC
  3339 times). A usage result has ``uncached_input_tokens``, ``cache_read_input_tokens``,
  ``cache_creation: {"ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"}``,
  ``output_tokens``, ``server_tool_use: {"web_search_requests"}`` and, when grouped, ``model``,
  ``service_tier`` (``standard``, ``batch``, ``priority``), ``context_window``, ``inference_geo``;
  a cost result has ``amount``, a decimal string **in cents** ("123.45" is $1.23), ``currency``,
  ``cost_type`` (``tokens``, ``web_search``, ``code_execution``), ``model``, ``service_tier``,
  ``token_type``.
* **Google** has no cost API: the Cloud Billing export to BigQuery
  (https://cloud.google.com/billing/docs/how-to/export-data-bigquery-tables/standard-usage),
  downloaded as CSV. Its columns include ``service.description``, ``sku.description``,
  ``usage_start_time``, ``usage_end_time``, ``cost``, ``currency``, ``usage.amount_in_pricing_units``
  and ``usage.pricing_unit`` (``_`` may stand for ``.``). Gemini SKUs name the model, the kind of
  tokens and the tier in their description.

Lines are matched to the batch by time window (the bucket overlaps the run), provider, model
(a dated snapshot is its model) and tier (batch or not). What the matched lines cost by the
provider's account, against what the tables price the same usage at and against the batch's
own bill, is the residual the price tables cannot explain (a tier the price list never names,
credits, grounding fees, other traffic in the window).

Every document is read with bounded, line-numbered checking: a bad field names the file, the
line (JSON: the bucket and result; CSV: the row) and the field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from estimator.convert import Document
from estimator.errors import DataError, EstimatorError, PricingError
from estimator.modes import ModeUnavailable, tool_fees, unit_rates, usage_cost
from estimator.money import ZERO, format_usd
from estimator.pricing import PriceBook
from estimator.usage import Usage

__all__ = ["BillingCheck", "BillingLine", "check_billing", "read_billing"]

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
MAX_ISSUES = 50


@dataclass(frozen=True)
class BillingLine:
    """One result of a provider's usage or cost document."""

    provider: str
    kind: str  # "usage" or "cost"
    start: dt.datetime
    end: dt.datetime
    model: str | None
    batch: bool | None  # None: the document does not say
    tier: str | None  # the provider's word for the tier, as written
    cost: Decimal | None = None  # USD
    cost_type: str | None = None  # tokens, web_search, ... (where the document says)
    usage: Usage = field(default_factory=lambda: Usage(0, 0, 0))  # the billable units a usage line counts
    requests_known: bool = False  # whether the document counts the requests
    where: str = ""  # file and position, for messages


@dataclass(frozen=True)
class BillingCheck(Document):
    """The provider's figures for the batch's window, model and tier, set against the tables."""

    documents: tuple[str, ...]
    window: tuple[dt.datetime, dt.datetime]
    matched: int
    unmatched: int
    provider_cost: Decimal | None  # what the provider's cost document says for the matched lines
    provider_usage: Mapping[str, int]  # token totals of the matched usage lines
    tables_cost: Decimal | None  # the price tables' price of that usage
    batch_cost: Decimal  # the batch's own bill, by the tables
    batch_tokens: Mapping[str, int]
    unknown_tiers: tuple[tuple[str, int], ...] = ()
    unmatched_cost: Decimal = ZERO
    notes: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()

    @property
    def residual(self) -> Decimal | None:
        """What the provider billed that the price tables cannot explain: its cost less the tables'
        price of its own usage when both documents are given, else its cost less the batch's bill."""
        if self.provider_cost is None:
            return None
        base = self.tables_cost if self.tables_cost is not None else self.batch_cost
        return self.provider_cost - base

    @property
    def usage_beyond_batch(self) -> dict[str, int]:
        """Tokens the provider reports for the window beyond the batch's own (other traffic, or a gap)."""
        return {k: v - self.batch_tokens.get(k, 0) for k, v in self.provider_usage.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": list(self.documents),
            "window": {"start": self.window[0].isoformat(), "end": self.window[1].isoformat()},
            "matched_lines": self.matched,
            "other_lines": self.unmatched,
            "other_lines_cost": self.unmatched_cost,
            "provider_cost": self.provider_cost,
            "provider_usage": dict(self.provider_usage),
            "tables_cost_of_provider_usage": self.tables_cost,
            "batch_cost": self.batch_cost,
            "usage_beyond_batch": self.usage_beyond_batch if self.provider_usage else {},
            "residual": self.residual,
            "unknown_tiers": dict(self.unknown_tiers),
            "issues": list(self.issues),
            "notes": list(self.notes),
        }

    def text_lines(self) -> list[str]:
        lines = [f"provider's figures ({', '.join(self.documents)}), "
                 f"{self.window[0]:%Y-%m-%d %H:%M} to {self.window[1]:%Y-%m-%d %H:%M} UTC: "
                 f"{self.matched:,} line(s) for this batch's model and tier, {self.unmatched:,} other"]
        if self.provider_usage:
            u = self.provider_usage
            lines.append(f"  provider usage: {u.get('input_tokens', 0):,} input ({u.get('cached_input_tokens', 0):,} "
                         f"cached), {u.get('output_tokens', 0):,} output tokens"
                         + (f", {u['requests']:,} requests" if u.get("requests") else "")
                         + (f"; at table prices {format_usd(self.tables_cost)}" if self.tables_cost is not None else ""))
            beyond = self.usage_beyond_batch
            if any(beyond.get(k) for k in ("input_tokens", "output_tokens")):
                lines.append(f"  beyond this batch: {beyond.get('input_tokens', 0):,} input, "
                             f"{beyond.get('output_tokens', 0):,} output tokens (other traffic, or usage the "
                             "results do not show)")
        if self.provider_cost is not None:
            residual = self.residual
            base = "its usage at table prices" if self.tables_cost is not None else "this batch's bill"
            lines.append(f"  provider cost {format_usd(self.provider_cost)} against {base} "
                         f"{format_usd(self.tables_cost if self.tables_cost is not None else self.batch_cost)}: "
                         f"residual {format_usd(residual if residual is not None else ZERO)} the price tables do "
                         "not explain")
        if self.unknown_tiers:
            lines.append("  tiers the price tables do not name: "
                         + ", ".join(f"{k} ({v:,} lines)" for k, v in self.unknown_tiers))
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  unreadable: {i}" for i in self.issues[:10]]
        return lines


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[BillingLine] = []
        self.issues: list[str] = []
        self.more = 0

    def issue(self, where: str, message: str) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(f"{self.path}: {where}: {message}")
        else:
            self.more += 1


def read_billing(path: str | Path) -> tuple[list[BillingLine], list[str]]:
    """The lines of one provider document (detected by its content), and the problems found."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: file not found" if not p.exists() else f"{p}: not a file", path=str(p))
    size = p.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise DataError(f"{p}: {size:,} bytes is more than a usage or cost export holds "
                        f"(at most {MAX_DOCUMENT_BYTES:,}); export a shorter window", path=str(p))
    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    reader = _Reader(p)
    head = raw.lstrip()[:1]
    if head in (b"{", b"["):
        _json_document(raw, reader)
    else:
        _google_csv(raw, reader)
    if not reader.lines and not reader.issues:
        reader.issue("whole file", "no usage or cost lines in it")
    if reader.more:
        reader.issues.append(f"{p}: and {reader.more:,} more problems")
    return reader.lines, reader.issues


def _loads(raw: bytes, reader: _Reader, where: str) -> Any:
    try:
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        reader.issue(where, f"not valid JSON ({exc})")
        return None


def _json_document(raw: bytes, reader: _Reader) -> None:
    doc = _loads(raw, reader, "whole file")
    if doc is None and b"\n" in raw.strip():  # JSON Lines: one page per line
        reader.issues.clear()
        pages = []
        for n, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                page = _loads(line, reader, f"line {n}")
                if page is not None:
                    pages.append((f"line {n}", page))
    elif doc is None:
        return
    else:
        pages = [(f"page {i + 1}", page) for i, page in enumerate(doc)] if isinstance(doc, list) \
            else [("page 1", doc)]
    for where, page in pages:
        buckets = page.get("data") if isinstance(page, Mapping) else None
        if not isinstance(buckets, list):
            reader.issue(where, 'not a usage or cost page: no "data" list of time buckets')
            continue
        for b, bucket in enumerate(buckets):
            _bucket(bucket, f"{where}, data[{b}]", reader)


def _time(value: Any) -> dt.datetime | None:
    if type(value) is int and 0 <= value < 253402300800:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    if isinstance(value, str):
        text = value.strip()
        text = text[:-4] + "+00:00" if text.endswith(" UTC") else text.replace("Z", "+00:00")  # BigQuery's CSV
        try:
            t = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        return t if t.tzinfo else t.replace(tzinfo=dt.UTC)
    return None


def _count(result: Mapping[str, Any], keys: Sequence[str], where: str, reader: _Reader) -> int:
    value: Any = result
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    if value is None:
        return 0
    if type(value) is int and 0 <= value <= 10**18:
        return value
    reader.issue(f"{where}.{'.'.join(keys)}", f"{value!r} is not a number of tokens; the line is left out")
    raise ValueError


def _bucket(bucket: Any, where: str, reader: _Reader) -> None:
    if not isinstance(bucket, Mapping):
        reader.issue(where, "a time bucket must be an object")
        return
    start = _time(bucket.get("start_time", bucket.get("starting_at")))
    end = _time(bucket.get("end_time", bucket.get("ending_at")))
    if start is None or end is None or end <= start:
        reader.issue(where, "the bucket has no readable start and end time")
        return
    results = bucket.get("results", bucket.get("result"))
    if not isinstance(results, list):
        reader.issue(where, 'the bucket has no "results" list')
        return
    openai = "start_time" in bucket
    for r, result in enumerate(results):
        here = f"{where}.results[{r}]"
        if not isinstance(result, Mapping):
            reader.issue(here, "a result must be an object")
            continue
        try:
            line = _openai(result, start, end, here, reader) if openai else _anthropic(result, start, end, here, reader)
        except ValueError:
            continue
        if line is not None:
            reader.lines.append(line)


def _openai(r: Mapping[str, Any], start: dt.datetime, end: dt.datetime, where: str, reader: _Reader
            ) -> BillingLine | None:
    kind = str(r.get("object", ""))
    full = f"{reader.path}: {where}"
    if "costs" in kind or "amount" in r:
        amount = r.get("amount")
        value = amount.get("value") if isinstance(amount, Mapping) else None
        currency = str(amount.get("currency", "usd")).lower() if isinstance(amount, Mapping) else "usd"
        if not isinstance(value, (Decimal, int)) or isinstance(value, bool) or not Decimal(value).is_finite():
            reader.issue(f"{where}.amount.value", f"{value!r} is not an amount; the line is left out")
            return None
        if currency != "usd":
            reader.issue(f"{where}.amount.currency", f"{currency!r}: only USD costs are compared; left out")
            return None
        item = r.get("line_item")
        item_text = str(item) if isinstance(item, str) else None
        model = item_text.split(",")[0].strip() if item_text else None
        batch = ("batch" in item_text.lower()) if item_text else None
        return BillingLine("openai", "cost", start, end, model, batch, None, cost=Decimal(value),
                           cost_type=item_text, where=full)
    if "usage" not in kind and "input_tokens" not in r:
        reader.issue(where, f"a result of kind {kind!r}: not a completions usage or cost result; left out")
        return None
    inp = _count(r, ("input_tokens",), where, reader)
    cached = _count(r, ("input_cached_tokens",), where, reader)
    writes = _count(r, ("input_cache_write_tokens",), where, reader)
    out = _count(r, ("output_tokens",), where, reader)
    audio_in = _count(r, ("input_audio_tokens",), where, reader)
    audio_out = _count(r, ("output_audio_tokens",), where, reader)
    requests = _count(r, ("num_model_requests",), where, reader)
    if cached + writes > inp:
        reader.issue(f"{where}.input_cached_tokens", f"{cached + writes:,} cached and cache-write tokens exceed "
                                                     f"input_tokens ({inp:,}); the line is left out")
        return None
    batch = r.get("batch")
    tier = r.get("service_tier")
    usage = Usage(requests, max(0, inp - audio_in), max(0, out - audio_out), cached_input_tokens=cached,
                  cache_writes=(("", writes),) if writes else (), model=_text(r.get("model")),
                  unpriced=tuple((k, n) for k, n in (("audio input tokens", audio_in),
                                                     ("audio output tokens", audio_out)) if n))
    return BillingLine("openai", "usage", start, end, _text(r.get("model")),
                       batch if isinstance(batch, bool) else None, _text(tier), usage=usage,
                       requests_known="num_model_requests" in r, where=full)


def _anthropic(r: Mapping[str, Any], start: dt.datetime, end: dt.datetime, where: str, reader: _Reader
               ) -> BillingLine | None:
    full = f"{reader.path}: {where}"
    tier = _text(r.get("service_tier"))
    batch = None if tier is None else tier == "batch"
    geo = ("us_inference",) if r.get("inference_geo") == "us" else ()
    if "amount" in r:
        try:
            cents = Decimal(str(r.get("amount")))
        except InvalidOperation:
            cents = Decimal("NaN")
        if not cents.is_finite() or isinstance(r.get("amount"), bool):
            reader.issue(f"{where}.amount", f"{r.get('amount')!r} is not an amount in cents; the line is left out")
            return None
        if str(r.get("currency", "USD")).upper() != "USD":
            reader.issue(f"{where}.currency", "only USD costs are compared; the line is left out")
            return None
        return BillingLine("anthropic", "cost", start, end, _text(r.get("model")), batch, tier,
                           cost=cents / 100, cost_type=_text(r.get("cost_type")), where=full)
    uncached = _count(r, ("uncached_input_tokens",), where, reader)
    reads = _count(r, ("cache_read_input_tokens",), where, reader)
    five = _count(r, ("cache_creation", "ephemeral_5m_input_tokens"), where, reader)
    hour = _count(r, ("cache_creation", "ephemeral_1h_input_tokens"), where, reader)
    out = _count(r, ("output_tokens",), where, reader)
    searches = _count(r, ("server_tool_use", "web_search_requests"), where, reader)
    usage = Usage(0, uncached + reads + five + hour, out, cached_input_tokens=reads,
                  cache_writes=tuple((t, n) for t, n in (("", five), ("1h", hour)) if n),
                  tool_uses=(("web_search/call", searches),) if searches else (), uplifts=geo,
                  model=_text(r.get("model")))
    return BillingLine("anthropic", "usage", start, end, _text(r.get("model")), batch, tier, usage=usage, where=full)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


_GOOGLE_COLUMNS = {
    "service": ("service.description", "service_description"),
    "sku": ("sku.description", "sku_description"),
    "start": ("usage_start_time",),
    "end": ("usage_end_time",),
    "cost": ("cost",),
    "currency": ("currency",),
    "amount": ("usage.amount_in_pricing_units", "usage_amount_in_pricing_units"),
    "unit": ("usage.pricing_unit", "usage_pricing_unit"),
}


def _google_csv(raw: bytes, reader: _Reader) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        reader.issue("whole file", f"not UTF-8 text (byte {exc.start}); neither a JSON export nor a CSV")
        return
    rows = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in rows.fieldnames or []]
    found = {k: next((c for c in names if c in header), None) for k, names in _GOOGLE_COLUMNS.items()}
    missing = [names[0] for k, names in _GOOGLE_COLUMNS.items() if found[k] is None and k in ("sku", "start", "cost")]
    if missing:
        reader.issue("line 1", f"not a billing export: no column {', '.join(missing)} (the BigQuery export of "
                               "Cloud Billing, standard usage cost, saved as CSV)")
        return
    for n, row in enumerate(rows, start=2):
        where = f"line {n}"
        row = {(k or "").strip(): v for k, v in row.items()}
        service = (row.get(found["service"] or "", "") or "")
        sku = row.get(found["sku"] or "", "") or ""
        if found["service"] and not any(w in service.lower() for w in ("gemini", "generative language", "vertex")):
            continue  # another Google Cloud service
        start, end = _time((row.get(found["start"] or "") or "").strip()), _time((row.get(found["end"] or "") or "").strip())
        if start is None or end is None:
            reader.issue(f"{where}: usage_start_time", "no readable start and end time; the line is left out")
            continue
        try:
            cost = Decimal((row.get(found["cost"] or "") or "").strip())
            if not cost.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            reader.issue(f"{where}: cost", f"{row.get(found['cost'] or '')!r} is not an amount; the line is left out")
            continue
        currency = (row.get(found["currency"] or "") or "USD").strip().upper()
        if currency != "USD":
            reader.issue(f"{where}: currency", f"{currency!r}: only USD costs are compared; the line is left out")
            continue
        lower = sku.lower()
        grounding = "grounding" in lower or "search" in lower
        # A grounding SKU does not say whether the prompt came through the Batch API: either may match.
        batch = True if "batch" in lower else None if grounding else False
        reader.lines.append(BillingLine(
            "google", "cost", start, end if end > start else start + dt.timedelta(hours=1), _google_model(sku),
            batch, "batch" if "batch" in lower else ("flex" if "flex" in lower else (
                "priority" if "priority" in lower else None)),
            cost=cost, cost_type="grounding" if grounding else "tokens", where=f"{reader.path}: {where}"))


def _google_model(sku: str) -> str | None:
    """The model a Gemini SKU description names (``Gemini 2.5 Flash Batch Input Text Tokens`` ->
    ``gemini-2.5-flash``), as words joined by dashes; the caller resolves it in the price book."""
    words = sku.lower().replace("-", " ").split()
    if "gemini" not in words:
        return None
    i = words.index("gemini")
    name = ["gemini"]
    for w in words[i + 1:]:
        if w[0].isdigit() or w in ("flash", "pro", "lite", "ultra", "nano", "argon", "carbon", "hydrogen", "neon"):
            name.append(w)
        else:
            break
    return "-".join(name)


# --------------------------------------------------------------------------
# Checking a batch against them
# --------------------------------------------------------------------------


def _model_id(name: str | None, book: PriceBook, day: dt.date, cache: dict[str | None, str | None]) -> str | None:
    if name in cache:
        return cache[name]
    found = None
    if name:
        for candidate in (name, undated(name)):
            try:
                if book.curated(candidate):
                    found = book.model(candidate, day).id
                    break
            except EstimatorError:
                continue
    cache[name] = found
    return found


def undated(name: str) -> str:
    """A model name without a trailing snapshot date: ``gpt-4o-2024-08-06`` -> ``gpt-4o``,
    ``claude-sonnet-4-5-20250929`` -> ``claude-sonnet-4-5``."""
    parts = name.split("-")
    if len(parts) > 3 and all(p.isdigit() for p in parts[-3:]) and len(parts[-3]) == 4:
        return "-".join(parts[:-3])
    if len(parts) > 1 and parts[-1].isdigit() and len(parts[-1]) == 8:
        return "-".join(parts[:-1])
    return name


_KNOWN_TIERS = {"default", "auto", "standard", "batch", "flex", "priority", "fast", "ultrafast"}


def check_billing(paths: Iterable[str | Path], *, rec_cost: Decimal, provider: str, models: set[str], mode: str,
                  window: tuple[dt.datetime, dt.datetime], book: PriceBook, day: dt.date,
                  tokens: Any) -> BillingCheck:
    """Match the documents' lines to the batch and set them against its bill (see the module docstring)."""
    lines: list[BillingLine] = []
    issues: list[str] = []
    names = []
    for p in paths:
        got, problems = read_billing(p)
        lines += got
        issues += problems
        names.append(str(p))
    notes: list[str] = []
    start, end = window
    cache: dict[str | None, str | None] = {}
    matched: list[BillingLine] = []
    unmatched = 0
    unmatched_cost = ZERO
    unknown_tiers: Counter[str] = Counter()
    other_provider = 0
    for line in lines:
        if line.provider != provider:
            other_provider += 1
            continue
        if line.tier is not None and line.tier.lower() not in _KNOWN_TIERS:
            unknown_tiers[line.tier] += 1
        in_window = line.start < end and line.end > start
        model = _model_id(line.model, book, day, cache)
        tier_ok = line.batch is None or line.batch == (mode == "batch")
        if in_window and tier_ok and (model in models or (line.model is None and line.kind == "cost")):
            matched.append(line)
        else:
            unmatched += 1
            unmatched_cost += line.cost or ZERO
    if other_provider:
        notes.append(f"{other_provider:,} line(s) belong to another provider's document and were left out")
    if any(m.model is None for m in matched):
        notes.append("some cost lines name no model (not grouped by line item or description): they are counted "
                     "whole, so other traffic in the window may be part of the provider cost")
    if any(m.batch is None for m in matched):
        notes.append("some lines do not say whether they are batch traffic (not grouped by batch or service "
                     "tier): they are matched on window and model only")
    costs = [m.cost for m in matched if m.kind == "cost" and m.cost is not None]
    usage_lines = [m for m in matched if m.kind == "usage"]
    provider_usage: dict[str, int] = {}
    tables_cost = None
    if usage_lines:
        together = sum((m.usage for m in usage_lines[1:]), usage_lines[0].usage)
        provider_usage = {"input_tokens": together.input_tokens, "cached_input_tokens": together.cached_input_tokens,
                          "output_tokens": together.output_tokens, "cache_write_tokens": together.cache_write_tokens}
        if any(m.requests_known for m in usage_lines):
            provider_usage["requests"] = together.requests
        tables_cost = _price_usage(usage_lines, book, day, mode, cache, notes)
    batch_tokens = {"input_tokens": tokens.input_tokens, "cached_input_tokens": tokens.cached_input_tokens,
                    "output_tokens": tokens.output_tokens, "cache_write_tokens": tokens.cache_write_tokens,
                    "requests": tokens.requests}
    if unknown_tiers:
        notes.append("the documents name tiers the price tables do not know: their cost is in the residual")
    if not matched:
        notes.append("no line of the documents matches this batch's window, model and tier: check the window "
                     "(the run's days in UTC) and the grouping of the export")
    return BillingCheck(tuple(names), window, len(matched), unmatched, sum(costs, ZERO) if costs else None,
                        provider_usage, tables_cost, rec_cost, batch_tokens, tuple(unknown_tiers.most_common()),
                        unmatched_cost, tuple(notes), tuple(issues))


def _price_usage(lines: Sequence[BillingLine], book: PriceBook, day: dt.date, mode: str,
                 cache: dict[str | None, str | None], notes: list[str]) -> Decimal | None:
    """The tables' price of the provider's usage lines, each at its model's rates in ``mode``."""
    total = ZERO
    for line in lines:
        model = _model_id(line.model, book, day, cache)
        if model is None:
            notes.append(f"{line.where}: model {line.model!r} is not in the price tables: not priced")
            return None
        price = book.model(model, day).price_on(day)
        try:
            ttls = tuple(t for t, _ in line.usage.cache_writes)
            r = unit_rates(price, mode, uplifts=line.usage.uplifts, ttls=ttls)
        except (ModeUnavailable, PricingError) as exc:
            notes.append(f"{line.where}: {model} cannot be priced in {mode} mode ({exc})")
            return None
        fees = tool_fees(price, mode, day, tuple(k for k, _ in line.usage.tool_uses))
        total += usage_cost(line.usage, r, fees)
    return total
