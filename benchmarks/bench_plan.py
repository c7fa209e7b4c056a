"""How much longer planning a dataset takes than estimating it: ``plan FILE`` against ``estimate FILE``.

    python benchmarks/bench_plan.py                  # 100,000 rows (~45 MB)
    python benchmarks/bench_plan.py --rows 300000

A plan counts the rows exactly as an estimate does and sizes every request line of the batch
files in the same pass (``estimator.planning.job.MeasuredLines``), then decides. It writes the
dataset with ``make_dataset.py`` (deterministic, kept in ``--data-dir``), runs each in its own
subprocess (best of ``--repeat``), checks that both counted the same tokens, and prints the
seconds of each and the ratio plan / estimate (the baseline is the estimate, measured in the same
run). The decision's size search is included; the target is under 1.3x.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

CHILD = r"""
import json, sys, time
import estimator
kind, path = sys.argv[1], sys.argv[2]
started = time.perf_counter()
if kind == "estimate":
    est = estimator.estimate(path, model="gpt-4o", column="text", output_tokens=200)
    tokens = est.profile.input_tokens
else:
    plan = estimator.plan(path, model="gpt-4o", column="text", output_tokens=200)
    tokens = plan.usage.input_tokens
    assert plan.batch.bytes_measured
print(json.dumps({"seconds": time.perf_counter() - started, "tokens": tokens}))
"""


def run(kind: str, path: Path, repeat: int) -> tuple[float, int]:
    best, tokens = float("inf"), -1
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], check=True, capture_output=True,
                             text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        doc = json.loads(out.stdout.strip().splitlines()[-1])
        best, tokens = min(best, doc["seconds"]), doc["tokens"]
    return best, tokens


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "estimator-bench"))
    args = ap.parse_args(argv)
    from make_dataset import write_csv

    path = Path(args.data_dir) / f"plan-{args.rows}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_csv(path, args.rows)
    est_s, est_tokens = run("estimate", path, args.repeat)
    plan_s, plan_tokens = run("plan", path, args.repeat)
    if est_tokens != plan_tokens:
        print(f"token totals differ: estimate {est_tokens:,}, plan {plan_tokens:,}", file=sys.stderr)
        return 1
    size_mb = path.stat().st_size / 1e6
    print(f"estimate  {args.rows:,} rows  {size_mb:,.0f} MB  {est_s:.2f} s  (baseline)")
    print(f"plan      {args.rows:,} rows  {size_mb:,.0f} MB  {plan_s:.2f} s  ({plan_s / est_s:.2f}x the estimate)")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
