"""A theme page: headline tiles, the position statement, the trend and district comparison
(each with its table and downloads), the district x quarter table, the beat map with its
drill-down, and (for domestic abuse) the service measures. Every theme page is this one
function with a different theme; adding an indicator to the catalogue adds it here."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from data_loaders.catalogue import THEMES
from data_loaders.periods import period_label
from data_loaders.police_uk import CRIME_TYPES, indicator_id as police_indicator_id
from metrics.assessment import benchmark_area, compute_spc, definition_breaks
from metrics.comparison import (comparison_unit, compute_area_comparison, compute_quarter_table,
                                compute_trend, fy_pairs)
from metrics.formatting import UNIT_FORMAT, UNIT_NAMES, format_change, format_value
from metrics.statement import compose_statement
from metrics.summary import (compute_summary, compute_summary_or_fallback, indicator_series,
                             population_of)
from metrics.intervals import compare_with_benchmark
from metrics.judgement import compute_change_pct
from metrics.spc import classify_signal
from metrics.windows import Window, is_additive, latest_quarter, window_value

from .actions_view import render_open_actions
from .cache import (current_version, load_actions, load_assessments, load_catalogue,
                    load_definition_changes, load_incidents, load_observations, load_reference)
from .charts import area_bar_chart, spc_chart, trend_chart
from .filters import Filters, current_filters
from .access import hides_small_numbers, suppression_threshold
from .judgement_text import benchmark_text, rag_text, status_text, variation_text
from .downloads import render_downloads
from .small_numbers import column_sums, is_small, protect_counts
from .maps import area_map, class_breaks, outline_rows, shaded_rows, view_of

DELTA_COLOURS = {"down_good": "inverse", "up_good": "normal", "neutral": "off"}
POLICE_TYPES = {police_indicator_id(t): t for t in CRIME_TYPES}
ALL_CRIME = "police_total_excl_asb"


def render_theme(theme: str) -> None:
    filters = current_filters()
    version = current_version()
    observations = load_observations(version)
    catalogue = load_catalogue()
    population = load_reference("population", version)
    records = [r for r in catalogue.to_dict("records") if r["theme"] == theme]
    held = set(observations["indicator_id"])
    headline = [r for r in records if not r["parent"] and r["panel"] == "headline"]

    st.title(THEMES[theme])
    st.caption(f"{filters.area_name} · {filters.period_text}. Change is on the same period "
               "a year earlier.")
    sample = set(observations.loc[observations["is_sample"], "indicator_id"])
    if any(r["id"] in sample for r in records):
        st.caption("⚠ Includes sample data: generated figures, not real ones, where officers "
                   "have not uploaded their own.")

    changes = load_definition_changes(version)
    assessments = load_assessments(version, theme, filters.area_code, filters.kind,
                                   filters.end.isoformat() if filters.end else None)
    render_tiles(headline, assessments, sample, filters.area_code)

    available = [r for r in headline if r["id"] in held]
    if not available:
        st.info("No figures are held for this theme yet. Officers can add them on the Upload "
                "page.")
        return
    by_district = set(observations.loc[observations["area_type"] == "district",
                                       "indicator_id"])
    focus = choose_focus(available, records, held, by_district)
    render_statement(observations, focus, filters, population)
    render_trend(observations, focus, filters, population)
    render_spc(observations, focus, filters, changes)
    render_comparison(observations, focus, filters, population)
    if is_additive(focus):
        render_quarter_table(observations, focus, filters)
    render_map(observations, focus, records, filters, version)
    services = [r for r in records if r["panel"] == "service" and r["id"] in held]
    if services:
        render_services(observations, services, filters)
    render_open_actions(load_actions(version), theme,
                        dict(zip(catalogue["id"], catalogue["title"])))


def render_tiles(records: list[dict], summaries: dict, sample: set, area_code: str) -> None:
    """One tile per headline indicator: the one status, value, change (arrow and words), RAG,
    SPC variation and benchmark, each in words."""
    columns = st.columns(3)
    for i, record in enumerate(records):
        row = summaries[record["id"]]
        with columns[i % 3].container(border=True):
            if row["value"] is None:
                st.metric(record["title"], "no data")
                st.caption("Not uploaded for this area yet.")
                continue
            st.markdown(f"**{status_text(row['overall'])}**")
            if is_additive(record) and (is_small(row["value"])
                                        or is_small(row["previous_value"])):
                shown = f"<{suppression_threshold()}" if is_small(row["value"]) else \
                    format_value(row["value"], record["unit"])
                st.metric(record["title"], shown, help="Small numbers are not shown.")
                st.caption(f"{row['period']} · change not shown: small numbers")
                continue
            st.metric(record["title"], format_value(row["value"], record["unit"]),
                      delta=format_change(row["change_pct"]) or None,
                      delta_color=DELTA_COLOURS[record["polarity"]],
                      help=f"{record['definition']} Source: {record['source']}.")
            notes = [row["period"], row["direction"] or f"change withheld: {row['withheld']}",
                     rag_text(row["rag"]), variation_text(row["variation"]),
                     benchmark_text(row["benchmark"], row["benchmark_area"])]
            if row["figure_area"] != area_code:
                notes.append(f"{geo.area_name(row['figure_area'])} figure")
            if row["status"] == "partial":
                notes.append("⚠ incomplete period")
            if record["id"] in sample:
                notes.append("sample data")
            st.caption(" · ".join(n for n in notes if n))


def choose_focus(available: list[dict], records: list[dict], held: set,
                 by_district: set) -> dict:
    """The indicator the charts show, and its category where it has categories (both in the
    URL)."""
    by_id = {r["id"]: r for r in records}
    left, right = st.columns(2)
    # Lead with the first indicator held by district (county-wide ones cannot be compared).
    ids = [r["id"] for r in available]
    lead = next((i for i in ids if i in by_district), ids[0])
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


def _window(observations: pd.DataFrame, record: dict, filters: Filters) -> Window | None:
    """The filters' window for this indicator: ending with the chosen quarter, else with the
    latest quarter the county or board holds."""
    if filters.end:
        return Window(filters.kind, filters.end)
    for code in (filters.area_code, geo.COUNTY_CODE, geo.BOARD_CODE):
        end = latest_quarter(indicator_series(observations, record["id"], code,
                                              record["frequency"]))
        if end:
            return Window(filters.kind if record["frequency"] != "fy" else "quarter", end)
    return None


def render_statement(observations, record, filters: Filters, population) -> None:
    """The statement for the area, or for the county where the figure is county-wide."""
    populations = dict(zip(population["area_code"], population["population"]))
    summary = compute_summary_or_fallback(observations, record, filters.area_code,
                                          filters.kind, filters.end, populations,
                                          geo.COUNTY_CODE)
    whose = summary["figure_area"]
    other = benchmark_area(whose)
    theirs = compute_summary(observations, record, other, filters.kind, filters.end,
                             populations.get(other)) if other else None
    st.subheader("Position statement")
    text = compose_statement(summary, geo.area_name(whose), theirs,
                             geo.area_name(other) if other else None, record["target"])
    if whose != filters.area_code:
        text += f" (Only a {geo.area_name(whose)} figure is held for this indicator.)"
    st.markdown(text)


def render_trend(observations, record, filters: Filters, population) -> None:
    codes = list(dict.fromkeys([filters.area_code, geo.COUNTY_CODE, geo.BOARD_CODE,
                                geo.REGION_CODE]))
    trend = compute_trend(observations, record, codes, population)
    st.subheader(f"Trend: {record['title']}")
    if trend.empty:
        st.info("No figures over time for this indicator and area.")
        return
    names = {c: geo.area_name(c) for c in codes if c in set(trend["area_code"])}
    unit = comparison_unit(record, population)
    hidden = trend["count"].map(is_small) & is_additive(record)
    if hidden.any():
        st.caption("Periods with small numbers are left out of the chart and shown as "
                   f"<{suppression_threshold()} in the table.")
    chart, table = st.columns([3, 2])
    chart.altair_chart(trend_chart(trend[~hidden], names, _unit_title(unit), record["title"]),
                       width="stretch")
    text = trend["value"].map(lambda v: f"{v:,.2f}").where(~hidden,
                                                           f"<{suppression_threshold()}")
    shown = trend.assign(Area=trend["area_code"].map(names), text=text).pivot_table(
        index=["period_start", "period"], columns=["Area", "measure"], values="text",
        aggfunc="first")
    shown.columns = [f"{area} ({measure})" for area, measure in shown.columns]
    shown = shown.reset_index().drop(columns="period_start").rename(columns={"period": "Period"})
    with table:
        st.dataframe(shown.fillna(""), hide_index=True, width="stretch", height=360)
        render_downloads(shown, f"{record['id']}_trend")


def render_spc(observations, record, filters: Filters, changes) -> None:
    """The XmR chart of the area's own points (or the county's for county-wide figures)."""
    area = filters.area_code
    if indicator_series(observations, record["id"], area, record["frequency"]).empty:
        area = geo.COUNTY_CODE
    chart, variation = compute_spc(observations, record, area,
                                   definition_breaks(changes, record["id"]))
    st.subheader(f"Is it changing? {record['title']}, {geo.area_name(area)}")
    st.caption(f"Statistical process control: {variation_text(variation)}. Dashed lines are "
               "the process limits (mean ± 2.66 × mean moving range); a point is special "
               "cause when it is beyond a limit, in a run of 7 on one side of the mean, in 6 "
               "rising or falling, or 2 of 3 beyond two sigma. A recorded definition change "
               "starts new limits.")
    if chart is None or chart["ucl"].isna().all():
        return
    if is_additive(record) and chart["value"].map(is_small).any():
        st.caption("The chart is not shown to partners: some of its points are small numbers.")
        return
    chart = chart.assign(
        period=[period_label(p, record["frequency"]) for p in chart["period_start"]],
        reading=[classify_signal(side, record["polarity"]) if signal else "common"
                 for signal, side in zip(chart["signal"], chart["side"])])
    left, right = st.columns([3, 2])
    left.altair_chart(spc_chart(chart, _unit_title(record["unit"]),
                                f"{record['title']}: XmR chart"), width="stretch")
    shown = chart[["period", "value", "mean", "lcl", "ucl", "reading", "rules"]].rename(
        columns={"period": "Period", "value": "Value", "mean": "Mean", "lcl": "Lower limit",
                 "ucl": "Upper limit", "reading": "Reading", "rules": "Rules broken"})
    with right:
        st.dataframe(shown, hide_index=True, width="stretch", height=340, column_config={
            c: st.column_config.NumberColumn(format="%.2f")
            for c in ("Value", "Mean", "Lower limit", "Upper limit")})
        render_downloads(shown, f"{record['id']}_spc")


def _unit_title(unit: str) -> str:
    return UNIT_NAMES[unit].capitalize() if unit != "count" else "Count"


def render_comparison(observations, record, filters: Filters, population) -> None:
    window = _window(observations, record, filters)
    if window is None:
        return
    codes = [*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE, geo.REGION_CODE]
    bars = compute_area_comparison(observations, record, window, codes, population)
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
    chart.altair_chart(area_bar_chart(visible, selected, lines, _unit_title(unit),
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
        _unit_title(unit): [*frame["value"], *references.values()],
        "95% lower": [*frame["low"], *[None] * len(references)],
        "95% upper": [*frame["high"], *[None] * len(references)],
        "Compared with its benchmark": [*verdicts, *[""] * len(references)],
    })
    if is_additive(record):
        counts = dict(zip(bars["area_code"].map(geo.area_name), bars["count"]))
        shown["Count"] = shown["Area"].map(counts)
        if shown["Count"].map(is_small).any():
            shown = _protect_comparison(shown, _unit_title(unit))
    if not bars["complete"].all():
        st.caption("⚠ Some areas do not have every month or quarter of this period.")
    st.caption("Whiskers are 95% confidence intervals (Byar's method for counts and rates, "
               "Wilson's for percentages). A district is better or worse than its benchmark "
               "only when the benchmark lies outside its interval.")
    with table:
        st.dataframe(shown, hide_index=True, width="stretch", column_config={
            c: st.column_config.NumberColumn(format="%.2f")
            for c in (_unit_title(unit), "95% lower", "95% upper")})
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


def render_quarter_table(observations, record, filters: Filters) -> None:
    years = fy_pairs(observations, record)
    if not years:
        return
    st.subheader(f"{record['title']}: districts by quarter")
    labels = {y: f"{y}/{str(y + 1)[2:]}" for y in years}
    fy = st.selectbox("Financial year", years, format_func=lambda y: f"{labels[y]} against "
                      f"{y - 1}/{str(y)[2:]}", key="table_year")
    codes = [*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE]
    table = compute_quarter_table(observations, record, fy, codes)
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


def map_record(focus: dict, records: list[dict], observations: pd.DataFrame) -> dict:
    """The indicator the map shows: the focus where it has beat figures, else the theme's
    police.uk indicator (which has), else the focus by district."""
    has_beats = set(observations.loc[observations["area_type"] == "beat", "indicator_id"])
    if focus["id"] in has_beats:
        return focus
    police = [r for r in records if r["id"] in has_beats and not r["parent"]]
    return police[0] if police else focus


def render_map(observations, focus, records, filters: Filters, version) -> None:
    record = map_record(focus, records, observations)
    window = _window(observations, record, filters)
    if window is None:
        return
    level = "beat" if (observations.loc[observations["indicator_id"] == record["id"],
                                        "area_type"] == "beat").any() else "district"
    boundaries = load_reference("boundaries", version)
    shapes = boundaries[boundaries["area_type"] == level]
    if filters.is_district and level == "beat":
        beats = load_reference("areas", version)
        in_district = beats.loc[(beats["area_type"] == "beat")
                                & (beats["district_code"] == filters.area_code), "area_code"]
        shapes = shapes[shapes["area_code"].isin(in_district)]
    outlines = boundaries[boundaries["area_type"] == "district"]
    if shapes.empty:
        return
    figures, unit = _map_figures(observations, record, window, shapes["area_code"].tolist(),
                                 load_reference("population", version))
    if figures["value"].isna().all():
        st.caption(f"No map: {record['title']} is not held by {level} for "
                   f"{window.label()}.")
        return
    unit_text = UNIT_FORMAT[unit]
    if is_additive(record) and figures["count"].map(is_small).any():
        figures = _protect_areas(figures, level, load_reference("areas", version))
    breaks = class_breaks(figures["value"])
    # Beats zoom to the chosen district; a district map keeps every district in view.
    focus_shapes = outlines[outlines["area_code"] == filters.area_code] \
        if filters.is_district and level == "beat" else outlines
    st.subheader(f"Map: {record['title']} by {level}, {window.label()}")
    if level == "beat":
        st.caption("Beat boundaries are approximate (2011 LSOAs grouped under the police "
                   "neighbourhood codes) until real ones are uploaded.")
    if record["origin"] == "police_uk":
        _note_unplaced(version, window, record)
    incidents = None
    if record["origin"] == "police_uk" and st.toggle(
            "Show where police.uk incidents were recorded (hexagons)", value=True,
            key="show_incidents"):
        incidents = load_incidents(version, tuple(m.strftime("%Y-%m") for m in window.months()),
                                   _crime_types(record), filters.area_code
                                   if filters.is_district else None)
    chart, table = st.columns([3, 2])
    deck = area_map(shaded_rows(shapes, figures, unit_text, breaks), outline_rows(outlines),
                    incidents, view_of(focus_shapes))
    chart.pydeck_chart(deck, height=520, alt=f"Map of {record['title']} by {level}")
    names = dict(zip(shapes["area_code"], shapes["area_name"]))
    shown = pd.DataFrame({"Code": figures["area_code"],
                          "Name": figures["area_code"].map(names),
                          _unit_title(unit): figures["value"],
                          "Change": figures["change_text"]})
    shown = shown.sort_values(_unit_title(unit), ascending=False)
    if "shown" in figures:  # partners: the protected text in place of the figures
        shown[_unit_title(unit)] = shown["Code"].map(dict(zip(figures["area_code"],
                                                              figures["shown"])))
    with table:
        st.dataframe(shown, hide_index=True, width="stretch", height=440)
        st.caption("Shading, light to dark: " + " · ".join(
            "up to " + unit_text.format(b) for b in breaks))
        render_downloads(shown, f"{record['id']}_map_{level}s")
    if filters.beat_code:
        render_beat_trend(observations, record, filters, window)


UNPLACED_WARNING = 0.05  # a share of police.uk rows with no location worth saying


def _note_unplaced(version, window: Window, record: dict) -> None:
    """Say when many police.uk rows of the window could not be placed (no location), since
    they are in no district's or beat's count."""
    rows = load_incidents(version, tuple(m.strftime("%Y-%m") for m in window.months()),
                          _crime_types(record), None)
    if rows.empty:
        return
    share = rows["district_code"].isna().mean()
    if share >= UNPLACED_WARNING:
        st.caption(f"⚠ {share:.0%} of the police.uk rows for {window.label()} "
                   f"({int(rows['district_code'].isna().sum()):,} of {len(rows):,}) had no "
                   "location, so they are in no district's or beat's count.")


def _protect_areas(figures: pd.DataFrame, level: str, areas: pd.DataFrame) -> pd.DataFrame:
    """Map figures as partners see them: beats sum to their district and districts to the
    county and board area (those totals are shown elsewhere), so hidden counts stay hidden
    there too. Hidden areas lose their shading and change; 'shown' carries the text."""
    counts = figures.set_index("area_code")[["count"]]
    if level == "beat":
        parents = dict(zip(areas.loc[areas["area_type"] == "beat", "area_code"],
                           areas.loc[areas["area_type"] == "beat", "district_code"]))
        groups = {}
        for code in counts.index:
            groups.setdefault(f"total {parents.get(code)}", []).append(code)
    else:
        county = [c for c in geo.COUNTY_DISTRICTS if c in counts.index]
        groups = {"total county": county, "total board": list(counts.index)}
    for total, parts in groups.items():
        counts.loc[total] = counts.loc[parts, "count"].sum()
    sums = [((total, "count"), [(p, "count") for p in parts]) for total, parts in groups.items()]
    text = protect_counts(counts, sums)["count"]
    out = figures.copy()
    out["shown"] = out["area_code"].map(text)
    hidden = ~out["shown"].str[0].str.isdigit().fillna(False)
    out.loc[hidden, "value"] = None
    out.loc[hidden, "change_text"] = "change not shown: small numbers"
    return out


def _map_figures(observations, record, window: Window, codes: list[str],
                 population: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Per area: the window's value (a rate per 1,000 for counts where every area's
    population is known, else the count) and its change on a year earlier, as text; and
    the unit the values are in."""
    rows = []
    additive = is_additive(record)
    populations = {c: population_of(population, c) for c in codes}
    per_1000 = additive and all(populations.values())
    for code in codes:
        series = indicator_series(observations, record["id"], code, record["frequency"])
        now = window_value(series, window, additive)
        before = window_value(series, window.year_earlier(), additive)
        change = compute_change_pct(now.value, before.value) if before.complete else None
        value = now.value * 1000 / populations[code] if per_1000 and now.value is not None \
            else now.value
        rows.append({"area_code": code, "value": value, "count": now.value,
                     "change_text": f"{format_change(change)} on a year earlier"
                     if change is not None else "no figure a year earlier"})
    unit = "rate_per_1000" if per_1000 else record["unit"]
    return pd.DataFrame(rows, columns=["area_code", "value", "count", "change_text"]), unit


