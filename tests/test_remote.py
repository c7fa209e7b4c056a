"""Data behind a URL, and a real Dask cluster: the same totals as a local count.

The test session starts one local S3-compatible server (moto's server mode, on 127.0.0.1)
and one Dask scheduler with two worker processes (``tests/conftest.py``); nothing leaves
the machine.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("s3fs")
pytest.importorskip("moto")

import estimator
from estimator.counting.group_pass import GROUP_METHOD
from estimator.counting.sampling import SPAN_METHOD
from estimator.errors import DataError, UsageError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_dataset import rows as generated_rows

HEADER = ["id", "text", "category", "expected_output_tokens"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same 12,000 rows as one CSV, three CSV shards and three Parquet files (row groups of 500)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = tmp_path_factory.mktemp("remote")
    rows = list(generated_rows(12_000, seed=31))
    for path, chunk in [(base / "all.csv", rows)] + [
        (base / "shards" / f"part-{i}.csv", rows[i * 4_000 : (i + 1) * 4_000]) for i in range(3)
    ]:
        path.parent.mkdir(exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(HEADER)
            w.writerows(chunk)
    (base / "parquet").mkdir()
    for i in range(3):
        part = rows[i * 4_000 : (i + 1) * 4_000]
        pq.write_table(pa.table({h: [r[k] for r in part] for k, h in enumerate(HEADER)}),
                       base / "parquet" / f"part-{i}.parquet", row_group_size=500)
    return base


@pytest.fixture(scope="module")
def bucket(s3_endpoint: str, local: Path) -> Iterator[str]:
    """The local files uploaded to s3://estimator-test/."""
    import s3fs

    fs = s3fs.S3FileSystem()
    fs.mkdir("estimator-test")
    fs.put(str(local) + "/", "estimator-test/", recursive=True)
    fs.chmod("estimator-test/all.csv", acl="public-read")  # readable over plain HTTP too
    fs.invalidate_cache()
    yield "s3://estimator-test"


def _estimate(source: str | Path, **kw: object) -> estimator.Estimate:
    sample = kw.pop("sample", None)
    dask = kw.pop("dask", None)
    opts = estimator.EstimateOptions(count=estimator.counting.CountOptions(sample_rows=sample, seed=3),
                                     dask=dask)  # type: ignore[arg-type]
    return estimator.estimate(str(source), model="gpt-4o", column="text", output_tokens=20, as_of="2026-01-01",
                              options=opts)


def _same(a: estimator.Estimate, b: estimator.Estimate) -> None:
    for name in ("rows", "input_tokens", "text_tokens", "output_tokens", "input_per_row", "over_context_rows"):
        assert getattr(a.profile, name) == getattr(b.profile, name), name


def test_a_csv_in_a_bucket_counts_as_on_disk(bucket: str, local: Path) -> None:
    remote = _estimate(f"{bucket}/all.csv")
    _same(remote, _estimate(local / "all.csv"))
    assert remote.profile.source == f"{bucket}/all.csv"  # the URL as written, // kept
    assert remote.profile.bytes_read == (local / "all.csv").stat().st_size


def test_a_csv_in_a_bucket_is_sampled_by_ranges(bucket: str, local: Path) -> None:
    exact = _estimate(local / "all.csv")
    est = _estimate(f"{bucket}/all.csv", sample=1_000)
    s = est.profile.sample
    assert s is not None and s.method == SPAN_METHOD
    # one seed: the 95% interval's coverage is measured in test_seek_sampling; here, the estimate is sane
    assert abs(s.input_tokens_estimate - exact.profile.input_tokens) <= 2 * (s.ci_high - s.ci_low)
    assert 0 < est.profile.bytes_read < (local / "all.csv").stat().st_size


def test_parquet_in_a_bucket_exact_and_from_its_footers(bucket: str, local: Path) -> None:
    remote = _estimate(f"{bucket}/parquet")
    _same(remote, _estimate(local / "parquet"))
    est = _estimate(f"{bucket}/parquet", sample=400)
    s = est.profile.sample
    assert s is not None and s.method == GROUP_METHOD and est.profile.rows == 12_000
    assert s.ci_low <= remote.profile.input_tokens <= s.ci_high


def test_http_urls_are_read_with_range_requests(bucket: str, s3_endpoint: str, local: Path) -> None:
    pytest.importorskip("aiohttp")
    url = f"{s3_endpoint}/estimator-test/all.csv"  # the bucket's objects over plain HTTP
    _same(_estimate(url), _estimate(local / "all.csv"))
    assert _estimate(url, sample=1_000).profile.sample.method == SPAN_METHOD  # type: ignore[union-attr]


def test_a_missing_object_and_an_unknown_protocol_are_named(bucket: str) -> None:
    with pytest.raises(DataError, match="s3://estimator-test/nope.csv: file not found"):
        _estimate(f"{bucket}/nope.csv")
    with pytest.raises(UsageError, match="nosuch://x.csv"):
        _estimate("nosuch://x.csv")


# --------------------------------------------------------------------------
# A Dask cluster started as a user starts one: scheduler and worker processes
# --------------------------------------------------------------------------


def _cli(*args: str) -> dict:  # type: ignore[type-arg]
    proc = subprocess.run([sys.executable, "-m", "estimator", "estimate", *args, "--model", "gpt-4o", "--column",
                           "text", "--output-tokens", "20", "--as-of", "2026-01-01", "--json", "--no-progress"],
                          capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_the_cluster_counts_a_bucket_as_the_local_path_counts_a_disk(
    dask_scheduler: str, bucket: str, local: Path
) -> None:
    here = _cli(str(local / "all.csv"))
    there = _cli(f"{bucket}/shards/*.csv", "--dask", dask_scheduler)
    for key in ("rows", "input_tokens", "text_tokens", "output_tokens", "modes", "input_per_row"):
        assert there[key] == here[key], key
    pq = _estimate(f"{bucket}/parquet", dask=dask_scheduler)
    assert pq.profile.input_tokens == here["input_tokens"]
    assert pq.profile.bytes_read == sum(p.stat().st_size for p in (local / "parquet").iterdir())


def test_the_cluster_samples_too(dask_scheduler: str, bucket: str, local: Path) -> None:
    exact = _estimate(local / "all.csv").profile.input_tokens
    shards = _estimate(f"{bucket}/shards/*.csv", sample=1_000, dask=dask_scheduler)
    s = shards.profile.sample
    assert s is not None and s.method == SPAN_METHOD
    assert abs(s.input_tokens_estimate - exact) <= 2 * (s.ci_high - s.ci_low)
    assert any("one per file" in n for n in shards.profile.notes)
    one = _estimate(f"{bucket}/parquet", sample=400, dask=dask_scheduler)
    assert one.profile.sample is not None and one.profile.sample.method == GROUP_METHOD
    assert one.profile.rows == 12_000 and one.profile.bytes_read > 0
