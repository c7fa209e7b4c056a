"""Hostile uploads in the app: a clear message in the page, never the last-resort apology, never an exception."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from apptest_helpers import errors, metrics, start_app, tab, uploader
from streamlit.testing.v1 import AppTest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = "xl/worksheets/sheet1.xml"
LAST_RESORT = "Something unexpected went wrong"


def xlsx(change: object) -> bytes:
    """A one-column workbook whose sheet XML is rewritten by ``change``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["text"])
    ws.append(["hello"])
    plain = io.BytesIO()
    wb.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == SHEET:
                data = change(data)  # type: ignore[operator]
            zout.writestr(info, data)
    return out.getvalue()


def upload(name: str, data: bytes, mime: str) -> AppTest:
    at = start_app()
    uploader(at).set_value((name, data, mime)).run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    return "\n".join(errors(at))


HUGE_TOKEN = xlsx(lambda b: b.replace(b"<t>hello</t>", b"<t>" + b"x" * 3_000_000 + b"</t>"))
DTD = xlsx(lambda b: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;">]>' + b)


@pytest.mark.parametrize(
    ("name", "data", "mime", "phrase"),
    [
        ("big-token.xlsx", HUGE_TOKEN, XLSX, "single piece of text or tag of more than 1,048,576 bytes"),
        ("dtd.xlsx", DTD, XLSX, "declares a DTD"),
        ("deep.jsonl", b'{"text": "ok"}\n{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
         "application/jsonl", "line 2"),
        ("surrogate.jsonl", b'{"text": "ok"}\n{"text": "a\\ud800b"}\n', "application/jsonl", "lone surrogate"),
    ],
    ids=["xlsx-huge-token", "xlsx-dtd", "jsonl-deeply-nested", "jsonl-lone-surrogate"],
)
def test_hostile_upload_is_a_clear_message(name: str, data: bytes, mime: str, phrase: str) -> None:
    at = upload(name, data, mime)
    text = shown(at)
    assert phrase in text, text
    assert name in text, text
    assert LAST_RESORT not in text
    assert "Traceback" not in text


def test_email_jsonl_with_body_and_url_is_estimated_as_data(tmp_path: Path) -> None:
    rows = [{"subject": "hi", "body": "Dear team, the order is late.", "url": "https://example.com"},
            {"subject": "re", "body": "It arrived today.", "url": ""}]
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    at = upload("emails.jsonl", data, "application/jsonl")
    assert not errors(at), errors(at)
    at.selectbox(key="text_column").set_value("body").run()
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert metrics(tab(at, "Estimate"))["Rows"] == "2"
