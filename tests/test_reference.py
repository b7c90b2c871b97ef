"""Reference uploads (population, LSOA lookups, boundaries) on the real shared files and on
small files built here, and the bundled sample_data/reference built from them."""
from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point, shape

from data_loaders import geography as geo
from data_loaders.reference import parse_reference, recognise_reference

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "sample_data" / "reference"
POPULATION = "population/uk_2022_mid-year_population_jnebe.csv"
LOOKUP = "lookups/LSOA11_WD19_LAD19_lookup_LeicsPFA_ons-lookups-csv-135.csv"
TOPOJSON = "boundaries/lad/geogLA2022EW.json"
API_BOUNDARY = "police_uk/neighbourhoods/police_leicestershire_NC04_boundary.json"
NEWER = [f"E0103400{n}" for n in range(2, 8)] + [f"E0103{n}" for n in range(5084, 5107)]
MELTON_MOWBRAY = Point(-0.887, 52.766)
SQUARE = [[-1.0, 52.7], [-0.9, 52.7], [-0.9, 52.8], [-1.0, 52.8], [-1.0, 52.7]]


def parse(name: str, data: bytes | str, answers: dict | None = None):
    data = data.encode("utf-8") if isinstance(data, str) else data
    return parse_reference(name, data, "0" * 64, answers)


def read(shared_data: Path, path: str, answers: dict | None = None):
    return parse(Path(path).name, (shared_data / path).read_bytes(), answers)


def feature_collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geometry}
        for props, geometry in features]})


def kml(placemarks: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/'
            f'2.2"><Document>{placemarks}</Document></kml>')


def kml_polygon(ring=SQUARE) -> str:
    text = " ".join(f"{x},{y},0" for x, y in ring)
    return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{text}</coordinates>"
            "</LinearRing></outerBoundaryIs></Polygon>")


# --- recognition --------------------------------------------------------------------------

@pytest.mark.parametrize("path, kind", [
    (POPULATION, "population"),
    (LOOKUP, "lsoa_lookup"),
    (TOPOJSON, "boundaries"),
    ("boundaries/lsoa2011/E07000133.json", "boundaries"),
    (API_BOUNDARY, "boundaries"),
    ("police_uk/neighbourhoods/police_leicestershire_neighbourhoods.json", None),
    ("police_uk/neighbourhoods/police_leicestershire_NC04.json", None),
    ("police_uk/street/2023-01-leicestershire-street.csv", None),
])
def test_shared_files_are_recognised_by_content(shared_data, path, kind):
    data = (shared_data / path).read_bytes()
    assert recognise_reference("upload.bin", data) == kind


@pytest.mark.parametrize("text", [
    "area,period,measure,value\nBlaby,2023-04,ASB,12\n",
    "District,Q1,Q2,Q3,Q4,YTD\nBlaby,1,2,3,4,10\n",
    '{"type": "Point", "coordinates": [1, 52]}',
    "<html><body>not kml</body></html>",
])
def test_other_files_are_not_reference(text):
    assert recognise_reference("x.csv", text.encode()) is None


# --- population -----------------------------------------------------------------------------

def population_of(parsed) -> dict[str, float]:
    frame = parsed.reference["population"]
    return dict(zip(frame["area_code"], frame["population"]))


def test_population_figures_equal_the_csv(shared_data):
    parsed = read(shared_data, POPULATION, {"population_year": "2022"})
    assert parsed.ok and parsed.kind == "population"
    rows = {r["Code"]: int(r["Population"]) for r in
            csv.DictReader(open(shared_data / POPULATION, encoding="utf-8-sig"))}
    found = population_of(parsed)
    assert found["E07000129"] == 104_182 and found["E06000017"] == 41_151
    for code in (*geo.DISTRICTS, geo.COUNTY_CODE, geo.REGION_CODE, geo.ENGLAND_CODE):
        assert found[code] == rows[code]
    board = sum(rows[code] for code in geo.DISTRICTS)
    assert board == 763_306 == rows[geo.COUNTY_CODE] + rows["E06000017"]
    assert found[geo.BOARD_CODE] == board
    assert set(parsed.reference["population"]["year"]) == {2022}
    assert geo.LEICESTER_CITY not in found and len(found) == 12


def test_population_without_a_year_asks_for_one(shared_data):
    parsed = read(shared_data, POPULATION)
    [question] = parsed.questions
    assert question.key == "population_year" and question.choices[0] == "2022"
    assert not parsed.reference


