"""Who is looking, and so what they may see and do. Until sign-in arrives (roles from the
identity provider), the app runs in single-user local mode as an officer, and the sidebar's
"Show as partners see it" switch shows exactly what a partner (viewer) would: small numbers
hidden and no upload or data pages."""
from __future__ import annotations

import os

import streamlit as st

from metrics.suppression import DEFAULT_THRESHOLD

THRESHOLD_VARIABLE = "DASHBOARD_SMALL_NUMBER_THRESHOLD"


def suppression_threshold() -> int:
    """Counts from 1 to this minus 1 are hidden from partners (default 5, set by
    DASHBOARD_SMALL_NUMBER_THRESHOLD)."""
    return int(os.environ.get(THRESHOLD_VARIABLE, DEFAULT_THRESHOLD))


def current_role() -> str:
    """'viewer' (partners) or 'officer'."""
    return "viewer" if st.session_state.get("partner_view") else "officer"


def hides_small_numbers() -> bool:
    return current_role() == "viewer"


def render_role_switch() -> None:
    st.toggle("Show as partners see it", key="partner_view",
              help="Hides small numbers as partners see them, and the upload and data pages. "
                   "Use it when presenting to a room.")
