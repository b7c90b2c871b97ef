"""The spreadsheet template officers download and fill in: an empty long table whose District
and Measure columns offer drop-downs of the names the uploader knows."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from . import geography as geo
from .catalogue import officer_measure_titles
from .periods import PERIOD_FORMS

HEADER = ["District", "Period", "Measure", "Value", "Numerator", "Denominator"]
TEMPLATE_ROWS = 2000  # how far down the drop-downs reach

INSTRUCTIONS = [
    "How to fill in this template",
    "",
    "Use the Data sheet. Put one row for each area, period and measure; leave the header row "
    "as it is.",
    "District: pick from the drop-down. Leicestershire means the seven districts other than "
    "Rutland; Leicestershire and Rutland means the whole board area.",
    f"Period: write quarters like Q1 2023/24, months like Jan 2024, and financial years like "
    f"2023/24. These forms are read: {PERIOD_FORMS}.",
    "Write financial years as 2023/24, not FY 2024: FY 2024 can mean two different years.",
    "Measure: pick from the drop-down. The list is the board's indicator catalogue.",
    "Value: the figure the board reads. A count as a whole number, a percentage between 0 "
    "and 100 (37 or 37%), a rate per 1,000 residents as it is (3.88).",
    "Numerator and Denominator: for a rate or a percentage, the count and the population or "
    "total it is out of, when you have them. Leave them empty otherwise.",
    "Leave a row out rather than writing zero when there is no figure; write 0 when the figure "
    "is zero.",
    "Upload the file on the dashboard's Upload page. It lists any problems with the cell they "
    "are in, and stores nothing until they are put right.",
]


def district_choices() -> list[str]:
    """The names the District drop-down offers: the eight districts, the county, the board."""
    return [*geo.DISTRICTS.values(), geo.COUNTY_NAME, geo.BOARD_NAME]


def _list_validation(column: str, count: int, title: str) -> DataValidation:
    """A drop-down of the ``count`` names in a column of the Lists sheet."""
    return DataValidation(type="list", formula1=f"Lists!${column}$2:${column}${count + 1}",
                          allow_blank=True, showErrorMessage=True, errorTitle=title,
                          error=f"Pick a {title.lower()} from the list (see the Lists sheet).")


def _fill_instructions(sheet) -> None:
    for line in INSTRUCTIONS:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 120


def _fill_lists(sheet, districts: list[str], measures: list[str]) -> None:
    sheet.append(["District", "Measure"])
    for row in range(max(len(districts), len(measures))):
        sheet.append([districts[row] if row < len(districts) else None,
                      measures[row] if row < len(measures) else None])
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 70


def _fill_data(sheet, districts: list[str], measures: list[str]) -> None:
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEF", (28, 14, 60, 12, 12, 14)):
        sheet.column_dimensions[letter].width = width
    # Text format keeps "2023/24" and "2023-04" as typed instead of Excel turning them into dates.
    sheet.column_dimensions["B"].number_format = "@"
    last = TEMPLATE_ROWS + 1
    for validation, column in ((_list_validation("A", len(districts), "District"), "A"),
                               (_list_validation("B", len(measures), "Measure"), "C")):
        validation.add(f"{column}2:{column}{last}")
        sheet.add_data_validation(validation)
    numbers = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                             allow_blank=True, showErrorMessage=True, errorTitle="Number",
                             error="Write a number of zero or more.")
    numbers.add(f"D2:F{last}")
    sheet.add_data_validation(numbers)


def build_long_template() -> bytes:
    """The officer's long-table template as xlsx bytes: Instructions, an empty Data sheet with
    drop-downs, and the Lists the drop-downs read."""
    districts, measures = district_choices(), officer_measure_titles()
    workbook = Workbook()
    _fill_instructions(workbook.active)
    workbook.active.title = "Instructions"
    _fill_data(workbook.create_sheet("Data"), districts, measures)
    _fill_lists(workbook.create_sheet("Lists"), districts, measures)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
