"""The Reconcile tab: upload a request file and its results, see the totals, download the retry file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from apptest_helpers import ROOT, charts, metrics, run_cli, start_app, tab

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
