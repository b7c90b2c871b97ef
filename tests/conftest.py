"""Shared fixtures: paths to the project and to the real public data in ../shared/data."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not beside the project")
    return SHARED_DATA


@pytest.fixture(scope="session")
def seeded_store_file(tmp_path_factory) -> Path:
    """A SQLite store with the bundled sample data loaded once for the whole run."""
    from data_loaders.ingest import load_sample_data
    from data_loaders.store import Store

    path = tmp_path_factory.mktemp("seeded") / "store.sqlite"
    store = Store(f"sqlite:///{path}")
    load_sample_data(store)
    store.engine.dispose()
    return path


@pytest.fixture()
def seeded_store_copy(seeded_store_file, tmp_path) -> Path:
    """A private copy of the seeded store that a test may change."""
    import shutil

    target = tmp_path / "store.sqlite"
    shutil.copy(seeded_store_file, target)
    return target
