"""Domestic abuse services by district for the window's last quarter, then the waiting list
and days waiting by service and district, as the board paper has them."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from metrics.services import SERVICE_PARENTS
from metrics.windows import Window

from .access import hides_small_numbers, suppression_threshold
from .cache import (
    DataKey,
    data_read,
    frozen_table,
    load_observation_index,
    load_service_tables,
    load_view,
)
from .downloads import render_downloads
from .filters import Filters, filters_window


def render_services(version: DataKey, services: list[dict], filters: Filters) -> None:
    """The services in the last quarter of the county's window of the first service total
    (ending with the chosen quarter, else the latest held)."""
    window = services_window(load_observation_index(version), services, filters.end)
    if window is None:
        return
    quarter = Window("quarter", window.end)
    st.subheader(f"Domestic abuse services, {quarter.label()}")
    view = services_for(version, services, window, filters.end)
    areas, download = view["areas"]
    st.dataframe(areas, hide_index=True, width="stretch", column_config=view["column_config"])
    render_downloads(download, "Domestic abuse services by district")
    for _parent, title, (by_service, download) in view["by_service"]:
        st.markdown(f"**{title} by service, {quarter.label()}**")
        st.dataframe(by_service, hide_index=True, width="stretch")
        render_downloads(download, f"{title} by service")


def services_window(observations, services: list[dict], end: dt.date | None
                    ) -> Window | None:
    """The county's quarter window of the first service total ending with ``end`` (the
    filters' quarter, None for the latest held): the same whichever area is chosen."""
    totals = [r for r in services if not r["parent"]]
    return filters_window(observations, totals[0],
                          Filters(geo.COUNTY_CODE, None, "quarter", end))


def services_for(version: DataKey, services: list[dict], window: Window,
                 end: dt.date | None):
    return load_view(services_view, version, services, window.end.isoformat(),
                     reads=data_read(version, [r["id"] for r in services]),
                     again=(services_again, (services, end)))


def services_again(version: DataKey, services: list[dict], end: dt.date | None) -> None:
    """services_for on new data, the window worked out again (cache.load_view's again)."""
    window = services_window(load_observation_index(version), services, end)
    if window is not None:
        services_for(version, services, window, end)


def services_view(version: DataKey, services: list[dict], period_start: str) -> dict:
    """The services by district for the quarter starting ``period_start`` (areas, and its
    column formats), then (parent id, title, table) for each measure by service; each table
    as (shown, downloaded)."""
    totals = [r for r in services if not r["parent"]]
    tables = load_service_tables(version, services, period_start)
    table = tables["areas"]
    waiting = tables["da_waiting_list"]
    if hides_small_numbers():
        table, small_waits = _withhold_over_few(table, waiting, totals)
    by_service = []
    for parent in SERVICE_PARENTS:
        if not any(r["parent"] == parent for r in services):
            continue
        title = next((r["title"] for r in totals if r["id"] == parent), parent)
        shown = waiting if parent == "da_waiting_list" else tables[parent]
        if parent != "da_waiting_list" and hides_small_numbers():
            # An average over a handful of people describes those people: hidden with them.
            shown = shown.set_index("Service").where(~small_waits, None).reset_index()
        by_service.append((parent, title, (frozen_table(shown), shown)))
    column_config = {r["title"]: st.column_config.NumberColumn(
        format="%.1f%%" if r["unit"] == "percent" else "%,.0f") for r in totals}
    return {"areas": (frozen_table(table), table), "column_config": column_config,
            "by_service": by_service}


def _withhold_over_few(table: pd.DataFrame, waiting: pd.DataFrame, totals: list[dict]):
    """For partners (whose counts are already protected): a percentage of fewer referrals
    than the threshold, or an average wait of fewer people, describes those few people, so
    it is left out. Decided on the protected counts, so leaving it out reveals nothing.
    Returns the areas table and a mask of the service x area waits left out."""
    few = suppression_threshold()
    referrals = next((r["title"] for r in totals if r["id"] == "da_referrals_accepted"), None)
    out = table.copy()
    if referrals in out:
        small = out[referrals] < few
        for r in totals:
            if r["unit"] == "percent" and r["title"] in out:
                out[r["title"]] = out[r["title"]].where(~small, None)
    grid = waiting.set_index("Service")
    return out, grid.apply(pd.to_numeric, errors="coerce").fillna(0) < few
