"""Load: twenty people on the dashboard at once, each on a page of their own and changing a
sidebar filter every two seconds for a minute, on loopback; optionally, one officer uploading
a year of police.uk data through the Upload page in a real browser meanwhile. Reports page
times (p50, p95), errors, and the server's peak memory."""
from __future__ import annotations

import asyncio
import gzip
import statistics
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from .pages import AREAS, PAGES
from .server import SERVE, Server
from .session import Session

SESSIONS = 20
INTERVAL = 2.0
DURATION = 60.0
SETTLING = 15.0  # seconds from the start of a run whose page times are also reported apart
AFTER_UPLOAD = 10.0  # seconds after an upload landed whose page times are reported apart
UPLOAD_PATIENCE_MS = 180_000  # an officer gives up long before; the summary says it failed


def run_load(store: Path, sessions: int = SESSIONS, duration: float = DURATION,
             upload: list[Path] | None = None, servers: int = 1) -> dict:
    """The load on one server process, or with ``servers`` > 1 on that many processes on
    the same store, each session staying on one (as a proxy with sticky sessions in front
    of several app servers does: docs/deploying.md). Peak memory is their sum."""
    with ExitStack() as stack:
        started = [stack.enter_context(Server(SERVE, store)) for _ in range(servers)]
        peak = {"rss_mb": sum(server.rss_mb() for server in started)}
        stop = threading.Event()
        sampler = threading.Thread(target=_sample_memory, args=(started, peak, stop))
        sampler.start()
        upload_window = {}
        uploader = None
        if upload:
            # A third of the way in: after the first pages (each working out its figures
            # once on a fresh server), so the upload's own effect is what is measured.
            uploader = threading.Thread(target=_upload, args=(started[0].url, upload,
                                                               upload_window, duration / 3))
            uploader.start()
        try:
            runs = asyncio.run(_sessions([s.url for s in started], sessions, duration))
        finally:
            if uploader:
                uploader.join()
            stop.set()
            sampler.join()
    return {**_summary(runs, peak["rss_mb"], upload_window, sessions), "servers": servers}


async def _sessions(urls: list[str], sessions: int, duration: float) -> list:
    return [run for runs in await asyncio.gather(*[
        _one_session(url, page, n, duration)
        for n, (url, page) in enumerate(assign(urls, sessions))])
        for run in runs]


def assign(urls: list[str], sessions: int) -> list[tuple[str, str]]:
    """(server, page) for each session: pages in turn, servers in turn (round robin, as a
    proxy hands out new sessions), each session staying where it started.

    >>> assign(["a", "b"], 3)
    [('a', ''), ('b', 'crime-theme'), ('a', 'reoffending-theme')]
    """
    pages = list(PAGES)
    return [(urls[n % len(urls)], pages[n % len(pages)]) for n in range(sessions)]


async def _one_session(url: str, page: str, number: int, duration: float) -> list:
    """Open a page, then change the area every INTERVAL seconds (starts staggered, so the
    changes arrive spread over each interval as they would from real people)."""
    await asyncio.sleep(INTERVAL * number / SESSIONS)
    runs = []
    async with Session(url) as session:
        opened = await session.open(page)
        opened.page = f"{page or 'overview'} (open)"
        runs.append(opened)
        ends = time.perf_counter() + duration
        step = number
        while time.perf_counter() < ends:
            due = time.perf_counter() + INTERVAL
            step += 1
            runs.append(await session.choose("area", AREAS[step % len(AREAS)]))
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
    return runs


def _sample_memory(servers: list[Server], peak: dict, stop: threading.Event) -> None:
    while not stop.wait(0.25):
        peak["rss_mb"] = max(peak["rss_mb"], sum(server.rss_mb() for server in servers))


