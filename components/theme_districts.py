"""A theme indicator across districts: the eight districts compared with the county and
board area (95% intervals and each district's verdict against its benchmark), and for counts
the district x quarter table of the Domestic Abuse Dashboard. Partners' figures are the
protected ones (the data version they are drawn from, metrics.disclosure): nothing here hides
anything."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from metrics.assessment import benchmark_area
from metrics.comparison import comparison_unit
from metrics.formatting import COLUMN_FORMATS, interval_text, unit_title
from metrics.intervals import compare_with_benchmark
from metrics.summary import shown_period
from metrics.windows import Window, is_additive
from presentation.charts import area_bar_spec
from presentation.judgement_text import benchmark_text

from .cache import (
    DataKey,
    DataRead,
    data_read,
    frozen_spec,
    frozen_table,
    load_area_comparison,
    load_fy_pairs,
    load_observation_index,
    load_quarter_table,
    load_reference,
    load_view,
)
from .downloads import render_downloads
from .filters import Filters, filters_window


def render_comparison(version: DataKey, record: dict, window: Window | None,
                      filters: Filters) -> None:
    if window is None:
        return
    view = comparison_for(version, record, window, filters)
    st.subheader(f"Districts compared: {record['title']}, {shown_period(window, record)}")
    if view is None:
        st.info("No district figures for this period.")
        return
    # The chart, then its table across the page: side by side at 1280 px the table showed
    # only its first two columns.
    st.vega_lite_chart(view["spec"], width="stretch")
    if view["incomplete"]:
        st.caption("⚠ Some areas do not have every month or quarter of this period.")
    st.caption("Whiskers are 95% confidence intervals (Byar's method for counts and rates, "
               "Wilson's for percentages). A district is better or worse than its benchmark "
               "(the county; the region for the county) only when the benchmark lies outside "
               "its interval.")
    st.dataframe(view["table"], hide_index=True, width="stretch", column_config={
        view["unit_title"]: st.column_config.NumberColumn(format=COLUMN_FORMATS[view["unit"]]),
        "Count": st.column_config.NumberColumn(format=COLUMN_FORMATS["count"])})
    render_downloads(view["download"], f"{record['title']} by district",
                     record["unit"])


def comparison_for(version: DataKey, record: dict, window: Window, filters: Filters):
    """comparison_view for the filters' window (the chosen district marked)."""
    selected = filters.area_code if filters.is_district else None
    return load_view(comparison_view, version, record, window.kind, window.end.isoformat(),
                     selected, reads=comparison_reads(version, record),
                     again=(comparison_again, (record, filters)))


def comparison_again(version: DataKey, record: dict, filters: Filters) -> None:
    """comparison_for on new data, its window worked out again (cache.load_view's again)."""
    window = filters_window(load_observation_index(version), record, filters)
    if window is not None:
        comparison_for(version, record, window, filters)


def comparison_view(version: DataKey, record: dict, kind: str, end: str,
                    selected: str | None) -> dict | None:
    """The districts' bar chart spec (``selected`` district marked) and district_comparison's
    table; None when no district has a figure. Only the chart differs between districts."""
    districts = load_view(district_comparison, version, record, kind, end,
                          reads=comparison_reads(version, record))
    if districts is None:
        return None
    spec = area_bar_spec(districts["bars"], geo.area_name(selected) if selected else None,
                         districts["lines"], districts["unit_title"],
                         f"{record['title']} by district")
    return {**districts, "spec": frozen_spec(spec)}


def comparison_reads(version: DataKey, record: dict) -> DataRead:
    return data_read(version, [record["id"]], ["population"])


