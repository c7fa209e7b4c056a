"""``reconcile`` against a plain join of the same files, on 100,000 requests of OpenAI, Anthropic and Gemini.

    python benchmarks/bench_reconcile.py                     # 100,000 requests per provider
    python benchmarks/bench_reconcile.py --requests 20000    # a quicker run
    python benchmarks/bench_reconcile.py --providers google  # one provider

Writes, once, a batch request file and its result file per provider (``--data-dir``; the rows of
``make_dataset.py``, every request with the same system prompt, as batches usually are) and then, in
one process, times alternately:

* the **plain join**: read both files line by line with ``json.loads``, index the requests by
  ``custom_id`` (Gemini: ``key``) and add up the usage of every result whose id was requested
  (what a script would do, with no validation, counting, pricing or report);
* ``estimator.reconcile(requests, results)``: validation of both files, the count of every
  request's input (the system prompt counted once; Claude texts from a ctok sample), every
  billable unit priced, the gap attributed, the retry plan.

Each is run ``--repeat`` times after one warm-up of each (the tokenizers loaded, as in the app or a
notebook); the figures are the fastest run of each and their ratio, so a busy shared machine slows
both alike. The first (cold) reconcile is printed too: it loads the tokenizers.

With ``--cli`` the command line is timed too, each run a new process as a user runs it, against the
plain join run as a script in a new process: ``python -m estimator reconcile REQUESTS RESULTS``
(the text: totals, causes, the requests most off) and the same with ``--json`` (every request's
comparison: 50 MB for 100,000 requests), printed to a discarded stream.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SYSTEM = ("You are a careful support assistant for an online shop. Read the customer's message, find what "
          "they need, and answer in two or three polite sentences. ") * 4
CREATED = 1764547200  # 2025-12-01


PROVIDERS = ("openai", "anthropic", "google")


def write_files(folder: Path, n: int) -> dict[str, tuple[Path, Path]]:
    out = {name: (folder / f"{name}-requests-{n}.jsonl", folder / f"{name}-results-{n}.jsonl")
           for name in PROVIDERS}
    missing = [name for name, pair in out.items() if not all(p.exists() for p in pair)]
    if missing:
        folder.mkdir(parents=True, exist_ok=True)
        _write(out, missing, n)
    return out


def _write(out: dict[str, tuple[Path, Path]], providers: list[str], n: int) -> None:
    from make_dataset import rows

    files = {name: tuple(open(p.with_suffix(".tmp"), "w", encoding="utf-8") for p in out[name])
             for name in providers}
    (oq, orr), (aq, ar), (gq, gr) = (files.get(name, (None, None)) for name in PROVIDERS)
    try:
        for i, (_, text, _, expected_output) in enumerate(rows(n)):
            cid, answer, expected = f"req-{i:07d}", text[:200], int(expected_output)
            if gq is not None and gr is not None:
                gq.write(json.dumps({"key": cid, "request": {
                    "contents": [{"role": "user", "parts": [{"text": text}]}],
                    "systemInstruction": {"parts": [{"text": SYSTEM}]},
                    "generationConfig": {"maxOutputTokens": 300}}}) + "\n")
                gr.write(json.dumps({"key": cid, "response": {
                    "candidates": [{"content": {"role": "model", "parts": [{"text": answer}]},
                                    "finishReason": "STOP", "index": 0}],
                    "usageMetadata": {"promptTokenCount": 170, "candidatesTokenCount": expected,
                                      "totalTokenCount": 170 + expected,
                                      "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 170}]},
                    "modelVersion": "gemini-2.5-flash", "responseId": f"resp-{i}"}}) + "\n")
            if oq is not None and orr is not None:
                _write_openai(oq, orr, i, cid, text, answer, expected)
            if aq is not None and ar is not None:
                _write_anthropic(aq, ar, i, cid, text, answer, expected)
    finally:
        for pair in files.values():
            for f in pair:
                f.close()
    for name in providers:
        for p in out[name]:
            p.with_suffix(".tmp").rename(p)


def _write_openai(oq: Any, orr: Any, i: int, cid: str, text: str, answer: str, expected: int) -> None:
    oq.write(json.dumps({"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": {
        "model": "gpt-4o-mini", "max_tokens": 300,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]}}) + "\n")
    orr.write(json.dumps({"id": f"batch_req_{i}", "custom_id": cid, "error": None, "response": {
        "status_code": 200, "request_id": f"req_{i}", "body": {
            "id": f"chatcmpl-{i}", "object": "chat.completion", "created": CREATED,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 260, "completion_tokens": expected,
                      "total_tokens": 260 + expected, "prompt_tokens_details": {"cached_tokens": 128},
                      "completion_tokens_details": {"reasoning_tokens": 0}}}}}) + "\n")


def _write_anthropic(aq: Any, ar: Any, i: int, cid: str, text: str, answer: str, expected: int) -> None:
    aq.write(json.dumps({"custom_id": cid, "params": {
        "model": "claude-sonnet-4-5", "max_tokens": 300, "system": SYSTEM,
        "messages": [{"role": "user", "content": text}]}}) + "\n")
    ar.write(json.dumps({"custom_id": cid, "result": {"type": "succeeded", "message": {
        "id": f"msg_{i}", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": answer}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 150, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 130,
                  "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                  "output_tokens": expected, "service_tier": "batch"}}}}) + "\n")


def plain_join(requests: Path, results: Path) -> int:
    """The baseline: both files parsed, joined on custom_id, usage summed."""
    wanted = {}
    with open(requests, "rb") as f:
        for line in f:
            obj = json.loads(line)
            wanted[obj.get("custom_id") or obj["key"]] = obj
    total = 0
    with open(results, "rb") as f:
        for line in f:
            obj = json.loads(line)
            if (obj.get("custom_id") or obj["key"]) in wanted:
                if "result" in obj:  # Anthropic
                    total += obj["result"]["message"]["usage"]["input_tokens"]
                elif "body" in obj["response"]:  # OpenAI
                    total += obj["response"]["body"]["usage"]["prompt_tokens"]
                else:  # Gemini
                    total += obj["response"]["usageMetadata"]["promptTokenCount"]
    return total


def _run(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT,  # noqa: S603 - fixed commands
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - start


def cli(requests: Path, results: Path, repeat: int) -> None:
    """The command line against the plain join as a script, each run a new process, in turns."""
    join = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"from bench_reconcile import plain_join; plain_join({str(requests)!r}, {str(results)!r})"]
    text = [sys.executable, "-m", "estimator", "reconcile", str(requests), str(results), "--no-retry-file"]
    runs: dict[str, list[float]] = {"join": [], "text": [], "json": []}
    for _ in range(repeat):
        runs["join"].append(_run(join))
        runs["text"].append(_run(text))
        runs["json"].append(_run([*text, "--json"]))
    base = min(runs["join"])
    print(f"{'':9} command line, a new process each: plain join script {base:6.2f} s  "
          f"reconcile {min(runs['text']):6.2f} s ({min(runs['text']) / base:4.2f}x)  "
          f"reconcile --json {min(runs['json']):6.2f} s ({min(runs['json']) / base:4.2f}x)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "estimator-bench"))
    ap.add_argument("--cli", action="store_true", help="time the command line too, each run a new process")
    ap.add_argument("--providers", nargs="+", choices=PROVIDERS, default=list(PROVIDERS))
    args = ap.parse_args(argv)

    from estimator import reconcile

    files = write_files(Path(args.data_dir), args.requests)
    print(f"{args.requests:,} requests per provider; load average {os.getloadavg()[0]:.2f}")
    for name, (requests, results) in files.items():
        if name not in args.providers:
            continue
        mb = (requests.stat().st_size + results.stat().st_size) / 1e6
        start = time.perf_counter()
        rec = reconcile(requests, results)
        cold = time.perf_counter() - start
        plain_join(requests, results)
        joins, recs = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            plain_join(requests, results)
            joins.append(time.perf_counter() - start)
            rec = None  # the previous result is freed before the clock starts, not inside the next run
            start = time.perf_counter()
            rec = reconcile(requests, results)
            recs.append(time.perf_counter() - start)
        join, rec_s = min(joins), min(recs)
        print(f"{name:9} {mb:6.0f} MB  plain join {join:6.2f} s  reconcile {rec_s:6.2f} s  "
              f"ratio {rec_s / join:4.2f}x  (first reconcile, tokenizers loading: {cold:.2f} s; "
              f"{len(rec.succeeded):,} succeeded, billed ${rec.actual.cost:,.2f})")
        if args.cli:
            cli(requests, results, args.repeat)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
