"""One indicator for one area over one window: its value, the same window a year earlier, the
% change, direction, RAG, and the reasons a change is withheld; and the scorecard of every
indicator. Pure pandas; does not mutate its inputs."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from data_loaders.catalogue import parse_target_rule
from data_loaders.periods import fy_start_year, period_label, quarter_start

from .change_test import MIN_COUNT, ChangeTest, proportion_difference_test, rate_ratio_test
from .judgement import compute_change_pct, compute_direction, compute_rag
from .series import indicator_series, newest_starts
from .windows import (
    Window,
    WindowValue,
    add_months,
    is_additive,
    latest_quarter,
    periods_read,
    pool_scale,
    window_value,
)

STALE_AFTER_MONTHS = {"month": 3, "quarter": 6, "fy": 18}
SUMMARY_COLUMNS = ["indicator_id", "theme", "title", "unit", "polarity", "period", "value",
                   "previous_value", "change_pct", "direction", "judgement", "rag",
                   "withheld", "rate_per_1000", "trend", "status", "change_test",
                   "significance", "untested", "figure_start", "figure_end", "from_sample"]


def population_of(population: pd.DataFrame, area_code: str) -> float | None:
    """The area's newest population figure, or None."""
    rows = population[population["area_code"] == area_code]
    return None if rows.empty else float(rows.sort_values("year")["population"].iloc[-1])


def baseline_window(window: Window, versus: str) -> Window:
    """The window a target compares with: a year earlier, or the same quarter of a baseline
    financial year written '2022/23'."""
    if versus == "last year":
        return window.year_earlier()
    quarter = (window.end.month - 4) % 12 // 3 + 1
    return Window(window.kind, quarter_start(int(versus[:4]), quarter))


def compute_summary(observations: pd.DataFrame, record: dict, area_code: str, kind: str,
                    end: dt.date | None = None, population: float | None = None) -> dict:
    """The board's reading of one indicator for one area over a window of ``kind`` ending
    with the quarter starting ``end`` (default: the series' latest complete quarter)."""
    series = indicator_series(observations, record["id"], area_code, record["frequency"])
    additive = is_additive(record)
    end = end or latest_quarter(series)
    row = {"indicator_id": record["id"], "theme": record["theme"], "title": record["title"],
           "unit": record["unit"], "polarity": record["polarity"], "period": None,
           "value": None, "previous_value": None, "change_pct": None, "direction": None,
           "judgement": None, "rag": None, "withheld": None, "rate_per_1000": None,
           "trend": trend_values(series), "status": "missing", "change_test": None,
           "significance": None, "untested": None, "figure_start": None, "figure_end": None,
           "from_sample": False}
    if end is None:
        row["withheld"] = "no data for this area"
        return row
    window = Window(kind if record["frequency"] != "fy" else "quarter", end)
    pool = pool_scale(record)
    now, before = (window_value(series, w, additive, pool)
                   for w in (window, window.year_earlier()))
    span = figure_span(window, record, now.last_period_only)
    row["from_sample"] = reads_sample(series, {window: now, window.year_earlier(): before})
    row.update(period=figure_period(window, record, now.last_period_only),
               figure_start=span[0].isoformat(), figure_end=span[1].isoformat(), value=now.value,
               previous_value=before.value, status="ok" if now.complete else "partial")
    if additive and now.value is not None and population:
        row["rate_per_1000"] = now.value / population * 1000
    if not now.complete:
        row["withheld"] = (f"only {now.periods_held} of {now.periods_expected} periods of "
                           f"{row['period']} are held")
    elif not before.complete:
        row["withheld"] = "the same period a year earlier is not complete" \
            if before.value is not None else "no figure for the same period a year earlier"
    else:
        row["change_pct"] = compute_change_pct(now.value, before.value)
        direction = compute_direction(row["change_pct"], record["polarity"])
        if direction:
            row["direction"], row["judgement"] = direction.word, direction.judgement
        test, row["untested"] = significance_of(record, now, before, population)
        if test is not None:
            row.update(change_test=test, significance=test.verdict)
    rule = parse_target_rule(record["target_rule"])
    if rule is not None and now.complete:
        compared = None
        if rule.subject == "change":
            base = window_value(series, baseline_window(window, rule.versus), additive, pool)
            compared = base.value if base.complete else None
        row["rag"] = compute_rag(rule, now.value, compared)
    return row


