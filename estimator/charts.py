"""Plotly figure builders: plain data in, figures out.

Amounts arrive as Decimal (or int) and are converted to float here, at the
last step, because a chart is a display. No UI imports: the app renders
these figures, the tests inspect them as objects.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import plotly.graph_objects as go

from estimator.formats import format_hours
from estimator.money import format_usd

Number = int | float | Decimal

# One colour per delivery mode, the same on every chart.
MODE_COLOURS = {
    "standard": "#4C78A8",
    "streaming_early_exit": "#F58518",
    "batch": "#54A24B",
    "hybrid": "#B279A2",
}
# Streaming often costs what standard costs: dash it so both lines stay visible.
MODE_DASH = {"streaming_early_exit": "dash"}
WAIT_DASHES = ("dash", "dot", "dashdot", "longdash")
INPUT_COLOUR = "#9ecae9"
OUTPUT_COLOUR = "#2f5f8f"
FEE_COLOUR = "#999999"
_FALLBACK = ("#E45756", "#72B7B2", "#EECA3B", "#9D755D", "#BAB0AC")
MONEY_FORMAT = ",.2~f"  # $3,000 and $0.5 on a linear axis of dollars, never $3000
BUDGET_IN_VIEW = 3.0  # a budget up to this many times the highest cost is drawn as a line

LAYOUT: dict[str, Any] = dict(
    template="plotly_white",
    title_font=dict(size=15),  # a title of about 40 characters still fits a phone's width
    margin=dict(l=60, r=30, t=50, b=40),
    # Below the plot: above it, a legend collides with the title.
    legend=dict(orientation="h", yanchor="top", y=-0.28, xanchor="left", x=0, traceorder="normal"),
    hovermode="x unified",
)


def _f(value: Number | None) -> float | None:
    return None if value is None else float(value)


def colour(key: str, index: int = 0) -> str:
    return MODE_COLOURS.get(key, _FALLBACK[index % len(_FALLBACK)])


# --------------------------------------------------------------------------
# Estimate
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ModeBar:
    mode: str
    label: str
    input_cost: Decimal
    output_cost: Decimal
    worst_case_total: Decimal | None = None
    fee_cost: Decimal = Decimal(0)  # server-tool fees beside the tokens

    @property
    def total(self) -> Decimal:
        return self.input_cost + self.output_cost + self.fee_cost


def mode_costs(bars: Sequence[ModeBar], *, title: str = "Cost by delivery mode") -> go.Figure:
    """Stacked input/output cost per mode, one horizontal bar each (the names read across, even on a
    phone); the total is written at the end of each bar.

    A worst case (every request at its max output tokens) shows as a hollow diamond.
    """
    labels = [b.label for b in bars]
    fig = go.Figure()
    # Two colours, the same on every bar, so the legend says what each part is.
    fig.add_bar(
        name="Input",
        y=labels,
        x=[_f(b.input_cost) for b in bars],
        orientation="h",
        marker_color=INPUT_COLOUR,
        customdata=[format_usd(b.input_cost) for b in bars],
        hovertemplate="%{y}<br>input %{customdata}<extra></extra>",
    )
    fees = any(b.fee_cost for b in bars)
    fig.add_bar(
        name="Output",
        y=labels,
        x=[_f(b.output_cost) for b in bars],
        orientation="h",
        marker_color=OUTPUT_COLOUR,
        text=None if fees else [format_usd(b.total) for b in bars],
        textposition="outside",
        cliponaxis=False,
        customdata=[format_usd(b.output_cost) for b in bars],
        hovertemplate="%{y}<br>output %{customdata}<extra></extra>",
    )
    if fees:  # a third part, only where a request pays server-tool fees
        fig.add_bar(
            name="Server-tool fees",
            x=labels,
            y=[_f(b.fee_cost) for b in bars],
            marker_color=FEE_COLOUR,
            text=[format_usd(b.total) for b in bars],
            textposition="outside",
            customdata=[format_usd(b.fee_cost) for b in bars],
            hovertemplate="%{x}<br>tool fees %{customdata}<extra></extra>",
        )
    worst = [b for b in bars if b.worst_case_total is not None]
    if worst:
        fig.add_scatter(
            name="Worst case (max output tokens)",
            y=[b.label for b in worst],
            x=[_f(b.worst_case_total) for b in worst],
            mode="markers",
            marker=dict(symbol="diamond-open", size=12, color="#444"),
            customdata=[format_usd(b.worst_case_total or Decimal(0)) for b in worst],
            hovertemplate="%{y}<br>worst case %{customdata}<extra></extra>",
        )
    top = max([_f(b.total) or 0.0 for b in bars] + [_f(b.worst_case_total) or 0.0 for b in worst] + [0.0])
    fig.update_layout(barmode="stack", title=title, **LAYOUT, height=max(300, 170 + 42 * len(bars)))
    fig.update_layout(hovermode="closest")
    fig.update_xaxes(title_text="Cost (USD)", tickprefix="$", tickformat=MONEY_FORMAT, range=[0, top * 1.3 if top > 0 else 1])
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)), automargin=True)
    return fig


def token_distribution(
    values: Sequence[int] | None = None,
    *,
    stats: Mapping[str, Number] | None = None,
    title: str = "Input tokens per row",
    nbins: int = 50,
    bins: Sequence[tuple[int, int, int]] = (),
) -> go.Figure:
    """A histogram of per-row token counts, with p50/p95/max marked.

    ``bins`` are ready-made ``(low, high, rows)`` bins (what a streamed count
    keeps); ``values`` are raw per-row counts. With neither, the statistics
    are drawn as bars instead of a made-up histogram.
    """
    stats = dict(stats or {})
    fig = go.Figure()
    widths = {hi - lo for lo, hi, _ in bins[:-1]}
    ratio_bins = len(widths) > 1 and bins[-1][1] > 20 * max(bins[0][0], 1)
    if bins and ratio_bins:
        # Bins of equal ratio (a long tail): one bar per bin, labelled by its range.
        labels = [f"{lo:,}–{hi:,}" if hi > lo else f"{lo:,}" for lo, hi, _ in bins]
        counts = [rows for _, _, rows in bins]
        fig.add_bar(
            x=labels,
            y=counts,
            name="rows",
            marker_color=MODE_COLOURS["standard"],
            hovertemplate="%{x} tokens: %{y:,} rows<extra></extra>",
        )
        fig.update_xaxes(type="category", tickangle=-45)
        ordered = sorted(counts)
        if ordered[-1] > 20 * ordered[len(ordered) // 2]:
            fig.update_yaxes(type="log")  # one crowded bin must not flatten the rest
        fig.update_xaxes(title_text="Tokens per row (bins of equal ratio)")
        fig.update_yaxes(title_text="Rows")
        placed: list[str] = []
        for key, value in _merged_stats(stats):
            v = int(value)
            label = next((lab for (lo, hi, _), lab in zip(bins, labels) if lo <= v <= hi), labels[-1])
            nth = placed.count(label)
            placed.append(label)
            fig.add_annotation(x=label, y=1 - 0.1 * nth, yref="paper", text=f"{key} {v:,}", showarrow=True,
                               arrowhead=0, ax=0, ay=-18, bgcolor="rgba(255,255,255,0.85)", name=f"stat-{key}")
    elif bins:
        fig.add_bar(
            x=[(lo + hi) / 2 for lo, hi, _ in bins],
            y=[rows for _, _, rows in bins],
            width=[hi - lo + 1 for lo, hi, _ in bins],
            customdata=[[lo, hi] for lo, hi, _ in bins],
            name="rows",
            marker_color=MODE_COLOURS["standard"],
            hovertemplate="%{customdata[0]:,}-%{customdata[1]:,} tokens: %{y:,} rows<extra></extra>",
        )
    elif values:
        fig.add_histogram(
            x=list(values),
            nbinsx=nbins,
            name="rows",
            marker_color=MODE_COLOURS["standard"],
            hovertemplate="%{x} tokens: %{y} rows<extra></extra>",
        )
    if (bins and not ratio_bins) or values:
        fig.update_xaxes(title_text="Tokens per row")
        fig.update_yaxes(title_text="Rows")
        span = max((_f(stats.get("max")) or 0) - (_f(stats.get("min")) or 0), 1.0)
        previous: float | None = None
        for i, (key, x) in enumerate(_merged_stats(stats)):
            if x is not None:
                # Labels closer than a tenth of the axis go on alternate sides of their lines.
                close = previous is not None and x is not None and abs(x - previous) < span / 10
                previous = x
                fig.add_vline(x=x, line_dash=("dash", "dot", "dashdot")[i], line_color="#555")
                fig.add_annotation(
                    x=x,
                    y=1 - 0.12 * i,
                    yref="paper",
                    text=f"{key} {int(x):,}",
                    showarrow=False,
                    xanchor="right" if close and i % 2 else "left",
                    bgcolor="rgba(255,255,255,0.8)",
                    name=f"stat-{key}",
                )
    if not bins and not values:
        keys = [k for k in ("min", "p50", "mean", "p95", "max") if stats.get(k) is not None]
        fig.add_bar(
            x=keys,
            y=[_f(stats[k]) for k in keys],
            marker_color=MODE_COLOURS["standard"],
            name="tokens",
            text=[f"{float(stats[k]):,.0f}" for k in keys],
            textposition="outside",
        )
        fig.update_xaxes(title_text="Statistic")
        fig.update_yaxes(title_text="Tokens per row")
        positive = [float(stats[k]) for k in keys if float(stats[k]) > 0]
        if positive and max(positive) > 20 * min(positive):
            fig.update_yaxes(type="log", title_text="Tokens per row (log scale)")  # min and max both readable
    fig.update_layout(
        title=title, showlegend=False, bargap=0.05, **{k: v for k, v in LAYOUT.items() if k != "legend"}
    )
    fig.update_layout(hovermode="closest")
    return fig


def _merged_stats(stats: Mapping[str, Number]) -> list[tuple[str, float]]:
    """p50, p95 and max with their values; statistics of equal value share one label (``p95 = max 34``)."""
    out: list[tuple[str, float]] = []
    for key in ("p50", "p95", "max"):
        value = _f(stats.get(key))
        if value is None:
            continue
        if out and out[-1][1] == value:
            out[-1] = (f"{out[-1][0]} = {key}", value)
        else:
            out.append((key, value))
    return out


# --------------------------------------------------------------------------
# Time value
# --------------------------------------------------------------------------


def cost_vs_size(
    sizes: Sequence[Number],
    costs: Mapping[str, Sequence[Number]],
    *,
    labels: Mapping[str, str] | None = None,
    break_even: tuple[Number, Number] | None = None,
    current: tuple[Number, str] | None = None,
    size_label: str = "Dataset size (rows)",
    cost_label: str = "Total cost incl. waiting (USD)",
    title: str = "Cost versus dataset size",
) -> go.Figure:
    """One line per mode over dataset sizes (log axes), the break-even point marked.

    ``break_even`` is ``(size, cost)`` where the cheapest mode changes;
    ``current`` is ``(size, text)`` of the user's dataset, drawn as a dotted line.
    """
    labels = labels or {}
    fig = go.Figure()
    values = [v for ys in costs.values() for y in ys if (v := _f(y)) is not None and v > 0]
    y_range = _log_range(values, pad=0.3)
    for i, (mode, ys) in enumerate(costs.items()):
        fig.add_scatter(
            x=[_f(s) for s in sizes],
            y=[_f(y) for y in ys],
            mode="lines",
            name=labels.get(mode, mode),
            line=dict(color=colour(mode, i), width=2.5, dash=MODE_DASH.get(mode, "solid")),
            hovertemplate="%{x:,.0f} rows: %{y:$,.2f}<extra>" + labels.get(mode, mode) + "</extra>",
        )
    # Labels go in the legend: text beside a point runs off a narrow chart.
    if current is not None:
        cx = _f(current[0])
        fig.add_scatter(
            x=[cx, cx], y=[10 ** y_range[0], 10 ** y_range[1]], mode="lines", name=current[1], meta="current",
            line=dict(dash="dot", color="#777", width=1.5), hoverinfo="skip",
        )
    if break_even is not None:
        bx, by = _f(break_even[0]), _f(break_even[1])
        fig.add_scatter(
            x=[bx],
            y=[by],
            mode="markers",
            name=f"Break-even: {bx:,.0f} rows",
            meta="break-even",
            marker=dict(symbol="x", size=14, color="#d62728", line=dict(width=2)),
            hovertemplate="break-even at %{x:,.0f} rows<extra></extra>",
        )
    fig.update_layout(title=title, **LAYOUT)
    x_range = _log_range([v for s in sizes if (v := _f(s)) is not None], pad=0.05)
    fig.update_xaxes(title_text=size_label, type="log", range=x_range, **count_ticks(x_range))
    fig.update_yaxes(title_text=cost_label, type="log", range=y_range, **money_ticks(y_range))
    return fig


def _log10(x: float | None) -> float | None:
    """Annotations on a log axis take the exponent, not the value."""
    if x is None or x <= 0:
        return None
    return math.log10(x)


@dataclass(frozen=True)
class SavingsCase:
    """A job whose batch savings are weighed against the value of waiting."""

    label: str
    savings: Decimal  # what batch saves over standard, USD
    extra_wait_hours: Decimal  # how much longer batch takes


def hour_value_range(cases: Sequence[SavingsCase], chosen: Number | None = None) -> tuple[Decimal, Decimal]:
    """Values of an hour to draw: from a cent to ten times the largest break-even value (at least $1,000)."""
    top = max([Decimal(1_000), Decimal(str(chosen or 0)) * 10]
              + [c.savings / c.extra_wait_hours * 10 for c in cases if c.extra_wait_hours > 0 and c.savings > 0])
    return Decimal("0.01"), top


def savings_vs_time_value(
    hour_values: Sequence[Number] | None,
    cases: Sequence[SavingsCase],
    *,
    chosen: Number | None = None,
    title: str = "Batch savings versus the cost of waiting",
) -> go.Figure:
    """Each case's savings (flat) against what its wait costs (rising with the value of an hour).

    Log axes, so a $7.50 and a $7,500 saving are both readable. Where the
    wait-cost line crosses a savings line, waiting stops paying: below that
    hourly value batch wins, above it standard does. Each crossing is marked
    and labelled; ``chosen`` draws the user's hourly value. ``hour_values`` is the
    range drawn (default: ``hour_value_range``).
    """
    values = hour_values if hour_values is not None else hour_value_range(cases, chosen)
    xs = [float(v) for v in values if float(v) > 0]
    fig = go.Figure()
    waits: dict[str, Decimal] = {}  # one line per wait, to a tenth of an hour
    x_seen = list(xs)
    y_seen: list[float] = []
    crossings: list[tuple[float, float, str, str, int]] = []
    for i, case in enumerate(cases):
        colour_i = _FALLBACK[i % len(_FALLBACK)]
        if case.savings <= 0:
            fig.add_scatter(
                x=[], y=[], mode="lines", name=f"{case.label}: batch saves nothing", line=dict(color=colour_i)
            )
            continue
        y_seen.append(float(case.savings))
        fig.add_scatter(
            x=[xs[0], xs[-1]],
            y=[float(case.savings)] * 2,
            mode="lines",
            name=case.label,
            line=dict(color=colour_i, width=2.5),
            meta="savings",
            hovertemplate=f"{case.label}<extra></extra>",
        )
        if case.extra_wait_hours <= 0:
            continue
        waits.setdefault(
            f"{case.extra_wait_hours.quantize(Decimal('0.1')).normalize():f}", case.extra_wait_hours
        )
        cross = case.savings / case.extra_wait_hours
        x_seen.append(float(cross))
        fig.add_scatter(
            x=[float(cross)],
            y=[float(case.savings)],
            mode="markers",
            showlegend=False,
            marker=dict(symbol="x", size=12, color=colour_i, line=dict(width=2)),
            meta="crossing",
            hovertemplate=f"{case.label}: break-even at {format_usd(cross)}/h<extra></extra>",
        )
        crossings.append(
            (float(cross), float(case.savings), f"waiting pays below {format_usd(cross)}/h", colour_i, i)
        )
    for n, (text, hours) in enumerate(waits.items()):
        fig.add_scatter(
            x=[xs[0], xs[-1]],
            y=[float(hours) * xs[0], float(hours) * xs[-1]],
            mode="lines",
            name=f"cost of a {text} h wait",
            meta="wait-cost",
            line=dict(color="#333", dash=WAIT_DASHES[n % len(WAIT_DASHES)], width=1.5),  # one style per wait
            hovertemplate="hour worth %{x:$,.2f}: wait costs %{y:$,.2f}<extra></extra>",
        )
    if chosen is not None and float(chosen) > 0:
        x_seen.append(float(chosen))
        fig.add_vline(x=float(chosen), line_dash="dot", line_color="#777")
        fig.add_annotation(
            x=_log10(float(chosen)),
            y=0.02,
            yref="paper",
            name="chosen",
            showarrow=False,
            text=f"your hour: {format_usd(Decimal(str(chosen)))}",
            xanchor="right" if float(chosen) > math.sqrt(min(x_seen) * max(x_seen)) else "left",
        )
    # Explicit ranges (log units): the savings decide the view; the wait lines may leave it.
    x_lo, x_hi = math.log10(min(x_seen)) - 0.3, math.log10(max(x_seen)) + 0.3
    fig.update_xaxes(range=[x_lo, x_hi])
    for _x, y, text, colour_i, i in crossings:
        # Each label sits just above its own savings line at the left edge, inside the plot, so
        # labels of different lines never overlap and none runs off the side of a narrow chart.
        fig.add_annotation(
            x=x_lo + 0.02 * (x_hi - x_lo),
            y=math.log10(y),
            text=text,
            name=f"crossing-{i}",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            yshift=2,
            font=dict(color=colour_i, size=11),
            bgcolor="rgba(255,255,255,0.85)",
        )
    if y_seen:
        y_range = [math.log10(min(y_seen)) - 1, math.log10(max(y_seen)) + 1]
        fig.update_yaxes(range=y_range, **money_ticks(y_range))
    fig.update_layout(title=title, **LAYOUT)
    fig.update_xaxes(title_text="Value of an hour of waiting (USD, log scale)", type="log",
                     **money_ticks([x_lo, x_hi]))
    fig.update_yaxes(title_text="USD (log scale)", type="log")
    return fig


# --------------------------------------------------------------------------
# Forecast
# --------------------------------------------------------------------------


def forecast(
    months: Sequence[dt.date],
    plans: Mapping[str, Sequence[Number]],
    *,
    budget: Number | None = None,
    price_changes: Sequence[tuple[dt.date, str]] = (),
    colours: Mapping[str, str] | None = None,
    title: str = "Monthly cost forecast",
) -> go.Figure:
    """Monthly cost per plan, the budget as a horizontal line, price changes as dated markers.

    ``colours`` maps a plan to a colour (e.g. an all-batch plan to the batch colour).
    """
    colours = colours or {}
    fig = go.Figure()
    for i, (plan, ys) in enumerate(plans.items()):
        fig.add_scatter(
            x=list(months),
            y=[_f(y) for y in ys],
            mode="lines+markers",
            name=plan,
            line=dict(color=colours.get(plan, colour(plan, i)), width=2.5),
            hovertemplate="%{x|%b %Y}: %{y:$,.2f}<extra>" + plan + "</extra>",
        )
    top = max([_f(y) or 0.0 for ys in plans.values() for y in ys] + [0.0])
    budget_f = _f(budget)
    # A budget far above the costs would flatten them against the axis: it is named, not drawn.
    drawn = budget_f is not None and (top == 0 or budget_f <= top * BUDGET_IN_VIEW)
    if budget is not None and drawn:
        fig.add_hline(y=budget_f, line_dash="dash", line_color="#d62728", line_width=2)
        fig.add_annotation(
            x=1,
            xref="paper",
            y=budget_f,
            text=f"budget {format_usd(Decimal(str(budget)))}",
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font=dict(color="#d62728"),
            name="budget",
        )
    elif budget is not None:
        fig.add_annotation(
            x=1, xref="paper", y=1, yref="paper", yanchor="bottom", xanchor="right", showarrow=False,
            text=f"budget {format_usd(Decimal(str(budget)))}: above this chart", font=dict(color="#d62728"),
            name="budget",
        )
    for i, (day, text) in enumerate(price_changes):
        # Shapes take the date as a string: plotly's vline helper cannot annotate dates.
        x = day.isoformat()
        fig.add_shape(
            type="line",
            x0=x,
            x1=x,
            y0=0,
            y1=1,
            yref="paper",
            line=dict(dash="dot", color="#7f7f7f"),
            name=f"price-change-{i}",
        )
        fig.add_annotation(
            x=x,
            y=1 - 0.07 * (i % 4),
            yref="paper",
            text=text,
            showarrow=False,
            xanchor="left",
            font=dict(size=11),
            name=f"price-change-{i}",
            bgcolor="rgba(255,255,255,0.85)",
        )
    fig.update_layout(title=title, **LAYOUT)
    fig.update_xaxes(title_text="Month")
    highest = max(top, budget_f or 0.0) if drawn else top
    fig.update_yaxes(title_text="Cost per month (USD)", tickprefix="$", tickformat=MONEY_FORMAT, rangemode="tozero",
                     range=[0, highest * 1.15 if highest > 0 else 1])
    return fig


# --------------------------------------------------------------------------
# Pricing
# --------------------------------------------------------------------------

_PRICE_SERIES = (
    ("input_per_mtok", "Input"),
    ("output_per_mtok", "Output"),
    ("cached_input_per_mtok", "Cached input"),
)


def price_history(
    entries: Sequence[Mapping[str, object]], *, model: str, today: dt.date
) -> go.Figure:
    """Step lines of a model's dated prices (USD per million tokens).

    ``entries`` are ``report.price_history(...)["prices"]``: each holds
    ``effective_from``, ``effective_until`` (None = current) and the prices.
    """
    fig = go.Figure()
    for i, (key, name) in enumerate(_PRICE_SERIES):
        xs: list[dt.date] = []
        ys: list[float | None] = []
        for e in entries:
            value = e.get(key)
            start = cast(dt.date, e["effective_from"])
            end = cast(dt.date, e.get("effective_until") or max(today, start))
            xs += [start, end]
            ys += [_f(value), _f(value)]  # type: ignore[arg-type]
        if all(y is None for y in ys):
            continue
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines+markers",
            name=name,
            line=dict(shape="hv", width=2.5, color=("#4C78A8", "#F58518", "#54A24B")[i]),
            hovertemplate="%{x|%Y-%m-%d}: $%{y}/Mtok<extra>" + name + "</extra>",
        )
    fig.update_layout(title=f"{model}: price history", **LAYOUT)
    fig.update_xaxes(title_text="Effective date")
    fig.update_yaxes(title_text="USD per million tokens", tickprefix="$", rangemode="tozero")
    return fig


# --------------------------------------------------------------------------
# Hybrid routing
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteSlice:
    """One route's part of a plan's cost: a segment of that plan's bar.

    Segments with the same ``label`` in different plans form one trace, so a
    route keeps its place and colour from bar to bar. ``mode`` picks the
    colour; ``pattern`` (a plotly hatch such as ``"/"``) sets a segment apart
    from another route in the same mode.
    """

    label: str
    mode: str
    cost: Decimal
    pattern: str = ""


def routing_costs(
    plans: Mapping[str, Sequence[RouteSlice]],
    *,
    cost_label: str = "Cost per month (USD)",
    title: str = "Monthly cost per route",
) -> go.Figure:
    """One stacked bar per plan (e.g. all standard, then the hybrid), one segment per route.

    Each bar's total is written above it.
    """
    names = list(plans)
    by_label: dict[str, dict[str, Decimal]] = {}
    first: dict[str, RouteSlice] = {}
    for plan, slices in plans.items():
        for s in slices:
            first.setdefault(s.label, s)
            costs = by_label.setdefault(s.label, {})
            costs[plan] = costs.get(plan, Decimal(0)) + s.cost
    fig = go.Figure()
    for i, (label, costs) in enumerate(by_label.items()):
        s = first[label]
        fig.add_bar(
            name=label,
            x=names,
            y=[_f(costs.get(plan)) for plan in names],
            marker=dict(color=colour(s.mode, i), pattern=dict(shape=s.pattern, fillmode="overlay")),
            hovertemplate="%{x}<br>" + label + ": %{y:$,.2f}<extra></extra>",
        )
    totals = [sum((s.cost for s in plans[plan]), Decimal(0)) for plan in names]
    for plan, total in zip(names, totals):
        fig.add_annotation(
            x=plan, y=_f(total), text=format_usd(total), showarrow=False, yanchor="bottom", name="total"
        )
    top = max([_f(t) or 0.0 for t in totals] + [0.0])
    fig.update_layout(barmode="stack", title=title, **LAYOUT)
    fig.update_layout(hovermode="closest")
    fig.update_xaxes(title_text="Plan")
    fig.update_yaxes(title_text=cost_label, tickprefix="$", tickformat=MONEY_FORMAT,
                     range=[0, top * 1.15 if top > 0 else 1])
    return fig


# --------------------------------------------------------------------------
# Reconcile
# --------------------------------------------------------------------------


WEBGL_AFTER = 5_000  # dots a chart draws as SVG; more are drawn with WebGL


def estimated_vs_actual(
    points: Sequence[tuple[str, Number, Number]], *, title: str = "Estimated vs actual cost per request"
) -> go.Figure:
    """One dot per request (id, estimated cost, actual cost), with the line where they are equal.

    Above ``WEBGL_AFTER`` requests the dots are drawn with WebGL: as SVG, 100,000 dots take the
    browser tens of seconds to draw and to pan."""
    xs = [_f(e) or 0.0 for _, e, _ in points]
    ys = [_f(a) or 0.0 for _, _, a in points]
    top = max([*xs, *ys, 0.0])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", name="actual = estimated",
                             line=dict(color="#BAB0AC", dash="dash"), hoverinfo="skip"))
    dots = go.Scattergl if len(points) > WEBGL_AFTER else go.Scatter
    fig.add_trace(dots(
        x=xs, y=ys, mode="markers", name="request", marker=dict(color=colour("batch"), size=7),
        text=[p[0] for p in points],
        hovertemplate="%{text}<br>estimated $%{x:.6f}<br>actual $%{y:.6f}<extra></extra>",
    ))
    fig.update_layout(**{**LAYOUT, "hovermode": "closest"}, title=title,
                      xaxis_title="estimated cost (USD)", yaxis_title="actual cost (USD)")
    return fig


def _log_range(values: Sequence[float], pad: float = 0.25) -> list[float]:
    """A log axis range (in exponents) around the positive ``values``."""
    positive = [v for v in values if v > 0] or [1.0]
    return [math.log10(min(positive)) - pad, math.log10(max(positive)) + pad]


TIME_TICKS = ((1 / 60, "1 min"), (5 / 60, "5 min"), (15 / 60, "15 min"), (1.0, "1 h"), (6.0, "6 h"), (24.0, "1 day"),
              (72.0, "3 days"), (168.0, "1 week"), (720.0, "30 days"), (2160.0, "90 days"))


def time_ticks(exponents: Sequence[float]) -> dict[str, Any]:
    """Tick values and words for a log axis of hours (``exponents``: its range in powers of ten)."""
    lo, hi = 10 ** exponents[0], 10 ** exponents[1]
    ticks = [(v, t) for v, t in TIME_TICKS if lo <= v <= hi]
    return {"tickvals": [v for v, _ in ticks], "ticktext": [t for _, t in ticks]}


def money_ticks(exponents: Sequence[float]) -> dict[str, Any]:
    """Tick values and labels for a log axis of dollars: 1, 2, 5 of each power of ten over a decade or two,
    powers of ten alone over more (never the bare "2 5" of plotly's minor labels)."""
    lo, hi = exponents
    steps = (1, 2, 5) if hi - lo <= 2.5 else (1,)
    vals = [m * 10.0 ** e for e in range(math.floor(lo), math.ceil(hi) + 1) for m in steps
            if lo <= math.log10(m * 10.0 ** e) <= hi]
    return {"tickvals": vals, "ticktext": [_money_tick(v) for v in vals]}


def count_ticks(exponents: Sequence[float]) -> dict[str, Any]:
    """Tick values and labels for a log axis of counts (rows): 1, 10, 100, 1k ... (1, 2, 5 of each over
    a decade or two)."""
    lo, hi = exponents
    steps = (1, 2, 5) if hi - lo <= 2.5 else (1,)
    vals = [m * 10 ** e for e in range(max(0, math.floor(lo)), math.ceil(hi) + 1) for m in steps
            if lo <= math.log10(m * 10 ** e) <= hi]
    return {"tickvals": vals, "ticktext": [_count_tick(v) for v in vals]}


def _count_tick(v: int) -> str:
    for size, unit in ((10**9, "B"), (10**6, "M"), (10**3, "k")):
        if v >= size:
            return f"{v // size:,}{unit}" if v % size == 0 else f"{v / size:g}{unit}"
    return f"{v:,}"


def _money_tick(v: float) -> str:
    if v >= 1:
        return f"${v:,.0f}"
    return f"${v:.{max(0, -math.floor(math.log10(v)))}f}"


def spans_decades(values: Sequence[float], ratio: float = 20.0) -> bool:
    """Whether positive values differ by more than ``ratio`` times: then a log axis keeps the small ones readable."""
    positive = [v for v in values if v > 0]
    return bool(positive) and max(positive) > ratio * min(positive)


def tier_tradeoff(
    ways: Sequence[Mapping[str, Any]], *, value_per_hour: Number | None, recommended: str | None,
    wait_basis: str = "worst", labels: Mapping[str, str] | None = None,
    title: str = "Cost against time to finish",
) -> go.Figure:
    """Each way to run the job as a point (time to finish, log scale; cost), named in the legend
    with its cost and time; the recommended one a star.

    ``ways`` are ``Decision.as_dict()["ways"]``: ``name``, ``cost``, ``hours``, ``worst_case_hours``;
    ``labels`` names them in words. With ``value_per_hour`` and a ``recommended`` way, one line of
    equal net value (cost + value × hours = that way's) is drawn through it: a way below the line
    would be worth more. The axes are scaled to the points (cost on a log scale when it spans
    decades); the line is clipped to them, never stretching an axis.
    """
    labels = labels or {}
    floor = 1 / 60  # a minute: the log axis cannot show zero
    pts = []
    for w in ways:
        hours = w["worst_case_hours"] if wait_basis == "worst" else w["hours"]
        pts.append((str(w["name"]), max(floor, float(hours)), float(w["cost"]), Decimal(str(hours)),
                    Decimal(str(w["cost"]))))
    fig = go.Figure()
    costs = [p[2] for p in pts]
    log_y = spans_decades(costs)
    x_range = _log_range([p[1] for p in pts], pad=0.4)
    top = max(costs + [0.0])
    y_range = _log_range(costs, pad=0.3) if log_y else [0.0, top * 1.2 if top > 0 else 1.0]
    best = next((p for p in pts if p[0] == recommended), None)
    if value_per_hour is not None and float(value_per_hour) > 0 and best is not None:
        v = float(value_per_hour)
        k = best[2] + v * best[1]
        xs = [10 ** (x_range[0] + (x_range[1] - x_range[0]) * i / 80) for i in range(81)]
        lo, hi = (10 ** y_range[0], 10 ** y_range[1]) if log_y else (y_range[0], y_range[1])
        line = [(x, k - v * x) for x in xs if lo <= k - v * x <= hi]
        if line:
            fig.add_trace(go.Scatter(
                x=[p[0] for p in line], y=[p[1] for p in line], mode="lines", meta="equal-value",
                name=f"equal net value at {format_usd(Decimal(str(value_per_hour)))}/hour",
                line={"dash": "dot", "width": 1.5, "color": "#9aa0a6"}, hoverinfo="skip"))
    seen: dict[tuple[float, float], int] = {}
    for _, h, c, _, _ in pts:  # ways that cost and take the same: the first drawn as a ring around the next
        seen[(round(h, 6), round(c, 6))] = seen.get((round(h, 6), round(c, 6)), 0) + 1
    for i, (name, h, c, hours, cost) in enumerate(pts):
        star = name == recommended
        label = labels.get(name, name.replace("_", " "))
        spot = (round(h, 6), round(c, 6))
        seen[spot] -= 1
        fig.add_trace(go.Scatter(
            x=[h], y=[c], mode="markers", meta=name,
            name=f"{label}: {format_usd(cost)}, {format_hours(hours)}" + (" (recommended)" if star else ""),
            marker={"size": (18 if star else 11) + 7 * seen[spot], "color": colour(name.split(" ")[0], i),
                    "symbol": "star" if star else ("diamond" if " " in name else "circle"),
                    "line": {"width": 1, "color": "#202124"}},
            hovertemplate=f"{label}<br>{format_usd(cost)}<br>{format_hours(hours)}<extra></extra>"))
    fig.update_layout(title=title, **{**LAYOUT, "hovermode": "closest"})
    fig.update_layout(legend={**LAYOUT["legend"], "y": -0.25})
    fig.update_xaxes(title_text="Time to finish (log scale)", type="log", range=x_range, **time_ticks(x_range))
    if log_y:
        fig.update_yaxes(title_text="Cost (USD, log scale)", type="log", range=y_range, **money_ticks(y_range))
    else:
        fig.update_yaxes(title_text="Cost (USD)", tickprefix="$", tickformat=MONEY_FORMAT, range=y_range)
    return fig


def model_costs(
    rows: Sequence[tuple[str, Mapping[str, Decimal | None]]], *, labels: Mapping[str, str] | None = None,
    title: str = "Cost per model and tier",
) -> go.Figure:
    """One row per model, one dot per tier it offers (cost on a log scale when it spans decades).

    ``rows`` are ``(model name, {tier: cost or None})``; ``labels`` names the tiers in words.
    """
    labels = labels or {}
    tiers = list(dict.fromkeys(t for _, costs in rows for t in costs))
    names = [name for name, _ in rows]
    fig = go.Figure()
    values: list[float] = []
    for i, tier in enumerate(tiers):
        xs, ys, texts = [], [], []
        for name, costs in rows:
            cost = costs.get(tier)
            if cost is None:
                continue
            xs.append(float(cost))
            ys.append(name)
            texts.append(format_usd(cost))
        values += xs
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="markers", name=labels.get(tier, tier), meta=tier, customdata=texts,
            # Each tier a size smaller than the one before: tiers of equal cost show as rings, not one dot.
            marker={"size": max(7, 19 - 2 * i), "color": colour(tier, i),
                    "symbol": ("circle", "diamond", "square", "triangle-up", "x", "star")[i % 6],
                    "line": {"width": 1, "color": "#202124"}},
            hovertemplate="%{y}<br>" + labels.get(tier, tier) + ": %{customdata}<extra></extra>"))
    log_x = spans_decades(values)
    plot_px = 60 + 40 * len(names)
    height = plot_px + 250  # the title above; the axis title and a legend of up to four rows below
    fig.update_layout(title=title, **{**LAYOUT, "hovermode": "closest"}, height=height)
    fig.update_layout(margin={**LAYOUT["margin"], "l": 10, "b": 200},
                      legend={**LAYOUT["legend"], "y": -75 / plot_px})
    if log_x:
        x_range = _log_range(values, pad=0.2)
        fig.update_xaxes(title_text="Cost (USD, log scale)", type="log", range=x_range, **money_ticks(x_range))
    else:
        fig.update_xaxes(title_text="Cost (USD)", tickprefix="$", tickformat=MONEY_FORMAT,
                         range=[0, max(values + [0.0]) * 1.15 or 1])
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(names)), automargin=True)
    return fig


def cost_waterfall(steps: Sequence[tuple[str, Number]], *, title: str = "From the estimate to the bill") -> go.Figure:
    """A waterfall from the estimate to the actual cost: ``steps`` are (label, amount) with the
    estimate first, each cause's share in between and the actual cost last
    (``Reconciliation.waterfall()``); the causes move the bar from one total to the other."""
    if not steps:
        return go.Figure(layout={**LAYOUT, "title": title})
    labels = [label for label, _ in steps]
    values = [_f(v) or 0.0 for _, v in steps]
    measure = ["absolute", *(["relative"] * (len(steps) - 2)), "total"] if len(steps) > 1 else ["absolute"]
    text = [format_usd(Decimal(v) if not isinstance(v, Decimal) else v) for _, v in steps]
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=measure, text=text, textposition="outside",
        connector=dict(line=dict(color="#BAB0AC")),
        increasing=dict(marker=dict(color="#E45756")), decreasing=dict(marker=dict(color=colour("batch"))),
        totals=dict(marker=dict(color=colour("standard"))),
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    fig.update_layout(**{**LAYOUT, "hovermode": "closest"}, title=title, yaxis_title="cost (USD)", showlegend=False)
    return fig
