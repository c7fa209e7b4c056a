"""Hostile input on the command line: a message and the documented exit code, never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from estimator.batch.logistics import FileLimits
from estimator.batch.writer import BatchRequest, write_requests
from estimator.cli import main
from estimator.cli.signals import Terminated, command_signals

ROOT = Path(__file__).resolve().parents[1]


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_message(result: Result, code: int, *phrases: str) -> None:
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code == code, text
    assert "Traceback" not in text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for phrase in phrases:
        assert phrase in text, text


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ok_csv(tmp_path: Path) -> Path:
    return write(tmp_path, "ok.csv", "text\nhello\nworld\n")


# -- JSON and TOML beyond the parsers' limits ---------------------------------------


@pytest.mark.parametrize(
    "line",
    ["[" * 100_000, '{"text": ' + "[" * 50_000 + "]" * 50_000 + "}"],
    ids=["deep-array", "deep-value"],
)
def test_deeply_nested_jsonl_is_a_bad_line(tmp_path: Path, line: str) -> None:
    path = write(tmp_path, "deep.jsonl", line + "\n")
    assert_message(run("estimate", path, "--column", "text", "-m", "gpt-4o"), 1, "line 1", "nested too deeply")


def test_integer_of_5000_digits_in_jsonl_is_kept_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, "n.jsonl", '{"text": ' + "9" * 5000 + "}\n")
    result = run("estimate", path, "--column", "text", "-m", "gpt-4o", "--json")
    assert_message(result, 0)
    assert json.loads(result.stdout)["rows"] == 1


def test_nan_and_infinity_in_jsonl_are_read_as_written(tmp_path: Path) -> None:
    from estimator.reading.dataset import open_dataset

    path = write(tmp_path, "nan.jsonl", '{"text": NaN}\n{"text": -Infinity}\n')
    with open_dataset(path) as ds:
        assert [v for b in ds.batches(["text"]) for v in b.columns["text"]] == ["NaN", "-Infinity"]
    assert_message(run("estimate", path, "--column", "text", "-m", "gpt-4o"), 0)


def test_deeply_nested_price_file(tmp_path: Path, ok_csv: Path) -> None:
    toml = write(tmp_path, "deep.toml", "a = " + "[" * 50_000 + "]" * 50_000 + "\n")
    result = run("estimate", ok_csv, "--column", "text", "-m", "gpt-4o", "--price-file", toml)
    assert_message(result, 1, "deep.toml", "nested too deeply")


def test_price_file_with_a_5000_digit_integer(tmp_path: Path, ok_csv: Path) -> None:
    toml = write(tmp_path, "big.toml", "x = " + "9" * 5000 + "\n")
    result = run("estimate", ok_csv, "--column", "text", "-m", "gpt-4o", "--price-file", toml)
    assert_message(result, 1, "big.toml", "a number cannot be read")


def test_price_file_with_an_absurd_price_names_the_field(tmp_path: Path, ok_csv: Path) -> None:
    shipped = (ROOT / "estimator" / "_pricing" / "openai.toml").read_text("utf-8")
    huge = shipped.replace("input_per_mtok = ", "input_per_mtok = 1e999999 #", 1)
    assert huge != shipped
    toml = write(tmp_path, "huge.toml", huge)
    result = run("estimate", ok_csv, "--column", "text", "-m", "gpt-4o", "--price-file", toml)
    assert_message(result, 1, "huge.toml", "input_per_mtok = 1E+999999 is not a usable number")


# -- templates, text that is not Unicode, codecs ------------------------------------


def test_template_placeholders_name_columns_with_dots_and_brackets(tmp_path: Path) -> None:
    from estimator.counting.prompts import RequestShape, render_texts

    shape = RequestShape(template="{user.name} said {a[0]}")
    assert render_texts(shape, {"user.name": ["bob"], "a[0]": ["hi"]}) == ["bob said hi"]
    path = write(tmp_path, "dot.csv", "user.name,a[0]\nbob,hi\n")
    assert_message(run("estimate", path, "--template", "{user.name}: {a[0]}", "-m", "gpt-4o"), 0)


@pytest.mark.parametrize("command", ["plan", "write-batch"])
def test_lone_surrogate_names_the_line(tmp_path: Path, command: str) -> None:
    path = write(tmp_path, "s.jsonl", '{"text": "ok"}\n{"text": "a\\ud800b"}\n')
    extra = ["--out", str(tmp_path / "out" / "req")] if command == "write-batch" else []
    result = run(command, path, "--column", "text", "-m", "gpt-4o", *extra)
    assert_message(result, 1, "line 2", "lone surrogate")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("codec", ["rot13", "base64", "hex", "uu", "zlib", "bz2", "quopri"])
def test_non_text_codec_is_a_usage_error(ok_csv: Path, codec: str) -> None:
    result = run("estimate", ok_csv, "--column", "text", "-m", "gpt-4o", "--encoding", codec)
    assert_message(result, 2, "is not a text encoding", "--encoding")


# -- numbers in options ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--output-tokens", "1e30"], "--output-tokens"),
        (["--output-tokens", "9" * 25], "--output-tokens"),
        (["--output-ratio", "1e308"], "--output-ratio"),
        (["--input-price", "1e999999"], "--input-price"),
        (["--output-price", "NaN"], "--output-price"),
        (["--sample", "5", "--seed", "-1"], "--seed"),
    ],
    ids=["tokens-float", "tokens-25-digits", "ratio", "price-1e999999", "price-nan", "seed-negative"],
)
def test_huge_numbers_in_estimate_options(ok_csv: Path, args: list[str], phrase: str) -> None:
    assert_message(run("estimate", ok_csv, "--column", "text", "-m", "gpt-4o", *args), 2, phrase)


def test_huge_growth_in_forecast() -> None:
    result = run("forecast", "-m", "gpt-4o", "--requests-per-day", "10", "--input-tokens-per-request", "10",
                 "--output-tokens-per-request", "5", "--growth-pct", "1e999999")
    assert_message(result, 2, "--growth-pct")


def test_route_with_huge_volumes_prints_whole_or_refuses() -> None:
    result = run("route", "-m", "gpt-4o", "--daily-requests", str(10**13), "--input-tokens-per-request", "10",
                 "--output-tokens-per-request", "5")
    assert_message(result, 2, "--daily-requests")
    assert result.stdout == ""
    big = run("route", "-m", "gpt-4o", "--daily-requests", str(10**12), "--input-tokens-per-request", "1e12",
              "--output-tokens-per-request", "1e12")
    assert_message(big, 0, "Blend:")


# -- write-batch where it cannot write ------------------------------------------------


def test_write_batch_into_proc(ok_csv: Path) -> None:
    if not Path("/proc/self").exists():
        pytest.skip("no /proc here")
    result = run("write-batch", ok_csv, "--column", "text", "-m", "gpt-4o", "--out", "/proc/requests")
    assert result.exit_code in (1, 2)
    assert_message(result, result.exit_code, "/proc")


def test_write_batch_name_over_255_bytes(ok_csv: Path, tmp_path: Path) -> None:
    result = run("write-batch", ok_csv, "--column", "text", "-m", "gpt-4o", "--out", str(tmp_path / ("x" * 300)))
    assert_message(result, 1, "cannot write the batch files there", "255 bytes")
    assert [p.name for p in tmp_path.iterdir()] == ["ok.csv"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
def test_write_batch_into_read_only_folder(ok_csv: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        result = run("write-batch", ok_csv, "--column", "text", "-m", "gpt-4o", "--out", str(ro / "req"))
        assert_message(result, 1, "cannot write the batch files there")
    finally:
        ro.chmod(0o700)


def test_failed_write_batch_removes_the_folders_it_created(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.csv", "id,text\na,x\na,y\n")
    result = run("write-batch", path, "--column", "text", "-m", "gpt-4o", "--id-column", "id",
                 "--out", str(tmp_path / "new" / "deeper" / "req"))
    assert_message(result, 1, "duplicate")
    assert not (tmp_path / "new").exists()


def test_header_only_file_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "header.csv", "text\n")
    result = run("write-batch", path, "--column", "text", "-m", "gpt-4o", "--out", str(tmp_path / "o" / "req"))
    assert_message(result, 1, "header.csv", "no rows")
    assert not (tmp_path / "o").exists()


# -- interrupts -------------------------------------------------------------------------


def _requests(n: int, stop_at: int | None = None) -> Iterator[BatchRequest]:
    for i in range(1, n + 1):
        if i == stop_at:
            # raise_signal delivers to this thread and runs the Python handler before it returns:
            # the signal lands at exactly this request, however loaded the machine is
            signal.raise_signal(signal.SIGTERM)
        yield BatchRequest(i, f"r{i}", b'{"custom_id":"r%d"}\n' % i, 1)


def test_sigterm_while_writing_leaves_nothing(tmp_path: Path) -> None:
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    command_signals()
    try:
        with pytest.raises(Terminated):
            write_requests(_requests(50, stop_at=30), prefix=tmp_path / "out" / "req", fmt="openai-chat",
                           model="gpt-4o", limits=FileLimits(max_requests=10, max_bytes=10**6))
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])
    assert not (tmp_path / "out").exists()


def test_interrupt_during_renames_leaves_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import estimator.batch.writer as writer

    real = os.replace
    calls = []

    def replace_then_interrupt(src: str | Path, dst: str | Path) -> None:
        real(src, dst)
        calls.append(dst)
        if len(calls) == 2:  # at the second rename exactly (handled before raise_signal returns) ...
            signal.raise_signal(signal.SIGINT)  # ... and held until the renames are done

    monkeypatch.setattr(writer.os, "replace", replace_then_interrupt)
    out = tmp_path / "req"
    with pytest.raises(KeyboardInterrupt):
        write_requests(_requests(50), prefix=out, fmt="openai-chat", model="gpt-4o",
                       limits=FileLimits(max_requests=10, max_bytes=10**6))
    assert len(calls) == 5  # every rename ran before the interrupt was delivered ...
    assert list(tmp_path.iterdir()) == []  # ... and then the whole set was removed


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("after", ["estimator.errors", "numpy"])
def test_signal_while_starting_prints_no_traceback(ok_csv: Path, sig: signal.Signals, after: str) -> None:
    """The signal is sent once the program has imported ``after`` (early, and in the middle of the heavy
    imports), as ``-X importtime`` reports it: the test waits for a point of the start, not for a time."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "estimator", "estimate", str(ok_csv), "--column", "text",
         "-m", "gpt-4o"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
    )
    assert proc.stderr is not None
    seen = []
    for raw in proc.stderr:  # "import time: self | cumulative | module", once a module is imported
        seen.append(raw.decode())
        if seen[-1].rsplit("|", 1)[-1].strip() == after:
            break
    assert seen and seen[-1].rsplit("|", 1)[-1].strip() == after, f"{after} was never imported"
    proc.send_signal(sig)
    _, rest = proc.communicate(timeout=120)
    err = "".join(seen) + rest.decode()
    assert "Traceback" not in err, err
    assert proc.returncode in (0, 130, 143)


# -- facts in messages ------------------------------------------------------------------


def test_parquet_binary_column_that_is_not_utf8_names_column_and_row(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from estimator.errors import DataError
    from estimator.reading.dataset import open_dataset

    path = tmp_path / "b.parquet"
    pq.write_table(pa.table({"text": pa.array([b"ok", b"fine", b"\xff\xfe bad"], type=pa.binary())}), path)
    with open_dataset(path) as ds, pytest.raises(DataError, match=r"column 'text', row 3: .*not UTF-8") as exc:
        list(ds.batches(["text"]))
    assert exc.value.row == 3 and exc.value.column == "text"


def test_jsonl_key_after_the_scanned_objects_says_how_many_were_scanned(tmp_path: Path) -> None:
    from estimator.errors import DataError
    from estimator.reading.dataset import open_dataset

    path = write(tmp_path, "late.jsonl", '{"a": "x"}\n' * 30 + '{"text": "late"}\n')
    with open_dataset(path, batch_rows=20) as ds, pytest.raises(DataError, match="keys of the first 20 objects"):
        ds.batches(["text"])
