"""Every Streamlit cache in the app lives here. Frames are keyed on a DataKey: the store's
data version, so a new upload or a rollback is never answered with old numbers once a page
has moved to it (version_to_show); the board snapshot shown (None for the current data), so
a snapshot reopens exactly as it was; and who the figures are for: None for officers, the
small-number threshold for partners, whose observations and incident tally are the
protected ones (metrics.disclosure) from the first read, so nothing drawn for a partner is
ever worked out from a raw count."""
from __future__ import annotations

import contextvars
import datetime as dt
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util

from data_loaders import frame_cache
from data_loaders import geography as geo
from data_loaders.catalogue import THEMES, catalogue_frame
from metrics.assessment import compute_assessment, compute_scorecard
from metrics.comparison import (
    compute_area_comparison,
    compute_quarter_table,
    compute_trend,
    fy_pairs,
    populations_by_area,
)
from metrics.disclosure import partner_observations, protect_tally
from metrics.incidents import unplaced_incidents
from metrics.series import ObservationIndex
from metrics.services import compute_service_tables
from metrics.windows import Window

from .access import drawing_for
from .filters import quarters_held
from .session import get_store, this_run
from .small_numbers import audience

log = logging.getLogger(__name__)


DataKey = tuple[int, "int | None", "int | None"]
SNAPSHOT_KEY = "snapshot"  # the sidebar's widget: which snapshot the dashboard shows


def current_version(live: bool = False) -> DataKey:
    """(data version, snapshot shown, partners' threshold or None): the store's version is
    read on every rerun (one small query). ``live`` pages (upload, data: officers only)
    always work on the newest data; a dashboard page on the version version_to_show picks,
    the same for the whole of a run."""
    stored = get_store().data_version()
    if live:
        new_data().seen(stored)
        return for_audience((stored, None), audience())
    return for_audience((version_to_show(stored), st.session_state.get(SNAPSHOT_KEY)),
                        audience())


def for_audience(version: tuple, audience: tuple[bool, int] | None) -> DataKey:
    """``version``'s data version and snapshot, drawn for ``audience`` ((small numbers
    hidden, threshold); None: officers)."""
    hidden = audience is not None and audience[0]
    return version[0], version[1], int(audience[1]) if hidden else None


SHOWN_KEY = "data_version_shown"  # (the run that chose it, the version)


def version_to_show(stored: int) -> int:
    """The data version a dashboard run draws. New data reaches pages as soon as this server
    has read it (NewData): until then a page that is showing the version before goes on
    showing it, drawn from what is already worked out, instead of every session waiting on
    the same reading at once (after an upload, twenty sessions each stalled about a second).
    A page opened afresh, or in a session that has just changed the data itself, gets the
    newest at once."""
    run = this_run()
    chosen = st.session_state.get(SHOWN_KEY)
    if chosen is not None and run is not None and chosen[0] is run:
        return chosen[1]  # one version for the whole run, whoever asks
    ready = new_data().seen(stored)
    shown = None if chosen is None else chosen[1]
    version = shown if shown is not None and shown == ready != stored else stored
    st.session_state[SHOWN_KEY] = (run, version)
    if version != stored and st.session_state.get(TOLD_KEY) != stored:
        st.session_state[TOLD_KEY] = stored
        st.session_state[TELL_KEY] = run
    return version


TOLD_KEY, TELL_KEY = "newer_data_told", "newer_data_tell_run"


def newer_data_coming() -> bool:
    """Whether this run draws the data before while the server reads newer data, for the
    first time with that newer data in this session (app.py says so, once)."""
    run = this_run()
    return run is not None and st.session_state.get(TELL_KEY) is run


def show_newest() -> None:
    """This session's next run shows the newest data (writes.py, after a change it made)."""
    st.session_state.pop(SHOWN_KEY, None)


