"""The bundled sample data loads into PostgreSQL exactly as into the embedded SQLite store:
one schema and one code path for both."""
from __future__ import annotations

import pandas as pd

from data_loaders.ingest import load_sample_data
from data_loaders.model import OBSERVATION_KEY
from data_loaders.store import Store, metadata


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
