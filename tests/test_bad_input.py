"""Files users really bring: each bad input gives a clear DataError or an explicit report.

Every message must name the file, say where (line, column, byte) and what to do.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from estimator.errors import DataError, params_in
from estimator.reading import limits
from estimator.reading.dataset import open_dataset
from estimator.reading.rows import BadRow


def rows_of(path: Path, column: str = "text", **kw: object) -> list[str]:
    with open_dataset(path, **kw) as ds:  # type: ignore[arg-type]
        return [v for b in ds.batches([column]) for v in b.columns[column]]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- empty and header-only ---------------------------------------------------


@pytest.mark.parametrize("name", ["e.csv", "e.jsonl", "e.tsv"], ids=["csv", "jsonl", "tsv"])
def test_zero_byte_file_is_an_error(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, b"")
    with pytest.raises(DataError, match=r"e\.\w+: empty file \(0 bytes\)"):
        open_dataset(path)


@pytest.mark.parametrize(
    "data",
    [b"\n\n\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"],
    ids=["blank-lines", "bom-only", "bom-and-newline"],
)
def test_no_header_is_an_empty_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(DataError, match="empty file"):
        open_dataset(write(tmp_path, "b.csv", data))


@pytest.mark.parametrize(
    "data",
    [b"id,text\n", b"id,text", b"id,text\r\n\r\n", b"\xef\xbb\xbfid,text\r\n"],
    ids=["lf", "no-newline", "trailing-blank", "bom-crlf"],
)
def test_header_only_is_zero_rows_not_an_error(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "h.csv", data)
    with open_dataset(path) as ds:
        assert ds.info.columns == ["id", "text"]
        assert list(ds.batches(["text"])) == []
        assert ds.skipped == []


def test_jsonl_with_only_blank_lines(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no JSON objects"):
        open_dataset(write(tmp_path, "b.jsonl", b"\n  \n"))


# -- columns ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [("m.csv", b"id,review_text\n1,a\n"), ("m.jsonl", b'{"id": 1, "review_text": "a"}\n')],
    ids=["csv", "jsonl"],
)
def test_missing_column_lists_the_columns(tmp_path: Path, name: str, data: bytes) -> None:
    path = write(tmp_path, name, data)
    with open_dataset(path) as ds, pytest.raises(DataError) as err:
        ds.batches(["text"])
    message = str(err.value)
    assert str(path) in message
    assert "no column 'text'" in message
    assert "'id', 'review_text'" in message


def test_missing_column_suggests_a_close_name(tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", b"id,Text \n1,a\n")
    with open_dataset(path) as ds, pytest.raises(DataError, match="Did you mean 'Text '"):
        ds.batches(["text"])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"id,text,id\n1,a,2\n", "'id' at columns 1, 3"),
        (b"a,b,a,b,a\n1,2,3,4,5\n", "'a' at columns 1, 3, 5; 'b' at columns 2, 4"),
        (b'"x","x"\n1,2\n', "'x' at columns 1, 2"),
        (b"a,,\n1,2,3\n", "'' at columns 2, 3"),
    ],
    ids=["one-dup", "two-dups", "quoted", "empty-names"],
)
def test_duplicate_headers_are_named_with_positions(tmp_path: Path, header: bytes, expected: str) -> None:
    path = write(tmp_path, "d.csv", header)
    with pytest.raises(DataError, match="duplicate column names") as err:
        open_dataset(path)
    assert expected in str(err.value) and str(path) in str(err.value)


def test_duplicate_parquet_columns(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["1"]), pa.array(["2"])], names=["text", "text"]), path)
    with pytest.raises(DataError, match="'text' at columns 1, 2"):
        open_dataset(path)


# -- ragged rows -------------------------------------------------------------

RAGGED = b"id,text\n1,a\n2,b,extra\n3,c\n4\n5,e\n"


@pytest.mark.parametrize(
    ("data", "line", "row", "found"),
    [
        (RAGGED, 3, 2, "found 3: '2,b,extra'"),
        (b"id,text\n1,a\n2\n", 3, 2, "found 1: '2'"),
        (b'id,text\n1,"multi\nline\ncell"\n2,b,c\n', 5, 2, "found 3"),
        (b"id\ttext\n1\ta\n2\tb\tc\n", 3, 2, "found 3"),
    ],
    ids=["too-many", "too-few", "after-multiline-cell", "tsv"],
)
def test_ragged_row_fails_naming_the_line(
    tmp_path: Path, data: bytes, line: int, row: int, found: str
) -> None:
    path = write(tmp_path, "r.tsv" if b"\t" in data else "r.csv", data)
    with pytest.raises(DataError) as err:
        rows_of(path)
    message = str(err.value)
    assert f"{path}: line {line} (data row {row})" in message
    assert found in message and "skip_bad_rows" in params_in(err.value.message)
    assert (err.value.path, err.value.line, err.value.row) == (str(path), line, row)


def test_ragged_rows_skipped_are_reported_never_dropped_silently(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", RAGGED)
    with open_dataset(path, bad_rows="skip") as ds:
        texts = [v for b in ds.batches(["text"]) for v in b.columns["text"]]
        assert texts == ["a", "c", "e"]
        assert ds.skipped == [
            BadRow(row=2, line=3, reason="expected 2 fields, found 3: '2,b,extra'"),
            BadRow(row=4, line=5, reason="expected 2 fields, found 1: '4'"),
        ]


def test_ragged_rows_across_many_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "BLOCK_BYTES", 64)
    lines = [f"{i},text {i}" if i % 50 else f"{i},bad,row" for i in range(1, 301)]
    path = write(tmp_path, "r.csv", ("id,text\n" + "\n".join(lines) + "\n").encode())
    with open_dataset(path, bad_rows="skip", batch_rows=1000) as ds:
        batches = list(ds.batches(["id"]))
        assert [b.row for b in ds.skipped] == [50, 100, 150, 200, 250, 300]
        assert [b.line for b in ds.skipped] == [51, 101, 151, 201, 251, 301]
    ids = [int(v) for b in batches for v in b.columns["id"]]
    assert ids == [i for i in range(1, 301) if i % 50]
    for b in batches:  # each batch's first_row is the real data-row number
        assert int(b.columns["id"][0]) == b.first_row


def test_xlsx_extra_cells(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["id", "text"], [1, "a"], [2, "b", "stray"], [3, "c"]):
        ws.append(row)
    path = tmp_path / "x.xlsx"
    wb.save(path)
    with pytest.raises(DataError, match="sheet row 3: 3 filled cells, the header has 2"):
        rows_of(path)
    with open_dataset(path, bad_rows="skip") as ds:
        assert [v for b in ds.batches(["text"]) for v in b.columns["text"]] == ["a", "c"]
        assert ds.skipped == [BadRow(row=2, line=3, reason="3 filled cells, the header has 2")]


# -- quotes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b'id,text\n1,a\n2,"never closed\n3,c\n4,d\n', "line 3, column 3 (byte 14)"),
        (b'id,text\n1,"closed"\n2,"open', "line 3, column 3"),
        (b'id,text\n1,"x""\n', "line 2, column 3"),
        (b'\xef\xbb\xbfid,text\r\n1,a\r\n2,"oops\r\n', "line 3, column 3 (byte 19)"),
    ],
    ids=["middle", "last-line", "escaped-quote-then-eof", "bom-crlf"],
)
@pytest.mark.parametrize("block", [3, 1 << 20], ids=["small-blocks", "one-block"])
def test_unclosed_quote_is_an_error_not_an_empty_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, where: str, block: int
) -> None:
    monkeypatch.setattr(limits, "BLOCK_BYTES", block)
    path = write(tmp_path, "q.csv", data)
    with pytest.raises(DataError) as err:
        rows_of(path, bad_rows="skip")
    message = str(err.value)
    assert f"{path}: {where}" in message
    assert "never closes" in message


def test_unclosed_quote_in_a_large_file_fails_without_reading_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_RECORD_BYTES", 10_000)
    monkeypatch.setattr(limits, "BLOCK_BYTES", 1024)
    body = (
        "".join(f"{i},text\n" for i in range(100))
        + '100,"open\n'
        + "".join(f"{i},t\n" for i in range(20_000))
    )
    path = write(tmp_path, "q.csv", ("id,text\n" + body).encode())
    with pytest.raises(DataError, match=r"line 102, column 5 .*for over"):
        rows_of(path)


def test_unclosed_quote_in_header(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="header row has a quote that never closes"):
        open_dataset(write(tmp_path, "q.csv", b'id,"text\n1,2\n'))


def test_stray_quotes_inside_values_are_text(tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", b'id,text\n1,5" screen\n2,say "hi"\n3, "spaced"\n')
    assert rows_of(path) == ['5" screen', 'say "hi"', ' "spaced"']


# -- encodings -------------------------------------------------------------


def test_undecodable_bytes_near_the_start(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", "id,text\n1,café\n".encode("cp1252"))
    with pytest.raises(DataError) as err:
        open_dataset(path)
    message = str(err.value)
    assert f"{path}: not UTF-8 text: byte 13 (line 2" in message
    assert "encoding" in params_in(err.value.message) and "cp1252" in message
    assert (err.value.path, err.value.line) == (str(path), 2)


def test_undecodable_bytes_far_into_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SNIFF_BYTES", 64)
    monkeypatch.setattr(limits, "BLOCK_BYTES", 256)
    good = "".join(f"{i},plain text\n" for i in range(1, 200))
    data = ("id,text\n" + good).encode() + b"200,caf\x92s\n201,x\n"
    path = write(tmp_path, "w.csv", data)
    with pytest.raises(DataError) as err:
        rows_of(path)
    message = str(err.value)
    bad_at = data.index(b"\x92")
    assert f"byte {bad_at} (line 201" in message
    assert "encoding" in params_in(err.value.message) and str(path) in message


def test_undecodable_bytes_in_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", b"id,caf\xe9\n1,a\n")
    with pytest.raises(DataError, match=r"byte 6 \(line 1"):
        open_dataset(path)


def test_named_encoding_that_does_not_fit(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", "id,text\n1,café\n".encode("cp1252"))
    with pytest.raises(DataError, match=r"not valid ascii text: byte 13 \(about line 2\).*encoding="):
        rows_of(path, encoding="ascii")


def test_never_replaced_silently(tmp_path: Path) -> None:
    path = write(tmp_path, "w.csv", "id,text\n1,naïve\n".encode("latin-1"))
    with pytest.raises(DataError):
        rows_of(path)
    assert rows_of(path, encoding="latin-1") == ["naïve"]


def test_jsonl_undecodable(tmp_path: Path) -> None:
    path = write(tmp_path, "w.jsonl", b'{"text": "ok"}\n{"text": "caf\xe9"}\n')
    with pytest.raises(DataError, match=r"not UTF-8 text: byte 28 \(line 2"):
        rows_of(path)


# -- not text at all -------------------------------------------------------


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("data.csv", "a,b\n")
    return buf.getvalue()


def _parquet_bytes() -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"a": ["x"]}), buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_xlsx_bytes(), "looks like an Excel workbook (.xlsx), not CSV"),
        (_zip_bytes(), "looks like a zip archive, not CSV"),
        (_parquet_bytes(), "looks like a Parquet file, not CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel .xls"),
        (b"%PDF-1.7\n" + b"\x00" * 10, "looks like a PDF file"),
        (
            b"id,text\n\x00\x01\x02\x03\xff\xfe\x00\x00\x10binary",
            "binary file, not CSV text (NUL byte at offset 8)",
        ),
    ],
    ids=["xlsx", "zip", "parquet", "xls", "pdf", "nul-bytes"],
)
def test_binary_files_renamed_csv(tmp_path: Path, data: bytes, expected: str) -> None:
    path = write(tmp_path, "data.csv", data)
    with pytest.raises(DataError) as err:
        open_dataset(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_renamed_parquet_can_be_read_when_asked(tmp_path: Path) -> None:
    path = write(tmp_path, "data.csv", _parquet_bytes())
    assert rows_of(path, "a", format="parquet") == ["x"]


def test_not_parquet(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read as Parquet"):
        open_dataset(write(tmp_path, "p.parquet", b"id,text\n1,a\n"))


def test_damaged_xlsx(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    with pytest.raises(DataError, match="cannot read as an .xlsx workbook"):
        open_dataset(write(tmp_path, "x.xlsx", b"not a workbook"))


def test_damaged_gzip(tmp_path: Path) -> None:
    data = gzip.compress(b"id,text\n" + b"1,abc\n" * 1000)
    with pytest.raises(DataError, match="gzip data is damaged"):
        rows_of(write(tmp_path, "g.csv.gz", data[: len(data) // 2]))


def test_missing_file_and_plain_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        open_dataset(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        open_dataset(tmp_path, format="csv")
    with pytest.raises(DataError, match="no Parquet files|cannot read as Parquet"):
        open_dataset(tmp_path)


# -- huge cells ------------------------------------------------------------


@pytest.mark.parametrize("size", [20_000, 10 * 1024 * 1024], ids=["20k-chars", "10MB"])
def test_huge_single_cell(tmp_path: Path, size: int) -> None:
    cell = ("word, " * (size // 6 + 1))[:size] + '\n"quoted"\n'
    quoted = '"' + cell.replace('"', '""') + '"'
    path = write(tmp_path, "big.csv", f"id,text\n1,{quoted}\n2,after\n".encode())
    assert rows_of(path) == [cell, "after"]


# -- JSONL -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"text": "a"}\n{"text": "b",}\n', r"line 2: not valid JSON \(.* at column 14\)"),
        (b'{"text": "a"}\n\n{"text": \n', r"line 3: not valid JSON"),
        (b'{"text": "a"}\n["text", "b"]\n', r"line 2: a JSON array where an object"),
        (b'{"text": "a"}\n"just a string"\n', r"line 2: a JSON string where an object"),
        (b'{"text": "a"}\n42\n', r"line 2: a JSON number where an object"),
        (b'[{"text": "a"}, {"text": "b"}]\n', r"line 1: a JSON array, not JSON Lines"),
    ],
    ids=["trailing-comma", "truncated", "array-line", "string-line", "number-line", "json-array-file"],
)
def test_jsonl_bad_lines_name_the_line(tmp_path: Path, data: bytes, expected: str) -> None:
    path = write(tmp_path, "b.jsonl", data)
    with pytest.raises(DataError, match=expected) as err:
        rows_of(path)
    assert str(path) in str(err.value)


def test_jsonl_bad_lines_skipped_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "b.jsonl", b'{"text": "a"}\nnot json\n[1]\n{"text": "d"}\n')
    with open_dataset(path, bad_rows="skip") as ds:
        batches = list(ds.batches(["text"]))
        assert [(b.first_row, b.columns["text"]) for b in batches] == [(1, ["a"]), (4, ["d"])]
        assert [(s.row, s.line) for s in ds.skipped] == [(2, 2), (3, 3)]


def test_jsonl_undecodable_beyond_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "SNIFF_BYTES", 16)
    path = write(tmp_path, "w.jsonl", b'{"text": "ok"}\n' * 3 + b'{"text": "caf\xe9"}\n')
    with pytest.raises(DataError, match=r"line 4: not UTF-8 text at byte 58 .*encoding="):
        rows_of(path)


def test_jsonl_named_csv_says_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "requests.csv"
    path.write_bytes(b'{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {}}\n')
    with pytest.raises(DataError, match="looks like JSON Lines"):
        with open_dataset(path) as ds:
            list(ds.batches(ds.info.columns[:1]))


def test_csv_whose_first_cell_has_braces_is_still_csv(tmp_path: Path) -> None:
    path = tmp_path / "braces.csv"
    path.write_bytes(b"{template},x\n{a} and {b},1\n")
    with open_dataset(path) as ds:
        assert ds.info.columns == ["{template}", "x"]
