"""One way in for every upload, from the page and the command line alike: recognise each
file from its content, read it and compare it with the store in a child process with memory
and time limits (see workers.py), and store a clean batch in one transaction, also in a
child process: the server process only waits, so other sessions keep its GIL."""
from __future__ import annotations

import csv
import dataclasses
import functools
import gzip
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from . import frame_cache, workers
from . import geography as geo
from .model import KINDS, OBSERVATION_KEY, SAMPLE_USER, ParsedFile
from .names import is_name_key
from .parse import UNREADABLE, parse_upload
from .periods import period_label
from .plausibility import IMPLAUSIBLE, implausible_values
from .police_uk import PoliceContext, looks_like_police_uk
from .problems import Problem, UploadRefused, error, warning
from .store import Preview, Store, StoreBusy, StoreFull

log = logging.getLogger(__name__)
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
# The one bundled file whose figures are generated, not published (sample_data/officer/).
GENERATED_SAMPLE = "board_indicators_sample.xlsx"
# How long a batch's transaction may take before it is ready to commit. A year of police.uk
# months takes seconds; far beyond that something is stuck (a lock never released, a disk
# stalling), and the child is killed, which rolls the transaction back.
STORE_SECONDS = 600
OFFICER_KINDS = ("officer_long", "officer_wide")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_upload(file_name: str, data: bytes, store: Store, answers: dict | None = None,
                context: PoliceContext | None = None,
                limits: workers.Limits | None = None) -> ParsedFile:
    """Recognise and read one file in a parsing child process. Never raises for bad input:
    problems are in the result, including a file that needed more memory or time than
    ``limits`` (default: workers.Limits.from_env()) and was stopped."""
    return _read(file_name, data, store, answers, context, limits, compare=False).parsed


def _read(file_name: str, data: bytes, store: Store, answers: dict | None,
          context: PoliceContext | None, limits: workers.Limits | None, *,
          compare: bool) -> Checked:
    """read_upload, and with ``compare`` the file's preview, both in the child."""
    digest = sha256_of(data)
    limits = limits or workers.Limits.from_env()
    if context is None and looks_like_police_uk(data):
        context = police_context(store)
    url = shareable_url(store.url) if compare else None
    try:
        return Checked(*workers.pool().run(
            read_and_compare, (file_name, data, digest, answers or {}, context, url), limits))
    except workers.Stopped as stopped:
        log.warning("reading %s (sha256 %s) was stopped: %s", file_name, digest,
                    stopped.reason)
        problem = error(stopped_message(stopped), file=file_name)
    except Exception:  # the pool itself failed: say so plainly, keep the details in the log
        log.exception("reading %s failed", file_name)
        problem = error(UNREADABLE, file=file_name)
    return Checked(ParsedFile(file_name, digest, "unknown", problems=[problem]), None)


def read_and_compare(file_name: str, data: bytes, digest: str, answers: dict,
                     context: PoliceContext | None, url: str | None
                     ) -> tuple[ParsedFile, Preview | None]:
    """In a worker child: parse one file and, given the store's ``url`` and a clean file,
    compare it with the store. Both take CPU that in the server would hold the GIL other
    sessions need (the comparison about 30 ms a police.uk month)."""
    parsed = parse_upload(file_name, data, digest, answers, context)
    if url is None or not parsed.ok:
        return parsed, None
    store = Store(url)
    try:
        preview = store.preview(parsed)
        typed = parsed.kind in OFFICER_KINDS and len(parsed.observations)
        highest = store.highest_values(parsed.observations["indicator_id"]) if typed else None
        shadowed = store.stored_values(parsed.not_available) if len(parsed.not_available) \
            else None
    finally:
        store.engine.dispose()
    if shadowed is not None and len(shadowed):
        parsed.problems.append(still_shown_warning(file_name, parsed.not_available, shadowed))
    if typed:  # figures typed by officers; police.uk counts are the dashboard's own
        # Values that cannot be right for their indicator come first, for the officer to see.
        parsed.problems[:0] = implausible_values(file_name, parsed.observations, preview,
                                                 highest)
    return parsed, preview


def still_shown_warning(file_name: str, marked: pd.DataFrame, stored: pd.DataFrame
                        ) -> Problem:
    """A figure marked not available that the store already holds stays shown: say so."""
    rows = marked.merge(stored, on=OBSERVATION_KEY)
    named = "; ".join(f"{geo.area_name(r.area_code)}, "
                      f"{period_label(r.period_start, r.granularity)}: {r.value:g}"
                      for r in rows.head(5).itertuples())
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return warning(f"{named}{more} {'is' if len(rows) == 1 else 'are'} marked not available in "
                   "this file but already stored from an earlier upload, and the stored figure "
                   "stays on the dashboard. To take it off, roll that upload back on the Data "
                   "page; to change it, give the figure", file=file_name)


