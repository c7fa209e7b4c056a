"""In a real browser: the answer leads the Estimate tab, and the JSON download is, byte for byte,
what ``estimate --json`` prints.

Costs below a cent are where two encoders used to disagree (``0.0000008`` against
``8E-7``); a tiny file priced with a cheap model makes every cost that small.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_browser import CHROMIUM, CHROMIUM_ARGS, server  # noqa: F401  (server is a fixture)

from estimator.cli import main

pytestmark = pytest.mark.browser


def test_the_json_download_is_the_clis_document_byte_for_byte(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)
    data = tmp_path / "tiny.csv"
    data.write_text("text\nhi\nok\n", encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
            page.set_default_timeout(30_000)
            page.goto(server)
            expect(page.get_by_text("Upload a file to estimate")).to_be_visible()
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(data))
            tab = page.get_by_role("tabpanel", name="Estimate")
            # The answer leads, with no further click: the recommended way, then the trade-off chart.
            expect(tab.get_by_text("Which way to run this job")).to_be_visible()
            expect(tab.locator('[data-testid="stMetricLabel"]').filter(has_text="Recommended").first).to_be_visible()
            expect(tab.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
            button = tab.locator('[data-testid="stDownloadButton"]').filter(has_text="Download results (JSON)")
            expect(button).to_be_visible()
            with page.expect_download() as info:
                button.locator("button").click()
            downloaded = Path(info.value.path()).read_bytes()
        finally:
            browser.close()

    doc = json.loads(downloaded)
    assert doc["file"] == "tiny.csv" and doc["rows"] == 2
    # The same settings on the command line, in a folder where the file has the same name.
    per_row = doc["output_tokens"] // doc["rows"]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["estimate", "tiny.csv", "--model", doc["model"], "--column", "text",
                                       "--output-tokens", str(per_row), "--json", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert result.stdout.encode("utf-8") == downloaded
    costs = [Decimal(m["total_cost"]) for m in doc["modes"].values()]
    assert costs and all(c < Decimal("0.01") for c in costs)
    assert all("E" not in m["total_cost"] for m in doc["modes"].values())  # plain decimals, never an exponent
