"""The board pack: the same figures, judgements, charts and statements as presenter mode, as a
PowerPoint deck and a PDF, built on the server without a browser or the internet (charts are
the dashboard's own Altair charts, drawn to PNG by vl-convert). Partner packs hide small
numbers as the screen does."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pandas as pd
import vl_convert

from data_loaders import geography as geo
from data_loaders.catalogue import THEMES, catalogue_frame
from data_loaders.store import DEFAULT_THRESHOLD, Store
from metrics.assessment import compute_assessment, compute_scorecard
from metrics.comparison import comparison_unit, compute_trend, populations_by_area
from metrics.disclosure import partner_observations
from metrics.formatting import UNIT_NAMES, format_change, format_value, tile_figure
from metrics.series import indicators_held
from metrics.statement import compose_statement
from metrics.status import STATUS_RULE
from metrics.summary import current_indicators, lead_indicator, period_ends_note
from presentation.charts import trend_chart

CHART_WIDTH, CHART_HEIGHT = 760, 330


@dataclass
class ThemeSlide:
    title: str
    figures: list[dict]  # _figure_row's: indicator, value, period, change, status, why
    chart_title: str
    chart_spec: dict | None  # the Vega-Lite spec drawn, so tests can compare with the screen
    chart_png: bytes | None
    statement: str
    actions: list[dict]  # _action_row's, the theme's open actions


@dataclass
class PackContent:
    title: str
    subtitle: str
    scorecard: list[dict]
    themes: list[ThemeSlide] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    area: str = ""
    meeting_date: dt.date | None = None
    figures_to: str = ""  # the period most figures end at ("Q3 2023/24")

    @property
    def footer(self) -> str:
        """What every page's foot says: the meeting, its date, the area and the data."""
        parts = [self.title, self.meeting_date.strftime("%d %B %Y").lstrip("0")
                 if self.meeting_date else "", self.area,
                 f"figures mostly to {self.figures_to}" if self.figures_to else ""]
        return " · ".join(p for p in parts if p)


def pack_file_stem(meeting_date: dt.date | None, area_code: str, partner: bool) -> str:
    """The pack's file name without extension: the meeting date, the area and whose pack,
    so packs for different meetings and areas never overwrite each other.

    >>> pack_file_stem(dt.date(2023, 12, 15), "E10000018", True)
    '2023-12-15_Leicestershire_board_pack_partner'
    """
    date = meeting_date.isoformat() + "_" if meeting_date else ""
    area = "".join(c if c.isalnum() else "_" for c in geo.area_name(area_code))
    return f"{date}{area}_board_pack_{'partner' if partner else 'officer'}"


@dataclass
class PackData:
    """What the pack is built from: the frames the dashboard reads for the chosen data."""

    observations: pd.DataFrame
    catalogue: pd.DataFrame
    population: pd.DataFrame
    changes: pd.DataFrame
    actions: pd.DataFrame
    # The threshold the observations were protected with for partners (None: raw figures).
    partner_threshold: int | None = None


def pack_data(store: Store, snapshot: int | None, partner_threshold: int | None = None
              ) -> PackData:
    """The frames the dashboard reads, current or as at ``snapshot``; with
    ``partner_threshold``, the observations partners see (metrics.disclosure)."""
    observations = store.observations(with_sample_flag=True, snapshot=snapshot)
    population = store.reference("population", snapshot=snapshot)
    if partner_threshold is not None:
        observations = partner_observations(
            observations, catalogue_frame(), store.reference("areas", snapshot=snapshot),
            population, store.disclosure_secret(), partner_threshold)
    return PackData(observations, catalogue_frame(), population,
                    store.definition_changes(snapshot), store.actions(snapshot),
                    partner_threshold)


def build_content(data: PackData, area_code: str, kind: str, end: dt.date | None,
                  meeting: str, partner: bool, threshold: int = DEFAULT_THRESHOLD,
                  meeting_date: dt.date | None = None) -> PackContent:
    """Everything the pack says, from the same calculations as the screen. A partner pack
    is built only from partners' figures (pack_data with a partner threshold): raises
    ValueError when ``data`` holds raw ones."""
    if partner and data.partner_threshold is None:
        raise ValueError("a partner pack is built from the partners' protected figures only")
    records = {r["id"]: r for r in data.catalogue.to_dict("records")}
    populations = populations_by_area(data.population)
    period = {"quarter": "latest quarter", "ytd": "financial year to date",
              "rolling12": "rolling 12 months"}[kind]
    card = compute_scorecard(data.observations, data.catalogue, area_code, kind, populations,
                             end, geo.COUNTY_CODE, data.changes)
    shown = [row for row in card.to_dict("records")
             if row["value"] is not None and not pd.isna(row["value"])]
    # The period most figures end at, not the newest anything is held for: a pack titled
    # "data to December 2024" over lines ending December 2023 misled.
    periods = pd.Series([row["period"] for row in shown if row["period"]], dtype=object)
    figures_to = periods.mode().iloc[0] if len(periods) else ""
    subtitle = (f"{geo.area_name(area_code)} · {period}"
                + (f" ending with {end.isoformat()}" if end else "")
                + (f" · figures mostly to {figures_to}; each figure gives its own period"
                   if figures_to else "") + (" · partner pack" if partner else ""))
    ends = period_ends_note(shown, {i: r["origin"] for i, r in records.items()})
    if ends:  # on the cover: the sources' figures end at different dates
        subtitle += " · " + ends
    content = PackContent(title=meeting, subtitle=subtitle, scorecard=[
        _figure_row(row, THEMES[row["theme"]], row["status"] == "stale") for row in shown],
        area=geo.area_name(area_code), meeting_date=meeting_date, figures_to=figures_to)
    for theme, title in THEMES.items():
        content.themes.append(_theme_slide(data, records, theme, title, area_code, kind, end,
                                           populations))
    content.actions = [_action_row(r) for r in data.actions.itertuples()]
    content.notes = _notes(any(row["from_sample"] for row in shown), partner, threshold)
    return content


