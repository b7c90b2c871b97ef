"""The versioned store: an upload ledger and append-only tables in SQLite (default) or
PostgreSQL (when DATABASE_URL is set), through one SQLAlchemy Core code path.

Nothing is ever overwritten or deleted. Every row carries the file (``upload_id``) that
brought it; the current value of anything is the row from the newest file that is still
'stored'. The files an officer stores together are one upload (a batch, named by its first
file's id): one transaction, one ledger entry, rolled back and restored as one. Rolling an
upload back marks its files 'rolled back', which brings back exactly what was current before
it; restoring it undoes the rollback. One file can be withdrawn from its upload ('withdrawn')
and put back.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from .model import (
    INCIDENT_COLUMNS,
    INCIDENT_TALLY_KEYS,
    NOT_AVAILABLE_COLUMNS,
    OBSERVATION_COLUMNS,
    OBSERVATION_KEY,
    REFERENCE_COLUMNS,
    ParsedFile,
)
from .schema import (
    ACTION_STATUSES,
    INDEX_ORDER,
    REFERENCE_KEYS,
    REFERENCE_TABLES,
    action_versions,
    admin_changes,
    batch_files,
    definition_changes,
    incidents,
    meta,
    metadata,
    not_available_figures,
    observations,
    refusals,
    snapshot_uploads,
    snapshots,
    upload_events,
    uploads,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE = ROOT / "var" / "dashboard.sqlite"
READ_CHUNK_ROWS = 50_000

class StoreBusy(Exception):
    """The database is locked by another writer; the caller should say so and offer a retry."""


class StoreFull(Exception):
    """The database's disk (or its size quota) is full: the write was undone, nothing earlier
    was touched, and the caller should say so and ask for space to be freed."""


def _plain_write_error(exc: OperationalError) -> Exception | None:
    """StoreBusy or StoreFull for the two faults an officer can do something about."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreBusy("the database is busy with another upload")
    # SQLite says 'database or disk is full' (SQLITE_FULL, also for ENOSPC); PostgreSQL's
    # DiskFull is SQLSTATE 53100, 'could not extend file ... No space left on device'.
    if "disk is full" in text or "no space left" in text or \
            getattr(getattr(exc, "orig", None), "sqlstate", None) == "53100":
        return StoreFull("the server's disk is full")
    return None


def default_url() -> str:
    """DATABASE_URL when set (PostgreSQL for shared servers), else the embedded SQLite file,
    whose location DASHBOARD_SQLITE_PATH may change."""
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        # Heroku-style URLs name the dialect 'postgres'; SQLAlchemy needs the driver too.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    path = Path(os.environ.get("DASHBOARD_SQLITE_PATH", DEFAULT_SQLITE))
    return f"sqlite:///{path}"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class Preview:
    """What one parsed file would change, compared with what is current now."""

    added: pd.DataFrame  # OBSERVATION_COLUMNS of values with no current value
    revised: pd.DataFrame  # OBSERVATION_KEY + old_value, new_value
    unchanged: int
    incidents_new: int
    incidents_held: int
    duplicate_of: dict | None  # the stored upload with the same sha256, if any
    data_version: int = 0  # the store's data version when the comparison was made
    incidents_changed: int = 0  # held incidents whose outcome this file changes


