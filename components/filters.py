"""The shared filters, declared once (app.py renders them in the sidebar of every dashboard
page) and bound to the URL, so a link reproduces the view: area, beat within a district,
the period (latest quarter, financial year to date, rolling 12 months) and the quarter it ends
with (the latest available or a chosen one)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from data_loaders.periods import period_label
from metrics.windows import WINDOW_KINDS, Window, window_for

AREA_CHOICES = [geo.BOARD_CODE, geo.COUNTY_CODE, *geo.DISTRICTS]
LATEST = "latest"
NO_BEAT = "all"


@dataclass(frozen=True)
class Filters:
    area_code: str
    beat_code: str | None
    kind: str  # quarter | ytd | rolling12
    end: dt.date | None  # None: each indicator's latest quarter

    @property
    def area_name(self) -> str:
        return geo.area_name(self.area_code)

    @property
    def period_text(self) -> str:
        """'Rolling 12 months to the latest quarter held', 'Latest quarter: Q1 2023/24'."""
        if self.end is None:
            return {"quarter": "the latest quarter held",
                    "ytd": "financial year to date, to the latest quarter held",
                    "rolling12": "rolling 12 months, to the latest quarter held"}[self.kind]
        return Window(self.kind, self.end).label()

    @property
    def is_district(self) -> bool:
        return self.area_code in geo.DISTRICTS


def quarters_held(observations: pd.DataFrame) -> list[str]:
    """Quarter starts (ISO) that any quarterly or monthly figure falls in, newest first."""
    starts = pd.to_datetime(observations.loc[observations["granularity"].isin(
        ["quarter", "month"]), "period_start"].drop_duplicates())
    quarter_months = ((starts.dt.month - 1) // 3) * 3 + 1
    quarters = {dt.date(y, m, 1).isoformat() for y, m in zip(starts.dt.year, quarter_months)}
    return sorted(quarters, reverse=True)


def render_shared_filters(beats: pd.DataFrame, quarters: list[str]) -> Filters:
    """The filter widgets (in the current container) and what they say. ``beats`` has
    area_code, area_name, district_code for every beat."""
    area = st.selectbox("Area", AREA_CHOICES, format_func=geo.area_name, key="area",
                        bind="query-params")
    beat_names = dict(zip(beats["area_code"], beats["area_name"]))
    in_district = beats.loc[beats["district_code"] == area, "area_code"].tolist()
    beat = NO_BEAT
    if in_district:  # beats are offered once a district is chosen
        beat = st.selectbox(
            "Beat (police neighbourhood)", [NO_BEAT, *sorted(in_district)], key="beat",
            format_func=lambda c: "All beats" if c == NO_BEAT
            else f"{c} {beat_names.get(c, '')}", bind="query-params")
    kind = st.selectbox("Period", list(WINDOW_KINDS), format_func=WINDOW_KINDS.get,
                        key="period", bind="query-params")
    end = st.selectbox(
        "Ending with", [LATEST, *quarters], key="ending", bind="query-params",
        format_func=lambda q: "The latest quarter held" if q == LATEST
        else period_label(q, "quarter"))
    filters = Filters(area, beat if in_district and beat != NO_BEAT else None, kind,
                      None if end == LATEST else dt.date.fromisoformat(end))
    st.session_state["shared_filters"] = filters
    return filters


# What a page opens on: the board area, the latest quarter held.
DEFAULT_FILTERS = Filters(geo.BOARD_CODE, None, "quarter", None)


def current_filters() -> Filters:
    """The filters app.py rendered this run (the defaults if it rendered none)."""
    return st.session_state.get("shared_filters") or DEFAULT_FILTERS


def render_snapshot_choice(snapshots: pd.DataFrame) -> None:
    """Which data the dashboard shows: the current data or a board snapshot (in the URL, so a
    link reopens a board exactly as presented). ``snapshots``: snapshot_id, name, at."""
    names = {int(r.snapshot_id): f"{r.name} (frozen {str(r.at)[:10]})"
             for r in snapshots.itertuples()}
    st.selectbox("Data shown", [None, *names], key="snapshot", bind="query-params",
                 format_func=lambda i: "The current data" if i is None else names[i],
                 help="A board snapshot shows the data exactly as it was presented, whatever "
                      "has been uploaded or rolled back since.")


def filters_window(observations, record: dict, filters: Filters) -> Window | None:
    """The filters' window for this indicator: ending with the chosen quarter, else with the
    latest quarter the area, county or board holds."""
    return window_for(observations, record, filters.kind, filters.end,
                      [filters.area_code, geo.COUNTY_CODE, geo.BOARD_CODE])
