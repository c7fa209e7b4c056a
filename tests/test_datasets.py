"""count_dataset: exact per-row equality with tiktoken, every output spec, limits, sampling."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import sys
import threading
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from estimator import estimate
from estimator.counting import CountOptions, Distribution, OutputSpec, Progress, TokenProfile
from estimator.counting.dataset import count_dataset
from estimator.counting.prompts import RequestShape, build_messages
from estimator.errors import DataError, UsageError
from estimator.pricing import Model, Price, PriceBook, load_pricebook
from estimator.reading.source import ReadOptions
from estimator.tokens import chat_tokens, get_tokenizer
from estimator.tokens.encodings import load_encoding
from estimator.usage import Usage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_dataset import rows as generated_rows

LONG_CELL = ("Déjà vu, 東京 🚀 " + "supercalifragilistic expialidocious 12345 ") * 400
TRICKY = {
    "quotes-and-commas": 'She said "hi, there", then left, quietly.',
    "embedded-newlines": "line one\nline two\r\nline three\n",
    "emoji": "🚀 launch 👍🏽 ❤️ done 🇯🇵",
    "cjk": "日本語のテキストと中文客服，还有한국어",
    "NA": "NA",
    "null": "null",
    "empty": "",
    "leading-zeros": "007",
    "endoftext": "before <|endoftext|> after <|fim_prefix|>",
    "20000-chars": LONG_CELL[:20_000],
    "whitespace": "  \t  ",
}


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_pricebook()


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def tiktoken_chat(encoding: str, messages: list[dict[str, str]]) -> int:
    """OpenAI's chat framing, straight from tiktoken: 3 per message + role + content, 3 to prime."""
    enc = load_encoding(encoding)
    return 3 + sum(
        3 + len(enc.encode_ordinary(m["role"])) + len(enc.encode_ordinary(m["content"])) for m in messages
    )


def count(path: Path, model: Model, **kw: Any) -> TokenProfile:
    """``count_dataset`` with the reading and counting options given as plain keywords."""
    kw.setdefault("shape", RequestShape(column="text"))
    kw.setdefault("output", OutputSpec())
    read = ReadOptions(**{k: kw.pop(k) for k in ("format", "encoding", "delimiter") if k in kw},
                       skip_bad_rows=kw.pop("bad_rows", "error") == "skip")
    options = CountOptions(**{k: kw.pop(k) for k in ("sample_rows", "seed", "workers", "progress") if k in kw})
    return count_dataset(path, model=model, read=read, options=options, **kw)


# --------------------------------------------------------------------------
# Exactness
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "system", [None, "You are a terse assistant. Answer in one word."], ids=["no-system", "system"]
)
@pytest.mark.parametrize("model_id", ["gpt-4o", "gpt-4"], ids=["o200k", "cl100k"])
@pytest.mark.parametrize("name", list(TRICKY), ids=list(TRICKY))
def test_each_tricky_row_matches_tiktoken(
    tmp_path: Path, book: PriceBook, name: str, model_id: str, system: str | None
) -> None:
    text = TRICKY[name]
    model = book.model(model_id)
    path = write_csv(tmp_path / "one.csv", ["id", "text"], [["1", text]])
    shape = RequestShape(column="text", system=system)
    p = count(path, model, shape=shape)
    messages = build_messages(shape, text)
    expected = tiktoken_chat(model.tokenizer, messages)
    assert p.rows == 1
    assert p.input_tokens == expected == chat_tokens(messages, get_tokenizer(model.tokenizer))
    assert p.text_tokens == len(load_encoding(model.tokenizer).encode_ordinary(text))
    assert p.exact and p.sample is None


def test_all_tricky_rows_in_one_file(tmp_path: Path, book: PriceBook) -> None:
    texts = list(TRICKY.values())
    path = write_csv(tmp_path / "all.csv", ["id", "text"], [[str(i), t] for i, t in enumerate(texts)])
    shape = RequestShape(column="text", system="Be brief.")
    per_row = [tiktoken_chat("o200k_base", build_messages(shape, t)) for t in texts]
    p = count(path, book.model("gpt-4o"), shape=shape)
    assert (p.rows, p.input_tokens) == (len(texts), sum(per_row))
    assert (p.input_per_row.max, p.input_per_row.min) == (max(per_row), min(per_row))
    assert p.input_per_row.mean == Decimal(sum(per_row)) / len(per_row)
    assert p.framing_tokens == per_row[list(TRICKY).index("empty")]  # an empty text is all framing


