"""Coverage and the latest-quarter summary on tiny frames built here."""
from __future__ import annotations

import pandas as pd

from data_loaders.catalogue import catalogue_frame, indicator
from data_loaders.model import OBSERVATION_COLUMNS
from metrics.coverage import compute_coverage
from metrics.summary import compute_summary


def rows(indicator, area, granularity, values):
    return [{"indicator_id": indicator, "area_type": "district", "area_code": area,
             "period_start": p, "granularity": granularity, "value": v, "numerator": None,
             "denominator": None} for p, v in values.items()]


QUARTERS = {"2022-04-01": 10.0, "2022-07-01": 11.0, "2022-10-01": 12.0, "2023-01-01": 13.0,
            "2023-04-01": 12.0}


def frame(*parts):
    return pd.DataFrame([r for part in parts for r in part], columns=OBSERVATION_COLUMNS)


def test_latest_value_compares_with_the_same_period_a_year_earlier():
    obs = frame(rows("hate_crimes", "E07000129", "quarter", QUARTERS))
    before = obs.copy()
    row = compute_summary(obs, indicator("hate_crimes"), "E07000129", "quarter")
    assert (row["value"], row["previous_value"]) == (12.0, 10.0)
    assert row["period"] == "12 months to June 2023"  # hate crimes are a rolling-12 rate
    assert round(row["change_pct"], 6) == round((12 - 10) / 10 * 100, 6)
    pd.testing.assert_frame_equal(obs, before)  # does not mutate its input


def test_latest_value_without_a_year_earlier_has_no_change():
    obs = frame(rows("hate_crimes", "E07000129", "quarter", {"2023-04-01": 5.0}))
    row = compute_summary(obs, indicator("hate_crimes"), "E07000129", "quarter")
    assert row["previous_value"] is None and row["change_pct"] is None
    assert row["withheld"] == "no figure for the same period a year earlier"


def with_sample(obs: pd.DataFrame, generated: set[str]) -> pd.DataFrame:
    """``obs`` with is_sample set on the periods starting in ``generated``."""
    return obs.assign(is_sample=obs["period_start"].isin(generated))


def test_the_sample_flag_follows_the_periods_a_figure_reads():
    """Generated history under an officer's real latest and year-earlier quarters: the
    figure is not sample data; a generated period it reads makes it so."""
    rate = frame(rows("hate_crimes", "E07000129", "quarter", QUARTERS))
    hate, blaby = indicator("hate_crimes"), "E07000129"
    flag = {}
    for kind in ("quarter", "ytd", "rolling12"):  # a rate is read at its last quarter
        flag[kind] = [compute_summary(with_sample(rate, generated), hate, blaby, kind)[
            "from_sample"] for generated in ({"2022-07-01", "2022-10-01", "2023-01-01"},
                                             {"2022-04-01"}, {"2023-04-01"}, set())]
    assert flag == {kind: [False, True, True, False] for kind in flag}
    counts = frame(rows("da_offences", blaby, "quarter", QUARTERS))  # counts add up
    offences = indicator("da_offences")
    assert compute_summary(with_sample(counts, {"2023-01-01"}), offences, blaby,
                           "rolling12")["from_sample"]
    assert not compute_summary(with_sample(counts, {"2023-01-01"}), offences, blaby,
                               "quarter")["from_sample"]
    assert not compute_summary(counts, offences, blaby, "quarter")["from_sample"]


def test_coverage_reports_gaps_stale_and_missing():
    gappy = dict(QUARTERS)
    del gappy["2022-10-01"]
    stale = {"2022-04-01": 1.0, "2022-07-01": 1.0}
    obs = frame(rows("hate_crimes", "E07000129", "quarter", gappy),
                rows("asb_sentinel_cases", "E07000129", "quarter", stale),
                rows("da_offences", "E07000129", "quarter", QUARTERS),
                rows("da_offences", "E07000130", "quarter", QUARTERS))
    coverage = compute_coverage(obs, catalogue_frame()).set_index("indicator_id")
    assert coverage.loc["hate_crimes", "status"] == "gaps"
    assert coverage.loc["hate_crimes", "missing_periods"] == "Q3 2022/23"
    assert coverage.loc["asb_sentinel_cases", "status"] == "stale"
    assert coverage.loc["da_offences", "status"] == "up to date"
    assert coverage.loc["da_offences", "areas"] == 2
    assert coverage.loc["da_offences", "latest_period"] == "Q1 2023/24"
    assert coverage.loc["reoff_first_time_entrants", "status"] == "no data"