def _upload(url: str, files: list[Path], window: dict, delay: float) -> None:
    """An officer on the Upload page: picks the files, waits for the check, stores them."""
    from .browser import IDLE, chromium

    time.sleep(delay)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.wait_for_selector(IDLE, timeout=120_000)
        page.goto(url + "/upload-files")
        page.wait_for_selector(IDLE, timeout=120_000)
        # The name first, and its rerun finished: typed while the files were still going up,
        # its rerun could come back with the uploader empty and the batch never checked.
        page.get_by_label("Your name (recorded in the upload ledger)").fill("Bench Officer")
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)  # the rerun it starts, before the idle check below
        page.wait_for_selector(IDLE, timeout=120_000)
        window["start"] = time.perf_counter()
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
            [str(p) for p in files])
        button = page.get_by_role("button", name=f"Store {len(files)} files")
        button.wait_for(timeout=UPLOAD_PATIENCE_MS)
        page.wait_for_selector(IDLE, timeout=UPLOAD_PATIENCE_MS)
        button.click()
        page.get_by_text(f"Stored {len(files)} files as upload ").wait_for(
            timeout=UPLOAD_PATIENCE_MS)
        window["end"] = time.perf_counter()


def _summary(runs: list, peak_rss: float, upload_window: dict, sessions: int) -> dict:
    changes = [r for r in runs if not r.page.endswith("(open)")]
    times = sorted(r.seconds for r in changes)
    errors = [f"{r.page}: {e}" for r in runs for e in r.errors]
    summary = {"sessions": sessions, "filter_changes": len(changes),
               "p50_seconds": _percentile(times, 50), "p95_seconds": _percentile(times, 95),
               "max_seconds": times[-1] if times else None,
               "opens_p95_seconds": _percentile(
                   sorted(r.seconds for r in runs if r.page.endswith("(open)")), 95),
               "errors": len(errors), "error_examples": errors[:5],
               "peak_rss_mb": peak_rss}
    # Apart: the changes after a fresh server's first pages, each worked out once per area.
    if changes:
        first = min(r.started for r in runs)
        summary["p95_after_first_seconds"] = _percentile(
            sorted(r.seconds for r in changes if r.started - first > SETTLING), 95)
    if upload_window.get("end"):
        during = sorted(r.seconds for r in changes
                        if upload_window["start"] <= r.started <= upload_window["end"])
        outside = sorted(r.seconds for r in changes
                         if not upload_window["start"] <= r.started <= upload_window["end"])
        # The first pages drawn on the new data: each works out its figures again once.
        after = sorted(r.seconds for r in changes
                       if 0 < r.started - upload_window["end"] <= AFTER_UPLOAD)
        summary.update(upload_seconds=upload_window["end"] - upload_window["start"],
                       changes_during_upload=len(during),
                       p95_during_upload_seconds=_percentile(during, 95),
                       p95_outside_upload_seconds=_percentile(outside, 95),
                       p95_after_upload_seconds=_percentile(after, 95))
    elif upload_window:
        summary["upload_error"] = "the upload did not finish"
    return summary


def _percentile(values: list[float], percent: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(percent) - 1]


def upload_files(paths: list[Path]) -> list[Path]:
    """Plain CSV copies of gzipped police.uk months, as an officer downloads them."""
    plain = []
    for path in paths:
        target = path.with_name(path.name.removesuffix(".gz"))
        if not target.exists():
            target.write_bytes(gzip.decompress(path.read_bytes()))
        plain.append(target)
    return plain


def main(argv: list[str] | None = None) -> None:
    """python -m bench.load [--servers N] [--seconds S]: the load alone, printed, not
    written to results.json (python -m bench --only load writes the one-server row)."""
    import argparse
    import json

    from .datasets import copy_of, sample_store

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=main.__doc__)
    parser.add_argument("--servers", type=int, default=1,
                        help="app server processes on the one store, sessions spread "
                             "over them as a sticky proxy would (default 1)")
    parser.add_argument("--seconds", type=float, default=DURATION)
    args = parser.parse_args(argv)
    print(json.dumps(run_load(copy_of(sample_store(), "load-cli.sqlite"), duration=args.seconds,
                              servers=args.servers), indent=1))


if __name__ == "__main__":
    main()
