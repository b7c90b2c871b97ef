"""What needs the board's attention, from a scorecard (assessment.compute_scorecard): the
indicators that read Act or Watch, then any other significant change on a year earlier, and a
count of the rest by status per theme. Pure pandas; does not mutate its input."""
from __future__ import annotations

import pandas as pd

from .status import STATUSES

_ORDER = {"Act": 0, "Watch": 1}


def is_significant(test, polarity: str) -> bool:
    """True when ``test`` (a ChangeTest or None) found a real change."""
    return test is not None and test.judged(polarity) in ("better", "worse", "neither")


def needs_attention(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard's rows that read Act or Watch, then those with a significant change,
    Act first, each group in catalogue order.

    >>> card = pd.DataFrame({"overall": ["On track", "Act", "Watch", "On track"],
    ...     "change_test": None, "polarity": "down_good", "value": 1.0})
    >>> needs_attention(card).index.tolist()
    [1, 2]
    """
    held = card[card["value"].notna()]
    flagged = [status in _ORDER or is_significant(test, polarity)
               for status, test, polarity in zip(held["overall"], held["change_test"],
                                                  held["polarity"])]
    chosen = held[flagged]
    rank = chosen["overall"].map(_ORDER).fillna(len(_ORDER)).to_numpy()
    return chosen.iloc[rank.argsort(kind="stable")]


def status_counts(card: pd.DataFrame, themes: dict[str, str]) -> pd.DataFrame:
    """How many headline indicators read each status in each theme (held figures only):
    Theme, then one column per status, themes in ``themes``' order (id -> title)."""
    held = card[card["value"].notna()]
    rows = []
    for theme, title in themes.items():
        statuses = held.loc[held["theme"] == theme, "overall"]
        rows.append({"Theme": title, **{s: int((statuses == s).sum()) for s in STATUSES}})
    return pd.DataFrame(rows, columns=["Theme", *STATUSES])
