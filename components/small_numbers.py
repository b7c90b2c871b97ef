"""Small-number protection at the point of display: partners get the suppressed text of
metrics.suppression, officers the plain figures. Tables and their downloads use the same
frames, so a download never shows what the screen hides."""
from __future__ import annotations

import pandas as pd

from metrics.suppression import shown_table

from .access import hides_small_numbers, suppression_threshold


def audience() -> tuple[bool, int]:
    """Who the figures are drawn for, as far as a section's content goes: (small numbers
    hidden, the threshold). Every cached view is keyed on it."""
    return hides_small_numbers(), suppression_threshold()


def is_small(value) -> bool:
    """A count partners may not see (1 to threshold - 1), when partners are looking."""
    return hides_small_numbers() and value is not None and not pd.isna(value) and \
        1 <= float(value) < suppression_threshold()


def protect_counts(counts: pd.DataFrame, sums: list) -> pd.DataFrame:
    """``counts`` as text: suppressed for partners (see metrics.suppression), plain counts
    with thousands separators for officers."""
    if hides_small_numbers():
        return shown_table(counts, sums, suppression_threshold())
    return counts.apply(lambda column: column.map(
        lambda v: "" if v is None or pd.isna(v) else f"{float(v):,.0f}"))


def column_sums(index: list, total: str, parts: list, columns: list) -> list:
    """Sums down each column: ``total`` row = the ``parts`` rows."""
    return [((total, c), [(p, c) for p in parts if p in index]) for c in columns
            if total in index]
