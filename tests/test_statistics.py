"""SPC, confidence intervals, benchmarks and the one status, against worked examples computed
by hand here."""
from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from data_loaders.catalogue import indicator
from metrics.assessment import compute_assessment
from metrics.intervals import byar_interval, compare_with_benchmark, rate_interval, wilson_interval
from metrics.spc import classify_signal, compute_variation, compute_xmr
from metrics.status import Evidence, decide_status


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


def test_a_trend_reads_by_its_direction_not_its_side_of_the_mean():
    """Six rising points that all sit below the mean are a rise: a concern where down is
    good, never an improvement."""
    values = [20, 21, 20, 21, 20, 21, 9.0, 9.5, 10, 10.5, 11, 11.5]
    mean, _, _ = by_hand(values)
    assert max(values[6:]) < mean
    chart = compute_xmr(points(values))
    assert flagged(chart, "trend") == list(range(6, 12))
    assert "trend" in chart["rules"].iloc[-1] and chart["side"].iloc[-1] == "high"
    assert compute_variation(chart, "down_good") == "concern"
    falling = compute_xmr(points([1, 0, 1, 0, 1, 0, 11.5, 11, 10.5, 10, 9.5, 9.0]))
    assert falling["side"].iloc[-1] == "low"
    assert compute_variation(falling, "down_good") == "improvement"


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


@pytest.mark.parametrize("rag, change, variation, benchmark, polarity, status", [
    ("Green", "same", "common", "similar", "down_good", "On track"),
    ("Green", None, "concern", "similar", "down_good", "Watch"),  # met, moving the wrong way
    ("Green", "worse", "common", "similar", "down_good", "Watch"),  # met, but a real rise
    ("Green", None, "improvement", "worse", "down_good", "Watch"),
    ("Amber", "better", "improvement", "better", "down_good", "Watch"),
    ("Red", "better", "improvement", "better", "down_good", "Act"),  # the target leads
    (None, None, "concern", "worse", "down_good", "Act"),
    (None, "worse", "concern", "worse", "down_good", "Act"),
    (None, "worse", "common", "worse", "down_good", "Act"),
    (None, "worse", "improvement", "worse", "down_good", "Watch"),  # an improvement tempers
    (None, "worse", "improvement", "similar", "down_good", "Watch"),  # never On track
    (None, "worse", None, None, "down_good", "Watch"),  # a real rise alone
    (None, "same", None, None, "down_good", "On track"),
    (None, "better", "common", "similar", "down_good", "On track"),
    (None, None, "concern", "similar", "up_good", "Watch"),
    (None, None, "common", "better", "up_good", "On track"),
    (None, "neither", "neither", "higher", "neutral", "No judgement"),
    ("Green", None, "neither", "higher", "neutral", "On track"),  # a neutral one with a target
    (None, None, "too few", None, "down_good", "No judgement"),
    (None, None, "not applicable", None, "down_good", "No judgement"),
])
def test_the_one_status_rule(rag, change, variation, benchmark, polarity, status):
    assert decide_status(Evidence(rag, change, variation, benchmark, polarity))[0] == status


@pytest.mark.parametrize("evidence, reason", [
    (Evidence(None, "worse", "common", "similar", "down_good", "up 12.8% on a year earlier",
              "Leicestershire"), "up 12.8% on a year earlier, significantly"),
    (Evidence(None, "same", "common", "similar", "down_good", "up 2.0% on a year earlier",
              "Leicestershire"),
     "no significant change on a year earlier; common-cause variation; similar to "
     "Leicestershire"),
    (Evidence("Green", "worse", None, "worse", "down_good", "up 30.1% on a year earlier",
              "Leicestershire"),
     "target met, but up 30.1% on a year earlier, significantly; significantly worse than "
     "Leicestershire"),
    (Evidence(None, "worse", "concern", None, "down_good", "up 9.0% on a year earlier",
              not_judged="Leicestershire's figure, shown for context"),
     "Leicestershire's figure, shown for context"),
    (Evidence(None, None, "not applicable", None, "down_good"),
     "no target, no change that can be tested, no SPC and no benchmark"),
])
def test_every_status_says_why(evidence, reason):
    assert decide_status(evidence)[1] == reason


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
    assert changed["change_test"] is None and changed["significance"] is None
    assert changed["withheld"] == f"the definition changed from Q{1 + 9 % 4} 2023/24"
    assert changed["spc"]["segment"].tolist() == [0] * 9 + [1] * 3


