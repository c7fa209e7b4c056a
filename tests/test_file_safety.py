"""Nothing the user has is overwritten or deleted without an explicit overwrite, never an input of
the same command, and two writers into one prefix cannot both succeed.

Every test snapshots the folder (names and bytes) before and checks it after.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import estimator
from estimator import reconcile
from estimator.batch import BatchFileOptions, ReconcileOptions
from estimator.batch import writer as writer_module
from estimator.batch.outputs import output_profile
from estimator.cli import main
from estimator.errors import DataError, EstimatorError, UsageError

DAY = "2026-12-01"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _request(cid: str) -> dict[str, Any]:
    return {"custom_id": cid, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"q {cid}"}], "max_tokens": 20}}


@pytest.fixture
def job(tmp_path: Path) -> dict[str, Path]:
    """A batch written the way write-batch names files (job-001.jsonl, job-002.jsonl), and its results."""
    first = tmp_path / "job-001.jsonl"
    first.write_text("".join(json.dumps(_request(f"c{i}")) + "\n" for i in range(12)), encoding="utf-8")
    second = tmp_path / "job-002.jsonl"
    second.write_text(json.dumps(_request("z")) + "\n", encoding="utf-8")
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps({"custom_id": f"c{i}", "error": None, "response": {
        "status_code": 200, "body": {"model": "gpt-4o-mini", "usage": {"prompt_tokens": 9, "completion_tokens": 3}}}})
        + "\n" for i in range(8)), encoding="utf-8")
    return {"requests": first, "other": second, "results": results, "folder": tmp_path}


def test_a_retry_prefix_that_names_an_input_is_refused_before_anything_is_written(job: dict[str, Path]) -> None:
    before = _snapshot(job["folder"])
    for overwrite in (False, True):
        with pytest.raises(UsageError, match="is an input of this command"):
            reconcile(job["requests"], job["results"], as_of=DAY, retry_to=job["folder"] / "job",
                      options=ReconcileOptions(overwrite=overwrite))
    run = CliRunner().invoke(main, ["reconcile", str(job["requests"]), str(job["results"]), "--retry-file",
                                    str(job["folder"] / "job"), "--overwrite"])
    assert run.exit_code == 2 and "--retry-file" in run.output
    assert _snapshot(job["folder"]) == before  # job-001 keeps its 12 requests, job-002 is still there


def test_the_default_retry_name_never_replaces_an_earlier_retry(job: dict[str, Path]) -> None:
    args = ["reconcile", str(job["requests"]), str(job["results"]), "--as-of", DAY]
    assert CliRunner().invoke(main, args).exit_code == 0
    first = _snapshot(job["folder"])
    assert "job-001-retry-001.jsonl" in first
    assert CliRunner().invoke(main, args).exit_code == 0
    second = _snapshot(job["folder"])
    assert {k: v for k, v in second.items() if k in first} == first  # nothing replaced or deleted
    assert "job-001-retry-2-001.jsonl" in second and second["job-001-retry-2-001.jsonl"] == first[
        "job-001-retry-001.jsonl"]


def test_an_existing_retry_file_is_replaced_only_with_overwrite(job: dict[str, Path]) -> None:
    prefix = job["folder"] / "again"
    stale = job["folder"] / "again-002.jsonl"
    stale.write_text("mine\n", encoding="utf-8")
    before = _snapshot(job["folder"])
    with pytest.raises(UsageError, match="already exist"):
        reconcile(job["requests"], job["results"], as_of=DAY, retry_to=prefix)
    assert _snapshot(job["folder"]) == before
    rec = reconcile(job["requests"], job["results"], as_of=DAY, retry_to=prefix,
                    options=ReconcileOptions(overwrite=True))
    assert [p.name for p in rec.retry.files] == ["again-001.jsonl"] and not stale.exists()


def test_saved_outputs_never_replace_an_input_or_an_existing_file(job: dict[str, Path]) -> None:
    rec = reconcile(job["requests"], job["results"], as_of=DAY)
    assert rec.outputs is not None
    before = _snapshot(job["folder"])
    for target in (job["results"], job["requests"]):
        with pytest.raises(UsageError, match="input of this command"):
            rec.outputs.save(target, overwrite=True, protected=[job["requests"], job["results"]])
    with pytest.raises(UsageError, match="already exists"):
        rec.outputs.save(job["other"])
    assert _snapshot(job["folder"]) == before
    for target in ("results.jsonl", "job-001.jsonl"):
        run = CliRunner().invoke(main, ["reconcile", str(job["requests"]), str(job["results"]), "--as-of", DAY,
                                        "--no-retry-file", "--overwrite", "--save-outputs",
                                        str(job["folder"] / target)])
        assert run.exit_code == 2 and "input of this command" in run.output
    assert _snapshot(job["folder"]) == before
    saved = rec.outputs.save(job["folder"] / "lengths.json")
    assert saved.exists()
    with pytest.raises(UsageError, match="already exists"):
        rec.outputs.save(saved)
    rec.outputs.save(saved, overwrite=True)


def test_write_batch_never_replaces_its_own_data_file(tmp_path: Path) -> None:
    data = tmp_path / "rows-001.jsonl"
    data.write_text('{"text": "hello"}\n{"text": "there"}\n', encoding="utf-8")
    before = _snapshot(tmp_path)
    with pytest.raises(UsageError, match="is an input"):
        estimator.write_batch(data, tmp_path / "rows", model="gpt-4o-mini", column="text",
                              options=BatchFileOptions(overwrite=True, max_tokens=10))
    assert _snapshot(tmp_path) == before


def test_two_write_batch_runs_into_one_new_prefix_cannot_both_succeed(tmp_path: Path) -> None:
    rows = ["first", "second"]
    out = tmp_path / "out" / "batch"
    estimator.write_batch(rows, out, model="gpt-4o-mini", options=BatchFileOptions(max_tokens=10))
    written = _snapshot(out.parent)
    with pytest.raises(UsageError, match="already exist"):
        estimator.write_batch(["other"], out, model="gpt-4o-mini", options=BatchFileOptions(max_tokens=10))
    assert _snapshot(out.parent) == written


def test_a_writer_holding_the_prefix_keeps_a_second_one_out(tmp_path: Path) -> None:
    lock = tmp_path / ".batch.lock"
    lock.write_text("4242\n", encoding="utf-8")
    with pytest.raises(DataError, match="another write into the prefix"):
        estimator.write_batch(["a"], tmp_path / "batch", model="gpt-4o-mini", options=BatchFileOptions(max_tokens=5))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".batch.lock"]


def test_a_file_that_appears_while_writing_is_never_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process creates the final name between the check and the move: this write fails whole."""
    real = writer_module.FileSplitter.finish
    intruder = tmp_path / "batch-001.jsonl"

    def finish(self: Any) -> Any:
        intruder.write_text("someone else's\n", encoding="utf-8")
        return real(self)

    monkeypatch.setattr(writer_module.FileSplitter, "finish", finish)
    with pytest.raises(DataError, match="appeared while"):
        estimator.write_batch(["a", "b"], tmp_path / "batch", model="gpt-4o-mini",
                              options=BatchFileOptions(max_tokens=5))
    assert intruder.read_text(encoding="utf-8") == "someone else's\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch-001.jsonl"]


