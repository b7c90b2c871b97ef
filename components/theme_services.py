"""Domestic abuse services by district for the window's last quarter, then the waiting list
and days waiting by service and district, as the board paper has them."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from metrics.services import SERVICE_PARENTS
from metrics.windows import Window

from .access import hides_small_numbers
from .cache import (DataKey, data_read, frozen_table, load_observation_index,
                    load_service_tables, load_view)
from .downloads import render_downloads
from .filters import Filters, filters_window
from .small_numbers import column_sums, is_small, protect_counts


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
    render_downloads(download, "domestic_abuse_services")
    for parent, title, (by_service, download) in view["by_service"]:
        st.markdown(f"**{title} by service, {quarter.label()}**")
        st.dataframe(by_service, hide_index=True, width="stretch")
        render_downloads(download, f"{parent}_by_service")


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
    counts = [r["title"] for r in totals if r["unit"] == "count" and r["title"] in table]
    waiting = tables["da_waiting_list"]
    if hides_small_numbers():
        table, waiting, small_waits = _protect_services(table, waiting, counts, totals)
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


def _protect_services(table: pd.DataFrame, waiting: pd.DataFrame, counts: list[str],
                      totals: list[dict]):
    """The service tables as partners see them: the county is the sum of its districts;
    each district's waiting list is the sum of its services (a Total row makes that sum
    visible in one table); percentages over a small number of referrals are hidden.
    Returns both tables and a mask of the service x area cells that were hidden."""
    districts = [geo.area_name(c) for c in geo.COUNTY_DISTRICTS]
    by_area = table.set_index("Area")
    index = list(by_area.index)
    text = protect_counts(by_area[counts], column_sums(index, geo.COUNTY_NAME, districts,
                                                       counts))
    referrals = next((r["title"] for r in totals if r["id"] == "da_referrals_accepted"), None)
    out = by_area.astype(object)
    for column in counts:
        out[column] = text[column]
    if referrals in by_area:
        few = by_area[referrals].map(is_small)
        for r in totals:
            if r["unit"] == "percent" and r["title"] in out:
                out[r["title"]] = out[r["title"]].where(~few, None)
    grid = waiting.set_index("Service")
    areas = list(grid.columns)
    grid.loc["Total"] = grid.sum()
    services = [i for i in grid.index if i != "Total"]
    sums = [(("Total", a), [(sv, a) for sv in services]) for a in areas] + \
        [((sv, geo.COUNTY_NAME), [(sv, d) for d in districts if d in areas])
         for sv in grid.index if geo.COUNTY_NAME in areas]
    protected = protect_counts(grid, sums)
    hidden = protected.loc[services].apply(lambda c: ~c.str[:1].str.isdigit().fillna(False))
    return out.reset_index(), protected.reset_index().rename(columns={"index": "Service"}), \
        hidden
