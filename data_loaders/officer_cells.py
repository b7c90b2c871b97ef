"""The cells of an officer's table, read the same way whatever its layout (long tables in
officer_long, district x quarter tables in officer_wide): numbers, areas, measures and
periods, markers for figures not available, the questions a name or a year raises, and the
observations the rows become; every problem said with the cell it is in as Excel shows it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from . import geography as geo
from .catalogue import indicator, match_measure
from .model import NOT_AVAILABLE_COLUMNS, OBSERVATION_COLUMNS, OBSERVATION_KEY, empty_not_available
from .names import AREA, LEAVE_OUT, MEASURE, name_key, unknown_name_question
from .periods import PERIOD_FORMS, AmbiguousFinancialYear, PeriodError, parse_period, period_label
from .problems import Problem, column_letter, error, warning
from .readers import RawSheet

HEADER_SEARCH_ROWS = 30  # a table's header is looked for in its first rows
LSOA_CODE = re.compile(r"E01\d{6}", re.IGNORECASE)
FY_CHOICES = ("end", "start")
# What officers write for a figure they cannot give (suppressed, not collected, not
# applicable): stored as not available with the marker, or left out if the officer chooses
# (answer NOT_AVAILABLE_KEY), and said so; never refused and never read as zero.
NOT_AVAILABLE = {"*", "**", "<5", "< 5", "n/a", "na", "n.a.", "-", "–", "..", "...", "x", "c",
                 "[c]", "[x]", "[z]", "[low]", "suppressed", "not available", "redacted"}
NOT_AVAILABLE_KEY = "not_available"


def normalise_header(value) -> str:
    """Lower case, '&' as 'and', punctuation as spaces ('%' kept: it names a rate)."""
    text = str(value).lower().replace("&", " and ").replace("%", " % ")
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", text).split())


def is_blank(value) -> bool:
    # value != value is NaN's own test: pd.isna costs more than the rest of a row's reading
    return value is None or (isinstance(value, float) and value != value) or (
        isinstance(value, str) and not value.strip())


def read_number(value) -> float | None:
    """A cell as a number: "1,430", "37%", " 12 " and "12,5" (decimal comma) all read.

    None for an empty cell; ValueError when the cell holds something else.

    >>> read_number("1,430"), read_number("37%"), read_number(" 12 "), read_number(None)
    (1430.0, 37.0, 12.0, None)
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("\u2212", "-").rstrip("%").strip()
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    elif re.fullmatch(r"[-+]?\d+,\d{1,2}", text):  # a semicolon CSV's decimal comma
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueError(value) from None


def is_percent_text(value) -> bool:
    return isinstance(value, str) and value.strip().endswith("%")


def rows_text(rows) -> str:
    """'row 5', 'rows 5, 7 and 9-12': Excel row numbers as a person would write them."""
    rows = sorted(set(rows))
    runs: list[list[int]] = []
    for row in rows:
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    if len(parts) == 1:
        return ("rows " if len(rows) > 1 else "row ") + parts[0]
    return "rows " + ", ".join(parts[:-1]) + " and " + parts[-1]


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def fy_question(examples: dict[str, list[int]], place: dict) -> Problem:
    """The question to ask when a year label like "FY 2024" could be either financial year."""
    label = next(iter(examples))
    year = int(re.search(r"(\d{2,4})\s*$", label).group(1))
    year = year if year > 999 else 2000 + year
    written = ", ".join(f'"{t}" ({rows_text(r)})' if r else f'"{t}"' for t, r in examples.items())
    end, start = f"{year - 1}/{str(year)[-2:]}", f"{year}/{str(year + 1)[-2:]}"
    message = (f'{written}: a label like "{label}" can mean the financial year ending in March '
               f'{year} ({end}) or the one starting in April {year} ({start}). Choose "end" for '
               f'{end} or "start" for {start}; writing years like {end} in the file avoids the '
               "question")
    return Problem("question", message, key="fy_label", choices=FY_CHOICES, **place)


UNIT_WORDS = {"count": "count", "rate_per_1000": "rate per 1,000 people",
              "percent": "percentage", "ratio": "ratio", "days": "number of days"}


