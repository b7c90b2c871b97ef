"""Coverage: which indicator, area and period has data, and what is missing or stale."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from data_loaders.periods import period_end, period_label

# A value is stale when its latest period ended this long before the newest period any
# indicator of the same frequency has (quarterly data a quarter behind the rest, say).
STALE_AFTER_DAYS = {"month": 62, "quarter": 100, "fy": 400}


def compute_coverage(observations: pd.DataFrame, catalogue: pd.DataFrame,
                     today: dt.date | None = None) -> pd.DataFrame:
    """One row per catalogue indicator: theme, title, frequency, first and latest period,
    number of periods and areas with data, missing periods between first and latest, and a
    status of 'no data', 'stale' or 'up to date'. Does not mutate its inputs.

    Stale is judged against the newest period held for any indicator of the same
    frequency, so a quarterly indicator a quarter behind its peers shows as stale.
    """
    rows = []
    newest_by_frequency = _newest_end_by_frequency(observations, catalogue)
    for record in catalogue.itertuples():
        held = observations[observations["indicator_id"] == record.id]
        held = held[held["granularity"] == record.frequency] if len(held) else held
        if held.empty:
            rows.append(_row(record, status="no data"))
            continue
        periods = sorted(held["period_start"].unique())
        expected = _expected_periods(periods[0], periods[-1], record.frequency)
        missing = [p for p in expected if p not in set(periods)]
        latest_end = period_end(periods[-1], record.frequency)
        newest = newest_by_frequency.get(record.frequency, latest_end)
        stale = (newest - latest_end).days > STALE_AFTER_DAYS[record.frequency]
        rows.append(_row(
            record,
            first_period=period_label(periods[0], record.frequency),
            latest_period=period_label(periods[-1], record.frequency),
            periods=len(periods),
            areas=held["area_code"].nunique(),
            missing_periods=", ".join(period_label(p, record.frequency) for p in missing),
            status="stale" if stale else ("gaps" if missing else "up to date"),
        ))
    return pd.DataFrame(rows)


def _row(record, **values) -> dict:
    base = {"indicator_id": record.id, "theme": record.theme, "title": record.title,
            "frequency": record.frequency, "first_period": "", "latest_period": "",
            "periods": 0, "areas": 0, "missing_periods": "", "status": ""}
    return {**base, **values}


def _newest_end_by_frequency(observations, catalogue) -> dict[str, dt.date]:
    merged = observations.merge(catalogue[["id", "frequency"]], left_on="indicator_id",
                                right_on="id")
    merged = merged[merged["granularity"] == merged["frequency"]]
    newest = merged.groupby("frequency")["period_start"].max()
    return {freq: period_end(start, freq) for freq, start in newest.items()}


def _expected_periods(first: str, last: str, granularity: str) -> list[str]:
    step = {"month": 1, "quarter": 3, "fy": 12}[granularity]
    day = dt.date.fromisoformat(first)
    end = dt.date.fromisoformat(last)
    out = []
    while day <= end:
        out.append(day.isoformat())
        total = day.month - 1 + step
        day = dt.date(day.year + total // 12, total % 12 + 1, 1)
    return out