def district_comparison(version: DataKey, record: dict, kind: str, end: str) -> dict | None:
    """The districts' figures for the chart (bars, reference lines) and the table with each
    district's verdict against its benchmark; None when no district has a figure."""
    bars = load_area_comparison(version, record["id"], kind, end)
    districts = bars[bars["area_code"].isin(geo.DISTRICTS)]
    if districts.empty:
        return None
    unit_code = comparison_unit(record, load_reference("population", version))
    unit = unit_title(unit_code)
    references = {geo.area_name(c): float(bars.loc[bars["area_code"] == c, "value"].iloc[0])
                  for c in (geo.COUNTY_CODE, geo.BOARD_CODE, geo.REGION_CODE)
                  if c in set(bars["area_code"])}
    frame = districts.assign(area=districts["area_code"].map(geo.area_name))
    values = dict(zip(bars["area_code"], bars["value"]))
    benchmarks = frame["area_code"].map(benchmark_area)
    verdicts = [compare_with_benchmark(
        None if pd.isna(low) else (low, high),
        float(values[other]) if other in values else None, record["polarity"])
        for low, high, other in zip(frame["low"], frame["high"], benchmarks)]
    frame = frame.assign(verdict=verdicts)
    shown = pd.DataFrame({
        "Area": [*frame["area"], *references],
        unit: [*frame["value"], *references.values()],
        "Compared with its benchmark": [
            *(benchmark_text(v, other) or "n/a" for v, other in zip(verdicts, benchmarks)),
            *[""] * len(references)],
        "95% interval": [*(interval_text(low, high, unit_code)
                           for low, high in zip(frame["low"], frame["high"])),
                         *[""] * len(references)],
    })
    if is_additive(record):
        counts = dict(zip(bars["area_code"].map(geo.area_name), bars["count"]))
        shown["Count"] = shown["Area"].map(counts)
    download = shown.drop(columns="95% interval").assign(**{
        "95% lower": [*frame["low"], *[None] * len(references)],
        "95% upper": [*frame["high"], *[None] * len(references)]})
    return {"bars": frame, "lines": references, "table": frozen_table(shown),
            "download": download, "unit_title": unit, "unit": unit_code,
            "incomplete": not bars["complete"].all()}


@st.fragment
def render_quarter_table(version: DataKey, record: dict) -> None:
    """A fragment: choosing the financial year redraws this table alone. The table does not
    depend on the shared filters."""
    years = load_fy_pairs(version, record)
    if not years:
        return
    st.subheader(f"{record['title']}: districts by quarter")
    fy = st.selectbox("Financial year", years, format_func=lambda y: f"{fy_label(y)} against "
                      f"{fy_label(y - 1)}", key="table_year")
    view = load_view(quarter_table_view, version, record, fy,
                     reads=data_read(version, [record["id"]]))
    if view is None:
        st.info("No quarters held for this year.")
        return
    st.dataframe(view["table"], hide_index=True, width="stretch", column_config={
        **{c: st.column_config.NumberColumn(format="%,.0f") for c in view["number_columns"]},
        "YTD % change": st.column_config.NumberColumn(format="%+.1f%%"),
        "Two-year trend": st.column_config.LineChartColumn("Two-year trend", width="medium")})
    if view["not_held"]:
        st.caption(f"Not held yet: {', '.join(view['not_held'])}. Both years' YTD add up the "
                   "same quarters: those the later year holds.")
    render_downloads(view["download"], f"{record['title']} by district and quarter",
                     record["unit"], for_period=False, for_area=False)


def fy_label(year: int) -> str:
    """'2023/24' for the financial year starting in April 2023."""
    return f"{year}/{str(year + 1)[2:]}"


def quarter_table_view(version: DataKey, record: dict, fy: int) -> dict | None:
    """The district x quarter table for financial year ``fy`` against the year before, as
    shown (Area, the quarters and YTDs of both years, YTD % change, Direction, Two-year
    trend) and as downloaded (without the sparkline); None when the year holds nothing."""
    table = load_quarter_table(version, record, fy,
                               (*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE))
    if table.empty:
        return None
    shown = table.assign(area_code=table["area_code"].map(geo.area_name)).rename(columns={
        "area_code": "Area", "ytd_change_pct": "YTD % change", "direction": "Direction",
        "trend": "Two-year trend"})
    number_columns = [c for c in shown.columns if c[:4].isdigit()]
    # Quarters no area has yet (the rest of the year in progress) are left out, not shown
    # as a column of empty cells.
    not_held = [c for c in number_columns if shown[c].isna().all()]
    shown = shown.drop(columns=not_held)
    number_columns = [c for c in number_columns if c not in not_held]
    return {"table": frozen_table(shown), "number_columns": number_columns,
            "download": shown.drop(columns="Two-year trend"), "not_held": not_held}
