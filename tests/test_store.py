"""The versioned store: ledger, versions, rollback and restore, duplicates, one transaction."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from data_loaders import frame_cache
from data_loaders.model import OBSERVATION_COLUMNS, ParsedFile
from data_loaders.schema import metadata
from data_loaders.store import Store


def observations(values: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Rows for indicator 'hate_crimes' keyed by (district code, period start)."""
    return pd.DataFrame([
        {"indicator_id": "hate_crimes", "area_type": "district", "area_code": code,
         "period_start": period, "granularity": "quarter", "value": value,
         "numerator": None, "denominator": None}
        for (code, period), value in values.items()], columns=OBSERVATION_COLUMNS)


def parsed(name: str, values: dict, digest: str | None = None) -> ParsedFile:
    return ParsedFile(name, digest or name.ljust(64, "0"), "officer_long", observations(values))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path) -> Store:
    """Every store test runs on the embedded SQLite file and on PostgreSQL: one code path."""
    if request.param == "sqlite":
        yield Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
        return
    store = Store(request.getfixturevalue("postgres_url"))
    yield store
    with store.engine.begin() as conn:  # the next test starts from an empty database
        metadata.drop_all(conn)
    store.engine.dispose()


def current(store: Store) -> dict:
    frame = store.observations()
    return {(r.area_code, r.period_start): r.value for r in frame.itertuples()}


BLABY_Q1 = ("E07000129", "2023-04-01")
BLABY_Q2 = ("E07000129", "2023-07-01")


def test_upload_is_recorded_in_the_ledger(store):
    [upload_id] = store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0, BLABY_Q2: 2.0})], "officer1")
    ledger = store.uploads()
    row = ledger.iloc[0]
    assert (row.upload_id, row.file_name, row.user_name, row.kind, row.status) == (
        upload_id, "a.xlsx", "officer1", "officer_long", "stored")
    assert (row.rows_added, row.rows_revised, row.rows_unchanged) == (2, 0, 0)
    assert current(store) == {BLABY_Q1: 1.0, BLABY_Q2: 2.0}


def test_correction_makes_a_new_version_and_keeps_the_old(store):
    store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0, BLABY_Q2: 2.0})], "officer1")
    correction = parsed("b.xlsx", {BLABY_Q1: 1.5, BLABY_Q2: 2.0})
    preview = store.preview(correction)
    assert preview.revised[["old_value", "new_value"]].values.tolist() == [[1.0, 1.5]]
    assert (len(preview.added), preview.unchanged) == (0, 1)
    store.commit([correction], "officer2")
    assert current(store) == {BLABY_Q1: 1.5, BLABY_Q2: 2.0}
    versions = store.versions("hate_crimes", "district", "E07000129")
    assert versions[versions.period_start == "2023-04-01"]["value"].tolist() == [1.0, 1.5]
    assert store.uploads().iloc[0][["rows_added", "rows_revised", "rows_unchanged"]].tolist() \
        == [0, 1, 1]


def test_rollback_restores_exactly_what_was_there_and_restore_undoes_it(store):
    store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0})], "o")
    before = current(store)
    [second] = store.commit([parsed("b.xlsx", {BLABY_Q1: 9.0, BLABY_Q2: 4.0})], "o")
    version_after_upload = store.data_version()
    store.rollback(second, "o")
    assert current(store) == before
    assert store.data_version() > version_after_upload
    store.restore(second, "o")
    assert current(store) == {BLABY_Q1: 9.0, BLABY_Q2: 4.0}
    assert store.upload_events()["action"].tolist() == ["stored", "stored", "rolled back",
                                                       "restored"]


BLABY_Q3 = ("E07000129", "2023-10-01")


def test_a_batch_is_one_upload_rolled_back_and_restored_in_one_step(store):
    store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0})], "o")
    before = current(store)
    ids = store.commit([parsed("b.xlsx", {BLABY_Q1: 9.0}), parsed("c.xlsx", {BLABY_Q2: 4.0}),
                        parsed("d.xlsx", {BLABY_Q3: 5.0})], "p")
    [batch] = store.batches().head(1).itertuples()
    assert (batch.batch_id, batch.files, batch.file_ids, batch.status, batch.rows_added,
            batch.rows_revised, batch.user_name) == (
        ids[0], ["b.xlsx", "c.xlsx", "d.xlsx"], ids, "stored", 2, 1, "p")
    assert len(store.batches()) == 2
    store.rollback(ids[0], "o")
    assert current(store) == before
    assert set(store.uploads().set_index("upload_id").loc[ids, "status"]) == {"rolled back"}
    store.restore(ids[0], "o")
    assert current(store) == {BLABY_Q1: 9.0, BLABY_Q2: 4.0, BLABY_Q3: 5.0}
    events = store.upload_events()
    assert events.groupby("action")["batch_id"].apply(list).to_dict() == {
        "stored": [1, *[ids[0]] * 3], "rolled back": [ids[0]] * 3, "restored": [ids[0]] * 3}
    with pytest.raises(KeyError, match=f"there is no upload {ids[1]}"):
        store.rollback(ids[1], "o")  # a file is not an upload of its own


