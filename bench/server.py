"""Start and stop a Streamlit server for a benchmark, and read its memory."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = Path(__file__).resolve().parent / "bare"
SERVE = ROOT / "serve.py"  # the README's run command: app.py, warmed up as the server starts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``streamlit run`` of a script on loopback, on a given SQLite store, headless."""

    def __init__(self, script: Path, store: Path | None = None, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, **(env or {})}
        environment.pop("DATABASE_URL", None)
        if store is not None:
            environment["DASHBOARD_SQLITE_PATH"] = str(store)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script),
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("streamlit exited: " + self.process.stderr.read().decode())
            try:
                urllib.request.urlopen(self.url + "/_stcore/health", timeout=2)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"streamlit did not answer on {self.url} in {timeout} s")

    def rss_mb(self) -> float:
        """Resident memory of the server and every process it started (a parsing worker)."""
        return sum(_rss_kb(pid) for pid in [self.process.pid, *_descendants(self.process.pid)]
                   ) / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self) -> "Server":
        self.wait_healthy()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children + [d for c in children for d in _descendants(c)]