@dataclass
class CellReader:
    """Reads areas, measures, periods and numbers from one sheet's cells, keeping the problems
    with the cell they are in. A name it does not know is asked about once, however many rows
    carry it; ``answers`` holds the officer's answers and the board's aliases (names.name_key
    to a catalogue id, an area code or names.LEAVE_OUT)."""

    sheet: RawSheet
    fy_label: str | None = None
    answers: dict = field(default_factory=dict)
    counts_column: int | None = None  # the value column, where its header says counts
    problems: list[Problem] = field(default_factory=list)
    read_as: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (text, name)
    ambiguous: dict[str, list[int]] = field(default_factory=dict)
    ambiguous_place: dict = field(default_factory=dict)
    city_rows: list[int] = field(default_factory=list)
    empty_rows: list[int] = field(default_factory=list)
    # Names asked about, (kind, text) to the Excel rows and the first cell; names left out
    # as answered; values marked not available, by marker; names read through an answer.
    unknown: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    mismatched: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    name_place: dict[tuple[str, str], dict] = field(default_factory=dict)
    left_out: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    not_available: dict[str, list[int]] = field(default_factory=dict)
    marked: dict[tuple[int, int], str] = field(default_factory=dict)  # (index, column): marker
    answered: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    skipped: set[int] = field(default_factory=set)  # indexes of rows left out by name
    unavailable: list[dict] = field(default_factory=list)  # model.NOT_AVAILABLE_COLUMNS
    # The cells column by column as plain lists, and what each distinct area, measure and
    # period text was read as: a 200,000-row table repeats a few dozen of each, and asking
    # pandas for one cell at a time took most of a minute.
    columns: list[list] = field(init=False, repr=False)
    _seen: dict = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self):
        self.columns = [self.sheet.cells[c].tolist() for c in self.sheet.cells.columns]

    def place(self, index: int | None = None, column: int | None = None) -> dict:
        return {"file": self.sheet.file_name, "sheet": self.sheet.sheet,
                "row": None if index is None else self.sheet.excel_row(index),
                "column": None if column is None else column_letter(column)}

    def cell(self, index: int, column: int | None):
        if column is None or column >= len(self.columns):
            return None
        return self.columns[column][index]

    def row(self, index: int) -> list:
        """Every cell of one row."""
        return [column[index] for column in self.columns]

    def _once(self, how, value):
        """``how(value)`` the first time a value is seen, the same answer (or the same
        exception) after that. ``how`` must depend on nothing but ``value``."""
        key = (how, type(value), value)
        if key not in self._seen:
            try:
                self._seen[key] = (True, how(value))
            except (PeriodError, AmbiguousFinancialYear) as exc:
                self._seen[key] = (False, exc)
        ok, answer = self._seen[key]
        if not ok:
            raise answer.with_traceback(None)
        return answer

    def fail(self, message: str, index: int, column: int) -> None:
        self.problems.append(error(message, **self.place(index, column)))

    def _note_name(self, found: dict, kind: str, text: str, index: int, column: int) -> None:
        """Keep the row under the name, with the first cell the name is in."""
        found.setdefault((kind, text), []).append(self.sheet.excel_row(index))
        self.name_place.setdefault((kind, text), self.place(index, column))
        if found is self.left_out:
            self.skipped.add(index)

    def area(self, index: int, column: int) -> tuple[str, str] | None:
        """(code, area type) of the area cell; None (with an error or a question, for
        Leicester city, or for a name the officer chose to leave out)."""
        text = self.cell(index, column)
        if is_blank(text):
            self.fail("the area is empty; " + self._areas_hint(), index, column)
            return None
        text = " ".join(str(text).split())
        if LSOA_CODE.fullmatch(text):
            return text.upper(), "lsoa"
        answer = self.answers.get(self._once(_area_key, text))
        if answer == LEAVE_OUT:
            self._note_name(self.left_out, AREA, text, index, column)
            return None
        if answer:
            if geo.area_type_of(answer) is None:
                self.fail(f'the answer for "{text}" ({answer}) is not an area code; choose a '
                          "district, the county or the board area", index, column)
                return None
            self._note_name(self.answered, AREA, text, index, column)
            return answer, geo.area_type_of(answer)
        code, area_type, canonical = self._once(_read_area, text)
        if code == geo.LEICESTER_CITY:
            self.city_rows.append(self.sheet.excel_row(index))
            return None
        if code is None:
            self._note_name(self.unknown, AREA, text, index, column)
            return None
        if not canonical:
            self.read_as.setdefault((text, geo.area_name(code)), []).append(
                self.sheet.excel_row(index))
        return code, area_type

    @staticmethod
    def _areas_hint() -> str:
        names = [*geo.DISTRICTS.values(), geo.COUNTY_NAME, geo.BOARD_NAME]
        return ("write one of " + ", ".join(names) + ", a police beat code like NL62 or an "
                "LSOA code like E01025601")

    def measure(self, index: int, column: int) -> str | None:
        """The catalogue id of the measure cell; None with an error, a question (a name it does
        not know, or one whose indicator is not a count beside a column of counts), or for a
        name the officer chose to leave out."""
        text = self.cell(index, column)
        if is_blank(text):
            self.fail("the measure is empty; write the measure's name as the template's "
                      "Measures sheet lists it", index, column)
            return None
        text = " ".join(str(text).split())
        answer = self.answers.get(self._once(_measure_key, text))
        if answer == LEAVE_OUT:
            self._note_name(self.left_out, MEASURE, text, index, column)
            return None
        found = answer or self._once(match_measure, text)
        if found is None:
            self._note_name(self.unknown, MEASURE, text, index, column)
            return None
        try:
            unit = self._once(unit_of, found)
        except KeyError:
            self.fail(f'the answer for "{text}" ({found}) is not a measure this dashboard '
                      "knows", index, column)
            return None
        if self.counts_column is not None and unit != "count":
            if answer:
                self.fail(f'"{text}" was answered as {indicator(found)["title"]}, a '
                          f"{UNIT_WORDS[unit]}, but column {column_letter(self.counts_column)} "
                          "holds counts; answer with a count measure or leave these rows out",
                          index, column)
            else:  # asked, never stored as another unit: counts as a rate read 195 per 1,000
                self._note_name(self.mismatched, MEASURE, text, index, column)
            return None
        if answer:
            self._note_name(self.answered, MEASURE, text, index, column)
        return found

    def period(self, index: int, column: int) -> tuple[str, str] | None:
        """(period_start, granularity) of the period cell, or None with an error or question."""
        value = self.cell(index, column)
        try:
            return self._once(self._period_of, "" if value is None else value)
        except AmbiguousFinancialYear:
            text = " ".join(str(value).split())
            self.ambiguous.setdefault(text, []).append(self.sheet.excel_row(index))
            self.ambiguous_place = self.ambiguous_place or self.place(index, column)
        except PeriodError as exc:
            hint = "" if PERIOD_FORMS in str(exc) else f"; write it like {PERIOD_FORMS}"
            self.fail(f"{exc}{hint}", index, column)
        return None

    def _period_of(self, value) -> tuple[str, str]:
        return parse_period(value, self.fy_label)

    def number(self, index: int, column: int | None, unit: str | None, what: str = "value"
               ) -> float | None:
        """The number in a cell (None when empty), with an error when it is not a number, is
        negative, or is a percentage above 100."""
        value = self.cell(index, column)
        if isinstance(value, str) and value.strip().lower() in NOT_AVAILABLE:
            if what == "value":
                self.not_available.setdefault(value.strip(), []).append(
                    self.sheet.excel_row(index))
                self.marked[(index, column)] = value.strip()
            return None
        try:
            number = read_number(value)
        except ValueError:
            self.fail(f'the {what} "{value}" is not a number; write digits only, like 1430, '
                      "12.5 or 37%", index, column)
            return None
        if number is None:
            return None
        if number < 0:
            self.fail(f"the {what} {number:g} is negative; a {'count' if unit == 'count' else what}"
                      " cannot be below zero: check the figure", index, column)
            return None
        if what == "value" and (unit == "percent" or is_percent_text(value)) and number > 100:
            self.fail(f"the value {number:g}% is above 100%; write a percentage between 0 and "
                      "100", index, column)
            return None
        return number

    def finish(self) -> list[Problem]:
        """The problems, with one warning per spelling read as another name, one for Leicester
        city rows, and one question for ambiguous financial years."""
        problems = list(self.problems)
        for (text, name), rows in self.read_as.items():
            problems.append(warning(f'"{text}" ({rows_text(rows)}) was read as {name}; check '
                                    "this is right", **self.place(self.row_index(rows[0]))))
        if self.empty_rows:
            problems.append(self._rows_warning(
                self.empty_rows, "have no value and were left out", "has no value and was left "
                "out", "; write 0 where the figure is zero"))
        if self.city_rows:
            problems.append(self._rows_warning(
                self.city_rows, "are", "is", " for Leicester city, which is not part of the "
                "board area, and left out"))
        if self.ambiguous and not self.fy_label:
            problems.append(fy_question(self.ambiguous, self.ambiguous_place))
        for (kind, text), rows in self.unknown.items():
            problems.append(unknown_name_question(kind, text, rows_text(rows),
                                                  self.name_place[(kind, text)]))
        for (_kind, text), rows in self.mismatched.items():
            problems.append(self._unit_question(text, rows))
        for (_kind, text), rows in self.left_out.items():
            problems.append(self._rows_warning(rows, "were", "was", f' ("{text}") left out, '
                                               "as answered"))
        keep = self.answers.get(NOT_AVAILABLE_KEY) != LEAVE_OUT
        for marker, rows in self.not_available.items():
            problems.append(self._rows_warning(rows, "are", "is", f' marked "{marker}": ' + (
                "stored as not available, with no figure (never as zero)" if keep else
                "left out, as chosen: nothing is stored for them")))
        return problems

    def _unit_question(self, text: str, rows: list[int]) -> Problem:
        record = indicator(self._once(match_measure, text))
        letter = column_letter(self.counts_column)
        why = (f'"{text}" ({rows_text(rows)}) is a name for {record["title"]}, a '
               f"{UNIT_WORDS[record['unit']]}, but column {letter} holds counts, so it was not "
               f"matched: the counts would be read as a {UNIT_WORDS[record['unit']]}. Give the "
               "rate in a column of its own beside the count, or say which count this is")
        return unknown_name_question(MEASURE, text, rows_text(rows),
                                     self.name_place[(MEASURE, text)], why, units={"count"})

    def not_available_frame(self) -> pd.DataFrame:
        """The figures marked not available, to store as such (none where the officer chose
        to leave them out)."""
        if self.answers.get(NOT_AVAILABLE_KEY) == LEAVE_OUT or not self.unavailable:
            return empty_not_available()
        frame = pd.DataFrame(self.unavailable, columns=NOT_AVAILABLE_COLUMNS)
        return frame.drop_duplicates(OBSERVATION_KEY).reset_index(drop=True)

    def answered_notes(self) -> list[str]:
        """One line per name read through an answer or a board alias."""
        notes = []
        for (kind, text), rows in self.answered.items():
            answer = self.answers[name_key(kind, text)]
            name = indicator(answer)["title"] if kind == MEASURE else geo.area_name(answer)
            notes.append(f'"{text}" ({rows_text(rows)}) read as {name}, as answered (the '
                         "board's aliases are listed on the Data page)")
        return notes

    def _rows_warning(self, rows: list[int], many: str, one: str, rest: str) -> Problem:
        """'rows 5-6 have ...' or 'row 5 has ...' at the first of the rows."""
        return warning(f"{rows_text(rows)} {many if len(rows) > 1 else one}{rest}",
                       **self.place(self.row_index(rows[0])))

    def row_index(self, excel_row: int) -> int:
        return excel_row - self.sheet.first_row


