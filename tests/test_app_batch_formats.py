"""The app's uploader recognises every batch request format its label names, as the CLI does."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptest_helpers import errors, metrics, run_cli, tab, upload
from streamlit.testing.v1 import AppTest
from test_batch_formats import FORMATS, batch_file

PROVIDER_OF = {"openai": "openai", "anthropic": "anthropic", "google": "google"}


@pytest.mark.parametrize("name", ["gemini-key-request", "gemini-request-only", "openai-responses", "anthropic"])
def test_the_uploader_checks_and_prices_each_batch_format_like_the_cli(app: AppTest, tmp_path: Path,
                                                                        name: str) -> None:
    _, provider, model = FORMATS[name]
    app.selectbox(key="provider").set_value(PROVIDER_OF[provider]).run()
    app.selectbox(key="model").set_value(model).run()
    path = batch_file(tmp_path, name)
    upload(app, path.name, path.read_bytes(), "application/jsonl")
    est = tab(app, "Estimate")
    expected = run_cli("estimate", str(path), "--model", model)
    fmt = expected["format"].removesuffix(" file")
    assert any(f"batch request file ({fmt})" in i.value and "3 requests" in i.value for i in est.info), \
        [i.value for i in est.info]
    shown = {k: v.removeprefix("≈ ") for k, v in metrics(est).items()}
    assert shown["Rows"] == "3"
    assert shown["Input tokens"] == f"{expected['input_tokens']:,}"  # the requests' text, not each line's JSON
    assert not any("which column" in e.lower() for e in errors(app))
    assert not errors(app)
