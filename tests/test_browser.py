"""The real app under `streamlit run`, driven in headless Chromium: every page renders with no
exception and no serious accessibility violation, and real files go through the Upload page.
Screenshots are kept in tests/artifacts/."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from servers import launch_chromium, start_app, stop_app

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES = {"": "Safer Communities performance", "crime-theme": "Crime",
         "reoffending-theme": "Reoffending", "domestic-abuse": "Domestic abuse",
         "anti-social-behaviour": "Anti-social behaviour", "hate-crime": "Hate crime",
         "action-log": "Action log", "board-pack": "Board pack",
         "since-the-last-board": "Since the last board",
         "about-the-dashboard": "About the dashboard",
         "upload-files": "Upload data",
         "data-and-uploads": "Data"}  # URL path -> heading
THEME_PAGES = ["crime-theme", "reoffending-theme", "domestic-abuse", "anti-social-behaviour",
               "hate-crime"]
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"


@pytest.fixture(scope="module")
def server(seeded_store_file, tmp_path_factory):
    """The run command on a private copy of the seeded store; yields the base URL."""
    store = tmp_path_factory.mktemp("browser") / "store.sqlite"
    shutil.copy(seeded_store_file, store)
    process, url = start_app({"DASHBOARD_SQLITE_PATH": str(store), "DATABASE_URL": None})
    yield url, store
    stop_app(process)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def wait_idle(page, timeout=60_000) -> None:
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(500)  # let the last deltas paint
    page.wait_for_selector(IDLE, timeout=timeout)


def store_one_file(page, base_url: str, path, officer: str) -> None:
    """Upload one officer's file through the Upload page as an officer does: pick it, wait
    for its preview, give a name, store it, and see it stored."""
    page.goto(f"{base_url}/upload-files")
    wait_idle(page)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    wait_idle(page)
    page.get_by_text("Figures this file revises").wait_for(timeout=60_000)
    store_shown_file(page, officer)


def store_shown_file(page, officer: str) -> None:
    """Give a name and store the one file the Upload page shows ready."""
    page.get_by_label("Your name (recorded in the upload ledger)").fill(officer)
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Store 1 file").click()
    wait_idle(page)
    page.get_by_text("Stored 1 file as upload").wait_for(timeout=30_000)


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def router_ran(page) -> bool:
    """app.py's navigation is the bar along the top (Streamlit's old pages/ mode would list
    the page files' names in the sidebar)."""
    return (page.locator("[data-testid=stSidebarNav]").count() == 0
            and "Domestic abuse" in page.locator("[data-testid=stTopNav]").inner_text())


def test_a_link_to_a_page_works_as_the_first_request_of_a_fresh_server(server, page):
    """Runs first in this module, so the server has served nothing yet. Left to itself,
    Streamlit would treat pages/ as its old directory of pages until app.py's first run, and
    show this first link a "Page not found" notice over the right page (serve.py)."""
    server, _ = server
    page.goto(f"{server}/upload-files")
    wait_idle(page)
    page.get_by_role("heading", name="Upload data").first.wait_for(timeout=30_000)
    assert router_ran(page)
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.get_by_text("Page not found").count() == 0


def test_a_link_to_a_page_file_on_a_fresh_server_is_routed_by_app_py(seeded_store_copy, page):
    """/crime names pages/crime.py, not a page of the dashboard (its URL is /crime-theme). As a
    fresh server's first request it must still go through app.py, which says the page does
    not exist and shows the overview, not run the file on its own."""
    process, url = start_app({"DASHBOARD_SQLITE_PATH": str(seeded_store_copy),
                              "DATABASE_URL": None})
    try:
        page.goto(f"{url}/crime")
        wait_idle(page)
        page.get_by_text("Page not found").first.wait_for(timeout=30_000)
        page.get_by_role("heading", name="Safer Communities performance").first.wait_for(
            timeout=30_000)
        assert router_ran(page)
    finally:
        stop_app(process)


