"""The board pack: the same figures, judgements, charts and statements as presenter mode, as a
PowerPoint deck and a PDF, built on the server without a browser or the internet (charts are
the dashboard's own Altair charts, drawn to PNG by vl-convert). Partner packs hide small
numbers as the screen does."""
from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field

import pandas as pd
import vl_convert

from components.charts import trend_chart
from data_loaders import geography as geo
from data_loaders.catalogue import THEMES
from metrics.assessment import compute_assessment, compute_scorecard
from metrics.comparison import comparison_unit, compute_trend
from metrics.formatting import UNIT_NAMES, format_change, format_value
from metrics.statement import compose_statement
from metrics.status import STATUS_RULE
from metrics.summary import newest_period_end
from data_loaders.store import DEFAULT_THRESHOLD

CHART_WIDTH, CHART_HEIGHT = 760, 330


@dataclass
class ThemeSlide:
    title: str
    figures: list[dict]  # indicator, value, change, status: text as shown
    chart_title: str
    chart_spec: dict | None  # the Vega-Lite spec drawn, so tests can compare with the screen
    chart_png: bytes | None
    statement: str
    actions: list[str]


@dataclass
class PackContent:
    title: str
    subtitle: str
    scorecard: list[dict]
    themes: list[ThemeSlide] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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


def build_content(data: PackData, area_code: str, kind: str, end: dt.date | None,
                  meeting: str, partner: bool, threshold: int = DEFAULT_THRESHOLD
                  ) -> PackContent:
    """Everything the pack says, from the same calculations as the screen. A partner pack
    is built only from partners' figures (pack_data with a partner threshold): raises
    ValueError when ``data`` holds raw ones."""
    if partner and data.partner_threshold is None:
        raise ValueError("a partner pack is built from the partners' protected figures only")
    records = {r["id"]: r for r in data.catalogue.to_dict("records")}
    populations = dict(zip(data.population["area_code"], data.population["population"]))
    as_of = newest_period_end(data.observations)
    period = {"quarter": "latest quarter", "ytd": "financial year to date",
              "rolling12": "rolling 12 months"}[kind]
    subtitle = (f"{geo.area_name(area_code)} · {period}"
                + (f" ending with {end.isoformat()}" if end else "")
                + (f" · data to {(as_of - dt.timedelta(days=1)).strftime('%d %B %Y')}"
                   if as_of else "") + (" · partner pack" if partner else ""))
    card = compute_scorecard(data.observations, data.catalogue, area_code, kind, populations,
                             end, geo.COUNTY_CODE, data.changes)
    content = PackContent(title=meeting, subtitle=subtitle, scorecard=[
        _figure_row(row, THEMES[row["theme"]])
        for row in card.to_dict("records") if row["value"] is not None
        and not pd.isna(row["value"])])
    for theme, title in THEMES.items():
        content.themes.append(_theme_slide(data, records, theme, title, area_code, kind, end,
                                           populations))
    content.actions = [{"No.": int(r.number), "Raised": r.raised_on, "Action": r.action,
                        "Responsible officer": r.officer, "Status": r.status,
                        "Comments": r.comments} for r in data.actions.itertuples()]
    content.notes = _notes(data, partner, threshold)
    return content


SCORECARD_ROWS = 8  # a page's worth, now each status carries its reason


def _figure_row(row: dict, theme: str) -> dict:
    change = f"{format_change(row['change_pct'])} {row['direction']}" \
        if isinstance(row["direction"], str) else "no change shown"
    if isinstance(row["significance"], str):
        change += f", {row['significance']}"
    return {"Theme": theme, "Indicator": row["title"], "Period": row["period"] or "",
            "Value": format_value(row["value"], row["unit"]), "Change": change,
            "Status": f"{row['overall']}: {row['reason']}"}


def _theme_slide(data, records, theme, title, area_code, kind, end, populations
                 ) -> ThemeSlide:
    headline = [r for r in records.values() if r["theme"] == theme and not r["parent"]
                and r["panel"] == "headline"]
    rows = [compute_assessment(data.observations, r, area_code, kind, end, populations,
                               data.changes, geo.COUNTY_CODE) for r in headline]
    held = [r for r in rows if r["value"] is not None]
    figures = [_figure_row(r, title) for r in held]
    actions = [f"{a.number}. {a.action} ({a.officer}; {a.status})"
               for a in data.actions.itertuples()
               if a.status != "Done" and theme in a.themes]
    if not held:
        return ThemeSlide(title, [], "", None, None, "No figures are held for this theme.",
                          actions)
    lead = held[0]
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


def _notes(data: PackData, partner: bool, threshold: int) -> list[str]:
    sample = data.observations["is_sample"].any() if "is_sample" in data.observations else False
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
                     "officers have not uploaded.")
    notes.append(f"Partner pack: every figure is the partners' protected one. Each beat's or "
                 f"district's count for a month or quarter under {threshold} is rounded to 0 "
                 f"or {threshold} before anything is added up, so figures can differ from the "
                 "officers', most for small areas and short periods; totals, rates, changes "
                 "and statements are worked out from the rounded counts." if partner else
                 "Officer pack: every figure is shown. Do not circulate it to partners; make a "
                 "partner pack instead.")
    return notes


# -- PowerPoint --------------------------------------------------------------------------

