"""police.uk street-level crime files: recognised from their header, kept to the board's
eight districts, de-duplicated, and turned into monthly counts by crime type for every LSOA,
beat, district, the county and the board area."""
from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import geography as geo
from .model import INCIDENT_COLUMNS, OBSERVATION_COLUMNS, ParsedFile
from .problems import error, warning
from .readers import decode_text

HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
          "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
REQUIRED = ["Crime ID", "Month", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name",
            "Crime type"]
CRIME_TYPES = ["Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson",
               "Drugs", "Other crime", "Other theft", "Possession of weapons", "Public order",
               "Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
               "Violence and sexual offences"]
ASB = "Anti-social behaviour"
TOTAL_ID = "police_total_excl_asb"


def indicator_id(crime_type: str) -> str:
    """The catalogue id of a police.uk crime type: 'Vehicle crime' -> 'police_vehicle_crime'."""
    return "police_" + re.sub(r"[^a-z0-9]+", "_", crime_type.lower()).strip("_")


def looks_like_police_uk(data: bytes) -> bool:
    """True when the first line is a police.uk street-level header."""
    first_line = decode_text(data[:4096])[0].splitlines()[0] if data else ""
    names = [c.strip().strip('"') for c in first_line.split(",")]
    return all(name in names for name in ("Crime ID", "Month", "Crime type", "LSOA code"))


@dataclass
class PoliceContext:
    """What the reader needs from the store's reference data."""

    lsoa_district: dict[str, str]
    lsoa_beat: dict[str, str]
    lsoa_names: dict[str, str] = field(default_factory=dict)
    beats: dict[str, list[str]] = field(default_factory=dict)  # district -> beat codes
    lsoa_shapes: list[tuple[str, str]] = field(default_factory=list)  # (code, geojson)

    @classmethod
    def from_reference(cls, areas: pd.DataFrame, boundaries: pd.DataFrame | None = None
                       ) -> "PoliceContext":
        lsoas = areas[areas["area_type"] == "lsoa"]
        beats = areas[areas["area_type"] == "beat"]
        by_district = {d: sorted(beats.loc[beats["district_code"] == d, "area_code"])
                       for d in geo.DISTRICTS}
        shapes = []
        if boundaries is not None and len(boundaries):
            rows = boundaries[boundaries["area_type"] == "lsoa"]
            shapes = list(zip(rows["area_code"], rows["geojson"]))
        return cls(
            lsoa_district=dict(zip(lsoas["area_code"], lsoas["district_code"])),
            lsoa_beat={k: v for k, v in zip(lsoas["area_code"], lsoas["beat_code"])
                       if isinstance(v, str) and v},
            lsoa_names=dict(zip(lsoas["area_code"], lsoas["area_name"])),
            beats=by_district,
            lsoa_shapes=shapes,
        )


def asb_key(frame: pd.DataFrame) -> pd.Series:
    """A key for rows with no Crime ID (ASB) that survives a re-upload of the same month.

    police.uk publishes ASB without an identifier, so the key is a hash of what the row
    says (month, point, location, LSOA, type) plus its occurrence number among identical
    rows in the month, in file order. The same month downloaded again gives the same keys.
    """
    content = (frame["Month"] + "|" + frame["Longitude"] + "|" + frame["Latitude"] + "|"
               + frame["Location"] + "|" + frame["LSOA code"] + "|" + frame["Crime type"])
    occurrence = content.groupby(content).cumcount().astype(str)
    texts = (content + "#" + occurrence).tolist()
    return pd.Series(["asb:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:32]
                      for text in texts], index=content.index, dtype="str")


def read_police_frame(file_name: str, data: bytes) -> tuple[pd.DataFrame | None, list]:
    """The rows of a police.uk file as strings, or None with the problems found."""
    text, _ = decode_text(data)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        return None, [error(f"this looks like a police.uk street-level file but has no "
                            f"{', '.join(missing)} column; download the file again from "
                            "data.police.uk without editing it", file=file_name, row=1)]
    for column in HEADER:
        if column not in frame.columns:
            frame[column] = ""
    return frame[HEADER].apply(lambda s: s.str.strip()), []