@pytest.mark.parametrize("slug", PAGES)
def test_page_renders_without_errors_and_passes_axe(server, page, slug):
    server, _ = server
    page.goto(f"{server}/{slug}")
    wait_idle(page)
    page.get_by_role("heading", name=PAGES[slug]).first.wait_for(timeout=30_000)
    assert page.locator("[data-testid=stException]").count() == 0
    assert router_ran(page)
    assert page.get_by_text("Page not found").count() == 0
    if slug in THEME_PAGES:
        # The charts and the map have drawn: Vega renders SVG or canvas, deck.gl a canvas.
        page.locator("[data-testid=stVegaLiteChart] canvas, "
                     "[data-testid=stVegaLiteChart] svg").first.wait_for(timeout=30_000)
        # Reoffending figures are county-wide: that page says there is no map instead.
        page.locator("[data-testid=stDeckGlJsonChart] canvas").or_(
            page.get_by_text("No map:")).first.wait_for(timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 720), (1920, 1080)):  # the first screen on a projector
        page.set_viewport_size({"width": width, "height": height})
        wait_idle(page)
        page.screenshot(path=str(ARTIFACTS / f"first-screen-{width}x{height}-"
                                             f"{slug or 'overview'}.png"))
    page.set_viewport_size({"width": 1400, "height": 4200})  # the whole page in one shot
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / f"page-{slug or 'overview'}.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})
    assert serious_violations(page) == []


def test_filters_live_in_the_url_and_survive_moving_between_pages(server, page):
    server, _ = server
    page.goto(f"{server}/?area=Melton&period=Rolling+12+months")
    wait_idle(page)
    caption = page.locator("[data-testid=stMain] [data-testid=stCaptionContainer]").first
    assert caption.inner_text().startswith("Melton · rolling 12 months")
    for menu, link, path in (("Data", "Upload", "/upload-files"),
                             (None, "Hate crime", "/hate-crime")):
        if menu:  # a menu of the navigation bar
            page.get_by_role("button", name=menu).click()
            page.get_by_role("menuitem", name=link).first.click()
        else:
            page.get_by_role("link", name=link).first.click()
        page.wait_for_url(f"**{path}?*", timeout=30_000)
        wait_idle(page)
        assert "area=Melton" in page.url and "period=Rolling+12+months" in page.url
    page.get_by_role("heading", name="Hate crime").first.wait_for(timeout=30_000)
    assert caption.inner_text().startswith("Melton · rolling 12 months")


@pytest.mark.parametrize("slug", ["", "domestic-abuse", "anti-social-behaviour"])
def test_the_filters_and_the_choice_are_in_view_on_a_1280x720_screen(server, page, slug):
    """The page list is a bar along the top, so the sidebar holds the filters at its top:
    Area, Beat (a district is chosen), Period and Ending with all sit inside the first
    screen, and the page's header line names the choice."""
    server, _ = server
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/{slug}?area=Melton&period=Financial+year+to+date")
    wait_idle(page)
    for label in ("Area", "Beat", "Period", "Ending with"):
        box = page.locator("[data-testid=stSidebar]").get_by_label(label).bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, label
    header = page.locator("[data-testid=stMain] [data-testid=stCaptionContainer]").first
    assert header.bounding_box()["y"] < 720
    assert header.inner_text().startswith("Melton · financial year to date")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"filters-1280x720-{slug or 'overview'}.png"))


def test_real_police_files_upload_through_the_page(server, page, shared_data, tmp_path):
    """The 2023 files are already in the sample store: the page says so and adds nothing.
    A corrected officer table then goes in, shows its revision, and lands in the ledger."""
    from data_loaders.store import Store

    server, store_path = server
    page.goto(f"{server}/upload-files")
    wait_idle(page)
    street = sorted((shared_data / "police_uk" / "street").glob("*.csv"))[:2]
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        [str(p) for p in street])
    wait_idle(page)
    page.get_by_text("Already stored").first.wait_for(timeout=60_000)
    assert page.get_by_text("police.uk street-level crime").count() >= 2
    page.get_by_text("Every file here is already stored").wait_for()
    page.screenshot(path=str(ARTIFACTS / "upload-duplicates.png"), full_page=True)

    corrected = tmp_path / "hate crime correction.csv"
    corrected.write_text("District,Period,Measure,Value\n"
                         "Melton,Q1 2023/24,Hate crimes,1.99\n", encoding="utf-8")
    store_one_file(page, server, corrected, "Test Officer")
    page.screenshot(path=str(ARTIFACTS / "upload-stored.png"), full_page=True)

    ledger = Store(f"sqlite:///{store_path}").uploads()
    newest = ledger.iloc[0]
    assert (newest.file_name, newest.user_name, newest.rows_revised) == (
        "hate crime correction.csv", "Test Officer", 1)
    # The same figure in other bytes changes nothing: no Store button, no box to tick.
    choose_file(page, server, tmp_path / "hate crime correction again.csv",
                "District,Period,Measure,Value\nMelton,Q1 2023/24,Hate crimes,1.990\n")
    page.get_by_text("· Changes nothing").wait_for(timeout=60_000)
    page.get_by_text("There is nothing to store").wait_for()
    assert page.get_by_role("button", name="Store 1 file").count() == 0
    assert page.get_by_text("I have checked the warnings").count() == 0
    page.screenshot(path=str(ARTIFACTS / "upload-changes-nothing.png"), full_page=True)
    choose_file(page, server, tmp_path / "parking.csv",
                "District,Period,Measure,Value\nMelton,Q1 2023/24,Hate crimes,lots\n")
    page.get_by_text("cannot be stored yet").first.wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "upload-refused.png"), full_page=True)
    store = Store(f"sqlite:///{store_path}")
    assert store.refusals()["file_name"].tolist() == ["parking.csv"]
    assert len(store.uploads()) == len(ledger)  # nothing stored
    page.goto(f"{server}/data-and-uploads")
    wait_idle(page)
    assert page.locator("[data-testid=stException]").count() == 0


