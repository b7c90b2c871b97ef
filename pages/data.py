"""Data: the upload ledger with rollback, what the dashboard holds, and exports."""
import streamlit as st

from components import writes
from components.access import require_role
from components.cache import (
    current_version,
    load_catalogue,
    load_definition_changes,
    load_ledger,
    load_observations,
    load_reference,
    load_snapshots,
    load_upload_events,
)
from components.data_view import (
    coverage_table,
    history_table,
    not_available_table,
    render_aliases,
    render_definition_changes,
    render_exports,
    render_ledger,
    render_rollback,
)
from components.filters import quarters_held
from components.session import get_store
from data_loaders.catalogue import THEMES
from data_loaders.store import batch_ledger
from metrics.coverage import compute_coverage

require_role("officer")
st.title("Data")
version = current_version(live=True)
ledger = load_ledger(version)

st.header("Uploads")
st.caption("Each upload is the files stored together. Rolling one back undoes all of its files "
           "in one step; one file can also be withdrawn from it on its own.")
if "ledger_message" in st.session_state:
    st.success(st.session_state.pop("ledger_message"))
batches = batch_ledger(ledger)
render_ledger(batches, ledger)

DONE = {"rollback": "Upload {} rolled back.", "restore": "Upload {} restored.",
        "withdraw": "{} withdrawn from its upload.", "put back": "{} put back into its upload."}


def change_status(action, target):
    change = {"rollback": writes.rollback_upload, "restore": writes.restore_upload,
              "withdraw": writes.withdraw_file, "put back": writes.put_back_file}[action]
    try:
        change(target)
    except writes.WriteFailed as failed:
        st.error(str(failed))
        return
    except KeyError as refused:
        st.error(f"Nothing changed: {refused.args[0]}.")
        return
    named = target if action in ("rollback", "restore") else \
        ledger.loc[ledger["upload_id"] == target, "file_name"].iloc[0]
    st.session_state.ledger_message = DONE[action].format(named)
    st.rerun()


with st.expander("Roll back or restore an upload, or withdraw one of its files"):
    render_rollback(batches, ledger, change_status)
with st.expander("Refused files"):
    refused = get_store().refusals()
    if refused.empty:
        st.caption("No file has been refused.")
    else:
        st.dataframe(refused.assign(reasons=refused["reasons"].map("; ".join))[
            ["at", "user_name", "file_name", "sha256", "reasons"]].rename(columns={
                "at": "When (UTC)", "user_name": "Who", "file_name": "File",
                "sha256": "SHA-256", "reasons": "Why"}), hide_index=True, width="stretch")
with st.expander("History of the ledger"):
    st.dataframe(history_table(load_upload_events(version)), hide_index=True, width="stretch")

st.header("Names the board reads its own way")
st.caption("Measure and area names in officers' files that the dashboard did not know, with "
           "what the officer said each one is. A file using one goes in without a question. "
           "An alias is used only when a file is read: withdrawing one changes nothing stored.")


def withdraw_alias(key):
    writes.withdraw_alias(key)
    st.session_state.ledger_message = "Alias withdrawn: that name will be asked about again."
    st.rerun()


render_aliases(get_store().admin_values("alias"), withdraw_alias)

st.header("What the dashboard holds")
catalogue = load_catalogue()
observations = load_observations(version)
st.dataframe(coverage_table(compute_coverage(observations, catalogue), THEMES),
             hide_index=True, width="stretch")
marked = get_store().not_available()
if len(marked):
    st.markdown(f"**Figures marked not available** ({len(marked):,}): what officers' files "
                "gave instead of a figure. None is counted as zero.")
    st.dataframe(not_available_table(marked, dict(zip(catalogue["id"], catalogue["title"]))),
                 hide_index=True, width="stretch")
if observations["is_sample"].any():
    st.caption("Sample data: the figures for indicators police.uk does not carry (domestic "
               "abuse, reoffending, hate crime, surveys, MARAC) are generated sample data, "
               "not real figures, until officers upload their own.")
areas = load_reference("areas", version)
if (areas["area_type"] == "beat").any():
    st.caption("Beat boundaries are approximate: built from 2011 LSOAs grouped under the real "
               "police neighbourhood codes. Upload the real boundaries (KML or GeoJSON) to "
               "replace them.")

st.header("Board snapshots")
st.caption("Before a meeting, freeze the data as it will be presented. The dashboard (choose it "
           "under 'Data shown') and the action log reopen on a snapshot exactly as they were, "
           "whatever is uploaded or rolled back afterwards.")
snapshots = load_snapshots(version)
if len(snapshots):
    st.dataframe(snapshots.rename(columns={"snapshot_id": "Snapshot", "name": "Name",
                                           "user_name": "Frozen by", "at": "When (UTC)"}),
                 hide_index=True, width="stretch")
with st.form("snapshot", clear_on_submit=True):
    name = st.text_input("Name", placeholder="Board 15 December 2023", key="snapshot_name")
    if st.form_submit_button("Freeze the data now"):
        if not name.strip():
            st.error("Give the snapshot a name, e.g. 'Board 15 December 2023'.")
        else:
            writes.freeze_snapshot(name)
            st.session_state.ledger_message = f"Snapshot '{name.strip()}' frozen."
            st.rerun()

st.header("Definition changes")
st.caption("When an indicator's definition changes (new counting rules, a new source), record "
           "it here: its SPC limits restart from that quarter and no change is reported "
           "across it.")


def record_change(indicator_id, start, note):
    writes.record_definition_change(indicator_id, start, note)
    st.session_state.ledger_message = "Definition change recorded."
    st.rerun()


def withdraw_change(change_id):
    writes.withdraw_definition_change(change_id)
    st.session_state.ledger_message = f"Definition change {change_id} withdrawn."
    st.rerun()


render_definition_changes(load_definition_changes(version),
                          dict(zip(catalogue["id"], catalogue["title"])),
                          quarters_held(observations), record_change, withdraw_change)

st.header("Export")
titles = dict(zip(catalogue["id"], catalogue["title"]))
render_exports(observations, areas, titles)