def test_concurrent_writers_one_wins(tmp_path: Path) -> None:
    """Threads racing into one prefix: exactly one set of files, from one writer, and no exception but ours."""
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def write(n: int) -> None:
        barrier.wait()
        try:
            estimator.write_batch([f"writer {n} row {i}" for i in range(50)], tmp_path / "race", model="gpt-4o-mini",
                                  options=BatchFileOptions(max_tokens=5, max_requests_per_file=20))
            outcomes.append(f"ok {n}")
        except EstimatorError:
            outcomes.append("refused")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(o.startswith("ok") for o in outcomes) == 1, outcomes
    files = sorted(p for p in tmp_path.iterdir() if p.suffix == ".jsonl")
    assert [p.name for p in files] == ["race-001.jsonl", "race-002.jsonl", "race-003.jsonl"]
    writers = {json.loads(line)["body"]["messages"][0]["content"].split(" row ")[0]
               for p in files for line in p.read_text(encoding="utf-8").splitlines()}
    assert len(writers) == 1  # the files of one writer, never a mix
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no lock or temporary file left


def test_the_profile_save_is_exclusive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "lengths.json"
    real_link = os.link

    def late(src: Any, dst: Any) -> None:
        Path(dst).write_text("theirs", encoding="utf-8")
        real_link(src, dst)

    monkeypatch.setattr(os, "link", late)
    with pytest.raises(UsageError, match="already exists"):
        output_profile([1, 2]).save(target)
    assert target.read_text(encoding="utf-8") == "theirs"
