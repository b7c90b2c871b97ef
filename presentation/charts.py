"""Chart builders: each returns a Vega-Lite spec (a dict whose datasets are frames, for
st.vega_lite_chart) and puts nothing on screen; trend_chart gives the same chart as an Altair
chart for the board pack. One look for every chart: the Okabe-Ito palette (safe for
colour-blind readers), large type for a projector, and meaning never carried by colour alone
(lines are labelled or dashed differently, the selected bar is marked).

The specs are written as plain dicts, not built with Altair, because they are rebuilt on
every filter change: Altair takes 20-60 ms to build and validate each of these charts (it
copies and hashes the data at every step), a dict takes well under one. The specs are the
ones Altair produced for the same charts; tests validate them against the Vega-Lite schema."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import altair as alt

# Okabe-Ito: the selected area, the county, the board area, the region, England.
AREA_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"]
REFERENCE_DASHES = [[8, 4], [3, 3], [12, 3, 3, 3]]  # county, board area, region
FONT_SIZE = 16
LINE_STYLES = {"rolling 12 months": [1, 0], "per period": [5, 3]}  # solid, dashed
LINE_LABELS = ("datum.label === 'per period' ? 'each period (dashed)'"
               " : 'rolling 12 months (solid)'")
# A district's bar against its benchmark (the county, or the region for the county):
# blue better, vermillion worse, grey similar, pale where there is no interval to judge by.
VERDICT_COLOURS = {"better": "#0072B2", "worse": "#D55E00", "similar": "#9AA5B1",
                   "higher": "#56B4E9", "lower": "#CC79A7", "not compared": "#DDE1E6"}
VERDICT_LABELS = {"better": "better than its benchmark", "worse": "worse than its benchmark",
                  "similar": "similar to its benchmark", "higher": "higher than its benchmark",
                  "lower": "lower than its benchmark", "not compared": "not compared"}
# The Vega-Lite schema Altair writes its charts for (a test checks it is the installed
# Altair's): the pages need only this string, and importing Altair for it took 0.2 s of
# every server's first theme page.
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"


def _spec(layers: list[dict], datasets: dict[str, pd.DataFrame], height: int, title: str,
          data: str | None = None) -> dict:
    """A layered chart with the house style: title, axes, legend at the bottom, no frame."""
    spec = {"layer": layers,
            "config": {"axis": {"grid": True, "gridColor": "#E5E8EC",
                                "labelFontSize": FONT_SIZE - 2, "titleFontSize": FONT_SIZE - 2},
                       "legend": {"labelFontSize": FONT_SIZE - 2, "labelLimit": 320,
                                  "orient": "bottom", "titleFontSize": FONT_SIZE - 2},
                       "view": {"strokeWidth": 0}},
            "height": height,
            "title": {"text": title, "anchor": "start", "fontSize": FONT_SIZE + 2},
            "width": "container", "$schema": SCHEMA_URL, "datasets": datasets}
    if data is not None:
        spec["data"] = {"name": data}
    return spec


def _time_axis() -> dict:
    return {"axis": {"format": "%b %Y", "labelAngle": 0}, "field": "date", "title": None,
            "type": "temporal"}


def _nominal(field: str, title: str | None = None) -> dict:
    channel = {"field": field, "type": "nominal"}
    return channel if title is None else {**channel, "title": title}


def _number(field: str, title: str | None = None, number_format: str | None = None) -> dict:
    channel = {"field": field, "type": "quantitative"}
    if number_format:
        channel["format"] = number_format
    return channel if title is None else {**channel, "title": title}


def trend_spec(trend: pd.DataFrame, area_names: dict[str, str], y_title: str,
               title: str) -> dict:
    """Lines per area over time: the rolling 12 months solid and thick where present, the
    period values thin and dashed. ``trend`` has compute_trend's columns; the first area in
    ``area_names`` is the selected one."""
    frame = trend.assign(
        date=pd.to_datetime(trend["period_start"]),
        area=trend["area_code"].map(area_names),
        series=lambda f: f["area"] + " · " + f["measure"])
    order = list(area_names.values())

    def encoding() -> dict:  # a fresh dict per layer
        return {
            "color": {"field": "area", "scale": {"domain": order,
                                                 "range": AREA_COLOURS[:len(order)]},
                      "sort": order, "title": "Area", "type": "nominal"},
            "detail": _nominal("series"),
            "tooltip": [_nominal("area", "Area"), _nominal("period", "Period"),
                        _nominal("measure", "Measure"), _number("value", y_title, ",.2f")],
            "x": _time_axis(),
            "y": {"field": "value", "scale": {"zero": False}, "title": y_title,
                  "type": "quantitative"}}

    has_rolling = (frame["measure"] == "rolling 12 months").any()
    periods = {"mark": {"type": "line", "point": {"size": 40},
                        "strokeWidth": 1.5 if has_rolling else 3},
               "encoding": encoding(),
               "transform": [{"filter": "(datum.measure === 'per period')"}]}
    layers = [periods]
    if has_rolling:
        # Both kinds of line on one axis: the dash says which is which, in its own legend.
        for layer in (periods, rolling := {"mark": {"type": "line", "strokeWidth": 4},
                                           "encoding": encoding()}):
            layer["encoding"]["strokeDash"] = {
                "field": "measure", "type": "nominal", "title": "Line",
                "scale": {"domain": list(LINE_STYLES), "range": list(LINE_STYLES.values())},
                "legend": {"symbolType": "stroke", "symbolStrokeWidth": 3,
                           "symbolStrokeColor": "#4D4D4D", "symbolSize": 400,
                           "labelExpr": LINE_LABELS}}
        rolling["transform"] = [{"filter": "(datum.measure === 'rolling 12 months')"}]
        layers.append(rolling)
    return _spec(layers, {"trend": frame}, 360, title, data="trend")


def trend_chart(trend: pd.DataFrame, area_names: dict[str, str], y_title: str,
                title: str) -> alt.LayerChart:
    """trend_spec as an Altair chart (the board pack draws it to PNG with vl-convert)."""
    return as_altair(trend_spec(trend, area_names, y_title, title))


def as_altair(spec: dict) -> alt.LayerChart:
    """A spec as an Altair chart, its frames turned into values as Altair writes them;
    raises if the spec is not valid Vega-Lite."""
    import altair as alt

    values = {name: alt.utils.sanitize_pandas_dataframe(frame).to_dict(orient="records")
              for name, frame in spec["datasets"].items()}
    return alt.LayerChart.from_dict({**spec, "datasets": values})


def area_bar_spec(bars: pd.DataFrame, selected: str | None, references: dict[str, float],
                  x_title: str, title: str) -> dict:
    """Horizontal bars per district, each coloured by its verdict against its benchmark
    (named in a legend, as the board's Tableau colours bars against the county), the selected
    one outlined and marked '(selected)', with the county and board area (or region) as
    reference lines named in a legend, and each district's 95% confidence interval as a
    whisker where ``bars`` has low and high. ``bars`` has columns area, value and optionally
    low, high and verdict (compare_with_benchmark's word or None); ``references`` maps a
    label to its value."""
    verdicts = (bars["verdict"] if "verdict" in bars.columns
                else pd.Series(None, index=bars.index, dtype=object))
    frame = bars.assign(
        shown=lambda f: f["area"] + f["area"].map(lambda a: "  (selected)" if a == selected
                                                    else ""),
        highlight=lambda f: f["area"] == selected,
        verdict_label=verdicts.fillna("not compared").map(VERDICT_LABELS))
    order = frame.sort_values("value", ascending=False)["shown"].tolist()
    held = [v for v in VERDICT_COLOURS if VERDICT_LABELS[v] in set(frame["verdict_label"])]
    datasets = {"bars": frame}
    layers = [{"data": {"name": "bars"}, "mark": {"type": "bar"}, "encoding": {
        "color": {"field": "verdict_label", "type": "nominal", "title": "Against its benchmark",
                  "legend": {"direction": "vertical"},
                  "scale": {"domain": [VERDICT_LABELS[v] for v in held],
                            "range": [VERDICT_COLOURS[v] for v in held]}},
        "stroke": {"condition": {"test": "datum.highlight", "value": "#111111"},
                   "value": None},
        "strokeWidth": {"condition": {"test": "datum.highlight", "value": 3}, "value": 0},
        "tooltip": [_nominal("area", "Area"), _number("value", x_title, ",.2f"),
                    _nominal("verdict_label", "Against its benchmark")],
        "x": _number("value", x_title),
        "y": {"axis": {"labelLimit": 320}, "field": "shown", "sort": order, "title": None,
              "type": "nominal"}}}]
    if references:
        # Named in a legend under the chart, each with its own dash in near-black (colour is
        # the bars' verdict): labels written beside the lines ran over the bars and were cut
        # off at the chart's edge when the two lines lay close together.
        labels = list(references)
        datasets["references"] = pd.DataFrame({"label": labels,
                                               "value": list(references.values())})
        layers.append({"data": {"name": "references"},
                       "mark": {"type": "rule", "strokeWidth": 2.5},
                       "encoding": {
                           "strokeDash": {"field": "label", "type": "nominal", "sort": labels,
                                          "scale": {"domain": labels,
                                                    "range": REFERENCE_DASHES[:len(labels)]},
                                          "legend": {"title": "Reference line",
                                                     "direction": "vertical",
                                                     "symbolType": "stroke",
                                                     "symbolStrokeWidth": 2.5}},
                           "stroke": {"value": "#111111"},
                           "tooltip": [_nominal("label"), _number("value", None, ",.2f")],
                           "x": _number("value")}})
    if {"low", "high"} <= set(frame.columns) and frame["low"].notna().any():
        datasets["intervals"] = frame.dropna(subset=["low", "high"])
        layers.append({"data": {"name": "intervals"},
                       "mark": {"type": "errorbar", "color": "#111111", "thickness": 1.5,
                                "ticks": True},
                       "encoding": {
                           "tooltip": [_nominal("area", "Area"),
                                       _number("low", "95% lower", ",.2f"),
                                       _number("high", "95% upper", ",.2f")],
                           "x": _number("low", x_title), "x2": {"field": "high"},
                           "y": {"field": "shown", "sort": order, "title": None,
                                 "type": "nominal"}}})
    legend = 30 + 22 * max(len(references), len(held))  # the height includes the legends
    return _spec(layers, datasets, max(220, 38 * len(frame)) + legend, title)


SIGNAL_COLOURS = {"improvement": "#0072B2", "concern": "#E69F00", "neither": "#7B3294",
                  "common": "#4D4D4D"}
SIGNAL_LABELS = ("{'improvement': 'special cause: improving', 'concern': 'special cause: "
                 "concerning', 'neither': 'special cause: neither', 'common': 'common cause'}"
                 "[datum.label]")
SIGNAL_SHAPES = {"improvement": "triangle-up", "concern": "diamond", "neither": "square",
                 "common": "circle"}


def spc_spec(chart: pd.DataFrame, y_title: str, title: str) -> dict:
    """An XmR chart: the values, the mean (solid) and process limits (dashed) per segment,
    and each point coloured and shaped by what it signals ('reading' column: improvement,
    concern, neither or common), with the rules it broke in the tooltip. ``chart`` has
    compute_xmr's columns plus period (label) and reading."""
    frame = chart.assign(date=pd.to_datetime(chart["period_start"]),
                         segment_label=chart["segment"].map(lambda s: f"segment {s + 1}"))
    line = {"mark": {"type": "line", "color": "#4D4D4D", "strokeWidth": 1.5},
            "encoding": {"detail": _nominal("segment"), "x": _time_axis(),
                         "y": {"field": "value", "scale": {"zero": False}, "title": y_title,
                               "type": "quantitative"}}}
    # The mean solid, the process limits dashed: one layer over the three columns folded
    # together, so the dash is named in a legend.
    limits = {"mark": {"type": "line", "color": "#333333", "strokeWidth": 1.5},
              "transform": [{"fold": ["mean", "ucl", "lcl"], "as": ["limit", "level"]},
                            {"calculate": "datum.limit === 'mean' ? 'mean' : "
                                          "'process limits'", "as": "line"}],
              "encoding": {"detail": [_nominal("segment"), _nominal("limit")],
                           "x": _time_axis(), "y": _number("level"),
                           "strokeDash": {"field": "line", "type": "nominal", "title": "Line",
                                          "legend": {"direction": "vertical",
                                                     "symbolType": "stroke"},
                                          "scale": {"domain": ["mean", "process limits"],
                                                    "range": [[1, 0], [6, 4]]}}}}
    readings = list(SIGNAL_COLOURS)
    points = {"mark": {"type": "point", "filled": True, "opacity": 1, "size": 90},
              "encoding": {
                  "color": {"field": "reading", "scale": {
                      "domain": readings, "range": list(SIGNAL_COLOURS.values())},
                      "sort": readings, "title": "Point", "type": "nominal",
                      "legend": {"labelExpr": SIGNAL_LABELS, "direction": "vertical"}},
                  "shape": {"field": "reading", "scale": {  # one legend with the colour
                      "domain": readings, "range": list(SIGNAL_SHAPES.values())},
                      "sort": readings, "title": "Point", "type": "nominal"},
                  "tooltip": [_nominal("period", "Period"),
                              _number("value", y_title, ",.2f"),
                              _nominal("reading", "Reading"),
                              _nominal("rules", "Rules broken")],
                  "x": _time_axis(), "y": _number("value")}}
    return _spec([line, limits, points], {"spc": frame}, 340, title, data="spc")
