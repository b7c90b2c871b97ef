"""The Data page's pieces: the upload ledger with rollback, coverage, the board's aliases
and exports."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from data_loaders.exports import tidy_export, to_csv_bytes, to_xlsx_bytes
from data_loaders.model import KINDS, SAMPLE_USER
from data_loaders.names import alias_target_name
from data_loaders.periods import period_label

STATUS_TEXT = {"up to date": "Up to date", "gaps": "Gaps", "stale": "Stale",
               "no data": "No data"}


# Where the bundled files' figures come from (sample_data/ README); generated ones say so.
BUNDLED_SOURCES = {"police_uk_street": "police.uk", "officer_wide": "the board's papers",
                   "officer_long": "the board's papers", "population": "ONS",
                   "lsoa_lookup": "ONS, police.uk", "boundaries": "ONS, OS"}


def source_text(batch) -> str:
    """What an upload's figures are: generated sample data, published data bundled with the
    dashboard (with its source), or an officer's upload (blank)."""
    if batch.is_sample:
        return "generated sample data"
    if batch.user_name == SAMPLE_USER:
        sources = dict.fromkeys(BUNDLED_SOURCES.get(k, k) for k in batch.kinds)
        return f"published data, bundled ({', '.join(sources)})"
    return ""


def status_text(batch) -> str:
    if batch.withdrawn and batch.status != "withdrawn":
        return f"{batch.status} ({batch.withdrawn} of {len(batch.files)} files withdrawn)"
    return batch.status


def files_text(files: list[str], short: bool = False) -> str:
    """An upload's files: the one name, or how many and every name (``short``: the first
    and the last)."""
    if len(files) == 1:
        return files[0]
    names = f"{files[0]} … {files[-1]}" if short and len(files) > 2 else ", ".join(files)
    return f"{len(files)} files: {names}"


def ledger_table(batches: pd.DataFrame) -> pd.DataFrame:
    """The ledger (Store.batches) as the officer reads it: one row per upload, newest first."""
    rows = list(batches.itertuples())
    return pd.DataFrame({
        "Upload": batches["batch_id"],
        "When (UTC)": batches["uploaded_at"].str.slice(0, 16).str.replace("T", " "),
        "Who": batches["user_name"],
        "Files": [files_text(b.files) for b in rows],
        "Recognised as": [", ".join(KINDS.get(k, k) for k in b.kinds) for b in rows],
        "Added": batches["rows_added"],
        "Revised": batches["rows_revised"],
        "Unchanged": batches["rows_unchanged"],
        "New incidents": batches["incidents_new"],
        "Status": [status_text(b) for b in rows],
        "Data": [source_text(b) for b in rows],
    })


def files_table(files: pd.DataFrame) -> pd.DataFrame:
    """Every file of every upload (Store.uploads), newest upload first."""
    files = files.sort_values(["batch_id", "upload_id"], ascending=[False, True])
    return pd.DataFrame({
        "Upload": files["batch_id"], "File": files["file_name"],
        "Recognised as": files["kind"].map(lambda k: KINDS.get(k, k)),
        "Added": files["rows_added"], "Revised": files["rows_revised"],
        "Unchanged": files["rows_unchanged"], "New incidents": files["incidents_new"],
        "Status": files["status"]})


def history_table(events: pd.DataFrame) -> pd.DataFrame:
    """The ledger's history (Store.upload_events), newest first: a change made to a whole
    upload in one step is one line, with how many files it moved."""
    if events.empty:
        return pd.DataFrame(columns=["When (UTC)", "Who", "Upload", "What", "Files"])
    steps = (events.groupby(["at", "user_name", "batch_id", "action"], sort=False)
             .agg(files=("file_name", list), first=("event_id", "min")).reset_index()
             .sort_values("first", ascending=False))
    return pd.DataFrame({
        "When (UTC)": steps["at"].str.slice(0, 19).str.replace("T", " "),
        "Who": steps["user_name"], "Upload": steps["batch_id"], "What": steps["action"],
        "Files": [files_text(f) for f in steps["files"]]})


def render_ledger(batches: pd.DataFrame, files: pd.DataFrame) -> None:
    st.dataframe(ledger_table(batches), hide_index=True, width="stretch")
    if (batches["files"].map(len) > 1).any():
        with st.expander("The files of each upload"):
            st.dataframe(files_table(files), hide_index=True, width="stretch")


def render_rollback(batches: pd.DataFrame, files: pd.DataFrame, on_change) -> None:
    """Pick an upload; roll it back or restore it (every file in one step), or withdraw one
    of its files or put one back, each after a confirm. ``on_change(action, id)`` with action
    rollback | restore (an upload's number) or withdraw | put back (a file's id)."""
    labels = {b.batch_id: f"{b.batch_id}: {files_text(b.files, short=True)} ({status_text(b)})"
              for b in batches.itertuples()}
    chosen = st.selectbox("Upload", list(labels), format_func=labels.get, index=None,
                          placeholder="Choose an upload", key="rollback_choice")
    if chosen is None:
        return
    batch = batches[batches["batch_id"] == chosen].iloc[0]
    if batch["status"] != "withdrawn":
        _confirmed_step(*(("rollback", "Roll back", f"Roll back upload {chosen}",
                           ("Its values stop counting" if len(batch["files"]) == 1 else
                            f"The values of all {len(batch['files'])} of its files stop "
                            "counting") + " and what was there before comes back. Nothing "
                           "is deleted: you can restore it later.")
                          if batch["status"] == "stored" else
                          ("restore", "Restore", f"Restore upload {chosen}",
                           "Its values count again, as they did before it was rolled back.")),
                        chosen, on_change, f"{chosen}_{batch['status']}")
    if len(batch["files"]) == 1 or batch["status"] == "rolled back":
        return
    mine = files[files["batch_id"] == chosen].sort_values("upload_id")
    names = dict(zip(mine["upload_id"], mine["file_name"] + " (" + mine["status"] + ")"))
    st.markdown("**One file of this upload**")
    file_id = st.selectbox("File", list(names), format_func=names.get, index=None,
                           placeholder="Choose a file", key=f"file_choice_{chosen}")
    if file_id is None:
        return
    status = mine.loc[mine["upload_id"] == file_id, "status"].iloc[0]
    name = mine.loc[mine["upload_id"] == file_id, "file_name"].iloc[0]
    _confirmed_step(*(("withdraw", "Withdraw", f"Withdraw {name} from upload {chosen}",
                       "Its values stop counting; the upload's other files still count.")
                      if status == "stored" else
                      ("put back", "Put back", f"Put {name} back into upload {chosen}",
                       "Its values count again.")), file_id, on_change,
                    f"file_{file_id}_{status}")


def _confirmed_step(action: str, button: str, confirm: str, explain: str, target: int,
                    on_change, key: str) -> None:
    st.caption(explain)
    sure = st.checkbox(confirm, key=f"confirm_{key}")
    if st.button(button, disabled=not sure, type="primary", key=f"do_{key}"):
        on_change(action, target)


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
