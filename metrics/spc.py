"""Statistical process control as NHS England's "Making Data Count" does it: an XmR chart on
monthly or quarterly values (never on rolling sums), with the mean and process limits at
mean +/- 2.66 x the mean moving range, four special-cause rules, and each signal read as
improvement or concern by the indicator's polarity. A definition change starts a new segment:
its mean and limits come from its own points only.

Rules (each point that takes part in a rule is flagged with it):
- "beyond limits": a point above the upper or below the lower process limit;
- "run": 7 or more consecutive points on one side of the mean (a point on the mean breaks it);
- "trend": 6 or more consecutive points each higher (or each lower) than the one before;
- "two of three": 2 of 3 consecutive points beyond 2 sigma on the same side, where
  sigma = mean moving range / 1.128.
A signal's side is where its points sit against the mean, except in a trend: rising points
are high and falling points low wherever they sit, whatever other rule also flags them (a
rising trend below the mean is still a rise, as Making Data Count reads it).
"""
from __future__ import annotations

import pandas as pd

MIN_POINTS = 12  # fewer points in a segment give limits too loose to read
LIMIT_FACTOR = 2.66
D2 = 1.128
SPC_COLUMNS = ["period_start", "value", "segment", "mean", "ucl", "lcl", "sigma", "signal",
               "side", "rules"]


def compute_xmr(series: pd.DataFrame, breaks: list[str] = ()) -> pd.DataFrame:
    """An XmR chart of ``series`` (period_start, value; oldest first): SPC_COLUMNS, one row
    per point. ``breaks`` are period starts where a definition changed: each starts a new
    segment with its own mean and limits. Segments with fewer than MIN_POINTS points get no
    limits and no signals. Does not mutate its input.

    >>> frame = pd.DataFrame({"period_start": [f"2023-{m:02d}-01" for m in range(1, 13)],
    ...                       "value": [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 30]})
    >>> chart = compute_xmr(frame)
    >>> float(round(chart["ucl"].iloc[0], 2)), chart["rules"].iloc[-1]
    (20.82, 'beyond limits')
    """
    cuts = sorted(set(breaks))
    starts, values = series["period_start"].tolist(), series["value"].tolist()
    segments = [sum(start >= cut for cut in cuts) for start in starts]
    columns: dict[str, list] = {c: [] for c in SPC_COLUMNS}
    for segment in sorted(set(segments)):  # built as lists: a chart is read on every rerun
        rows = [i for i, s in enumerate(segments) if s == segment]
        columns["period_start"] += [starts[i] for i in rows]
        columns["value"] += [values[i] for i in rows]
        columns["segment"] += [segment] * len(rows)
        for column, cells in _segment([values[i] for i in rows]).items():
            columns[column] += cells
    if not starts:
        return pd.DataFrame(columns=SPC_COLUMNS)
    return pd.DataFrame(columns, columns=SPC_COLUMNS)


def _segment(points: list) -> dict[str, list]:
    """mean, ucl, lcl, sigma, signal, side and rules for one segment's points."""
    count = len(points)
    if count < MIN_POINTS:
        return {"mean": [float("nan")] * count, "ucl": [float("nan")] * count,
                "lcl": [float("nan")] * count, "sigma": [float("nan")] * count,
                "signal": [False] * count, "side": [""] * count, "rules": [""] * count}
    series = pd.Series(points).astype(float)
    mean = series.mean()
    moving_range = series.diff().abs().mean()
    ucl, lcl = mean + LIMIT_FACTOR * moving_range, mean - LIMIT_FACTOR * moving_range
    values = series.tolist()
    rules: list[set[str]] = [set() for _ in range(count)]
    trend_side = [""] * count
    _beyond_limits(values, ucl, lcl, rules)
    _run(values, mean, rules)
    _trend(values, rules, trend_side)
    _two_of_three(values, mean, moving_range / D2, rules)
    return {"mean": [mean] * count, "ucl": [ucl] * count, "lcl": [lcl] * count,
            "sigma": [moving_range / D2] * count,
            "signal": [bool(r) for r in rules],
            "side": [_side(r, v, mean, t) for r, v, t in zip(rules, values, trend_side)],
            "rules": [", ".join(sorted(r)) for r in rules]}


def _side(rules: set[str], value: float, mean: float, trend_side: str) -> str:
    """A flagged point's side: its trend's direction when it is in one, else where it sits
    against the mean."""
    if not rules:
        return ""
    if "trend" in rules:
        return trend_side
    return "high" if value > mean else "low" if value < mean else trend_side


def _beyond_limits(values, ucl, lcl, rules) -> None:
    for i, value in enumerate(values):
        if value > ucl or value < lcl:
            rules[i].add("beyond limits")


def _run(values, mean, rules, length: int = 7) -> None:
    sides = [1 if v > mean else -1 if v < mean else 0 for v in values]
    start = 0
    for i in range(1, len(sides) + 1):
        if i == len(sides) or sides[i] != sides[start] or sides[i] == 0:
            if sides[start] != 0 and i - start >= length:
                for j in range(start, i):
                    rules[j].add("run")
            start = i


def _trend(values, rules, sides, length: int = 6) -> None:
    steps = [(b > a) - (b < a) for a, b in zip(values, values[1:])]
    start = 0  # index into steps
    for i in range(1, len(steps) + 1):
        if i == len(steps) or steps[i] != steps[start] or steps[i] == 0:
            points = i - start + 1
            if steps and steps[start] != 0 and points >= length:
                for j in range(start, i + 1):
                    rules[j].add("trend")
                    sides[j] = "high" if steps[start] > 0 else "low"
            start = i


def _two_of_three(values, mean, sigma, rules) -> None:
    for side in (1, -1):
        near = [side * (v - mean) > 2 * sigma for v in values]
        for i in range(len(values) - 2):
            window = near[i:i + 3]
            if sum(window) >= 2:
                for j in range(i, i + 3):
                    if near[j]:
                        rules[j].add("two of three")


def classify_signal(side: str, polarity: str) -> str:
    """'improvement', 'concern' or 'neither' for a signal on the ``side`` (high or low).

    >>> classify_signal("low", "down_good"), classify_signal("low", "up_good")
    ('improvement', 'concern')
    >>> classify_signal("high", "neutral")
    'neither'
    """
    if polarity == "neutral" or side not in ("high", "low"):
        return "neither"
    good = "high" if polarity == "up_good" else "low"
    return "improvement" if side == good else "concern"


def compute_variation(chart: pd.DataFrame, polarity: str) -> str:
    """The variation icon's reading of the latest point: 'improvement', 'concern',
    'neither', 'common', or 'too few' (no limits for the latest segment)."""
    if chart.empty or pd.isna(chart["ucl"].iloc[-1]):
        return "too few"
    last = chart.iloc[-1]
    if not last["signal"]:
        return "common"
    return classify_signal(last["side"], polarity)
