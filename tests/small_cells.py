"""Seeded data with many small cells, for the disclosure tests: domestic abuse (crimes,
incidents and their total) and hate crimes (rolling 12-month rates with their counts) by
beat for every district, with the districts, the county and the board area as uploaded
totals, over two financial years. Beat counts are mostly 0-6, so most cells are ones a
partner must not learn; a district holds a few incidents no beat does (its rest)."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from data_loaders import geography as geo
from data_loaders.model import ParsedFile, empty_observations

QUARTERS = [f"{y}-{m:02d}-01" for y in (2022, 2023) for m in (4, 7, 10)] + \
    ["2023-01-01", "2024-01-01"]
QUARTERS = sorted(QUARTERS)  # FY 2022/23 and 2023/24, Q1 to Q4
EARLIER = ["2021-07-01", "2021-10-01", "2022-01-01"]  # the hate crime windows reach back
DA_PARTS = ("da_offences", "da_incidents")
DA_TOTAL = "da_crimes_incidents"
HATE = "hate_crimes"
BEAT_PEOPLE = 9000  # each beat's population, as an officer's rate table would give it


def beats_of(district: str) -> list[str]:
    return geo.beat_codes(district)


def true_cells(seed: int = 7) -> dict:
    """The truth: {(indicator, area, quarter): count} for every beat, and each district's
    rest (incidents in no beat); hate crimes per quarter (not rolling)."""
    rng = np.random.default_rng(seed)
    cells = {}
    for district in geo.DISTRICTS:
        for quarter in EARLIER + QUARTERS:
            for beat in beats_of(district):
                if quarter in QUARTERS:
                    cells[("da_offences", beat, quarter)] = int(rng.poisson(2.5))
                    cells[("da_incidents", beat, quarter)] = int(rng.poisson(2.0))
                cells[(HATE, beat, quarter)] = int(rng.poisson(0.7))
            if quarter in QUARTERS:
                for part in DA_PARTS:
                    cells[(part, f"rest {district}", quarter)] = int(rng.poisson(0.4))
    return cells


def observations(cells: dict) -> pd.DataFrame:
    """The officer's upload for ``cells``: every beat, district, county and board row."""
    rows = []

    def add(indicator, area_type, code, quarter, value, numerator=np.nan, denominator=np.nan):
        rows.append({"indicator_id": indicator, "area_type": area_type, "area_code": code,
                     "period_start": quarter, "granularity": "quarter", "value": float(value),
                     "numerator": numerator, "denominator": denominator})

    for quarter in QUARTERS:
        totals = {}
        for district in geo.DISTRICTS:
            for part in DA_PARTS:
                beats = {b: cells[(part, b, quarter)] for b in beats_of(district)}
                for beat, count in beats.items():
                    add(part, "beat", beat, quarter, count)
                totals[(part, district)] = sum(beats.values()) + \
                    cells[(part, f"rest {district}", quarter)]
                add(part, "district", district, quarter, totals[(part, district)])
            for beat in beats_of(district):
                add(DA_TOTAL, "beat", beat, quarter,
                    sum(cells[(p, beat, quarter)] for p in DA_PARTS))
            add(DA_TOTAL, "district", district, quarter,
                sum(totals[(p, district)] for p in DA_PARTS))
            hate = {b: rolling_hate(cells, b, quarter) for b in beats_of(district)}
            for beat, count in hate.items():
                add(HATE, "beat", beat, quarter, count / BEAT_PEOPLE * 1000, count, BEAT_PEOPLE)
            people = BEAT_PEOPLE * len(hate)
            totals[(HATE, district)] = sum(hate.values())
            add(HATE, "district", district, quarter, totals[(HATE, district)] / people * 1000,
                totals[(HATE, district)], people)
        for code, members in ((geo.COUNTY_CODE, geo.COUNTY_DISTRICTS),
                              (geo.BOARD_CODE, tuple(geo.DISTRICTS))):
            kind = "county" if code == geo.COUNTY_CODE else "board"
            parts = {p: sum(totals[(p, d)] for d in members) for p in DA_PARTS}
            for part, count in parts.items():
                add(part, kind, code, quarter, count)
            add(DA_TOTAL, kind, code, quarter, sum(parts.values()))
            hate = sum(totals[(HATE, d)] for d in members)
            people = BEAT_PEOPLE * sum(len(beats_of(d)) for d in members)
            add(HATE, kind, code, quarter, hate / people * 1000, hate, people)
    return pd.DataFrame(rows, columns=empty_observations().columns)


def rolling_hate(cells: dict, beat: str, quarter: str) -> int:
    """Hate crimes in the 12 months to the end of ``quarter``."""
    every = EARLIER + QUARTERS
    at = every.index(quarter)
    return sum(cells[(HATE, beat, q)] for q in every[at - 3:at + 1])


def parsed_upload(frame: pd.DataFrame, name: str) -> ParsedFile:
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame).to_numpy().tobytes()).hexdigest()
    return ParsedFile(name, digest, "officer_long", observations=frame)


def corrected(cells: dict, seed: int = 11, how_many: int = 25) -> dict:
    """``cells`` with some small beat cells corrected by one up or down, as an officer's
    re-upload would."""
    rng = np.random.default_rng(seed)
    small = sorted(k for k, v in cells.items()
                   if 1 <= v <= 4 and k[2] in QUARTERS and not k[1].startswith("rest"))
    out = dict(cells)
    for at in rng.choice(len(small), size=how_many, replace=False):
        key = small[at]
        out[key] = max(0, out[key] + int(rng.choice([-1, 1])))
    return out
