"""Frames read from the store kept on disk between server starts, so the first page anyone
opens after a restart does not wait for the database to hand over every observation
(BENCHMARKS.md: start-up). Used by components/cache.py, under its in-memory caches, and by
the worker child that stores an upload, which writes the new data's frames before its commit
(save_before_commit).

A file is named by the store's data stamp (Store.data_stamp: a random token replaced on
every upload, rollback and restore), so a change to the data can never be answered from an
old file, nor one store's data from another's. Files are Arrow IPC (Feather): reading one
runs no code, unlike a pickle. The folder is the environment's DASHBOARD_CACHE_DIR, or one
in the temporary directory that only this user may use; a folder that is not private to
this user, or any failure to read or write, means the store is read as if there were no
cache (and a damaged file is replaced)."""
from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

log = logging.getLogger(__name__)

CACHE_ENV = "DASHBOARD_CACHE_DIR"
KEEP_PER_NAME = 4  # files kept for each kind of frame: the newest few versions and snapshots


def cache_dir() -> Path | None:
    """The folder for cached frames, made if need be; None if it cannot be made private to
    this user (another account could otherwise plant figures in it)."""
    folder = Path(os.environ.get(CACHE_ENV) or
                  Path(tempfile.gettempdir()) / f"safer-communities-cache-{os.getuid()}")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError as exc:
        log.warning("no frame cache: %s", exc)
        return None
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        log.warning("no frame cache: %s is not private to this user", folder)
        return None
    return folder


def cached_frame(folder: Path | None, name: str, stamp: Callable[[], str | None],
                 read: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``read()``'s frame, from ``folder`` when an earlier call with the same ``name`` saved
    it there under the store's present ``stamp()``; else read, and saved if the stamp is the
    same after reading as before (else an upload landed meanwhile, and which data the frame
    holds is unsure)."""
    before = stamp() if folder is not None else None
    if not before:
        return read()
    path = folder / f"{name}-{before}.arrow"
    if path.exists():
        try:
            return pd.read_feather(path)
        except Exception as exc:  # damaged or from another version of the libraries
            log.warning("cached frame %s unreadable, reading the store: %s", path.name, exc)
    frame = read()
    if stamp() == before:
        _save(folder, name, before, frame)
    return frame


def _save(folder: Path, name: str, stamp: str, frame: pd.DataFrame) -> None:
    """Saved whole, then renamed, so another server never sees half a file."""
    path = folder / f"{name}-{stamp}.arrow"
    partial = folder / f"{path.name}.{os.getpid()}.partial"
    try:
        frame.to_feather(partial)
        os.replace(partial, path)
        _prune(folder, name)
    except Exception as exc:  # a full or read-only disk costs the next start its speed only
        log.warning("could not save cached frame %s: %s", path.name, exc)
        partial.unlink(missing_ok=True)


def observations(store, snapshot: int | None = None) -> pd.DataFrame:
    """Store.observations with upload_id and is_sample (current, or as at ``snapshot``),
    through the cache folder."""
    return cached_frame(cache_dir(), f"observations-{snapshot or 'current'}", store.data_stamp,
                        lambda: store.observations(with_sample_flag=True, snapshot=snapshot))


def incident_tally(store, snapshot: int | None = None) -> pd.DataFrame:
    """Store.incident_tally (current, or as at ``snapshot``), through the cache folder."""
    return cached_frame(cache_dir(), f"incident-tally-{snapshot or 'current'}",
                        store.data_stamp, lambda: store.incident_tally(snapshot=snapshot))


def save_before_commit(store, conn) -> None:
    """Inside the transaction that changes the data, just before its commit (the worker child
    storing an upload): write the new data's frames under the stamp that transaction gives
    it, so they are on disk the moment the data is visible and no server reads them from
    the database in its own process, where every session waits. Should the commit then
    fail, the files name a stamp no store will ever have. Never fails the transaction: a
    failure is logged, and the servers read the store as before."""
    folder = cache_dir()
    if folder is None:
        return
    # A failed query aborts a PostgreSQL transaction, whose COMMIT would then roll the
    # batch back: a savepoint keeps the failure to these reads. (SQLite's transaction
    # survives a failed read, and pysqlite's savepoints are unreliable.)
    guard = contextlib.nullcontext() if conn.dialect.name == "sqlite" else conn.begin_nested()
    try:
        with guard:
            stamp = store.data_stamp(conn=conn)
            observations = store.observations(with_sample_flag=True, conn=conn)
            tally = store.incident_tally(conn=conn)
    except Exception:
        log.exception("could not save the new data's frames; the servers will read the store")
        return
    _save(folder, "observations-current", stamp, observations)
    _save(folder, "incident-tally-current", stamp, tally)


def _prune(folder: Path, name: str) -> None:
    """Keep the KEEP_PER_NAME newest files of ``name``; older versions are never asked for."""
    files = sorted(folder.glob(f"{name}-*.arrow"), key=lambda p: p.stat().st_mtime,
                   reverse=True)
    for old in files[KEEP_PER_NAME:]:
        old.unlink(missing_ok=True)
