"""Small-number suppression for what partners see and download: counts from 1 to
threshold - 1 are shown as "<5" (primary suppression); then, wherever a total is shown, no
sum may have exactly one hidden cell, or it could be worked out by subtraction, so the
smallest other cell of that sum is hidden too ("*", secondary suppression), until every sum
is safe. Totals over hidden cells are rounded to the nearest 5 ("~"), so comparing a corrected
version with an earlier one cannot reveal how a hidden cell changed.

A table is a frame of counts; a sum is (total cell, component cells), each cell a
(row label, column label) pair.
"""
from __future__ import annotations

import math

import pandas as pd

DEFAULT_THRESHOLD = 5
Cell = tuple[object, object]


def primary_mask(frame: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """True where a count is between 1 and threshold - 1.

    >>> primary_mask(pd.DataFrame({"a": [0, 3, 7]}))["a"].tolist()
    [False, True, False]
    """
    numbers = frame.apply(pd.to_numeric, errors="coerce")
    return (numbers >= 1) & (numbers < threshold)


def suppress(frame: pd.DataFrame, sums: list[tuple[Cell, list[Cell]]],
             threshold: int = DEFAULT_THRESHOLD) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(primary, secondary) masks for ``frame`` under ``sums``. Cells that are missing (NaN)
    take no part. Does not mutate its input."""
    primary = primary_mask(frame, threshold)
    hidden = primary.copy()
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            cells = [c for c in [total, *parts] if _held(frame, c)]
            if sum(bool(hidden.at[c]) for c in cells) != 1:
                continue
            candidates = [c for c in parts if _held(frame, c) and not hidden.at[c]] or \
                [c for c in cells if not hidden.at[c]]
            if not candidates:
                continue
            smallest = min(candidates, key=lambda c: float(frame.at[c]))
            hidden.at[smallest] = True
            changed = True
    return primary, hidden & ~primary


def _held(frame: pd.DataFrame, cell: Cell) -> bool:
    value = frame.at[cell]
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def shown_table(frame: pd.DataFrame, sums: list[tuple[Cell, list[Cell]]],
                threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """``frame`` as partners see it: text cells, "<{threshold}" for small counts, "*" for
    cells hidden so they cannot be worked out, totals over hidden cells as "~N" rounded to
    the nearest 5, other counts with thousands separators.

    >>> table = pd.DataFrame({"Q1": [3, 10, 13], "Q2": [8, 9, 17]},
    ...                      index=["Blaby", "Melton", "Total"])
    >>> sums = [(("Total", q), [("Blaby", q), ("Melton", q)]) for q in ("Q1", "Q2")]
    >>> shown_table(table, sums)["Q1"].tolist()
    ['<5', '*', '~15']
    """
    primary, secondary = suppress(frame, sums, threshold)
    hidden = primary | secondary
    # A total over hidden cells, or over such totals, would show a hidden cell's correction.
    over_hidden: set = set()
    grown = True
    while grown:
        grown = False
        for total, parts in sums:
            if total not in over_hidden and any(
                    _held(frame, p) and (hidden.at[p] or p in over_hidden) for p in parts):
                over_hidden.add(total)
                grown = True
    out = frame.astype(object).copy()
    for row in frame.index:
        for column in frame.columns:
            cell = (row, column)
            if not _held(frame, cell):
                out.at[cell] = ""
            elif primary.at[cell]:
                out.at[cell] = f"<{threshold}"
            elif secondary.at[cell]:
                out.at[cell] = "*"
            elif cell in over_hidden:
                out.at[cell] = f"~{5 * round(float(frame.at[cell]) / 5):,}"
            else:
                out.at[cell] = f"{float(frame.at[cell]):,.0f}"
    return out


def hide_small(value, threshold: int = DEFAULT_THRESHOLD):
    """One count on its own (a tile, a map area): "<5" when small, else the value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return value
    return f"<{threshold}" if 1 <= value < threshold else value
