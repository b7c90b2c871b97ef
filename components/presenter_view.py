"""Presenter mode: the board meeting's slides, each made to fit a 1280x720 projector: what
needs the board's attention first, then the whole scorecard, then each theme. Full width
with large, high-contrast type, no sidebar, the meeting's filters fixed (from the link the
coordinator prepared) and shown on every slide; previous, next and exit buttons that a
clicker's keys work too; the slide number in the URL so a refresh keeps the place."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from data_loaders import geography as geo
from data_loaders.catalogue import THEMES
from metrics.attention import needs_attention, status_counts
from metrics.comparison import comparison_unit, compute_trend
from metrics.formatting import format_change, format_value, tile_figure, unit_title
from metrics.series import indicators_held
from metrics.statement import compose_statement
from metrics.summary import current_indicators, lead_indicator, period_ends_note
from presentation.charts import trend_spec
from presentation.judgement_text import change_text, status_line, status_text

from .actions_view import open_actions
from .cache import (
    current_version,
    load_actions,
    load_assessments,
    load_catalogue,
    load_observation_index,
    load_reference,
    load_scorecard,
    load_snapshots,
)
from .filters import Filters, current_filters
from .overview_view import THEME_PAGES, attention_line
from .small_numbers import partner_mark

ATTENTION_FIRST, ATTENTION_MORE, SCORECARD_ROWS = 5, 8, 9  # what fits 1280x720
SLIDE_CHART_HEIGHT, SLIDE_ACTIONS = 180, 2
# Projector styling: no sidebar, toolbars or slide-key buttons on screen, larger type,
# near-black on white.
STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], header[data-testid="stHeader"],
[data-testid="stElementToolbar"], .st-key-slide_keys {display: none !important;}
[data-testid="stMain"] {font-size: 1.35rem; color: #0B0C0C;}
[data-testid="stMain"] [data-testid="stMetricValue"] {font-size: 2.1rem;}
[data-testid="stMainBlockContainer"] {padding-top: 1.5rem; padding-bottom: 0.5rem;}
[data-testid="stMain"] h1 {font-size: 2.4rem; padding-top: 0.5rem;}
[data-testid="stMain"] .slide-periods {font-size: 1rem; text-align: right; margin: 0;}
</style>"""


@dataclass(frozen=True)
class Slide:
    """One screen: ``kind`` attention, scorecard or theme; ``rows`` the scorecard rows it
    shows (attention and scorecard); ``part`` and ``parts`` for a kind spread over several
    slides; ``theme`` for a theme slide."""

    kind: str
    title: str
    rows: pd.DataFrame | None = None
    part: int = 1
    parts: int = 1
    theme: str | None = None


def plan_slides(card: pd.DataFrame) -> list[Slide]:
    """The meeting's slides: what needs attention (with the count of the rest by theme on
    the first), the whole scorecard, then each theme; a list too long for one screen goes
    on over following slides rather than off the bottom."""
    attention = needs_attention(card)
    chunks = [attention.iloc[:ATTENTION_FIRST]] + [
        attention.iloc[i:i + ATTENTION_MORE]
        for i in range(ATTENTION_FIRST, len(attention), ATTENTION_MORE)]
    slides = [Slide("attention", "What needs the board's attention", chunk, i, len(chunks))
              for i, chunk in enumerate(chunks, start=1)]
    held = card[card["value"].notna()]
    pieces = [held.iloc[i:i + SCORECARD_ROWS] for i in range(0, len(held), SCORECARD_ROWS)]
    slides += [Slide("scorecard", "Scorecard", piece, i, len(pieces))
               for i, piece in enumerate(pieces, start=1)]
    return slides + [Slide("theme", title, theme=theme) for theme, title in THEMES.items()]


def slide_number(count: int) -> int:
    """The slide shown, from the URL (1-based there), kept within range."""
    try:
        number = int(st.query_params.get("slide", "1"))
    except ValueError:
        number = 1
    return min(max(number, 1), count)


def go_to(number: int) -> None:
    st.query_params["slide"] = str(number)
    st.rerun()


def render_presenter() -> None:
    st.html(STYLE)
    filters = current_filters()
    version = current_version()
    card = load_scorecard(version, filters.area_code, filters.kind,
                          filters.end.isoformat() if filters.end else None)
    slides = plan_slides(card)
    number = slide_number(len(slides))
    slide = slides[number - 1]
    render_controls(number, len(slides), slide, filters, version)
    if slide.kind == "theme":
        render_theme_slide(slide.theme, filters, version)
        return
    # The attention and scorecard slides share the card's usual period; a row for another
    # says its own beside its value.
    held = card[card["value"].notna()].to_dict("records")
    common, marks = slide_marks(held, {r["indicator_id"] for r in held
                                       if r["status"] == "stale"})
    catalogue = load_catalogue()
    render_title(slide.title + (f" ({slide.part} of {slide.parts})" if slide.parts > 1 else ""),
                 common, period_ends_note(held, dict(zip(catalogue["id"], catalogue["origin"]))),
                 sample=any(r["from_sample"] for r in held))
    if slide.kind == "attention":
        render_attention_slide(slide, card, marks)
    else:
        render_scorecard_slide(slide, marks)


