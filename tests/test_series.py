"""The fast paths give the plain computation's numbers: series read through an
ObservationIndex are the rows a scan of the frame finds, window values for many areas at once
are each area's window_value, the map's and the districts' figures are the per-area ones,
and the incident tally gives the counts of the incident rows. Checked on the bundled sample
data (every series, windows of every kind)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data_loaders import geography as geo
from data_loaders import store as store_module
from data_loaders.catalogue import catalogue_frame
from data_loaders.store import Store
from metrics.assessment import compute_assessment, compute_scorecard, compute_spc, definition_breaks
from metrics.comparison import (
    compute_area_comparison,
    compute_map_figures,
    compute_quarter_table,
    compute_trend,
    fy_pairs,
    populations_by_area,
)
from metrics.formatting import format_change
from metrics.incidents import TALLY_KEYS, incident_points, tally_incidents, unplaced_incidents
from metrics.judgement import compute_change_pct
from metrics.series import (
    SORT,
    ObservationIndex,
    indicator_rows,
    indicator_series,
    indicators_held,
    newest_starts,
)
from metrics.services import compute_service_tables
from metrics.summary import population_of
from metrics.windows import Window, is_additive, pool_scale, window_for, window_value, window_values

ENDS = [dt.date(2022, 10, 1), dt.date(2023, 4, 1), dt.date(2023, 10, 1)]
KINDS = ["quarter", "ytd", "rolling12"]


@pytest.fixture(scope="module")
def store(seeded_store_file) -> Store:
    return Store(f"sqlite:///{seeded_store_file}")


@pytest.fixture(scope="module")
def observations(store) -> pd.DataFrame:
    frame = store.observations(with_sample_flag=True)
    return frame[frame["area_type"] != "lsoa"].reset_index(drop=True)  # the pages' areas


@pytest.fixture(scope="module")
def index(observations) -> ObservationIndex:
    return ObservationIndex(observations)


@pytest.fixture(scope="module")
def records() -> dict:
    return {r["id"]: r for r in catalogue_frame().to_dict("records")}


def same_rows(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True),
                                  check_dtype=False, check_exact=True)


def test_the_index_finds_every_series_a_scan_finds(observations, index):
    keys = observations[["indicator_id", "area_code", "granularity"]].drop_duplicates()
    assert len(keys) > 1000
    for key in keys.itertuples(index=False):
        same_rows(indicator_series(index, *key), indicator_series(observations, *key))
    assert indicator_series(index, "no_such_indicator", geo.COUNTY_CODE, "month").empty


def test_the_index_holds_each_distinct_string_once(observations, index):
    """The index's copy is the sorted frame as plain object strings, value for value, but
    with one string object per distinct value (a string per cell tripled its memory)."""
    plain = observations.sort_values(SORT, kind="stable").reset_index(drop=True)
    plain = plain.astype({c: object for c in plain.columns
                          if pd.api.types.is_string_dtype(plain[c])})
    pd.testing.assert_frame_equal(index.ordered, plain, check_exact=True)
    for column in ["indicator_id", "area_type", "area_code", "period_start", "granularity"]:
        values = index.ordered[column]
        assert len({id(v) for v in values}) == values.nunique(), column


def test_the_index_answers_what_is_held_as_a_scan_does(observations, index):
    assert indicators_held(index) == set(observations["indicator_id"])
    assert indicators_held(index, "beat") == \
        set(observations.loc[observations["area_type"] == "beat", "indicator_id"])
    assert newest_starts(index) == newest_starts(observations) == {
        g: observations.loc[observations["granularity"] == g, "period_start"].max()
        for g in ("month", "quarter", "fy")}
    for indicator in ("police_burglary", "da_crimes_incidents"):
        same_rows(indicator_rows(index, indicator, "month"),
                  indicator_rows(observations, indicator, "month"))
        assert fy_pairs(index, {"id": indicator}) == fy_pairs(observations, {"id": indicator})


def test_an_indicators_fingerprint_changes_with_its_own_rows_only(observations, index):
    """Views are kept across new data on these (cache.data_read): one changed figure, one
    more row or one row less must change that indicator's, and no other indicator's."""
    ids = sorted(index.held)
    first, other = ids[0], ids[1]
    rows = observations.index[observations["indicator_id"] == first]
    revised = observations.copy()
    revised.loc[rows[0], "value"] = revised.loc[rows[0], "value"] + 1
    for changed in (revised, observations.drop(index=rows[-1]),
                    pd.concat([observations, observations.loc[[rows[0]]].assign(
                        period_start="2099-01-01")])):
        again = ObservationIndex(changed)
        assert again.fingerprint(first) != index.fingerprint(first)
        assert again.fingerprint(other) == index.fingerprint(other)
    shuffled = ObservationIndex(observations.sample(frac=1, random_state=1))
    assert [shuffled.fingerprint(i) for i in ids] == [index.fingerprint(i) for i in ids]
    assert index.fingerprint("not_an_indicator") == (0, 0)


def test_sessions_asking_for_fingerprints_at_once_hash_the_rows_once(observations,
                                                                     monkeypatch):
    """Twenty sessions' first pages each hashing every row at once doubled the server's
    memory with five years of data."""
    import threading
    import time

    from metrics import series

    calls = []
    real_hash = pd.util.hash_pandas_object

    def slow_hash(*args, **kwargs):
        calls.append(1)
        time.sleep(0.05)  # long enough for every thread to arrive while it runs
        return real_hash(*args, **kwargs)

    monkeypatch.setattr(series.pd.util, "hash_pandas_object", slow_hash)
    index = ObservationIndex(observations)
    asked = [threading.Thread(target=index.fingerprint, args=("hate_crimes",))
             for _ in range(8)]
    for thread in asked:
        thread.start()
    for thread in asked:
        thread.join()
    assert len(calls) == 1 and index.fingerprint("hate_crimes")[0] > 0


def test_window_values_for_many_areas_are_each_areas_window_value(observations):
    cases = observations[["indicator_id", "granularity"]].drop_duplicates()
    checked = 0
    for indicator, granularity in cases.itertuples(index=False):
        rows = indicator_rows(observations, indicator, granularity)
        for kind in KINDS:
            for end in ENDS[::2]:
                for additive in (True, False):
                    window = Window(kind, end)
                    many = window_values(rows, window, additive)
                    for code, series in rows.groupby("area_code"):
                        one = window_value(series, window, additive)
                        if one.value is None:
                            assert code not in many.index
                            continue
                        row = many.loc[code]
                        assert (row["value"], row["periods_held"], row["periods_expected"]) \
                            == (one.value, one.periods_held, one.periods_expected)
                        assert (None if pd.isna(row["numerator"]) else row["numerator"]) \
                            == one.numerator
                        checked += 1
    assert checked > 5000


def plain_map_figures(observations, record, window, codes, population):
    """The map's figures area by area, as the page computed them before window_values."""
    additive = is_additive(record)
    people = {c: population_of(population, c) for c in codes}
    per_1000 = additive and all(people.values())
    rows = []
    for code in codes:
        series = indicator_series(observations, record["id"], code, record["frequency"])
        now = window_value(series, window, additive, pool_scale(record))
        before = window_value(series, window.year_earlier(), additive, pool_scale(record))
        change = compute_change_pct(now.value, before.value) if before.complete else None
        value = now.value * 1000 / people[code] if per_1000 and now.value is not None \
            else now.value
        rows.append({"area_code": code, "value": value, "count": now.value,
                     "change_text": f"{format_change(change)} on a year earlier"
                     if change is not None else "no figure a year earlier"})
    return pd.DataFrame(rows), "rate_per_1000" if per_1000 else record["unit"]