class NewData:
    """The newest data version this server process has read, and the reading of a newer
    one: a thread builds what every page needs first for it (the observation index, the
    fingerprints that key the views, reference tables, the incident tally), then works out
    again the views and tiles drawn lately (RecentWork) whose data changed, while sessions
    go on drawing the version before from what is already held."""

    def __init__(self):
        self._lock = threading.Lock()
        self.ready: int | None = None
        self.reading: threading.Thread | None = None

    def seen(self, stored: int) -> int:
        """Note the store's version; returns the newest version read (``stored`` on a fresh
        server, whose first run reads it: there is nothing older to show)."""
        with self._lock:
            if self.ready is None:
                self.ready = stored
            elif stored != self.ready and self.reading is None:
                self.reading = threading.Thread(target=self._read, args=(stored,),
                                                name="reading new data", daemon=True)
                _READINGS.add(self.reading)
                self.reading.start()
            return self.ready

    def _read(self, stored: int) -> None:
        try:
            read_data_version((stored, None, None))
            recent_work().redo((stored, None), REDO_SECONDS)
        except Exception:  # the pages will meet it themselves, and say what went wrong
            log.exception("reading data version %s ahead of the pages failed", stored)
        finally:
            with self._lock:
                self.ready, self.reading = stored, None


# Every reading thread started, even by a NewData since dropped by clearing the caches:
# tests wait for them all between tests, or one could fill the next test's caches.
_READINGS: weakref.WeakSet = weakref.WeakSet()


def wait_for_readings(timeout: float = 60.0) -> None:
    """Until every reading thread of this process has finished (tests; a server never
    waits)."""
    for reading in list(_READINGS):
        reading.join(timeout)


# At most this long reworking recent views for new data before the pages switch to it
# anyway (and work out the rest themselves): new data waits no longer than this to be seen.
REDO_SECONDS = 10.0


class RecentWork:
    """The views and tiles worked out lately on the current data (the newest LIMIT), each as
    a call that works it out on another data version, and the audience it was drawn for."""

    LIMIT = 1024  # half what _view holds

    def __init__(self):
        self._lock = threading.Lock()
        self._calls: OrderedDict = OrderedDict()

    def note(self, key: tuple, function: Callable, args: tuple, audience) -> None:
        """``function(version, *args)`` works it out on ``version``, drawn for ``audience``
        (small_numbers.audience; None: it shows no counts)."""
        with self._lock:
            self._calls[key] = (function, args, audience)
            self._calls.move_to_end(key)
            if len(self._calls) > self.LIMIT:
                self._calls.popitem(last=False)

    def redo(self, version: tuple, seconds: float) -> int:
        """Work each out on ``version`` (data version, snapshot) for its audience, newest
        first, for at most ``seconds``; returns how many. One that fails is left for its
        page (which shows the error)."""
        with self._lock:
            calls = list(reversed(self._calls.values()))
        ends = time.monotonic() + seconds
        done = 0
        for function, args, drawn_for in calls:
            if time.monotonic() > ends:
                break
            try:
                with drawing_for(drawn_for):
                    function(for_audience(version, drawn_for), *args)
                done += 1
            except Exception:
                log.debug("reworking %s for version %s failed", function.__name__, version,
                          exc_info=True)
        return done


@st.cache_resource(show_spinner=False)
def recent_work() -> RecentWork:
    """The server process's one RecentWork."""
    return RecentWork()


@st.cache_resource(show_spinner=False)
def new_data() -> NewData:
    """The server process's one NewData."""
    return NewData()


def read_data_version(version: DataKey) -> None:
    """Build what the first page run on ``version`` would otherwise build while its session
    waits: every cache here keyed on the data version rather than on the data read."""
    index = load_observation_index(version)
    index.fingerprint("")  # all indicators' at once
    load_quarters_held(version)
    load_definition_changes(version)
    for name in ("areas", "population", "boundaries"):
        _reference_fingerprint(name, version)
    _populations(version)
    load_boundary_rings(version)
    _tally_fingerprint(version)
    load_ledger(version)
    load_snapshots(version)
    load_actions(version)


def ensure_sample_data() -> None:
    """On a store with no uploads at all, load the bundled sample data once."""
    store = get_store()
    if store.is_empty():
        # Imported here, as maps below: the readers and pydeck are not on the first page's
        # path, and start-up is measured against a bare app (BENCHMARKS.md).
        from data_loaders.ingest import load_sample_data

        with st.spinner("First start: loading the sample data (about half a minute)..."):
            load_sample_data(store)


