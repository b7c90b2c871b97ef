"""Figures across areas and over time: the trend of one indicator for several areas, the
district comparison with its county and board references, and the district x quarter table
of the Domestic Abuse Dashboard. Counts are compared as rates per 1,000 residents where the
population is known. Pure pandas; does not mutate its inputs."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from data_loaders.periods import fy_start_year, period_label, quarter_start

from .formatting import format_change
from .intervals import interval_for
from .judgement import compute_change_pct, compute_direction
from .series import indicator_rows, indicator_series
from .summary import population_of
from .windows import Window, add_months, is_additive, pool_scale, value_of, window_values

TREND_COLUMNS = ["period_start", "period", "area_code", "measure", "value", "count"]
QUARTER_TABLE_YEARS = 2


def to_quarters(series: pd.DataFrame) -> pd.DataFrame:
    """Monthly counts summed into whole quarters (a quarter missing a month is dropped);
    quarterly series pass through. Columns period_start, value."""
    if series.empty or series["granularity"].iloc[0] != "month":
        return series[["period_start", "value"]].reset_index(drop=True)
    days = pd.to_datetime(series["period_start"], format="%Y-%m-%d").dt.date
    quarter = days.map(lambda d: quarter_start(fy_start_year(d), (d.month - 4) % 12 // 3 + 1))
    grouped = series.assign(quarter=quarter).groupby("quarter")["value"].agg(["sum", "count"])
    whole = grouped[grouped["count"] == 3]
    return pd.DataFrame({"period_start": [q.isoformat() for q in whole.index],
                         "value": whole["sum"].to_numpy()})


def rolling_12_months(series: pd.DataFrame) -> pd.DataFrame:
    """Rolling 12-month totals of a monthly or quarterly count series, at each period that has
    the full 12 months behind it. Columns period_start, value.

    >>> q = pd.DataFrame({"period_start": ["2022-04-01", "2022-07-01", "2022-10-01",
    ...     "2023-01-01", "2023-04-01"], "granularity": "quarter", "value": [1, 2, 3, 4, 5.0]})
    >>> rolling_12_months(q)["value"].tolist()
    [10.0, 14.0]
    """
    if series.empty:
        return pd.DataFrame(columns=["period_start", "value"])
    step = 1 if series["granularity"].iloc[0] == "month" else 3
    values = dict(zip(series["period_start"], series["value"]))
    rows = []
    for start in series["period_start"]:
        day = dt.date.fromisoformat(start)
        span = [add_months(day, -i).isoformat() for i in range(0, 12, step)]
        if all(s in values for s in span):
            rows.append({"period_start": start, "value": float(sum(values[s] for s in span))})
    return pd.DataFrame(rows, columns=["period_start", "value"])


def compute_trend(observations: pd.DataFrame, record: dict, area_codes: list[str],
                  population: pd.DataFrame) -> pd.DataFrame:
    """TREND_COLUMNS, one row per area, period and measure. Counts: 'per period' and
    'rolling 12 months' as rates per 1,000 where the area's population is known (else as
    counts), with the count itself in 'count'. Other units: their values as uploaded ('per
    period'; 'count' repeats the value)."""
    frames = []
    for code in area_codes:
        series = indicator_series(observations, record["id"], code, record["frequency"])
        if series.empty:
            continue
        measures = {"per period": series[["period_start", "value"]]}
        if is_additive(record) and record["frequency"] != "fy":
            measures["rolling 12 months"] = rolling_12_months(series)
        scale = _per_1000(record, population_of(population, code))
        for measure, frame in measures.items():
            frames.append(pd.DataFrame({
                "period_start": frame["period_start"].to_numpy(),
                "period": [period_label(p, record["frequency"]) for p in frame["period_start"]],
                "area_code": code, "measure": measure,
                "value": frame["value"].to_numpy(dtype=float) * scale,
                "count": frame["value"].to_numpy(dtype=float)}))
    if not frames:
        return pd.DataFrame(columns=TREND_COLUMNS)
    return pd.concat(frames, ignore_index=True)[TREND_COLUMNS]


def _per_1000(record: dict, population: float | None) -> float:
    return 1000 / population if is_additive(record) and population else 1.0


def comparison_unit(record: dict, population: pd.DataFrame) -> str:
    """The unit areas are compared in: rate_per_1000 for counts with population, else the
    indicator's own unit."""
    return "rate_per_1000" if is_additive(record) and len(population) else record["unit"]


def populations_by_area(population: pd.DataFrame) -> dict[str, float]:
    """Each area's newest population figure (population_of for every area at once).

    >>> people = populations_by_area(pd.DataFrame({"area_code": ["A", "A", "B"],
    ...     "year": [2022, 2021, 2021], "population": [110, 100, 50]}))
    >>> people == {"A": 110.0, "B": 50.0}
    True
    """
    newest = population.sort_values("year", kind="stable").drop_duplicates("area_code",
                                                                           keep="last")
    return dict(zip(newest["area_code"], newest["population"].astype(float)))


def compute_area_comparison(observations: pd.DataFrame, record: dict, window: Window,
                            area_codes: list[str], population: pd.DataFrame) -> pd.DataFrame:
    """One row per area with a figure for ``window``: area_code, value (rate per 1,000 for
    counts where the population is known), count (counts only), complete, and low and high
    (the 95% confidence interval, where one can be built)."""
    rows = []
    additive = is_additive(record)
    figures = window_values(indicator_rows(observations, record["id"], record["frequency"],
                                           area_codes), window, additive, pool_scale(record))
    populations = populations_by_area(population)
    for code in area_codes:
        figure = value_of(figures, code)
        if figure.value is None:
            continue
        people = populations.get(code)
        scale = _per_1000(record, people) if additive else 1.0
        interval = interval_for(record, figure.value, figure.numerator, figure.denominator,
                                people, additive) if figure.complete else None
        rows.append({"area_code": code, "value": figure.value * scale,
                     "count": figure.value if additive else None,
                     "complete": figure.complete,
                     "low": interval[0] if interval else None,
                     "high": interval[1] if interval else None})
    return pd.DataFrame(rows, columns=["area_code", "value", "count", "complete", "low",
                                       "high"])


MAP_COLUMNS = ["area_code", "value", "count", "change_text"]


def compute_map_figures(observations: pd.DataFrame, record: dict, window: Window,
                        area_codes: list[str], population: pd.DataFrame
                        ) -> tuple[pd.DataFrame, str]:
    """Per area (MAP_COLUMNS): the window's value (a rate per 1,000 for counts where every
    area's population is known, else the count), the count, and its change on a year
    earlier as text; and the unit the values are in."""
    additive = is_additive(record)
    newest = populations_by_area(population)
    populations = {c: newest.get(c) for c in area_codes}
    per_1000 = additive and all(populations.values())
    rows = indicator_rows(observations, record["id"], record["frequency"], area_codes)
    now_all = window_values(rows, window, additive, pool_scale(record))
    before_all = window_values(rows, window.year_earlier(), additive, pool_scale(record))
    figures = []
    for code in area_codes:
        now, before = value_of(now_all, code), value_of(before_all, code)
        change = compute_change_pct(now.value, before.value) if before.complete else None
        value = now.value * 1000 / populations[code] if per_1000 and now.value is not None \
            else now.value
        figures.append({"area_code": code, "value": value, "count": now.value,
                        "change_text": f"{format_change(change)} on a year earlier"
                        if change is not None else "no figure a year earlier"})
    unit = "rate_per_1000" if per_1000 else record["unit"]
    return pd.DataFrame(figures, columns=MAP_COLUMNS), unit


def fy_pairs(observations: pd.DataFrame, record: dict) -> list[int]:
    """The financial years (by start year) an indicator has quarterly figures for, newest
    first, each with the year before it held too, so a two-year table can be drawn."""
    starts = indicator_rows(observations, record["id"])["period_start"].unique()
    days = pd.to_datetime(pd.Series(starts), format="%Y-%m-%d").dt.date
    years = sorted({fy_start_year(d) for d in days}, reverse=True)
    return [y for y in years if y - 1 in years]


def compute_quarter_table(observations: pd.DataFrame, record: dict, fy_year: int,
                          area_codes: list[str]) -> pd.DataFrame:
    """The Domestic Abuse Dashboard table for a count indicator: one row per area with
    Q1..Q4 and YTD for financial years ``fy_year - 1`` and ``fy_year``, ytd_change_pct,
    direction (arrow and words) and trend (the eight quarters). YTD sums the quarters held in
    the later year, over the same quarters of both years, so a part year compares fairly;
    with a quarter of the later year missing before its latest (a month missing from it), the
    YTDs and their change are withheld and the direction says why.
    Columns: area_code, then '<year> Q1'..'<year> YTD' per year, ytd_change_pct,
    direction, trend."""
    years = (fy_year - 1, fy_year)
    labels = {y: f"{y}/{str(y + 1)[2:]}" for y in years}
    table = []
    for code in area_codes:
        series = to_quarters(indicator_series(observations, record["id"], code, "quarter")
                             if record["frequency"] == "quarter" else
                             indicator_series(observations, record["id"], code, "month"))
        values = dict(zip(series["period_start"], series["value"]))
        quarters = {y: [values.get(quarter_start(y, q).isoformat()) for q in range(1, 5)]
                    for y in years}
        held = [q for q in range(4) if quarters[fy_year][q] is not None]
        if not held:
            continue
        # A year to date runs from Q1 without a gap: a quarter missing before the latest one
        # held (or a month missing from it) leaves no year to date to compare.
        gaps = [q for q in range(max(held)) if q not in held]
        row = {"area_code": code}
        ytd = {}
        for year in years:
            for q, value in enumerate(quarters[year], start=1):
                row[f"{labels[year]} Q{q}"] = value
            parts = [quarters[year][q] for q in held]
            ytd[year] = sum(parts) if not gaps and all(p is not None for p in parts) \
                else None
            row[f"{labels[year]} YTD"] = ytd[year]
        change = compute_change_pct(ytd[fy_year], ytd[fy_year - 1])
        direction = compute_direction(change, record["polarity"])
        words = direction.word if direction else None
        if gaps:
            words = "withheld: " + ", ".join(f"Q{q + 1}" for q in gaps) + \
                f" {labels[fy_year]} not complete"
        row.update(ytd_change_pct=change, direction=words,
                   trend=[v for y in years for v in quarters[y] if v is not None])
        table.append(row)
    return pd.DataFrame(table)