def _figure_row(row: dict, theme: str, stale: bool) -> dict:
    """One figure as the scorecard and a theme's tiles show it; a stale figure (older than
    the others held) says so beside its period."""
    change = f"{format_change(row['change_pct'])} {row['direction']}" \
        if isinstance(row["direction"], str) else "no change shown"
    if isinstance(row["significance"], str):
        change += f", {row['significance']}"
    figure, unit = tile_figure(row["value"], row["unit"])  # a tile's big figure and its unit
    marks = ", ".join(m for m, on in (("stale", stale), ("sample data", row["from_sample"]))
                      if on)
    return {"Theme": theme, "Indicator": row["title"],
            "Period": (row["period"] or "") + (f" ({marks})" if marks else ""),
            "Value": format_value(row["value"], row["unit"]), "Change": change,
            "Status": row["overall"], "Why": row["reason"], "Figure": figure, "Unit": unit}


def _action_row(action) -> dict:
    comments = action.comments if isinstance(action.comments, str) else ""
    return {"No.": int(action.number), "Raised": str(action.raised_on), "Action": action.action,
            "Responsible officer": action.officer or "", "Status": action.status,
            "Comments": comments}


def _theme_slide(data, records, theme, title, area_code, kind, end, populations
                 ) -> ThemeSlide:
    headline = [r for r in records.values() if r["theme"] == theme and not r["parent"]
                and r["panel"] == "headline"]
    rows = [compute_assessment(data.observations, r, area_code, kind, end, populations,
                               data.changes, geo.COUNTY_CODE) for r in headline]
    held = [r for r in rows if r["value"] is not None]
    actions = [_action_row(a) for a in data.actions.itertuples()
               if a.status != "Done" and theme in a.themes]
    if not held:
        return ThemeSlide(title, [], "", None, None, "No figures are held for this theme.",
                          actions)
    ids = [r["indicator_id"] for r in held]
    current = current_indicators(data.observations, [records[i] for i in ids],
                                 {r["indicator_id"]: r["figure_area"] for r in held})
    figures = [_figure_row(r, title, r["indicator_id"] not in current) for r in held]
    # The slide's chart and statement are on the indicator the theme page opens on.
    lead = held[ids.index(lead_indicator(
        ids, indicators_held(data.observations, "district"), current))]
    record = records[lead["indicator_id"]]
    codes = list(dict.fromkeys([lead["figure_area"], geo.COUNTY_CODE, geo.BOARD_CODE]))
    trend = compute_trend(data.observations, record, codes, data.population)
    spec, png = None, None
    if len(trend):
        names = {c: geo.area_name(c) for c in codes if c in set(trend["area_code"])}
        unit = comparison_unit(record, data.population)
        chart = trend_chart(trend, names, UNIT_NAMES[unit].capitalize()
                            if unit != "count" else "Count", record["title"])
        spec = json.loads(chart.properties(width=CHART_WIDTH, height=CHART_HEIGHT).to_json())
        png = vl_convert.vegalite_to_png(json.dumps(spec), scale=2)
    statement = compose_statement(lead, geo.area_name(lead["figure_area"]),
                                  target=record["target"])
    return ThemeSlide(title, figures, record["title"], spec, png, statement, actions)


def _notes(sample: bool, partner: bool, threshold: int) -> list[str]:
    """The pack's closing notes; ``sample``: whether any figure shown is generated."""
    notes = ["Sources: police.uk street-level crime (Open Government Licence v3.0); ONS "
             "boundaries, lookups and mid-2022 population (OGL v3.0); officers' uploads for "
             "the other indicators.",
             "Status: " + " ".join(STATUS_RULE).replace("**", ""),
             "Changes are on the same period a year earlier; a change is withheld when either "
             "period is incomplete or the definition changed between them.",
             "Beat boundaries are approximate (2011 LSOAs grouped under the police "
             "neighbourhood codes) until real ones are uploaded."]
    if sample:
        notes.append("Includes generated sample data, not real figures, for indicators "
                     "officers have not uploaded: the figures marked 'sample data'.")
    notes.append(f"Partner pack: every figure is the partners' protected one. Each beat's or "
                 f"district's count for a month or quarter under {threshold} is rounded to 0 "
                 f"or {threshold} before anything is added up, so figures can differ from the "
                 "officers', most for small areas and short periods; totals, rates, changes "
                 "and statements are worked out from the rounded counts." if partner else
                 "Officer pack: every figure is shown. Do not circulate it to partners; make a "
                 "partner pack instead.")
    return notes