class Store:
    """One database: SQLite file or PostgreSQL server. Create with a SQLAlchemy URL."""

    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        if self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(self.url, connect_args={"timeout": 15})
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        metadata.create_all(self.engine)
        self._ensure_stamp()
        self._ensure_secret()

    # -- reading -------------------------------------------------------------------------

    def data_version(self) -> int:
        """A number that changes whenever any upload is stored, rolled back or restored."""
        return self._version()

    def data_stamp(self, conn=None) -> str | None:
        """A random token replaced whenever the data version changes: unlike the version, it
        is never the same in two stores, nor after a database restored from a backup changes
        again, so a cache kept outside this process (frame_cache.py) can be keyed on it."""
        query = sa.select(meta.c.value).where(meta.c.key == "data_stamp")
        if conn is not None:
            return conn.execute(query).scalar()
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()

    def _ensure_stamp(self) -> None:
        """Give a store made before stamps existed its first one (a second server starting
        at the same moment may win the race: its stamp is as good)."""
        if self.data_stamp() is None:
            with contextlib.suppress(sa.exc.IntegrityError), self.engine.begin() as conn:
                conn.execute(meta.insert().values(key="data_stamp", value=_new_stamp()))

    def disclosure_secret(self) -> str:
        """The secret that keys the rounding of partners' small counts (metrics.disclosure):
        made at random when the store is first opened (_ensure_secret) and never shown or
        exported, so that nobody can work out how a count was rounded. Kept with the data,
        so every server and every restart rounds each count the same way."""
        query = sa.select(meta.c.value).where(meta.c.key == "disclosure_secret")
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def _ensure_secret(self) -> None:
        """Give a store its disclosure secret (a second server starting at the same moment
        may win the race: its secret is then everyone's)."""
        if self.disclosure_secret() is None:
            with contextlib.suppress(sa.exc.IntegrityError), self.engine.begin() as conn:
                conn.execute(meta.insert().values(key="disclosure_secret",
                                                  value=secrets.token_hex(16)))

    def _version(self, conn=None) -> int:
        query = sa.select(meta.c.value).where(meta.c.key == "data_version")
        if conn is not None:
            return int(conn.execute(query).scalar() or 0)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def uploads(self) -> pd.DataFrame:
        """Every stored file, newest first, with its counts, status and the upload (batch_id)
        it belongs to. batches() is the ledger the officer reads."""
        query = (sa.select(uploads, _batch_id().label("batch_id"))
                 .outerjoin(batch_files, batch_files.c.upload_id == uploads.c.upload_id)
                 .order_by(uploads.c.upload_id.desc()))
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        frame["notes"] = frame["notes"].map(json.loads)
        return frame

    def batches(self) -> pd.DataFrame:
        """The ledger, newest first: one row per upload (the files stored together), with
        its files and their kinds, summed counts and its status (see batch_ledger)."""
        return batch_ledger(self.uploads())

    def upload_events(self) -> pd.DataFrame:
        """Every change of a file's status, oldest first, with the upload it belongs to."""
        query = (sa.select(upload_events, _batch_id(upload_events.c.upload_id).label("batch_id"),
                           uploads.c.file_name)
                 .join(uploads, uploads.c.upload_id == upload_events.c.upload_id)
                 .outerjoin(batch_files, batch_files.c.upload_id == upload_events.c.upload_id)
                 .order_by(upload_events.c.event_id))
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def find_duplicate(self, sha256: str) -> dict | None:
        """The stored (not rolled back or withdrawn) file with this hash, if there is one,
        with the upload (batch_id) it came in."""
        query = (sa.select(uploads, _batch_id().label("batch_id"))
                 .outerjoin(batch_files, batch_files.c.upload_id == uploads.c.upload_id)
                 .where(uploads.c.sha256 == sha256, uploads.c.status == "stored"))
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(uploads.c.upload_id)).mappings().first()
        return dict(row) if row else None

    def observations(self, indicator_ids=None, area_types=None, *, with_sample_flag=False,
                     conn=None, snapshot: int | None = None) -> pd.DataFrame:
        """Current observations (OBSERVATION_COLUMNS, plus upload_id and is_sample when asked),
        or those current when ``snapshot`` was taken."""
        # Every counted version, then the newest per key kept here: SQLite ranked them with
        # a window function over a temporary sort, twice the time of the plain read, and
        # this read is on the path of the first page anyone opens (BENCHMARKS.md: start-up).
        conditions = [_counted(snapshot)]
        if indicator_ids is not None:
            conditions.append(observations.c.indicator_id.in_(list(indicator_ids)))
        if area_types is not None:
            conditions.append(observations.c.area_type.in_(list(area_types)))
        query = (sa.select(*[observations.c[c] for c in OBSERVATION_COLUMNS],
                           observations.c.upload_id, uploads.c.is_sample)
                 .join(uploads, uploads.c.upload_id == observations.c.upload_id)
                 .where(*conditions))
        frame = self._read(query, conn) if conn is not None else self._read_in_chunks(query)
        frame = _newest_per_key(frame, OBSERVATION_KEY)
        if not with_sample_flag:
            frame = frame.drop(columns=["upload_id", "is_sample"])
        for column in ("value", "numerator", "denominator"):
            frame[column] = frame[column].astype("float64")
        if with_sample_flag:
            frame["is_sample"] = frame["is_sample"].astype(bool)
        return frame

    def versions(self, indicator_id: str, area_type: str, area_code: str) -> pd.DataFrame:
        """Every stored version of one indicator and area, with its upload and status."""
        query = (sa.select(observations, uploads.c.file_name, uploads.c.status,
                           uploads.c.uploaded_at)
                 .join(uploads, uploads.c.upload_id == observations.c.upload_id)
                 .where(observations.c.indicator_id == indicator_id,
                        observations.c.area_type == area_type,
                        observations.c.area_code == area_code)
                 .order_by(observations.c.period_start, observations.c.upload_id))
        return self._read(query)

    def incidents(self, months=None, crime_types=None, district_code=None, conn=None,
                  snapshot: int | None = None) -> pd.DataFrame:
        """Current police.uk incident rows (or as at ``snapshot``): for each month, those of
        the newest stored upload that carried that month (police.uk republishes whole
        months)."""
        query = _current_incidents(sa.select(*[incidents.c[c] for c in INCIDENT_COLUMNS]),
                                   snapshot)
        if months is not None:
            query = query.where(incidents.c.month.in_(list(months)))
        if crime_types is not None:
            query = query.where(incidents.c.crime_type.in_(list(crime_types)))
        if district_code is not None:
            query = query.where(incidents.c.district_code == district_code)
        return self._read(query, conn)

    def incident_tally(self, snapshot: int | None = None, conn=None) -> pd.DataFrame:
        """The current incidents (as ``incidents``) counted by month, crime type, district
        and map point: INCIDENT_TALLY_KEYS and incidents, rows with no district or location
        kept (NULL keys). Counted by the database: the map needs only the counts, and
        reading five years of incident rows into a frame to count them took several
        hundred megabytes."""
        keys = [incidents.c[c] for c in INCIDENT_TALLY_KEYS]
        query = _current_incidents(sa.select(*keys, sa.func.count().label("incidents")),
                                   snapshot).group_by(*keys)
        dtype = {"month": "str", "crime_type": "str", "district_code": "str",
                 "longitude": "float64", "latitude": "float64", "incidents": "int64"}
        if conn is not None:
            return pd.read_sql(query, conn, dtype=dtype)
        return self._read_in_chunks(query, dtype=dtype)

    def reference(self, name: str, conn=None, snapshot: int | None = None) -> pd.DataFrame:
        """Current rows (or as at ``snapshot``) of a reference table: areas, population or
        boundaries."""
        table = _current(REFERENCE_TABLES[name], REFERENCE_KEYS[name], snapshot)
        query = sa.select(*[table.c[c] for c in REFERENCE_COLUMNS[name]]).order_by(
            *[table.c[k] for k in REFERENCE_KEYS[name]])  # the same order on every database
        return self._read(query, conn)

    def _read(self, query, conn=None) -> pd.DataFrame:
        if conn is not None:
            return pd.read_sql(query, conn)
        with self.engine.connect() as connection:
            return pd.read_sql(query, connection)

    def _read_in_chunks(self, query, dtype: dict | None = None) -> pd.DataFrame:
        """As _read, READ_CHUNK_ROWS rows at a time (a server-side cursor on PostgreSQL):
        read whole, five years of observations passed through a Python tuple per row and a
        str per cell, several times the finished frame, and the server kept that peak.
        ``dtype`` fixes columns that may be all NULL in a chunk (else object there)."""
        with self.engine.connect() as connection:
            connection.execution_options(stream_results=True)
            chunks = list(pd.read_sql(query, connection, chunksize=READ_CHUNK_ROWS,
                                      dtype=dtype))
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]

    # -- comparing ----------------------------------------------------------------------

    def preview(self, parsed: ParsedFile, conn=None) -> Preview:
        """What storing ``parsed`` would add, revise and leave unchanged."""
        version = self._version(conn)  # read first: a change after it makes the preview stale
        new = parsed.observations
        current = self.stored_values(new, conn)
        merged = new.merge(current, on=OBSERVATION_KEY, how="left", suffixes=("", "_old"))
        has_old = merged["value_old"].notna()
        same = has_old & ((merged["value"] - merged["value_old"]).abs() <= 1e-9)
        revised = merged[has_old & ~same].rename(columns={"value": "new_value",
                                                          "value_old": "old_value"})
        held, changed = 0, 0
        if parsed.incidents is not None and len(parsed.incidents):
            held, changed = self._held_incidents(parsed.incidents, conn)
        return Preview(
            added=merged[~has_old][OBSERVATION_COLUMNS].reset_index(drop=True),
            revised=revised[OBSERVATION_KEY + ["old_value", "new_value"]].reset_index(drop=True),
            unchanged=int(same.sum()),
            incidents_new=0 if parsed.incidents is None else len(parsed.incidents) - held,
            incidents_held=held, incidents_changed=changed,
            duplicate_of=None if conn is not None else self.find_duplicate(parsed.sha256),
            data_version=version,
        )

    def stored_values(self, new: pd.DataFrame, conn=None) -> pd.DataFrame:
        """Current values (OBSERVATION_KEY + value) of the indicators and periods ``new``
        holds. Only those rows are read: reading the indicators' whole history made every
        police.uk month slower to preview than the one before."""
        if not len(new):
            return pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else "object")
                                 for c in OBSERVATION_KEY + ["value"]})
        table = _current(observations, OBSERVATION_KEY, where=[
            observations.c.indicator_id.in_(sorted(new["indicator_id"].unique())),
            observations.c.period_start.in_(sorted(new["period_start"].unique()))])
        frame = self._read(sa.select(*[table.c[c] for c in OBSERVATION_KEY + ["value"]]), conn)
        frame["value"] = frame["value"].astype("float64")
        return frame

    def not_available(self, snapshot: int | None = None) -> pd.DataFrame:
        """The figures marked not available and not given since (now, or when ``snapshot``
        was taken): NOT_AVAILABLE_COLUMNS and the upload_id that marked each."""
        marked = _current(not_available_figures, OBSERVATION_KEY, snapshot)
        frame = self._read(sa.select(*[marked.c[c] for c in ["upload_id",
                                                            *NOT_AVAILABLE_COLUMNS]]))
        if frame.empty:
            return frame
        given = _current(observations, OBSERVATION_KEY, snapshot, where=[
            observations.c.indicator_id.in_(sorted(frame["indicator_id"].unique()))])
        figures = self._read(sa.select(*[given.c[c] for c in [*OBSERVATION_KEY, "upload_id"]]))
        merged = frame.merge(figures, on=OBSERVATION_KEY, how="left", suffixes=("", "_given"))
        later = merged["upload_id_given"] < merged["upload_id"]
        still = merged["upload_id_given"].isna() | later
        return merged[still].drop(columns="upload_id_given").sort_values(
            OBSERVATION_KEY).reset_index(drop=True)

    def highest_values(self, indicator_ids: list[str]) -> pd.DataFrame:
        """The highest current value of each indicator at each area type: indicator_id,
        area_type, highest (for plausibility checks of officers' figures)."""
        table = _current(observations, OBSERVATION_KEY, where=[
            observations.c.indicator_id.in_(sorted(set(indicator_ids)))])
        query = sa.select(table.c.indicator_id, table.c.area_type,
                          sa.func.max(table.c.value).label("highest")) \
            .group_by(table.c.indicator_id, table.c.area_type)
        frame = self._read(query)
        frame["highest"] = frame["highest"].astype("float64")
        return frame

    def _held_incidents(self, frame: pd.DataFrame, conn=None) -> tuple[int, int]:
        """How many of ``frame``'s incidents the store already holds as current, and how many
        of those with another outcome (police.uk republishes months as outcomes come in)."""
        months = sorted(frame["month"].unique())
        active = sa.select(incidents.c.month, sa.func.max(incidents.c.upload_id).label("uid")) \
            .join(uploads, uploads.c.upload_id == incidents.c.upload_id) \
            .where(_counted(None), incidents.c.month.in_(months)) \
            .group_by(incidents.c.month).subquery()
        query = sa.select(incidents.c.incident_key, incidents.c.outcome).join(
            active, sa.and_(active.c.month == incidents.c.month,
                            active.c.uid == incidents.c.upload_id))
        stored = self._read(query, conn)
        # A dict, not Series.isin: isin on Arrow strings walks them in Python (25 ms a month)
        outcomes = dict(zip(stored["incident_key"].tolist(), stored["outcome"].tolist()))
        held = changed = 0
        for key, outcome in zip(frame["incident_key"].tolist(), frame["outcome"].tolist()):
            if key in outcomes:
                held += 1
                changed += not _same_text(outcomes[key], outcome)
        return held, changed

    # -- writing ------------------------------------------------------------------------

    def commit(self, parsed_files: list[ParsedFile], user: str, *, is_sample: bool = False,
               previews: list[Preview | None] | None = None,
               before_commit: Callable | None = None) -> list[int]:
        """Store a batch of clean files in one transaction, as one upload; returns their
        file ids, the first of which names the upload.

        ``previews`` (one per file, or None) are the comparisons the officer saw; each is
        reused when nothing was stored since it was made and no earlier file of the batch
        touches its indicators, periods or months, so a batch is not compared twice.
        Files whose bytes match a stored upload add nothing and get no id. Raises ValueError
        when a file still has errors or unanswered questions, StoreBusy when the database is
        locked, StoreFull when its disk is full. ``before_commit(conn)`` is called with the
        transaction's connection once everything is written, when anything was.
        """
        for parsed in parsed_files:
            if not parsed.ok:
                raise ValueError(f"{parsed.file_name} has errors; nothing was stored")
        previews = list(previews) if previews is not None else [None] * len(parsed_files)
        ids = []
        with self._writing() as conn:
            batch, seen = [], set()
            for parsed, preview in zip(parsed_files, previews):
                if parsed.sha256 in seen or self._duplicate_in(conn, parsed.sha256):
                    continue
                seen.add(parsed.sha256)
                batch.append((parsed, preview))
            if not batch:
                return ids
            # The version first: its update holds the write lock, so nothing else is stored
            # between the check below and this batch's rows.
            version, touched = self._bump_version(conn), set()
            now = _now()  # one time for the whole upload: its files are one step
            for parsed, preview in batch:
                keys = _touches(parsed)
                if preview is None or preview.data_version != version or keys & touched:
                    preview = self.preview(parsed, conn=conn)
                touched |= keys
                ids.append(self._store_one(conn, parsed, preview, user, is_sample, now))
            conn.execute(batch_files.insert(), [{"upload_id": i, "batch_id": ids[0]}
                                                for i in ids])
            if before_commit is not None:
                before_commit(conn)
        return ids

    @contextlib.contextmanager
    def _writing(self):
        """One write transaction: all of it or none. A locked or full database raises
        StoreBusy or StoreFull (nothing written, nothing earlier touched), not a traceback."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as exc:
            plain = _plain_write_error(exc)
            if plain is None:
                raise
            raise plain from exc

    def _duplicate_in(self, conn, sha256: str) -> bool:
        query = sa.select(uploads.c.upload_id).where(uploads.c.sha256 == sha256,
                                                     uploads.c.status == "stored")
        return conn.execute(query).first() is not None

    def _store_one(self, conn, parsed: ParsedFile, preview: Preview, user: str,
                   is_sample: bool, now: str) -> int:
        upload_id = conn.execute(uploads.insert().values(
            file_name=parsed.file_name, sha256=parsed.sha256, user_name=user, uploaded_at=now,
            kind=parsed.kind, rows_added=len(preview.added), rows_revised=len(preview.revised),
            rows_unchanged=preview.unchanged, incidents_new=preview.incidents_new,
            status="stored", is_sample=is_sample, notes=json.dumps(parsed.notes),
        )).inserted_primary_key[0]
        conn.execute(upload_events.insert().values(upload_id=upload_id, action="stored",
                                                   user_name=user, at=now))
        # In the key index's order, each row lands beside the one before it in the index
        # instead of on a random page: a 200,000-row table goes in about three times faster.
        in_order = parsed.observations.sort_values(INDEX_ORDER, kind="stable")
        _insert(conn, observations, in_order, OBSERVATION_COLUMNS, upload_id)
        if parsed.incidents is not None:
            _insert(conn, incidents, parsed.incidents, INCIDENT_COLUMNS, upload_id)
        for name, frame in parsed.reference.items():
            _insert(conn, REFERENCE_TABLES[name], frame, REFERENCE_COLUMNS[name], upload_id)
        _insert(conn, not_available_figures, parsed.not_available, NOT_AVAILABLE_COLUMNS,
                upload_id)
        return upload_id

    def rollback(self, batch_id: int, user: str) -> None:
        """Undo one upload, every file of it in one step: what was current before it is
        current again. Nothing is deleted. Raises KeyError when it is not stored."""
        self._set_status(self._batch_files(batch_id), "stored", "rolled back", user,
                         f"upload {batch_id} is not stored")

    def restore(self, batch_id: int, user: str) -> None:
        """Undo a rollback of the upload: its files count again (not one withdrawn on its
        own). Raises KeyError when it is not rolled back."""
        self._set_status(self._batch_files(batch_id), "rolled back", "stored", user,
                         f"upload {batch_id} is not rolled back", action="restored")

    def withdraw(self, upload_id: int, user: str) -> None:
        """Take one stored file out of its upload: its values stop counting, the other
        files' do not. Raises KeyError when it is not a stored file."""
        self._set_status([int(upload_id)], "stored", "withdrawn", user,
                         f"file {upload_id} is not stored")

    def put_back(self, upload_id: int, user: str) -> None:
        """Undo a withdrawal: the file counts again. Raises KeyError when it was not
        withdrawn, or when its upload is rolled back (restore the upload first)."""
        files = self.uploads()
        row = files[files["upload_id"] == int(upload_id)]
        if row.empty or row["status"].iloc[0] != "withdrawn":
            raise KeyError(f"file {upload_id} was not withdrawn")
        batch = int(row["batch_id"].iloc[0])
        if batch_ledger(files[files["batch_id"] == batch])["status"].iloc[0] == "rolled back":
            raise KeyError(f"upload {batch} is rolled back: restore it first")
        self._set_status([int(upload_id)], "withdrawn", "stored", user,
                         f"file {upload_id} was not withdrawn", action="put back")

    def _batch_files(self, batch_id: int) -> list[int]:
        """The file ids of upload ``batch_id``; KeyError when no upload has that number
        (a file of another upload included)."""
        query = sa.select(uploads.c.upload_id).outerjoin(
            batch_files, batch_files.c.upload_id == uploads.c.upload_id).where(
            _batch_id() == int(batch_id))
        with self.engine.connect() as conn:
            ids = [int(i) for i in conn.execute(query).scalars()]
        if not ids:
            raise KeyError(f"there is no upload {batch_id}")
        return ids

    def _set_status(self, upload_ids: list[int], before: str, after: str, user: str,
                    refusal: str, action: str | None = None) -> None:
        """Move the files among ``upload_ids`` that are ``before`` to ``after`` in one
        transaction, an event for each; KeyError(refusal) when none is ``before``."""
        with self._writing() as conn:
            moving = list(conn.execute(sa.select(uploads.c.upload_id).where(
                uploads.c.upload_id.in_(upload_ids), uploads.c.status == before)).scalars())
            if not moving:
                raise KeyError(refusal)
            conn.execute(uploads.update().where(uploads.c.upload_id.in_(moving))
                         .values(status=after))
            now = _now()
            conn.execute(upload_events.insert(), [
                {"upload_id": i, "action": action or after, "user_name": user, "at": now}
                for i in moving])
            self._bump_version(conn)

    def _bump_version(self, conn) -> int:
        """Add one to the data version and return the version before. The update comes
        first so the row (PostgreSQL) or the database (SQLite) is locked before it is read."""
        bumped = conn.execute(meta.update().where(meta.c.key == "data_version").values(
            value=sa.cast(sa.cast(meta.c.value, sa.Integer) + 1, sa.Text))).rowcount
        if not bumped:
            conn.execute(meta.insert().values(key="data_version", value="1"))
        conn.execute(meta.update().where(meta.c.key == "data_stamp")
                     .values(value=_new_stamp()))
        return self._version(conn) - 1

    def record_definition_change(self, indicator_id: str, period_start: str, note: str,
                                 user: str) -> int:
        """Record that an indicator's definition changed from ``period_start`` (ISO date)."""
        with self._writing() as conn:
            next_id = (conn.execute(sa.select(sa.func.max(definition_changes.c.change_id)))
                       .scalar() or 0) + 1
            conn.execute(definition_changes.insert().values(
                change_id=next_id, indicator_id=indicator_id, period_start=period_start,
                note=note, user_name=user, at=_now(), action="recorded"))
            self._bump_version(conn)
        return next_id

    def withdraw_definition_change(self, change_id: int, user: str) -> None:
        """Withdraw a recorded change (its history is kept)."""
        active = self.definition_changes()
        row = active[active["change_id"] == int(change_id)]
        if row.empty:
            raise KeyError(f"definition change {change_id} is not active")
        first = row.iloc[0]
        with self._writing() as conn:
            conn.execute(definition_changes.insert().values(
                change_id=int(change_id), indicator_id=first["indicator_id"],
                period_start=first["period_start"], note=first["note"], user_name=user,
                at=_now(), action="withdrawn"))
            self._bump_version(conn)

    def definition_changes(self, snapshot: int | None = None) -> pd.DataFrame:
        """Definition changes in force (now, or when ``snapshot`` was taken): change_id,
        indicator_id, period_start, note, user_name, at."""
        query = sa.select(definition_changes).order_by(definition_changes.c.event_id)
        if snapshot is not None:
            query = query.where(definition_changes.c.event_id <= self._snapshot(snapshot)[
                "change_event_max"])
        events = self._read(query)
        latest = events.groupby("change_id").tail(1)
        active = latest[latest["action"] == "recorded"]
        return active.drop(columns=["event_id", "action"]).sort_values(
            ["indicator_id", "period_start"]).reset_index(drop=True)

    def log_refusals(self, parsed_files: list[ParsedFile], user: str) -> None:
        """Record each refused file (its errors and unanswered questions) in the refusals
        log; the data version does not change, since nothing was stored."""
        rows = [{"file_name": p.file_name, "sha256": p.sha256, "user_name": user or "not given",
                 "at": _now(), "reasons": json.dumps([str(x) for x in p.problems
                                                      if x.severity in ("error", "question")])}
                for p in parsed_files if not p.ok]
        if rows:
            with self._writing() as conn:
                conn.execute(refusals.insert(), rows)

    def refusals(self) -> pd.DataFrame:
        """The refusals log, newest first, with reasons as lists."""
        frame = self._read(sa.select(refusals).order_by(refusals.c.refusal_id.desc()))
        frame["reasons"] = frame["reasons"].map(json.loads)
        return frame

    # -- the action log ----------------------------------------------------------------

    def save_action(self, fields: dict, user: str, number: int | None = None) -> int:
        """Add an action (number None: the next number) or a new version of one; returns its
        number. ``fields``: raised_on, action, officer, comments, status, themes,
        indicators. Raises ValueError for an unknown status or a missing action text."""
        if fields["status"] not in ACTION_STATUSES:
            raise ValueError(f"status must be one of {', '.join(ACTION_STATUSES)}")
        if not str(fields["action"]).strip():
            raise ValueError("the action needs its text")
        with self._writing() as conn:
            if number is None:
                number = (conn.execute(sa.select(sa.func.max(action_versions.c.number)))
                          .scalar() or 0) + 1
            conn.execute(action_versions.insert().values(
                number=int(number), raised_on=fields["raised_on"], action=fields["action"],
                officer=fields["officer"], comments=fields.get("comments", ""),
                status=fields["status"], themes=json.dumps(list(fields.get("themes", []))),
                indicators=json.dumps(list(fields.get("indicators", []))), user_name=user,
                at=_now()))
            self._bump_version(conn)
        return int(number)

    def actions(self, snapshot: int | None = None) -> pd.DataFrame:
        """The action log (now, or as it stood when ``snapshot`` was taken): the newest
        version of each action, by number, with themes and indicators as lists."""
        query = sa.select(action_versions).order_by(action_versions.c.version_id)
        if snapshot is not None:
            query = query.where(action_versions.c.version_id <= self._snapshot(snapshot)[
                "action_version_max"])
        frame = self._read(query)
        frame = frame.groupby("number").tail(1).sort_values("number").reset_index(drop=True)
        for column in ("themes", "indicators"):
            frame[column] = frame[column].map(json.loads)
        return frame

    def action_history(self, number: int) -> pd.DataFrame:
        """Every version of one action, oldest first."""
        return self._read(sa.select(action_versions).where(action_versions.c.number == number)
                          .order_by(action_versions.c.version_id))

    # -- board snapshots ----------------------------------------------------------------

    def create_snapshot(self, name: str, user: str) -> int:
        """Freeze the data as it is now under ``name``; returns the snapshot's id."""
        if not name.strip():
            raise ValueError("a snapshot needs a name, e.g. 'Board 15 December 2023'")
        with self._writing() as conn:
            snapshot_id = conn.execute(snapshots.insert().values(
                name=name.strip(), user_name=user, at=_now(),
                change_event_max=conn.execute(sa.select(sa.func.coalesce(
                    sa.func.max(definition_changes.c.event_id), 0))).scalar(),
                action_version_max=conn.execute(sa.select(sa.func.coalesce(
                    sa.func.max(action_versions.c.version_id), 0))).scalar(),
            )).inserted_primary_key[0]
            stored = conn.execute(sa.select(uploads.c.upload_id).where(
                uploads.c.status == "stored")).scalars().all()
            if stored:
                conn.execute(snapshot_uploads.insert(), [
                    {"snapshot_id": snapshot_id, "upload_id": u} for u in stored])
        return int(snapshot_id)

    def snapshots(self) -> pd.DataFrame:
        """Every snapshot, newest first: snapshot_id, name, user_name, at."""
        return self._read(sa.select(snapshots.c.snapshot_id, snapshots.c.name,
                                    snapshots.c.user_name, snapshots.c.at)
                          .order_by(snapshots.c.snapshot_id.desc()))

    def _snapshot(self, snapshot: int) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(snapshots).where(
                snapshots.c.snapshot_id == int(snapshot))).mappings().first()
        if row is None:
            raise KeyError(f"snapshot {snapshot} does not exist")
        return dict(row)

    # -- what admins change in the app --------------------------------------------------

    def record_admin_change(self, kind: str, name: str, value: str, user: str) -> None:
        """Grant a role (kind 'role', name an e-mail address) or set a setting (kind
        'setting'); an empty ``value`` withdraws it. The data version does not change."""
        if kind not in ("role", "setting", "alias") or not name.strip():
            raise ValueError("an admin change needs kind 'role', 'setting' or 'alias' and a "
                             "name")
        with self._writing() as conn:
            conn.execute(admin_changes.insert().values(kind=kind, name=name.strip(),
                                                       value=value, user_name=user, at=_now()))

    def admin_values(self, kind: str) -> pd.DataFrame:
        """What is in force of one kind: name, value, user_name, at (one row per name)."""
        frame = self._read(sa.select(admin_changes).where(admin_changes.c.kind == kind)
                           .order_by(admin_changes.c.change_id))
        current = frame.groupby("name").tail(1)
        return current[current["value"] != ""][["name", "value", "user_name", "at"]] \
            .sort_values("name").reset_index(drop=True)

    def admin_value(self, kind: str, name: str) -> dict | None:
        """The one change in force for ``name`` (value, user_name, at), or None. One row
        read: the threshold is read on every page run, and reading every change to pick the
        last took longer than the rest of the page's frame."""
        query = (sa.select(admin_changes.c.value, admin_changes.c.user_name, admin_changes.c.at)
                 .where(admin_changes.c.kind == kind, admin_changes.c.name == name)
                 .order_by(admin_changes.c.change_id.desc()).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row and row["value"] != "" else None

    # -- the board's aliases for officers' own names --------------------------------------

    def aliases(self) -> dict[str, str]:
        """The aliases in force: names.name_key ("measure:hate crime offences") to what it
        is read as. An alias is used only when a file is read: it changes nothing stored."""
        current = self.admin_values("alias")
        return dict(zip(current["name"], current["value"]))

    def save_aliases(self, answers: dict[str, str], user: str) -> None:
        """Keep each answer (names.name_key to a catalogue id, area code or "leave out") as
        an alias, with who gave it and when, unless it is already in force."""
        held = self.aliases()
        new = {k: v for k, v in answers.items() if held.get(k) != v}
        if new:
            with self._writing() as conn:
                conn.execute(admin_changes.insert(), [
                    {"kind": "alias", "name": k, "value": v, "user_name": user, "at": _now()}
                    for k, v in new.items()])

    def withdraw_alias(self, key: str, user: str) -> None:
        """Withdraw an alias (its history is kept): the name is asked about again."""
        if key not in self.aliases():
            raise KeyError(f"no alias for {key!r} is in force")
        self.record_admin_change("alias", key, "", user)

    def small_number_threshold(self) -> tuple[int, str]:
        """(threshold, where it comes from): an admin's setting in the app, else the
        DASHBOARD_SMALL_NUMBER_THRESHOLD environment variable, else 5. Read afresh."""
        row = self.admin_value("setting", THRESHOLD_SETTING)
        if row is not None:
            return int(row["value"]), f"set in the app by {row['user_name']}, {row['at'][:10]}"
        if os.environ.get(THRESHOLD_VARIABLE):
            return int(os.environ[THRESHOLD_VARIABLE]), f"the {THRESHOLD_VARIABLE} variable"
        return DEFAULT_THRESHOLD, "the default"

    def admin_history(self) -> pd.DataFrame:
        """Every admin change, newest first."""
        return self._read(sa.select(admin_changes).order_by(admin_changes.c.change_id.desc()))

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(uploads)).scalar() == 0


