"""A district x quarter table like the board's Domestic Abuse Dashboard: title rows, a year
header over Q1..Q4 and YTD per financial year, one row per district and a county total, then
the YTD % change and a direction arrow. The quarterly values are stored; the totals, YTDs and
% change the file shows are recomputed from them and compared."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from . import geography as geo
from .catalogue import indicator, match_measure
from .model import NOT_AVAILABLE_COLUMNS, ParsedFile, empty_not_available
from .names import LEAVE_OUT, MEASURE, name_key, unknown_name_question
from .officer_cells import (
    FY_CHOICES,
    HEADER_SEARCH_ROWS,
    NOT_AVAILABLE_KEY,
    CellReader,
    fy_question,
    hidden_rows_warning,
    is_blank,
    normalise_header,
    observations_note,
    read_number,
    to_observations,
)
from .periods import AmbiguousFinancialYear, PeriodError, parse_period, quarter_start
from .problems import Problem, column_letter, error, warning
from .readers import RawSheet

# Pieces a title is cut into when looking for a measure name in it.
TITLE_SPLIT = re.compile(r"\s+(?:for|in|by|across)\s+|[:|–—]|\s-\s")
FY_IN_TEXT = re.compile(r"(?<!\d)(\d{4})\s*[/-]\s*(\d{2}|\d{4})(?!\d)")


def header_cell(value) -> int | str | None:
    """1-4 for a quarter header ("Q1", "Qtr 1", "Quarter 1"), "ytd" for a year-to-date one."""
    if not isinstance(value, str):
        return None
    text = normalise_header(value)
    match = re.fullmatch(r"(?:q|qtr|quarter)\s*([1-4])", text)
    if match:
        return int(match.group(1))
    return "ytd" if text in ("ytd", "year to date") else None


@dataclass(eq=False)
class YearBlock:
    """One financial year's columns: its label, the quarter columns and the YTD column."""

    label: str
    label_column: int
    quarters: dict[int, int]  # quarter (1-4) -> column
    ytd: int | None
    fy_year: int | None = None  # the April the year starts in, once settled

    def quarter_start(self, quarter: int) -> str:
        return quarter_start(self.fy_year, quarter).isoformat()


def quarter_runs(row: pd.Series) -> list[int]:
    """Columns where a Q1, Q2, Q3, Q4 run starts."""
    kinds = [header_cell(v) for v in row.tolist()]
    return [c for c in range(len(kinds) - 3) if kinds[c:c + 4] == [1, 2, 3, 4]]


def find_wide_header(sheet: RawSheet) -> int | None:
    """Index of the Q1..Q4/YTD header row in the first 30 rows, or None."""
    for index in range(min(HEADER_SEARCH_ROWS, len(sheet.cells))):
        if quarter_runs(sheet.cells.iloc[index]):
            return index
    return None


@dataclass
class WideLayout:
    """Where things are in a wide table (0-based)."""

    header: int
    blocks: list[YearBlock]
    change: int | None = None
    direction: int | None = None
    problems: list[Problem] = field(default_factory=list)


def read_layout(sheet: RawSheet, header: int, reader: CellReader) -> WideLayout:
    """The year blocks under their labels (in the row above; merged cells hold the label in
    their first cell only) and the % change and direction columns after them."""
    cells = sheet.cells
    above = cells.iloc[header - 1].tolist() if header > 0 else [None] * cells.shape[1]
    row = cells.iloc[header].tolist()
    layout = WideLayout(header, [])
    previous_end = 0
    for start in quarter_runs(cells.iloc[header]):
        label_column = next((c for c in range(start, previous_end - 1, -1)
                             if not is_blank(above[c])), None)
        ytd = start + 4 if start + 4 < len(row) and header_cell(row[start + 4]) == "ytd" else None
        if label_column is None:
            layout.problems.append(error(
                "no financial year is written above this Q1; write it like 2018/19 in the row "
                "above the quarters", **reader.place(header, start)))
            label_column = start
        label = "" if is_blank(above[label_column]) else " ".join(str(above[label_column]).split())
        layout.blocks.append(YearBlock(label, label_column,
                                       {q: start + q - 1 for q in range(1, 5)}, ytd))
        previous_end = (ytd or start + 3) + 1
    for column in range(previous_end, len(row)):
        words = normalise_header(f"{above[column] or ''} {row[column] or ''}")
        if "change" in words and layout.change is None:
            layout.change = column
        elif "direction" in words and layout.direction is None:
            layout.direction = column
    return layout


