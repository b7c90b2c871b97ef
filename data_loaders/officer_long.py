"""An officer's long table (one row per area, period and measure): its header found by content
in the first 30 rows, every row read into tidy observations, and every problem said with the
cell it is in as Excel shows it.

The cells themselves are read by officer_cells, as a district x quarter table's are.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import geography as geo
from .catalogue import indicator
from .model import OBSERVATION_KEY, ParsedFile
from .officer_cells import (
    HEADER_SEARCH_ROWS,
    CellReader,
    hidden_rows_warning,
    is_blank,
    normalise_header,
    observations_note,
    rows_text,
    to_observations,
    unit_of,
)
from .periods import period_label
from .problems import Problem, error, warning
from .readers import RawSheet

# Header words that say a column holds counts, not rates ("value" and "figure" say neither).
COUNT_WORDS = {"count", "counts", "number", "numbers", "volume", "total", "totals", "no"}

# Words naming each column's role, tried in this order: "Rate per 1,000 population" is a rate
# and not a denominator, and "Numerator" is its own role, never a "Number".
ROLE_WORDS = {
    "numerator": {"numerator"},
    "denominator": {"denominator"},
    "rate": {"rate", "percentage", "percent", "%", "pct", "proportion"},
    "count": {"count", "value", "number", "figure", "total", "volume"},
    "measure": {"measure", "indicator", "metric", "kpi"},
    "period": {"period", "quarter", "qtr", "month", "fy", "year", "date", "financialyear"},
    "area": {"district", "area", "csp", "beat", "location", "lsoa", "neighbourhood",
             "partnership", "locality"},
    "population": {"population"},
}


def header_role(value) -> str | None:
    """The role a header cell names (see ROLE_WORDS), or None."""
    if not isinstance(value, str):
        return None
    text = normalise_header(value)
    words = set(text.split()) | {text.replace(" ", "")}
    return next((role for role, names in ROLE_WORDS.items() if words & names), None)


@dataclass(frozen=True)
class LongColumns:
    """0-based column indexes of a long table's roles."""

    area: int
    period: int
    measure: int
    value: int
    numerator: int | None = None
    denominator: int | None = None
    count_is_numerator: bool = False
    value_holds_counts: bool = False  # the value column's header says counts ("Count")


def long_columns(row: pd.Series) -> LongColumns | None:
    """The columns of a header row, or None when it lacks an area, period, measure or value."""
    roles: dict[str, int] = {}
    for column, value in enumerate(row.tolist()):
        role = header_role(value)
        if role and role not in roles:
            roles[role] = column
    if not {"area", "period", "measure"} <= roles.keys() or not {"rate", "count"} & roles.keys():
        return None
    # With both a count and a rate, the rate is the value and the count its numerator.
    value = roles.get("rate", roles.get("count"))
    numerator = roles.get("numerator", roles.get("count") if "rate" in roles else None)
    denominator = roles.get("denominator", roles.get("population"))
    count_is_numerator = "rate" in roles and "count" in roles and "numerator" not in roles
    holds_counts = "rate" not in roles and bool(
        set(normalise_header(row.iloc[value]).split()) & COUNT_WORDS)
    return LongColumns(roles["area"], roles["period"], roles["measure"], value, numerator,
                       denominator, count_is_numerator, holds_counts)


def find_long_header(sheet: RawSheet) -> int | None:
    """Index (into ``sheet.cells``) of the long-table header in the first 30 rows, or None."""
    for index in range(min(HEADER_SEARCH_ROWS, len(sheet.cells))):
        if long_columns(sheet.cells.iloc[index]) is not None:
            return index
    return None


def header_warning(sheet: RawSheet, index: int) -> list[Problem]:
    """A warning when the header is not on row 1, so the officer can see what was skipped."""
    row = sheet.excel_row(index)
    if row == 1:
        return []
    return [warning(f"the header was found on row {row}; the rows above it were taken as titles "
                    "and not read", file=sheet.file_name, sheet=sheet.sheet, row=row)]