def test_an_upload_is_one_step_in_the_history_however_long_it_takes(store, monkeypatch):
    """Twelve months take seconds to store: the files still share one time, so the ledger's
    history shows the upload as one line."""
    from itertools import count

    from components.data_view import history_table
    from data_loaders import store as store_module

    seconds = count()
    monkeypatch.setattr(store_module, "_now", lambda: f"2026-12-06T09:00:{next(seconds):02d}")
    ids = store.commit([parsed("b.xlsx", {BLABY_Q1: 9.0}), parsed("c.xlsx", {BLABY_Q2: 4.0}),
                        parsed("d.xlsx", {BLABY_Q3: 5.0})], "o")
    store.rollback(ids[0], "o")
    assert history_table(store.upload_events())[["Upload", "What", "Files"]].values.tolist() \
        == [[ids[0], "rolled back", "3 files: b.xlsx, c.xlsx, d.xlsx"],
            [ids[0], "stored", "3 files: b.xlsx, c.xlsx, d.xlsx"]]
    assert store.uploads()["uploaded_at"].nunique() == 1


def test_one_file_is_withdrawn_from_its_upload_and_put_back(store):
    ids = store.commit([parsed("b.xlsx", {BLABY_Q1: 9.0}), parsed("c.xlsx", {BLABY_Q2: 4.0})],
                       "o")
    store.withdraw(ids[1], "o")
    assert current(store) == {BLABY_Q1: 9.0}
    [batch] = store.batches().itertuples()
    assert (batch.status, batch.withdrawn) == ("stored", 1)
    store.rollback(ids[0], "o")
    assert current(store) == {}
    with pytest.raises(KeyError, match="restore it first"):
        store.put_back(ids[1], "o")
    store.restore(ids[0], "o")  # the withdrawn file stays out
    assert current(store) == {BLABY_Q1: 9.0}
    store.put_back(ids[1], "o")
    assert current(store) == {BLABY_Q1: 9.0, BLABY_Q2: 4.0}
    with pytest.raises(KeyError, match="was not withdrawn"):
        store.put_back(ids[1], "o")
    store.withdraw(ids[0], "o")
    store.withdraw(ids[1], "o")
    assert store.batches()["status"].tolist() == ["withdrawn"]
    with pytest.raises(KeyError, match=f"upload {ids[0]} is not stored"):
        store.rollback(ids[0], "o")
    assert store.upload_events()["action"].tolist() == [
        "stored", "stored", "withdrawn", "rolled back", "restored", "put back", "withdrawn",
        "withdrawn"]


def test_a_file_stored_before_batches_is_an_upload_of_its_own(store):
    [first] = store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0})], "o")
    second = store.commit([parsed("b.xlsx", {BLABY_Q1: 2.0})], "o")[0]
    with store.engine.begin() as conn:  # as a database made before batches has it
        conn.execute(sa.text("DELETE FROM batch_files"))
    assert store.batches()["batch_id"].tolist() == [second, first]
    store.rollback(second, "o")
    assert current(store) == {BLABY_Q1: 1.0}
    assert store.find_duplicate("a.xlsx".ljust(64, "0"))["batch_id"] == first


def test_rolling_back_an_earlier_upload_keeps_later_corrections(store):
    [first] = store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0, BLABY_Q2: 2.0})], "o")
    store.commit([parsed("b.xlsx", {BLABY_Q1: 3.0})], "o")
    store.rollback(first, "o")
    assert current(store) == {BLABY_Q1: 3.0}


def test_same_file_twice_adds_nothing(store):
    store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0}, digest="f" * 64)], "o")
    version = store.data_version()
    again = parsed("a copy.xlsx", {BLABY_Q1: 1.0}, digest="f" * 64)
    assert store.preview(again).duplicate_of["file_name"] == "a.xlsx"
    assert store.commit([again], "o") == []
    assert len(store.uploads()) == 1 and store.data_version() == version


