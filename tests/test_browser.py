"""The app in a real browser: serve it, upload a file, read the numbers, download the results;
the JSON download is, byte for byte, what ``estimate --json`` prints.

Needs the ``chromium`` system package at /usr/bin/chromium (``./dev test``
installs it) and the playwright Python package; playwright's own browser
downloads are never used. One server and one Chromium serve the tests here;
each test opens its own page, so each is a new session of the app.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import ticket_texts
from apptest_helpers import APP_MODEL
from click.testing import CliRunner

from estimator.cli import main
from estimator.modes import MODE_LABELS
from estimator.money import format_usd

# One worker runs every test of this module: one app server and one Chromium at a time, as the upload
# timing was measured (two of each on 2 cores lost an upload in one run of four).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

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
# Every wait is for a condition (a text, a value, the script at rest); this is only the ceiling that
# turns a hang into a failure, high enough for a loaded 2-core machine counting its first file.
WAIT_MS = 120_000
CHOSEN_MS = 30_000  # a chosen file shows in the uploader at once (in the page); else it is chosen again


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = WAIT_MS / 1000) -> None:
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the tests of this module."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: install the Debian/Ubuntu 'chromium' package "
            "(./dev test does it) to run the browser tests"
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A new session of the app in its own page, once the app's first run is over: a file chosen
    before then can be lost when the uploader is drawn again."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    try:
        page.set_default_timeout(WAIT_MS)
        page.goto(server)
        # Load events fire before the app exists: wait for the app's own text.
        expect(page.get_by_text("Upload a file to estimate")).to_be_visible()
        settled(page)
        yield page
    finally:
        page.close()


def settled(page: Any) -> None:
    """Wait until the app's script is at rest and the browser has drawn two frames since (layout done)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def upload(page: Any, path: Path) -> Any:
    """Choose ``path`` in the Estimate tab's uploader (the first; the Reconcile tab has three more).

    The input is found before the file is set: set straight away, Playwright sometimes sent the file
    through the page without it ever reaching the input (no upload request, no file in the uploader);
    found first, it gives the browser the file's path, as a person choosing a file does. On a loaded
    machine the file was still lost once in a few runs (the page was redrawing the uploader as the
    file was set): the file is chosen again until the uploader shows it, as a person would."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    chooser = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    chip = page.locator('[data-testid="stFileChipName"]', has_text=path.name).first
    for attempt in range(3):
        chooser.evaluate("input => input.isConnected")
        chooser.set_input_files(str(path))
        try:
            chip.wait_for(timeout=CHOSEN_MS)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            settled(page)
    return page.get_by_role("tabpanel", name="Estimate")


def cli_estimate(path: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["estimate", str(path), "--model", APP_MODEL, *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_upload_estimate_and_download(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

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

    tab = upload(page, data)
    expect(tab.get_by_role("heading", name="Cost by delivery mode")).to_be_visible()
    out = tab.get_by_label("Output tokens per answer")
    out.fill("50")
    out.press("Enter")

    standard = format_usd(Decimal(expected["modes"]["standard"]["total_cost"]))
    metric = standard_metric(tab)
    expect(metric.locator('[data-testid="stMetricValue"]')).to_have_text(standard)
    shown = metric_values(tab)
    assert shown["Rows"] == f"{expected['rows']:,}"
    assert shown["Input tokens"] == f"{expected['input_tokens']:,}"
    assert shown["Expected output tokens"] == f"{expected['output_tokens']:,}"
    assert shown["Batch API"] == format_usd(Decimal(expected["modes"]["batch"]["total_cost"]))
    assert shown["Streaming + early exit"] == format_usd(
        Decimal(expected["modes"]["streaming_early_exit"]["total_cost"])
    )
    expect(tab.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()

    # The one-page summary for the person approving the spend.
    with page.expect_download() as info:
        tab.get_by_role("button", name="One-page summary for approval").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Spend approval: tickets.csv, 60 requests on ")
    assert "## Assumptions" in text and "## Price sources" in text and "nothing is recommended" in text

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

    for name, heading in (
        ("Compare models", "Compare models on this dataset"),
        ("Batch plan", "Batch files, waves and completion time"),
        ("Forecast", "Monthly budget forecast"),
        ("Batch budgeter", "Batch budgeter"),
        ("Pricing", "Price tables"),
    ):
        page.get_by_role("tab", name=name).click()
        panel = page.get_by_role("tabpanel", name=name)
        expect(panel.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def screenshot(page: Any, name: str, width: int = 1440) -> None:
    """The whole app: Streamlit scrolls inside its own container, so grow the viewport to fit it."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], section')]"
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 12_000)})
    settled(page)  # charts laid out again at the new size
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": width, "height": 1000})


