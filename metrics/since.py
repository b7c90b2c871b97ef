"""What changed since the last board: between the data the board saw (a snapshot) and the
data now (or a later snapshot). Pure pandas; does not mutate its inputs."""
from __future__ import annotations

import pandas as pd

from data_loaders.model import OBSERVATION_KEY
from data_loaders.periods import period_label

AREA_TYPES = ("district", "county", "board")  # what the board reads; beats and LSOAs are many
JUDGEMENTS = {"overall": "Status", "rag": "RAG", "variation": "Variation (SPC)",
              "benchmark": "Benchmark"}


def _board_level(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["area_type"].isin(AREA_TYPES)]


def compute_new_periods(now: pd.DataFrame, then: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: the periods held now that the board had not seen, and how many area
    figures they add. Columns indicator_id, periods (text), figures."""
    merged = _board_level(now).merge(_board_level(then)[OBSERVATION_KEY], how="left",
                                     on=OBSERVATION_KEY, indicator=True)
    new = merged[merged["_merge"] == "left_only"]
    rows = []
    for indicator_id, group in new.groupby("indicator_id", sort=True):
        periods = sorted(set(zip(group["period_start"], group["granularity"])))
        rows.append({"indicator_id": indicator_id,
                     "periods": ", ".join(period_label(p, g) for p, g in periods),
                     "figures": len(group)})
    return pd.DataFrame(rows, columns=["indicator_id", "periods", "figures"])


def compute_revisions(now: pd.DataFrame, then: pd.DataFrame) -> pd.DataFrame:
    """Figures the board saw that have since been revised: OBSERVATION_KEY, old_value,
    new_value, change (new - old)."""
    merged = _board_level(now).merge(_board_level(then), on=OBSERVATION_KEY,
                                     suffixes=("_new", "_old"))
    revised = merged[(merged["value_new"] - merged["value_old"]).abs() > 1e-9]
    return pd.DataFrame({**{k: revised[k] for k in OBSERVATION_KEY},
                         "old_value": revised["value_old"], "new_value": revised["value_new"],
                         "change": revised["value_new"] - revised["value_old"]}
                        ).reset_index(drop=True)


def compute_judgement_changes(card_now: pd.DataFrame, card_then: pd.DataFrame
                              ) -> pd.DataFrame:
    """Indicators whose status, RAG, SPC variation or benchmark differs between two
    scorecards: indicator_id, title, judgement, before, after."""
    then = card_then.set_index("indicator_id")
    rows = []
    for row in card_now.itertuples():
        if row.indicator_id not in then.index:
            continue
        for column, name in JUDGEMENTS.items():
            before, after = then.at[row.indicator_id, column], getattr(row, column)
            if _text(before) != _text(after):
                rows.append({"indicator_id": row.indicator_id, "title": row.title,
                             "judgement": name, "before": _text(before) or "none",
                             "after": _text(after) or "none"})
    return pd.DataFrame(rows, columns=["indicator_id", "title", "judgement", "before", "after"])


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