def test_population_year_column_and_thousands_separators():
    text = ("Area code,Area name,Year,Population\n"
            + "".join(f'{code},{name},2021,"{1000 + i:,}"\n'
                      for i, (code, name) in enumerate(geo.DISTRICTS.items()))
            + "E06000016,Leicester,2021,368600\n")
    parsed = parse("pop.csv", text)
    assert parsed.ok
    found = population_of(parsed)
    assert found[geo.BOARD_CODE] == sum(1000 + i for i in range(8))
    assert "E06000016" not in found
    assert set(parsed.reference["population"]["year"]) == {2021}


def test_population_missing_a_district_warns_and_adds_no_board():
    parsed = parse("pop.csv", "Code,Name,Geography,Population\nE07000129,Blaby,LAD,104182\n",
                   {"population_year": 2022})
    assert parsed.ok and geo.BOARD_CODE not in population_of(parsed)
    assert "no board total" in parsed.warnings[0].message


def test_population_that_is_not_a_number_says_where():
    parsed = parse("pop.csv", "Code,Name,Population\nE07000129,Blaby,lots\n",
                   {"population_year": 2022})
    [problem] = parsed.errors
    assert (problem.row, problem.column) == (2, "Population")


# --- LSOA lookups ---------------------------------------------------------------------------

def test_ons_lookup_keeps_board_lsoas(shared_data):
    parsed = read(shared_data, LOOKUP)
    areas = parsed.reference["areas"]
    assert parsed.ok and parsed.kind == "lsoa_lookup" and len(areas) == 419
    assert set(areas["district_code"]) == set(geo.DISTRICTS)
    assert set(areas["lsoa_year"]) == {2011} and areas["beat_code"].isna().all()
    assert any("192 LSOAs outside" in note and "Leicester" in note for note in parsed.notes)


def test_lsoa_to_beat_lookup_takes_year_from_column_and_drops_city():
    text = ("LSOA21CD,Neighbourhood code\nE01035084,NA42\nE01034002,NL63\n"
            "E01013636,NC04\n")
    parsed = parse("beats.csv", text)
    areas = parsed.reference["areas"].set_index("area_code")
    assert parsed.ok and list(areas.index) == ["E01035084", "E01034002"]
    assert areas.loc["E01034002", "district_code"] == "E07000130"
    assert areas.loc["E01035084", "beat_code"] == "NA42"
    assert set(areas["lsoa_year"]) == {2021}


def test_lookup_with_a_beat_of_another_district_says_where():
    text = "LSOA11CD,LAD19CD,Beat\nE01025883,E07000133,NR31\nE01025884,E07000133,NL62\n"
    [problem] = parse("beats.csv", text).errors
    assert (problem.row, problem.column) == (3, "Beat")
    assert "NL62" in problem.message and "Melton" in problem.message


def test_lookup_without_a_year_asks():
    parsed = parse("beats.csv", "lsoa code,beat code\nE01025883,NR31\n")
    assert [q.key for q in parsed.questions] == ["lsoa_year"]
    assert parse("beats.csv", "lsoa code,beat code\nE01025883,NR31\n",
                 {"lsoa_year": "2011"}).ok


# --- boundaries ---------------------------------------------------------------------------

def test_topojson_decodes_to_the_eight_districts(shared_data):
    parsed = read(shared_data, TOPOJSON)
    frame = parsed.reference["boundaries"]
    assert parsed.ok and sorted(frame["area_code"]) == sorted(geo.DISTRICTS)
    assert set(frame["area_type"]) == {"district"}
    shapes = {r.area_code: shape(json.loads(r.geojson)) for r in frame.itertuples()}
    assert [c for c, s in shapes.items() if s.contains(MELTON_MOWBRAY)] == ["E07000133"]
    assert all(s.is_valid and s.area > 0 for s in shapes.values())
    assert frame.set_index("area_code").loc["E07000133", "area_name"] == "Melton"


def test_topojson_without_quantisation_and_with_multipolygons():
    topology = {"type": "Topology", "objects": {"beats": {"type": "GeometryCollection",
                "geometries": [
                    {"type": "MultiPolygon", "arcs": [[[0]], [[1]]],
                     "properties": {"code": "NR31"}},
                    {"type": "Polygon", "arcs": [[~0]], "properties": {"code": "NC04"}}]}},
                "arcs": [SQUARE, [[p[0] + 1, p[1]] for p in SQUARE]]}
    parsed = parse("t.json", json.dumps(topology))
    frame = parsed.reference["boundaries"]
    assert parsed.ok and list(frame["area_code"]) == ["NR31"]
    geometry = json.loads(frame["geojson"][0])
    assert geometry["type"] == "MultiPolygon" and geometry["coordinates"][0][0] == SQUARE


