"""The app in a real browser: serve it, upload a file, read the numbers, download the results.

Needs the ``chromium`` system package at /usr/bin/chromium (``./dev test``
installs it) and the playwright Python package; playwright's own browser
downloads are never used.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import ticket_texts

from estimator.modes import MODE_LABELS
from estimator.money import format_usd

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TEXTS = ticket_texts.TEXTS[:6]  # all but the "NA" and Japanese tickets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before it served the app")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit did not answer {url}/_stcore/health within {timeout:.0f} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace"), log.read_text()


def cli_estimate(path: Path, *args: str) -> dict:
    from click.testing import CliRunner

    from estimator.cli import main

    result = CliRunner().invoke(main, ["estimate", str(path), "--model", "gpt-4o", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_upload_estimate_and_download(server: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: install the Debian/Ubuntu 'chromium' package "
            "(./dev test does it) to run the browser test"
        )
    from playwright.sync_api import expect, sync_playwright

    # The first count loads the tokenizer; a busy machine needs more than the 5 s default.
    expect.set_options(timeout=20_000)

    data = tmp_path / "tickets.csv"
    with open(data, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "notes"])
        for i in range(60):
            # The notes make the file larger than 1 MB: the app then empties Streamlit's copy of the
            # upload once it is on disk, and every rerun below reads the staged file.
            w.writerow([i + 1, TEXTS[i % len(TEXTS)] + f" (ticket {i + 1})", "n" * 20_000])
    expected = cli_estimate(data, "--column", "text", "--output-tokens", "50")
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
            page.set_default_timeout(30_000)
            page.goto(server)
            # Load events fire before the app exists: wait for the app's own text.
            expect(page.get_by_text("Upload a file to estimate")).to_be_visible()
            # The Estimate tab's uploader is the first; the Reconcile tab has three more.
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(data))
            tab = page.get_by_role("tabpanel", name="Estimate")
            expect(tab.get_by_role("heading", name="Cost by delivery mode")).to_be_visible()
            out = tab.get_by_label("Output tokens per answer")
            out.fill("50")
            out.press("Enter")

            standard = format_usd(json_decimal(expected["modes"]["standard"]["total_cost"]))
            metric = standard_metric(tab)
            expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text(standard)
            shown = metric_values(tab)
            assert shown["Rows"] == f"{expected['rows']:,}"
            assert shown["Input tokens"] == f"{expected['input_tokens']:,}"
            assert shown["Expected output tokens"] == f"{expected['output_tokens']:,}"
            assert shown["Batch API"] == format_usd(json_decimal(expected["modes"]["batch"]["total_cost"]))
            assert shown["Streaming + early exit"] == format_usd(
                json_decimal(expected["modes"]["streaming_early_exit"]["total_cost"])
            )
            expect(tab.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
            screenshot(page, "estimate.png")

            button = tab.locator('[data-testid="stDownloadButton"]').filter(has_text="Download results (CSV)")
            with page.expect_download() as info:
                button.locator("button").click()
            download = info.value
            assert download.suggested_filename == "estimate.csv"
            text = Path(download.path()).read_text(encoding="utf-8-sig")
            rows = {r["mode"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
            assert set(rows) == set(expected["modes"]) and set(rows) <= set(MODE_LABELS)
            for mode, cost in expected["modes"].items():
                assert rows[mode]["total_cost_usd"] == cost["total_cost"]
                assert rows[mode]["input_tokens"] == str(cost["input_tokens"])
            assert rows["standard"]["file"] == "tickets.csv"

            page.get_by_role("tab", name="Time value").click()
            tv = page.get_by_role("tabpanel", name="Time value")
            expect(tv.get_by_text("Is waiting for batch worth it?")).to_be_visible()
            expect(tv.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
            screenshot(page, "time-value.png")

            for name, heading in (
                ("Batch plan", "Batch files, waves and completion time"),
                ("Forecast", "Monthly budget forecast"),
                ("Batch budgeter", "Batch budgeter"),
                ("Pricing", "Price tables"),
            ):
                page.get_by_role("tab", name=name).click()
                panel = page.get_by_role("tabpanel", name=name)
                expect(panel.get_by_role("heading", name=heading)).to_be_visible()
                screenshot(page, name.lower().replace(" ", "-") + ".png")
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        finally:
            browser.close()


def screenshot(page, name: str, width: int = 1440) -> None:  # type: ignore[no-untyped-def]
    """The whole app: Streamlit scrolls inside its own container, so grow the viewport to fit it."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], section')]"
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 12_000)})
    page.wait_for_timeout(500)  # let charts re-layout to the new size
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": width, "height": 1000})


def standard_metric(scope):  # type: ignore[no-untyped-def]
    """The metric labelled exactly "Standard" (the answer strip above it may name the standard mode too)."""
    import re

    label = scope.page.locator('[data-testid="stMetricLabel"]').filter(has_text=re.compile(r"^\s*Standard\s*$"))
    return scope.locator('[data-testid="stMetric"]').filter(has=label).first


