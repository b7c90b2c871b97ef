"""The bundled sample data loads into PostgreSQL exactly as into the embedded SQLite store
(one schema and one code path for both), and to exactly the contents it always has."""
from __future__ import annotations

import hashlib
import math

import pandas as pd

from data_loaders.ingest import load_sample_data
from data_loaders.model import INCIDENT_TALLY_KEYS, OBSERVATION_KEY
from data_loaders.schema import metadata
from data_loaders.store import Store


def sorted_frame(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    return frame.sort_values(key).reset_index(drop=True)


def test_sample_data_in_postgresql_equals_sqlite(seeded_store_file, postgres_url):
    sqlite = Store(f"sqlite:///{seeded_store_file}")
    postgres = Store(postgres_url)
    try:
        load_sample_data(postgres)
        pd.testing.assert_frame_equal(sorted_frame(postgres.observations(), OBSERVATION_KEY),
                                      sorted_frame(sqlite.observations(), OBSERVATION_KEY))
        assert len(postgres.incidents()) == len(sqlite.incidents())
        pd.testing.assert_frame_equal(
            sorted_frame(postgres.incident_tally(), INCIDENT_TALLY_KEYS),
            sorted_frame(sqlite.incident_tally(), INCIDENT_TALLY_KEYS))
        for name in ("areas", "population", "boundaries"):
            key = ["area_type", "area_code"] + (["year"] if name == "population" else [])
            pd.testing.assert_frame_equal(sorted_frame(postgres.reference(name), key),
                                          sorted_frame(sqlite.reference(name), key))
        columns = ["file_name", "kind", "rows_added", "incidents_new", "status"]
        assert postgres.uploads()[columns].equals(sqlite.uploads()[columns])
    finally:
        with postgres.engine.begin() as conn:
            metadata.drop_all(conn)
        postgres.engine.dispose()


def rows_digest(frame: pd.DataFrame, key: list[str]) -> str:
    """sha256 of a frame's rows in key order, each written as a tuple (NaN as None), so two
    stores with the same contents give the same digest whatever their row ids."""
    ordered = frame.sort_values(key).reset_index(drop=True)
    text = "\n".join(repr(tuple(None if isinstance(v, float) and math.isnan(v) else v
                                for v in row))
                     for row in ordered.itertuples(index=False, name=None))
    return hashlib.sha256(text.encode()).hexdigest()


# What the sample data loaded to before ingest was made faster (issue 7): the same values,
# incidents and ledger counts, to the last digit. A change here changes what the board sees.
SAMPLE_LEDGER = {
    "areas.csv": (0, 0, 0, 0), "beats.geojson": (0, 0, 0, 0),
    "districts.geojson": (0, 0, 0, 0), "lsoa.geojson": (0, 0, 0, 0),
    "population.csv": (0, 0, 0, 0), "board_indicators_sample.xlsx": (5483, 0, 0, 0),
    "domestic_abuse_dashboard_2019-20.xlsx": (64, 0, 0, 0),
    **{f"2023-{month:02d}-leicestershire-street.csv": (7500, 0, 0, incidents)
       for month, incidents in zip(range(1, 13), (4766, 4834, 5339, 5279, 5175, 5301, 4820,
                                                  4815, 5060, 4723, 4540, 4454))},
}


def test_sample_data_loads_to_exactly_what_it_always_has(seeded_store_file):
    store = Store(f"sqlite:///{seeded_store_file}")
    observations, incidents = store.observations(), store.incidents()
    assert (len(observations), len(incidents)) == (95547, 59106)
    assert rows_digest(observations, OBSERVATION_KEY) == \
        "8aed0b5e69ac38266b8efe75194d9aef0f239a6fa1ce2f554c1048d23413fff1"
    assert rows_digest(incidents, ["month", "incident_key"]) == \
        "d237c72b2feaf7f600cf4f808ab7f31054c75e0a528d330344dcc98e01476bf5"
    ledger = store.uploads()
    assert {row.file_name: (row.rows_added, row.rows_revised, row.rows_unchanged,
                            row.incidents_new) for row in ledger.itertuples()} == SAMPLE_LEDGER
