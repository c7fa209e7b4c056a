"""The Estimate tab: upload a dataset, count its tokens, compare the delivery modes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from .. import Estimate, EstimatorError
from ..batch.outputs import interval_notes, load_output_profile

# The one import outside the public API: estimator.charts needs plotly, so `import estimator` leaves it out.
from ..charts import ModeBar, mode_costs, token_distribution
from ..convert import today
from ..counting import TokenProfile
from ..counting.priors import reasoning_efforts
from ..counting.reasoning import with_reasoning
from ..errors import DataError
from ..formats import format_bytes, format_share, megabytes
from ..money import format_usd, saving_words, shown_difference
from ..planning.summary import approval_summary
from ..reading import suggest_text_column
from ..reading.columns import column_warnings, profile_column
from ..reading.rows import FORMATS
from ..report.estimate import build_estimate
from ..report.export import estimate_csv, estimate_json
from . import answer, keep
from .common import Settings, app_words, guarded, mode_label, need_price, pricebook, to_decimal
from .data import CountSettings, Upload, batch_profile, batch_provider, batch_report, count, file_preview, staged
from .plans import priced_key

OUTPUT_KINDS = {
    "fixed": "Fixed tokens per answer",
    "column": "A column of token counts",
    "examples_column": "A column of example answers",
    "ratio": "A ratio of the input tokens",
    "measured": "Measured from a pilot's results",
    "none": "Not estimated (input only)",
}
DELIMITERS = {
    "auto": "Detect",
    "comma": "Comma ( , )",
    "tab": "Tab",
    "semicolon": "Semicolon ( ; )",
    "bar": "Bar ( | )",
}
DELIMITER_CHARS = {"comma": ",", "tab": "\t", "semicolon": ";", "bar": "|"}
FORMAT_LABELS = {
    "auto": "Detect from the name and content",
    "csv": "CSV",
    "tsv": "TSV",
    "jsonl": "JSON Lines",
    "parquet": "Parquet",
    "xlsx": "Excel (.xlsx)",
}


DELTA_STYLE: dict[int, tuple[Literal["inverse", "off", "green", "red"], Literal["auto", "off", "down", "up"]]] = {
    0: ("off", "off"), 1: ("green", "down"), -1: ("red", "up"),
}


@dataclass(frozen=True)
class EstimateResult:
    """What the other tabs can build on: the counted dataset and its estimate."""

    upload: Upload
    options: CountSettings | None  # None for a ready-made batch request file
    profile: TokenProfile
    estimate: Estimate
    key: tuple[Any, ...] = ()  # what the plans of this job are cached on (``job_key``)


def upload_limit_bytes() -> int:
    """The server's upload limit (``[server] maxUploadSize``, in MB)."""
    return megabytes(int(st.get_option("server.maxUploadSize")))


def size_text(n: int) -> str:
    return format_bytes(n)


UPLOAD_GENERATION = "_upload_generation"


def uploader_key() -> str:
    """The uploader's key: a new one after each removal, so the browser's file input starts empty
    (with the old one, choosing the same file again fires no change and nothing happens)."""
    generation = st.session_state.get(UPLOAD_GENERATION)
    return "upload" if generation is None else f"upload_{generation}"


def _upload_changed() -> None:
    if st.session_state.get(uploader_key()) is None:  # the file was removed
        st.session_state[UPLOAD_GENERATION] = secrets.token_hex(4)


