"""What a person waits for in the browser (headless Chromium, driven by Playwright): start-up
to the overview drawn, and a filter change on a map page until the map has drawn, each beside
the same wait on a bare Streamlit page, measured in the same run."""
from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .server import BARE, SERVE, Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
CANVAS = "[data-testid=stDeckGlJsonChart] canvas"
# Resolves once the page has painted twice more: the map's WebGL frame is on screen.
TWO_FRAMES = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
# Notes the moment the script state leaves "running", however short the run.
WATCH_RUN = """() => {
  window.__ranOut = false;
  const app = document.querySelector('[data-testid=stApp]');
  new MutationObserver(records => {
    if (records.some(r => r.oldValue === 'running')) window.__ranOut = true;
  }).observe(app, {attributes: true, attributeOldValue: true,
                   attributeFilter: ['data-test-script-state']});
}"""
MAP_AREAS = ["Melton", "Blaby", "Charnwood", "Harborough", "Rutland", "Hinckley and Bosworth"]


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        try:
            yield browser
        finally:
            browser.close()


def startup_seconds(browser, script: Path, ready_text: str, store: Path | None,
                    runs: int, frames: Path | None = None, keep_frames: bool = True) -> float:
    """Median seconds from `streamlit run` to the first page drawn (script idle and
    ``ready_text`` on screen) in a new browser tab. ``frames`` is the app's frame cache
    folder (data_loaders/frame_cache.py), emptied before each start unless ``keep_frames``."""
    times = []
    for _ in range(runs):
        if frames is not None and not keep_frames:
            for saved in frames.iterdir():
                saved.unlink()
        server = Server(script, store, env=frames and {"DASHBOARD_CACHE_DIR": str(frames)})
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            while True:  # the browser asks as soon as the port answers
                try:
                    page.goto(server.url, wait_until="commit", timeout=2000)
                    break
                except Exception:
                    if server.process.poll() is not None:
                        raise RuntimeError(
                            server.process.stderr.read().decode()[-2000:]) from None
                    time.sleep(0.05)
            page.get_by_text(ready_text).first.wait_for(timeout=120_000)
            page.wait_for_selector(IDLE, timeout=120_000)
            times.append(time.perf_counter() - server.started)
        finally:
            page.close()
            server.stop()
    return statistics.median(times)


# The run is over when the script state has left "running", or, for a run so short that the
# page never showed "running" (React drew the start and the end of it in one go), when the
# text ``marker`` names the area the run drew.
RAN_OUT = "([marker]) => window.__ranOut || (!!marker && document.body.innerText.includes(marker))"


def map_change_seconds(browser, base_url: str, path: str, rounds: int,
                       marker: str | None = None) -> float:
    """Median seconds from picking another area in the sidebar to the map redrawn.
    ``marker``: text with {area} the page shows once it has been drawn for that area."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(base_url + path + f"?area={MAP_AREAS[-1]}")
        page.wait_for_selector(CANVAS, state="attached", timeout=120_000)
        page.wait_for_selector(IDLE, timeout=120_000)
        times = []
        for _ in range(rounds):
            for area in MAP_AREAS:
                page.evaluate(WATCH_RUN)
                page.get_by_test_id("stSelectbox").filter(has_text="Area").first.click()
                option = page.get_by_role("option", name=area, exact=True)
                started = time.perf_counter()
                option.click()
                page.wait_for_function(RAN_OUT, arg=[marker and marker.format(area=area)],
                                       timeout=120_000)
                page.wait_for_selector(IDLE, timeout=120_000)
                page.wait_for_selector(CANVAS, state="attached", timeout=120_000)
                page.evaluate(TWO_FRAMES)
                times.append(time.perf_counter() - started)
        return statistics.median(times[len(MAP_AREAS):] or times)  # after one warm round
    finally:
        page.close()


def startup(store: Path, runs: int = 3) -> dict:
    """Ours started twice over: a restart on data it has shown before (the usual start: the
    running app keeps each data version's observations on disk the first time it reads
    them), and a first start with nothing on disk (a new server, or the cache deleted)."""
    title = "Safer Communities performance"
    with chromium() as browser, tempfile.TemporaryDirectory() as folder:
        frames = Path(folder)
        bare = startup_seconds(browser, BARE / "app.py", "Bare app", None, runs)
        first = startup_seconds(browser, SERVE, title, store, runs, frames,
                                keep_frames=False)
        ours = startup_seconds(browser, SERVE, title, store, runs, frames)
    return {"seconds": ours, "bare_seconds": bare, "ratio": ours / bare,
            "first_start_seconds": first, "first_start_ratio": first / bare}


def map_change(store: Path, rounds: int = 3) -> dict:
    with chromium() as browser:
        with Server(BARE / "map.py") as bare_server:
            bare = map_change_seconds(browser, bare_server.url, "", rounds)
        with Server(SERVE, store) as server:
            ours = map_change_seconds(browser, server.url, "/crime-theme", rounds,
                                      marker="{area} · ")  # the page's caption
    return {"seconds": ours, "bare_seconds": bare, "ratio": ours / bare}