@st.cache_data(show_spinner=False)
def load_catalogue() -> pd.DataFrame:
    return catalogue_frame()


@st.cache_data(show_spinner=False)
def load_catalogue_records() -> list[dict]:
    """The catalogue as a list of records (turning the frame into records every rerun costs
    a few milliseconds)."""
    return catalogue_frame().to_dict("records")


@st.cache_resource(show_spinner=False)
def catalogue_by_id() -> dict[str, dict]:
    """The catalogue's records by indicator id, shared: read-only. Caches below take the id,
    not the record: hashing a record the Streamlit way costs more than a small section."""
    return {record["id"]: record for record in catalogue_frame().to_dict("records")}


@st.cache_resource(show_spinner=False, max_entries=4)
def _observations(version: DataKey) -> pd.DataFrame:
    """The observations, read once per data version and held once per server:
    st.cache_data kept a pickled copy and unpickled a whole new frame on every call. After
    a restart it comes from the copy frame_cache kept on disk, while the data is unchanged.
    For partners, the protected observations (metrics.disclosure), worked out from those."""
    if version[2] is None:
        return frame_cache.observations(get_store(), version[1])
    raw = _observations((version[0], version[1], None))
    return partner_observations(raw, load_catalogue(), _reference("areas", version[:2]),
                                _reference("population", version[:2]),
                                get_store().disclosure_secret(), version[2])


def load_observations(version: DataKey) -> pd.DataFrame:
    """All observations current (or in the snapshot) with upload_id and is_sample. A
    shallow copy of the one shared frame: copy-on-write keeps any change the caller makes,
    even a new column, out of the shared frame, and copies no data otherwise."""
    return _observations(version).copy(deep=False)


@st.cache_resource(show_spinner=False, max_entries=4)
def load_observation_index(version: DataKey) -> ObservationIndex:
    """The observations indexed by indicator, granularity and area, built once per data
    version and shared, not copied, by every rerun and session (st.cache_data would unpickle
    the whole frame on every call): nothing may mutate what it hands out."""
    return ObservationIndex(_observations(version))


@st.cache_data(show_spinner=False, max_entries=4)
def load_quarters_held(version: DataKey) -> list[str]:
    """The quarters the Ending filter offers: worked out once per data version, not on
    every rerun of every page."""
    return quarters_held(load_observations(version))


@st.cache_resource(show_spinner=False, max_entries=8)
def _reference(name: str, version: tuple) -> pd.DataFrame:
    return get_store().reference(name, snapshot=version[1])


def _reference_for(name: str, version: DataKey) -> pd.DataFrame:
    """A reference table: the same for officers and partners, read once for both."""
    return _reference(name, tuple(version[:2]))


def load_reference(name: str, version: DataKey) -> pd.DataFrame:
    """A reference table (areas, boundaries, population...), read once per data version and
    held once: a shallow copy of the shared frame, as load_observations gives (the boundary
    table was unpickled whole on every call)."""
    return _reference_for(name, version).copy(deep=False)


def load_boundary_rings(version: DataKey) -> pd.DataFrame:
    """The beat and district boundaries as maps.boundary_rings, parsed once per data
    version for officers and partners alike and shared (do not mutate): parsing the
    GeoJSON on every rerun was a third of the map's time."""
    return _boundary_rings(tuple(version[:2]))


@st.cache_resource(show_spinner=False, max_entries=4)
def _boundary_rings(version: tuple) -> pd.DataFrame:
    from presentation.maps import boundary_rings

    boundaries = _reference("boundaries", version)
    return boundary_rings(boundaries[boundaries["area_type"].isin(["beat", "district"])])


@st.cache_data(show_spinner=False, max_entries=4)
def load_ledger(version: DataKey) -> pd.DataFrame:
    return get_store().uploads()


@st.cache_data(show_spinner=False, max_entries=4)
def load_upload_events(version: DataKey) -> pd.DataFrame:
    return get_store().upload_events()


