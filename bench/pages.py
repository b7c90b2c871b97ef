"""Filter changes: how long the server takes to redraw a page when a sidebar filter changes,
one session on its own, for every dashboard page."""
from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from data_loaders import geography as geo
from data_loaders.store import Store

from .server import SERVE, Server
from .session import Session

PAGES = {"": "Overview", "crime-theme": "Crime", "reoffending-theme": "Reoffending",
         "domestic-abuse": "Domestic abuse", "anti-social-behaviour": "Anti-social behaviour",
         "hate-crime": "Hate crime"}
AREAS = [geo.area_name(code) for code in geo.DISTRICTS] + [geo.COUNTY_NAME, geo.BOARD_NAME]


def filter_changes(store: Path, passes: int = 3) -> dict:
    """Per page: the median time of a change of area once every area has been shown once
    (warm cache), and the median of the first showing of each area (cold for that area)."""
    with Server(SERVE, store) as server:
        return asyncio.run(_filter_changes(server.url, passes))


async def _filter_changes(url: str, passes: int) -> dict:
    results = {}
    async with Session(url) as session:
        for page, title in PAGES.items():
            opened = await session.open(page)
            _raise_on(opened)
            times = []
            for _ in range(passes):
                runs = [await session.choose("area", area) for area in AREAS]
                for run in runs:
                    _raise_on(run)
                times.append([run.seconds for run in runs])
            results[title] = {"warm_ms": 1000 * statistics.median(
                                  t for later in times[1:] for t in later),
                              "first_ms": 1000 * statistics.median(times[0]),
                              "open_ms": 1000 * opened.seconds}
    return results


def naive_filter_change(store: Path, repeats: int = 2) -> float:
    """The same question answered the naive way, for comparison: read the district's raw
    incidents from the store and count them by month and crime type with pandas, on every
    change of area. Median seconds per change."""
    reader = Store(f"sqlite:///{store}")
    times = []
    for _ in range(repeats):
        for code in geo.DISTRICTS:
            started = time.perf_counter()
            raw = reader.incidents(district_code=code)
            raw.groupby(["month", "crime_type"]).size()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def _raise_on(run) -> None:
    if run.errors:
        raise RuntimeError(f"page {run.page!r}: {run.errors}")