def render_controls(number: int, count: int, slide: Slide, filters: Filters,
                    version) -> None:
    """One line at the top: previous, where we are and what is shown, next, exit. The keys
    a clicker sends (arrows, Page Up/Down, Space, Home, End, Escape) work the same buttons
    (Streamlit's button shortcuts; the extra keys' buttons are hidden by STYLE)."""
    data = "the current data"
    if version[1] is not None:
        snapshots = load_snapshots(version).set_index("snapshot_id")
        data = f"snapshot “{snapshots.loc[version[1], 'name']}”"
    left, middle, right, leave = st.columns([1, 5, 1, 1], vertical_alignment="center")
    first, last = number == 1, number == count
    if left.button("◀ Previous", disabled=first, key="previous_slide", width="stretch",
                   shortcut="Left"):
        go_to(number - 1)
    shown = " · ".join(part for part in [
        f"Slide {number} of {count}", filters.area_name, filters.period_text, data,
        partner_mark()] if part)
    middle.markdown(f"<p style='text-align:center;margin:0'>{shown}</p>",
                    unsafe_allow_html=True)
    if right.button("Next ▶", disabled=last, key="next_slide", width="stretch",
                    shortcut="Right"):
        go_to(number + 1)
    if leave.button("✕ Exit", key="exit_slides", width="stretch", shortcut="Esc",
                    help="Back to the dashboard page of this slide, with the same filters"):
        # An empty mapping, not None: None would clear the filters' parameters, which are
        # bound to their widgets (an error); the filters keep their values on the page.
        st.switch_page(THEME_PAGES.get(slide.theme, "pages/overview.py"), query_params={})
    with st.container(key="slide_keys"):
        for key, shortcut, target in (("page_down", "PageDown", number + 1),
                                      ("space", "Space", number + 1),
                                      ("page_up", "PageUp", number - 1),
                                      ("home", "Home", 1), ("end", "End", count)):
            if st.button(shortcut, key=f"slide_{key}", shortcut=shortcut) and \
                    1 <= target <= count and target != number:
                go_to(target)


def render_attention_slide(slide: Slide, card: pd.DataFrame, marks: dict) -> None:
    """Each indicator needing attention in one line with its reason; on the first, the
    count of the rest by status per theme."""
    if slide.rows.empty:
        st.markdown("Nothing reads Act or Watch, and no change on a year earlier is "
                    "significant.")
    for row in slide.rows.itertuples():
        mark = marks.get(row.indicator_id)
        st.markdown(attention_line(row, f" ({mark})" if mark else ""))
    if slide.part == 1:
        st.markdown("**Every headline indicator by status**")
        st.dataframe(status_counts(card, THEMES), hide_index=True, width="stretch")


def render_scorecard_slide(slide: Slide, marks: dict) -> None:
    held = slide.rows
    table = pd.DataFrame({
        "Theme": held["theme"].map(THEMES),
        "Indicator": held["title"],
        "Value": [format_value(v, u) + (f" ({marks[i]})" if i in marks else "")
                  for v, u, i in zip(held["value"], held["unit"], held["indicator_id"])],
        "Status": [status_line(s, r) for s, r in zip(held["overall"], held["reason"])],
        "Change": [change_text(c, d, s) or "—" for c, d, s in
                   zip(held["change_pct"], held["direction"], held["significance"])],
    })
    st.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * len(table))