def test_a_year_of_months_is_one_upload_and_rolls_back_in_one_step(server, page,
                                                                    shared_data, tmp_path):
    """Twelve police.uk months of 2024 (2023's files, their months moved on) chosen together
    are stored as one upload; the Crime page then says its police.uk and officers' figures
    end at different dates; on the Data page the upload is one ledger line, and one roll
    back undoes all twelve files."""
    from data_loaders.store import Store

    server, store_path = server
    store = Store(f"sqlite:///{store_path}")
    before = store.observations()
    paths = []
    for old in sorted((shared_data / "police_uk" / "street").glob("2023-*-street.csv")):
        month = old.name[:7]
        new = tmp_path / old.name.replace("2023-", "2024-", 1)
        new.write_text(old.read_text(encoding="utf-8").replace(
            f",{month},", f",2024{month[4:]},"), encoding="utf-8")
        paths.append(str(new))
    assert len(paths) == 12
    page.goto(f"{server}/upload-files")
    wait_idle(page)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(paths)
    wait_idle(page, timeout=120_000)
    page.get_by_label("Your name (recorded in the upload ledger)").fill("Test Officer")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Store 12 files").click()
    wait_idle(page, timeout=120_000)
    page.get_by_text("Stored 12 files as upload").wait_for(timeout=60_000)
    [batch] = store.batches().head(1).itertuples()
    assert (len(batch.files), batch.status) == (12, "stored")
    assert set(store.uploads().query("batch_id == @batch.batch_id")["status"]) == {"stored"}

    page.goto(f"{server}/crime-theme")
    wait_idle(page)
    page.get_by_text("Police.uk figures to December 2024; officers' figures to December "
                     "2023. Each tile gives its own period.").wait_for()
    page.screenshot(path=str(ARTIFACTS / "crime-after-a-year-of-months.png"), full_page=True)

    page.goto(f"{server}/data-and-uploads")
    wait_idle(page)
    tools = page.locator("[data-testid=stExpander]", has_text="Roll back or restore")
    tools.locator("summary").click()
    wait_idle(page)
    tools.locator("[data-testid=stSelectbox] input").first.click()
    page.get_by_role("option", name=f"{batch.batch_id}: 12 files").click()
    wait_idle(page)
    page.get_by_text(f"Roll back upload {batch.batch_id}").click()
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "data-roll-back-a-batch.png"), full_page=True)
    page.get_by_role("button", name="Roll back", exact=True).click()
    wait_idle(page)
    page.get_by_text(f"Upload {batch.batch_id} rolled back.").wait_for()
    assert set(store.uploads().query("batch_id == @batch.batch_id")["status"]) == \
        {"rolled back"}
    pd.testing.assert_frame_equal(store.observations(), before)  # as it was, in one step
    assert page.locator("[data-testid=stException]").count() == 0


def choose_file(page, base_url: str, path, text: str) -> None:
    """Write ``text`` to ``path`` and pick it on the Upload page."""
    path.write_text(text, encoding="utf-8")
    page.goto(f"{base_url}/upload-files")
    wait_idle(page)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    wait_idle(page)


def officers_own_words(quarter: str) -> str:
    """An officer's table in their own words: hate crime under their service's name."""
    return "District,Period,Measure,Value\n" + "".join(
        f"{d},{quarter},Hate crime offences,{1.5 + i / 10:.2f}\n"
        for i, d in enumerate(["Blaby", "Charnwood", "Melton", "Rutland"]))