@st.cache_resource(show_spinner=False, max_entries=4)
def load_incident_tally(version: DataKey) -> pd.DataFrame:
    """The police.uk incidents counted by month, crime type, district and map point, read
    once per data version (shared: do not mutate), so a new window or district is a lookup
    in memory, not a query over every incident row. Counted by the database: the rows
    themselves are never read into the server. Kept on disk too (frame_cache). Month, crime
    type and district as categories: a map picks its rows by them, in half the time."""
    if version[2] is not None:  # partners: each map point's count protected
        raw = load_incident_tally((version[0], version[1], None))
        return protect_tally(raw, get_store().disclosure_secret(), version[2])
    tally = frame_cache.incident_tally(get_store(), version[1])
    return tally.astype({c: "category" for c in ("month", "crime_type", "district_code")})


@st.cache_data(show_spinner=False, max_entries=32)
def load_unplaced_incidents(version: DataKey, months: tuple[str, ...],
                            crime_types: tuple[str, ...]) -> tuple[int, int]:
    """(incidents with no location, all incidents) for the months and crime types."""
    return unplaced_incidents(load_incident_tally(version), months, crime_types)


@st.cache_data(show_spinner=False, max_entries=4)
def load_definition_changes(version: DataKey) -> pd.DataFrame:
    return get_store().definition_changes(snapshot=version[1])


@st.cache_data(show_spinner=False, max_entries=4)
def load_actions(version: DataKey) -> pd.DataFrame:
    """The action log, current or as it stood at the snapshot."""
    return get_store().actions(snapshot=version[1])


@st.cache_data(show_spinner=False, max_entries=4)
def load_snapshots(version: DataKey) -> pd.DataFrame:
    return get_store().snapshots()


@st.cache_resource(show_spinner=False, max_entries=4)
def _populations(version: DataKey) -> dict:
    """Each area's newest population, once per data version and shared: read-only."""
    return populations_by_area(load_reference("population", version))


@st.cache_data(show_spinner=False, max_entries=64)
def load_scorecard(version: DataKey, area_code: str, kind: str, end: str | None) -> pd.DataFrame:
    """The overview's scorecard for an area and window (the county's figure standing in
    where the area holds none); ``end`` is a quarter start (ISO) or None for the latest.
    Its rows are the theme pages' tiles (load_assessments), worked out once for both."""
    assessed = {}
    for theme in THEMES:
        assessed.update(load_assessments(version, theme, area_code, kind, end))
    return compute_scorecard(load_observation_index(version), load_catalogue(), area_code,
                             kind, _populations(version), _date(end), geo.COUNTY_CODE,
                             load_definition_changes(version), assessed)


def load_assessments(version: DataKey, theme: str, area_code: str, kind: str,
                     end: str | None) -> dict:
    """compute_assessment for each headline indicator of a theme, by indicator id. Held once
    and shared, not unpickled on every rerun as st.cache_data would (the tiles read it on
    every filter change): read-only. Kept across new data for other indicators."""
    ids = tuple(r["id"] for r in load_catalogue_records()
                if r["theme"] == theme and not r["parent"] and r["panel"] == "headline")
    if version[1] is None:
        recent_work().note(("tiles", theme, area_code, kind, end), load_assessments,
                           (theme, area_code, kind, end), None)
    return _assessments(data_read(version, ids, ["population"], ids).key, ids, area_code,
                        kind, end, version)


@st.cache_resource(show_spinner=False, max_entries=256)
def _assessments(reads: tuple, ids: tuple[str, ...], area_code: str, kind: str,
                 end: str | None, _version: DataKey) -> dict:
    observations = load_observation_index(_version)
    changes = load_definition_changes(_version)
    populations = _populations(_version)
    records = catalogue_by_id()
    return {i: compute_assessment(observations, records[i], area_code, kind, _date(end),
                                  populations, changes, geo.COUNTY_CODE) for i in ids}


def _date(text: str | None):
    return None if text is None else dt.date.fromisoformat(text)


# A theme page's sections, each keyed on the data version and only the filters it depends
# on, so a filter change recomputes only the sections it changes (and a return to an earlier
# view recomputes nothing). ``record`` is the indicator's catalogue record.