def _row_record(reader: CellReader, index: int, cols: LongColumns) -> dict | None:
    """One data row as an observation record, or None when any of its cells has a problem."""
    area = reader.area(index, cols.area)
    measure = reader.measure(index, cols.measure)
    if index in reader.skipped:
        return None  # the officer chose to leave this row's area or measure out
    period = reader.period(index, cols.period)
    unit = reader._once(unit_of, measure) if measure else None
    value_column, numerator_column = cols.value, cols.numerator
    if is_blank(reader.cell(index, value_column)) and unit == "count" and cols.count_is_numerator:
        value_column, numerator_column = cols.numerator, None  # a count measure has no rate
    value = reader.number(index, value_column, unit)
    if is_blank(reader.cell(index, value_column)):
        reader.empty_rows.append(reader.sheet.excel_row(index))
    marker = reader.marked.get((index, value_column))
    if marker and None not in (area, measure, period):
        reader.unavailable.append({"indicator_id": measure, "area_type": area[1],
                                   "area_code": area[0], "period_start": period[0],
                                   "granularity": period[1], "marker": marker})
    numerator = reader.number(index, numerator_column, unit, "numerator")
    denominator = reader.number(index, cols.denominator, unit, "denominator")
    if None in (area, measure, period, value):
        return None
    return {"indicator_id": measure, "area_type": area[1], "area_code": area[0],
            "period_start": period[0], "granularity": period[1], "value": value,
            "numerator": numerator, "denominator": denominator}


def _duplicates(frame: pd.DataFrame, rows: list[int], reader: CellReader, value_column: int
                ) -> tuple[pd.DataFrame, list[Problem]]:
    """Errors for a key given twice with different values; a repeat with the same value is read
    once with a warning."""
    frame = frame.assign(_row=rows)
    problems = []
    for _, group in frame[frame.duplicated(OBSERVATION_KEY, keep=False)].groupby(
            OBSERVATION_KEY, sort=False):
        first, later = group.iloc[0], group.iloc[1:]
        what = (f"{geo.area_name(first['area_code'])}, "
                f"{period_label(first['period_start'], first['granularity'])}, "
                f"{indicator(first['indicator_id'])['title']}")
        place = reader.place(reader.row_index(int(later.iloc[0]["_row"])), value_column)
        if group["value"].nunique() > 1:
            given = "; ".join(f"row {int(r)} has {v:g}" for r, v in zip(group["_row"],
                                                                        group["value"]))
            problems.append(error(f"{what} is given more than once with different values "
                                  f"({given}); keep one row", **place))
        else:
            problems.append(warning(f"{what} is given more than once with the same value "
                                    f"({rows_text(group['_row'])}); it was read once", **place))
    return frame.drop_duplicates(OBSERVATION_KEY).drop(columns="_row"), problems


def parse_officer_long(sheet: RawSheet, sha256: str, answers: dict | None = None) -> ParsedFile:
    """Read an officer's long table into observations (see model.OBSERVATION_COLUMNS).

    Problems are returned, not raised; when there is an error or a question the observations
    are empty, so nothing of the file can be stored. ``answers`` may hold ``fy_label``.
    """
    parsed = ParsedFile(sheet.file_name, sha256, "officer_long")
    header = find_long_header(sheet)
    if header is None:
        parsed.problems.append(error("no header row with area, period, measure and value columns "
                                     "was found in the first 30 rows; use the template from the "
                                     "Upload page", file=sheet.file_name, sheet=sheet.sheet))
        return parsed
    cols = long_columns(sheet.cells.iloc[header])
    answers = answers or {}
    reader = CellReader(sheet, answers.get("fy_label"), answers,
                        cols.value if cols.value_holds_counts else None)
    records, rows, read = [], [], []
    for index in range(header + 1, len(sheet.cells)):
        if all(is_blank(v) for v in reader.row(index)):
            continue  # blank rows separate blocks; they hold nothing to read
        read.append(index)
        record = _row_record(reader, index, cols)
        if record:
            records.append(record)
            rows.append(sheet.excel_row(index))
    frame, duplicates = _duplicates(to_observations(records), rows, reader, cols.value)
    parsed.problems = header_warning(sheet, header) + reader.finish() + duplicates + \
        hidden_rows_warning(sheet, read)
    if not read:
        parsed.problems.append(error(f"there are no data rows under the header on row "
                                     f"{sheet.excel_row(header)}; add one row per area, period "
                                     "and measure", **reader.place(header)))
    if parsed.ok:
        parsed.observations = frame.reset_index(drop=True)
        if len(frame):
            parsed.notes.append(observations_note(frame))
        parsed.notes += reader.answered_notes()
        parsed.not_available = reader.not_available_frame()
    return parsed