def title_texts(sheet: RawSheet, before: int) -> list[str]:
    """Every text cell above the year header row, in reading order."""
    return [" ".join(v.split()) for v in sheet.cells.iloc[:max(before, 0)].to_numpy().ravel()
            if isinstance(v, str) and v.strip()]


def find_measure(titles: list[str], sheet_name: str | None) -> str | None:
    """The catalogue id of the first title (or piece of a title, or the sheet name) naming one."""
    for text in [*titles, sheet_name or ""]:
        for piece in [text, *TITLE_SPLIT.split(text)]:
            found = match_measure(piece.strip()) if piece.strip() else None
            if found:
                return found
    return None


def measure_question(titles: list[str], sheet_name: str | None, place: dict) -> Problem:
    """Which measure the table counts, asked about its first title without a date or a
    number in it (so the answer, kept for tables with that title, still holds next
    quarter)."""
    undated = [t for t in titles if not re.search(r"\d", t)]
    title = next(iter(undated or titles), sheet_name or "the table")
    why = (f'"{title}" names no measure this dashboard knows, and nor does any other title '
           "row, so it is not known what this table counts")
    return unknown_name_question(MEASURE, title, "the table's title", place, why)


def _fy_reading(label: str, fy_label: str | None) -> int:
    """The April a year label starts in; raises AmbiguousFinancialYear or PeriodError."""
    period_start, granularity = parse_period(label, fy_label)
    if granularity != "fy":
        raise PeriodError(f'"{label}" is not a financial year')
    return int(period_start[:4])


def settle_years(blocks: list[YearBlock], titles: list[str], fy_label: str | None,
                 reader: CellReader, header: int) -> tuple[list[Problem], str | None]:
    """Set each block's fy_year; (problems, a note on how "FY 2020" was read).

    An "FY 2020" label is settled by the answer, else by the titles: the latest financial year
    they name ("YTD Quarter 4 2019/20") must be the latest column year.
    """
    problems: list[Problem] = []
    ambiguous = []
    for block in blocks:
        try:
            block.fy_year = _fy_reading(block.label, fy_label)
        except AmbiguousFinancialYear:
            ambiguous.append(block)
        except PeriodError:
            problems.append(error(f'"{block.label}" is not a financial year; write it like 2018/19',
                                  **reader.place(header - 1, block.label_column)))
    if not ambiguous:
        return problems, None
    named = [int(a) for a, b in FY_IN_TEXT.findall(" ".join(titles))
             if (int(a) + 1) % 100 == int(b[-2:])]
    fits = [choice for choice in FY_CHOICES
            if named and _latest_year(blocks, ambiguous, choice) == max(named)]
    if len(fits) != 1:
        place = reader.place(header - 1, ambiguous[0].label_column)
        return problems + [fy_question({b.label: [] for b in ambiguous}, place)], None
    for block in ambiguous:
        block.fy_year = _fy_reading(block.label, fits[0])
    latest = max(named)
    readings = ", ".join(f"{b.label} as {b.fy_year}/{str(b.fy_year + 1)[-2:]}" for b in ambiguous)
    return problems, (f"The year labels were read {readings}: the titles name "
                      f"{latest}/{str(latest + 1)[-2:]} as the latest year")


def _latest_year(blocks: list[YearBlock], ambiguous: list[YearBlock], choice: str) -> int:
    """The latest column year if the ambiguous labels are read as ``choice``."""
    return max(_fy_reading(b.label, choice) if b in ambiguous else b.fy_year
               for b in blocks if b in ambiguous or b.fy_year is not None)