def test_a_failing_batch_stores_nothing(store, monkeypatch):
    good = parsed("a.xlsx", {BLABY_Q1: 1.0})
    bad = parsed("b.xlsx", {BLABY_Q2: 2.0})
    bad.observations["value"] = bad.observations["value"].astype(object)
    bad.observations.loc[0, "value"] = None  # violates NOT NULL mid-transaction
    with pytest.raises(sa.exc.IntegrityError):
        store.commit([good, bad], "o")
    assert store.uploads().empty and store.observations().empty and store.data_version() == 0


def test_rollback_of_unknown_upload_says_so(store):
    with pytest.raises(KeyError):
        store.rollback(42, "o")


def test_reference_rows_are_versioned_too(store):
    def areas(name):
        return ParsedFile(name, name.ljust(64, "0"), "lsoa_lookup", reference={
            "areas": pd.DataFrame([{"area_type": "beat", "area_code": "NL62",
                                    "area_name": name, "beat_code": None,
                                    "district_code": "E07000130", "lsoa_year": None}])})
    store.commit([areas("approximate")], "o")
    [real] = store.commit([areas("real")], "o")
    assert store.reference("areas")["area_name"].tolist() == ["real"]
    store.rollback(real, "o")
    assert store.reference("areas")["area_name"].tolist() == ["approximate"]


def test_definition_changes_are_recorded_withdrawn_and_change_the_version(store):
    version = store.data_version()
    change_id = store.record_definition_change("hate_crimes", "2023-04-01",
                                               "new counting rules", "Ann")
    changes = store.definition_changes()
    assert changes[["indicator_id", "period_start", "note", "user_name"]].values.tolist() == [
        ["hate_crimes", "2023-04-01", "new counting rules", "Ann"]]
    assert store.data_version() > version
    store.withdraw_definition_change(change_id, "Ann")
    assert store.definition_changes().empty
    with pytest.raises(KeyError):
        store.withdraw_definition_change(change_id, "Ann")


def test_a_snapshot_stays_the_same_after_a_later_upload_and_a_rollback(store):
    first = store.commit([parsed("q1.xlsx", {BLABY_Q1: 1.0, BLABY_Q2: 2.0})], "o")[0]
    snapshot = store.create_snapshot("Board 15 December 2023", "Coordinator")
    frozen = current_at(store, snapshot)
    assert frozen == {BLABY_Q1: 1.0, BLABY_Q2: 2.0}
    store.commit([parsed("fix.xlsx", {BLABY_Q1: 5.0})], "o")  # a correction afterwards
    store.rollback(first, "o")  # and the original rolled back
    assert current(store) == {BLABY_Q1: 5.0}
    assert current_at(store, snapshot) == frozen
    assert store.snapshots()["name"].tolist() == ["Board 15 December 2023"]
    with pytest.raises(ValueError):
        store.create_snapshot("  ", "Coordinator")


def current_at(store: Store, snapshot: int) -> dict:
    frame = store.observations(snapshot=snapshot)
    return {(r.area_code, r.period_start): r.value for r in frame.itertuples()}


ACTION = {"raised_on": "2023-06-21", "action": "Report on knife crime referrals",
          "officer": "Chris Traill", "comments": "", "status": "Amber",
          "themes": ["crime"], "indicators": ["crime_violence_with_injury"]}


def test_actions_keep_every_version_and_snapshots_keep_the_log_as_it_was(store):
    number = store.save_action(ACTION, "officer")
    snapshot = store.create_snapshot("Board June", "officer")
    store.save_action({**ACTION, "status": "Done", "comments": "Reported in July"}, "officer",
                      number)
    second = store.save_action({**ACTION, "action": "Map ASB hot spots", "status": "Red"},
                               "officer")
    now = store.actions()
    assert now[["number", "status"]].values.tolist() == [[number, "Done"], [second, "Red"]]
    assert now.iloc[0]["themes"] == ["crime"]
    then = store.actions(snapshot)
    assert then[["number", "status"]].values.tolist() == [[number, "Amber"]]
    assert store.action_history(number)["status"].tolist() == ["Amber", "Done"]
    with pytest.raises(ValueError):
        store.save_action({**ACTION, "status": "Purple"}, "officer")


