"""The judgements as tidy rows, for `python -m data_loaders export --status`: one row per
headline indicator and area (the districts, the county and the board area) for its latest
period, so the dashboard's calls can be checked outside the app."""
from __future__ import annotations

import pandas as pd

from data_loaders import geography as geo

from .assessment import compute_assessment

STATUS_COLUMNS = ["indicator", "area_type", "area_code", "area_name", "period", "value",
                  "comparison_value", "change_pct", "direction", "rag", "spc_signal",
                  "benchmark", "status"]


def compute_status_rows(observations: pd.DataFrame, catalogue: pd.DataFrame,
                        population: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """STATUS_COLUMNS for every headline indicator and area that holds it. comparison_value
    is the same period a year earlier; spc_signal the variation reading. Given partners'
    observations (metrics.disclosure), the judgements partners see."""
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
                "status": row["overall"]})
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)
