"""Gemini counts say what they were measured on: each model's tokenizer in the price tables names
whether its own tokenizer was measured, and where it was not the interval is wider by a stated rule."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import estimator
from estimator.cli import main
from estimator.pricing import load_pricebook
from estimator.tokens import get_tokenizer
from estimator.tokens.gemini import load_calibration

BOOK = load_pricebook()
DAY = dt.date(2026, 12, 1)
GEMINI = [m for m in BOOK.models if m.provider == "google" and m.kind == "chat"]


def generation(model_id: str) -> tuple[int, int]:
    major, _, minor = model_id.removeprefix("gemini-").split("-")[0].partition(".")
    return int(major), int(minor or 0)


@pytest.mark.parametrize("model", GEMINI, ids=lambda m: m.id)
def test_every_gemini_model_names_what_its_counts_were_measured_on(model: estimator.pricing.Model) -> None:
    newer = generation(model.id) >= (3, 5)  # Gemini 3.5 and later use a tokenizer newer than Gemma 3
    assert model.tokenizer == ("approx:gemini-unmeasured" if newer else "approx:gemini")
    tokenizer = get_tokenizer(model.tokenizer)
    cal = load_calibration()
    assert tokenizer.relative_uncertainty == pytest.approx(
        cal.relative_uncertainty + (cal.generation_change if newer else 0))
    assert ("not measured" in tokenizer.label) == newer
    assert ("NOT measured on this model's tokenizer" in (tokenizer.calibration_note or "")) == newer


def test_the_widening_rule_is_stated_with_its_measurement() -> None:
    cal = load_calibration()
    assert cal.generation_change > 0 and "ctok" in cal.generation_change_source
    note = get_tokenizer("approx:gemini-unmeasured").calibration_note or ""
    assert f"±{cal.relative_uncertainty + cal.generation_change:.0%}" in note
    assert f"{cal.generation_change:.0%}" in note and cal.generation_change_source in note


def test_same_counts_wider_interval() -> None:
    texts = ["Plain English prose.", "def f(x): return {x: [1, 2]}", "中文字符"]
    assert get_tokenizer("approx:gemini-unmeasured").count_batch(texts) == get_tokenizer("approx:gemini").count_batch(texts)


def test_estimate_json_and_notes_carry_the_provenance(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("text\nhello there\nanother row\n", encoding="utf-8")
    out = {}
    for model in ("gemini-2.5-flash", "gemini-4-argon"):
        result = CliRunner().invoke(main, ["estimate", str(data), "-c", "text", "-m", model, "--output-tokens", "5",
                                           "--as-of", "2026-11-01", "--json"])
        assert result.exit_code == 0, result.output
        out[model] = json.loads(result.stdout)
    old, new = out["gemini-2.5-flash"], out["gemini-4-argon"]
    assert old["relative_uncertainty"] == pytest.approx(0.13) and new["relative_uncertainty"] == pytest.approx(0.51)
    assert "not measured" in new["tokenizer"] and "not measured" not in old["tokenizer"]
    assert any("NOT measured on this model's tokenizer" in n for n in new["notes"])
    assert any("Measured on this model's tokenizer" in n for n in old["notes"])