def shortened(text: str, limit: int = 90) -> str:
    """``text`` cut at a word to about ``limit`` characters, with an ellipsis (a slide
    shows the gist; the Action log has the whole)."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def slide_marks(rows: list[dict], stale: set) -> tuple[str, dict]:
    """(the period a slide's figures are for, unless marked: the most common, the newest
    of those tied; and for each figure that needs one the words that mark it beside its
    value: its own period where that is not the slide's, "stale" where it is older than
    the newest figures held (the ids in ``stale``))."""
    ends = {}
    for row in rows:
        ends[row["period"]] = max(ends.get(row["period"], ""), row["figure_end"] or "")
    periods = [r["period"] for r in rows]
    common = max(ends, key=lambda p: (periods.count(p), ends[p])) if ends else ""
    marks = {}
    for row in rows:
        words = [row["period"]] if row["period"] != common else []
        if row["indicator_id"] in stale:
            words.append("stale")
        if words:
            marks[row["indicator_id"]] = ", ".join(words)
    return common, marks


def render_title(title: str, common: str, ends: str = "", sample: bool = False) -> None:
    """The slide's title, and beside it (in the same row, so the slide keeps its height) the
    period its figures are for unless marked; where police.uk's and officers' end at
    different dates, each one's; and whether any figure shown is generated sample data."""
    # The title's share of the 1,120 px row: about 19 px a character at its size.
    title_px = min(len(title) * 19 + 40, 840)
    left, right = st.columns([title_px, 1120 - title_px], vertical_alignment="bottom")
    left.title(title)
    parts = [f"Figures for <b>{common}</b> unless marked" if common else "",
             f"⏳ {ends}" if ends else "", "⚠ includes sample data" if sample else ""]
    if any(parts):
        right.markdown(f"<p class='slide-periods'>{' · '.join(p for p in parts if p)}</p>",
                       unsafe_allow_html=True)


def render_theme_slide(theme: str, filters: Filters, version) -> None:
    assessments = load_assessments(version, theme, filters.area_code, filters.kind,
                                   filters.end.isoformat() if filters.end else None)
    records = {r["id"]: r for r in load_catalogue().to_dict("records")}
    held = [a for a in assessments.values() if a["value"] is not None]
    if not held:
        st.title(THEMES[theme])
        st.info("No figures for this theme.")
        return
    observations = load_observation_index(version)
    shown = held[:6]
    current = current_indicators(observations, [records[r["indicator_id"]] for r in shown],
                                 {r["indicator_id"]: r["figure_area"] for r in shown})
    common, marks = slide_marks(shown, {r["indicator_id"] for r in shown} - current)
    render_title(THEMES[theme], common,
                 period_ends_note(shown, {i: r["origin"] for i, r in records.items()}),
                 sample=any(r["from_sample"] for r in shown))
    columns = st.columns(max(1, min(len(shown), 6)))
    for i, row in enumerate(shown):
        with columns[i % len(columns)].container(border=True):
            mark = marks.get(row["indicator_id"])
            st.markdown(f"**{status_text(row['overall'])}**" + (f" · {mark}" if mark else ""))
            figure, unit_words = tile_figure(row["value"], row["unit"])
            whose = "" if row["figure_area"] == filters.area_code else \
                f" ({geo.area_name(row['figure_area'])} figure)"
            # Read at a distance: status, figure, change, and the reason in words; the unit
            # in the label, a period only where it is not the slide's.
            st.metric(row["title"] + (f", {unit_words}" if unit_words else "") + whose,
                      figure, delta=format_change(row["change_pct"]) or None,
                      delta_color={"down_good": "inverse", "up_good": "normal"}.get(
                          row["polarity"], "off"))
            st.caption(row["reason"])
    # The chart and statement are on the indicator the theme page opens on, as the pack's.
    ids = [r["indicator_id"] for r in shown]
    lead = shown[ids.index(lead_indicator(ids, indicators_held(observations, "district"),
                                          current))]
    record = records[lead["indicator_id"]]
    population = load_reference("population", version)
    left, right = st.columns([3, 2])
    codes = list(dict.fromkeys([lead["figure_area"], geo.COUNTY_CODE, geo.BOARD_CODE]))
    trend = compute_trend(observations, record, codes, population)
    if len(trend):
        names = {c: geo.area_name(c) for c in codes if c in set(trend["area_code"])}
        spec = trend_spec(trend, names, unit_title(comparison_unit(record, population)),
                          record["title"])
        # Short enough for the slide: the title said above it, the legend beside it.
        config = {**spec["config"], "legend": {**spec["config"]["legend"], "orient": "right"}}
        left.markdown(f"**{record['title']}**")
        left.vega_lite_chart({**{k: v for k, v in spec.items() if k != "title"},
                              "height": SLIDE_CHART_HEIGHT, "config": config},
                             width="stretch")
    with right:
        st.markdown(compose_statement(lead, geo.area_name(lead["figure_area"]),
                                      target=record["target"]))
        actions = open_actions(load_actions(version), theme)
        st.markdown("**Open actions**")
        if actions.empty:
            st.caption("None linked to this theme.")
        for row in actions.head(SLIDE_ACTIONS).itertuples():
            st.markdown(f"- **{row.number}.** {shortened(row.action)} — *{row.officer}* "
                        f"({row.status})")
        if len(actions) > SLIDE_ACTIONS:
            st.caption(f"and {len(actions) - SLIDE_ACTIONS} more on the Action log")
