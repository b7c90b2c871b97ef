"""Two app servers on one PostgreSQL database, as behind one URL: an upload through one
server's page is in the other's ledger and figures at its next rerun, though the other had
already cached the data as it was."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from test_browser import IDLE, store_one_file, wait_idle

from servers import launch_chromium, start_app, stop_app

pytestmark = pytest.mark.browser
NEW_FILE = "melton hate crime correction.csv"


@pytest.fixture(scope="module")
def shared_url(postgres_url):
    """A database of its own on the test PostgreSQL server, with the sample data loaded."""
    from data_loaders.ingest import load_sample_data
    from data_loaders.store import Store

    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS shared_servers")
        conn.exec_driver_sql("CREATE DATABASE shared_servers")
    url = postgres_url.replace("/postgres?", "/shared_servers?")
    store = Store(url)
    load_sample_data(store)
    store.engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE shared_servers WITH (FORCE)")
    admin.dispose()


@pytest.fixture(scope="module")
def two_servers(shared_url):
    env = {"DATABASE_URL": shared_url, "DASHBOARD_SQLITE_PATH": None}
    first, second = start_app(env), start_app(env)
    yield first[1], second[1]
    for process, _ in (first, second):
        stop_app(process)


def test_an_upload_through_one_server_shows_on_the_other(two_servers, tmp_path, shared_url):
    from playwright.sync_api import sync_playwright

    from data_loaders.store import Store

    one, other = two_servers
    stored_before = len(Store(shared_url).uploads())
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})

        # The second server shows, and caches, the data as it is before the upload.
        page.goto(other)
        wait_idle(page)
        page.goto(f"{other}/data-and-uploads")
        wait_idle(page)
        page.get_by_role("heading", name="Data").first.wait_for(timeout=30_000)
        assert page.get_by_text(NEW_FILE).count() == 0

        upload = tmp_path / NEW_FILE
        upload.write_text("District,Period,Measure,Value\nMelton,Q1 2023/24,Hate crimes,1.99\n",
                          encoding="utf-8")
        page.goto(one)
        wait_idle(page)
        store_one_file(page, one, upload, "Officer on one")

        # The other server: the upload is in its ledger at the next page load.
        page.goto(f"{other}/data-and-uploads")
        page.wait_for_selector(IDLE, timeout=60_000)
        # The ledger is a data grid: its cells are in the page for screen readers, not painted.
        page.get_by_text(NEW_FILE).first.wait_for(state="attached", timeout=30_000)
        assert page.get_by_text("Officer on one").count() >= 1
        browser.close()
    ledger = Store(shared_url).uploads()
    assert len(ledger) == stored_before + 1
    assert ledger.iloc[0]["file_name"] == NEW_FILE
