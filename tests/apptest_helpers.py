"""Helpers shared by the Streamlit AppTest files: start the app, read what it shows, ask the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import streamlit as st
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from estimator.cli import main as cli
from estimator.money import format_usd

ROOT = Path(__file__).resolve().parents[1]


def app_model() -> str:
    """The model the app starts with: its provider's preferred current model on today's date."""
    from estimator.convert import today
    from estimator.pricing import load_pricebook
    from estimator.pricing.lifecycle import default_model
    from estimator.ui.common import DEFAULT_MODELS, DEFAULT_PROVIDER

    book = load_pricebook()
    return default_model(book.provider(DEFAULT_PROVIDER).models, today(), DEFAULT_MODELS[DEFAULT_PROVIDER]).id


APP_MODEL = app_model()


def start_app() -> AppTest:
    """A fresh app with empty result caches, after its first run."""
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def run_cli(*args: str) -> dict[str, Any]:
    """The command line's JSON for the same question."""
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def usd(text: str | Decimal) -> str:
    return format_usd(Decimal(text))


def uploader(at: AppTest) -> Any:
    """The Estimate tab's uploader (its key changes each time a file is removed)."""
    return next(u for u in at.file_uploader if str(u.key).startswith("upload"))


def upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    uploader(at).set_value((name, data, mime)).run()
    assert not at.exception, at.exception
    return at


def tab(at: AppTest, label: str) -> Any:
    return next(t for t in at.tabs if t.label == label)


def metrics(block: Any) -> dict[str, str]:
    return {m.label: m.value for m in block.metric}


def deltas(block: Any) -> dict[str, str]:
    return {m.label: m.proto.delta for m in block.metric}


def charts(block: Any) -> dict[str, dict[str, Any]]:
    """Plotly figures of a block by title (AppTest exposes them only as JSON)."""
    out = {}
    for el in block.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]