@st.cache_resource(show_spinner=False, max_entries=512)
def load_area_trend(version: DataKey, indicator_id: str, area_code: str) -> pd.DataFrame:
    """compute_trend for one area, the same whatever the period filters. A trend of several
    areas is these one after another, so the county's, board area's and region's lines are
    worked out once, not again beside every district. Shared: read-only."""
    return compute_trend(load_observation_index(version), catalogue_by_id()[indicator_id],
                         [area_code], load_reference("population", version))


@st.cache_resource(show_spinner=False, max_entries=128)
def load_area_comparison(version: DataKey, indicator_id: str, kind: str, end: str
                         ) -> pd.DataFrame:
    """compute_area_comparison of the districts, county, board area and region for the
    window of ``kind`` ending with quarter ``end`` (ISO): the same whichever district is
    chosen. Shared: read-only."""
    return compute_area_comparison(load_observation_index(version),
                                   catalogue_by_id()[indicator_id], Window(kind, _date(end)),
                                   [*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE,
                                    geo.REGION_CODE], load_reference("population", version))


@st.cache_data(show_spinner=False, max_entries=32)
def load_service_tables(version: DataKey, services: list[dict], period_start: str) -> dict:
    """compute_service_tables for the districts and county: they change with the quarter
    ending the window, not with the area or period."""
    return compute_service_tables(load_observation_index(version), services,
                                  [*geo.DISTRICTS, geo.COUNTY_CODE], period_start)


@st.cache_data(show_spinner=False, max_entries=64)
def load_fy_pairs(version: DataKey, record: dict) -> list[int]:
    return fy_pairs(load_observation_index(version), record)


@st.cache_data(show_spinner=False, max_entries=64)
def load_quarter_table(version: DataKey, record: dict, fy_year: int,
                       area_codes: tuple[str, ...]) -> pd.DataFrame:
    """compute_quarter_table: the same whatever the shared filters."""
    return compute_quarter_table(load_observation_index(version), record, fy_year,
                                 list(area_codes))


# What a theme section draws, worked out once: the frames, chart specs and texts of a section
# for its data version, the filters it depends on and who is looking (small numbers hidden or
# not, and the threshold), so a filter value seen before, in any session, costs only
# Streamlit's writing of the elements. Held, not copied (st.cache_data would unpickle the
# frames on every hit): nothing may change a view it is handed.

def load_view(build: Callable, version: DataKey, *args, reads: DataRead | None = None,
              again: tuple[Callable, tuple] | None = None):
    """``build(version, *args)``, computed once per distinct arguments and audience (see
    small_numbers.audience) and shared between reruns and sessions: read-only. ``args`` are
    plain values (str, numbers, dates, None, and tuples, lists and dicts of them), told apart
    by their repr: hashing a catalogue record the Streamlit way took longer than the view.

    ``reads``: data_read's answer for the parts of the data the view reads. Given, its key
    stands in for the data version, so the view is kept across new data that leaves those
    parts as they were (after an upload of one theme's figures, the other themes' pages are
    not worked out again). It must name everything ``build`` reads from the data.

    Each call on the current data is noted (recent_work), so that new data can be worked
    out for it before pages are switched to it: the same call on the new version, or
    ``again``, (function, args) doing ``function(version, *args)``, where the arguments are
    worked out from the data (a window ending with the latest quarter held moves with new
    data). A view asked for while another is built is not noted: that one asks again."""
    seen = audience()
    name, told = f"{build.__module__}.{build.__qualname__}", repr(args)
    if version[1] is None and not _building.get():
        if again is None:
            recent_work().note((name, told, seen), _redo_view,
                               (build, None if reads is None else reads.parts, *args), seen)
        else:
            function, again_args = again
            recent_work().note((function.__qualname__, repr(again_args), seen), function,
                               again_args, seen)
    data = version if reads is None else reads.key
    return _view(f"{name}{data!r}{told}", seen, build, (version, *args))


def _redo_view(version: DataKey, build: Callable, parts: tuple | None, *args) -> None:
    """load_view of a noted call, on ``version``."""
    load_view(build, version, *args, reads=None if parts is None else data_read(version, *parts))


class DataRead(NamedTuple):
    """data_read's answer: the ``parts`` of the data asked for, and ``key``, equal for two
    data versions when those parts are."""
    parts: tuple
    key: tuple


