"""A fresh server's first page, worked out before anyone asks for it. serve.py starts this
when the server starts: the second or so while the first browser loads Streamlit's page is
otherwise idle, and the first page run would then spend about 0.7 s importing pandas and
SQLAlchemy, reading the data and working out the overview's scorecard while its visitor
waits (BENCHMARKS.md: start-up)."""
from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Import what the first page uses, work out the scorecard the overview opens on (the
    board area, the latest quarter held), then read the rest of the store's newest data
    version as the reading of new data would (cache.read_data_version). An empty store is
    left alone: the first page loads the sample data, in front of the person who opened
    it."""
    started = time.perf_counter()
    # What app.py and the overview import: a page file is run, not imported, so its imports
    # are paid by its first run. Streamlit compiles a regular expression of every emoji the
    # first time a page has an icon (0.1 s).
    import streamlit.emojis  # noqa: F401

    from components import access, cache, overview_view, writes  # noqa: F401
    from components.filters import DEFAULT_FILTERS as opening

    store = cache.get_store()
    if store.is_empty():
        return
    stored = store.data_version()
    version = (cache.new_data().seen(stored), None, None)  # as officers see it
    # The overview's scorecard first: the first browser may ask for it before all is read.
    cache.load_scorecard(version, opening.area_code, opening.kind, opening.end)
    cache.read_data_version(version)
    from components import theme_view  # noqa: F401  (every theme page's, for the next click)

    log.info("data version %s read ahead of the first page in %.2f s", version[0],
             time.perf_counter() - started)


def start_warming() -> threading.Thread:
    """warm_up in a thread of its own, so the server answers at once; returns the thread."""
    thread = threading.Thread(target=_warm_up_or_log, name="warming up", daemon=True)
    thread.start()
    return thread


def _warm_up_or_log() -> None:
    try:
        warm_up()
    except Exception:  # the first page meets the same trouble, and says what it is
        log.exception("warming up the first page failed")
