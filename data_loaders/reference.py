"""Reference uploads, recognised from their content: ONS population estimates, LSOA lookups
(ONS LSOA -> district, LSOA -> police beat, or our own areas table) and boundaries (GeoJSON,
TopoJSON, KML, or the police.uk API's list of points), read into the store's reference
tables and kept to the board's area."""
from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import date

import pandas as pd

from . import geography as geo
from .model import REFERENCE_COLUMNS, ParsedFile
from .problems import Problem, UploadRefused, column_letter, error, warning
from .readers import RawSheet, decode_text, read_sheets
from .safety import check_xml_text

KEEP_POPULATION = (*geo.DISTRICTS, geo.COUNTY_CODE, geo.REGION_CODE, geo.ENGLAND_CODE,
                   geo.BOARD_CODE)
BEAT_RE = re.compile(r"[A-Z]{2}\d{2}")
GSS_RE = re.compile(r"[EWSNK]\d{8}")
# Longitude and latitude that can be in the United Kingdom (with a margin for the sea).
UK_LON, UK_LAT = (-9.0, 2.5), (49.0, 61.0)
MAX_LISTED = 10  # problems of one sort listed one by one before they are summed up

# Header names, squashed to lower-case letters and digits, that mark each table.
_CODE_NAMES = re.compile(r"(area)?code|areacd|geographycode|lad\d\dcd|ladcode|ctyua\d\dcd")
_POPULATION_NAMES = re.compile(r"population|allages|allpersons|populationestimate|mid\d{4}")
_LSOA_NAMES = re.compile(r"lsoa(\d\d)?(cd|code)|lsoa")
_LAD_NAMES = re.compile(r"lad\d\dcd|ladcode|districtcode")
_BEAT_NAMES = re.compile(r"(neighbourhood|beat|npa|snt)(code|id|cd)?")


def _squash(name) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower()) if name is not None else ""


def _table_kind(header: list[str]) -> str | None:
    """The reference kind a header row (squashed names) announces, if any."""
    names = set(header)
    if {"areatype", "areacode"} <= names:
        return "population" if "population" in names else "lsoa_lookup"
    if any(_LSOA_NAMES.fullmatch(n) for n in names) and any(
            _LAD_NAMES.fullmatch(n) or _BEAT_NAMES.fullmatch(n) for n in names):
        return "lsoa_lookup"
    if any(_CODE_NAMES.fullmatch(n) for n in names) and any(
            _POPULATION_NAMES.fullmatch(n) for n in names):
        return "population"
    return None


def _structured_kind(data: bytes) -> str | None:
    """'boundaries' for KML, GeoJSON, TopoJSON or a police.uk point list, else None."""
    head = decode_text(data[:4096])[0].lstrip()
    if head.startswith("<"):
        return "boundaries" if re.search(r"<(\w+:)?kml[\s>]", head) else None
    if not head.startswith(("{", "[")):
        return None
    try:
        obj = json.loads(decode_text(data)[0])
    except ValueError:
        return None
    if isinstance(obj, dict) and obj.get("type") in ("FeatureCollection", "Feature",
                                                      "Topology"):
        return "boundaries"
    if isinstance(obj, list) and obj and all(
            isinstance(p, dict) and {"latitude", "longitude"} <= set(p) for p in obj):
        return "boundaries"
    return None


def _find_table(file_name: str, data: bytes, sheets: list[RawSheet] | None = None
                ) -> tuple[RawSheet, int, str] | None:
    """(sheet, header row index, kind) of the first sheet with a reference header.
    ``sheets`` are the file's sheets when the caller has read them already."""
    if sheets is None:
        try:
            sheets = read_sheets(file_name, data)
        except UploadRefused:
            return None
    for sheet in sheets:
        for index in range(min(len(sheet.cells), 20)):
            kind = _table_kind([_squash(v) for v in sheet.cells.iloc[index]])
            if kind:
                return sheet, index, kind
    return None


def is_structured(data: bytes) -> bool:
    """True for boundaries read from their structure (KML, GeoJSON, TopoJSON, police.uk
    points) rather than from a table's sheets."""
    return _structured_kind(data) is not None