THRESHOLD_SETTING = "small_number_threshold"
THRESHOLD_VARIABLE = "DASHBOARD_SMALL_NUMBER_THRESHOLD"
DEFAULT_THRESHOLD = 5  # partners' counts under it are protected (metrics.disclosure)


def _batch_id(file_id=uploads.c.upload_id):
    """A file's upload: its batch_files row, or (stored before batches) itself."""
    return sa.func.coalesce(batch_files.c.batch_id, file_id)


def batch_ledger(files: pd.DataFrame) -> pd.DataFrame:
    """Store.uploads' rows (one per file) as the ledger: one row per upload, newest first,
    with its files (oldest first) and kinds, summed counts, when and by whom, ``withdrawn``
    (how many of its files were withdrawn on their own) and ``status``: 'stored' while any
    file counts, 'withdrawn' when every file was withdrawn, else 'rolled back'. A batch is
    sample data when any of its files is."""
    columns = ["batch_id", "uploaded_at", "user_name", "files", "file_ids", "kinds",
               "rows_added", "rows_revised", "rows_unchanged", "incidents_new", "withdrawn",
               "status", "is_sample"]
    if files.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for batch_id, group in files.sort_values("upload_id").groupby("batch_id", sort=False):
        statuses = set(group["status"])
        status = ("stored" if "stored" in statuses else
                  "withdrawn" if statuses == {"withdrawn"} else "rolled back")
        rows.append({
            "batch_id": int(batch_id), "uploaded_at": group["uploaded_at"].iloc[0],
            "user_name": group["user_name"].iloc[0], "files": list(group["file_name"]),
            "file_ids": [int(i) for i in group["upload_id"]],
            "kinds": list(dict.fromkeys(group["kind"])),
            **{c: int(group[c].sum()) for c in ("rows_added", "rows_revised",
                                                 "rows_unchanged", "incidents_new")},
            "withdrawn": int((group["status"] == "withdrawn").sum()), "status": status,
            "is_sample": bool(group["is_sample"].any())})
    return (pd.DataFrame(rows, columns=columns).sort_values("batch_id", ascending=False)
            .reset_index(drop=True))


