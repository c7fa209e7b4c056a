"""Batch plan tab: what an expired batch costs, equal to the CLI's plan."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from estimator import format_usd
from estimator.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_expired_batch_costs_match_the_cli_plan() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    at.number_input(key="bp_rows").set_value(20_000).run()
    at.number_input(key="bp_input_tokens").set_value(500).run()
    at.number_input(key="bp_output_tokens").set_value(200).run()
    at.slider(key="bp_completion_share").set_value(0.75).run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    result = CliRunner().invoke(main, [
        "plan", "--model", "gpt-4o", "--rows", "20000", "--input-tokens-per-row", "500",
        "--output-tokens-per-row", "200", "--completion-share", "0.75", "--json",
    ])
    assert result.exit_code == 0, result.output
    expiry = json.loads(result.stdout)["expiry"]
    assert expiry["completed_requests"] == 15_000
    assert shown["Completed and billed"] == format_usd(Decimal(expiry["first_pass_cost"]))
    assert shown["Resend the rest as batch"] == format_usd(
        Decimal(expiry["first_pass_cost"]) + Decimal(expiry["resubmit_batch_cost"]))
    assert shown["Resend the rest as standard"] == format_usd(
        Decimal(expiry["first_pass_cost"]) + Decimal(expiry["resubmit_standard_cost"]))
