"""Domestic abuse services by district for the window's last quarter, then the waiting list
and days waiting by service and district, as the board paper has them."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from metrics.series import indicator_rows
from metrics.windows import Window

from .access import hides_small_numbers
from .downloads import render_downloads
from .small_numbers import column_sums, is_small, protect_counts


def render_services(observations, services: list[dict], window: Window | None) -> None:
    """``window`` is the county's window of the first service total (its last quarter is
    shown)."""
    totals = [r for r in services if not r["parent"]]
    if window is None:
        return
    quarter = Window("quarter", window.end)
    st.subheader(f"Domestic abuse services, {quarter.label()}")
    codes = [*geo.DISTRICTS, geo.COUNTY_CODE]
    rows = _quarter_rows(observations, [r["id"] for r in services], codes,
                         window.end.isoformat())
    table = _service_table(rows, totals, codes, by="area")
    counts = [r["title"] for r in totals if r["unit"] == "count" and r["title"] in table]
    waiting = _service_table(rows, [r for r in services if r["parent"] == "da_waiting_list"],
                             codes, by="service")
    if hides_small_numbers():
        table, waiting, small_waits = _protect_services(table, waiting, counts, totals)
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        r["title"]: st.column_config.NumberColumn(
            format="%.1f%%" if r["unit"] == "percent" else "%,.0f") for r in totals})
    render_downloads(table, "domestic_abuse_services")
    for parent in ("da_waiting_list", "da_average_days_waiting"):
        parts = [r for r in services if r["parent"] == parent]
        if not parts:
            continue
        title = next(r["title"] for r in totals if r["id"] == parent) \
            if any(r["id"] == parent for r in totals) else parent
        st.markdown(f"**{title} by service, {quarter.label()}**")
        by_service = waiting if parent == "da_waiting_list" else \
            _service_table(rows, parts, codes, by="service")
        if parent != "da_waiting_list" and hides_small_numbers():
            # An average over a handful of people describes those people: hidden with them.
            by_service = by_service.set_index("Service").where(~small_waits, None) \
                .reset_index()
        st.dataframe(by_service, hide_index=True, width="stretch")
        render_downloads(by_service, f"{parent}_by_service")


def _quarter_rows(observations, indicator_ids: list[str], codes: list[str],
                  period_start: str) -> pd.DataFrame:
    """The indicators' rows (at least one indicator) for the areas at one period start."""
    rows = pd.concat([indicator_rows(observations, i, None, codes) for i in indicator_ids])
    return rows[rows["period_start"] == period_start]


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


def _service_table(rows: pd.DataFrame, records: list[dict], codes: list[str], by: str
                   ) -> pd.DataFrame:
    """Areas as rows and measures as columns (by='area'), or the services as rows and the
    areas as columns (by='service', titles shortened to the service's name)."""
    titles = {r["id"]: r["title"] for r in records}
    wide = rows[rows["indicator_id"].isin(titles)].pivot_table(
        index="area_code", columns="indicator_id", values="value")
    wide = wide.reindex([c for c in codes if c in wide.index])
    wide = wide[[i for i in titles if i in wide.columns]]
    if by == "service":
        wide = wide.T
        wide.index = [titles[i].split(": ", 1)[-1] for i in wide.index]
        wide.columns = [geo.area_name(c) for c in wide.columns]
        return wide.reset_index().rename(columns={"index": "Service"})
    wide.index = wide.index.map(geo.area_name)
    return wide.rename(columns=titles).reset_index().rename(columns={"area_code": "Area"})
