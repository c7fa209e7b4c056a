"""Figure builders, inspected as objects: traces, axis titles, markers and lines."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import plotly.graph_objects as go

from estimator import charts


def annotation_texts(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def test_mode_costs_stacks_input_and_output_and_labels_totals() -> None:
    fig = charts.mode_costs(
        [
            charts.ModeBar("standard", "Standard", Decimal("1.25"), Decimal("5")),
            charts.ModeBar("streaming_early_exit", "Streaming", Decimal("1.25"), Decimal("4")),
            charts.ModeBar("batch", "Batch", Decimal("0.625"), Decimal("2.5"), worst_case_total=Decimal("9")),
        ]
    )
    assert fig.layout.barmode == "stack"
    inputs, outputs, worst = fig.data
    assert (inputs.name, outputs.name) == ("Input", "Output")
    assert inputs.orientation == "h"  # the mode names read across, even on a phone
    assert list(inputs.y) == ["Standard", "Streaming", "Batch"]
    assert list(inputs.x) == [1.25, 1.25, 0.625]
    assert list(outputs.x) == [5.0, 4.0, 2.5]
    assert list(outputs.text) == ["$6.25", "$5.25", "$3.13"]
    assert worst.mode == "markers" and list(worst.y) == ["Batch"] and list(worst.x) == [9.0]
    assert fig.layout.xaxis.title.text == "Cost (USD)"
    assert list(fig.layout.yaxis.categoryarray) == ["Batch", "Streaming", "Standard"]  # the first on top
    assert fig.layout.xaxis.range[1] >= 9.0  # the worst-case marker is not cut off


def test_token_histogram_marks_percentiles() -> None:
    values = [10, 12, 12, 15, 40, 90]
    fig = charts.token_distribution(values, stats={"p50": 12, "p95": 80, "max": 90})
    (hist,) = fig.data
    assert hist.type == "histogram"
    assert list(hist.x) == values
    assert fig.layout.xaxis.title.text == "Tokens per row"
    assert fig.layout.yaxis.title.text == "Rows"
    assert [s.x0 for s in fig.layout.shapes] == [12, 80, 90]
    assert annotation_texts(fig) == ["p50 12", "p95 80", "max 90"]


def test_token_stats_without_rows_are_bars_not_a_fake_histogram() -> None:
    fig = charts.token_distribution(None, stats={"min": 3, "p50": 10, "mean": 11.5, "p95": 30, "max": 64})
    (bars,) = fig.data
    assert bars.type == "bar"
    assert list(bars.x) == ["min", "p50", "mean", "p95", "max"]
    assert list(bars.y) == [3, 10, 11.5, 30, 64]


def test_cost_vs_size_marks_break_even_on_log_axes() -> None:
    sizes = [100, 1_000, 10_000]
    fig = charts.cost_vs_size(
        sizes,
        {"standard": [1, 10, 100], "batch": [5, 10, 55]},
        labels={"standard": "Standard", "batch": "Batch API"},
        break_even=(1_000, 10),
        current=(5_000, "your file: 5,000 rows"),
    )
    # Labels are legend entries: text beside a point would run off a narrow chart.
    names = [t.name for t in fig.data]
    assert names == ["Standard", "Batch API", "your file: 5,000 rows", "Break-even: 1,000 rows"]
    assert fig.data[0].line.dash == "solid"
    marker = fig.data[3]
    assert list(marker.x) == [1000.0] and list(marker.y) == [10.0]
    current = fig.data[2]
    assert list(current.x) == [5000.0, 5000.0] and current.line.dash == "dot"
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "Dataset size (rows)"
    # The cost axis spans the lines (log units) and names its ticks in dollars.
    lo, hi = fig.layout.yaxis.range
    assert lo < 0 and hi > 2
    assert "$1" in fig.layout.yaxis.ticktext and "$100" in fig.layout.yaxis.ticktext
    assert not fig.layout.annotations


def test_savings_vs_time_value_shows_both_cases_and_their_crossings() -> None:
    cases = [
        charts.SavingsCase("saves $7.50", Decimal("7.50"), Decimal("24")),
        charts.SavingsCase("saves $7,500", Decimal("7500"), Decimal("24")),
        charts.SavingsCase("nothing to save", Decimal("-1"), Decimal("24")),
    ]
    fig = charts.savings_vs_time_value([0, 0.01, 1, 100, 10_000], cases, chosen=50)
    savings = [t for t in fig.data if t.meta == "savings"]
    assert [t.name for t in savings] == ["saves $7.50", "saves $7,500"]
    assert list(savings[0].y) == [7.5, 7.5] and list(savings[1].y) == [7500.0, 7500.0]
    assert list(savings[0].x) == [0.01, 10_000.0]  # zero cannot sit on a log axis
    (wait,) = [t for t in fig.data if t.meta == "wait-cost"]  # one line per distinct wait
    assert wait.name == "cost of a 24 h wait"
    assert list(wait.y) == [0.24, 240_000.0]
    crossings = [t for t in fig.data if t.meta == "crossing"]
    assert [(t.x[0], t.y[0]) for t in crossings] == [(0.3125, 7.5), (312.5, 7500.0)]
    labels = [a for a in fig.layout.annotations if (a.name or "").startswith("crossing")]
    assert [a.text for a in labels] == ["waiting pays below $0.31/h", "waiting pays below $312.50/h"]
    # Each label sits on its own savings line (log units), inside the plot's left edge.
    assert math.isclose(labels[1].y, math.log10(7500)) and labels[1].x >= fig.layout.xaxis.range[0]
    assert any(t.name == "nothing to save: batch saves nothing" for t in fig.data)
    assert "your hour: $50.00" in annotation_texts(fig)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "Value of an hour of waiting (USD, log scale)"
    # The view spans every crossing and both savings, in log units.
    lo, hi = fig.layout.xaxis.range
    assert lo < math.log10(0.3125) and hi > math.log10(10_000)
    lo, hi = fig.layout.yaxis.range
    assert lo < math.log10(7.5) and hi > math.log10(7500)


def test_waits_that_differ_by_minutes_share_one_line() -> None:
    cases = [
        charts.SavingsCase("a", Decimal("10"), Decimal("24")),
        charts.SavingsCase("b", Decimal("20"), Decimal("23.9967")),
    ]
    fig = charts.savings_vs_time_value([1, 100], cases)
    assert [t.name for t in fig.data if t.meta == "wait-cost"] == ["cost of a 24 h wait"]


def test_forecast_draws_budget_line_and_dated_price_changes() -> None:
    months = [dt.date(2026, m, 1) for m in (1, 2, 3)]
    fig = charts.forecast(
        months,
        {"All standard": [100, 110, 121], "All batch": [50, 55, 60.5]},
        budget=Decimal("105"),
        price_changes=[(dt.date(2026, 2, 15), "gpt-4o: new price")],
        colours={"All batch": charts.MODE_COLOURS["batch"]},
    )
    assert [t.name for t in fig.data] == ["All standard", "All batch"]
    assert fig.data[1].line.color == charts.MODE_COLOURS["batch"]
    assert list(fig.data[0].x) == months
    budget_lines = [s for s in fig.layout.shapes if s.y0 == 105 and s.y1 == 105]
    assert len(budget_lines) == 1
    assert "budget $105.00" in annotation_texts(fig)
    assert fig.layout.yaxis.range[1] >= 121
    change = next(s for s in fig.layout.shapes if s.name == "price-change-0")
    assert change.x0 == "2026-02-15"
    assert "gpt-4o: new price" in annotation_texts(fig)
    assert fig.layout.yaxis.title.text == "Cost per month (USD)"


def test_price_history_is_a_step_line_per_price_kind() -> None:
    entries = [
        {
            "effective_from": dt.date(2024, 5, 13),
            "effective_until": dt.date(2024, 10, 1),
            "input_per_mtok": Decimal("5"),
            "output_per_mtok": Decimal("15"),
            "cached_input_per_mtok": None,
        },
        {
            "effective_from": dt.date(2024, 10, 1),
            "effective_until": None,
            "input_per_mtok": Decimal("2.5"),
            "output_per_mtok": Decimal("10"),
            "cached_input_per_mtok": Decimal("1.25"),
        },
    ]
    fig = charts.price_history(entries, model="gpt-4o", today=dt.date(2026, 1, 1))
    assert [t.name for t in fig.data] == ["Input", "Output", "Cached input"]
    assert all(t.line.shape == "hv" for t in fig.data)
    inp = fig.data[0]
    assert list(inp.x) == [
        dt.date(2024, 5, 13),
        dt.date(2024, 10, 1),
        dt.date(2024, 10, 1),
        dt.date(2026, 1, 1),
    ]
    assert list(inp.y) == [5.0, 5.0, 2.5, 2.5]
    assert fig.layout.title.text == "gpt-4o: price history"


def test_figures_serialise() -> None:
    fig = charts.mode_costs([charts.ModeBar("standard", "Standard", Decimal("0"), Decimal("0"))])
    assert fig.to_json()
    assert fig.layout.xaxis.range[1] == 1  # an all-zero job still gets a visible axis


def test_token_distribution_draws_ready_made_bins() -> None:
    fig = charts.token_distribution(stats={"p50": 12, "p95": 40, "max": 55}, bins=[(0, 9, 3), (10, 19, 5), (50, 59, 1)])
    (bar,) = fig.data
    assert list(bar.y) == [3, 5, 1]
    assert list(bar.x) == [4.5, 14.5, 54.5] and list(bar.width) == [10, 10, 10]
    assert fig.layout.xaxis.title.text == "Tokens per row"
    assert {a.name for a in fig.layout.annotations} >= {"stat-p50", "stat-p95", "stat-max"}


def test_a_budget_far_above_the_costs_is_named_not_drawn() -> None:
    months = [dt.date(2026, m, 1) for m in (1, 2, 3)]
    fig = charts.forecast(months, {"all standard": [10, 11, 12]}, budget=Decimal("1000"))
    assert not [s for s in fig.layout.shapes if s.y0 == 1000]
    assert "budget $1,000.00: above this chart" in annotation_texts(fig)
    assert fig.layout.yaxis.range[1] < 20  # the costs fill the chart, not a sliver under the budget


def test_tradeoff_points_are_named_in_words_and_the_axes_fit_them() -> None:
    ways = [{"name": "standard", "cost": "15", "hours": "0.1", "worst_case_hours": "0.1"},
            {"name": "streaming_early_exit", "cost": "15", "hours": "0.1", "worst_case_hours": "0.1"},
            {"name": "batch", "cost": "0.2", "hours": "6", "worst_case_hours": "24"}]
    fig = charts.tier_tradeoff(ways, value_per_hour=None, recommended=None,
                               labels={"streaming_early_exit": "Streaming + early exit"})
    points = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in points] == ["standard: $15.00, 6.0 min", "Streaming + early exit: $15.00, 6.0 min",
                                        "batch: $0.20, 24 h"]
    assert points[0].marker.size > points[1].marker.size  # two ways on one spot: a ring and a dot
    assert fig.layout.yaxis.type == "log"  # $0.20 to $15 spans decades
    assert fig.layout.xaxis.ticktext == ("5 min", "15 min", "1 h", "6 h", "1 day")
    assert not [t for t in fig.data if t.meta == "equal-value"]  # no value of an hour: no line


def test_phone_sized_titles_and_log_ticks() -> None:
    assert charts.money_ticks([-1.2, 1.2])["ticktext"] == ["$0.1", "$0.2", "$0.5", "$1", "$2", "$5", "$10"]
    assert charts.money_ticks([0, 5])["ticktext"] == ["$1", "$10", "$100", "$1,000", "$10,000", "$100,000"]
    assert charts.LAYOUT["title_font"]["size"] <= 15


def test_estimated_vs_actual_draws_many_requests_with_webgl() -> None:
    from estimator.charts import WEBGL_AFTER, estimated_vs_actual

    few = estimated_vs_actual([("a", Decimal("0.001"), Decimal("0.002"))])
    many = estimated_vs_actual([(f"r{i}", Decimal(i) / 10**6, Decimal(i + 1) / 10**6) for i in range(WEBGL_AFTER + 1)])
    assert few.data[1].type == "scatter" and many.data[1].type == "scattergl"
    assert len(many.data[1].x) == WEBGL_AFTER + 1  # every request drawn
