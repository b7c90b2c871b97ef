"""The Data page's pieces: the upload ledger with rollback, coverage, the board's aliases
and exports."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from data_loaders.exports import tidy_export, to_csv_bytes, to_xlsx_bytes
from data_loaders.model import KINDS
from data_loaders.names import alias_target_name
from data_loaders.periods import period_label

STATUS_TEXT = {"up to date": "Up to date", "gaps": "Gaps", "stale": "Stale",
               "no data": "No data"}


def ledger_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger as the officer reads it, newest first."""
    return pd.DataFrame({
        "Upload": ledger["upload_id"],
        "When (UTC)": ledger["uploaded_at"].str.slice(0, 16).str.replace("T", " "),
        "Who": ledger["user_name"],
        "File": ledger["file_name"],
        "Recognised as": ledger["kind"].map(lambda k: KINDS.get(k, k)),
        "Added": ledger["rows_added"],
        "Revised": ledger["rows_revised"],
        "Unchanged": ledger["rows_unchanged"],
        "New incidents": ledger["incidents_new"],
        "Status": ledger["status"],
        "Sample data": ledger["is_sample"].map({True: "yes", False: ""}),
    })


def render_ledger(ledger: pd.DataFrame) -> None:
    st.dataframe(ledger_table(ledger), hide_index=True, width="stretch")


def render_rollback(ledger: pd.DataFrame, on_rollback, on_restore) -> None:
    """Pick an upload; roll it back (or restore it if it was rolled back), after a confirm."""
    labels = {r.upload_id: f"{r.upload_id}: {r.file_name} ({r.status})"
              for r in ledger.itertuples()}
    chosen = st.selectbox("Upload", list(labels), format_func=labels.get, index=None,
                          placeholder="Choose an upload", key="rollback_choice")
    if chosen is None:
        return
    status = ledger.loc[ledger["upload_id"] == chosen, "status"].iloc[0]
    action = "Roll back" if status == "stored" else "Restore"
    explain = ("Its values stop counting and what was there before it comes back. Nothing is "
               "deleted: you can restore it later." if action == "Roll back" else
               "Its values count again, as they did before it was rolled back.")
    st.caption(explain)
    sure = st.checkbox(f"{action} upload {chosen}", key=f"confirm_{chosen}_{status}")
    if st.button(action, disabled=not sure, type="primary"):
        (on_rollback if action == "Roll back" else on_restore)(chosen)


def coverage_table(coverage: pd.DataFrame, themes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({
        "Theme": coverage["theme"].map(themes),
        "Indicator": coverage["title"],
        "Frequency": coverage["frequency"].map({"month": "monthly", "quarter": "quarterly",
                                                "fy": "yearly"}),
        "First": coverage["first_period"],
        "Latest": coverage["latest_period"],
        "Periods": coverage["periods"],
        "Areas": coverage["areas"],
        "Missing periods": coverage["missing_periods"],
        "Status": coverage["status"].map(STATUS_TEXT),
    })


def render_exports(observations: pd.DataFrame, areas: pd.DataFrame, titles: dict) -> None:
    """Download current values as tidy CSV or xlsx for a chosen indicator."""
    chosen = st.selectbox("Indicator", sorted(titles, key=titles.get), format_func=titles.get,
                          key="export_indicator")
    area_types = st.multiselect("Area types", ["lsoa", "beat", "district", "county", "board",
                                               "region", "england"],
                                default=["district", "county", "board"], key="export_areas")
    subset = observations[(observations["indicator_id"] == chosen)
                          & observations["area_type"].isin(area_types)]
    st.caption(f"{len(subset):,} rows")
    left, right = st.columns(2)
    left.download_button("Download CSV", lambda: to_csv_bytes(tidy_export(subset, areas)),
                         file_name=f"{chosen}.csv", mime="text/csv")
    right.download_button("Download xlsx", lambda: to_xlsx_bytes(tidy_export(subset, areas)),
                          file_name=f"{chosen}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet")


def render_definition_changes(changes: pd.DataFrame, titles: dict, quarters: list[str],
                              on_record, on_withdraw) -> None:
    """Record that an indicator's definition changed from a quarter (SPC limits restart there
    and a change across it is withheld), and withdraw one recorded by mistake."""
    if len(changes):
        st.dataframe(pd.DataFrame({
            "Change": changes["change_id"], "Indicator": changes["indicator_id"].map(titles),
            "From": changes["period_start"].map(lambda p: period_label(p, "quarter")),
            "Note": changes["note"], "Recorded by": changes["user_name"],
            "When (UTC)": changes["at"].str.slice(0, 16).str.replace("T", " ")}),
            hide_index=True, width="stretch")
    else:
        st.caption("No definition changes are recorded.")
    with st.form("definition_change", clear_on_submit=True):
        indicator_id = st.selectbox("Indicator", sorted(titles, key=titles.get),
                                    format_func=titles.get, key="change_indicator")
        start = st.selectbox("Changed from the quarter", quarters,
                             format_func=lambda q: period_label(q, "quarter"),
                             key="change_quarter")
        note = st.text_input("What changed", key="change_note",
                             placeholder="e.g. Home Office counting rules changed")
        if st.form_submit_button("Record the change"):
            if not note.strip():
                st.error("Say what changed, so the board can read why the limits restart.")
            else:
                on_record(indicator_id, start, note.strip())
    if len(changes):
        chosen = st.selectbox("Withdraw a change recorded by mistake", changes["change_id"],
                              index=None, placeholder="Choose a change", key="withdraw_change")
        if chosen is not None and st.button("Withdraw", key="withdraw_button"):
            on_withdraw(chosen)


def aliases_table(held: pd.DataFrame) -> pd.DataFrame:
    """The board's aliases (Store.admin_values("alias")) as officers read them."""
    kinds = held["name"].str.partition(":")
    return pd.DataFrame({
        "Kind": kinds[0].str.capitalize(), "Name as written": kinds[2],
        "Read as": [alias_target_name(k, v) for k, v in zip(held["name"], held["value"])],
        "Given by": held["user_name"],
        "When (UTC)": held["at"].str.slice(0, 16).str.replace("T", " ")})


def render_aliases(held: pd.DataFrame, on_withdraw) -> None:
    """The names officers' files use that the board has said how to read, and a way to
    withdraw one."""
    if held.empty:
        st.caption("No aliases yet. When an upload uses a name the dashboard does not know, "
                   "the Upload page asks what it is, and the answer is kept here.")
        return
    table = aliases_table(held)
    st.table(table, hide_index=True)  # a few rows, read whole
    labels = dict(zip(held["name"], table["Kind"] + ": " + table["Name as written"] + " → "
                      + table["Read as"]))
    chosen = st.selectbox("Withdraw an alias (the name is asked about again next time)",
                          list(labels), index=None, format_func=labels.get,
                          placeholder="Choose an alias", key="withdraw_alias")
    if chosen is not None and st.button("Withdraw the alias", key="withdraw_alias_button"):
        on_withdraw(chosen)


def not_available_table(marked: pd.DataFrame, titles: dict) -> pd.DataFrame:
    """Store.not_available as officers read it."""
    return pd.DataFrame({
        "Indicator": marked["indicator_id"].map(titles),
        "Area": marked["area_code"].map(geo.area_name),
        "Period": [period_label(p, g) for p, g in zip(marked["period_start"],
                                                      marked["granularity"])],
        "Marked": marked["marker"], "Upload": marked["upload_id"]})
