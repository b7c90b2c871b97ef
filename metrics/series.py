"""Reading series out of the observations: one indicator for one area (a series), or one
indicator for many areas at once. The observations are a frame (OBSERVATION_COLUMNS, plus
upload_id and is_sample from the store) or an ObservationIndex of that frame: the same rows
sorted and grouped once, so a page that reads dozens of series per run finds each by
looking it up instead of scanning every row (a scan of five years of police.uk counts is a
few milliseconds, and a theme page reads a few hundred series). Pure pandas."""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd

SORT = ["indicator_id", "granularity", "area_code", "period_start"]
_FINGERPRINTING = threading.Lock()


class ObservationIndex:
    """The observations sorted by indicator, granularity, area and period, with where each
    indicator's and each series' rows start and stop, and the sets of indicators a page asks
    about (held, held by area type).

    Built once per data version and shared between reruns and sessions: the frames it hands
    out are slices of one frame and must not be mutated (metrics functions never do)."""

    def __init__(self, observations: pd.DataFrame):
        ordered = observations.sort_values(SORT, kind="stable").reset_index(drop=True)
        # Plain Python strings: masking and comparing a few dozen rows of Arrow-backed text
        # costs pandas several times what it costs on object arrays, a few hundred times a run.
        # Each distinct string is held once, every row pointing at it: a string object per
        # cell made the index three times the size of the frame it was built from.
        ordered = ordered.assign(**{c: shared_strings(ordered[c]) for c in ordered.columns
                                    if pd.api.types.is_string_dtype(ordered[c])})
        self.ordered = ordered
        self._indicators = _boundaries(ordered, ["indicator_id"])
        self._blocks = _boundaries(ordered, ["indicator_id", "granularity"])
        self._series = _boundaries(ordered, ["indicator_id", "granularity", "area_code"])
        self._slices: dict = {}
        self._fingerprints: dict | None = None
        ids = ordered["indicator_id"].to_numpy()
        self.held = frozenset(pd.unique(ids))
        self.newest = _newest_starts(ordered)
        types = ordered["area_type"].to_numpy()
        self.held_by_area_type = {kind: frozenset(pd.unique(ids[types == kind]))
                                  for kind in pd.unique(types)}

    def series(self, indicator_id: str, area_code: str, frequency: str | None = None
               ) -> pd.DataFrame:
        """As indicator_series: the rows of one indicator for one area, oldest first."""
        if frequency is None:  # every granularity: rare, so scan as the frame would be
            return indicator_series(self.ordered, indicator_id, area_code)
        return self._slice(self._series, (indicator_id, frequency, area_code))

    def indicator(self, indicator_id: str, frequency: str | None = None) -> pd.DataFrame:
        """Every area's rows of one indicator (at one granularity if given), by
        granularity, area and period."""
        if frequency is None:
            return self._slice(self._indicators, (indicator_id,))
        return self._slice(self._blocks, (indicator_id, frequency))

    def fingerprint(self, indicator_id: str) -> tuple[int, int]:
        """(rows, a hash of them) for one indicator: the same whenever its rows are, so
        something worked out from them can be kept across new data for other indicators.
        Every indicator's is worked out at the first call (a few tens of milliseconds), by
        one thread: twenty sessions' first pages each hashing every row at once took the
        server's memory from 0.4 to 0.8 GB."""
        if self._fingerprints is None:
            with _FINGERPRINTING:
                if self._fingerprints is None:
                    rows = pd.util.hash_pandas_object(self.ordered, index=False).to_numpy()
                    self._fingerprints = {key[0]: (stop - start, int(rows[start:stop].sum()))
                                          for key, (start, stop) in self._indicators.items()}
        return self._fingerprints.get(indicator_id, (0, 0))

    def _slice(self, bounds: dict, key: tuple) -> pd.DataFrame:
        found = self._slices.get(key)
        if found is None:
            start, stop = bounds.get(key, (0, 0))
            found = self.ordered.iloc[start:stop]
            self._slices[key] = found
        return found


def shared_strings(values: pd.Series) -> pd.Series:
    """``values`` as an object column in which equal strings are one Python object (missing
    values stay NaN): what ``astype(object)`` gives, in a fraction of the memory.

    >>> column = shared_strings(pd.Series(["E07", "E07", None], dtype="str"))
    >>> column.tolist(), column[0] is column[1]
    (['E07', 'E07', nan], True)
    """
    codes, uniques = pd.factorize(values)
    strings = np.append(np.asarray(uniques, dtype=object), np.nan)  # code -1 is missing
    return pd.Series(strings[codes], index=values.index, name=values.name, dtype=object)


def _boundaries(ordered: pd.DataFrame, columns: list[str]) -> dict[tuple, tuple[int, int]]:
    """(first row, row after the last) of each run of equal ``columns`` in a sorted frame."""
    if ordered.empty:
        return {}
    keys = ordered[columns].to_numpy()
    change = np.ones(len(ordered), dtype=bool)
    change[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    starts = np.flatnonzero(change)
    stops = np.append(starts[1:], len(ordered))
    return {tuple(keys[s]): (int(s), int(e)) for s, e in zip(starts, stops)}


def indicator_series(observations, indicator_id: str, area_code: str,
                     frequency: str | None = None) -> pd.DataFrame:
    """The rows of one indicator for one area, oldest first (at ``frequency`` if given).
    ``observations`` is the frame or an ObservationIndex of it."""
    if isinstance(observations, ObservationIndex):
        return observations.series(indicator_id, area_code, frequency)
    rows = observations[(observations["indicator_id"] == indicator_id)
                        & (observations["area_code"] == area_code)]
    if frequency is not None:
        rows = rows[rows["granularity"] == frequency]
    return rows.sort_values("period_start")


def indicator_rows(observations, indicator_id: str, frequency: str | None = None,
                   area_codes: list[str] | None = None) -> pd.DataFrame:
    """One indicator (at one granularity if given) for the ``area_codes`` (default every
    area), sorted by granularity, area and period."""
    if isinstance(observations, ObservationIndex):
        rows = observations.indicator(indicator_id, frequency)
    else:
        rows = observations[observations["indicator_id"] == indicator_id]
        if frequency is not None:
            rows = rows[rows["granularity"] == frequency]
        rows = rows.sort_values(SORT[1:], kind="stable")
    if area_codes is not None:
        rows = rows[rows["area_code"].isin(list(area_codes))]
    return rows


def indicators_held(observations, area_type: str | None = None) -> frozenset:
    """The indicator ids with any row (of ``area_type`` if given)."""
    if isinstance(observations, ObservationIndex):
        if area_type is None:
            return observations.held
        return observations.held_by_area_type.get(area_type, frozenset())
    rows = observations if area_type is None else \
        observations[observations["area_type"] == area_type]
    return frozenset(rows["indicator_id"].unique())


def newest_starts(observations) -> dict[str, str]:
    """The newest period start (ISO) held at each granularity."""
    if isinstance(observations, ObservationIndex):
        return observations.newest
    return _newest_starts(observations)


def _newest_starts(observations: pd.DataFrame) -> dict[str, str]:
    return observations.groupby("granularity")["period_start"].max().to_dict()