def standard_metric(scope: Any) -> Any:
    """The metric labelled exactly "Standard" (the answer strip above it may name the standard mode too)."""
    label = scope.page.locator('[data-testid="stMetricLabel"]').filter(has_text=re.compile(r"^\s*Standard\s*$"))
    return scope.locator('[data-testid="stMetric"]').filter(has=label).first


def metric_values(scope: Any) -> dict[str, str]:
    values = {}
    for m in scope.locator('[data-testid="stMetric"]').all():
        label = m.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        values[label] = m.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return values


# --------------------------------------------------------------------------
# As a new user: the default column, inputs kept, a layout that holds, nothing sent away
# --------------------------------------------------------------------------

TAB_NAMES = ("Estimate", "Compare models", "Time value", "Batch plan", "Forecast", "Batch budgeter", "Pricing",
             "Reconcile")

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


def test_new_user_defaults_inputs_layout_and_no_outside_requests(
    browser: Any, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    data = tmp_path / "changes.csv"
    changelog_csv(data)
    expected = cli_estimate(data, "--column", "body", "--output-tokens", "50")
    ARTIFACTS.mkdir(exist_ok=True)
    hosts: set[str] = set()

    def seen(request: Any) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss"):
            hosts.add(url.hostname or "")

    # Its own page, listening before the first request.
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    try:
        page.on("request", seen)
        page.set_default_timeout(WAIT_MS)
        page.goto(server)
        expect(page.get_by_text("Upload a file to estimate")).to_be_visible()
        expect(page.locator('[data-testid="stSidebar"]')).to_be_visible()  # the sidebar is open
        settled(page)
        tab = upload(page, data)
        expect(tab.get_by_role("heading", name="Cost by delivery mode")).to_be_visible()
        settled(page)
        answer_first(page, 900)

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
        standard = format_usd(Decimal(expected["modes"]["standard"]["total_cost"]))
        expect(standard_metric(tab)
               .locator('[data-testid="stMetricValue"]')).to_have_text(standard)

        # Large figures are the ones that get cut off: make every cost run to thousands of dollars.
        out = tab.get_by_label("Output tokens per answer")
        out.fill("9000000")
        out.press("Enter")
        expect(standard_metric(tab)
               .locator('[data-testid="stMetricValue"]')).to_contain_text(",")

        for width in (1100, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for name in TAB_NAMES:
                page.get_by_role("tab", name=name).click()
                panel = page.get_by_role("tabpanel", name=name)
                expect(panel).to_be_visible()
                settled(page)
                clipped = page.evaluate(CLIPPED_JS)
                assert clipped == [], f"{name} at {width} px: {clipped}"
                charts_drawn(page)
                faults = page.evaluate(CHART_FAULTS_JS)
                assert faults == [], f"{name} at {width} px: {faults}"
                screenshot(page, f"{width}px-{name.lower().replace(' ', '-')}.png", width)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    finally:
        page.close()
    assert hosts <= {"127.0.0.1", "localhost"}, f"requests left the machine: {sorted(hosts)}"


# --------------------------------------------------------------------------
# The JSON download is the command line's document, byte for byte
# --------------------------------------------------------------------------


def test_the_json_download_is_the_clis_document_byte_for_byte(
    page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Costs below a cent are where two encoders used to disagree (``0.0000008`` against
    ``8E-7``); a tiny file priced with a cheap model makes every cost that small."""
    from playwright.sync_api import expect

    data = tmp_path / "tiny.csv"
    data.write_text("text\nhi\nok\n", encoding="utf-8")
    tab = upload(page, data)
    # The answer leads, with no further click: until the stakes are said, the cheapest way (no pick),
    # then the trade-off chart.
    expect(tab.get_by_text("Which way to run this job")).to_be_visible()
    expect(tab.locator('[data-testid="stMetricLabel"]').filter(has_text="Cheapest").first).to_be_visible()
    expect(tab.locator('[data-testid="stMetricLabel"]').filter(has_text="Recommended")).to_have_count(0)
    expect(tab.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
    button = tab.locator('[data-testid="stDownloadButton"]').filter(has_text="Download results (JSON)")
    expect(button).to_be_visible()
    with page.expect_download() as info:
        button.locator("button").click()
    downloaded = Path(info.value.path()).read_bytes()

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


# --------------------------------------------------------------------------
# The answer is the first thing on the screen, at a laptop's width and a phone's
# --------------------------------------------------------------------------

# Where the answer strip, its first figure and the dataset's settings are, with the page at its top.
FIRST_SCREEN_JS = """
() => {
  for (const e of document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')) e.scrollTop = 0;
  window.scrollTo(0, 0);
  const strip = document.querySelector('.st-key-answer_strip');
  const figure = strip.querySelector('[data-testid="stMetricValue"]');
  const settings = [...document.querySelectorAll('h3')].find(h => h.innerText.startsWith('The dataset and its requests'));
  const chart = document.querySelector('.st-key-answer_head [data-testid="stPlotlyChart"]');
  return {strip: strip.getBoundingClientRect().top, figure: figure.getBoundingClientRect().bottom,
          chart: chart.getBoundingClientRect().top, settings: settings.getBoundingClientRect().top,
          height: window.innerHeight};
}
"""


def answer_first(page: Any, height: int) -> dict[str, float]:
    """The answer strip's first figure is on the first screen; the trade-off chart comes before the
    dataset's settings, which follow below."""
    page.wait_for_function(
        "() => document.querySelector('.st-key-answer_strip [data-testid=\"stMetricValue\"]') !== null"
        " && document.querySelector('.st-key-answer_head [data-testid=\"stPlotlyChart\"]') !== null")
    at = page.evaluate(FIRST_SCREEN_JS)
    assert at["figure"] <= height, f"the answer's first figure is below the first screen: {at}"
    assert at["strip"] < at["chart"] < at["settings"], at
    return dict(at)


# Text of a chart that runs outside its box (cut off) or lies on other text (unreadable): the title,
# the legend, axis titles and annotations of every chart on the page.
CHART_FAULTS_JS = """
() => {
  const out = [];
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    if (plot.offsetParent === null) continue;
    const box = plot.getBoundingClientRect();
    const name = (plot.querySelector('.gtitle') || {}).textContent || 'a chart';
    const parts = [];
    for (const sel of ['.gtitle', '.legend', '.xtitle', '.ytitle', '.annotation', '.xtick', '.ytick']) {
      for (const e of plot.querySelectorAll(sel)) {
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
          out.push(name + ': ' + sel + ' "' + e.textContent.slice(0, 40) + '" runs outside the chart');
        parts.push([sel, e.textContent.slice(0, 40), r]);
      }
    }
    const legend = plot.querySelector('.legend .scrollbar');
    if (legend && legend.getBoundingClientRect().height > 0) out.push(name + ': the legend scrolls (cut off)');
    for (let i = 0; i < parts.length; i++) for (let j = i + 1; j < parts.length; j++) {
      const [sa, ta, a] = parts[i], [sb, tb, b] = parts[j];
      if (sa === sb && ['.legend', '.xtick', '.ytick'].includes(sa)) continue;
      if (sa.endsWith('tick') && sb.endsWith('tick')) continue;
      const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2
                   && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2;
      if (overlap) out.push(name + ': ' + sa + ' "' + ta + '" lies on ' + sb + ' "' + tb + '"');
    }
  }
  return out;
}
"""


def charts_drawn(page: Any) -> None:
    """Every chart visible on the page has been drawn (Plotly draws after the script is at rest)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')].filter(c => c.offsetParent !== null)"
        ".every(c => c.querySelector('.main-svg .legend, .main-svg .gtitle') !== null)")
    settled(page)  # and laid out


# Last in this module: sessions of the tests above expire (and are shut down) while it re-uploads.
def test_the_answer_is_the_first_screen_on_a_phone_and_a_reupload_never_hangs(
    browser: Any, server: str, tmp_path: Path
) -> None:
    """At 390 px, straight after an upload, the answer is on screen; removing the file and choosing the
    same file again (which a browser signals no change for unless the input was emptied) answers each time."""
    from playwright.sync_api import expect

    data = tmp_path / "changes.csv"
    changelog_csv(data, rows=300)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.set_default_timeout(WAIT_MS)
        page.goto(server)
        expect(page.get_by_text("Upload a file to estimate")).to_be_visible()
        settled(page)
        for attempt in range(3):
            upload(page, data)
            expect(page.locator(".st-key-answer_strip")).to_be_visible()
            expect(page.locator(".st-key-answer_strip").get_by_text("When do you need the results?")).to_be_visible()
            settled(page)
            if attempt == 0:
                answer_first(page, 844)
            page.locator('[data-testid="stFileChipDeleteBtn"]').first.click()
            expect(page.locator(".st-key-answer_strip")).to_have_count(0)
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-testid=\"stFileUploaderDropzoneInput\"]')]"
                ".every(i => i.files.length === 0)")
            settled(page)
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    finally:
        page.close()
