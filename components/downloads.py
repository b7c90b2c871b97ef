"""Download buttons for the table on screen. Streamlit's own table export is turned off
(client.disableDataExport), because it cannot neutralise cells a spreadsheet would run as
formulas; these files are written through data_loaders.exports, which does."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from data_loaders.exports import to_csv_bytes, to_xlsx_bytes
from metrics.formatting import DECIMALS
from metrics.windows import Window

from .filters import current_filters

LATEST = {"quarter": "latest quarter", "ytd": "year to date", "rolling12": "rolling 12 months"}


def render_downloads(frame: pd.DataFrame, what: str, unit: str | None = None,
                     for_period: bool = True, for_area: bool = True) -> None:
    """CSV and xlsx of the table shown, rounded as the screen shows it (download_frame) and
    named for what it is and, where the table is for them, the filters' area and period.
    Written when clicked (an xlsx takes 10-20 ms to write, and a page has half a dozen
    tables, on every rerun), and a click does not rerun the page: a rerun replaced the files
    of the other buttons, so a second quick click found its file gone."""
    filters = current_filters()
    period = ""
    if for_period:
        period = Window(filters.kind, filters.end).label() if filters.end \
            else LATEST[filters.kind]
    stem = file_stem(what, filters.area_name if for_area else "", period)
    left, right = st.columns(2)
    left.download_button("CSV", lambda: to_csv_bytes(download_frame(frame, unit)),
                         file_name=f"{stem}.csv",
                         mime="text/csv", key=f"csv_{what}", on_click="ignore")
    right.download_button("xlsx", lambda: to_xlsx_bytes(download_frame(frame, unit)),
                          file_name=f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet", key=f"xlsx_{what}", on_click="ignore")


def file_stem(*parts: str) -> str:
    """A file name a person can read and any system can hold.

    >>> file_stem("Hate crimes by district", "Hinckley and Bosworth", "Q1 2023/24")
    'Hate_crimes_by_district_Hinckley_and_Bosworth_Q1_2023-24'
    """
    text = " ".join(p for p in parts if p).replace("/", "-")
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("_")


def download_frame(frame: pd.DataFrame, unit: str | None = None) -> pd.DataFrame:
    """The table as the screen rounds it: a column of whole numbers as integers (486, not
    486.0), a % column to one decimal, any other number to the unit's decimals (two without
    a unit). Text is left as it is.

    >>> download_frame(pd.DataFrame({"Count": [486.0, 12.0], "Rate": [4.664913, 1.5],
    ...                              "% change": [-3.36, 6.71], "Low": [1.234, None]}),
    ...                "rate_per_1000")
       Count  Rate  % change   Low
    0    486  4.66      -3.4  1.23
    1     12  1.50       6.7   NaN
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object and values.map(_is_number_or_none).all():
            values = values.astype("float64")  # numbers with gaps (None) for some rows
        if not pd.api.types.is_float_dtype(values):
            continue
        held = values.dropna()
        if len(held) and (held == held.round()).all():
            out[column] = values.round().astype("Int64")
        else:
            out[column] = values.round(1 if "%" in str(column) else DECIMALS.get(unit, 2))
    return out


def _is_number_or_none(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
