"""Chart builders: each returns an Altair chart and puts nothing on screen. One look for every
chart: the Okabe-Ito palette (safe for colour-blind readers), large type for a projector, and
meaning never carried by colour alone (lines are labelled, the selected bar is marked)."""
from __future__ import annotations

import altair as alt
import pandas as pd

# Okabe-Ito: the selected area, the county, the board area, the region, England.
AREA_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"]
SELECTED, OTHER, REFERENCE = "#0072B2", "#9AA5B1", "#D55E00"
FONT_SIZE = 16


def _style(chart: alt.Chart, title: str) -> alt.Chart:
    return (chart.properties(title=alt.TitleParams(title, anchor="start", fontSize=FONT_SIZE + 2),
                             width="container")
            .configure_axis(labelFontSize=FONT_SIZE - 2, titleFontSize=FONT_SIZE - 2,
                            grid=True, gridColor="#E5E8EC")
            .configure_legend(labelFontSize=FONT_SIZE - 2, titleFontSize=FONT_SIZE - 2,
                              orient="bottom", labelLimit=320)
            .configure_view(strokeWidth=0))


def trend_chart(trend: pd.DataFrame, area_names: dict[str, str], y_title: str,
                title: str) -> alt.Chart:
    """Lines per area over time: the rolling 12 months solid and thick where present, the
    period values thin and dashed. ``trend`` has compute_trend's columns; the first area in
    ``area_names`` is the selected one."""
    frame = trend.assign(
        date=pd.to_datetime(trend["period_start"]),
        area=trend["area_code"].map(area_names),
        series=lambda f: f["area"] + " · " + f["measure"])
    order = list(area_names.values())
    colour = alt.Color("area:N", title="Area", sort=order,
                       scale=alt.Scale(domain=order, range=AREA_COLOURS[:len(order)]))
    base = alt.Chart(frame).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0)),
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)),
        color=colour,
        detail="series:N",
        tooltip=[alt.Tooltip("area:N", title="Area"), alt.Tooltip("period:N", title="Period"),
                 alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("value:Q", title=y_title, format=",.2f")])
    has_rolling = (frame["measure"] == "rolling 12 months").any()
    periods = base.transform_filter(alt.datum.measure == "per period").mark_line(
        point=alt.OverlayMarkDef(size=40), strokeWidth=1.5 if has_rolling else 3,
        strokeDash=[5, 3] if has_rolling else [1, 0])
    layers = [periods]
    if has_rolling:
        layers.append(base.transform_filter(alt.datum.measure == "rolling 12 months")
                      .mark_line(strokeWidth=4))
    return _style(alt.layer(*layers).properties(height=360), title)


def area_bar_chart(bars: pd.DataFrame, selected: str | None, references: dict[str, float],
                   x_title: str, title: str) -> alt.Chart:
    """Horizontal bars per district, the selected one in blue and marked '(selected)', with
    the county and board area (or region) as labelled reference lines, and each district's
    95% confidence interval as a whisker where ``bars`` has low and high. ``bars`` has columns
    area, value (and optionally low, high); ``references`` maps a label to its value."""
    frame = bars.assign(
        shown=lambda f: f["area"] + f["area"].map(lambda a: "  (selected)" if a == selected
                                                    else ""),
        highlight=lambda f: f["area"] == selected)
    order = frame.sort_values("value", ascending=False)["shown"].tolist()
    bar = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("shown:N", title=None, sort=order, axis=alt.Axis(labelLimit=320)),
        x=alt.X("value:Q", title=x_title),
        color=alt.condition(alt.datum.highlight, alt.value(SELECTED), alt.value(OTHER)),
        tooltip=[alt.Tooltip("area:N", title="Area"),
                 alt.Tooltip("value:Q", title=x_title, format=",.2f")])
    layers = [bar]
    if references:
        lines = pd.DataFrame({"label": list(references), "value": list(references.values()),
                              "pos": [8 + 18 * i for i in range(len(references))]})
        rule = alt.Chart(lines).mark_rule(color=REFERENCE, strokeWidth=2, strokeDash=[6, 3])
        layers.append(rule.encode(x="value:Q", tooltip=["label:N", alt.Tooltip(
            "value:Q", format=",.2f")]))
        layers.append(alt.Chart(lines).mark_text(
            align="left", dx=4, color=REFERENCE, fontSize=FONT_SIZE - 3,
            fontWeight="bold").encode(x="value:Q", y=alt.Y("pos:Q", scale=None),
                                      text="label:N"))
    if {"low", "high"} <= set(frame.columns) and frame["low"].notna().any():
        layers.append(alt.Chart(frame.dropna(subset=["low", "high"])).mark_errorbar(
            ticks=True, color="#111111", thickness=1.5).encode(
            y=alt.Y("shown:N", sort=order, title=None), x=alt.X("low:Q", title=x_title),
            x2="high:Q", tooltip=[alt.Tooltip("area:N", title="Area"),
                                  alt.Tooltip("low:Q", title="95% lower", format=",.2f"),
                                  alt.Tooltip("high:Q", title="95% upper", format=",.2f")]))
    height = max(220, 38 * len(frame))
    return _style(alt.layer(*layers).properties(height=height), title)


SIGNAL_COLOURS = {"improvement": "#0072B2", "concern": "#E69F00", "neither": "#7B3294",
                  "common": "#4D4D4D"}
SIGNAL_SHAPES = {"improvement": "triangle-up", "concern": "diamond", "neither": "square",
                 "common": "circle"}


def spc_chart(chart: pd.DataFrame, y_title: str, title: str) -> alt.Chart:
    """An XmR chart: the values, the mean (solid) and process limits (dashed) per segment,
    and each point coloured and shaped by what it signals ('reading' column: improvement,
    concern, neither or common), with the rules it broke in the tooltip. ``chart`` has
    compute_xmr's columns plus period (label) and reading."""
    frame = chart.assign(date=pd.to_datetime(chart["period_start"]),
                         segment_label=chart["segment"].map(lambda s: f"segment {s + 1}"))
    base = alt.Chart(frame).encode(x=alt.X("date:T", title=None,
                                           axis=alt.Axis(format="%b %Y", labelAngle=0)))
    line = base.mark_line(color="#4D4D4D", strokeWidth=1.5).encode(
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False)), detail="segment:N")
    limits = [base.mark_line(color="#333333", strokeWidth=1.5).encode(
        y="mean:Q", detail="segment:N")]
    for column in ("ucl", "lcl"):
        limits.append(base.mark_line(color="#333333", strokeDash=[6, 4]).encode(
            y=f"{column}:Q", detail="segment:N"))
    readings = list(SIGNAL_COLOURS)
    points = base.mark_point(size=90, filled=True, opacity=1).encode(
        y="value:Q",
        color=alt.Color("reading:N", title="Point", sort=readings,
                        scale=alt.Scale(domain=readings, range=list(SIGNAL_COLOURS.values()))),
        shape=alt.Shape("reading:N", sort=readings, scale=alt.Scale(
            domain=readings, range=list(SIGNAL_SHAPES.values())), legend=None),
        tooltip=[alt.Tooltip("period:N", title="Period"),
                 alt.Tooltip("value:Q", title=y_title, format=",.2f"),
                 alt.Tooltip("reading:N", title="Reading"),
                 alt.Tooltip("rules:N", title="Rules broken")])
    return _style(alt.layer(line, *limits, points).properties(height=340), title)