def test_an_unknown_measure_is_answered_once_on_the_page(server, page, tmp_path):
    """The first file asks once what "Hate crime offences" is, closest first; the answer
    is kept (listed on the Data page) and the next quarter's file goes in without a
    question."""
    from data_loaders.store import Store

    server, store_path = server
    choose_file(page, server, tmp_path / "hate q2.csv", officers_own_words("2023-24 Q2"))
    page.get_by_text("Needs an answer").wait_for(timeout=60_000)
    assert page.get_by_text('"Hate crime offences" (rows 2-5) is not a measure this dashboard '
                            "knows. Did you mean: Hate crimes").count() == 1
    assert page.get_by_role("button", name="Store 1 file").count() == 0
    page.screenshot(path=str(ARTIFACTS / "upload-question.png"), full_page=True)
    page.locator("[data-testid=stSelectbox] input").first.click()
    page.keyboard.type("Hate crimes")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_text("officer's long table · Ready").wait_for(timeout=60_000)
    assert page.get_by_text("read as Hate crimes, as answered").count() == 1
    page.screenshot(path=str(ARTIFACTS / "upload-answered.png"), full_page=True)
    store_shown_file(page, "Test Officer")
    store = Store(f"sqlite:///{store_path}")
    assert store.aliases()["measure:hate crime offences"] == "hate_crimes"

    page.goto(f"{server}/data-and-uploads")
    wait_idle(page)
    page.get_by_text("Names the board reads its own way").wait_for()
    aliases = page.locator("[data-testid=stTable]", has_text="hate crime offences")
    assert aliases.count() == 1 and "Hate crimes" in aliases.inner_text()
    assert "Test Officer" in aliases.inner_text()

    choose_file(page, server, tmp_path / "hate q3.csv", officers_own_words("2023-24 Q3"))
    page.get_by_text("officer's long table · Ready").wait_for(timeout=60_000)  # no question
    store_shown_file(page, "Test Officer")
    assert store.uploads().iloc[0]["file_name"] == "hate q3.csv"