def data_read(version: DataKey, indicator_ids=(), references=(), definitions=(),
              tally: bool = False) -> DataRead:
    """The parts of a data version a view reads, and their key (for load_view and the caches
    below): the snapshot shown, each indicator's rows (ObservationIndex.fingerprint), the
    reference tables named, the recorded definition changes of ``definitions`` (indicator
    ids) and, with ``tally``, the police.uk incident tally. Equal for two data versions
    when those parts are. Worked out once per data version and parts asked for: a page asks
    on every rerun, for each of its sections."""
    asked = _reads_asked(version)
    what = (tuple(indicator_ids), tuple(references), tuple(definitions), tally)
    if what not in asked:
        asked[what] = DataRead(what, _data_read(version, *what))
    return asked[what]


@st.cache_resource(show_spinner=False, max_entries=2)
def _reads_asked(version: DataKey) -> dict:
    return {}


def _data_read(version: DataKey, indicator_ids: tuple, references: tuple, definitions: tuple,
               tally: bool) -> tuple:
    index = load_observation_index(version)
    key = [version[1], version[2], *(index.fingerprint(i) for i in indicator_ids),
           *(_reference_fingerprint(name, version) for name in references)]
    if definitions:
        changes = load_definition_changes(version)
        key.append(repr(changes[changes["indicator_id"].isin(list(definitions))]
                        .to_dict("records")))
    if tally:
        key.append(_tally_fingerprint(version))
    return tuple(key)


def _frame_fingerprint(frame: pd.DataFrame) -> tuple[int, int]:
    return len(frame), int(pd.util.hash_pandas_object(frame, index=False).sum())


@st.cache_resource(show_spinner=False, max_entries=16)
def _reference_fingerprint(name: str, version: DataKey) -> tuple[int, int]:
    return _frame_fingerprint(_reference_for(name, version))


@st.cache_resource(show_spinner=False, max_entries=2)
def _tally_fingerprint(version: DataKey) -> tuple[int, int]:
    return _frame_fingerprint(load_incident_tally(version))


# A theme page asks for about a dozen views, most of them per area: the load benchmark's five
# themes and ten areas make about 300. With fewer entries than a round of areas needs, each
# view is evicted just before it is asked for again. A view is a few KB to a few hundred (a
# county map's JSON with five years of incidents). Room for two data versions' worth: while
# new data's views are worked out (RecentWork), pages still draw the old ones.
@st.cache_resource(show_spinner=False, max_entries=2048)
def _view(call: str, audience: tuple[bool, int], _build: Callable, _args: tuple):
    token = _building.set(True)
    try:
        return _build(*_args)
    finally:
        _building.reset(token)


_building: contextvars.ContextVar = contextvars.ContextVar("building a view", default=False)


def frozen_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as the Arrow table st.dataframe makes of it, for a view to hold: Streamlit
    converts a pandas frame again on every draw (2-5 ms a table), an Arrow table it only
    writes out."""
    return pa.ipc.open_stream(dataframe_util.convert_pandas_df_to_arrow_bytes(frame)).read_all()


def frozen_spec(spec: dict) -> dict:
    """A Vega-Lite spec (charts.py) with its datasets written as the Arrow bytes
    st.vega_lite_chart would write from them on every draw."""
    return {**spec, "datasets": {name: dataframe_util.convert_anything_to_arrow_bytes(data)
                                 for name, data in spec["datasets"].items()}}


@st.cache_data(show_spinner=False, max_entries=8)
def load_pack(version: DataKey, area_code: str, kind: str, end: str | None, meeting: str,
              partner: bool, threshold: int, meeting_date: str | None = None
              ) -> tuple[bytes, bytes]:
    """(PowerPoint, PDF) of the board pack for the filters and the data shown."""
    from reports.board_pack import build_content, pack_data
    from reports.pack_layout import pack_pdf, pack_pptx

    data = pack_data(get_store(), version[1], threshold if partner else None)
    content = build_content(data, area_code, kind, _date(end), meeting, partner, threshold,
                            _date(meeting_date))
    return pack_pptx(content), pack_pdf(content)
