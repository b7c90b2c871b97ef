"""The overview's table of latest values, grouped by theme."""
from __future__ import annotations

import pandas as pd
import streamlit as st

UNIT_FORMAT = {"count": "{:,.0f}", "rate_per_1000": "{:.2f} per 1,000", "percent": "{:.1f}%",
               "ratio": "{:.2f}", "days": "{:.0f} days"}


def format_value(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return ""
    return UNIT_FORMAT[unit].format(value)


def latest_table(latest: pd.DataFrame, sample_ids: set[str]) -> pd.DataFrame:
    """Latest values as the board reads them: period, value, a year earlier, % change."""
    return pd.DataFrame({
        "Indicator": latest["title"] + latest["indicator_id"].map(
            lambda i: " (sample data)" if i in sample_ids else ""),
        "Latest period": latest["period"],
        "Value": [format_value(v, u) for v, u in zip(latest["value"], latest["unit"])],
        "Same period last year": [format_value(v, u) for v, u in
                                  zip(latest["previous_value"], latest["unit"])],
        "Change": latest["change_pct"].map(lambda c: "" if pd.isna(c) else f"{c:+.1f}%"),
    })


def render_latest_values(latest: pd.DataFrame, themes: dict, sample_ids: set[str],
                         area_name: str) -> None:
    if latest.empty:
        st.info(f"No data is held for {area_name} yet. Officers can add it on the Upload page.")
        return
    for theme, title in themes.items():
        rows = latest[latest["theme"] == theme]
        if rows.empty:
            continue
        st.subheader(title)
        st.dataframe(latest_table(rows, sample_ids), hide_index=True, width="stretch")
