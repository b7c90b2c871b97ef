"""Upload: officers pick files, see what each was recognised as and what it would change,
and confirm. Nothing is stored until they do, and nothing at all if any file has an error."""
import hashlib

import streamlit as st

from components import writes
from components.access import quote_emails, require_role
from components.cache import current_version, load_reference
from components.session import get_store
from components.upload_view import ACCEPTED_TYPES, prepare_readers, render_checked_file
from data_loaders.ingest import check_files
from data_loaders.problems import UploadRefused
from data_loaders.templates import build_long_template

person = require_role("officer")
prepare_readers()
st.title("Upload data")
st.markdown(
    "Upload police.uk street-level crime CSVs (one month or many), your quarterly "
    "spreadsheets (one row per area, period and measure, or a district x quarter table like "
    "the Domestic Abuse Dashboard), ONS population estimates, LSOA lookups or boundaries. "
    "Each file is recognised from what is in it. You will see what it would add or change "
    "before anything is stored.")
st.download_button("Download the spreadsheet template (xlsx)", build_long_template,
                   file_name="safer-communities-upload-template.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

state = st.session_state
state.setdefault("uploader_round", 0)
state.setdefault("answers", {})
if "upload_done" in state:
    st.success(state.pop("upload_done"))

if person.mode == "signed in":
    user = person.label
    st.caption(quote_emails(f"Uploads are recorded in the ledger as **{user}**."))
else:  # local mode: one user, who says who they are
    user = st.text_input("Your name (recorded in the upload ledger)", key="uploader_name")
files = st.file_uploader("Files to upload", type=ACCEPTED_TYPES, accept_multiple_files=True,
                         key=f"uploader_{state.uploader_round}")
if not files:
    st.stop()

batch = [(f.name, f.getvalue()) for f in files]
version = current_version(live=True)
fingerprint = (tuple(hashlib.sha256(d).hexdigest() for _, d in batch),
               repr(sorted(state.answers.items())), version)
if state.get("checked_for") != fingerprint:
    progress = st.progress(0.0, text="Reading the files...")
    state.checked = check_files(
        batch, get_store(), state.answers,
        on_progress=lambda done, total: progress.progress(done / total,
                                                          text=f"Read {done} of {total} files"))
    state.checked_for = fingerprint
    progress.empty()

areas = load_reference("areas", version)
names = dict(zip(areas["area_code"], areas["area_name"]))
new_answers = {}
for item in state.checked:
    given = render_checked_file(item, names, state.answers.get(item.parsed.file_name))
    if given:
        new_answers[item.parsed.file_name] = {**state.answers.get(item.parsed.file_name, {}),
                                              **given}
if new_answers and any(state.answers.get(k) != v for k, v in new_answers.items()):
    state.answers.update(new_answers)
    st.rerun()

refused = [c for c in state.checked if not c.parsed.ok]
to_store = [c for c in state.checked if not c.changes_nothing]
if any(c.parsed.errors for c in refused):
    if state.get("refusal_logged_for") != fingerprint:  # once per batch, not every rerun
        writes.log_refusals([c.parsed for c in refused if c.parsed.errors])
        state.refusal_logged_for = fingerprint
    st.error(f"{len(refused)} of {len(state.checked)} files cannot be stored yet. Nothing from "
             "this batch will be stored until every file is clean: fix them, or remove them "
             "from the list above.")
    st.stop()
if refused:
    st.info("Answer the questions above to go on. An answer about a name is kept, so the "
            "same name goes in without a question next time.")
    st.stop()
if not to_store:
    st.info("Every file here is already stored; there is nothing to add."
            if all(c.adds_nothing for c in state.checked) else
            "Nothing in these files changes what the dashboard holds: every figure is already "
            "stored with the same value. There is nothing to store.")
    st.stop()

if len(to_store) > 1:
    st.caption(f"The {len(to_store)} files are stored together as one upload: one line in the "
               "ledger, rolled back in one step (a single file can still be withdrawn).")
# The box is there only when there is something to confirm.
confirmed = not any(c.parsed.warnings for c in to_store) or st.checkbox(
    "I have checked the warnings and the figures are right")
if st.button(f"Store {len(to_store)} file{'s' if len(to_store) > 1 else ''}", type="primary",
             disabled=not (confirmed and user.strip())):
    try:
        ids = writes.store_upload(state.checked)
    except writes.WriteFailed as failed:
        st.error(str(failed))
        st.stop()
    except UploadRefused as refusal:
        st.error("Nothing was stored:\n\n" + "\n".join(f"- {p}" for p in refusal.problems))
        st.stop()
    state.upload_done = (
        f"Stored {len(ids)} file{'s' if len(ids) != 1 else ''} as upload {ids[0]}. See it in "
        "the ledger on the Data page, where it can be rolled back in one step"
        + (", or one file withdrawn from it." if len(ids) > 1 else ".")
        if ids else "Nothing was stored: these files were stored by someone else meanwhile.")
    state.uploader_round += 1
    state.answers = {}
    state.pop("checked_for", None)
    st.rerun()
if not user.strip():
    st.caption("Enter your name above to store the files.")