def recognise_reference(file_name: str, data: bytes, sheets: list[RawSheet] | None = None
                        ) -> str | None:
    """'population', 'lsoa_lookup' or 'boundaries' decided from the bytes, or None.
    ``sheets`` saves reading a workbook again when the caller has read it."""
    if not data:
        return None
    kind = _structured_kind(data)
    if kind:
        return kind
    if data.lstrip()[:1] in (b"{", b"[", b"<"):
        return None
    found = _find_table(file_name, data, sheets)
    return found[2] if found else None


def parse_reference(file_name: str, data: bytes, sha256: str, answers: dict | None = None,
                    sheets: list[RawSheet] | None = None) -> ParsedFile:
    """Read a reference file into ParsedFile.reference (tables as in REFERENCE_COLUMNS).
    ``sheets`` are the file's sheets when the caller has read them already."""
    answers = answers or {}
    kind = recognise_reference(file_name, data, sheets)
    parsed = ParsedFile(file_name, sha256, kind or "unknown")
    if kind is None:
        parsed.problems.append(error(
            "this is not a reference file the dashboard reads: population needs an area code "
            "and a population column, a lookup needs LSOA codes with district or beat codes, "
            "and boundaries must be GeoJSON, TopoJSON, KML or police.uk boundary JSON",
            file=file_name))
        return parsed
    if kind == "boundaries":
        _parse_boundaries(parsed, data, answers)
        return parsed
    sheet, header_index, _ = _find_table(file_name, data, sheets)
    table = _Table(sheet, header_index)
    if kind == "population":
        _parse_population(parsed, table, answers)
    else:
        _parse_lookup(parsed, table, answers)
    return parsed


# --- tables -----------------------------------------------------------------------------

class _Table:
    """The rows under a header row, with Excel row numbers and column labels for problems."""

    def __init__(self, sheet: RawSheet, header_index: int):
        self.sheet = sheet
        self.header = [str(v).strip() if v is not None else "" for v in
                       sheet.cells.iloc[header_index]]
        self.squashed = [_squash(v) for v in self.header]
        self.rows = sheet.cells.iloc[header_index + 1:]
        self.rows = self.rows[self.rows.notna().any(axis=1)]

    def find(self, pattern: re.Pattern) -> int | None:
        """Position of the first column whose squashed name matches ``pattern``."""
        return next((j for j, n in enumerate(self.squashed) if pattern.fullmatch(n)), None)

    def values(self, position: int) -> pd.Series:
        """One column as stripped strings ('' for empty), indexed like ``rows``."""
        column = self.rows[position]
        return column.map(lambda v: "" if v is None else _cell_text(v))

    def where(self, index, position: int | None = None) -> dict:
        """file, sheet, row and column of a cell, as a Problem takes them."""
        where = {"file": self.sheet.file_name, "sheet": self.sheet.sheet,
                 "row": self.sheet.excel_row(int(index))}
        if position is not None:
            where["column"] = (self.header[position] or column_letter(position)
                               if self.sheet.sheet is None else column_letter(position))
        return where


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _question(message: str, key: str, choices, **where) -> Problem:
    return Problem("question", message, key=key, choices=tuple(choices), **where)


