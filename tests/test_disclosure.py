"""Disclosure control, tested by attack: an analyst with a partner's rights collects every
figure the dashboard works out for a small area (its beats, the districts, the county and
the board area) over every period and window (quarters, years to date, rolling 12 months,
months; each trend, the district comparison, the district x quarter table), and solves the
constraints they give. No count a partner must not learn (1 to threshold - 1) may come out
pinned to one value, or to a range narrower than the threshold.

The analyst knows the method (metrics.disclosure) but not its secret: every figure is read
as an exact sum of the rounded atoms it covers (interval propagation over the atoms), and
each atom's rounded value as the true counts it can come from (0: 0 to 4; 5: 1 to 5; any
other value: itself, since only those two come out of rounding). On figures that are raw
counts, as partners were sent before, the same analyst recovers hidden counts exactly.

Then, for any analyst at all: two data sets that differ in one hidden count, with a secret
under which they round alike, give a partner byte-identical pages.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from components import cache
from data_loaders import geography as geo
from data_loaders.catalogue import catalogue_frame
from data_loaders.store import Store
from metrics.series import indicator_series
from metrics.windows import Window, add_months, is_additive, window_value

import small_cells as sc

T = 5
MELTON, RUTLAND = "E07000133", "E06000017"
FOCUS = (MELTON, RUTLAND)
RECORDS = {r["id"]: r for r in catalogue_frame().to_dict("records")}
BIG = 10**9
ATOMS = ("cell", "rest", "category rest")  # what the method rounds; "district" and "others"
# below stand for sums of atoms the analyst does not follow one by one


# -- the analyst's model: atoms, and the atoms each figure covers ---------------------------

class Atoms:
    """The atoms of one family of indicators (leaf indicators, and a parent made of them)
    for the focus districts' beats, each focus district's rest, every other district as one
    atom, and the county's and board area's rests. ``raw(indicator, area, period)`` is the
    truth (a count), used only to check the analyst's conclusions."""

    def __init__(self, leaves, parent, periods, raw, areas_of, others=()):
        self.leaves, self.parent, self.periods, self.raw = leaves, parent, periods, raw
        self.others = others  # leaf indicators of the parent not followed, as one atom
        self.beats = {d: areas_of(d) for d in FOCUS}

    def areas(self) -> list[str]:
        return [b for d in FOCUS for b in self.beats[d]] + list(geo.DISTRICTS) + \
            [geo.COUNTY_CODE, geo.BOARD_CODE]

    def cover(self, indicator: str, area: str, period: str) -> list[tuple]:
        if indicator == self.parent:
            atoms = [a for leaf in self.leaves for a in self.cover(leaf, area, period)]
            if self.others:
                atoms.append(("others", area, period))
            return atoms + [("category rest", area, period)]
        if area in (geo.COUNTY_CODE, geo.BOARD_CODE):
            members = geo.COUNTY_DISTRICTS if area == geo.COUNTY_CODE else geo.DISTRICTS
            return [a for d in members for a in self.cover(indicator, d, period)] + \
                [("rest", indicator, area, period)]
        if area in FOCUS:
            return [("cell", indicator, b, period) for b in self.beats[area]] + \
                [("rest", indicator, area, period)]
        if area in geo.DISTRICTS:
            return [("district", indicator, area, period)]
        return [("cell", indicator, area, period)]

    def truth(self, atom: tuple) -> float:
        kind = atom[0]
        if kind in ("cell", "district"):
            return self.raw(*atom[1:])
        if kind == "others":
            return sum(self.raw(i, atom[1], atom[2]) for i in self.others)
        if kind == "category rest":
            _, area, period = atom
            return self.raw(self.parent, area, period) - sum(
                self.raw(i, area, period) for i in (*self.leaves, *self.others))
        _, indicator, area, period = atom
        parts = [a for a in self.cover(indicator, area, period) if a != atom]
        return self.raw(indicator, area, period) - sum(self.truth(a) for a in parts)


