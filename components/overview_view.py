"""The overview scorecard: one row per headline indicator, grouped by theme, with the latest
figure, a year earlier, the change with its direction in words, RAG, a two-year sparkline and
a status badge; each theme links through to its page."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from data_loaders.catalogue import THEMES
from metrics.attention import needs_attention
from metrics.formatting import format_value
from metrics.summary import period_ends_note
from metrics.windows import MONTHS
from presentation.judgement_text import (
    benchmark_text,
    change_text,
    rag_text,
    status_text,
    variation_text,
)

from .cache import DataKey, frozen_table, load_catalogue_records, load_scorecard
from .downloads import render_downloads

THEME_PAGES = {"crime": "pages/crime.py", "reoffending": "pages/reoffending.py",
               "domestic_abuse": "pages/domestic_abuse.py", "asb": "pages/asb.py",
               "hate_crime": "pages/hate_crime.py"}
STATUS_TEXT = {"ok": "", "partial": "⚠ incomplete period", "stale": "⏳ stale",
               "missing": "✖ no data"}


def short_months(text: str) -> str:
    """'12 months to December 2023' -> '12 months to Dec 2023' (tables are narrow)."""
    for month in MONTHS:
        text = text.replace(month, month[:3])
    return text


def scorecard_table(card: pd.DataFrame, area_names: dict) -> pd.DataFrame:
    """The scorecard rows as the board reads them: the change carries its arrow and whether
    it is better or worse in words; the status says what to be careful of."""
    change = [change_text(c, d, s) for c, d, s in
              zip(card["change_pct"], card["direction"], card["significance"])]
    notes = []
    for row in card.itertuples():
        parts = [STATUS_TEXT[row.status]]
        if isinstance(row.withheld, str) and row.status != "missing":
            parts.append(f"no change: {row.withheld}")
        if row.figure_area in area_names:
            parts.append(f"{area_names[row.figure_area]} figure")
        if row.from_sample:  # the figures shown, not the indicator's history
            parts.append("sample data")
        notes.append(" · ".join(p for p in parts if p))
    # What the board reads first comes first: on a laptop or a projector the table shows
    # about its first six columns and scrolls sideways for the rest.
    return pd.DataFrame({
        "Status": card["overall"].map(status_text),
        "Indicator": card["title"],
        "Value": [format_value(v, u) for v, u in zip(card["value"], card["unit"])],
        "Why": card["reason"],
        "Change": change,
        "Two-year trend": card["trend"],
        "Period": card["period"].fillna("").map(short_months),
        "A year earlier": [format_value(v, u) for v, u in
                           zip(card["previous_value"], card["unit"])],
        "RAG": card["rag"].map(rag_text),
        "Variation (SPC)": card["variation"].map(variation_text),
        "Benchmark": [benchmark_text(v, a) for v, a in zip(card["benchmark"],
                                                            card["benchmark_area"])],
        "Notes": notes,
    })


def attention_line(row, mark: str = "") -> str:
    """One scorecard row needing attention, as slide 1 and the overview say it; ``mark``
    follows the value (a slide's own period or "stale" for the row)."""
    change = change_text(row.change_pct, row.direction, row.significance)
    return (f"**{status_text(row.overall)}** · {THEMES[row.theme]} · **{row.title}** "
            f"{format_value(row.value, row.unit)}{mark}" + (f" ({change})" if change else "")
            + f": {row.reason}")


def scorecard_view(version: DataKey, area_code: str, kind: str, end: str | None
                   ) -> dict | None:
    """The scorecard for the area and window: what needs attention (lines, metrics.attention)
    and one section per theme (theme, title, the table as drawn and as downloaded), worked
    out once for everyone (cache.load_view); None when nothing is held for the area."""
    card = load_scorecard(version, area_code, kind, end)
    if card["value"].isna().all():
        return None
    fallback_names = {geo.COUNTY_CODE: geo.COUNTY_NAME} if area_code != geo.COUNTY_CODE \
        else {}  # the areas whose figures stand in for the area's own
    whole = scorecard_table(card, fallback_names)
    sections = []
    for theme, title in THEMES.items():
        in_theme = (card["theme"] == theme).to_numpy()
        if in_theme.any():
            table = whole[in_theme].reset_index(drop=True)
            sections.append({"theme": theme, "title": title, "table": frozen_table(table),
                             "read_first": table[READ_FIRST],
                             "download": table.drop(columns="Two-year trend")})
    origins = {r["id"]: r["origin"] for r in load_catalogue_records()}
    return {"attention": [attention_line(r) for r in needs_attention(card).itertuples()],
            "sections": sections,
            "period_ends": period_ends_note(card.to_dict("records"), origins)}


def render_scorecard(view: dict | None, area_name: str) -> None:
    if view is None:
        st.info(f"No data is held for {area_name} yet. Officers can add it on the Upload page.")
        return
    if view["period_ends"]:
        st.caption(f"⏳ {view['period_ends']} Each row gives its own period.")
    st.subheader("What needs the board's attention")
    if not view["attention"]:
        st.markdown("Nothing reads Act or Watch, and no change on a year earlier is "
                    "significant.")
    st.markdown("\n".join(f"- {line}" for line in view["attention"]))
    for section in view["sections"]:
        st.subheader(section["title"])
        # What the board reads, in a table whose long words wrap, so it fits 1280 px (the
        # interactive grid cuts a cell to one line); every column, sparkline and all, one
        # click below.
        st.table(section["read_first"], hide_index=True)  # not a Styler: its id is random
        with st.expander(f"{section['title']}: trend, period, a year earlier, target, "
                         "variation, benchmark and notes"):
            st.dataframe(section["table"], hide_index=True, width="stretch",
                         column_order=READ_NEXT, column_config=SCORECARD_COLUMNS)
        link, downloads = st.columns([2, 3])
        link.page_link(THEME_PAGES[section["theme"]], label=f"Open {section['title']}",
                       icon="➡️")
        with downloads:
            render_downloads(section["download"], f"Scorecard {section['title']}")


READ_FIRST = ["Status", "Indicator", "Value", "Change", "Why"]
READ_NEXT = ["Indicator", "Two-year trend", "Period", "A year earlier", "RAG",
             "Variation (SPC)", "Benchmark", "Notes"]
SCORECARD_COLUMNS = {
    "Indicator": st.column_config.TextColumn(width=200),
    "Two-year trend": st.column_config.LineChartColumn("Two-year trend", width=110),
    "Period": st.column_config.TextColumn(width=120),
    "A year earlier": st.column_config.TextColumn(width=105),
    "RAG": st.column_config.TextColumn(width=95),
    "Variation (SPC)": st.column_config.TextColumn(width=200),
    "Benchmark": st.column_config.TextColumn(width=200),
    "Notes": st.column_config.TextColumn(width=200)}