def render(settings: Settings) -> EstimateResult | None:
    uploaded = st.file_uploader(
        "Your dataset: a CSV, TSV, JSON Lines, Parquet or Excel file, or a batch request file",
        key=uploader_key(),
        on_change=_upload_changed,
        help="Each row of the file is one request. Values are read exactly as written: NA, null and 007 stay "
        "text. A batch request file (JSON Lines of OpenAI chat, responses or embeddings requests, Anthropic "
        "message batch requests, or Gemini {\"key\", \"request\"} or {\"request\"} lines) is checked and priced "
        "request by request. Nothing leaves this machine: the file is counted locally.",
    )
    if uploaded is None:
        st.caption("Each row of the file is one request. Nothing leaves this machine: the file is counted locally.")
        reading_options()
        st.info(
            "Upload a file to estimate what sending every row to the model costs in each delivery mode. "
            "The other tabs also work without a file."
        )
        return None
    # The answer comes first on the page; the settings that shape it follow below it.
    head = st.container(key="answer_head")
    st.subheader("The dataset and its requests")
    fmt, encoding, delimiter_key, skip_bad_rows = reading_options()
    limit = upload_limit_bytes()
    if uploaded.size > limit:
        st.error(
            f"{uploaded.name} is {size_text(uploaded.size)}, "
            f"more than this app accepts ({size_text(limit)}). "
            "Use the command line tool (`python -m estimator estimate FILE ...`), which streams files of any "
            "size from disk, or sample a part of the file.",
            icon=":material/warning:",
        )
        return None
    upload = Upload.from_widget(
        uploaded, None if fmt == "auto" else fmt, encoding, DELIMITER_CHARS.get(delimiter_key), skip_bad_rows
    )
    if fmt == "auto" and (provider := batch_provider(upload)) is not None:
        with guarded("checking the batch file"):
            return show_batch_file(settings, upload, provider, head)
        return None
    with guarded("reading and counting the file"):
        columns, notes, sample = file_preview(upload.digest, upload.name, upload.read, upload.data)
        if not columns:
            raise DataError(
                f"{upload.name}: no columns found; the file needs a header row naming its columns"
            )
        for note in notes:
            st.caption(f"{upload.name}: {app_words(note)}")
        options = request_inputs(settings, columns, sample, upload.digest)
        result = show_estimate(settings, upload, options, head)
        measured = st.session_state.get("_measured_output")
        if options.output_fixed is not None and st.session_state.get("output_kind") == "measured" and measured:
            for note in interval_notes(measured, result.profile.rows, result.estimate.priced.price):
                st.caption(app_words(note))
        return result
    return None


def reading_options() -> tuple[str, str | None, str, bool]:
    """The reading options (format, encoding, delimiter, malformed rows), folded away."""
    with st.expander("Reading options", expanded=False):
        fmt = st.selectbox(
            "File format", ["auto", *FORMATS], format_func=lambda k: FORMAT_LABELS[k], key="file_format"
        )
        encoding = (
            st.text_input(
                "Text encoding",
                value="",
                key="file_encoding",
                placeholder="detect (UTF-8, UTF-16 with a BOM, ...)",
            ).strip()
            or None
        )
        delimiter_key = st.selectbox(
            "Delimiter",
            list(DELIMITERS),
            format_func=DELIMITERS.__getitem__,
            key="file_delimiter",
            help="CSV and TSV only. Detected among comma, tab, semicolon and bar unless you choose one.",
        )
        skip_bad_rows = st.checkbox(
            "Skip malformed rows",
            value=False,
            key="skip_bad_rows",
            help="Leave out rows that cannot be read (a wrong number of fields, a line that is not a JSON "
            "object) instead of stopping; the skipped rows are counted and listed.",
        )
    return fmt, encoding, delimiter_key, skip_bad_rows


def measured_output() -> int | None:
    """Output tokens per answer from a pilot's measured output lengths (the file ``reconcile`` saves,
    or a result file), as ``estimate --output-from`` reads it."""
    pilot = st.file_uploader("Output lengths (JSON saved by Reconcile) or a pilot's result file (JSONL)",
                             type=["json", "jsonl"], key="output_from")
    st.session_state["_measured_output"] = None
    if pilot is None:
        st.caption("Upload the measured output lengths to estimate the output from them.")
        return None
    with staged(pilot.name, pilot.getvalue()) as path:
        profile = load_output_profile(path)
    st.session_state["_measured_output"] = profile
    st.caption(app_words(profile.describe()))
    return profile.expected_per_request


