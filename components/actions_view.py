"""The board's action log: the table everyone reads (current, or as at a snapshot), the form
officers keep it with, each action's history, and the open actions a theme page shows."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_loaders.catalogue import THEMES
from data_loaders.schema import ACTION_STATUSES

STATUS_WORDS = {"Red": "🔴 Red", "Amber": "🟠 Amber", "Green": "🟢 Green", "Done": "✔ Done"}


def actions_table(actions: pd.DataFrame, titles: dict[str, str]) -> pd.DataFrame:
    """The log as the board reads it, in the board paper's columns plus what it is linked to."""
    return pd.DataFrame({
        "No.": actions["number"],
        "Raised": actions["raised_on"],
        "Action": actions["action"],
        "Responsible officer": actions["officer"],
        "Comments": actions["comments"],
        "Status": actions["status"].map(STATUS_WORDS),
        "Themes": actions["themes"].map(lambda ids: ", ".join(THEMES.get(i, i) for i in ids)),
        "Indicators": actions["indicators"].map(
            lambda ids: ", ".join(titles.get(i, i) for i in ids)),
    })


def render_actions_table(table, wrapped: bool = False) -> None:
    """actions_table's rows (a frame or an Arrow table) on screen: the number and status
    first, then the board paper's order. Last in that order, the status was off to the right
    at 1280 px, behind the action's long text; downloads keep the paper's order. ``wrapped``:
    a static table whose long actions and comments wrap onto more lines, for a few actions
    beside a theme (an interactive table cuts each cell to one line)."""
    columns = list(getattr(table, "column_names", None) or table.columns)
    first = ["No.", "Status"]
    if wrapped:
        frame = table.to_pandas() if hasattr(table, "to_pandas") else table
        shown = frame[[*first, *(c for c in columns if c not in first)]].fillna("")
        st.table(shown, hide_index=True)  # an empty cell blank, not "None"
        return
    st.dataframe(table, hide_index=True, width="stretch",
                 column_order=[*first, *(c for c in columns if c not in first)],
                 column_config={"Action": st.column_config.TextColumn(width="large")})


def open_actions(actions: pd.DataFrame, theme: str) -> pd.DataFrame:
    """Actions linked to ``theme`` that are not done."""
    if actions.empty:
        return actions
    return actions[(actions["status"] != "Done")
                   & actions["themes"].map(lambda ids: theme in ids)]


def render_action_form(actions: pd.DataFrame, titles: dict[str, str], on_save) -> None:
    """Add an action, or pick one to edit; every save keeps the earlier version."""
    numbers = actions["number"].tolist()
    chosen = st.selectbox("Action", [None, *numbers], key="action_number",
                          format_func=lambda n: "A new action" if n is None else
                          f"{n}: {actions.set_index('number').loc[n, 'action'][:80]}")
    current = actions.set_index("number").loc[chosen] if chosen is not None else None
    with st.form(f"action_form_{chosen}", clear_on_submit=chosen is None):
        text = st.text_area("Action", value="" if current is None else current["action"],
                            key=f"action_text_{chosen}")
        officer = st.text_input("Responsible officer", key=f"action_officer_{chosen}",
                                value="" if current is None else current["officer"])
        raised = st.date_input("Date raised", key=f"action_raised_{chosen}",
                               value=dt.date.today() if current is None
                               else dt.date.fromisoformat(current["raised_on"]))
        status = st.selectbox("Status", ACTION_STATUSES, key=f"action_status_{chosen}",
                              index=0 if current is None
                              else ACTION_STATUSES.index(current["status"]))
        comments = st.text_area("Comments", key=f"action_comments_{chosen}",
                                value="" if current is None else current["comments"])
        themes = st.multiselect("Themes", list(THEMES), format_func=THEMES.get,
                                key=f"action_themes_{chosen}",
                                default=[] if current is None else current["themes"])
        indicators = st.multiselect("Indicators", sorted(titles, key=titles.get),
                                    format_func=titles.get, key=f"action_indicators_{chosen}",
                                    default=[] if current is None else current["indicators"])
        if st.form_submit_button("Save the action"):
            if not text.strip() or not officer.strip():
                st.error("An action needs its text and a responsible officer; nothing was "
                         "saved.")
                return
            on_save({"raised_on": raised.isoformat(), "action": text.strip(),
                     "officer": officer.strip(), "comments": comments.strip(),
                     "status": status, "themes": themes, "indicators": indicators}, chosen)
