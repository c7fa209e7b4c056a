"""`estimate --json`: every tier a model offers is a mode; the others are listed with a reason.

Hand arithmetic on examples/reviews.csv (12 rows, 50 output tokens each = 600 answer tokens, and the
reasoning of a model that reasons by default on top);
the input totals are the ones each model's tokenizer gives, read from the same JSON.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from estimator.cli import main
from estimator.modes import MODES

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "reviews.csv"


@pytest.mark.parametrize(
    ("model", "tier", "input_per_mtok", "output_per_mtok", "standard", "unavailable"),
    [
        ("gpt-5.4", "flex", "1.25", "7.50", ("2.50", "15.00"), {"ultrafast"}),
        ("claude-opus-4-6", "priority", "30.00", "150.00", ("5.00", "25.00"), {"flex", "ultrafast"}),  # 6x (fast-mode page)
        ("gemini-3.1-pro-preview", "priority", "3.60", "21.60", ("2.00", "12.00"), {"ultrafast"}),
    ],
    ids=["openai-flex", "anthropic-priority", "google-priority"],
)
def test_tier_mode_by_hand(model: str, tier: str, input_per_mtok: str, output_per_mtok: str,
                           standard: tuple[str, str], unavailable: set[str]) -> None:
    result = CliRunner().invoke(main, ["estimate", str(EXAMPLE), "-m", model, "-c", "review", "--output-tokens", "50",
                                       "--as-of", "2026-06-01", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    inp, out = doc["input_tokens"], doc["output_tokens"]
    # Gemini 3 thinks at level high unless told otherwise: its reasoning bills as output on top of the answer
    reasoning = doc["output"]["reasoning_tokens"]
    assert doc["output"]["answer_tokens"] == 600 and out == 600 + reasoning
    assert reasoning == (12 * doc["output"]["reasoning_prior"]["tokens_per_request"] if model.startswith("gemini")
                         else 0)
    m = doc["modes"][tier]
    assert (m["input_tokens"], m["output_tokens"]) == (inp, out)
    assert Decimal(m["input_cost"]) == inp * Decimal(input_per_mtok) / 1_000_000
    assert Decimal(m["output_cost"]) == out * Decimal(output_per_mtok) / 1_000_000
    std = inp * Decimal(standard[0]) / 1_000_000 + out * Decimal(standard[1]) / 1_000_000
    assert Decimal(doc["modes"]["standard"]["total_cost"]) == std
    assert Decimal(m["savings_vs_standard"]) == std - Decimal(m["total_cost"])
    # every registered mode is either priced or listed as unavailable, with a reason
    assert set(doc["modes"]) | set(doc["modes_unavailable"]) == set(MODES)
    assert set(doc["modes_unavailable"]) == unavailable
    assert all(doc["modes_unavailable"].values())