@dataclass
class AreaRow:
    """One area row of the table: its quarterly values per block and the file's own YTDs."""

    index: int
    code: str
    area_type: str
    values: dict[tuple[int, int], float] = field(default_factory=dict)  # (block, quarter)
    marked: dict[tuple[int, int], str] = field(default_factory=dict)  # not available, marker


def read_area_rows(sheet: RawSheet, layout: WideLayout, reader: CellReader, unit: str | None
                   ) -> list[AreaRow]:
    """Area rows under the header, up to the first blank row after them."""
    first_value = min(layout.blocks[0].quarters.values())
    rows: list[AreaRow] = []
    for index in range(layout.header + 1, len(sheet.cells)):
        values = sheet.cells.iloc[index].tolist()
        if all(is_blank(v) for v in values):
            if rows:
                break  # the table ends at its first blank row; below it is other content
            continue
        label = next((c for c in range(first_value) if not is_blank(values[c])), None)
        has_figures = any(_looks_numeric(v) for v in values[first_value:])
        if label is None and not has_figures:
            continue
        if label is None:
            reader.fail("this row has figures but no area name; write the district in column "
                        f"{column_letter(0)}", index, 0)
            continue
        if not has_figures and geo.resolve_area_name(str(values[label]))[0] is None:
            continue  # a subtitle or a note, not an area
        area = reader.area(index, label)
        row = AreaRow(index, *area) if area else None
        for b, block in enumerate(layout.blocks):
            for quarter, column in block.quarters.items():
                number = reader.number(index, column, unit)
                if row and number is not None:
                    row.values[(b, quarter)] = number
                elif row and (index, column) in reader.marked:
                    row.marked[(b, quarter)] = reader.marked[(index, column)]
        if row:
            rows.append(row)
    return rows


def _looks_numeric(value) -> bool:
    try:
        return read_number(value) is not None
    except ValueError:
        return False


def _fmt(number: float) -> str:
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,.2f}"


def check_ytd(layout: WideLayout, rows: list[AreaRow], reader: CellReader
              ) -> list[Problem]:
    """A warning for each YTD cell that is not the sum of its row's quarters."""
    problems = []
    for row in rows:
        for b, block in enumerate(layout.blocks):
            quarters = [row.values[(b, q)] for q in range(1, 5) if (b, q) in row.values]
            given = _cell_number(reader, row.index, block.ytd)
            if block.ytd is None or given is None or not quarters:
                continue
            if abs(given - sum(quarters)) > 1e-6:
                problems.append(warning(
                    f"the YTD here is {_fmt(given)} but the quarters add up to "
                    f"{_fmt(sum(quarters))}; the quarterly values were used",
                    **reader.place(row.index, block.ytd)))
    return problems


def _cell_number(reader: CellReader, index: int, column: int | None) -> float | None:
    try:
        return read_number(reader.cell(index, column))
    except ValueError:
        return None


def check_totals(layout: WideLayout, rows: list[AreaRow], reader: CellReader) -> list[Problem]:
    """Replace a county (or board) total row's quarters by the sum of its districts when all of
    them are in the table, with a warning for each figure that differed."""
    problems = []
    members = {"county": geo.COUNTY_DISTRICTS, "board": tuple(geo.DISTRICTS)}
    districts = {r.code: r for r in rows if r.area_type == "district"}
    for total in (r for r in rows if r.area_type in members):
        parts = [districts[c] for c in members[total.area_type] if c in districts]
        if len(parts) != len(members[total.area_type]):
            continue  # a total of districts that are not all here cannot be checked
        for key, given in list(total.values.items()):
            summed = sum(p.values.get(key, 0.0) for p in parts)
            if abs(given - summed) > 1e-6:
                block = layout.blocks[key[0]]
                problems.append(warning(
                    f"the {geo.area_name(total.code)} figure for Q{key[1]} {block.label} is "
                    f"{_fmt(given)} but its districts add up to {_fmt(summed)}; the districts' "
                    "quarterly values were used", **reader.place(total.index,
                                                                  block.quarters[key[1]])))
                total.values[key] = summed
    return problems


