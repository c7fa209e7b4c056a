"""Models a person can trust in the app, and several of them compared on one dataset."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from apptest_helpers import APP_MODEL, start_app, tab, usd
from test_app import dataset, upload_and_save

import estimator
from estimator import PlanOptions
from estimator.convert import today
from estimator.planning import what_fits
from estimator.planning.limits import rate_limit_example
from estimator.report import compare_models
from estimator.ui.common import way_label


def test_current_models_by_default_retired_ones_on_request_and_kept_per_provider() -> None:
    at = start_app()
    assert at.selectbox(key="model").value == APP_MODEL
    shown = at.selectbox(key="model").options
    assert not [o for o in shown if " · retired " in o]
    assert [o for o in shown if " · retiring " in o]  # listed, with the day the API stops serving them

    # A provider's first model is no longer the default: a current one is.
    at.selectbox(key="provider").set_value("anthropic").run()
    model = at.selectbox(key="model").value
    assert model == "claude-haiku-4-5-20251001"
    at.selectbox(key="model").set_value("claude-sonnet-4-6").run()
    at.selectbox(key="provider").set_value("google").run()
    assert at.selectbox(key="model").value == "gemini-2.5-flash-lite"
    at.selectbox(key="provider").set_value("anthropic").run()
    assert at.selectbox(key="model").value == "claude-sonnet-4-6"  # kept while another provider was shown
    at.selectbox(key="provider").set_value("openai").run()
    assert at.selectbox(key="model").value == APP_MODEL

    # Retired models behind the toggle, marked; choosing one says so beside it.
    at.toggle(key="show_retired").set_value(True).run()
    at.selectbox(key="provider").set_value("anthropic").run()
    assert [o for o in at.selectbox(key="model").options if o.endswith(" · retired 2026-02-19")]
    at.selectbox(key="model").set_value("claude-3-5-haiku-20241022").run()
    assert any("was shut down on 2026-02-19" in w.value and "claude-haiku-4-5-20251001" in w.value
               for w in at.sidebar.warning)
    assert not at.exception, at.exception


def test_models_compared_on_one_count_and_what_a_budget_buys(tmp_path: Path) -> None:
    at = start_app()
    path = upload_and_save(at, tmp_path, dataset())
    at.number_input(key="output_tokens").set_value(50).run()
    chosen = at.multiselect(key="compare_models").value
    assert chosen, "models that need no second count are compared by default"

    est = estimator.estimate(path, model=APP_MODEL, column="text", output_tokens=50, as_of=today())
    expected = compare_models(est, chosen)
    assert expected.not_compared == ()  # the defaults reuse the count
    table = tab(at, "Compare models").dataframe[0].value
    assert len(table) == len(expected.models)
    for (_, row), m in zip(table.iterrows(), expected.models):
        assert row["Standard"] == usd(m.estimate.comparison.standard.total_cost)
        assert row["Tokens"].startswith("same counts")

    # What $0.05 buys by tomorrow, on the sidebar's limits (the OpenAI tier 3 example).
    at.number_input(key="fit_budget").set_value(0.05).run()
    at.segmented_control(key="cmp_when").set_value("tomorrow").run()
    assert not at.exception, at.exception
    example = rate_limit_example("openai-tier-3")
    fits = what_fits([m.estimate for m in expected.models], Decimal("0.05"), deadline_hours=24,
                     options=PlanOptions(limits=example.limits, queue=estimator.batch.QueueLimit(
                         example.batch_queue_tokens, example.batch_queue_requests, example.key)))
    rows = tab(at, "Compare models").dataframe[1].value
    assert len(rows) == len(fits.fits)
    best = fits.best
    assert best is not None
    assert (rows.iloc[0]["Model"], rows.iloc[0]["Way"]) == (best.model, way_label(best.way))
    assert at.segmented_control(key="strip_when").value == "tomorrow"  # the same stakes everywhere
