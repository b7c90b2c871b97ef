"""Officer long tables: header found by content, every encoding and layout read to the same
numbers, and each error, warning and question said with its row and column."""
from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from openpyxl import Workbook

from data_loaders.catalogue import officer_measure_titles
from data_loaders.names import LEAVE_OUT
from data_loaders.officer_cells import read_number
from data_loaders.officer_long import find_long_header, parse_officer_long
from data_loaders.readers import read_sheets

# Written out here rather than taken from geography/periods, so the test checks them.
CODES = {"Blaby": "E07000129", "Charnwood": "E07000130", "Melton": "E07000133",
         "Rutland": "E06000017"}
QUARTERS = {"Q1 2023/24": "2023-04-01", "Q2 2023/24": "2023-07-01", "Q3 2023/24": "2023-10-01"}
MEASURES = {"Domestic crimes and incidents": "da_crimes_incidents",
            "Hate crimes": "hate_crimes"}
HEADER = ["District", "Period", "Measure", "Value", "Comment"]


def generated_rows(seed: int = 7) -> list[list]:
    """Every district x quarter x measure with a random count, fixed by the seed."""
    rng = random.Random(seed)
    return [[district, quarter, measure, rng.randint(0, 2500), "Officer’s note – checked"]
            for district in CODES for quarter in QUARTERS for measure in MEASURES]


def expected(rows: list[list]) -> set[tuple]:
    return {(MEASURES[m], "district", CODES[d], QUARTERS[q], "quarter", float(v))
            for d, q, m, v, _ in rows}


def as_tuples(parsed) -> set[tuple]:
    frame = parsed.observations
    return set(zip(frame["indicator_id"], frame["area_type"], frame["area_code"],
                   frame["period_start"], frame["granularity"], frame["value"]))


def text_table(rows: list[list], delimiter: str = ",") -> str:
    def cell(value):
        text = str(value)
        return f'"{text}"' if delimiter in text else text
    return "\r\n".join(delimiter.join(cell(v) for v in row) for row in rows) + "\r\n"


def parse_text(text: str, encoding: str = "utf-8", answers=None, name="upload.csv"):
    sheet = read_sheets(name, text.encode(encoding))[0]
    return parse_officer_long(sheet, "sha", answers)


def parse_rows(rows: list[list], answers=None):
    return parse_text(text_table([HEADER[:4], *rows]), answers=answers)


def xlsx(build) -> bytes:
    workbook = Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-8", ","), ("utf-8-sig", ","), ("cp1252", ","), ("utf-16", "\t"), ("utf-8", ";")])
def test_every_encoding_and_separator_reads_the_same_values(encoding, delimiter):
    rows = generated_rows()
    parsed = parse_text(text_table([HEADER, *rows], delimiter), encoding)
    assert parsed.ok and parsed.problems == []
    assert as_tuples(parsed) == expected(rows)
    assert len(parsed.observations) == 4 * 3 * 2


def test_observations_have_the_model_columns_and_numeric_values():
    parsed = parse_text(text_table([HEADER, *generated_rows()]))
    assert list(parsed.observations.columns) == ["indicator_id", "area_type", "area_code",
                                                 "period_start", "granularity", "value",
                                                 "numerator", "denominator"]
    assert parsed.observations["value"].dtype == "float64"
    assert parsed.observations["numerator"].isna().all()
    assert parsed.kind == "officer_long"


def test_note_counts_values_indicators_areas_and_span():
    parsed = parse_text(text_table([HEADER, *generated_rows()]))
    assert parsed.notes == ["24 values for 2 indicators, 4 areas, Q1 2023/24 to Q3 2023/24"]


@pytest.mark.parametrize("text, number", [
    ("1,430", 1430.0), ("37%", 37.0), (" 12 ", 12.0), ("12,5", 12.5), ("0", 0.0),
    ("1,234,567.5", 1234567.5), (7, 7.0), (2.25, 2.25)])
def test_numbers_as_officers_write_them(text, number):
    assert read_number(text) == number


def test_written_numbers_are_stored_as_numbers():
    rows = [["Blaby", "Q1 2023/24", "Domestic crimes and incidents", "1,430"],
            ["Melton", "Q1 2023/24", "MARAC repeat rate", "37%"],
            ["Rutland", "Q1 2023/24", "Domestic crimes and incidents", " 12 "]]
    parsed = parse_rows(rows)
    values = dict(zip(parsed.observations["area_code"], parsed.observations["value"]))
    assert values == {"E07000129": 1430.0, "E07000133": 37.0, "E06000017": 12.0}


