"""What changed since the last board, on frames built here."""
from __future__ import annotations

import pandas as pd

from data_loaders.model import OBSERVATION_COLUMNS
from metrics.since import compute_judgement_changes, compute_new_periods, compute_revisions


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame([{"indicator_id": i, "area_type": t, "area_code": c,
                          "period_start": p, "granularity": "quarter", "value": v,
                          "numerator": None, "denominator": None} for i, t, c, p, v in rows],
                        columns=OBSERVATION_COLUMNS)


THEN = frame([("hate_crimes", "district", "E07000133", "2023-04-01", 1.5),
              ("hate_crimes", "district", "E07000129", "2023-04-01", 2.0),
              ("police_burglary", "beat", "NR31", "2023-04-01", 4.0)])
NOW = frame([("hate_crimes", "district", "E07000133", "2023-04-01", 1.75),
             ("hate_crimes", "district", "E07000129", "2023-04-01", 2.0),
             ("hate_crimes", "district", "E07000133", "2023-07-01", 1.6),
             ("police_burglary", "beat", "NR31", "2023-04-01", 5.0)])


def test_new_periods_by_indicator():
    new = compute_new_periods(NOW, THEN)
    assert new.to_dict("records") == [{"indicator_id": "hate_crimes", "periods": "Q2 2023/24",
                                       "figures": 1}]


def test_revisions_show_old_and_new_for_what_the_board_read():
    revised = compute_revisions(NOW, THEN)
    assert revised[["area_code", "old_value", "new_value"]].values.tolist() == [
        ["E07000133", 1.5, 1.75]]  # the beat's revision is below what the board reads
    assert compute_revisions(THEN, THEN).empty


def test_judgements_that_moved():
    then = pd.DataFrame({"indicator_id": ["a", "b"], "title": ["A", "B"],
                         "overall": ["On track", "Watch"], "rag": ["Green", None],
                         "variation": ["common", "common"], "benchmark": [None, "similar"]})
    now = then.assign(overall=["Watch", "Watch"], variation=["concern", "common"])
    moved = compute_judgement_changes(now, then)
    assert moved[["indicator_id", "judgement", "before", "after"]].values.tolist() == [
        ["a", "Status", "On track", "Watch"], ["a", "Variation (SPC)", "common", "concern"]]
