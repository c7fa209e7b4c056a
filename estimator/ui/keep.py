"""Inputs that keep their values when their widget is not drawn for a run.

Streamlit forgets a widget's value as soon as one run does not draw it: switching the output
option away and back, an error that stops a tab before its inputs, or removing and re-adding a
file would reset what the user typed. ``restore()`` at the start of a run puts back every value
``remember()`` saved at the end of the previous ones, for the widgets that were not drawn since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import streamlit as st

STORE = "_kept_inputs"
# Buttons (keys "download_..." and "reset_...") cannot be given a value;
# charts and tables hold selections, not inputs.
_NOT_INPUTS = ("download_", "reset_", "FormSubmitter")
_VALUE_TYPES = (bool, int, float, str, dt.date)


def _is_input(key: str, value: object) -> bool:
    if key.startswith("_") or key.startswith(_NOT_INPUTS) or value is None:
        return False
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, _VALUE_TYPES) for v in value)
    return isinstance(value, _VALUE_TYPES)


def restore() -> None:
    """Put back the saved value of every input that the last run did not draw."""
    store: dict[str, object] = st.session_state.get(STORE, {})
    for key, value in store.items():
        if key not in st.session_state:
            st.session_state[key] = value


def remember() -> None:
    """Save the current value of every input, for the runs that will not draw it."""
    store: dict[str, object] = st.session_state.setdefault(STORE, {})
    for key in list(st.session_state.keys()):
        key = str(key)
        value = st.session_state[key]
        if _is_input(key, value):
            store[key] = value


def forget(keys: Iterable[str]) -> None:
    """Drop saved values (and current ones) so the widgets start again from their defaults."""
    store: dict[str, object] = st.session_state.setdefault(STORE, {})
    for key in keys:
        store.pop(key, None)
        if key in st.session_state:
            del st.session_state[key]


def choice(key: str, options: list[str], default: str) -> None:
    """Make a selectbox's kept value one of ``options`` (else ``default``) before it is drawn."""
    store: dict[str, object] = st.session_state.setdefault(STORE, {})
    current = st.session_state.get(key, store.get(key))
    if current not in options:
        st.session_state[key] = default
        store[key] = default