def test_definition_changes_as_they_stood_at_a_snapshot(store):
    change = store.record_definition_change("hate_crimes", "2023-04-01", "rules", "Ann")
    snapshot = store.create_snapshot("Board", "Ann")
    store.withdraw_definition_change(change, "Ann")
    assert store.definition_changes().empty
    assert store.definition_changes(snapshot)["change_id"].tolist() == [change]


def ledger_counts(store: Store) -> list[tuple]:
    ledger = store.uploads().sort_values("upload_id")
    return [tuple(r) for r in ledger[["file_name", "rows_added", "rows_revised",
                                      "rows_unchanged"]].itertuples(index=False)]


def test_a_preview_still_true_at_commit_is_not_made_again(store, monkeypatch):
    first = parsed("a.xlsx", {BLABY_Q1: 1.0, BLABY_Q2: 2.0})
    preview = store.preview(first)
    made = []
    monkeypatch.setattr(Store, "preview", lambda self, *a, **k: made.append(a) or None)
    store.commit([first], "o", previews=[preview])
    assert made == []  # the comparison the officer saw was used, not read again
    assert ledger_counts(store) == [("a.xlsx", 2, 0, 0)]


def test_a_batch_counts_each_file_against_the_files_stored_before_it(store):
    first = parsed("a.xlsx", {BLABY_Q1: 1.0, BLABY_Q2: 2.0})
    correction = parsed("b.xlsx", {BLABY_Q1: 1.5})
    previews = [store.preview(first), store.preview(correction)]  # both against an empty store
    assert len(previews[1].added) == 1
    store.commit([first, correction], "o", previews=previews)
    assert ledger_counts(store) == [("a.xlsx", 2, 0, 0), ("b.xlsx", 0, 1, 0)]
    assert current(store) == {BLABY_Q1: 1.5, BLABY_Q2: 2.0}


def test_a_preview_made_before_another_upload_is_made_again(store):
    correction = parsed("b.xlsx", {BLABY_Q1: 1.5})
    stale = store.preview(correction)
    store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0})], "someone else")
    store.commit([correction], "o", previews=[stale])
    assert ledger_counts(store) == [("a.xlsx", 1, 0, 0), ("b.xlsx", 0, 1, 0)]


def test_a_preview_reads_only_the_periods_the_file_holds(store):
    store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0, BLABY_Q2: 2.0})], "o")
    preview = store.preview(parsed("b.xlsx", {BLABY_Q2: 2.0}))
    assert (len(preview.added), len(preview.revised), preview.unchanged) == (0, 0, 1)
    assert store.stored_values(parsed("b.xlsx", {BLABY_Q2: 2.0}).observations)[
        "period_start"].tolist() == ["2023-07-01"]


def test_the_admin_value_in_force_is_the_last_change_and_a_withdrawal_is_none(store):
    assert store.admin_value("setting", "small_number_threshold") is None
    store.record_admin_change("setting", "small_number_threshold", "7", "ada")
    store.record_admin_change("setting", "small_number_threshold", "9", "bo")
    store.record_admin_change("setting", "other", "3", "cy")
    row = store.admin_value("setting", "small_number_threshold")
    assert (row["value"], row["user_name"]) == ("9", "bo")
    assert store.admin_values("setting").set_index("name").loc[
        "small_number_threshold", "value"] == row["value"]  # the same answer as the full read
    store.record_admin_change("setting", "small_number_threshold", "", "ada")
    assert store.admin_value("setting", "small_number_threshold") is None


def test_a_failure_saving_the_new_data_s_frames_still_stores_the_batch(store, monkeypatch,
                                                                      tmp_path, caplog):
    """The storing child reads the new data's frames inside the batch's transaction
    (frame_cache.save_before_commit). A query failing there must not take the batch with
    it: PostgreSQL would roll it back at the commit while the officer read "stored"."""
    folder = tmp_path / "frames"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv(frame_cache.CACHE_ENV, str(folder))

    def broken_tally(self, snapshot=None, conn=None):
        conn.execute(sa.text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(Store, "incident_tally", broken_tally)
    [upload_id] = store.commit(
        [parsed("a.xlsx", {BLABY_Q1: 1.0})], "officer1",
        before_commit=lambda conn: frame_cache.save_before_commit(store, conn))
    assert current(store) == {BLABY_Q1: 1.0}
    assert store.uploads()["upload_id"].tolist() == [upload_id]
    assert "could not save the new data's frames" in caplog.text
    assert not list(folder.glob("*.arrow"))