def test_decimal_comma_in_a_semicolon_file():
    text = "Area;Quarter;Indicator;Rate\nBlaby;Q1 2023/24;Violence with injury;2,75\n"
    parsed = parse_text(text)
    assert parsed.observations["value"].tolist() == [2.75]


def test_count_and_rate_columns_give_value_numerator_and_denominator():
    text = ("Area name,Financial Year Quarter,Indicator,Count,Rate per 1000,Population\n"
            "Blaby,Q2 2023/24,Violence with injury,\"1,025\",9.84,\"104,182\"\n")
    row = parse_text(text).observations.iloc[0]
    assert (row["value"], row["numerator"], row["denominator"]) == (9.84, 1025.0, 104182.0)
    assert row["period_start"] == "2023-07-01"


def test_count_measure_with_an_empty_rate_takes_the_count():
    text = ("District,Period,Measure,Number,Percentage\n"
            "Blaby,Q1 2023/24,Domestic crimes and incidents,359,\n"
            "Blaby,Q1 2023/24,MARAC repeat rate,12,37\n")
    frame = parse_text(text).observations.set_index("indicator_id")
    assert frame.loc["da_crimes_incidents", "value"] == 359.0
    assert (frame.loc["da_marac_repeat_rate", "value"],
            frame.loc["da_marac_repeat_rate", "numerator"]) == (37.0, 12.0)


@pytest.mark.parametrize("header", [
    ["AREA:", "Period", "Measure", "Value"],
    ["csp", "F.Y.", "Indicator", "Value (%)"],
    ["Beat", "Month", "Metric", "Count"],
    ["LSOA code", "Date", "measure name", "Number"]])
def test_header_names_match_ignoring_case_and_punctuation(header):
    sheet = read_sheets("a.csv", text_table([["Title"], [], header]).encode())[0]
    assert find_long_header(sheet) == 2


def test_a_table_without_a_measure_column_is_not_a_long_table():
    sheet = read_sheets("a.csv", b"District,Period,Value\nBlaby,Q1 2023/24,3\n")[0]
    assert find_long_header(sheet) is None


def test_lsoa_beat_county_total_and_board_rows():
    rows = [["E01025601", "Q1 2023/24", "Hate crimes", "2"],
            ["NL62", "Q1 2023/24", "Hate crimes", "3"],
            ["Total", "Q1 2023/24", "Hate crimes", "40"],
            ["Leicestershire and Rutland", "Q1 2023/24", "Hate crimes", "44"]]
    frame = parse_rows(rows).observations
    assert list(zip(frame["area_type"], frame["area_code"])) == [
        ("lsoa", "E01025601"), ("beat", "NL62"), ("county", "E10000018"), ("board", "LRSCSB")]


def test_blank_rows_are_skipped():
    text = text_table([HEADER[:4], ["Blaby", "Q1 2023/24", "Hate crimes", "2"], [], ["", "", ""],
                       ["Melton", "Q1 2023/24", "Hate crimes", "3"]])
    parsed = parse_text(text)
    assert parsed.problems == [] and parsed.observations["value"].tolist() == [2.0, 3.0]


def test_periods_in_every_form():
    rows = [["Blaby", p, "Hate crimes", str(i)] for i, p in enumerate(
        ["Q1 2023/24", "2023-24 Q2", "Oct-Dec 2023", "2023/24", "2024-01", "Feb 2024",
         "01/03/2024"])]
    frame = parse_rows(rows).observations
    assert list(zip(frame["period_start"], frame["granularity"])) == [
        ("2023-04-01", "quarter"), ("2023-07-01", "quarter"), ("2023-10-01", "quarter"),
        ("2023-04-01", "fy"), ("2024-01-01", "month"), ("2024-02-01", "month"),
        ("2024-03-01", "month")]


