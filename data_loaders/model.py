"""What a reader makes of one file, before anything is stored: the contract between the
readers (police_uk, officer_long, officer_wide, reference) and the store."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .problems import Problem

# Tidy observations: one row per indicator, area and period. period_start is an ISO date
# string (first day of the period); granularity is month | quarter | fy. numerator and
# denominator are set where the value is a rate or a percentage and the file gives them.
OBSERVATION_COLUMNS = ["indicator_id", "area_type", "area_code", "period_start", "granularity",
                       "value", "numerator", "denominator"]
OBSERVATION_KEY = ["indicator_id", "area_type", "area_code", "period_start", "granularity"]

# police.uk incident rows kept for maps. incident_key is the Crime ID for crimes and a
# content key for ASB rows (see police_uk.asb_key). month is 'YYYY-MM'.
INCIDENT_COLUMNS = ["incident_key", "month", "crime_type", "lsoa_code", "beat_code",
                    "district_code", "longitude", "latitude", "location", "outcome"]
# What the map counts incidents by (police.uk snaps every incident to one of a few thousand
# anonymised points).
INCIDENT_TALLY_KEYS = ["month", "crime_type", "district_code", "longitude", "latitude"]

# Reference tables a reference upload can carry, with their columns.
REFERENCE_COLUMNS = {
    # One row per LSOA, beat, district, county, board, region and england. beat_code and
    # district_code give the hierarchy (blank where not applicable); lsoa_year is 2011 or
    # 2021 for LSOAs.
    "areas": ["area_type", "area_code", "area_name", "beat_code", "district_code", "lsoa_year"],
    "population": ["area_type", "area_code", "year", "population"],
    # geojson is a GeoJSON geometry (Polygon or MultiPolygon) as text, lon/lat (WGS84).
    "boundaries": ["area_type", "area_code", "area_name", "geojson"],
}

# Who the ledger names for the files bundled with the dashboard (sample_data/).
SAMPLE_USER = "bundled with the dashboard"

KINDS = {
    "police_uk_street": "police.uk street-level crime",
    "officer_long": "officer's long table",
    "officer_wide": "district x quarter table",
    "population": "ONS population estimates",
    "lsoa_lookup": "LSOA lookup",
    "boundaries": "boundaries",
}


# Figures an officer's file marks as not available ("*", "<5", "n/a"...): the key and the
# marker as written. Stored as such, never as a value and never as zero.
NOT_AVAILABLE_COLUMNS = [*OBSERVATION_KEY, "marker"]


def empty_not_available() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in NOT_AVAILABLE_COLUMNS})


def empty_observations() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("value", "numerator",
                         "denominator") else "object") for c in OBSERVATION_COLUMNS})


@dataclass
class ParsedFile:
    """One uploaded file as read: what it is, what it would store, and what is wrong with it."""

    file_name: str
    sha256: str
    kind: str
    observations: pd.DataFrame = field(default_factory=empty_observations)
    incidents: pd.DataFrame | None = None
    reference: dict[str, pd.DataFrame] = field(default_factory=dict)
    not_available: pd.DataFrame = field(default_factory=empty_not_available)
    problems: list[Problem] = field(default_factory=list)
    # Plain statements of what was read and what was left out, with counts.
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def questions(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "question"]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.questions
