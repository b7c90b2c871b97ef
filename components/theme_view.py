"""A theme page: headline tiles and the position statement (theme_headline), the trend and
"Is it changing?" (theme_trends), the districts compared and the district x quarter table
(theme_districts), the beat map with its drill-down (theme_map) and, for domestic abuse, the
service measures (theme_services). Every theme page is this one function with a different
theme; adding an indicator to the catalogue adds it here.

The page reads the observations through the shared ObservationIndex of the data version, so
each of the few hundred series a rerun reads is a lookup, not a scan of every row."""
from __future__ import annotations

import streamlit as st

from data_loaders import geography as geo
from data_loaders.catalogue import THEMES
from metrics.series import indicators_held
from metrics.summary import current_indicators, lead_indicator, period_ends_note
from metrics.windows import is_additive

from .actions_view import actions_table, open_actions, render_actions_table
from .cache import (
    current_version,
    frozen_table,
    load_actions,
    load_assessments,
    load_catalogue_records,
    load_observation_index,
    load_view,
)
from .filters import current_filters, filters_window
from .small_numbers import render_partner_note
from .theme_districts import render_comparison, render_quarter_table
from .theme_headline import render_statement, render_tiles
from .theme_map import map_record, render_map, render_no_map
from .theme_services import render_services
from .theme_trends import render_spc, render_trend


def render_theme(theme: str) -> None:
    filters = current_filters()
    version = current_version()
    observations = load_observation_index(version)
    catalogue = load_catalogue_records()
    records = [r for r in catalogue if r["theme"] == theme]
    held = indicators_held(observations)
    headline = [r for r in records if not r["parent"] and r["panel"] == "headline"]

    st.title(THEMES[theme])
    st.caption(f"{filters.area_name} · {filters.period_text}. Change is on the same period "
               "a year earlier.")
    render_partner_note()

    assessments = load_assessments(version, theme, filters.area_code, filters.kind,
                                   filters.end.isoformat() if filters.end else None)
    # Flagged by the figures shown: a tile whose periods are all real carries no flag.
    sample = {i for i, a in assessments.items() if a.get("from_sample")}
    if sample:
        st.caption("⚠ Includes sample data: generated figures, not real ones, where officers "
                   "have not uploaded their own (the tiles marked so).")
    ends = period_ends_note([a for a in assessments.values() if a.get("value") is not None],
                            {r["id"]: r["origin"] for r in records})
    if ends:
        st.caption(f"⏳ {ends} Each tile gives its own period.")
    available = [r for r in headline if r["id"] in held]
    current = current_indicators(observations, available, {
        r["id"]: assessments[r["id"]]["figure_area"] for r in available})
    render_tiles(headline, assessments, sample, filters.area_code,
                 stale={r["id"] for r in available} - current)

    if not available:
        st.info("No figures are held for this theme yet. Officers can add them on the Upload "
                "page.")
        return
    by_district = indicators_held(observations, "district")
    focus = choose_focus(available, records, held, by_district, current)
    render_statement(version, focus, filters)
    render_trend(version, focus, filters)
    render_spc(version, observations, focus, filters)
    if focus["id"] in by_district:
        render_comparison(version, focus, filters_window(observations, focus, filters),
                          filters)
        if is_additive(focus):
            render_quarter_table(version, focus)
    else:
        st.subheader(f"Districts compared: {focus['title']}")
        st.info(f"No district comparison: {focus['title']} is reported for "
                f"{geo.COUNTY_NAME} as a whole ({focus['source']}), not by district.")
    shown_on_map = map_record(focus, records, observations)
    if shown_on_map is None:
        render_no_map(THEMES[theme], records, held)
    else:
        render_map(version, observations, shown_on_map,
                   filters_window(observations, shown_on_map, filters), filters)
    services = [r for r in records if r["panel"] == "service" and r["id"] in held]
    if services:
        render_services(version, services, filters)
    render_actions(version, theme)


def render_actions(version, theme: str) -> None:
    """The board's open actions linked to the theme (the action log's columns)."""
    st.subheader("Board actions for this theme")
    table = load_view(open_actions_table, version, theme)
    if table is None:
        st.caption("No open actions are linked to this theme.")
        return
    render_actions_table(table, wrapped=True)


def open_actions_table(version, theme: str):
    """actions_table of the theme's open actions, without the Themes column (None when there
    are none): built once per data version, not on every rerun."""
    mine = open_actions(load_actions(version), theme)
    if mine.empty:
        return None
    titles = {r["id"]: r["title"] for r in load_catalogue_records()}
    return frozen_table(actions_table(mine, titles).drop(columns="Themes"))


def choose_focus(available: list[dict], records: list[dict], held: set,
                 by_district: set, current: set) -> dict:
    """The indicator the charts show, and its category where it has categories (both in the
    URL)."""
    by_id = {r["id"]: r for r in records}
    left, right = st.columns(2)
    ids = [r["id"] for r in available]
    lead = lead_indicator(ids, by_district, current)

    chosen = left.selectbox("Indicator", ids, index=ids.index(lead),
                            format_func=lambda i: by_id[i]["title"], key="indicator",
                            bind="query-params")
    children = [r["id"] for r in records if r["parent"] == chosen and r["id"] in held]
    if not children:
        return by_id[chosen]
    category = right.selectbox(
        "Category", ["all", *children], key="category", bind="query-params",
        format_func=lambda i: "All categories" if i == "all" else by_id[i]["title"])
    return by_id[chosen] if category == "all" else by_id[category]

