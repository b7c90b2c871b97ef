"""District x quarter tables: the board paper's Domestic Abuse Dashboard reproduced exactly, as
the text in the paper and as an xlsx with merged year headers, and every figure the file
derives (YTD, county total, % change, direction) checked against the quarters."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from data_loaders.catalogue import indicator, officer_measure_titles
from data_loaders.names import LEAVE_OUT
from data_loaders.officer_long import find_long_header
from data_loaders.officer_wide import find_wide_header, parse_officer_wide
from data_loaders.readers import read_sheets

BOARD_PAPERS = Path(__file__).resolve().parents[2] / "shared" / "board-papers"

# The table as it is in board-papers/000_*.txt (tab-separated), titles included.
BOARD_TABLE = "\n".join([
    "Domestic Abuse Dashboard: YTD Quarter 4 2019/20  ",
    "All Offences and Incidents for Leicestershire County and Districts",
    "",
    "Choose Category  ",
    "All Offences and Incidents",
    "",
    "Designed by Karen Earp: Produced by the Research and Insight Team, Leicestershire County "
    "Council  ",
    "Data Source: Leicestershire Police CIS (Provided by the Performance Review team)  ",
    "Contact: karen.earp@leics.gov.uk, 0116 305 7260",
    "",
    " ",
    "\tFY 2019\t\t\t\t\tFY 2020\t\t\t\t\tYTD % Change\tDirection\tTwo year trend chart",
    "\tQ1\tQ2\tQ3\tQ4\tYTD\tQ1\tQ2\tQ3\tQ4\tYTD\t\t\t",
    "Blaby\t359\t379\t344\t348\t1,430\t350\t366\t329\t337\t1,382\t-3.4%\t↓\t",
    "Charnwood\t685\t737\t728\t668\t2,818\t737\t716\t709\t648\t2,810\t-0.3%\t↓\t",
    "Harborough\t215\t229\t222\t214\t880\t240\t252\t247\t200\t939\t6.7%\t↑\t",
    "Hinckley & Bosworth\t517\t436\t404\t336\t1,693\t380\t451\t395\t340\t1,566\t-7.5%\t↓\t",
    "Melton\t210\t211\t172\t200\t793\t185\t192\t165\t147\t689\t-13.1%\t↓\t",
    "North West Leicestershire\t444\t463\t414\t394\t1,715\t382\t428\t434\t355\t1,599\t-6.8%\t↓\t",
    "Oadby & Wigston\t271\t266\t245\t199\t981\t242\t238\t253\t218\t951\t-3.1%\t↓\t",
    "Leicestershire\t2,701\t2,721\t2,529\t2,359\t10,310\t2,516\t2,643\t2,532\t2,245\t9,936\t-3.6%"
    "\t↓\t",
]) + "\n"
CODES = {"Blaby": "E07000129", "Charnwood": "E07000130", "Harborough": "E07000131",
         "Hinckley & Bosworth": "E07000132", "Melton": "E07000133",
         "North West Leicestershire": "E07000134", "Oadby & Wigston": "E07000135",
         "Leicestershire": "E10000018"}
QUARTER_STARTS = {2018: ["2018-04-01", "2018-07-01", "2018-10-01", "2019-01-01"],
                  2019: ["2019-04-01", "2019-07-01", "2019-10-01", "2020-01-01"]}


def table_rows(text: str = BOARD_TABLE) -> dict[str, list[str]]:
    """The district rows of the text, split by hand: name -> the 13 cells after it."""
    return {line.split("\t")[0]: line.split("\t")[1:] for line in text.splitlines()
            if line.split("\t")[0] in CODES}


def number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def parse_text(text: str = BOARD_TABLE, answers=None):
    sheet = read_sheets("da_dashboard.txt", text.encode("utf-8"))[0]
    return parse_officer_wide(sheet, "sha", answers)


def values_of(parsed, code: str, fy_year: int) -> list[float]:
    frame = parsed.observations
    rows = frame[(frame["area_code"] == code) & frame["period_start"].isin(QUARTER_STARTS[fy_year])]
    return rows.sort_values("period_start")["value"].tolist()


def test_the_embedded_table_is_the_board_papers_own():
    papers = sorted(BOARD_PAPERS.glob("000_*.txt"))
    if not papers:
        pytest.skip("../shared/board-papers is not beside the project")
    assert BOARD_TABLE in papers[0].read_text(encoding="utf-8")


def test_the_board_table_is_recognised_as_wide_not_long():
    sheet = read_sheets("da_dashboard.txt", BOARD_TABLE.encode())[0]
    assert find_wide_header(sheet) == 12
    assert find_long_header(sheet) is None


def test_board_table_reproduces_exactly():
    parsed = parse_text()
    assert parsed.ok and parsed.problems == [], [str(p) for p in parsed.problems]
    assert parsed.kind == "officer_wide"
    assert set(parsed.observations["indicator_id"]) == {"da_crimes_incidents"}
    assert set(parsed.observations["granularity"]) == {"quarter"}
    assert values_of(parsed, "E07000129", 2018) == [359, 379, 344, 348]
    assert values_of(parsed, "E07000129", 2019) == [350, 366, 329, 337]
    assert sum(values_of(parsed, "E07000129", 2018)) == 1430
    assert sum(values_of(parsed, "E07000129", 2019)) == 1382
    assert sum(values_of(parsed, "E07000131", 2018)) == 880
    assert sum(values_of(parsed, "E07000131", 2019)) == 939
    assert sum(values_of(parsed, "E10000018", 2018)) == 10310
    assert sum(values_of(parsed, "E10000018", 2019)) == 9936


def test_every_figure_matches_the_text_split_by_hand():
    parsed = parse_text()
    for name, cells in table_rows().items():
        for fy_year, offset in ((2018, 0), (2019, 5)):
            quarters = [number(c) for c in cells[offset:offset + 4]]
            assert values_of(parsed, CODES[name], fy_year) == quarters
            assert sum(quarters) == number(cells[offset + 4])
        before, after = number(cells[4]), number(cells[9])
        assert round((after - before) / before * 100, 1) == number(cells[10])
    frame = parsed.observations
    assert set(zip(frame["area_type"], frame["area_code"])) == {
        ("county" if c == "E10000018" else "district", c) for c in CODES.values()}
    assert len(frame) == 8 * 8


def test_board_table_notes_say_what_was_read_and_how_fy_was_settled():
    notes = parse_text().notes
    assert notes[0] == ("Domestic crimes and incidents: 64 values for 1 indicator, 8 areas, "
                        "Q1 2018/19 to Q4 2019/20")
    assert "FY 2020 as 2019/20" in notes[1] and "FY 2019 as 2018/19" in notes[1]


def edited(old: str, new: str, text: str = BOARD_TABLE) -> str:
    assert text.count(old) == 1
    return text.replace(old, new)


def test_a_wrong_ytd_is_a_warning_naming_the_cell_and_both_figures():
    parsed = parse_text(edited("348\t1,430", "348\t1,431"))
    [problem] = parsed.problems
    assert (problem.severity, problem.row, problem.column) == ("warning", 14, "F")
    assert "1,431" in problem.message and "1,430" in problem.message
    assert "quarterly values were used" in problem.message
    assert parsed.ok and sum(values_of(parsed, "E07000129", 2018)) == 1430


def test_a_wrong_county_total_is_replaced_by_the_sum_of_the_districts():
    parsed = parse_text(edited("2,701\t2,721", "2,701\t2,731"))
    totals = [p for p in parsed.warnings if "districts add up" in p.message]
    assert [(p.row, p.column) for p in totals] == [(21, "C")]
    assert "2,731" in totals[0].message and "2,721" in totals[0].message
    assert values_of(parsed, "E10000018", 2018)[1] == 2721


def test_a_wrong_percent_change_and_arrow_are_warnings():
    parsed = parse_text(edited("6.7%\t↑", "-6.7%\t↓"))
    assert [(p.row, p.column) for p in parsed.warnings] == [(16, "L"), (16, "M")]
    assert "+6.7%" in parsed.warnings[0].message and "880 to 939" in parsed.warnings[0].message


def test_text_figures_are_errors_and_an_unknown_district_a_question():
    text = edited("Melton\t210\t211", "Meltonn\t210\ttwo")
    parsed = parse_text(text)
    assert [(p.row, p.column) for p in parsed.errors] == [(18, "C")]
    [question] = parsed.questions
    assert (question.row, question.column, question.key) == (18, "A", "area:meltonn")
    assert "Did you mean: Melton" in question.message
    assert parsed.observations.empty
    answered = parse_text(edited("Melton\t210", "Meltonn\t210"), {"area:meltonn": "E07000133"})
    assert answered.ok and values_of(answered, "E07000133", 2018)[0] == 210


def test_fy_labels_the_titles_do_not_settle_are_asked_about():
    text = edited("Domestic Abuse Dashboard: YTD Quarter 4 2019/20", "Domestic Abuse Dashboard")
    parsed = parse_text(text)
    [question] = parsed.questions
    assert (question.key, question.choices, question.row, question.column) == (
        "fy_label", ("end", "start"), 12, "B")
    answered = parse_text(text, {"fy_label": "start"})
    assert answered.ok
    assert values_of(answered, "E07000129", 2019) == [359, 379, 344, 348]


def test_years_written_as_2018_19_need_no_question():
    text = edited("\tFY 2019\t", "\t2018/19\t").replace("\tFY 2020\t", "\t2019/20\t")
    text = edited("Domestic Abuse Dashboard: YTD Quarter 4 2019/20", "Dashboard", text)
    parsed = parse_text(text)
    assert parsed.ok and values_of(parsed, "E07000129", 2019) == [350, 366, 329, 337]


def test_a_title_naming_no_measure_asks_which_measure():
    text = edited("All Offences and Incidents for", "Everything for")
    text = edited("\nAll Offences and Incidents\n", "\nEverything\n", text)
    parsed = parse_text(text)
    [question] = parsed.questions
    # Asked about the table's first title, so the answer is kept for tables with that title.
    assert question.key.startswith("measure:everything for")
    assert question.choices[-1] == LEAVE_OUT
    assert sorted(indicator(c)["title"] for c in question.choices[:-1]) == \
        sorted(officer_measure_titles())
    for answers in ({question.key: "da_offences"}, {"measure": "Domestic abuse offences"},
                    {"measure": "da_offences"}):
        answered = parse_text(text, answers)
        assert set(answered.observations["indicator_id"]) == {"da_offences"}


def board_workbook(hidden_row: int | None = None) -> bytes:
    """The board table as an analyst's xlsx: a cover sheet, title rows, merged year headers,
    figures as numbers and the % change as a fraction formatted as a percentage."""
    workbook = Workbook()
    workbook.active.title = "Cover"
    workbook.active.append(["Safer Communities Strategy Board: performance pack"])
    sheet = workbook.create_sheet("DA dashboard")
    sheet.append(["Domestic Abuse Dashboard: YTD Quarter 4 2019/20"])
    sheet.append(["All Offences and Incidents for Leicestershire County and Districts"])
    sheet.append([])
    sheet.append([None, "FY 2019", None, None, None, None, "FY 2020", None, None, None, None,
                  "YTD % Change", "Direction", "Two year trend chart"])
    sheet.merge_cells("B4:F4")
    sheet.merge_cells("G4:K4")
    sheet.append([None, "Q1", "Q2", "Q3", "Q4", "YTD"] * 1 + ["Q1", "Q2", "Q3", "Q4", "YTD"])
    for name, cells in table_rows().items():
        figures = [int(number(c)) for c in cells[:10]]
        change = round(number(cells[10]) / 100, 3)
        sheet.append([name, *figures, change, cells[11]])
        sheet.cell(sheet.max_row, 12).number_format = "0.0%"
    if hidden_row:
        sheet.row_dimensions[hidden_row].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_merged_year_headers_reproduces_the_board_table():
    cover, sheet = read_sheets("da.xlsx", board_workbook())
    assert find_wide_header(cover) is None and find_long_header(cover) is None
    assert find_wide_header(sheet) == 4 and find_long_header(sheet) is None
    parsed = parse_officer_wide(sheet, "sha")
    assert parsed.ok and parsed.problems == [], [str(p) for p in parsed.problems]
    text = parse_text()
    columns = ["area_code", "period_start", "value"]
    assert parsed.observations[columns].equals(text.observations[columns])


def test_hidden_rows_in_a_wide_table_are_read_with_a_warning():
    parsed = parse_officer_wide(read_sheets("da.xlsx", board_workbook(hidden_row=7))[1], "sha")
    [hidden] = parsed.warnings
    assert hidden.row == 7 and "row 7" in hidden.message
    assert values_of(parsed, "E07000130", 2018) == [685, 737, 728, 668]


def test_does_not_change_the_sheet():
    sheet = read_sheets("da_dashboard.txt", BOARD_TABLE.encode())[0]
    before = sheet.cells.copy()
    parse_officer_wide(sheet, "sha")
    assert sheet.cells.equals(before)


def test_a_quarter_marked_not_available_is_kept_as_such():
    parsed = parse_text(edited("Melton\t210\t211", "Melton\t*\t211"))
    assert parsed.ok
    assert parsed.not_available[["area_code", "period_start", "marker"]].values.tolist() == [
        ["E07000133", "2018-04-01", "*"]]
    melton = parsed.observations.query("area_code == 'E07000133'")
    assert "2018-04-01" not in set(melton["period_start"])  # no value, no zero
    assert any('marked "*": stored as not available' in w.message for w in parsed.warnings)
