"""Faults in the store: a full disk loses nothing stored before, says so plainly, and a retry
works once there is room. (A kill mid-upload and a locked database are in test_cli.py.)"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from data_loaders import workers
from data_loaders.__main__ import main
from data_loaders.ingest import ingest_paths
from data_loaders.store import Store, StoreBusy, StoreFull, _plain_write_error

from conftest import ROOT

POLICE = sorted((ROOT / "sample_data" / "police_uk").glob("*.csv.gz"))
REFERENCE = sorted((ROOT / "sample_data" / "reference").glob("*.csv")) + \
    sorted((ROOT / "sample_data" / "reference").glob("*.geojson"))


# Run at the start of every Python process started with the Disk's PYTHONPATH: the worker
# children that store uploads are fresh interpreters, which no monkeypatch here reaches.
CAP_IN_CHILDREN = """
import os
from pathlib import Path

from data_loaders import store

_pragmas = store._sqlite_pragmas


def _capped(dbapi_connection, record):
    _pragmas(dbapi_connection, record)
    cap = Path(os.environ["TEST_SQLITE_MAX_PAGES"])
    if cap.exists():
        dbapi_connection.execute(f"PRAGMA max_page_count = {cap.read_text()}")


store._sqlite_pragmas = _capped
"""


class Disk:
    """Caps every new connection's SQLite file at its present size plus a few pages in the
    worker children, which store uploads (through a sitecustomize module on their
    PYTHONPATH). SQLite reports a write past the cap exactly as it reports a full disk
    (SQLITE_FULL, 'database or disk is full'), through the same code path as ENOSPC."""

    def __init__(self, monkeypatch, url: str, folder: Path):
        self.url = url
        self.cap = folder / "max_page_count"
        (folder / "sitecustomize.py").write_text(CAP_IN_CHILDREN)
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), str(ROOT)]))
        monkeypatch.setenv("TEST_SQLITE_MAX_PAGES", str(self.cap))
        monkeypatch.setattr(workers, "_pool", None)  # children from now on run it

    def fill_after(self, spare_pages: int) -> None:
        with sa.create_engine(self.url).connect() as conn:
            # WAL holds recent pages outside the main file: checkpoint so page_count is all.
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        self.cap.write_text(str(pages + spare_pages))

    def free(self) -> None:
        self.cap.unlink()

    def close(self) -> None:
        """End the children that run the cap."""
        if workers._pool is not None:
            for worker in workers._pool._idle:
                worker.kill()


@pytest.fixture()
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


@pytest.fixture()
def disk(monkeypatch, url, tmp_path):
    disk = Disk(monkeypatch, url, tmp_path)
    yield disk
    disk.close()


def test_a_full_disk_stores_nothing_keeps_everything_earlier_and_a_retry_works(
        url, capsys, disk):
    assert main(["--store", url, "ingest", *map(str, REFERENCE)]) == 0
    assert main(["--store", url, "ingest", str(POLICE[0])]) == 0
    store = Store(url)
    before = store.observations().sort_values(["indicator_id", "area_code", "period_start"])
    ledger_before = store.uploads()
    version_before = store.data_version()
    capsys.readouterr()

    disk.fill_after(spare_pages=20)  # a month of police data needs far more
    assert main(["--store", url, "ingest", *map(str, POLICE[1:4])]) == 4
    err = capsys.readouterr().err
    assert "disk is full" in err and "intact" in err and "Traceback" not in err
    with pytest.raises(StoreFull):  # the same through the store: not a driver error
        ingest_paths(POLICE[1:2], Store(url), "Ann Officer")

    after = store.observations().sort_values(["indicator_id", "area_code", "period_start"])
    pd.testing.assert_frame_equal(before.reset_index(drop=True), after.reset_index(drop=True))
    pd.testing.assert_frame_equal(ledger_before, store.uploads())
    assert store.data_version() == version_before
    with sa.create_engine(url).connect() as conn:  # the file is sound, not just readable
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

    disk.free()  # space freed: the same upload simply goes in
    assert main(["--store", url, "ingest", *map(str, POLICE[1:4])]) == 0
    assert len(Store(url).uploads()) == len(ledger_before) + 3


def test_postgresql_disk_full_and_lock_errors_read_as_plain_faults():
    """PostgreSQL reports a full disk as SQLSTATE 53100 with its own wording; a lock timeout as
    'lock'. Both become the same plain exceptions as on SQLite."""
    disk_full = OperationalError("INSERT ...", {}, psycopg.errors.DiskFull(
        'could not extend file "base/5/16384": wrote only 4096 of 8192 bytes'))
    assert isinstance(_plain_write_error(disk_full), StoreFull)
    sqlite_full = OperationalError("INSERT ...", {}, Exception("database or disk is full"))
    assert isinstance(_plain_write_error(sqlite_full), StoreFull)
    locked = OperationalError("INSERT ...", {}, Exception("database is locked"))
    assert isinstance(_plain_write_error(locked), StoreBusy)
    other = OperationalError("INSERT ...", {}, Exception("no such table: uploads"))
    assert _plain_write_error(other) is None
