"""Tidy exports of current values, as CSV or xlsx, safe to open in Excel."""
from __future__ import annotations

import io
import re

import pandas as pd

from . import geography as geo
from .periods import period_end, period_label

EXPORT_COLUMNS = ["indicator", "area_type", "area_code", "area_name", "period", "period_start",
                  "period_end", "value"]
_FORMULA_STARTS = ("=", "@", "\t", "\r")
# After a + or -, what makes text a formula a spreadsheet would run: a function call
# ("+HYPERLINK("), a link to another program ("-cmd|") or another sheet ("!").
_FORMULA_AFTER_SIGN = re.compile(r"[A-Za-z_.][A-Za-z0-9_.]*\(|\||!")


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers and
    text that only starts with a sign ("-3.4% down (better)") pass as they are.

    >>> neutralise("=HYPERLINK(1)"), neutralise("-cmd|' /C calc'!A0"), neutralise("Blaby")
    ("'=HYPERLINK(1)", "'-cmd|' /C calc'!A0", 'Blaby')
    >>> neutralise("+SUM(A1:A9)"), neutralise("-3.4% ↓ down (better)"), neutralise(-3.4)
    ("'+SUM(A1:A9)", '-3.4% ↓ down (better)', -3.4)
    """
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_STARTS) or (
            value.startswith(("+", "-")) and _FORMULA_AFTER_SIGN.search(value)):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised (for any CSV or xlsx the app writes)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def tidy_export(observations: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Current observations as rows of EXPORT_COLUMNS, sorted, with area names and the
    period as the board writes it. Does not mutate its inputs."""
    names = dict(zip(areas["area_code"], areas["area_name"])) if len(areas) else {}
    frame = observations.sort_values(["indicator_id", "area_type", "area_code", "granularity",
                                      "period_start"])
    periods = list(zip(frame["period_start"], frame["granularity"]))
    spans = {(p, g): (period_label(p, g), str(p)[:10], period_end(p, g).isoformat())
             for p, g in set(periods)}  # a few dozen periods over many thousand rows
    return pd.DataFrame({
        "indicator": frame["indicator_id"],
        "area_type": frame["area_type"],
        "area_code": frame["area_code"],
        "area_name": frame["area_code"].map(lambda c: names.get(c) or geo.area_name(c)),
        "period": [spans[key][0] for key in periods],
        # ISO dates beside the label, so a script or a spreadsheet can sort and join by date.
        "period_start": [spans[key][1] for key in periods],
        "period_end": [spans[key][2] for key in periods],
        "value": frame["value"],
    }).reset_index(drop=True)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    # UTF-8 with BOM so Excel shows names like 'Hinckley and Bosworth' and '£' correctly.
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "Data") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe_frame(frame).to_excel(writer, index=False, sheet_name=sheet_name)
    return buffer.getvalue()