def reads_sample(series: pd.DataFrame, read: dict[Window, WindowValue]) -> bool:
    """Whether any period behind the values ``read`` (each window with the value worked out
    over it) is generated sample data, by ``series``' is_sample column (a series without
    one is real). A value that is its window's last period only read that period."""
    if "is_sample" not in series or series.empty:
        return False
    flags = series["is_sample"].to_numpy(dtype=bool)
    if not flags.any():  # most series: no need to find the periods (runs hundreds of times)
        return False
    granularity = series["granularity"].iat[0]
    starts = set()
    for window, value in read.items():
        periods = periods_read(granularity, window)
        starts.update(periods[-1:] if value.last_period_only else periods)
    return any(flag and start in starts
               for flag, start in zip(flags, series["period_start"].tolist()))


def significance_of(record: dict, now: WindowValue, before: WindowValue,
                    population: float | None) -> tuple[ChangeTest | None, str | None]:
    """(the significance test of the change from ``before`` to ``now``, or None with the
    reason it cannot be tested). Counts and rates are tested as a ratio of counts (a rate's
    count is its numerator, else rate x population / 1,000, among its denominator or the
    area's population); percentages as a difference of proportions where both periods
    carry their numerator and denominator."""
    unit = record["unit"]
    if unit == "count":
        test = rate_ratio_test(now.value, before.value)
    elif unit == "rate_per_1000":
        counts = [_count_of(v, population) for v in (now, before)]
        if None in counts:
            return None, "no count is held behind the rate"
        people = [v.denominator if v.numerator is not None and v.denominator else
                  (population or 1.0) for v in (now, before)]
        test = rate_ratio_test(counts[0], counts[1], people[0], people[1])
    elif unit == "percent":
        if None in (now.numerator, now.denominator, before.numerator, before.denominator):
            return None, "no numerators and denominators are held to test it"
        test = proportion_difference_test(now.numerator, now.denominator, before.numerator,
                                          before.denominator)
    else:
        return None, f"a change in {unit} cannot be tested for significance"
    if test is None:
        return None, f"too few to test (fewer than {MIN_COUNT} in the two periods)"
    return test, None


def _count_of(value: WindowValue, population: float | None) -> float | None:
    if value.numerator is not None:
        return value.numerator
    if value.value is None or not population:
        return None
    return value.value * population / 1000


def figure_period(window: Window, record: dict, last_period_only: bool = False) -> str:
    """The span the figure covers, as the board writes it: for yearly figures the year read
    (the one ending with the window's quarter, else the year before); for figures uploaded
    over the rolling 12 months, those 12 months whatever the window; for a percentage or
    rate that could not be pooled over a longer window, the one period it is."""
    if record["frequency"] == "fy":
        year = fy_start_year(window.end) - (0 if window.end.month == 1 else 1)
        return period_label(quarter_start(year, 1).isoformat(), "fy")
    if "rolling 12 months" in record["computation"]:
        return Window("rolling12", window.end).label()
    if last_period_only:
        if record["frequency"] == "month":
            return period_label(add_months(window.stop, -1).isoformat(), "month")
        return Window("quarter", window.end).label()
    return window.label()


def figure_span(window: Window, record: dict, last_period_only: bool = False
                ) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the span figure_period names, for machines to sort and join
    on.

    >>> figure_span(Window("rolling12", dt.date(2023, 10, 1)), {"frequency": "quarter",
    ...             "computation": "rolling 12 months"})
    (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))
    """
    last = dt.timedelta(days=1)
    if record["frequency"] == "fy":
        year = fy_start_year(window.end) - (0 if window.end.month == 1 else 1)
        return quarter_start(year, 1), quarter_start(year + 1, 1) - last
    if "rolling 12 months" in record["computation"]:
        window = Window("rolling12", window.end)
    elif last_period_only:
        start = add_months(window.stop, -1) if record["frequency"] == "month" else window.end
        return start, window.stop - last
    return window.start, window.stop - last


def shown_period(window: Window, record: dict) -> str:
    """The span a window's figures for many areas cover, as the tiles say it: 12 months for
    rolling figures, the last period for a percentage that cannot be pooled over a longer
    window."""
    single = not is_additive(record) and pool_scale(record) is None and \
        window.kind != "quarter"
    return figure_period(window, record, single)


def trend_values(series: pd.DataFrame, periods: int = 8) -> list[float]:
    """The last two years of values for a sparkline (8 quarters, 24 months or 2 years)."""
    if series.empty:
        return []
    granularity = series["granularity"].iloc[0]
    count = {"month": 24, "quarter": periods, "fy": 2}.get(granularity, periods)
    return [float(v) for v in series["value"].tail(count)]


def is_stale(series: pd.DataFrame, frequency: str, as_of: dt.date) -> bool:
    """True when the series' newest period ended longer ago than its frequency allows."""
    if series.empty:
        return False
    newest = dt.date.fromisoformat(str(series["period_start"].max()))
    span = {"month": 1, "quarter": 3, "fy": 12}[frequency]
    return add_months(newest, span + STALE_AFTER_MONTHS[frequency]) <= as_of