def ytd_change(row: AreaRow, blocks: list[YearBlock]) -> tuple[float, float, float] | None:
    """(previous YTD, latest YTD, % change) over the quarters the latest year has, or None."""
    if len(blocks) < 2:
        return None
    last, prev = len(blocks) - 1, len(blocks) - 2
    quarters = [q for q in range(1, 5) if (last, q) in row.values]
    if not quarters or any((prev, q) not in row.values for q in quarters):
        return None
    before = sum(row.values[(prev, q)] for q in quarters)
    after = sum(row.values[(last, q)] for q in quarters)
    return (before, after, (after - before) / before * 100) if before else None


def _change_matches(cell, computed: float) -> bool:
    """True when the file's % change agrees with ours to the precision it is written in
    (a number cell may hold -0.034 for -3.4%)."""
    given = read_number(cell)
    if isinstance(cell, str):
        decimals = len(cell.strip().rstrip("%").partition(".")[2])
        return abs(given - computed) <= 0.5 * 10 ** -decimals + 1e-9
    return any(abs(g - computed) <= 0.05 + 1e-9 for g in (given, given * 100))


def check_change(layout: WideLayout, rows: list[AreaRow], reader: CellReader) -> list[Problem]:
    """Warnings where the file's YTD % change or direction arrow disagrees with the quarters."""
    problems = []
    for row in rows:
        change = ytd_change(row, layout.blocks)
        if change is None:
            continue
        before, after, percent = change
        cell = reader.cell(row.index, layout.change)
        try:
            matches = is_blank(cell) or _change_matches(cell, percent)
        except ValueError:
            matches = False
        if not matches:
            problems.append(warning(
                f'the YTD % change here is "{cell}" but the quarterly values give {percent:+.1f}% '
                f"({_fmt(before)} to {_fmt(after)}); the quarterly values were used",
                **reader.place(row.index, layout.change)))
        problems += _check_direction(reader, row, layout.direction, percent)
    return problems


def _check_direction(reader: CellReader, row: AreaRow, column: int | None, percent: float
                     ) -> list[Problem]:
    text = str(reader.cell(row.index, column) or "").strip().lower()
    said = ("up" if text in ("↑", "▲", "up", "increase") else
            "down" if text in ("↓", "▼", "down", "decrease") else None)
    actual = "up" if percent > 0 else "down" if percent < 0 else None
    if said and actual and said != actual:
        return [warning(f"the direction here says {said} but the YTD change is {percent:+.1f}%; "
                        "the quarterly values were used", **reader.place(row.index, column))]
    return []


def to_records(rows: list[AreaRow], blocks: list[YearBlock], measure: str) -> list[dict]:
    """Quarterly observation records for every area row."""
    return [{"indicator_id": measure, "area_type": row.area_type, "area_code": row.code,
             "period_start": blocks[b].quarter_start(q), "granularity": "quarter",
             "value": value, "numerator": None, "denominator": None}
            for row in rows for (b, q), value in sorted(row.values.items())]


def not_available_frame(rows: list[AreaRow], blocks: list[YearBlock], measure: str,
                        answers: dict) -> pd.DataFrame:
    """The quarters marked not available (model.NOT_AVAILABLE_COLUMNS), unless the officer
    chose to leave them out."""
    if answers.get(NOT_AVAILABLE_KEY) == LEAVE_OUT:
        return empty_not_available()
    return pd.DataFrame([{"indicator_id": measure, "area_type": row.area_type,
                          "area_code": row.code, "period_start": blocks[b].quarter_start(q),
                          "granularity": "quarter", "marker": marker}
                         for row in rows for (b, q), marker in sorted(row.marked.items())],
                        columns=NOT_AVAILABLE_COLUMNS)


