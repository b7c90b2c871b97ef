"""A theme indicator over time: the trend of the area against the county and board area
(counts as rates per 1,000, with the rolling 12 months), and "Is it changing?", the XmR
chart of the area's own points. Each chart has its table and downloads beside it."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from data_loaders.periods import period_label
from metrics.assessment import compute_spc, definition_breaks
from metrics.comparison import comparison_unit
from metrics.formatting import COLUMN_FORMATS, NUMBER_FORMAT, unit_title
from metrics.series import indicator_series
from metrics.spc import classify_signal
from presentation.charts import spc_spec, trend_spec
from presentation.judgement_text import variation_text

from .cache import (
    DataKey,
    data_read,
    frozen_spec,
    frozen_table,
    load_area_trend,
    load_definition_changes,
    load_observation_index,
    load_reference,
    load_view,
)
from .downloads import render_downloads
from .filters import Filters


def render_trend(version: DataKey, record: dict, filters: Filters) -> None:
    codes = tuple(dict.fromkeys([filters.area_code, geo.COUNTY_CODE, geo.BOARD_CODE,
                                 geo.REGION_CODE]))
    view = load_view(trend_view, version, record, codes,
                     reads=data_read(version, [record["id"]], ["population"]))
    st.subheader(f"Trend: {record['title']}")
    if view is None:
        st.info("No figures over time for this indicator and area.")
        return
    # The chart across the page, its figures folded under it: beside the chart at 1280 px
    # the table showed its first column or two.
    st.vega_lite_chart(view["spec"], width="stretch")
    with st.expander("The figures charted, to read or download"):
        st.dataframe(view["table"], hide_index=True, width="stretch", height=360)
        render_downloads(view["download"], f"{record['title']} trend",
                         record["unit"], for_period=False)


def trend_view(version: DataKey, record: dict, codes: tuple[str, ...]) -> dict | None:
    """The trend's chart spec and its table (Period, then one column per area and measure);
    None when there are no figures."""
    parts = [load_area_trend(version, record["id"], code) for code in codes]
    parts = [part for part in parts if not part.empty]
    if not parts:
        return None
    trend = pd.concat(parts, ignore_index=True)
    names = {c: geo.area_name(c) for c in codes if c in set(trend["area_code"])}
    unit = comparison_unit(record, load_reference("population", version))
    spec = trend_spec(trend, names, unit_title(unit), record["title"])
    shown = trend_table(trend, names, trend["value"].map(NUMBER_FORMAT[unit].format))
    return {"spec": frozen_spec(spec), "table": frozen_table(shown), "download": shown}


def trend_table(trend: pd.DataFrame, names: dict[str, str], text: pd.Series) -> pd.DataFrame:
    """One row per period, oldest first: Period, then "<area> (<measure>)" columns in the
    order of ``names`` (the chosen area first, as in the chart's legend: beside the chart
    only the first two show without scrolling), each holding ``text`` ('' where the area has
    no figure). Built directly: pandas' pivot_table took longer than the rest of the
    section."""
    labels = dict(zip(trend["period_start"], trend["period"]))
    starts = sorted(labels)
    position = {code: i for i, code in enumerate(names)}
    cells: dict[tuple[int, str, str], dict[str, str]] = {}
    for code, measure, start, value in zip(trend["area_code"], trend["measure"],
                                           trend["period_start"], text):
        cells.setdefault((position[code], names[code], measure), {}).setdefault(start, value)
    return pd.DataFrame({"Period": [labels[s] for s in starts],
                         **{f"{area} ({measure})": [column.get(s, "") for s in starts]
                            for (_, area, measure), column in sorted(cells.items())}})


def render_spc(version: DataKey, observations, record: dict, filters: Filters) -> None:
    """The XmR chart of the area's own points (or the county's for county-wide figures)."""
    area = filters.area_code
    if indicator_series(observations, record["id"], area, record["frequency"]).empty:
        area = geo.COUNTY_CODE
    view = load_view(spc_view, version, record, area, filters.end,
                     reads=data_read(version, [record["id"]], definitions=[record["id"]]))
    st.subheader(f"Is it changing? {record['title']}, {geo.area_name(area)}")
    if view["variation"] == "not applicable" and record["frequency"] == "fy":
        st.caption("▫ No XmR chart: this indicator is reported once a year, and statistical "
                   "process control needs monthly or quarterly points (yearly ones are too "
                   "few and too far apart to show a process). Whether the change on a year "
                   "earlier is significant is in its tile above.")
        return
    if view["variation"] == "not applicable":
        st.caption("▫ No XmR chart: only rolling 12-month figures are held for this "
                   "indicator, and statistical process control is never run on rolling sums "
                   "(each point shares 11 months with the one before, so runs and trends "
                   "appear that are not there). Officers' quarterly counts for it would be "
                   "charted here. Whether the change on a year earlier is significant is in "
                   "its tile above.")
        return
    through = "" if filters.end is None else \
        f" Drawn on the points to {period_label(filters.end.isoformat(), 'quarter')}."
    st.caption(f"Statistical process control on the {FREQUENCY_WORDS[record['frequency']]} "
               f"values: {variation_text(view['variation'])}. Dashed lines are the process "
               "limits (mean ± 2.66 × mean moving range); a point is special cause when it is "
               "beyond a limit, in a run of 7 on one side of the mean, in 6 rising or "
               "falling, or 2 of 3 beyond two sigma. A recorded definition change starts new "
               "limits." + through)
    if view["spec"] is None:
        return
    st.vega_lite_chart(view["spec"], width="stretch")
    with st.expander("The points charted, with the rules they broke"):
        unit = record["unit"]
        value = st.column_config.NumberColumn(format=COLUMN_FORMATS[unit])
        # A mean or limit of whole counts is not whole: one decimal, so a point near a
        # limit reads as inside or out.
        level = st.column_config.NumberColumn(
            format="%.1f" if COLUMN_FORMATS[unit] == "localized" else COLUMN_FORMATS[unit])
        st.dataframe(view["table"], hide_index=True, width="stretch", height=340,
                     column_config={"Value": value, "Mean": level, "Lower limit": level,
                                    "Upper limit": level})
        render_downloads(view["download"], f"{record['title']} SPC",
                         record["unit"], for_period=False)


FREQUENCY_WORDS = {"month": "monthly", "quarter": "quarterly", "fy": "yearly"}


def spc_view(version: DataKey, record: dict, area: str, end=None) -> dict:
    """The XmR chart's variation, spec and table (spec None when there is no chart), on
    the points up to the quarter starting ``end`` (None: all), as the tiles read it."""
    chart, variation = compute_spc(load_observation_index(version), record, area,
                                   definition_breaks(load_definition_changes(version),
                                                     record["id"]), end)
    view = {"variation": variation, "spec": None}
    if chart is None or chart["ucl"].isna().all():
        return view
    chart = chart.assign(
        period=[period_label(p, record["frequency"]) for p in chart["period_start"]],
        reading=[classify_signal(side, record["polarity"]) if signal else "common"
                 for signal, side in zip(chart["signal"], chart["side"])])
    shown = chart[["period", "value", "mean", "lcl", "ucl", "reading", "rules"]].rename(
        columns={"period": "Period", "value": "Value", "mean": "Mean", "lcl": "Lower limit",
                 "ucl": "Upper limit", "reading": "Reading", "rules": "Rules broken"})
    spec = spc_spec(chart, unit_title(record["unit"]), f"{record['title']}: XmR chart")
    return {**view, "spec": frozen_spec(spec), "table": frozen_table(shown), "download": shown}
