"""The officer's template: empty, with drop-downs of the names the uploader knows, and read
back without complaint once an officer has filled it in."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from data_loaders.catalogue import match_measure, officer_measure_titles
from data_loaders.geography import resolve_area_name
from data_loaders.officer_long import find_long_header, parse_officer_long
from data_loaders.officer_wide import find_wide_header
from data_loaders.readers import read_sheets
from data_loaders.templates import build_long_template

DISTRICTS = ["Blaby", "Charnwood", "Harborough", "Hinckley and Bosworth", "Melton",
             "North West Leicestershire", "Oadby and Wigston", "Rutland", "Leicestershire",
             "Leicestershire and Rutland"]


def template():
    return load_workbook(io.BytesIO(build_long_template()))


def column_values(sheet, letter: str) -> list:
    return [c.value for c in sheet[letter][1:] if c.value is not None]


def test_sheets_header_and_no_example_rows():
    workbook = template()
    assert workbook.sheetnames == ["Instructions", "Data", "Lists"]
    data = workbook["Data"]
    assert [c.value for c in data[1]] == ["District", "Period", "Measure", "Value", "Numerator",
                                          "Denominator"]
    assert data.max_row == 1


def test_instructions_say_one_row_per_area_period_measure_and_the_period_forms():
    text = " ".join(str(c.value) for c in template()["Instructions"]["A"] if c.value)
    assert "one row for each area, period and measure" in text
    for form in ("Q1 2023/24", "Jan 2024", "2023/24", "FY 2024"):
        assert form in text


def test_lists_hold_the_districts_and_officer_measures():
    lists = template()["Lists"]
    assert column_values(lists, "A") == DISTRICTS
    assert column_values(lists, "B") == officer_measure_titles()


def test_drop_downs_read_the_lists():
    validations = {str(v.sqref): v for v in template()["Data"].data_validations.dataValidation}
    district, measure = validations["A2:A2001"], validations["C2:C2001"]
    assert (district.type, district.formula1) == ("list", "Lists!$A$2:$A$11")
    n = len(officer_measure_titles())
    assert (measure.type, measure.formula1) == ("list", f"Lists!$B$2:$B${n + 1}")


def test_every_drop_down_name_is_understood_by_the_uploader():
    for name in DISTRICTS:
        assert resolve_area_name(name)[0] is not None
    for title in officer_measure_titles():
        assert match_measure(title) is not None


def filled_template(rows: list[list]) -> bytes:
    workbook = template()
    data = workbook["Data"]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            data.cell(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ROWS = [
    ["Blaby", "Q1 2023/24", "Domestic crimes and incidents", 359],
    ["Leicestershire", "Q1 2023/24", "Domestic crimes and incidents", 2701],
    ["Leicestershire and Rutland", "2023/24", "First time entrants aged 10-17", 90],
    ["Rutland", dt.datetime(2024, 1, 1), "Hate crimes", 3],
    ["Melton", "Q2 2023/24", "MARAC repeat referral rate (rolling 12 months)", 37, 18, 49],
]


def test_a_filled_template_reads_back_without_complaint():
    sheets = {s.sheet: s for s in read_sheets("template.xlsx", filled_template(ROWS))}
    data = sheets["Data"]
    assert find_long_header(data) == 0
    parsed = parse_officer_long(data, "sha")
    assert parsed.ok and parsed.problems == [], [str(p) for p in parsed.problems]
    frame = parsed.observations
    assert list(zip(frame["indicator_id"], frame["area_type"], frame["area_code"],
                    frame["period_start"], frame["granularity"], frame["value"])) == [
        ("da_crimes_incidents", "district", "E07000129", "2023-04-01", "quarter", 359.0),
        ("da_crimes_incidents", "county", "E10000018", "2023-04-01", "quarter", 2701.0),
        ("reoff_first_time_entrants", "board", "LRSCSB", "2023-04-01", "fy", 90.0),
        ("hate_crimes", "district", "E06000017", "2024-01-01", "month", 3.0),
        ("da_marac_repeat_rate", "district", "E07000133", "2023-07-01", "quarter", 37.0)]
    assert frame.iloc[-1][["numerator", "denominator"]].tolist() == [18.0, 49.0]


def test_instructions_and_lists_are_not_taken_for_data():
    sheets = {s.sheet: s for s in read_sheets("template.xlsx", filled_template(ROWS))}
    for name in ("Instructions", "Lists"):
        assert find_long_header(sheets[name]) is None
        assert find_wide_header(sheets[name]) is None


def test_an_empty_template_uploaded_says_there_are_no_rows():
    data = [s for s in read_sheets("template.xlsx", build_long_template()) if s.sheet == "Data"]
    parsed = parse_officer_long(data[0], "sha")
    assert [p.message.startswith("there are no data rows") for p in parsed.errors] == [True]
