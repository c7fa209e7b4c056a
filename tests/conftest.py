"""Fixtures shared across test files."""

from __future__ import annotations

import pytest
from apptest_helpers import start_app
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app() -> AppTest:
    """The Streamlit app, started fresh with empty caches."""
    return start_app()
