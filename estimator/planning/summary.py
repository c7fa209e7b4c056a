"""A one-page summary of a plan for the person who approves the spend, in Markdown.

``approval_summary(plan, estimate=est)`` says what the job is (the data, its tokens and how they
were counted, the model and its standing), the choice (or, when neither a deadline nor a value of
an hour was given, the options without a pick), its cost and time, every way to run it, what was
assumed, and where each price comes from. The app offers it as a download and ``plan --summary``
prints it; every figure is the plan's own.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from estimator.formats import format_hours
from estimator.modes import MODE_LABELS
from estimator.money import format_price, format_usd
from estimator.planning.decision import way_words
from estimator.planning.job import JobPlan
from estimator.pricing.lifecycle import standing

if TYPE_CHECKING:
    from estimator.report.estimate import Estimate


def _cell(text: str) -> str:
    """Text that is safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def approval_summary(plan: JobPlan, *, estimate: Estimate | None = None, source: str | None = None,
                     prepared: dt.date | None = None) -> str:
    """The plan on one page, in Markdown. ``estimate`` (the counted dataset the plan was made from)
    adds the file's name and how its tokens were counted; ``source`` names the data otherwise;
    ``prepared`` is the date printed (default: the plan's pricing date)."""
    d, u, priced = plan.decision, plan.usage, plan.priced
    model, price = priced.model, priced.price
    basis = d.wait_basis
    when = "worst case" if basis == "worst" else "typical"
    day = prepared or priced.as_of
    if source is None and estimate is not None and estimate.profile.source:
        source = estimate.profile.source
    what = f"{source}, {u.requests:,} requests" if source else f"{u.requests:,} requests"
    lines = [f"# Spend approval: {what} on {model.display_name}", "",
             f"Prepared {day} with the LLM batch estimator, at the prices in force on {priced.as_of}.", ""]

    lines += ["## The job", ""]
    if source:
        lines.append(f"- Data: {source}, {u.requests:,} rows, one request each")
    else:
        lines.append(f"- Requests: {u.requests:,}")
    counts = ""
    if estimate is not None:
        p = estimate.profile
        counts = f" ({p.tokenizer})"
        if p.sample is not None:
            counts += f"; estimated from a sample of {p.sample.sample_rows:,} rows"
    lines.append(f"- Tokens: {u.input_tokens:,} input{counts}; {u.output_tokens:,} output")
    lines += [f"- Output: {n.removeprefix('expected output: ')}" for n in plan.notes
              if n.startswith("expected output: ")]
    st = standing(model, priced.as_of)
    lines.append(f"- Model: {model.display_name} ({model.id}), {model.provider}"
                 + (f"; {st.describe()}" if st.state != "current" else ""))
    lines.append("")

    lines += ["## The choice", ""]
    if d.assumed_value:
        lines += ["No deadline and no value of an hour of waiting were given, so nothing is recommended. "
                  "The options:", ""]
        for point in d.frontier:
            w = point.way
            lines.append(f"- **{point.heading}**: {format_usd(w.cost)}, finishes in "
                         f"{format_hours(w.wait_hours(basis))} ({when})")
        if d.batch is not None:
            lines += ["", d.batch.wait_text()]
    else:
        best = d.recommended
        lines += [f"**{way_words(best.name).capitalize()}: {format_usd(best.cost)}, finishes in "
                  f"{format_hours(best.wait_hours(basis))} ({when}).**", "", d.reason, "", d.versus, "",
                  f"Rests on: {d.assumption}."]
    lines.append("")

    lines += ["## Every way to run it", "", f"| Way | Cost | Time to finish ({when}) |", "|---|---:|---:|"]
    for w in d.ways:
        mark = " (recommended)" if w.name == d.recommended.name and not d.assumed_value else ""
        lines.append(f"| {_cell(way_words(w.name))}{mark} | {format_usd(w.cost)} | "
                     f"{format_hours(w.wait_hours(basis))} |")
    for name, why in d.unavailable.items():
        lines.append(f"| {_cell(way_words(name))} | not offered | {_cell(why)} |")
    lines.append("")

    o = plan.options
    lines += ["## Assumptions", ""]
    lines.append(f"- Stakes: {d.assumption}")
    lines.append(f"- Rate limits: {o.limits_text}; {o.throughput.concurrency:,} requests in flight, "
                 f"{o.throughput.latency_seconds} s per request")
    b = plan.batch
    lines.append(f"- Batch: {len(b.files):,} file(s) in {b.waves:,} wave(s); each wave takes up to the "
                 f"{b.window_hours} h completion window, typically {b.typical_wave_hours} h (an assumption)")
    cache, early = o.modes.cache, o.modes.early_exit
    if cache.shared_prefix_tokens and cache.hit_rate:
        lines.append(f"- Prompt caching: {cache.shared_prefix_tokens:,} shared prefix tokens, "
                     f"{cache.hit_rate:%} of requests hit the cache")
    else:
        lines.append("- Prompt caching: none assumed")
    if early.cancel_share:
        lines.append(f"- Streaming: {early.cancel_share:%} of streams cancelled after "
                     f"{early.seen_fraction:%} of the answer")
    if o.modes.uplifts:
        lines.append(f"- Surcharges: {', '.join(o.modes.uplifts)}")
    lines += [f"- {note}" for note in plan.notes if not note.startswith("expected output: ")]
    lines.append("")

    lines += ["## Price sources", ""]
    out = f", output {format_price(price.output_per_mtok)}" if price.output_per_mtok is not None else ""
    since = "an undated database entry" if price.effective_from == dt.date.min else f"from {price.effective_from}"
    lines.append(f"- {model.id}: input {format_price(price.input_per_mtok)}{out} per million tokens, entry {since} "
                 f"(checked {model.checked}): {price.source}")
    rule = price.batch_rule
    if rule is not None and "batch" in plan.comparison.modes:
        lines.append(f"- {MODE_LABELS['batch']}: {rule.discount_multiplier} × standard, "
                     f"{rule.completion_window_hours} h window: {rule.source}")
    for name in plan.comparison.modes:
        tier = price.market.tier(name)
        if tier is not None:
            terms = price.tier_terms(name)
            lines.append(f"- {tier.label}: {terms.source or tier.source}")
    if price.fallback:
        lines.append(f"- Not in the curated tables: priced from {price.fallback}")
    return "\n".join(lines) + "\n"
