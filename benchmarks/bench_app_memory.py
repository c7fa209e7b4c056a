"""Memory of the app's server process for one and for two concurrent large uploads.

    python benchmarks/bench_app_memory.py                  # 400 MB file, one upload then two at once
    python benchmarks/bench_app_memory.py --mb 300 --after 60
    python benchmarks/bench_app_memory.py --only one      # a quicker run

It starts the app as a user would (``streamlit run app.py --server.headless true
--server.address 127.0.0.1 --server.port <free port>``), waits until it is up
and measures its idle resident memory (the baseline). Then, for each scenario,
it opens the page in headless Chromium (Debian's ``/usr/bin/chromium`` through
Playwright; nothing is downloaded), uploads a generated CSV through the page's
file input (the real upload endpoint), waits until the estimate is shown, closes
the browser (which ends the session) and keeps sampling for ``--after`` seconds.

The server's resident set size (RSS from /proc, the process and its children) is sampled
every 0.2 s throughout. For each scenario it prints the peak while the uploads
were read and counted, the RSS at the end of the wait after the sessions closed,
and both as the increase over the baseline divided by the bytes uploaded.

The dataset comes from ``make_dataset.py`` (deterministic; kept in
``--data-dir`` and reused). The scenarios run one after the other in the same
server, so "two" starts from what "one" left behind: the script prints the RSS
at the start of each scenario too.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
MB = 1024 * 1024
LOG = Path(os.environ.get("TMPDIR", "/tmp")) / "bench_app_memory.server.log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dataset(mb: int, data_dir: Path) -> Path:
    """A CSV of realistic rows of about ``mb`` MB (about 465 bytes a row)."""
    rows = mb * MB // 465
    path = data_dir / f"app-memory-{rows}.csv"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(".part")
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "make_dataset.py"), "--rows", str(rows), "--out", str(part)],
            check=True,
        )
        part.rename(path)
    return path


def variant(path: Path, tag: str) -> Path:
    """The dataset plus one row of its own, so every upload is a new file (the app caches counts by content)."""
    out = path.with_name(f"{path.stem}-{tag}.csv")
    if not out.exists():
        part = out.with_suffix(".part")
        with path.open("rb") as src, part.open("wb") as dst:
            while block := src.read(1 << 22):
                dst.write(block)
            dst.write(f"0,variant {tag},other,10\n".encode())
        part.rename(out)
    return out


def rss(pid: int) -> int:
    """Resident set size in bytes, from /proc (Linux), of the process and its children."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return total


@dataclass
class Sampler:
    pid: int
    samples: list[tuple[float, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.monotonic(), rss(self.pid)))
            time.sleep(0.2)

    def between(self, t0: float, t1: float) -> list[int]:
        return [r for t, r in self.samples if t0 <= t <= t1]


