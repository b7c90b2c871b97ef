"""Change, direction, RAG, summaries, comparisons, the district x quarter table and the
position statement: worked by hand here, on the board's own figures and on the sample data."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data_loaders.catalogue import catalogue_frame, indicator, parse_target_rule
from data_loaders.officer_long import parse_officer_long
from data_loaders.officer_wide import parse_officer_wide
from data_loaders.readers import read_sheets
from metrics.assessment import compute_scorecard
from metrics.comparison import (
    compute_area_comparison,
    compute_quarter_table,
    compute_trend,
    fy_pairs,
    rolling_12_months,
    to_quarters,
)
from metrics.judgement import compute_direction, compute_rag
from metrics.statement import compose_statement
from metrics.summary import compute_summary, is_stale
from metrics.windows import Window

from conftest import ROOT

OFFICER = ROOT / "sample_data" / "officer"
COUNTY = "E10000018"
DISTRICTS = {"Blaby": "E07000129", "Charnwood": "E07000130", "Harborough": "E07000131",
             "Hinckley & Bosworth": "E07000132", "Melton": "E07000133",
             "North West Leicestershire": "E07000134", "Oadby & Wigston": "E07000135"}
Q1_2023 = dt.date(2023, 4, 1)


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    sheets = read_sheets("b.xlsx", (OFFICER / "board_indicators_sample.xlsx").read_bytes())
    return parse_officer_long(sheets[1], "sha").observations


@pytest.fixture(scope="module")
def board_da_table() -> pd.DataFrame:
    sheet = read_sheets("d.xlsx", (OFFICER / "domestic_abuse_dashboard_2019-20.xlsx")
                        .read_bytes())[0]
    return parse_officer_wide(sheet, "sha").observations


@pytest.mark.parametrize("polarity, change, word, judgement", [
    ("down_good", -3.4, "↓ down (better)", "better"),
    ("down_good", 6.7, "↑ up (worse)", "worse"),
    ("up_good", 6.7, "↑ up (better)", "better"),
    ("neutral", 6.7, "↑ up", "neither"),
    ("neutral", -0.04, "→ no change", "same"),
])
def test_direction_reads_polarity(polarity, change, word, judgement):
    direction = compute_direction(change, polarity)
    assert (direction.word, direction.judgement) == (word, judgement)


@pytest.mark.parametrize("rule, value, comparison, rag", [
    ("value < 40", 37, None, "Green"),
    ("value < 40", 42, None, "Amber"),  # 2 over: within 5% of 40 (2.0)
    ("value < 40", 42.1, None, "Red"),
    ("value >= 71", 70.61, None, "Amber"),
    ("change <= -5% vs last year", 94, 100, "Green"),
    ("change <= -5% vs last year", 100, 100, "Amber"),  # 0% is 5 points short
    ("change <= -5% vs last year", 6.57, 6.14, "Red"),  # +7.0%: 12 points short
    ("change >= 2.5% vs 2022/23", 103, 100, "Green"),
    ("change < 0% vs last year", 5, None, None),
    ("", 5, 4, None),
])
def test_rag_against_target_rules(rule, value, comparison, rag):
    assert compute_rag(parse_target_rule(rule), value, comparison) == rag


def test_county_summaries_match_the_report_with_direction_from_the_numbers(sample):
    crime = compute_summary(sample, indicator("crime_total_recorded"), COUNTY, "quarter",
                            Q1_2023)
    # The report says total crime "is on the increase with 73.84 compared to 74.12": it fell.
    assert (crime["value"], crime["previous_value"]) == (73.84, 74.12)
    assert crime["change_pct"] == pytest.approx((73.84 - 74.12) / 74.12 * 100)
    assert (crime["direction"], crime["period"]) == ("↓ down (better)", "12 months to June 2023")
    asb = compute_summary(sample, indicator("asb_police_incidents"), COUNTY, "quarter", Q1_2023)
    # ...and ASB "slightly down (6.57) on the previous year (6.14)": it rose, against a 5% cut.
    assert asb["direction"] == "↑ up (worse)" and asb["rag"] == "Red"
    safe = compute_summary(sample, indicator("asb_survey_feel_safe"), COUNTY, "quarter",
                           Q1_2023)
    assert (safe["value"], safe["direction"], safe["rag"]) == (70.61, "↓ down (worse)", "Amber")


def test_count_summaries_add_quarters_and_give_a_rate(sample):
    da = indicator("da_crimes_incidents")
    rows = sample[(sample.indicator_id == da["id"]) & (sample.area_code == COUNTY)]
    by_quarter = dict(zip(rows.period_start, rows.value))
    summary = compute_summary(sample, da, COUNTY, "rolling12", Q1_2023, population=722155)
    expected = sum(by_quarter[q] for q in ("2022-07-01", "2022-10-01", "2023-01-01",
                                            "2023-04-01"))
    assert summary["value"] == expected
    assert round(summary["rate_per_1000"], 2) == 17.32
    ytd = compute_summary(sample, da, COUNTY, "ytd", dt.date(2023, 10, 1))
    assert ytd["value"] == sum(by_quarter[q] for q in ("2023-04-01", "2023-07-01",
                                                       "2023-10-01"))
    assert ytd["period"] == "2023/24 to Q3"
    assert ytd["previous_value"] == sum(by_quarter[q] for q in ("2022-04-01", "2022-07-01",
                                                                "2022-10-01"))
    assert ytd["direction"].endswith(("up", "down")) and "(" not in ytd["direction"]


def test_a_change_is_withheld_with_the_reason_when_a_year_is_incomplete(sample):
    trimmed = sample[~((sample.indicator_id == "da_crimes_incidents")
                       & (sample.period_start == "2022-07-01"))]
    summary = compute_summary(trimmed, indicator("da_crimes_incidents"), COUNTY, "ytd",
                              dt.date(2023, 10, 1))
    assert summary["change_pct"] is None and summary["direction"] is None
    assert summary["withheld"] == "the same period a year earlier is not complete"


def test_scorecard_lists_headline_indicators_only_and_flags_stale(sample):
    card = compute_scorecard(sample, catalogue_frame(), COUNTY, "quarter")
    assert "da_offences" not in set(card.indicator_id)  # a category of domestic abuse
    assert "da_waiting_list" not in set(card.indicator_id)  # a service measure
    fte = card.set_index("indicator_id").loc["reoff_first_time_entrants"]
    assert fte["status"] == "stale" and fte["period"] == "2021/22"
    assert len(card.set_index("indicator_id").loc["crime_total_recorded", "trend"]) == 8
    police = card.set_index("indicator_id").loc["police_total_excl_asb"]
    assert police["status"] == "missing"  # no police.uk data in this frame


def test_county_wide_figures_stand_in_for_an_area_that_has_none(sample):
    card = compute_scorecard(sample, catalogue_frame(), "E07000133", "quarter",
                             fallback=COUNTY).set_index("indicator_id")
    marac = card.loc["da_marac_repeat_rate"]
    assert marac["figure_area"] == COUNTY and marac["status"] != "missing"
    assert card.loc["hate_crimes", "figure_area"] == "E07000133"
    alone = compute_scorecard(sample, catalogue_frame(), "E07000133", "quarter")
    assert alone.set_index("indicator_id").loc["da_marac_repeat_rate", "status"] == "missing"


def test_stale_means_older_than_the_frequency_allows():
    # A quarter ending June 2023 may be six months old: stale from January 2024.
    quarterly = pd.DataFrame({"period_start": ["2023-04-01"]})
    assert not is_stale(quarterly, "quarter", dt.date(2023, 12, 1))
    assert is_stale(quarterly, "quarter", dt.date(2024, 1, 1))
    monthly = pd.DataFrame({"period_start": ["2023-12-01"]})
    assert not is_stale(monthly, "month", dt.date(2024, 3, 1))
    assert is_stale(monthly, "month", dt.date(2024, 4, 1))


def test_the_quarter_table_reproduces_the_domestic_abuse_dashboard(board_da_table):
    record = indicator("da_crimes_incidents")
    table = compute_quarter_table(board_da_table, record, 2019,
                                  [*DISTRICTS.values(), COUNTY]).set_index("area_code")
    # The dashboard's own figures: YTD 2018/19, YTD 2019/20, % change, arrow.
    expected = {"Blaby": (1430, 1382, "-3.4%", "↓"), "Harborough": (880, 939, "6.7%", "↑"),
                "Melton": (793, 689, "-13.1%", "↓"), "Charnwood": (2818, 2810, "-0.3%", "↓"),
                "Leicestershire": (10310, 9936, "-3.6%", "↓")}
    codes = {**DISTRICTS, "Leicestershire": COUNTY}
    for name, (before, after, change, arrow) in expected.items():
        row = table.loc[codes[name]]
        assert (row["2018/19 YTD"], row["2019/20 YTD"]) == (before, after), name
        assert f"{row['ytd_change_pct']:.1f}%" == change.replace("+", ""), name
        assert row["direction"].startswith(arrow), name
        assert len(row["trend"]) == 8
    assert table.loc[DISTRICTS["Blaby"], ["2019/20 Q1", "2019/20 Q2", "2019/20 Q3",
                                          "2019/20 Q4"]].tolist() == [350, 366, 329, 337]
    assert fy_pairs(board_da_table, record) == [2019]


def test_a_part_year_compares_the_same_quarters(sample):
    table = compute_quarter_table(sample, indicator("da_crimes_incidents"), 2023,
                                  [COUNTY]).iloc[0]
    assert pd.isna(table["2023/24 Q4"])
    assert table["2023/24 YTD"] == table[["2023/24 Q1", "2023/24 Q2", "2023/24 Q3"]].sum()
    assert table["2022/23 YTD"] == table[["2022/23 Q1", "2022/23 Q2", "2022/23 Q3"]].sum()


def test_monthly_counts_become_quarters_and_rolling_totals():
    months = pd.DataFrame({"period_start": [f"2023-{m:02d}-01" for m in range(1, 13)],
                           "granularity": "month", "value": [float(m) for m in range(1, 13)]})
    quarters = to_quarters(months)
    assert quarters.value.tolist() == [6, 15, 24, 33]  # Jan-Mar is Q4 of 2022/23
    assert quarters.period_start.tolist()[0] == "2023-01-01"
    assert rolling_12_months(months).value.tolist() == [78]
    assert to_quarters(months.iloc[:-1]).value.tolist() == [6, 15, 24]


def test_trend_and_comparison_give_rates_for_counts(sample):
    population = pd.DataFrame({"area_type": "district", "area_code": ["E07000133"],
                               "year": 2022, "population": [52433.0]})
    record = indicator("da_crimes_incidents")
    trend = compute_trend(sample, record, ["E07000133"], population)
    melton = sample[(sample.indicator_id == record["id"]) & (sample.area_code == "E07000133")]
    first = melton.sort_values("period_start").iloc[0]
    per_period = trend[trend.measure == "per period"].iloc[0]
    assert per_period["value"] == pytest.approx(first["value"] / 52433 * 1000)
    assert set(trend.measure) == {"per period", "rolling 12 months"}
    bars = compute_area_comparison(sample, record, Window("quarter", Q1_2023),
                                   ["E07000133", COUNTY], population)
    melton_bar = bars.set_index("area_code").loc["E07000133"]
    q1 = melton[melton.period_start == "2023-04-01"]["value"].iloc[0]
    assert melton_bar["count"] == q1
    assert melton_bar["value"] == pytest.approx(q1 / 52433 * 1000)
    county = bars.set_index("area_code").loc[COUNTY]  # no population given: the count itself
    assert county["value"] == county["count"]


def test_statements_say_the_direction_the_numbers_show(sample):
    crime = compute_summary(sample, indicator("crime_total_recorded"), COUNTY, "quarter",
                            Q1_2023)
    text = compose_statement(crime, "Leicestershire")
    assert "is 73.84 per 1,000 in the 12 months to June 2023, down 0.4% on the same period a " \
        "year before (74.12 per 1,000): not a significant change." in text
    assert crime["significance"] == "no significant change"  # the words follow the test
    asb = compute_summary(sample, indicator("asb_police_incidents"), COUNTY, "quarter",
                          Q1_2023)
    text = compose_statement(asb, "Leicestershire", target="reduce ASB by 5%")
    assert asb["significance"] == "significantly higher"
    assert "up 7.0%" in text and "a significant deterioration" in text
    assert text.endswith("Target (reduce ASB by 5%): Red.")


def test_statements_for_neutral_indicators_do_not_call_more_reporting_worse(sample):
    hate = compute_summary(sample, indicator("hate_crimes"), "E07000133", "quarter", Q1_2023)
    county = compute_summary(sample, indicator("hate_crimes"), COUNTY, "quarter", Q1_2023)
    text = compose_statement(hate, "Melton", county, "Leicestershire")
    assert "deterioration" not in text and "improvement" not in text
    assert "not in itself worse" in text
    word = "higher" if hate["value"] > county["value"] else "lower"
    assert f"It is {word} than Leicestershire (1.75 per 1,000)." in text


def test_no_headline_goes_unjudged_without_a_true_reason(seeded_store_file):
    """On the sample data, for the board area and every district: a headline reads No
    judgement only for a reason that holds (another area's figure, an indicator where more
    reporting can be a success, an incomplete or missing period), and none reads On track
    beside a significant change for the worse."""
    from data_loaders import geography as geo
    from data_loaders.store import Store

    store = Store(f"sqlite:///{seeded_store_file}")
    observations, population = store.observations(), store.reference("population")
    populations = dict(zip(population["area_code"], population["population"]))
    checked = 0
    for area in [geo.BOARD_CODE, *geo.DISTRICTS]:
        card = compute_scorecard(observations, catalogue_frame(), area, "quarter", populations,
                                 fallback=COUNTY, changes=store.definition_changes())
        for row in card.itertuples():
            test = row.change_test
            if row.overall == "On track":
                assert not (test and test.judged(row.polarity) == "worse"), row
            if row.overall != "No judgement":
                continue
            checked += 1
            if row.figure_area != area:
                assert row.reason == f"{geo.area_name(row.figure_area)}'s figure, shown for " \
                    "context"
            elif row.status in ("partial", "missing"):
                assert row.reason == row.withheld
            else:
                assert row.polarity == "neutral" and not isinstance(row.rag, str), row
                assert row.reason.startswith("no target, and more reporting can be a success")
    assert checked


@pytest.mark.parametrize("kind, label", [("ytd", "2023/24 to Q3"),
                                         ("rolling12", "12 months to December 2023")])
def test_a_percentage_over_a_longer_window_is_pooled_from_its_quarters(sample, kind, label):
    """The feel-safe survey over the year to date and 12 months: all respondents who feel
    safe over all respondents in the window's quarters, not the last quarter's figure under
    the window's name; its interval and change test use the pooled sample."""
    record = indicator("asb_survey_feel_safe")
    end = dt.date(2023, 10, 1)
    window = Window(kind, end)
    rows = sample[(sample.indicator_id == record["id"]) & (sample.area_code == COUNTY)]
    inside = rows[rows.period_start.isin([q.isoformat() for q in window.quarters()])]
    assert len(inside) == len(window.quarters()) and inside.numerator.notna().all()
    summary = compute_summary(sample, record, COUNTY, kind, end)
    assert summary["period"].startswith(label) or summary["period"] == label
    pooled = inside.numerator.sum() / inside.denominator.sum() * 100
    assert summary["value"] == pytest.approx(pooled)
    last = rows.loc[rows.period_start == end.isoformat(), "value"].iloc[0]
    assert summary["value"] != pytest.approx(last, abs=0.005)
    earlier = rows[rows.period_start.isin([q.isoformat()
                                           for q in window.year_earlier().quarters()])]
    test = summary["change_test"]
    assert test.estimate == pytest.approx(
        pooled - earlier.numerator.sum() / earlier.denominator.sum() * 100)


