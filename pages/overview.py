"""Overview: the scorecard of every headline indicator for the shared filters' area and
period, grouped by theme, with a link through to each theme page."""
import streamlit as st

from components.access import require_role
from components.cache import current_version, load_view
from components.filters import current_filters
from components.overview_view import render_scorecard, scorecard_view
from components.small_numbers import render_partner_note

require_role("viewer")
filters = current_filters()
version = current_version()

st.title("Safer Communities performance")
st.caption(f"{filters.area_name} · {filters.period_text}. Change is on the same "
           "period a year earlier; the direction says whether that is better or worse for "
           "the indicator. RAG is against the indicator's target where it has one; variation is "
           "statistical process control on the indicator's own points; the benchmark compares "
           "the area with the county (or board area) by 95% confidence interval. The About "
           "page explains how these make the one status.")
render_partner_note()
render_scorecard(load_view(scorecard_view, version, filters.area_code, filters.kind,
                           filters.end.isoformat() if filters.end else None),
                 filters.area_name)