def quarterly(values, indicator_id="crime_residential_burglary", area="E07000133",
              first=2020) -> pd.DataFrame:
    """Quarterly counts from April ``first`` on."""
    starts = [dt.date(first, 4, 1)]
    while len(starts) < len(values):
        last = starts[-1]
        starts.append(dt.date(last.year + (last.month == 10), (last.month + 2) % 12 + 1, 1))
    return pd.DataFrame({"indicator_id": indicator_id, "area_type": "district",
                         "area_code": area, "period_start": [d.isoformat() for d in starts],
                         "granularity": "quarter", "value": [float(v) for v in values],
                         "numerator": None, "denominator": None})


def test_a_past_quarter_is_judged_on_the_points_up_to_it():
    """Twelve steady quarters, then one far above the limits: the twelfth quarter chosen as
    the end reads common cause, as it did before the thirteenth was held."""
    values = [100, 104, 98, 102, 99, 103, 101, 97, 100, 102, 98, 101, 160]
    rows = quarterly(values, "da_offences")
    record = indicator("da_offences")
    twelfth = dt.date.fromisoformat(rows["period_start"].iloc[11])
    then = compute_assessment(rows.iloc[:12], record, "E07000133", "quarter", twelfth, {},
                              pd.DataFrame())
    now = compute_assessment(rows, record, "E07000133", "quarter", twelfth, {},
                             pd.DataFrame())
    assert then["variation"] == now["variation"] == "common"
    latest = compute_assessment(rows, record, "E07000133", "quarter", None, {}, pd.DataFrame())
    assert latest["variation"] == "neither"  # domestic abuse offences have no good direction


def test_a_large_significant_rise_never_reads_on_track():
    """Burglaries up by a half on the same quarter a year earlier, with no target, no SPC
    signal and no benchmark: the change alone makes it Watch, and the reason says why."""
    counts = [100, 104, 98, 102, 99, 103, 101, 97, 100, 102, 98, 101, 150]
    rows = quarterly([c / 50 for c in counts])  # a rate per 1,000 of 50,000 people
    row = compute_assessment(rows, indicator("crime_residential_burglary"), "E07000133",
                             "quarter", None, {"E07000133": 50_000}, pd.DataFrame())
    assert row["significance"] == "significantly higher"
    assert row["overall"] == "Watch"
    assert row["reason"].startswith(f"up {(150 - 100) / 100 * 100:.1f}% on a year earlier, "
                                    "significantly")


def test_a_stand_in_figure_never_makes_an_areas_status():
    rows = quarterly([40, 42, 38, 41, 39, 43, 41, 37, 40, 42, 38, 41, 60], "da_offences",
                     area="E10000018")
    row = compute_assessment(rows, indicator("da_offences"), "E07000133", "quarter", None,
                             {}, pd.DataFrame(), fallback="E10000018")
    assert row["figure_area"] == "E10000018" and row["value"] == 60
    assert (row["overall"], row["reason"]) == ("No judgement",
                                               "Leicestershire's figure, shown for context")


def test_an_incomplete_period_gets_no_status():
    rows = quarterly([100] * 12, "da_offences")
    rows = rows.drop(index=[8])  # the year to date ending with the twelfth lacks a quarter
    end = dt.date.fromisoformat(rows["period_start"].iloc[-1])
    row = compute_assessment(rows, indicator("da_offences"), "E07000133", "ytd", end, {},
                             pd.DataFrame())
    assert row["status"] == "partial" and row["overall"] == "No judgement"
    assert row["reason"] == row["withheld"] and "periods" in row["reason"]
