"""The command that serves the dashboard: `streamlit run serve.py`. Streamlit finds the
st.App below and serves app.py exactly as `streamlit run app.py` would (the same settings
and secrets), with two things done as the server starts:
- the first page is worked out ahead of the first visitor (components/warm.py);
- a link to a page works as a fresh server's first request (below)."""
from contextlib import asynccontextmanager

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from components.warm import start_warming


@asynccontextmanager
async def warm_while_the_first_browser_loads(_app):
    # app.py routes every page with st.navigation. Until its first run, Streamlit takes a
    # pages/ folder for its older way of listing pages: the first browser to open a link
    # such as /crime-theme saw "Page not found" over the right page, and a link to a file's
    # name (/crime) ran that file without app.py (streamlit/streamlit#9992). st.navigation
    # sets the same flag on its first call.
    PagesManager.uses_pages_directory = False
    start_warming()
    yield


app = st.App("app.py", lifespan=warm_while_the_first_browser_loads)