def _counted(snapshot: int | None):
    """The uploads that count: those stored now, or those stored when ``snapshot`` was taken
    (whatever was uploaded or rolled back since)."""
    if snapshot is None:
        return uploads.c.status == "stored"
    return uploads.c.upload_id.in_(sa.select(snapshot_uploads.c.upload_id).where(
        snapshot_uploads.c.snapshot_id == int(snapshot)))


def _current_incidents(query, snapshot: int | None = None):
    """``query`` (over incidents) narrowed to the current incident rows: for each month,
    those of the newest upload that counts (see _counted) carrying that month."""
    active = sa.select(incidents.c.month, sa.func.max(incidents.c.upload_id).label("uid")) \
        .join(uploads, uploads.c.upload_id == incidents.c.upload_id) \
        .where(_counted(snapshot)).group_by(incidents.c.month).subquery()
    return query.join(active, sa.and_(active.c.month == incidents.c.month,
                                      active.c.uid == incidents.c.upload_id))


def _same_text(a, b) -> bool:
    """Equal, with a missing value (None, NaN or "") equal only to another."""
    missing_a, missing_b = not (isinstance(a, str) and a), not (isinstance(b, str) and b)
    return (missing_a and missing_b) or a == b


def _new_stamp() -> str:
    return uuid.uuid4().hex


