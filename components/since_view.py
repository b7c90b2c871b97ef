"""The 'Since the last board' tables: new periods, revised figures (old and new side by
side) and judgements that moved."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from data_loaders.periods import period_label
from metrics.since import compute_judgement_changes, compute_new_periods, compute_revisions


def render_since(now: pd.DataFrame, then: pd.DataFrame, card_now: pd.DataFrame,
                 card_then: pd.DataFrame, catalogue: pd.DataFrame, base_name: str,
                 area_name: str) -> None:
    titles = dict(zip(catalogue["id"], catalogue["title"]))
    st.caption(f"Compared with the snapshot “{base_name}”, for the districts, the county and "
               "the board area.")
    st.subheader("New periods")
    new = compute_new_periods(now, then)
    if new.empty:
        st.caption("No new periods since then.")
    else:
        st.dataframe(new.assign(indicator_id=new["indicator_id"].map(titles)).rename(columns={
            "indicator_id": "Indicator", "periods": "New periods", "figures": "Figures"}),
            hide_index=True, width="stretch")
    st.subheader("Revised figures")
    revised = compute_revisions(now, then)
    if revised.empty:
        st.caption("No figure the board saw has been revised.")
    else:
        shown = pd.DataFrame({
            "Indicator": revised["indicator_id"].map(titles),
            "Area": revised["area_code"].map(geo.area_name),
            "Period": [period_label(p, g) for p, g in zip(revised["period_start"],
                                                          revised["granularity"])],
            "Shown to the board": revised["old_value"], "Now": revised["new_value"]})
        st.dataframe(shown, hide_index=True, width="stretch")
    st.subheader(f"Judgements that moved, {area_name}")
    moved = compute_judgement_changes(card_now, card_then)
    if moved.empty:
        st.caption("No status, RAG, variation or benchmark has changed.")
    else:
        st.dataframe(moved.drop(columns="indicator_id").rename(columns={
            "title": "Indicator", "judgement": "Judgement", "before": "Then",
            "after": "Now"}), hide_index=True, width="stretch")