def _read_area(text: str) -> tuple[str | None, str | None, bool]:
    """(code, area type, whether ``text`` is the area's own name or code) for an area name."""
    code, area_type = geo.resolve_area_name(text)
    return code, area_type, code is not None and geo.is_canonical_name(_and(text), code)


def _area_key(text: str) -> str:
    return name_key(AREA, text)


def _measure_key(text: str) -> str:
    return name_key(MEASURE, text)


def unit_of(measure: str) -> str:
    return indicator(measure)["unit"]


def _and(text: str) -> str:
    """'Oadby & Wigston' as 'Oadby and Wigston': the same name, not worth a warning."""
    return " ".join(text.replace("&", " and ").split())


def hidden_rows_warning(sheet: RawSheet, indexes: list[int]) -> list[Problem]:
    """A warning naming the hidden rows among those read (Excel hides them; they still count)."""
    hidden = sorted(sheet.excel_row(i) for i in indexes if sheet.excel_row(i) in sheet.hidden_rows)
    if not hidden:
        return []
    return [warning(f"{rows_text(hidden)} {'were' if len(hidden) > 1 else 'was'} hidden in the "
                    "workbook and read like the others; unhide them in Excel to check them",
                    file=sheet.file_name, sheet=sheet.sheet, row=hidden[0])]


def observations_note(frame: pd.DataFrame) -> str:
    """'312 values for 12 indicators, 10 areas, Q1 2021/22 to Q4 2023/24'."""
    ordered = frame.sort_values("period_start")
    first, last = ordered.iloc[0], ordered.iloc[-1]
    span = period_label(first["period_start"], first["granularity"])
    if (last["period_start"], last["granularity"]) != (first["period_start"],
                                                       first["granularity"]):
        span += " to " + period_label(last["period_start"], last["granularity"])
    areas = frame[["area_type", "area_code"]].drop_duplicates()
    indicators = plural(frame["indicator_id"].nunique(), "indicator")
    return f"{plural(len(frame), 'value')} for {indicators}, {plural(len(areas), 'area')}, {span}"


def to_observations(records: list[dict]) -> pd.DataFrame:
    """Records as an observations frame with the model's columns and dtypes."""
    frame = pd.DataFrame(records, columns=OBSERVATION_COLUMNS)
    return frame.astype({"value": "float64", "numerator": "float64", "denominator": "float64"})