def harvest(version, atoms: Atoms, tag: str = "") -> list[tuple[list, float]]:
    """Every figure a partner's pages work out for the atoms' indicators and areas, as
    (atoms covered, figure): each trend's per-period and rolling 12-month counts, every
    window's count (or a rate's count) ending with every period, the district comparison's
    counts and the district x quarter table."""
    index = cache.load_observation_index(version)
    figures = []
    for indicator in (*atoms.leaves, *([atoms.parent] if atoms.parent else [])):
        record = RECORDS[indicator]
        additive = is_additive(record)
        granularity = record["frequency"]
        for area in atoms.areas():
            series = indicator_series(index, indicator, area, granularity)
            if series.empty:
                continue
            held = set(series["period_start"])
            if additive:
                trend = cache.load_area_trend(version, indicator, area)
                for row in trend.itertuples():
                    periods = [row.period_start] if row.measure == "per period" else \
                        twelve_months_to(row.period_start, granularity)
                    figures.append((periods, area, indicator, row.count))
            for end in quarter_ends(atoms.periods, granularity):
                for kind in ("quarter", "ytd", "rolling12"):
                    window = Window(kind, end)
                    figure = window_value(series, window, additive)
                    if figure.value is None:
                        continue
                    if additive:
                        periods = [p for p in window_periods(window, granularity) if p in held]
                        figures.append((periods, area, indicator, figure.value))
                    elif figure.numerator is not None:
                        figures.append(([end.isoformat()], area, indicator, figure.numerator))
        if additive:
            figures += comparison_figures(version, indicator, atoms, granularity)
            figures += quarter_table_figures(version, record, atoms, granularity)
    return [([tagged(a, tag) for p in periods for a in atoms.cover(indicator, area, p)], value)
            for periods, area, indicator, value in figures if periods]


def tagged(atom: tuple, tag: str) -> tuple:
    return (*atom, tag) if tag else atom


def comparison_figures(version, indicator, atoms, granularity) -> list:
    out = []
    for end in quarter_ends(atoms.periods, granularity):
        for kind in ("quarter", "ytd", "rolling12"):
            window = Window(kind, end)
            periods = window_periods(window, granularity)  # a period not held adds 0
            table = cache.load_area_comparison(version, indicator, kind, end.isoformat())
            for row in table.itertuples():
                if row.area_code in atoms.areas() and row.complete:
                    out.append((periods, row.area_code, indicator, row.count))
    return out


def quarter_table_figures(version, record, atoms, granularity) -> list:
    out = []
    years = sorted({int(p[:4]) - (int(p[5:7]) < 4) for p in atoms.periods})
    for year in years[1:]:
        table = cache.load_quarter_table(version, record, year, tuple(atoms.areas()))
        for row in table.to_dict("records"):
            for y in (year - 1, year):
                label = f"{y}/{str(y + 1)[2:]}"
                for q in range(1, 5):
                    start = dt.date(y + (q == 4), (3 * q + 1) % 12 or 12, 1)
                    value = row.get(f"{label} Q{q}")
                    if value is not None and not pd.isna(value):
                        periods = window_periods(Window("quarter", start), granularity)
                        out.append((periods, row["area_code"], record["id"], value))
    return out


def twelve_months_to(period: str, granularity: str) -> list[str]:
    """The periods of the 12 months ending with ``period`` (as rolling_12_months sums)."""
    day, step = dt.date.fromisoformat(period), 1 if granularity == "month" else 3
    return [add_months(day, -i).isoformat() for i in range(0, 12, step)]


