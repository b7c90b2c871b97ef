"""Shared fixtures: paths to the project and to the real public data in ../shared/data, a
seeded store, and a throwaway PostgreSQL server."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_SECRET = "5e6f1a2b3c4d7e8f9a0b1c2d3e4f5a6b"  # the seeded store's disclosure secret
# Frames the app keeps on disk between starts (data_loaders/frame_cache.py) go to a folder of
# this run's own, for the app in this process and every server a test starts.
os.environ["DASHBOARD_CACHE_DIR"] = tempfile.mkdtemp(prefix="frame-cache-")


@pytest.fixture(autouse=True)
def no_reading_left_running():
    """After each test, wait for any thread the app started to read new data
    (components.cache.NewData): the next test clears the caches, and a thread finishing
    later could fill them with this test's data under the same version number."""
    yield
    cache = sys.modules.get("components.cache")
    if cache is not None:
        cache.wait_for_readings()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not beside the project")
    return SHARED_DATA


@pytest.fixture(scope="session")
def seeded_store_file(tmp_path_factory) -> Path:
    """A SQLite store with the bundled sample data loaded once for the whole run."""
    from data_loaders.ingest import load_sample_data
    from data_loaders.schema import meta
    from data_loaders.store import Store

    path = tmp_path_factory.mktemp("seeded") / "store.sqlite"
    store = Store(f"sqlite:///{path}")
    load_sample_data(store)
    with store.engine.begin() as conn:  # one rounding of partners' counts in every run
        conn.execute(meta.update().where(meta.c.key == "disclosure_secret")
                     .values(value=TEST_SECRET))
    store.engine.dispose()
    return path


@pytest.fixture()
def seeded_store_copy(seeded_store_file, tmp_path) -> Path:
    """A private copy of the seeded store that a test may change."""
    import shutil

    target = tmp_path / "store.sqlite"
    shutil.copy(seeded_store_file, target)
    return target


def _run_as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root, so the server runs as 'postgres'.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL server on a Unix socket in a temporary folder; yields a
    SQLAlchemy URL. .ci/run installs Debian's postgresql; without it the test fails in CI."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run installs Debian's postgresql")
        pytest.skip("PostgreSQL is not installed")
    bin_dir = Path(found[-1]).parent
    # Not under pytest's tmp folder: that is private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="dashboard-postgres-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    subprocess.run(_run_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                                     "-U", "postgres"]), check=True, capture_output=True)
    subprocess.run(_run_as_postgres([
        str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "start",
        "-o", f"-k {folder} -c listen_addresses='' -p 5433"]), check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port=5433"
    finally:
        subprocess.run(_run_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                                         "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
