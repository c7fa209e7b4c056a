"""Fixtures shared across test files."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from apptest_helpers import start_app
from streamlit.testing.v1 import AppTest


@pytest.fixture(scope="session", autouse=True)
def _installed_components_scanned_once() -> Iterator[None]:
    """Every AppTest start makes Streamlit scan the metadata of every installed package for
    components (about 0.3 s); the installed packages do not change while the tests run, so the
    first scan's answer is kept for the session."""
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # a Streamlit without component manifests: nothing to scan
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(manifest_scanner, "scan_component_manifests",
                   functools.cache(manifest_scanner.scan_component_manifests))
        yield


@pytest.fixture
def app() -> AppTest:
    """The Streamlit app, started fresh with empty caches."""
    return start_app()
