"""The Roles and settings page's pieces: who has which role and from where, the form admins
grant and withdraw roles with, and the small-number threshold. Every change goes through
components/writes.py, which checks the admin role again."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from . import writes
from .access import GRANTABLE, THRESHOLD_RANGE, Person, quote_emails

MESSAGE = "admin_message"


def render_roles(person: Person, table: pd.DataFrame) -> None:
    """The allow-list as it stands this rerun, and where each entry comes from."""
    st.header("Who has which role")
    if person.mode == "local":
        st.info("Local mode: there is no sign-in, so roles do not apply; whoever runs the "
                "dashboard has every right. Roles work once [auth] and [roles] are in the "
                "secrets (docs/deploying.md: Sign-in and roles).")
        return
    st.caption(quote_emails(f"You are signed in as {person.label}, admin ({person.source}). "
                            "The highest role that matches someone wins. Entries from the "
                            "secrets change only there; the server re-reads them on the next "
                            "click."))
    if table.empty:
        st.caption("Nobody is on the list yet.")
    else:
        st.dataframe(table, hide_index=True, width="stretch")


def render_grants(person: Person, granted: pd.DataFrame) -> None:
    """Grant officer or viewer to an e-mail address, or withdraw a grant made here."""
    if person.mode == "local":
        return
    st.subheader("Grant or withdraw a role")
    st.caption("Admins are named in the secrets only. Here you can give someone the viewer or "
               "officer role, or take back one given here; it applies from their next click.")
    with st.form("grant_role", clear_on_submit=True):
        email = st.text_input("E-mail address", key="grant_email")
        role = st.selectbox("Role", GRANTABLE, key="grant_role_choice")
        if st.form_submit_button("Grant the role"):
            _change(lambda: writes.grant_role(email, role),
                    quote_emails(f"{email.strip().lower()} is now {role}."))
    if len(granted):
        chosen = st.selectbox("Withdraw a role granted here", granted["name"], index=None,
                              placeholder="Choose an e-mail address", key="withdraw_email")
        if chosen is not None and st.button("Withdraw the role", key="withdraw_role"):
            _change(lambda: writes.withdraw_role(chosen),
                    quote_emails(f"{chosen} no longer has a role granted in the app."))


def render_threshold(current: int, source: str) -> None:
    """The small-number threshold for everyone, and where the value in force comes from."""
    st.header("Small numbers")
    st.caption(f"Partners see counts from 1 to {current - 1} as \"<{current}\" ({source}).")
    low, high = THRESHOLD_RANGE
    with st.form("threshold"):
        value = st.number_input("Hide counts below", min_value=low, max_value=high,
                                value=current, step=1, key="threshold_value")
        if st.form_submit_button("Save the threshold"):
            _change(lambda: writes.set_threshold(int(value)),
                    f"Small numbers below {int(value)} are now hidden from partners.")


def render_history(history: pd.DataFrame) -> None:
    with st.expander("History of changes made here"):
        if history.empty:
            st.caption("Nothing has been changed here yet.")
            return
        st.dataframe(history.rename(columns={
            "at": "When (UTC)", "user_name": "Who", "kind": "What", "name": "Name",
            "value": "New value (empty: withdrawn)"})[
            ["When (UTC)", "Who", "What", "Name", "New value (empty: withdrawn)"]],
            hide_index=True, width="stretch")


def render_message() -> None:
    if MESSAGE in st.session_state:
        st.success(st.session_state.pop(MESSAGE))


def _change(write, done: str) -> None:
    """Make one guarded change; a bad value is said plainly, a refusal reaches app.py."""
    try:
        write()
    except ValueError as problem:
        st.error(f"Nothing was changed: {problem}.")
        return
    st.session_state[MESSAGE] = done
    st.rerun()
