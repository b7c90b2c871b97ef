"""A real sign-in: `streamlit run app.py` with secrets pointing st.login at a small OpenID
Connect provider the test starts (tests/oidc_provider.py), driven in headless Chromium. A
viewer never sees the upload, data or admin pages, by link or by URL; an officer gets Upload;
an admin gets Roles and settings; someone on no list is told whom to ask; and an officer
removed from the secrets file loses everything on their next request. Screenshots are kept in
tests/artifacts/."""
from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path

import pytest
from test_browser import ARTIFACTS, serious_violations, wait_idle

from oidc_provider import Provider
from servers import free_port, launch_chromium, listed_pages, start_app, stop_app

pytestmark = pytest.mark.browser
VIEWER = {"email": "pat@partner.example", "name": "Pat Partner", "groups": ["partners"]}
OFFICER = {"email": "olive@leics.example", "name": "Olive Officer"}
ADMIN = {"email": "ada@leics.example", "name": "Ada Admin"}
STRANGER = {"email": "sam@elsewhere.example", "name": "Sam Stranger"}
ROLES = """
[roles]
contact = "the Community Safety team"
admins = ["ada@leics.example"]
officers = [{officers}]
viewer_groups = ["partners"]
"""


def write_secrets(path: Path, port: int, provider: Provider, officers: str) -> None:
    path.write_text(f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "{provider.client_id}"
client_secret = "{provider.client_secret}"
server_metadata_url = "{provider.metadata_url}"
""" + ROLES.format(officers=officers), encoding="utf-8")


@pytest.fixture(scope="module")
def site(seeded_store_file, tmp_path_factory):
    """The provider and `streamlit run app.py` signing in through it, on a private copy of
    the seeded store and a secrets file outside the repository; yields (url, provider,
    secrets path)."""
    folder = tmp_path_factory.mktemp("login")
    store = folder / "store.sqlite"
    shutil.copy(seeded_store_file, store)
    provider = Provider("dashboard-test", secrets.token_urlsafe(24)).start()
    port = free_port()
    provider.redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    secrets_file = folder / "secrets.toml"
    write_secrets(secrets_file, port, provider, '"olive@leics.example"')
    try:
        process, url = start_app({"DASHBOARD_SQLITE_PATH": str(store), "DATABASE_URL": None},
                                 port, ("--secrets.files", str(secrets_file)))
    except BaseException:
        provider.stop()
        raise
    yield url, provider, secrets_file
    stop_app(process)
    provider.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh browser (no cookies), so each test signs in as its own person."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, site, claims: dict) -> None:
    """Open the app, press Sign in, and come back signed in as ``claims`` through the
    provider's authorization-code flow."""
    url, provider, _ = site
    provider.user = claims
    page.goto(url)
    wait_idle(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/", timeout=30_000)
    wait_idle(page)
    page.get_by_role("heading", name="Safer Communities").first.wait_for(timeout=60_000)
    wait_idle(page)


def navigation(page) -> str:
    return " | ".join(listed_pages(page))


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"login-{name}.png"), full_page=True)


def test_a_page_file_url_as_a_fresh_servers_first_request_shows_no_data(site, page):
    """Runs first: on a fresh server Streamlit runs pages/data.py for /data without app.py,
    so the page checks for itself and shows the sign-in screen."""
    url = site[0]
    for path in ("/data", "/upload", "/overview"):
        page.goto(url + path)
        wait_idle(page)
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        assert page.locator("[data-testid=stDataFrame]").count() == 0
        assert page.get_by_role("heading", name="Upload data").count() == 0
    shot(page, "fresh-server-data")


def test_someone_not_signed_in_sees_only_the_sign_in_button(site, page):
    page.goto(site[0] + "/upload-files")
    wait_idle(page)
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    assert "Upload" not in navigation(page)
    assert page.locator("[data-testid=stDataFrame], [data-testid=stMetric]").count() == 0
    shot(page, "sign-in")
    assert serious_violations(page) == []


def test_a_viewer_signs_in_and_never_gets_upload_data_or_admin(site, page):
    sign_in(page, site, VIEWER)
    page.get_by_text("Signed in as Pat Partner (pat@partner.example), viewer").wait_for()
    listed = navigation(page)
    assert "Overview" in listed and "Action log" in listed
    assert not any(name in listed for name in ("Upload", "Data and uploads", "Roles"))
    shot(page, "viewer")
    for path in ("/upload-files", "/data-and-uploads", "/roles-and-settings", "/upload",
                 "/admin"):
        page.goto(site[0] + path)
        wait_idle(page)
        page.get_by_text("Signed in as Pat Partner").wait_for(timeout=30_000)
        for heading in ("Upload data", "Data", "Roles and settings"):
            assert page.get_by_role("heading", name=heading, exact=True).count() == 0, path
        assert page.get_by_label("Files to upload").count() == 0
    shot(page, "viewer-at-upload-url")


def test_an_officer_signs_in_and_uploads_as_themselves(site, page):
    sign_in(page, site, OFFICER)
    assert "Upload" in navigation(page) and "Roles" not in navigation(page)
    page.goto(site[0] + "/upload-files")
    wait_idle(page)
    page.get_by_role("heading", name="Upload data").first.wait_for(timeout=30_000)
    page.get_by_text("Uploads are recorded in the ledger as Olive Officer "
                     "(olive@leics.example)").wait_for()
    assert page.get_by_label("Your name (recorded in the upload ledger)").count() == 0
    shot(page, "officer-upload")


def test_an_admin_gets_roles_and_settings(site, page):
    sign_in(page, site, ADMIN)
    page.get_by_role("button", name="Data").click()  # the navigation bar's Data menu
    page.get_by_role("menuitem", name="Roles and settings").click()
    wait_idle(page)
    page.get_by_role("heading", name="Who has which role").wait_for(timeout=30_000)
    page.get_by_text("secrets: officers").first.wait_for(state="attached")  # a grid cell
    assert page.locator("[data-testid=stException]").count() == 0
    shot(page, "admin")
    assert serious_violations(page) == []


def test_someone_on_no_list_is_told_whom_to_ask(site, page):
    sign_in(page, site, STRANGER)
    page.get_by_text("you are not on the dashboard's list. Ask the Community Safety team "
                     "to add you.").wait_for(timeout=30_000)
    assert page.locator("[data-testid=stDataFrame], [data-testid=stMetric]").count() == 0
    assert navigation(page) == ""
    shot(page, "not-on-the-list")


def test_an_officer_removed_from_the_secrets_file_loses_upload_at_once(site, page):
    """Runs last: it changes the secrets file, which the server re-reads by itself."""
    url, _, secrets_file = site
    sign_in(page, site, OFFICER)
    page.goto(url + "/upload-files")
    wait_idle(page)
    page.get_by_role("heading", name="Upload data").first.wait_for(timeout=30_000)
    text = secrets_file.read_text(encoding="utf-8")
    secrets_file.write_text(text.replace('officers = ["olive@leics.example"]',
                                         "officers = []"), encoding="utf-8")
    gone = page.get_by_text("you are not on the dashboard's list")
    deadline = time.time() + 60  # the server notices the file within a second or so
    while not gone.count() and time.time() < deadline:
        page.goto(url + "/upload-files")
        wait_idle(page)
    assert gone.count()
    assert page.get_by_role("heading", name="Upload data").count() == 0
    shot(page, "officer-removed")
