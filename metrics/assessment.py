"""The full reading of one indicator for one area: the summary (value, change, direction,
RAG), its SPC variation, its benchmark against the county (or board area) with a 95%
interval, and the one status. Pure pandas; does not mutate its inputs."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from data_loaders import geography as geo
from data_loaders.periods import period_label

from .formatting import format_change
from .intervals import compare_with_benchmark, interval_for
from .spc import compute_variation, compute_xmr
from .status import Evidence, decide_status
from .summary import (
    SUMMARY_COLUMNS,
    compute_summary_or_fallback,
    indicator_series,
    is_stale,
    newest_period_end,
)
from .windows import Window, is_additive, latest_quarter, pool_scale, window_value

RUTLAND = "E06000017"


def benchmark_area(area_code: str) -> str | None:
    """Whom an area is benchmarked against: a county district against Leicestershire, Rutland
    against the board area; the county and board against the region where it is held."""
    if area_code == RUTLAND:
        return geo.BOARD_CODE
    if area_code in geo.DISTRICTS:
        return geo.COUNTY_CODE
    return geo.REGION_CODE


def spc_series(observations: pd.DataFrame, record: dict, area_code: str) -> pd.DataFrame | None:
    """The points SPC may use: the indicator's own monthly or quarterly values; None for
    rolling 12-month figures (SPC is never run on rolling sums) and yearly ones."""
    if "rolling 12 months" in record["computation"] or record["frequency"] == "fy":
        return None
    return indicator_series(observations, record["id"], area_code, record["frequency"])


def compute_spc(observations: pd.DataFrame, record: dict, area_code: str,
                breaks: list[str] = (), end: dt.date | None = None
                ) -> tuple[pd.DataFrame | None, str]:
    """(the XmR chart or None, the variation reading: improvement, concern, neither, common,
    too few or not applicable) on the points up to the quarter starting ``end`` (None: all
    held), so a past quarter is read as it stood, not on data that came later."""
    series = spc_series(observations, record, area_code)
    if series is None:
        return None, "not applicable"
    if end is not None:
        stop = Window("quarter", end).stop.isoformat()
        series = series[series["period_start"] < stop]
    chart = compute_xmr(series, list(breaks))
    return chart, compute_variation(chart, record["polarity"])


def definition_breaks(changes: pd.DataFrame, indicator_id: str) -> list[str]:
    """Period starts where the indicator's definition changed."""
    if changes is None or changes.empty:
        return []
    return sorted(changes.loc[changes["indicator_id"] == indicator_id, "period_start"])


def compute_assessment(observations: pd.DataFrame, record: dict, area_code: str, kind: str,
                       end: dt.date | None, populations: dict, changes: pd.DataFrame,
                       fallback: str | None = None) -> dict:
    """The summary row plus variation, benchmark (better/similar/worse or
    higher/similar/lower), benchmark_area, interval (95%, in the compared unit), status and
    the XmR chart (spc)."""
    row = compute_summary_or_fallback(observations, record, area_code, kind, end,
                                      populations, fallback)
    whose = row["figure_area"]
    breaks = definition_breaks(changes, record["id"])
    _withhold_across_breaks(row, record, kind, end, observations, whose, breaks)
    chart, variation = compute_spc(observations, record, whose, breaks, end)
    other = benchmark_area(whose)
    interval, verdict = _benchmark(observations, record, whose, other, kind, end, populations)
    row.update(variation=variation, spc=chart, benchmark=verdict,
               benchmark_area=other if verdict else None, interval=interval)
    row["overall"], row["reason"] = decide_status(_evidence(row, record, area_code))
    return row