def quarter_of(period: str, granularity: str) -> dt.date:
    day = dt.date.fromisoformat(period)
    return day.replace(month=(day.month - 1) // 3 * 3 + 1) if granularity == "month" else day


def window_periods(window: Window, granularity: str) -> list[str]:
    days = window.months() if granularity == "month" else window.quarters()
    return [d.isoformat() for d in days]


def quarter_ends(periods: list[str], granularity: str) -> list[dt.date]:
    """Every quarter the periods cover completely."""
    if granularity != "month":
        return [dt.date.fromisoformat(p) for p in periods]
    held = set(periods)
    starts = sorted({quarter_of(p, "month") for p in periods})
    return [q for q in starts if all(p in held for p in window_periods(Window("quarter", q),
                                                                         "month"))]


# -- the analyst's solver -------------------------------------------------------------------

def propagate(figures: list[tuple[list, float]], signed: set) -> dict[tuple, tuple[int, int]]:
    """Bounds on each atom's shown (rounded) value implied by the figures read as exact sums
    of them: interval propagation to a fixed point. Atoms are at least 0, rests (``signed``)
    may be negative. Raises AssertionError when the figures contradict one another (they
    are then not sums of one set of atoms)."""
    names = sorted({a for atoms, _ in figures for a in atoms}, key=repr)
    at = {a: i for i, a in enumerate(names)}
    lo = np.array([-BIG if a in signed else 0 for a in names], dtype=np.int64)
    hi = np.full(len(names), BIG, dtype=np.int64)
    rows = []
    for atoms, value in figures:
        counts = defaultdict(int)
        for a in atoms:
            counts[at[a]] += 1
        rows.append((np.array(list(counts)), np.array(list(counts.values())),
                     int(round(value))))
    for _ in range(200):
        changed = False
        for idx, times, value in rows:
            low, high = lo[idx] * times, hi[idx] * times
            others_high = high.sum() - high
            others_low = low.sum() - low
            new_lo = np.clip(-((others_high - value) // times), lo[idx], BIG)
            new_hi = np.clip((value - others_low) // times, -BIG, hi[idx])
            if (new_lo != lo[idx]).any() or (new_hi != hi[idx]).any():
                lo[idx], hi[idx] = new_lo, new_hi
                changed = True
        if not changed:
            break
    assert (lo <= hi).all(), "the figures contradict one another: they are not sums of atoms"
    return {a: (int(lo[i]), int(hi[i])) for a, i in at.items()}


def true_range(shown: tuple[int, int]) -> tuple[int, int]:
    """The true counts an atom can have, given bounds on its shown value: 0 comes from 0 to
    T - 1, T from 1 to T, anything else only from itself (rests mirrored below 0)."""
    low, high = shown
    if high - low > 1000:
        return -BIG, BIG
    froms = []
    for value in range(low, high + 1):
        size, sign = abs(value), (1 if value >= 0 else -1)
        if size == 0:
            froms += [-(T - 1), T - 1] if low < 0 else [0, T - 1]
        elif size == T:
            froms += sorted([sign, sign * T])
        else:
            froms += [value, value]
    return min(froms), max(froms)


def attack(figures, atoms_by_tag: dict[str, Atoms]) -> list[str]:
    """Every hidden count the figures give away, in words (none, when protected)."""
    signed = {a for atoms, _ in figures for a in atoms if "rest" in a[0]}
    shown = propagate(figures, signed)
    found = []
    for atom, bounds in shown.items():
        if atom[0] not in ATOMS:
            continue  # a sum of several atoms, followed as one to keep the model small
        tag = atom[-1] if atom[-1] in atoms_by_tag else ""
        truth = atoms_by_tag[tag].truth(atom[:-1] if tag else atom)
        low, high = true_range(bounds)
        assert low <= truth <= high, f"the analyst's model is wrong about {atom}"
        if 1 <= abs(truth) < T and high - low + 1 < T:
            found.append(f"{atom}: {truth:g} is pinned to {low}..{high}")
    return found


def check_model(figures, atoms_by_tag):
    """The model is the data's: every figure's atoms add up to it in the truth (only before
    protection, where figures are raw), used to show the analyst is right on raw figures."""
    for atoms, value in figures:
        truth = sum(atoms_by_tag[a[-1] if a[-1] in atoms_by_tag else ""].truth(
            a[:-1] if a[-1] in atoms_by_tag else a) for a in atoms)
        assert truth == pytest.approx(value), (atoms[:3], truth, value)


# -- the data sets --------------------------------------------------------------------------

@pytest.fixture()
def store_at(seeded_store_copy, monkeypatch):
    monkeypatch.setenv("DASHBOARD_SQLITE_PATH", str(seeded_store_copy))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield Store(f"sqlite:///{seeded_store_copy}")  # its secret is conftest's TEST_SECRET
    cache.wait_for_readings()
    st.cache_resource.clear()


def partner_version(store: Store):
    """The data version a partner's page run draws."""
    for_audience = getattr(cache, "for_audience", None)
    stored = store.data_version()
    return for_audience((stored, None), (True, T)) if for_audience else (stored, None)


def raw_lookup(frame: pd.DataFrame):
    """(indicator, area, period) -> the count in ``frame`` (a rate's numerator)."""
    counts = frame["numerator"].where(frame["numerator"].notna(), frame["value"])
    table = dict(zip(zip(frame["indicator_id"], frame["area_code"], frame["period_start"]),
                     counts))
    return lambda indicator, area, period: float(table.get((indicator, area, period), 0.0))


def small_cell_atoms(frame: pd.DataFrame) -> list[Atoms]:
    raw = raw_lookup(frame)
    return [Atoms(sc.DA_PARTS, sc.DA_TOTAL, sc.QUARTERS, raw, sc.beats_of),
            Atoms((sc.HATE,), None, sc.QUARTERS, raw, sc.beats_of)]


def test_the_analyst_recovers_hidden_counts_from_raw_figures(store_at):
    """The attack is real: on figures worked out from raw counts (what partners were sent
    before: chart data, years to date, totals), it pins hidden beat counts exactly."""
    frame = sc.observations(sc.true_cells())
    store_at.commit([sc.parsed_upload(frame, "da_by_beat.csv")], "test")
    atoms = small_cell_atoms(store_at.observations())[0]
    officers = (store_at.data_version(), None, None)
    figures = harvest(officers, atoms)
    check_model(figures, {"": atoms})
    found = attack(figures, {"": atoms})
    assert len(found) > 50, found


def test_no_hidden_count_is_pinned_on_seeded_small_cells(store_at):
    frame = sc.observations(sc.true_cells())
    store_at.commit([sc.parsed_upload(frame, "da_by_beat.csv")], "test")
    version = partner_version(store_at)
    for atoms in small_cell_atoms(store_at.observations()):
        found = attack(harvest(version, atoms), {"": atoms})
        assert not found, found[:10]


def test_no_hidden_count_is_pinned_across_a_corrected_re_upload(store_at):
    """Figures from before and after an officer corrects 25 small beat counts, together:
    the analyst knows which atoms kept their counts (they are one atom in both)."""
    before, after = sc.true_cells(), sc.corrected(sc.true_cells())
    first, second = sc.observations(before), sc.observations(after)
    store_at.commit([sc.parsed_upload(first, "da_by_beat.csv")], "test")
    then = partner_version(store_at)
    old = small_cell_atoms(store_at.observations())
    harvested = [harvest(then, atoms, "before") for atoms in old]
    store_at.commit([sc.parsed_upload(second, "da_by_beat_corrected.csv")], "test")
    now = partner_version(store_at)
    new = small_cell_atoms(store_at.observations())
    for i, (was, is_) in enumerate(zip(old, new)):
        figures = shared(harvested[i] + harvest(now, is_, "after"), was, is_)
        found = attack(figures, {"before": was, "after": is_, "": is_})
        assert not found, found[:10]


def shared(figures, before: Atoms, after: Atoms):
    """Atoms whose truth did not change are one atom in both versions (untagged). A sum of
    atoms followed as one ("district") stays two: its total can be unchanged while the
    atoms in it, and so their rounding, changed."""
    def name(atom):
        plain = atom[:-1]
        return plain if plain[0] in ATOMS and before.truth(plain) == after.truth(plain) \
            else atom
    return [([name(a) for a in atoms], value) for atoms, value in figures]


def test_no_hidden_count_is_pinned_on_the_sample_data(store_at):
    """The bundled sample: police.uk beats (monthly, by crime type, with all crime as their
    total) in Melton and Rutland, and the officers' domestic abuse figures by district."""
    frame = store_at.observations()
    raw = raw_lookup(frame)
    types = ("police_robbery", "police_possession_of_weapons", "police_bicycle_theft")
    others = tuple(i for i, r in RECORDS.items()
                   if r["parent"] == "police_total_excl_asb" and i not in types)
    months = sorted(frame.loc[frame["indicator_id"] == types[0], "period_start"].unique())
    beats = {d: sorted(frame.loc[(frame["area_type"] == "beat")
                                 & frame["area_code"].isin(geo.beat_codes(d)),
                                 "area_code"].unique()) for d in FOCUS}
    police = Atoms(types, "police_total_excl_asb", months, raw, beats.get, others)
    quarters = sorted(frame.loc[frame["indicator_id"] == sc.DA_TOTAL, "period_start"].unique())
    da = Atoms(sc.DA_PARTS, sc.DA_TOTAL, quarters, raw, lambda d: [])
    version = partner_version(store_at)
    for atoms in (police, da):
        found = attack(harvest(version, atoms), {"": atoms})
        assert not found, found[:10]


# -- any analyst: one hidden count changed, nothing a partner is sent changes ---------------

PARTNER_PAGES = ["pages/overview.py", "pages/crime.py", "pages/reoffending.py",
                 "pages/domestic_abuse.py", "pages/asb.py", "pages/hate_crime.py",
                 "pages/actions.py", "pages/present.py", "pages/pack.py", "pages/since.py"]


def everything_sent(at, downloads: list[bytes]) -> list[bytes]:
    """Every element and block a page run sent, as its protobuf bytes, in page order, then
    the files its download buttons give (``downloads``, taken as the page ran)."""
    sent = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if getattr(proto, "deferred_file_id", ""):  # a random name for a file not yet made
            proto = type(proto).FromString(proto.SerializeToString())
            proto.ClearField("deferred_file_id")
        if proto is not None:
            sent.append(proto.SerializeToString(deterministic=True))
        children = getattr(node, "children", None) or {}
        for key in sorted(children):
            walk(children[key])

    walk(at._tree)
    sent += downloads
    downloads.clear()
    return sent


class DownloadsTaken:
    """Stands in for Streamlit in components.downloads: each CSV a download button would give
    is written as the page runs, into ``files``, and the button drawn as before."""

    def __init__(self):
        self.files = []

    def __getattr__(self, name):
        return getattr(st, name)

    def columns(self, spec):
        taken = self

        class Column:
            def __init__(self, column):
                self.column = column

            def download_button(self, label, data, **kwargs):
                if label == "CSV":
                    taken.files.append(data())
                return self.column.download_button(label, data, **kwargs)

        return [Column(c) for c in st.columns(spec)]


def pages_sent(store_path, beat: str, monkeypatch, as_partner: bool = True
               ) -> dict[str, list[bytes]]:
    """What a partner (or an officer) is sent on every page a partner can open, for the
    beat's district (the
    domestic abuse page drilled down to the beat's domestic crimes and incidents,
    of which its offences are a part)."""
    from streamlit.testing.v1 import AppTest

    from components import downloads

    from conftest import ROOT

    monkeypatch.setenv("DASHBOARD_SQLITE_PATH", str(store_path))
    st.cache_data.clear()
    st.cache_resource.clear()
    taken = DownloadsTaken()
    monkeypatch.setattr(downloads, "st", taken)

    def open_as_partner(page):  # a session per page, as widgets' keys are shared by pages
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        at.run()
        at.toggle(key="partner_view").set_value(as_partner).run()
        at.selectbox(key="area").set_value(geo.district_of_beat(beat)).run()
        taken.files.clear()  # the overview drawn before the preview was on
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        return at

    sent = {page: everything_sent(open_as_partner(page), taken.files)
            for page in PARTNER_PAGES}
    for kind in ("quarter", "ytd", "rolling12"):
        at = open_as_partner("pages/domestic_abuse.py")
        at.selectbox(key="beat").set_value(beat).run()
        at.selectbox(key="period").set_value(kind).run()
        at.selectbox(key="indicator").set_value("da_crimes_incidents").run()
        assert not at.exception, at.exception
        sent[f"domestic abuse, beat {beat}, {kind}"] = everything_sent(at, taken.files)
    cache.wait_for_readings()
    return sent


@pytest.mark.app
def test_one_hidden_count_changed_changes_nothing_a_partner_is_sent(seeded_store_file,
                                                                    tmp_path, monkeypatch):
    """Two stores whose domestic abuse offences differ by one in a beat's latest quarter (both
    under 5, with the district, county, board and all-domestic-abuse totals the officer uploads
    differing with it). Under a draw that rounds that count alike in both (every draw 0:
    1 to 4 all become 5), every page a partner opens must be byte-identical: a figure
    worked out anywhere from a raw count would differ."""
    import shutil

    from metrics import disclosure

    monkeypatch.setattr(disclosure, "atom_draws",
                        lambda keys, atom, counts, secret: np.zeros(len(counts)))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    cells = sc.true_cells()
    latest = sc.QUARTERS[-1]
    cell = next(("da_offences", b, latest) for b in sc.beats_of(MELTON)
                if 1 <= cells[("da_offences", b, latest)] <= T - 2)
    beat = cell[1]
    one_more = {**cells, cell: cells[cell] + 1}
    stores = []
    for name, truth in (("first", cells), ("second", one_more)):
        stores.append(tmp_path / f"{name}.sqlite")
        shutil.copy(seeded_store_file, stores[-1])
        Store(f"sqlite:///{stores[-1]}").commit(
            [sc.parsed_upload(sc.observations(truth), "da_by_beat.csv")], "test")

    def differing(as_partner: bool) -> list[str]:
        first, second = (pages_sent(path, beat, monkeypatch, as_partner) for path in stores)
        assert first.keys() == second.keys()
        return [page for page in first if first[page] != second[page]]

    assert differing(as_partner=False)  # the control: an officer sees the count change
    assert differing(as_partner=True) == []
    st.cache_resource.clear()
