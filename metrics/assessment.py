"""The full reading of one indicator for one area: the summary (value, change, direction,
RAG), its SPC variation, its benchmark against the county (or board area) with a 95%
interval, and the one status. Pure pandas; does not mutate its inputs."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from data_loaders import geography as geo
from data_loaders.periods import period_label

from .intervals import compare_with_benchmark, interval_for
from .spc import compute_variation, compute_xmr
from .status import combine_status
from .summary import (SUMMARY_COLUMNS, compute_summary_or_fallback, indicator_series,
                      is_stale, newest_period_end)
from .windows import Window, is_additive, latest_quarter, window_value

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
                breaks: list[str] = ()) -> tuple[pd.DataFrame | None, str]:
    """(the XmR chart or None, the variation reading: improvement, concern, neither, common,
    too few or not applicable)."""
    series = spc_series(observations, record, area_code)
    if series is None:
        return None, "not applicable"
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
    chart, variation = compute_spc(observations, record, whose, breaks)
    other = benchmark_area(whose)
    interval, verdict = _benchmark(observations, record, whose, other, kind, end, populations)
    row.update(variation=variation, spc=chart, benchmark=verdict,
               benchmark_area=other if verdict else None, interval=interval,
               status=row["status"],
               overall=combine_status(row["rag"], variation, verdict, record["polarity"]))
    return row


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
            row.update(change_pct=None, direction=None, judgement=None,
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
    additive = is_additive(record)
    mine = window_value(series, window, additive)
    if not mine.complete:
        return None, None
    interval = interval_for(record, mine.value, mine.numerator, mine.denominator,
                            populations.get(area), additive)
    theirs = window_value(indicator_series(observations, record["id"], other,
                                           record["frequency"]), window, additive)
    if not theirs.complete:
        return interval, None
    value = theirs.value
    if additive:
        if not populations.get(other):
            return interval, None
        value = value / populations[other] * 1000
    return interval, compare_with_benchmark(interval, value, record["polarity"])


SCORECARD_EXTRA = ["figure_area", "variation", "benchmark", "benchmark_area", "interval",
                   "overall"]


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
