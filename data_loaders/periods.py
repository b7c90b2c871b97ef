"""Periods as the board writes them: months, financial-year quarters and financial years.

A period is held as its first day (``period_start``, an ISO date string) and its
``granularity``: "month", "quarter" (financial-year quarters: Q1 = Apr-Jun) or "fy"
(April to March).
"""
from __future__ import annotations

import datetime as dt
import re

GRANULARITIES = ("month", "quarter", "fy")
MONTHS = {m.lower(): i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)}
_FULL_MONTHS = {dt.date(2000, i, 1).strftime("%B").lower(): i for i in range(1, 13)}
_MONTH_WORD = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"


class PeriodError(ValueError):
    """A period that cannot be read; the message says what forms are understood."""


class AmbiguousFinancialYear(PeriodError):
    """'FY 2020' can mean 2019/20 or 2020/21: the caller must ask."""


PERIOD_FORMS = ('"Q1 2023/24", "2023-24 Q1", "Apr-Jun 2023", "2023/24", "2023-04", '
                '"Jan 2023" or a date')


def fy_start_year(day: dt.date) -> int:
    """The calendar year a financial year starts in: 2023 for any day from Apr 2023 to Mar 2024."""
    return day.year if day.month >= 4 else day.year - 1


def quarter_start(fy_year: int, quarter: int) -> dt.date:
    """First day of financial-year quarter 1-4 of the year starting April ``fy_year``."""
    month = 4 + 3 * (quarter - 1)
    return dt.date(fy_year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def quarter_of(day: dt.date) -> int:
    """Financial-year quarter (1-4) a day falls in."""
    return ((day.month - 4) % 12) // 3 + 1


def _fy_from_text(text: str) -> int:
    """Start year from '2023/24', '2023-24', '2023/2024', '23/24'."""
    match = re.fullmatch(r"(\d{2}|\d{4})\s*[/-]\s*(\d{2}|\d{4})", text.strip())
    if not match:
        raise PeriodError(f'"{text}" is not a financial year like 2023/24')
    first, second = match.groups()
    start = int(first) if len(first) == 4 else 2000 + int(first)
    end = int(second[-2:])
    if (start + 1) % 100 != end:
        raise PeriodError(f'"{text}" is not a financial year: the two years must be consecutive')
    return start


def parse_period(value, fy_label: str | None = None) -> tuple[str, str]:
    """(period_start, granularity) from the ways officers write a period.

    ``fy_label`` settles "FY 2020": "end" means the year ending March 2020 (2019/20),
    "start" the year starting April 2020. Without it such a label raises AmbiguousFinancialYear.

    >>> parse_period("Q1 2023/24")
    ('2023-04-01', 'quarter')
    >>> parse_period("2023-24 Q4")
    ('2024-01-01', 'quarter')
    >>> parse_period("Apr-Jun 2023")
    ('2023-04-01', 'quarter')
    >>> parse_period("2023-04")
    ('2023-04-01', 'month')
    >>> parse_period("2022/23")
    ('2022-04-01', 'fy')
    >>> parse_period("FY 2020", fy_label="end")
    ('2019-04-01', 'fy')
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, 1).isoformat(), "month"
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return parse_period(value.to_pydatetime(), fy_label)
    text = " ".join(str(value).strip().split())
    low = text.lower()
    if not low:
        raise PeriodError(f"the period is empty; write it like {PERIOD_FORMS}")

    # Q1 2023/24, Q1 23/24, 2023/24 Q1, 2023-24 Q1, Q1 FY2023/24
    match = re.fullmatch(r"q([1-4])\s*(?:fy\s*)?(\d{2,4}\s*[/-]\s*\d{2,4})", low) or re.fullmatch(
        r"(?:fy\s*)?(\d{2,4}\s*[/-]\s*\d{2,4})\s*q([1-4])", low)
    if match:
        groups = match.groups()
        quarter, fy_text = (groups[0], groups[1]) if low.startswith("q") else (groups[1], groups[0])
        return quarter_start(_fy_from_text(fy_text), int(quarter)).isoformat(), "quarter"

    # Apr-Jun 2023, April to June 2023, Oct - Dec 2023
    match = re.fullmatch(rf"{_MONTH_WORD}\s*(?:-|to|–)\s*{_MONTH_WORD}\s*(\d{{4}})", low)
    if match:
        first, last, year = match.group(1)[:3], match.group(2)[:3], int(match.group(3))
        m1, m2 = MONTHS[first], MONTHS[last]
        if m1 not in (4, 7, 10, 1) or (m2 - m1) % 12 != 2:
            raise PeriodError(f'"{text}" is not a financial-year quarter (Apr-Jun, Jul-Sep, '
                              'Oct-Dec or Jan-Mar)')
        # The year written is the year the quarter ends in ("Oct-Dec 2023", "Jan-Mar 2024").
        return dt.date(year, m1, 1).isoformat(), "quarter"

    # 2023-04, 2023/04, 2023-04-01, 01/04/2023
    match = re.fullmatch(r"(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?(?:[ t]00:00(?::00)?)?", low)
    if match and 1 <= int(match.group(2)) <= 12:
        return dt.date(int(match.group(1)), int(match.group(2)), 1).isoformat(), "month"
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", low)
    if match and 1 <= int(match.group(2)) <= 12:
        return dt.date(int(match.group(3)), int(match.group(2)), 1).isoformat(), "month"

    # Jan 2023, January 2023, Jan-23
    match = re.fullmatch(rf"{_MONTH_WORD}\s*[- ]?\s*(\d{{2}}|\d{{4}})", low)
    if match:
        year = int(match.group(2))
        year = year if year > 999 else 2000 + year
        return dt.date(year, MONTHS[match.group(1)[:3]], 1).isoformat(), "month"

    # 2023/24, FY 2023/24, 2023-24
    match = re.fullmatch(r"(?:fy\s*)?(\d{2,4}\s*[/-]\s*\d{2,4})", low)
    if match:
        return quarter_start(_fy_from_text(match.group(1)), 1).isoformat(), "fy"

    # FY 2020, FY20: ambiguous between the year ending and the year starting
    match = re.fullmatch(r"fy\s*'?(\d{2}|\d{4})", low)
    if match:
        year = int(match.group(1))
        year = year if year > 999 else 2000 + year
        if fy_label == "end":
            return quarter_start(year - 1, 1).isoformat(), "fy"
        if fy_label == "start":
            return quarter_start(year, 1).isoformat(), "fy"
        raise AmbiguousFinancialYear(
            f'"{text}" could mean {year - 1}/{str(year)[-2:]} or {year}/{str(year + 1)[-2:]}')

    raise PeriodError(f'"{text}" is not a period this dashboard can read; write it like '
                      f'{PERIOD_FORMS}')


def period_label(period_start: str, granularity: str) -> str:
    """How the board writes a period.

    >>> period_label("2023-04-01", "quarter"), period_label("2023-04-01", "fy")
    ('Q1 2023/24', '2023/24')
    >>> period_label("2023-01-01", "month")
    'Jan 2023'
    """
    day = dt.date.fromisoformat(str(period_start)[:10])
    if granularity == "month":
        return day.strftime("%b %Y")
    fy = fy_start_year(day)
    fy_text = f"{fy}/{str(fy + 1)[-2:]}"
    if granularity == "quarter":
        return f"Q{quarter_of(day)} {fy_text}"
    return fy_text


def period_end(period_start: str, granularity: str) -> dt.date:
    """Last day of a period."""
    day = dt.date.fromisoformat(str(period_start)[:10])
    months = {"month": 1, "quarter": 3, "fy": 12}[granularity]
    total = day.month - 1 + months
    first_after = dt.date(day.year + total // 12, total % 12 + 1, 1)
    return first_after - dt.timedelta(days=1)