def stopped_message(stopped: workers.Stopped) -> str:
    """What the officer reads when the child reading their file was stopped."""
    return (f"reading this file {_limit_passed(stopped)} and was stopped; nothing was stored. "
            "Split it into smaller files and upload them, or send it to the dashboard's "
            "maintainers")


def _limit_passed(stopped: workers.Stopped) -> str:
    """Which limit a stopped child passed, in words."""
    if stopped.reason == "time":
        return f"took more than {stopped.limits.seconds:g} seconds"
    return f"needed more than {stopped.limits.memory_mb:,.0f} MB of memory"


def police_context(store: Store) -> PoliceContext:
    """The LSOA -> beat -> district hierarchy and LSOA shapes the police.uk reader needs."""
    return PoliceContext.from_reference(store.reference("areas"), store.reference("boundaries"))


@dataclass
class Checked:
    """One file read and compared with the store, ready for the officer to confirm."""

    parsed: ParsedFile
    preview: Preview | None
    # The answers about names given for this batch (names.name_key to what each is read
    # as); kept as the board's aliases when the batch is stored.
    name_answers: dict = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.parsed.kind, "not recognised")

    @property
    def adds_nothing(self) -> bool:
        """The same bytes are already stored."""
        return self.preview is not None and self.preview.duplicate_of is not None

    @property
    def changes_nothing(self) -> bool:
        """Storing it would change nothing the dashboard holds: the same bytes are stored,
        or every figure and incident is stored as it is here (reference rows and figures
        marked not available are taken to change something)."""
        if self.adds_nothing:
            return True
        preview, parsed = self.preview, self.parsed
        return preview is not None and not (
            len(preview.added) or len(preview.revised) or preview.incidents_new
            or preview.incidents_changed or parsed.reference or len(parsed.not_available))


def check_files(files: list[tuple[str, bytes]], store: Store, answers: dict | None = None,
                on_progress=None) -> list[Checked]:
    """Read every file and preview what storing it would change.

    ``answers`` maps a file name to its answers; ``on_progress(done, total)`` is called
    after each file, in the calling thread. Files are read, and each compared with the
    store, in as many children at once as the pool has.
    """
    answers = answers or {}
    aliases = store.aliases()
    given = {k: v for a in answers.values() for k, v in a.items() if is_name_key(k)}
    workers.pool().start(len(files))  # the children load pandas while the store is read
    context = police_context(store) if any(looks_like_police_uk(d) for _, d in files) \
        else None
    checked = []
    with ThreadPoolExecutor(max_workers=workers.pool().size) as threads:
        # A name answered for one file is answered for the whole batch, over the aliases.
        reads = [threads.submit(_read, name, data, store,
                                {**aliases, **answers.get(name, {}), **given}, context, None,
                                compare=True) for name, data in files]
        for number, read in enumerate(reads, start=1):
            checked.append(dataclasses.replace(read.result(), name_answers=given))
            if on_progress:
                on_progress(number, len(files))
    return checked


def store_checked(checked: list[Checked], store: Store, user: str, *, is_sample=False,
                  save_frames=False) -> list[int]:
    """Store a checked batch in one transaction; returns the upload ids. Raises
    UploadRefused (also when storing needed more than the time or memory limit), StoreBusy
    or StoreFull, and then nothing is stored.

    The transaction runs in a worker child (commit_batch): a year of police.uk months is
    seconds of CPU, which in this process would hold the GIL that every other session of a
    server needs. ``save_frames``: see commit_batch (the app asks for it; the command line,
    with no server waiting, does not)."""
    problems = [p for c in checked for p in c.parsed.problems
                if p.severity in ("error", "question")]
    if problems:
        store.log_refusals([c.parsed for c in checked], user)
        raise UploadRefused(problems)
    kept = [c for c in checked if not c.changes_nothing]
    if not kept:
        return []
    limits = workers.Limits(workers.Limits.from_env().memory_mb, STORE_SECONDS)
    try:
        result = workers.pool().run(
            commit_batch, (shareable_url(store.url), [c.parsed for c in kept], user,
                           is_sample, [c.preview for c in kept], save_frames), limits,
            confirm=True)
    except workers.Stopped as stopped:
        log.warning("storing %s files for %s was stopped: %s", len(kept), user,
                    stopped.reason)
        raise UploadRefused([error(storing_stopped_message(stopped))]) from None
    if isinstance(result, Exception):
        raise result
    store.save_aliases({k: v for c in kept for k, v in c.name_answers.items()}, user)
    return result


