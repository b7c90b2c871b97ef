"""The command that serves the dashboard: `streamlit run serve.py`. Streamlit finds the
st.App below and serves app.py exactly as `streamlit run app.py` would (the same settings
and secrets), and once the server is up it works out the first page ahead of the first
visitor (components/warm.py)."""
from contextlib import asynccontextmanager

import streamlit as st

from components.warm import start_warming


@asynccontextmanager
async def warm_while_the_first_browser_loads(_app):
    start_warming()
    yield


app = st.App("app.py", lifespan=warm_while_the_first_browser_loads)
