"""The officers' sample spreadsheets: read through the uploader like an officer's file, equal to
a fresh build, calibrated to the board's 2023/24 Q1 report, and internally consistent."""
from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from data_loaders.officer_long import parse_officer_long
from data_loaders.officer_wide import parse_officer_wide
from data_loaders.readers import read_sheets

from conftest import ROOT

OFFICER = ROOT / "sample_data" / "officer"
COUNTY, BOARD, RUTLAND = "E10000018", "LRSCSB", "E06000017"
COUNTY_DISTRICTS = ["E07000129", "E07000130", "E07000131", "E07000132", "E07000133",
                    "E07000134", "E07000135"]
LAST, PREV = "2023-04-01", "2022-04-01"  # Q1 2023/24 and Q1 2022/23

# The county figures of the 2023/24 Q1 report (DOMAIN.md), typed here from the report.
REPORT = {
    "crime_total_recorded": (73.84, 74.12), "crime_residential_burglary": (2.99, 2.28),
    "crime_business_burglary": (1.18, 1.19), "crime_vehicle_offences": (5.53, 5.51),
    "crime_violence_with_injury": (9.84, None), "reoff_youth_reoffending_rate": (0.53, 0.77),
    "reoff_ete_at_disposal": (63.6, 52.9), "da_marac_repeat_rate": (37.0, None),
    "da_violence_with_injury": (3.88, None), "da_sexual_offences": (2.77, None),
    "asb_police_incidents": (6.57, 6.14), "asb_sentinel_cases": (6.51, 12.67),
    "asb_survey_decreased": (69.70, 90.35), "asb_survey_feel_safe": (70.61, 78.72),
    "hate_crimes": (1.75, 1.73), "hate_racial_religious": (0.83, 0.86),
    "hate_survey_get_on_well": (87.04, 90.20),
}
POPULATION = {"E07000129": 104182, "E07000130": 184748, "E07000131": 100481,
              "E07000132": 114298, "E07000133": 52433, "E07000134": 107672,
              "E07000135": 58341, RUTLAND: 41151}


def parse_long(data: bytes):
    sheets = read_sheets("board.xlsx", data)
    return parse_officer_long(sheets[1], "sha")


@pytest.fixture(scope="module")
def long_table() -> pd.DataFrame:
    parsed = parse_long((OFFICER / "board_indicators_sample.xlsx").read_bytes())
    assert parsed.ok and parsed.problems == [], [str(p) for p in parsed.problems]
    return parsed.observations