def test_many_batches_and_threads_agree(tmp_path: Path, book: PriceBook) -> None:
    rows = list(generated_rows(3_000, seed=3))
    path = write_csv(tmp_path / "gen.csv", ["id", "text", "category", "expected_output_tokens"], rows)
    enc = load_encoding("o200k_base")
    expected = sum(len(enc.encode_ordinary(r[1])) for r in rows)
    one = count(path, book.model("gpt-4o"), workers=1)
    many = count(path, book.model("gpt-4o"))
    assert one.text_tokens == many.text_tokens == expected
    assert one.input_per_row == many.input_per_row


def test_template_rendering(tmp_path: Path, book: PriceBook) -> None:
    rows = [["Great {kettle}", "5", 'Boils fast, "really"'], ["NA", "", "007\nsecond line"]]
    path = write_csv(tmp_path / "t.csv", ["title", "stars", "body"], rows)
    template = "Review ({stars} stars): {title}\n{body}\nRepeat: {title} {{json}}"
    shape = RequestShape(template=template, system="Classify.")
    p = count(path, book.model("gpt-4o"), shape=shape)
    texts = [template.format(title=t, stars=s, body=b) for t, s, b in rows]
    assert texts[0].startswith("Review (5 stars): Great {kettle}") and texts[0].endswith("{json}")
    assert p.input_tokens == sum(tiktoken_chat("o200k_base", build_messages(shape, t)) for t in texts)


def test_empty_system_prompt_is_no_system_message(tmp_path: Path, book: PriceBook) -> None:
    path = write_csv(tmp_path / "s.csv", ["text"], [["hello"]])
    with_empty = count(path, book.model("gpt-4o"), shape=RequestShape(column="text", system=""))
    without = count(path, book.model("gpt-4o"))
    assert (
        with_empty.input_tokens
        == without.input_tokens
        == tiktoken_chat("o200k_base", [{"role": "user", "content": "hello"}])
    )


def test_jsonl_gives_the_same_counts(tmp_path: Path, book: PriceBook) -> None:
    texts = list(TRICKY.values())
    csv_path = write_csv(tmp_path / "a.csv", ["text"], [[t] for t in texts])
    jl = tmp_path / "a.jsonl"
    jl.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    assert count(csv_path, book.model("gpt-4o")).input_tokens == count(jl, book.model("gpt-4o")).input_tokens


# --------------------------------------------------------------------------
# Output specs
# --------------------------------------------------------------------------

OUT_ROWS = [
    ["short", "10", "Yes."],
    ["a much longer question about a refund, please", "250", "No, sorry: 🚫"],
    ["NA", "0", ""],
]


def _inputs(book: PriceBook) -> list[int]:
    return [tiktoken_chat("o200k_base", [{"role": "user", "content": r[0]}]) for r in OUT_ROWS]


def _example_tokens() -> list[int]:
    enc = load_encoding("o200k_base")
    return [len(enc.encode_ordinary(r[2])) for r in OUT_ROWS]


@pytest.mark.parametrize(
    ("spec", "expected", "worst"),
    [
        (OutputSpec(fixed=50), lambda b: [50, 50, 50], lambda b: [50, 50, 50]),
        (OutputSpec(column="n"), lambda b: [10, 250, 0], lambda b: [10, 250, 0]),
        (OutputSpec(column="n", max_tokens=100), lambda b: [10, 100, 0], lambda b: [100, 100, 100]),
        (OutputSpec(examples_column="answer"), lambda b: _example_tokens(), lambda b: _example_tokens()),
        (
            OutputSpec(ratio=Decimal("0.5")),
            lambda b: [math.ceil(i / 2) for i in _inputs(b)],
            lambda b: [math.ceil(i / 2) for i in _inputs(b)],
        ),
        (
            OutputSpec(ratio=Decimal("1.05"), max_tokens=12),
            lambda b: [min(12, math.ceil(i * 1.05)) for i in _inputs(b)],
            lambda b: [12, 12, 12],
        ),
        (OutputSpec(max_tokens=300), lambda b: [300, 300, 300], lambda b: [300, 300, 300]),
        (OutputSpec(fixed=500, max_tokens=100), lambda b: [100, 100, 100], lambda b: [100, 100, 100]),
    ],
    ids=[
        "fixed",
        "column",
        "column-capped",
        "examples",
        "ratio",
        "ratio-capped",
        "max-tokens-alone",
        "fixed-capped",
    ],
)
def test_output_specs(tmp_path: Path, book: PriceBook, spec: OutputSpec, expected, worst) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "o.csv", ["text", "n", "answer"], OUT_ROWS)
    p = count(path, book.model("gpt-4o"), output=spec)
    want, want_worst = expected(book), worst(book)
    assert p.output_tokens == sum(want)
    assert p.output_tokens_worst == sum(want_worst)
    assert p.output_per_row is not None and (p.output_per_row.max, p.output_per_row.min) == (
        max(want),
        min(want),
    )
    assert p.usage().output_tokens == sum(want)
    assert p.usage(worst_case=True).output_tokens == sum(want_worst)
    assert p.input_tokens == sum(_inputs(book))