def test_map_and_district_figures_are_the_per_area_figures(observations, index, records,
                                                           store):
    population = store.reference("population")
    areas = store.reference("areas")
    beats = areas.loc[areas["area_type"] == "beat", "area_code"].tolist()
    districts = [*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE, geo.REGION_CODE]
    for indicator in ("police_total_excl_asb", "police_anti_social_behaviour",
                      "hate_crimes", "da_crimes_incidents", "asb_survey_feel_safe",
                      "reoff_youth_reoffending_rate"):
        record = records[indicator]
        for kind in KINDS:
            window = Window(kind, ENDS[-1])
            for codes in (beats, districts):
                figures, unit = compute_map_figures(index, record, window, codes, population)
                expected, expected_unit = plain_map_figures(observations, record, window,
                                                            codes, population)
                assert unit == expected_unit
                same_rows(figures, expected)
            comparison = compute_area_comparison(index, record, window, districts, population)
            assert comparison["area_code"].tolist() == [
                c for c in districts if window_value(indicator_series(
                    observations, indicator, c, record["frequency"]), window,
                    is_additive(record), pool_scale(record)).value is not None]
            same_rows(comparison, compute_area_comparison(observations, record, window,
                                                          districts, population))


def test_assessments_trends_and_tables_are_the_same_from_the_index(observations, index,
                                                                   records, store):
    population = store.reference("population")
    populations = dict(zip(population["area_code"], population["population"]))
    changes = pd.DataFrame({"indicator_id": ["hate_crimes"], "period_start": ["2023-04-01"]})
    catalogue = catalogue_frame()
    for area in (geo.BOARD_CODE, "E07000133", "E06000017"):
        for kind in KINDS:
            same_rows(compute_scorecard(index, catalogue, area, kind, populations, None,
                                        geo.COUNTY_CODE, changes),
                      compute_scorecard(observations, catalogue, area, kind, populations,
                                        None, geo.COUNTY_CODE, changes))
    # The overview's scorecard is made of the theme pages' tiles (cache.load_scorecard):
    # the same rows, and the tiles it was given are left as they were.
    for area in (geo.BOARD_CODE, "E07000133"):
        tiles = {r["id"]: compute_assessment(index, r, area, "quarter", None, populations,
                                             changes, geo.COUNTY_CODE)
                 for r in catalogue.to_dict("records")
                 if not r["parent"] and r["panel"] == "headline"}
        statuses = {i: t["status"] for i, t in tiles.items()}
        same_rows(compute_scorecard(index, catalogue, area, "quarter", populations, None,
                                    geo.COUNTY_CODE, changes, tiles),
                  compute_scorecard(index, catalogue, area, "quarter", populations, None,
                                    geo.COUNTY_CODE, changes))
        assert {i: t["status"] for i, t in tiles.items()} == statuses
    record = records["police_burglary"]
    codes = [*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE]
    same_rows(compute_trend(index, record, codes, population),
              compute_trend(observations, record, codes, population))
    same_rows(compute_quarter_table(index, record, 2023, codes),
              compute_quarter_table(observations, record, 2023, codes))
    one = compute_assessment(index, records["hate_crimes"], "E07000133", "ytd",
                             dt.date(2023, 7, 1), populations, changes, geo.COUNTY_CODE)
    assert one["withheld"] == "the definition changed from Q1 2023/24"


