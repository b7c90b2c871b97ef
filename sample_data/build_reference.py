"""Build the bundled reference data (sample_data/reference/) from the real public files in
../shared/data: areas with APPROXIMATE police beats, population and simplified boundaries.

Run by developers: ``.venv/bin/python sample_data/build_reference.py``. The output is
deterministic; tests/test_reference.py checks the committed files equal a fresh build.
"""
from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project root is not on the path
    sys.path.insert(0, str(ROOT))

from data_loaders import geography as geo  # noqa: E402
from data_loaders.model import REFERENCE_COLUMNS  # noqa: E402
from data_loaders.reference import parse_reference  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
OUT = Path(__file__).resolve().parent / "reference"
LOOKUP = "lookups/LSOA11_WD19_LAD19_lookup_LeicsPFA_ons-lookups-csv-135.csv"
POPULATION = "population/uk_2022_mid-year_population_jnebe.csv"
DISTRICT_TOPOJSON = "boundaries/lad/geogLA2022EW.json"
NEIGHBOURHOODS = "police_uk/neighbourhoods/police_leicestershire_neighbourhoods.json"
TOLERANCE = 0.0003  # degrees, about 20-30 m: enough for a district or beat map
DIGITS = 5  # about 1 m
SLIVER = 0.00002  # degrees (~2 m): closes gaps between LSOAs that should share an edge
SLIVER_AREA = 1e-6  # square degrees (~0.007 km2): holes smaller than this are gaps, not places
KM_PER_DEGREE_LON = math.cos(math.radians(52.7))  # east-west degrees are shorter here

# Seed words per beat: words of the neighbourhood's name found in 2019 ward names, plus wards
# known to lie in that neighbourhood. A ward matches the longest seed phrase it starts a word
# with; wards matching nothing are grown into from neighbouring LSOAs (see assign_beats).
SEEDS = {
    "NH19": ("Winstanley", "Millfield", "Ravenhurst"),  # Thorpe Astley and Braunstone Town
    "NH20": ("Enderby", "Narborough"),
    "NH21": ("Blaby", "Whetstone", "Cosby", "Saxondale", "Normanton"),
    "NH22": ("Forest", "Muxloe", "Ellis", "Fairestone", "Pastures"),  # LFE, Kirby Muxloe, Glenfield
    "NH23": ("Countesthorpe",),
    "NH24": ("Stanton", "Croft Hill"),  # Fosse Villages
    "NL56": ("Forest Bradgate",),  # Charnwood West
    "NL57": ("Mountsorrel", "Quorn", "Rothley"),
    "NL58": ("Anstey",),
    "NL59": ("Sileby", "Barrow", "The Wolds"),  # Charnwood North
    "NL60": ("Birstall",),
    "NL61": ("Syston", "Thurmaston", "Queniborough", "East Goscote", "Wreake"),  # Charnwood East
    "NL62": ("Loughborough Storer", "Loughborough Ashby", "Loughborough Southfields"),
    "NL63": ("Loughborough Shelthorpe", "Loughborough Outwoods", "Loughborough Nanpantan"),
    "NL64": ("Shepshed", "Loughborough Garendon", "Loughborough Dishley"),
    "NL65": ("Loughborough Hastings", "Loughborough Lemyngton"),
    "NA39": ("Broughton Astley", "Dunton"),
    "NA40": ("Lutterworth", "Misterton"),
    "NA41": ("Thurnby", "Billesdon", "Kibworth", "Fleckney", "Glen"),  # Harborough North
    "NA42": ("Market Harborough", "Lubenham"),
    "NA53": ("South Wigston",),
    "NA54": ("Wigston",),
    "NA55": ("Oadby",),
    "NH25": ("Hinckley Castle", "Hinckley Trinity"),  # Hinckley Town Centre
    "NH26": ("Hinckley De Montfort", "Hinckley Clarendon", "Ambien"),  # Greater Hinckley
    "NH27": ("Earl Shilton", "Barwell"),
    "NH28": ("Burbage",),
    "NH29": ("Market Bosworth", "Ratby", "Groby", "Markfield", "Newbold Verdon"),
    "NR30": ("Gaddesby", "Somerby", "Frisby"),  # Melton Rural South
    "NR31": ("Melton Egerton",),  # Melton Town Centre
    "NR32": ("Melton Sysonby", "Melton Newport", "Melton Craven"),
    "NR33": ("Melton Dorian", "Melton Warwick"),
    "NR34": ("Long Clawson", "Bottesford", "Old Dalby", "Waltham", "Croxton"),
    "NN43": ("Castle Donington", "Kegworth", "Long Whatton", "Worthington"),  # Valley
    "NN44": ("Coalville", "Snibston", "Broom Leys", "Greenhill"),
    "NN45": ("Bardon", "Ellistown", "Hugglescote", "Ibstock"),
    "NN46": ("Ashby", "Measham", "Blackfordby", "Oakthorpe", "Appleby"),
    "NN47": ("Thringstone", "Castle Rock", "Holly Hayes", "Hermitage"),  # Forest (Whitwick)
    "NR35": ("Oakham",),
    "NR36": ("Cottesmore", "Greetham", "Ryhall", "Exton", "Whissendine"),  # Rutland North
    "NR37": ("Ketton", "Lyddington", "Normanton"),  # Rutland South
    "NR38": ("Uppingham",),
}


