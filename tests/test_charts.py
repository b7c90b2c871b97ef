"""Chart and map builders return Vega-Lite specs and pydeck Decks built from the frames given:
areas in order and colour, the selected district marked in words, reference lines, map
shading, tooltips, and no basemap (so no internet); every spec is valid Vega-Lite."""
from __future__ import annotations

import json

import pandas as pd
import pydeck as pdk

from presentation.charts import (
    AREA_COLOURS,
    LINE_STYLES,
    SIGNAL_SHAPES,
    VERDICT_COLOURS,
    area_bar_spec,
    as_altair,
    spc_spec,
    trend_chart,
    trend_spec,
)
from presentation.maps import (
    NO_DATA,
    RAMP,
    area_map,
    boundary_rings,
    class_breaks,
    colour_for,
    outline_rows,
    shaded_rows,
    view_of,
)

SQUARE = {"type": "Polygon", "coordinates": [[[-1.0, 52.6], [-0.9, 52.6], [-0.9, 52.7],
                                              [-1.0, 52.7], [-1.0, 52.6]]]}
TWO_SQUARES = {"type": "MultiPolygon", "coordinates": [
    SQUARE["coordinates"], [[[-0.8, 52.6], [-0.7, 52.6], [-0.7, 52.7], [-0.8, 52.6]]]]}


def trend_frame(measures=("per period", "rolling 12 months")) -> pd.DataFrame:
    rows = []
    for code in ("E07000133", "E10000018"):
        for measure in measures:
            for i, start in enumerate(["2023-04-01", "2023-07-01"]):
                rows.append({"period_start": start, "period": f"Q{i + 1} 2023/24",
                             "area_code": code, "measure": measure, "value": 1.0 + i})
    return pd.DataFrame(rows)


NAMES = {"E07000133": "Melton", "E10000018": "Leicestershire"}