def json_decimal(text: str):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    return Decimal(text)


def metric_values(scope) -> dict[str, str]:  # type: ignore[no-untyped-def]
    values = {}
    for m in scope.locator('[data-testid="stMetric"]').all():
        label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        values[label] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return values


# --------------------------------------------------------------------------
# As a new user: the default column, inputs kept, a layout that holds, nothing sent away
# --------------------------------------------------------------------------

TAB_NAMES = ("Estimate", "Time value", "Batch plan", "Forecast", "Batch budgeter", "Pricing", "Reconcile")

# Every visible metric label and value, and any element inside one whose content is wider than
# its box (cut off or ellipsised).
CLIPPED_JS = """
() => {
  const out = [];
  for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
    if (m.offsetParent === null) continue;
    for (const e of [m, ...m.querySelectorAll('*')]) {
      if (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1) {
        const what = e.getAttribute('data-testid') || e.tagName;
        out.push(m.innerText.replace(/\\s+/g, ' ').slice(0, 80)
                 + ' [' + what + ' ' + e.scrollWidth + '>' + e.clientWidth + ']');
        break;
      }
    }
    const r = m.getBoundingClientRect();
    if (r.right > document.documentElement.clientWidth + 1) out.push('off screen: ' + m.innerText.slice(0, 60));
  }
  return out;
}
"""


def changelog_csv(path: Path, rows: int = 40) -> None:
    """Text in ``body``, the fourth column; ids first."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "version", "author", "body", "lines_changed"])
        for i in range(rows):
            w.writerow([f"c{i:05d}", f"2.{i}.0", "maintainer", TEXTS[i % len(TEXTS)] + f" (change {i})", 10 + i])


def test_new_user_defaults_inputs_layout_and_no_outside_requests(server: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install the Debian/Ubuntu 'chromium' package")
    from urllib.parse import urlparse

    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)
    data = tmp_path / "changes.csv"
    changelog_csv(data)
    expected = cli_estimate(data, "--column", "body", "--output-tokens", "50")
    ARTIFACTS.mkdir(exist_ok=True)
    hosts: set[str] = set()

    def seen(request) -> None:  # type: ignore[no-untyped-def]
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss"):
            hosts.add(url.hostname or "")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("request", seen)
            page.set_default_timeout(30_000)
            page.goto(server)
            expect(page.get_by_text("Upload a file to estimate")).to_be_visible()
            expect(page.locator('[data-testid="stSidebar"]')).to_be_visible()  # the sidebar is open
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(data))
            tab = page.get_by_role("tabpanel", name="Estimate")
            expect(tab.get_by_role("heading", name="Cost by delivery mode")).to_be_visible()

            # The text column a person would choose, and why.
            expect(tab.get_by_role("combobox", name="Text column")).to_have_value("body")
            expect(tab.get_by_text("the longest text column", exact=False)).to_be_visible()

            out = tab.get_by_label("Output tokens per answer")
            out.fill("50")
            out.press("Enter")
            expect(tab.locator('[data-testid="stMetric"]').filter(has_text="Input tokens")
                   .locator('[data-testid="stMetricValue"]')).to_have_text(f"{expected['input_tokens']:,}")

            # Switch the output option away and back: the 50 stays.
            kind = tab.get_by_role("combobox", name="Expected output tokens")
            kind.click()
            page.get_by_role("option", name="A ratio of the input tokens").click()
            expect(tab.get_by_label("Output tokens per input token")).to_be_visible()
            kind.click()
            page.get_by_role("option", name="Fixed tokens per answer").click()
            expect(tab.get_by_label("Output tokens per answer")).to_have_value("50")
            standard = format_usd(json_decimal(expected["modes"]["standard"]["total_cost"]))
            expect(standard_metric(tab)
                   .locator('[data-testid="stMetricValue"]')).to_have_text(standard)

            # Large figures are the ones that get cut off: make every cost run to thousands of dollars.
            out = tab.get_by_label("Output tokens per answer")
            out.fill("2500000")
            out.press("Enter")
            expect(standard_metric(tab)
                   .locator('[data-testid="stMetricValue"]')).to_contain_text(",")

            for width in (1100, 390):
                page.set_viewport_size({"width": width, "height": 900})
                for name in TAB_NAMES:
                    page.get_by_role("tab", name=name).click()
                    panel = page.get_by_role("tabpanel", name=name)
                    expect(panel).to_be_visible()
                    page.wait_for_timeout(400)
                    clipped = page.evaluate(CLIPPED_JS)
                    assert clipped == [], f"{name} at {width} px: {clipped}"
                    screenshot(page, f"{width}px-{name.lower().replace(' ', '-')}.png", width)
            expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        finally:
            browser.close()
    assert hosts <= {"127.0.0.1", "localhost"}, f"requests left the machine: {sorted(hosts)}"
