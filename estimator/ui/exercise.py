"""The Batch budgeter tab: the classic exercise, every number with its arithmetic."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from ..money import format_usd, places_that_add_up
from ..planning import run_exercise
from ..planning.decision import DEFAULT_VALUE_PER_HOUR
from ..planning.exercise import DEFAULT_ROWS, DEFAULT_TOKENS_PER_ROW, DEFAULT_WAIT_HOURS, exercise_price, price_text
from ..report.export import to_json_bytes
from . import keep
from .common import Settings, display_paths, relative_paths, to_decimal

EXERCISE_KEYS = ("ex_rows", "ex_rows_small", "ex_tokens_per_row", "ex_price_per_mtok", "ex_wait_hours",
                 "ex_value_per_hour")


def render(settings: Settings) -> None:
    st.subheader("Batch budgeter")
    st.caption(
        "A million rows at $15 per million tokens: is the Batch API's discount worth a day's wait? "
        "Change any input; every figure below shows the arithmetic that produced it."
    )
    st.caption(
        "On purpose, the exercise keeps the textbook's terms: a fixed 24-hour wait, one price for every token "
        "and the same tokens in every row. The answer on the Estimate tab and the Time value tab weigh your own "
        "job instead: the wait its plan works out under your rate limits and batch queue, and the model's input "
        "and output prices. So their break-evens differ from the ones here."
    )
    book_price = exercise_price(settings.book)
    st.button(
        "Reset to the exercise's figures",
        key="reset_exercise",
        on_click=keep.forget,
        args=(EXERCISE_KEYS,),
        help="A million and a thousand rows of 1,000 tokens at the price table's price, a 24-hour wait.",
    )
    c = st.columns(3)
    rows = int(c[0].number_input("Rows", min_value=0, value=DEFAULT_ROWS[0], step=100_000, key="ex_rows"))
    small = int(
        c[1].number_input(
            "Rows, second case", min_value=0, value=DEFAULT_ROWS[1], step=1_000, key="ex_rows_small"
        )
    )
    tokens = int(
        c[2].number_input(
            "Tokens per row", min_value=0, value=DEFAULT_TOKENS_PER_ROW, step=100, key="ex_tokens_per_row"
        )
    )
    c = st.columns(3)
    per = to_decimal(
        c[0].number_input(
            "Price per million tokens (USD)",
            min_value=0.0,
            value=float(book_price.per_mtok),
            step=0.5,
            format="%.3f",
            key="ex_price_per_mtok",
        ),
        6,
    )
    wait = to_decimal(
        c[1].number_input(
            "Hours of waiting for batch",
            min_value=0.0,
            value=float(DEFAULT_WAIT_HOURS),
            step=1.0,
            key="ex_wait_hours",
        ),
        3,
    )
    value = to_decimal(
        c[2].number_input(
            "Value of an hour of waiting (USD)",
            min_value=0.0,
            value=float(DEFAULT_VALUE_PER_HOUR),
            step=10.0,
            key="ex_value_per_hour",
        ),
        2,
    )
    if per <= 0:
        st.error("The price per million tokens must be more than $0: type a price, or reset to the "
                 "exercise's figures.", icon=":material/warning:")
        return
    override = None if per == book_price.per_mtok else per
    ex = run_exercise(
        settings.book,
        rows=(rows, small),
        tokens_per_row=tokens,
        wait_hours=wait,
        value_per_hour=value,
        price_per_mtok=override,
    )
    st.markdown(
        f"**Price:** {price_text(ex.price.per_mtok)} per 1M tokens — {display_paths(ex.price.source)}  \n"
        f"**Batch:** {price_text(ex.price.batch_per_mtok)} per 1M tokens — "
        f"{display_paths(ex.price.batch_source)}"
    )

    for col, s in zip(st.columns(len(ex.scenarios)), ex.scenarios):
        with col, st.container(border=True):
            st.markdown(f"#### {s.rows:,} rows")
            places = places_that_add_up(s.standard_cost, s.batch_cost)
            for step in s.steps:
                value_text = (
                    f"{step.value:,}" if isinstance(step.value, int)
                    else format_usd(Decimal(step.value), places if step.label != "cost of waiting" else None)
                )
                st.metric(step.label.capitalize(), value_text)
                st.caption(step.arithmetic)
            if s.worth_waiting:
                st.success(s.verdict)
            else:
                st.warning(s.verdict)
    if ex.break_even is not None:
        st.info(
            f"**Break-even:** {ex.break_even.arithmetic}. Below that many rows of {tokens:,} tokens, send "
            "standard requests; above it, batch."
        )
    else:
        st.info("Batch saves nothing per row at these prices, so there is no break-even size.")
    st.download_button(
        "Download the exercise (JSON)",
        data=to_json_bytes(relative_paths(ex.to_json())),
        file_name="exercise.json",
        mime="application/json",
        key="download_exercise_json",
        on_click="ignore",
    )
