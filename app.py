"""Safer Communities Performance Dashboard: the router and frame around every page."""
from pathlib import Path

import streamlit as st

from components.cache import current_version, ensure_sample_data, load_ledger

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="Safer Communities Performance", layout="wide")
ensure_sample_data()

# URL paths differ from the page files' names on purpose: on a fresh server, Streamlit runs a
# first request for /<file name> straight from pages/ (its old multipage mode), skipping this
# router, so a shared link would open a page with no frame. A URL no file matches runs here.
navigation = st.navigation({
    "Dashboard": [
        st.Page(PAGES / "overview.py", title="Overview", icon="📊", url_path="overview-of-indicators",
                default=True),
    ],
    "Data": [
        st.Page(PAGES / "upload.py", title="Upload", icon="⬆️", url_path="upload-files"),
        st.Page(PAGES / "data.py", title="Data and uploads", icon="🗂️", url_path="data-and-uploads"),
    ],
})

ledger = load_ledger(current_version())
with st.sidebar:
    st.caption("Leicestershire and Rutland Safer Communities Strategy Board")
    if len(ledger) and ledger.loc[ledger["status"] == "stored", "is_sample"].any():
        st.caption("Includes generated sample data where officers have not uploaded their own.")
    st.caption("Local mode: single user, no sign-in.")

navigation.run()