def commit_batch(url: str, parsed_files: list[ParsedFile], user: str, is_sample: bool,
                 previews: list[Preview | None], save_frames: bool = False, *, confirm
                 ) -> list[int] | Exception:
    """In a worker child: Store.commit of a checked batch, committed only if ``confirm()``
    (see workers.Worker.run) says the parent is still there. StoreBusy and StoreFull are
    returned, not raised, so the parent can raise them as themselves (a worker turns a
    raised exception into text). With ``save_frames``, the new data's frames are written
    to the frame cache for the servers inside the transaction, before it commits
    (frame_cache.save_before_commit)."""
    store = Store(url)

    def hold(_connection) -> None:  # called just before the transaction's COMMIT
        if not confirm():
            raise RuntimeError("the process that asked for this batch has gone; rolled back")

    sa.event.listen(store.engine, "commit", hold)
    try:
        ids = store.commit(parsed_files, user, is_sample=is_sample, previews=previews,
                           before_commit=functools.partial(frame_cache.save_before_commit,
                                                           store) if save_frames else None)
        sa.event.remove(store.engine, "commit", hold)
        return ids
    except (StoreBusy, StoreFull) as fault:
        return fault
    finally:
        store.engine.dispose()  # an uncommitted transaction is rolled back on closing


def shareable_url(url: str) -> str:
    """``url`` as another process opens it: a relative SQLite path made absolute, since a
    worker child does not run in the caller's folder. Raises ValueError for an in-memory
    SQLite store, which no other process can open."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return url
    if parsed.database in (None, "", ":memory:"):
        raise ValueError("an in-memory SQLite store cannot be written by a worker process")
    if Path(parsed.database).is_absolute():
        return url
    return parsed.set(database=str(Path(parsed.database).resolve())).render_as_string(
        hide_password=False)


def storing_stopped_message(stopped: workers.Stopped) -> str:
    """What the officer reads when the child storing their batch was stopped."""
    return (f"storing these files {_limit_passed(stopped)} and was stopped; nothing was "
            "stored. Try again in a while, or store fewer files at once")


def ingest_paths(paths: list[Path], store: Store, user: str, answers: dict | None = None,
                 *, is_sample=False, confirmed=True) -> tuple[list[Checked], list[int]]:
    """Read, check and store files from disk (the command line and the sample loader).
    Unless ``confirmed``, values that cannot be right for their indicator refuse the batch
    (UploadRefused), as the Upload page holds it until the officer confirms them."""
    files = []
    for path in paths:
        data = Path(path).read_bytes()
        name = Path(path).name
        if name.endswith(".gz"):
            data, name = gzip.decompress(data), name[:-3]
        files.append((name, data))
    checked = check_files(files, store, answers)
    implausible = [p for c in checked for p in c.parsed.warnings if p.key == IMPLAUSIBLE]
    if implausible and not confirmed:
        raise UploadRefused([dataclasses.replace(p, severity="error") for p in implausible])
    return checked, store_checked(checked, store, user, is_sample=is_sample)


def sample_files() -> list[tuple[list[Path], bool]]:
    """The bundled data in load order, each group with whether its figures are generated:
    reference first (police counts need the beats), then the published police.uk months,
    then the officers' spreadsheets (the board paper's own Domestic Abuse Dashboard, real;
    the generated long table)."""
    ref, officer = SAMPLE_DIR / "reference", SAMPLE_DIR / "officer"
    return [
        (sorted(p for p in ref.glob("*") if p.suffix in (".csv", ".geojson")), False),
        (sorted((SAMPLE_DIR / "police_uk").glob("*.csv.gz")), False),
        (sorted(p for p in officer.glob("*.xlsx") if p.name != GENERATED_SAMPLE), False),
        ([officer / GENERATED_SAMPLE], True),
    ]


def load_sample_data(store: Store) -> list[int]:
    """Load the bundled data into an empty store, one upload per group, only the generated
    figures labelled as sample data; and the board's published action log into its action
    log."""
    ids = []
    for group, generated in sample_files():
        ids += ingest_paths(group, store, SAMPLE_USER, is_sample=generated)[1]
    load_sample_actions(store)
    return ids


def load_sample_actions(store: Store) -> None:
    """The action log of sample_data/actions/ (see its README), when the log is empty."""
    if len(store.actions()):
        return
    for path in sorted((SAMPLE_DIR / "actions").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                store.save_action({**row, "themes": _ids(row["themes"]),
                                   "indicators": _ids(row["indicators"])}, SAMPLE_USER,
                                  int(row["number"]))


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]