def compute_summary_or_fallback(observations: pd.DataFrame, record: dict, area_code: str,
                                kind: str, end: dt.date | None, populations: dict,
                                fallback: str | None) -> dict:
    """compute_summary for the area; where the area holds nothing for the indicator (youth
    justice and MARAC figures are county-wide), the ``fallback`` area's figure, with
    figure_area saying whose it is. ``populations`` maps area codes to population."""
    row = compute_summary(observations, record, area_code, kind, end,
                          populations.get(area_code))
    row["figure_area"] = area_code
    if row["status"] == "missing" and fallback and fallback != area_code:
        other = compute_summary(observations, record, fallback, kind, end,
                                populations.get(fallback))
        if other["status"] != "missing":
            row = {**other, "figure_area": fallback}
    return row


def newest_period_end(observations: pd.DataFrame) -> dt.date | None:
    """The first day after the newest month or quarter anything is held for."""
    newest = newest_starts(observations)
    ends = [add_months(dt.date.fromisoformat(newest[granularity]), months)
            for granularity, months in (("month", 1), ("quarter", 3)) if granularity in newest]
    return max(ends) if ends else None


def current_indicators(observations, records: list[dict], figure_areas: dict[str, str]
                       ) -> set[str]:
    """The ids of ``records`` whose figures (for the area ``figure_areas`` gives each id) are
    not stale against the newest period anything is held for."""
    as_of = newest_period_end(observations)
    if as_of is None:
        return set()
    return {r["id"] for r in records if not is_stale(indicator_series(
        observations, r["id"], figure_areas[r["id"]], r["frequency"]), r["frequency"], as_of)}


def lead_indicator(ids: list[str], by_district: set, current: set) -> str:
    """The indicator a theme opens on (the page's charts, the pack's slide): the first with
    current data (not stale) that is held by district (so the districts and the map have
    something to show), else the first with current data, else the first held by district,
    else the first.

    >>> lead_indicator(["fte", "rate"], by_district=set(), current={"rate"})
    'rate'
    >>> lead_indicator(["fte", "rate"], by_district={"fte"}, current=set())
    'fte'
    """
    for wanted in (lambda i: i in current and i in by_district, lambda i: i in current,
                   lambda i: i in by_district):
        chosen = next((i for i in ids if wanted(i)), None)
        if chosen:
            return chosen
    return ids[0]


SOURCE_NAMES = {"police_uk": "police.uk figures", "officer": "officers' figures"}


def period_ends_note(rows, origins: dict[str, str]) -> str:
    """Where the figures shown end at different dates by source, one line saying so
    ("Police.uk figures to December 2024; officers' figures to December 2023."); "" when
    they end together. ``rows``: summaries with indicator_id and figure_end; ``origins``:
    each indicator's catalogue origin.

    >>> period_ends_note([{"indicator_id": "a", "figure_end": "2024-12-31"},
    ...                   {"indicator_id": "b", "figure_end": "2023-12-31"},
    ...                   {"indicator_id": "c", "figure_end": None}],
    ...                  {"a": "police_uk", "b": "officer", "c": "officer"})
    "Police.uk figures to December 2024; officers' figures to December 2023."
    """
    ends: dict[str, str] = {}
    for row in rows:
        if row.get("figure_end"):
            origin = origins[row["indicator_id"]]
            ends[origin] = max(ends.get(origin, ""), row["figure_end"])
    if len(set(ends.values())) < 2:
        return ""
    parts = [f"{SOURCE_NAMES[o]} to {dt.date.fromisoformat(e):%B %Y}"
             for o, e in sorted(ends.items(), key=lambda item: item[1], reverse=True)]
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]
