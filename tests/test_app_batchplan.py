"""Batch plan tab: what an expired batch costs, equal to the CLI's plan."""

from __future__ import annotations

from decimal import Decimal

from apptest_helpers import APP_MODEL, metrics, run_cli, usd
from streamlit.testing.v1 import AppTest


def test_expired_batch_costs_match_the_cli_plan(app: AppTest) -> None:
    app.number_input(key="bp_rows").set_value(20_000).run()
    app.number_input(key="bp_input_tokens").set_value(500).run()
    app.number_input(key="bp_output_tokens").set_value(200).run()
    app.slider(key="bp_completion_share").set_value(0.75).run()
    assert not app.exception, app.exception
    shown = metrics(app)
    expiry = run_cli("plan", "--model", APP_MODEL, "--rows", "20000", "--input-tokens-per-row", "500",
                     "--output-tokens-per-row", "200", "--completion-share", "0.75")["expiry"]
    assert expiry["completed_requests"] == 15_000 and expiry["remainder_requests"] == 5_000
    first = Decimal(expiry["first_pass_cost"])
    assert shown["Completed and billed"] == usd(first)
    assert shown["Total if the rest is resent as batch"] == usd(first + Decimal(expiry["resubmit_batch_cost"]))
    assert shown["Total if the rest is resent as standard"] == usd(first + Decimal(expiry["resubmit_standard_cost"]))
    # Hand check: 20,000 x (500 x $0.75 + 200 x $4.50) / 1M = $25.50 standard; batch half; 75% completed.
    assert APP_MODEL != "gpt-5.4-mini" or first == Decimal("9.5625")
