"""Values that read but cannot be right for their indicator: a rate per 1,000 people for a
whole district in the hundreds (counts given for a rate), a value many times the highest the
indicator has held, or a revision many times the stored figure. Each is a warning the
officer must confirm, put first in the preview, never a routine "revised"."""
from __future__ import annotations

import pandas as pd

from . import geography as geo
from .catalogue import indicator
from .periods import period_label
from .problems import Problem, warning
from .store import Preview

IMPLAUSIBLE = "implausible"  # the key of these warnings: the command line stops on them

# A district, the county or the board area with more than 200 of every 1,000 people in one
# indicator's figure: the board's total crime is about 75 a year, its busiest district 116.
MOST_PER_1000 = 200
# A value more than five times the highest the indicator holds for its kind of area, or a
# revision more than five times the stored figure or less than a fifth of it.
MOST_RATIO = 5
WHOLE_AREAS = ("district", "county", "board")
SHOWN = 5  # figures named in one warning; the rest are counted


def implausible_values(file_name: str, observations: pd.DataFrame, preview: Preview | None,
                       highest: pd.DataFrame | None = None) -> list[Problem]:
    """One warning per indicator with rates too high to be rates or values far above any it
    holds (``highest``: Store.highest_values), and one per indicator with revisions many
    times the stored value."""
    problems = []
    held = {} if highest is None else {
        (r.indicator_id, r.area_type): r.highest for r in highest.itertuples()}
    for indicator_id, rows in observations.groupby("indicator_id", sort=False):
        record = indicator(indicator_id)
        if record["unit"] == "rate_per_1000":
            high = rows[rows["area_type"].isin(WHOLE_AREAS) & (rows["value"] > MOST_PER_1000)]
            if len(high):
                problems.append(warning(
                    f"{record['title']} is a rate per 1,000 people, and "
                    f"{_figures(high, 'value')} {'is' if len(high) == 1 else 'are'} more "
                    f"than {MOST_PER_1000} of every 1,000 people in a whole area: these look "
                    "like counts, not rates. Check the figures before storing them",
                    file=file_name, key=IMPLAUSIBLE))
                continue
        ceiling = rows["area_type"].map(
            lambda t, i=indicator_id: held.get((i, t), float("nan")))
        far = rows[(ceiling > 0) & (rows["value"] > ceiling * MOST_RATIO)]
        if len(far):
            most = max(held[(indicator_id, t)] for t in far["area_type"].unique())
            problems.append(warning(
                f"{record['title']}: {_figures(far, 'value')} {'is' if len(far) == 1 else 'are'}"
                f" more than {MOST_RATIO} times the highest figure held for such an area "
                f"({most:g}). Check the file is for this measure and unit before storing it",
                file=file_name, key=IMPLAUSIBLE))
    if preview is None or not len(preview.revised):
        return problems
    revised = preview.revised
    old, new = revised["old_value"], revised["new_value"]
    far = revised[(old > 0) & ((new >= old * MOST_RATIO) | (new * MOST_RATIO <= old))]
    for indicator_id, rows in far.groupby("indicator_id", sort=False):
        problems.append(warning(
            f"{indicator(indicator_id)['title']}: {_figures(rows, 'new_value', 'old_value')} "
            f"{'is' if len(rows) == 1 else 'are'} more than {MOST_RATIO} times the stored "
            "figure or less than a fifth of it. Check the file is for this measure and unit "
            "before storing it", file=file_name, key=IMPLAUSIBLE))
    return problems


def _figures(rows: pd.DataFrame, column: str, before: str | None = None) -> str:
    """'Blaby, Q1 2023/24: 195 (stored 1.53); ...' for the first few rows, then a count."""
    parts = []
    for row in rows.head(SHOWN).itertuples():
        text = (f"{geo.area_name(row.area_code)}, "
                f"{period_label(row.period_start, row.granularity)}: {getattr(row, column):g}")
        if before:
            text += f" (stored {getattr(row, before):g})"
        parts.append(text)
    more = len(rows) - SHOWN
    return "; ".join(parts) + (f" and {more} more" if more > 0 else "")
