"""Peak memory of counting one large request part: Gemini against OpenAI, in the same run.

    python benchmarks/bench_part_memory.py              # one 60 MB part
    python benchmarks/bench_part_memory.py --mb 10 20   # several sizes

For each size it writes two batch request files holding the same text as one request part (an
OpenAI ``/v1/chat/completions`` message and a Gemini ``{"key", "request"}`` text part), then
checks and counts each with ``read_batch_file`` in a fresh interpreter and prints that process's
peak resident memory (``ru_maxrss``), the Gemini peak minus the OpenAI one, and that difference
per MB of text. Both counts run o200k_base over the text; Gemini adds its per-script factor,
which classifies the text in chunks of ``CHUNK_CHARS`` characters, so the difference should stay
flat as the part grows (in one pass it grew about 7 MB per MB of text: 1.0 GB for 60 MB).
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
MB = 1024 * 1024
SENTENCE = "The quick brown fox jumps over the lazy dog; {x: y[0]} and 1,234 more. "

CHILD = """
import resource, sys
from estimator.batch.files import read_batch_file
report = read_batch_file(sys.argv[1], model=sys.argv[2])
print(report.input_tokens, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def write_files(folder: Path, mb: int) -> tuple[Path, Path]:
    text = (SENTENCE * (mb * MB // len(SENTENCE) + 1))[: mb * MB]
    openai = folder / f"openai-{mb}.jsonl"
    gemini = folder / f"gemini-{mb}.jsonl"
    openai.write_text(json.dumps({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {
        "model": "gpt-4o", "messages": [{"role": "user", "content": text}]}}) + "\n", encoding="utf-8")
    gemini.write_text(json.dumps({"key": "a", "request": {"contents": [{"role": "user", "parts": [
        {"text": text}]}]}}) + "\n", encoding="utf-8")
    return openai, gemini


def peak(path: Path, model: str) -> tuple[int, float]:
    """(input tokens, peak RSS in MB) of counting ``path`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), model], check=True, capture_output=True,
                         text=True, env=env).stdout.split()
    return int(out[0]), int(out[1]) / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[60], help="Sizes of the part, in MB.")
    args = parser.parse_args()
    print("| part | OpenAI peak | Gemini peak | Gemini - OpenAI | per MB of text |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.mb:
            openai, gemini = write_files(Path(tmp), mb)
            _, base = peak(openai, "gpt-4o")
            _, gem = peak(gemini, "gemini-2.5-flash")
            print(f"| {mb} MB | {base:,.0f} MB | {gem:,.0f} MB | {gem - base:+,.0f} MB | "
                  f"{(gem - base) / mb:+.1f} MB |", flush=True)
            openai.unlink()
            gemini.unlink()


if __name__ == "__main__":
    main()
