"""Where users wait: sampling, Parquet footers, start-up, new Unicode, Claude and Gemini, batch files.

    python benchmarks/bench_scale.py                      # everything, on 1,000,000 rows (~465 MB)
    python benchmarks/bench_scale.py --rows 100000        # a quicker run
    python benchmarks/bench_scale.py --only startup unicode

Every figure is printed with its ratio to a baseline measured in the same run, each
measurement in its own process (``--repeat`` times; the median is printed; where two or
three things are compared they take turns, so load from other work falls on all alike), so
a figure never leans on a number from another day or machine. The machine is shared: the
script prints the load average before and after.

* ``sample``: ``count_dataset`` exact, and ``sample_rows=10000`` (rows drawn at random
  byte offsets), on the CSV of ``make_dataset.py``; baseline: the exact count. Also
  pandas + tiktoken, for scale.
* ``parquet``: the same rows as Parquet (row groups of 10,000 rows), exact and sampled
  from the footers and 20 row groups; baseline: the exact count.
* ``coverage``: ``--seeds`` sampled estimates of the CSV (seeds 0, 1, ..., in one process):
  how often the 95% interval holds the exact count; baseline: the exact count (the truth).
* ``startup``: ``python -m estimator estimate`` on a 12-row CSV; baseline: ``import
  tiktoken``, loading ``o200k_base`` and encoding one text.
* ``unicode``: 100,000 rows each holding a character new in Unicode 16 (unassigned in
  this Python's Unicode 15 tables); baseline: the same rows holding a letter of Unicode 9
  from the same block instead (any non-ASCII text costs more than ASCII in every
  tokenizer; the question is whether *new* characters cost more than old ones). The
  same rows without either are shown too.
* ``providers``: Claude (reconstructed, ctok) and Gemini (calibrated) estimates of the
  CSV; baseline: the OpenAI estimate of the same file.
* ``batch``: ``validate-batch`` of 10,000 Anthropic requests sharing a system prompt;
  baseline: the same requests as an OpenAI batch file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DAY = dt.date(2026, 1, 1)
SECTIONS = ("sample", "parquet", "coverage", "startup", "unicode", "providers", "batch")
NEW_IN_UNICODE_16 = "\u1c89"  # CYRILLIC CAPITAL LETTER TJE, assigned in Unicode 16.0
OLD_IN_UNICODE_9 = "\u1c80"  # CYRILLIC SMALL LETTER ROUNDED VE: the same block and UTF-8 length, Unicode 9.0


# --------------------------------------------------------------------------
# Child measurements (one per process)
# --------------------------------------------------------------------------


def _cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _count(path: str, model_id: str, sample: int | None, seed: int) -> dict[str, object]:
    from estimator.counting import CountOptions, OutputSpec
    from estimator.counting.dataset import count_dataset
    from estimator.counting.prompts import RequestShape
    from estimator.pricing import load_pricebook
    from estimator.tokens import get_tokenizer

    model = load_pricebook().model(model_id)
    tok = get_tokenizer(model.tokenizer)  # loading the tokenizers is not what is measured here
    getattr(tok, "backend", None)
    if hasattr(tok, "proxy_count_batch"):
        _ = get_tokenizer(tok.encoding_name).backend
    cpu = _cpu()
    start = time.perf_counter()
    p = count_dataset(path, model=model, shape=RequestShape(column="text"), output=OutputSpec(fixed=50),
                      price=model.price_on(DAY), options=CountOptions(sample_rows=sample, seed=seed))
    seconds = time.perf_counter() - start
    s = p.sample
    return {"seconds": seconds, "cpu": _cpu() - cpu, "rows": p.rows, "input_tokens": p.input_tokens,
            "bytes_read": p.bytes_read,
            "ci": [s.ci_low, s.ci_high] if s else None, "method": s.method if s else "exact",
            "half_width": s.relative_half_width if s else 0.0}


def _coverage(path: str, truth: int, seeds: int) -> dict[str, object]:
    """``seeds`` sampled estimates in one process: how many intervals hold ``truth``, and their times."""
    from estimator.counting import CountOptions, OutputSpec
    from estimator.counting.dataset import count_dataset
    from estimator.counting.prompts import RequestShape
    from estimator.pricing import load_pricebook

    model = load_pricebook().model("gpt-4o")
    hits, times, widths = 0, [], []
    for seed in range(seeds):
        start = time.perf_counter()
        p = count_dataset(path, model=model, shape=RequestShape(column="text"), output=OutputSpec(fixed=50),
                          price=model.price_on(DAY), options=CountOptions(sample_rows=10_000, seed=seed))
        times.append(time.perf_counter() - start)
        s = p.sample
        assert s is not None
        hits += s.ci_low <= truth <= s.ci_high
        widths.append(s.relative_half_width)
    return {"seconds": statistics.median(times), "hits": hits, "half_width": statistics.median(widths)}


def _pandas_tiktoken(path: str) -> dict[str, object]:
    from bench_count import measure_baseline

    r = measure_baseline(path)
    return {"seconds": r["seconds"], "text_tokens": r["text_tokens"]}


def _tiktoken_start() -> dict[str, object]:
    from bench_count import _plain_tiktoken

    _plain_tiktoken("o200k_base")  # the cache file exists before the timed run
    code = "import tiktoken; tiktoken.get_encoding('o200k_base').encode('hello world')"
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(Path(tempfile.gettempdir()) / "estimator-bench-tiktoken")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return {"seconds": time.perf_counter() - start}


def _estimator_start(path: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed: bytecode cached
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "estimator", "estimate", path, "--model", "gpt-4o", "--column", "text",
                    "--output-tokens", "5", "--no-progress"], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return {"seconds": time.perf_counter() - start}


def _batch(path: str) -> dict[str, object]:
    from estimator.batch import read_batch_file

    start = time.perf_counter()
    r = read_batch_file(path)
    return {"seconds": time.perf_counter() - start, "input_tokens": r.input_tokens, "requests": r.requests}


def child(kind: str, args: list[str]) -> dict[str, object]:
    if kind == "count":
        return _count(args[0], args[1], int(args[2]) if args[2] != "-" else None, int(args[3]))
    if kind == "coverage":
        return _coverage(args[0], int(args[1]), int(args[2]))
    if kind == "pandas":
        return _pandas_tiktoken(args[0])
    if kind == "tiktoken-start":
        return _tiktoken_start()
    if kind == "estimator-start":
        return _estimator_start(args[0])
    if kind == "batch":
        return _batch(args[0])
    raise SystemExit(f"unknown measurement {kind}")


def run(kind: str, *args: object, repeat: int = 1) -> dict[str, object]:
    """The measurement in fresh processes; with ``repeat`` > 1 the run of median time."""
    runs = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, __file__, "--child", kind, *map(str, args)], capture_output=True,
                              text=True, check=False)
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"{kind} failed")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    runs.sort(key=lambda r: float(r["seconds"]))
    return runs[len(runs) // 2]


def interleaved(jobs: dict[str, tuple[object, ...]], repeat: int) -> dict[str, dict[str, object]]:
    """Each job ``repeat`` times, taking turns (A B C A B C ...), and each one's run of median time:
    load from other work on the machine then falls on all of them alike."""
    runs: dict[str, list[dict[str, object]]] = {label: [] for label in jobs}
    for _ in range(repeat):
        for label, job in jobs.items():
            runs[label].append(run(*job))  # type: ignore[arg-type]
    out = {}
    for label, got in runs.items():
        got.sort(key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]
        out[label] = got[len(got) // 2]
    return out


def line(label: str, seconds: float, base: float, extra: str = "") -> None:
    print(f"  {label:<44} {seconds:8.3f} s  {seconds / base:6.3f}x baseline  {extra}")


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def dataset(rows: int, data_dir: Path) -> Path:
    from make_dataset import write_csv

    path = data_dir / f"rows-{rows}.csv"
    if not path.exists():
        tmp = path.with_suffix(".partial")
        write_csv(tmp, rows)
        tmp.rename(path)
    return path


def parquet_of(csv_path: Path) -> Path:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = csv_path.with_name(csv_path.stem + "-rg10000.parquet")
    if not path.exists():
        names = ["id", "text", "category", "expected_output_tokens"]
        table = pacsv.read_csv(csv_path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                               convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())))
        pq.write_table(table, path, row_group_size=10_000)
    return path


def unicode_files(data_dir: Path) -> tuple[Path, Path, Path]:
    """The same 100,000 rows: as they are, each with an old non-ASCII letter of the same block and
    UTF-8 length, and each with the letter new in Unicode 16."""
    from make_dataset import rows

    plain, old, new = data_dir / "unicode-plain.csv", data_dir / "unicode-9.csv", data_dir / "unicode-16.csv"
    if not (new.exists() and old.exists()):
        table = list(rows(100_000, seed=16))
        for path, extra in ((plain, ""), (old, OLD_IN_UNICODE_9), (new, NEW_IN_UNICODE_16)):
            with path.open("w", encoding="utf-8", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(["id", "text"])
                w.writerows([(r[0], r[1] + " " + extra) for r in table])
    return plain, old, new


def batch_pair(data_dir: Path) -> tuple[Path, Path]:
    from make_dataset import rows

    system = "You sort customer tickets into refund, shipping, account or other; answer with one word. " * 8
    anthropic, openai = data_dir / "batch-anthropic-10000.jsonl", data_dir / "batch-openai-10000.jsonl"
    if not anthropic.exists():
        with anthropic.open("w", encoding="utf-8") as a, openai.open("w", encoding="utf-8") as o:
            for i, r in enumerate(rows(10_000, seed=17)):
                msgs = [{"role": "user", "content": r[1]}]
                a.write(json.dumps({"custom_id": f"r{i}", "params": {"model": "claude-sonnet-4-5-20250929",
                        "max_tokens": 50, "system": system, "messages": msgs}}) + "\n")
                o.write(json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
                        "body": {"model": "gpt-4o", "max_tokens": 50,
                                 "messages": [{"role": "system", "content": system}, *msgs]}}) + "\n")
    return anthropic, openai


# --------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "estimator-bench"))
    ap.add_argument("--only", nargs="+", choices=SECTIONS)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each timed measurement (median printed)")
    ap.add_argument("--seeds", type=int, default=400, help="sampled estimates for the coverage section")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1:])))
        return 0
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    wanted = args.only or SECTIONS
    path = dataset(args.rows, data_dir)
    print(f"{path}: {args.rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.2f}")
    exact: dict[str, object] | None = None
    if {"sample", "coverage"} & set(wanted):
        exact = run("count", path, "gpt-4o", "-", 0, repeat=args.repeat)
    if "sample" in wanted:
        assert exact is not None
        base = float(exact["seconds"])  # type: ignore[arg-type]
        sampled = run("count", path, "gpt-4o", 10_000, 0, repeat=args.repeat)
        pandas = run("pandas", path)
        print("sample: --sample 10000 against the exact count (baseline)")
        line("exact count (baseline)", base, base, f"{exact['input_tokens']:,} input tokens")
        lo, hi = sampled["ci"]  # type: ignore[misc]
        line("sampled, 10,000 rows at random offsets", float(sampled["seconds"]), base,  # type: ignore[arg-type]
             f"95% CI {lo:,}-{hi:,} (±{float(sampled['half_width']):.2%}); "  # type: ignore[arg-type]
             f"read {int(sampled['bytes_read']) / 1e6:,.1f} of {path.stat().st_size / 1e6:,.0f} MB")  # type: ignore[call-overload]
        line("pandas.read_csv + tiktoken", float(pandas["seconds"]), base)  # type: ignore[arg-type]
    if "parquet" in wanted:
        pq_path = parquet_of(path)
        pe = run("count", pq_path, "gpt-4o", "-", 0, repeat=args.repeat)
        ps = run("count", pq_path, "gpt-4o", 10_000, 0, repeat=args.repeat)
        base = float(pe["seconds"])  # type: ignore[arg-type]
        print(f"parquet: {pq_path.name} ({pq_path.stat().st_size / 1e6:,.0f} MB, row groups of 10,000 rows)")
        line("exact count (baseline)", base, base, f"{pe['input_tokens']:,} input tokens")
        lo, hi = ps["ci"]  # type: ignore[misc]
        line("sampled from footers + 20 row groups", float(ps["seconds"]), base,  # type: ignore[arg-type]
             f"95% CI {lo:,}-{hi:,}, holds the exact count: {lo <= int(pe['input_tokens']) <= hi}")  # type: ignore[call-overload]
    if "coverage" in wanted:
        assert exact is not None
        truth = int(exact["input_tokens"])  # type: ignore[call-overload]
        r = run("coverage", path, truth, args.seeds)
        hits = int(r["hits"])  # type: ignore[call-overload]
        base = float(exact["seconds"])  # type: ignore[arg-type]
        print(f"coverage: {hits} of {args.seeds} 95% intervals of --sample 10000 (seeds 0-{args.seeds - 1}) hold the "
              f"exact count {truth:,} ({hits / args.seeds:.1%}); median half-width ±{float(r['half_width']):.2%}")  # type: ignore[arg-type]
        line("median sampled run (tokenizer loaded once)", float(r["seconds"]), base)  # type: ignore[arg-type]
    if "startup" in wanted:
        small = data_dir / "small-12.csv"
        small.write_text("id,text\n" + "".join(f"{i},ticket number {i}: my order is late\n" for i in range(12)))
        run("estimator-start", small)  # bytecode written once, as after an install
        got = interleaved({"base": ("tiktoken-start",), "ours": ("estimator-start", small)}, args.repeat + 4)
        base, ours = float(got["base"]["seconds"]), float(got["ours"]["seconds"])  # type: ignore[arg-type]
        print("startup: estimate on a 12-row CSV, whole process")
        line("import tiktoken + load o200k_base + encode (baseline)", base, base)
        line("python -m estimator estimate (12 rows)", ours, base)
    if "unicode" in wanted:
        plain, old, new = unicode_files(data_dir)
        got = interleaved({"plain": ("count", plain, "gpt-4o", "-", 0), "old": ("count", old, "gpt-4o", "-", 0),
                           "new": ("count", new, "gpt-4o", "-", 0)}, args.repeat)
        p, o, n = got["plain"], got["old"], got["new"]
        base = float(o["seconds"])  # type: ignore[arg-type]
        print("unicode: 100,000 rows, each with a character new in Unicode 16, against the same rows with a letter "
              "of Unicode 9 (baseline: same block, same UTF-8 length) and without either")
        line("rows with U+1C80, Unicode 9 (baseline)", base, base)
        line("rows with U+1C89, Unicode 16", float(n["seconds"]), base)  # type: ignore[arg-type]
        line("the rows without either (ASCII but for a few)", float(p["seconds"]), base)  # type: ignore[arg-type]
    if "providers" in wanted:
        models = {"OpenAI gpt-4o, exact (baseline)": "gpt-4o",
                  "Claude Sonnet 4.5, reconstructed": "claude-sonnet-4-5-20250929",
                  "Gemini 2.5 Flash, calibrated": "gemini-2.5-flash"}
        got = interleaved({label: ("count", path, model, "-", 0) for label, model in models.items()}, args.repeat)
        base = float(got["OpenAI gpt-4o, exact (baseline)"]["seconds"])  # type: ignore[arg-type]
        base_cpu = float(got["OpenAI gpt-4o, exact (baseline)"]["cpu"])  # type: ignore[arg-type]
        print("providers: estimates of the same CSV against the OpenAI estimate (baseline), runs taking turns")
        for label, r in got.items():
            cpu = float(r["cpu"])  # type: ignore[arg-type]
            extra = f"CPU {cpu:6.1f} s ({cpu / base_cpu:.2f}x)"
            extra += f"; ±{float(r['half_width']):.2%} (ctok sample)" if r["ci"] else ""  # type: ignore[arg-type]
            line(label, float(r["seconds"]), base, extra)  # type: ignore[arg-type]
    if "batch" in wanted:
        anthropic, openai = batch_pair(data_dir)
        got = interleaved({"openai": ("batch", openai), "anthropic": ("batch", anthropic)}, args.repeat + 2)
        o, a = got["openai"], got["anthropic"]
        base = float(o["seconds"])  # type: ignore[arg-type]
        print("batch: validate-batch of 10,000 requests sharing a system prompt")
        line("OpenAI batch file (baseline)", base, base, f"{o['input_tokens']:,} input tokens")
        line("Anthropic batch file", float(a["seconds"]), base, f"{a['input_tokens']:,} input tokens")  # type: ignore[arg-type]
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
