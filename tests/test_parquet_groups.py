"""Parquet sized from its footers and a few row groups: exact row count, an interval that holds.

The row groups are drawn by their footer sizes and read whole; a repetitive column stored
with dictionary encoding has a footer size far below its text, which the estimate must not
inherit (it rests on the text read), and the notes say so.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from estimator.counting import CountOptions, OutputSpec, TokenProfile
from estimator.counting.dataset import count_dataset
from estimator.counting.group_pass import GROUP_METHOD
from estimator.counting.prompts import RequestShape
from estimator.pricing import load_pricebook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_dataset import rows as generated_rows


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12,000 realistic rows in three Parquet files of row groups of 400 rows."""
    base = tmp_path_factory.mktemp("groups") / "data"
    base.mkdir()
    rows = list(generated_rows(12_000, seed=21))
    for i in range(3):
        part = rows[i * 4_000 : (i + 1) * 4_000]
        table = pa.table({name: [r[k] for r in part] for k, name in
                          enumerate(["id", "text", "category", "expected_output_tokens"])})
        pq.write_table(table, base / f"part-{i}.parquet", row_group_size=400)
    return base


def _count(source: Path, shape: RequestShape, **options: object) -> TokenProfile:
    book = load_pricebook()
    model = book.model("gpt-4o")
    return count_dataset(source, model=model, shape=shape, output=OutputSpec(examples_column="category"),
                         price=model.prices[-1], options=CountOptions(**options))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "shape",
    [RequestShape(column="text", system="Sort the ticket."), RequestShape(template="[{category}]: {id}")],
    ids=["free-text", "dictionary-encoded-template"],
)
def test_row_groups_give_an_interval_around_the_exact_count(shards: Path, shape: RequestShape) -> None:
    exact = _count(shards, shape)
    hits = 0
    seeds = 40
    for seed in range(seeds):
        est = _count(shards, shape, sample_rows=600, seed=seed)
        s = est.sample
        assert s is not None and s.method == GROUP_METHOD
        assert est.rows == exact.rows == 12_000  # from the footers
        hits += s.ci_low <= exact.input_tokens <= s.ci_high
        assert s.output_ci_low is not None and s.output_ci_high is not None
    print(f"\n{shape}: {hits} of {seeds} intervals hold the exact count")
    assert hits >= 0.85 * seeds
    assert est.bytes_read < sum(p.stat().st_size for p in shards.iterdir()) / 2
    assert any("row groups read" in n for n in est.notes)
    dictionary = [n for n in est.notes if "dictionary encoding" in n]
    assert bool(dictionary) == (shape.template is not None)


def test_a_small_parquet_file_is_read_whole(shards: Path) -> None:
    est = _count(shards, RequestShape(column="text"), sample_rows=5_000)
    assert est.sample is not None and est.sample.method != GROUP_METHOD
