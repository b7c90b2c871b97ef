"""police.uk street-level files: recognition, force-area filtering, keys and derived counts,
checked against counts made independently with the csv module."""
from __future__ import annotations

import csv
import io
from collections import Counter

import pandas as pd
import pytest

from data_loaders import geography as geo
from data_loaders.police_uk import (
    PoliceContext,
    asb_key,
    indicator_id,
    looks_like_police_uk,
    parse_police_uk,
    read_police_frame,
)
from data_loaders.store import Store

LOOKUP = "lookups/LSOA11_WD19_LAD19_lookup_LeicsPFA_ons-lookups-csv-135.csv"


@pytest.fixture(scope="module")
def context(shared_data) -> PoliceContext:
    lookup = pd.read_csv(shared_data / LOOKUP, dtype=str)
    areas = pd.DataFrame({"area_type": "lsoa", "area_code": lookup["LSOA11CD"],
                          "area_name": lookup["LSOA11NM"], "beat_code": None,
                          "district_code": lookup["LAD19CD"], "lsoa_year": 2011})
    return PoliceContext.from_reference(areas)


@pytest.fixture(scope="module")
def january(shared_data) -> bytes:
    return (shared_data / "police_uk/street/2023-01-leicestershire-street.csv").read_bytes()


def independent_counts(data: bytes, shared_data) -> Counter:
    """(district, crime type) counts made with the csv module and the ONS lookup alone."""
    lookup = {r["LSOA11CD"]: r["LAD19CD"] for r in
              csv.DictReader(open(shared_data / LOOKUP, encoding="utf-8"))}
    names = {name: code for code, name in geo.DISTRICTS.items()}
    counts = Counter()
    seen = set()
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        if row["Crime ID"] and row["Crime ID"] in seen:
            continue
        seen.add(row["Crime ID"])
        district = lookup.get(row["LSOA code"]) or names.get(row["LSOA name"].rsplit(" ", 1)[0])
        if district in geo.DISTRICTS:
            counts[(district, row["Crime type"])] += 1
    return counts


def test_recognised_from_content_not_name(january):
    assert looks_like_police_uk(january)
    assert not looks_like_police_uk(b"District,Period,Measure,Value\nBlaby,Q1 2023/24,x,1\n")


def test_district_counts_match_an_independent_count(january, context, shared_data):
    parsed = parse_police_uk("any name.csv", january, "h", context)
    assert parsed.ok
    obs = parsed.observations
    district = obs[(obs.area_type == "district") & (obs.indicator_id != "police_total_excl_asb")]
    got = {(r.area_code, r.indicator_id): r.value for r in district.itertuples() if r.value}
    expected = independent_counts(january, shared_data)
    assert got == {(d, indicator_id(t)): float(n) for (d, t), n in expected.items()}
    board_total = obs[(obs.area_type == "board") & (obs.indicator_id == "police_total_excl_asb")]
    assert board_total["value"].sum() == sum(n for (d, t), n in expected.items()
                                             if t != "Anti-social behaviour")
    county = obs[(obs.area_type == "county") & (obs.indicator_id == "police_burglary")]
    assert county["value"].sum() == sum(n for (d, t), n in expected.items()
                                        if t == "Burglary" and d != "E06000017")


def test_every_area_month_and_type_has_a_row_zeros_included(january, context):
    obs = parse_police_uk("jan.csv", january, "h", context).observations
    districts = obs[obs.area_type == "district"]
    assert len(districts) == 8 * 15  # 14 types + total excluding ASB
    assert (districts["value"] == 0).any()


def test_the_preview_says_what_the_file_holds_and_what_is_worked_out_from_it(january, context):
    parsed = parse_police_uk("jan.csv", january, "h", context)
    rows = len(january.decode("utf-8").strip().splitlines()) - 1
    held, derived = parsed.notes[:2]
    assert held.startswith(f"{rows:,} incidents for Jan 2023, ")
    assert held.endswith(f"{parsed.incidents['district_code'].notna().sum():,} in the board's "
                         "districts")
    obs = parsed.observations
    lsoas = obs.loc[obs.area_type == "lsoa", "area_code"].nunique()
    beats = obs.loc[obs.area_type == "beat", "area_code"].nunique()
    beat_words = f"{beats} beats, " if beats else ""  # this lookup places no LSOA in a beat
    assert derived == (f"the dashboard counts them for 8 districts, {beat_words}{lsoas:,} "
                       "neighbourhood areas (LSOAs), the county and the board area, by 14 "
                       f"crime types and in all: {len(obs):,} figures")