def pack_pptx(content: PackContent) -> bytes:
    """The deck: title, scorecard, a slide per theme, the action log, data notes."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    title_slide = deck.slides.add_slide(deck.slide_layouts[0])
    title_slide.shapes.title.text = content.title
    title_slide.placeholders[1].text = ("Leicestershire and Rutland Safer Communities Strategy "
                                        "Board\n" + content.subtitle)
    for start in range(0, len(content.scorecard), SCORECARD_ROWS):
        _table_slide(deck, "Scorecard", content.scorecard[start:start + SCORECARD_ROWS],
                     ["Theme", "Indicator", "Value", "Change", "Status"])
    for theme in content.themes:
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        slide.shapes.title.text = theme.title
        _text(slide, Inches(0.4), Inches(1.3), Inches(12.5), Inches(1.2), [
            f"{f['Indicator']}: {f['Value']} ({f['Change']}; {f['Status']})"
            for f in theme.figures[:6]], Pt(13))
        if theme.chart_png:
            picture = slide.shapes.add_picture(io.BytesIO(theme.chart_png), Inches(0.4),
                                               Inches(2.9), width=Inches(7.4))
            picture.name = f"Chart: {theme.chart_title}"
        _text(slide, Inches(8.1), Inches(2.9), Inches(4.9), Inches(4.3),
              [theme.statement, "", "Open actions:"] + (theme.actions or ["none"]), Pt(13))
    for start in range(0, len(content.actions), 8):
        _table_slide(deck, "Action log", content.actions[start:start + 8],
                     ["No.", "Raised", "Action", "Responsible officer", "Status"])
    notes = deck.slides.add_slide(deck.slide_layouts[5])
    notes.shapes.title.text = "Data notes"
    _text(notes, Inches(0.5), Inches(1.4), Inches(12.3), Inches(5.8), content.notes, Pt(14))
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _text(slide, left, top, width, height, lines: list[str], size) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = size


def _table_slide(deck, title: str, rows: list[dict], columns: list[str]) -> None:
    from pptx.util import Inches, Pt

    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = title
    table = slide.shapes.add_table(len(rows) + 1, len(columns), Inches(0.4), Inches(1.3),
                                   Inches(12.5), Inches(0.4 * (len(rows) + 1))).table
    for j, column in enumerate(columns):
        table.cell(0, j).text = column
    for i, row in enumerate(rows, start=1):
        for j, column in enumerate(columns):
            table.cell(i, j).text = str(row[column])
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.text_frame.paragraphs:
                paragraph.font.size = Pt(11)


# -- PDF ---------------------------------------------------------------------------------

def pack_pdf(content: PackContent) -> bytes:
    """The same pages as the deck, as an A4-landscape PDF."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    _heading(pdf, content.title, 24)
    _para(pdf, "Leicestershire and Rutland Safer Communities Strategy Board\n"
          + content.subtitle, 14)
    for start in range(0, len(content.scorecard), SCORECARD_ROWS):
        pdf.add_page()
        _heading(pdf, "Scorecard", 20)
        _pdf_table(pdf, content.scorecard[start:start + SCORECARD_ROWS],
                   ["Theme", "Indicator", "Value", "Change", "Status"], [28, 70, 32, 60, 87])
    for theme in content.themes:
        pdf.add_page()
        _heading(pdf, theme.title, 20)
        _para(pdf, "\n".join(f"{f['Indicator']}: {f['Value']} ({f['Change']}; {f['Status']})"
                             for f in theme.figures[:6]), 11)
        top = pdf.get_y() + 2
        if theme.chart_png:
            pdf.image(io.BytesIO(theme.chart_png), x=10, y=top, w=160)
        pdf.set_xy(175, top)
        pdf.multi_cell(110, 6, _latin(theme.statement + "\n\nOpen actions:\n"
                                      + "\n".join(theme.actions or ["none"])))
    for start in range(0, len(content.actions), 8):
        pdf.add_page()
        _heading(pdf, "Action log", 20)
        _pdf_table(pdf, content.actions[start:start + 8],
                   ["No.", "Raised", "Action", "Responsible officer", "Status"],
                   [12, 25, 160, 55, 25])
    pdf.add_page()
    _heading(pdf, "Data notes", 20)
    _para(pdf, "\n\n".join(content.notes), 11)
    return bytes(pdf.output())


def _latin(text: str) -> str:
    """The PDF's core font is Latin-1: arrows and symbols become words."""
    swaps = {"↑ ": "", "↓ ": "", "→ ": "", "–": "-", "—": "-", "“": '"', "”": '"',
             "’": "'", "‘": "'", "£": "GBP "}
    for old, new in swaps.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def _heading(pdf, text: str, size: int) -> None:
    pdf.set_font("Helvetica", "B", size)
    pdf.multi_cell(0, size * 0.5, _latin(text))
    pdf.ln(2)


def _para(pdf, text: str, size: int) -> None:
    pdf.set_font("Helvetica", "", size)
    pdf.multi_cell(0, size * 0.5, _latin(text))
    pdf.ln(2)


def _pdf_table(pdf, rows: list[dict], columns: list[str], widths: list[int]) -> None:
    pdf.set_font("Helvetica", "", 10)
    with pdf.table(col_widths=widths, text_align="LEFT") as table:
        header = table.row()
        for column in columns:
            header.cell(column)
        for row in rows:
            cells = table.row()
            for column in columns:
                cells.cell(_latin(str(row[column])))
