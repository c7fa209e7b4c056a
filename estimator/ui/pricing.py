"""The Pricing tab: the price tables, a model's dated history and the source of every price."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

# The one import outside the public API: estimator.charts needs plotly, so `import estimator` leaves it out.
from ..charts import price_history as price_history_chart
from ..convert import today
from ..planning.exercise import price_text
from ..pricing.lifecycle import models_on
from ..report.estimate import model_rows, price_history
from ..report.export import rows_to_csv
from .common import Settings, model_text

STANDING_WORDS = {"current": "current", "retiring": "retiring {date}", "retired": "retired {date}",
                  "upcoming": "not launched yet"}


def _money(v: object) -> str:
    """A price per million tokens as price pages write it: $15, $2.50, $0.075."""
    if v is None:
        return "–"
    assert isinstance(v, Decimal)
    return price_text(v)


def render(settings: Settings) -> None:
    book = settings.book
    st.subheader("Price tables")
    st.caption(
        "USD per million tokens. Batch prices are the provider's batch rule applied to the list price, "
        "unless the table lists an explicit batch price. Each price links to the page it was read from."
    )
    cols = st.columns([1, 1, 2])
    providers = ["all", *(p.id for p in book.providers)]
    names = {"all": "All providers", **{p.id: p.display_name for p in book.providers}}
    provider = cols[0].selectbox(
        "Provider", providers, format_func=lambda k: names[k], key="pricing_provider"
    )
    as_of = cols[1].date_input("Prices in force on", value=today(), key="pricing_table_date")
    listed = model_rows(book, as_of=as_of, provider=None if provider == "all" else provider)
    show_retired = bool(st.session_state.get("show_retired", False))
    rows = [r for r in listed if show_retired or r["standing"] != "retired"]
    table = pd.DataFrame(
        [
            {  # the prices first, so a narrow screen shows them without scrolling sideways
                "Name": r["display_name"],
                "Status": STANDING_WORDS[r["standing"]].format(date=r["shutdown_date"]),
                "Input": _money(r["input_per_mtok"]),
                "Output": _money(r["output_per_mtok"]),
                "Batch input": _money(r["batch_input_per_mtok"]),
                "Batch output": _money(r["batch_output_per_mtok"]),
                "Cached input": _money(r["cached_input_per_mtok"]),
                "Model": r["model"],
                "Provider": names.get(r["provider"], r["provider"]),
                "Since": r["effective_from"].isoformat(),
                "Tokens": r["tokenizer"],
                "Checked": r["checked"].isoformat(),
                "Source": r["source"],
            }
            for r in rows
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="price_table",
        column_config={"Source": st.column_config.LinkColumn("Source", display_text="price page")},
    )
    st.download_button(
        "Download this table (CSV)",
        data=rows_to_csv(rows),
        file_name=f"prices-{as_of}.csv",
        mime="text/csv",
        key="download_prices_csv",
        on_click="ignore",
    )
    hidden = len([r for r in listed if r not in rows])
    st.caption(f"{len(rows)} models priced on {as_of}"
               + (f" ({hidden} retired by then, hidden: turn on Show retired models in the sidebar)" if hidden else "")
               + ". Token counts: exact for OpenAI, reconstructed offline for Claude, approximate (calibrated) "
               "for Gemini.")

    st.subheader("Price history")
    # The same provider filter as the table above.
    standings = {s.model.id: s for s in models_on(
        [m for m in book.models if provider == "all" or m.provider == provider], today(), retired=True, upcoming=True)
        if show_retired or s.state != "retired" or s.model.id == settings.model.id}
    all_models = list(standings)
    default = all_models.index(settings.model.id) if settings.model.id in all_models else 0
    model_id = st.selectbox(
        "Model",
        all_models,
        index=default,
        key="history_model",
        format_func=lambda mid: model_text(standings[mid]),
    )
    history = price_history(book, model_id, today())
    st.markdown(
        f"**{history['display_name']}** ({history['model']}, {names.get(history['provider'])}); "
        f"prices last checked {history['checked']}."
        + (f" Aliases: {', '.join(history['aliases'])}." if history["aliases"] else "")
    )
    entries = history["prices"]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "From": e["effective_from"].isoformat(),
                    "Until": e["effective_until"].isoformat() if e["effective_until"] else "now",
                    "Input": _money(e["input_per_mtok"]),
                    "Cached input": _money(e["cached_input_per_mtok"]),
                    "Output": _money(e["output_per_mtok"]),
                    "Batch": e["batch_rule"]
                    or "explicit: "
                    + f"{_money(e['batch_input_per_mtok'])} in / {_money(e['batch_output_per_mtok'])} out",
                    "Long-context tiers": "; ".join(
                        f"above {t['above_input_tokens']:,}: input {_money(t['input_per_mtok'])}"
                        for t in e["tiers"]
                    )
                    or "–",
                    "Source": e["source"],
                }
                for e in entries
            ]
        ),
        hide_index=True,
        width="stretch",
        key="history_table",
        column_config={"Source": st.column_config.LinkColumn("Source", display_text="source")},
    )
    st.plotly_chart(price_history_chart(entries, model=model_id, today=today()), key="history_chart")
    st.markdown("**Sources**")
    for e in entries:
        until = e["effective_until"] or "now"
        note = f" — {e['note']}" if e["note"] else ""
        st.markdown(f"- {e['effective_from']} to {until}: [{e['source']}]({e['source']}){note}")
    provider_obj = book.provider(history["provider"])
    if provider_obj.batch_rule is not None:
        rule = provider_obj.batch_rule
        st.caption(
            f"{provider_obj.display_name} batch rule: {rule.discount_multiplier} × standard, "
            f"{rule.completion_window_hours} h completion window, checked {rule.checked}. "
            f"[source]({rule.source})"
        )
