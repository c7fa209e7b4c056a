"""The reader API: values come back exactly as written, in order, from every format."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from estimator.errors import DataError, UsageError
from estimator.reading import limits
from estimator.reading.dataset import open_dataset
from estimator.reading.rows import BadRow, RowBatch

# Values that naive readers change: NA markers, leading zeros, special tokens,
# non-ASCII, quotes, delimiters, line breaks of every kind, a long cell.
TRICKY = [
    "NA",
    "null",
    "None",
    "",
    "007",
    "<|endoftext|>",
    "emoji 😀👨‍👩‍👧",
    "中文テキスト한국어",
    'she said "hi"',
    '"quoted"',
    "a,b;c|d\te",
    "line1\nline2",
    "cr\ronly",
    "crlf\r\nend",
    " padded ",
    "=1+1",
    "x" * 20_000,
]


def read_all(
    path: Path, columns: list[str] | None = None, **kw: object
) -> tuple[dict[str, list[str]], list[RowBatch]]:
    with open_dataset(path, **kw) as ds:  # type: ignore[arg-type]
        cols = columns if columns is not None else ds.info.columns
        batches = list(ds.batches(cols))
    out: dict[str, list[str]] = {c: [] for c in cols}
    for b in batches:
        for c in cols:
            out[c].extend(b.columns[c])
    return out, batches


def csv_text(rows: list[list[str]], delimiter: str = ",", terminator: str = "\r\n") -> str:
    buf = io.StringIO()
    quoting = csv.QUOTE_MINIMAL if terminator == "\r\n" else csv.QUOTE_ALL  # a bare \r must be quoted
    csv.writer(buf, delimiter=delimiter, lineterminator=terminator, quoting=quoting).writerows(rows)
    return buf.getvalue()


def table_rows() -> list[list[str]]:
    return [["id", "text"]] + [[str(i), v] for i, v in enumerate(TRICKY)]


def write_csv(path: Path, *, delimiter: str = ",", encoding: str = "utf-8", terminator: str = "\r\n") -> Path:
    path.write_bytes(csv_text(table_rows(), delimiter, terminator).encode(encoding))
    return path


def write_jsonl(path: Path) -> Path:
    lines = [json.dumps({"id": str(i), "text": v}, ensure_ascii=False) for i, v in enumerate(TRICKY)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_parquet(path: Path) -> Path:
    pq.write_table(pa.table({"id": [str(i) for i in range(len(TRICKY))], "text": TRICKY}), path)
    return path


WRITERS = {
    "csv": lambda d: write_csv(d / "data.csv"),
    "csv-lf-quote-all": lambda d: write_csv(d / "data.csv", terminator="\n"),
    "tsv": lambda d: write_csv(d / "data.tsv", delimiter="\t"),
    "semicolon-csv": lambda d: write_csv(d / "data.csv", delimiter=";"),
    "pipe-csv": lambda d: write_csv(d / "data.csv", delimiter="|"),
    "utf8-bom-csv": lambda d: write_csv(d / "data.csv", encoding="utf-8-sig"),
    "utf16-csv": lambda d: write_csv(d / "data.csv", encoding="utf-16"),
    "utf16-tsv": lambda d: write_csv(d / "data.txt", delimiter="\t", encoding="utf-16"),
    "gzip-csv": lambda d: _gz(write_csv(d / "data.csv")),
    "jsonl": lambda d: write_jsonl(d / "data.jsonl"),
    "parquet": lambda d: write_parquet(d / "data.parquet"),
}


def _gz(path: Path) -> Path:
    gz = path.with_name(path.name + ".gz")
    gz.write_bytes(gzip.compress(path.read_bytes()))
    return gz


@pytest.mark.parametrize("kind", list(WRITERS), ids=list(WRITERS))
def test_values_come_back_exactly_as_written(tmp_path: Path, kind: str) -> None:
    path = WRITERS[kind](tmp_path)
    out, batches = read_all(path, ["text", "id"])
    assert out["text"] == TRICKY
    assert out["id"] == [str(i) for i in range(len(TRICKY))]
    assert sum(b.rows for b in batches) == len(TRICKY)


@pytest.mark.parametrize("block", [1, 7, 64, 4096], ids=["block-1", "block-7", "block-64", "block-4k"])
def test_tiny_read_blocks_give_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(limits, "BLOCK_BYTES", block)
    monkeypatch.setattr(limits, "SNIFF_BYTES", 16)
    for kind in ("csv", "utf8-bom-csv", "utf16-csv", "semicolon-csv"):
        out, _ = read_all(WRITERS[kind](tmp_path), ["text"])
        assert out["text"] == TRICKY, kind


def test_xlsx_values(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["id", "text", "n", "when", "flag"])
    ws.append([1, "NA", 7.0, dt.datetime(2024, 5, 6), True])
    ws.append([2, "007", 0.1, dt.datetime(2024, 5, 6, 7, 8), False])
    ws.append([None, None, None, None, None])  # a blank row is not a data row
    ws.append([3, "中文 😀", None, None, None])
    wb.create_sheet("Other")
    path = tmp_path / "book.xlsx"
    wb.save(path)
    with open_dataset(path) as ds:
        assert ds.info.format == "xlsx"
        assert ds.info.columns == ["id", "text", "n", "when", "flag"]
        assert any("first of 2 sheets" in n for n in ds.info.notes)
        batches = list(ds.batches(["text", "n", "when", "flag", "id"]))
    (b,) = batches
    assert b.columns["text"] == ["NA", "007", "中文 😀"]
    assert b.columns["n"] == ["7", "0.1", ""]
    assert b.columns["when"] == ["2024-05-06", "2024-05-06T07:08:00", ""]
    assert b.columns["flag"] == ["TRUE", "FALSE", ""]
    assert b.columns["id"] == ["1", "2", "3"]
    assert b.first_row == 1 and b.rows == 3


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.lists(
            st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12),
            min_size=2,
            max_size=2,
        ),
        max_size=15,
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    block=st.sampled_from([1, 3, 16, 1 << 20]),
    batch_rows=st.sampled_from([1, 2, 1000]),
)
def test_any_text_round_trips(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[list[str]],
    delimiter: str,
    block: int,
    batch_rows: int,
) -> None:
    monkeypatch.setattr(limits, "BLOCK_BYTES", block)
    path = tmp_path / "prop.csv"
    path.write_text(csv_text([["a", "b"], *rows], delimiter), encoding="utf-8", newline="")
    out, batches = read_all(path, ["b", "a"], delimiter=delimiter, batch_rows=batch_rows)
    assert out == {"a": [r[0] for r in rows], "b": [r[1] for r in rows]}
    expected_first = 1
    for b in batches:
        assert b.first_row == expected_first and 0 < b.rows <= batch_rows
        expected_first += b.rows


def test_batches_are_numbered_and_report_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "BLOCK_BYTES", 50)
    path = tmp_path / "n.csv"
    path.write_text("id,text\n" + "".join(f"{i},row {i}\n" for i in range(1, 101)))
    with open_dataset(path, batch_rows=30) as ds:
        batches = list(ds.batches(["text"]))
        total = ds.info.total_bytes
    assert [b.first_row for b in batches] == [1, 31, 61, 91]
    assert [b.rows for b in batches] == [30, 30, 30, 10]
    assert [v for b in batches for v in b.columns["text"]] == [f"row {i}" for i in range(1, 101)]
    sizes = [b.nbytes for b in batches]
    assert sizes == sorted(sizes) and sizes[-1] == total
    assert list(batches[0].columns) == ["text"]


@pytest.mark.parametrize(
    ("text", "delimiter", "note"),
    [
        ("id,text\n1,a;b\n2,c|d\n", ",", None),
        ("id;price\nx;1,5\ny;2,25\n", ";", "delimiter ';' detected"),
        ("id\ttext\n1\thello, world\n", "\t", "delimiter tab detected"),
        ("id|text\n1|a,b\n", "|", "delimiter '|' detected"),
        ('id;text\n1;"a;b;c"\n2;"x"\n', ";", "delimiter ';' detected"),
        ("text\nhello\nworld\n", ",", None),
    ],
    ids=["comma", "semicolon-decimal-commas", "tab", "pipe", "quoted-delimiters", "one-column"],
)
def test_delimiter_is_sniffed(tmp_path: Path, text: str, delimiter: str, note: str | None) -> None:
    path = tmp_path / "d.csv"
    path.write_text(text)
    with open_dataset(path) as ds:
        assert ds.info.delimiter == delimiter
        assert (note in ds.info.notes) if note else not any("delimiter" in n for n in ds.info.notes)


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [
        ("x.tsv", b"a\tb\n1\t2\n", "tsv"),
        ("x.txt", b"a,b\n1,2\n", "csv"),
        ("x.ndjson", b'{"a": 1}\n', "jsonl"),
        ("x.json", b'{"a": 1}\n{"a": 2}\n', "jsonl"),
        ("x.data", b'{"a": 1}\n', "jsonl"),
        ("x.csv.gz", gzip.compress(b"a,b\n1,2\n"), "csv"),
    ],
    ids=["tsv-ext", "txt-ext", "ndjson-ext", "json-lines", "jsonl-by-content", "gzip-csv"],
)
def test_format_is_detected(tmp_path: Path, name: str, data: bytes, fmt: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with open_dataset(path) as ds:
        assert ds.info.format == fmt
        assert next(iter(ds.batches(["a"]))).columns["a"][0] == "1"


def test_parquet_found_by_content_under_another_name(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "export.bin")
    out, _ = read_all(path, ["text"])
    assert out["text"] == TRICKY


@pytest.mark.parametrize(
    ("data", "encoding", "expected_encoding", "note"),
    [
        ("id,text\n1,café\n".encode("cp1252"), "cp1252", "cp1252", None),
        ("id,text\n1,café\n".encode("latin-1"), "latin-1", "iso8859-1", None),
        ("id,text\n1,café\n".encode("utf-16-le"), None, "utf-16-le", "UTF-16-LE without BOM"),
        (b"\xfe\xff" + "id,text\n1,café\n".encode("utf-16-be"), None, "utf-16-be", "big-endian"),
        ("\ufeffid,text\n1,café\n".encode("utf-8"), "utf-8", "utf-8-sig", None),
    ],
    ids=["cp1252-named", "latin1-named", "utf16le-no-bom", "utf16be-bom", "utf8-named-with-bom"],
)
def test_encodings(
    tmp_path: Path, data: bytes, encoding: str | None, expected_encoding: str, note: str | None
) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(data)
    with open_dataset(path, encoding=encoding) as ds:
        assert ds.info.columns == ["id", "text"]
        assert ds.info.encoding == expected_encoding
        if note:
            assert any(note in n for n in ds.info.notes)
        assert next(iter(ds.batches(["text"]))).columns["text"] == ["café"]


def test_jsonl_value_conventions(tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text(
        '{"text": "NA", "n": 1.10, "big": 12345678901234567890, "flag": true, "none": null, '
        '"obj": {"k": [1, 2.50, "é"]}}\n'
        "\n"
        '{"text": "007", "extra": "later key"}\n',
        encoding="utf-8",
    )
    with open_dataset(path) as ds:
        assert ds.info.columns == ["text", "n", "big", "flag", "none", "obj", "extra"]
        (b,) = list(ds.batches(ds.info.columns))
    assert b.columns == {
        "text": ["NA", "007"],
        "n": ["1.10", ""],
        "big": ["12345678901234567890", ""],
        "flag": ["true", ""],
        "none": ["", ""],
        "obj": ['{"k":[1,2.50,"é"]}', ""],
        "extra": ["", "later key"],
    }
    assert (b.first_row, b.rows) == (1, 2)


def test_parquet_directory_and_types(tmp_path: Path) -> None:
    d = tmp_path / "ds"
    d.mkdir()
    pq.write_table(
        pa.table(
            {
                "text": ["a", None],
                "n": [1.5, None],
                "i": pa.array([7, 8], pa.int64()),
                "day": [dt.date(2024, 1, 2), None],
                "tags": [["x", "y"], []],
            }
        ),
        d / "part-0.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "text": ["c"],
                "n": [2.0],
                "i": pa.array([9], pa.int64()),
                "day": [dt.date(2024, 1, 3)],
                "tags": [["z"]],
            }
        ),
        d / "part-1.parquet",
    )
    with open_dataset(d, batch_rows=2) as ds:
        assert ds.info.format == "parquet"
        assert ds.info.columns == ["text", "n", "i", "day", "tags"]
        batches = list(ds.batches(["text", "n", "i", "day", "tags"]))
        total = ds.info.total_bytes
    cols = {c: [v for b in batches for v in b.columns[c]] for c in batches[0].columns}
    assert cols == {
        "text": ["a", "", "c"],
        "n": ["1.5", "", "2"],
        "i": ["7", "8", "9"],
        "day": ["2024-01-02", "", "2024-01-03"],
        "tags": ['["x","y"]', "[]", '["z"]'],
    }
    assert [b.first_row for b in batches] == [1, 3]
    assert batches[-1].nbytes == total


def test_skip_mode_keeps_exact_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('id,text\n1,a\n2,"multi\nline"\n3,b,EXTRA\n4,c\n5\n6,d\n')
    with open_dataset(path, bad_rows="skip", batch_rows=100) as ds:
        batches = list(ds.batches(["id", "text"]))
        skipped = ds.skipped
    assert skipped == [
        BadRow(row=3, line=5, reason="expected 2 fields, found 3: '3,b,EXTRA'"),
        BadRow(row=5, line=7, reason="expected 2 fields, found 1: '5'"),
    ]
    assert [(b.first_row, b.rows, b.columns["id"]) for b in batches] == [
        (1, 2, ["1", "2"]),
        (4, 1, ["4"]),
        (6, 1, ["6"]),
    ]
    assert batches[0].columns["text"] == ["a", "multi\nline"]


def test_skipped_restarts_with_each_pass(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2\n3\n")
    with open_dataset(path, bad_rows="skip") as ds:
        for _ in range(2):
            assert sum(b.rows for b in ds.batches(["a"])) == 1
            assert [s.row for s in ds.skipped] == [2]


def test_only_requested_columns_no_columns_counts_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6\n")
    with open_dataset(path) as ds:
        (b,) = list(ds.batches(["c", "a", "c"]))
        assert list(b.columns) == ["c", "a"] and b.columns["c"] == ["3", "6"]
        (empty,) = list(ds.batches([]))
        assert empty.rows == 2 and dict(empty.columns) == {}


def test_crlf_line_numbers_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes(b'\r\n\r\nid,text\r\n1,a\r\n\r\n2,"x\r\ny"\r\n3,b,c\r\n')
    with pytest.raises(DataError, match=r"line 8 \(data row 3\)"):
        read_all(path)
    with open_dataset(path, bad_rows="skip") as ds:
        (b,) = list(ds.batches(["text"]))
        assert b.columns["text"] == ["a", "x\r\ny"]
        assert ds.skipped[0].line == 8


def test_long_header_beyond_the_sniff_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SNIFF_BYTES", 8)
    monkeypatch.setattr(limits, "BLOCK_BYTES", 4)
    names = [f"column_{i}" for i in range(20)]
    path = tmp_path / "h.csv"
    path.write_text(";".join(names) + "\n" + ";".join(str(i) for i in range(20)) + "\n")
    with open_dataset(path) as ds:
        assert ds.info.columns == names and ds.info.delimiter == ";"
        assert next(iter(ds.batches(["column_19"]))).columns["column_19"] == ["19"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"format": "docx"}, "unknown format"),
        ({"encoding": "no-such-codec"}, "unknown encoding"),
        ({"delimiter": "::"}, "one character"),
        ({"bad_rows": "ignore"}, "bad_rows"),
        ({"batch_rows": 0}, "batch_rows"),
    ],
    ids=["format", "encoding", "delimiter", "bad-rows", "batch-rows"],
)
def test_bad_options_are_usage_errors(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    path = tmp_path / "o.csv"
    path.write_text("a\n1\n")
    with pytest.raises(UsageError, match=message):
        open_dataset(path, **kwargs)  # type: ignore[arg-type]


def test_delimiter_by_name(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\tb\n1\t2\n")
    with open_dataset(path, delimiter="tab") as ds:
        assert ds.info.columns == ["a", "b"]