def test_no_page_calculation_changes_the_shared_index(observations, records, store):
    """The index and the slices it hands out are shared by every rerun and session: after
    every calculation a page makes has read them, each is still what it was built as."""
    index = ObservationIndex(observations)
    pristine = index.ordered.copy()
    population = store.reference("population")
    populations = dict(zip(population["area_code"], population["population"]))
    changes = pd.DataFrame({"indicator_id": ["hate_crimes"], "period_start": ["2023-04-01"]})
    codes = [*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE]
    compute_scorecard(index, catalogue_frame(), "E07000133", "rolling12", populations, None,
                      geo.COUNTY_CODE, changes)
    window = Window("ytd", ENDS[-1])
    for record in records.values():
        compute_assessment(index, record, "E07000133", "ytd", None, populations, changes,
                           geo.COUNTY_CODE)
        compute_spc(index, record, "E07000133", definition_breaks(changes, record["id"]))
        compute_trend(index, record, codes, population)
        compute_area_comparison(index, record, window, codes, population)
        compute_map_figures(index, record, window, codes, population)
        if is_additive(record):
            compute_quarter_table(index, record, 2023, codes)
    compute_service_tables(index, [r for r in records.values() if r["panel"] == "service"],
                           codes, "2023-07-01")
    pd.testing.assert_frame_equal(index.ordered, pristine, check_exact=True)
    fresh = ObservationIndex(observations)
    bounds = {1: fresh._indicators, 2: fresh._blocks, 3: fresh._series}
    assert len(index._slices) > 100
    for key, handed_out in index._slices.items():
        pd.testing.assert_frame_equal(handed_out, fresh._slice(bounds[len(key)], key),
                                      check_exact=True)