def workbook_with_cover(hidden_row: int | None = None) -> bytes:
    """A cover sheet first, then the data with two title rows and the header on row 4."""
    def build(workbook):
        cover = workbook.active
        cover.title = "Cover"
        cover.append(["Quarterly return for the Safer Communities Strategy Board"])
        cover.append(["Prepared by the community safety team"])
        data = workbook.create_sheet("Returns")
        data.append(["Community safety quarterly return"])
        data.append(["Figures provisional"])
        data.append([])
        data.append(["District", "Month", "Measure", "Value"])
        for i, month in enumerate((1, 2, 3)):
            data.append(["Charnwood", dt.datetime(2024, month, 1), "Hate crimes", 10 + i])
        data.append(["NW Leics", dt.datetime(2024, 3, 1), "Hate crimes", 7])
        if hidden_row:
            data.row_dimensions[hidden_row].hidden = True
    return xlsx(build)


def data_sheet(data: bytes, name="return.xlsx"):
    sheets = read_sheets(name, data)
    assert [s.sheet for s in sheets] == ["Cover", "Returns"]
    assert find_long_header(sheets[0]) is None
    return sheets[1]


def test_xlsx_with_a_cover_sheet_header_on_row_4_and_excel_dates():
    sheet = data_sheet(workbook_with_cover())
    assert find_long_header(sheet) == 3
    parsed = parse_officer_long(sheet, "sha")
    frame = parsed.observations
    assert list(zip(frame["area_code"], frame["period_start"], frame["granularity"],
                    frame["value"])) == [
        ("E07000130", "2024-01-01", "month", 10.0), ("E07000130", "2024-02-01", "month", 11.0),
        ("E07000130", "2024-03-01", "month", 12.0), ("E07000134", "2024-03-01", "month", 7.0)]
    header = [p for p in parsed.warnings if "header" in p.message]
    assert len(header) == 1 and header[0].row == 4 and header[0].sheet == "Returns"
    assert "row 4" in header[0].message


def test_hidden_rows_are_read_with_a_warning():
    parsed = parse_officer_long(data_sheet(workbook_with_cover(hidden_row=6)), "sha")
    assert len(parsed.observations) == 4
    hidden = [p for p in parsed.warnings if "hidden" in p.message]
    assert len(hidden) == 1 and hidden[0].row == 6 and "row 6" in hidden[0].message
    assert "read" in hidden[0].message


def test_a_name_read_as_another_warns_once_per_spelling_with_its_rows():
    rows = [["NW Leics", "Q1 2023/24", "Hate crimes", "2"],
            ["NW Leics", "Q2 2023/24", "Hate crimes", "3"],
            ["NWL", "Q3 2023/24", "Hate crimes", "4"],
            ["Oadby & Wigston", "Q3 2023/24", "Hate crimes", "4"],
            ["blaby", "Q3 2023/24", "Hate crimes", "4"]]
    parsed = parse_rows(rows)
    assert parsed.ok
    read_as = sorted((p.row, p.message) for p in parsed.warnings)
    assert read_as == [
        (2, '"NW Leics" (rows 2-3) was read as North West Leicestershire; check this is right'),
        (4, '"NWL" (row 4) was read as North West Leicestershire; check this is right')]


def test_leicester_city_rows_are_left_out_with_a_warning():
    parsed = parse_rows([["Leicester", "Q1 2023/24", "Hate crimes", "20"],
                         ["Blaby", "Q1 2023/24", "Hate crimes", "2"]])
    assert parsed.observations["area_code"].tolist() == ["E07000129"]
    assert [p.row for p in parsed.warnings if "Leicester city" in p.message] == [2]


def test_a_repeated_row_with_the_same_value_is_read_once():
    parsed = parse_rows([["Blaby", "Q1 2023/24", "Hate crimes", "2"],
                         ["Blaby", "Q1 2023/24", "Hate crimes", "2"]])
    assert parsed.ok and len(parsed.observations) == 1
    assert [(p.row, p.column) for p in parsed.warnings] == [(3, "D")]


def test_a_row_with_no_value_is_left_out_with_a_warning():
    parsed = parse_rows([["Blaby", "Q1 2023/24", "Hate crimes", "2"],
                         ["Melton", "Q1 2023/24", "Hate crimes", ""],
                         ["Rutland", "Q1 2023/24", "Hate crimes", ""]])
    assert parsed.ok and parsed.observations["area_code"].tolist() == ["E07000129"]
    [empty] = parsed.warnings
    assert empty.row == 3 and empty.message.startswith("rows 3-4 have no value")


GOOD = ["Blaby", "Q1 2023/24", "Domestic crimes and incidents", "12"]


