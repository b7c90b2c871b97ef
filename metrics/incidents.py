"""police.uk incident rows tallied for the map: how many incidents of each month and crime
type were recorded at each point, from which the hexagons for any window, crime types and
district are read in memory, without a query over every incident row. police.uk snaps every
incident to one of a few thousand anonymised map points, so a window's incidents come down
to far fewer points, each with its count, which is all the map needs to send.
Pure pandas; does not mutate its inputs."""
from __future__ import annotations

import pandas as pd

from data_loaders.model import INCIDENT_TALLY_KEYS as TALLY_KEYS

POINT_COLUMNS = ["longitude", "latitude", "incidents"]


def tally_incidents(rows: pd.DataFrame) -> pd.DataFrame:
    """Incident rows (at least TALLY_KEYS) counted by month, crime type, district and point:
    TALLY_KEYS and incidents. Rows with no district or no location are kept (keys NaN).

    >>> rows = pd.DataFrame({"month": ["2023-01"] * 3, "crime_type": ["Drugs"] * 3,
    ...     "district_code": ["E1", "E1", None], "longitude": [-1.0, -1.0, None],
    ...     "latitude": [52.0, 52.0, None]})
    >>> tally_incidents(rows)["incidents"].tolist()
    [2, 1]
    """
    tally = rows.groupby(TALLY_KEYS, dropna=False, sort=False, observed=True).size()
    return tally.rename("incidents").reset_index()


def _chosen(tally: pd.DataFrame, months, crime_types, district_code) -> pd.DataFrame:
    chosen = tally["month"].isin(list(months)) & tally["crime_type"].isin(list(crime_types))
    if district_code is not None:
        chosen &= tally["district_code"] == district_code
    return tally[chosen]


def incident_points(tally: pd.DataFrame, months, crime_types,
                    district_code: str | None = None) -> pd.DataFrame:
    """POINT_COLUMNS: how many incidents of the months and crime types (in the district, if
    given) were recorded at each point with a location."""
    rows = _chosen(tally, months, crime_types, district_code).dropna(
        subset=["longitude", "latitude"])
    points = rows.groupby(["longitude", "latitude"], sort=True)["incidents"].sum()
    return points.reset_index()[POINT_COLUMNS]


def unplaced_incidents(tally: pd.DataFrame, months, crime_types) -> tuple[int, int]:
    """(incidents in no district, all incidents) of the months and crime types."""
    rows = _chosen(tally, months, crime_types, None)
    return int(rows.loc[rows["district_code"].isna(), "incidents"].sum()), \
        int(rows["incidents"].sum())
