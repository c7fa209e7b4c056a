"""The Dask path gives the same profile as count_dataset (skipped without dask)."""

from __future__ import annotations

import csv
import dataclasses
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

from estimator.counting import OutputSpec, TokenProfile
from estimator.counting.dataset import count_dataset
from estimator.counting.distributed import count_distributed
from estimator.counting.prompts import RequestShape
from estimator.pricing import PriceBook, load_pricebook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_dataset import rows as generated_rows

HEADER = ["id", "text", "category", "expected_output_tokens"]


@pytest.fixture(scope="module")
def client(dask_scheduler: str) -> Iterator[object]:
    """A client of the session's cluster (a scheduler and two worker processes, tests/conftest.py)."""
    with distributed.Client(dask_scheduler) as c:
        yield c


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """One CSV of 3,000 rows, and the same rows split into three shard files."""
    base = tmp_path_factory.mktemp("dask")
    rows = list(generated_rows(3_000, seed=5))
    rows[1234] = ("1235", 'tricky: "quoted, comma"\nnew line 🚀 NA', "other", "12")
    whole = base / "all.csv"
    parts = [base / f"part-{i}.csv" for i in range(3)]
    for path, chunk in [(whole, rows)] + [(p, rows[i * 1000 : (i + 1) * 1000]) for i, p in enumerate(parts)]:
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(HEADER)
            w.writerows(chunk)
    return whole, parts


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_pricebook()


def _same(a: TokenProfile, b: TokenProfile) -> None:
    for name in (
        "rows",
        "input_tokens",
        "text_tokens",
        "output_tokens",
        "output_tokens_worst",
        "input_per_row",
        "output_per_row",
        "over_context_rows",
        "over_context_first",
        "tiers",
    ):
        assert getattr(a, name) == getattr(b, name), name


def test_csv_shards_match_count_dataset(
    client: object, shards: tuple[Path, list[Path]], book: PriceBook
) -> None:
    whole, parts = shards
    model = dataclasses.replace(book.model("gpt-4o"), context_window=150)
    tiered = next(p for m in book.models for p in m.prices if p.tiers)
    price = dataclasses.replace(tiered, tiers=(dataclasses.replace(tiered.tiers[0], above_input_tokens=120),))
    spec = {
        "model": model,
        "shape": RequestShape(column="text", system="Sort the ticket."),
        "output": OutputSpec(column="expected_output_tokens", max_tokens=100),
        "price": price,
    }
    local = count_dataset(whole, **spec)  # type: ignore[arg-type]
    dist = count_distributed([str(p) for p in parts], **spec)  # type: ignore[arg-type]
    assert local.over_context_rows > 0 and local.tiers
    _same(local, dist)
    assert any("Dask" in n for n in dist.notes)


def test_parquet_matches_count_dataset(
    client: object, shards: tuple[Path, list[Path]], book: PriceBook, tmp_path: Path
) -> None:
    import pandas as pd

    whole, _ = shards
    pq = tmp_path / "all.parquet"
    pd.read_csv(whole, dtype=str, keep_default_na=False).to_parquet(pq)
    spec = {
        "model": book.model("gpt-4o"),
        "shape": RequestShape(template="[{category}] {text}"),
        "output": OutputSpec(ratio=Decimal("0.25")),
    }
    _same(count_dataset(whole, **spec), count_distributed(str(pq), **spec))  # type: ignore[arg-type]


def test_cli_dask_option_gives_the_local_totals(tmp_path: Path, dask_scheduler: str) -> None:
    """``estimate --dask ADDRESS`` in a subprocess, on the session's cluster."""
    import json
    import subprocess
    import sys

    pytest.importorskip("dask.distributed")
    root = Path(__file__).resolve().parents[1]
    args = ["estimate", str(root / "examples" / "reviews.csv"), "--model", "gpt-4o", "--column", "review",
            "--output-tokens", "50", "--json", "--no-progress"]

    def run(*extra: str) -> dict:  # type: ignore[type-arg]
        proc = subprocess.run([sys.executable, "-m", "estimator", *args, *extra], capture_output=True, text=True,
                              cwd=tmp_path, timeout=180, check=False)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)  # type: ignore[no-any-return]

    local, dask = run(), run("--dask", dask_scheduler)
    for key in ("rows", "input_tokens", "text_tokens", "output_tokens", "modes", "input_per_row"):
        assert dask[key] == local[key], key


def test_cli_dask_option_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from estimator.cli import main

    root = Path(__file__).resolve().parents[1]
    result = CliRunner().invoke(main, ["estimate", str(root / "examples" / "reviews.csv"), "--model", "gpt-4o",
                                       "--column", "review", "--dask", "local", "--skip-bad-rows"])
    assert result.exit_code == 2 and "on Dask does not take --skip-bad-rows" in result.stderr

