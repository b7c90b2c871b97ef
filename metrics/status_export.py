"""The judgements as tidy rows, for `python -m data_loaders export --status`: one row per
headline indicator and area (the districts, the county and the board area) for its latest
period, so the dashboard's calls can be checked outside the app."""
from __future__ import annotations

import pandas as pd

from data_loaders import geography as geo

from .assessment import compute_assessment
from .comparison import populations_by_area

STATUS_COLUMNS = ["indicator", "area_type", "area_code", "area_name", "period", "period_start",
                  "period_end", "value",
                  "comparison_value", "change_pct", "direction", "change_test",
                  "change_estimate", "change_low", "change_high", "change_verdict", "rag",
                  "spc_signal", "benchmark", "status", "reason"]


def compute_status_rows(observations: pd.DataFrame, catalogue: pd.DataFrame,
                        population: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """STATUS_COLUMNS for every headline indicator and area that holds it. comparison_value
    is the same period a year earlier; change_test names the significance test of the
    change ('rate ratio', or 'difference' in percentage points), change_estimate and its 95%
    interval change_low to change_high, change_verdict what it says (or why it was not
    tested); spc_signal the variation reading; reason the status's reason. Given partners'
    observations (metrics.disclosure), the judgements partners see."""
    populations = populations_by_area(population)
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
            value, test = row["value"], row["change_test"]
            rows.append({
                "indicator": record["id"], "area_type": geo.area_type_of(code),
                "area_code": code, "area_name": geo.area_name(code), "period": row["period"],
                "period_start": row["figure_start"], "period_end": row["figure_end"],
                "value": value, "comparison_value": row["previous_value"],
                "change_pct": None if row["change_pct"] is None else round(row["change_pct"], 2),
                "direction": row["direction"] or "",
                "change_test": test.measure if test else "",
                "change_estimate": round(test.estimate, 4) if test else None,
                "change_low": round(test.low, 4) if test else None,
                "change_high": round(test.high, 4) if test else None,
                "change_verdict": test.verdict if test else (
                    f"not tested: {row['untested']}" if row["untested"] else ""),
                "rag": row["rag"] or "", "spc_signal": row["variation"],
                "benchmark": row["benchmark"] or "", "status": row["overall"],
                "reason": row["reason"]})
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)
