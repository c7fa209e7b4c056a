"""Hostile .xlsx files: uncached formulas, huge tokens, DTDs and zip bombs are refused with a message, fast."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from estimator.cli import main
from estimator.errors import DataError
from estimator.reading import xlsx_guard
from estimator.reading.dataset import open_dataset

SHEET = "xl/worksheets/sheet1.xml"


def workbook(tmp_path: Path, rows: list[list[object]], name: str = "w.xlsx") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def rewrite_sheet(src: Path, dst: Path, change: object) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == SHEET:
                data = change(data)  # type: ignore[operator]
            zout.writestr(info, data)
    return dst


def values(path: Path, column: str) -> list[str]:
    with open_dataset(path) as ds:
        return [v for b in ds.batches([column]) for v in b.columns[column]]


def test_uncached_formula_in_a_read_column_is_an_error_naming_the_cells(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["text", "calc"], ["hello", "=LEN(A2)"], ["world", "=LEN(A3)"]])
    with pytest.raises(DataError, match=r"2 formula cell\(s\) have no stored result \(B2, B3\)") as exc:
        values(path, "calc")
    assert exc.value.line == 2 and exc.value.column == "B2"


def test_uncached_formula_elsewhere_is_a_visible_note(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["text", "calc"], ["hello", "=LEN(A2)"]])
    with open_dataset(path) as ds:
        assert any("formula cell(s) without a stored result (B2)" in n for n in ds.info.notes)
        assert [v for b in ds.batches(["text"]) for v in b.columns["text"]] == ["hello"]


def test_cached_formula_results_are_read(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["text", "calc"], ["hello", 0]])
    cached = rewrite_sheet(
        path, tmp_path / "c.xlsx", lambda b: b.replace(b'<c r="B2" t="n"><v>0</v>', b'<c r="B2"><f>LEN(A2)</f><v>5</v>')
    )
    assert values(cached, "calc") == ["5"]


def test_formula_with_empty_string_result_is_not_reported(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["text", "calc"], ["hello", 0]])
    empty = rewrite_sheet(
        path, tmp_path / "e.xlsx",
        lambda b: b.replace(b'<c r="B2" t="n"><v>0</v>', b'<c r="B2" t="str"><f>""</f><v></v>'),
    )
    assert values(empty, "calc") == [""]


def test_uncached_formula_in_header_is_an_error(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["text", "=UPPER(A2)"], ["hello", "x"]])
    with pytest.raises(DataError, match=r"\(B1\)"):
        open_dataset(path)


def test_huge_token_is_refused_before_openpyxl_parses_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard refuses it from the zip's XML; openpyxl is never asked to parse it (its parser
    re-reads an unfinished token on every chunk: 33 s for a 20 MB token)."""
    path = workbook(tmp_path, [["text"], ["hello"]])
    big = rewrite_sheet(path, tmp_path / "big.xlsx", lambda b: b.replace(b"<t>hello</t>", b"<t>" + b"x" * 3_000_000 + b"</t>"))
    assert big.stat().st_size < 40_000

    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl was asked to parse the workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", parse)
    with pytest.raises(DataError, match="single piece of text or tag of more than 1,048,576 bytes"):
        open_dataset(big)


def test_token_under_the_bound_is_read(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["text"], ["hello"]])
    ok = rewrite_sheet(path, tmp_path / "ok.xlsx", lambda b: b.replace(b"<t>hello</t>", b"<t>" + b"y" * 40_000 + b"</t>"))
    assert values(ok, "text") == ["y" * 40_000]


def test_dtd_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["text"], ["hello"]])
    dtd = rewrite_sheet(
        path, tmp_path / "dtd.xlsx",
        lambda b: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]>' + b,
    )
    with pytest.raises(DataError, match="declares a DTD"):
        open_dataset(dtd)


def test_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_guard, "MIN_XML_BUDGET", 1_000_000)
    path = workbook(tmp_path, [["text"], ["hello"]])
    padding = b"<row/>" * 400_000  # 2.4 MB of XML that compresses to a few KB
    bomb = rewrite_sheet(path, tmp_path / "bomb.xlsx", lambda b: b.replace(b"</sheetData>", padding + b"</sheetData>"))
    with pytest.raises(DataError, match=r"decompresses to more than .* bytes of XML"):
        open_dataset(bomb)


def test_damaged_xlsx_is_a_message_in_the_cli(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["text", "calc"], ["hello", "=LEN(A2)"]])
    result = CliRunner().invoke(main, ["estimate", str(path), "--column", "calc", "-m", "gpt-4o"])
    assert result.exit_code == 1
    assert "no stored result (B2)" in result.output
    assert "Traceback" not in result.output
