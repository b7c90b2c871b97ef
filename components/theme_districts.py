"""A theme indicator across districts: the eight districts compared with the county and
board area (95% intervals and each district's verdict against its benchmark), and for counts
the district x quarter table of the Domestic Abuse Dashboard. Partners see both with small
numbers hidden."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from metrics.assessment import benchmark_area
from metrics.comparison import comparison_unit
from metrics.formatting import unit_title
from metrics.intervals import compare_with_benchmark
from metrics.windows import Window, is_additive

from .access import hides_small_numbers
from .cache import DataKey, load_area_comparison, load_fy_pairs, load_quarter_table
from .charts import area_bar_spec
from .downloads import render_downloads
from .filters import Filters
from .judgement_text import benchmark_text
from .small_numbers import column_sums, is_small, protect_counts


def render_comparison(version: DataKey, record: dict, window: Window | None,
                      filters: Filters, population) -> None:
    if window is None:
        return
    codes = (*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE, geo.REGION_CODE)
    bars = load_area_comparison(version, record, window.kind, window.end.isoformat(), codes)
    districts = bars[bars["area_code"].isin(geo.DISTRICTS)]
    st.subheader(f"Districts compared: {record['title']}, {window.label()}")
    if districts.empty:
        st.info("No district figures for this period.")
        return
    unit = comparison_unit(record, population)
    references = {geo.area_name(c): float(bars.loc[bars["area_code"] == c, "value"].iloc[0])
                  for c in (geo.COUNTY_CODE, geo.BOARD_CODE, geo.REGION_CODE)
                  if c in set(bars["area_code"])}
    frame = districts.assign(area=districts["area_code"].map(geo.area_name))
    selected = geo.area_name(filters.area_code) if filters.is_district else None
    chart, table = st.columns([3, 2])
    visible = frame[~frame["count"].map(is_small)] if is_additive(record) else frame
    lines = references
    if len(visible) < len(frame):  # partners: no bars for small numbers, no exact totals
        lines = {}
        chart.caption("Districts with small numbers, and the totals they are part of, are "
                      "left out of the chart.")
    chart.vega_lite_chart(area_bar_spec(visible, selected, lines, unit_title(unit),
                                        f"{record['title']} by district"), width="stretch")
    verdicts = []
    for row in frame.itertuples():
        other = benchmark_area(row.area_code)
        theirs = bars.loc[bars["area_code"] == other, "value"]
        interval = None if pd.isna(row.low) else (row.low, row.high)
        verdicts.append(benchmark_text(compare_with_benchmark(
            interval, float(theirs.iloc[0]) if len(theirs) else None, record["polarity"]),
            other))
    shown = pd.DataFrame({
        "Area": [*frame["area"], *references],
        unit_title(unit): [*frame["value"], *references.values()],
        "95% lower": [*frame["low"], *[None] * len(references)],
        "95% upper": [*frame["high"], *[None] * len(references)],
        "Compared with its benchmark": [*verdicts, *[""] * len(references)],
    })
    if is_additive(record):
        counts = dict(zip(bars["area_code"].map(geo.area_name), bars["count"]))
        shown["Count"] = shown["Area"].map(counts)
        if shown["Count"].map(is_small).any():
            shown = _protect_comparison(shown, unit_title(unit))
    if not bars["complete"].all():
        st.caption("⚠ Some areas do not have every month or quarter of this period.")
    st.caption("Whiskers are 95% confidence intervals (Byar's method for counts and rates, "
               "Wilson's for percentages). A district is better or worse than its benchmark "
               "only when the benchmark lies outside its interval.")
    with table:
        st.dataframe(shown, hide_index=True, width="stretch", column_config={
            c: st.column_config.NumberColumn(format="%.2f")
            for c in (unit_title(unit), "95% lower", "95% upper")})
        render_downloads(shown, f"{record['id']}_districts")


def _protect_comparison(shown: pd.DataFrame, rate_column: str) -> pd.DataFrame:
    """The district table as partners see it: districts sum to the county, the county and
    Rutland to the board area; hidden rows lose their rate, interval and verdict, and rates
    of rounded totals are left out too (they would give the exact total back)."""
    counts = shown.set_index("Area")[["Count"]]
    index = list(counts.index)
    districts = [geo.area_name(c) for c in geo.COUNTY_DISTRICTS]
    sums = column_sums(index, geo.COUNTY_NAME, districts, ["Count"]) + \
        column_sums(index, geo.BOARD_NAME, [geo.COUNTY_NAME, "Rutland"], ["Count"])
    text = protect_counts(counts, sums)["Count"]
    out = shown.copy()
    out["Count"] = out["Area"].map(text)
    exact = out["Count"].str[:1].str.isdigit().fillna(False)
    for column in (rate_column, "95% lower", "95% upper"):
        out[column] = out[column].where(exact, None)
    out["Compared with its benchmark"] = out["Compared with its benchmark"].where(exact, "")
    return out


@st.fragment
def render_quarter_table(version: DataKey, record: dict) -> None:
    """A fragment: choosing the financial year redraws this table alone. The table does not
    depend on the shared filters."""
    years = load_fy_pairs(version, record)
    if not years:
        return
    st.subheader(f"{record['title']}: districts by quarter")
    labels = {y: f"{y}/{str(y + 1)[2:]}" for y in years}
    fy = st.selectbox("Financial year", years, format_func=lambda y: f"{labels[y]} against "
                      f"{y - 1}/{str(y)[2:]}", key="table_year")
    table = load_quarter_table(version, record, fy,
                               (*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE))
    if table.empty:
        st.info("No quarters held for this year.")
        return
    shown = table.assign(area_code=table["area_code"].map(geo.area_name)).rename(columns={
        "area_code": "Area", "ytd_change_pct": "YTD % change", "direction": "Direction",
        "trend": "Two-year trend"})
    number_columns = [c for c in shown.columns if c[:4].isdigit()]
    if hides_small_numbers():
        shown = _protect_quarter_table(shown, number_columns, [labels[fy - 1], labels[fy]])
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        **{c: st.column_config.NumberColumn(format="%,.0f") for c in number_columns},
        "YTD % change": st.column_config.NumberColumn(format="%+.1f%%"),
        "Two-year trend": st.column_config.LineChartColumn("Two-year trend", width="medium")})
    render_downloads(shown.drop(columns="Two-year trend"), f"{record['id']}_quarters")


def _protect_quarter_table(shown: pd.DataFrame, number_columns: list[str],
                           years: list[str]) -> pd.DataFrame:
    """The quarter table as partners see it: each YTD is the sum of the quarters the later
    year holds, each county row the sum of its districts, the board row the county plus
    Rutland; a % change, direction and sparkline over hidden figures are left out."""
    counts = shown.set_index("Area")[number_columns]
    index = list(counts.index)
    held = {area: [q for q in range(1, 5) if pd.notna(counts.at[area, f"{years[1]} Q{q}"])]
            for area in index}
    sums = [((area, f"{y} YTD"), [(area, f"{y} Q{q}") for q in held[area]])
            for area in index for y in years]
    districts = [geo.area_name(c) for c in geo.COUNTY_DISTRICTS]
    sums += column_sums(index, geo.COUNTY_NAME, districts, number_columns)
    sums += column_sums(index, geo.BOARD_NAME, [geo.COUNTY_NAME, "Rutland"], number_columns)
    text = protect_counts(counts, sums)
    exact = text.apply(lambda column: column.map(lambda v: v == "" or v[0].isdigit()))
    out = text.reset_index()
    safe = exact.all(axis=1).to_numpy()
    out["YTD % change"] = shown["YTD % change"].where(safe, None).to_numpy()
    out["Direction"] = shown["Direction"].where(safe, "not shown: small numbers").to_numpy()
    out["Two-year trend"] = [t if ok else None for t, ok in zip(shown["Two-year trend"], safe)]
    return out
