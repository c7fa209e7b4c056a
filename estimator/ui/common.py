"""Shared pieces of the app: cached resources, the sidebar settings, error display.

Every widget has a ``key`` so tests can find it. Numbers typed into
widgets reach the core as ``Decimal`` via their text, never as floats.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import streamlit as st

from .. import EstimatorError, load_pricebook
from ..batch import QueueLimit
from ..batch.logistics import DEFAULT_TYPICAL_WAVE_HOURS
from ..convert import furthest_pricing_date, rounded_decimal, today
from ..errors import render
from ..modes import MODE_LABELS, CacheParams, EarlyExitParams, ModeParams
from ..planning import RateLimitExample, RateLimits, Throughput
from ..planning.decision import way_words
from ..planning.limits import DEFAULT_CONCURRENCY, DEFAULT_LATENCY_SECONDS, RATE_LIMIT_EXAMPLES
from ..pricing import PriceBook, PricedModel, resolve_price
from ..pricing.entries import Model
from ..pricing.lifecycle import Standing, default_model, models_on, standing
from ..pricing.shipped import shipped_pricing_dir
from ..tokens import Tokenizer, get_tokenizer

log = logging.getLogger(__name__)

# Short labels for tables and metrics; the core's labels are longer.
SHORT_LABELS = {
    "standard": "Standard",
    "streaming_early_exit": "Streaming + early exit",
    "batch": "Batch API",
}


def mode_label(mode: str) -> str:
    return SHORT_LABELS.get(mode, MODE_LABELS.get(mode, mode))


def way_label(name: str) -> str:
    """A way to run the job in words: a tier by its label (``Batch API``), a split or a retry as the
    library says it (``Priority 1,000 + batch 9,000``)."""
    if name in SHORT_LABELS or name in MODE_LABELS:
        return mode_label(name)
    return way_words(name).capitalize()


@st.cache_resource(show_spinner=False)
def pricebook(strict: bool = False) -> PriceBook:
    """The shipped price tables, parsed and validated once per server (strict: no genai-prices fallback)."""
    return load_pricebook(strict=strict)


@st.cache_resource(show_spinner="Loading the tokenizer ...")
def tokenizer(spec: str) -> Tokenizer:
    """A tokenizer, loaded and verified once per server (the first load checks its whole vocabulary)."""
    return get_tokenizer(spec)


def to_decimal(value: float, places: int = 6) -> Decimal:
    """A number from a widget as Decimal, the float noise of its steps rounded off (the library's door)."""
    return rounded_decimal(value, places)


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """Show a failure inside a page as a message, never as a stack trace.

    Errors the estimator raises on purpose carry a message that says what to
    do; anything else is logged with its traceback on the server and shown
    as a short apology. Streamlit's own control flow (st.stop, reruns)
    derives from BaseException and passes through.
    """
    try:
        yield
    except EstimatorError as exc:
        st.error(for_the_app(exc), icon=":material/warning:")
    except (OSError, RecursionError, MemoryError, ArithmeticError, UnicodeError) as exc:
        # Input beyond what the checks foresaw: say what kind of problem it is, not "unexpected".
        log.warning("input could not be processed while %s: %r", what, exc)
        kind = (
            "it is nested too deeply" if isinstance(exc, RecursionError)
            else "not enough memory" if isinstance(exc, MemoryError)
            else "text that is not valid Unicode" if isinstance(exc, UnicodeError)
            else "a number is too large or not a number" if isinstance(exc, ArithmeticError)
            else f"the system refused a file operation: {exc.strerror or exc}"
        )
        st.error(f"The input cannot be processed while {what}: {kind}. Check the file and the settings.",
                 icon=":material/warning:")
    except Exception as exc:  # the page must survive anything
        log.exception("unexpected error while %s", what)
        text = str(exc).splitlines()[0][:200] if str(exc) else ""
        st.error(
            f"Something unexpected went wrong while {what} "
            f"({type(exc).__name__}{': ' + text if text else ''}). "
            "Check the inputs and try again; the details are in the server log.",
            icon=":material/error:",
        )


# --------------------------------------------------------------------------
# The sidebar: model, pricing date and delivery-mode parameters
# --------------------------------------------------------------------------


# Where each library setting lives in this app: errors and notes name it so.
WIDGET_FOR_PARAM: dict[str, str] = {
    "encoding": "Text encoding (Reading options)",
    "source_format": "File format (Reading options)",
    "delimiter": "Delimiter (Reading options)",
    "skip_bad_rows": "Skip malformed rows (Reading options)",
    "column": "Text column",
    "template": "Prompt template",
    "system": "System prompt",
    "max_tokens": "max_tokens per request",
    "as_of": "Pricing date in the sidebar",
    "sample_rows": "Estimate from a random sample",
    "output_tokens": "Output tokens per answer",
    "reasoning_effort": "Reasoning effort",
    "output_column": "Expected output tokens › A column of token counts",
    "output_examples": "Expected output tokens › A column of example answers",
    "output_ratio": "Expected output tokens › A share of the input",
    "price_files": "a price file of your own",
    "model": "Model in the sidebar",
    "validate_batch": "the batch file check on the Estimate tab",
    "strict_prices": "Curated prices only (sidebar)",
    "cache_prefix_tokens": "Cached prefix tokens per request (Delivery-mode parameters)",
    "price_per_mtok": "Price per million tokens (Batch budgeter)",
    "rows": "Requests (rows)",
    "input_tokens_per_row": "Input tokens per request",
    "output_tokens_per_row": "Output tokens per request",
    "rpm": "Requests per minute (Account limits and throughput)",
    "tpm": "Tokens per minute (Account limits and throughput)",
    "enqueued_tokens": "Batch queue, enqueued tokens (Account limits and throughput)",
    "provider": "Provider in the sidebar",
    "flex_latency_seconds": "Flex latency (Time value › Tiers)",
    "flex_refused_share": "Flex requests refused under load (Time value › Tiers)",
    "urgent_share": "Share of rows that cannot wait (Time value › Tiers)",
    "splits": "Consider splits (Time value › Tiers)",
    "excluded_tiers": "Tiers you cannot or will not use (Time value › Tiers)",
    "growth_pct": "Monthly growth (%) on the Forecast tab",
    "monthly_growth_pct": "Monthly growth (%) on the Forecast tab",
    "shared_prefix_tokens": "Cached prefix tokens per request (Delivery-mode parameters)",
}


def app_words(text: str) -> str:
    """A library message or note with each setting named by where it is in this app."""
    return render(text, WIDGET_FOR_PARAM)


def for_the_app(exc: EstimatorError) -> str:
    """A library error in this app's words."""
    return exc.render(WIDGET_FOR_PARAM)


@dataclass(frozen=True)
class Settings:
    book: PriceBook
    model: Model
    as_of: dt.date
    priced: PricedModel | None  # None when the model has no price on the date
    price_error: str | None
    params: ModeParams
    limits: AccountLimits


@dataclass(frozen=True)
class AccountLimits:
    """The account's rate limits and batch queue, and how the client sends requests."""

    example: RateLimitExample | None  # None: typed in by the user
    rate_limits: RateLimits
    queue: QueueLimit
    concurrency: int
    latency_seconds: Decimal
    typical_wave_hours: Decimal
    provider_name: str = ""

    def throughput(self, max_tokens: int | None = None) -> Throughput:
        return Throughput(self.concurrency, self.latency_seconds, max_tokens)

    def describe(self) -> str:
        if self.example is not None:
            e = self.example
            return f"{self.provider_name or e.provider} {e.tier} limits for {e.model} (published example)"
        return "your own limits"


# Where each provider starts: a current model (the library falls back to the newest current one when
# these retire or are not launched yet on the pricing date).
DEFAULT_MODELS = {"openai": ("gpt-5.4-mini",), "anthropic": ("claude-haiku-4-5",), "google": ("gemini-2.5-flash-lite",)}
DEFAULT_PROVIDER = "openai"
MODEL_FOR = "_model_for_provider"  # the model last chosen for each provider


def model_picker(book: PriceBook, day: dt.date, *, show_retired: bool) -> Model:
    """A provider selectbox, then a model selectbox of that provider's models on ``day``: current ones
    first, retiring ones badged with their date, retired ones only with ``show_retired`` (and the one
    already chosen, marked). The model chosen for a provider comes back when the provider does."""
    providers = list(book.providers)
    ids = [p.id for p in providers]
    if st.session_state.get("provider") not in ids:
        st.session_state["provider"] = DEFAULT_PROVIDER if DEFAULT_PROVIDER in ids else ids[0]
    provider_id = st.selectbox(
        "Provider",
        ids,
        format_func=lambda pid: next(p.display_name for p in providers if p.id == pid),
        key="provider",
    )
    provider = next(p for p in providers if p.id == provider_id)
    remembered: dict[str, str] = st.session_state.setdefault(MODEL_FOR, {})
    chosen = st.session_state.get("model")
    by_id = {m.id: m for m in provider.models}
    shown = [s for s in models_on(provider.models, day, retired=True, upcoming=True)
             if s.usable or (show_retired and s.state == "retired") or s.model.id in (chosen, remembered.get(provider_id))]
    standings = {s.model.id: s for s in shown}
    if chosen not in standings:
        back = remembered.get(provider_id)
        st.session_state["model"] = back if back in standings else default_model(
            provider.models, day, DEFAULT_MODELS.get(provider_id, ())).id
    if st.session_state["model"] not in standings:  # a default not launched yet on the day: list it anyway
        standings[st.session_state["model"]] = standing(by_id[st.session_state["model"]], day)
    model_id = st.selectbox(
        "Model",
        list(standings),
        format_func=lambda mid: model_text(standings[mid]),
        key="model",
        help="Current models first; retiring ones show the day the API stops serving them. Prices in USD per "
        "million tokens come from the shipped price tables (see the Pricing tab).",
    )
    remembered[provider_id] = model_id
    here = standings[model_id]
    if here.state == "retired" or here.state == "upcoming":
        st.warning(f"{here.describe()}.", icon=":material/event_busy:")
    elif here.state == "retiring":
        st.caption(f"{here.describe()}.")
    return by_id[model_id]


def model_text(s: Standing) -> str:
    """A model as the pickers list it: name, id, how its tokens are counted, and its standing."""
    m = s.model
    extra = [] if m.exact_tokenizer else [
        "reconstructed tokens" if m.tokenizer.startswith("ctok:") else "approximate tokens"
    ]
    if m.kind == "embedding":
        extra.append("embedding")
    badge = f" · {s.badge}" if s.badge else ""
    return m.display_name + (f" ({', '.join(extra)})" if extra else "") + f" · {m.id}{badge}"


def sidebar_settings() -> Settings:
    with st.sidebar:
        st.header("Model and prices")
        strict = st.checkbox(
            "Curated prices only", value=False, key="strict_prices",
            help="Only the shipped, sourced price tables. Unticked, a model they do not list can be priced "
                 "from the genai-prices database, and every result says so.",
        )
        book = pricebook(strict)
        day = st.session_state.get("pricing_date") or today()  # the date input below, as last set
        model = model_picker(book, day, show_retired=bool(st.session_state.get("show_retired", False)))
        st.toggle(
            "Show retired models", value=False, key="show_retired",
            help="Models the API no longer serves on the pricing date, for comparison with what they cost then. "
            "Marked wherever they are listed.",
        )
        other = st.text_input(
            "Another model id", value="", key="other_model", disabled=strict,
            help="A model the tables above do not list, priced from the genai-prices database (labelled).",
        ).strip()
        if other and not strict:
            try:
                model = book.model(other)
            except EstimatorError as exc:
                st.error(for_the_app(exc), icon=":material/warning:")
        as_of = st.date_input(
            "Pricing date",
            value=today(),
            min_value=dt.date(2020, 1, 1),
            max_value=furthest_pricing_date(),
            key="pricing_date",
            help="Prices in force on this date. Earlier dates show what the job would have cost then.",
        )
        priced = None
        price_error = None
        try:
            priced = resolve_price(book, model.id, as_of=as_of)
            p = priced.price
            out = f", output ${p.output_per_mtok}" if p.output_per_mtok is not None else ""
            since = "an undated database entry" if p.effective_from == dt.date.min else p.effective_from
            st.caption(
                f"Price from {since}: input ${p.input_per_mtok}{out} per 1M tokens. "
                f"[source]({p.source})"
            )
            if p.fallback:
                st.warning(f"Not in the curated tables: priced from {p.fallback}.", icon=":material/info:")
        except EstimatorError as exc:
            price_error = for_the_app(exc)
            st.error(price_error, icon=":material/warning:")
        params = mode_params_inputs()
        limits = account_limits_inputs(model, book.provider(model.provider).display_name)
    return Settings(book, model, as_of, priced, price_error, params, limits)


# A middle tier by default: new accounts have less, large ones more.
DEFAULT_EXAMPLE = {
    "openai": "openai-tier-3",
    "anthropic": "anthropic-tier-2",
    "google": "gemini-flash-tier-1",
}


def account_limits_inputs(model: Model, provider_name: str) -> AccountLimits:
    with st.expander("Account limits and throughput", expanded=False):
        examples = [e for e in RATE_LIMIT_EXAMPLES if e.provider == model.provider]
        keys = [e.key for e in examples] + ["custom"]
        by_key = {e.key: e for e in examples}
        default = (
            keys.index(DEFAULT_EXAMPLE[model.provider]) if DEFAULT_EXAMPLE.get(model.provider) in keys else 0
        )
        key = st.selectbox(
            "Rate limits",
            keys,
            index=default,
            key="rate_limit_example",
            format_func=lambda k: (
                "My own limits" if k == "custom" else f"{by_key[k].tier} ({by_key[k].model})"
            ),
            help="Published examples; every account differs. Your limits are on the provider's limits page.",
        )
        example = by_key.get(key)
        if example is not None:
            lim = example.limits
            parts = [
                f"{lim.rpm:,} RPM" if lim.rpm else None,
                f"{lim.tpm:,} TPM" if lim.tpm else None,
                f"{lim.input_tpm:,} input TPM" if lim.input_tpm else None,
                f"{lim.output_tpm:,} output TPM" if lim.output_tpm else None,
                f"batch queue {example.batch_queue_tokens:,} tokens" if example.batch_queue_tokens else None,
                f"batch queue {example.batch_queue_requests:,} requests"
                if example.batch_queue_requests
                else None,
            ]
            st.caption(
                ", ".join(p for p in parts if p)
                + f". [source]({example.source.split(' ')[0]})"
                + (f" {example.note}." if example.note else "")
            )
            rate_limits = lim
            queue = QueueLimit(example.batch_queue_tokens, example.batch_queue_requests, example.key)
        else:
            rpm = int(st.number_input("Requests per minute", min_value=1, value=500, step=100, key="rpm"))
            tpm = int(
                st.number_input("Tokens per minute", min_value=1, value=200_000, step=10_000, key="tpm")
            )
            q_tokens = int(
                st.number_input(
                    "Batch queue, enqueued tokens (0 = no limit)",
                    min_value=0,
                    value=0,
                    step=1_000_000,
                    key="queue_tokens",
                )
            )
            q_requests = int(
                st.number_input(
                    "Batch queue, requests (0 = no limit)",
                    min_value=0,
                    value=0,
                    step=10_000,
                    key="queue_requests",
                )
            )
            rate_limits = RateLimits(
                rpm=rpm, tpm=tpm, tpm_counts="input" if model.provider == "google" else "input+max_tokens"
            )
            queue = QueueLimit(q_tokens or None, q_requests or None, "custom")
        concurrency = int(
            st.number_input(
                "Requests in flight", min_value=1, value=DEFAULT_CONCURRENCY, step=10, key="concurrency"
            )
        )
        latency = st.number_input(
            "Seconds per request",
            min_value=0.1,
            value=float(DEFAULT_LATENCY_SECONDS),
            step=1.0,
            key="latency_seconds",
        )
        typical = st.number_input(
            "Typical hours for a batch to finish",
            min_value=0.0,
            max_value=24.0,
            value=float(DEFAULT_TYPICAL_WAVE_HOURS),
            step=1.0,
            key="typical_wave_hours",
            help="An assumption: providers promise only the completion window (24 h).",
        )
    return AccountLimits(
        example,
        rate_limits,
        queue,
        concurrency,
        to_decimal(latency, 3),
        to_decimal(typical, 3),
        provider_name,
    )


def mode_params_inputs() -> ModeParams:
    with st.expander("Delivery-mode parameters", expanded=False):
        st.caption("Defaults mean no prompt caching and no early exit, as in the command line tool.")
        prefix = st.number_input(
            "Cached prefix tokens per request",
            min_value=0,
            value=0,
            step=100,
            key="cache_prefix_tokens",
            help="Tokens at the start of every request that are the same (e.g. the system prompt) "
            "and can be cached.",
        )
        hit = st.number_input(
            "Cache hit rate",
            min_value=0.0,
            max_value=1.0,
            value=0.0,
            step=0.05,
            format="%.2f",
            key="cache_hit_rate",
            help="Share of requests that find the shared prefix in the cache.",
        )
        st.markdown("**Streaming with early exit**")
        cancel = st.number_input(
            "Share of streams cancelled early",
            min_value=0.0,
            max_value=1.0,
            value=0.0,
            step=0.05,
            format="%.2f",
            key="cancel_share",
        )
        seen = st.number_input(
            "Fraction of the answer seen before cancelling",
            min_value=0.0,
            max_value=1.0,
            value=1.0,
            step=0.05,
            format="%.2f",
            key="seen_fraction",
        )
        tail = st.number_input(
            "Tail tokens generated after a cancel",
            min_value=0,
            value=0,
            step=10,
            key="tail_tokens",
            help="Tokens the server still generates (and bills) before it notices the client left.",
        )
        uplifts = st.multiselect(
            "Surcharges (uplifts)",
            list(UPLIFT_LABELS),
            format_func=lambda name: UPLIFT_LABELS[name],
            key="uplifts",
            help="What the requests ask for on top of the tier: OpenAI data residency or FedRAMP endpoints "
            "(+10%), Anthropic US-only inference (1.1x). A model that does not offer one is refused with the reason.",
        )
    return ModeParams(
        cache=CacheParams(shared_prefix_tokens=int(prefix), hit_rate=to_decimal(hit)),
        early_exit=EarlyExitParams(
            cancel_share=to_decimal(cancel), seen_fraction=to_decimal(seen), tail_tokens=int(tail)
        ),
        uplifts=tuple(uplifts),
    )


UPLIFT_LABELS = {
    "regional": "Regional processing / data residency (OpenAI)",
    "fedramp": "FedRAMP endpoints (OpenAI)",
    "us_inference": "US-only inference, inference_geo 'us' (Anthropic)",
}


def need_price(settings: Settings) -> PricedModel:
    """The resolved price, or stop this page with the reason it is missing."""
    if settings.priced is None:
        raise EstimatorError(
            f"{settings.model.id} has no price on {settings.as_of}: pick a later pricing date in the sidebar."
        )
    return settings.priced


def display_paths(text: str) -> str:
    """Text naming a shipped price table by its path on this machine, with the path made relative
    (and any setting it names, by where it is in this app)."""
    shipped = str(shipped_pricing_dir())
    text = app_words(text)
    return text.replace(f"{shipped}{os.sep}", "pricing/").replace(shipped, "pricing")


def relative_paths(doc: Any) -> Any:
    """A JSON document with every string passed through ``display_paths`` (downloads name no local path)."""
    if isinstance(doc, str):
        return display_paths(doc)
    if isinstance(doc, dict):
        return {k: relative_paths(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [relative_paths(v) for v in doc]
    return doc