def test_a_percentage_without_its_counts_is_labelled_as_the_quarter_it_is(sample):
    record = indicator("asb_survey_feel_safe")
    rows = sample[(sample.indicator_id == record["id"]) & (sample.area_code == COUNTY)]
    bare = sample.drop(index=rows.index[rows.period_start == "2023-07-01"])
    bare = pd.concat([bare, rows[rows.period_start == "2023-07-01"].assign(
        numerator=None, denominator=None)])
    summary = compute_summary(bare, record, COUNTY, "ytd", dt.date(2023, 10, 1))
    assert summary["period"] == "Q3 2023/24"
    assert summary["value"] == rows.loc[rows.period_start == "2023-10-01", "value"].iloc[0]


def test_the_quarter_table_withholds_a_year_to_date_with_a_month_missing():
    """police.uk months Apr 2023 to Dec 2023 and the year before, with August 2023 missing:
    Q2 2023/24 is incomplete, so no year to date or change is given for 2023/24."""
    months = [f"{y}-{m:02d}-01" for y in (2022, 2023) for m in range(4, 13)]
    months = [m for m in months if m != "2023-08-01"]
    rows = pd.DataFrame({"indicator_id": "police_burglary", "area_type": "district",
                         "area_code": "E07000133", "period_start": months,
                         "granularity": "month", "value": 10.0, "numerator": None,
                         "denominator": None})
    record = indicator("police_burglary")
    table = compute_quarter_table(rows, record, 2023, ["E07000133"]).iloc[0]
    assert table["2023/24 Q1"] == 30 and pd.isna(table["2023/24 Q2"])
    assert table["2023/24 Q3"] == 30
    assert table["2023/24 YTD"] is None and table["ytd_change_pct"] is None
    assert table["direction"] == "withheld: Q2 2023/24 not complete"
    whole = compute_quarter_table(rows[rows.period_start < "2023-07-01"], record, 2023,
                                  ["E07000133"]).iloc[0]
    assert whole["2023/24 YTD"] == 30 and whole["ytd_change_pct"] == 0
