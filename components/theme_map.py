"""A theme indicator on the map: beats (police.uk figures) or districts shaded by the
window's figure, zoomed to the chosen district, with police.uk incidents as hexagons; and
the chosen beat's own figures over time."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from data_loaders.police_uk import CRIME_TYPES
from data_loaders.police_uk import indicator_id as police_indicator_id
from metrics.comparison import compute_map_figures, compute_trend
from metrics.formatting import UNIT_FORMAT, unit_title
from metrics.incidents import incident_points
from metrics.series import indicator_series, indicators_held
from metrics.summary import shown_period
from metrics.windows import Window
from presentation.charts import trend_spec
from presentation.maps import area_map, class_breaks, outline_rows, shaded_rows, view_of

from .cache import (
    DataKey,
    DataRead,
    data_read,
    frozen_table,
    load_boundary_rings,
    load_incident_tally,
    load_observation_index,
    load_reference,
    load_unplaced_incidents,
    load_view,
)
from .downloads import render_downloads
from .filters import Filters, filters_window

POLICE_TYPES = {police_indicator_id(t): t for t in CRIME_TYPES}
ALL_CRIME = "police_total_excl_asb"
UNPLACED_WARNING = 0.05  # a share of police.uk rows with no location worth saying


def map_record(focus: dict, records: list[dict], observations) -> dict | None:
    """The indicator the map shows: the focus where it has beat figures, else the theme's
    police.uk indicator (which has), else the focus by district, else the theme's first
    indicator held by district; None when the theme holds nothing below the county."""
    has_beats = indicators_held(observations, "beat")
    if focus["id"] in has_beats:
        return focus
    police = [r for r in records if r["id"] in has_beats and not r["parent"]]
    if police:
        return police[0]
    by_district = indicators_held(observations, "district")
    if focus["id"] in by_district:
        return focus
    return next((r for r in records if r["id"] in by_district and not r["parent"]), None)


def render_no_map(theme_title: str, records: list[dict], held: set) -> None:
    """Why a theme has no map, plainly: whose figures it holds."""
    sources = sorted({r["source"] for r in records if r["id"] in held})
    st.subheader("Map")
    example = (" (the Ministry of Justice publishes proven reoffending by local authority)"
               if theme_title == "Reoffending" else "")
    st.info(f"No map: every {theme_title.lower()} figure held is for "
            f"{geo.COUNTY_NAME} as a whole ({'; '.join(sources)}), so there is nothing to "
            f"draw by district or beat. A figure uploaded by district{example} is mapped "
            "here, as on the other themes.")


@st.fragment
def render_map(version: DataKey, observations, record: dict, window: Window | None,
               filters: Filters) -> None:
    """A fragment: the incidents switch redraws the map alone."""
    if window is None:
        return
    view, args = map_for(version, observations, record, window, filters)
    level = args[3]
    if view is None:
        return
    if view["no_map"]:
        st.caption(f"No map: {record['title']} is not held by {level} for "
                   f"{window.label()}.")
        return
    st.subheader(f"Map: {record['title']} by {level}, {shown_period(window, record)}")
    if level == "beat":
        st.caption("Beat boundaries are approximate (2011 LSOAs grouped under the police "
                   "neighbourhood codes) until real ones are uploaded.")
    if view["unplaced"]:
        st.caption(view["unplaced"])
    incidents = record["origin"] == "police_uk" and st.toggle(
        "Show where police.uk incidents were recorded (hexagons)", value=True,
        key="show_incidents")
    chart, table = st.columns([3, 2])
    chart.pydeck_chart(deck_for(version, args, filters, incidents), height=520,
                       alt=f"Map of {record['title']} by {level}")
    with table:
        st.dataframe(view["table"], hide_index=True, width="stretch")
        st.caption(view["shading"])
        render_downloads(view["download"], f"{record['title']} map by {level}",
                         record["unit"])
    if filters.beat_code:
        render_beat_trend(observations, record, filters)


def map_for(version: DataKey, observations, record: dict, window: Window, filters: Filters
            ) -> tuple[dict | None, tuple]:
    """(map_view for the filters' window, its arguments after the version): beats of the
    chosen district where the indicator is held by beat, else every district."""
    level = "beat" if record["id"] in indicators_held(observations, "beat") else "district"
    # A district map is the same whichever district is chosen (only its incidents differ).
    district = filters.area_code if filters.is_district and level == "beat" else None
    args = (record, window.kind, window.end.isoformat(), level, district)
    return load_view(map_view, version, *args, reads=map_reads(version, record, False),
                     again=(map_again, (record, filters, None))), args


def deck_for(version: DataKey, args: tuple, filters: Filters, incidents: bool):
    """map_deck for map_for's arguments, with the incidents in the chosen district or not."""
    points_in = filters.area_code if filters.is_district and incidents else None
    return load_view(map_deck, version, *args, incidents, points_in,
                     reads=map_reads(version, args[0], incidents),
                     again=(map_again, (args[0], filters, incidents)))


def map_again(version: DataKey, record: dict, filters: Filters, incidents: bool | None) -> None:
    """map_for, and deck_for unless ``incidents`` is None, on new data, the window worked
    out again (cache.load_view's again)."""
    observations = load_observation_index(version)
    window = filters_window(observations, record, filters)
    if window is None:
        return
    view, args = map_for(version, observations, record, window, filters)
    if incidents is not None and view is not None and not view["no_map"]:
        deck_for(version, args, filters, incidents)


def map_reads(version: DataKey, record: dict, incidents: bool) -> DataRead:
    """What map_view (and map_deck, with ``incidents``) read of the data: the indicator, the
    areas, their boundaries and population, and the police.uk incidents where they are
    counted or drawn."""
    return data_read(version, [record["id"]], ["population", "areas", "boundaries"],
                     tally=incidents or record["origin"] == "police_uk")


def map_view(version: DataKey, record: dict, kind: str, end: str, level: str,
             district: str | None) -> dict | None:
    """The map's areas (beats in ``district``, or every district) shaded by the window's
    figure: shaded and outline rows, the view, the table (Name, the figure, Change, Code),
    the shading and unplaced-incidents notes. None when there is nothing to draw;
    ``no_map`` when no area has a figure."""
    rings = load_boundary_rings(version)
    shapes = rings[rings["area_type"] == level]
    if district and level == "beat":
        beats = load_reference("areas", version)
        in_district = beats.loc[(beats["area_type"] == "beat")
                                & (beats["district_code"] == district), "area_code"]
        shapes = shapes[shapes["area_code"].isin(in_district)]
    outlines = rings[rings["area_type"] == "district"]
    if shapes.empty:
        return None
    figures, unit = compute_map_figures(
        load_observation_index(version), record, Window(kind, dt.date.fromisoformat(end)),
        list(dict.fromkeys(shapes["area_code"])), load_reference("population", version))
    if figures["value"].isna().all():
        return {"no_map": True}
    unit_text = UNIT_FORMAT[unit]
    breaks = class_breaks(figures["value"])
    # Beats zoom to the chosen district; a district map keeps every district in view.
    focus_shapes = outlines[outlines["area_code"] == district] \
        if district and level == "beat" else outlines
    names = dict(zip(shapes["area_code"], shapes["area_name"]))
    # The name and the figure first: in the table beside the map only the first three
    # columns show without scrolling sideways.
    shown = pd.DataFrame({"Name": figures["area_code"].map(names),
                          unit_title(unit): figures["value"],
                          "Change": figures["change_text"],
                          "Code": figures["area_code"]})
    shown = shown.sort_values(unit_title(unit), ascending=False)
    window = Window(kind, dt.date.fromisoformat(end))
    return {"no_map": False, "table": frozen_table(shown), "download": shown,
            "shaded": shaded_rows(shapes, figures, unit_text, breaks),
            "outlines": outline_rows(outlines), "focus": view_of(focus_shapes),
            "shading": "Shading, light to dark: " + " · ".join(
                "up to " + unit_text.format(b) for b in breaks),
            "unplaced": _unplaced_note(version, window, record)
            if record["origin"] == "police_uk" else ""}


def map_deck(version: DataKey, record: dict, kind: str, end: str, level: str,
             district: str | None, incidents: bool, points_in: str | None):
    """map_view's map as a deck, with the window's police.uk incidents as hexagons when
    ``incidents`` (those in district ``points_in``, else all); its JSON written once."""
    view = load_view(map_view, version, record, kind, end, level, district,
                     reads=map_reads(version, record, False))
    points = None
    if incidents:
        months = tuple(m.strftime("%Y-%m") for m in
                       Window(kind, dt.date.fromisoformat(end)).months())
        points = incident_points(load_incident_tally(version), months, _crime_types(record),
                                 points_in)
    return area_map(view["shaded"], view["outlines"], points, view["focus"]).freeze()


def _unplaced_note(version, window: Window, record: dict) -> str:
    """Say when many police.uk rows of the window could not be placed (no location), since
    they are in no district's or beat's count ('' when few were)."""
    months = tuple(m.strftime("%Y-%m") for m in window.months())
    unplaced, rows = load_unplaced_incidents(version, months, _crime_types(record))
    if not rows or unplaced / rows < UNPLACED_WARNING:
        return ""
    return (f"⚠ {unplaced / rows:.0%} of the police.uk rows for {window.label()} "
            f"({unplaced:,} of {rows:,}) had no "
            "location, so they are in no district's or beat's count.")


def _crime_types(record: dict) -> tuple[str, ...]:
    if record["id"] == ALL_CRIME:
        return tuple(t for t in CRIME_TYPES if t != "Anti-social behaviour")
    return (POLICE_TYPES[record["id"]],)


def render_beat_trend(observations, record: dict, filters: Filters) -> None:
    """Drill-down: the chosen beat's own figures over time (partners': the protected ones,
    as everything they see)."""
    series = indicator_series(observations, record["id"], filters.beat_code,
                              record["frequency"])
    st.subheader(f"Beat {filters.beat_code}: {record['title']} over time")
    if series.empty:
        st.info("No figures for this beat.")
        return
    trend = compute_trend(observations, record, [filters.beat_code], pd.DataFrame(
        columns=["area_type", "area_code", "year", "population"]))
    periods = trend[trend["measure"] == "per period"]
    chart, table = st.columns([3, 2])
    chart.vega_lite_chart(trend_spec(trend, {filters.beat_code: f"Beat {filters.beat_code}"},
                                     "Count", f"Beat {filters.beat_code}"), width="stretch")
    shown = periods[["period", "value"]].rename(columns={"period": "Period", "value": "Count"})
    with table:
        st.dataframe(shown, hide_index=True, width="stretch")
        render_downloads(shown, f"{record['title']} in beat {filters.beat_code}",
                         "count", for_period=False)