def test_trend_chart_colours_areas_in_order_and_draws_the_rolling_line():
    built = trend_spec(trend_frame(), NAMES, "Rate per 1,000 residents", "Hate crimes")
    assert len(built["layer"]) == 2  # period values and the rolling 12 months
    colour = built["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == ["Melton", "Leicestershire"]
    assert colour["scale"]["range"] == AREA_COLOURS[:2]
    assert built["title"]["text"] == "Hate crimes"
    assert set(built["datasets"][built["data"]["name"]]["area"]) == {"Melton",
                                                                    "Leicestershire"}


def test_the_trend_charts_solid_and_dashed_lines_are_named_in_a_legend():
    built = trend_spec(trend_frame(), NAMES, "Rate per 1,000 residents", "Hate crimes")
    periods, rolling = (layer["encoding"]["strokeDash"] for layer in built["layer"])
    assert periods == rolling  # one scale, so one legend for both layers
    assert periods["field"] == "measure" and periods["title"] == "Line"
    assert dict(zip(periods["scale"]["domain"], periods["scale"]["range"])) == LINE_STYLES
    assert LINE_STYLES["rolling 12 months"] == [1, 0]  # solid
    assert "dashed" in periods["legend"]["labelExpr"] and "solid" in periods["legend"][
        "labelExpr"]


def test_trend_chart_without_rolling_values_draws_one_layer():
    built = trend_spec(trend_frame(("per period",)), NAMES, "%", "Feel safe")
    assert len(built["layer"]) == 1
    assert "strokeDash" not in built["layer"][0]["encoding"]  # one kind of line: no key


def test_the_board_packs_trend_chart_is_the_pages_chart():
    page = trend_spec(trend_frame(), NAMES, "Rate", "Hate crimes")
    pack = trend_chart(trend_frame(), NAMES, "Rate", "Hate crimes").to_dict()
    assert pack["layer"] == page["layer"] and pack["title"] == page["title"]
    values = pack["datasets"][pack["data"]["name"]]
    assert values[0]["date"] == "2023-04-01T00:00:00"  # dates written as Altair writes them
    assert len(values) == len(trend_frame())


def test_bar_chart_marks_the_selected_district_in_words_and_draws_references():
    bars = pd.DataFrame({"area": ["Melton", "Blaby"], "value": [2.0, 1.0]})
    built = area_bar_spec(bars, "Melton", {"Leicestershire": 1.5}, "Rate", "Hate")
    frame = built["datasets"][built["layer"][0]["data"]["name"]]
    assert dict(zip(frame["area"], frame["shown"])) == {"Melton": "Melton  (selected)",
                                                        "Blaby": "Blaby"}
    assert built["layer"][0]["encoding"]["strokeWidth"]["condition"]["test"] == \
        "datum.highlight"  # the selected bar outlined
    assert len(built["layer"]) == 2  # bars, the reference rules (named in the legend)
    lines = built["datasets"][built["layer"][1]["data"]["name"]]
    assert lines.to_dict("records") == [{"label": "Leicestershire", "value": 1.5}]


def test_bars_are_coloured_by_their_verdict_and_the_legend_says_it_in_words():
    bars = pd.DataFrame({"area": ["Melton", "Blaby", "Rutland"], "value": [2.0, 1.0, 1.4],
                         "verdict": ["worse", "better", None]})
    built = area_bar_spec(bars, None, {"Leicestershire": 1.5}, "Rate", "Hate")
    colour = built["layer"][0]["encoding"]["color"]
    frame = built["datasets"]["bars"]
    assert dict(zip(frame["area"], frame["verdict_label"])) == {
        "Melton": "worse than its benchmark", "Blaby": "better than its benchmark",
        "Rutland": "not compared"}
    legend = dict(zip(colour["scale"]["domain"], colour["scale"]["range"]))
    assert legend == {"better than its benchmark": VERDICT_COLOURS["better"],
                      "worse than its benchmark": VERDICT_COLOURS["worse"],
                      "not compared": VERDICT_COLOURS["not compared"]}
    assert colour["title"] == "Against its benchmark"


def test_reference_lines_are_told_apart_by_dash_and_named_in_a_legend():
    bars = pd.DataFrame({"area": ["Melton", "Blaby"], "value": [2.0, 1.0]})
    built = area_bar_spec(bars, "Melton", {"Leicestershire": 1.5, "Leicestershire and Rutland":
                                           1.52}, "Rate", "Hate")
    rules = built["layer"][1]["encoding"]
    dashes = rules["strokeDash"]["scale"]["range"]
    assert len(dashes) == 2 and dashes[0] != dashes[1]
    assert rules["strokeDash"]["scale"]["domain"] == ["Leicestershire",
                                                      "Leicestershire and Rutland"]
    assert rules["strokeDash"]["legend"]["title"] == "Reference line"
    assert "color" not in rules  # colour is the bars' verdict


def spc_frame() -> pd.DataFrame:
    return pd.DataFrame({"period_start": ["2023-04-01", "2023-05-01"], "value": [3.0, 9.0],
                         "segment": [0, 0], "mean": 6.0, "ucl": 8.0, "lcl": 4.0,
                         "period": ["Apr 2023", "May 2023"], "reading": ["common", "concern"],
                         "rules": ["", "beyond limits"]})


def test_spc_chart_shapes_points_by_what_they_signal_not_by_colour_alone():
    built = spc_spec(spc_frame(), "Count", "Burglary: XmR chart")
    points = built["layer"][-1]["encoding"]
    assert points["shape"]["field"] == points["color"]["field"] == "reading"
    assert points["shape"]["scale"]["range"] == list(SIGNAL_SHAPES.values())
    assert points["shape"]["title"] == points["color"]["title"]  # one legend for both
    assert [layer["encoding"]["y"]["field"] for layer in built["layer"]] == [
        "value", "level", "value"]
    limits = built["layer"][1]
    assert limits["transform"][0]["fold"] == ["mean", "ucl", "lcl"]
    dash = limits["encoding"]["strokeDash"]
    assert dash["title"] == "Line" and dash["scale"]["domain"] == ["mean", "process limits"]
    assert dash["scale"]["range"][0] == [1, 0] and dash["scale"]["range"][1] != [1, 0]


def test_every_chart_spec_is_valid_vega_lite():
    bars = pd.DataFrame({"area": ["Melton", "Blaby"], "value": [2.0, 1.0], "low": [1.5, None],
                         "high": [2.5, None], "verdict": ["similar", None]})
    for built in (trend_spec(trend_frame(), NAMES, "Rate", "Hate crimes"),
                  area_bar_spec(bars, "Melton", {"Leicestershire": 1.5}, "Rate", "Hate"),
                  spc_spec(spc_frame(), "Count", "Burglary")):
        as_altair(built).to_dict()  # validates against the Vega-Lite schema, raises if not


def test_class_breaks_and_colours_run_light_to_dark():
    breaks = class_breaks(pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
    assert breaks == [2.8, 4.6, 6.4, 8.2, 10.0]
    assert colour_for(1, breaks) == RAMP[0] and colour_for(10, breaks) == RAMP[-1]
    assert colour_for(None, breaks) == NO_DATA
    assert class_breaks(pd.Series([5.0, 5.0])) == [5.0]


def test_shaded_rows_carry_tooltip_fields_for_every_polygon():
    boundaries = pd.DataFrame({"area_code": ["NR31", "NR32"],
                               "area_name": ["Melton Town Centre", "Melton Town North"],
                               "geojson": [json.dumps(SQUARE), json.dumps(TWO_SQUARES)]})
    figures = pd.DataFrame({"area_code": ["NR31"], "value": [153.0],
                            "change_text": ["+4.0% on a year earlier"]})
    rings = boundary_rings(boundaries)
    assert rings["area_code"].tolist() == ["NR31", "NR32", "NR32"]
    assert rings["ring"].iloc[2] == TWO_SQUARES["coordinates"][1][0]
    rows = shaded_rows(rings, figures, "{:,.0f}", [100.0, 200.0])
    assert len(rows) == 3  # one polygon, then a multipolygon of two
    first = rows.iloc[0]
    assert (first["code"], first["shown"], first["change"]) == (
        "NR31", "153", "+4.0% on a year earlier")
    assert rows.iloc[1]["shown"] == "no figure" and rows.iloc[1]["fill"] == NO_DATA
    assert len(outline_rows(rings)) == 3


def test_the_map_has_no_basemap_and_names_the_area_in_its_tooltip():
    boundaries = pd.DataFrame({"area_code": ["NR31"], "area_name": ["Melton Town Centre"],
                               "geojson": [json.dumps(SQUARE)]})
    figures = pd.DataFrame({"area_code": ["NR31"], "value": [1.0], "change_text": [""]})
    incidents = pd.DataFrame({"longitude": [-0.95], "latitude": [52.65], "incidents": [3]})
    rings = boundary_rings(boundaries)
    deck = area_map(shaded_rows(rings, figures, "{:,.0f}", [1.0]), outline_rows(rings),
                    incidents, view_of(rings))
    assert isinstance(deck, pdk.Deck)
    built = json.loads(deck.to_json())
    assert built.get("mapProvider") is None and built.get("mapStyle") in (None, "")
    assert [layer["@@type"] for layer in built["layers"]] == ["PolygonLayer", "PathLayer",
                                                             "HexagonLayer"]
    hexagons = built["layers"][2]
    # Points come tallied: each hexagon sums the incidents at its points, as if sent one by one.
    assert hexagons["data"] == [{"longitude": -0.95, "latitude": 52.65, "incidents": 3}]
    assert (hexagons["getColorWeight"], hexagons["colorAggregation"]) == ("@@=incidents", "SUM")
    assert "{name}" in deck._tooltip["html"] and "{shown}" in deck._tooltip["html"]
    view = built["initialViewState"]
    assert -1.0 < view["longitude"] < -0.9 and 52.6 < view["latitude"] < 52.7


def test_the_map_json_is_pydecks_without_the_indentation():
    boundaries = pd.DataFrame({"area_code": ["NR31"], "area_name": ["Melton Town Centre"],
                               "geojson": [json.dumps(TWO_SQUARES)]})
    figures = pd.DataFrame({"area_code": ["NR31"], "value": [1.0], "change_text": [""]})
    incidents = pd.DataFrame({"longitude": [-0.95, -0.75], "latitude": [52.65, 52.62],
                              "incidents": [3, 1]})
    rings = boundary_rings(boundaries)
    deck = area_map(shaded_rows(rings, figures, "{:,.0f}", [1.0]), outline_rows(rings),
                    incidents, view_of(rings))
    compact = deck.to_json()
    assert "\n" not in compact
    assert json.loads(compact) == json.loads(pdk.Deck.to_json(deck))


def test_a_frozen_map_answers_with_the_json_it_had_and_keeps_no_rows():
    boundaries = pd.DataFrame({"area_code": ["NR31"], "area_name": ["Melton Town Centre"],
                               "geojson": [json.dumps(TWO_SQUARES)]})
    figures = pd.DataFrame({"area_code": ["NR31"], "value": [1.0], "change_text": [""]})
    incidents = pd.DataFrame({"longitude": [-0.95], "latitude": [52.65], "incidents": [3]})
    rings = boundary_rings(boundaries)

    def deck():
        return area_map(shaded_rows(rings, figures, "{:,.0f}", [1.0]), outline_rows(rings),
                        incidents, view_of(rings))

    frozen = deck().freeze()
    assert frozen.to_json() == deck().to_json()
    assert all(layer.data is None for layer in frozen.layers)
    assert "_written" not in json.loads(frozen.to_json())


def test_building_a_map_does_not_try_to_import_the_jupyter_widget_every_time(monkeypatch):
    """pydeck asks whether its Jupyter widget imports on every Deck; without ipywidgets that
    failed import was tried again twice a map, under the interpreter's import lock, where
    every session's thread queued (presentation/maps.py asks once)."""
    import builtins

    outlines = pd.DataFrame({"path": [[[-1.2, 52.6], [-1.1, 52.7]]]})
    area_map(pd.DataFrame(columns=["polygon", "fill"]), outlines, None, pdk.ViewState())
    tried = []
    real_import = builtins.__import__

    def watching(name, *args, **kwargs):
        if "widget" in name:
            tried.append(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", watching)
    for _ in range(3):
        area_map(pd.DataFrame(columns=["polygon", "fill"]), outlines, None, pdk.ViewState())
    assert tried == []


def test_the_specs_name_the_schema_of_the_installed_altair():
    """charts.py writes the schema URL itself, so the pages need not import Altair."""
    import altair as alt

    from presentation.charts import SCHEMA_URL

    assert SCHEMA_URL == alt.SCHEMA_URL
    assert trend_spec(trend_frame(), NAMES, "Rate", "Hate crimes")["$schema"] == alt.SCHEMA_URL
