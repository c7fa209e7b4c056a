"""The app's figures are the library's: typed-in jobs at long-context sizes, a forecast past a
shutdown, and the cost curve drawn against the break-even beside it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apptest_helpers import metrics, tab, usd
from streamlit.testing.v1 import AppTest

import estimator
from estimator import JobSize, PlanOptions
from estimator.planning import ForecastOptions, Volume
from estimator.usage import RequestSize


def choose_model(app: AppTest, provider: str, model: str, day: dt.date) -> None:
    """The pricing date first: the model lists hold the models current on it (and retired ones on demand)."""
    app.date_input(key="pricing_date").set_value(day).run()
    app.toggle(key="show_retired").set_value(True).run()
    app.selectbox(key="provider").set_value(provider).run()
    app.selectbox(key="model").set_value(model).run()


def test_a_typed_long_context_job_is_priced_at_the_tier_rates(app: AppTest) -> None:
    day = dt.date(2026, 11, 1)
    choose_model(app, "google", "gemini-2.5-pro", day)
    app.number_input(key="tv_rows").set_value(10).run()
    app.number_input(key="tv_input_tokens").set_value(300_000).run()
    app.number_input(key="tv_output_tokens").set_value(1_000).run()
    expected = estimator.plan(model="gemini-2.5-pro", size=JobSize(10, 300_000, 1_000), as_of=day,
                              options=PlanOptions(value_per_hour=Decimal(50)))
    assert expected.decision.batch is not None
    shown = metrics(tab(app, "Time value"))
    # 3M tokens above 200K: $2.50/M in, $15/M out standard (not $1.25/$10): batch saves half of $7.65,
    # shown as the difference of the two costs as printed ($7.65 - $3.83), as on the Estimate tab.
    assert expected.decision.batch.savings == Decimal("3.825")
    assert shown["Batch saves"] == "$3.82" == usd(str(expected.decision.batch.savings_as_shown))


def test_a_forecast_past_a_shutdown_is_never_zero_within_budget(app: AppTest) -> None:
    day = dt.date(2026, 12, 1)
    choose_model(app, "anthropic", "claude-sonnet-4-5-20250929", day)
    app.date_input(key="fc_start").set_value(day).run()
    fc = tab(app, "Forecast")
    expected = estimator.forecast(Volume(10_000, "day", RequestSize.per_request(500, 200), Decimal(5)),
                                  model="claude-sonnet-4-5-20250929",
                                  options=ForecastOptions(start=day, budget=Decimal(1_000),
                                                          plans=None))
    assert any("shuts down on 2026-11-30" in n for n in expected.notes)
    shown = metrics(fc)
    for plan in expected.plans:
        value = shown[f"{plan.mix.name}: 12 months"]
        assert value != "$0.00"
    assert any("priced as" in w.value or "no price after" in w.value for w in fc.warning)
