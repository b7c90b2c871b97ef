"""Officers' own names: an unknown measure or district asked about once, the answer kept as
the board's alias (who, when) so the same file goes in next quarter without a question, from
the command line as from the page; counts never stored into a rate; values that cannot be
right for their indicator put first as warnings."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from data_loaders.__main__ import main
from data_loaders.ingest import check_files, store_checked
from data_loaders.names import LEAVE_OUT
from data_loaders.plausibility import implausible_values
from data_loaders.problems import UploadRefused
from data_loaders.store import Store

DISTRICTS = ["Blaby", "Charnwood", "Harborough", "Hinckley and Bosworth", "Melton",
             "North West Leicestershire", "Oadby and Wigston", "Rutland"]


def officer_table(quarter: str = "2023-24 Q1", hate: str = "Hate crime offences",
                  header: str = "value", first: float = 1.5) -> bytes:
    """An officer's own long table: domestic abuse and hate crime for the eight districts,
    hate crime (a rate per 1,000) under the officer's own name, one district as they write
    it."""
    rows = [f"district,period,measure,{header}"]
    for i, district in enumerate(DISTRICTS):
        name = "Melton Town" if district == "Melton" else district
        rows.append(f"{name},{quarter},Domestic crimes and incidents,{300 + i}")
        rows.append(f"{name},{quarter},{hate},{first + i / 10:.2f}")
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture()
def store(seeded_store_file, tmp_path) -> Store:
    path = tmp_path / "store.sqlite"
    shutil.copy(seeded_store_file, path)
    return Store(f"sqlite:///{path}")


def test_an_answer_is_kept_and_next_quarters_file_needs_no_question(store):
    [first] = check_files([("q1.csv", officer_table())], store)
    questions = {q.key: q for q in first.parsed.questions}
    assert set(questions) == {"measure:hate crime offences", "area:melton town"}
    assert questions["area:melton town"].choices[0] == "E07000133"
    answers = {"q1.csv": {"measure:hate crime offences": "hate_crimes",
                          "area:melton town": "E07000133"}}
    [answered] = check_files([("q1.csv", officer_table())], store, answers)
    assert answered.parsed.ok, answered.parsed.problems
    store_checked([answered], store, "Ann Officer")
    aliases = store.admin_values("alias")
    assert dict(zip(aliases["name"], aliases["value"])) == {
        "measure:hate crime offences": "hate_crimes", "area:melton town": "E07000133"}
    assert set(aliases["user_name"]) == {"Ann Officer"}

    [next_quarter] = check_files([("q2.csv", officer_table("2023-24 Q2"))], store)
    assert next_quarter.parsed.ok and not next_quarter.parsed.questions
    melton = next_quarter.parsed.observations.query("area_code == 'E07000133'")
    assert set(melton["indicator_id"]) == {"hate_crimes", "da_crimes_incidents"}
    # Withdrawn, the name is asked about again; what was stored is untouched.
    held = len(store.observations())
    store.withdraw_alias("measure:hate crime offences", "Ann Officer")
    [again] = check_files([("q2.csv", officer_table("2023-24 Q2"))], store)
    assert [q.key for q in again.parsed.questions] == ["measure:hate crime offences"]
    assert len(store.observations()) == held


def test_an_answer_for_one_file_answers_the_whole_batch(store):
    files = [("q1.csv", officer_table()), ("q2.csv", officer_table("2023-24 Q2"))]
    answers = {"q1.csv": {"measure:hate crime offences": LEAVE_OUT,
                          "area:melton town": "E07000133"}}
    checked = check_files(files, store, answers)
    assert all(c.parsed.ok for c in checked)
    assert all(set(c.parsed.observations["indicator_id"]) == {"da_crimes_incidents"}
               for c in checked)


def test_counts_into_a_rate_are_stopped_and_wild_values_come_first(store):
    """Counts in a column headed count are never matched to a rate; in a column that says
    neither, hate crime "rates" of 195 are flagged before anything else, against both the
    rate ceiling and the stored figures."""
    table = officer_table(hate="Hate crimes", header="count")
    [counted] = check_files([("counts.csv", table)], store,
                            {"counts.csv": {"area:melton town": "E07000133"}})
    assert not counted.parsed.ok
    assert [q.key for q in counted.parsed.questions] == ["measure:hate crimes"]
    with pytest.raises(UploadRefused, match="column D holds counts"):
        store_checked([counted], store, "Ann Officer")

    wild = officer_table(hate="Hate crimes", first=195)
    [checked] = check_files([("wild.csv", wild)], store,
                            {"wild.csv": {"area:melton town": "E07000133"}})
    first, second = checked.parsed.warnings[:2]
    assert first.message.startswith("Hate crimes: Blaby, Q1 2023/24: 195; Charnwood")
    assert "more than 5 times the highest figure held for such an area (2.49)" in first.message
    assert second.message.startswith("Hate crimes: Blaby, Q1 2023/24: 195 (stored ")
    assert "more than 5 times the stored figure" in second.message


def test_a_rate_per_1000_in_the_hundreds_is_flagged_with_nothing_to_compare():
    frame = pd.DataFrame({"indicator_id": ["hate_crimes", "hate_crimes"],
                          "area_type": ["district", "lsoa"],
                          "area_code": ["E07000129", "E01025601"],
                          "period_start": ["2023-04-01"] * 2, "granularity": ["quarter"] * 2,
                          "value": [250.0, 400.0]})
    [problem] = implausible_values("f.csv", frame, None)
    assert problem.message.startswith("Hate crimes is a rate per 1,000 people, and Blaby, "
                                      "Q1 2023/24: 250 is more than 200")  # not the LSOA
    assert "look like counts" in problem.message


def test_a_value_far_above_any_held_is_flagged(store):
    """Domestic crimes and incidents (a count) at a hundred times any district's figure."""
    table = officer_table(hate="Hate crimes").replace(b"incidents,300\n", b"incidents,90000\n")
    [checked] = check_files([("big.csv", table)], store,
                            {"big.csv": {"area:melton town": "E07000133"}})
    assert checked.parsed.warnings[0].message.startswith(
        "Domestic crimes and incidents: Blaby, Q1 2023/24: 90000 is more than 5 times the "
        "highest figure held for such an area")


