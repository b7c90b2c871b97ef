"""The Upload page's pieces: what each file was recognised as, its problems, the preview of
what would change, and the confirm step."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from data_loaders.catalogue import load_catalogue
from data_loaders.ingest import Checked
from data_loaders.names import LEAVE_OUT
from data_loaders.officer_cells import NOT_AVAILABLE_KEY
from data_loaders.periods import period_label
from data_loaders.workers import pool

QUESTION_LABELS = {
    ("fy_label", "end"): "the year ending in March of that year (FY 2020 = 2019/20)",
    ("fy_label", "start"): "the year starting in April of that year (FY 2020 = 2020/21)",
}
ACCEPTED_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "xls", "ods", "json", "geojson",
                  "topojson", "kml"]


def prepare_readers() -> None:
    """Start the file-reading processes while the officer picks files, so the first file
    does not wait half a second for them; started here rather than with the server, so a
    server nobody uploads to does not hold their memory."""
    workers = pool()
    workers.start(workers.size)


def _titles() -> dict[str, str]:
    return {r["id"]: r["title"] for r in load_catalogue()}


def readable_rows(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Observation rows with indicator titles, area names and periods as the board writes
    them, for the officer to read. Keeps old_value/new_value or value columns."""
    titles = _titles()
    out = pd.DataFrame({
        "Indicator": frame["indicator_id"].map(lambda i: titles.get(i, i)),
        "Area": frame["area_code"].map(lambda c: names.get(c) or geo.area_name(c)),
        "Period": [period_label(p, g) for p, g in zip(frame["period_start"],
                                                      frame["granularity"])],
    })
    for column, label in (("old_value", "Stored now"), ("new_value", "In this file"),
                          ("value", "Value")):
        if column in frame:
            out[label] = frame[column].to_numpy()
    return out


def render_checked_file(item: Checked, names: dict[str, str], given: dict | None = None
                        ) -> dict:
    """One file's verdict, problems, notes and preview; returns answers the officer gave
    (``given``: those given before, for the choices that stay on screen)."""
    parsed, preview = item.parsed, item.preview
    if parsed.errors:
        badge = "Refused"
    elif parsed.questions:
        badge = "Needs an answer"
    elif item.adds_nothing:
        badge = "Already stored"
    elif item.changes_nothing:
        badge = "Changes nothing"
    else:
        badge = "Ready"
    with st.container(border=True):
        st.markdown(f"**{parsed.file_name}** · {item.kind_label} · {badge}")
        if parsed.errors:
            st.error("Nothing from this file can be stored until these are fixed:\n\n"
                     + "\n".join(f"- {p}" for p in parsed.errors))
        answers = _render_questions(parsed)
        answers.update(_not_available_choice(parsed, given or {}))
        if parsed.warnings:
            st.warning("Please check:\n\n" + "\n".join(f"- {p}" for p in parsed.warnings))
        if parsed.notes:
            st.markdown("\n".join(f"- {note}" for note in parsed.notes))
        if item.adds_nothing:
            dup = preview.duplicate_of
            st.info(f"This exact file was stored in upload {dup['batch_id']} "
                    f"({dup['file_name']}, {dup['uploaded_at'][:16].replace('T', ' ')}, by "
                    f"{dup['user_name']}). Storing it again would add nothing.")
        elif item.changes_nothing:
            st.info(f"Every figure in this file ({preview.unchanged:,}) is already stored with "
                    "the same value" + (", and every incident with the same outcome"
                                        if parsed.incidents is not None else "")
                    + ". Storing it would change nothing, so it is not offered.")
        elif preview is not None:
            _render_preview(parsed, preview, names)
    return answers


def _render_questions(parsed) -> dict:
    """Each question as a choice: a few as buttons, a long list (every measure, closest
    first) as a drop-down one can type into."""
    answers = {}
    for question in parsed.questions:
        labels = dict(zip(question.choices, question.labels))
        ask = st.radio if len(question.choices) <= 4 else st.selectbox
        extra = {} if ask is st.radio else {"placeholder": "Choose what it is"}
        choice = ask(question.message, question.choices, index=None,
                     key=f"q-{parsed.sha256}-{question.key}",
                     format_func=lambda c, k=question.key, named=labels: named.get(c)
                     or QUESTION_LABELS.get((k, c), c), **extra)
        if choice is not None:
            answers[question.key] = choice
    return answers


def _not_available_choice(parsed, given: dict) -> dict:
    """Figures the file marks not available are stored as such unless the officer chooses to
    leave them out; the choice stays on screen either way."""
    left_out = given.get(NOT_AVAILABLE_KEY) == LEAVE_OUT
    if parsed.not_available.empty and not left_out:
        return {}
    choice = st.radio("Figures marked not available in this file",
                      ["Store them as not available", "Leave them out"],
                      index=1 if left_out else 0, horizontal=True,
                      key=f"na-{parsed.sha256}")
    if choice == "Leave them out":
        return {NOT_AVAILABLE_KEY: LEAVE_OUT}
    return {NOT_AVAILABLE_KEY: "keep"} if left_out else {}  # only a change re-reads the file


def _render_preview(parsed, preview, names) -> None:
    columns = st.columns(4)
    what = ("the counts the dashboard works out from the file, for every area and crime type "
            "(see above)" if parsed.incidents is not None else "one per figure in the file")
    columns[0].metric("New figures", f"{len(preview.added):,}",
                      help=f"Figures the dashboard does not hold yet: {what}.")
    columns[1].metric("Revised figures", f"{len(preview.revised):,}",
                      help="Figures held now that this file changes (listed below).")
    columns[2].metric("Unchanged figures", f"{preview.unchanged:,}",
                      help="Figures held now with the same value.")
    if parsed.incidents is not None:
        columns[3].metric("New incidents", f"{preview.incidents_new:,}",
                          help=f"{preview.incidents_held:,} incidents are already held")
    reference_rows = sum(len(f) for f in parsed.reference.values())
    if reference_rows:
        columns[3].metric("Reference rows", f"{reference_rows:,}")
    if len(preview.revised):
        st.markdown("**Figures this file revises** (the stored value is kept as an earlier "
                    "version)")
        st.dataframe(readable_rows(preview.revised, names), hide_index=True,
                     width="stretch")
    if len(preview.added):
        with st.expander(f"New figures ({len(preview.added):,})"):
            st.dataframe(readable_rows(preview.added.head(500), names), hide_index=True,
                         width="stretch")
            if len(preview.added) > 500:
                st.caption("The first 500 are shown.")
