"""Download buttons for the table on screen. Streamlit's own table export is turned off
(client.disableDataExport), because it cannot neutralise cells a spreadsheet would run as
formulas; these files are written through data_loaders.exports, which does."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from data_loaders.exports import to_csv_bytes, to_xlsx_bytes


def render_downloads(frame: pd.DataFrame, stem: str) -> None:
    """CSV and xlsx of exactly the table shown, written when clicked (an xlsx takes 10-20 ms
    to write, and a page has half a dozen tables, on every rerun)."""
    left, right = st.columns(2)
    left.download_button("CSV", lambda: to_csv_bytes(frame), file_name=f"{stem}.csv",
                         mime="text/csv", key=f"csv_{stem}")
    right.download_button("xlsx", lambda: to_xlsx_bytes(frame), file_name=f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet", key=f"xlsx_{stem}")
