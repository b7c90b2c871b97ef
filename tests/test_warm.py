"""A fresh server works out its first page before anyone asks (components/warm.py, started
by serve.py): the first overview is then drawn from what it worked out, with the same
figures."""
from __future__ import annotations

import asyncio
from pathlib import Path
from unittest.mock import patch

import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.web.server.app_discovery import discover_asgi_app
from test_app import police_crimes, scorecard_values

from components import cache, warm
from data_loaders import geography as geo
from data_loaders.store import Store
from metrics.series import ObservationIndex

from conftest import ROOT

pytestmark = pytest.mark.app
CRIME = "Street-level crime excluding ASB (police.uk)"


@pytest.fixture()
def fresh_server(seeded_store_copy, monkeypatch, tmp_path):
    """Empty caches, and no observations kept on disk: a server's first start."""
    monkeypatch.setenv("DASHBOARD_SQLITE_PATH", str(seeded_store_copy))
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield seeded_store_copy
    st.cache_resource.clear()


def refuse(*_args, **_kwargs):
    raise AssertionError("worked out again by the page, not taken from the warm-up")


def first_overview() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_first_overview_is_drawn_from_the_warm_up_with_the_same_figures(fresh_server):
    cold = scorecard_values(first_overview())
    st.cache_data.clear()
    st.cache_resource.clear()

    warm.warm_up()
    # Whatever the first overview would read or work out itself now fails the page.
    with patch.object(Store, "observations", refuse), \
            patch.object(ObservationIndex, "__init__", refuse), \
            patch.object(cache, "compute_assessment", refuse):
        warmed = scorecard_values(first_overview())

    assert warmed == cold
    store = Store(f"sqlite:///{fresh_server}")
    q3 = ["2023-10", "2023-11", "2023-12"]
    assert warmed[CRIME] == f"{police_crimes(store, q3, geo.DISTRICTS):,}"


def test_a_warm_up_on_an_empty_store_leaves_the_sample_data_to_the_first_page(
        tmp_path, monkeypatch):
    path = tmp_path / "empty.sqlite"
    monkeypatch.setenv("DASHBOARD_SQLITE_PATH", str(path))
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    with patch.object(cache, "load_observation_index", refuse):
        warm.warm_up()
    assert Store(f"sqlite:///{path}").is_empty()
    st.cache_resource.clear()


def test_a_failed_warm_up_is_logged_and_leaves_the_server_running(fresh_server, caplog):
    with patch.object(cache, "read_data_version", side_effect=OSError("disk gone")):
        warm.start_warming().join(30)
    assert "warming up the first page failed" in caplog.text and "disk gone" in caplog.text


def test_the_run_command_serves_app_py_and_starts_warming_as_the_server_starts(fresh_server):
    PagesManager.uses_pages_directory = None  # as in a new process
    found = discover_asgi_app(ROOT / "serve.py")
    assert found.is_asgi_app and found.app_name == "app"

    import serve

    assert Path(serve.app.script_path).name == "app.py"
    started = []
    with patch.object(serve, "start_warming", lambda: started.append(True)):
        async def enter_and_leave():
            async with serve.warm_while_the_first_browser_loads(serve.app):
                assert started == [True]  # before the server takes its first request
                assert PagesManager.uses_pages_directory is False  # app.py routes every page
        asyncio.run(enter_and_leave())
