"""Every page runs under AppTest on the sample data, and the numbers shown match values
computed independently here from the store."""
from __future__ import annotations

import functools
from unittest.mock import patch

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components import cache
from data_loaders import geography as geo
from data_loaders.ingest import check_files, ingest_paths, store_checked
from data_loaders.periods import period_label
from data_loaders.store import Store

from conftest import ROOT

pytestmark = pytest.mark.app
THEMES = ["pages/crime.py", "pages/reoffending.py", "pages/domestic_abuse.py", "pages/asb.py",
          "pages/hate_crime.py"]
PAGES = ["pages/overview.py", *THEMES, "pages/actions.py", "pages/present.py", "pages/pack.py",
         "pages/since.py", "pages/about.py", "pages/upload.py", "pages/data.py",
         "pages/admin.py"]
MELTON, COUNTY = "E07000133", "E10000018"


@pytest.fixture()
def app(seeded_store_copy, monkeypatch):
    monkeypatch.setenv("DASHBOARD_SQLITE_PATH", str(seeded_store_copy))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    yield at
    cache.wait_for_readings()  # a reading of new data under way would fill the next test's caches
    st.cache_resource.clear()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(app, page):
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert app.title


def test_observations_are_read_once_and_no_caller_can_change_them(seeded_store_copy,
                                                                   monkeypatch, tmp_path):
    """One read of the observations per data version serves the index, the Ending filter
    and every page that asks for the frame, and each caller gets a copy-on-write view: a
    change made by one (even a new column) never reaches the next."""
    from components import cache

    monkeypatch.setenv("DASHBOARD_SQLITE_PATH", str(seeded_store_copy))
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path))  # no copy kept by earlier tests
    monkeypatch.delenv("DATABASE_URL", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    reads = []
    read = Store.observations
    monkeypatch.setattr(Store, "observations",
                        lambda self, *a, **k: reads.append(1) or read(self, *a, **k))
    try:
        version = (cache.get_store().data_version(), None, None)
        first = cache.load_observations(version)
        expected = first.copy()
        first["value"] = 0.0
        first.loc[0, "area_code"] = "changed"
        first["extra"] = 1
        pd.testing.assert_frame_equal(cache.load_observations(version), expected)
        assert cache.load_observation_index(version) is cache.load_observation_index(version)
        assert len(cache.load_observation_index(version).ordered) == len(expected)
        assert cache.load_quarters_held(version)
        partners = cache.load_observations((*version[:2], 5))  # worked out from that read
        assert len(partners) < len(expected)  # no LSOA rows
        assert len(reads) == 1
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def table_with(at, column):
    """The first table on the page that has ``column`` (positions shift as pages grow)."""
    return next(f.value for f in at.dataframe if column in f.value.columns)


def scorecard_values(at) -> dict[str, str]:
    shown = {}
    for frame in at.dataframe:
        table = frame.value
        if "Indicator" in table.columns and "Value" in table.columns:
            shown.update(dict(zip(table["Indicator"], table["Value"])))
    return shown


def police_crimes(store: Store, months: list[str], districts) -> int:
    """Crimes (not ASB) counted from the incident rows: another path than the derived counts."""
    rows = store.incidents(months=months)
    return int(((rows.crime_type != "Anti-social behaviour")
                & rows.district_code.isin(list(districts))).sum())


def test_overview_area_filter_changes_the_numbers(app, seeded_store_copy):
    store = Store(f"sqlite:///{seeded_store_copy}")
    q3 = ["2023-10", "2023-11", "2023-12"]
    title = "Street-level crime excluding ASB (police.uk)"
    assert scorecard_values(app)[title] == f"{police_crimes(store, q3, geo.DISTRICTS):,}"
    app.selectbox(key="area").set_value(MELTON).run()
    assert not app.exception
    assert scorecard_values(app)[title] == f"{police_crimes(store, q3, [MELTON]):,}"
    obs = store.observations(["crime_total_recorded"], ["district"])
    melton = obs[obs.area_code == MELTON].sort_values("period_start").iloc[-1]
    assert scorecard_values(app)["Total recorded crime"] == f"{melton.value:.2f} per 1,000"


def test_overview_tables_put_what_the_board_reads_first_in_view(app):
    """A table a laptop or projector shows only the first six or so columns of, then
    scrolls sideways: status, indicator, value, the status's reason, change and trend come
    first."""
    tables = [f.value for f in app.dataframe if "Indicator" in f.value.columns]
    assert len(tables) == 5  # one per theme
    for table in tables:
        assert list(table.columns[:6]) == ["Status", "Indicator", "Value", "Why", "Change",
                                           "Two-year trend"]
        assert {"RAG", "Variation (SPC)", "Benchmark", "Notes"} <= set(table.columns)


def test_overview_period_filter_sums_the_year_to_date(app, seeded_store_copy):
    app.selectbox(key="area").set_value(MELTON).run()
    app.selectbox(key="period").set_value("ytd").run()
    obs = Store(f"sqlite:///{seeded_store_copy}").observations(["da_crimes_incidents"])
    melton = obs[(obs.area_code == MELTON) & (obs.period_start >= "2023-04-01")]
    assert len(melton) == 3
    assert scorecard_values(app)["Domestic crimes and incidents"] == f"{melton.value.sum():,.0f}"


def tile(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("page", THEMES)
def test_every_theme_page_shows_tiles_statement_and_charts(app, page):
    app.switch_page(page).run()
    assert not app.exception
    assert len(app.metric) >= 2
    assert any(s.value == "Position statement" for s in app.subheader)
    assert any(s.value.startswith("Trend:") for s in app.subheader)


def test_chosen_quarter_shows_the_reports_county_figure(app):
    app.switch_page("pages/crime.py").run()
    app.selectbox(key="area").set_value(COUNTY).run()
    app.selectbox(key="ending").set_value("2023-04-01").run()
    assert not app.exception
    # The board's 2023/24 Q1 report: total recorded crime 73.84 per 1,000 (74.12 a year before).
    assert tile(app, "Total recorded crime") == "73.84"
    # The unit is in the tile's small print: in big type it did not fit a narrow tile.
    assert any(c.value.startswith("per 1,000 residents · ") for c in app.caption)
    statement = next(m.value for m in app.markdown if m.value.startswith("Total recorded"))
    assert "down 0.4% on the same period a year before (74.12 per 1,000)" in statement


def test_a_tile_reads_at_a_distance_and_keeps_its_detail_in_its_help(app):
    """Status, figure, change, what the figure is and when, and the verdict in words are on
    the tile; RAG, SPC variation and the benchmark are in the figure's help, not small print."""
    app.switch_page("pages/crime.py").run()
    burglary = next(m for m in app.metric if m.label == "Residential burglary")
    assert burglary.value == "3.10" and burglary.proto.delta == "+15.2%"
    assert "Up 15.2% on a year earlier, significantly." in [m.value for m in app.markdown]
    for words in ("Change on a year earlier: ↑ up (worse), significantly higher",
                  "Target: ⚪ no target", "Variation:", "Source:"):
        assert words in burglary.proto.help, words
    small_print = " ".join(c.value for c in app.caption)
    assert "no target" not in small_print and "SPC" not in small_print
    assert "per 1,000 residents · 12 months to December 2023" in small_print


def test_the_district_table_says_each_verdict_in_words_and_leaves_no_cell_none(app):
    """Each district's verdict reads as its 95% interval against its benchmark's figure (the
    county; Rutland, a unitary, the board area), the interval parsed back from the table's
    words; reference rows have blank cells."""
    app.switch_page("pages/crime.py").run()
    table = table_with(app, "Compared with its benchmark").set_index("Area")
    assert table.loc["Leicestershire", "Compared with its benchmark"] == ""
    assert not table.isna().any().any()
    for name in geo.DISTRICTS.values():
        benchmark = geo.BOARD_NAME if name == "Rutland" else "Leicestershire"
        county = table.loc[benchmark, "Rate per 1,000 residents"]
        low, high = (float(x) for x in table.loc[name, "95% interval"].split(" to "))
        value = table.loc[name, "Rate per 1,000 residents"]
        assert low <= value <= high
        expected = ("similar to" if low <= county <= high
                    else "better than" if high < county else "worse than")  # lower is better
        assert table.loc[name, "Compared with its benchmark"].endswith(
            f"{expected} {benchmark}"), name


def test_the_overview_shows_what_the_board_reads_in_tables_that_wrap(app):
    """Each theme's status, indicator, value, change and reason in a static table (its long
    words wrap at 1280 px); the same rows with every column in the table under it."""
    app.run()
    wrapped = [t.value for t in app.table]
    assert len(wrapped) == 5  # one per theme
    assert all(list(t.columns) == ["Status", "Indicator", "Value", "Change", "Why"]
               for t in wrapped)
    assert not any(t.isna().any().any() or (t == "None").any().any() for t in wrapped)
    crime = wrapped[0].set_index("Indicator")
    assert crime.loc["Residential burglary", "Value"] == scorecard_values(app)[
        "Residential burglary"] == "3.10 per 1,000"


def test_area_filter_changes_the_theme_tiles(app, seeded_store_copy):
    app.switch_page("pages/hate_crime.py").run()
    board = tile(app, "Hate crimes")
    app.selectbox(key="area").set_value(MELTON).run()
    obs = Store(f"sqlite:///{seeded_store_copy}").observations(["hate_crimes"], ["district"])
    melton = obs[obs.area_code == MELTON].sort_values("period_start").iloc[-1]
    assert tile(app, "Hate crimes") == f"{melton.value:.2f}" != board


def test_the_trend_table_starts_with_the_chosen_area(app):
    """Beside the chart only its first columns show without scrolling: the chosen area's,
    then the county's and the board area's, as in the chart's legend."""
    app.switch_page("pages/hate_crime.py").run()
    app.selectbox(key="area").set_value(MELTON).run()
    table = next(f.value for f in app.dataframe if list(f.value.columns)[:1] == ["Period"])
    areas = [c.rsplit(" (", 1)[0] for c in table.columns[1:]]
    assert areas == sorted(areas, key=["Melton", "Leicestershire",
                                       "Leicestershire and Rutland"].index)
    assert areas[0] == "Melton" and len(set(areas)) == 3


def test_category_filter_narrows_the_charts_to_one_category(app, seeded_store_copy):
    app.switch_page("pages/asb.py").run()
    app.selectbox(key="area").set_value(MELTON).run()
    app.selectbox(key="indicator").set_value("asb_police_incidents").run()
    app.selectbox(key="category").set_value("asb_nuisance").run()
    assert not app.exception
    heads = [s.value for s in app.subheader]
    assert "Trend: ASB incidents: Nuisance" in heads
    obs = Store(f"sqlite:///{seeded_store_copy}").observations(["asb_nuisance"], ["district"])
    melton = obs[(obs.area_code == MELTON)].sort_values("period_start").iloc[-1]
    districts = next(f.value for f in app.dataframe if "Count" in f.value.columns)
    assert districts.set_index("Area").loc["Melton", "Count"] == melton.value


def test_beat_filter_drills_down_to_the_beats_own_counts(app, seeded_store_copy):
    app.switch_page("pages/crime.py").run()
    app.selectbox(key="area").set_value(MELTON).run()
    app.selectbox(key="beat").set_value("NR31").run()
    assert not app.exception
    assert any(s.value.startswith("Beat NR31") for s in app.subheader)
    table = next(f.value for f in app.dataframe if list(f.value.columns) == ["Period", "Count"])
    rows = Store(f"sqlite:///{seeded_store_copy}").incidents(months=["2023-07"])
    expected = int(((rows.beat_code == "NR31")
                    & (rows.crime_type != "Anti-social behaviour")).sum())
    assert table.set_index("Period").loc["Jul 2023", "Count"] == expected


def district_quarter_table(app, year: int) -> pd.DataFrame:
    """The Domestic abuse page's district x quarter table for domestic crimes and incidents,
    financial year ``year`` against the year before."""
    app.switch_page("pages/domestic_abuse.py").run()
    app.selectbox(key="indicator").set_value("da_crimes_incidents").run()
    app.selectbox(key="table_year").set_value(year).run()
    assert not app.exception
    return next(f.value for f in app.dataframe if "YTD % change" in f.value.columns)


def test_domestic_abuse_table_reproduces_the_board_dashboard(app):
    table = district_quarter_table(app, 2019).set_index("Area")
    assert round(table.loc["Blaby", "YTD % change"], 1) == -3.4
    assert round(table.loc["Harborough", "YTD % change"], 1) == 6.7
    assert round(table.loc["Leicestershire", "YTD % change"], 1) == -3.6
    assert table.loc["Blaby", "Direction"].startswith("↓")
    assert not any(c.value.startswith("Not held yet") for c in app.caption)  # a whole year


def test_quarters_not_held_yet_are_left_out_of_the_district_table_and_named(app):
    """The sample data ends in Q3 2023/24: Q4 has no figure for any area yet."""
    table = district_quarter_table(app, 2023)
    assert "2023/24 Q3" in table.columns and "2023/24 Q4" not in table.columns
    assert "2022/23 Q4" in table.columns  # the earlier year is whole
    assert table[[c for c in table.columns if c[:4].isdigit()]].notna().all().all()
    assert any(c.value.startswith("Not held yet: 2023/24 Q4.") for c in app.caption)


def test_an_upload_redraws_what_it_changes_and_keeps_every_other_view(app, seeded_store_copy,
                                                                       monkeypatch):
    """Views are keyed on the data they read, not on the data version: after new hate crime
    figures are stored, the hate crime trend is worked out again and the crime page's is
    not (after a police.uk upload, half of what every page worked out for the new data was
    the same as before). Pages keep drawing the data they show while the server reads the
    new data and works out again the views drawn lately; then they show it, and their first
    run on it works out nothing."""
    from components import theme_trends

    built = []
    real_trend_view = theme_trends.trend_view

    @functools.wraps(real_trend_view)
    def counted(version, record, codes):
        built.append(record["id"])
        return real_trend_view(version, record, codes)

    monkeypatch.setattr(theme_trends, "trend_view", counted)
    store = Store(f"sqlite:///{seeded_store_copy}")
    obs = store.observations(["hate_crimes"], ["district"])
    latest = obs[obs.area_code == MELTON].sort_values("period_start").iloc[-1]
    crime, hate = app, AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    hate.run()
    for at, page in ((crime, "pages/crime.py"), (hate, "pages/hate_crime.py")):
        at.switch_page(page).run()
        at.selectbox(key="area").set_value(MELTON).run()
    assert tile(hate, "Hate crimes") == f"{latest.value:.2f}" != "9.99"
    crime_trends = [i for i in built if not i.startswith("hate")]
    assert crime_trends and "hate_crimes" in built

    revised = (f"District,Period,Measure,Value\nMelton,"
               f"{period_label(latest.period_start, 'quarter')},Hate crimes,9.99\n")
    stored = store_checked(check_files([("hate.csv", revised.encode())], store), store,
                           "Ann Officer")
    assert stored and store.data_version() > 0
    built.clear()
    hate.run()  # noticed, and read by the server meanwhile
    assert tile(hate, "Hate crimes") == f"{latest.value:.2f}"
    assert ["New data has just been stored" in t.value for t in hate.toast] == [True]
    cache.wait_for_readings()
    assert set(built) == {"hate_crimes"}  # its trends again (county and Melton), on the new data
    reworked = len(built)
    hate.run()
    assert tile(hate, "Hate crimes") == "9.99" and not hate.toast
    crime.run()
    assert not crime.exception and len(built) == reworked  # the crime trend was kept


def test_a_page_opened_afresh_shows_new_data_at_once(app, seeded_store_copy):
    """Only a page that is showing the data before keeps it while the server reads the new:
    a page opened afresh has nothing on screen to keep."""
    store = Store(f"sqlite:///{seeded_store_copy}")
    app.switch_page("pages/hate_crime.py").run()
    ingest_paths([hate_fix(seeded_store_copy.parent)], store, "officer")
    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    fresh.run()
    fresh.switch_page("pages/hate_crime.py").run()
    fresh.selectbox(key="area").set_value(MELTON).run()
    assert tile(fresh, "Hate crimes") == "9.99"


def test_the_session_that_changed_the_data_sees_the_change_at_once(app, seeded_store_copy):
    """Rolled back on the Data page, gone from the theme page of the same session at its
    next run, without waiting for the server to read it for everyone else."""
    store = show_melton_hate_fix(app, seeded_store_copy)
    fix = int(store.uploads()["batch_id"].max())
    app.switch_page("pages/data.py").run()
    app.selectbox(key="rollback_choice").set_value(fix).run()
    app.checkbox(key=f"confirm_{fix}_stored").check().run()
    with patch.object(cache.NewData, "_read", lambda self, stored: None):  # never read
        next(b for b in app.button if b.label == "Roll back").click().run()
        app.switch_page("pages/hate_crime.py").run()
    assert tile(app, "Hate crimes") != "9.99"


def test_a_new_latest_quarter_is_worked_out_ahead_for_the_window_it_moves_to(
        app, seeded_store_copy, monkeypatch):
    """New data adding a quarter moves the window of a page on "the latest quarter held":
    the district comparison and the map are worked out for the new window before the page
    moves to the new data, not by the page."""
    from components import theme_districts, theme_map

    app.switch_page("pages/hate_crime.py").run()
    app.selectbox(key="area").set_value(MELTON).run()
    # hate crimes are rolling 12-month rates: the heading names the 12 months they cover
    assert any("12 months to December 2023" in h.value for h in app.subheader
               if "Districts compared" in h.value)
    fix = seeded_store_copy.parent / "q4.csv"
    fix.write_text("District,Period,Measure,Value\nMelton,Q4 2023/24,Hate crimes,1.2\n")
    ingest_paths([fix], Store(f"sqlite:///{seeded_store_copy}"), "officer")
    app.run()
    cache.wait_for_readings()

    for module, name in ((theme_districts, "comparison_view"), (theme_map, "map_view")):
        @functools.wraps(getattr(module, name))
        def not_in_the_session(*args):
            raise AssertionError("worked out in the session")

        monkeypatch.setattr(module, name, not_in_the_session)
    app.run()
    assert not app.exception, app.exception
    headings = [h.value for h in app.subheader]
    assert any("Districts compared" in h and "12 months to March 2024" in h
               for h in headings), headings
    assert any(h.startswith("Map:") and "12 months to March 2024" in h for h in headings), \
        headings


def test_recent_work_is_redone_newest_first_and_within_its_time():
    """What new data is worked out for: the calls noted lately (a call noted again counts as
    new), no more than LIMIT of them, newest first, each on the data its audience sees
    (partners' protected data for a partner's view), and none once its time is up."""
    work = cache.RecentWork()
    work.LIMIT = 3
    done = []

    def call(version, n):
        done.append((version, n))

    for n in [0, 1, 2, 3, 4, 2]:
        work.note(("view", n), call, (n,), (True, 5) if n == 4 else (False, 5))
    assert work.redo((9, None), 10.0) == 3
    assert done == [((9, None, None), 2), ((9, None, 5), 4), ((9, None, None), 3)]
    assert work.redo((10, None), -1.0) == 0 and len(done) == 3


def show_melton_hate_fix(at, store_path) -> Store:
    """Store hate_fix from the command line, let the server read it, and open Melton's hate
    crime page in ``at``, which must show the fixed figure; returns the store."""
    store = Store(f"sqlite:///{store_path}")
    ingest_paths([hate_fix(store_path.parent)], store, "officer")
    at.run()
    cache.wait_for_readings()
    at.switch_page("pages/hate_crime.py").run()
    at.selectbox(key="area").set_value(MELTON).run()
    assert tile(at, "Hate crimes") == "9.99"
    return store


def test_a_tile_reading_only_real_periods_is_not_called_sample_data(app, seeded_store_copy,
                                                                    tmp_path):
    """Melton's hate crimes for Q3 2023/24 and Q3 2022/23 from an officer replace the
    generated ones: the tile comparing them carries no sample flag; its neighbours, still
    generated, keep theirs."""
    def flagged() -> set[str]:
        return {m.label for m in app.metric if "Sample data: generated" in m.proto.help}

    app.switch_page("pages/hate_crime.py").run()
    app.selectbox(key="area").set_value(MELTON).run()
    generated = flagged()
    assert "Hate crimes" in generated and len(generated) > 1
    path = tmp_path / "melton hate.csv"
    path.write_text("District,Period,Measure,Value\nMelton,Q3 2023/24,Hate crimes,1.30\n"
                    "Melton,Q3 2022/23,Hate crimes,1.10\n")
    ingest_paths([path], Store(f"sqlite:///{seeded_store_copy}"), "officer")
    app.run()
    cache.wait_for_readings()
    app.run()
    assert tile(app, "Hate crimes") == "1.30"
    assert flagged() == generated - {"Hate crimes"}
    assert any("⚠ Includes sample data" in c.value for c in app.caption)


def hate_fix(folder):
    """An officer's file putting Melton's hate crimes for Q3 2023/24 at 9.99."""
    path = folder / "fix.csv"
    path.write_text("District,Period,Measure,Value\nMelton,Q3 2023/24,Hate crimes,9.99\n")
    return path


def test_data_page_ledger_lists_every_upload_and_what_its_figures_are(app, seeded_store_copy):
    """One line per upload (the files stored together); only the generated figures are
    called sample data, the bundled published ones name their source."""
    app.switch_page("pages/data.py").run()
    ledger = table_with(app, "Upload").set_index("Upload")
    files = Store(f"sqlite:///{seeded_store_copy}").uploads()
    assert sorted(ledger.index) == sorted(set(files["batch_id"]))
    police = files.loc[files["kind"] == "police_uk_street"].sort_values("upload_id")
    [batch] = set(police["batch_id"])
    assert ledger.loc[batch, "Files"] == "12 files: " + ", ".join(police["file_name"])
    assert ledger.loc[batch, "Data"] == "published data, bundled (police.uk)"
    assert ledger.loc[batch, "Added"] == police["rows_added"].sum()
    generated = files.loc[files["is_sample"], "file_name"].tolist()
    assert generated == ["board_indicators_sample.xlsx"]
    assert (ledger["Data"] == "generated sample data").sum() == 1
    assert ledger.loc[ledger["Data"] == "generated sample data", "Files"].tolist() == generated
    assert all(d.startswith("published data, bundled (") for d in ledger["Data"]
               if d != "generated sample data")


def test_data_page_lists_the_aliases_and_the_figures_marked_not_available(app, seeded_store_copy,
                                                                          tmp_path):
    store = Store(f"sqlite:///{seeded_store_copy}")
    path = tmp_path / "marked.csv"
    path.write_text("District,Period,Measure,Value\nMelton,Q3 2023/24,Hate offences,*\n")
    ingest_paths([path], store, "Ann Officer", {"marked.csv": {
        "measure:hate offences": "hate_crimes"}})
    app.switch_page("pages/data.py").run()
    marked = table_with(app, "Marked")
    assert marked[["Indicator", "Area", "Period", "Marked"]].values.tolist() == [
        ["Hate crimes", "Melton", "Q3 2023/24", "*"]]
    aliases = next(t.value for t in app.table if "Name as written" in t.value.columns)
    assert aliases[["Name as written", "Read as", "Given by"]].values.tolist() == [
        ["hate offences", "Hate crimes", "Ann Officer"]]
    app.selectbox(key="withdraw_alias").set_value("measure:hate offences").run()
    app.button(key="withdraw_alias_button").click().run()
    assert not app.exception and store.aliases() == {}


def test_data_page_rolls_back_an_upload_in_one_step_and_withdraws_one_file(
        app, seeded_store_copy):
    """The bundled police.uk year is one upload: December's file is withdrawn from it on
    its own (November becomes the latest month) and put back; then the whole upload is
    rolled back in one step (no police.uk incident counts) and restored."""
    store = Store(f"sqlite:///{seeded_store_copy}")
    files = store.uploads()
    police = files[files.kind == "police_uk_street"].sort_values("upload_id")
    batch, december = int(police.batch_id.iloc[0]), police.iloc[-1]
    assert december.file_name.startswith("2023-12") and set(police.batch_id) == {batch}
    month_rows = len(store.incidents())

    def latest_burglary_month() -> str:
        return table_with(app, "Latest").set_index("Indicator").loc[
            "Burglary (police.uk)", "Latest"]

    def step(choice_key, choice, confirm_key, button):
        app.selectbox(key=choice_key).set_value(choice).run()
        app.checkbox(key=confirm_key).check().run()
        next(b for b in app.button if b.label == button).click().run()
        assert not app.exception

    app.switch_page("pages/data.py").run()
    app.selectbox(key="rollback_choice").set_value(batch).run()
    step(f"file_choice_{batch}", int(december.upload_id),
         f"confirm_file_{december.upload_id}_stored", "Withdraw")
    assert any(f"{december.file_name} withdrawn from its upload" in s.value
               for s in app.success)
    assert latest_burglary_month() == "Nov 2023"
    assert 0 < len(store.incidents()) < month_rows
    step(f"file_choice_{batch}", int(december.upload_id),
         f"confirm_file_{december.upload_id}_withdrawn", "Put back")
    assert latest_burglary_month() == "Dec 2023"

    step("rollback_choice", batch, f"confirm_{batch}_stored", "Roll back")
    assert any(f"Upload {batch} rolled back" in s.value for s in app.success)
    assert set(store.uploads().query("batch_id == @batch")["status"]) == {"rolled back"}
    assert len(store.incidents()) == 0 and latest_burglary_month() == ""
    history = table_with(app, "What")
    assert history.iloc[0][["Upload", "What"]].tolist() == [batch, "rolled back"]
    assert history.iloc[0]["Files"].startswith("12 files: ")
    step("rollback_choice", batch, f"confirm_{batch}_rolled back", "Restore")
    assert len(store.incidents()) == month_rows
    assert latest_burglary_month() == "Dec 2023"


def test_domestic_abuse_services_by_service_and_district(app, seeded_store_copy):
    app.switch_page("pages/domestic_abuse.py").run()
    assert not app.exception
    table = next(f.value for f in app.dataframe if "Service" in f.value.columns)
    obs = Store(f"sqlite:///{seeded_store_copy}").observations(["da_waiting_isva"])
    melton = obs[obs.area_code == MELTON].sort_values("period_start").iloc[-1]
    assert table.set_index("Service").loc["ISVA", "Melton"] == melton.value
    assert list(table["Service"]) == ["ISVA", "IDVA", "Outreach", "DV counselling",
                                      "SV counselling", "Group"]


def map_table(at):
    return next(f.value for f in at.dataframe if list(f.value.columns)[:1] == ["Name"]
                and "Code" in f.value.columns)


def test_partners_see_protected_counts_and_officers_see_them_all(app, seeded_store_copy):
    """A Rutland beat's quarter of 1 to 4 incidents is three months of 0 to 4: partners get
    each month rounded to 0 or 5 (metrics.disclosure), so a multiple of 5, and the board
    area's total is the sum of the districts' they are shown beside it."""
    store = Store(f"sqlite:///{seeded_store_copy}")
    rows = store.incidents(months=["2023-10", "2023-11", "2023-12"],
                           crime_types=["Anti-social behaviour"])
    rutland = rows[rows.district_code == "E06000017"].groupby("beat_code").size()
    small = rutland[(rutland >= 1) & (rutland <= 4)]
    assert len(small)  # the real 2023 data has small beat counts in Rutland
    app.switch_page("pages/asb.py").run()
    app.selectbox(key="area").set_value("E06000017").run()
    officer = map_table(app).set_index("Code")
    assert officer.loc[small.index, "Count"].tolist() == small.tolist()
    app.toggle(key="partner_view").set_value(True).run()
    assert not app.exception
    partner = map_table(app).set_index("Code")
    assert (partner.loc[small.index, "Count"] % 5 == 0).all()
    assert not partner["Count"].between(1, 4).any()
    app.selectbox(key="indicator").set_value("police_anti_social_behaviour").run()
    districts = table_with(app, "Compared with its benchmark").set_index("Area")["Count"]
    assert districts[geo.BOARD_NAME] == sum(districts[n] for n in geo.DISTRICTS.values())


def test_views_worked_out_ahead_of_new_data_are_drawn_for_their_audience(app,
                                                                           seeded_store_copy,
                                                                           monkeypatch):
    """The server works out the maps drawn lately again for new data away from any session,
    each for whom it was drawn: the map it hands a partner has protected counts, an
    officer's the store's, and neither session works its map out itself."""
    from components import theme_map

    store = Store(f"sqlite:///{seeded_store_copy}")
    partner = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    partner.run()
    partner.toggle(key="partner_view").set_value(True).run()
    for at in (app, partner):
        at.switch_page("pages/asb.py").run()
        at.selectbox(key="area").set_value("E06000017").run()
    before = map_table(app)["Count"].sum()
    # A corrected December without eight of Rutland's anti-social behaviour incidents: the
    # window stays the same (a view of a window that moves is worked out by its page).
    december = ROOT / "sample_data" / "police_uk" / "2023-12-leicestershire-street.csv.gz"
    rows = pd.read_csv(december, dtype=str, keep_default_na=False)
    dropped = rows[rows["LSOA name"].str.startswith("Rutland") &
                   (rows["Crime type"] == "Anti-social behaviour")].index[:8]
    corrected = seeded_store_copy.parent / "2023-12-leicestershire-street.csv"
    rows.drop(index=dropped).to_csv(corrected, index=False)
    ingest_paths([corrected], store, "officer")
    app.run()
    cache.wait_for_readings()

    @functools.wraps(theme_map.map_view)
    def not_in_the_session(*args):
        raise AssertionError("the map was worked out in the session")

    monkeypatch.setattr(theme_map, "map_view", not_in_the_session)
    for at in (app, partner):
        at.run()
        assert not at.exception, at.exception
    counts = map_table(app).set_index("Code")["Count"]
    shown = map_table(partner).set_index("Code")["Count"]
    small = counts[(counts >= 1) & (counts <= 4)]
    assert len(small) and (shown[small.index] % 5 == 0).all()
    assert not shown.between(1, 4).any()
    # The officer's counts are the corrected ones (eight fewer in Rutland).
    rows = store.incidents(months=["2023-10", "2023-11", "2023-12"],
                           crime_types=["Anti-social behaviour"])
    beats = rows[rows.district_code == "E06000017"].groupby("beat_code").size()
    assert counts[beats.index].tolist() == beats.tolist()
    assert counts.sum() == before - len(dropped) and len(dropped) == 8


def test_partners_do_not_get_the_upload_and_data_pages(app):
    app.toggle(key="partner_view").set_value(True).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("pages/upload.py").run()


def test_an_officer_records_a_definition_change_on_the_data_page(app, seeded_store_copy):
    app.switch_page("pages/data.py").run()
    # Widgets in a form send their values with the submit, all in one run.
    app.selectbox(key="change_indicator").set_value("hate_crimes")
    app.selectbox(key="change_quarter").set_value("2023-04-01")
    app.text_input(key="change_note").input("Home Office counting rules changed")
    next(b for b in app.button if b.label == "Record the change").click().run()
    assert not app.exception
    changes = Store(f"sqlite:///{seeded_store_copy}").definition_changes()
    assert changes[["indicator_id", "period_start"]].values.tolist() == [
        ["hate_crimes", "2023-04-01"]]
    app.switch_page("pages/hate_crime.py").run()
    app.selectbox(key="ending").set_value("2023-04-01").run()
    detail = " ".join(m.proto.help for m in app.metric)  # the tiles' help
    assert "change withheld: the definition changed from Q1 2023/24" in detail
    # The position statement beside them reads the same: no change across the break.
    [statement] = [m.value for m in app.markdown if m.value.startswith("Hate crimes in ")]
    assert "No change is given: the definition changed from Q1 2023/24." in statement
    assert "on the same period a year before" not in statement


def presenter_header(app) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("<p"))


def test_presenter_walks_the_slides_with_the_meetings_filters(app):
    """Attention first, then the scorecard, then each theme; the Next button and the keys'
    buttons (Page Down, Home, End) move through them; the filters show on every slide."""
    app.selectbox(key="area").set_value(MELTON).run()
    app.switch_page("pages/present.py").run()
    assert not app.exception
    count = int(presenter_header(app).split(" of ")[1].split(" ")[0])
    titles = []
    for number in range(1, count + 1):
        titles.append(app.title[0].value)
        assert f"Slide {number} of {count} · Melton ·" in presenter_header(app)
        next_button = app.button(key="next_slide")
        if number < count:
            (next_button if number % 2 else app.button(key="slide_page_down")).click().run()
        else:
            assert next_button.disabled
    assert titles[0].startswith("What needs the board's attention")
    assert titles[-5:] == ["Crime", "Reoffending", "Domestic abuse", "Anti-social behaviour",
                           "Hate crime"]
    assert any(t.startswith("Scorecard") for t in titles)
    app.button(key="slide_home").click().run()
    assert "Slide 1 of" in presenter_header(app)
    app.button(key="slide_end").click().run()
    assert app.title[0].value == "Hate crime"
    app.button(key="previous_slide").click().run()
    assert app.title[0].value == "Anti-social behaviour"
    assert "partners' figures" not in presenter_header(app)
    app.toggle(key="partner_view").set_value(True).run()  # presenting to a room
    assert "🔒 partners' figures: counts under 5 rounded to 0 or 5" in presenter_header(app)


def test_a_slide_names_the_period_most_figures_are_for_and_marks_the_others():
    from components.presenter_view import slide_marks

    def row(i, period, end):
        return {"indicator_id": i, "period": period, "figure_end": end}

    rows = [row("a", "2021/22", "2022-03-31"), row("b", "Q2 2023/24", "2023-09-30"),
            row("c", "Q3 2023/24", "2023-12-31")]
    assert slide_marks(rows, {"a"}) == (  # a tie: the newest
        "Q3 2023/24", {"a": "2021/22, stale", "b": "Q2 2023/24"})
    rows.append(row("d", "Q2 2023/24", "2023-09-30"))  # the most figures
    assert slide_marks(rows, set()) == (
        "Q2 2023/24", {"a": "2021/22", "c": "Q3 2023/24"})
    assert slide_marks([], set()) == ("", {})


def test_slide_one_lists_what_needs_attention_then_counts_the_rest(app, seeded_store_copy):
    """Every indicator reading Act or Watch, or with a significant change, is on the
    attention slides, one line each with its reason; the first counts every headline by
    status per theme, and the counts add up to the scorecard."""
    from metrics.attention import needs_attention

    app.switch_page("pages/present.py").run()
    version = (Store(f"sqlite:///{seeded_store_copy}").data_version(), None, None)
    card = cache.load_scorecard(version, geo.BOARD_CODE, "quarter", None)
    wanted = needs_attention(card)
    lines = []
    while app.title[0].value.startswith("What needs the board's attention"):
        if not lines:
            counts = next(f.value for f in app.dataframe if "Theme" in f.value.columns)
            assert counts[["On track", "Watch", "Act", "No judgement"]].to_numpy().sum() == \
                card["value"].notna().sum()
        lines += [m.value for m in app.markdown if m.value.startswith("**")
                  and " · " in m.value]
        app.button(key="next_slide").click().run()
    assert len(lines) == len(wanted)
    for line, row in zip(lines, wanted.itertuples()):
        assert f"**{row.title}**" in line and line.endswith(row.reason)
    assert {r.overall for r in wanted.itertuples()} >= {"Act", "Watch"}


def test_the_overview_opens_on_what_needs_attention(app, seeded_store_copy):
    from metrics.attention import needs_attention

    version = (Store(f"sqlite:///{seeded_store_copy}").data_version(), None, None)
    wanted = needs_attention(cache.load_scorecard(version, geo.BOARD_CODE, "quarter", None))
    assert app.subheader[0].value == "What needs the board's attention"
    listed = next(m.value for m in app.markdown if m.value.startswith("- **"))
    lines = listed.split("\n")
    assert len(lines) == len(wanted) > 0
    assert all(f"**{row.title}**" in line and line.endswith(row.reason)
               for line, row in zip(lines, wanted.itertuples()))


def test_a_theme_slide_shows_its_figures_statement_and_open_actions(app, seeded_store_copy):
    app.switch_page("pages/present.py").run()
    app.button(key="slide_end").click().run()
    while app.title[0].value != "Crime":
        app.button(key="previous_slide").click().run()
    obs = Store(f"sqlite:///{seeded_store_copy}").observations(["crime_total_recorded"])
    board = obs[obs.area_code == "LRSCSB"].sort_values("period_start").iloc[-1]
    assert any(m.label.startswith("Total recorded crime, per 1,000 residents")
               and m.value == f"{board.value:.2f}" for m in app.metric)
    text = " ".join(m.value for m in app.markdown)
    assert "Total recorded crime in Leicestershire and Rutland is" in text
    assert "Training on Modern Slavery" in text  # action 1 is linked to crime


def test_an_officer_adds_an_action_and_the_theme_page_shows_it(app, seeded_store_copy):
    app.switch_page("pages/actions.py").run()
    app.text_area(key="action_text_None").input("Report hate crime reporting routes")
    app.text_input(key="action_officer_None").input("Ann Officer")
    app.selectbox(key="action_status_None").set_value("Red")
    app.multiselect(key="action_themes_None").set_value(["hate_crime"])
    next(b for b in app.button if b.label == "Save the action").click().run()
    assert not app.exception
    actions = Store(f"sqlite:///{seeded_store_copy}").actions()
    added = actions.iloc[-1]
    assert (added.number, added.action, added.status, added.themes) == (
        7, "Report hate crime reporting routes", "Red", ["hate_crime"])
    app.switch_page("pages/hate_crime.py").run()
    table = next(t.value for t in app.table if "Responsible officer" in t.value.columns)
    assert "Report hate crime reporting routes" in set(table["Action"])


def test_action_tables_show_the_status_before_the_long_text(app):
    """On screen the number and status come first (the status, last in the board paper's
    order, was off to the right at 1280 px); the download keeps the paper's order."""
    app.switch_page("pages/actions.py").run()
    shown = next(f for f in app.dataframe if "Responsible officer" in f.value.columns)
    assert list(shown.proto.column_order[:3]) == ["No.", "Status", "Raised"]
    assert set(shown.proto.column_order) == set(shown.value.columns)
    assert list(shown.value.columns[:3]) == ["No.", "Raised", "Action"]  # the paper's


def test_a_themes_actions_are_a_table_whose_comments_are_whole(app):
    """Beside a theme the few open actions are a static table (its long words wrap): the
    number and status first, and each comment whole, not cut to a cell's width."""
    app.switch_page("pages/reoffending.py").run()
    shown = next(t.value for t in app.table if "Responsible officer" in t.value.columns)
    assert list(shown.columns[:3]) == ["No.", "Status", "Raised"]
    longest = max(shown["Comments"], key=len)
    assert longest.startswith("An initial scoping exercise") and longest.endswith(
        "brought to a future Board when appropriate.")
    assert not (shown == "None").any().any()


def test_the_dashboard_reopens_on_a_snapshot_after_a_correction(app, seeded_store_copy):
    store = Store(f"sqlite:///{seeded_store_copy}")
    snapshot = store.create_snapshot("Board 15 December 2023", "Coordinator")
    obs = store.observations(["hate_crimes"], ["district"])
    melton = obs[obs.area_code == MELTON].sort_values("period_start").iloc[-1]
    show_melton_hate_fix(app, seeded_store_copy)
    app.selectbox(key="snapshot").set_value(snapshot).run()
    assert not app.exception
    assert tile(app, "Hate crimes") == f"{melton.value:.2f}"
    assert any("Board 15 December 2023" in i.value for i in app.info)


def test_the_pack_page_prepares_both_downloads(app):
    app.switch_page("pages/pack.py").run()
    next(b for b in app.button if b.label == "Prepare the pack").click().run()
    assert not app.exception
    labels = [d.label for d in app.get("download_button")]
    assert labels == ["Download PowerPoint", "Download PDF"]


def test_since_the_last_board_lists_revisions_and_new_periods(app, seeded_store_copy):
    store = Store(f"sqlite:///{seeded_store_copy}")
    store.create_snapshot("Board 15 December 2023", "Coordinator")
    obs = store.observations(["hate_crimes"], ["district"])
    shown = obs[(obs.area_code == MELTON) & (obs.period_start == "2023-10-01")].value.iloc[0]
    fix = seeded_store_copy.parent / "since.csv"
    fix.write_text("District,Period,Measure,Value\nMelton,Q3 2023/24,Hate crimes,9.99\n"
                   "Melton,Q4 2023/24,Hate crimes,1.2\n")
    ingest_paths([fix], store, "officer")
    app.run()
    cache.wait_for_readings()
    app.switch_page("pages/since.py").run()
    assert not app.exception
    revised = next(f.value for f in app.dataframe if "Shown to the board" in f.value.columns)
    row = revised.set_index(["Indicator", "Area", "Period"]).loc[
        ("Hate crimes", "Melton", "Q3 2023/24")]
    assert (row["Shown to the board"], row["Now"]) == (shown, 9.99)
    new = next(f.value for f in app.dataframe if "New periods" in f.value.columns)
    assert new.set_index("Indicator").loc["Hate crimes", "New periods"] == "Q4 2023/24"


def test_opening_the_upload_page_starts_the_file_readers(app, monkeypatch):
    """The reading processes start while the officer picks files, not at the first file."""
    from data_loaders import workers

    monkeypatch.setattr(workers, "_pool", workers.WorkerPool(2))
    assert workers.pool()._started == 0
    app.switch_page("pages/upload.py").run()
    assert not app.exception
    assert workers.pool()._started == 2 and len(workers.pool()._idle) == 2
    for worker in workers.pool()._idle:
        worker.kill()


def test_reoffending_opens_on_current_figures_and_says_plainly_why_it_has_no_map(app):
    """First time entrants end at 2021/22 (a yearly return, in arrears): the page opens on
    the youth reoffending rate, held to the latest quarter. Every reoffending figure is
    county-wide, and the page says so where the districts and the map would be."""
    app.switch_page("pages/reoffending.py").run()
    assert app.selectbox(key="indicator").value == "reoff_youth_reoffending_rate"
    # The first time entrants tile says its figure is stale; the current one does not.
    captions = [c.value for c in app.caption]
    fte = next(c for c in captions if "2021/22" in c)
    assert "⏳ stale" in fte
    assert not any("⏳ stale" in c for c in captions if "2021/22" not in c)
    notes = " ".join(i.value for i in app.info)
    assert "No district comparison: Youth reoffending rate is reported for Leicestershire " \
           "as a whole" in notes
    assert "No map: every reoffending figure held is for Leicestershire as a whole" in notes
    app.selectbox(key="indicator").set_value("reoff_first_time_entrants").run()
    spc = " ".join(c.value for c in app.caption)
    assert "reported once a year" in spc and "rolling 12-month" not in spc


def test_a_page_says_when_its_sources_end_at_different_dates(app, seeded_store_copy,
                                                             shared_data, tmp_path):
    """Three police.uk months of 2024 (October to December 2023's files, their months moved
    on) take the police.uk figures to March 2024 while the officers' stay at December 2023:
    the Crime page and the overview say so once, at the top."""
    street = shared_data / "police_uk" / "street"
    paths = []
    for old, new in (("2023-10", "2024-01"), ("2023-11", "2024-02"), ("2023-12", "2024-03")):
        path = tmp_path / f"{new}-leicestershire-street.csv"
        text = (street / f"{old}-leicestershire-street.csv").read_text(encoding="utf-8")
        path.write_text(text.replace(f",{old},", f",{new},"), encoding="utf-8")
        paths.append(path)
    ingest_paths(paths, Store(f"sqlite:///{seeded_store_copy}"), "officer")
    note = "⏳ Police.uk figures to March 2024; officers' figures to December 2023."
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)  # opened afresh
    app.run()
    app.switch_page("pages/crime.py").run()
    assert not app.exception
    assert [c.value for c in app.caption if c.value.startswith("⏳ Police")] == [
        f"{note} Each tile gives its own period."]
    app.switch_page("pages/overview.py").run()
    assert [c.value for c in app.caption if c.value.startswith("⏳ Police")] == [
        f"{note} Each row gives its own period."]
    app.switch_page("pages/hate_crime.py").run()  # one source, one date: nothing to say
    assert not [c.value for c in app.caption if c.value.startswith("⏳ Police")]
    app.switch_page("pages/present.py").run()  # the Crime slide says it beside its title
    app.button(key="slide_end").click().run()
    for _ in range(4):
        app.button(key="previous_slide").click().run()
    assert app.title[0].value == "Crime"
    expected = ("<p class='slide-periods'>Figures for <b>12 months to December 2023</b> unless "
                f"marked · {note} · ⚠ includes sample data</p>")
    assert [m.value for m in app.markdown if "slide-periods" in m.value] == [expected]
    # The police.uk tile, for another period, names its own beside its status.
    marked = [m.value for m in app.markdown if m.value.startswith("**") and " · " in m.value]
    assert len(marked) == 1 and marked[0].endswith("** · Q4 2023/24")
    app.button(key="slide_home").click().run()  # and so do the attention and scorecard
    while not app.title[0].value.startswith("Scorecard"):
        assert [m.value for m in app.markdown if "slide-periods" in m.value] == [expected]
        app.button(key="next_slide").click().run()
    values = {}
    while app.title[0].value.startswith("Scorecard"):
        values.update(table_with(app, "Value").set_index("Indicator")["Value"])
        app.button(key="next_slide").click().run()
    police = {i for i in values if "(police.uk)" in i}
    assert police and all(values[i].endswith(" (Q4 2023/24)") for i in police)
    assert values["First time entrants aged 10-17"] == "84 (2021/22, stale)"
    assert not any("12 months to December 2023" in v for v in values.values())