def _measure(titles: list[str], sheet: RawSheet, answers: dict, place: dict
             ) -> tuple[str | None, list[Problem]]:
    """The measure from the answer, else from the titles; or a question or error."""
    given = answers.get("measure") or next(
        (answers[name_key(MEASURE, t)] for t in [*titles, sheet.sheet or ""]
         if name_key(MEASURE, t) in answers), None)
    if given == LEAVE_OUT:
        return None, [error("the table was left out, as answered: nothing of it is stored; "
                            "remove the file from the list", **place)]
    if given:
        found = match_measure(str(given))
        if found is None:
            return None, [error(f'the measure "{given}" is not in the catalogue; '
                                "choose one of the officer measures", **place)]
        return found, []
    found = find_measure(titles, sheet.sheet)
    return (found, []) if found else (None, [measure_question(titles, sheet.sheet, place)])


def _duplicate_areas(rows: list[AreaRow], reader: CellReader) -> list[Problem]:
    seen: dict[tuple[str, str], AreaRow] = {}
    problems = []
    for row in rows:
        first = seen.setdefault((row.area_type, row.code), row)
        if first is not row:
            problems.append(error(
                f"{geo.area_name(row.code)} has two rows (rows "
                f"{reader.sheet.excel_row(first.index)} and {reader.sheet.excel_row(row.index)}); "
                "keep one", **reader.place(row.index, 0)))
    return problems


def parse_officer_wide(sheet: RawSheet, sha256: str, answers: dict | None = None) -> ParsedFile:
    """Read a district x quarter table into quarterly observations (model.OBSERVATION_COLUMNS).

    Problems are returned, not raised; with an error or a question the observations are empty.
    ``answers`` may hold ``measure`` (a title or id) and ``fy_label`` ("end" or "start").
    """
    answers = answers or {}
    parsed = ParsedFile(sheet.file_name, sha256, "officer_wide")
    reader = CellReader(sheet, answers.get("fy_label"), answers)
    header = find_wide_header(sheet)
    if header is None:
        parsed.problems.append(error("no row with Q1, Q2, Q3, Q4 headers was found in the first "
                                     "30 rows", **reader.place()))
        return parsed
    layout = read_layout(sheet, header, reader)
    titles = title_texts(sheet, header - 1)
    measure, measure_problems = _measure(titles, sheet, answers, reader.place())
    year_problems, year_note = settle_years(layout.blocks, titles, answers.get("fy_label"),
                                            reader, header)
    unit = indicator(measure)["unit"] if measure else None
    rows = read_area_rows(sheet, layout, reader, unit)
    checks = []
    if not year_problems and unit == "count":  # sums only make sense for counts
        checks = check_ytd(layout, rows, reader) + check_totals(layout, rows, reader) + \
            check_change(layout, rows, reader)
    parsed.problems = (layout.problems
                       + measure_problems + year_problems + reader.finish()
                       + _duplicate_areas(rows, reader) + checks
                       + hidden_rows_warning(sheet, [r.index for r in rows]))
    if not rows:
        parsed.problems.append(error("there are no district rows under the quarter headers",
                                     **reader.place(header)))
    if parsed.ok:
        frame = to_observations(to_records(rows, layout.blocks, measure))
        parsed.observations = frame
        parsed.not_available = not_available_frame(rows, layout.blocks, measure, answers)
        parsed.notes += _notes(frame, measure, year_note, unit)
    return parsed


def _notes(frame: pd.DataFrame, measure: str, year_note: str | None, unit: str) -> list[str]:
    read = observations_note(frame) if len(frame) else "no figures, only quarters marked " \
        "not available"
    notes = [f"{indicator(measure)['title']}: {read}"]
    if year_note:
        notes.append(year_note)
    if unit == "count":
        notes.append("YTD totals, the county total and the YTD % change were checked against "
                     "the quarterly values and are not stored: the dashboard recomputes them")
    return notes
