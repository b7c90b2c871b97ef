"""The About page's text: every rule the dashboard applies, from the constants the
calculations use, so the words cannot drift from the code."""
from __future__ import annotations

import streamlit as st

from metrics.change_test import MIN_COUNT
from metrics.judgement import AMBER_MARGIN
from metrics.spc import LIMIT_FACTOR, MIN_POINTS
from metrics.status import STATUS_RULE, STATUS_TEXT

from .access import suppression_threshold


def render_about() -> None:
    st.title("About the dashboard")
    st.markdown(
        "The performance dashboard of the Leicestershire and Rutland Safer Communities "
        "Strategy Board. Each indicator gets four judgements and one status from them, with "
        "the reason in a line.")
    st.header("The one status")
    st.markdown("\n".join(f"{i}. {rule}" for i, rule in enumerate(STATUS_RULE, start=1)))
    st.markdown("Shown as: " + " · ".join(STATUS_TEXT.values()))
    st.header("RAG against the target")
    st.markdown(
        f"Green when the target is met; Amber when it is missed by no more than "
        f"{AMBER_MARGIN:g}% of a threshold (e.g. 40% for the MARAC repeat rate) or "
        f"{AMBER_MARGIN:g} percentage points of a change target (e.g. \"reduce ASB by 5%\"); "
        "Red beyond that; no RAG where the indicator has no target.")
    st.header("Better or worse than a year earlier, and is it real?")
    st.markdown(
        "Every change is on the same period a year earlier (a quarter with the same quarter; "
        "a year to date or 12 months with those ending a year earlier), so the two periods "
        "never overlap and can be tested against each other at 95%. Counts and rates: the "
        "ratio of the two periods' rates with its exact Poisson interval (a rate uploaded "
        "without its count is read back as rate × population / 1,000). Percentages held with "
        "their denominators: the difference of the two, in percentage points, with "
        "Newcombe's interval. The change is **significantly higher** or **significantly "
        "lower** when the interval leaves out no change, otherwise **no significant change**; "
        f"better or worse follows the indicator's polarity. Fewer than {MIN_COUNT} events or "
        "people in the two periods are too few to test, and a change that is withheld "
        "(an incomplete period, a definition change) is not tested.")
    st.header("Is it changing? Statistical process control")
    st.markdown(
        "As NHS England's *Making Data Count*: an XmR chart on the indicator's own monthly or "
        "quarterly values (never on rolling 12-month totals), with the mean and process "
        f"limits at mean ± {LIMIT_FACTOR} × the mean moving range, from at least "
        f"{MIN_POINTS} points. A point is special cause when it is beyond a limit, in a run "
        "of 7 or more on one side of the mean, in 6 or more rising or falling, or one of 2 of "
        "3 beyond two sigma on the same side. A run of rising points reads high and a run of "
        "falling points low, whichever side of the mean they are on. A past quarter is read "
        "on the points up to it only. The latest point's reading is the variation: "
        "🔵 improving or 🟠 concerning by the indicator's polarity, 🟣 special cause with no "
        "good direction, ⚫ common cause. When an officer records a definition change (Data "
        "page), the limits restart from it and a change across it is withheld.")
    st.header("Compared with the county: benchmarks")
    st.markdown(
        "As OHID Fingertips: 95% confidence intervals, Byar's method for counts and rates, "
        "Wilson's score method for percentages (99.8% are available too). A district is "
        "better or worse than its benchmark (the county; Rutland against the board area) only "
        "when the benchmark lies outside the district's interval; otherwise similar. "
        "Indicators with no good direction read higher, similar or lower.")
    st.header("Small numbers")
    threshold = suppression_threshold()
    st.markdown(
        "Domestic abuse and hate crime in a beat, and any small count, can point to the "
        "people behind it. So partners see every count in a protected form, and officers "
        "see the true figures.")
    st.markdown(
        f"- **Small counts are rounded before anything is added up.** Each beat's count for a "
        f"month or quarter (and each district's, county's or board area's count not in any "
        f"beat or district) from 1 to {threshold - 1} becomes 0 or {threshold}, at random "
        f"but fairly: a 2 becomes {threshold} two times in {threshold}, so totals stay right "
        f"on average. A 0 shown to partners can be anything from 0 to {threshold - 1}, a "
        f"{threshold} anything from 1 to {threshold}. Counts of {threshold} and more are "
        "not changed.\n"
        "- **Everything else is added up from the rounded counts**: districts, the county, "
        "the board area, quarters, years to date, rolling 12 months and crime totals, and "
        "the rates, changes, charts, judgements, maps, downloads, slides and packs made from "
        "them. So no subtraction of one figure from another, across periods, areas or "
        "categories, gives back a count that was rounded.\n"
        "- **The rounding is the same every time**: the same count in the same place and "
        "period is rounded the same way on every page, for every partner and after every "
        "upload, so asking again gives nothing new to compare. The random choices come from "
        "a secret the dashboard keeps and never shows.\n"
        "- A percentage or average of fewer people than the threshold is not shown.\n\n"
        "Partners' figures can therefore differ from the officers': each rounded count moves "
        "by a few, up or down, so the difference is largest where many counts are small (a "
        "beat, a small district such as Rutland, a single month or quarter) and smallest for "
        "the board area over a year, where the ups and downs cancel out. Statistical "
        "agencies protect tables people can build themselves in the same way (the ONS for "
        "Census 2021, the Australian Bureau of Statistics' TableBuilder).")
    st.header("Gaps")
    st.markdown(
        "A % change or direction is withheld, with the reason, when either period is "
        "incomplete or the definition changed between them. Tables say when an area lacks "
        "a month or quarter; the scorecard marks stale and missing indicators; the police "
        "pages say what share of police.uk rows had no location.")
    st.header("Data")
    st.markdown(
        "police.uk street-level crime (Open Government Licence v3.0); ONS boundaries, lookups "
        "and mid-2022 population (OGL v3.0); LSOA boundaries by Martin Chorley "
        "(CC-BY-4.0, contains OS data © Crown copyright 2014). Figures police.uk does not "
        "carry come from officers' uploads. Of those bundled with the dashboard, the "
        "Domestic Abuse Dashboard of 2019/20 is the board paper's own published figures and "
        "the officers' long table is generated sample data, marked 'sample data' wherever "
        "its figures are shown.")