def test_whole_force_download_with_crlf_city_and_outside_rows(january, context):
    header, *rows = january.decode("utf-8").splitlines()
    city = ("abc123,2023-01,Leicestershire Police,Leicestershire Police,-1.13,52.63,"
            "On or near Gallowtree Gate,E01013636,Leicester 029B,Burglary,Under investigation,")
    crlf = "\r\n".join([header, *rows, city, city.replace("abc123", "abc124")]) + "\r\n"
    base = parse_police_uk("jan.csv", january, "a", context)
    whole = parse_police_uk("jan-force.csv", crlf.encode("utf-8"), "b", context)
    assert whole.ok
    assert any("2 rows in Leicester city left out" in note for note in whole.notes)
    assert any("no location" in note for note in whole.notes)
    assert any("outside the force area" in note for note in whole.notes)
    pd.testing.assert_frame_equal(base.observations, whole.observations)


def test_newer_lsoa_codes_resolve_to_their_district(january, context):
    parsed = parse_police_uk("jan.csv", january, "h", context)
    newer = parsed.incidents[parsed.incidents["lsoa_code"].isin(
        [f"E0103400{i}" for i in range(2, 8)] + [f"E01035{n:03d}" for n in range(84, 107)])]
    assert len(newer) > 0
    assert newer["district_code"].isin(list(geo.DISTRICTS)).all()


def test_asb_key_survives_a_reupload_and_separates_identical_rows():
    row = {"Crime ID": "", "Month": "2023-01", "Longitude": "-1.2", "Latitude": "52.6",
           "Location": "On or near Park", "LSOA code": "E01025631",
           "Crime type": "Anti-social behaviour"}
    frame = pd.DataFrame([row, row, {**row, "Location": "On or near Road"}])
    keys = asb_key(frame)
    assert keys.nunique() == 3
    assert asb_key(frame.copy()).tolist() == keys.tolist()


def test_excel_mangled_months_are_refused_with_row(context):
    data = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
            "LSOA name,Crime type,Last outcome category,Context\n"
            "x1,Jan-23,L,L,-1.2,52.6,On or near A,E01025631,Blaby 002A,Burglary,,\n").encode()
    parsed = parse_police_uk("jan.csv", data, "h", context)
    [problem] = parsed.errors
    assert (problem.row, problem.column) == (2, "B") and "YYYY-MM" in problem.message


def test_missing_column_is_refused(context):
    frame, problems = read_police_frame("x.csv", b"Crime ID,Month,Crime type,LSOA code\n")
    assert frame is None and "Longitude" in problems[0].message


def test_reupload_of_a_month_dedupes_incidents(january, context, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    first = parse_police_uk("jan.csv", january, "a" * 64, context)
    store.commit([first], "o")
    again = parse_police_uk("jan-crlf.csv", january.replace(b"\n", b"\r\n"), "b" * 64, context)
    preview = store.preview(again)
    assert preview.incidents_new == 0 and preview.incidents_held == len(first.incidents)
    assert len(preview.added) == 0 and len(preview.revised) == 0
    assert preview.incidents_changed == 0  # nothing to store: the Upload page offers none
    # The month republished with one crime's outcome moved on: that is a change to store.
    crimes = first.incidents[first.incidents["outcome"].fillna("") != ""]
    old = crimes["outcome"].iloc[0]
    moved = january.replace(old.encode(), b"Offender given a caution", 1)
    later = parse_police_uk("jan-later.csv", moved, "c" * 64, context)
    assert store.preview(later).incidents_changed == 1
    store.commit([again], "o")
    assert len(store.incidents()) == len(first.incidents)
