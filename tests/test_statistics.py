"""SPC, confidence intervals, benchmarks and the one status, against worked examples computed
by hand here."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from data_loaders.catalogue import indicator
from metrics.assessment import compute_assessment
from metrics.intervals import (byar_interval, compare_with_benchmark, rate_interval,
                               wilson_interval)
from metrics.spc import classify_signal, compute_variation, compute_xmr
from metrics.status import combine_status


def points(values, start=2022) -> pd.DataFrame:
    starts = [dt.date(start + (i // 12), i % 12 + 1, 1).isoformat() for i in range(len(values))]
    return pd.DataFrame({"period_start": starts, "value": [float(v) for v in values]})


def by_hand(values):
    mean = sum(values) / len(values)
    mr = sum(abs(b - a) for a, b in zip(values, values[1:])) / (len(values) - 1)
    return mean, mr, mr / 1.128


def flagged(chart, rule):
    return [i for i, rules in enumerate(chart["rules"]) if rule in rules]


def test_limits_are_mean_plus_or_minus_2_66_mean_moving_ranges():
    values = [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 30]
    mean, mr, _ = by_hand(values)
    chart = compute_xmr(points(values))
    assert chart["mean"].iloc[0] == pytest.approx(mean)
    assert chart["ucl"].iloc[0] == pytest.approx(mean + 2.66 * mr)
    assert chart["lcl"].iloc[0] == pytest.approx(mean - 2.66 * mr)
    assert flagged(chart, "beyond limits") == [11]
    assert chart["side"].iloc[11] == "high"


def test_a_run_of_seven_on_one_side_of_the_mean():
    values = [14, 10, 14, 10, 14, 10, 13, 13, 13, 13, 13, 13, 13]
    mean, _, _ = by_hand(values)
    assert 13 > mean  # the last seven sit above the mean
    chart = compute_xmr(points(values))
    assert flagged(chart, "run") == list(range(6, 13))
    assert compute_xmr(points(values[:-1]))["rules"].str.contains("run").sum() == 0  # six


def test_six_rising_points_are_a_trend_and_five_are_not():
    values = [10, 11, 10, 11, 10, 11, 9.0, 9.5, 10, 10.5, 11, 11.5]
    chart = compute_xmr(points(values))
    assert flagged(chart, "trend") == list(range(6, 12))
    shorter = compute_xmr(points([10, 11, 10, 11, 10, 11, 10, 9.5, 10, 10.5, 11, 11.5]))
    assert flagged(shorter, "trend") == []  # 9.5 .. 11.5 is five points


def test_two_of_three_beyond_two_sigma_on_one_side():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 13.6, 10.8, 13.6]
    mean, _, sigma = by_hand(values)
    beyond = [i for i, v in enumerate(values) if v - mean > 2 * sigma]
    assert beyond == [10, 12]  # the hand calculation: two of the last three
    chart = compute_xmr(points(values))
    assert flagged(chart, "two of three") == [10, 12]
    assert all(v < mean + 2.66 * by_hand(values)[1] for v in values)  # not beyond limits


def test_common_cause_has_no_signals():
    chart = compute_xmr(points([10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 11]))
    assert not chart["signal"].any()
    assert compute_variation(chart, "down_good") == "common"


def test_signals_read_by_polarity():
    chart = compute_xmr(points([10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 30]))
    assert compute_variation(chart, "down_good") == "concern"
    assert compute_variation(chart, "up_good") == "improvement"
    assert compute_variation(chart, "neutral") == "neither"
    assert classify_signal("low", "down_good") == "improvement"


def test_too_few_points_give_no_limits():
    chart = compute_xmr(points([10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 30]))
    assert chart["ucl"].isna().all() and not chart["signal"].any()
    assert compute_variation(chart, "down_good") == "too few"


def test_a_definition_change_restarts_the_limits():
    before, after = [10, 12, 11, 13, 12, 11, 10, 12, 11, 13, 12, 11], \
        [20, 22, 21, 23, 22, 21, 20, 22, 21, 23, 22, 21]
    frame = points(before + after)
    cut = frame["period_start"].iloc[12]
    whole = compute_xmr(frame)
    assert whole["signal"].any()  # one set of limits sees the step as special cause
    rebased = compute_xmr(frame, [cut])
    assert rebased["segment"].tolist() == [0] * 12 + [1] * 12
    assert rebased["mean"].iloc[0] == pytest.approx(by_hand(before)[0])
    assert rebased["mean"].iloc[-1] == pytest.approx(by_hand(after)[0])
    assert not rebased["signal"].any()


def test_byar_and_wilson_against_published_and_hand_values():
    z = 1.959963985
    lower, upper = byar_interval(100)
    assert lower == pytest.approx(100 * (1 - 1 / 900 - z / 30) ** 3)
    assert upper == pytest.approx(101 * (1 - 1 / 909 + z / (3 * math.sqrt(101))) ** 3)
    assert (round(lower, 1), round(upper, 1)) == (81.4, 121.6)  # exact Poisson: 81.4, 121.6
    low, high = rate_interval(100, 50_000)
    assert (low, high) == pytest.approx((lower / 50, upper / 50))
    p, n = 0.37, 100
    centre, spread = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert wilson_interval(37, 100) == pytest.approx(((centre - spread) / (1 + z * z / n) * 100,
                                                      (centre + spread) / (1 + z * z / n) * 100))
    wide_low, wide_high = wilson_interval(37, 100, level=99.8)
    assert wide_low < wilson_interval(37, 100)[0] and wide_high > wilson_interval(37, 100)[1]


@pytest.mark.parametrize("interval, benchmark, polarity, verdict", [
    ((8.0, 9.0), 10.0, "down_good", "better"),
    ((8.0, 9.0), 7.0, "down_good", "worse"),
    ((8.0, 9.0), 8.5, "down_good", "similar"),
    ((60.0, 70.0), 75.0, "up_good", "worse"),
    ((8.0, 9.0), 10.0, "neutral", "lower"),
    (None, 10.0, "down_good", None),
])
def test_benchmarks_say_better_only_when_the_interval_excludes_the_benchmark(
        interval, benchmark, polarity, verdict):
    assert compare_with_benchmark(interval, benchmark, polarity) == verdict


@pytest.mark.parametrize("rag, variation, benchmark, polarity, status", [
    ("Green", "common", "similar", "down_good", "On track"),
    ("Green", "concern", "similar", "down_good", "Watch"),  # met, but moving the wrong way
    ("Green", "improvement", "worse", "down_good", "Watch"),
    ("Amber", "improvement", "better", "down_good", "Watch"),
    ("Red", "improvement", "better", "down_good", "Act"),  # the target leads
    (None, "concern", "worse", "down_good", "Act"),
    (None, "concern", "similar", "up_good", "Watch"),
    (None, "common", "better", "up_good", "On track"),
    (None, "neither", "higher", "neutral", "No judgement"),
    ("Green", "neither", "higher", "neutral", "On track"),  # a neutral one with a target
    (None, "too few", None, "down_good", "No judgement"),
])
def test_the_one_status_rule(rag, variation, benchmark, polarity, status):
    assert combine_status(rag, variation, benchmark, polarity) == status


def test_assessment_withholds_a_change_across_a_definition_change():
    quarters = [dt.date(2021 + (i + 3) // 12, (i + 3) % 12 + 1, 1).isoformat()
                for i in range(0, 36, 3)]
    rows = pd.DataFrame({"indicator_id": "da_offences", "area_type": "district",
                         "area_code": "E07000133", "period_start": quarters,
                         "granularity": "quarter", "value": [100.0 + i for i in range(12)],
                         "numerator": None, "denominator": None})
    record = indicator("da_offences")
    plain = compute_assessment(rows, record, "E07000133", "quarter", None, {}, pd.DataFrame())
    assert plain["change_pct"] == pytest.approx((111 - 107) / 107 * 100)
    changes = pd.DataFrame({"indicator_id": ["da_offences"], "period_start": [quarters[9]]})
    changed = compute_assessment(rows, record, "E07000133", "quarter", None, {}, changes)
    assert changed["change_pct"] is None and changed["direction"] is None
    assert changed["withheld"] == f"the definition changed from Q{1 + 9 % 4} 2023/24"
    assert changed["spc"]["segment"].tolist() == [0] * 9 + [1] * 3
