"""The command line: ingest, uploads, rollback, restore, export and template, with the same
checks and results as the Upload page; and an ingest killed mid-way leaves all or nothing."""
from __future__ import annotations

import contextlib
import hashlib
import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from data_loaders.__main__ import main
from data_loaders.store import Store

from conftest import ROOT

HATE = "District,Period,Measure,Value\nMelton,Q1 2023/24,Hate crimes,1.5\n" \
       "Blaby,Q1 2023/24,Hate crimes,2.25\n"


@pytest.fixture()
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


def run(url: str, *args: str) -> int:
    return main(["--store", url, *args])


def test_ingest_stores_and_says_what_it_stored(url, tmp_path, capsys):
    path = tmp_path / "hate.csv"
    path.write_text(HATE)
    assert run(url, "ingest", str(path), "--user", "Ann Officer") == 0
    out = capsys.readouterr().out
    assert "hate.csv, officer's long table: 2 values added, 0 revised" in out
    assert "Stored 1 file as upload 1: 'rollback 1' undoes it." in out
    ledger = Store(url).uploads()
    assert ledger[["file_name", "user_name", "rows_added", "status"]].values.tolist() == [
        ["hate.csv", "Ann Officer", 2, "stored"]]

    assert run(url, "ingest", str(path)) == 0  # the same file again adds nothing
    assert "already stored in upload 1; nothing added" in capsys.readouterr().out
    assert len(Store(url).uploads()) == 1


