"""Safer Communities Performance Dashboard: the router and frame around every page."""
import gc
from pathlib import Path

import streamlit as st

from components.access import allowed, render_gate, render_identity, start_run
from components.cache import (
    current_version,
    ensure_sample_data,
    load_ledger,
    load_quarters_held,
    load_reference,
    load_snapshots,
    newer_data_coming,
)
from components.filters import render_shared_filters, render_snapshot_choice
from components.writes import WriteFailed, WriteRefused

PAGES = Path(__file__).parent / "pages"
GC_FIRST_GENERATION = 50_000

# Once per server process. A rerun makes hundreds of thousands of short-lived objects, and the
# collector's default (a pass every 700 allocations, reaching into the long-lived cached data)
# cost a filter change 40-100 ms: keep what start-up made out of its scans and collect less
# often (BENCHMARKS.md: a theme page's filter change about 200 -> 120 ms).
if gc.get_threshold()[0] < GC_FIRST_GENERATION:
    gc.freeze()
    gc.set_threshold(GC_FIRST_GENERATION, 20, 20)

st.set_page_config(page_title="Safer Communities Performance", layout="wide")
# Who is looking is read afresh on every rerun (sign-in, the allow-list in the secrets, the
# app's grants), so a removal takes effect at once. Someone who may see nothing gets one
# page with no data, and navigation with nothing else in it.
if start_run().role is None:
    st.navigation([st.Page(render_gate, title="Sign in", url_path="sign-in")],
                  position="hidden").run()
    st.stop()
ensure_sample_data()

# URL paths differ from the page files' names on purpose: under `streamlit run app.py` (not
# serve.py), Streamlit runs a fresh server's first request for /<file name> straight from
# pages/ (its old multipage mode), skipping this router. A URL no file matches runs here.
themes = [
    st.Page(PAGES / "overview.py", title="Overview", url_path="overview-of-indicators",
            default=True),
    st.Page(PAGES / "crime.py", title="Crime", url_path="crime-theme"),
    st.Page(PAGES / "reoffending.py", title="Reoffending",
            url_path="reoffending-theme"),
    st.Page(PAGES / "domestic_abuse.py", title="Domestic abuse",
            url_path="domestic-abuse"),
    st.Page(PAGES / "asb.py", title="Anti-social behaviour",
            url_path="anti-social-behaviour"),
    st.Page(PAGES / "hate_crime.py", title="Hate crime", url_path="hate-crime"),
]
board = [
    st.Page(PAGES / "actions.py", title="Action log", icon="✅", url_path="action-log"),
    st.Page(PAGES / "present.py", title="Present to the board", icon="🖥️",
            url_path="presenter-mode"),
    st.Page(PAGES / "pack.py", title="Board pack", icon="📑", url_path="board-pack"),
    st.Page(PAGES / "since.py", title="Since the last board", icon="🔄",
            url_path="since-the-last-board"),
]
about = st.Page(PAGES / "about.py", title="About", icon="ℹ️", url_path="about-the-dashboard")
data_pages = [
    st.Page(PAGES / "upload.py", title="Upload", icon="⬆️", url_path="upload-files"),
    st.Page(PAGES / "data.py", title="Data and uploads", icon="🗂️", url_path="data-and-uploads"),
]
admin = st.Page(PAGES / "admin.py", title="Roles and settings", icon="🔐",
                url_path="roles-and-settings")
# Pages a role may not use are not listed, so their URLs open nothing (each page checks too).
dashboard = themes + board
sections = {"": themes, "Board": board + [about]}
officer_pages = (data_pages if allowed("officer") else []) + ([admin] if allowed("admin") else [])
if officer_pages:
    sections["Data"] = officer_pages
# A bar along the top, not the sidebar: a sidebar page list fills a 1280x720 screen and pushes
# the filters out of sight. The themes are plain links (no icons, so all six fit at 1280 px);
# the rest sit in two menus.
navigation = st.navigation(sections, position="top")

live = current_version(live=True)
ledger = load_ledger(live)
with st.sidebar:
    if navigation in dashboard:
        snapshots = load_snapshots(live)
        if len(snapshots):
            render_snapshot_choice(snapshots)
        version = current_version()
        areas = load_reference("areas", version)
        render_shared_filters(areas[areas["area_type"] == "beat"], load_quarters_held(version))
        st.divider()
    st.caption("Leicestershire and Rutland Safer Communities Strategy Board")
    if len(ledger) and ledger.loc[ledger["status"] == "stored", "is_sample"].any():
        st.caption("Includes generated sample data where officers have not uploaded their own.")
    render_identity()

if navigation in dashboard and current_version()[1] is not None:
    shown = load_snapshots(live).set_index("snapshot_id").loc[current_version()[1]]
    st.info(f"Showing the board snapshot **{shown['name']}**, frozen {str(shown['at'])[:16]} "
            "UTC: figures and actions as they were then, whatever has changed since.")
if newer_data_coming():  # the page keeps what it shows while the server reads the new data
    st.toast("New data has just been stored. The dashboard shows it from your next click, "
             "in a moment.", icon="🔄")
try:
    navigation.run()
# Whatever a page tried, the write layer said no, or the store could not take it.
except (WriteRefused, WriteFailed) as refused:
    st.error(str(refused))
