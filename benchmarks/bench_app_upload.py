"""Upload to answer in the app, against the command line's ``estimate`` on the same file.

    python benchmarks/bench_app_upload.py                 # 100,000 rows (~46 MB), 3 uploads
    python benchmarks/bench_app_upload.py --rows 20000 --repeat 5

It writes the dataset with ``make_dataset.py`` (deterministic, kept in ``--data-dir``), then:

* the command line: ``python -m estimator estimate FILE --model gpt-4o --column text
  --output-tokens 200`` in its own process, wall-clock from start to exit (best of ``--repeat``);
* the app: served as a user would (``streamlit run app.py --server.headless true --server.address
  127.0.0.1``) and driven by headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright;
  nothing is downloaded). Each try opens a new page (a new session), chooses the file in the
  Estimate tab's uploader and times, from choosing the file: the page holding it (the file's
  transfer, through Playwright into the page, then to the server), the answer strip showing the
  job's row count (the answer a person reads; the strip is drawn from the final plan, and the other
  tabs are drawn after it), and the script at rest (every tab drawn). Each try uploads a new
  variant of the file (one row of its own), so the app cannot answer from its cache of counts.

It prints both figures (best and median of the app's tries) and the ratio app / command line,
measured in the same run on the same machine. ``--reuploads N`` then uploads the same file N more
times in one page (removing it in between) and fails if any answer takes longer than
``--hang-seconds``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
CLI_ARGS = ("--model", "gpt-4o", "--column", "text", "--output-tokens", "200", "--no-progress")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dataset(rows: int, data_dir: Path) -> Path:
    from make_dataset import write_csv

    path = data_dir / f"app-upload-{rows}.csv"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        write_csv(part, rows)
        part.rename(path)
    return path


def variant(path: Path, tag: str) -> Path:
    """The dataset plus one row of its own: a new file to the app's cache of counts."""
    out = path.with_name(f"{path.stem}-{tag}.csv")
    if not out.exists():
        out.write_bytes(path.read_bytes() + f"0,variant {tag},other,10\n".encode())
    return out


def cli_seconds(path: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "estimator", "estimate", str(path), *CLI_ARGS], check=True,
                       capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        best = min(best, time.perf_counter() - started)
    return best


def serve(port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.25)
    os.killpg(proc.pid, signal.SIGTERM)
    raise RuntimeError(f"the app did not start; see {log}")


def at_rest(page: Any) -> None:
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def opened(page: Any, url: str) -> None:
    """The app's first run is over (a file chosen before then can be lost)."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.get_by_text("Upload a file to estimate")).to_be_visible(timeout=120_000)  # drawn by the app's run
    at_rest(page)


def answered(page: Any, rows: int, timeout_ms: float) -> None:
    """The answer strip shows this job (its row count): what a person reads as the answer."""
    from playwright.sync_api import expect

    expect(page.locator(".st-key-answer_strip")).to_be_visible(timeout=timeout_ms)
    expect(page.get_by_role("tabpanel", name="Estimate").get_by_text(f"{rows:,}", exact=False).first).to_be_visible(
        timeout=timeout_ms)


def removed(page: Any) -> None:
    """The file is gone from the page and the uploader's input is empty again (as a person sees it)."""
    from playwright.sync_api import expect

    expect(page.locator(".st-key-answer_strip")).to_have_count(0, timeout=120_000)
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=\"stFileUploaderDropzoneInput\"]');"
        " return i !== null && i.files.length === 0; }", timeout=120_000)
    at_rest(page)


@dataclass
class Timing:
    """Seconds from choosing the file: until the page holds it (the upload is in the app), until the
    answer shows, until the script is at rest (every tab drawn)."""

    received: float
    answer: float
    rest: float

    @property
    def answer_after_upload(self) -> float:
        return self.answer - self.received


def upload_seconds(page: Any, path: Path, rows: int, timeout_ms: float) -> Timing:
    chooser = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
    chooser.evaluate("input => input.isConnected")  # the input is found before the clock starts
    started = time.perf_counter()
    chooser.set_input_files(str(path))
    page.locator('[data-testid="stFileChip"]').first.wait_for(timeout=timeout_ms)
    received = time.perf_counter() - started
    answered(page, rows, timeout_ms)
    answer = time.perf_counter() - started
    at_rest(page)
    return Timing(received, answer, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reuploads", type=int, default=5)
    ap.add_argument("--hang-seconds", type=float, default=60.0)
    ap.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "estimator-bench"))
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    path = dataset(args.rows, Path(args.data_dir))
    port = free_port()
    proc = serve(port, Path(args.data_dir) / "bench_app_upload.server.log")
    app: list[Timing] = []
    reuploads: list[Timing] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                warm = browser.new_page(viewport={"width": 1100, "height": 900})
                opened(warm, f"http://127.0.0.1:{port}")  # the first session loads the tables and the tokenizer
                upload_seconds(warm, variant(path, "warm"), args.rows + 1, args.hang_seconds * 1000)
                warm.close()
                for i in range(args.repeat):
                    page = browser.new_page(viewport={"width": 1100, "height": 900})
                    opened(page, f"http://127.0.0.1:{port}")
                    app.append(upload_seconds(page, variant(path, str(i)), args.rows + 1, args.hang_seconds * 1000))
                    if i == args.repeat - 1 and args.reuploads:
                        remove = page.locator('[data-testid="stFileChipDeleteBtn"]').first
                        for _ in range(args.reuploads):
                            remove.click()
                            removed(page)
                            reuploads.append(upload_seconds(page, variant(path, str(i)), args.rows + 1,
                                                            args.hang_seconds * 1000))
                    page.close()
            finally:
                browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    cli = cli_seconds(path, args.repeat)
    size_mb = path.stat().st_size / 1e6
    print(f"command line estimate  {args.rows:,} rows  {size_mb:,.0f} MB  {cli:.2f} s  (best of {args.repeat}; "
          "baseline)")
    for label, pick in (("choose the file -> answer shown", lambda t: t.answer),
                        ("file in the app -> answer shown", lambda t: t.answer_after_upload),
                        ("choose the file -> every tab drawn", lambda t: t.rest)):
        values = [pick(t) for t in app]
        best, median = min(values), statistics.median(values)
        print(f"app, {label:34} {best:.2f} s best, {median:.2f} s median of {len(values)}  "
              f"({best / cli:.2f}x / {median / cli:.2f}x the command line)")
    print(f"app, the file's transfer into the page (test harness and browser): "
          f"{statistics.median([t.received for t in app]):.2f} s median")
    if reuploads:
        print("re-uploads of the same file in one page (answer shown / every tab drawn): "
              + ", ".join(f"{t.answer:.2f}/{t.rest:.2f}" for t in reuploads) + " s")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
