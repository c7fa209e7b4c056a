"""The hybrid-routing figure, inspected as an object: traces, stacking, totals and axis titles."""

from __future__ import annotations

from decimal import Decimal

import plotly.graph_objects as go

from estimator import charts
from estimator.charts import RouteSlice

INTERACTIVE = RouteSlice("interactive · Streaming", "streaming_early_exit", Decimal("90"))
AUTOMATED = RouteSlice("automated · Standard", "standard", Decimal("105"))
WAITING_STANDARD = RouteSlice("can wait · Standard", "standard", Decimal("105"), pattern="/")
WAITING_BATCH = RouteSlice("can wait · Batch", "batch", Decimal("52.5"))


def figure() -> go.Figure:
    return charts.routing_costs(
        {
            "All standard": [INTERACTIVE, AUTOMATED, WAITING_STANDARD],
            "Hybrid": [INTERACTIVE, AUTOMATED, WAITING_BATCH],
        }
    )


def test_one_stacked_bar_per_plan_one_trace_per_route() -> None:
    fig = figure()
    assert fig.layout.barmode == "stack"
    assert [t.type for t in fig.data] == ["bar"] * 4
    assert [t.name for t in fig.data] == [
        "interactive · Streaming",
        "automated · Standard",
        "can wait · Standard",
        "can wait · Batch",
    ]
    for trace in fig.data:
        assert list(trace.x) == ["All standard", "Hybrid"]
    interactive, automated, waiting_standard, waiting_batch = fig.data
    assert list(interactive.y) == [90.0, 90.0]
    assert list(automated.y) == [105.0, 105.0]
    # A route missing from a plan has no segment in that plan's bar.
    assert list(waiting_standard.y) == [105.0, None]
    assert list(waiting_batch.y) == [None, 52.5]


def test_colours_follow_the_mode_and_a_pattern_sets_a_route_apart() -> None:
    interactive, automated, waiting_standard, waiting_batch = figure().data
    assert interactive.marker.color == charts.MODE_COLOURS["streaming_early_exit"]
    assert automated.marker.color == waiting_standard.marker.color == charts.MODE_COLOURS["standard"]
    assert waiting_batch.marker.color == charts.MODE_COLOURS["batch"]
    assert waiting_standard.marker.pattern.shape == "/"
    assert automated.marker.pattern.shape == ""


def test_totals_above_the_bars_and_axis_titles() -> None:
    fig = figure()
    assert [(a.x, a.y, a.text) for a in fig.layout.annotations] == [
        ("All standard", 300.0, "$300.00"),
        ("Hybrid", 247.5, "$247.50"),
    ]
    assert fig.layout.title.text == "Monthly cost per route"
    assert fig.layout.xaxis.title.text == "Plan"
    assert fig.layout.yaxis.title.text == "Cost per month (USD)"
    assert fig.layout.yaxis.range[1] > 300.0  # the top total is not cut off


def test_slices_with_the_same_label_in_one_plan_add_up() -> None:
    fig = charts.routing_costs({"Plan": [AUTOMATED, AUTOMATED]}, title="t", cost_label="USD")
    (bar,) = fig.data
    assert list(bar.y) == [210.0]
    assert fig.layout.yaxis.title.text == "USD"


def test_no_cost_still_draws_an_axis() -> None:
    fig = charts.routing_costs({"All standard": [], "Hybrid": []})
    assert list(fig.data) == []
    assert [a.text for a in fig.layout.annotations] == ["$0.00", "$0.00"]
    assert tuple(fig.layout.yaxis.range) == (0, 1)
