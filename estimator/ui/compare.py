"""The Compare models tab: the uploaded dataset priced for several models at every tier they offer,
and the reverse question, what a budget buys by a deadline.

The comparison is the library's ``compare_models``: the counted dataset is priced again, not counted
again, for every model that counts tokens the same way; for the others the file is counted once
more (cached like the first count). The reverse question is ``what_fits`` on the same time model as
the plan (the sidebar's limits, the tier settings), with the deadline asked here, in the answer
strip and on the Time value tab alike.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from .. import Estimate, EstimatorError

# The one import outside the public API: estimator.charts needs plotly, so `import estimator` leaves it out.
from ..charts import model_costs
from ..formats import format_hours
from ..money import format_usd
from ..planning import PlanOptions
from ..planning.fits import WhatFits, what_fits
from ..pricing import resolve_price
from ..pricing.entries import Model
from ..pricing.lifecycle import models_on
from ..report.estimate import build_estimate
from ..report.models import ModelComparison, compare_models, recount_reason
from . import stakes
from .common import Settings, app_words, guarded, mode_label, model_text, need_price, to_decimal, way_label
from .data import count
from .plans import plan_options, priced_key

if TYPE_CHECKING:
    from .estimate import EstimateResult

MAX_MODELS = 8
DEFAULT_OTHERS = 3


def render(settings: Settings, result: EstimateResult | None) -> None:
    need_price(settings)
    st.subheader("Compare models on this dataset")
    if result is None or result.options is None:
        st.info("Upload a dataset on the Estimate tab: its rows are priced here for every model you choose, at every "
                "tier each offers." if result is None else
                "A ready-made batch request file names its model: compare models on the dataset it was made from.")
        return
    show_retired = bool(st.session_state.get("show_retired", False))
    current = settings.model
    standings = {s.model.id: s for s in models_on(settings.book.models, settings.as_of, retired=show_retired)
                 if s.model.kind == current.kind and s.model.id != current.id}
    same = [mid for mid, s in standings.items() if s.model.provider == current.provider and s.state == "current"
            and same_counts(settings, result.estimate, s.model)][:DEFAULT_OTHERS]
    chosen = st.multiselect(
        f"Models to compare with {current.display_name}",
        list(standings),
        default=same,
        format_func=lambda mid: model_text(standings[mid]),
        key="compare_models",
        max_selections=MAX_MODELS,
        help="Models that count tokens as the sidebar's model does are priced from the same counts; the others "
        "are counted again (Claude and Gemini counts take longer).",
    )
    with guarded("comparing the models"):
        compared = comparison(settings, result, chosen)
        show_comparison(compared)
    st.divider()
    with guarded("answering what the budget buys"):
        budget_question(settings, compared)


def same_counts(settings: Settings, est: Estimate, model: Model) -> bool:
    """Whether ``est``'s counts hold for ``model`` (no second count: the models compared by default)."""
    try:
        price = resolve_price(settings.book, model.id, as_of=settings.as_of).price
    except EstimatorError:
        return False
    return recount_reason(est, model, price) is None


def comparison(settings: Settings, result: EstimateResult, chosen: list[str]) -> ModelComparison:
    options = result.options
    assert options is not None

    def recount(model_id: str) -> Estimate:
        priced = resolve_price(settings.book, model_id, as_of=settings.as_of)
        with st.spinner(f"Counting the rows again for {model_id} ..."):
            profile = count(result.upload, replace(options, model=model_id, thresholds=priced.price.thresholds),
                            priced.price)
        return build_estimate(profile, priced, settings.params)

    return compare_models(result.estimate, chosen, recount=recount, prices=settings.book, as_of=settings.as_of)


def show_comparison(compared: ModelComparison) -> None:
    modes = compared.modes
    rows = []
    for m in compared.models:
        est = m.estimate
        rows.append({
            "Model": model_text(m.standing),
            "Tokens": ("counted again: " if m.counted_again else "same counts: ") + est.profile.token_counts,
            "Input tokens": f"{est.profile.input_tokens:,}",
            **{mode_label(n): format_usd(est.comparison.modes[n].total_cost) if n in est.comparison.modes else "–"
               for n in modes},
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="compare_table")
    cheapest = compared.cheapest("standard")
    if cheapest is not None:
        st.caption(f"Cheapest at standard prices: {cheapest.model.display_name}, "
                   f"{format_usd(cheapest.estimate.comparison.standard.total_cost)}. Each tier's price is the "
                   "provider's rule applied to the model's own entry; see the Pricing tab for the sources.")
    for name, why in compared.not_compared:
        st.caption(f"{name} is not compared: {app_words(why)}.")
    st.plotly_chart(
        model_costs([(row["display_name"], {n: row[n] for n in modes}) for row in compared.table()],
                    labels={n: mode_label(n) for n in modes}),
        key="compare_chart", config={"displayModeBar": False},
    )


def budget_question(settings: Settings, compared: ModelComparison) -> None:
    st.subheader("What can I run for a budget by my deadline?")
    budget = to_decimal(st.number_input("Budget (USD)", min_value=0.0, value=100.0, step=10.0, key="fit_budget"), 2)
    stakes.ask("cmp")
    _, deadline = stakes.stakes()
    options = plan_options(settings)
    fits = fits_for(settings, compared, budget, deadline, options)
    within = f"{format_usd(budget)}" + (f" within {format_hours(deadline)}" if deadline is not None else "")
    if fits.best is None:
        st.warning(f"Nothing runs any row of this dataset for {within}.", icon=":material/money_off:")
        return
    whole = fits.whole
    if whole:
        st.success(f"For {within}: {whole[0].describe()}, the cheapest of {len(whole)} ways that run every row.",
                   icon=":material/check_circle:")
    else:
        st.warning(f"Nothing runs every row for {within}; the most: {fits.best.describe()}.",
                   icon=":material/warning:")
    if deadline is None:
        st.caption("No deadline said: every way counts, however long it takes. Choose one above (what an hour "
                   "is worth does not limit what fits; a deadline does).")
    st.dataframe(pd.DataFrame([{
        "Model": f.model, "Way": way_label(f.way),
        "Rows": f"all {f.of_rows:,}" if f.whole else f"{f.rows:,} of {f.of_rows:,}",
        "Cost": format_usd(f.cost), "Time (worst case)": format_hours(f.hours),
    } for f in fits.fits]), hide_index=True, width="stretch", key="fit_table")


def fits_for(settings: Settings, compared: ModelComparison, budget: Decimal, deadline: Decimal | None,
             options: PlanOptions) -> WhatFits:
    ests = [m.estimate for m in compared.models]
    keys = tuple((e.profile.usage(), e.profile.max_tokens, e.priced.model.id) for e in ests)
    return _fits_cached(keys, priced_key(settings), budget, deadline, options, _estimates=ests)


@st.cache_data(max_entries=32, show_spinner=False)
def _fits_cached(keys: tuple[Any, ...], priced: tuple[Any, ...], budget: Decimal, deadline: Decimal | None,
                 options: PlanOptions, *, _estimates: list[Estimate]) -> WhatFits:
    return what_fits(_estimates, budget, deadline_hours=deadline, options=options)
