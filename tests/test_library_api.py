"""The library used as a notebook would: any data, one call, the CLI's own document.

Each test states what a user of ``import estimator`` relies on: a DataFrame, a list of
texts and a list of conversations give the JSON that ``estimate --json`` prints for the
same rows written to a file; prices are taken at the date asked for; the library speaks
in its own words, never in command-line flags.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import estimator
from estimator import EstimateOptions
from estimator.cli import main
from estimator.counting.dataset import count_dataset
from estimator.counting.prompts import RequestShape
from estimator.errors import UsageError, params_in

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "estimator"
# Fields that name where the rows came from; every other field must be the same.
SOURCE_FIELDS = ("file", "format", "source_notes")

TEXTS = [
    "Where is my order? It was due on Monday.",
    "The lid cracked after a week — can I get a refund?",
    "¿Tienen este modelo en azul?",
    "配送はいつになりますか?",
    "NA",
    "",
    "007",
]


def cli_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["estimate", *args, "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def document(est: estimator.Estimate) -> dict[str, Any]:
    """``est.to_json()`` through the library's one JSON encoding, as the CLI prints it."""
    return json.loads(estimator.report.json_text(est.to_json()))


def without_source(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in SOURCE_FIELDS}


def test_a_dataframe_gives_the_clis_document_for_the_same_rows(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": range(1, len(TEXTS) + 1), "text": TEXTS, "stars": [5, 2, None, 4, 1, 3, 5]})
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    expected = cli_json(str(path), "--model", "gpt-4o", "--column", "text", "--output-tokens", "50")
    got = document(estimator.estimate(frame, model="gpt-4o", column="text", output_tokens=50))
    assert without_source(got) == without_source(expected)
    assert got["file"] == "<DataFrame>" and got["rows"] == len(TEXTS)


def test_a_template_over_non_text_columns_reads_the_values_as_a_file_holds_them(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [1, 2, 3], "text": TEXTS[:3], "stars": [5, 2, 4]})
    path = tmp_path / "rows.csv"
    frame.to_csv(path, index=False)
    template = "Stars: {stars}. Review {id}: {text}"
    expected = cli_json(str(path), "--model", "gpt-4o", "--template", template, "--output-tokens", "9")
    got = document(estimator.estimate(frame, model="gpt-4o", template=template, output_tokens=9))
    assert without_source(got) == without_source(expected)


def test_a_list_of_texts_gives_the_clis_document(tmp_path: Path) -> None:
    path = tmp_path / "texts.csv"
    pd.DataFrame({"text": TEXTS}).to_csv(path, index=False)
    expected = cli_json(str(path), "--model", "gpt-4o-mini", "--column", "text", "--system", "Be brief.",
                        "--max-tokens", "40")
    got = document(estimator.estimate(iter(TEXTS), model="gpt-4o-mini", system="Be brief.", max_tokens=40))
    assert without_source(got) == without_source(expected)


def test_a_list_of_conversations_gives_the_clis_document_for_a_messages_column(tmp_path: Path) -> None:
    chats = [
        [{"role": "system", "content": "You sort tickets."}, {"role": "user", "content": text}]
        for text in TEXTS
    ] + [[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
          {"role": "user", "content": "Refund please.", "name": "ana"}]]
    path = tmp_path / "chats.jsonl"
    path.write_text("".join(json.dumps({"messages": c}, ensure_ascii=False) + "\n" for c in chats), encoding="utf-8")
    expected = cli_json(str(path), "--model", "gpt-4o", "--messages-column", "messages", "--output-tokens", "20")
    got = document(estimator.estimate(chats, model="gpt-4o", output_tokens=20))
    assert without_source(got) == without_source(expected)
    # Each conversation is billed with its own framing, exactly as count_tokens counts one request.
    assert got["input_tokens"] == sum(estimator.count_tokens(c, model="gpt-4o") for c in chats)


