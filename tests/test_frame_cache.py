"""Frames kept on disk between server starts (data_loaders/frame_cache.py): answered from disk
only while the store's data is unchanged, never another store's, never a damaged file."""
from __future__ import annotations

import os

import pandas as pd

from data_loaders import frame_cache
from data_loaders.frame_cache import cached_frame
from data_loaders.schema import meta
from data_loaders.store import Store

from test_store import BLABY_Q1, BLABY_Q2, parsed


class Reader:
    """Stands in for the store: counts its reads, so a test can tell disk from database."""

    def __init__(self, frame: pd.DataFrame):
        self.frame, self.reads = frame, 0

    def __call__(self) -> pd.DataFrame:
        self.reads += 1
        return self.frame


FRAME = pd.DataFrame({"area_code": ["E07000129", "E07000130"], "value": [1.5, float("nan")],
                      "upload_id": [3, 4], "is_sample": [True, False]})


def test_a_second_read_with_the_same_stamp_comes_from_disk_unchanged(tmp_path):
    reader = Reader(FRAME)
    first = cached_frame(tmp_path, "obs", lambda: "s1", reader)
    second = cached_frame(tmp_path, "obs", lambda: "s1", reader)
    assert reader.reads == 1
    pd.testing.assert_frame_equal(first, FRAME)
    pd.testing.assert_frame_equal(second, FRAME)  # dtypes too: bool, float with NaN, str


def test_a_new_stamp_reads_the_store_again(tmp_path):
    reader = Reader(FRAME)
    cached_frame(tmp_path, "obs", lambda: "s1", reader)
    cached_frame(tmp_path, "obs", lambda: "s2", reader)
    assert reader.reads == 2


def test_a_frame_read_while_the_stamp_changed_is_not_saved(tmp_path):
    stamps = iter(["s1", "s2"])  # an upload landed between the two looks at the stamp
    reader = Reader(FRAME)
    cached_frame(tmp_path, "obs", lambda: next(stamps), reader)
    assert not list(tmp_path.glob("*.arrow"))
    cached_frame(tmp_path, "obs", lambda: "s1", reader)
    assert reader.reads == 2


def test_a_damaged_file_is_read_past_and_replaced(tmp_path):
    reader = Reader(FRAME)
    cached_frame(tmp_path, "obs", lambda: "s1", reader)
    [saved] = tmp_path.glob("obs-s1.arrow")
    saved.write_bytes(b"not arrow at all")
    pd.testing.assert_frame_equal(cached_frame(tmp_path, "obs", lambda: "s1", reader), FRAME)
    assert reader.reads == 2
    pd.testing.assert_frame_equal(pd.read_feather(saved), FRAME)


def test_only_the_newest_few_files_are_kept(tmp_path):
    reader = Reader(FRAME)
    for number in range(frame_cache.KEEP_PER_NAME + 3):
        cached_frame(tmp_path, "obs", lambda n=number: f"s{n}", reader)
        os.utime(tmp_path / f"obs-s{number}.arrow", (number, number))  # mtime in order
    kept = sorted(p.name for p in tmp_path.glob("obs-*.arrow"))
    assert len(kept) == frame_cache.KEEP_PER_NAME
    assert f"obs-s{frame_cache.KEEP_PER_NAME + 2}.arrow" in kept and "obs-s0.arrow" not in kept


def test_no_folder_means_the_store_every_time(tmp_path):
    reader = Reader(FRAME)
    cached_frame(None, "obs", lambda: "s1", reader)
    cached_frame(None, "obs", lambda: "s1", reader)
    assert reader.reads == 2


def test_a_folder_others_can_write_to_is_not_used(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv(frame_cache.CACHE_ENV, str(shared))
    assert frame_cache.cache_dir() is None
    shared.chmod(0o700)
    assert frame_cache.cache_dir() == shared


# -- the store's stamp ----------------------------------------------------------------------

def test_the_stamp_changes_with_every_change_to_the_data_and_differs_between_stores(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'a.sqlite'}")
    other = Store(f"sqlite:///{tmp_path / 'b.sqlite'}")
    stamps = [store.data_stamp()]
    [upload_id] = store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0})], "officer1")
    stamps.append(store.data_stamp())
    store.rollback(upload_id, "officer1")
    stamps.append(store.data_stamp())
    store.restore(upload_id, "officer1")
    stamps.append(store.data_stamp())
    assert len(set(stamps)) == 4 and other.data_stamp() not in stamps
    assert Store(store.url).data_stamp() == stamps[-1]  # opening a store keeps its stamp


def test_a_store_made_before_stamps_gets_one_when_opened(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with store.engine.begin() as conn:
        conn.execute(meta.delete().where(meta.c.key == "data_stamp"))
    assert store.data_stamp() is None
    assert Store(store.url).data_stamp()


def test_a_rollback_is_never_answered_from_the_file_saved_before_it(tmp_path):
    """The whole path as components/cache.py uses it, on a real store."""
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)

    def observations():
        return cached_frame(folder, "observations-current", store.data_stamp,
                            lambda: store.observations(with_sample_flag=True))

    store.commit([parsed("a.xlsx", {BLABY_Q1: 1.0, BLABY_Q2: 2.0})], "officer1")
    [correction] = store.commit([parsed("b.xlsx", {BLABY_Q1: 1.5})], "officer1")
    assert sorted(observations()["value"]) == [1.5, 2.0]
    store.rollback(correction, "officer1")
    reread = observations()
    assert sorted(reread["value"]) == [1.0, 2.0]
    pd.testing.assert_frame_equal(reread, store.observations(with_sample_flag=True))
    assert len(list(folder.glob("*.arrow"))) == 2
