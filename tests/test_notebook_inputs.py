"""Natural and wrong notebook calls: each gives the right number, or an ``EstimatorError`` naming the argument.

A person in a notebook types ``value_per_hour=50``, ``as_of="2024-05-13"``, ``hit_rate=0.5``,
``output_tokens=np.int64(50)`` or ``input_price=2.5``, and means exactly those numbers; the
library converts them at its door (``estimator.convert``). A wrong value (``model=4``,
``output_tokens=2.5``, ``10**30`` tokens, a NaN price) is an ``EstimatorError`` whose ``param``
is the argument as Python spells it and whose message names it; never a ``TypeError``,
``AttributeError``, ``KeyError`` or ``OverflowError`` from deep inside.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import inspect
import json
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import estimator
from estimator.batch import BatchFileOptions, QueueLimit
from estimator.convert import MAX_COUNT, html_table, to_plain
from estimator.counting import CountOptions, OutputSpec
from estimator.errors import DataError, EstimatorError, UnknownModelError, UsageError, python_name
from estimator.modes import CacheParams, EarlyExitParams
from estimator.planning import (
    ForecastOptions,
    ModeMix,
    RateLimits,
    Throughput,
    TierParams,
    TrafficMix,
    Volume,
    build_forecast,
    hybrid_mix,
    route_traffic,
    run_exercise,
)
from estimator.reading import ReadOptions, preview
from estimator.usage import RequestSize, Usage

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "estimator"
EXAMPLES = ROOT / "examples"
BOOK = estimator.load_pricebook()
DAY = dt.date(2024, 5, 13)
TEXTS = ["Summarise: the kettle broke.", "Summarise: great kettle, fast delivery."]
USAGE = {"requests": 1_000, "input_tokens": 1_000_000, "output_tokens": 200_000}
SIZE = RequestSize.per_request(500, 100)


def est(**kw: Any) -> estimator.Estimate:
    return estimator.estimate(TEXTS, model="gpt-4o", as_of=DAY, prices=BOOK, **kw)


def total(result: Any, mode: str = "standard") -> Decimal:
    comparison = getattr(result, "comparison", result)
    return comparison.modes[mode].total_cost


def same_plan(a: estimator.JobPlan, b: estimator.JobPlan) -> bool:
    return a.to_json() == b.to_json()


def plan(options: estimator.PlanOptions, size: estimator.JobSize | None = None) -> estimator.JobPlan:
    return estimator.plan(model="gpt-4o", size=size or estimator.JobSize(100_000, 500, 200), as_of=DAY, prices=BOOK,
                          options=options)


# --------------------------------------------------------------------------
# Natural calls: the number the person meant
# --------------------------------------------------------------------------

NATURAL: list[tuple[str, Callable[[], bool]]] = [
    ("as_of-iso-string", lambda: total(estimator.price(USAGE, "gpt-4o", as_of="2024-05-13")) == Decimal("8.00")),
    ("as_of-datetime", lambda: total(estimator.price(USAGE, "gpt-4o", as_of=dt.datetime(2024, 5, 13, 17, 30)))
     == Decimal("8.00")),
    ("as_of-date", lambda: est().priced.as_of == DAY),
    ("deadline_hours-int", lambda: estimator.PlanOptions(deadline_hours=2).deadline_hours == Decimal(2)),
    ("value_per_hour-int", lambda: estimator.PlanOptions(value_per_hour=50).value_per_hour == Decimal(50)),
    ("value_per_hour-float", lambda: estimator.PlanOptions(value_per_hour=12.5).value_per_hour == Decimal("12.5")),
    ("value_per_hour-in-a-plan", lambda: same_plan(plan(estimator.PlanOptions(value_per_hour=50)),
                                                   plan(estimator.PlanOptions(value_per_hour=Decimal(50))))),
    ("deadline-float-in-a-plan", lambda: same_plan(plan(estimator.PlanOptions(deadline_hours=2.5)),
                                                   plan(estimator.PlanOptions(deadline_hours=Decimal("2.5"))))),
    ("urgent_share-float", lambda: estimator.PlanOptions(urgent_share=0.1).urgent_share == Decimal("0.1")),
    ("completion_share-float", lambda: estimator.PlanOptions(completion_share=0.9).completion_share == Decimal("0.9")),
    ("hit_rate-float", lambda: CacheParams(shared_prefix_tokens=np.int64(100), hit_rate=0.5)
     == CacheParams(shared_prefix_tokens=100, hit_rate=Decimal("0.5"))),
    ("cancel-and-seen-shares", lambda: EarlyExitParams(cancel_share=0.3, seen_fraction="0.5")
     == EarlyExitParams(cancel_share=Decimal("0.3"), seen_fraction=Decimal("0.5"))),
    ("flex_refused_share-numpy", lambda: TierParams(flex_refused_share=np.float64(0.05)).flex_refused_share
     == Decimal("0.05")),
    ("flex_latency-float32", lambda: TierParams(flex_latency_seconds=np.float32(0.1)).flex_latency_seconds
     == Decimal("0.1")),
    ("jobsize-numpy-and-strings", lambda: same_plan(
        plan(estimator.PlanOptions(), estimator.JobSize(np.int64(1000), 500.0, "200")),
        plan(estimator.PlanOptions(), estimator.JobSize(1000, 500, 200)))),
    ("jobsize-rows-1e6", lambda: estimator.JobSize(1e6, 10, 1).rows == 1_000_000),
    ("output_tokens-numpy", lambda: total(est(output_tokens=np.int64(50))) == total(est(output_tokens=50))),
    ("output_tokens-whole-float", lambda: total(est(output_tokens=50.0)) == total(est(output_tokens=50))),
    ("max_tokens-whole-float", lambda: total(est(max_tokens=1e3)) == total(est(max_tokens=1000))),
    ("output_tokens-at-the-limit", lambda: est(output_tokens=MAX_COUNT).profile.output_tokens == 2 * MAX_COUNT),
    ("input_price-float", lambda: estimator.price(USAGE, "gpt-4o", as_of=DAY, input_price=2.5)
     == estimator.price(USAGE, "gpt-4o", as_of=DAY, input_price=Decimal("2.5"))),
    ("input_price-string", lambda: total(estimator.price(USAGE, "gpt-4o", as_of=DAY, input_price="2.50",
                                                         output_price="10")) == Decimal("4.5")),
    ("estimate-options-float-prices", lambda: total(est(options=estimator.EstimateOptions(input_price=2.5,
                                                                                         output_price=10.0)))
     == total(est(options=estimator.EstimateOptions(input_price=Decimal("2.5"), output_price=Decimal(10))))),
    ("usage-numpy-ints", lambda: estimator.price({k: np.int64(v) for k, v in USAGE.items()}, "gpt-4o", as_of=DAY)
     == estimator.price(USAGE, "gpt-4o", as_of=DAY)),
    ("rate-limits-float-and-numpy", lambda: RateLimits(rpm=500.0, tpm=np.int64(30_000)) == RateLimits(500, 30_000)),
    ("latency-float", lambda: Throughput(latency_seconds=2.5).latency_seconds == Decimal("2.5")),
    ("traffic-float-shares", lambda: route_traffic(TrafficMix(1000, 0.2, 0.5), SIZE, BOOK.price("gpt-4o", DAY))
     == route_traffic(TrafficMix(1000, Decimal("0.2"), Decimal("0.5")), SIZE, BOOK.price("gpt-4o", DAY))),
    ("growth-float", lambda: Volume(1000, "day", SIZE, 5.5).monthly_growth_pct == Decimal("5.5")),
    ("mode-mix-floats-add-up-exactly", lambda: ModeMix("thirds", {"batch": 0.1, "standard": 0.2,
                                                                   "streaming_early_exit": 0.7}).shares["batch"]
     == Decimal("0.1")),
    ("forecast-with-float-budget-mix", lambda: build_forecast(BOOK.model("gpt-4o", DAY), Volume(100, "day", SIZE),
                                                              [ModeMix("half", {"batch": 0.5, "standard": 0.5})],
                                                              start=dt.date(2024, 6, 1), horizon_months=2)
     .plans[0].total_cost > 0),
    ("usage-numpy", lambda: Usage(np.int64(10), 100, np.int32(10)) == Usage(10, 100, 10)),
    ("request-size-float", lambda: RequestSize.per_request(0.1, "2").input_tokens == Fraction(1, 10)),
    ("hybrid-mix-floats", lambda: hybrid_mix(0.5, 0.2).shares == {"streaming_early_exit": Decimal("0.2"),
                                                                  "standard": Decimal("0.3"), "batch": Decimal("0.5")}),
    ("forecast-options-typed-loosely", lambda: estimator.forecast(
        Volume(100, "day", SIZE), model="gpt-4o",
        options=ForecastOptions(months=3.0, start="2024-06-01", budget=100.5, growth_pct=2.5)).budget == Decimal("100.5")),
    ("route-float-price", lambda: estimator.route(TrafficMix(1000, 0.2, 0.5), estimator.JobSize(1, 500, 100),
                                                  model="gpt-4o", as_of=DAY, input_price=2.5).daily_cost
     == estimator.route(TrafficMix(1000, 0.2, 0.5), estimator.JobSize(1, 500, 100), model="gpt-4o", as_of=DAY,
                        input_price="2.50").daily_cost),
    ("repriced-float-output", lambda: total(est(output_tokens=5).repriced(output_tokens=40.0))
     == total(est(output_tokens=40))),
    ("output-ratio-float", lambda: OutputSpec(ratio=0.3).ratio == Decimal("0.3")),
    ("estimate-with-float-ratio", lambda: total(est(options=estimator.EstimateOptions(output=OutputSpec(ratio=0.5))))
     == total(est(options=estimator.EstimateOptions(output=OutputSpec(ratio=Decimal("0.5")))))),
    ("sample-rows-float-and-numpy-seed", lambda: CountOptions(sample_rows=100.0, seed=np.int64(3))
     == CountOptions(sample_rows=100, seed=3)),
    ("read-options-flag", lambda: ReadOptions(skip_bad_rows=np.bool_(True)).skip_bad_rows is True),
    ("queue-limit-1e6", lambda: QueueLimit(enqueued_tokens=1e6).enqueued_tokens == 1_000_000),
    ("batch-file-options-float", lambda: BatchFileOptions(max_tokens=50.0).max_tokens == 50),
    ("exercise-int-value-and-float-wait", lambda: run_exercise(BOOK, value_per_hour=50, wait_hours=24.0).to_json()
     == run_exercise(BOOK, value_per_hour=Decimal(50), wait_hours=Decimal(24)).to_json()),
    ("estimate-to-json-dumps", lambda: json.loads(json.dumps(est(output_tokens=5).to_json()))["as_of"] == "2024-05-13"),
    ("plan-to-json-dumps", lambda: isinstance(json.loads(json.dumps(plan(estimator.PlanOptions()).to_json()))
                                              ["costs"]["standard"]["total"], str)),
    ("reconcile-numpy-output", lambda: json.dumps(estimator.reconcile(
        EXAMPLES / "openai-batch.jsonl", EXAMPLES / "openai-batch-results.jsonl", EXAMPLES / "openai-batch-errors.jsonl",
        output_tokens=np.int64(2)).to_json()) != ""),
]


@pytest.mark.parametrize("call", [c for _, c in NATURAL], ids=[name for name, _ in NATURAL])
def test_a_natural_call_gives_the_number_meant(call: Callable[[], bool]) -> None:
    assert call() is True


# --------------------------------------------------------------------------
# Wrong calls: an EstimatorError naming the argument
# --------------------------------------------------------------------------

def dup_frame() -> pd.DataFrame:
    return pd.DataFrame([["a", "b", "c"]], columns=["text", "text", "id"])


WRONG: list[tuple[str, Callable[[], object], str]] = [
    ("estimate-model-int", lambda: estimator.estimate(TEXTS, model=4), "model"),  # type: ignore[arg-type]
    ("plan-model-int", lambda: estimator.plan(model=4, size=estimator.JobSize(1, 1, 1)), "model"),  # type: ignore[arg-type]
    ("price-model-int", lambda: estimator.price(USAGE, 4), "model"),  # type: ignore[arg-type]
    ("count_tokens-model-int", lambda: estimator.count_tokens("hi", model=4), "model"),  # type: ignore[arg-type]
    ("write_batch-model-none", lambda: estimator.write_batch(TEXTS, "x", model=None), "model"),  # type: ignore[arg-type]
    ("system-int", lambda: est(system=123), "system"),
    ("column-int", lambda: estimator.estimate(pd.DataFrame({"a": ["x"]}), model="gpt-4o", column=5), "column"),
    ("template-list", lambda: estimator.estimate(pd.DataFrame({"a": ["x"]}), model="gpt-4o", template=["{a}"]),
     "template"),
    ("duplicate-frame-columns", lambda: estimator.estimate(dup_frame(), model="gpt-4o", column="id"), "source"),
    ("output_tokens-10**30", lambda: est(output_tokens=10**30), "output_tokens"),
    ("output_tokens-fraction", lambda: est(output_tokens=2.5), "output_tokens"),
    ("output_tokens-bool", lambda: est(output_tokens=True), "output_tokens"),
    ("output_tokens-negative", lambda: est(output_tokens=-1), "output_tokens"),
    ("output_tokens-words", lambda: est(output_tokens="fifty"), "output_tokens"),
    ("max_tokens-zero", lambda: est(max_tokens=0), "max_tokens"),
    ("as_of-day-first", lambda: estimator.price(USAGE, "gpt-4o", as_of="13/05/2024"), "as_of"),
    ("as_of-int", lambda: estimator.price(USAGE, "gpt-4o", as_of=20240513), "as_of"),  # type: ignore[arg-type]
    ("input_price-nan", lambda: estimator.price(USAGE, "gpt-4o", input_price=float("nan")), "input_price"),  # type: ignore[arg-type]
    ("input_price-negative", lambda: estimator.price(USAGE, "gpt-4o", input_price=-1), "input_price"),  # type: ignore[arg-type]
    ("input_price-words", lambda: estimator.price(USAGE, "gpt-4o", input_price="cheap"), "input_price"),
    ("output_price-inf-in-options", lambda: estimator.EstimateOptions(output_price=float("inf")), "output_price"),  # type: ignore[arg-type]
    ("deadline-words", lambda: estimator.PlanOptions(deadline_hours="soon"), "deadline_hours"),  # type: ignore[arg-type]
    ("value_per_hour-negative", lambda: estimator.PlanOptions(value_per_hour=-5), "value_per_hour"),  # type: ignore[arg-type]
    ("urgent_share-above-one", lambda: estimator.PlanOptions(urgent_share=1.5), "urgent_share"),  # type: ignore[arg-type]
    ("hit_rate-inf", lambda: CacheParams(hit_rate=float("inf")), "hit_rate"),  # type: ignore[arg-type]
    ("cancel_share-bool", lambda: EarlyExitParams(cancel_share=True), "cancel_share"),  # type: ignore[arg-type]
    ("flex_refused_share-one", lambda: TierParams(flex_refused_share=1), "flex_refused_share"),  # type: ignore[arg-type]
    ("rows-beyond-any-job", lambda: estimator.JobSize(10**16, 1, 1), "rows"),
    ("rows-fraction", lambda: estimator.JobSize(2.5, 1, 1), "rows"),  # type: ignore[arg-type]
    ("tokens-per-row-negative", lambda: estimator.JobSize(10, -1, 1), "input_tokens_per_row"),
    ("rpm-zero", lambda: RateLimits(rpm=0), "rpm"),
    ("latency-zero", lambda: Throughput(latency_seconds=0), "latency_seconds"),  # type: ignore[arg-type]
    ("growth-beyond-the-bound", lambda: Volume(10, "day", SIZE, 2000), "monthly_growth_pct"),  # type: ignore[arg-type]
    ("mode-mix-share-words", lambda: ModeMix("x", {"batch": "half"}), "shares"),  # type: ignore[dict-item]
    ("usage-fraction", lambda: estimator.price({"requests": 2.5}, "gpt-4o"), "usage"),  # type: ignore[dict-item]
    ("usage-unknown-key", lambda: estimator.price({"tokens": 5}, "gpt-4o"), "usage"),
    ("prices-a-path", lambda: estimator.estimate(TEXTS, model="gpt-4o", prices="openai.toml"), "prices"),  # type: ignore[arg-type]
    ("options-of-another-kind", lambda: estimator.estimate(TEXTS, model="gpt-4o", options=estimator.PlanOptions()),  # type: ignore[arg-type]
     "options"),
    ("plan-size-a-tuple", lambda: estimator.plan(model="gpt-4o", size=(10, 5, 5)), "size"),  # type: ignore[arg-type]
    ("reconcile-output-fraction", lambda: estimator.reconcile(EXAMPLES / "openai-batch.jsonl",
                                                             EXAMPLES / "openai-batch-results.jsonl", output_tokens=1.5),  # type: ignore[arg-type]
     "output_tokens"),
    ("write_batch-prefix-int", lambda: estimator.write_batch(TEXTS, 5, model="gpt-4o"), "prefix"),  # type: ignore[arg-type]
    ("overwrite-yes", lambda: BatchFileOptions(overwrite="yes"), "overwrite"),  # type: ignore[arg-type]
    ("dask-int", lambda: estimator.EstimateOptions(dask=1), "dask"),  # type: ignore[arg-type]
    ("count_tokens-int", lambda: estimator.count_tokens(5), "text_or_messages"),  # type: ignore[arg-type]
    ("forecast-horizon-zero", lambda: build_forecast(BOOK.model("gpt-4o", DAY), Volume(1, "day", SIZE),
                                                     [ModeMix("s", {"standard": 1})], start=DAY, horizon_months=0),
     "horizon_months"),
    ("forecast-budget-words", lambda: build_forecast(BOOK.model("gpt-4o", DAY), Volume(1, "day", SIZE),
                                                     [ModeMix("s", {"standard": 1})], start=DAY, budget="lots"),  # type: ignore[arg-type]
     "budget"),
    ("hybrid-shares-over-one", lambda: hybrid_mix(0.8, 0.5), "batch_share"),  # type: ignore[arg-type]
    ("request-size-words", lambda: RequestSize.per_request("many", 1), "input_tokens"),
    ("forecast-model-int", lambda: estimator.forecast(Volume(1, "day", SIZE), model=4), "model"),  # type: ignore[arg-type]
    ("forecast-months-zero", lambda: ForecastOptions(months=0), "months"),
    ("forecast-budget-negative", lambda: ForecastOptions(budget=-1), "budget"),  # type: ignore[arg-type]
    ("forecast-growth-beyond", lambda: ForecastOptions(growth_pct=5000), "growth_pct"),  # type: ignore[arg-type]
    ("forecast-start-words", lambda: ForecastOptions(start="next month"), "start"),
    ("route-model-int", lambda: estimator.route(TrafficMix(10, 0), estimator.JobSize(1, 5, 5), model=4), "model"),  # type: ignore[arg-type]
    ("route-mix-a-dict", lambda: estimator.route({"daily_requests": 10}, estimator.JobSize(1, 5, 5), model="gpt-4o"),  # type: ignore[arg-type]
     "mix"),
    ("repriced-output-fraction", lambda: est(output_tokens=5).repriced(output_tokens=2.5), "output_tokens"),
    ("repriced-output-never-counted", lambda: est().repriced(output_tokens=40), "output_tokens"),
    ("repriced-prices-a-dict", lambda: est().repriced(prices={}), "prices"),  # type: ignore[arg-type]
    ("read-encoding-int", lambda: ReadOptions(encoding=5), "encoding"),  # type: ignore[arg-type]
    ("read-format-unknown", lambda: ReadOptions(format="docx"), "source_format"),
    ("read-skip-words", lambda: ReadOptions(skip_bad_rows="yes"), "skip_bad_rows"),  # type: ignore[arg-type]
    ("output-ratio-negative", lambda: OutputSpec(ratio=-1), "output_ratio"),  # type: ignore[arg-type]
    ("output-fixed-fraction", lambda: OutputSpec(fixed=2.5), "output_tokens"),  # type: ignore[arg-type]
    ("output-column-int", lambda: OutputSpec(column=3), "output_column"),  # type: ignore[arg-type]
    ("output-max-tokens-zero", lambda: OutputSpec(max_tokens=0), "max_tokens"),
    ("sample-rows-fraction", lambda: CountOptions(sample_rows=1.5), "sample_rows"),  # type: ignore[arg-type]
    ("workers-zero", lambda: CountOptions(workers=0), "workers"),
    ("progress-not-callable", lambda: CountOptions(progress="yes"), "progress"),  # type: ignore[arg-type]
    ("seed-negative", lambda: CountOptions(seed=-1), "seed"),
    ("exercise-price-zero", lambda: run_exercise(BOOK, price_per_mtok=0), "price_per_mtok"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("call", "name"), [(c, n) for _, c, n in WRONG], ids=[i for i, _, _ in WRONG])
def test_a_wrong_call_names_the_argument(call: Callable[[], object], name: str) -> None:
    with pytest.raises(EstimatorError) as info:
        call()
    assert info.value.param == name
    # ``source`` is positional: the message names the source itself (``<DataFrame>: ...``)
    word = "DataFrame" if name == "source" else python_name(name).rstrip("=")
    assert word in str(info.value), str(info.value)


def test_the_table_is_long_enough() -> None:
    assert len(NATURAL) + len(WRONG) >= 40


def test_duplicate_frame_columns_are_named_with_what_to_do() -> None:
    with pytest.raises(DataError) as info:
        estimator.estimate(dup_frame(), model="gpt-4o", column="id")
    assert "'text'" in str(info.value) and "rename" in str(info.value)


def test_a_float_is_read_by_the_digits_typed_not_its_binary_value() -> None:
    assert estimator.PlanOptions(value_per_hour=0.1).value_per_hour == Decimal("0.1")
    assert Decimal(0.1) != Decimal("0.1")  # what reading the binary value would give


# --------------------------------------------------------------------------
# Messages name what exists in Python
# --------------------------------------------------------------------------


def test_an_unknown_model_points_to_the_python_way_of_adding_a_price() -> None:
    with pytest.raises(UnknownModelError) as info:
        estimator.price(USAGE, "gpt-zz")
    text = str(info.value)
    assert "prices=load_pricebook(extra_files=" in text and "price_files" not in text


def test_output_tokens_is_named_as_python_spells_it() -> None:
    with pytest.raises(UsageError) as info:
        est(output_tokens=-3)
    assert str(info.value).startswith("output_tokens=") and "output fixed" not in str(info.value)


def python_spellings() -> set[str]:
    """Every keyword of a public call and every field of a public option or result class."""
    names: set[str] = set()
    for module_name in ("estimator", *(f"estimator.{m}" for m in ("errors", "modes", "reading", "counting", "pricing", "piloting",
                                                                   "batch", "planning", "report", "tokens", "usage"))):
        module = __import__(module_name, fromlist=["__all__"])
        for name in module.__all__:
            value = getattr(module, name)
            if dataclasses.is_dataclass(value):
                names |= {f.name for f in dataclasses.fields(value)}
            if callable(value):
                try:
                    names |= set(inspect.signature(value).parameters)
                except (TypeError, ValueError):
                    pass
    return names


def settings_named_in_core_messages() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] in ("cli", "ui"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "param"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_every_setting_a_core_message_names_exists_in_python() -> None:
    spelled = python_spellings()
    assert {"output_tokens", "value_per_hour", "ratio", "extra_files"} <= spelled
    missing = sorted(name for name in settings_named_in_core_messages()
                     if name not in spelled and python_name(name) == f"{name}=")
    assert missing == []


# --------------------------------------------------------------------------
# Results: plain JSON, a short repr, a table
# --------------------------------------------------------------------------


def results() -> list[tuple[str, Callable[[], Any]]]:
    return [
        ("price", lambda: estimator.price(USAGE, "gpt-4o", as_of=DAY)),
        ("estimate", lambda: estimator.estimate(EXAMPLES / "reviews.csv", model="gpt-4o", column="review",
                                                output_tokens=50, as_of=DAY, prices=BOOK)),
        ("plan", lambda: plan(estimator.PlanOptions(value_per_hour=50))),
        ("forecast", lambda: build_forecast(BOOK.model("gpt-4o", DAY), Volume(100, "day", SIZE),
                                            [ModeMix("all standard", {"standard": 1}), ModeMix("all batch", {"batch": 1})],
                                            start=dt.date(2024, 6, 1), horizon_months=3)),
        ("forecast-call", lambda: estimator.forecast(Volume(100, "day", SIZE), model="gpt-4o",
                                                     options=ForecastOptions(months=2, start="2024-06-01"))),
        ("route-call", lambda: estimator.route(TrafficMix(1000, 0.2, 0.5), estimator.JobSize(1, 500, 100),
                                               model="gpt-4o", as_of=DAY)),
        ("routing", lambda: route_traffic(TrafficMix(1000, 0.2, 0.5, backfill_requests=500), SIZE,
                                          BOOK.price("gpt-4o", DAY))),
        ("exercise", lambda: run_exercise(BOOK)),
        ("reconciliation", lambda: estimator.reconcile(EXAMPLES / "openai-batch.jsonl",
                                                       EXAMPLES / "openai-batch-results.jsonl",
                                                       EXAMPLES / "openai-batch-errors.jsonl")),
    ]


def plain(value: object) -> bool:
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, list):
        return all(plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    return False


@pytest.mark.parametrize("make", [m for _, m in results()], ids=[n for n, _ in results()])
def test_every_result_reads_as_plain_json_a_short_repr_and_a_table(make: Callable[[], Any]) -> None:
    result = make()
    doc = result.to_json()
    assert plain(doc)
    assert json.loads(json.dumps(doc)) == doc
    assert doc == to_plain(result.as_dict())
    text = repr(result)
    assert len(text) <= 400 and text.count("\n") <= 3, text
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(result.table()) > 0
    html = result._repr_html_()
    assert html.startswith("<table>") and "<script" not in html


def test_amounts_in_json_are_decimal_strings_never_floats() -> None:
    result = estimator.estimate(EXAMPLES / "reviews.csv", model="gpt-4o", column="review", output_tokens=50,
                                as_of=DAY, prices=BOOK)
    cost = result.to_json()["modes"]["batch"]["total_cost"]
    assert isinstance(cost, str) and Decimal(cost) == result.comparison.modes["batch"].total_cost


def test_the_estimate_table_has_one_row_per_mode() -> None:
    result = estimator.estimate(EXAMPLES / "reviews.csv", model="gpt-4o", column="review", output_tokens=50,
                                as_of=DAY, prices=BOOK)
    frame = result.to_frame()
    assert list(frame["mode"]) == list(result.comparison.modes)
    assert list(frame["total_cost"]) == [c.total_cost for c in result.comparison.modes.values()]


def test_html_escapes_text() -> None:
    html = html_table([{"<name>": "<script>alert(1)</script>", "cost": Decimal("0.50")}], caption="a & b")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;name&gt;" in html and "a &amp; b" in html
    assert "<td>0.50</td>" in html


def test_a_source_preview_reads_as_plain_json() -> None:
    doc = preview(EXAMPLES / "reviews.csv").to_json()
    assert plain(doc) and json.loads(json.dumps(doc)) == doc
