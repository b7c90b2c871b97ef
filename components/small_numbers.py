"""Who the figures are drawn for, and what partners are told about theirs. Partners'
figures are not hidden here, table by table: every page a partner opens is drawn from the
protected observations (metrics.disclosure; the data version's third part, cache.DataKey),
so there is no raw count left to hide."""
from __future__ import annotations

import streamlit as st

from .access import hides_small_numbers, suppression_threshold


def audience() -> tuple[bool, int]:
    """Who the figures are drawn for, as far as a section's content goes: (small numbers
    hidden, the threshold). Every cached view is keyed on it."""
    return hides_small_numbers(), suppression_threshold()


def partner_note() -> str:
    """What partners are told under a page's figures ('' for officers)."""
    if not hides_small_numbers():
        return ""
    threshold = suppression_threshold()
    return (f"🔒 Partners' figures: to protect the people behind small numbers, each beat's "
            f"or district's count for a month or quarter under {threshold} is rounded to 0 "
            f"or {threshold} before anything is added up, so figures can differ from the "
            "officers', most for small areas and short periods. Totals, rates and changes "
            "are worked out from the rounded counts (About the dashboard).")


def partner_mark() -> str:
    """partner_note in a few words, for a line that has no room for more (the slides)."""
    if not hides_small_numbers():
        return ""
    threshold = suppression_threshold()
    return f"🔒 partners' figures: counts under {threshold} rounded to 0 or {threshold}"


def render_partner_note() -> None:
    """partner_note as a caption, for partners only."""
    note = partner_note()
    if note:
        st.caption(note)
