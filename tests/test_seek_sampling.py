"""Seek-based sampling: rows found at random byte offsets, the length bias corrected, intervals that hold.

* Resynchronisation: every random offset is traced to the row that truly holds it, in CSV
  files whose quoted values hold line breaks, delimiters and doubled quotes (in the first,
  a middle and the last column), with CRLF line ends, blank lines, no final line break, and
  in JSON Lines.
* Length bias: a row is drawn with probability proportional to its bytes. On rows whose
  tokens per byte fall with their length, the mean of the draws is far off; the weighted
  (Hansen-Hurwitz) estimate is not.
* Coverage: over many seeds the 95% intervals hold the true total at least 93% of the time,
  at 1,000 (the fewest a seek sample takes; smaller samples read the whole file), 2,000 and
  10,000 sampled rows, on realistic rows and on the length-biased ones.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from bisect import bisect_right
from pathlib import Path

import numpy as np
import pytest

from estimator.counting.sampling import SPAN_METHOD, estimate_from_spans, t_quantile
from estimator.errors import DataError
from estimator.reading.dataset import open_dataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from make_dataset import rows as generated_rows


def _write_csv(path: Path, header: list[str], rows: list[list[str]], *, crlf: bool = False,
               final_newline: bool = True, blank_every: int = 0) -> list[int]:
    """Write the rows and return each data row's first byte."""
    end = "\r\n" if crlf else "\n"
    buf = io.StringIO()
    csv.writer(buf, lineterminator=end).writerow(header)
    parts = [buf.getvalue().encode()]
    size = len(parts[0])
    starts = []
    for i, row in enumerate(rows):
        starts.append(size)
        buf = io.StringIO()
        csv.writer(buf, lineterminator=end).writerow(row)
        if blank_every and i % blank_every == blank_every - 1:
            buf.write(end)
        parts.append(buf.getvalue().encode())
        size += len(parts[-1])
    data = b"".join(parts)
    if not final_newline:
        data = data.rstrip(b"\r\n")
    path.write_bytes(data)
    return starts


def _tricky_text(rng: random.Random) -> str:
    words = ["refund", "order", "naïve", "日本語", "👍🏽", "a,b", 'say "hi"', "x" * rng.randint(1, 40)]
    parts = [rng.choice(words) for _ in range(rng.randint(1, 30))]
    text = " ".join(parts)
    if rng.random() < 0.3:
        text = text.replace(" ", "\n", rng.randint(1, 3))
    if rng.random() < 0.1:
        text += "\n"
    return text


@pytest.mark.parametrize(
    ("where", "crlf", "final_newline", "blank_every"),
    [
        ("first", False, True, 0),
        ("middle", True, False, 0),
        ("last", False, True, 97),
    ],
    ids=["multiline-first-column", "multiline-middle-column-crlf", "multiline-last-column-blank-lines"],
)
def test_every_offset_is_traced_to_the_row_that_holds_it(
    tmp_path: Path, where: str, crlf: bool, final_newline: bool, blank_every: int
) -> None:
    rng = random.Random(3)
    rows = []
    for i in range(4_000):
        cells = {"first": _tricky_text(rng), "middle": str(i), "last": rng.choice(["a", "b, c", ""])}
        if where == "middle":
            cells = {"first": str(i), "middle": _tricky_text(rng), "last": "cat"}
        if where == "last":
            cells = {"first": str(i), "middle": "cat", "last": _tricky_text(rng)}
        rows.append([cells["first"], cells["middle"], cells["last"]])
    path = tmp_path / "rows.csv"
    starts = _write_csv(path, ["a", "b", "c"], rows, crlf=crlf, final_newline=final_newline, blank_every=blank_every)
    with open_dataset(path) as ds:
        sample = ds.seek_sample(["a", "b", "c"], 3_000, seed=1)
    assert sample is not None and sample.good.all()
    size = path.stat().st_size
    assert sample.total_bytes == size - starts[0]
    for k, start in enumerate(sample.offsets.tolist()):
        i = bisect_right(starts, start) - 1
        assert starts[i] == start, f"draw {k} resynchronised to byte {start}, not a row start"
        assert [sample.columns[c][k] for c in "abc"] == rows[i]
        span_end = starts[i + 1] if i + 1 < len(starts) else size
        assert sample.spans[k] == span_end - start


