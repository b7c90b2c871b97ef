"""Parsing in child processes with memory and time limits, so a file that still blows up
(after safety.py's checks) ends its own child, not the server and not other users' sessions.

A few long-lived children each read one file at a time. A child that needs more memory than
the limit, or more time, is killed and replaced; the caller gets Stopped and turns it into a
plain problem. The same children also store a checked batch (ingest.store_checked), so its
transaction does not hold the server's GIL while other sessions wait; such a job is run with
``confirm`` (see Worker.run), so it commits only while the process that asked is alive.
Children run at a lower CPU priority than the server (NICENESS). Limits come from the
environment:

- DASHBOARD_PARSE_MEMORY_MB: memory one file may use on top of what the child holds idle
  (default 2048)
- DASHBOARD_PARSE_SECONDS: time one file may take (default 120)
- DASHBOARD_PARSE_WORKERS: children reading at once across all sessions (default 2); more
  files wait for a free one

A child is a fresh interpreter (``python -m data_loaders.workers``), not a multiprocessing
child: spawn and forkserver children re-import the parent's main script (Streamlit's command
line, or a benchmark without a ``__main__`` guard) every time one starts. The memory limit
is the address-space limit (RLIMIT_AS) over what /proc says is in use, so it needs Linux;
elsewhere only the time limit applies.
"""
from __future__ import annotations

import contextlib
import logging
import os
import pickle
import resource
import signal
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path

log = logging.getLogger(__name__)

MEMORY_ENV, DEFAULT_MEMORY_MB = "DASHBOARD_PARSE_MEMORY_MB", 2048
SECONDS_ENV, DEFAULT_SECONDS = "DASHBOARD_PARSE_SECONDS", 120
WORKERS_ENV, DEFAULT_WORKERS = "DASHBOARD_PARSE_WORKERS", 2
RECYCLE_MB = 200  # a child holding this much more than when idle is ended after its job
START_SECONDS = 120  # a new child's start-up is not counted against the file's own time
# Imported by each child before it says it is ready, so loading them is not counted against
# a file's memory (the readers import calamine and shapely only when they need them, the
# store sqlite3 when it opens).
PRELOAD = ("data_loaders.parse", "python_calamine", "shapely", "shapely.geometry",
           "data_loaders.ingest", "sqlite3")
# Children run at a lower CPU priority than the server: reading and storing an upload is
# seconds of CPU, and on a machine with few cores it would otherwise take the cores the
# server needs for every other session's pages.
NICENESS = 10
ROOT = Path(__file__).resolve().parents[1]
STATM = "/proc/self/statm"  # the address space in use, in pages (Linux)


@dataclass(frozen=True)
class Limits:
    """What one file may use: megabytes of memory and seconds."""

    memory_mb: float
    seconds: float

    @classmethod
    def from_env(cls) -> "Limits":
        """The limits set in the environment, or the defaults."""
        return cls(_env_number(MEMORY_ENV, DEFAULT_MEMORY_MB),
                   _env_number(SECONDS_ENV, DEFAULT_SECONDS))