def request_inputs(
    settings: Settings, columns: list[str], sample: list[dict[str, str]] | None = None, digest: str = ""
) -> CountSettings:
    sample = sample or []
    suggested = suggest_text_column(columns, sample)
    # A new file gets the suggested column; the same file again keeps what the user chose.
    if st.session_state.get("_columns_for") != digest:
        st.session_state["_columns_for"] = digest
        st.session_state["text_column"] = suggested.column
        for key in ("output_column", "output_examples_column"):
            keep.forget([key])
    keep.choice("text_column", columns, suggested.column)
    left, right = st.columns(2)
    with left:
        kind = st.radio(
            "Request text",
            ["column", "template"],
            horizontal=True,
            key="shape_kind",
            format_func={"column": "A text column", "template": "A prompt template"}.__getitem__,
        )
        column = template = None
        chosen = st.session_state.get("text_column", suggested.column)
        if kind == "column":
            column = st.selectbox("Text column", columns, key="text_column")
            chosen = column
        auto_template = f"Classify this message:\n\n{{{chosen}}}"
        if kind == "template":
            # The template follows the text column until the user edits it.
            generated = st.session_state.setdefault("_auto_templates", set())
            if st.session_state.get("template") is None or st.session_state["template"] in generated:
                st.session_state["template"] = auto_template
            template = st.text_area(
                "Prompt template",
                key="template",
                help="Use {column} for a column's value and {{ }} for literal braces.",
            )
        st.session_state.setdefault("_auto_templates", set()).add(auto_template)
        if chosen == suggested.column:
            st.caption(f"Text column **{chosen}**: {suggested.reason}.")
        for warning in suggested.warnings if chosen == suggested.column else column_warnings(chosen, sample):
            st.warning(warning, icon=":material/warning:")
        system = (
            st.text_area(
                "System prompt (optional)",
                value="",
                key="system_prompt",
                help="Sent with every request; counted once per request.",
            )
            or None
        )
    with right:
        out_kind = st.selectbox(
            "Expected output tokens",
            list(OUTPUT_KINDS),
            format_func=lambda k: OUTPUT_KINDS[k],
            key="output_kind",
        )
        fixed = out_col = examples = ratio = None
        if out_kind == "measured":
            fixed = measured_output()
        if out_kind == "fixed":
            fixed = int(
                st.number_input(
                    "Output tokens per answer", min_value=0, value=200, step=10, key="output_tokens"
                )
            )
        elif out_kind == "column":
            numeric = whole_number_columns(columns, chosen, sample)
            keep.choice("output_column", columns, numeric[0] if numeric else columns[-1])
            out_col = st.selectbox("Column of output token counts", columns, key="output_column")
        elif out_kind == "examples_column":
            keep.choice("output_examples_column", columns, example_answers_default(columns, chosen, sample))
            examples = st.selectbox(
                "Column of example answers",
                columns,
                key="output_examples_column",
                help="Each row's example answer is tokenized as that row's output.",
            )
        elif out_kind == "ratio":
            ratio = str(
                to_decimal(
                    st.number_input(
                        "Output tokens per input token",
                        min_value=0.0,
                        value=0.5,
                        step=0.1,
                        format="%.2f",
                        key="output_ratio",
                    ),
                    4,
                )
            )
        cap = int(
            st.number_input(
                "max_tokens per request (0 = no cap)",
                min_value=0,
                value=0,
                step=50,
                key="max_tokens",
                help="The API's output cap: expected output is capped at it, "
                "and the worst case is every answer "
                "using all of it.",
            )
        )
        effort = reasoning_effort_input(settings) if out_kind != "measured" else None
        use_sample = st.checkbox(
            "Estimate from a random sample (for very large files)", value=False, key="use_sample"
        )
        sample_rows = None
        if use_sample:
            sample_rows = int(
                st.number_input("Rows to sample", min_value=2, value=10_000, step=1_000, key="sample_rows")
            )
    if out_kind == "none" and cap:
        st.caption("With only max_tokens set, every answer is assumed to use all of it.")
    priced = need_price(settings)  # after the inputs: a missing price never hides (and resets) them
    thresholds = priced.price.thresholds
    return CountSettings(
        model=settings.model.id,
        column=column,
        template=template,
        system=system,
        output_fixed=fixed,
        output_column=out_col,
        output_examples=examples,
        output_ratio=ratio,
        max_tokens=cap or None,
        sample_rows=sample_rows,
        thresholds=thresholds,
        reasoning_effort=effort,
        output_measured=out_kind == "measured",
    )