def test_downloads_arrive_however_quickly_they_are_pressed(server, page):
    """Every download button on a theme page pressed one after another as fast as a person
    clicks: each gives its own file, named for the table, the area and the period, rounded as the
    screen shows it (a rerun after a click used to drop the other buttons' files)."""
    server, _ = server
    page.goto(f"{server}/domestic-abuse?area=Melton")
    wait_idle(page)
    for expander in page.locator("[data-testid=stExpander] summary").all():
        expander.click()  # the tables under the charts carry buttons too
    wait_idle(page)
    buttons = [b for b in page.locator("[data-testid=stDownloadButton] button").all()
               if b.is_visible()]
    assert len(buttons) >= 8
    arrived = []
    page.on("download", lambda download: arrived.append(download))
    for button in buttons:  # as fast as a person clicks: six or seven a second
        button.click()
        page.wait_for_timeout(150)
    for _ in range(50):
        if len(arrived) == len(buttons):
            break
        page.wait_for_timeout(200)
    names = [d.suggested_filename for d in arrived]
    assert len(names) == len(buttons) and len(set(names)) == len(names)
    assert all(not d.failure() for d in arrived)
    assert "Domestic_crimes_and_incidents_by_district_Melton_latest_quarter.csv" in names
    comparison = arrived[names.index(
        "Domestic_crimes_and_incidents_by_district_Melton_latest_quarter.csv")]
    rows = Path(comparison.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == 'Area,"Rate per 1,000 residents",Compared with its benchmark,Count,' \
                      "95% lower,95% upper"
    for row in rows[1:]:  # counts whole, rates to two decimals, as on the screen
        cells = row.rsplit(",", 3)
        assert re.fullmatch(r"\d*", cells[1]), row
        assert all(re.fullmatch(r"(\d+\.\d{1,2})?", c) for c in cells[2:]), row


OVERFLOW = """() => { const main = document.querySelector('[data-testid=stMain]');
    return main.scrollHeight - main.clientHeight; }"""


def slide_line(page) -> str:
    return page.get_by_text("Slide ", exact=False).first.inner_text()


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_every_slide_fits_the_projector_and_the_clicker_drives_them(server, page, width,
                                                                     height):
    """Walked with real key presses as a clicker sends them (right arrow, Page Down, Space;
    back with the left arrow and Page Up; Home and End): no slide's content runs past the
    bottom of the screen at either size, and each is screenshotted. Escape leaves for the
    dashboard page of the slide's theme with the meeting's filters."""
    server, _ = server
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{server}/presenter-mode?area=Melton&period=Rolling+12+months")
    wait_idle(page)
    assert not page.locator("[data-testid=stSidebar]").is_visible()  # no sidebar on screen
    count = int(slide_line(page).split(" of ")[1].split(" ")[0])
    keys = ["ArrowRight", "PageDown", "Space"]
    for number in range(1, count + 1):
        assert slide_line(page).startswith(f"Slide {number} of {count} · Melton · rolling")
        if page.get_by_role("heading", name="Crime").count():
            page.locator("[data-testid=stVegaLiteChart] canvas, "
                         "[data-testid=stVegaLiteChart] svg").first.wait_for(timeout=30_000)
            wait_idle(page)
        assert page.locator("[data-testid=stException]").count() == 0
        assert page.evaluate(OVERFLOW) <= 1, f"slide {number} runs off the screen"
        page.screenshot(path=str(ARTIFACTS / f"presenter-{width}x{height}-{number}.png"))
        if number < count:
            page.keyboard.press(keys[number % len(keys)])
            wait_idle(page)
    assert page.get_by_role("button", name="Next ▶").is_disabled()
    for key, expected in (("ArrowLeft", count - 1), ("PageUp", count - 2), ("Home", 1),
                          ("End", count)):
        page.keyboard.press(key)
        wait_idle(page)
        assert slide_line(page).startswith(f"Slide {expected} of {count}"), key
    assert serious_violations(page) == []
    page.keyboard.press("Escape")  # the last slide is Hate crime
    wait_idle(page)
    page.get_by_role("heading", name="Hate crime").first.wait_for(timeout=30_000)
    assert "/hate-crime?" in page.url
    assert "area=Melton" in page.url and "period=Rolling+12+months" in page.url


COUNT_COLUMNS = ("count", "incidents", "numerator", "value", "shown")  # lower case


def _sent_for(browser, url: str, as_partner: bool) -> list:
    """Everything one session is sent for the police.uk anti-social behaviour view at
    ``url`` (as an officer, or in partner preview): its tables, chart datasets, map layers
    and metrics as decoded from the WebSocket, and the CSV downloads."""
    from sent_to_browser import downloaded_tables, elements_of_last_run, sent_tables

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    frames = []
    page.on("websocket", lambda socket: socket.on(
        "framereceived", lambda frame: frames.append(
            frame if isinstance(frame, bytes) else frame.encode())))
    try:
        page.goto(url)
        wait_idle(page)
        if as_partner:
            page.get_by_text("Show as partners see it").click()
            wait_idle(page)
        page.get_by_label("Indicator").click()  # typed: the list may not show every option
        page.keyboard.type("Anti-social behaviour (police.uk)")
        page.keyboard.press("Enter")
        wait_idle(page)
        assert page.get_by_label("Indicator").input_value() == \
            "Anti-social behaviour (police.uk)"
        return sent_tables(elements_of_last_run(frames)) + downloaded_tables(page, wait_idle)
    finally:
        context.close()


def _beat_counts(tables, beats: set[str]) -> list[tuple[str, str, float]]:
    """(where, column, value) of every count sent for one of ``beats``: a count-like column
    in a row that names the beat or in a table named for it (a beat's trend download), and
    every hexagon's count on the map (the district's points)."""
    found = []
    for table in tables:
        frame = table.frame
        for column in [c for c in frame.columns if str(c).lower() in COUNT_COLUMNS]:
            values = pd.to_numeric(frame[column], errors="coerce")
            for_a_beat = (table.where == "map HexagonLayer"
                          or any(beat in table.where for beat in beats))
            rows = values if for_a_beat else values[frame.isin(beats).any(axis=1)]
            found += [(table.where, column, value) for value in rows.dropna()]
    return found


@pytest.mark.parametrize("query", ["area=Rutland", "area=Rutland&beat=NR36+Rutland+North"])
def test_a_partner_is_sent_no_small_beat_count(server, browser, query):
    """Partner preview as the WebSocket carries it, not as drawn: in every table, chart
    dataset, map layer and download a partner is sent for Rutland's beats, no count is
    between 1 and the threshold (4), where an officer's session, the control, is sent
    such counts in the same places."""
    from data_loaders.store import Store

    base, store_path = server
    areas = Store(f"sqlite:///{store_path}").reference("areas")
    beats = set(areas.loc[(areas.area_type == "beat") &
                          (areas.district_code == "E06000017"), "area_code"])
    url = f"{base}/anti-social-behaviour?{query}"
    officer = _beat_counts(_sent_for(browser, url, as_partner=False), beats)
    partner = _beat_counts(_sent_for(browser, url, as_partner=True), beats)
    small = [found for found in officer if 1 <= found[2] <= 4]
    assert small, "the control found no small beat count in an officer's session"
    assert {where for where, *_ in partner} >= {where for where, *_ in small}
    assert [found for found in partner if 1 <= found[2] <= 4] == []