def test_json_lines_offsets_are_traced_to_their_line(tmp_path: Path) -> None:
    rng = random.Random(5)
    lines, starts, data = [], [], b""
    for i in range(3_000):
        obj = {"id": i, "text": _tricky_text(rng)}
        starts.append(len(data))
        data += json.dumps(obj, ensure_ascii=False).encode() + b"\n" + (b"\n" if i % 50 == 7 else b"")
        lines.append(obj)
    path = tmp_path / "rows.jsonl"
    path.write_bytes(data)
    with open_dataset(path) as ds:
        sample = ds.seek_sample(["id", "text"], 2_000, seed=2)
    assert sample is not None
    for k, start in enumerate(sample.offsets.tolist()):
        i = bisect_right(starts, start) - 1
        assert starts[i] == start and sample.columns["text"][k] == lines[i]["text"]


# --------------------------------------------------------------------------
# The length bias and the coverage of the intervals
# --------------------------------------------------------------------------


def _biased_rows(n: int, seed: int) -> list[str]:
    """Short rows dense in tokens (digits and symbols), long rows of one repeated common word."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            out.append("".join(rng.choice("0123456789#@%&ü漢") for _ in range(rng.randint(5, 30))))
        else:
            out.append(" the" * rng.randint(100, 400))
    return out


@pytest.fixture(scope="module")
def biased_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int], np.ndarray]:
    """20,000 length-biased rows: the file, each row's first byte, each row's tokens."""
    from estimator.tokens import get_tokenizer

    texts = _biased_rows(20_000, seed=9)
    path = tmp_path_factory.mktemp("biased") / "biased.csv"
    starts = _write_csv(path, ["id", "text"], [[str(i), t] for i, t in enumerate(texts)])
    tokens = np.asarray(get_tokenizer("o200k_base").count_batch(texts), dtype=np.int64)
    return path, starts, tokens


def test_the_length_bias_is_corrected(biased_file: tuple[Path, list[int], np.ndarray]) -> None:
    path, starts, tokens = biased_file
    truth = int(tokens.sum())
    weighted, naive, hits = [], [], 0
    seeds = 60
    with open_dataset(path) as ds:
        for seed in range(seeds):
            sample = ds.seek_sample(["text"], 400, seed=seed)
            y = tokens[[bisect_right(starts, s) - 1 for s in sample.offsets.tolist()]]
            est = estimate_from_spans(y, sample.spans, sample.total_bytes)
            weighted.append(est.input_tokens_estimate)
            naive.append(len(tokens) * float(y.mean()))  # as if every row were equally likely
            hits += est.ci_low <= truth <= est.ci_high
    bias = np.mean(weighted) / truth - 1
    naive_bias = np.mean(naive) / truth - 1
    print(f"\nlength-biased rows: weighted estimate {bias:+.2%} off on average, unweighted {naive_bias:+.2%}; "
          f"{hits} of {seeds} intervals hold the truth")
    assert abs(bias) < 0.01
    assert abs(naive_bias) > 0.2
    assert hits >= 0.9 * seeds


def _coverage(tokens: np.ndarray, spans: np.ndarray, n: int, seeds: int) -> float:
    """Share of ``seeds`` seek samples of ``n`` rows whose 95% interval holds the true total (vectorised)."""
    total = int(spans.sum())
    ends = np.cumsum(spans)
    truth = float(tokens.sum())
    t = t_quantile(n - 1)
    hits = 0
    for first in range(0, seeds, 50):
        k = min(50, seeds - first)
        rng = np.random.default_rng(first)
        rows = np.searchsorted(ends, rng.integers(0, total, size=(k, n)), side="right")
        r = total * tokens[rows] / spans[rows]
        est, se = r.mean(axis=1), r.std(axis=1, ddof=1) / np.sqrt(n)
        hits += int((np.abs(est - truth) <= t * se).sum())
    return hits / seeds


@pytest.fixture(scope="module")
def realistic() -> tuple[np.ndarray, np.ndarray]:
    """20,000 realistic rows as a CSV writes them: (input tokens with framing, bytes of each row)."""
    from estimator.tokens import get_tokenizer

    table = list(generated_rows(20_000, seed=7))
    tokens = np.asarray(get_tokenizer("o200k_base").count_batch([r[1] for r in table]), dtype=np.int64) + 7
    spans = []
    for row in table:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(row)
        spans.append(len(buf.getvalue().encode()))
    return tokens, np.asarray(spans, dtype=np.int64)


@pytest.mark.parametrize("n", [1_000, 2_000, 10_000])
def test_intervals_cover_at_least_93_percent(
    n: int, realistic: tuple[np.ndarray, np.ndarray], biased_file: tuple[Path, list[int], np.ndarray]
) -> None:
    path, starts, biased_tokens = biased_file
    biased_spans = np.diff([*starts, path.stat().st_size])
    seeds = 1_000
    real = _coverage(*realistic, n, seeds)
    biased = _coverage(biased_tokens, biased_spans, n, seeds)
    print(f"\n{n:,} rows drawn at random offsets: 95% intervals hold the total in {real:.1%} (realistic rows), "
          f"{biased:.1%} (length-biased rows) of {seeds} samples")
    assert real >= 0.93 and biased >= 0.93
    assert real <= 0.99 and biased <= 0.99


# --------------------------------------------------------------------------
# When seeking is used, and what it reads
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "gen.csv"
    _write_csv(path, ["id", "text", "category", "expected_output_tokens"],
               [list(r) for r in generated_rows(20_000, seed=13)])
    return path


def _count(path: Path | str, **options: object):  # type: ignore[no-untyped-def]
    from estimator.counting import CountOptions, OutputSpec
    from estimator.counting.dataset import count_dataset
    from estimator.counting.prompts import RequestShape
    from estimator.pricing import load_pricebook

    book = load_pricebook()
    model = book.model("gpt-4o")
    output = options.pop("output", OutputSpec(fixed=20))
    return count_dataset(path, model=model, shape=RequestShape(column="text", system="Sort the ticket."),
                         output=output, price=model.prices[-1],  # type: ignore[arg-type]
                         options=CountOptions(**options))  # type: ignore[arg-type]


def test_a_big_file_is_sampled_by_seeking_and_mostly_left_unread(generated_csv: Path) -> None:
    exact = _count(generated_csv)
    est = _count(generated_csv, sample_rows=1_000, seed=4)
    s = est.sample
    assert s is not None and s.method == SPAN_METHOD
    assert s.ci_low <= exact.input_tokens <= s.ci_high
    assert s.rows_ci_low is not None and s.rows_ci_high is not None
    assert s.rows_ci_low <= exact.rows <= s.rows_ci_high
    assert s.output_ci_low is not None and s.output_ci_high is not None
    assert s.output_ci_low <= exact.output_tokens <= s.output_ci_high  # 20 per row, rows estimated
    assert est.bytes_read < generated_csv.stat().st_size / 2
    assert any("rows drawn at random byte offsets" in n for n in est.notes)


def test_the_json_gives_the_estimated_row_count(generated_csv: Path) -> None:
    import estimator

    opts = estimator.EstimateOptions(count=estimator.counting.CountOptions(sample_rows=1_000, seed=2))
    doc = estimator.estimate(str(generated_csv), model="gpt-4o", column="text", output_tokens=20,
                             as_of="2026-01-01", options=opts).to_json()
    low, high = doc["sample"]["rows_ci95"]
    assert low <= 20_000 <= high and doc["rows"] == doc["sample"]["population_rows"]


def test_sampling_reads_the_whole_file_when_seeking_would_not_gain(generated_csv: Path, tmp_path: Path) -> None:
    import gzip

    # a sample of more than a tenth of the rows
    assert _count(generated_csv, sample_rows=5_000).sample.method != SPAN_METHOD
    # a compressed file cannot seek
    gz = tmp_path / "gen.csv.gz"
    gz.write_bytes(gzip.compress(generated_csv.read_bytes()))
    est = _count(gz, sample_rows=1_000)
    assert est.sample.method != SPAN_METHOD and est.rows == 20_000
    # a sample with no more rows than the file: every row counted
    small = tmp_path / "small.csv"
    _write_csv(small, ["text"], [["hello"], ["world"]])
    assert _count(small, sample_rows=100).sample is None


def test_a_malformed_row_at_an_offset_is_named_by_its_byte(tmp_path: Path) -> None:
    rows = [[str(i), "ok text " * 20] for i in range(3_000)]
    rows[1500] = ["1500", "extra", "ok text " * 300]  # a field too many, and long enough to be drawn
    path = tmp_path / "bad.csv"
    starts = _write_csv(path, ["id", "text"], rows)
    bad_at = starts[1500]
    with open_dataset(path, bad_rows="skip") as ds:
        sample = ds.seek_sample(["text"], 2_000, seed=0)
    hit = [k for k, s in enumerate(sample.offsets.tolist()) if s == bad_at]
    assert hit and not sample.good[hit].any() and sample.good.sum() == len(sample.good) - len(hit)
    assert sample.bad and f"byte {bad_at:,}" in sample.bad[0].reason
    with open_dataset(path) as ds, pytest.raises(DataError, match=f"row at byte {bad_at:,}: expected 2 fields, found 3"):
        ds.seek_sample(["text"], 2_000, seed=0)
