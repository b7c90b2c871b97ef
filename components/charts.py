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
    the county and board area (or region) as labelled reference lines. ``bars`` has columns
    area, value; ``references`` maps a label to its value."""
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
    height = max(220, 38 * len(frame))
    return _style(alt.layer(*layers).properties(height=height), title)