def test_geojson_lsoas_of_a_real_district_file(shared_data):
    parsed = read(shared_data, "boundaries/lsoa2011/E07000133.json")
    frame = parsed.reference["boundaries"]
    assert parsed.ok and len(frame) == 30 and set(frame["area_type"]) == {"lsoa"}
    assert frame["area_code"].str.startswith("E01").all()
    assert frame["area_name"].str.startswith("Melton").all()


def test_geojson_keeps_the_board_and_names_what_it_left_out():
    text = feature_collection(({"LAD22CD": "E07000133", "LAD22NM": "Melton"},
                               {"type": "Polygon", "coordinates": [SQUARE]}),
                              ({"LAD22CD": "E06000016", "LAD22NM": "Leicester"},
                               {"type": "Polygon", "coordinates": [SQUARE]}))
    parsed = parse("lad.geojson", text)
    assert parsed.ok and list(parsed.reference["boundaries"]["area_code"]) == ["E07000133"]
    assert any("E06000016" in note for note in parsed.notes)


def test_kml_code_from_name():
    parsed = parse("any.kml", kml(f"<Placemark><name>NL62</name>{kml_polygon()}</Placemark>"))
    frame = parsed.reference["boundaries"]
    assert parsed.ok and list(frame["area_code"]) == ["NL62"]
    assert json.loads(frame["geojson"][0])["coordinates"] == [SQUARE]


def test_kml_code_from_extended_data():
    placemark = ("<Placemark><name>Loughborough Central</name><ExtendedData><Data name=\"id\">"
                 f"<value>NL62</value></Data></ExtendedData>{kml_polygon()}</Placemark>")
    frame = parse("any.kml", kml(placemark)).reference["boundaries"]
    assert list(frame["area_code"]) == ["NL62"]
    assert list(frame["area_name"]) == ["Loughborough Central"]


def test_kml_code_from_file_name_warns():
    parsed = parse("NR31.kml", kml(f"<Placemark>{kml_polygon()}</Placemark>"))
    assert parsed.ok and list(parsed.reference["boundaries"]["area_code"]) == ["NR31"]
    assert "file name" in parsed.warnings[0].message


def test_kml_with_no_code_anywhere_asks_then_reads():
    text = kml(f"<Placemark>{kml_polygon()}</Placemark>")
    assert [q.key for q in parse("boundary.kml", text).questions] == ["beat_code"]
    answered = parse("boundary.kml", text, {"beat_code": "NA55"})
    assert answered.ok and list(answered.reference["boundaries"]["area_code"]) == ["NA55"]


def test_police_api_boundary_of_the_city_is_refused(shared_data):
    parsed = read(shared_data, API_BOUNDARY)
    assert parsed.errors and "not" in parsed.errors[0].message
    assert any("NC04" in note for note in parsed.notes)


def test_police_api_boundary_code_from_file_name(shared_data):
    data = (shared_data / API_BOUNDARY).read_bytes()
    parsed = parse("police_leicestershire_NL62_boundary.json", data)
    frame = parsed.reference["boundaries"]
    assert parsed.ok and list(frame["area_code"]) == ["NL62"]
    ring = json.loads(frame["geojson"][0])["coordinates"][0]
    points = json.loads(data)
    assert len(ring) == len(points)
    assert ring[1] == [float(points[1]["longitude"]), float(points[1]["latitude"])]


def test_police_api_boundary_without_a_code_asks_and_closes_the_ring():
    points = [{"latitude": str(y), "longitude": str(x)} for x, y in SQUARE[:-1]]
    parsed = parse("boundary.json", json.dumps(points))
    assert [q.key for q in parsed.questions] == ["beat_code"]
    answered = parse("boundary.json", json.dumps(points), {"beat_code": "nh21"})
    assert answered.ok and answered.warnings and "closed" in answered.warnings[0].message
    ring = json.loads(answered.reference["boundaries"]["geojson"][0])["coordinates"][0]
    assert ring == SQUARE