def reasoning_effort_input(settings: Settings) -> str | None:
    """The reasoning effort the requests ask for, among those the model takes (nothing for a model that
    does not reason); ``None``: the model's own default."""
    default, allowed = reasoning_efforts(settings.model.id)
    if not allowed:
        return None
    keep.choice("reasoning_effort", [DEFAULT_EFFORT, *allowed], DEFAULT_EFFORT)
    chosen = st.selectbox(
        "Reasoning effort",
        [DEFAULT_EFFORT, *allowed],
        format_func=lambda e: f"the model's default ({default or 'none'})" if e == DEFAULT_EFFORT else e,
        key="reasoning_effort",
        help="Reasoning (thinking) tokens bill as output and count against max_tokens: they are added to "
        "each answer from the model family's prior, shown apart from the answer.",
    )
    return None if chosen == DEFAULT_EFFORT else str(chosen)


DEFAULT_EFFORT = "default"


def whole_number_columns(columns: list[str], text_column: str, sample: list[dict[str, str]]) -> list[str]:
    """Columns that could hold token counts (whole numbers, not ids), those named like tokens first."""
    found = [
        c for c in columns
        if c != text_column and sample and not profile_column(c, []).id_like_name
        and all(r.get(c, "").strip().isdigit() for r in sample)
    ]
    return sorted(found, key=lambda c: "token" not in c.lower())


ANSWER_NAMES = ("answer", "output", "response", "completion", "reply", "target", "label", "summary")


def example_answers_default(columns: list[str], text_column: str, sample: list[dict[str, str]]) -> str:
    """A column named like answers, else the longest text-like column besides the request text."""
    others = [c for c in columns if c != text_column]
    for c in others:
        if any(name in c.lower() for name in ANSWER_NAMES):
            return c
    text_like = [c for c in others if profile_column(c, [r.get(c, "") for r in sample]).text_like]
    if text_like:
        return suggest_text_column(text_like, sample).column
    return others[0] if others else text_column


def show_batch_file(settings: Settings, upload: Upload, provider: str, head: DeltaGenerator) -> EstimateResult:
    """A ready-made batch request file: validated, counted as billed, then priced like a dataset."""
    priced = need_price(settings)
    report = batch_report(upload.digest, upload.name, settings.model.id, _data=upload.data)
    st.info(
        f"{upload.name} is a batch request file ({report.format_name}): {report.requests:,} requests for "
        f"{report.model or 'no model'}, {report.bytes:,} of {report.max_bytes:,} bytes and "
        f"{report.requests:,} of {report.max_requests:,} requests allowed per file. Each request is "
        "counted as it will be billed.",
        icon=":material/fact_check:",
    )
    for warning in report.warnings:
        st.caption(warning)
    if report.model and pricebook_model_id(report.model) != settings.model.id:
        st.warning(
            f"The file's requests name {report.model}; the prices below are {settings.model.id}'s. "
            "Choose the file's model in the sidebar to price it as it will be sent.",
            icon=":material/swap_horiz:",
        )
    typical = int(
        st.number_input(
            "Typical output tokens per request (0 = every request uses its max_tokens)",
            min_value=0,
            value=0,
            step=10,
            key="batch_file_output_tokens",
        )
    )
    effort = reasoning_effort_input(settings)
    profile = with_reasoning(batch_profile(upload, settings.model.id, priced.price, typical or None), effort,
                             caps=report.per_request_max_output)
    return show_profile(settings, upload, None, profile, head)


def pricebook_model_id(name: str) -> str | None:
    try:
        return pricebook().model(name).id
    except EstimatorError:
        return None


def show_estimate(settings: Settings, upload: Upload, options: CountSettings, head: DeltaGenerator) -> EstimateResult:
    priced = need_price(settings)
    profile = count(upload, options, priced.price)
    if options.output_measured:
        st.caption("The output lengths measured by the pilot include its reasoning: they replace the reasoning prior.")
    else:
        profile = with_reasoning(profile, options.reasoning_effort)
    return show_profile(settings, upload, options, profile, head)