def test_no_output_option_excludes_output_and_says_so(tmp_path: Path, book: PriceBook) -> None:
    path = write_csv(tmp_path / "o.csv", ["text", "n", "answer"], OUT_ROWS)
    p = count(path, book.model("gpt-4o"))
    assert (p.output_tokens, p.output_tokens_worst, p.output_per_row) == (0, None, None)
    assert any("EXCLUDED" in n for n in p.notes)


@pytest.mark.parametrize(
    "bad", ["12.5", "abc", "-3", "", "NA"], ids=["fraction", "word", "negative", "empty", "NA"]
)
def test_bad_output_number_names_row_and_column(tmp_path: Path, book: PriceBook, bad: str) -> None:
    path = write_csv(tmp_path / "o.csv", ["text", "n"], [["a", "1"], ["b", "2.0"], ["c", bad], ["d", "4"]])
    with pytest.raises(DataError, match=r"row 3, column 'n'"):
        count(path, book.model("gpt-4o"), output=OutputSpec(column="n"))
    p = count(path, book.model("gpt-4o"), output=OutputSpec(column="n"), bad_rows="skip")
    assert (p.rows, p.output_tokens, p.skipped_rows, p.skipped_first) == (3, 7, 1, (3,))
    assert p.input_tokens == sum(tiktoken_chat("o200k_base", [{"role": "user", "content": t}]) for t in "abd")