def test_the_command_line_takes_answers_keeps_them_and_lists_them(store, tmp_path, capsys):
    url = store.url
    q1, q2 = tmp_path / "q1.csv", tmp_path / "q2.csv"
    q1.write_bytes(officer_table())
    q2.write_bytes(officer_table("2024-25 Q1"))
    # --store after the command, where most people write options.
    assert main(["ingest", str(q1), "--store", url]) == 1
    err = capsys.readouterr().err
    assert err.count("Hate crime offences") == 1  # one line per unknown name
    assert "--answer 'measure:hate crime offences=<hate_crimes|" in err
    assert main(["ingest", str(q1), "--store", url, "--user", "Ann Officer",
                 "--answer", "measure:Hate crime offences=Hate crimes",
                 "--answer", "area:Melton Town=Melton"]) == 0
    capsys.readouterr()
    assert main(["aliases", "--store", url]) == 0
    listed = capsys.readouterr().out
    assert "measure:hate crime offences" in listed and "Hate crimes" in listed
    assert "Ann Officer" in listed
    assert main(["--store", url, "ingest", str(q2)]) == 0  # no question the second time
    assert "16 values added" in capsys.readouterr().out
    assert main(["aliases", "--store", url, "--withdraw", "measure:hate crime offences"]) == 0
    assert "measure:hate crime offences" not in Store(url).aliases()


def test_a_wrong_answer_is_named(store, tmp_path, capsys):
    q1 = tmp_path / "q1.csv"
    q1.write_bytes(officer_table())
    assert main(["ingest", str(q1), "--store", store.url,
                 "--answer", "measure:Hate crime offences=Parking tickets"]) == 2
    assert "'Parking tickets' is not a measure this dashboard knows" in capsys.readouterr().err