def read_lookup(shared: Path) -> pd.DataFrame:
    """Board LSOAs of the ONS 2011 lookup: LSOA11CD, LSOA11NM, WD19NM, LAD19CD."""
    lookup = pd.read_csv(shared / LOOKUP, dtype=str)
    return lookup[lookup["LAD19CD"].isin(geo.DISTRICTS)].sort_values("LSOA11CD")


def read_lsoa_shapes(shared: Path) -> dict[str, shapely.Geometry]:
    """2011 LSOA polygons of the eight districts, full detail, by LSOA code."""
    shapes = {}
    for district in sorted(geo.DISTRICTS):
        collection = json.loads((shared / "boundaries/lsoa2011" / f"{district}.json")
                                .read_text(encoding="utf-8"))
        for feature in collection["features"]:
            shapes[feature["properties"]["LSOA11CD"]] = shape(feature["geometry"])
    return shapes


def seed_beat(ward: str, district: str) -> str | None:
    """The beat whose longest seed phrase starts a word of the ward name, or None."""
    matches = [(len(phrase), beat) for beat in geo.beat_codes(district)
               for phrase in SEEDS[beat] if re.search(rf"\b{re.escape(phrase)}", ward, re.I)]
    return max(matches)[1] if matches else None


def _distance(a: shapely.Point, b: shapely.Point) -> float:
    return math.hypot((a.x - b.x) * KM_PER_DEGREE_LON, a.y - b.y)


def _grow(codes: list[str], beat_of: dict, centres: dict, shapes: dict) -> None:
    """Give unassigned LSOAs, one at a time, to the touching beat whose seed centre is nearest."""
    touching = {c: {o for o in codes if o != c and shapes[c].distance(shapes[o]) < 1e-6}
                for c in codes}
    while any(beat_of[c] is None for c in codes):
        options = []
        for code in (c for c in codes if beat_of[c] is None):
            beats = {beat_of[o] for o in touching[code]} - {None} or set(centres)
            point = shapes[code].centroid
            options += [(_distance(point, centres[b]), code, b) for b in beats]
        _, code, beat = min(options)
        beat_of[code] = beat


def _ensure_every_beat(codes: list[str], district: str, beat_of: dict, shapes: dict) -> None:
    """A beat with no seed takes the unseeded LSOA farthest from the other beats' seeds."""
    for beat in geo.beat_codes(district):
        if beat in beat_of.values():
            continue
        centres = _centres(beat_of, shapes)
        spare = [c for c in codes if beat_of[c] is None] or codes
        far = max(spare, key=lambda c: (min((_distance(shapes[c].centroid, p)
                                              for p in centres.values()), default=0), c))
        beat_of[far] = beat


def _centres(beat_of: dict, shapes: dict) -> dict[str, shapely.Point]:
    """Centroid of each beat's LSOAs so far."""
    beats = sorted({b for b in beat_of.values() if b})
    return {b: shapely.unary_union([shapes[c] for c, x in beat_of.items() if x == b]).centroid
            for b in beats}


def assign_beats(lookup: pd.DataFrame, shapes: dict) -> dict[str, str]:
    """APPROXIMATE beat of every board 2011 LSOA: ward-name seeds, then growth by adjacency."""
    assigned = {}
    for district, rows in lookup.groupby("LAD19CD"):
        codes = sorted(rows["LSOA11CD"])
        beat_of = {c: seed_beat(w, district) for c, w in zip(rows["LSOA11CD"], rows["WD19NM"])}
        _ensure_every_beat(codes, district, beat_of, shapes)
        _grow(codes, beat_of, _centres(beat_of, shapes), shapes)
        assigned.update(beat_of)
    return assigned


