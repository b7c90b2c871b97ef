"""Since the last board: what is new, what was revised and which judgements moved between
the board's snapshot and the data now (or the snapshot shown)."""
import streamlit as st

from components.access import require_role
from components.cache import (
    current_version,
    load_catalogue,
    load_observations,
    load_scorecard,
    load_snapshots,
)
from components.filters import current_filters
from components.since_view import render_since
from components.small_numbers import render_partner_note

require_role("viewer")
st.title("Since the last board")
render_partner_note()
filters = current_filters()
version = current_version()
snapshots = load_snapshots(version)
earlier = snapshots if version[1] is None else \
    snapshots[snapshots["snapshot_id"] < version[1]]
if earlier.empty:
    st.info("There is no earlier board snapshot to compare with. Freeze the data before a "
            "meeting on the Data page; after it, this page shows what changed.")
    st.stop()
names = dict(zip(earlier["snapshot_id"], earlier["name"]))
base = st.selectbox("Compared with", list(names), format_func=names.get, key="since_base")
then = (version[0], int(base), version[2])
end = filters.end.isoformat() if filters.end else None
render_since(load_observations(version), load_observations(then),
             load_scorecard(version, filters.area_code, filters.kind, end),
             load_scorecard(then, filters.area_code, filters.kind, end),
             load_catalogue(), names[base], filters.area_name)
