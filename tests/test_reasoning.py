"""Reasoning is part of the output: the family's prior added to every answer, capped by max_tokens,
its range carried into the cost range, shown apart from the answer, refused where the model does not
take the effort; a pilot's measured lengths replace it. Library, command line, app, properties."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from apptest_helpers import errors, metrics, run_cli, tab, upload
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import estimator
from estimator import EstimateOptions
from estimator.batch.outputs import output_profile
from estimator.cli import main
from estimator.counting import OutputSpec
from estimator.counting.priors import output_prior, reasoning_efforts
from estimator.counting.reasoning import reasoning_split
from estimator.errors import UsageError

TEXTS = [f"Summarise ticket {i}: the kettle stopped working after {i} days." for i in range(20)]
DAY = "2026-06-01"


def est(model: str, *, output_tokens: int | None = 300, max_tokens: int | None = None,
        effort: str | None = None, **options: object) -> estimator.Estimate:
    spec = OutputSpec(fixed=output_tokens, max_tokens=max_tokens, reasoning_effort=effort)
    return estimator.estimate(TEXTS, model=model, as_of=DAY, options=EstimateOptions(output=spec, **options))


# ---------------------------------------------------------------- the prior added


def test_a_model_that_reasons_by_default_bills_its_prior_on_top_of_the_answer() -> None:
    e = est("gpt-5")  # GPT-5 reasons at medium unless told otherwise
    prior = output_prior("gpt-5")
    assert prior.reasoning is not None and prior.effort == "medium"
    r = e.profile.reasoning
    assert r is not None and r.basis == "prior" and r.effort == "medium"
    assert r.per_request == prior.reasoning.tokens
    assert r.answer_tokens == 300 * len(TEXTS) and r.tokens == prior.reasoning.tokens * len(TEXTS)
    assert e.profile.output_tokens == r.answer_tokens + r.tokens
    assert e.comparison.standard.output_tokens == e.profile.output_tokens
    assert e.profile.usage().reasoning_tokens == r.tokens
    assert any("a prior" in n and "effort medium" in n for n in e.notes)


def test_a_model_that_does_not_reason_is_unchanged() -> None:
    e = est("gpt-4o")
    assert e.profile.reasoning is None and e.profile.output_tokens == 300 * len(TEXTS)
    doc = e.as_dict()["output"]
    assert doc["reasoning_tokens"] == 0 and doc["answer_tokens"] == 300 * len(TEXTS)
    assert "total_cost_range" not in e.as_dict()


def test_reasoning_off_where_the_model_allows_it() -> None:
    assert est("gpt-5", effort="minimal").profile.reasoning.per_request == 50  # type: ignore[union-attr]
    assert est("gemini-2.5-flash", effort="none").profile.reasoning is None
    assert est("claude-sonnet-4-5").profile.reasoning is None  # thinking is off unless enabled
    assert est("claude-sonnet-4-5", effort="high").profile.reasoning is not None


def test_reasoning_is_capped_by_max_tokens_and_cuts_the_answer() -> None:
    # o3 at high: 6,000 reasoning tokens against a cap of 2,000: all of it reasoning, no room for the answer
    e = est("o3", effort="high", max_tokens=2000)
    r = e.profile.reasoning
    assert r is not None and r.capped and r.per_request == 2000 and r.answer_tokens == 0
    assert e.profile.output_tokens == 2000 * len(TEXTS) == e.profile.output_tokens_worst
    # a cap above the reasoning: the answer is cut to what is left
    e = est("o3", effort="low", output_tokens=300, max_tokens=800)  # 600 reasoning + at most 200 of answer
    r = e.profile.reasoning
    assert r is not None and (r.per_request, r.answer_tokens) == (600, 200 * len(TEXTS))
    assert any("counts against max_tokens 800" in n for n in e.notes)


def test_the_split_under_a_cap_by_hand() -> None:
    assert reasoning_split([(300, 2), (50, 3)], 600, None) == (750, 3000)
    assert reasoning_split([(300, 2), (50, 3)], 600, 800) == (2 * 200 + 3 * 50, 3000)
    assert reasoning_split([(300, 1)], 5000, 1000) == (0, 1000)


def test_the_prior_range_is_carried_into_the_cost_range() -> None:
    e = est("o3", effort="high")
    r = e.profile.reasoning
    assert r is not None and r.has_range
    low, high = e.cost_bounds or (None, None)
    assert low is not None and high is not None
    price = e.priced.price
    assert price.output_per_mtok is not None
    for end, out in ((low, r.output_low), (high, r.output_high)):
        assert end.standard.output_tokens == out
        by_hand = (Decimal(e.profile.input_tokens) * price.input_per_mtok
                   + Decimal(out) * price.output_per_mtok) / 1_000_000
        assert end.standard.total_cost == by_hand
    assert low.standard.total_cost < e.comparison.standard.total_cost < high.standard.total_cost
    doc = e.to_json()
    assert "reasoning prior" in doc["total_cost_range"]["basis"]
    assert doc["output"]["reasoning_prior"]["range_per_request"] == [600, 40000]
    assert doc["output"]["reasoning_prior"]["source"].startswith("https://")


def test_reasoning_that_dominates_is_said_plainly() -> None:
    e = est("o3", effort="high", output_tokens=300)
    assert e.profile.reasoning is not None and e.profile.reasoning.dominates
    assert any(n.startswith("reasoning dominates the output: 95%") for n in e.notes)
    assert e.to_json()["output"]["reasoning_dominates"] is True
    e = est("o3", effort="low", output_tokens=3000)  # 600 of 3,600
    assert e.profile.reasoning is not None and not e.profile.reasoning.dominates
    assert not any("dominates" in n for n in e.notes)


@pytest.mark.parametrize(
    ("model", "effort", "message"),
    [
        ("gpt-4o", "high", "gpt-4o does not reason"),
        ("o3", "enormous", "use one of low, medium, high"),
        ("gpt-5", "none", "use one of minimal, low, medium, high"),
        ("gemini-2.5-pro", "none", "use one of low, dynamic, high"),
    ],
    ids=["does-not-reason", "unknown-effort", "gpt5-cannot-turn-off", "pro-cannot-turn-off"],
)
def test_efforts_the_model_does_not_take_are_refused_by_name(model: str, effort: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as e:
        est(model, effort=effort)
    assert e.value.param == "reasoning_effort"


def test_the_efforts_a_model_takes() -> None:
    assert reasoning_efforts("gpt-4o") == (None, ())
    assert reasoning_efforts("gpt-5") == ("medium", ("minimal", "low", "medium", "high"))
    assert reasoning_efforts("claude-sonnet-4-5")[0] is None
    assert "none" in reasoning_efforts("gemini-2.5-flash")[1]


def test_repricing_a_fixed_answer_keeps_the_reasoning() -> None:
    e = est("gpt-5", effort="high")
    again = e.repriced(output_tokens=100)
    r = again.profile.reasoning
    assert r is not None and r.effort == "high" and r.answer_tokens == 100 * len(TEXTS)
    assert again.profile.output_tokens == r.answer_tokens + r.tokens
    assert sum("expected output includes reasoning" in n for n in again.notes) == 1


def test_learned_lengths_from_a_pilot_replace_the_prior(tmp_path: Path) -> None:
    learned = output_profile([900, 1100, 1000, 1000], reasoning=3000, model="gpt-5", source="pilot of 4 rows")
    e = estimator.estimate(TEXTS, model="gpt-5", as_of=DAY, options=EstimateOptions(measured_output=learned))
    r = e.profile.reasoning
    assert r is not None and r.basis == "measured"
    assert e.profile.output_tokens == 1000 * len(TEXTS)  # the measured mean, reasoning included, nothing on top
    assert r.tokens == 750 * len(TEXTS) and r.dominates
    assert any("learned from a pilot" in n and "replace the reasoning prior" in n for n in e.notes)
    assert e.to_json()["output"]["reasoning_prior"] is None


def test_a_batch_file_reasons_against_its_requests_cap(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    line = {"custom_id": "", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "o3", "max_completion_tokens": 1000,
                     "messages": [{"role": "user", "content": "Hello there"}]}}
    path.write_text("".join(json.dumps({**line, "custom_id": f"r{i}"}) + "\n" for i in range(3)), encoding="utf-8")
    e = estimator.estimate(path, output_tokens=200, as_of=DAY)
    r = e.profile.reasoning
    assert r is not None and r.per_request == 1000 and e.profile.output_tokens == 3000  # capped at 1,000 each
    assert any("the requests name no reasoning effort" in n for n in e.notes)


def _o3_file(tmp_path: Path, efforts: list[str | None], *, responses: bool = False) -> Path:
    """o3 requests, each naming the given reasoning effort (None: names none), no cap."""
    path = tmp_path / "efforts.jsonl"
    lines = []
    for i, effort in enumerate(efforts):
        if responses:
            body: dict[str, object] = {"model": "o3", "input": "Hello there",
                                       **({"reasoning": {"effort": effort}} if effort else {})}
            url = "/v1/responses"
        else:
            body = {"model": "o3", "messages": [{"role": "user", "content": "Hello there"}],
                    **({"reasoning_effort": effort} if effort else {})}
            url = "/v1/chat/completions"
        lines.append(json.dumps({"custom_id": f"r{i}", "method": "POST", "url": url, "body": body}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("responses", [False, True])
def test_a_batch_file_is_priced_at_the_effort_its_requests_name(tmp_path: Path, responses: bool) -> None:
    high = output_prior("o3", effort="high").reasoning
    assert high is not None
    e = estimator.estimate(_o3_file(tmp_path, ["high"] * 3, responses=responses), output_tokens=100, as_of=DAY)
    r = e.profile.reasoning
    assert r is not None and r.effort == "high" and r.per_request == high.tokens
    assert e.profile.output_tokens == 3 * (100 + high.tokens)
    assert any("every request names reasoning effort high" in n for n in e.notes)


def test_a_batch_file_naming_several_efforts_says_which_it_priced(tmp_path: Path) -> None:
    e = estimator.estimate(_o3_file(tmp_path, ["low", "low", "high", None]), output_tokens=100, as_of=DAY)
    r = e.profile.reasoning
    assert r is not None and r.effort == "low"
    assert any("different reasoning efforts (low: 2, high: 1, none named: 1): all priced at low" in n
               for n in e.notes)
    asked = estimator.estimate(_o3_file(tmp_path, ["low", "high"]), as_of=DAY,
                               options=EstimateOptions(output=OutputSpec(fixed=100, reasoning_effort="medium")))
    assert asked.profile.reasoning is not None and asked.profile.reasoning.effort == "medium"
    plain = [n.replace("\ue000", "").replace("\ue001", "") for n in asked.notes]
    assert any("as reasoning_effort says; the requests name (low: 1, high: 1)" in n for n in plain)


def test_a_batch_file_naming_an_effort_the_model_does_not_take_is_noted(tmp_path: Path) -> None:
    e = estimator.estimate(_o3_file(tmp_path, ["extreme"] * 2), output_tokens=100, as_of=DAY)
    default = output_prior("o3").effort
    assert e.profile.reasoning is not None and e.profile.reasoning.effort == default
    assert any("the requests name reasoning effort 'extreme', which o3 does not take" in n for n in e.notes)
    from estimator.batch.files import read_batch_file
    assert read_batch_file(_o3_file(tmp_path, ["high", None])).to_dict()["reasoning_efforts"] == {"high": 1}


# ---------------------------------------------------------------- properties

EFFORTS = ("minimal", "low", "medium", "high")


@settings(max_examples=30, deadline=None)
@given(answer=st.integers(0, 5000), cap=st.one_of(st.none(), st.integers(1, 50_000)),
       i=st.integers(0, len(EFFORTS) - 2))
def test_more_effort_never_lowers_the_expected_cost(answer: int, cap: int | None, i: int) -> None:
    def cost(effort: str) -> Decimal:
        spec = OutputSpec(fixed=answer, max_tokens=cap, reasoning_effort=effort)
        e = estimator.estimate(TEXTS[:3], model="gpt-5", as_of=DAY, options=EstimateOptions(output=spec))
        assert all(c.total_cost >= 0 for c in e.comparison.modes.values())
        return e.comparison.standard.total_cost

    assert cost(EFFORTS[i]) <= cost(EFFORTS[i + 1])


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 5)), min_size=1, max_size=6),
       r1=st.integers(0, 10_000), r2=st.integers(0, 10_000), cap=st.one_of(st.none(), st.integers(1, 20_000)))
def test_the_split_is_monotone_and_never_passes_the_cap(pairs: list[tuple[int, int]], r1: int, r2: int,
                                                        cap: int | None) -> None:
    capped = [(a if cap is None else min(a, cap), n) for a, n in pairs]
    lo, hi = sorted((r1, r2))
    a1, t1 = reasoning_split(capped, lo, cap)
    a2, t2 = reasoning_split(capped, hi, cap)
    assert a1 + t1 <= a2 + t2
    if cap is not None:
        assert a2 + t2 <= cap * sum(n for _, n in pairs)


# ---------------------------------------------------------------- command line


def test_cli_estimate_text_and_json_show_the_reasoning_apart(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text\n" + "\n".join(TEXTS) + "\n", encoding="utf-8")
    args = ["estimate", str(path), "-c", "text", "-m", "o3", "--output-tokens", "300", "--max-tokens", "20000",
            "--reasoning-effort", "high", "--as-of", DAY, "--no-progress"]
    out = CliRunner().invoke(main, args, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    n = len(TEXTS)
    assert f"expected output {6300 * n:,} (answer {300 * n:,} + reasoning {6000 * n:,})" in out.output
    assert "reasoning: 6,000 tokens per request (prior for OpenAI o-series at effort high" in out.output
    assert "note: reasoning dominates the output" in out.output
    doc = json.loads(CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False).stdout)
    assert doc["output"]["reasoning_tokens"] == 6000 * n and doc["output"]["answer_tokens"] == 300 * n
    assert doc["output"]["reasoning_prior"]["effort"] == "high"
    assert doc["output"]["reasoning_prior"]["family"] == "OpenAI o-series"
    assert doc["output_tokens"] == 6300 * n
    low, high = doc["total_cost_range"]["modes"]["standard"]
    assert Decimal(low) < Decimal(doc["modes"]["standard"]["total_cost"]) < Decimal(high)


def test_cli_refuses_an_effort_by_its_flag(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text\nhello\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["estimate", str(path), "-c", "text", "-m", "gpt-4o", "--output-tokens", "5",
                                    "--reasoning-effort", "high", "--no-progress"])
    assert out.exit_code == 2
    assert "--reasoning-effort" in out.output and "reasoning_effort=" not in out.output


def test_cli_plan_takes_the_effort(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("text\n" + "\n".join(TEXTS) + "\n", encoding="utf-8")
    doc = run_cli("plan", str(path), "-c", "text", "-m", "gpt-5", "--output-tokens", "100",
                  "--reasoning-effort", "high", "--as-of", DAY)
    assert any("effort high" in n for n in doc["notes"])


# ---------------------------------------------------------------- app


def test_app_reasoning_effort_setting_matches_the_cli(app: AppTest, tmp_path: Path) -> None:
    app.selectbox(key="model").set_value("gpt-5").run()
    data = ("text\n" + "\n".join(TEXTS) + "\n").encode("utf-8")
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    upload(app, "t.csv", data, "text/csv")
    app.number_input(key="output_tokens").set_value(300).run()
    effort = app.selectbox(key="reasoning_effort")
    assert effort.options == ["the model's default (medium)", "minimal", "low", "medium", "high"]
    effort.set_value("high").run()
    assert not errors(app)
    expected = run_cli("estimate", str(path), "-c", "text", "-m", "gpt-5", "--output-tokens", "300",
                       "--reasoning-effort", "high")
    e = tab(app, "Estimate")
    assert metrics(e)["Expected output tokens"] == f"{expected['output_tokens']:,}"
    reasoning = expected["output"]["reasoning_tokens"]
    assert any(f"reasoning **{reasoning:,}** tokens" in c.value for c in e.caption)
    assert any("Reasoning dominates the output" in w.value for w in e.warning)
