"""Ingest: a year of police.uk data and a 200,000-row officer spreadsheet, read, checked and
stored end to end (as the Upload page and `python -m data_loaders ingest` do), each into a
fresh copy of a store that holds the reference data; and the naive way beside each."""
from __future__ import annotations

import csv
import gzip
import io
import statistics
import time
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from data_loaders.ingest import ingest_paths
from data_loaders.store import Store

from .datasets import POLICE_YEAR, copy_of, officer_xlsx, reference_store


def ingest_seconds(paths: list[Path], runs: int) -> float:
    """Median seconds to ingest ``paths`` in one batch into a fresh reference-only store."""
    times = []
    for run in range(runs):
        store = Store(f"sqlite:///{copy_of(reference_store(), f'ingest-{run}.sqlite')}")
        started = time.perf_counter()
        checked, ids = ingest_paths(paths, store, "bench")
        times.append(time.perf_counter() - started)
        if len(ids) != len(paths) or any(not c.parsed.ok for c in checked):
            raise RuntimeError(f"the benchmark files did not all go in: {ids}")
        store.engine.dispose()
    return statistics.median(times)


def police_year(runs: int = 3) -> dict:
    rows = sum(len(gzip.decompress(p.read_bytes()).splitlines()) - 1 for p in POLICE_YEAR)
    return {"seconds": ingest_seconds(POLICE_YEAR, runs), "rows": rows,
            "naive_seconds": naive_police_year(), "naive": "csv rows inserted one at a time"}


def naive_police_year() -> float:
    """The textbook way: read each CSV with the csv module and insert every row with its own
    INSERT statement, in one transaction. It stores raw rows only (no checks, no beats, no
    counts), so it is a floor for the naive cost, not the whole of it."""
    engine = sa.create_engine(f"sqlite:///{copy_of(reference_store(), 'naive.sqlite')}")
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE raw (crime_id, month, longitude, latitude, "
                             "location, lsoa_code, crime_type)")
        for path in POLICE_YEAR:
            text = gzip.decompress(path.read_bytes()).decode("utf-8")
            for row in csv.DictReader(io.StringIO(text)):
                conn.exec_driver_sql(
                    "INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (row["Crime ID"], row["Month"], row["Longitude"], row["Latitude"],
                     row["Location"], row["LSOA code"], row["Crime type"]))
    return time.perf_counter() - started


def officer_sheet(runs: int = 3) -> dict:
    path = officer_xlsx()
    return {"seconds": ingest_seconds([path], runs), "rows": _rows_in(path),
            "naive_seconds": naive_officer_sheet(path), "naive": "openpyxl reading the sheet"}


def naive_officer_sheet(path: Path) -> float:
    """openpyxl, the library most code reaches for, only reading the sheet's cells."""
    started = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    for _ in book.active.iter_rows(values_only=True):
        pass
    return time.perf_counter() - started


def _rows_in(path: Path) -> int:
    from python_calamine import CalamineWorkbook
    return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()) - 1