def load_builder():
    spec = importlib.util.spec_from_file_location("build_officer",
                                                  ROOT / "sample_data" / "build_officer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def value(frame, indicator_id, area, period):
    rows = frame[(frame.indicator_id == indicator_id) & (frame.area_code == area)
                 & (frame.period_start == period)]
    assert len(rows) == 1, (indicator_id, area, period)
    return rows.iloc[0]


def test_committed_workbooks_read_the_same_as_a_fresh_build(long_table, shared_data):
    fresh = load_builder().build()
    assert set(fresh) == {p.name for p in OFFICER.glob("*.xlsx")}
    rebuilt = parse_long(fresh["board_indicators_sample.xlsx"]).observations
    pd.testing.assert_frame_equal(rebuilt, long_table)
    committed = read_sheets("w.xlsx", (OFFICER / "domestic_abuse_dashboard_2019-20.xlsx")
                            .read_bytes())[0]
    again = read_sheets("w.xlsx", fresh["domestic_abuse_dashboard_2019-20.xlsx"])[0]
    pd.testing.assert_frame_equal(parse_officer_wide(committed, "a").observations,
                                  parse_officer_wide(again, "b").observations)


@pytest.mark.parametrize("indicator_id", sorted(REPORT))
def test_county_figures_are_the_reports(long_table, indicator_id):
    last, prev = REPORT[indicator_id]
    assert value(long_table, indicator_id, COUNTY, LAST).value == pytest.approx(last, abs=1e-9)
    if prev is not None:
        assert value(long_table, indicator_id, COUNTY, PREV).value == pytest.approx(prev,
                                                                                     abs=1e-9)


def test_first_time_entrants_are_the_reports_yearly_series(long_table):
    fte = long_table[long_table.indicator_id == "reoff_first_time_entrants"]
    assert set(fte.granularity) == {"fy"}
    by_year = dict(zip(fte.period_start.str[:4].astype(int), fte.value))
    assert by_year == {2014: 190, 2015: 124, 2016: 126, 2017: 101, 2018: 100, 2019: 111,
                       2020: 88, 2021: 84}


def test_domestic_abuse_12_months_to_june_2023_is_the_reports_rate(long_table):
    da = long_table[(long_table.indicator_id == "da_crimes_incidents")
                    & (long_table.area_code == COUNTY)]
    window = da[(da.period_start >= "2022-07-01") & (da.period_start <= LAST)]
    assert len(window) == 4
    county_population = sum(POPULATION[c] for c in COUNTY_DISTRICTS)
    assert round(window.value.sum() / county_population * 1000, 2) == 17.32


def test_rates_are_their_numerator_over_population(long_table):
    rates = long_table[long_table.indicator_id == "crime_total_recorded"]
    for row in rates[rates.area_code.isin(POPULATION)].itertuples():
        assert row.denominator == POPULATION[row.area_code]
        assert row.value == pytest.approx(round(row.numerator / row.denominator * 1000, 2))


@pytest.mark.parametrize("indicator_id", ["crime_residential_burglary", "asb_survey_feel_safe",
                                          "da_contact_within_48h"])
def test_county_and_board_numerators_are_the_sums_of_their_districts(long_table, indicator_id):
    frame = long_table[long_table.indicator_id == indicator_id]
    for period, group in frame.groupby("period_start"):
        by_area = group.set_index("area_code")
        districts = by_area.loc[COUNTY_DISTRICTS]
        assert by_area.loc[COUNTY, "numerator"] == districts.numerator.sum(), period
        assert by_area.loc[COUNTY, "denominator"] == districts.denominator.sum(), period
        if BOARD in by_area.index:
            assert by_area.loc[BOARD, "numerator"] == (districts.numerator.sum()
                                                       + by_area.loc[RUTLAND, "numerator"])


@pytest.mark.parametrize("indicator_id", ["da_crimes_incidents", "da_offences", "asb_nuisance"])
def test_county_counts_are_the_sums_of_their_districts(long_table, indicator_id):
    frame = long_table[long_table.indicator_id == indicator_id]
    for period, group in frame.groupby("period_start"):
        by_area = group.set_index("area_code")["value"]
        assert by_area[COUNTY] == by_area[COUNTY_DISTRICTS].sum(), period
        assert by_area[BOARD] == by_area[COUNTY] + by_area[RUTLAND], period


def test_offences_and_incidents_add_up_to_all_domestic_abuse(long_table):
    wide = long_table.pivot_table(index=["area_code", "period_start"], columns="indicator_id",
                                  values="value")
    wide = wide[["da_crimes_incidents", "da_offences", "da_incidents"]].dropna()
    assert len(wide) == 10 * 15  # every district, the county and the board, every quarter
    assert (wide.da_offences + wide.da_incidents == wide.da_crimes_incidents).all()


def test_the_wide_sample_is_the_board_papers_domestic_abuse_table():
    sheet = read_sheets("w.xlsx", (OFFICER / "domestic_abuse_dashboard_2019-20.xlsx")
                        .read_bytes())[0]
    parsed = parse_officer_wide(sheet, "sha")
    assert parsed.ok, [str(p) for p in parsed.problems]
    frame = parsed.observations
    assert set(frame.indicator_id) == {"da_crimes_incidents"}

    def ytd(code, fy):
        rows = frame[(frame.area_code == code)
                     & frame.period_start.between(f"{fy}-04-01", f"{fy + 1}-03-31")]
        assert len(rows) == 4
        return rows.value.sum()

    # Blaby 1,430 then 1,382 (-3.4%); Harborough 880 then 939 (+6.7%); county 10,310 -> 9,936.
    assert (ytd("E07000129", 2018), ytd("E07000129", 2019)) == (1430, 1382)
    assert (ytd("E07000131", 2018), ytd("E07000131", 2019)) == (880, 939)
    assert (ytd(COUNTY, 2018), ytd(COUNTY, 2019)) == (10310, 9936)


def test_waiting_lists_by_service_add_up_and_days_are_weighted_by_people_waiting(long_table):
    services = ["isva", "idva", "outreach", "dv_counselling", "sv_counselling", "group"]
    wide = long_table.pivot_table(index=["area_code", "period_start"], columns="indicator_id",
                                  values="value").dropna(subset=["da_waiting_list"])
    assert len(wide) == 9 * 15  # the eight districts and the county, every quarter
    waiting = wide[[f"da_waiting_{s}" for s in services]].to_numpy()
    days = wide[[f"da_days_waiting_{s}" for s in services]].to_numpy()
    assert (waiting.sum(axis=1) == wide["da_waiting_list"]).all()
    held = waiting.sum(axis=1) > 0
    weighted = (waiting * days).sum(axis=1)[held] / waiting.sum(axis=1)[held]
    # The stored average is rounded to one decimal: within 0.05 of the weighted mean.
    assert abs(weighted - wide["da_average_days_waiting"][held]).max() <= 0.05 + 1e-9