def test_every_command_shows_an_example_in_its_help(capsys):
    for command in ("ingest", "uploads", "rollback", "restore", "aliases", "export", "seed",
                    "template"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert f"python -m data_loaders {command}" in capsys.readouterr().out


def test_a_wide_table_with_an_unknown_title_and_district_is_asked_once(store):
    """The Domestic Abuse Dashboard's table under a title naming no measure, with one
    district as an officer wrote it: asked about once, stored, and the next file with the
    same title and name goes in without a question."""
    from test_officer_wide import BOARD_TABLE

    table = BOARD_TABLE.replace("All Offences and Incidents for", "Everything for") \
        .replace("\nAll Offences and Incidents\n", "\nEverything\n") \
        .replace("Melton\t", "Melton Town\t")
    [first] = check_files([("da.txt", table.encode())], store)
    keys = sorted(q.key for q in first.parsed.questions)
    assert keys == ["area:melton town",
                    "measure:everything for leicestershire county and districts"]
    answers = {"da.txt": {keys[0]: "E07000133", keys[1]: "da_offences"}}
    [answered] = check_files([("da.txt", table.encode())], store, answers)
    assert answered.parsed.ok, answered.parsed.problems
    store_checked([answered], store, "Ann Officer")
    later = table.replace("Quarter 4 2019/20", "Quarter 1 2020/21").replace("359", "360")
    [again] = check_files([("da next.txt", later.encode())], store)
    assert again.parsed.ok and not again.parsed.questions
    assert set(again.parsed.observations["indicator_id"]) == {"da_offences"}
    assert "E07000133" in set(again.parsed.observations["area_code"])


def test_figures_marked_not_available_are_stored_as_such_until_given(store):
    """A "*" for Melton is stored as not available (never as a value), rolled back with
    its upload, and superseded by a later upload that gives the figure."""
    marked = b"District,Period,Measure,Value\nMelton,2031-32 Q1,Hate crimes,*\n" \
             b"Blaby,2031-32 Q1,Hate crimes,1.6\n"
    [checked] = check_files([("marked.csv", marked)], store)
    [upload] = store_checked([checked], store, "Ann Officer")
    held = store.not_available()
    assert held[["area_code", "period_start", "marker", "upload_id"]].values.tolist() == [
        ["E07000133", "2031-04-01", "*", upload]]
    figures = store.observations()
    assert figures.query("period_start == '2031-04-01'")["area_code"].tolist() == ["E07000129"]
    store.rollback(upload, "Ann Officer")
    assert store.not_available().empty
    store.restore(upload, "Ann Officer")
    given = b"District,Period,Measure,Value\nMelton,2031-32 Q1,Hate crimes,1.7\n"
    store_checked(check_files([("given.csv", given)], store), store, "Ann Officer")
    assert store.not_available().empty


def test_marking_a_stored_figure_not_available_says_the_figure_stays(store):
    stored = store.observations().query(
        "indicator_id == 'hate_crimes' and area_code == 'E07000133' and "
        "granularity == 'quarter'").sort_values("period_start").iloc[-1]
    quarter = {"01": "Q4", "04": "Q1", "07": "Q2", "10": "Q3"}[stored.period_start[5:7]]
    year = int(stored.period_start[:4]) - (stored.period_start[5:7] == "01")
    text = f"District,Period,Measure,Value\nMelton,{year}-{str(year + 1)[2:]} {quarter}," \
           "Hate crimes,*\n"
    [checked] = check_files([("marked.csv", text.encode())], store)
    [stays] = [w for w in checked.parsed.warnings if "stays on the dashboard" in w.message]
    assert stays.message.startswith("Melton, ") and f": {stored.value:g} is marked not " \
        "available in this file but already stored" in stays.message


def test_the_command_line_stops_on_values_that_cannot_be_right_until_confirmed(store, tmp_path,
                                                                                capsys):
    wild = tmp_path / "wild.csv"
    wild.write_bytes(officer_table(hate="Hate crimes", first=195))
    held = len(store.uploads())
    args = ["ingest", str(wild), "--store", store.url, "--answer", "area:Melton Town=Melton"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Hate crimes: Blaby, Q1 2023/24: 195" in err and "run this again with --confirm" in err
    assert len(store.uploads()) == held
    assert main([*args, "--confirm"]) == 0
    assert len(Store(store.url).uploads()) == held + 1


def test_a_file_that_changes_nothing_is_not_stored(store, tmp_path, capsys):
    """Different bytes, the same figures: no upload is made, on the page or the command
    line."""
    first = tmp_path / "hate.csv"
    first.write_text("District,Period,Measure,Value\nMelton,Q1 2031/32,Hate crimes,1.5\n")
    assert main(["ingest", str(first), "--store", store.url]) == 0
    held = len(store.uploads())
    again = tmp_path / "hate again.csv"
    again.write_text("District,Period,Measure,Value\nMelton,Q1 2031/32,Hate crimes,1.50\n\n")
    [checked] = check_files([("hate again.csv", again.read_bytes())], store)
    assert checked.changes_nothing and not checked.adds_nothing
    capsys.readouterr()
    assert main(["ingest", str(again), "--store", store.url]) == 0
    assert "every figure is already stored with the same value; nothing stored" in \
        capsys.readouterr().out
    assert len(store.uploads()) == held