@pytest.mark.parametrize(
    "kw",
    [
        {"fixed": 1, "column": "n"},
        {"ratio": Decimal(-1)},
        {"fixed": -2},
        {"max_tokens": 0},
        {"ratio": Decimal("NaN")},
    ],
    ids=["two-ways", "negative-ratio", "negative-fixed", "zero-cap", "nan-ratio"],
)
def test_output_spec_usage_errors(kw: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        OutputSpec(**kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Files, limits, tiers
# --------------------------------------------------------------------------


def test_header_only_file_is_zero_rows(tmp_path: Path, book: PriceBook) -> None:
    path = tmp_path / "h.csv"
    path.write_text("id,text\n", encoding="utf-8")
    p = count(path, book.model("gpt-4o"), output=OutputSpec(fixed=10, max_tokens=20))
    assert (p.rows, p.input_tokens, p.text_tokens, p.output_tokens, p.output_tokens_worst) == (0, 0, 0, 0, 0)
    assert p.input_per_row.max == p.input_per_row.p95 == 0 and p.over_context_rows == 0
    assert p.usage() == Usage(0, 0, 0)


def test_missing_column_is_a_data_error(tmp_path: Path, book: PriceBook) -> None:
    path = write_csv(tmp_path / "m.csv", ["id", "review"], [["1", "x"]])
    with pytest.raises(DataError, match="'text'.*'id', 'review'"):
        count(path, book.model("gpt-4o"))
    with pytest.raises(DataError, match="'answers'"):
        count(
            path,
            book.model("gpt-4o"),
            shape=RequestShape(column="review"),
            output=OutputSpec(examples_column="answers"),
        )


def test_over_context_rows_are_reported_and_still_counted(tmp_path: Path, book: PriceBook) -> None:
    texts = ["tiny", "word " * 100, "ok then", "word " * 200]
    path = write_csv(tmp_path / "c.csv", ["text"], [[t] for t in texts])
    small = dataclasses.replace(book.model("gpt-4o"), context_window=100)
    p = count(path, small, output=OutputSpec(max_tokens=20))
    inputs = [tiktoken_chat("o200k_base", [{"role": "user", "content": t}]) for t in texts]
    over = [i + 1 for i, n in enumerate(inputs) if n + 20 > 100]
    assert over == [2, 4]
    assert (p.over_context_rows, p.over_context_first) == (2, (2, 4))
    assert p.input_tokens == sum(inputs)
    assert any("context window" in n for n in p.notes)


def _tiered(price: Price, above: int) -> Price:
    base = price.tiers[0] if price.tiers else None
    assert base is not None
    return dataclasses.replace(price, tiers=(dataclasses.replace(base, above_input_tokens=above),))


def test_long_context_tier_split(tmp_path: Path, book: PriceBook) -> None:
    tiered = next(p for m in book.models for p in m.prices if p.tiers)
    texts = ["short one", "word " * 40, "medium length text here", "word " * 80]
    path = write_csv(tmp_path / "t.csv", ["text"], [[t] for t in texts])
    price = _tiered(tiered, 30)
    p = count(path, book.model("gpt-4o"), price=price, output=OutputSpec(fixed=7, max_tokens=9))
    inputs = [tiktoken_chat("o200k_base", [{"role": "user", "content": t}]) for t in texts]
    above = [n for n in inputs if n > 30]
    assert len(above) == 2
    (tier,) = p.tiers
    assert (tier.above_input_tokens, tier.requests, tier.input_tokens, tier.output_tokens) == (
        30,
        2,
        sum(above),
        14,
    )
    assert p.usage(worst_case=True).tiers[0].output_tokens == 18


def test_no_tier_usage_when_no_request_crosses(tmp_path: Path, book: PriceBook) -> None:
    tiered = next(p for m in book.models for p in m.prices if p.tiers)
    path = write_csv(tmp_path / "t.csv", ["text"], [["a"], ["b"]])
    assert count(path, book.model("gpt-4o"), price=tiered).tiers == ()


def test_embeddings_count_text_only(tmp_path: Path, book: PriceBook) -> None:
    texts = list(TRICKY.values())
    path = write_csv(tmp_path / "e.csv", ["text"], [[t] for t in texts])
    model = book.model("text-embedding-3-small")
    p = count(path, model, output=OutputSpec(fixed=100))
    enc = load_encoding(model.tokenizer)
    assert p.input_tokens == p.text_tokens == sum(len(enc.encode_ordinary(t)) for t in texts)
    assert (p.output_tokens, p.output_per_row, p.framing_tokens) == (0, None, 0)
    with pytest.raises(UsageError, match="system"):
        count(path, model, shape=RequestShape(column="text", system="nope"))


def test_approximate_tokenizer_is_labelled(tmp_path: Path, book: PriceBook) -> None:
    model = next(m for m in book.models if m.tokenizer.startswith("approx:") and m.kind == "chat")
    path = write_csv(tmp_path / "a.csv", ["text"], [["hello there"], ["general kenobi"]])
    p = count(path, model)
    assert not p.exact and p.relative_uncertainty and "approx" in p.tokenizer
    tok = get_tokenizer(model.tokenizer)
    assert p.input_tokens == sum(
        chat_tokens(build_messages(RequestShape(column="text"), t), tok)
        for t in ("hello there", "general kenobi")
    )


# --------------------------------------------------------------------------
# Sampling through count_dataset
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "gen.csv"
    return write_csv(
        path, ["id", "text", "category", "expected_output_tokens"], list(generated_rows(4_000, seed=11))
    )


def test_sample_interval_contains_the_exact_count(generated: Path, book: PriceBook) -> None:
    model = dataclasses.replace(book.model("gpt-4o"), context_window=140)
    spec = OutputSpec(column="expected_output_tokens", max_tokens=30)
    exact = count(generated, model, output=spec)
    est = count(generated, model, output=spec, sample_rows=800, seed=5)
    s = est.sample
    assert s is not None and (s.sample_rows, s.population_rows) == (800, 4_000)
    assert s.ci_low <= exact.input_tokens <= s.ci_high
    assert s.plain_ci_high - s.plain_ci_low > s.ci_high - s.ci_low
    assert est.rows == exact.rows and est.exact  # the tokenizer is exact; the total is an estimate
    # exact where it can be: output from a column, and the context-window check
    assert est.output_tokens == exact.output_tokens
    assert exact.over_context_rows > 0
    assert (est.over_context_rows, est.over_context_first) == (
        exact.over_context_rows,
        exact.over_context_first,
    )


def test_sample_as_large_as_the_file_counts_exactly(generated: Path, book: PriceBook) -> None:
    exact = count(generated, book.model("gpt-4o"))
    again = count(generated, book.model("gpt-4o"), sample_rows=4_000)
    assert again.sample is None and again.input_tokens == exact.input_tokens and again.exact


# --------------------------------------------------------------------------
# Progress, interrupt, CLI options
# --------------------------------------------------------------------------


def test_progress_reports_and_finishes(generated: Path, book: PriceBook) -> None:
    seen: list[Progress] = []
    count(generated, book.model("gpt-4o"), progress=seen.append)
    assert seen and seen[-1].rows == 4_000 and seen[-1].eta_seconds == 0
    assert seen[-1].bytes_read == seen[-1].total_bytes == generated.stat().st_size


def test_interrupt_stops_the_reader_thread(generated: Path, book: PriceBook) -> None:
    def stop(_: Progress) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        count_dataset(
            generated,
            model=book.model("gpt-4o"),
            shape=RequestShape(column="text"),
            output=OutputSpec(),
            options=CountOptions(progress=stop),
        )
    assert not [t for t in threading.enumerate() if t.name == "dataset-reader" and t.is_alive()]


def test_cli_usage_mistakes_exit_2(tmp_path: Path) -> None:
    from estimator.cli import main

    path = write_csv(tmp_path / "u.csv", ["text"], [["hi"]])
    runner = CliRunner()
    both = runner.invoke(
        main, ["estimate", str(path), "--model", "gpt-4o", "--column", "text", "--template", "{text}"]
    )
    assert both.exit_code == 2 and "not both" in both.output
    ratio = runner.invoke(
        main, ["estimate", str(path), "--model", "gpt-4o", "--column", "text", "--output-ratio", "x"]
    )
    assert ratio.exit_code == 2 and "--output-ratio" in ratio.output
    two = runner.invoke(
        main,
        [
            "estimate",
            str(path),
            "--model",
            "gpt-4o",
            "-c",
            "text",
            "--output-tokens",
            "5",
            "--output-column",
            "text",
        ],
    )
    assert two.exit_code == 2


def test_cli_options_become_the_library_options(tmp_path: Path, book: PriceBook) -> None:
    from estimator.cli.dataset_options import estimate_options_from

    path = write_csv(tmp_path / "p.csv", ["q", "n"], [["what is 2+2?", "3"], ["and 3+3?", "4"]])
    kw = {"file": str(path), "template": "Q: {q}", "system": "Maths.", "output_column": "n", "max_tokens": 3,
          "progress": False, "seed": 0}
    options = estimate_options_from(kw, None)
    assert options.output == OutputSpec(column="n", max_tokens=3)
    p = estimate(path, model="gpt-4o", template="Q: {q}", system="Maths.", prices=book, options=options).profile
    shape = RequestShape(template="Q: {q}", system="Maths.")
    assert p.input_tokens == sum(
        tiktoken_chat("o200k_base", build_messages(shape, f"Q: {q}")) for q in ("what is 2+2?", "and 3+3?")
    )
    assert (p.output_tokens, p.output_tokens_worst) == (6, 6)


def test_cli_formats_match_the_reader() -> None:
    from estimator.cli import main
    from estimator.reading.rows import FORMATS

    command = main.get_command(click.Context(main), "estimate")
    assert command is not None
    (option,) = [p for p in command.params if p.name == "format"]
    assert tuple(option.type.choices) == FORMATS  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# Histogram: exact percentiles in bounded memory
# --------------------------------------------------------------------------


@given(
    st.lists(st.lists(st.integers(min_value=0, max_value=300_000), max_size=40), min_size=1, max_size=4),
)
def test_histogram_matches_sorted_values(parts: list[list[int]]) -> None:
    import numpy as np

    from estimator.counting.profile import Histogram

    merged = Histogram()
    for part in parts:
        h = Histogram()
        h.add(np.array(part, dtype=np.int64))
        merged.merge(h)
    values = sorted(v for part in parts for v in part)
    d = merged.distribution()
    if not values:
        assert d == Distribution(Decimal(0), 0, 0, 0, 0)
        return

    def rank(p: int) -> int:
        return values[max(1, math.ceil(p * len(values) / 100)) - 1]

    assert (d.min, d.p50, d.p95, d.max) == (values[0], rank(50), rank(95), values[-1])
    assert d.mean == Decimal(sum(values)) / len(values)


def test_profile_histogram_bins_cover_every_row(tmp_path: Path) -> None:
    import numpy as np

    from estimator.counting.profile import Histogram

    h = Histogram()
    values = np.array([1, 1, 2, 5, 80, 80, 70_000, 70_001], dtype=np.int64)
    h.add(values)
    bins = h.bins(n=4)
    assert sum(rows for _, _, rows in bins) == len(values)
    assert bins[0][0] == 1 and bins[-1][1] >= 70_001
    for lo, hi, rows in bins:
        assert rows == int(((values >= lo) & (values <= hi)).sum())
