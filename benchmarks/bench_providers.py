"""OpenAI, Claude and Gemini estimate times on the same generated file.

    python benchmarks/bench_providers.py                 # 1,000,000 rows (~465 MB)
    python benchmarks/bench_providers.py --rows 100000   # a quicker run

Writes the dataset with ``make_dataset.py`` (deterministic; kept in
``--data-dir`` and reused) and runs ``count_dataset`` on it once per model,
each in its own subprocess:

* OpenAI (``gpt-4o``): exact o200k_base count of every row;
* Claude (``claude-sonnet-4-5``): reconstructed counts; a file this big gets
  exact o200k_base counts of every row and ctok counts of a uniform sample,
  with the ratio estimator's 95% interval (``estimator.counting.reconstructed``);
* Gemini (``gemini-2.5-flash``): o200k_base x a per-row script-mix factor.

It prints seconds, input tokens and the interval of each, and the ratio of
each time to the OpenAI time. The figures in the README come from this script;
the script prints the load average, since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

MODELS = {"openai": "gpt-4o", "claude": "claude-sonnet-4-5-20250929", "gemini": "gemini-2.5-flash"}


def measure(path: str, model_id: str) -> dict[str, object]:
    from estimator.convert import today
    from estimator.counting import OutputSpec
    from estimator.counting.dataset import count_dataset
    from estimator.counting.prompts import RequestShape
    from estimator.pricing import load_pricebook

    model = load_pricebook().model(model_id)
    start = time.perf_counter()
    p = count_dataset(path, model=model, shape=RequestShape(column="text"), output=OutputSpec(fixed=50),
                      price=model.price_on(today()))
    seconds = time.perf_counter() - start
    s = p.sample
    return {
        "model": model_id,
        "seconds": seconds,
        "rows": p.rows,
        "input_tokens": p.input_tokens,
        "token_counts": p.token_counts,
        "sample_rows": s.sample_rows if s else None,
        "ci95": [s.ci_low, s.ci_high] if s else None,
        "half_width": s.relative_half_width if s else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "estimator-bench"))
    ap.add_argument("--child", nargs=2, metavar=("PATH", "MODEL"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0

    from make_dataset import write_csv

    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    path = Path(args.data_dir) / f"rows-{args.rows}.csv"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        write_csv(tmp, args.rows)
        tmp.rename(path)
    size_mb = path.stat().st_size / 1e6
    print(f"{path}: {args.rows:,} rows, {size_mb:,.0f} MB; load average {os.getloadavg()[0]:.2f}")
    results = {}
    for name, model in MODELS.items():
        out = subprocess.run([sys.executable, __file__, "--child", str(path), model],
                             check=True, capture_output=True, text=True)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    base = float(results["openai"]["seconds"])  # type: ignore[arg-type]
    for name, r in results.items():
        seconds = float(r["seconds"])  # type: ignore[arg-type]
        interval = ""
        if r["ci95"] is not None:
            lo, hi = r["ci95"]  # type: ignore[misc]
            interval = f"  95% interval {lo:,}-{hi:,} (±{float(r['half_width']):.2%}, {r['sample_rows']:,} rows by ctok)"  # type: ignore[arg-type]
        print(f"{name:7} {seconds:7.1f} s  {seconds / base:4.1f}x OpenAI  input tokens {r['input_tokens']:,}  "
              f"[{r['token_counts']}]{interval}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