def _env_number(name: str, default: float) -> float:
    """A positive number from the environment; a missing or unusable value means the
    default (a typo must not switch a limit off)."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        log.warning("%s=%r is not a number; using %s", name, os.environ[name], default)
        return default
    return value if value > 0 else default


class Stopped(Exception):
    """The child reading a file was stopped: ``reason`` is 'memory' or 'time'."""

    def __init__(self, reason: str, limits: Limits):
        self.reason, self.limits = reason, limits
        super().__init__(reason)


# -- the child ----------------------------------------------------------------------------

def _serve(conn: Connection) -> None:
    """The child's loop: run each job under the memory limit and send back its result.
    After a MemoryError it says so and exits: a fresh child takes its place. It also exits
    when the parent has gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if hasattr(os, "nice"):  # other sessions' pages come first; an upload waits instead
        os.nice(NICENESS)
    for module in PRELOAD:
        __import__(module)
    conn.send("ready")
    while True:
        try:
            function, args, memory_mb, confirmed = conn.recv()
        except (EOFError, ConnectionResetError):
            return  # the parent has gone
        extra = {"confirm": lambda: _confirm(conn)} if confirmed else {}
        out_of_memory = False
        try:
            with _memory_limit(memory_mb):
                payload = pickle.dumps(("done", function(*args, **extra)),
                                       pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            out_of_memory, payload = True, pickle.dumps(("memory", None))
        except Exception as exc:  # the function's own bug: the child is still sound
            if _short_of_memory(exc):
                out_of_memory, payload = True, pickle.dumps(("memory", None))
            else:
                payload = pickle.dumps(("failed", traceback.format_exc()))
        try:
            conn.send_bytes(payload)
        except OSError:  # a broken pipe: the parent has gone
            return
        if out_of_memory:
            return


def _short_of_memory(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) is the memory limit said another way: under an
    address-space limit SQLite cannot map a WAL file's shared memory and reports "disk I/O
    error", or cannot allocate and reports "out of memory", and SQLAlchemy wraps either."""
    seen = 0
    while exc is not None and seen < 10:
        text = str(exc)
        if isinstance(exc, MemoryError) or (type(exc).__name__ == "OperationalError" and (
                "out of memory" in text or "disk I/O error" in text)):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _confirm(conn: Connection) -> bool:
    """Tell the parent the job's work is done and wait for its "go": True when it says it,
    False when it has gone first (its end of the pipe closed, as when it was killed), and
    the job then undoes its work."""
    try:
        conn.send(("ready", None))
        return conn.recv() == "go"
    except (EOFError, OSError):
        return False


@contextlib.contextmanager
def _memory_limit(memory_mb: float):
    """Limit the address space to what the process maps now plus ``memory_mb``: the budget
    is the file's, on top of the interpreter and libraries already loaded."""
    if not os.path.exists(STATM):  # not Linux: only the time limit applies
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _mapped_bytes() + int(memory_mb * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY
                                            else min(limit, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _mapped_bytes() -> int:
    """The process's address space in use now (Linux: /proc/self/statm, in pages)."""
    with open(STATM) as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


# -- the parent ---------------------------------------------------------------------------

class Worker:
    """One child process, reading one file at a time for as long as it lives."""

    def __init__(self):
        self.conn, theirs = Pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "data_loaders.workers", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, cwd=ROOT)  # nothing of a child's may mix into ours
        theirs.close()
        self.ready = False
        self.busy = False  # a job was sent and its answer not yet read
        self.idle_mb: float | None = None  # resident memory once it had loaded its libraries

    def run(self, function, args: tuple, limits: Limits, *, confirm: bool = False):
        """``function(*args)`` in the child. Raises Stopped (and kills the child) when it
        needs more memory or time than ``limits``.

        With ``confirm``, it is ``function(*args, confirm=...)``: the function calls
        ``confirm()`` once its work is done but before it is kept (a transaction before its
        commit) and keeps it only if that returns True. This side answers "go" at once, so
        it returns False only when the parent died in between (its end of the pipe closed):
        a killed server leaves no child that commits afterwards. ``limits`` apply up to
        that point; the commit itself is not stopped, since nobody could then say whether
        it happened.
        """
        if not self.ready:
            if not self.conn.poll(START_SECONDS):
                self.kill()
                raise RuntimeError("the parsing process did not start")
            self.conn.recv()
            self.ready = True
            self.idle_mb = self.resident_mb()
        self.busy = True
        self.conn.send((function, args, limits.memory_mb, confirm))
        status, value = self._answer(limits)
        if status == "ready":
            self.conn.send("go")
            status, value = self._answer(None)
        self.busy = False
        if status == "memory":
            raise self._stop("memory", limits)
        if status == "failed":
            raise RuntimeError(f"the worker process failed:\n{value}")
        return value

    def _answer(self, limits: Limits | None) -> tuple:
        """The child's next message, waiting at most ``limits.seconds`` (None: no limit)."""
        if limits is not None and not self.conn.poll(limits.seconds):
            raise self._stop("time", limits)
        try:
            return self.conn.recv()
        except (EOFError, ConnectionResetError):  # it died: memory ran out under the limit
            if limits is None:  # between "go" and the commit's answer
                self.kill()
                raise RuntimeError("the worker process ended while committing") from None
            raise self._stop("memory", limits) from None

    def _stop(self, reason: str, limits: Limits) -> Stopped:
        self.kill()
        log.warning("parsing process %s stopped for %s (exit code %s; limits %s)",
                    self.process.pid, reason, self.process.returncode, limits)
        return Stopped(reason, limits)

    @property
    def alive(self) -> bool:
        """Ready for another file: running, and not left mid-job by an interrupted caller
        (its answer would be read as the next file's)."""
        return not self.busy and not self.conn.closed and self.process.poll() is None

    def resident_mb(self) -> float | None:
        """The child's resident memory (Linux: /proc/<pid>/statm), or None elsewhere."""
        try:
            with open(f"/proc/{self.process.pid}/statm") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            return None

    @property
    def grown(self) -> bool:
        """Holding more than RECYCLE_MB over its idle memory: a child that read or stored a
        big batch keeps what it used, for as long as it lives."""
        now = self.resident_mb()
        return self.idle_mb is not None and now is not None and now - self.idle_mb > RECYCLE_MB

    def kill(self) -> None:
        """End the child now and reap it."""
        self.process.kill()
        self.process.wait()
        self.conn.close()


class WorkerPool:
    """Up to ``size`` children shared by every session; each file takes a free one (or
    waits for one), and a child that was killed is replaced when next needed."""

    def __init__(self, size: int):
        self.size = size
        self._idle: list[Worker] = []
        self._started = 0
        self._free = threading.Condition()

    def run(self, function, args: tuple, limits: Limits, *, confirm: bool = False):
        """``function(*args)`` in a child within ``limits`` (see Worker.run)."""
        worker = self._take()
        try:
            return worker.run(function, args, limits, confirm=confirm)
        finally:
            self._give_back(worker)

    def _take(self) -> Worker:
        with self._free:
            while not self._idle and self._started >= self.size:
                self._free.wait()
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
                worker.kill()  # it died while idle (the kernel's OOM killer, say): reap it
                self._started -= 1
            self._started += 1
        try:
            return Worker()
        except BaseException:
            self._give_back(None)
            raise

    def _give_back(self, worker: Worker | None) -> None:
        if worker is not None and (not worker.alive or worker.grown):
            worker.kill()  # a grown one is replaced by a fresh child when next needed
        with self._free:
            if worker is not None and worker.alive:
                self._idle.append(worker)
            else:
                self._started -= 1
            self._free.notify()

    def start(self, count: int) -> None:
        """Start children (up to the pool's size) without waiting for them, so they load
        their libraries while the caller does other work."""
        with self._free:
            new = max(0, min(count, self.size) - self._started)
            self._started += new
        for _ in range(new):
            try:
                worker = Worker()
            except BaseException:
                self._give_back(None)
                raise
            self._give_back(worker)


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def pool() -> WorkerPool:
    """The process's one pool, started on first use with DASHBOARD_PARSE_WORKERS children
    at most."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool(int(_env_number(WORKERS_ENV, DEFAULT_WORKERS)))
        return _pool


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
