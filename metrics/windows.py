"""The periods the board reads: the latest quarter, the financial year to date and the rolling
12 months, each ending at a quarter; and an indicator's value over one of them.

A series is the observations of one indicator for one area: columns period_start (ISO date of
the period's first day), granularity (month | quarter | fy), value, numerator, denominator.
Counts add up over a window; every other unit (rates, percentages, days) is read at the
window's last period, since officers upload them already computed over the right span.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from data_loaders.periods import fy_start_year, period_label, quarter_start

from .series import indicator_series

WINDOW_KINDS = {"quarter": "Latest quarter", "ytd": "Financial year to date",
                "rolling12": "Rolling 12 months"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def is_additive(record: dict) -> bool:
    """Whether a catalogue indicator's values add up over a period: counts do, except
    snapshots taken "at the end of" each period (people waiting); rates, shares and days do
    not.

    >>> is_additive({"unit": "count", "computation": "referrals accepted in the quarter"})
    True
    >>> is_additive({"unit": "count", "computation": "people waiting at the end of the quarter"})
    False
    """
    return record["unit"] == "count" and "at the end of" not in record["computation"]


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``.

    >>> add_months(dt.date(2023, 10, 1), 5)
    datetime.date(2024, 3, 1)
    """
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    """A span of whole quarters ending with the quarter that starts on ``end``."""

    kind: str  # quarter | ytd | rolling12
    end: dt.date

    @property
    def start(self) -> dt.date:
        if self.kind == "quarter":
            return self.end
        if self.kind == "ytd":
            return quarter_start(fy_start_year(self.end), 1)
        return add_months(self.end, -9)

    @property
    def stop(self) -> dt.date:
        """The first day after the window."""
        return add_months(self.end, 3)

    def year_earlier(self) -> Window:
        return Window(self.kind, self.end.replace(year=self.end.year - 1))

    def months(self) -> list[dt.date]:
        count = (self.stop.year - self.start.year) * 12 + self.stop.month - self.start.month
        return [add_months(self.start, i) for i in range(count)]

    def quarters(self) -> list[dt.date]:
        return self.months()[::3]

    def label(self) -> str:
        """How the board writes it.

        >>> Window("rolling12", dt.date(2023, 4, 1)).label()
        '12 months to June 2023'
        >>> Window("ytd", dt.date(2023, 10, 1)).label()
        '2023/24 to Q3'
        >>> Window("quarter", dt.date(2023, 4, 1)).label()
        'Q1 2023/24'
        """
        last_month = add_months(self.stop, -1)
        if self.kind == "rolling12":
            return f"12 months to {MONTHS[last_month.month - 1]} {last_month.year}"
        quarter = period_label(self.end.isoformat(), "quarter")
        if self.kind == "ytd":
            number, year = quarter.split(" ")
            return f"{year} to {number}"
        return quarter

    def span(self) -> str:
        """The months it covers: 'April to June 2023'."""
        last = add_months(self.stop, -1)
        first = MONTHS[self.start.month - 1] + ("" if self.start.year == last.year
                                                else f" {self.start.year}")
        return f"{first} to {MONTHS[last.month - 1]} {last.year}"


@dataclass(frozen=True)
class WindowValue:
    """An indicator's value over a window, and whether every period of it is held."""

    value: float | None
    numerator: float | None
    denominator: float | None
    periods_held: int
    periods_expected: int
    last_period_only: bool = False  # a longer window's figure that is its last period's

    @property
    def complete(self) -> bool:
        return self.value is not None and self.periods_held == self.periods_expected


