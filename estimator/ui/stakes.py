"""The stakes of the job: when the results are needed, or what an hour of waiting is worth.

Asked in the answer strip of the Estimate tab and on the Time value tab: one setting shown in
two places (each place draws its own widgets; a change in either is kept here and shown in
both). Until the person answers, no plan picks a way for them: the library then assumes a
value of an hour and says so (``Decision.assumed_value``), and the strip shows the cheapest,
the fastest and standard instead of a pick. The presets are the library's
(``estimator.planning.decision.DEADLINE_PRESETS``).
"""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from ..formats import format_hours
from ..money import format_usd
from ..planning.decision import DEADLINE_PRESETS, DEFAULT_VALUE_PER_HOUR, deadline_preset
from .common import to_decimal

# The setting itself, kept under keys no widget has (Streamlit drops a widget's value when a run
# does not draw it; the Estimate tab's strip is drawn only with a file).
WHEN = "stakes_when"
VALUE = "stakes_value"
DEADLINE = "stakes_deadline"
CHOICES = (*(p.key for p in DEADLINE_PRESETS), "hours", "value")
LABELS = {**{p.key: p.label for p in DEADLINE_PRESETS}, "hours": "In … hours", "value": "$ an hour"}
DEFAULT_DEADLINE_HOURS = 24.0


def _keys(where: str) -> dict[str, str]:
    return {"when": f"{where}_when", "value": f"{where}_value_per_hour", "deadline": f"{where}_deadline_hours"}


def _copy(where: str) -> None:
    """A widget changed: keep its value as the setting."""
    keys = _keys(where)
    for name, setting in (("when", WHEN), ("value", VALUE), ("deadline", DEADLINE)):
        if keys[name] in st.session_state:
            st.session_state[setting] = st.session_state[keys[name]]


def stakes() -> tuple[Decimal | None, Decimal | None]:
    """(value of an hour, deadline in hours) as stated; (None, None) until the person says."""
    when = st.session_state.get(WHEN)
    if when == "value":
        return to_decimal(float(st.session_state.get(VALUE, float(DEFAULT_VALUE_PER_HOUR))), 2), None
    if when == "hours":
        return None, to_decimal(float(st.session_state.get(DEADLINE, DEFAULT_DEADLINE_HOURS)), 3)
    if when in CHOICES:
        return None, deadline_preset(when).hours
    return None, None


def stated() -> bool:
    return st.session_state.get(WHEN) in CHOICES


def describe() -> str:
    """The stakes in words, as stated."""
    value, deadline = stakes()
    if value is not None:
        return f"an hour of waiting is worth {format_usd(value)}"
    if deadline is not None:
        when = st.session_state.get(WHEN)
        preset = next((p for p in DEADLINE_PRESETS if p.key == when), None)
        return f"results needed {preset.meaning}" if preset else f"results needed within {format_hours(deadline)}"
    return "not said yet"


def ask(where: str) -> None:
    """The question, drawn with widgets of its own (keys prefixed ``where``) showing the setting."""
    keys = _keys(where)
    st.session_state[keys["when"]] = st.session_state.get(WHEN)
    st.segmented_control(
        "When do you need the results?",
        list(CHOICES),
        format_func=LABELS.__getitem__,
        key=keys["when"],
        on_change=_copy,
        args=(where,),
        help="Today means within 8 hours, tomorrow within 24, this week within 7 days; or type the hours, "
        "or say what an hour of waiting costs you (people kept waiting, a later launch ...). Until you say, "
        "nothing is recommended: the cheapest, the fastest and standard are shown side by side.",
    )
    when = st.session_state.get(WHEN)
    if when == "value":
        st.session_state[keys["value"]] = float(st.session_state.get(VALUE, float(DEFAULT_VALUE_PER_HOUR)))
        st.number_input("An hour of waiting is worth (USD)", min_value=0.0, step=10.0, key=keys["value"],
                        on_change=_copy, args=(where,))
    elif when == "hours":
        st.session_state[keys["deadline"]] = float(st.session_state.get(DEADLINE, DEFAULT_DEADLINE_HOURS))
        st.number_input("Results needed within (hours)", min_value=0.0, step=1.0, key=keys["deadline"],
                        on_change=_copy, args=(where,))