@pytest.mark.parametrize("bad, column, words", [
    (["Blaby", "Q5 2023", "Hate crimes", "1"], "B", ["Q5 2023", "Q1 2023/24", "2023/24"]),
    (["Blaby", "Q1 2023/24", "Hate crimes", "lots"], "D", ['"lots" is not a number']),
    (["Blaby", "Q2 2023/24", "Domestic crimes and incidents", "-4"], "D", ["negative"]),
    (["Blaby", "Q1 2023/24", "MARAC repeat rate", "104"], "D", ["above 100%"]),
    (["Blaby", "Q1 2023/24", "Hate crimes", "104%"], "D", ["above 100%"]),
    (["Blaby", "Q1 2023/24", "Domestic crimes and incidents", "13"], "D",
     ["row 2 has 12", "row 3 has 13", "different values"]),
])
def test_each_error_names_its_row_and_column_and_nothing_is_stored(bad, column, words):
    parsed = parse_rows([GOOD, bad])
    assert [(p.row, p.column) for p in parsed.errors] == [(3, column)]
    assert parsed.errors[0].file == "upload.csv"
    for word in words:
        assert word in parsed.errors[0].message
    assert parsed.observations.empty and not parsed.ok


def test_no_data_rows_is_an_error():
    parsed = parse_text(text_table([["Note"], HEADER[:4], [], []]))
    assert [(p.row, "no data rows" in p.message) for p in parsed.errors] == [(2, True)]


def test_a_sheet_without_the_header_is_an_error():
    sheet = read_sheets("a.csv", b"Hello\nWorld\n")[0]
    assert "no header row" in parse_officer_long(sheet, "sha").errors[0].message


def test_ambiguous_financial_year_asks_a_question():
    rows = [["Blaby", "FY 2024", "First time entrants", "90"],
            ["Melton", "FY 2024", "First time entrants", "12"]]
    parsed = parse_rows(rows)
    [question] = parsed.questions
    assert (question.key, question.choices, question.row, question.column) == (
        "fy_label", ("end", "start"), 2, "B")
    assert "2023/24" in question.message and "2024/25" in question.message
    assert "rows 2-3" in question.message
    assert parsed.observations.empty and not parsed.ok


@pytest.mark.parametrize("answer, start", [("end", "2023-04-01"), ("start", "2024-04-01")])
def test_the_answer_settles_the_financial_year(answer, start):
    parsed = parse_rows([["Blaby", "FY 2024", "First time entrants", "90"]],
                        answers={"fy_label": answer})
    assert parsed.ok
    assert parsed.observations[["period_start", "granularity"]].values.tolist() == [[start, "fy"]]


def test_does_not_change_the_sheet():
    sheet = read_sheets("a.csv", text_table([HEADER, *generated_rows()]).encode())[0]
    before = sheet.cells.copy()
    parse_officer_long(sheet, "sha")
    assert sheet.cells.equals(before)


def officer_file_rows(measure: str = "Hate crime offences") -> list[list]:
    """An officer's own quarterly table: three measures for the eight districts, the third
    (by default) in words the dashboard does not know."""
    districts = ["Blaby", "Charnwood", "Harborough", "Hinckley and Bosworth", "Melton",
                 "North West Leicestershire", "Oadby and Wigston", "Rutland"]
    return [[d, "2023-24 Q1", m, str(100 + i)] for i, d in enumerate(districts)
            for m in ("Domestic crimes and incidents", measure)]


def test_an_unknown_measure_is_one_question_naming_its_rows_and_the_closest_measures():
    parsed = parse_rows(officer_file_rows())
    assert not parsed.errors
    [question] = parsed.questions
    assert question.key == "measure:hate crime offences"
    assert question.message.startswith('"Hate crime offences" (rows 3, 5, 7, 9, 11, 13, 15 and '
                                       "17) is not a measure this dashboard knows. Did you mean: "
                                       "Hate crimes;")
    # The closest few are named, never the whole list; every measure can still be chosen.
    titles = officer_measure_titles()
    assert sum(t in question.message for t in titles) <= 4
    assert question.choices[0] == "hate_crimes" and question.choices[-1] == LEAVE_OUT
    assert len(question.choices) == len(titles) + 1 and question.labels[0] == "Hate crimes"
    assert parsed.observations.empty


