"""The judgements as tidy rows, for `python -m data_loaders export --status`: one row per
headline indicator and area (the districts, the county and the board area) for its latest
period, so the dashboard's calls can be checked outside the app."""
from __future__ import annotations

import pandas as pd

from data_loaders import geography as geo

from .assessment import compute_assessment
from .suppression import DEFAULT_THRESHOLD
from .windows import is_additive

STATUS_COLUMNS = ["indicator", "area_type", "area_code", "area_name", "period", "value",
                  "comparison_value", "change_pct", "direction", "rag", "spc_signal",
                  "benchmark", "status", "suppressed"]


def compute_status_rows(observations: pd.DataFrame, catalogue: pd.DataFrame,
                        population: pd.DataFrame, changes: pd.DataFrame,
                        threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """STATUS_COLUMNS for every headline indicator and area that holds it. comparison_value
    is the same period a year earlier; spc_signal the variation reading; suppressed whether
    partners see the value hidden (a count from 1 to threshold - 1)."""
    populations = dict(zip(population["area_code"], population["population"]))
    held = observations.groupby("indicator_id")["area_code"].agg(set)
    rows = []
    for record in catalogue.to_dict("records"):
        if record["parent"] or record["panel"] != "headline" or record["id"] not in held:
            continue
        for code in [*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE]:
            if code not in held[record["id"]]:
                continue
            row = compute_assessment(observations, record, code, "quarter", None, populations,
                                     changes)
            value = row["value"]
            rows.append({
                "indicator": record["id"], "area_type": geo.area_type_of(code),
                "area_code": code, "area_name": geo.area_name(code), "period": row["period"],
                "value": value, "comparison_value": row["previous_value"],
                "change_pct": None if row["change_pct"] is None else round(row["change_pct"], 2),
                "direction": row["direction"] or "", "rag": row["rag"] or "",
                "spc_signal": row["variation"], "benchmark": row["benchmark"] or "",
                "status": row["overall"],
                "suppressed": bool(is_additive(record) and value is not None
                                   and 1 <= value < threshold)})
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)