def _crime_types(record: dict) -> tuple[str, ...]:
    if record["id"] == ALL_CRIME:
        return tuple(t for t in CRIME_TYPES if t != "Anti-social behaviour")
    return (POLICE_TYPES[record["id"]],)


def render_beat_trend(observations, record, filters: Filters, window: Window) -> None:
    """Drill-down: the chosen beat's own figures over time. Partners see small months hidden,
    with the map's total for the window as the sum they must not be worked out from."""
    series = indicator_series(observations, record["id"], filters.beat_code,
                              record["frequency"])
    st.subheader(f"Beat {filters.beat_code}: {record['title']} over time")
    if series.empty:
        st.info("No figures for this beat.")
        return
    trend = compute_trend(observations, record, [filters.beat_code], pd.DataFrame(
        columns=["area_type", "area_code", "year", "population"]))
    periods = trend[trend["measure"] == "per period"]
    hidden = periods["count"].map(is_small)
    chart, table = st.columns([3, 2])
    chart.altair_chart(trend_chart(trend[trend["measure"] != "per period"].pipe(
        lambda t: pd.concat([t, periods[~hidden]])), {filters.beat_code:
                                                     f"Beat {filters.beat_code}"},
        "Count", f"Beat {filters.beat_code}"), width="stretch")
    shown = periods[["period", "value"]].rename(columns={"period": "Period", "value": "Count"})
    if hides_small_numbers():
        counts = periods.set_index("period")[["value"]].rename(columns={"value": "Count"})
        inside = [period_label(m.isoformat(), "month") for m in window.months()]
        total = f"Total, {window.label()}"
        counts.loc[total] = counts.loc[[p for p in inside if p in counts.index], "Count"].sum()
        sums = [((total, "Count"), [(p, "Count") for p in inside if p in counts.index])]
        shown = protect_counts(counts, sums).drop(index=total).reset_index().rename(
            columns={"period": "Period"})
    with table:
        st.dataframe(shown, hide_index=True, width="stretch")
        render_downloads(shown, f"{record['id']}_{filters.beat_code}")


def render_services(observations, services: list[dict], filters: Filters) -> None:
    """The domestic abuse service measures by district for the window's last quarter, then
    the waiting list and days waiting by service and district, as the board paper has them."""
    totals = [r for r in services if not r["parent"]]
    window = _window(observations, totals[0], Filters(geo.COUNTY_CODE, None, "quarter",
                                                     filters.end))
    if window is None:
        return
    quarter = Window("quarter", window.end)
    st.subheader(f"Domestic abuse services, {quarter.label()}")
    codes = [*geo.DISTRICTS, geo.COUNTY_CODE]
    rows = observations[observations["area_code"].isin(codes)
                        & (observations["period_start"] == window.end.isoformat())]
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
