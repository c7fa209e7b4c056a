"""How fast and how lean ``count_dataset`` is against the obvious way.

    python benchmarks/bench_count.py                    # 1,000,000 rows (~450 MB), both runs
    python benchmarks/bench_count.py --rows 100000      # a quicker run
    python benchmarks/bench_count.py --rows 2500000 --only pipeline   # memory on a file > 1 GB

It writes the dataset with ``make_dataset.py`` (deterministic; kept in
``--data-dir`` and reused), then measures, each in its own subprocess so the
peak RSS of one does not hide in the other:

* baseline: ``pandas.read_csv(dtype=str, keep_default_na=False)`` then
  ``len(enc.encode(text))`` per row with tiktoken, in one process;
* pipeline: ``estimator.count_dataset`` (exact, streaming, all cores).

It prints rows, MB, seconds, MB/s, CPU seconds and peak RSS of each, the
token totals (which must be identical: the script fails otherwise) and the
speed ratio. Other work on the machine lowers the pipeline's figures most
(it uses every core): the script prints the load average.

Measured on the 2-core development machine, load average < 0.5, quicktok as
the fast backend:

    baseline  1,000,000 rows  465 MB  29.4 s  15.8 MB/s  CPU 29.4 s  peak RSS 984 MB
    pipeline  1,000,000 rows  465 MB   5.9 s  79.2 MB/s  CPU 10.6 s  peak RSS 459 MB   (5.0x)
    pipeline  2,500,000 rows 1164 MB  14.7 s  79.3 MB/s  CPU 27.1 s  peak RSS 458 MB
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

ENCODING = "o200k_base"
MODEL = "gpt-4o"


def _peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _plain_tiktoken(name: str):  # type: ignore[no-untyped-def]
    """tiktoken's own Encoding, loaded offline from the encoding file the package ships."""
    cache = Path(tempfile.gettempdir()) / "estimator-bench-tiktoken"
    cache.mkdir(exist_ok=True)
    url = f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
    target = cache / hashlib.sha1(url.encode()).hexdigest()
    if not target.exists():
        target.write_bytes(
            gzip.decompress((ROOT / "estimator" / "tokens" / "_encodings" / f"{name}.tiktoken.gz").read_bytes())
        )
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
    import tiktoken

    return tiktoken.get_encoding(name)


def measure_baseline(path: str) -> dict[str, object]:
    import pandas as pd

    enc = _plain_tiktoken(ENCODING)
    cpu = _cpu_seconds()
    start = time.perf_counter()
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    read = time.perf_counter() - start
    encode = enc.encode
    total = 0
    for text in df["text"]:
        total += len(encode(text, disallowed_special=()))
    seconds = time.perf_counter() - start
    return {
        "rows": len(df),
        "text_tokens": total,
        "seconds": seconds,
        "read_seconds": read,
        "cpu_seconds": _cpu_seconds() - cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "backend": f"tiktoken {ENCODING}, one process",
    }


def measure_pipeline(path: str, workers: int | None) -> dict[str, object]:
    from estimator.convert import today
    from estimator.counting import CountOptions, OutputSpec
    from estimator.counting.dataset import count_dataset
    from estimator.counting.prompts import RequestShape
    from estimator.pricing import load_pricebook
    from estimator.tokens import get_tokenizer

    book = load_pricebook()
    model = book.model(MODEL)
    tok = get_tokenizer(model.tokenizer)  # loading the encoding is not what we measure
    cpu = _cpu_seconds()
    start = time.perf_counter()
    profile = count_dataset(
        path,
        model=model,
        shape=RequestShape(column="text"),
        output=OutputSpec(fixed=100),
        price=book.price(MODEL, today()),
        options=CountOptions(workers=workers),
    )
    seconds = time.perf_counter() - start
    return {
        "rows": profile.rows,
        "text_tokens": profile.text_tokens,
        "input_tokens": profile.input_tokens,
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "backend": f"{getattr(tok, 'backend', '?')} ({tok.label}), workers={workers or 'all cores'}",
    }


def _run_child(which: str, path: Path, workers: int | None) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--measure", which, "--data", str(path)]
    if workers:
        cmd += ["--workers", str(workers)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{which} run failed (exit {done.returncode})")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated CSV")
    ap.add_argument(
        "--data-dir",
        default=os.path.join(tempfile.gettempdir(), "estimator-bench"),
        help="where generated datasets are kept and reused",
    )
    ap.add_argument("--data", help="measure this CSV (column 'text') instead of a generated one")
    ap.add_argument(
        "--only",
        choices=("baseline", "pipeline"),
        help="run one side only (e.g. for a file too big for the baseline's memory)",
    )
    ap.add_argument("--workers", type=int, help="tokenizer threads for the pipeline (default: all cores)")
    ap.add_argument("--measure", choices=("baseline", "pipeline"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.measure:  # child process: one measurement, JSON on the last line
        fn = (
            measure_baseline(args.data)
            if args.measure == "baseline"
            else measure_pipeline(args.data, args.workers)
        )
        print(json.dumps(fn))
        return 0

    if args.data:
        path = Path(args.data)
    else:
        from make_dataset import write_csv

        Path(args.data_dir).mkdir(parents=True, exist_ok=True)
        path = Path(args.data_dir) / f"rows-{args.rows}.csv"
        if not path.exists():
            t = time.perf_counter()
            tmp = path.with_suffix(".partial")
            write_csv(tmp, args.rows)
            tmp.rename(path)
            print(f"generated {path} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    mb = path.stat().st_size / 1e6
    print(f"file: {path} ({mb:,.1f} MB); {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    load = os.getloadavg()[0]
    print(f"load average before: {load:.2f}")
    if load > 0.5:
        print("WARNING: the machine is busy; wall-clock figures (the pipeline's most) will be low")

    results: dict[str, dict[str, object]] = {}
    for which in ("baseline", "pipeline"):
        if args.only and which != args.only:
            continue
        r = results[which] = _run_child(which, path, args.workers)
        secs = float(r["seconds"])  # type: ignore[arg-type]
        cpu = float(r["cpu_seconds"])  # type: ignore[arg-type]
        print(
            f"{which:<9} rows {r['rows']:>10,}  {mb:8.1f} MB  {secs:7.2f} s  {mb / secs:7.1f} MB/s  "
            f"CPU {cpu:6.1f} s  peak RSS {float(r['peak_rss_mb']):5.0f} MB  "  # type: ignore[arg-type]
            f"text tokens {r['text_tokens']:,}  [{r['backend']}]"
        )
    if len(results) == 2:
        b, p = results["baseline"], results["pipeline"]
        if b["text_tokens"] != p["text_tokens"] or b["rows"] != p["rows"]:
            print(
                f"MISMATCH: baseline {b['rows']} rows / {b['text_tokens']} tokens, "
                f"pipeline {p['rows']} rows / {p['text_tokens']} tokens"
            )
            return 1
        ratio = float(b["seconds"]) / float(p["seconds"])  # type: ignore[arg-type]
        print(
            f"totals identical ({p['text_tokens']:,} text tokens; {p['input_tokens']:,} billed input tokens "
            f"with chat framing); pipeline is {ratio:.2f}x the baseline "
            f"(load average after: {os.getloadavg()[0]:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