def start_app(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [
        str(Path(sys.executable).parent / "streamlit"), "run", "app.py",
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
    ]
    log = open(LOG, "wb")  # noqa: SIM115 - the server writes to it until it stops
    app = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return app
        except OSError:
            time.sleep(0.3)
    app.kill()
    raise SystemExit(f"the app did not start within 60 s; its log: {LOG}")


def warm_up(url: str, small: Path, rows: int) -> None:
    """Estimate a small file once, so the baseline holds the app's imports and the loaded tokenizer."""
    upload_and_wait(url, [small], rows, 600)


def upload_and_wait(url: str, files: list[Path], expected_rows: int, timeout_s: float) -> float:
    """Upload each file in its own browser session at once; the seconds until every estimate showed."""
    from playwright.sync_api import sync_playwright

    t0 = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        for _ in files:
            page = browser.new_context().new_page()
            page.goto(url)
            page.get_by_text("Your dataset").first.wait_for(timeout=60_000)
            pages.append(page)
        for page, f in zip(pages, files, strict=True):
            # The Estimate tab's uploader comes first; the Reconcile tab has three more.
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(f))
        for page in pages:
            page.bring_to_front()  # headless Chromium may hold back a page in the background
            # The Estimate tab's Rows metric appears once the file is read and counted.
            label = page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(r"^\s*Rows\s*$"))
            rows = page.locator('[data-testid="stMetric"]').filter(has=label).first
            rows.wait_for(timeout=timeout_s * 1000)
            errors = page.locator('[data-testid="stAlertContentError"]')
            if errors.count():
                raise SystemExit(f"the app showed an error: {errors.first.inner_text()}")
            counted = rows.locator('[data-testid="stMetricValue"]').inner_text()
            if counted.replace(",", "") != str(expected_rows):
                raise SystemExit(f"the app counted {counted} rows, not {expected_rows:,}")
        took = time.monotonic() - t0
        for page in pages:
            page.context.close()
        browser.close()
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=400, help="size of each uploaded file in MB (default 400)")
    ap.add_argument("--after", type=float, default=75, help="seconds to keep sampling after the sessions close")
    ap.add_argument("--only", choices=["one", "two"], help="run one scenario only")
    ap.add_argument("--timeout", type=float, default=600, help="seconds to wait for an estimate")
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "estimator-bench")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="extra environment for the app; MALLOC_ARENA_MAX=2 unless given (as ./dev app sets it)")
    args = ap.parse_args()

    path = dataset(args.mb, args.data_dir)
    rows = args.mb * MB // 465
    size = path.stat().st_size
    env = dict(os.environ)
    env.setdefault("MALLOC_ARENA_MAX", "2")  # as ./dev app starts it
    env.update(kv.split("=", 1) for kv in args.env)
    port = free_port()
    app = start_app(port, env)
    proc = app.pid
    sampler = Sampler(proc)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    try:
        time.sleep(3)
        cold = rss(proc)
        small = args.data_dir / "app-memory-warm-up.csv"
        with path.open("rb") as src:
            small.write_bytes(b"".join(src.readline() for _ in range(101)))
        with small.open(newline="", encoding="utf-8") as f:
            small_rows = sum(1 for _ in csv.reader(f)) - 1
        warm_up(f"http://127.0.0.1:{port}/", small, small_rows)
        time.sleep(args.after)
        baseline = rss(proc)
        print(f"file {path.name}: {size / MB:,.0f} MB; server before any page {cold / MB:,.0f} MB RSS; "
              f"idle after estimating a 100-row file (baseline) {baseline / MB:,.0f} MB RSS")
        print(f"load average {os.getloadavg()[0]:.2f}")
        scenarios = [("one", 1), ("two", 2)]
        for name, n in scenarios:
            if args.only and args.only != name:
                continue
            start = rss(proc)
            t0 = time.monotonic()
            files = [variant(path, f"{name}-{i}") for i in range(n)]
            took = upload_and_wait(f"http://127.0.0.1:{port}/", files, rows + 1, args.timeout)
            t_closed = time.monotonic()
            time.sleep(args.after)
            t_end = time.monotonic()
            peak = max(sampler.between(t0, t_closed))
            after = rss(proc)
            uploaded = sum(f.stat().st_size for f in files)
            print(
                f"{name} upload{'s' if n > 1 else ''} ({n} x {size / MB:,.0f} MB, estimates shown in {took:.0f} s): "
                f"start {start / MB:,.0f} MB, peak {peak / MB:,.0f} MB "
                f"(+{(peak - baseline) / MB:,.0f} MB = {(peak - baseline) / uploaded:.2f}x the upload, "
                f"{peak / baseline:.1f}x baseline); "
                f"{args.after:.0f} s after closing {after / MB:,.0f} MB "
                f"(+{(after - baseline) / MB:,.0f} MB = {(after - baseline) / uploaded:.2f}x the upload)"
            )
            tail = sampler.between(t_closed, t_end)
            if tail:
                print(f"  after closing: max {max(tail) / MB:,.0f} MB, min {min(tail) / MB:,.0f} MB")
            del t_end
    finally:
        sampler.stop.set()
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    main()
