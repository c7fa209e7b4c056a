"""The benchmarks' measurements still run against the library: each measuring function, in this
process, on a few hundred generated rows (the figures themselves are the benchmarks' to print)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_count  # noqa: E402
import bench_providers  # noqa: E402
import bench_reconcile  # noqa: E402
import bench_scale  # noqa: E402
from make_dataset import rows  # noqa: E402


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "rows.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "category", "expected_output_tokens"])
        w.writerows(rows(300, seed=5))
    return path


def test_the_provider_benchmark_measures_a_model(small_csv: Path) -> None:
    # One model: the measurement is the same call for each (Claude and Gemini counts have their own tests).
    got = bench_providers.measure(str(small_csv), bench_providers.MODELS["openai"])
    assert got["rows"] == 300 and int(got["input_tokens"]) > 0  # type: ignore[call-overload]


def test_the_count_benchmark_measures_the_pipeline(small_csv: Path) -> None:
    got = bench_count.measure_pipeline(str(small_csv), None)
    assert got["rows"] == 300 and int(got["text_tokens"]) > 0  # type: ignore[call-overload]


def test_the_scale_benchmark_measures_a_count(small_csv: Path) -> None:
    got = bench_scale._count(str(small_csv), "gpt-4o", None, 0)
    assert got["rows"] == 300 and got["method"] == "exact"


def test_the_reconcile_benchmark_joins_what_reconcile_reconciles(tmp_path: Path) -> None:
    from estimator import reconcile
    from estimator.batch.results import read_results

    for requests, results in bench_reconcile.write_files(tmp_path, 200).values():
        joined = bench_reconcile.plain_join(requests, results)
        assert joined > 0
        read = read_results(results)
        assert len(read.plain) == 200 and not read.other_records  # the common shapes, read as rows
        assert reconcile(requests, results).requests == 200
        assert bench_scale._batch(str(requests))["requests"] == 200  # the batch-file measurement


def test_the_reconcile_benchmark_times_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    requests, results = bench_reconcile.write_files(tmp_path, 50)["openai"]
    bench_reconcile.cli(requests, results, 1)  # each command must succeed (check=True)
    assert "reconcile --json" in capsys.readouterr().out