def read_newer_lsoas(shared: Path, lookup_codes: set[str]) -> pd.DataFrame:
    """2021 LSOAs of the street files in no 2011 lookup, in a board district by name prefix.

    Columns: area_code, area_name, district_code, longitude, latitude (one row per incident
    with a point).
    """
    frames = [pd.read_csv(path, dtype=str, keep_default_na=False,
                          usecols=["LSOA code", "LSOA name", "Longitude", "Latitude"])
              for path in sorted((shared / "police_uk/street").glob("*.csv"))]
    rows = pd.concat(frames, ignore_index=True)
    prefix = rows["LSOA name"].str.replace(r"\s+\w+$", "", regex=True)
    district = prefix.map({name: code for code, name in geo.DISTRICTS.items()})
    newer = district.notna() & ~rows["LSOA code"].isin(lookup_codes) & rows["LSOA code"].ne("")
    return pd.DataFrame({"area_code": rows["LSOA code"], "area_name": rows["LSOA name"],
                         "district_code": district,
                         "longitude": pd.to_numeric(rows["Longitude"], errors="coerce"),
                         "latitude": pd.to_numeric(rows["Latitude"], errors="coerce")})[newer]


def place_newer_lsoas(incidents: pd.DataFrame, lookup: pd.DataFrame, shapes: dict,
                      beats: dict) -> pd.DataFrame:
    """One row per newer LSOA: its commonest name, its district, and the beat of the 2011 LSOA
    (of the same district) most of its incidents fall in. Columns as the 'areas' table."""
    district_of = dict(zip(lookup["LSOA11CD"], lookup["LAD19CD"]))
    codes = sorted(shapes)
    tree = shapely.STRtree([shapes[c] for c in codes])
    located = incidents.dropna(subset=["longitude", "latitude"])
    points = shapely.points(located["longitude"].to_numpy(), located["latitude"].to_numpy())
    point_at, shape_at = tree.query(points, predicate="within")
    hits = pd.DataFrame({"area_code": located["area_code"].to_numpy()[point_at],
                         "district_code": located["district_code"].to_numpy()[point_at],
                         "lsoa11": [codes[i] for i in shape_at]})
    hits = hits[hits["lsoa11"].map(district_of) == hits["district_code"]]
    majority = (hits.groupby(["area_code", "lsoa11"]).size().reset_index(name="n")
                .sort_values(["area_code", "n", "lsoa11"], ascending=[True, False, True])
                .drop_duplicates("area_code").set_index("area_code")["lsoa11"])
    names = (incidents.groupby(["area_code", "area_name", "district_code"]).size()
             .reset_index(name="n").sort_values(["area_code", "n", "area_name"],
                                                ascending=[True, False, True])
             .drop_duplicates("area_code"))
    return pd.DataFrame({"area_type": "lsoa", "area_code": names["area_code"],
                         "area_name": names["area_name"],
                         "beat_code": names["area_code"].map(majority).map(beats),
                         "district_code": names["district_code"], "lsoa_year": 2021})


def read_beat_names(shared: Path) -> dict[str, str]:
    """police.uk neighbourhood names of the board's beats, by code."""
    listed = json.loads((shared / NEIGHBOURHOODS).read_text(encoding="utf-8"))
    return {n["id"]: n["name"] for n in listed if geo.district_of_beat(n["id"])}


def areas_table(lookup, beats, newer, beat_names) -> pd.DataFrame:
    """The 'areas' table: LSOAs (2011 then 2021), beats, districts, county, board, region,
    England."""
    lsoas = pd.DataFrame({"area_type": "lsoa", "area_code": lookup["LSOA11CD"],
                          "area_name": lookup["LSOA11NM"],
                          "beat_code": lookup["LSOA11CD"].map(beats),
                          "district_code": lookup["LAD19CD"], "lsoa_year": 2011})
    beat_rows = pd.DataFrame([{"area_type": "beat", "area_code": code, "area_name": name,
                               "district_code": geo.district_of_beat(code)}
                              for code, name in sorted(beat_names.items())])
    others = [(geo.area_type_of(c), c) for c in
              (*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE, geo.REGION_CODE,
               geo.ENGLAND_CODE)]
    other_rows = pd.DataFrame([{"area_type": t, "area_code": c, "area_name": geo.area_name(c)}
                               for t, c in others])
    frame = pd.concat([lsoas, newer, beat_rows, other_rows], ignore_index=True)
    frame["lsoa_year"] = frame["lsoa_year"].astype("Int64")
    return frame[REFERENCE_COLUMNS["areas"]]