def test_a_refused_file_exits_non_zero_with_the_cell_and_stores_nothing(url, tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(HATE)
    bad.write_text("District,Period,Measure,Value\nMelton,Q1 2023/24,Parking tickets,4\n")
    assert run(url, "ingest", str(good), str(bad)) == 1
    err = capsys.readouterr().err
    assert "Not stored: nothing from these files was saved." in err
    assert "bad.csv" in err and "row 2" in err and "Parking tickets" in err
    assert "Traceback" not in err and str(tmp_path) not in err
    assert Store(url).uploads().empty
    logged = Store(url).refusals()  # the refusal is logged: who, when, which bytes, why
    assert logged["file_name"].tolist() == ["bad.csv"]
    assert logged.iloc[0]["sha256"] == hashlib.sha256(bad.read_bytes()).hexdigest()
    assert "Parking tickets" in logged.iloc[0]["reasons"][0]
    assert logged.iloc[0]["user_name"] and logged.iloc[0]["at"]


def test_a_missing_path_is_named(url, tmp_path, capsys):
    assert run(url, "ingest", str(tmp_path / "nowhere.csv")) == 2
    assert "nowhere.csv not found" in capsys.readouterr().err


def test_rollback_and_restore_change_the_export(url, tmp_path, capsys):
    first, second = tmp_path / "q1.csv", tmp_path / "q1 corrected.csv"
    first.write_text(HATE)
    second.write_text(HATE.replace("1.5", "1.75"))
    assert run(url, "ingest", str(first)) == 0
    assert run(url, "ingest", str(second)) == 0
    capsys.readouterr()

    def melton() -> float:
        assert run(url, "export", "--indicator", "hate_crimes", "--area-type", "district") == 0
        frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
        assert list(frame.columns) == ["indicator", "area_type", "area_code", "area_name",
                                       "period", "period_start", "period_end", "value"]
        row = frame.set_index("area_name").loc["Melton"]
        assert (row["period"], row["period_start"], row["period_end"]) == (
            "Q1 2023/24", "2023-04-01", "2023-06-30")
        return row["value"]

    assert melton() == 1.75
    assert run(url, "rollback", "2") == 0
    assert "Upload 2 rolled back." in capsys.readouterr().out
    assert melton() == 1.5
    assert run(url, "restore", "2") == 0
    capsys.readouterr()
    assert melton() == 1.75
    assert run(url, "rollback", "9") == 1
    assert "there is no upload 9" in capsys.readouterr().err
    assert run(url, "restore", "2") == 1
    assert "upload 2 is not rolled back" in capsys.readouterr().err

    assert run(url, "uploads") == 0
    listing = capsys.readouterr().out
    assert "q1 corrected.csv" in listing and "q1.csv" in listing


def test_files_ingested_together_are_one_upload_rolled_back_in_one_step(url, tmp_path,
                                                                        capsys):
    hate, other = tmp_path / "hate.csv", tmp_path / "hate q2.csv"
    hate.write_text(HATE)
    other.write_text(HATE.replace("Q1 2023/24", "Q2 2023/24"))
    assert run(url, "ingest", str(hate), str(other), "--user", "Ann Officer") == 0
    assert "Stored 2 files as upload 1: 'rollback 1' undoes all of them." in \
        capsys.readouterr().out
    store = Store(url)
    assert store.uploads()["batch_id"].tolist() == [1, 1]

    def quarters() -> list[str]:
        assert run(url, "export", "--indicator", "hate_crimes", "--area-type", "district") == 0
        return sorted(set(pd.read_csv(io.StringIO(capsys.readouterr().out))["period"]))

    assert run(url, "uploads") == 0  # one line for the upload, naming both files
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2 and "2 files: hate.csv .. hate q2.csv" in listing[1]
    assert run(url, "withdraw", "1", "--file", "hate q2.csv") == 0
    assert "hate q2.csv withdrawn from upload 1." in capsys.readouterr().out
    assert quarters() == ["Q1 2023/24"]
    assert run(url, "withdraw", "1", "--file", "nothing.csv") == 1
    assert "upload 1 has no file 'nothing.csv'; its files are hate.csv, hate q2.csv" in \
        capsys.readouterr().err
    assert run(url, "rollback", "1") == 0
    capsys.readouterr()
    assert quarters() == []
    assert run(url, "restore", "1") == 0  # the withdrawn file stays withdrawn
    capsys.readouterr()
    assert quarters() == ["Q1 2023/24"]
    assert run(url, "put-back", "1", "--file", "hate q2.csv") == 0
    capsys.readouterr()
    assert quarters() == ["Q1 2023/24", "Q2 2023/24"]
    assert run(url, "uploads", "--files") == 0
    assert "hate q2.csv" in capsys.readouterr().out


def test_export_xlsx_needs_an_output_and_writes_the_same_rows(url, tmp_path, capsys):
    path = tmp_path / "hate.csv"
    path.write_text(HATE)
    run(url, "ingest", str(path))
    assert run(url, "export", "--format", "xlsx") == 2
    out = tmp_path / "export.xlsx"
    assert run(url, "export", "--format", "xlsx", "--output", str(out)) == 0
    frame = pd.read_excel(out, engine="calamine")
    assert sorted(frame["value"]) == [1.5, 2.25]
    assert set(frame["period"]) == {"Q1 2023/24"}


def test_template_is_written_with_the_long_header(url, tmp_path, capsys):
    out = tmp_path / "template.xlsx"
    assert run(url, "template", str(out)) == 0
    assert f"Template written to {out}" in capsys.readouterr().out
    data = pd.read_excel(out, sheet_name="Data", engine="calamine")
    assert list(data.columns) == ["District", "Period", "Measure", "Value", "Numerator",
                                  "Denominator"] and data.empty


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # "pid (name) state ppid ...": the name may hold spaces, so split after it
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def has_ended(pid: int) -> bool:
    """Gone, or a zombie waiting for a parent that will never reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_until_ended(pids: list[int], patience: float = 120) -> bool:
    """Whether every process in ``pids`` has ended within ``patience`` seconds."""
    deadline = time.time() + patience
    while not all(has_ended(pid) for pid in pids):
        if time.time() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_police_months_ingested_and_killed_midway_leave_all_or_nothing(tmp_path, shared_data):
    """SIGKILL during a batch of twelve police.uk months: the store then holds the whole
    batch or none of it, never some months, also once the worker process writing the
    batch for the killed command has ended (it must not commit after its parent died)."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    months = sorted((shared_data / "police_uk" / "street").glob("*.csv"))
    process = subprocess.Popen([sys.executable, "-m", "data_loaders", "--store", url,
                                "ingest", *map(str, months)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill once the batch's transaction is writing: SQLite's write-ahead log is then growing
    # by megabytes (it is a few kilobytes before), long before the one commit at the end.
    wal = tmp_path / "store.sqlite-wal"
    deadline = time.time() + 120
    while process.poll() is None and time.time() < deadline:
        if wal.exists() and wal.stat().st_size > 2_000_000:
            break
        time.sleep(0.05)
    children = children_of(process.pid)
    killed_while_writing = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not killed_while_writing or children  # the batch is written by a worker child
    assert wait_until_ended(children)  # the orphan finishes writing, finds no parent, rolls back
    store = Store(url)
    uploads = store.uploads()
    assert len(uploads) == (0 if killed_while_writing else 12)
    months_held = store.incidents()["month"].nunique()
    assert months_held == len(uploads)
    counts = store.observations(["police_total_excl_asb"], ["district"])
    assert counts["period_start"].nunique() == len(uploads)


def test_export_status_gives_the_same_judgements_as_the_app(seeded_store_copy, capsys):
    url = f"sqlite:///{seeded_store_copy}"
    assert run(url, "export", "--status", "--indicator", "asb_police_incidents") == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(frame.columns) == ["indicator", "area_type", "area_code", "area_name",
                                   "period", "period_start", "period_end", "value",
                                   "comparison_value", "change_pct",
                                   "direction", "change_test", "change_estimate",
                                   "change_low", "change_high", "change_verdict", "rag",
                                   "spc_signal", "benchmark", "status", "reason"]
    county = frame.set_index("area_code").loc["E10000018"]
    # The ISO dates span what the label says: twelve months to the month it names.
    start, end = pd.Timestamp(county["period_start"]), pd.Timestamp(county["period_end"])
    assert county["period"] == f"12 months to {end.strftime('%B %Y')}"
    assert (start.day, end + pd.Timedelta(days=1)) == (1, start + pd.DateOffset(years=1))
    change = (county["value"] - county["comparison_value"]) / county["comparison_value"] * 100
    assert county["change_pct"] == pytest.approx(change, abs=0.01)
    assert county["spc_signal"] == "not applicable"  # a rolling 12-month rate
    expected_rag = "Green" if change <= -5 else "Amber" if change <= 0 else "Red"
    assert county["rag"] == expected_rag
    assert set(frame["area_type"]) == {"district", "county", "board"}


def test_a_partner_export_holds_the_partners_figures(seeded_store_copy, capsys):
    """export --partner: each beat's monthly robbery count as partners see it (1 to 4
    rounded to 0 or 5, others as they are); the same rows as the officers' export."""
    url = f"sqlite:///{seeded_store_copy}"
    wanted = ("export", "--indicator", "police_robbery", "--area-type", "beat")
    assert run(url, *wanted) == 0
    officers = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert run(url, *wanted, "--partner") == 0
    partners = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert partners[["area_code", "period"]].equals(officers[["area_code", "period"]])
    small = officers["value"].between(1, 4)
    assert small.sum() > 50  # the real 2023 data has many
    assert partners.loc[small, "value"].isin([0, 5]).all()
    assert (partners.loc[~small, "value"] == officers.loc[~small, "value"]).all()
    assert run(url, "export", "--status", "--partner", "--indicator",
               "police_anti_social_behaviour") == 0
    status = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert not status["value"].between(1, 4).any()
    assert status["spc_signal"].isin(["too few", "common", "concern", "improvement"]).all()


def test_a_locked_database_gives_a_plain_message_and_stores_nothing(url, tmp_path, capsys):
    """Another writer holds the embedded store: the command waits, then says so and exits 3,
    and the upload can simply be run again."""
    import sqlite3

    path = tmp_path / "hate.csv"
    path.write_text(HATE)
    Store(url)  # create the tables
    holder = sqlite3.connect(str(tmp_path / "store.sqlite"), timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert run(url, "ingest", str(path)) == 3
    finally:
        holder.rollback()
        holder.close()
    err = capsys.readouterr().err
    assert "busy" in err and "try again" in err and "Traceback" not in err
    assert Store(url).uploads().empty
    assert run(url, "ingest", str(path)) == 0  # and once it is free, the same file goes in
    assert len(Store(url).uploads()) == 1