def test_the_answer_reads_the_name_and_says_so():
    parsed = parse_rows(officer_file_rows(), {"measure:hate crime offences": "hate_crimes"})
    assert parsed.ok, parsed.problems
    hate = parsed.observations[parsed.observations["indicator_id"] == "hate_crimes"]
    assert len(hate) == 8 and hate["value"].min() == 100
    assert any('"Hate crime offences" (rows 3, 5' in n and "read as Hate crimes" in n
               for n in parsed.notes)


def test_leaving_a_name_out_keeps_the_other_rows():
    parsed = parse_rows(officer_file_rows(), {"measure:hate crime offences": LEAVE_OUT})
    assert parsed.ok
    assert set(parsed.observations["indicator_id"]) == {"da_crimes_incidents"}
    [left] = parsed.warnings
    assert left.message.startswith("rows 3, 5, 7") and "left out, as answered" in left.message


def test_an_unknown_area_is_one_question_with_the_closest_districts():
    rows = [["Melton Town", "Q1 2023/24", "Hate crimes", "2"],
            ["Melton Town", "Q2 2023/24", "Hate crimes", "3"], GOOD]
    [question] = parse_rows(rows).questions
    assert question.key == "area:melton town"
    assert question.message.startswith('"Melton Town" (rows 2-3) is not an area this '
                                       "dashboard knows. Did you mean: Melton")
    answered = parse_rows(rows, {"area:melton town": "E07000133"})
    assert answered.ok and set(answered.observations["area_code"]) == {"E07000133", "E07000129"}


def test_districts_as_officers_write_them():
    rows = [["N.W. Leicestershire", "Q1 2023/24", "Hate crimes", "2"],
            ["Melton Mowbray", "Q1 2023/24", "Hate crimes", "3"]]
    parsed = parse_rows(rows)
    assert parsed.ok and parsed.observations["area_code"].tolist() == ["E07000134", "E07000133"]


def count_table(rows: list[list], answers=None):
    return parse_text(text_table([["district", "period", "measure", "count"], *rows]),
                      answers=answers)


@pytest.mark.parametrize("name", ["Hate crimes", "Anti-social behaviour incidents"])
def test_counts_are_never_read_into_a_rate_by_name_or_alias(name):
    """"Hate crimes" is the rate's own title; "Anti-social behaviour incidents" an alias of
    the ASB rate. Beside a column headed count, neither is matched: asked, not guessed."""
    parsed = count_table([["Blaby", "2023-24 Q1", name, "195"]])
    [question] = parsed.questions
    assert "a rate per 1,000 people, but column D holds counts" in question.message
    assert parsed.observations.empty
    # Only count measures are offered, and an answer that is a rate is refused.
    from data_loaders.catalogue import indicator
    assert all(indicator(c)["unit"] == "count" for c in question.choices[:-1])
    answered = count_table([["Blaby", "2023-24 Q1", name, "195"]],
                           {question.key: "hate_crimes"})
    assert answered.errors and "holds counts" in answered.errors[0].message


def test_a_count_measure_beside_a_count_column_needs_no_question():
    parsed = count_table([["Blaby", "2023-24 Q1", "Domestic crimes and incidents", "195"]])
    assert parsed.ok and parsed.observations["value"].tolist() == [195.0]


@pytest.mark.parametrize("marker", ["*", "<5", "n/a", "-", "..", "[c]"])
def test_a_figure_marked_not_available_is_kept_as_such_never_refused_or_zero(marker):
    rows = [GOOD, ["Melton", "Q1 2023/24", "Hate crimes", marker],
            ["Rutland", "Q1 2023/24", "Hate crimes", marker]]
    parsed = parse_rows(rows)
    assert parsed.ok, parsed.problems
    assert parsed.observations["area_code"].tolist() == ["E07000129"]  # no value, no zero
    [note] = parsed.warnings
    assert note.message == f'rows 3-4 are marked "{marker}": stored as not available, with ' \
                           "no figure (never as zero)"
    assert parsed.not_available[["area_code", "period_start", "marker"]].values.tolist() == [
        ["E07000133", "2023-04-01", marker], ["E06000017", "2023-04-01", marker]]
    # Or left out, as the officer chooses.
    left = parse_rows(rows, {"not_available": LEAVE_OUT})
    assert left.ok and left.not_available.empty
    assert "left out, as chosen" in left.warnings[0].message
