"""Files are read in a child process with memory and time limits: a file that needs more is
stopped, refused with a plain message and logged, nothing is stored, and the next file (or
another user's, at the same time) is read as usual by a fresh child. A checked batch is
stored by a child too, which commits only once the process that asked says "go"."""
from __future__ import annotations

import gzip
import hashlib
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from test_cli import children_of, wait_until_ended

from data_loaders import frame_cache, ingest, workers
from data_loaders.__main__ import main
from data_loaders.ingest import check_files, read_upload, store_checked
from data_loaders.problems import UploadRefused
from data_loaders.store import Store

from conftest import ROOT

POLICE = ROOT / "sample_data" / "police_uk" / "2023-01-leicestershire-street.csv.gz"
HATE = b"District,Period,Measure,Value\nMelton,Q1 2023/24,Hate crimes,1.5\n"


@pytest.fixture(autouse=True)
def fresh_children(monkeypatch):
    """Each test gets new children. The memory limit counts on top of what a child has mapped,
    and a child that read big files for earlier tests keeps that memory mapped (free, but
    usable), so a 1 MB limit would not bite there."""
    monkeypatch.setattr(workers, "_pool", None)
    yield
    if workers._pool is not None:
        for worker in workers._pool._idle:
            worker.kill()


def new_children() -> None:
    """End the pool's idle children: the next job starts a fresh one."""
    for worker in workers.pool()._idle:
        worker.kill()
    workers._pool = None


@pytest.fixture()
def store(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'store.sqlite'}")


@pytest.fixture(scope="module")
def police() -> bytes:
    """A real police.uk month (5 MB, 5,000 rows): far beyond 1 MB and 0.01 seconds."""
    return gzip.decompress(POLICE.read_bytes())


def stopped_pids(caplog) -> list[int]:
    """The children the pool said it stopped."""
    return [int(m.group(1)) for r in caplog.records
            if (m := re.match(r"parsing process (\d+) stopped", r.getMessage()))]


def test_a_file_needing_too_much_memory_is_refused_logged_and_the_next_file_is_read(
        store, police, monkeypatch, caplog):
    monkeypatch.setenv(workers.MEMORY_ENV, "1")
    checked = check_files([("january.csv", police)], store)
    [problem] = checked[0].parsed.errors
    assert "needed more than 1 MB of memory and was stopped; nothing was stored" in \
        problem.message
    assert problem.file == "january.csv" and "Traceback" not in problem.message
    with pytest.raises(UploadRefused):
        store_checked(checked, store, "Ann Officer")
    assert store.uploads().empty and store.observations().empty
    logged = store.refusals()
    assert logged["file_name"].tolist() == ["january.csv"]
    assert logged.iloc[0]["sha256"] == hashlib.sha256(police).hexdigest()
    assert logged.iloc[0]["user_name"] == "Ann Officer" and "1 MB" in logged.iloc[0]["reasons"][0]
    [pid] = stopped_pids(caplog)
    assert not Path(f"/proc/{pid}").exists()  # killed and reaped, not left as a zombie

    monkeypatch.delenv(workers.MEMORY_ENV)
    checked = check_files([("hate.csv", HATE)], store)
    assert checked[0].parsed.ok  # a fresh child took the stopped one's place
    assert store_checked(checked, store, "Ann Officer") == [1]


def test_a_file_taking_too_long_is_stopped_and_the_next_file_is_read(
        store, police, monkeypatch, caplog):
    monkeypatch.setenv(workers.SECONDS_ENV, "0.01")
    parsed = read_upload("january.csv", police, store)
    assert not parsed.ok and parsed.observations.empty
    assert "took more than 0.01 seconds and was stopped; nothing was stored" in \
        parsed.errors[0].message
    [pid] = stopped_pids(caplog)
    assert not Path(f"/proc/{pid}").exists()
    monkeypatch.delenv(workers.SECONDS_ENV)
    assert read_upload("january.csv", police, store).ok


