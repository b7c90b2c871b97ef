"""Small-number suppression: what is hidden, that no hidden cell can be worked out from a
total shown beside it, and that a corrected version cannot be compared with an earlier one
to reveal a hidden cell."""
from __future__ import annotations

import itertools

import pandas as pd

from metrics.suppression import hide_small, primary_mask, shown_table, suppress

AREAS = ["Blaby", "Melton", "Rutland"]


def grid(values: list[list[float]]) -> tuple[pd.DataFrame, list]:
    """Areas x quarters with a Total row and a YTD column, and their sums."""
    frame = pd.DataFrame(values, index=AREAS, columns=["Q1", "Q2", "Q3"], dtype=float)
    frame["YTD"] = frame.sum(axis=1)
    frame.loc["Total"] = frame.sum()
    sums = [((r, "YTD"), [(r, q) for q in ("Q1", "Q2", "Q3")]) for r in frame.index]
    sums += [(("Total", c), [(a, c) for a in AREAS]) for c in frame.columns]
    return frame, sums


def recoverable(frame: pd.DataFrame, hidden: pd.DataFrame, sums: list) -> set:
    """Cells a reader could work out: in some sum, the only hidden cell (by subtraction)."""
    found = set()
    for total, parts in sums:
        cells = [total, *parts]
        unknown = [c for c in cells if hidden.at[c]]
        if len(unknown) == 1:
            found.add(unknown[0])
    return found


def test_counts_one_to_four_are_hidden_and_zero_and_five_are_not():
    mask = primary_mask(pd.DataFrame({"n": [0, 1, 4, 5, 120]}))
    assert mask["n"].tolist() == [False, True, True, False, False]
    assert primary_mask(pd.DataFrame({"n": [9]}), threshold=10)["n"].tolist() == [True]
    assert hide_small(3) == "<5" and hide_small(12) == 12


def test_no_hidden_cell_can_be_worked_out_from_a_total():
    frame, sums = grid([[3, 20, 15], [30, 25, 40], [12, 14, 2]])
    primary, secondary = suppress(frame, sums)
    hidden = primary | secondary
    assert hidden.at["Blaby", "Q1"] and hidden.at["Rutland", "Q3"]
    assert recoverable(frame, hidden, sums) == set()
    assert secondary.values.sum() >= 2  # at least one more per hidden cell


def test_every_small_table_is_safe_whatever_its_figures():
    for a, b, c in itertools.product([0, 2, 7], [1, 9], [3, 30]):
        frame, sums = grid([[a, b, 10], [c, 12, 6], [8, 4, 11]])
        primary, secondary = suppress(frame, sums)
        assert recoverable(frame, primary | secondary, sums) == set(), (a, b, c)


def test_shown_table_writes_what_partners_read():
    frame, sums = grid([[3, 20, 15], [30, 25, 40], [12, 14, 22]])
    shown = shown_table(frame, sums)
    assert shown.at["Blaby", "Q1"] == "<5"
    assert "*" in set(shown["Q1"]) | set(shown.loc["Blaby"])
    assert shown.at["Total", "Q1"].startswith("~")
    assert shown.at["Melton", "Q2"] == "25"


def test_a_corrected_version_cannot_reveal_how_a_hidden_cell_changed():
    before, sums = grid([[3, 20, 15], [30, 25, 40], [12, 14, 22]])
    after, _ = grid([[4, 20, 15], [30, 25, 40], [12, 14, 22]])  # 3 corrected to 4
    old, new = shown_table(before, sums), shown_table(after, sums)
    assert old.at["Blaby", "Q1"] == new.at["Blaby", "Q1"] == "<5"
    assert (old == new).all().all()  # the totals moved by 1, but read the same rounded


def test_does_not_mutate_its_input():
    frame, sums = grid([[3, 20, 15], [30, 25, 40], [12, 14, 22]])
    copy = frame.copy()
    shown_table(frame, sums)
    pd.testing.assert_frame_equal(frame, copy)
