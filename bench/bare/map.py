"""The bare pydeck map page the dashboard's map is compared with: one selectbox of districts
and a map of that district's beats, the district outlines and the incidents as hexagons,
read straight from the sample files with no checks, statistics or caching layers."""
import csv
import gzip
import json
from pathlib import Path

import pydeck as pdk
import streamlit as st

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@st.cache_data
def shapes():
    beats = json.loads((SAMPLE / "reference" / "beats.geojson").read_text())["features"]
    districts = json.loads((SAMPLE / "reference" / "districts.geojson").read_text())["features"]
    return beats, districts


@st.cache_data
def points():
    lsoa_district = {}
    with (SAMPLE / "reference" / "areas.csv").open() as handle:
        for row in csv.DictReader(handle):
            lsoa_district[row["area_code"]] = row["district_code"]
    rows = []
    for path in sorted((SAMPLE / "police_uk").glob("*.csv.gz")):
        for row in csv.DictReader(gzip.open(path, "rt")):
            if row["Longitude"] and row["LSOA code"] in lsoa_district:
                rows.append({"district": lsoa_district[row["LSOA code"]],
                             "longitude": float(row["Longitude"]),
                             "latitude": float(row["Latitude"])})
    return rows


beats, districts = shapes()
names = {f["properties"]["area_name"]: f["properties"]["area_code"] for f in districts}
name = st.selectbox("Area", sorted(names), key="area", bind="query-params")
code = names[name]


def outer_rings(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]


chosen = [{"polygon": ring, "name": f["properties"]["area_name"]}
          for f in beats if f["properties"]["district_code"] == code
          for ring in outer_rings(f["geometry"])]
outlines = [{"path": ring} for f in districts for ring in outer_rings(f["geometry"])]
here = [p for p in points() if p["district"] == code]
xs = [x for shape in chosen for x, _ in shape["polygon"]]
ys = [y for shape in chosen for _, y in shape["polygon"]]
st.pydeck_chart(pdk.Deck(
    layers=[pdk.Layer("PolygonLayer", chosen, pickable=True, get_polygon="polygon",
                      get_fill_color=[200, 120, 60], opacity=0.8, stroked=True),
            pdk.Layer("PathLayer", outlines, get_path="path", get_color=[30, 30, 30],
                      width_min_pixels=2),
            pdk.Layer("HexagonLayer", here, get_position=["longitude", "latitude"],
                      radius=350, elevation_scale=0)],
    initial_view_state=pdk.ViewState(longitude=(min(xs) + max(xs)) / 2,
                                     latitude=(min(ys) + max(ys)) / 2, zoom=10),
    map_provider=None, tooltip={"text": "{name}"}))