def latest_quarter(series: pd.DataFrame) -> dt.date | None:
    """The start of the latest quarter the series covers completely (all three months of
    monthly data; the quarter itself for quarterly data; Q4 of the latest year for yearly)."""
    if series.empty:
        return None
    granularity = series["granularity"].iat[0]
    starts = {dt.date.fromisoformat(s) for s in set(series["period_start"].tolist())}
    if granularity == "fy":
        return quarter_start(max(starts).year, 4)
    if granularity == "quarter":
        return max(starts)
    complete = [q for q in {quarter_start(fy_start_year(m), (m.month - 4) % 12 // 3 + 1)
                            for m in starts}
                if all(add_months(q, i) in starts for i in range(3))]
    return max(complete) if complete else None


POOL_SCALE = {"percent": 100.0, "rate_per_1000": 1000.0}


def pool_scale(record: dict) -> float | None:
    """How a percentage or rate is pooled over a window of several periods (100 x all
    numerators / all denominators, or 1,000 x); None where its figures are not pooled:
    counts (added up), yearly figures and figures uploaded over rolling 12 months."""
    if is_additive(record) or record["frequency"] == "fy" or \
            "rolling 12 months" in record["computation"]:
        return None
    return POOL_SCALE.get(record["unit"])


def window_value(series: pd.DataFrame, window: Window, additive: bool,
                 pool: float | None = None) -> WindowValue:
    """The value of ``series`` over ``window``: the sum of its periods when ``additive``
    (counts); else, over several periods, ``pool`` x the periods' numerators over their
    denominators where every period holds both (pool_scale), or otherwise the value of the
    period ending the window (last_period_only). Yearly series give the year that ends with
    the window (or, within a year, the year before it). Read from the columns' arrays: this
    runs a few hundred times a rerun.

    >>> rows = pd.DataFrame({"granularity": "quarter",
    ...     "period_start": ["2023-04-01", "2023-07-01"], "value": [80.0, 60.0],
    ...     "numerator": [40.0, 90.0], "denominator": [50.0, 150.0]})
    >>> window_value(rows, Window("ytd", dt.date(2023, 7, 1)), False, 100.0).value
    65.0
    >>> window_value(rows, Window("ytd", dt.date(2023, 7, 1)), False).last_period_only
    True
    """
    if series.empty:
        return WindowValue(None, None, None, 0, 1)
    starts = series["period_start"].tolist()  # ISO dates, so text compares as dates do
    granularity = series["granularity"].iat[0]
    wanted = periods_read(granularity, window)
    if granularity == "fy":
        return _point(series, starts, wanted[-1])
    if not additive:
        pooled = _pooled(series, starts, wanted, pool) if len(wanted) > 1 and pool else None
        if pooled is not None:
            return pooled
        point = _point(series, starts, wanted[-1])
        return replace(point, last_period_only=len(wanted) > 1)
    chosen = set(wanted)
    inside = [i for i, start in enumerate(starts) if start in chosen]
    if not inside:
        return WindowValue(None, None, None, 0, len(wanted))
    numerators = series["numerator"].to_numpy(dtype=float)[inside]
    numerator = numerators.sum() if not np.isnan(numerators).any() else None
    values = series["value"].to_numpy(dtype=float)[inside]
    return WindowValue(float(np.nansum(values)), numerator, None, len(inside), len(wanted))


def _pooled(series, starts, wanted, scale) -> WindowValue | None:
    """The window's figure pooled from every period's numerator and denominator, or None
    when a period is not held or lacks either."""
    where = {start: i for i, start in enumerate(starts)}
    if any(start not in where for start in wanted):
        return None
    rows = [where[start] for start in wanted]
    numerators = series["numerator"].to_numpy(dtype=float)[rows]
    denominators = series["denominator"].to_numpy(dtype=float)[rows]
    if np.isnan(numerators).any() or np.isnan(denominators).any() or denominators.sum() <= 0:
        return None
    numerator, denominator = float(numerators.sum()), float(denominators.sum())
    return WindowValue(scale * numerator / denominator, numerator, denominator, len(rows),
                       len(rows))


def periods_read(granularity: str, window: Window) -> list[str]:
    """The period starts (ISO) a window reads at a granularity: its months or quarters, or
    for yearly figures the one year it gives."""
    if granularity == "fy":
        year = fy_start_year(window.end) - (0 if window.end.month == 1 else 1)
        return [quarter_start(year, 1).isoformat()]
    days = window.months() if granularity == "month" else window.quarters()
    return [d.isoformat() for d in days]


WINDOW_VALUE_COLUMNS = ["value", "numerator", "denominator", "periods_held",
                        "periods_expected", "last_period_only"]


def window_values(rows: pd.DataFrame, window: Window, additive: bool,
                  pool: float | None = None) -> pd.DataFrame:
    """window_value for every area of ``rows`` (one indicator at one granularity, many
    areas, each area's rows together and oldest first, as indicator_rows gives them) in one
    pass: WINDOW_VALUE_COLUMNS indexed by area_code, for the areas with a value (missing
    values are NaN, not None).

    >>> rows = pd.DataFrame({"area_code": ["A", "A", "B"], "granularity": "quarter",
    ...     "period_start": ["2023-01-01", "2023-04-01", "2023-04-01"],
    ...     "value": [2.0, 3.0, 4.0], "numerator": None, "denominator": None})
    >>> window_values(rows, Window("ytd", dt.date(2023, 4, 1)), True)["value"].to_dict()
    {'A': 3.0, 'B': 4.0}
    """
    if rows.empty:
        return pd.DataFrame(columns=WINDOW_VALUE_COLUMNS, index=pd.Index([], name="area_code"))
    granularity = rows["granularity"].iloc[0]
    wanted = periods_read(granularity, window)
    if granularity == "fy" or not additive:
        points = rows[rows["period_start"] == wanted[-1]].drop_duplicates("area_code")
        out = points.set_index("area_code")[["value", "numerator", "denominator"]]
        out = out.assign(periods_held=1, periods_expected=1,
                         last_period_only=granularity != "fy" and len(wanted) > 1)
        if granularity != "fy" and pool and len(wanted) > 1:
            for code in out.index:  # a few areas: pooled as window_value pools one series
                series = rows[rows["area_code"] == code]
                pooled = _pooled(series, series["period_start"].tolist(), wanted, pool)
                if pooled is not None:
                    out.loc[code, ["value", "numerator", "denominator"]] = \
                        [pooled.value, pooled.numerator, pooled.denominator]
                    out.loc[code, "last_period_only"] = False
        return out[WINDOW_VALUE_COLUMNS]
    inside = rows[rows["period_start"].isin(wanted)]
    codes = inside["area_code"].to_numpy()
    if not len(codes):
        return window_values(rows.iloc[0:0], window, additive)
    # Each area's rows are together: sum each run with numpy's sum, as window_value sums
    # one series, so the figures agree to the last digit (a groupby sum adds differently).
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    runs = list(zip(starts, np.r_[starts[1:], len(codes)]))
    values = inside["value"].to_numpy(dtype=float)
    numerators = inside["numerator"].to_numpy(dtype=float)
    return pd.DataFrame({
        "value": [np.nansum(values[a:b]) for a, b in runs],
        "numerator": [numerators[a:b].sum() for a, b in runs],  # NaN unless all are held
        "denominator": np.nan, "periods_held": [b - a for a, b in runs],
        "periods_expected": len(wanted), "last_period_only": False},
        index=pd.Index(codes[starts], name="area_code"))


def value_of(figures: pd.DataFrame, area_code: str) -> WindowValue:
    """One area's WindowValue from window_values (no row: no value)."""
    if area_code not in figures.index:
        return WindowValue(None, None, None, 0, 1)
    row = figures.loc[area_code]
    return WindowValue(float(row["value"]), _or_none(row["numerator"]),
                       _or_none(row["denominator"]), int(row["periods_held"]),
                       int(row["periods_expected"]), bool(row["last_period_only"]))


def _point(series: pd.DataFrame, starts: list[str], start: str) -> WindowValue:
    """The value of the (first) period starting ``start``."""
    if start not in starts:
        return WindowValue(None, None, None, 0, 1)
    at = starts.index(start)
    return WindowValue(float(series["value"].iat[at]), _or_none(series["numerator"].iat[at]),
                       _or_none(series["denominator"].iat[at]), 1, 1)


def _or_none(value):
    return None if pd.isna(value) else float(value)


def window_for(observations, record: dict, kind: str, end: dt.date | None,
               area_codes: list[str]) -> Window | None:
    """The window a page shows for an indicator: of ``kind`` ending with the chosen quarter
    ``end``, else with the latest quarter held by the first of ``area_codes`` holding any
    (yearly figures are then read at that quarter); None when none of them holds any."""
    if end:
        return Window(kind, end)
    for code in area_codes:
        latest = latest_quarter(indicator_series(observations, record["id"], code,
                                                 record["frequency"]))
        if latest:
            return Window(kind if record["frequency"] != "fy" else "quarter", latest)
    return None
