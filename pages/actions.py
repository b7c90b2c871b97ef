"""Action log: the board's actions, linked to themes and indicators; officers add and update
them here, and every version is kept."""
import streamlit as st

from components import writes
from components.access import allowed, require_role
from components.actions_view import actions_table, render_action_form, render_actions_table
from components.cache import current_version, load_actions, load_catalogue
from components.downloads import render_downloads
from components.session import get_store

require_role("viewer")
st.title("Action log")
version = current_version()
actions = load_actions(version)
catalogue = load_catalogue()
titles = dict(zip(catalogue["id"], catalogue["title"]))
if "action_message" in st.session_state:
    st.success(st.session_state.pop("action_message"))
if actions.empty:
    st.info("No actions are recorded yet.")
else:
    table = actions_table(actions, titles)
    render_actions_table(table)
    render_downloads(table, "action_log")


def save(fields, number):
    saved = writes.save_action(fields, number)
    st.session_state.action_message = f"Action {saved} saved."
    st.rerun()


if allowed("officer") and version[1] is None:
    st.header("Add or update an action")
    render_action_form(actions, titles, save)
    if len(actions):
        with st.expander("History of an action"):
            number = st.selectbox("Action", actions["number"], key="history_number")
            history = get_store().action_history(int(number))
            st.dataframe(history[["at", "user_name", "status", "action", "comments"]],
                         hide_index=True, width="stretch")
