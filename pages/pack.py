"""Board pack: the presenter's slides as a PowerPoint deck and a PDF for circulation, for the
filters and data (current or a snapshot) chosen in the sidebar."""
import streamlit as st

from components.access import hides_small_numbers, require_role, suppression_threshold
from components.cache import current_version, load_pack
from components.filters import current_filters
from reports.board_pack import pack_file_stem

require_role("viewer")
st.title("Board pack")
filters = current_filters()
version = current_version()
st.markdown(f"For **{filters.area_name}**, {filters.period_text}, on "
            + ("a board snapshot" if version[1] is not None else "the current data")
            + ". Change these in the sidebar. The pack has the same figures, charts and "
            "statements as presenter mode, the action log and a data notes slide.")
meeting = st.text_input("Meeting", value="Safer Communities Strategy Board", key="pack_meeting")
meeting_date = st.date_input("Meeting date", key="pack_meeting_date", format="DD/MM/YYYY",
                             help="On the cover, at the foot of every page and in the file "
                                  "names.")
partner = st.checkbox("Partner pack: hide small numbers", key="pack_partner",
                      value=True, disabled=hides_small_numbers(),
                      help="Partners only ever get a partner pack.") or hides_small_numbers()
if st.button("Prepare the pack", type="primary"):
    with st.spinner("Drawing the charts and writing the pack..."):
        st.session_state.pack = load_pack(version, filters.area_code, filters.kind,
                                          filters.end.isoformat() if filters.end else None,
                                          meeting, partner, suppression_threshold(),
                                          meeting_date.isoformat())
        st.session_state.pack_for = (version, filters, meeting, partner, meeting_date)
if st.session_state.get("pack_for") == (version, filters, meeting, partner, meeting_date):
    pptx, pdf = st.session_state.pack
    stem = pack_file_stem(meeting_date, filters.area_code, partner)
    left, right = st.columns(2)
    left.download_button("Download PowerPoint", pptx, file_name=f"{stem}.pptx",
                         mime="application/vnd.openxmlformats-officedocument."
                              "presentationml.presentation")
    right.download_button("Download PDF", pdf, file_name=f"{stem}.pdf",
                          mime="application/pdf")
    st.caption("Command line, for scheduled packs: `python -m reports pack OUTPUT "
               "[--snapshot ID] [--area CODE] [--period quarter|ytd|rolling12] "
               "[--meeting-date YYYY-MM-DD] [--partner]`.")