@pytest.mark.parametrize("ring, expected", [
    (SQUARE[:2] + SQUARE[:1], "feature 2 (E01025884), ring 1: has 3 points"),
    (SQUARE[:2] + [[450000.0, 310000.0]] + SQUARE[:1],
     "feature 2 (E01025884), ring 1, point 3: (450000.0, 310000.0) is not"),
])
def test_bad_geometry_errors_say_where(ring, expected):
    text = feature_collection(({"LSOA11CD": "E01025883"},
                               {"type": "Polygon", "coordinates": [SQUARE]}),
                              ({"LSOA11CD": "E01025884"},
                               {"type": "Polygon", "coordinates": [ring]}))
    [problem] = parse("lsoa.geojson", text).errors
    assert problem.message.startswith(expected) and problem.file == "lsoa.geojson"


def test_a_point_is_not_a_boundary():
    text = feature_collection(({"LSOA11CD": "E01025883"},
                               {"type": "Point", "coordinates": [-1.0, 52.7]}))
    [problem] = parse("lsoa.geojson", text).errors
    assert "feature 1 (E01025883)" in problem.message and "Point" in problem.message


# --- the bundled reference data -------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_areas() -> pd.DataFrame:
    parsed = parse("areas.csv", (REFERENCE / "areas.csv").read_bytes())
    assert parsed.ok and parsed.kind == "lsoa_lookup"
    return parsed.reference["areas"]


def test_every_board_lsoa_has_one_beat_of_its_own_district(shared_data, sample_areas):
    lookup = pd.read_csv(shared_data / LOOKUP, dtype=str)
    board = set(lookup.loc[lookup["LAD19CD"].isin(geo.DISTRICTS), "LSOA11CD"])
    lsoas = sample_areas[sample_areas["area_type"] == "lsoa"]
    assert not lsoas["area_code"].duplicated().any()
    assert set(lsoas.loc[lsoas["lsoa_year"] == 2011, "area_code"]) == board
    for row in lsoas.itertuples():
        assert row.beat_code in geo.beat_codes(row.district_code), row.area_code


def test_every_beat_has_an_lsoa(sample_areas):
    beats = sample_areas[sample_areas["area_type"] == "beat"]
    all_beats = {b for d in geo.DISTRICTS for b in geo.beat_codes(d)}
    assert set(beats["area_code"]) == all_beats
    used = sample_areas.loc[(sample_areas["area_type"] == "lsoa")
                            & (sample_areas["lsoa_year"] == 2011), "beat_code"]
    assert set(used) == all_beats
    assert (beats["district_code"] == beats["area_code"].map(geo.district_of_beat)).all()


def test_newer_lsoas_resolve_to_their_named_district(sample_areas):
    newer = sample_areas[sample_areas["lsoa_year"] == 2021].set_index("area_code")
    assert sorted(newer.index) == NEWER
    names = {name: code for code, name in geo.DISTRICTS.items()}
    for _code, row in newer.iterrows():
        assert row["district_code"] == names[row["area_name"].rsplit(" ", 1)[0]]


def test_sample_population_and_boundaries_read_back():
    population = parse("population.csv", (REFERENCE / "population.csv").read_bytes())
    assert population.ok and population_of(population)[geo.BOARD_CODE] == 763_306
    counts = {"districts.geojson": 8, "lsoa.geojson": 419, "beats.geojson": 42}
    for name, count in counts.items():
        parsed = parse(name, (REFERENCE / name).read_bytes())
        assert parsed.ok and parsed.kind == "boundaries" and len(
            parsed.reference["boundaries"]) == count


def test_approximate_beats_cover_their_lsoas():
    lsoas = json.loads((REFERENCE / "lsoa.geojson").read_text())["features"]
    beats = {f["properties"]["area_code"]: shape(f["geometry"]) for f in
             json.loads((REFERENCE / "beats.geojson").read_text())["features"]}
    areas = pd.read_csv(REFERENCE / "areas.csv", dtype=str).set_index("area_code")
    for feature in lsoas:
        point = shape(feature["geometry"]).representative_point()
        beat = areas.loc[feature["properties"]["area_code"], "beat_code"]
        assert beats[beat].buffer(0.001).contains(point)


def test_sample_reference_is_what_the_build_produces(shared_data, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "build_reference", ROOT / "sample_data" / "build_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path, shared_data)
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(p.name for p in REFERENCE.iterdir())
    for name in built:
        assert (tmp_path / name).read_bytes() == (REFERENCE / name).read_bytes(), (
            f"{name} differs: run .venv/bin/python sample_data/build_reference.py")
    assert sum(p.stat().st_size for p in REFERENCE.iterdir()) < 2_000_000
