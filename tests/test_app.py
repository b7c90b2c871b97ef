"""Every page runs under AppTest on the sample data, and the numbers shown match values
computed independently here from the store."""
from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from data_loaders import geography as geo
from data_loaders.store import Store

pytestmark = pytest.mark.app
PAGES = ["pages/overview.py", "pages/upload.py", "pages/data.py"]


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
    st.cache_resource.clear()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(app, page):
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert app.title


def table_with(at, column):
    """The first table on the page that has ``column`` (positions shift as pages grow)."""
    return next(f.value for f in at.dataframe if column in f.value.columns)


def test_overview_area_filter_changes_the_numbers(app, seeded_store_copy):
    store = Store(f"sqlite:///{seeded_store_copy}")
    obs = store.observations()
    for area in (geo.BOARD_CODE, "E07000133"):
        app.selectbox(key="overview_area").set_value(area).run()
        shown = {}
        for frame in app.dataframe:
            table = frame.value
            shown.update(dict(zip(table["Indicator"].str.replace(" (sample data)", ""),
                                  table["Value"])))
        mine = obs[(obs.area_code == area) & (obs.indicator_id == "police_burglary")]
        latest = mine.sort_values("period_start").iloc[-1]["value"]
        assert shown["Burglary (police.uk)"] == f"{latest:,.0f}"
    assert not app.exception


def test_data_page_ledger_lists_every_upload(app, seeded_store_copy):
    app.switch_page("pages/data.py").run()
    ledger = table_with(app, "Upload")
    store = Store(f"sqlite:///{seeded_store_copy}")
    assert sorted(ledger["Upload"]) == sorted(store.uploads()["upload_id"])
    assert set(ledger["Sample data"]) == {"yes"}


def test_data_page_rollback_removes_and_restore_brings_back(app, seeded_store_copy):
    store = Store(f"sqlite:///{seeded_store_copy}")
    ledger = store.uploads()
    police = ledger[ledger.kind == "police_uk_street"].iloc[0]
    month_rows = len(store.incidents())
    app.switch_page("pages/data.py").run()
    app.selectbox(key="rollback_choice").set_value(int(police.upload_id)).run()
    app.checkbox(key=f"confirm_{police.upload_id}_stored").check().run()
    next(b for b in app.button if b.label == "Roll back").click().run()
    assert not app.exception
    assert store.uploads().set_index("upload_id").loc[police.upload_id, "status"] == \
        "rolled back"
    assert len(store.incidents()) < month_rows
    assert any(f"Upload {police.upload_id} rolled back" in s.value for s in app.success)
    # The newest police.uk upload is December's: after the rollback November is the latest.
    assert police.file_name.startswith("2023-12")
    coverage = table_with(app, "Latest").set_index("Indicator")
    assert coverage.loc["Burglary (police.uk)", "Latest"] == "Nov 2023"

    app.selectbox(key="rollback_choice").set_value(int(police.upload_id)).run()
    app.checkbox(key=f"confirm_{police.upload_id}_rolled back").check().run()
    next(b for b in app.button if b.label == "Restore").click().run()
    assert len(store.incidents()) == month_rows
    coverage = table_with(app, "Latest").set_index("Indicator")
    assert coverage.loc["Burglary (police.uk)", "Latest"] == "Dec 2023"
