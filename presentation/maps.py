"""Map builders: beats (or districts) shaded by a figure, district outlines, and police.uk
incidents as hexagons, in a pydeck Deck with no basemap, so the map needs no internet. Each
returns a Deck or plain data and puts nothing on screen."""
from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings import deck as pydeck_deck
from pydeck.bindings.json_tools import default_serialize

# A colour-blind-safe sequential ramp (ColorBrewer YlGnBu, 5 classes), light to dark.
RAMP = [[255, 255, 204], [161, 218, 180], [65, 182, 196], [44, 127, 184], [37, 52, 148]]
NO_DATA = [220, 220, 220]
OUTLINE = [40, 40, 40]


def class_breaks(values: pd.Series, classes: int = len(RAMP)) -> list[float]:
    """Upper bounds of equal-count classes (quantiles), rising, de-duplicated.

    >>> class_breaks(pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
    [2.8, 4.6, 6.4, 8.2, 10.0]
    """
    clean = values.dropna()
    if clean.empty:
        return []
    edges = np.quantile(clean, np.linspace(0, 1, classes + 1)[1:])
    return sorted({round(float(e), 6) for e in edges})


def colour_for(value, breaks: list[float]) -> list[int]:
    if value is None or pd.isna(value) or not breaks:
        return NO_DATA
    index = next((i for i, upper in enumerate(breaks) if value <= upper), len(breaks) - 1)
    step = (len(RAMP) - 1) / max(len(breaks) - 1, 1)
    return RAMP[round(index * step)]


def boundary_rings(boundaries: pd.DataFrame) -> pd.DataFrame:
    """One row per outer ring of each boundary (columns area_code, area_name, geojson, and
    any others, which are kept): the boundary's columns but geojson, and ring, a list of
    [longitude, latitude]. Parsing the GeoJSON is most of the work of drawing a map, so the
    page reads the rings once per data version."""
    parsed = [_outer_rings(json.loads(text)) for text in boundaries["geojson"]]
    repeat = boundaries.index.repeat([len(rings) for rings in parsed])
    rings = boundaries.drop(columns="geojson").loc[repeat].reset_index(drop=True)
    rings["ring"] = [ring for outer in parsed for ring in outer]
    return rings


def shaded_rows(rings: pd.DataFrame, figures: pd.DataFrame, value_text: str,
                breaks: list[float]) -> pd.DataFrame:
    """One row per ring of ``rings`` (boundary_rings) with its area's figure (``figures``:
    area_code, value, change_text) as text for the tooltip and a fill colour: columns
    polygon, code, name, shown, change, fill. Areas with no figure are grey and say so.
    Fields are top-level so the tooltip can name them."""
    values = figures.set_index("area_code") if len(figures) else None
    areas = {}
    for code in dict.fromkeys(rings["area_code"]):
        value = values["value"].get(code) if values is not None else None
        change = values["change_text"].get(code, "") if values is not None else ""
        shown = "no figure" if value is None or pd.isna(value) else value_text.format(value)
        if values is not None and "shown" in values and isinstance(
                values["shown"].get(code), str) and not values["shown"].get(code)[:1].isdigit():
            shown = f"{values['shown'].get(code)} (small numbers are not shown)"
        areas[code] = {"shown": shown, "change": change or "no change to show",
                       "fill": colour_for(value, breaks)}
    return pd.DataFrame([{"polygon": ring, "code": code, "name": name, **areas[code]}
                         for code, name, ring in zip(rings["area_code"], rings["area_name"],
                                                     rings["ring"])],
                        columns=["polygon", "code", "name", "shown", "change", "fill"])


def outline_rows(rings: pd.DataFrame) -> pd.DataFrame:
    """One row per ring of ``rings`` (boundary_rings): columns path, code."""
    return pd.DataFrame({"path": rings["ring"], "code": rings["area_code"]},
                        columns=["path", "code"])


def _outer_rings(geometry: dict) -> list:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" \
        else [geometry["coordinates"]]
    return [polygon[0] for polygon in polygons]


def view_of(rings: pd.DataFrame) -> pdk.ViewState:
    """A view that frames the given rings (boundary_rings)."""
    points = np.array([point[:2] for ring in rings["ring"] for point in ring], dtype=float)
    (west, south), (east, north) = points.min(axis=0), points.max(axis=0)
    span = max(east - west, (north - south) * 1.6, 0.01)
    zoom = float(np.clip(np.log2(360 / span) - 0.4, 7, 14))
    return pdk.ViewState(longitude=float((west + east) / 2), latitude=float((south + north) / 2),
                         zoom=zoom)


# pydeck asks whether its Jupyter widget can be imported twice for every Deck it builds. With
# no ipywidgets here the import fails, is not remembered, and is tried again, each time under
# the interpreter's import lock: with twenty sessions' maps being built at once, threads
# queued on that lock for seconds after an upload landed. The answer cannot change while the
# server runs, so it is asked once.
pydeck_deck.has_jupyter_extra = functools.cache(pydeck_deck.has_jupyter_extra)


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck indents every coordinate onto a line of
    its own, which makes a county map's JSON 2.5 times the size and five times slower to
    write on every rerun. The same JSON value, so the same map."""

    _written: str | None = None  # set by freeze (on the instance, so never in its JSON)

    def to_json(self) -> str:
        if self._written is not None:
            return self._written
        return json.dumps(self, sort_keys=True, default=default_serialize,
                          separators=(",", ":"))

    def freeze(self) -> "CompactDeck":
        """Write the JSON now and answer with it from then on: for a deck drawn again and
        again (a cached map), which nothing may change afterwards. The layers' rows, in the
        JSON now, are let go (a county's incidents are thousands of dicts)."""
        self._written = self.to_json()
        for layer in self.layers:
            layer.data = None
        return self


def area_map(shaded: pd.DataFrame, outlines: pd.DataFrame, incidents: pd.DataFrame | None,
             view: pdk.ViewState) -> pdk.Deck:
    """The map: shaded areas with a tooltip, district outlines on top, and incidents as
    hexagons when given (columns longitude, latitude and incidents, how many were recorded
    at that point: each hexagon sums them, so it is coloured as if every incident were sent
    on its own, at a fraction of the size). No basemap (map_provider=None)."""
    layers = [
        pdk.Layer("PolygonLayer", shaded, id="areas", pickable=True, stroked=True,
                  filled=True, get_polygon="polygon", get_fill_color="fill",
                  get_line_color=[90, 90, 90], line_width_min_pixels=1, opacity=0.85),
        pdk.Layer("PathLayer", outlines, id="districts", pickable=False, get_path="path",
                  get_color=OUTLINE, width_min_pixels=2.5),
    ]
    if incidents is not None and len(incidents):
        points = incidents[["longitude", "latitude", "incidents"]].dropna()
        records = [{"longitude": x, "latitude": y, "incidents": n} for x, y, n in zip(
            points["longitude"].tolist(), points["latitude"].tolist(),
            points["incidents"].tolist())]  # pydeck's own to_dict takes three times as long
        layers.append(pdk.Layer(
            "HexagonLayer", records, id="incidents", get_position=["longitude", "latitude"],
            get_color_weight="incidents", color_aggregation='"SUM"', radius=350,
            elevation_scale=0, extruded=False, opacity=0.55, pickable=False,
            color_range=[[253, 212, 158], [253, 187, 132], [252, 141, 89], [239, 101, 72],
                         [215, 48, 31], [153, 0, 0]]))
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None,
                       map_style=None,
                       tooltip={"html": "<b>{name}</b> ({code})<br/>{shown}<br/>{change}",
                                "style": {"fontSize": "15px"}})