def test_count_tokens_takes_a_text_or_a_conversation_and_refuses_anything_else() -> None:
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "What is the capital of France?"}]
    assert estimator.count_tokens("hello world", model="gpt-4o") == 2
    # OpenAI's chat framing: 3 per message + role + content, 3 to prime the reply.
    assert estimator.count_tokens(messages, model="gpt-4o") == 3 + (3 + 1 + 6) + (3 + 1 + 7)
    for wrong in (123, b"bytes", {"role": "user", "content": "x"}, [{"role": "user", "content": 5}]):
        with pytest.raises(UsageError):
            estimator.count_tokens(wrong, model="gpt-4o")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="count_tokens"):
        estimator.tokens.chat_tokens(messages, "gpt-4o")  # type: ignore[arg-type]


def test_price_of_raw_token_counts_at_a_date() -> None:
    cmp = estimator.price({"requests": 1_000, "input_tokens": 1_000_000, "output_tokens": 200_000},
                          "gpt-4o", as_of=dt.date(2024, 5, 13))
    # The launch entry: $5 in and $15 out per million tokens; batch is half.
    assert cmp.standard.total_cost == Decimal(5) + Decimal(3)
    assert cmp.modes["batch"].total_cost == Decimal(4)
    with pytest.raises(UsageError):
        estimator.price({"tokens": 5}, "gpt-4o")