def _evidence(row: dict, record: dict, area_code: str) -> Evidence:
    """What the status of ``row`` (for ``area_code``) is decided from."""
    test = row.get("change_test")
    not_judged = None
    if row["figure_area"] != area_code:
        not_judged = f"{geo.area_name(row['figure_area'])}'s figure, shown for context"
    elif row["status"] == "partial" or row["value"] is None:
        not_judged = row["withheld"] or "no figure is held"
    movement = "up" if (row["change_pct"] or 0) > 0 else "down"
    change_words = (f"{movement} {format_change(row['change_pct']).lstrip('+-')} on a year "
                    "earlier") if row["change_pct"] is not None else "the change"
    return Evidence(row["rag"], test.judged(record["polarity"]) if test else None,
                    row["variation"], row["benchmark"], record["polarity"], change_words,
                    geo.area_name(row["benchmark_area"]) if row["benchmark_area"]
                    else "its benchmark", not_judged)


def _withhold_across_breaks(row, record, kind, end, observations, area, breaks) -> None:
    """A change is withheld when the definition changed between the two periods compared."""
    if not breaks or row["change_pct"] is None:
        return
    series = indicator_series(observations, record["id"], area, record["frequency"])
    end = end or latest_quarter(series)
    if end is None:
        return
    window = Window(kind, end)
    earlier = window.year_earlier().start.isoformat()
    for cut in breaks:
        if earlier < cut < window.stop.isoformat():
            row.update(change_pct=None, direction=None, judgement=None, change_test=None,
                       significance=None, untested=None,
                       withheld=f"the definition changed from "
                                f"{period_label(cut, record['frequency'])}")
            return


def _benchmark(observations, record, area, other, kind, end, populations):
    """(the area's 95% interval, the verdict against ``other``'s value) or (interval, None)."""
    series = indicator_series(observations, record["id"], area, record["frequency"])
    end = end or latest_quarter(series)
    if end is None or other is None:
        return None, None
    window = Window(kind if record["frequency"] != "fy" else "quarter", end)
    additive, pool = is_additive(record), pool_scale(record)
    mine = window_value(series, window, additive, pool)
    if not mine.complete:
        return None, None
    interval = interval_for(record, mine.value, mine.numerator, mine.denominator,
                            populations.get(area), additive)
    theirs = window_value(indicator_series(observations, record["id"], other,
                                           record["frequency"]), window, additive, pool)
    if not theirs.complete:
        return interval, None
    value = theirs.value
    if additive:
        if not populations.get(other):
            return interval, None
        value = value / populations[other] * 1000
    return interval, compare_with_benchmark(interval, value, record["polarity"])


SCORECARD_EXTRA = ["figure_area", "variation", "benchmark", "benchmark_area", "interval",
                   "overall", "reason"]


def compute_scorecard(observations: pd.DataFrame, catalogue: pd.DataFrame, area_code: str,
                      kind: str, populations: dict | None = None,
                      end: dt.date | None = None, fallback: str | None = None,
                      changes: pd.DataFrame | None = None,
                      assessed: dict | None = None) -> pd.DataFrame:
    """One row per headline indicator (no categories, no service measures) for the area, in
    catalogue order: SUMMARY_COLUMNS and SCORECARD_EXTRA (figure_area is the fallback's code
    where the area holds nothing); status is ok, partial, stale or missing, overall the one
    status. ``assessed``: compute_assessment's rows for these arguments already worked out
    (the theme pages' tiles), by indicator id; they are not changed."""
    as_of = newest_period_end(observations)
    rows = []
    for record in catalogue.to_dict("records"):
        if record["parent"] or record["panel"] != "headline":
            continue
        if assessed and record["id"] in assessed:
            row = dict(assessed[record["id"]])
        else:
            row = compute_assessment(observations, record, area_code, kind, end,
                                     populations or {}, changes, fallback)
        series = indicator_series(observations, record["id"], row["figure_area"],
                                  record["frequency"])
        if row["status"] == "ok" and as_of and is_stale(series, record["frequency"], as_of):
            row["status"] = "stale"
        rows.append(row)
    return pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS, *SCORECARD_EXTRA])
