"""Presenter mode: the overview and the five themes as slides for the board meeting, full
width with large, high-contrast type, no sidebar, the meeting's filters fixed (from the link
the coordinator prepared) and shown on every slide, with next and previous buttons and the
slide number in the URL so a refresh keeps the place."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders.catalogue import THEMES

from .actions_view import open_actions
from .cache import (current_version, load_actions, load_assessments, load_catalogue,
                    load_observation_index, load_reference, load_scorecard,
                    load_snapshots)
from .charts import trend_spec
from .filters import Filters, current_filters
from .judgement_text import change_text, status_line, status_text
from .small_numbers import partner_mark
from metrics.comparison import comparison_unit, compute_trend
from metrics.formatting import format_change, format_value, tile_figure, unit_title
from metrics.statement import compose_statement
from data_loaders import geography as geo

SLIDES = ["overview", *THEMES]
# Projector styling: no sidebar or toolbar, larger type, near-black on white.
STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], header[data-testid="stHeader"] {display: none !important;}
[data-testid="stMain"] {font-size: 1.35rem; color: #0B0C0C;}
[data-testid="stMain"] [data-testid="stMetricValue"] {font-size: 2.1rem;}
[data-testid="stMainBlockContainer"] {padding-top: 1.5rem;}
[data-testid="stMain"] h1 {font-size: 2.8rem;}
</style>"""


def slide_number() -> int:
    """The slide shown, from the URL (1-based there), kept within range."""
    try:
        number = int(st.query_params.get("slide", "1"))
    except ValueError:
        number = 1
    return min(max(number, 1), len(SLIDES))


def go_to(number: int) -> None:
    st.query_params["slide"] = str(number)


def render_presenter() -> None:
    st.html(STYLE)
    filters = current_filters()
    version = current_version()
    number = slide_number()
    slide = SLIDES[number - 1]
    render_controls(number, filters, version)
    if slide == "overview":
        render_overview_slide(filters, version)
    else:
        render_theme_slide(slide, filters, version)


def render_controls(number: int, filters: Filters, version) -> None:
    """One line at the top: previous, where we are and what is shown, next."""
    data = "the current data"
    if version[1] is not None:
        snapshots = load_snapshots(version).set_index("snapshot_id")
        data = f"snapshot “{snapshots.loc[version[1], 'name']}”"
    left, middle, right = st.columns([1, 5, 1], vertical_alignment="center")
    if left.button("◀ Previous", disabled=number == 1, key="previous_slide", width="stretch"):
        go_to(number - 1)
        st.rerun()
    shown = " · ".join(part for part in [
        f"Slide {number} of {len(SLIDES)}", filters.area_name, filters.period_text, data,
        partner_mark()] if part)
    middle.markdown(f"<p style='text-align:center;margin:0'>{shown}</p>",
                    unsafe_allow_html=True)
    if right.button("Next ▶", disabled=number == len(SLIDES), key="next_slide",
                    width="stretch"):
        go_to(number + 1)
        st.rerun()


def render_overview_slide(filters: Filters, version) -> None:
    st.title("Safer Communities performance")
    card = load_scorecard(version, filters.area_code, filters.kind,
                          filters.end.isoformat() if filters.end else None)
    held = card[card["value"].notna()]
    table = pd.DataFrame({
        "Theme": held["theme"].map(THEMES),
        "Indicator": held["title"],
        "Value": [format_value(v, u) for v, u in zip(held["value"], held["unit"])],
        "Status": [status_line(s, r) for s, r in zip(held["overall"], held["reason"])],
        "Change": [change_text(c, d, s) or "—" for c, d, s in
                   zip(held["change_pct"], held["direction"], held["significance"])],
    })
    st.dataframe(table, hide_index=True, width="stretch", height=min(60 + 38 * len(table),
                                                                      760))


def render_theme_slide(theme: str, filters: Filters, version) -> None:
    st.title(THEMES[theme])
    assessments = load_assessments(version, theme, filters.area_code, filters.kind,
                                   filters.end.isoformat() if filters.end else None)
    records = {r["id"]: r for r in load_catalogue().to_dict("records")}
    held = [a for a in assessments.values() if a["value"] is not None]
    columns = st.columns(max(1, min(len(held), 6)))
    for i, row in enumerate(held[:6]):
        with columns[i % len(columns)].container(border=True):
            st.markdown(f"**{status_text(row['overall'])}**")
            st.caption(row["reason"])
            whose = "" if row["figure_area"] == filters.area_code else \
                f" ({geo.area_name(row['figure_area'])} figure)"
            figure, unit_words = tile_figure(row["value"], row["unit"])
            st.metric(row["title"], figure,
                      delta=format_change(row["change_pct"]) or None,
                      delta_color={"down_good": "inverse", "up_good": "normal"}.get(
                          row["polarity"], "off"))
            st.caption(" · ".join(n for n in [unit_words, row["direction"]
                                              or f"no change: {row['withheld']}"] if n) + whose)
    if not held:
        st.info("No figures for this theme.")
        return
    lead = held[0]
    record = records[lead["indicator_id"]]
    observations = load_observation_index(version)
    population = load_reference("population", version)
    left, right = st.columns([3, 2])
    codes = list(dict.fromkeys([lead["figure_area"], geo.COUNTY_CODE, geo.BOARD_CODE]))
    trend = compute_trend(observations, record, codes, population)
    if len(trend):
        names = {c: geo.area_name(c) for c in codes if c in set(trend["area_code"])}
        left.vega_lite_chart(trend_spec(trend, names,
                                        unit_title(comparison_unit(record, population)),
                                        record["title"]), width="stretch")
    with right:
        st.markdown(compose_statement(lead, geo.area_name(lead["figure_area"]),
                                      target=record["target"]))
        actions = open_actions(load_actions(version), theme)
        st.markdown("**Open actions**")
        if actions.empty:
            st.caption("None linked to this theme.")
        for row in actions.itertuples():
            st.markdown(f"- **{row.number}.** {row.action} — *{row.officer}* ({row.status})")