def test_one_users_runaway_file_does_not_touch_another_users_file(store, police):
    results = {}

    def read(name, data, limits):
        results[name] = read_upload(name, data, store, limits=limits)

    threads = [threading.Thread(target=read, args=("huge.csv", police, workers.Limits(1, 60))),
               threading.Thread(target=read, args=("hate.csv", HATE, workers.Limits.from_env()))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "needed more than 1 MB" in results["huge.csv"].errors[0].message
    assert results["hate.csv"].ok and results["hate.csv"].observations["value"].tolist() == [1.5]


def test_the_command_line_refuses_it_plainly_and_stores_nothing(tmp_path, police, monkeypatch,
                                                                capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    path = tmp_path / "january.csv"
    path.write_bytes(police)
    monkeypatch.setenv(workers.MEMORY_ENV, "1")
    assert main(["--store", url, "ingest", str(path)]) == 1
    err = capsys.readouterr().err
    assert "january.csv: reading this file needed more than 1 MB of memory" in err
    assert "Traceback" not in err
    assert Store(url).uploads().empty and len(Store(url).refusals()) == 1


def test_limits_come_from_the_environment_and_a_typo_keeps_the_default(monkeypatch):
    monkeypatch.setenv(workers.MEMORY_ENV, "512")
    monkeypatch.setenv(workers.SECONDS_ENV, "thirty")
    assert workers.Limits.from_env() == workers.Limits(512, workers.DEFAULT_SECONDS)


def test_every_limit_is_documented():
    readme = (ROOT / "docs" / "deploying.md").read_text(encoding="utf-8")
    names = (workers.MEMORY_ENV, workers.SECONDS_ENV, workers.WORKERS_ENV)
    assert [name for name in names if f"`{name}`" not in readme] == []


def test_a_child_left_mid_job_is_never_handed_out_again():
    """If the caller is interrupted between sending a file and reading the answer, the
    answer must not be read as the next file's: that child is killed, not reused."""
    pool = workers.WorkerPool(1)
    worker = pool._take()
    worker.busy = True
    pool._give_back(worker)
    assert worker.process.poll() is not None
    fresh = pool._take()
    assert fresh is not worker and fresh.alive
    pool._give_back(fresh)
    assert pool._idle == [fresh]
    fresh.kill()


def test_a_child_holding_much_more_memory_than_when_idle_is_ended_after_its_job(monkeypatch):
    """A child that read or stored a big batch keeps that memory for as long as it lives:
    the pool ends it after the job and starts a fresh one when next needed."""
    pool = workers.WorkerPool(1)
    worker = pool._take()
    assert worker.run(len, ("abc",), workers.Limits.from_env()) == 3
    assert worker.idle_mb > 10 and worker.resident_mb() > 10  # read from the real child
    pool._give_back(worker)
    assert pool._idle == [worker]  # grown by less than RECYCLE_MB: kept
    with monkeypatch.context() as grown:
        grown.setattr(workers.Worker, "resident_mb",
                      lambda self: self.idle_mb + workers.RECYCLE_MB + 1)
        again = pool._take()
        assert again is worker and again.run(len, ("abcd",), workers.Limits.from_env()) == 4
        pool._give_back(again)
    assert pool._idle == [] and worker.process.poll() is not None
    fresh = pool._take()
    assert fresh is not worker and fresh.run(len, ("ab",), workers.Limits.from_env()) == 2
    fresh.kill()


def not_here(*args, **kwargs):
    raise AssertionError("called in the calling process, not in a worker child")


def test_files_are_compared_with_the_store_by_a_worker_child(store, monkeypatch):
    store_checked(check_files([("hate.csv", HATE)], store), store, "Ann Officer")
    monkeypatch.setattr(Store, "preview", not_here)
    revised = HATE.replace(b"1.5", b"2.5")
    [checked] = check_files([("revised.csv", revised)], store)
    assert checked.preview.revised[["old_value", "new_value"]].values.tolist() == [[1.5, 2.5]]
    [again] = check_files([("hate.csv", HATE)], store)
    assert again.adds_nothing and again.preview.duplicate_of["upload_id"] == 1


def test_a_batch_is_committed_by_a_worker_child_not_by_this_process(store, monkeypatch):
    checked = check_files([("hate.csv", HATE)], store)
    monkeypatch.setattr(Store, "commit", not_here)
    assert store_checked(checked, store, "Ann Officer") == [1]
    assert store.uploads()["user_name"].tolist() == ["Ann Officer"]
    assert store.observations()["value"].tolist() == [1.5]


def test_the_child_that_stored_a_batch_saves_the_new_data_for_the_servers(
        store, monkeypatch, tmp_path):
    """The app asks the child to write the new data's frames to the frame cache, so no
    server reads them from the database in its own process, where every session waits."""
    folder = tmp_path / "frames"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv(frame_cache.CACHE_ENV, str(folder))
    store_checked(check_files([("hate.csv", HATE)], store), store, "Ann Officer")
    assert not list(folder.glob("*.arrow"))  # the command line does not ask for it
    more = b"District,Period,Measure,Value\nBlaby,Q1 2023/24,Hate crimes,2.5\n"
    store_checked(check_files([("more.csv", more)], store), store, "Ann Officer",
                  save_frames=True)
    stamp = store.data_stamp()
    assert sorted(p.name for p in folder.glob("*.arrow")) == [
        f"incident-tally-current-{stamp}.arrow", f"observations-current-{stamp}.arrow"]
    read_from_store = store.observations(with_sample_flag=True)
    monkeypatch.setattr(Store, "observations", not_here)  # a server now reads the file
    monkeypatch.setattr(Store, "incident_tally", not_here)
    saved = frame_cache.observations(store)
    assert sorted(saved["value"]) == [1.5, 2.5] and saved["is_sample"].dtype == bool
    pd.testing.assert_frame_equal(saved, read_from_store)  # as a server would read it
    assert frame_cache.incident_tally(store).empty  # no police.uk rows in this store


def test_the_new_data_s_frames_are_on_disk_before_the_data_is_visible(
        store, police, monkeypatch, tmp_path):
    """The child writes them inside the transaction, before its commit: a page rerun the
    moment the new data is visible finds them (it read the store itself before)."""
    folder = tmp_path / "frames"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv(frame_cache.CACHE_ENV, str(folder))
    checked = check_files([("january.csv", police)], store)
    seen = {}

    def at_commit(conn):  # runs in this process: the commit is done in-process below
        seen["files"] = sorted(p.name for p in folder.glob("*.arrow"))
        seen["stamp"] = store.data_stamp(conn=conn)
        seen["visible"] = store.data_stamp()  # other connections still see the old data

    before = store.data_stamp()
    ids = store.commit([c.parsed for c in checked], "Ann Officer",
                       before_commit=lambda conn: (frame_cache.save_before_commit(store, conn),
                                                   at_commit(conn)))
    assert ids and seen["visible"] == before != seen["stamp"] == store.data_stamp()
    assert seen["files"] == [f"incident-tally-current-{seen['stamp']}.arrow",
                             f"observations-current-{seen['stamp']}.arrow"]
    with monkeypatch.context() as reading_files:
        reading_files.setattr(Store, "incident_tally", not_here)
        tally = frame_cache.incident_tally(store)  # from the file, as the servers read it
    pd.testing.assert_frame_equal(tally, store.incident_tally())
    assert tally["incidents"].sum() == len(store.incidents())


@pytest.mark.parametrize("limit, said", [
    ("time", "storing these files took more than 0.01 seconds and was stopped; nothing was "
             "stored"),
    ("memory", "storing these files needed more than 1 MB of memory and was stopped; "
               "nothing was stored")])
def test_storing_past_a_limit_is_stopped_rolled_back_and_said_plainly(
        store, police, monkeypatch, caplog, limit, said):
    checked = check_files([("january.csv", police)], store)
    with monkeypatch.context() as limited:
        if limit == "time":
            limited.setattr(ingest, "STORE_SECONDS", 0.01)
        else:
            limited.setenv(workers.MEMORY_ENV, "1")
            new_children()  # readers keep a file's memory mapped: 1 MB more would not bite
        with pytest.raises(UploadRefused) as refused:
            store_checked(checked, store, "Ann Officer")
    [problem] = refused.value.problems
    assert said in problem.message and "Traceback" not in problem.message
    [pid] = stopped_pids(caplog)
    assert not Path(f"/proc/{pid}").exists()  # stopped and reaped: rolled back
    assert store.uploads().empty and store.observations().empty and store.incidents().empty
    assert store_checked(checked, store, "Ann Officer") == [1]  # within the limits: stored


# A server that is killed after the child has written the batch, before it says "go".
KILLED_BEFORE_GO = """
import sys
import time
from multiprocessing.connection import Connection

from data_loaders.ingest import check_files, store_checked
from data_loaders.store import Store

send = Connection.send


def hang_before_go(connection, message):
    if message == "go":  # the child has written the whole batch and waits for this
        print("ready", flush=True)
        time.sleep(600)
    send(connection, message)


Connection.send = hang_before_go
store = Store(sys.argv[1])
store_checked(check_files([("hate.csv", sys.argv[2].encode())], store), store, "Ann Officer")
"""


def test_a_server_killed_before_it_says_go_leaves_nothing_stored(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    server = subprocess.Popen([sys.executable, "-c", KILLED_BEFORE_GO, url, HATE.decode()],
                              cwd=ROOT, stdout=subprocess.PIPE)
    assert server.stdout.readline() == b"ready\n"
    children = children_of(server.pid)
    server.kill()
    server.wait()
    server.stdout.close()
    assert wait_until_ended(children)  # each sees the pipe close, rolls back and ends
    store = Store(url)
    assert store.uploads().empty and store.observations().empty


def test_children_run_at_a_lower_cpu_priority_than_the_server():
    """Reading and storing take seconds of CPU: on a busy machine the server's other
    sessions come first."""
    worker = workers.Worker()
    try:
        assert worker.run(os.getpriority, (os.PRIO_PROCESS, 0), workers.Limits.from_env()) \
            == os.getpriority(os.PRIO_PROCESS, 0) + workers.NICENESS
    finally:
        worker.kill()


def test_sqlite_failing_for_memory_under_the_limit_is_read_as_the_limit():
    """Under the address-space limit SQLite cannot map a WAL file's shared memory and says
    "disk I/O error" (through SQLAlchemy): that is the memory limit, said plainly as such."""
    import sqlite3

    import sqlalchemy as sa

    try:
        try:
            raise sqlite3.OperationalError("disk I/O error")
        except sqlite3.OperationalError as inner:
            raise sa.exc.OperationalError("PRAGMA journal_mode=WAL", None, inner) from inner
    except sa.exc.OperationalError as wrapped:
        assert workers._short_of_memory(wrapped)
    assert not workers._short_of_memory(ValueError("a bug"))
    assert not workers._short_of_memory(sqlite3.OperationalError("no such table: x"))