def _rounded(value):
    if isinstance(value, float):
        return round(value, DIGITS)
    return [_rounded(v) for v in value]


def compact_geometry(geometry: shapely.Geometry) -> dict:
    """A simplified GeoJSON geometry with coordinates rounded to DIGITS decimals."""
    simple = geometry.simplify(TOLERANCE, preserve_topology=True)
    # Snapping to the grid keeps the shape valid; rounding then only drops float noise.
    found = mapping(shapely.set_precision(simple, 10 ** -DIGITS))
    return {"type": found["type"], "coordinates": _rounded(json.loads(json.dumps(
        found["coordinates"])))}


def merge(parts: list[shapely.Geometry]) -> shapely.Geometry:
    """The union of neighbouring LSOAs without the slivers their imperfect edges leave."""
    merged = shapely.unary_union([p.buffer(SLIVER) for p in parts]).buffer(-SLIVER)
    polygons = getattr(merged, "geoms", [merged])
    kept = [shapely.Polygon(p.exterior, [r for r in p.interiors
                                         if shapely.Polygon(r).area > SLIVER_AREA])
            for p in polygons]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


def write_features(path: Path, features: list[dict]) -> None:
    """A FeatureCollection, one feature per line so a rebuild diffs readably."""
    lines = [json.dumps({"type": "Feature", "properties": props, "geometry": geometry},
                        separators=(",", ":")) for props, geometry in features]
    path.write_text('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines)
                    + "\n]}\n", encoding="utf-8")


def district_features(shared: Path) -> list:
    """The eight districts from the ONS TopoJSON, read with the upload reader."""
    path = shared / DISTRICT_TOPOJSON
    parsed = parse_reference(path.name, path.read_bytes(), "build")
    assert parsed.ok, parsed.problems
    rows = parsed.reference["boundaries"].sort_values("area_code")
    return [({"area_type": "district", "area_code": r.area_code, "area_name": r.area_name},
             compact_geometry(shape(json.loads(r.geojson)))) for r in rows.itertuples()]


def population_table(shared: Path) -> pd.DataFrame:
    """Mid-2022 population of the districts, county, board, region and England."""
    path = shared / POPULATION
    parsed = parse_reference(path.name, path.read_bytes(), "build", {"population_year": 2022})
    assert parsed.ok, parsed.problems
    frame = parsed.reference["population"].sort_values(["area_type", "area_code"])
    return frame.assign(population=frame["population"].round().astype("int64"))


def build(out_dir: Path = OUT, shared: Path = SHARED) -> dict[str, int]:
    """Write every reference file into ``out_dir``; returns the LSOA count per beat."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lookup, shapes = read_lookup(shared), read_lsoa_shapes(shared)
    beats = assign_beats(lookup, shapes)
    everything = set(pd.read_csv(shared / LOOKUP, dtype=str)["LSOA11CD"])
    newer = place_newer_lsoas(read_newer_lsoas(shared, everything), lookup, shapes, beats)
    areas = areas_table(lookup, beats, newer, read_beat_names(shared))
    areas.to_csv(out_dir / "areas.csv", index=False, lineterminator="\n")
    population_table(shared).to_csv(out_dir / "population.csv", index=False,
                                     lineterminator="\n")
    write_features(out_dir / "districts.geojson", district_features(shared))
    write_features(out_dir / "lsoa.geojson", [
        ({"area_type": "lsoa", "area_code": r.LSOA11CD, "area_name": r.LSOA11NM,
          "district_code": r.LAD19CD}, compact_geometry(shapes[r.LSOA11CD]))
        for r in lookup.itertuples()])
    beat_rows = areas[areas["area_type"] == "beat"]
    write_features(out_dir / "beats.geojson", [
        ({"area_type": "beat", "area_code": r.area_code, "area_name": r.area_name,
          "district_code": r.district_code},
         compact_geometry(merge([shapes[c] for c, b in beats.items()
                                               if b == r.area_code])))
        for r in beat_rows.itertuples()])
    per_beat = {b: sum(1 for x in beats.values() if x == b) for b in beat_rows["area_code"]}
    (out_dir / "README.md").write_text(readme(per_beat, newer), encoding="utf-8")
    return per_beat


def readme(per_beat: dict[str, int], newer: pd.DataFrame) -> str:
    """The folder's README: provenance, attribution, the beat method and its counts."""
    counts = "\n".join(f"| {b} | {geo.area_name(geo.district_of_beat(b))} | {n} |"
                       for b, n in per_beat.items())
    return README.format(counts=counts, newer=len(newer), lsoas=sum(per_beat.values()),
                         beats=len(per_beat))