def job_key(settings: Settings, profile: TokenProfile) -> tuple[Any, ...]:
    """What a plan of this counted job depends on: its totals, cap and notes, its price entry, the mode settings."""
    return (profile.usage(), profile.max_tokens, profile.notes, priced_key(settings), settings.params)


def summary_line(upload: Upload, options: CountSettings | None, profile: TokenProfile, settings: Settings) -> None:
    """The file and how its rows become requests, in one line above the answer."""
    if options is None:
        what = "a ready-made batch request file"
    elif options.column is not None:
        what = f"text column **{options.column}**"
    else:
        what = "a prompt template"
    if options is not None and options.output_fixed is not None:
        out = f"{options.output_fixed:,} output tokens per answer (an assumption: set it below)"
    else:
        out = "output " + next((n.removeprefix("expected output: ") for n in profile.notes
                                if n.startswith("expected output: ")), "not estimated")
    st.markdown(
        f"**{upload.name}**: {profile.rows:,} rows, {what}, {out}; "
        f"{settings.model.display_name} at the prices of {settings.as_of}.",
        help="Change the column, the prompt and the expected output below the answer; the model and the "
        "pricing date in the sidebar.",
    )


def show_profile(
    settings: Settings, upload: Upload, options: CountSettings | None, profile: TokenProfile,
    head: DeltaGenerator,
) -> EstimateResult:
    priced = need_price(settings)
    if profile.rows == 0:
        raise DataError(
            f"{upload.name}: no rows to estimate: the file has a header but no data rows"
            + (f" ({profile.skipped_rows:,} malformed rows skipped)" if profile.skipped_rows else "")
        )
    est = build_estimate(profile, priced, settings.params)  # caching as it can really happen
    cache_notes = est.cache_notes
    comparison = est.comparison
    key = job_key(settings, profile)
    with head:  # the answer first, above the settings
        summary_line(upload, options, profile, settings)
        plan = answer.render(settings, est, key)

    st.subheader("Tokens")
    cols = st.columns(4)
    cols[0].metric("Rows", f"{profile.rows:,}")
    # Totals from a sample or an approximate tokenizer are estimates: they say so.
    about = "≈ " if profile.sample is not None or profile.relative_uncertainty else ""
    cols[1].metric(
        "Input tokens",
        f"{about}{profile.input_tokens:,}",
        help="Billed prompt tokens: the text of every request plus the chat framing and system prompt.",
    )
    if profile.output_per_row is not None:
        cols[2].metric("Expected output tokens", f"{about}{profile.output_tokens:,}")
    else:
        cols[2].metric("Expected output tokens", "not estimated")
    if profile.output_tokens_worst is not None and profile.output_tokens_worst != profile.output_tokens:
        cols[3].metric(
            "Worst-case output tokens",
            f"{profile.output_tokens_worst:,}",
            help="Every answer uses its full max_tokens.",
        )
    reasoning_notes(profile)
    uncertainty_notes(est)

    st.subheader("Cost by delivery mode")
    for note in cache_notes:
        st.warning(f"Prompt caching: {app_words(note)}.", icon=":material/cached:")
    if profile.over_context_rows:
        first = ", ".join(f"{r:,}" for r in profile.over_context_first)
        st.warning(
            f"{profile.over_context_rows:,} rows exceed the model's context window (rows {first} ...): "
            "they are in the totals below but would fail or be cut short.",
            icon=":material/warning:",
        )
    mode_cols = st.columns(len(comparison.modes))
    for col, (name, cost) in zip(mode_cols, comparison.modes.items()):
        delta: str | None = None
        colour: Literal["inverse", "off", "green", "red"] = "inverse"  # a lower cost is good news
        arrow: Literal["auto", "off", "down", "up"] = "auto"
        if name != "standard":
            # Worded like the table's "Saves vs standard" and adding up as shown, never a negative cost.
            delta, sign = saving_words(comparison.standard.total_cost, cost.total_cost,
                                       comparison.savings_share(name))
            colour, arrow = DELTA_STYLE[sign]
        col.metric(
            mode_label(name),
            about + format_usd(cost.total_cost),
            delta=delta,
            delta_color=colour,
            delta_arrow=arrow,
            help=cost.explanation,
        )
    st.dataframe(mode_table(est), hide_index=True, width="stretch", key="mode_table")
    worst = est.worst_case.modes if est.worst_case else {}
    st.plotly_chart(
        mode_costs(
            [
                ModeBar(
                    n, mode_label(n), c.input_cost, c.output_cost, worst[n].total_cost if n in worst else None,
                    fee_cost=c.fee_cost,
                )
                for n, c in comparison.modes.items()
            ],
            title="Input and output cost per mode",
        ),
        key="mode_chart",
    )

    st.subheader("Tokens per row")
    dist_cols = st.columns([1, 2])
    with dist_cols[0]:
        st.dataframe(distribution_table(profile), hide_index=True, key="distribution_table")
        st.caption(
            "Nearest-rank percentiles of each request's tokens over every row"
            + (" of the sample." if profile.sample is not None else ".")
            + (" The counts themselves are approximate (see above)." if profile.relative_uncertainty else "")
        )
    with dist_cols[1]:
        d = profile.input_per_row
        st.plotly_chart(
            token_distribution(
                None,
                stats={"min": d.min, "p50": d.p50, "mean": d.mean, "p95": d.p95, "max": d.max},
                bins=profile.input_bins,
            ),
            key="distribution_chart",
        )

    if profile.skipped_rows:
        listed = ", ".join(f"{r:,}" for r in profile.skipped_first)
        more = " ..." if profile.skipped_rows > len(profile.skipped_first) else ""
        st.warning(
            f"{profile.skipped_rows:,} malformed rows were skipped and are not counted: rows {listed}{more}.",
            icon=":material/playlist_remove:",
        )
    notes = [n for n in est.notes if "context window" not in n or "no context window" in n]
    if notes:
        with st.expander("Notes on this estimate", expanded=False):
            for note in notes:
                st.markdown(f"- {app_words(note)}")

    st.subheader("Downloads")
    doc = est.as_dict()
    labels = {n: mode_label(n) for n in comparison.modes}
    dl = st.columns(3)
    dl[0].download_button(
        "Download results (CSV)",
        data=estimate_csv(doc, labels),
        file_name="estimate.csv",
        mime="text/csv",
        key="download_estimate_csv",
        on_click="ignore",
    )
    dl[1].download_button(
        "Download results (JSON)",
        data=estimate_json(doc),
        file_name="estimate.json",
        mime="application/json",
        key="download_estimate_json",
        on_click="ignore",
    )
    if plan is not None:
        dl[2].download_button(
            "One-page summary for approval",
            data=approval_summary(plan, estimate=est, source=upload.name, prepared=today()),
            file_name="spend-summary.md",
            mime="text/markdown",
            key="download_summary",
            on_click="ignore",
            help="The job, the choice, its cost and time, the assumptions and the price sources, in Markdown: "
            "the same page `plan --summary` prints.",
        )
    st.caption(
        "The JSON is the same document the command line tool writes for this estimate. In the CSV, text "
        "that a spreadsheet would run as a formula is prefixed with an apostrophe. The summary names every "
        "assumption and price source."
    )
    return EstimateResult(upload, options, profile, est, key)


