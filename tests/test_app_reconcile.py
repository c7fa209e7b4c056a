"""The Reconcile tab: upload a request file and its results, see the totals, download the retry file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from apptest_helpers import ROOT, charts, metrics, run_cli, start_app, tab

from estimator import reconcile
from estimator.money import format_usd
from estimator.ui.reconcile import retry_download

EXAMPLES = ROOT / "examples"


def test_reconcile_tab_matches_the_cli() -> None:
    at = start_app()
    for key, name in (("reconcile_requests", "openai-batch.jsonl"), ("reconcile_results", "openai-batch-results.jsonl"),
                      ("reconcile_errors", "openai-batch-errors.jsonl")):
        at.file_uploader(key=key).set_value((name, (EXAMPLES / name).read_bytes(), "application/jsonl"))
    at.run()
    assert not at.exception, at.exception
    block = tab(at, "Reconcile")
    shown = metrics(block)
    assert (shown["Requests"], shown["Succeeded"], shown["Failed"], shown["Expired"], shown["Missing"]) == (
        "12", "8", "2", "1", "1")
    assert shown["Unknown ids"] == "1"
    cli = run_cli("reconcile", str(EXAMPLES / "openai-batch.jsonl"), str(EXAMPLES / "openai-batch-results.jsonl"),
                  str(EXAMPLES / "openai-batch-errors.jsonl"), "--no-retry-file")
    assert shown["Actual cost"] == format_usd(Decimal(cli["actual"]["cost"]))
    assert "Estimated vs actual cost per request" in charts(block)
    assert any(b.label.startswith("Download the retry file (3 requests)") for b in block.get("download_button"))


def test_retry_download_zips_several_files(tmp_path: Path) -> None:
    assert retry_download([("a.jsonl", b"x\n")]) == ("a.jsonl", b"x\n")
    name, data = retry_download([("a.jsonl", b"x\n"), ("b.jsonl", b"y\n")])
    assert name.endswith(".zip") and data[:2] == b"PK"


def _upload(at: Any, key: str, name: str, data: bytes) -> None:
    at.file_uploader(key=key).set_value((name, data, "application/jsonl"))


def test_errors_name_the_uploaded_file_not_a_temporary_copy() -> None:
    at = start_app()
    bad = (EXAMPLES / "openai-batch.jsonl").read_bytes() + b"{not json\n"
    _upload(at, "reconcile_requests", "my-batch.jsonl", bad)
    _upload(at, "reconcile_results", "my-results.jsonl", (EXAMPLES / "openai-batch-results.jsonl").read_bytes())
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in tab(at, "Reconcile").error)
    assert "my-batch.jsonl" in shown and "line 13" in shown
    assert "estimator-upload" not in shown and "/tmp" not in shown


def test_the_gap_is_drawn_as_a_waterfall_and_unknown_usage_is_listed() -> None:
    at = start_app()
    results = (EXAMPLES / "openai-batch-results.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(results[0])
    first["response"]["body"]["usage"]["prompt_tokens"] = "many"
    results[0] = json.dumps(first)
    _upload(at, "reconcile_requests", "batch.jsonl", (EXAMPLES / "openai-batch.jsonl").read_bytes())
    _upload(at, "reconcile_results", "results.jsonl", ("\n".join(results) + "\n").encode())
    at.run()
    assert not at.exception, at.exception
    block = tab(at, "Reconcile")
    spec = charts(block)["From the estimate to the bill"]
    assert spec["data"][0]["type"] == "waterfall"
    unknown = [d for d in block.dataframe if "problem" in d.value.columns]
    assert unknown and "results.jsonl" in unknown[0].value["file"].iloc[0]
    assert "not a number" in unknown[0].value["problem"].iloc[0]
    assert metrics(block)["Unknown usage"] == "1 requests"


def test_an_empty_results_upload_says_so_before_offering_a_retry() -> None:
    at = start_app()
    _upload(at, "reconcile_requests", "batch.jsonl", (EXAMPLES / "openai-batch.jsonl").read_bytes())
    _upload(at, "reconcile_results", "empty.jsonl", b"")
    at.run()
    assert not at.exception, at.exception
    block = tab(at, "Reconcile")
    assert any("empty.jsonl is empty" in w.value for w in block.warning)


def test_the_estimate_tab_takes_measured_output_lengths(tmp_path: Path) -> None:
    rec = reconcile(EXAMPLES / "openai-batch.jsonl", EXAMPLES / "openai-batch-results.jsonl",
                    EXAMPLES / "openai-batch-errors.jsonl", as_of="2026-12-01")
    assert rec.outputs is not None
    at = start_app()
    at.file_uploader(key="upload").set_value(("reviews.csv", (EXAMPLES / "reviews.csv").read_bytes(), "text/csv"))
    at.run()
    at.selectbox(key="output_kind").set_value("measured").run()
    at.file_uploader(key="output_from").set_value(
        ("lengths.json", json.dumps(rec.outputs.to_json()).encode(), "application/json")).run()
    assert not at.exception, at.exception
    block = tab(at, "Estimate")
    captions = " ".join(c.value for c in block.caption)
    assert "measured output over" in captions and "95% interval of the output" in captions
    cli = run_cli("estimate", str(EXAMPLES / "reviews.csv"), "--column", "review", "--model", "gpt-4o",
                  "--output-from", str(_saved(rec, tmp_path)), "--no-progress")
    assert cli["output_tokens"] == cli["rows"] * rec.outputs.expected_per_request


def _saved(rec: Any, folder: Path) -> Path:
    return rec.outputs.save(folder / "lengths.json")


def test_a_rerun_shows_the_kept_reconciliation_until_an_input_changes(monkeypatch: Any) -> None:
    """Any widget reruns the whole page; the batch is reconciled again only when its uploads or its
    settings change."""
    import estimator.ui.reconcile as page

    calls: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return reconcile(*args, **kwargs)

    monkeypatch.setattr(page, "reconcile", counted)
    at = start_app()
    for key, name in (("reconcile_requests", "openai-batch.jsonl"), ("reconcile_results", "openai-batch-results.jsonl")):
        at.file_uploader(key=key).set_value((name, (EXAMPLES / name).read_bytes(), "application/jsonl"))
    at.run()
    first = metrics(tab(at, "Reconcile"))
    at.run()  # a rerun with nothing changed
    assert len(calls) == 1 and metrics(tab(at, "Reconcile")) == first
    at.selectbox(key="reconcile_mode").set_value("standard").run()
    assert len(calls) == 2 and not at.exception
    assert metrics(tab(at, "Reconcile"))["Actual cost"] != first["Actual cost"]
    at.file_uploader(key="reconcile_results").set_value(None).run()  # the results removed: nothing is kept
    assert "_reconciled" not in at.session_state and not at.exception
