"""The latest value of each indicator for one area, with the same period a year earlier."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from data_loaders.periods import period_label


def same_period_last_year(period_start: str) -> str:
    """'2023-04-01' -> '2022-04-01'."""
    day = dt.date.fromisoformat(period_start)
    return day.replace(year=day.year - 1).isoformat()


def compute_latest_values(observations: pd.DataFrame, catalogue: pd.DataFrame,
                          area_code: str) -> pd.DataFrame:
    """One row per catalogue indicator with data for ``area_code``: indicator_id, theme, title,
    unit, period, value, previous_value (same period a year earlier) and change_pct.

    Uses each indicator's own frequency. Does not mutate its inputs.
    """
    area = observations[observations["area_code"] == area_code]
    rows = []
    for record in catalogue.itertuples():
        held = area[(area["indicator_id"] == record.id)
                    & (area["granularity"] == record.frequency)]
        if held.empty:
            continue
        values = dict(zip(held["period_start"], held["value"]))
        latest = max(values)
        previous = values.get(same_period_last_year(latest))
        change = None
        if previous not in (None, 0):
            change = (values[latest] - previous) / abs(previous) * 100
        rows.append({"indicator_id": record.id, "theme": record.theme, "title": record.title,
                     "unit": record.unit, "period": period_label(latest, record.frequency),
                     "value": values[latest], "previous_value": previous,
                     "change_pct": change})
    return pd.DataFrame(rows, columns=["indicator_id", "theme", "title", "unit", "period",
                                       "value", "previous_value", "change_pct"])
