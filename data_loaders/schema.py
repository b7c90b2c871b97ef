"""The store's tables: the upload ledger (a row per stored file, and the upload each belongs
to), the append-only data tables every row of which carries its file, and the board's own
records (definition changes, the action log, snapshots, refusals, settings and aliases).
Created by Store on first use (metadata.create_all), so a new table needs no migration.
"""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

meta = sa.Table("meta", metadata,
                sa.Column("key", sa.String(64), primary_key=True),
                sa.Column("value", sa.Text, nullable=False))

uploads = sa.Table(
    "uploads", metadata,
    sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("uploaded_at", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("rows_added", sa.Integer, nullable=False),
    sa.Column("rows_revised", sa.Integer, nullable=False),
    sa.Column("rows_unchanged", sa.Integer, nullable=False),
    sa.Column("incidents_new", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # stored | rolled back | withdrawn
    sa.Column("is_sample", sa.Boolean, nullable=False),  # generated sample figures
    sa.Column("notes", sa.Text, nullable=False),  # JSON list of plain sentences
)

# Which upload (batch) each file belongs to, named by the batch's first file. A table of its
# own, not a column of uploads, so a database made before batches opens unchanged: a file
# with no row here is an upload of its own.
batch_files = sa.Table(
    "batch_files", metadata,
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.upload_id"), primary_key=True),
    sa.Column("batch_id", sa.Integer, nullable=False, index=True),
)

# Every change of an upload's status, so the ledger never loses its history.
upload_events = sa.Table(
    "upload_events", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.upload_id"), nullable=False),
    # stored | rolled back | restored | withdrawn | put back
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
)


def _upload_fk():
    return sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.upload_id"), nullable=False)


def _key_columns() -> list[sa.Column]:
    """An observation's key (model.OBSERVATION_KEY) as columns, new for each table."""
    return [sa.Column("indicator_id", sa.String(64), nullable=False),
            sa.Column("area_type", sa.String(16), nullable=False),
            sa.Column("area_code", sa.String(16), nullable=False),
            sa.Column("period_start", sa.String(10), nullable=False),
            sa.Column("granularity", sa.String(8), nullable=False)]


observations = sa.Table(
    "observations", metadata,
    sa.Column("obs_id", sa.Integer, primary_key=True, autoincrement=True),
    _upload_fk(),
    *_key_columns(),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("numerator", sa.Float),
    sa.Column("denominator", sa.Float),
    sa.Index("ix_observations_key", "indicator_id", "area_type", "area_code", "granularity",
             "period_start"),
)

INDEX_ORDER = [c.name for c in next(iter(observations.indexes)).columns]

# Figures an officer's file marked not available ("*", "<5"...), with the marker: what the
# officer said instead of a figure. Current as an observation is: by upload, rolled back
# with it; a later upload giving the figure supersedes it.
not_available_figures = sa.Table(
    "not_available_figures", metadata,
    _upload_fk(),
    *_key_columns(),
    sa.Column("marker", sa.Text, nullable=False),
)

incidents = sa.Table(
    "incidents", metadata,
    _upload_fk(),
    sa.Column("incident_key", sa.String(80), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("crime_type", sa.String(40), nullable=False),
    sa.Column("lsoa_code", sa.String(9)),
    sa.Column("beat_code", sa.String(8)),
    sa.Column("district_code", sa.String(9)),
    sa.Column("longitude", sa.Float),
    sa.Column("latitude", sa.Float),
    sa.Column("location", sa.Text),
    sa.Column("outcome", sa.Text),
    sa.PrimaryKeyConstraint("upload_id", "incident_key"),
    sa.Index("ix_incidents_month", "month", "upload_id"),
)

areas = sa.Table(
    "areas", metadata, _upload_fk(),
    sa.Column("area_type", sa.String(16), nullable=False),
    sa.Column("area_code", sa.String(16), nullable=False),
    sa.Column("area_name", sa.Text, nullable=False),
    sa.Column("beat_code", sa.String(8)),
    sa.Column("district_code", sa.String(9)),
    sa.Column("lsoa_year", sa.Integer),
    sa.Index("ix_areas_key", "area_type", "area_code"),
)

population = sa.Table(
    "population", metadata, _upload_fk(),
    sa.Column("area_type", sa.String(16), nullable=False),
    sa.Column("area_code", sa.String(16), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("population", sa.Float, nullable=False),
    sa.Index("ix_population_key", "area_type", "area_code", "year"),
)

boundaries = sa.Table(
    "boundaries", metadata, _upload_fk(),
    sa.Column("area_type", sa.String(16), nullable=False),
    sa.Column("area_code", sa.String(16), nullable=False),
    sa.Column("area_name", sa.Text, nullable=False),
    sa.Column("geojson", sa.Text, nullable=False),
    sa.Index("ix_boundaries_key", "area_type", "area_code"),
)

# Definition changes officers record: SPC limits restart from the period, and a change across
# it is withheld. Append-only events (recorded, withdrawn), so a snapshot can say which were
# in force when it was taken.
definition_changes = sa.Table(
    "definition_changes", metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("change_id", sa.Integer, nullable=False),
    sa.Column("indicator_id", sa.String(64), nullable=False),
    sa.Column("period_start", sa.String(10), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # recorded | withdrawn
)

# The board's action log: every edit is a new version of the action; the newest is current.
action_versions = sa.Table(
    "action_versions", metadata,
    sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("number", sa.Integer, nullable=False, index=True),
    sa.Column("raised_on", sa.String(10), nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("officer", sa.Text, nullable=False),
    sa.Column("comments", sa.Text, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),  # Red | Amber | Green | Done
    sa.Column("themes", sa.Text, nullable=False),  # JSON list of theme ids
    sa.Column("indicators", sa.Text, nullable=False),  # JSON list of indicator ids
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
)

# A board snapshot freezes what was presented: the uploads stored at that moment, and how far
# the definition changes and action log had got. Nothing is copied: rows are never deleted.
snapshots = sa.Table(
    "snapshots", metadata,
    sa.Column("snapshot_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("change_event_max", sa.Integer, nullable=False),
    sa.Column("action_version_max", sa.Integer, nullable=False),
)
snapshot_uploads = sa.Table(
    "snapshot_uploads", metadata,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.snapshot_id"),
              nullable=False),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.upload_id"), nullable=False),
    sa.PrimaryKeyConstraint("snapshot_id", "upload_id"),
)
ACTION_STATUSES = ("Red", "Amber", "Green", "Done")

# Every refused file: who tried, when, which bytes, and why. Nothing of it is stored otherwise.
refusals = sa.Table(
    "refusals", metadata,
    sa.Column("refusal_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),  # JSON list of plain sentences
)

# What is changed in the app outside the data: roles granted to e-mail addresses (kind 'role')
# and settings (kind 'setting'), by admins; the board's aliases for officers' own names (kind
# 'alias': names.name_key to a catalogue id, an area code or "leave out"), by officers.
# Append-only; the newest row per kind and name is current, and an empty value withdraws it,
# so who changed what and when is never lost.
admin_changes = sa.Table(
    "admin_changes", metadata,
    sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # role | setting | alias
    sa.Column("name", sa.Text, nullable=False),  # an e-mail address or a setting's name
    sa.Column("value", sa.Text, nullable=False),  # the role or the setting; "" withdraws
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
)

REFERENCE_TABLES = {"areas": areas, "population": population, "boundaries": boundaries}
REFERENCE_KEYS = {"areas": ["area_type", "area_code"],
                  "population": ["area_type", "area_code", "year"],
                  "boundaries": ["area_type", "area_code"]}