def mode_table(est: Estimate) -> pd.DataFrame:
    worst = est.worst_case.modes if est.worst_case else {}
    rows = []
    fees = any(c.fee_cost for c in est.comparison.modes.values())
    for name, c in est.comparison.modes.items():
        # The figures people compare first, then how they are made up (narrow screens scroll right).
        row = {
            "Mode": mode_label(name),
            "Total": format_usd(c.total_cost),
            "Saves vs standard": format_usd(
                shown_difference(est.comparison.standard.total_cost, c.total_cost)
            ),
            "Input cost": format_usd(c.input_cost),
            "Output cost": format_usd(c.output_cost),
            **({"Server-tool fees": format_usd(c.fee_cost)} if fees else {}),
            "Input tokens": f"{c.input_tokens:,}",
            "Cached input tokens": f"{c.cached_input_tokens:,}",
            "Billed output tokens": f"{c.output_tokens:,}",
        }
        if worst:
            row["Worst case total"] = format_usd(worst[name].total_cost)
        rows.append(row)
    return pd.DataFrame(rows)


def distribution_table(profile: TokenProfile) -> pd.DataFrame:
    dists = {"Input": profile.input_per_row}
    if profile.output_per_row is not None:
        dists["Output"] = profile.output_per_row
    return pd.DataFrame(
        [
            {"Per row": stat, **{what: text(d) for what, d in dists.items()}}
            for stat, text in (
                ("min", lambda d: f"{d.min:,}"),
                ("p50", lambda d: f"{d.p50:,}"),
                ("mean", lambda d: f"{d.mean:,.1f}"),
                ("p95", lambda d: f"{d.p95:,}"),
                ("max", lambda d: f"{d.max:,}"),
            )
        ]
    )