def _newest_per_key(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """For each key, the row of the newest upload (the highest upload_id), in key order
    within upload order; a new index 0..n-1."""
    newest = frame.sort_values("upload_id", kind="stable").drop_duplicates(key, keep="last")
    return newest.reset_index(drop=True)


def _current(table: sa.Table, key: list[str], snapshot: int | None = None, where=()):
    """A subquery of ``table`` keeping, for each key, the row of the newest upload that
    counts (see _counted). ``where`` narrows ``table`` first, on key columns only (so whole
    keys are kept or dropped), and the database ranks only those rows."""
    rank = sa.func.row_number().over(partition_by=[table.c[k] for k in key],
                                     order_by=table.c.upload_id.desc()).label("rank")
    ranked = (sa.select(table, uploads.c.is_sample, rank)
              .join(uploads, uploads.c.upload_id == table.c.upload_id)
              .where(_counted(snapshot), *where).subquery())
    return sa.select(ranked).where(ranked.c.rank == 1).subquery()


def _insert(conn, table: sa.Table, frame: pd.DataFrame, columns: list[str], upload_id: int):
    """Append ``frame``'s rows under ``upload_id`` through the driver of the transaction's
    own connection: COPY on PostgreSQL, executemany of plain tuples on SQLite. SQLAlchemy's
    executemany of dicts spent longer building parameters than the database spent writing.
    A driver error is raised as SQLAlchemy's, so _writing reads a full disk the same way."""
    if frame is None or not len(frame):
        return
    names = ["upload_id", *columns]
    rows = list(zip([upload_id] * len(frame), *[_plain(frame[c], table.c[c]) for c in columns]))
    quote = conn.dialect.identifier_preparer.quote
    into = f"{quote(table.name)} ({', '.join(quote(n) for n in names)})"
    cursor = conn.connection.cursor()
    try:
        if conn.dialect.name == "postgresql":
            statement = f"COPY {into} FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            statement = f"INSERT INTO {into} VALUES ({', '.join('?' * len(names))})"
            cursor.executemany(statement, rows)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(statement, None, exc,
                                         conn.dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


def _plain(values: pd.Series, column: sa.Column) -> list:
    """A column's values as Python objects the drivers take: None for missing, int for an
    integer column (COPY's text format refuses '2011.0' where PostgreSQL wants 2011)."""
    missing = values.isna()
    if missing.all():  # a police file's numerators and denominators: no need to look
        return [None] * len(values)
    plain = values.astype(object).where(~missing, None).tolist() if missing.any() \
        else values.tolist()
    if isinstance(column.type, sa.Integer):
        return [None if v is None else int(v) for v in plain]
    return plain


def _touches(parsed: ParsedFile) -> set[tuple[str, str]]:
    """What a file's preview compared with the store: its (indicator, period) pairs and its
    incident months. A file stored earlier in the batch with any of them makes it stale."""
    pairs = parsed.observations[["indicator_id", "period_start"]].drop_duplicates()
    keys = set(zip(pairs["indicator_id"], pairs["period_start"]))
    if parsed.incidents is not None:
        keys |= {("incidents", month) for month in parsed.incidents["month"].unique()}
    return keys


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers go on while an upload writes; FULL sync so a kill never loses a commit.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
