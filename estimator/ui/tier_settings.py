"""The tier settings: flex's latency and refusals, the share that cannot wait, splits, tiers left out.

Rendered on the Time value tab (``render``); read by every plan the app makes
(``with_tier_settings``), so the answer strip on the Estimate tab, drawn
earlier in the same run, uses the values set here (their defaults before the
tab is first drawn). The settings are the library's ``TierParams`` and
``PlanOptions.urgent_share``, the same as ``plan``'s flags.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import streamlit as st

from ..planning import PlanOptions, TierParams
from ..planning.decision import EXCLUDABLE_TIERS
from .common import to_decimal

TIER_LABELS = {"flex": "Flex", "priority": "Priority / Fast", "ultrafast": "Ultrafast"}
DEFAULTS: dict[str, object] = {
    "tier_flex_latency": 0.0,
    "tier_flex_refused": 0.0,
    "tier_urgent_share": 0.0,
    "tier_splits": True,
    "tier_excluded": [],
}
MAX_REFUSED_SHARE = 0.99


def _value(key: str) -> object:
    return st.session_state.get(key, DEFAULTS[key])


def tier_params() -> TierParams:
    """The tier settings as the library's ``TierParams`` (defaults until the widgets are drawn)."""
    latency = to_decimal(float(_value("tier_flex_latency")), 3)  # type: ignore[arg-type]
    excluded = _value("tier_excluded")
    return TierParams(
        flex_latency_seconds=latency if latency > 0 else None,
        flex_refused_share=to_decimal(float(_value("tier_flex_refused")), 4),  # type: ignore[arg-type]
        splits=bool(_value("tier_splits")),
        excluded_tiers=tuple(t for t in EXCLUDABLE_TIERS if t in (excluded or ())),  # type: ignore[operator]
    )


def urgent_share() -> Decimal:
    return to_decimal(float(_value("tier_urgent_share")), 4)  # type: ignore[arg-type]


def with_tier_settings(options: PlanOptions) -> PlanOptions:
    """``options`` with the tier settings of this page."""
    return replace(options, tiers=tier_params(), urgent_share=urgent_share())


def render() -> None:
    """The tier settings, in an expander."""
    with st.expander("Tiers: flex, priority, ultrafast", expanded=False):
        st.caption(
            "How the tiers other than standard and batch are timed, and which ways to run the job are "
            "considered. The recommendation at the top of the Estimate tab uses these settings."
        )
        c = st.columns(3)
        c[0].number_input(
            "Flex latency (seconds, 0 = provider's figure)",
            min_value=0.0,
            value=float(DEFAULTS["tier_flex_latency"]),  # type: ignore[arg-type]
            step=30.0,
            key="tier_flex_latency",
            help="Seconds one flex request takes. 0 takes the provider's figure (Google: 5 minutes) or the "
            "standard latency divided by flex's published speed.",
        )
        c[1].number_input(
            "Flex requests refused under load (share)",
            min_value=0.0,
            max_value=MAX_REFUSED_SHARE,
            value=float(DEFAULTS["tier_flex_refused"]),  # type: ignore[arg-type]
            step=0.05,
            format="%.2f",
            key="tier_flex_refused",
            help="Refused requests are retried, not charged: flex takes 1 / (1 - share) times as long.",
        )
        c[2].number_input(
            "Share of rows that cannot wait",
            min_value=0.0,
            max_value=1.0,
            value=float(DEFAULTS["tier_urgent_share"]),  # type: ignore[arg-type]
            step=0.05,
            format="%.2f",
            key="tier_urgent_share",
            help="Above 0, the plan considers sending this share by a fast tier and the rest by batch or flex.",
        )
        left, right = st.columns([1, 2])
        left.toggle(
            "Consider splits",
            value=bool(DEFAULTS["tier_splits"]),
            key="tier_splits",
            help="Split the job: the share that cannot wait by standard, priority or ultrafast, the rest by "
            "batch or flex.",
        )
        right.multiselect(
            "Tiers you cannot or will not use",
            list(EXCLUDABLE_TIERS),
            default=[],
            format_func=TIER_LABELS.__getitem__,
            key="tier_excluded",
            help="E.g. priority when the account has no access to it. Standard is always considered.",
        )