def reasoning_notes(profile: TokenProfile) -> None:
    """The answer and the reasoning apart, where the output has reasoning, and plainly when it dominates."""
    r = profile.reasoning
    if r is None:
        return
    st.caption(f"Expected output: answer **{r.answer_tokens:,}** + reasoning **{r.tokens:,}** tokens. "
               f"{app_words(r.describe()).capitalize()}.")
    if (sentence := r.dominance()) is not None:
        st.warning(sentence.capitalize() + ".", icon=":material/psychology:")


def uncertainty_notes(est: Estimate) -> None:
    """Say plainly when counts are approximate or sampled, with intervals in tokens and dollars
    (the estimate's own cost ranges: ``Estimate.cost_bounds``)."""
    profile, comparison = est.profile, est.comparison
    std = comparison.standard.total_cost
    bounds = est.cost_bounds
    if profile.sample is not None and est.sample_bounds is not None:
        s = profile.sample
        lo, hi = est.sample_bounds
        st.info(
            f"**Estimated from a sample** of {s.sample_rows:,} of {s.population_rows:,} rows ({s.method}). "
            f"Input tokens, 95% interval: {s.ci_low:,} – {s.ci_high:,}. "
            f"Standard cost, 95% interval: {format_usd(lo.standard.total_cost)} – "
            f"{format_usd(hi.standard.total_cost)} "
            f"(estimate {format_usd(std)}); batch: {format_usd(lo.modes['batch'].total_cost)} – "
            f"{format_usd(hi.modes['batch'].total_cost)}.",
            icon=":material/casino:",
        )
    if profile.token_counts.startswith("reconstructed"):
        st.info(
            f"**Reconstructed token counts** ({profile.tokenizer}): counted offline by ctok, which matched "
            "Anthropic's token-counting endpoint on its published test texts; not Anthropic's own count.",
            icon=":material/build:",
        )
    tokens = est.input_tokens_range
    if tokens is not None and bounds is not None:  # set only for approximate tokenizers
        lo, hi = bounds
        st.warning(
            f"**Approximate token counts** ({profile.tokenizer}): "
            "this provider does not publish its tokenizer. "
            f"Input tokens ±{format_share(Decimal(str(profile.relative_uncertainty)))}: "
            f"{tokens[0]:,} – {tokens[1]:,}. "
            f"Standard cost {format_usd(lo.standard.total_cost)} – {format_usd(hi.standard.total_cost)}; "
            f"batch {format_usd(lo.modes['batch'].total_cost)} – {format_usd(hi.modes['batch'].total_cost)}"
            + (" (with the reasoning prior's range)." if est.cost_basis and "reasoning" in est.cost_basis else "."),
            icon=":material/warning:",
        )
    elif bounds is not None and profile.reasoning is not None and profile.sample is None:
        lo, hi = bounds
        st.info(
            f"**Reasoning is a prior**: cost range {app_words(est.cost_basis or '')}: standard "
            f"{format_usd(lo.standard.total_cost)} – {format_usd(hi.standard.total_cost)}; batch "
            f"{format_usd(lo.modes['batch'].total_cost)} – {format_usd(hi.modes['batch'].total_cost)}.",
            icon=":material/psychology:",
        )