README = """# Reference data bundled with the dashboard

Generated by `sample_data/build_reference.py` from the real public files in `../shared/data`
(see its `PROVENANCE.md`); do not edit by hand: run
`.venv/bin/python sample_data/build_reference.py` and commit the result. A test checks these
files equal a fresh build. The app loads them through the same reader as an officer's upload
(`data_loaders/reference.py`).

- `areas.csv` (the "areas" table): {lsoas} board LSOAs (2011), {newer} newer 2021 LSOAs seen
  in the 2023 police.uk files, the {beats} police beats, 8 districts, Leicestershire county,
  the board area (LRSCSB), East Midlands and England. From the ONS LSOA 2011 to ward 2019
  lookup, the police.uk neighbourhoods list and police.uk street-level crime 2023.
- `population.csv` (the "population" table): mid-2022 population of the districts, county,
  region and England, and the board area as the sum of the eight districts; beats have none.
  ONS mid-2022 estimates as copied by jnebe/travel_data.
- `districts.geojson`: the 8 districts, from the ONS TopoJSON geogLA2022EW (ultra-generalised,
  ONSvisual/topojson_boundaries).
- `lsoa.geojson`: the {lsoas} 2011 LSOAs, from martinjc/UK-GeoJSON.
- `beats.geojson`: APPROXIMATE beats, each the union of its LSOAs (see below).

Geometries are simplified (shapely `simplify`, preserve_topology, tolerance 0.0003 degrees,
about 20-30 m) and coordinates rounded to 5 decimals (about 1 m); lon/lat WGS84.

## Attribution and licences
- Police and ONS data: Open Government Licence v3.0. Contains public sector information
  licensed under the Open Government Licence v3.0; contains National Statistics data (c) Crown
  copyright and database right.
- LSOA boundaries: CC-BY-4.0, a conversion of ONS/OS boundaries by Martin Chorley,
  github.com/martinjc/UK-GeoJSON; contains OS data (c) Crown copyright 2014.

## The beats are approximate
Real police beat (neighbourhood) boundaries are not available here, so every 2011 LSOA was
assigned to one of its district's real police.uk neighbourhood codes
(`geography.beat_codes`), and a beat's shape is the union of its LSOAs. Beat figures are
therefore indicative: replace them by uploading a real LSOA -> beat lookup or police.uk
neighbourhood boundaries when they are available.

Method (deterministic, no randomness):
1. Seed: an LSOA whose 2019 ward name (WD19NM in the ONS lookup) starts a word with one of a
   beat's seed phrases goes to that beat, the longest phrase winning (so "South Wigston" beats
   "Wigston"). Seeds are the words of the neighbourhood's name found in ward names (Oakham,
   Lutterworth, Burbage, Anstey, Birstall, ...) plus wards known to lie in it (`SEEDS` in the
   script). LSOA names carry only the district's name, so they cannot seed.
2. Every beat must have at least one LSOA: a beat with no seed would take the unseeded LSOA
   farthest from the other beats' seeds (none needed this with the current seeds).
3. Grow: repeatedly, of all unassigned LSOAs that touch an assigned one, the one closest to
   the centroid of a touching beat's seeds joins that beat; so beats stay contiguous around
   their seeds.

The {newer} newer 2021 LSOA codes take their district from the LSOA name's prefix
("Charnwood 009G" -> Charnwood) and their beat from where their 2023 incidents fall: the beat
of the 2011 LSOA (of the same district) that most of their points are in.

LSOAs (2011) per beat:

| beat | district | LSOAs |
|---|---|---|
{counts}
"""


if __name__ == "__main__":
    for beat, count in build().items():
        print(beat, count)
    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size:,} bytes")