def _number(text: str) -> float | None:
    """A count written with or without thousands separators, or None."""
    try:
        value = float(text.replace(",", "").replace(" ", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _plausible_years(file_name: str) -> list[str]:
    named = re.findall(r"(?<!\d)(20\d\d)(?!\d)", file_name)
    recent = [str(y) for y in range(date.today().year - 1, date.today().year - 7, -1)]
    return list(dict.fromkeys(named + recent))


def _population_year(parsed: ParsedFile, table: _Table, answers: dict) -> pd.Series | None:
    """The year of each row: a year column, else the officer's answer, else a question."""
    position = table.find(re.compile(r"year|date|period|mid\d{4}year"))
    if position is not None:
        found = table.values(position).str.extract(r"((?:19|20)\d\d)")[0]
        if found.notna().all():
            return found.astype(int)
        bad = found.index[found.isna()][0]
        parsed.problems.append(error("the year is missing or not a year such as 2022",
                                     **table.where(bad, position)))
        return None
    named = re.search(r"mid(\d{4})", "".join(table.squashed))
    answer = answers.get("population_year") or (named.group(1) if named else None)
    if answer and re.fullmatch(r"\d{4}", str(answer)):
        return pd.Series(int(answer), index=table.rows.index)
    parsed.problems.append(_question(
        "which year are these population figures for? The file has no year column (ONS "
        "estimates are for mid-year, e.g. mid-2022)", "population_year",
        _plausible_years(parsed.file_name), file=parsed.file_name))
    return None


def _parse_population(parsed: ParsedFile, table: _Table, answers: dict) -> None:
    """Population of the board's districts, county, region and England, plus the board."""
    parsed.kind = "population"
    code_at = table.find(re.compile(r"areacode"))
    code_at = table.find(_CODE_NAMES) if code_at is None else code_at
    count_at = table.find(_POPULATION_NAMES)
    years = _population_year(parsed, table, answers)
    if years is None:
        return
    codes = table.values(code_at).str.upper()
    keep = codes.isin(KEEP_POPULATION)
    counts = table.values(count_at)[keep].map(_number)
    for index in counts.index[counts.isna() | (counts < 0)][:MAX_LISTED]:
        parsed.problems.append(error(
            f"the population of {codes[index]} is not a number: "
            f"'{table.values(count_at)[index]}'", **table.where(index, count_at)))
    if parsed.errors:
        return
    frame = pd.DataFrame({"area_code": codes[keep], "year": years[keep],
                          "population": counts.astype(float)})
    frame["area_type"] = frame["area_code"].map(geo.area_type_of)
    frame = frame.drop_duplicates(["area_code", "year", "population"])
    clash = frame.duplicated(["area_code", "year"], keep=False)
    if clash.any():
        code = frame.loc[clash, "area_code"].iloc[0]
        parsed.problems.append(error(f"{code} has two different populations for the same year; "
                                     "keep one row per area and year", file=parsed.file_name))
        return
    frame = _add_board(parsed, frame)
    parsed.reference["population"] = frame[REFERENCE_COLUMNS["population"]].reset_index(
        drop=True)
    parsed.notes.append(f"{len(frame):,} population figures kept for "
                        f"{frame['area_code'].nunique()} areas "
                        f"({', '.join(map(str, sorted(frame['year'].unique())))})"
                        + (f"; {(~keep).sum():,} rows for other areas left out"
                           if (~keep).any() else ""))


def _add_board(parsed: ParsedFile, frame: pd.DataFrame) -> pd.DataFrame:
    """The board area as the sum of its eight districts, for each year that has all eight."""
    added = []
    for year, rows in frame.groupby("year"):
        if geo.BOARD_CODE in set(rows["area_code"]):
            continue
        districts = rows[rows["area_code"].isin(geo.DISTRICTS)]
        missing = sorted(set(geo.DISTRICTS) - set(districts["area_code"]))
        if missing:
            parsed.problems.append(warning(
                f"{year}: no board total, because the file has no figure for "
                f"{', '.join(geo.area_name(c) for c in missing)}", file=parsed.file_name))
            continue
        total = districts["population"].sum()
        added.append({"area_type": "board", "area_code": geo.BOARD_CODE, "year": year,
                      "population": total})
        parsed.notes.append(f"{year}: board area population {total:,.0f} added as the sum of "
                            "the eight districts")
    return pd.concat([frame, pd.DataFrame(added)], ignore_index=True) if added else frame


def _lsoa_year(parsed: ParsedFile, column_name: str, answers: dict) -> int | None:
    """2011 or 2021 from the LSOA column's name, the officer's answer, or a question."""
    found = re.search(r"(?:20)?(11|21)", column_name)
    answer = found.group(1) if found else str(answers.get("lsoa_year", ""))[-2:]
    if answer in ("11", "21"):
        return 2000 + int(answer)
    parsed.problems.append(_question(
        f"are the LSOA codes in column '{column_name}' 2011 or 2021 LSOAs?", "lsoa_year",
        ("2011", "2021"), file=parsed.file_name))
    return None


def _parse_lookup(parsed: ParsedFile, table: _Table, answers: dict) -> None:
    """An ONS LSOA lookup, an LSOA -> beat lookup or our own areas table, as 'areas' rows."""
    parsed.kind = "lsoa_lookup"
    if {"areatype", "areacode"} <= set(table.squashed):
        _parse_areas_table(parsed, table)
        return
    lsoa_at = table.find(_LSOA_NAMES)
    year = _lsoa_year(parsed, table.header[lsoa_at], answers)
    if year is None:
        return
    name_at = table.find(re.compile(r"lsoa(\d\d)?(nm|name)"))
    lad_at, beat_at = table.find(_LAD_NAMES), table.find(_BEAT_NAMES)
    codes = table.values(lsoa_at).str.upper()
    beats = table.values(beat_at).str.upper() if beat_at is not None else None
    if lad_at is not None:
        districts = table.values(lad_at).str.upper()
    else:
        districts = beats.map(lambda b: geo.district_of_beat(b) or "")
    frame = pd.DataFrame({"area_type": "lsoa", "area_code": codes,
                          "area_name": table.values(name_at) if name_at is not None else codes,
                          "beat_code": beats if beats is not None else None,
                          "district_code": districts, "lsoa_year": year})
    _check_lsoa_rows(parsed, table, frame, lsoa_at, beat_at)
    if parsed.errors:
        return
    frame = _keep_board_lsoas(parsed, frame, table, lad_at)
    if beats is None:
        parsed.notes.append("this lookup has no police beats: its LSOAs count toward their "
                            "district but no beat until a beat lookup is loaded")
    _store_areas(parsed, frame)


def _check_lsoa_rows(parsed, table, frame, lsoa_at, beat_at) -> None:
    """Errors for LSOA codes that are not codes and beats outside their LSOA's district."""
    bad = frame.index[~frame["area_code"].str.fullmatch(r"[EW]01\d{6}")]
    for index in bad[:MAX_LISTED]:
        parsed.problems.append(error(
            f"'{frame.at[index, 'area_code']}' is not an LSOA code (E01 and six digits)",
            **table.where(index, lsoa_at)))
    if beat_at is None:
        return
    board = frame["district_code"].isin(geo.DISTRICTS) & frame["beat_code"].ne("")
    wrong = frame.index[board & (frame["beat_code"].map(lambda b: geo.district_of_beat(b))
                                 != frame["district_code"])]
    for index in wrong[:MAX_LISTED]:
        district = frame.at[index, "district_code"]
        first, last = geo.beat_codes(district)[0], geo.beat_codes(district)[-1]
        parsed.problems.append(error(
            f"beat {frame.at[index, 'beat_code']} is not one of "
            f"{geo.area_name(district)}'s beats ({first}-{last}); correct the beat code",
            **table.where(index, beat_at)))


def _keep_board_lsoas(parsed, frame, table, lad_at) -> pd.DataFrame:
    """Only the LSOAs of the board's eight districts, with a note of what was left out."""
    keep = frame["district_code"].isin(geo.DISTRICTS)
    if (~keep).any():
        left = frame.loc[~keep, "district_code"].replace("", "no board district")
        named = ", ".join(f"{geo.area_name(c)} {n}" for c, n in left.value_counts().items())
        parsed.notes.append(f"{(~keep).sum():,} LSOAs outside the board's districts left out "
                            f"({named})")
    return frame[keep]


def _parse_areas_table(parsed: ParsedFile, table: _Table) -> None:
    """Our own areas table (REFERENCE_COLUMNS['areas']), checked and kept to the board."""
    columns = {name: table.squashed.index(_squash(name)) for name in REFERENCE_COLUMNS["areas"]
               if _squash(name) in table.squashed}
    frame = pd.DataFrame({name: table.values(at) for name, at in columns.items()})
    for name in REFERENCE_COLUMNS["areas"]:
        if name not in frame:
            frame[name] = ""
    frame["area_type"] = frame["area_type"].str.lower()
    frame["area_name"] = frame["area_name"].where(frame["area_name"] != "", frame["area_code"])
    for index in frame.index[~frame["area_type"].isin(geo.AREA_TYPES)][:MAX_LISTED]:
        parsed.problems.append(error(
            f"'{frame.at[index, 'area_type']}' is not an area type; use one of "
            f"{', '.join(geo.AREA_TYPES)}", **table.where(index, columns["area_type"])))
    for index in frame.index[frame["area_code"] == ""][:MAX_LISTED]:
        parsed.problems.append(error("the area code is empty",
                                     **table.where(index, columns["area_code"])))
    lsoas = frame[frame["area_type"] == "lsoa"]
    _check_lsoa_rows(parsed, table, lsoas, columns["area_code"], columns.get("beat_code"))
    if parsed.errors:
        return
    outside = (frame["area_type"] == "lsoa") & ~frame["district_code"].isin(geo.DISTRICTS)
    if outside.any():
        parsed.notes.append(f"{outside.sum():,} LSOAs outside the board's districts left out")
    _store_areas(parsed, frame[~outside])


def _store_areas(parsed: ParsedFile, frame: pd.DataFrame) -> None:
    frame = frame.copy()
    for column in ("beat_code", "district_code"):
        frame[column] = frame[column].where(frame[column].fillna("") != "", None)
    frame["lsoa_year"] = pd.to_numeric(frame["lsoa_year"], errors="coerce").astype("Int64")
    frame = frame.drop_duplicates(["area_type", "area_code"])
    parsed.reference["areas"] = frame[REFERENCE_COLUMNS["areas"]].reset_index(drop=True)
    counts = frame["area_type"].value_counts()
    described = ", ".join(f"{counts[t]:,} {t}" for t in geo.AREA_TYPES if t in counts)
    parsed.notes.insert(0, f"{len(frame):,} areas read: {described}")


# --- boundaries -------------------------------------------------------------------------

def _parse_boundaries(parsed: ParsedFile, data: bytes, answers: dict) -> None:
    """Boundaries of LSOAs, beats and districts in the board area as GeoJSON geometry text."""
    parsed.kind = "boundaries"
    text = decode_text(data)[0]
    if text.lstrip().startswith("<"):
        features = _kml_features(parsed, data, answers)
    else:
        obj = json.loads(text)
        if isinstance(obj, list):
            features = _api_features(parsed, obj, answers)
        elif obj.get("type") == "Topology":
            features = _topojson_features(parsed, obj)
        else:
            features = _geojson_features(obj)
    if parsed.errors or parsed.questions:
        return
    rows = _boundary_rows(parsed, features)
    if parsed.errors:
        return
    frame = pd.DataFrame(rows, columns=REFERENCE_COLUMNS["boundaries"])
    parsed.reference["boundaries"] = frame
    counts = frame["area_type"].value_counts()
    parsed.notes.insert(0, f"{len(frame):,} boundaries read: " + ", ".join(
        f"{counts[t]:,} {t}" for t in geo.AREA_TYPES if t in counts))


def _geojson_features(obj: dict) -> list[tuple[str, dict, dict | None]]:
    """(where, properties, geometry) of each feature of a FeatureCollection or Feature."""
    features = obj.get("features", []) if obj.get("type") == "FeatureCollection" else [obj]
    found = []
    for number, feature in enumerate(features, start=1):
        props = dict(feature.get("properties") or {})
        if feature.get("id") is not None:
            props.setdefault("id", feature["id"])
        found.append((f"feature {number}", props, feature.get("geometry")))
    return found


def _decode_arcs(topology: dict) -> list[list[list[float]]]:
    """Arc positions in lon/lat, undoing TopoJSON quantisation when there is a transform."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology.get("arcs", []):
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy, *_ in arc:
                x, y = x + dx, y + dy
                points.append([x * sx + tx, y * sy + ty])
        else:
            points = [list(p[:2]) for p in arc]
        arcs.append(points)
    return arcs


def _topo_ring(indices: list[int], arcs: list) -> list[list[float]]:
    """One ring from arc indices; a negative index ~i is arc i reversed."""
    ring = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(arc if not ring else arc[1:])
    return ring


def _topojson_features(parsed: ParsedFile, topology: dict) -> list:
    """(where, properties, geometry) of every Polygon and MultiPolygon in every object."""
    arcs = _decode_arcs(topology)
    found = []
    for name, obj in topology.get("objects", {}).items():
        geometries = obj.get("geometries", []) if obj.get("type") == "GeometryCollection" \
            else [obj]
        for number, geom in enumerate(geometries, start=1):
            where = f"object {name}, geometry {number}"
            props = dict(geom.get("properties") or {})
            if geom.get("id") is not None:
                props.setdefault("id", geom["id"])
            try:
                found.append((where, props, _topo_geometry(geom, arcs)))
            except (IndexError, KeyError, TypeError):
                parsed.problems.append(error(f"{where}: refers to an arc the file does not have; "
                                             "export the TopoJSON again", file=parsed.file_name))
    return found


def _topo_geometry(geom: dict, arcs: list) -> dict | None:
    if geom.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": [_topo_ring(r, arcs) for r in geom["arcs"]]}
    if geom.get("type") == "MultiPolygon":
        return {"type": "MultiPolygon",
                "coordinates": [[_topo_ring(r, arcs) for r in p] for p in geom["arcs"]]}
    return {"type": geom.get("type")} if geom.get("type") else None


def _code_in_file_name(file_name: str) -> str | None:
    """A board beat code named in the file name, e.g. NL62 in police_leicestershire_NL62.kml."""
    for code in re.findall(r"(?<![A-Za-z])([A-Za-z]{2}\d{2})(?!\d)", file_name):
        if BEAT_RE.fullmatch(code.upper()) and not code.isdigit():
            return code.upper()
    return None


def _beat_from_answers(parsed: ParsedFile, answers: dict, what: str) -> str | None:
    """The beat code the officer gave, or a question asking for it."""
    answer = str(answers.get("beat_code", "")).strip().upper()
    if BEAT_RE.fullmatch(answer):
        return answer
    choices = [b for d in geo.DISTRICTS for b in geo.beat_codes(d)]
    parsed.problems.append(_question(
        f"which police neighbourhood (beat) is this boundary for? {what}", "beat_code",
        choices, file=parsed.file_name))
    return None


def _api_features(parsed: ParsedFile, points: list, answers: dict) -> list:
    """The police.uk API boundary: a list of {latitude, longitude} strings, one beat."""
    code = _code_in_file_name(parsed.file_name)
    if code is None:
        code = _beat_from_answers(parsed, answers, "The file and its name do not say.")
        if code is None:
            return []
    ring = []
    for number, point in enumerate(points, start=1):
        lon, lat = _number(str(point.get("longitude"))), _number(str(point.get("latitude")))
        if lon is None or lat is None:
            parsed.problems.append(error(f"point {number} has no usable latitude and longitude",
                                         file=parsed.file_name))
            return []
        ring.append([lon, lat])
    return [("the boundary list", {"area_code": code, "area_type": "beat"},
             {"type": "Polygon", "coordinates": [ring]})]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kml_features(parsed: ParsedFile, data: bytes, answers: dict) -> list:
    """Placemark polygons of a KML file, coded from <name>, ExtendedData or the file name."""
    check_xml_text(parsed.file_name, data)  # no DTDs or entities reach the XML parser
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        parsed.problems.append(error(f"this KML file is not valid XML ({exc}); download it "
                                     "again", file=parsed.file_name))
        return []
    placemarks = [e for e in root.iter() if _local(e.tag) == "Placemark"]
    found, by_file_name = [], []
    for number, placemark in enumerate(placemarks, start=1):
        name, code = _kml_name_and_code(placemark)
        geometry = _kml_geometry(placemark)
        if geometry is None:
            continue
        where = f"Placemark {number}" + (f" ({name})" if name else "")
        if code:
            found.append((where, {"area_code": code, "area_name": name or code}, geometry))
        else:
            by_file_name.append(geometry)
    if by_file_name:
        found += _kml_by_file_name(parsed, by_file_name, answers)
    return found


def _kml_name_and_code(placemark) -> tuple[str, str | None]:
    """The Placemark's name and a code from its name or ExtendedData, if it has one."""
    name = next((e.text or "" for e in placemark if _local(e.tag) == "name"), "").strip()
    values = [name] + [(e.text or "").strip() for e in placemark.iter()
                       if _local(e.tag) in ("value", "SimpleData")]
    for value in values:
        if BEAT_RE.fullmatch(value.upper()) or GSS_RE.fullmatch(value.upper()):
            return ("" if value == name else name), value.upper()
    return name, None


def _kml_by_file_name(parsed: ParsedFile, geometries: list, answers: dict) -> list:
    """Placemarks with no code: one beat named by the file name (with a warning) or asked."""
    code = _code_in_file_name(parsed.file_name)
    if code:
        parsed.problems.append(warning(
            f"the KML does not name its neighbourhood; it was read as {code} from the file "
            "name", file=parsed.file_name))
    else:
        code = _beat_from_answers(parsed, answers, "The KML has no neighbourhood code.")
        if code is None:
            return []
    polygons = [p for g in geometries for p in (
        [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"])]
    geometry = ({"type": "Polygon", "coordinates": polygons[0]} if len(polygons) == 1
                else {"type": "MultiPolygon", "coordinates": polygons})
    return [("the KML file", {"area_code": code, "area_type": "beat"}, geometry)]


def _kml_ring(element) -> list[list[float]]:
    text = next((e.text or "" for e in element.iter() if _local(e.tag) == "coordinates"), "")
    ring = []
    for token in text.split():
        parts = token.split(",")
        ring.append([_number(parts[0]), _number(parts[1]) if len(parts) > 1 else None])
    return ring


def _kml_geometry(placemark) -> dict | None:
    """A Polygon or MultiPolygon from the Placemark's Polygon elements, or None."""
    polygons = []
    for polygon in (e for e in placemark.iter() if _local(e.tag) == "Polygon"):
        outer = [_kml_ring(e) for e in polygon if _local(e.tag) == "outerBoundaryIs"]
        inner = [_kml_ring(e) for e in polygon if _local(e.tag) == "innerBoundaryIs"]
        polygons.append(outer[:1] + inner)
    if not polygons:
        return None
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


_CODE_KEYS = [re.compile(p, re.I) for p in (
    r"area_?code", r"lsoa21cd", r"lsoa11cd", r"lad\d\dcd", r"areacd", r"(neighbourhood|beat|npa)"
    r"_?(code|id|cd)?", r"code", r"id")]
_NAME_KEYS = [re.compile(p, re.I) for p in (
    r"area_?name", r"lsoa\d\dnm", r"lad\d\dnm", r"areanm", r"name", r".*nm")]


def _pick_key(props: list[dict], patterns: list[re.Pattern], test) -> str | None:
    """The first property name, by pattern priority, whose values mostly pass ``test``."""
    keys = list(dict.fromkeys(k for p in props for k in p))
    for pattern in patterns:
        for key in keys:
            values = [str(p.get(key, "")).strip().upper() for p in props]
            if pattern.fullmatch(key) and sum(map(test, values)) >= 0.8 * len(values):
                return key
    return None


def _is_code(value: str) -> bool:
    return bool(GSS_RE.fullmatch(value) or BEAT_RE.fullmatch(value)
                or value == geo.BOARD_CODE)


def _type_of_code(code: str) -> str | None:
    """lsoa, beat, district, county, board, region or england from the code's form."""
    if re.fullmatch(r"[EW]01\d{6}", code):
        return "lsoa"
    if geo.area_type_of(code):
        return geo.area_type_of(code)
    if re.fullmatch(r"[EW]0[67]\d{6}", code):
        return "district"
    return "beat" if BEAT_RE.fullmatch(code) else None


def _in_board(area_type: str, code: str, props: dict) -> bool:
    """True for areas of the board: its LSOAs, beats and districts, county and benchmarks."""
    if area_type == "lsoa":
        district = next((str(v).upper() for k, v in props.items()
                         if re.fullmatch(r"district_code|lad\d\dcd", k, re.I) and v), None)
        return district is None or district in geo.DISTRICTS
    if area_type == "beat":
        return geo.district_of_beat(code) is not None
    return geo.area_type_of(code) == area_type


def _boundary_rows(parsed: ParsedFile, features: list) -> list[dict]:
    """Checked board rows (area_type, area_code, area_name, geojson) from the features."""
    props = [p for _, p, _ in features]
    code_key = _pick_key(props, _CODE_KEYS, _is_code)
    if code_key is None:
        parsed.problems.append(error(
            "no property of the features holds area codes (such as LSOA11CD, LAD22CD, "
            "areacd or a beat code like NL62); export the boundaries with their codes",
            file=parsed.file_name))
        return []
    name_key = _pick_key(props, _NAME_KEYS, lambda v: bool(v))
    rows, left_out, unclosed = [], [], []
    for where, prop, geometry in features:
        code = str(prop.get(code_key, "")).strip().upper()
        area_type = str(prop.get("area_type", "")).lower() or _type_of_code(code)
        if area_type not in geo.AREA_TYPES or not _in_board(area_type, code, prop):
            left_out.append(code)
            continue
        where = f"{where} ({code})"
        clean = _check_geometry(parsed, where, geometry, unclosed)
        if clean is not None:
            name = str(prop.get(name_key) or code) if name_key else code
            rows.append({"area_type": area_type, "area_code": code, "area_name": name,
                         "geojson": json.dumps(clean, separators=(",", ":"))})
    _report_boundaries(parsed, rows, left_out, unclosed)
    return rows


def _report_boundaries(parsed, rows, left_out, unclosed) -> None:
    if unclosed:
        parsed.problems.append(warning(
            f"{len(unclosed)} boundary rings did not end where they started ({unclosed[0]}"
            f"{', ...' if len(unclosed) > 1 else ''}); they were closed by joining the last "
            "point to the first", file=parsed.file_name))
    if left_out:
        named = ", ".join(sorted(set(left_out))[:5])
        parsed.notes.append(f"{len(left_out):,} boundaries outside the board area left out "
                            f"({named}{', ...' if len(set(left_out)) > 5 else ''})")
    if not rows and not parsed.errors:
        parsed.problems.append(error(
            "none of the boundaries in this file is in the board area (its eight districts, "
            "their LSOAs and beats); nothing would be stored", file=parsed.file_name))


def _check_geometry(parsed: ParsedFile, where: str, geometry: dict | None,
                    unclosed: list) -> dict | None:
    """The geometry with rings closed, or None with an error saying where it is wrong."""
    kind = (geometry or {}).get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        parsed.problems.append(error(f"{where}: the geometry is {kind or 'missing'}, not a "
                                     "polygon", file=parsed.file_name))
        return None
    polygons = geometry.get("coordinates") or []
    polygons = [polygons] if kind == "Polygon" else polygons
    cleaned = []
    for p_number, polygon in enumerate(polygons, start=1):
        rings = []
        for r_number, ring in enumerate(polygon or [], start=1):
            place = f"{where}, " + (f"polygon {p_number}, " if kind == "MultiPolygon" else "") \
                + f"ring {r_number}"
            ring = _check_ring(parsed, place, ring, unclosed)
            if ring is None:
                return None
            rings.append(ring)
        if not rings:
            parsed.problems.append(error(f"{where}: polygon {p_number} has no rings",
                                         file=parsed.file_name))
            return None
        cleaned.append(rings)
    if not cleaned:
        parsed.problems.append(error(f"{where}: the geometry has no coordinates",
                                     file=parsed.file_name))
        return None
    return ({"type": "Polygon", "coordinates": cleaned[0]} if kind == "Polygon"
            else {"type": "MultiPolygon", "coordinates": cleaned})


def _check_ring(parsed: ParsedFile, place: str, ring, unclosed: list) -> list | None:
    """One ring of [lon, lat] points, closed, or None with an error naming the point."""
    points = []
    for number, point in enumerate(ring or [], start=1):
        lon, lat = (point[0], point[1]) if isinstance(point, (list, tuple)) and len(point) >= 2 \
            else (None, None)
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (lon, lat)):
            parsed.problems.append(error(f"{place}, point {number}: not a longitude and latitude",
                                         file=parsed.file_name))
            return None
        if not (UK_LON[0] <= lon <= UK_LON[1] and UK_LAT[0] <= lat <= UK_LAT[1]):
            parsed.problems.append(error(
                f"{place}, point {number}: ({lon}, {lat}) is not a longitude and latitude in "
                "the UK; boundaries must be in WGS84 degrees (EPSG:4326), not British National "
                "Grid metres", file=parsed.file_name))
            return None
        points.append([lon, lat])
    if points and points[0] != points[-1]:
        unclosed.append(place)
        points.append(points[0])
    if len(points) < 4:
        parsed.problems.append(error(
            f"{place}: has {len(points)} points; a boundary ring needs at least 4 (three "
            "corners and the first point again)", file=parsed.file_name))
        return None
    return points