def parse_police_uk(file_name: str, data: bytes, sha256: str, context: PoliceContext
                    ) -> ParsedFile:
    """Read one police.uk street-level CSV into incidents and derived monthly counts."""
    parsed = ParsedFile(file_name, sha256, "police_uk_street")
    frame, problems = read_police_frame(file_name, data)
    parsed.problems += problems
    if frame is None:
        return parsed
    bad_month = ~frame["Month"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    if bad_month.any():
        rows = (frame.index[bad_month] + 2).tolist()
        parsed.problems.append(error(
            f"the Month is not written as YYYY-MM on {len(rows)} rows (first: row {rows[0]}, "
            f"'{frame.loc[bad_month, 'Month'].iloc[0]}'); download the file again from "
            "data.police.uk without opening it in Excel, which rewrites the months",
            file=file_name, row=rows[0], column="B"))
        return parsed
    unknown_type = ~frame["Crime type"].isin(CRIME_TYPES)
    if unknown_type.any():
        first = int(frame.index[unknown_type][0]) + 2
        parsed.problems.append(error(
            f"'{frame.loc[unknown_type, 'Crime type'].iloc[0]}' is not a police.uk crime type "
            f"({unknown_type.sum()} rows); the known types are {', '.join(CRIME_TYPES)}",
            file=file_name, row=first, column="J"))
        return parsed
    if not len(frame):
        parsed.problems.append(error("the file has a header but no rows", file=file_name))
        return parsed

    frame = _dedupe(frame, parsed)
    located = _locate(frame, context, parsed)
    parsed.incidents = located
    parsed.observations = derive_counts(located, context)
    months = sorted(located["month"].unique())
    parsed.notes[:0] = [f"{len(frame):,} incidents for {_month_span(months)}, "
                        f"{located['district_code'].notna().sum():,} in the board's districts",
                        derived_note(parsed.observations)]
    return parsed


def derived_note(observations: pd.DataFrame) -> str:
    """What the dashboard works out from a police.uk file, in the file's terms.

    >>> derived_note(pd.DataFrame({"indicator_id": ["police_burglary", TOTAL_ID] * 3,
    ...     "area_type": ["district", "district", "lsoa", "lsoa", "board", "board"],
    ...     "area_code": ["E07", "E07", "E01", "E01", "B", "B"]}))
    'the dashboard counts them for 1 district, 1 neighbourhood area (LSOA) and the board area, by 1 crime type and in all: 6 figures'
    """
    areas = observations.drop_duplicates(["area_type", "area_code"])["area_type"].value_counts()
    items = []
    for area_type, one, many in (("district", "district", "districts"), ("beat", "beat", "beats"),
                                 ("lsoa", "neighbourhood area (LSOA)",
                                  "neighbourhood areas (LSOAs)")):
        if area_type in areas:
            items.append(f"{areas[area_type]:,} {one if areas[area_type] == 1 else many}")
    items += [name for area_type, name in (("county", "the county"), ("board", "the board area"))
              if area_type in areas]
    listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    types = observations.loc[observations["indicator_id"] != TOTAL_ID, "indicator_id"].nunique()
    return (f"the dashboard counts them for {listed}, by {types} crime "
            f"type{'' if types == 1 else 's'} and in all: {len(observations):,} figures")



def _dedupe(frame: pd.DataFrame, parsed: ParsedFile) -> pd.DataFrame:
    frame = frame.copy()
    frame["incident_key"] = frame["Crime ID"].where(frame["Crime ID"] != "", asb_key(frame))
    duplicated = frame["incident_key"].duplicated()
    if duplicated.any():
        parsed.notes.append(f"{duplicated.sum():,} rows repeat a Crime ID already in the file "
                            "and were counted once")
    return frame[~duplicated]


def _locate(frame: pd.DataFrame, context: PoliceContext, parsed: ParsedFile) -> pd.DataFrame:
    """Incident rows with district and beat; rows outside the board area are left out."""
    lsoa = frame["LSOA code"]
    looked_up = lsoa.map(context.lsoa_district)
    district = looked_up.where(looked_up.isin(list(geo.DISTRICTS)))
    prefix = frame["LSOA name"].str.replace(r"\s+\w+$", "", regex=True)
    by_prefix = prefix.map({name: code for code, name in geo.DISTRICTS.items()})
    newer = looked_up.isna() & by_prefix.notna() & (lsoa != "")
    district = district.fillna(by_prefix.where(newer))
    beat = lsoa.map(context.lsoa_beat).astype(object)
    if newer.any():
        beat = beat.fillna(_beats_by_point(frame[newer & beat.isna()], context))
        parsed.notes.append(f"{newer.sum():,} rows carry LSOA codes ({lsoa[newer].nunique()} "
                            "codes) missing from the LSOA lookup; their district was read "
                            "from the LSOA name")
    no_location = lsoa == ""
    city = looked_up.eq(geo.LEICESTER_CITY) | prefix.eq("Leicester")
    outside = district.isna() & ~no_location & ~city
    _note_left_out(parsed, no_location, city & ~no_location, outside, prefix)
    keep = district.notna() | no_location
    incidents = pd.DataFrame({
        "incident_key": frame["incident_key"], "month": frame["Month"],
        "crime_type": frame["Crime type"], "lsoa_code": lsoa.where(lsoa != ""),
        "beat_code": beat, "district_code": district,
        "longitude": pd.to_numeric(frame["Longitude"], errors="coerce"),
        "latitude": pd.to_numeric(frame["Latitude"], errors="coerce"),
        "location": frame["Location"], "outcome": frame["Last outcome category"],
    })[keep]
    unbeaten = incidents["district_code"].notna() & incidents["beat_code"].isna()
    if unbeaten.any():
        parsed.problems.append(warning(
            f"{unbeaten.sum():,} rows could not be placed in a beat (their LSOA is not in the "
            "beat lookup and no boundary contains their point); they count toward their "
            "district but no beat", file=parsed.file_name))
    return incidents[INCIDENT_COLUMNS].reset_index(drop=True)


def _note_left_out(parsed, no_location, city, outside, prefix) -> None:
    if no_location.any():
        parsed.notes.append(f"{no_location.sum():,} rows have no location: kept for the "
                            "force-wide record but in no district, beat or LSOA count")
    if city.any():
        parsed.notes.append(f"{city.sum():,} rows in Leicester city left out: the city is not "
                            "part of the board")
    if outside.any():
        places = prefix[outside].value_counts().head(5)
        named = ", ".join(f"{name} {count}" for name, count in places.items())
        parsed.notes.append(f"{outside.sum():,} rows in LSOAs outside the force area left out "
                            f"({named}{', ...' if prefix[outside].nunique() > 5 else ''})")


def _beats_by_point(rows: pd.DataFrame, context: PoliceContext) -> pd.Series:
    """Beat of each row from the 2011 LSOA polygon its point falls in (for newer LSOA codes)."""
    if rows.empty or not context.lsoa_shapes:
        return pd.Series(index=rows.index, dtype=object)
    from shapely import STRtree, points
    from shapely.geometry import shape

    codes = [code for code, _ in context.lsoa_shapes]
    tree = STRtree([shape(json.loads(text)) for _, text in context.lsoa_shapes])
    pts = points(pd.to_numeric(rows["Longitude"], errors="coerce").fillna(0).to_numpy(),
                 pd.to_numeric(rows["Latitude"], errors="coerce").fillna(0).to_numpy())
    point_index, shape_index = tree.query(pts, predicate="within")
    found = pd.Series([context.lsoa_beat.get(codes[i]) for i in shape_index],
                      index=rows.index[point_index], dtype=object)
    found = found[~found.index.duplicated()]
    # Every row of one LSOA goes to the beat most of its points fall in.
    lsoa = rows.loc[found.index, "LSOA code"]
    majority = found.groupby(lsoa).agg(lambda s: s.value_counts().index[0])
    return rows["LSOA code"].map(majority)


def derive_counts(incidents: pd.DataFrame, context: PoliceContext) -> pd.DataFrame:
    """Monthly counts per crime type (and all crime excluding ASB) for every LSOA, beat,
    district, the county and the board area, with zeros where nothing was recorded.

    Columns: OBSERVATION_COLUMNS. Does not mutate ``incidents``.
    """
    placed = incidents[incidents["district_code"].notna()]
    months = sorted(incidents["month"].unique())
    month_at = _positions(placed["month"], months)
    type_at = _positions(placed["crime_type"], CRIME_TYPES)
    placed_lsoas = set(placed["lsoa_code"])
    lsoas = [c for c in sorted(set(context.lsoa_district) | placed_lsoas)
             if context.lsoa_district.get(c, "x") in geo.DISTRICTS or c in placed_lsoas]
    beats = sorted({b for bs in context.beats.values() for b in bs}
                   | set(placed["beat_code"].dropna()))
    in_county = placed["district_code"].isin(geo.COUNTY_DISTRICTS).to_numpy()
    everyone = np.zeros(len(placed), dtype=np.int64)
    levels = [
        ("lsoa", lsoas, _positions(placed["lsoa_code"], lsoas)),
        ("beat", beats, _positions(placed["beat_code"], beats)),
        ("district", list(geo.DISTRICTS), _positions(placed["district_code"], geo.DISTRICTS)),
        ("county", [geo.COUNTY_CODE], np.where(in_county, everyone, -1)),
        ("board", [geo.BOARD_CODE], everyone),
    ]
    frames = [_complete(_tally(area_at, month_at, type_at, len(codes), len(months)), codes,
                        months, area_type) for area_type, codes, area_at in levels]
    return pd.concat(frames, ignore_index=True)[OBSERVATION_COLUMNS]


def _positions(values: pd.Series, categories) -> np.ndarray:
    """Each value's position in ``categories`` (-1 where it is not one of them), as int64
    so positions can be combined into one index without overflowing."""
    return pd.Categorical(values, categories=list(categories)).codes.astype(np.int64)


def _tally(area_at, month_at, type_at, n_areas: int, n_months: int) -> np.ndarray:
    """Counts of incidents per area x month x crime type (shape n_areas, n_months, types);
    incidents whose area is not among the areas (position -1) are not counted."""
    n_types = len(CRIME_TYPES)
    keep = (area_at >= 0) & (month_at >= 0) & (type_at >= 0)
    cell = (area_at[keep] * n_months + month_at[keep]) * n_types + type_at[keep]
    counts = np.bincount(cell, minlength=n_areas * n_months * n_types)
    return counts.reshape(n_areas, n_months, n_types)


INDICATOR_IDS = np.array([indicator_id(t) for t in CRIME_TYPES], dtype=object)
NOT_ASB = np.array([t != ASB for t in CRIME_TYPES])


def _complete(counts: np.ndarray, codes: list[str], months: list[str], area_type: str
              ) -> pd.DataFrame:
    """Counts (area x month x type, zeros included) as tidy rows: every area, month and type
    in that order, then all crime excluding ASB for every area (by code) and month."""
    n_areas, n_months, n_types = counts.shape
    by_code = np.argsort(np.array(codes, dtype=object), kind="stable")
    codes_ = np.array(codes, dtype=object)
    periods = np.array([m + "-01" for m in months], dtype=object)
    total = counts[:, :, NOT_ASB].sum(axis=2)[by_code]
    return pd.DataFrame({
        "indicator_id": np.concatenate([np.tile(INDICATOR_IDS, n_areas * n_months),
                                        np.full(n_areas * n_months, TOTAL_ID, dtype=object)]),
        "area_type": area_type,
        "area_code": np.concatenate([np.repeat(codes_, n_months * n_types),
                                     np.repeat(codes_[by_code], n_months)]),
        "period_start": np.concatenate([np.tile(np.repeat(periods, n_types), n_areas),
                                        np.tile(periods, n_areas)]),
        "granularity": "month",
        "value": np.concatenate([counts.ravel(), total.ravel()]).astype("float64"),
        "numerator": float("nan"),
        "denominator": float("nan"),
    })


def _month_span(months: list[str]) -> str:
    from .periods import period_label

    labels = [period_label(m + "-01", "month") for m in months]
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