def test_service_tables_hold_the_quarters_figures(observations, index, records):
    services = [r for r in records.values() if r["panel"] == "service"]
    codes = [*geo.DISTRICTS, geo.COUNTY_CODE]
    isva = indicator_series(observations, "da_waiting_isva", "E07000133", "quarter").iloc[-1]
    tables = compute_service_tables(index, services, codes, isva["period_start"])
    assert tables["da_waiting_list"].set_index("Service").loc["ISVA", "Melton"] == \
        isva["value"]
    assert tables["areas"]["Area"].tolist()[-1] == geo.COUNTY_NAME
    plain = compute_service_tables(observations, services, codes, isva["period_start"])
    for name, table in tables.items():
        same_rows(table, plain[name])


def test_the_window_a_page_shows(index, records):
    record = records["police_burglary"]
    assert window_for(index, record, "ytd", dt.date(2023, 4, 1), ["E07000133"]) == \
        Window("ytd", dt.date(2023, 4, 1))
    # The latest quarter all three months of which are held: October to December 2023.
    assert window_for(index, record, "rolling12", None, ["nowhere", geo.COUNTY_CODE]) == \
        Window("rolling12", dt.date(2023, 10, 1))
    assert window_for(index, record, "ytd", None, ["nowhere"]) is None


def test_populations_by_area_is_population_of_for_every_area(store):
    population = store.reference("population")
    newest = populations_by_area(population)
    assert newest == {c: population_of(population, c) for c in population["area_code"]}


def test_the_stores_incident_tally_is_the_tally_of_its_incident_rows(store):
    """The database's GROUP BY gives what tally_incidents gives from the rows, NULL keys
    (no district, no location) included."""
    counted = store.incident_tally()
    assert list(counted.columns) == [*TALLY_KEYS, "incidents"]
    assert counted["district_code"].isna().any() and counted["longitude"].isna().any()
    same_rows(counted.sort_values(TALLY_KEYS, na_position="first"),
              tally_incidents(store.incidents()).sort_values(TALLY_KEYS, na_position="first"))


def test_reading_in_chunks_gives_the_frames_read_whole(store, monkeypatch):
    """Observations and the incident tally read a few rows at a time (many chunks, some
    with a column all NULL) are the frames read in one go, dtypes included."""
    monkeypatch.setattr(store_module, "READ_CHUNK_ROWS", 10**9)
    whole = store.observations(with_sample_flag=True), store.incident_tally()
    monkeypatch.setattr(store_module, "READ_CHUNK_ROWS", 997)
    chunked = store.observations(with_sample_flag=True), store.incident_tally()
    for left, right in zip(chunked, whole):
        pd.testing.assert_frame_equal(left, right, check_exact=True)


def test_the_incident_tally_counts_the_incident_rows(store):
    rows = store.incidents()
    tally = tally_incidents(rows)
    assert tally["incidents"].sum() == len(rows)
    assert len(tally) < len(rows)  # police.uk snaps incidents to shared points
    months = ("2023-10", "2023-11", "2023-12")
    types = ("Burglary", "Anti-social behaviour")
    chosen = rows[rows["month"].isin(months) & rows["crime_type"].isin(types)]
    points = incident_points(tally, months, types)
    placed = chosen.dropna(subset=["longitude", "latitude"])
    year = incident_points(tally, tuple(sorted(rows["month"].unique())),
                           tuple(rows["crime_type"].unique()))
    assert year["incidents"].sum() == rows["longitude"].notna().sum()
    assert len(year) < rows["longitude"].notna().sum() / 4  # what the map sends is small
    assert points["incidents"].sum() == len(placed)
    expected = placed.groupby(["longitude", "latitude"]).size()
    assert points.set_index(["longitude", "latitude"])["incidents"].to_dict() == \
        expected.to_dict()
    melton = incident_points(tally, months, types, "E07000133")
    assert melton["incidents"].sum() == (placed["district_code"] == "E07000133").sum()
    assert unplaced_incidents(tally, months, types) == (
        int(chosen["district_code"].isna().sum()), len(chosen))
