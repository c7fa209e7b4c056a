"""The one-call functions of the library: estimate a job, count tokens, price a usage.

    import estimator
    est = estimator.estimate(df, model="gpt-4o", column="text", output_tokens=50)
    est.comparison.modes["batch"].total_cost     # Decimal
    est.to_json()                                # what ``estimate --json`` prints

Nothing here reads a hidden input: the pricing date defaults to today *here*,
once, and is recorded in the result; the price book and the tokenizer are
arguments; a tokenizer fallback is a note of that one result.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from estimator import convert
from estimator.batch.outputs import OutputProfile, interval_notes
from estimator.batch.sniff import batch_request_format
from estimator.convert import as_of_date, month_start, set_field, today
from estimator.counting import CountOptions, OutputSpec, TokenProfile
from estimator.counting.dataset import count_dataset
from estimator.counting.priors import ReasoningOutput, output_prior
from estimator.counting.prompts import RequestShape
from estimator.counting.reasoning import with_reasoning
from estimator.errors import DataError, EstimatorError, UsageError, param
from estimator.modes import Comparison, ModeParams, compare
from estimator.money import format_usd
from estimator.pricing import Price, PriceBook, PricedModel, load_pricebook, resolve_price
from estimator.reading import suggest_text_column
from estimator.reading.columns import first_rows
from estimator.reading.memory import MESSAGES_COLUMN, TEXT_COLUMN, _is_frame
from estimator.reading.source import ReadOptions, open_rows
from estimator.report.estimate import Estimate, build_estimate
from estimator.tokens import Tokenizer, chat_tokens, get_tokenizer
from estimator.usage import RequestSize, Usage

if TYPE_CHECKING:  # imported where used: an estimate never loads planning, forecasts, pilots or the writer
    from estimator.batch.files import BatchFileReport
    from estimator.batch.writer import BatchFileOptions, Manifest
    from estimator.piloting.pilot import PilotOptions, PilotRound
    from estimator.planning.forecast import Forecast, ForecastOptions, Volume
    from estimator.planning.job import JobPlan, PlanOptions
    from estimator.planning.routing import RoutingPlan, TrafficMix


@dataclass(frozen=True)
class EstimateOptions:
    """Everything about an estimate beyond the common keywords of ``estimate``.

    ``output`` is the full way of estimating output tokens (a column of counts,
    example answers, a ratio...), instead of the ``output_tokens`` and
    ``max_tokens`` keywords. ``input_price``/``output_price`` replace the
    table's price (USD per million tokens) on the entry in force on ``as_of``.
    ``dask`` counts on a Dask cluster: a scheduler address or ``"local"``.
    """

    read: ReadOptions = field(default_factory=ReadOptions)
    count: CountOptions = field(default_factory=CountOptions)
    output: OutputSpec | None = None
    modes: ModeParams = field(default_factory=ModeParams)
    input_price: Decimal | None = None
    output_price: Decimal | None = None
    dask: str | None = None
    tokenizer: Tokenizer | None = None
    measured_output: OutputProfile | None = None
    """Output lengths measured from a pilot's results (``estimator.batch.load_output_profile``):
    the expected output per request is their mean, and the notes give the interval it implies."""
    image_column: str | None = None
    """A column of local image paths sent with each row: each image's tokens by the provider's published
    rule (from its size, read from the file's header) are added to the input."""
    image_detail: str = "auto"
    """OpenAI's image ``detail`` (low, high, original, auto) or Gemini's media resolution for those images."""
    tool_calls_per_request: int = 1
    """Server-tool calls (web search, grounding...) each request is assumed to make, per tool it offers."""
    tools: Any = None
    """Tool definitions every row's request carries (a list in the provider's request format, or the path of a
    JSON file holding it): their tokens, the tool-use system prompt and any server-tool fees are added."""
    response_schema: Any = None
    """A JSON schema every row's request carries as its structured-output format (a dict, or a JSON file's path)."""

    def __post_init__(self) -> None:
        convert.instance(self.read, "read", ReadOptions)
        convert.instance(self.count, "count", CountOptions)
        convert.optional(convert.instance, self.output, "output", kind=OutputSpec)
        convert.instance(self.modes, "modes", ModeParams)
        for name in ("input_price", "output_price"):
            set_field(self, name, convert.optional(convert.money, getattr(self, name), name))
        set_field(self, "dask", convert.optional(convert.text, self.dask, "dask", example="'local'"))
        convert.optional(convert.instance, self.measured_output, "measured_output", kind=OutputProfile)
        set_field(self, "image_column", convert.optional(convert.text, self.image_column, "image_column"))
        set_field(self, "image_detail", convert.text(self.image_detail, "image_detail", example="'low'").lower())
        set_field(self, "tool_calls_per_request", convert.count(self.tool_calls_per_request, "tool_calls_per_request"))
        set_field(self, "tools", _json_option(self.tools, "tools", list))
        set_field(self, "response_schema", _json_option(self.response_schema, "response_schema", dict))


MODEL_EXAMPLE = "'gpt-4o'"


def _json_option(value: Any, name: str, kind: type) -> Any:
    """A list or dict given as itself or as the path of a JSON file holding it (``{"tools": [...]}`` too)."""
    if value is None or isinstance(value, kind):
        return value
    if not isinstance(value, (str, Path)):
        raise UsageError(f"{param(name)} must be a {kind.__name__} or the path of a JSON file, not "
                         f"{type(value).__name__}", param=name)
    try:
        data = json.loads(Path(value).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{value}: cannot read {param(name)}: {exc.strerror or exc}", path=str(value)) from None
    except ValueError as exc:
        raise DataError(f"{value}: {param(name)} is not valid JSON ({exc})", path=str(value)) from None
    if kind is list and isinstance(data, dict) and isinstance(data.get("tools"), list):
        data = data["tools"]
    if not isinstance(data, kind):
        raise DataError(f"{value}: {param(name)} must hold a JSON {'array' if kind is list else 'object'}",
                        path=str(value))
    return data


def _options[T](value: T | None, name: str, kind: type[T]) -> T:
    """An option object, or its defaults for ``None``."""
    return kind() if value is None else convert.instance(value, name, kind)


def _book(prices: PriceBook | None) -> PriceBook:
    """The price book to use: the caller's, or the shipped tables."""
    if prices is None:
        return load_pricebook()
    if not isinstance(prices, PriceBook):
        raise UsageError(f"{param('prices')} must be a price book from load_pricebook(...), not a "
                         f"{type(prices).__name__}", param="prices")
    return prices


def _texts(**given: object) -> tuple[Any, ...]:
    """Each keyword's value: ``None`` or a string (a column name, a template, a prompt)."""
    return tuple(convert.optional(convert.text, value, name) for name, value in given.items())


def _is_path(source: object) -> bool:
    return isinstance(source, (str, Path))


def _rows_and_shape(
    source: Any, column: str | None, template: str | None, system: str | None, messages: str | None = None
) -> tuple[Any, RequestShape]:
    """The source to read (an iterator turned into a list) and how its rows become requests."""
    if _is_path(source) or _is_frame(source) or type(source).__module__.startswith("pyarrow"):
        if column is None and template is None and messages is None:
            raise UsageError(
                f"which column holds each request's text? Give {param('column')} or {param('template')}"
                + _column_hint(source),
                param="column",
            )
        return source, RequestShape(column=column, template=template, system=system, messages=messages)
    if messages is not None:
        raise UsageError(f"a list of texts or conversations has no columns: leave out {param('messages')}",
                         param="messages")
    if isinstance(source, (bytes, Mapping)) or not isinstance(source, Iterable):
        raise UsageError(
            f"cannot read rows from a {type(source).__name__}; pass a file path, a pandas DataFrame, "
            "a pyarrow Table, a list of texts or a list of conversations",
            param="source",
        )
    items = list(source)
    conversations = bool(items) and not isinstance(items[0], str)
    if column is not None or template is not None:
        raise UsageError(
            f"a list of {'conversations' if conversations else 'texts'} has no columns: "
            f"leave out {param('column')} and {param('template')}",
            param="column",
        )
    if conversations:
        return items, RequestShape(messages=MESSAGES_COLUMN, system=system)
    return items, RequestShape(column=TEXT_COLUMN, system=system)


def _column_hint(source: Any) -> str:
    """``" (probably review: the longest text column ...)"`` for a file, or nothing."""
    if not _is_path(source):
        return ""
    try:
        with open_rows(source) as ds:
            columns, rows = list(ds.info.columns), first_rows(ds)
        if not columns:
            return ""
        choice = suggest_text_column(columns, rows)
    except (EstimatorError, OSError, ValueError):
        return ""
    return f" (probably {choice.column}: {choice.reason})"


def _output_spec(output_tokens: int | None, max_tokens: int | None, options: EstimateOptions) -> OutputSpec:
    measured = options.measured_output
    effort = options.output.reasoning_effort if options.output is not None else None
    if measured is not None:
        given = options.output if options.output is not None else OutputSpec(fixed=output_tokens)
        if given.kind not in ("none", "max_tokens"):
            raise UsageError(
                f"give the output either as measured results or as {param('output_tokens')} (or another "
                "output estimate), not both",
                param="output_from",
            )
        cap = max_tokens if max_tokens is not None else given.max_tokens
        return OutputSpec(fixed=measured.expected_per_request, max_tokens=cap, reasoning_effort=effort)
    if options.output is None or (options.output.only_reasoning and options.output.max_tokens is None):
        return OutputSpec(fixed=output_tokens, max_tokens=max_tokens, reasoning_effort=effort)
    if output_tokens is not None or max_tokens is not None:
        raise UsageError(
            f"give the output either as {param('output_tokens')}/{param('max_tokens')} or as a full "
            "output specification, not both",
            param="output_tokens",
        )
    return options.output


def estimate(
    source: Any,
    *,
    model: str | None = None,
    column: str | None = None,
    template: str | None = None,
    system: str | None = None,
    output_tokens: int | None = None,
    max_tokens: int | None = None,
    as_of: dt.date | str | None = None,
    prices: PriceBook | None = None,
    options: EstimateOptions | None = None,
    messages: str | None = None,
) -> Estimate:
    """What a job costs under every delivery mode, from its real rows.

    ``source``: a file path (CSV, TSV, JSONL, Parquet, .xlsx, or a ready-made
    OpenAI/Anthropic batch request file), a pandas DataFrame, a pyarrow Table,
    an iterable of strings (one request each) or an iterable of chat
    conversations (lists of ``{"role", "content"}`` messages, one request each).
    ``model`` is a model id or alias (a batch file names its own). Each row's
    user message is ``column``, or ``template`` with ``{column}`` placeholders;
    ``system`` is sent with every request; ``messages`` instead names a column holding
    each request's whole conversation (a JSON list of messages). ``output_tokens`` is the expected
    answer length and ``max_tokens`` its cap; without either, output cost is
    left out and the notes say so. ``as_of`` (default today) picks the price
    entry in force; ``prices`` is the price book (default: the shipped tables).
    """
    opts = _options(options, "options", EstimateOptions)
    book = _book(prices)
    day = as_of_date(as_of)
    model = convert.optional(convert.text, model, "model", example=MODEL_EXAMPLE)
    column, template, system, messages = _texts(column=column, template=template, system=system, messages=messages)
    output_tokens = convert.optional(convert.count, output_tokens, "output_tokens")
    max_tokens = convert.optional(convert.count, max_tokens, "max_tokens", minimum=1)
    if _is_path(source) and _is_batch_file(Path(source), opts.read):
        per_request = output_tokens if output_tokens is not None else (opts.output.fixed if opts.output else None)
        return _estimate_batch_file(Path(source), model, per_request, day, book, opts)
    if not model:
        raise UsageError(f"which model's prices? Give {param('model')}, e.g. gpt-4o", param="model")
    rows, shape = _rows_and_shape(source, column, template, system, messages)
    output = _output_spec(output_tokens, max_tokens, opts)
    priced = resolve_price(book, model, as_of=day, today=today(), input_per_mtok=opts.input_price,
                           output_per_mtok=opts.output_price)
    profile = _count(rows, priced, shape, output, opts)
    if opts.image_column is not None:
        profile = _with_images(profile, rows, priced, opts)
    if opts.tools or opts.response_schema is not None:
        profile = _with_definitions(profile, priced, opts)
    profile = _with_reasoning(profile, priced, output.reasoning_effort, opts)
    return build_estimate(_with_measured_output(profile, priced, opts), priced, opts.modes)


def _with_reasoning(profile: TokenProfile, priced: PricedModel, effort: str | None,
                    opts: EstimateOptions) -> TokenProfile:
    """The profile with the reasoning its model adds: from the family's prior, or, where a pilot measured
    the output (reasoning included), the measured share of it, which replaces the prior."""
    prior = output_prior(priced.model.id, effort=effort)  # refuses an effort the model does not take
    measured = opts.measured_output
    if measured is None:
        return with_reasoning(profile, effort)
    total = profile.output_tokens
    think = round(total * measured.reasoning_share)
    if not think and prior.reasoning is None:
        return profile
    note = (f"the output lengths learned from a pilot ({measured.requests:,} answered requests, reasoning "
            f"included) replace the reasoning prior" + (f" for {prior.family} at effort {prior.effort}"
                                                       if prior.reasoning is not None else ""))
    reasoning = ReasoningOutput(
        basis="measured", effort=prior.effort if prior.reasoning is not None else None, family=prior.family,
        source=measured.source or None, assumption=None, per_request=0, low=0, high=0, tokens=think,
        answer_tokens=total - think, output_low=total, output_high=total, notes=(note,))
    notes = (note, *([s] if (s := reasoning.dominance()) is not None else []))
    return replace(profile, reasoning=replace(reasoning, notes=notes), notes=(*profile.notes, *notes))


def _with_definitions(profile: TokenProfile, priced: PricedModel, opts: EstimateOptions) -> TokenProfile:
    """The profile with the tool definitions and response schema every request carries: their tokens on every
    row (part of the prefix every request shares), and the server-tool uses they bring."""
    from estimator.batch.parts import request_definitions

    d = request_definitions(priced.model.provider, priced.model.id, get_tokenizer(priced.model.tokenizer),
                            tools=opts.tools, schema=opts.response_schema,
                            calls_per_request=opts.tool_calls_per_request)
    rows = profile.rows
    notes = [f"every request carries tool definitions or a response schema: {d.tokens:,} input tokens each "
             f"(between {d.low:,} and {d.high:,}), {d.tokens * rows:,} in all", *d.notes]
    notes += [f"{rows:,} requests offer the server tool {unit.split('/')[0]}: {n:,} "
              f"{unit.split('/')[1].replace('_', ' ')}(s) per request assumed" for unit, n in d.tool_uses]
    notes.append("the per-row input distribution and long-context tiers are those of the rows alone")
    shared = profile.shared_prefix_tokens
    return replace(profile, input_tokens=profile.input_tokens + d.tokens * rows,
                   shared_prefix_tokens=None if shared is None else shared + d.tokens,
                   tool_uses=tuple((unit, n * rows) for unit, n in d.tool_uses),
                   notes=(*profile.notes, *notes))


def _with_images(profile: TokenProfile, rows: Any, priced: PricedModel, opts: EstimateOptions) -> TokenProfile:
    """The profile with the images of ``opts.image_column`` added to its input tokens (totals; the per-row
    distribution and long-context tiers stay those of the text, and a note says so)."""
    assert opts.image_column is not None
    from estimator.counting.images import count_image_column

    found = count_image_column(rows, opts.image_column, provider=priced.model.provider, model=priced.model.id,
                               detail=opts.image_detail, read=opts.read)
    notes = found.notes(opts.image_column)
    if found.tokens:
        notes.append("the per-row input distribution and long-context tiers are those of the text alone")
    return replace(profile, input_tokens=profile.input_tokens + found.tokens, notes=(*profile.notes, *notes))


def _with_measured_output(profile: TokenProfile, priced: PricedModel, opts: EstimateOptions) -> TokenProfile:
    if opts.measured_output is None:
        return profile
    notes = interval_notes(opts.measured_output, profile.rows, priced.price)
    return replace(profile, notes=(*profile.notes, *notes))


def _count(
    rows: Any, priced: PricedModel, shape: RequestShape, output: OutputSpec, opts: EstimateOptions
) -> TokenProfile:
    if opts.dask is not None:
        from estimator.counting.distributed import count_on_cluster

        return count_on_cluster(rows, opts.dask, model=priced.model, shape=shape, output=output,
                                price=priced.price, read=opts.read, count=opts.count)
    return count_dataset(rows, model=priced.model, shape=shape, output=output, price=priced.price,
                         read=opts.read, options=opts.count, tokenizer=opts.tokenizer)


def _is_batch_file(path: Path, read: ReadOptions) -> bool:
    return batch_request_format(path, read) is not None


def _estimate_batch_file(
    path: Path, model: str | None, output_tokens: int | None, day: dt.date, book: PriceBook,
    opts: EstimateOptions,
) -> Estimate:
    from estimator.batch.files import read_batch_file
    from estimator.batch.profile import profile_from_batch

    report = read_batch_file(path, prices=book, as_of=day, model=model, tool_calls_per_request=opts.tool_calls_per_request)
    name = model or report.model
    if name is None:
        raise UsageError(f"{path}: the batch file names no model; give {param('model')}", param="model",
                         path=str(path))
    priced = resolve_price(book, name, as_of=day, today=today(), input_per_mtok=opts.input_price,
                           output_per_mtok=opts.output_price)
    if opts.measured_output is not None:
        if output_tokens is not None:
            raise UsageError(f"give the output either as measured results or as {param('output_tokens')}, "
                             "not both", param="output_from")
        output_tokens = opts.measured_output.expected_per_request
    profile = profile_from_batch(report, model=priced.model, price=priced.price, output_per_request=output_tokens)
    profile = _batch_reasoning(profile, report, priced, opts)
    profile = _with_measured_output(profile, priced, opts)
    if report.model and priced.model.id != book.model(report.model, day).id:
        note = (f"priced as {priced.model.id}, but the file's requests name {report.model} "
                "(tokens counted with that model's tokenizer)")
        profile = replace(profile, notes=(*profile.notes, note))
    return build_estimate(profile, priced, opts.modes)


def _batch_reasoning(profile: TokenProfile, report: BatchFileReport, priced: PricedModel,
                     opts: EstimateOptions) -> TokenProfile:
    """A batch file's profile with its model's reasoning at the effort of ``opts.output`` (else the one its
    requests name), against each request's own cap (``with_reasoning``); a pilot's measured lengths
    replace the prior."""
    effort = opts.output.reasoning_effort if opts.output is not None else None
    if opts.measured_output is not None:
        return _with_reasoning(profile, priced, effort, opts)
    return with_reasoning(profile, effort, caps=report.per_request_max_output, named=report.reasoning_efforts)


def count_tokens(text_or_messages: str | Sequence[Mapping[str, str]], model: str = "gpt-4o", *,
                 prices: PriceBook | None = None) -> int:
    """Tokens of one text, or of one chat request (a list of ``{"role", "content"}`` messages,
    counted with the chat framing the provider bills), for ``model``."""
    book = _book(prices)
    model = convert.text(model, "model", example=MODEL_EXAMPLE)
    tokenizer = get_tokenizer(book.model(model, today()).tokenizer)
    if isinstance(text_or_messages, str):
        return tokenizer.count(text_or_messages)
    if isinstance(text_or_messages, (bytes, Mapping)) or not isinstance(text_or_messages, Sequence):
        raise UsageError(
            f"{param('text_or_messages')} must be a text or a list of messages, not a "
            f"{type(text_or_messages).__name__}",
            param="text_or_messages",
        )
    for i, message in enumerate(text_or_messages, start=1):
        if not isinstance(message, Mapping) or not all(isinstance(v, str) for v in message.values()):
            raise UsageError(f"message {i} must be a mapping of text, e.g. {{'role': 'user', 'content': '...'}}",
                             param="text_or_messages")
    return chat_tokens(list(text_or_messages), tokenizer)  # type: ignore[arg-type]


def price(
    usage: Usage | Mapping[str, int],
    model: str,
    *,
    as_of: dt.date | str | None = None,
    prices: PriceBook | None = None,
    modes: ModeParams | None = None,
    input_price: Decimal | str | None = None,
    output_price: Decimal | str | None = None,
) -> Comparison:
    """What ``usage`` costs for ``model`` under every delivery mode, at the price entry in force on
    ``as_of`` (default today).

    ``usage`` is a ``Usage`` or a mapping of token totals (``requests``, ``input_tokens``,
    ``output_tokens``); from a mapping every request is taken to be of the average size, so a
    prompt above a long-context threshold is priced at the tier's rates.
    """
    book = _book(prices)
    day = as_of_date(as_of)
    model = convert.text(model, "model", example=MODEL_EXAMPLE)
    params = _options(modes, "modes", ModeParams)
    priced = resolve_price(
        book, model, as_of=day, today=today(),
        input_per_mtok=convert.optional(convert.money, input_price, "input_price"),
        output_per_mtok=convert.optional(convert.money, output_price, "output_price"),
    )
    return compare(_usage_of(usage, priced.price), priced.price, replace(params, fee_day=params.fee_day or day))


def _usage_of(usage: Usage | Mapping[str, int], price: Price) -> Usage:
    if isinstance(usage, Usage):
        return usage
    if not isinstance(usage, Mapping):
        raise UsageError(f"usage must be a Usage or a mapping of token totals, not {type(usage).__name__}",
                         param="usage")
    unknown = sorted(str(k) for k in set(usage) - {"requests", "input_tokens", "output_tokens"})
    if unknown:
        raise UsageError(f"{param('usage')} has unknown keys {', '.join(unknown)}; use requests, input_tokens, "
                         "output_tokens", param="usage")
    totals = {"requests": 1, "input_tokens": 0, "output_tokens": 0, **usage}
    try:
        totals = {k: convert.count(v, k) for k, v in totals.items()}
    except UsageError as exc:
        raise UsageError(f"{param('usage')}: {exc.message}", param="usage") from None
    requests = totals["requests"]
    if requests == 0:
        return Usage(0, totals["input_tokens"], totals["output_tokens"])
    size = RequestSize(Fraction(totals["input_tokens"], requests), Fraction(totals["output_tokens"], requests))
    return size.usage(requests, price)


@dataclass(frozen=True)
class JobSize:
    """A job known by its size instead of its rows: ``rows`` requests of the given average tokens."""

    rows: int
    input_tokens_per_row: Decimal | int | str
    output_tokens_per_row: Decimal | int | str

    def __post_init__(self) -> None:
        set_field(self, "rows", convert.count(self.rows, "rows"))
        for name in ("input_tokens_per_row", "output_tokens_per_row"):  # an average: fractions allowed
            set_field(self, name, convert.number(getattr(self, name), name, maximum=convert.MAX_COUNT))

    def request_size(self) -> RequestSize:
        """The average request of the job."""
        return RequestSize.per_request(Decimal(self.input_tokens_per_row), Decimal(self.output_tokens_per_row))

    def usage(self, price: Price) -> Usage:
        """Totals of the job at ``price``: rows above a long-context threshold carry ``Usage.tiers``."""
        return self.request_size().usage(self.rows, price)


def plan(
    source: Any = None,
    *,
    model: str | None = None,
    size: JobSize | None = None,
    column: str | None = None,
    template: str | None = None,
    system: str | None = None,
    output_tokens: int | None = None,
    max_tokens: int | None = None,
    as_of: dt.date | str | None = None,
    prices: PriceBook | None = None,
    options: PlanOptions | None = None,
    estimate_options: EstimateOptions | None = None,
    messages: str | None = None,
) -> JobPlan:
    """How long each way of running the job takes, how a batch splits into files and waves, and
    which way to use.

    The job is every row of ``source`` (counted as ``estimate`` counts it; batch
    file sizes are measured from the real request lines), an ``Estimate`` already
    made (not counted again: its model, price entry and token profile are used), or
    a ``size``.
    """
    from estimator.planning.job import MeasuredLines, PlanOptions, plan_job
    opts = _options(options, "options", PlanOptions)
    est_opts = _options(estimate_options, "estimate_options", EstimateOptions)
    model = convert.optional(convert.text, model, "model", example=MODEL_EXAMPLE)
    column, template, system, messages = _texts(column=column, template=template, system=system, messages=messages)
    output_tokens = convert.optional(convert.count, output_tokens, "output_tokens")
    max_tokens = convert.optional(convert.count, max_tokens, "max_tokens", minimum=1)
    if size is not None:
        convert.instance(size, "size", JobSize)
    if (source is None) == (size is None):
        raise UsageError(f"give the job as its rows (source) or as its size ({param('size')}: a JobSize of rows and "
                         "tokens per row), not both or neither", param="size")
    if isinstance(source, Estimate):
        return _plan_estimate(source, model, opts)
    if not model:
        raise UsageError(f"which model's prices? Give {param('model')}, e.g. gpt-4o", param="model")
    book = _book(prices)
    day = as_of_date(as_of)
    priced = resolve_price(book, model, as_of=day, today=today(), input_per_mtok=est_opts.input_price,
                           output_per_mtok=est_opts.output_price)
    if size is not None:
        return plan_job(size.usage(priced.price), priced, opts, max_tokens=max_tokens)
    if isinstance(source, Iterator):
        source = list(source)
    cap = max_tokens if max_tokens is not None else (est_opts.output.max_tokens if est_opts.output else None)
    batch_file = _is_path(source) and _is_batch_file(Path(source), est_opts.read)
    lines = None
    if opts.bytes_per_request is None and est_opts.dask is None and not batch_file:
        # The request lines are sized while the rows are counted: the source is read once.
        _, shape = _rows_and_shape(source, column, template, system, messages)
        lines = MeasuredLines(priced.model, shape, cap)
        est_opts = replace(est_opts, count=replace(est_opts.count, on_rows=lines))
    est = estimate(source, model=model, column=column, template=template, system=system,
                   output_tokens=output_tokens, max_tokens=max_tokens, as_of=day, prices=book,
                   options=est_opts, messages=messages)
    notes = list(est.profile.notes)
    measured = None
    if lines is not None and est.profile.sample is None and lines.rows:
        stand_in = max(1, math.ceil(Fraction(est.profile.output_tokens, max(est.profile.rows, 1))))
        if lines.needs_cap:
            notes.append(f"Anthropic requests carry max_tokens: the lines are sized with the expected output "
                         f"({stand_in:,} tokens) standing in; give {param('max_tokens')} to size them exactly")
        measured = lines.requests(stand_in)
    elif est.profile.sample is not None:
        notes.append("estimated from a sample: batch file bytes estimated, not measured")
    return plan_job(est.profile.usage(), priced, opts, measured=measured, max_tokens=cap, notes=notes)


def _plan_estimate(est: Estimate, model: str | None, options: PlanOptions) -> JobPlan:
    """The plan of a job counted already: its own price entry and profile, batch files sized from
    its average request."""
    from estimator.planning.job import plan_job
    if model is not None and model not in (est.priced.model.id, *est.priced.model.aliases):
        raise UsageError(f"the estimate prices {est.priced.model.id}, not {model}: leave out {param('model')} "
                         "or estimate again for that model", param="model")
    notes = list(est.profile.notes)
    return plan_job(est.profile.usage(), est.priced, options, max_tokens=est.profile.max_tokens, notes=notes)


def write_batch(
    source: Any,
    prefix: str | Path,
    *,
    model: str,
    column: str | None = None,
    template: str | None = None,
    system: str | None = None,
    options: BatchFileOptions | None = None,
    read: ReadOptions | None = None,
    prices: PriceBook | None = None,
) -> Manifest:
    """Write ``source`` as ready-to-submit batch request files ``PREFIX-001.jsonl``, ...: exactly
    one request per row, split under the provider's per-file limits, written atomically.

    The model's provider decides the format (OpenAI Batch API, Anthropic Message Batches, Gemini
    batch JSONL); ``options`` gives the OpenAI endpoint, tools, a response schema and reasoning
    settings (``BatchFileOptions``)."""
    from estimator.batch.writer import BatchFileOptions, format_for, prompt_token_counter, write_batch_files
    opts = _options(options, "options", BatchFileOptions)
    read = _options(read, "read", ReadOptions)
    book = _book(prices)
    day = today()
    model = convert.text(model, "model", example=MODEL_EXAMPLE)
    column, template, system = _texts(column=column, template=template, system=system)
    if not isinstance(prefix, (str, Path)):
        raise UsageError(f"{param('prefix')} must be a path such as 'out/requests', not a {type(prefix).__name__}",
                         param="prefix")
    m = book.model(model, day)
    fmt = format_for(m.provider, m.kind, opts.endpoint)
    rows, shape = _rows_and_shape(source, column, template, system)
    from estimator.batch.logistics import FileLimits

    base = FileLimits.from_rule(m.price_on(day).batch_rule)
    limits = FileLimits(
        max_requests=opts.max_requests_per_file or base.max_requests,
        max_bytes=opts.max_bytes_per_file or base.max_bytes,
        max_input_tokens=opts.enqueued_tokens,
    )
    count = prompt_token_counter(m.tokenizer, fmt) if opts.enqueued_tokens else None
    with open_rows(rows, read) as ds:
        # The reader names any missing column and suggests close matches.
        wanted = list(dict.fromkeys([*shape.columns, *([opts.id_column] if opts.id_column else [])]))
        return write_batch_files(
            ds.batches(wanted), prefix=prefix, shape=shape, model=m.id, fmt=fmt, max_tokens=opts.max_tokens,
            limits=limits, id_column=opts.id_column, count_tokens=count, overwrite=opts.overwrite,
            where=str(ds.info.path), protected=[Path(source)] if _is_path(source) else [], extras=opts.extras,
        )


def forecast(
    job: Estimate | Volume,
    *,
    model: str | None = None,
    schedule: str | None = None,
    options: ForecastOptions | None = None,
    prices: PriceBook | None = None,
) -> Forecast:
    """Monthly cost of each plan over the months ahead, at the prices in force each day, against a budget.

    ``job`` is a counted ``Estimate`` run on a ``schedule`` (once, daily, weekly, monthly: every
    row once a run; its model unless ``model`` says otherwise), or a ``Volume`` (requests per
    period at a request size) for ``model``. A model that shuts down inside the horizon hands
    over to the replacement its provider names; where none is named, the months after it are
    not priced and the forecast says so.
    """
    from estimator.planning.forecast import ForecastOptions, Volume, build_forecast, volume_from
    opts = _options(options, "options", ForecastOptions)
    book = _book(prices)
    model = convert.optional(convert.text, model, "model", example=MODEL_EXAMPLE)
    schedule = convert.optional(convert.text, schedule, "schedule", example="'daily'")
    start = month_start(opts.start)
    if isinstance(job, Estimate):
        if schedule is None:
            raise UsageError(f"how often does the job run? Give {param('schedule')}: once, daily, weekly or monthly",
                             param="schedule")
        volume = volume_from(job, schedule, opts.growth_pct)
        name = model or job.priced.model.id
    elif isinstance(job, Volume):
        if schedule is not None:
            raise UsageError(f"a Volume has its own period: leave out {param('schedule')}", param="schedule")
        if not model:
            raise UsageError(f"which model's prices? Give {param('model')}, e.g. gpt-4o", param="model")
        volume, name = job, model
    else:
        raise UsageError(f"{param('job')} must be an Estimate (with a schedule) or a Volume, not a "
                         f"{type(job).__name__}", param="job")
    result = build_forecast(book.model(name, start), volume, opts.plans_or_default, start=start,
                            horizon_months=opts.months, budget=opts.budget, params=opts.modes,
                            pricing_rule=opts.pricing_rule, book=book)
    if isinstance(job, Estimate) and (fees := job.comparison.standard.fee_cost):
        # A forecast prices tokens by the month; a run's server-tool fees are not in its figures.
        result = replace(result, notes=(*result.notes, (
            f"server-tool fees are NOT in this forecast: the estimate's {format_usd(fees)} a run (standard) "
            "comes on top of each run's token cost")))
    return result


def route(
    mix: TrafficMix,
    size: JobSize | Estimate,
    *,
    model: str | None = None,
    as_of: dt.date | str | None = None,
    prices: PriceBook | None = None,
    modes: ModeParams | None = None,
    input_price: Decimal | str | None = None,
    output_price: Decimal | str | None = None,
) -> RoutingPlan:
    """A day's traffic priced by route (streamed, standard, batch), blended, and a backfill.

    ``size`` is the average request: a ``JobSize`` (its rows are ignored) or a counted
    ``Estimate`` (its average request, its model unless ``model`` says otherwise).
    """
    from estimator.planning.routing import TrafficMix, route_traffic
    convert.instance(mix, "mix", TrafficMix)
    model = convert.optional(convert.text, model, "model", example=MODEL_EXAMPLE)
    params = _options(modes, "modes", ModeParams)
    if isinstance(size, Estimate):
        request = RequestSize.of(size.profile.usage())
        name = model or size.priced.model.id
    elif isinstance(size, JobSize):
        request = size.request_size()
        name = model or ""
    else:
        raise UsageError(f"{param('size')} must be a JobSize or an Estimate, not a {type(size).__name__}",
                         param="size")
    if not name:
        raise UsageError(f"which model's prices? Give {param('model')}, e.g. gpt-4o", param="model")
    book = _book(prices)
    priced = resolve_price(book, name, as_of=as_of_date(as_of), today=today(),
                           input_per_mtok=convert.optional(convert.money, input_price, "input_price"),
                           output_per_mtok=convert.optional(convert.money, output_price, "output_price"))
    plan = route_traffic(mix, request, priced.price, params)
    return replace(plan, model=priced.model.id, price=priced.describe())


def pilot(
    source: Any,
    prefix: str | Path | None = None,
    *,
    model: str,
    column: str | None = None,
    template: str | None = None,
    system: str | None = None,
    tolerance: Decimal | str | float | None = None,
    results: Iterable[str | Path] | str | Path | None = None,
    options: PilotOptions | None = None,
    read: ReadOptions | None = None,
    prices: PriceBook | None = None,
    as_of: dt.date | str | None = None,
) -> PilotRound:
    """One round of a pilot run that learns the job's output length: which rows to run, and when to stop.

    Without ``results`` the round is the first: the rows that tell most about output length
    (stratified by input length and ``options.strata_column``, sized from ``tolerance`` and the
    model's output prior) are written to ``PREFIX-001.jsonl`` (a ready-to-submit batch file) and
    ``PREFIX.manifest.json`` (what was chosen and why). With the result files of the rounds run so
    far, the round estimates the whole job's cost with its 95% interval and either stops (inside
    ``tolerance``, default 5%) or writes the next round's rows, never a row that ran. ``prefix``
    ``None`` writes nothing. Costs are at ``options.mode`` (default batch) prices.
    """
    from estimator.piloting.pilot import PilotOptions, plan_round
    opts = _options(options, "options", PilotOptions)
    if tolerance is not None:
        opts = replace(opts, tolerance=tolerance)
    if results is not None:
        opts = replace(opts, results=(results,) if isinstance(results, (str, Path)) else tuple(results))
    read = _options(read, "read", ReadOptions)
    book = _book(prices)
    day = as_of_date(as_of)
    model = convert.text(model, "model", example=MODEL_EXAMPLE)
    column, template, system = _texts(column=column, template=template, system=system)
    if prefix is not None and not isinstance(prefix, (str, Path)):
        raise UsageError(f"{param('prefix')} must be a path such as 'out/pilot', not a {type(prefix).__name__}",
                         param="prefix")
    priced = resolve_price(book, model, as_of=day, today=today())
    rows, shape = _rows_and_shape(source, column, template, system)
    return plan_round(rows, prefix, priced=priced, shape=shape, read=read, options=opts,
                      source_path=Path(source) if _is_path(source) else None)
