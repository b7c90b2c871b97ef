"""Windows the board reads, and an indicator's value over them, on series built here."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics.windows import Window, latest_quarter, window_value


def series(starts: list[str], values: list[float], granularity: str) -> pd.DataFrame:
    return pd.DataFrame({"period_start": starts, "granularity": granularity,
                         "value": [float(v) for v in values], "numerator": None,
                         "denominator": None})


MONTHS_2023 = [f"2023-{m:02d}-01" for m in range(1, 13)]


def test_window_spans():
    q3 = dt.date(2023, 10, 1)
    assert Window("quarter", q3).months() == [dt.date(2023, m, 1) for m in (10, 11, 12)]
    assert Window("ytd", q3).start == dt.date(2023, 4, 1)
    assert len(Window("ytd", q3).months()) == 9
    rolling = Window("rolling12", q3)
    assert (rolling.start, rolling.stop) == (dt.date(2023, 1, 1), dt.date(2024, 1, 1))
    assert rolling.year_earlier() == Window("rolling12", dt.date(2022, 10, 1))
    assert Window("ytd", dt.date(2024, 1, 1)).quarters() == [
        dt.date(2023, 4, 1), dt.date(2023, 7, 1), dt.date(2023, 10, 1), dt.date(2024, 1, 1)]
    assert rolling.span() == "January to December 2023"
    assert Window("ytd", q3).span() == "April to December 2023"


def test_monthly_counts_add_up_over_a_window_and_say_when_incomplete():
    data = series(MONTHS_2023, range(1, 13), "month")  # January = 1 ... December = 12
    q3 = window_value(data, Window("quarter", dt.date(2023, 10, 1)), additive=True)
    assert (q3.value, q3.complete) == (10 + 11 + 12, True)
    ytd = window_value(data, Window("ytd", dt.date(2023, 10, 1)), additive=True)
    assert ytd.value == sum(range(4, 13))
    rolling = window_value(data, Window("rolling12", dt.date(2023, 10, 1)), additive=True)
    assert (rolling.value, rolling.complete) == (78, True)
    partial = window_value(data, Window("rolling12", dt.date(2024, 1, 1)), additive=True)
    assert (partial.periods_held, partial.periods_expected, partial.complete) == (9, 12, False)


def test_rates_are_read_at_the_windows_last_quarter():
    data = series(["2023-04-01", "2023-07-01", "2023-10-01"], [9.1, 9.5, 9.8], "quarter")
    figure = window_value(data, Window("ytd", dt.date(2023, 10, 1)), additive=False)
    assert (figure.value, figure.complete) == (9.8, True)
    gap = window_value(data, Window("quarter", dt.date(2024, 1, 1)), additive=False)
    assert gap.value is None and not gap.complete


def test_yearly_figures_give_the_year_ending_with_the_window_or_the_one_before():
    data = series(["2021-04-01", "2022-04-01"], [84, 90], "fy")
    assert window_value(data, Window("quarter", dt.date(2023, 1, 1)), True).value == 90
    assert window_value(data, Window("quarter", dt.date(2023, 4, 1)), True).value == 90
    assert window_value(data, Window("quarter", dt.date(2022, 10, 1)), True).value == 84


def test_latest_quarter_needs_all_three_months():
    assert latest_quarter(series(MONTHS_2023, [1] * 12, "month")) == dt.date(2023, 10, 1)
    assert latest_quarter(series(MONTHS_2023[:11], [1] * 11, "month")) == dt.date(2023, 7, 1)
    assert latest_quarter(series(["2023-04-01", "2023-07-01"], [1, 2], "quarter")) == \
        dt.date(2023, 7, 1)
    assert latest_quarter(series(["2021-04-01"], [84], "fy")) == dt.date(2022, 1, 1)
