"""Exact token counting speed: tiktoken against the fast backend of ``count_batch``.

Generates deterministic, realistic rows (English sentences with a long tail of
rarer words, numbers and names; half the rows also hold some accented names,
CJK and other scripts and emoji; about 100 o200k_base tokens each), then
times, on the same rows and in the same run:

* baseline: ``len(enc.encode_ordinary(text))`` per row, one process;
* tiktoken ``encode_ordinary_batch`` (2 threads, and its default 8);
* ``Tokenizer.count_batch`` on the fast backend with 1 and 2 threads;

in chunks of ``--chunk`` rows, as the dataset pipeline calls it. Methods run in
``--repeat`` interleaved rounds and keep their best time (the first round, with
the fast backend's warm-up, is shown too). Every method must give the same
total, or the script exits with status 1.

    python benchmarks/bench_tokenizers.py --rows 200000
    python benchmarks/bench_tokenizers.py --csv data.csv --column text --rows 200000
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from estimator.tokens import get_tokenizer
from estimator.tokens.encodings import load_encoding

_WORDS = (  # noqa: SIM905 - a word list reads better as one string
    "the of and to in that is was for it with as on be at by had are but from or have an they which one "
    "you were all she there would their we been has when who will more if out so up said what about than "
    "into them can only other time new some could these two may first then do any like now over such our "
    "even most made after also did many before must through back years where much your way well down "
    "should because each just those people how too little good very make still own see work long get here "
    "between both being under never day same another know while last might great old year off come since "
    "against go came right used take three order account invoice delivery package refund warranty support "
    "customer service product quality battery screen charger laptop phone subscription password login "
    "update install settings network printer payment shipping address tracking replacement repair damaged "
    "missing broken cancel renew upgrade plan monthly annual discount receipt email message website please "
    "thanks hello regards issue problem question answer request ticket manager week yesterday today "
    "tomorrow unfortunately however although therefore meanwhile definitely probably really actually "
    "already almost always sometimes usually recently quickly firmware bluetooth headphones keyboard "
    "dashboard notification verification authentication checkout reimbursement eligibility"
).split()
_PREFIXES = ("", "", "", "", "re", "un", "dis", "pre", "mis", "over", "inter", "non", "sub")
_ROOTS = (
    "connect", "form", "struct", "port", "view", "act", "press", "ject", "scribe", "duct", "spect", "mit",
    "tend", "vert", "cept", "pose", "sist", "tract", "solve", "quire", "clude", "pend", "rupt", "gress",
    "sign", "ceive", "serve", "load", "charge", "ship", "track", "figure", "activate", "register",
)
_SUFFIXES = ("", "", "s", "ed", "ing", "ion", "ions", "ment", "able", "ive", "ly", "ness", "er", "ation")
_NAMES = (
    "Smith", "Garcia", "Chen", "Okafor", "Patel", "Nguyen", "Berlin", "Toronto", "Denver", "Lisbon",
    "José", "Zoë", "Renée", "François", "Müller", "Łukasz", "Søren", "Ángel", "Çelik", "Dvořák",
    "São Paulo", "Zürich", "Kraków", "Malmö", "Besançon", "naïve", "café", "résumé", "jalapeño", "façade",
)
_FOREIGN = (
    "東京", "ありがとうございます", "中文客服", "请尽快回复", "서울", "감사합니다", "Привет", "спасибо",
    "مرحبا", "नमस्ते", "Ελλάδα", "ภาษาไทย",
)
_EMOJI = ("🙂", "👍", "🚀", "📦", "😡", "🙏🏽", "❤️", "👨‍💻", "🎉", "⚠️", "✅", "🇩🇪", "👩‍👩‍👧")
_PUNCT = (".", ".", ".", "!", "?", "...", ";", ":")


def _word(rng: random.Random, ascii_only: bool) -> str:
    roll = rng.random()
    if ascii_only and (0.90 <= roll < 0.94 or roll >= 0.98):
        return rng.choice(_WORDS)
    if roll < 0.62:
        return rng.choice(_WORDS)
    if roll < 0.90:
        return rng.choice(_PREFIXES) + rng.choice(_ROOTS) + rng.choice(_SUFFIXES)
    if roll < 0.94:
        return rng.choice(_NAMES)
    if roll < 0.98:
        if rng.random() < 0.5:
            return f"#{rng.randrange(10**4, 10**9)}"
        return f"{rng.randrange(1, 999)}.{rng.randrange(10, 99)}"
    if roll < 0.99:
        return rng.choice(_FOREIGN)
    return rng.choice(_EMOJI)


def make_rows(n: int, seed: int = 20240601) -> list[str]:
    """``n`` deterministic rows of a few sentences, ~100 o200k_base tokens each."""
    rng = random.Random(seed)
    rows: list[str] = []
    for _ in range(n):
        sentences: list[str] = []
        budget = rng.randint(50, 76)  # words per row
        ascii_only = rng.random() < 0.5  # half the rows are plain ASCII, as in most English data
        while budget > 0:
            length = min(budget, rng.randint(6, 22))
            words = [_word(rng, ascii_only) for _ in range(length)]
            words[0] = words[0][:1].upper() + words[0][1:]
            sentences.append(" ".join(words) + rng.choice(_PUNCT))
            budget -= length
        rows.append(" ".join(sentences))
    return rows


def read_rows(path: Path, column: str, limit: int) -> list[str]:
    """The first ``limit`` values of ``column`` in a CSV file, as text."""
    csv.field_size_limit(1 << 30)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or column not in reader.fieldnames:
            raise SystemExit(f"{path}: no column {column!r} (columns: {reader.fieldnames})")
        rows: list[str] = []
        for record in reader:
            if len(rows) >= limit:
                break
            rows.append(record[column])
    return rows


def _chunks(rows: Sequence[str], size: int) -> list[Sequence[str]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _time(method: Callable[[], int]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of this process (all threads) and the method's total."""
    start, cpu_start = time.perf_counter(), time.process_time()
    total = method()
    return time.perf_counter() - start, time.process_time() - cpu_start, total


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000, help="rows to generate (default 200000)")
    parser.add_argument("--encoding", default="o200k_base", choices=("o200k_base", "cl100k_base"))
    parser.add_argument("--chunk", type=int, default=10_000, help="rows per count_batch call (default 10000)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--csv", type=Path, help="time the rows of this CSV file instead of generated ones")
    parser.add_argument("--column", default="text", help="text column of --csv (default text)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; best is kept (default 3)")
    args = parser.parse_args(argv)

    rows = read_rows(args.csv, args.column, args.rows) if args.csv else make_rows(args.rows, args.seed)
    nbytes = sum(len(row.encode("utf-8")) for row in rows)
    chunks = _chunks(rows, args.chunk)
    enc = load_encoding(args.encoding)

    methods: list[tuple[str, Callable[[], int]]] = [
        ("tiktoken encode_ordinary loop (baseline)", lambda: sum(len(enc.encode_ordinary(r)) for r in rows)),
        (
            "tiktoken encode_ordinary_batch, 2 threads",
            lambda: sum(
                len(ids) for c in chunks for ids in enc.encode_ordinary_batch(list(c), num_threads=2)
            ),
        ),
        (
            "tiktoken encode_ordinary_batch, 8 threads",
            lambda: sum(len(ids) for c in chunks for ids in enc.encode_ordinary_batch(list(c))),
        ),
    ]
    fast = get_tokenizer(args.encoding, backend="auto")
    if fast.backend == "tiktoken":
        print(f"fast backend unavailable ({'; '.join(fast.warnings) or 'quicktok-v1 not installed'})")
    for threads in (1, 2):
        methods.append(
            (
                f"count_batch [{fast.backend}], {threads} thread{'s' if threads > 1 else ''}",
                lambda threads=threads: sum(sum(fast.count_batch(c, threads=threads)) for c in chunks),
            )
        )

    fast.count_batch(rows[:100])  # build the Unicode screen table outside the timings
    print(
        f"{len(rows):,} rows{f' from {args.csv}' if args.csv else ''}, {nbytes / 1e6:.1f} MB, "
        f"encoding {args.encoding}, "
        f"chunks of {args.chunk:,} rows"
    )
    # Rounds interleave the methods so that load from other processes hits them
    # alike; each method keeps its best round. Round 1 includes the fast
    # backend's warm-up (its merge caches fill as it meets new words).
    best: dict[str, float] = {}
    best_cpu: dict[str, float] = {}
    first: dict[str, float] = {}
    totals: dict[str, set[int]] = {}
    for _round in range(args.repeat):
        for name, method in methods:
            seconds, cpu, total = _time(method)
            first.setdefault(name, seconds)
            best[name] = min(best.get(name, seconds), seconds)
            best_cpu[name] = min(best_cpu.get(name, cpu), cpu)
            totals.setdefault(name, set()).add(total)
    results = [(name, best[name], best_cpu[name], first[name], min(totals[name])) for name, _ in methods]
    inconsistent = [name for name, found in totals.items() if len(found) > 1]

    base_seconds, base_total = results[0][1], results[0][4]
    width = max(len(name) for name, *_ in results)
    print(f"best of {args.repeat} interleaved rounds; MB per CPU-second is less sensitive to other load")
    header = f"{'seconds':>8}  {'MB/s':>7}  {'Mtok/s':>7}  {'vs base':>7}  {'MB/cpu-s':>8}  {'round 1':>12}"
    print(f"{'method':<{width}}  {header}")
    for name, seconds, cpu, first_seconds, total in results:
        print(
            f"{name:<{width}}  {seconds:8.2f}  {nbytes / seconds / 1e6:7.1f}  "
            f"{total / seconds / 1e6:7.2f}  {base_seconds / seconds:6.2f}x  "
            f"{nbytes / cpu / 1e6:8.1f}  {nbytes / first_seconds / 1e6:7.1f} MB/s"
        )
    print(f"tokens: {base_total:,} ({base_total / len(rows):.1f} per row)")
    mismatched = [name for name, *_, total in results if total != base_total] + inconsistent
    if mismatched:
        print(f"TOTALS DIFFER from the baseline: {', '.join(mismatched)}")
        return 1
    print("all totals identical")
    return 0

if __name__ == "__main__":
    sys.exit(main())
