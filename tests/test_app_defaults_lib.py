"""The library pieces behind the app's defaults: the suggested text column, the money format,
and a fixed output length applied to a counted profile without re-reading the file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimator.counting import OutputSpec
from estimator.counting.dataset import count_dataset
from estimator.counting.prompts import RequestShape
from estimator.money import format_price, format_usd
from estimator.pricing import load_pricebook
from estimator.reading import suggest_text_column
from estimator.reading.columns import first_rows
from estimator.reading.dataset import open_dataset

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_reviews_example_suggests_the_review_column() -> None:
    with open_dataset(EXAMPLES / "reviews.csv") as ds:
        column, reason, warnings = suggest_text_column(ds.info.columns, first_rows(ds))
    assert column == "review"
    assert "longest text column" in reason and "id" in reason
    assert warnings == ()


@pytest.mark.parametrize(
    ("columns", "rows", "expected"),
    [
        (("id", "title", "body"),
         [{"id": str(i), "title": "Fix crash", "body": f"This change fixes crash {i} when the file is empty."}
          for i in range(20)], "body"),
        (("uuid", "lang", "translation"),
         [{"uuid": f"3f2a-{i:04x}", "lang": "fr", "translation": "Bonjour tout le monde"} for i in range(20)],
         "translation"),
        (("row", "score", "created", "docstring", "name"),
         [{"row": str(i), "score": "0.5", "created": "2024-01-02", "name": f"fn_{i}",
           "docstring": "Return the sum of two numbers, rounded half-up."} for i in range(20)], "docstring"),
        (("user_id", "text", "notes"),
         [{"user_id": "u1", "text": "short note here", "notes": "short note here!"}], "text"),
        (("url", "sha", "summary"),
         [{"url": f"https://example.org/project/commit/{i:040x}/files?view=split&context=full",
           "sha": f"{i:040x}", "summary": "Bump the parser and fix two typos"} for i in range(20)], "summary"),
        (("path", "name", "doc"),
         [{"path": f"src/pkg/module_{i}/implementation_details_{i}.py", "name": f"pkg.module_{i}.func",
           "doc": "Parse the header."} for i in range(20)], "doc"),
        (("id", "lang", "translation"),
         [{"id": str(i), "lang": "zh", "translation": "这是一个很长的句子，用来测试没有空格的语言。"} for i in range(20)],
         "translation"),
    ],
    ids=["body-not-first", "translation-after-ids", "docstring-among-numbers", "named-text-wins-near-tie",
         "links-and-hashes-are-not-text", "paths-and-dotted-names-are-not-text", "text-without-spaces"],
)
def test_suggests_the_text_a_person_would(columns: tuple[str, ...], rows: list[dict[str, str]],
                                          expected: str) -> None:
    assert suggest_text_column(columns, rows).column == expected


def test_never_an_id_or_number_without_a_warning() -> None:
    rows = [{"id": f"r{i:03d}", "count": str(i * 7)} for i in range(50)]
    choice = suggest_text_column(["id", "count"], rows)
    assert choice.warnings and "not text" in choice.warnings[0]


def test_no_rows_falls_back_to_a_text_name() -> None:
    assert suggest_text_column(["id", "body"], []).column == "body"


@pytest.mark.parametrize(
    ("amount", "text"),
    [("0", "$0.00"), ("0.6", "$0.60"), ("-0.6", "-$0.60"), ("922.456", "$922.46"), ("0.0001", "$0.0001"),
     ("0.000054", "$0.000054"), ("0.0075", "$0.0075"), ("1234567.891", "$1,234,567.89"), ("0.00995", "$0.01"),
     ("-0.00031", "-$0.00031")],
    ids=lambda v: v,
)
def test_money_format(amount: str, text: str) -> None:
    assert format_usd(Decimal(amount)) == text


def test_under_a_cent_reads_as_less_than_a_cent() -> None:
    assert format_usd(Decimal("0.0004"), under_a_cent=True) == "< $0.01"
    assert format_usd(Decimal("12.345"), under_a_cent=True) == "$12.35"


@pytest.mark.parametrize(("price", "text"), [("5", "$5.00"), ("0.075", "$0.075"), ("2.5", "$2.50")])
def test_price_format_keeps_every_digit(price: str, text: str) -> None:
    assert format_price(Decimal(price)) == text


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, places=8))
def test_money_never_reads_as_zero_unless_zero(amount: Decimal) -> None:
    text = format_usd(amount)
    assert (text == "$0.00") == (amount == 0)
    assert text.startswith("-") == (amount < 0 and text != "$0.00")


@pytest.mark.parametrize(("fixed", "cap"), [(50, None), (200, None), (200, 120), (0, 10)])
def test_fixed_output_applied_equals_a_count_with_it(tmp_path: Path, fixed: int, cap: int | None) -> None:
    book = load_pricebook()
    model = book.model("gpt-4o")
    price = book.price(model.id, dt.date(2026, 12, 5))
    path = EXAMPLES / "reviews.csv"
    shape = RequestShape(column="review", template=None, system=None)

    def counted(output: OutputSpec):  # type: ignore[no-untyped-def]
        return count_dataset(path, model=model, shape=shape, output=output, price=price)

    direct = counted(OutputSpec(fixed=fixed, max_tokens=cap))
    applied = counted(OutputSpec(fixed=0, max_tokens=cap)).with_fixed_output(fixed, cap)
    for field in ("output_tokens", "output_tokens_worst", "output_per_row", "tiers", "max_tokens", "notes",
                  "input_tokens", "over_context_rows"):
        assert getattr(applied, field) == getattr(direct, field), field


def test_cost_bars_use_one_colour_per_legend_entry() -> None:
    from estimator.charts import ModeBar, mode_costs

    fig = mode_costs([ModeBar("standard", "Standard", Decimal(1), Decimal(2)),
                      ModeBar("batch", "Batch", Decimal("0.5"), Decimal(1))])
    for trace in fig.data:
        assert isinstance(trace.marker.color, str), trace.name


def test_a_long_tail_is_binned_by_ratio_and_drawn_readably() -> None:
    import numpy as np

    from estimator.charts import token_distribution
    from estimator.counting.profile import Histogram

    h = Histogram()
    h.add(np.array([30] * 9970 + [40] * 20 + [5000] * 10))
    bins = h.bins()
    assert max(rows for *_, rows in bins) < 10_000 and len(bins) >= 3  # the tail has its own bins
    d = h.distribution()
    fig = token_distribution(None, stats={"p50": d.p50, "p95": d.p95, "max": d.max}, bins=bins)
    assert fig.layout.yaxis.type == "log" and fig.layout.xaxis.type == "category"
    positions = [(a.x, a.y) for a in fig.layout.annotations]
    assert len(positions) == len(set(positions))  # no two labels on the same spot


def test_sampled_statistics_use_a_log_scale_when_they_span_decades() -> None:
    from estimator.charts import token_distribution

    fig = token_distribution(None, stats={"min": 3, "p50": 40, "mean": 60, "p95": 300, "max": 90_000})
    assert fig.layout.yaxis.type == "log"


def test_two_waits_are_drawn_in_two_styles() -> None:
    from estimator.charts import SavingsCase, savings_vs_time_value

    cases = [SavingsCase("1M rows", Decimal(7500), Decimal(24)), SavingsCase("1k rows", Decimal("7.5"), Decimal(2))]
    fig = savings_vs_time_value([1, 10, 100, 1000], cases)
    dashes = [t.line.dash for t in fig.data if t.meta == "wait-cost"]
    assert len(dashes) == 2 and len(set(dashes)) == 2


def test_the_cli_suggests_a_column_when_none_is_given() -> None:
    from click.testing import CliRunner

    from estimator.cli import main

    result = CliRunner().invoke(main, ["estimate", str(EXAMPLES / "reviews.csv"), "--model", "gpt-4o"])
    assert result.exit_code != 0
    assert "--column" in result.output and "probably review" in result.output


def test_a_difference_adds_up_as_shown() -> None:
    from estimator.money import shown_difference

    assert format_usd(shown_difference(Decimal("15.45"), Decimal("7.725"))) == "$7.72"
    assert format_usd(Decimal("15.45")) == "$15.45" and format_usd(Decimal("7.725")) == "$7.73"
    assert shown_difference(Decimal("0.004"), Decimal("0.002")) == Decimal("0.002")


def test_long_runs_without_spaces_are_data_not_text_but_cjk_prose_is_text() -> None:
    from estimator.reading import suggest_text_column

    rows = [{"id": str(i), "text": f"Where is my order? ticket {i}", "blob": "0123456789abcdef" * 100,
             "zh": "配送はいつになりますか" * 10} for i in range(20)]
    assert suggest_text_column(["id", "text", "blob"], rows).column == "text"
    assert suggest_text_column(["id", "blob", "zh"], rows).column == "zh"