def test_as_of_with_one_overridden_price_takes_the_other_from_the_as_of_entry(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    pd.DataFrame({"text": TEXTS}).to_csv(path, index=False)
    doc = cli_json(str(path), "--model", "gpt-4o", "--column", "text", "--output-tokens", "100",
                   "--as-of", "2024-05-13", "--input-price", "3")
    prices = doc["prices_usd_per_mtok"]
    assert (prices["input_per_mtok"], prices["output_per_mtok"]) == ("3", "15.00")
    assert doc["pricing_date"] == "2024-05-13"
    est = estimator.estimate(TEXTS, model="gpt-4o", output_tokens=100, as_of=dt.date(2024, 5, 13),
                             options=EstimateOptions(input_price=Decimal(3)))
    assert est.priced.price.output_per_mtok == Decimal("15.00")
    assert est.comparison.standard.output_cost == Decimal(100 * len(TEXTS)) * 15 / 1_000_000


def test_the_pricing_date_is_recorded_not_read_again() -> None:
    est = estimator.estimate(["a"], model="gpt-4o", as_of=dt.date(2025, 1, 2))
    assert est.priced.as_of == dt.date(2025, 1, 2) and est.to_json()["as_of"] == "2025-01-02"


@pytest.mark.parametrize("dtype", ["int", "float", "bool", "date", "timestamp", "null", "text"])
def test_values_of_every_type_become_the_same_text_from_a_frame_and_from_parquet(tmp_path: Path, dtype: str) -> None:
    column = {
        "int": pd.array([1, None, 300], dtype="Int64"),
        "float": [1.0, 2.5, None],
        "bool": pd.array([True, False, None], dtype="boolean"),
        "date": [dt.date(2024, 1, 31), None, dt.date(1999, 12, 1)],
        "timestamp": pd.to_datetime(["2024-01-31 12:00:00.123456", None, "2020-02-29 00:00:00"], format="ISO8601"),
        "null": [None, None, None],
        "text": ["a", None, "c"],
    }[dtype]
    frame = pd.DataFrame({"v": column, "text": ["x", "y", "z"]})
    path = tmp_path / "v.parquet"
    frame.to_parquet(path)
    from estimator.reading import open_rows

    with open_rows(frame) as ds:
        from_frame = next(iter(ds.batches(["v"]))).columns["v"]
    with open_rows(path) as ds:
        from_file = next(iter(ds.batches(["v"]))).columns["v"]
    assert list(from_frame) == list(from_file)
    nulls = [i for i, missing in enumerate(pd.isna(frame["v"])) if missing]
    assert nulls and all(from_file[i] == "" for i in nulls)  # a null is empty text, never "None" or "nan"


def test_parquet_with_non_text_columns_counts_the_same_locally_and_on_dask(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe")
    from dask.distributed import Client

    from estimator.counting.distributed import count_distributed, local_cluster

    frame = pd.DataFrame({
        "i": pd.array([1, None, 300, 7], dtype="Int64"),
        "f": [1.0, 2.5, None, 1e-7],
        "b": pd.array([True, False, None, True], dtype="boolean"),
        "d": [dt.date(2024, 1, 31), None, dt.date(1999, 12, 1), dt.date(2000, 2, 29)],
        "t": pd.to_datetime(["2024-01-31 12:00:00.123456", None, "2020-02-29", "2021-06-01 00:00:01"], format="ISO8601"),
        "s": ["a", None, "ç", "d"],
    })
    path = tmp_path / "typed.parquet"
    frame.to_parquet(path)
    book = estimator.load_pricebook()
    model = book.model("gpt-4o")
    spec = {"model": model, "shape": RequestShape(template="{i}|{f}|{b}|{d}|{t}|{s}"),
            "output": estimator.counting.OutputSpec(fixed=3), "price": model.price_on(dt.date(2025, 1, 1))}
    local = count_dataset(path, **spec)  # type: ignore[arg-type]
    with local_cluster(n_workers=1, processes=False) as cluster, Client(cluster):
        remote = count_distributed(str(path), **spec)  # type: ignore[arg-type]
    assert (remote.rows, remote.input_tokens, remote.text_tokens) == (local.rows, local.input_tokens,
                                                                      local.text_tokens)
    assert remote.input_per_row == local.input_per_row


# --------------------------------------------------------------------------
# The library's own words
# --------------------------------------------------------------------------

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
FRONT_ENDS = ("cli", "ui")


def _messages(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants that are not docstrings (messages, notes, labels), with their lines."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def core_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in FRONT_ENDS)


def test_the_check_finds_a_flag_in_a_message() -> None:
    tree = ast.parse('def f():\n    """Use --json."""\n    raise ValueError("pass --encoding cp1252")\n')
    assert [FLAG.findall(text) for _, text in _messages(tree)] == [["--encoding"]]


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_core_message_names_a_command_line_flag(path: Path) -> None:
    found = [(line, text) for line, text in _messages(ast.parse(path.read_text(encoding="utf-8")))
             if FLAG.search(text)]
    assert found == []


def test_errors_carry_where_and_which_setting(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes("id,text\n1,café\n".encode("cp1252"))
    with pytest.raises(estimator.errors.DataError) as err:
        estimator.estimate(path, model="gpt-4o", column="text")
    assert (err.value.path, err.value.line) == (str(path), 2)
    assert "encoding" in params_in(err.value.message)
    assert "encoding=" in str(err.value) and "--" not in str(err.value)
    with pytest.raises(UsageError) as usage:
        estimator.estimate(["a"], model="gpt-4o", column="text")
    assert usage.value.param == "column"


def test_the_public_api_is_small_and_every_name_is_documented() -> None:
    assert len(estimator.__all__) <= 16
    for name in estimator.__all__:
        obj = getattr(estimator, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), name


def test_a_messages_column_reaches_plan_and_forecast_too() -> None:
    """The conversations example counts the same through estimate, plan and forecast (none ignores the option)."""
    path = str(ROOT / "examples" / "chats.jsonl")
    est = cli_json(path, "--model", "gpt-4o", "--messages-column", "messages", "--output-tokens", "20")
    chats = [json.loads(line)["messages"] for line in Path(path).read_text(encoding="utf-8").splitlines()]
    assert est["input_tokens"] == sum(estimator.count_tokens(c, model="gpt-4o") for c in chats)
    plan = CliRunner().invoke(main, ["plan", path, "--model", "gpt-4o", "--messages-column", "messages",
                                     "--output-tokens", "20", "--json", "--no-progress"])
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.stdout)["job"]["input_tokens"] == est["input_tokens"]
    fc = CliRunner().invoke(main, ["forecast", path, "--model", "gpt-4o", "--messages-column", "messages",
                                   "--output-tokens", "20", "--schedule", "monthly", "--months", "1", "--json"])
    assert fc.exit_code == 0, fc.output
    assert json.loads(fc.stdout)["rows"][0]["input_tokens"] == est["input_tokens"]
