"""Batch logistics: files under per-file limits, waves under the queue limit, expiry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pricing_tables import GPT4O_LAUNCH, parse, provider_toml

from estimator.batch.logistics import (
    FileLimits,
    QueueLimit,
    assign_waves,
    expiry_outcome,
    plan_measured,
    plan_uniform,
    split_rows,
    split_uniform,
)
from estimator.errors import DataError, EstimatorError, UsageError
from estimator.modes import compare
from estimator.pricing import BatchRule
from estimator.usage import Usage

MIB200 = 200 * 1024 * 1024  # OpenAI's "200 MB" as the shipped table writes it


def rule(max_requests: int | None = 50_000, max_bytes: int | None = MIB200, window: int = 24) -> BatchRule:
    return BatchRule(Decimal("0.5"), "stack", window, max_requests, max_bytes, "https://example.test/batch",
                     dt.date(2025, 1, 1))


OPENAI = rule()
ANTHROPIC = rule(100_000, 256 * 1024 * 1024)


# --------------------------------------------------------------------------
# Files at the limits
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "files"),
    [
        pytest.param(49_999, 1, id="just-under-50k"),
        pytest.param(50_000, 1, id="exactly-50k"),
        pytest.param(50_001, 2, id="just-over-50k"),
        pytest.param(100_000, 2, id="two-full"),
        pytest.param(100_001, 3, id="two-full-plus-one"),
    ],
)
def test_request_limit_uniform(rows: int, files: int) -> None:
    plan = plan_uniform("gpt-4o", rows, line_bytes=300, input_tokens_per_request=50, rule=OPENAI)
    assert len(plan.files) == files
    assert plan.requests == rows
    assert all(f.requests <= 50_000 for f in plan.files)
    assert plan.files[-1].last_row == rows


@pytest.mark.parametrize(
    ("rows", "files"),
    [
        pytest.param(49_999, 1, id="just-under-50k"),
        pytest.param(50_000, 1, id="exactly-50k"),
        pytest.param(50_001, 2, id="just-over-50k"),
    ],
)
def test_request_limit_measured(rows: int, files: int) -> None:
    items = ((r, 300, 50) for r in range(1, rows + 1))
    plan = plan_measured("gpt-4o", items, rule=OPENAI)
    assert len(plan.files) == files
    assert [f.requests for f in plan.files] == ([rows] if files == 1 else [50_000, rows - 50_000])


@pytest.mark.parametrize(
    ("line_bytes", "rows", "files"),
    [
        # 200 MiB = 209,715,200 bytes = 41,943 lines of 5,000 bytes and 200 bytes to spare.
        pytest.param(5_000, 41_943, 1, id="under-200MB"),
        pytest.param(5_000, 41_944, 2, id="over-200MB"),
        # 200 MiB / 4,096 = 51,200 lines, but the request limit (50,000) binds first.
        pytest.param(4_096, 50_000, 1, id="requests-bind-first"),
    ],
)
def test_byte_limit_uniform(line_bytes: int, rows: int, files: int) -> None:
    plan = plan_uniform("gpt-4o", rows, line_bytes=line_bytes, input_tokens_per_request=100, rule=OPENAI)
    assert len(plan.files) == files
    assert all(f.bytes <= MIB200 for f in plan.files)
    assert plan.bytes == rows * line_bytes


def test_byte_limit_exact_to_the_byte() -> None:
    half = MIB200 // 2
    exactly = split_rows([(1, half, 0), (2, MIB200 - half, 0)], FileLimits.from_rule(OPENAI))
    over = split_rows([(1, half, 0), (2, MIB200 - half + 1, 0)], FileLimits.from_rule(OPENAI))
    assert [s.bytes for s in exactly] == [MIB200]
    assert [(s.first_row, s.last_row) for s in over] == [(1, 1), (2, 2)]


def test_shipped_openai_limits_give_one_or_two_files() -> None:
    from estimator.pricing import load_pricebook

    try:
        shipped = load_pricebook().model("gpt-4o").price_on(dt.date(2025, 1, 1)).batch_rule
    except EstimatorError:  # pragma: no cover - before the tables ship
        pytest.skip("shipped pricing tables not available")
    assert shipped is not None and shipped.max_requests_per_file and shipped.max_bytes_per_file
    n = shipped.max_requests_per_file
    assert len(plan_uniform("gpt-4o", n, line_bytes=100, input_tokens_per_request=1, rule=shipped).files) == 1
    assert len(plan_uniform("gpt-4o", n + 1, line_bytes=100, input_tokens_per_request=1, rule=shipped).files) == 2
    per_line = shipped.max_bytes_per_file // 1000  # 1,000 lines fill a file to within 1,000 bytes
    assert len(plan_uniform("gpt-4o", 1000, line_bytes=per_line, input_tokens_per_request=1, rule=shipped).files) == 1
    assert len(plan_uniform("gpt-4o", 1001, line_bytes=per_line, input_tokens_per_request=1, rule=shipped).files) == 2


def test_one_line_too_big_for_any_file_names_the_row() -> None:
    with pytest.raises(DataError, match="row 7: its request line is 300 bytes"):
        split_rows([(6, 10, 0), (7, 300, 0)], FileLimits(max_bytes=200))
    with pytest.raises(DataError, match="larger than a whole batch file"):
        split_uniform(10, 300, 1, FileLimits(max_bytes=200))


def test_bad_limits_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        FileLimits(max_requests=0)
    with pytest.raises(UsageError):
        QueueLimit(enqueued_tokens=-1)


def test_no_rule_needs_a_window() -> None:
    with pytest.raises(UsageError, match="completion window"):
        plan_uniform("m", 10, line_bytes=10, input_tokens_per_request=1, rule=None)
    plan = plan_uniform("m", 10, line_bytes=10, input_tokens_per_request=1, rule=None, window_hours=48)
    assert plan.worst_case_hours == 48


# --------------------------------------------------------------------------
# Waves under the queue limit
# --------------------------------------------------------------------------


def test_openai_tier1_queue_caps_files_and_makes_waves() -> None:
    # 90,000 enqueued tokens (gpt-4o, Tier 1), 1,000 prompt tokens a row: 90 rows a file, one file a wave.
    plan = plan_uniform("gpt-4o", 1_000, line_bytes=4_100, input_tokens_per_request=1_000, rule=OPENAI,
                        queue=QueueLimit(enqueued_tokens=90_000))
    assert len(plan.files) == 12  # ceil(1,000 / 90)
    assert plan.waves == 12
    assert plan.worst_case_hours == Decimal(288)  # 12 × 24 h
    assert plan.typical_hours == Decimal(72)  # 12 × the 6 h default
    assert all(f.input_tokens <= 90_000 for f in plan.files)


def test_several_files_share_a_wave() -> None:
    # Files of 50,000 requests × 10 tokens = 500,000 tokens; 1,350,000 enqueued tokens hold two of them.
    plan = plan_uniform("gpt-4o", 250_000, line_bytes=200, input_tokens_per_request=10, rule=OPENAI,
                        queue=QueueLimit(enqueued_tokens=1_350_000))
    assert len(plan.files) == 5
    assert [f.wave for f in plan.files] == [1, 1, 2, 2, 3]
    assert plan.waves == 3
    assert plan.worst_case_hours == 72


def test_anthropic_request_queue() -> None:
    plan = plan_uniform("claude", 250_000, line_bytes=500, input_tokens_per_request=100, rule=ANTHROPIC,
                        queue=QueueLimit(enqueued_requests=100_000))
    assert [f.requests for f in plan.files] == [100_000, 100_000, 50_000]
    assert plan.waves == 3


def test_without_queue_limit_everything_is_one_wave() -> None:
    plan = plan_uniform("gpt-4o", 1_000_000, line_bytes=300, input_tokens_per_request=500, rule=OPENAI)
    assert len(plan.files) == 20
    assert plan.waves == 1
    assert plan.worst_case_hours == 24


def test_prompt_bigger_than_the_queue_is_a_data_error() -> None:
    with pytest.raises(DataError, match="enqueued tokens"):
        plan_uniform("gpt-4o", 10, line_bytes=300, input_tokens_per_request=100_000, rule=OPENAI,
                     queue=QueueLimit(enqueued_tokens=90_000))
    with pytest.raises(DataError, match="row 2"):
        plan_measured("gpt-4o", [(1, 10, 5), (2, 10, 100_000)], rule=OPENAI, queue=QueueLimit(enqueued_tokens=90_000))


def test_typical_time_must_fit_the_window() -> None:
    with pytest.raises(UsageError, match="cannot exceed"):
        plan_uniform("gpt-4o", 10, line_bytes=10, input_tokens_per_request=1, rule=OPENAI,
                     typical_wave_hours=Decimal(25))


def test_fractional_tokens_per_request_add_up() -> None:
    spans = split_uniform(7, 10, Fraction(2, 3), FileLimits(max_requests=3))
    assert [s.requests for s in spans] == [3, 3, 1]
    assert sum(s.input_tokens for s in spans) == 5  # ceil(7 × 2/3)


# --------------------------------------------------------------------------
# Properties: the uniform shortcut agrees with the row-by-row splitter
# --------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    rows=st.integers(min_value=0, max_value=400),
    line=st.integers(min_value=1, max_value=50),
    tokens=st.integers(min_value=0, max_value=20),
    max_requests=st.none() | st.integers(min_value=1, max_value=60),
    max_bytes=st.none() | st.integers(min_value=50, max_value=900),
    queue=st.none() | st.integers(min_value=20, max_value=2_000),
)
def test_uniform_matches_measured(rows: int, line: int, tokens: int, max_requests: int | None,
                                  max_bytes: int | None, queue: int | None) -> None:
    r = rule(max_requests, max_bytes)
    q = QueueLimit(enqueued_tokens=queue)
    uniform = plan_uniform("m", rows, line_bytes=line, input_tokens_per_request=tokens, rule=r, queue=q)
    measured = plan_measured("m", ((i, line, tokens) for i in range(1, rows + 1)), rule=r, queue=q)
    key = [(f.first_row, f.last_row, f.requests, f.bytes, f.input_tokens, f.wave) for f in uniform.files]
    assert key == [(f.first_row, f.last_row, f.requests, f.bytes, f.input_tokens, f.wave) for f in measured.files]
    for f in measured.files:
        assert max_requests is None or f.requests <= max_requests
        assert max_bytes is None or f.bytes <= max_bytes
        assert queue is None or f.input_tokens <= queue
    assert sum(f.requests for f in measured.files) == rows


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 30)), max_size=200),
       st.integers(min_value=40, max_value=300), st.integers(min_value=30, max_value=400))
def test_waves_respect_the_queue(sizes: list[tuple[int, int]], max_bytes: int, queue: int) -> None:
    spans = split_rows(((i + 1, b, t) for i, (b, t) in enumerate(sizes)), FileLimits(max_bytes=max_bytes,
                                                                                      max_input_tokens=queue))
    files = assign_waves(spans, QueueLimit(enqueued_tokens=queue))
    per_wave: dict[int, int] = {}
    for f in files:
        per_wave[f.wave] = per_wave.get(f.wave, 0) + f.input_tokens
    assert all(v <= queue for v in per_wave.values())
    assert [f.first_row for f in files] == sorted(f.first_row for f in files)
    assert sum(f.requests for f in files) == len(sizes)


# --------------------------------------------------------------------------
# Expired batches
# --------------------------------------------------------------------------

def test_expiry_bills_only_completed_requests() -> None:
    price = parse(provider_toml(GPT4O_LAUNCH)).models[0].price_on(dt.date(2025, 1, 1))
    cmp = compare(Usage(1_000, 1_000_000, 1_000_000), price)
    assert cmp.modes["batch"].total_cost == Decimal(10)  # (5 + 15) / 2
    plan = plan_uniform("gpt-4o", 1_000, line_bytes=100, input_tokens_per_request=1_000, rule=price.batch_rule)
    out = expiry_outcome(cmp, plan, Decimal("0.8"))
    assert (out.completed_requests, out.remainder_requests) == (800, 200)
    assert out.first_pass_cost == Decimal(8)
    assert out.resubmit_batch_cost == Decimal(2)
    assert out.resubmit_standard_cost == Decimal(4)
    assert out.total_if_resubmitted_as_batch == Decimal(10)
    assert out.total_if_resubmitted_as_standard == Decimal(12)
    assert out.extra_worst_case_hours_if_batch == 24
    done = expiry_outcome(cmp, plan, Decimal(1))
    assert done.remainder_requests == 0 and done.extra_worst_case_hours_if_batch == 0
    with pytest.raises(UsageError):
        expiry_outcome(cmp, plan, Decimal("1.5"))
