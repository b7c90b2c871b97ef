"""Disclosure control for partners: the one protected table every partner view is drawn from.

Method (consistent random rounding of the smallest cells, then addition):

1. **Atoms.** Every count the store holds is split into atoms that are independent of one
   another: a beat's (or any smallest area's) count for one indicator and period; for each
   larger area, the *rest*: its own count minus its parts' (district minus its beats, county
   and board area minus their districts, a crime total minus its crime types). Where the
   parts are complete the rest is 0. A whole smaller than its parts (parts and whole from
   different uploads) does not add up from them and is an atom of its own.
2. **Rounding.** An atom from 1 to threshold - 1 becomes 0 or the threshold, at random but
   unbiased (threshold with probability count / threshold), so figures built from many
   atoms stay right on average. 0 stays 0; threshold and above stay as they are. A shown 0
   can be anything from 0 to threshold - 1, a shown threshold anything from 1 to threshold.
3. **Consistency.** The draw comes from a keyed hash of the atom (its area, period, kind and
   count, not which indicator holds it) with a secret the store keeps and never shows: the
   same atom is rounded the same way in every view, in every session and after every
   re-upload, and one count held twice (referrals accepted, and the denominator of the share
   contacted within 48 hours) is rounded the same way in both, so asking again, or for
   overlapping periods, or another indicator, gives no second draw to play against the first.
   A corrected upload redraws only the atoms whose counts changed.
4. **Addition.** Every other figure, in every area and period (quarters, years to date,
   rolling 12 months, months), is the sum of protected atoms, and rates and percentages are
   worked out from protected counts. So whatever a partner adds up or subtracts, across
   periods, nested areas or categories, gives back protected atoms, never a raw count.

This is the approach of the ONS's cell-key perturbation for Census 2021 and the ABS
TableBuilder (consistent, keyed noise on small cells) applied to the smallest cells before
any aggregation, so that totals and their parts always agree. Pure pandas: no Streamlit.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from data_loaders import geography as geo

from .windows import is_additive

KEY_COLUMNS = ["indicator_id", "granularity", "period_start", "area_code"]
DRAW_COLUMNS = ["granularity", "period_start", "area_code"]  # with the atom's kind and count
# Area types that are sums of others, with where their parts come from.
NESTED_LEVELS = ("beat", "district", "county", "board")
# LSOA figures are held only to build beats; partners are never shown them.
NOT_FOR_PARTNERS = ("lsoa",)


def round_small(counts: np.ndarray, draws: np.ndarray, threshold: int) -> np.ndarray:
    """Each count from 1 to threshold - 1 (or -1 to -(threshold - 1), for a rest that is
    negative) as 0 or +-threshold: threshold when its draw is below count / threshold.
    Other counts as they are. ``draws`` are uniform on [0, 1), one per count.

    >>> round_small(np.array([0, 1, 4, 4, 5, 9, -2]), np.array([.5, .1, .9, .7, .0, .3, .1]),
    ...             5).tolist()
    [0, 5, 0, 5, 5, 9, -5]
    """
    size = np.abs(counts)
    small = (size >= 1) & (size < threshold)
    up = draws < size / threshold
    rounded = np.where(up, threshold, 0) * np.sign(counts)
    return np.where(small, rounded, counts)


def atom_draws(keys: pd.DataFrame, atom: str, counts: np.ndarray, secret: str) -> np.ndarray:
    """A uniform draw on [0, 1) per row of ``keys`` (DRAW_COLUMNS), the same for the same
    area, period, ``atom`` (its kind: 'count', 'area rest'...), count and ``secret`` (a
    string of at least 16 characters), and unpredictable without the secret (a keyed
    SipHash of each identity).

    >>> keys = pd.DataFrame({"granularity": ["month"] * 3, "area_code": ["X"] * 3,
    ...                      "period_start": ["2023-01-01"] * 3})
    >>> first, second, third = atom_draws(keys, "count", np.array([2, 2, 3]), "0123456789abcdef")
    >>> bool(first == second), bool(first == third), bool(0 <= first < 1)
    (True, False, True)
    """
    identity = keys[DRAW_COLUMNS[0]].astype(str)
    for column in DRAW_COLUMNS[1:]:
        identity = identity + "|" + keys[column].astype(str)
    identity = identity + f"|{atom}|" + pd.Series(np.asarray(counts, dtype="float64"),
                                                  index=keys.index).astype(str)
    hashed = pd.util.hash_array(identity.to_numpy(dtype=object), hash_key=secret[:16],
                                categorize=False)
    return (hashed >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def protect_observations(observations: pd.DataFrame, records: dict[str, dict],
                         areas: pd.DataFrame, populations: dict, secret: str,
                         threshold: int) -> pd.DataFrame:
    """The observations as partners see them (see the module's docstring): the same rows and
    columns, less LSOA rows, with every count, numerator and denominator protected, and
    rates and percentages worked out again from protected counts where those changed.

    ``records``: catalogue records by indicator id; ``areas``: the areas reference table
    (area_type, area_code, beat_code, district_code); ``populations``: area code ->
    population, to read the count inside a rate that comes without its numerator.
    Does not mutate its input."""
    frame = observations[~observations["area_type"].isin(NOT_FOR_PARTNERS)].copy()
    if frame.empty:
        return frame.reset_index(drop=True)
    frame["_parent"] = _parents(frame, areas)
    units = frame["indicator_id"].map(lambda i: records.get(i, {}).get("unit", ""))
    is_rate = (units == "rate_per_1000").to_numpy()
    population = frame["area_code"].map(populations).astype("float64").to_numpy()
    value = frame["value"].to_numpy(dtype="float64")
    numerator = frame["numerator"].to_numpy(dtype="float64")
    # The count behind each row's value: the value itself for counts; for a rate, its
    # numerator or else rate x population / 1,000 (what anyone with ONS figures can work out).
    counts = np.where(units.eq("count"), value, np.nan)
    counts = np.where(is_rate, np.where(np.isnan(numerator), value * population / 1000,
                                        numerator), counts)
    frame["_count"] = np.round(counts)
    # A rate's numerator is its count: protected once, as the count (two draws for one count
    # would let the two roundings be played against each other).
    frame["_numerator"] = np.where(is_rate, np.nan, numerator)
    protected = {column: _protect_column(frame, column, records, secret, threshold)
                 for column in ("_count", "_numerator", "denominator")}
    protected["numerator"] = np.where(is_rate & ~np.isnan(numerator), protected["_count"],
                                      protected["_numerator"])
    return _rebuilt(frame, protected, units.to_numpy(), population)


def _protect_column(frame: pd.DataFrame, column: str, records: dict, secret: str,
                    threshold: int) -> np.ndarray:
    """One count column protected: parts before wholes, along the areas, then along the
    categories (a parent indicator that is the sum of its categories)."""
    raw = frame[column].to_numpy(dtype="float64")
    held = ~np.isnan(raw)
    out = np.full(len(frame), np.nan)
    parents = _category_parents(records)
    is_parent_indicator = frame["indicator_id"].isin(set(parents.values())).to_numpy()
    # Along the areas, level by level: the level below is done before its wholes.
    done = pd.Series(out, index=frame.index)
    order = ["other", *NESTED_LEVELS]
    level = frame["area_type"].where(frame["area_type"].isin(NESTED_LEVELS), "other")
    for name in order:
        rows = (level == name).to_numpy() & held & ~is_parent_indicator
        if not rows.any():
            continue
        part = frame[rows]
        below_raw, below_protected = _parts_sums(frame, raw, done, part, name)
        done[rows] = _whole(part, raw[rows], below_raw, below_protected,
                            "count" if name in ("other", "beat") else "area rest", secret,
                            threshold)
    # Along the categories: a parent indicator is its categories plus a rest of its own.
    rows = is_parent_indicator & held
    if rows.any():
        part = frame[rows]
        child_raw, child_protected = _category_sums(frame, raw, done, part, parents)
        done[rows] = _whole(part, raw[rows], child_raw, child_protected, "category rest",
                            secret, threshold)
    return done.to_numpy()


def _whole(part: pd.DataFrame, raw: np.ndarray, parts_raw: np.ndarray,
           parts_protected: np.ndarray, atom: str, secret: str, threshold: int) -> np.ndarray:
    """Each whole of ``part``: its parts' protected sum plus its rounded rest. A whole
    smaller than its parts (parts and whole from different uploads) does not add up from
    them, so it is rounded on its own: a small whole as the sum of large parts and a large
    negative rest would otherwise come out exact."""
    rest = np.round(raw - parts_raw)
    built = parts_protected + round_small(rest, atom_draws(part, atom, rest, secret),
                                          threshold)
    alone = round_small(np.round(raw), atom_draws(part, "count", np.round(raw), secret),
                        threshold)
    return np.where(rest < 0, alone, built)


def _parents(frame: pd.DataFrame, areas: pd.DataFrame) -> pd.Series:
    """Each row's parent area code for nesting: a beat's district; a district's county and
    board area are found by _parts_sums (a district has two wholes)."""
    beats = areas[areas["area_type"] == "beat"]
    beat_district = dict(zip(beats["area_code"], beats["district_code"]))
    return frame["area_code"].map(beat_district).where(frame["area_type"] == "beat")


def _parts_sums(frame, raw, done, part, level) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``part`` (all at ``level``): the raw and protected sums of its parts
    (0 where it has none held)."""
    zeros = np.zeros(len(part))
    if level == "district":
        children = frame["area_type"].eq("beat") & frame["_parent"].notna()
        child_area = frame.loc[children, "_parent"]
    elif level in ("county", "board"):
        members = geo.COUNTY_DISTRICTS if level == "county" else list(geo.DISTRICTS)
        children = frame["area_type"].eq("district") & frame["area_code"].isin(list(members))
        child_area = pd.Series(geo.COUNTY_CODE if level == "county" else geo.BOARD_CODE,
                               index=frame.index[children])
    else:
        return zeros, zeros
    if not children.any():
        return zeros, zeros
    keys = ["indicator_id", "granularity", "period_start"]
    kids = frame.loc[children, keys].assign(
        area_code=child_area.to_numpy(), _raw=raw[children.to_numpy()],
        _protected=done[children].to_numpy())
    kids = kids[kids["_raw"].notna()]
    sums = kids.groupby(KEY_COLUMNS, sort=False)[["_raw", "_protected"]].sum()
    found = part[KEY_COLUMNS].merge(sums, how="left", left_on=KEY_COLUMNS, right_index=True)
    return (found["_raw"].fillna(0).to_numpy(), found["_protected"].fillna(0).to_numpy())


def _category_parents(records: dict) -> dict[str, str]:
    """Category indicator id -> parent id, where the parent is a count made of its
    categories (crime types in all crime; domestic crimes and incidents; the waiting lists
    of each service in the waiting list)."""
    return {i: r["parent"] for i, r in records.items()
            if r.get("parent") and r["unit"] == "count"
            and records.get(r["parent"], {}).get("unit") == "count"
            and is_additive(r) == is_additive(records[r["parent"]])}


def _category_sums(frame, raw, done, part, parents) -> tuple[np.ndarray, np.ndarray]:
    children = frame["indicator_id"].isin(set(parents)).to_numpy() & ~np.isnan(raw)
    kids = frame.loc[children, KEY_COLUMNS].assign(
        indicator_id=frame.loc[children, "indicator_id"].map(parents).to_numpy(),
        _raw=raw[children], _protected=done.to_numpy()[children])
    sums = kids.groupby(KEY_COLUMNS, sort=False)[["_raw", "_protected"]].sum()
    found = part[KEY_COLUMNS].merge(sums, how="left", left_on=KEY_COLUMNS, right_index=True)
    return (found["_raw"].fillna(0).to_numpy(), found["_protected"].fillna(0).to_numpy())


SHARE_SCALE = {"percent": 100.0, "ratio": 1.0, "days": 1.0}


def _rebuilt(frame: pd.DataFrame, protected: dict, units: np.ndarray,
             population: np.ndarray) -> pd.DataFrame:
    """The rows with protected counts in place, rates and shares worked out again where a
    count under them changed."""
    is_rate = units == "rate_per_1000"
    value = frame["value"].to_numpy(dtype="float64")
    count, raw_count = protected["_count"], frame["_count"].to_numpy(dtype="float64")
    changed = ~np.isnan(count) & (count != raw_count)
    is_count = ~is_rate & ~np.isnan(raw_count)
    new_value = np.where(is_count, count, value)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(raw_count > 0, value * count / raw_count, count / population * 1000)
        new_value = np.where(is_rate & changed, rate, new_value)
        num, den = protected["numerator"], protected["denominator"]
        raw_num = frame["numerator"].to_numpy(dtype="float64")
        raw_den = frame["denominator"].to_numpy(dtype="float64")
        share = ~is_rate & ~is_count & ~np.isnan(num) & ~np.isnan(den)
        moved = share & ((num != raw_num) | (den != raw_den))
        scale = np.array([SHARE_SCALE.get(u, np.nan) for u in units])
        worked = np.where(den > 0, scale * num / den, np.nan)
        new_value = np.where(moved, np.where(np.isfinite(worked), worked, np.nan), new_value)
    out = frame.drop(columns=["_parent", "_count", "_numerator"])
    out["value"] = new_value
    out["numerator"] = num
    out["denominator"] = den
    return out.reset_index(drop=True)


def protect_tally(tally: pd.DataFrame, secret: str, threshold: int) -> pd.DataFrame:
    """The police.uk incident tally (incidents per month, crime type, district and map point)
    as partners see it: each point's count rounded as an atom, points rounded to 0 left
    out. Does not mutate its input."""
    keys = pd.DataFrame({"granularity": tally["crime_type"].astype(str),
                         "period_start": tally["month"].astype(str),
                         "area_code": tally["district_code"].astype(str) + "@"
                         + tally["longitude"].astype(str) + "," + tally["latitude"].astype(str)})
    raw = tally["incidents"].to_numpy()
    counts = round_small(raw, atom_draws(keys, "point", raw, secret), threshold)
    out = tally.assign(incidents=counts.astype(tally["incidents"].dtype))
    return out[out["incidents"] > 0].reset_index(drop=True)


def partner_observations(observations: pd.DataFrame, catalogue: pd.DataFrame,
                         areas: pd.DataFrame, population: pd.DataFrame, secret: str,
                         threshold: int) -> pd.DataFrame:
    """protect_observations with the frames as the store gives them: the catalogue frame,
    the areas and population reference tables (each area's latest population)."""
    records = {r["id"]: r for r in catalogue.to_dict("records")}
    latest = population.sort_values("year") if "year" in population else population
    populations = dict(zip(latest["area_code"], latest["population"]))
    return protect_observations(observations, records, areas, populations, secret, threshold)
