"""Which store and which script run: the leaf every other component module may use (access,
cache and the pages all ask), importing none of them."""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from data_loaders.store import Store


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """One store (and connection pool) per server process."""
    return Store()


def this_run() -> object | None:
    """An object new at every script run of this session (Streamlit gives the run context
    fresh cursors each run), None outside a run. Kept in the session state, it cannot be
    mistaken for a later run's."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.cursors
