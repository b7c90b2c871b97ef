"""The board pack's pages laid out once, on a 16:9 page (13.33 x 7.5 inches, PowerPoint's
widescreen), and drawn twice: as a PowerPoint deck and as a PDF of the same size, so the PDF
reads like the slides. A page is a title, boxes of text, tables and a picture, and a footer
with the meeting, the area, the data and the page number."""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from .board_pack import PackContent

WIDTH, HEIGHT, MARGIN = 13.333, 7.5, 0.5  # inches
BODY_TOP, FOOT_TOP = 1.25, 7.05
INK, GREY = "0B0C0C", "505A5F"
# The one status and the action log's RAG, in the dashboard's colours, each with its words.
STATUS_FILLS = {"On track": ("00703C", "FFFFFF"), "Watch": ("F47738", "0B0C0C"),
                "Act": ("D4351C", "FFFFFF"), "No judgement": ("DDDDDD", "0B0C0C"),
                "Green": ("00703C", "FFFFFF"), "Amber": ("F47738", "0B0C0C"),
                "Red": ("D4351C", "FFFFFF"), "Done": ("DDDDDD", "0B0C0C")}
HEADER_FILL = ("E8EBEE", "0B0C0C")


@dataclass
class Text:
    x: float
    y: float
    w: float
    h: float
    lines: list[str]
    size: float = 12
    bold: bool = False
    colour: str = INK
    fill: str | None = None


@dataclass
class Table:
    x: float
    y: float
    columns: list[str]
    widths: list[float]
    rows: list[dict]
    size: float = 10.5
    coloured: str | None = None  # the column whose cells take STATUS_FILLS

    def row_heights(self) -> list[float]:
        return [row_height([c for c in self.columns], self.widths, self.size)] + [
            row_height([str(r[c]) for c in self.columns], self.widths, self.size)
            for r in self.rows]


@dataclass
class Picture:
    x: float
    y: float
    w: float
    h: float
    png: bytes
    name: str


@dataclass
class Page:
    title: str
    items: list = field(default_factory=list)
    cover: bool = False


def text_lines(text: str, width: float, size: float) -> int:
    """Lines ``text`` takes in a box ``width`` inches wide at ``size`` points (an average
    character is about half the point size wide; LibreOffice's fonts run wider than the
    PDF's, so this errs long)."""
    per_line = max(1, int(width * 72 / (size * 0.5)))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def row_height(cells: list[str], widths: list[float], size: float) -> float:
    lines = max(text_lines(c, w - 0.12, size) for c, w in zip(cells, widths))
    return lines * size * 1.2 / 72 + 0.12


def paginate(rows: list[dict], columns: list[str], widths: list[float], size: float,
             room: float) -> list[list[dict]]:
    """The rows in pages that fit ``room`` inches under the header, as few pages as that
    allows, shared as evenly as they fit (not two full pages and a last one of one row)."""
    fewest = _fill_pages(rows, columns, widths, size, room, len(rows))
    for most in range(math.ceil(len(rows) / max(1, len(fewest))), len(rows)):
        pages = _fill_pages(rows, columns, widths, size, room, most)
        if len(pages) == len(fewest):
            return pages
    return fewest


def _fill_pages(rows: list[dict], columns: list[str], widths: list[float], size: float,
                room: float, most: int) -> list[list[dict]]:
    """The rows in order, each page taking as many as fit, up to ``most``."""
    header = row_height(columns, widths, size)
    pages, page, used = [], [], header
    for row in rows:
        height = row_height([str(row[c]) for c in columns], widths, size)
        if page and (used + height > room or len(page) == most):
            pages.append(page)
            page, used = [], header
        page.append(row)
        used += height
    return pages + [page] if page else pages


SCORECARD = (["Theme", "Indicator", "Value", "Period", "Change", "Status", "Why"],
             [1.45, 2.55, 1.35, 1.55, 2.3, 1.1, 2.03])
ACTIONS = (["No.", "Raised", "Action", "Responsible officer", "Status", "Comments"],
           [0.5, 1.1, 4.3, 1.75, 0.85, 3.83])


def pack_pages(content: PackContent) -> list[Page]:
    """Every page of the pack: the cover, the scorecard, a page per theme, the action log
    and the data notes."""
    pages = [cover_page(content)]
    room = FOOT_TOP - BODY_TOP - 0.15
    for part in paginate(content.scorecard, *SCORECARD, 10.5, room):
        pages.append(Page("Scorecard", [Table(MARGIN, BODY_TOP, *SCORECARD, part,
                                              coloured="Status")]))
    pages += [theme_page(theme) for theme in content.themes]
    for part in paginate(content.actions, *ACTIONS, 10, room):
        pages.append(Page("Action log", [Table(MARGIN, BODY_TOP, *ACTIONS, part, size=10,
                                               coloured="Status")]))
    pages.append(Page("Data notes", [Text(MARGIN, BODY_TOP, WIDTH - 2 * MARGIN,
                                          FOOT_TOP - BODY_TOP, content.notes, 13)]))
    return pages


def cover_page(content: PackContent) -> Page:
    date = content.meeting_date.strftime("%d %B %Y").lstrip("0") if content.meeting_date \
        else ""
    return Page(content.title, [
        Text(1.0, 3.45, WIDTH - 2.0, 0.5, ["Leicestershire and Rutland Safer Communities "
                                           "Strategy Board"], 20, colour=GREY),
        Text(1.0, 4.1, WIDTH - 2.0, 1.4, [line for line in [date, *content.subtitle.split(
            " · ")] if line], 16)], cover=True)


TILE_GAP = 0.15


def theme_page(theme) -> Page:
    """Up to six figure tiles (status colour, figure, what and when, change), the lead
    indicator's chart, its statement and the theme's open actions with their comments."""
    items = []
    figures = theme.figures[:6]
    tile_w = (WIDTH - 2 * MARGIN - TILE_GAP * 5) / 6
    for i, figure in enumerate(figures):
        x = MARGIN + i * (tile_w + TILE_GAP)
        fill, ink = STATUS_FILLS.get(figure["Status"], STATUS_FILLS["No judgement"])
        items.append(Text(x, BODY_TOP, tile_w, 0.32, [figure["Status"]], 11, True, ink, fill))
        items.append(Text(x, BODY_TOP + 0.32, tile_w, 0.42, [figure["Figure"]], 17, True,
                          fill="F3F2F1"))
        items.append(Text(x, BODY_TOP + 0.74, tile_w, 0.86, [
            figure["Indicator"], " · ".join(t for t in (figure["Unit"], figure["Period"]) if t),
            figure["Change"]], 8.5, fill="F3F2F1"))
    top = BODY_TOP + 1.8
    if theme.chart_png:
        width, height = png_size(theme.chart_png)
        w = 7.3
        h = min(w * height / width, FOOT_TOP - top - 0.1)
        items.append(Picture(MARGIN, top, h * width / height, h, theme.chart_png,
                             f"Chart: {theme.chart_title}"))
    right = MARGIN + 7.5
    side = WIDTH - MARGIN - right
    statement = [theme.statement]
    items.append(Text(right, top, side, 0.3, ["Position statement"], 12, True))
    used = text_lines(theme.statement, side, 11) * 11 * 1.2 / 72 + 0.1
    items.append(Text(right, top + 0.32, side, used, statement, 11))
    y = top + 0.42 + used
    items.append(Text(right, y, side, 0.3, ["Open actions"], 12, True))
    lines = [f"{a['No.']}. {a['Action']} ({a['Responsible officer']}; {a['Status']})"
             + (f" Latest: {a['Comments']}" if a["Comments"] else "")
             for a in theme.actions] or ["None open."]
    room = FOOT_TOP - (y + 0.32) - 0.05
    shown = fit_lines(lines, side, 9.5, room)
    items.append(Text(right, y + 0.32, side, room, shown, 9.5))
    return Page(theme.title, items)


def fit_lines(lines: list[str], width: float, size: float, room: float) -> list[str]:
    """As many of ``lines`` as fit ``room`` inches, the last one cut short with an ellipsis
    and a pointer to the action log when they do not all fit."""
    shown, used = [], 0.0
    for line in lines:
        height = text_lines(line, width, size) * size * 1.2 / 72
        if used + height > room:
            chars = int((room - used) * 72 / (size * 1.2)) * int(width * 72 / (size * 0.5))
            if chars > 40:
                shown.append(line[:chars - 30].rsplit(" ", 1)[0] + "… (action log)")
            break
        shown.append(line)
        used += height
    return shown


def png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


# -- PowerPoint --------------------------------------------------------------------------

def pack_pptx(content: PackContent) -> bytes:
    """The pages as a widescreen deck, each title in the slide's own title placeholder."""
    from pptx import Presentation
    from pptx.util import Emu, Inches

    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12192000), Emu(6858000)  # PowerPoint's 16:9
    pages = pack_pages(content)
    for number, page in enumerate(pages, start=1):
        slide = deck.slides.add_slide(deck.slide_layouts[5])  # "Title Only"
        title = slide.shapes.title
        # The layouts are 4:3: the title box is placed for 16:9 here, not left off-centre.
        if page.cover:
            title.left, title.top, title.width, title.height = (
                Inches(1.0), Inches(2.0), Inches(WIDTH - 2.0), Inches(1.3))
        else:
            title.left, title.top, title.width, title.height = (
                Inches(MARGIN), Inches(0.3), Inches(WIDTH - 2 * MARGIN), Inches(0.8))
        title.text = page.title
        _pptx_style(title.text_frame, 40 if page.cover else 28, True, INK, left=True)
        for item in page.items:
            _pptx_item(slide, item)
        _pptx_item(slide, Text(MARGIN, FOOT_TOP, WIDTH - 2 * MARGIN - 1.2, 0.3,
                               [content.footer], 9, colour=GREY))
        _pptx_item(slide, Text(WIDTH - MARGIN - 1.2, FOOT_TOP, 1.2, 0.3,
                               [f"{number} / {len(pages)}"], 9, colour=GREY))
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _pptx_style(frame, size, bold, colour, left=True, fill_cell=None) -> None:
    from pptx.dml.color import RGBColor
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Pt

    for paragraph in frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT if left else PP_ALIGN.CENTER
        for run in paragraph.runs:
            run.font.size, run.font.bold = Pt(size), bold
            run.font.color.rgb = RGBColor.from_string(colour)


def _pptx_item(slide, item) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Inches

    if isinstance(item, Picture):
        picture = slide.shapes.add_picture(io.BytesIO(item.png), Inches(item.x),
                                           Inches(item.y), Inches(item.w), Inches(item.h))
        picture.name = item.name
    elif isinstance(item, Text):
        box = slide.shapes.add_textbox(Inches(item.x), Inches(item.y), Inches(item.w),
                                       Inches(item.h))
        frame = box.text_frame
        frame.word_wrap = True
        frame.margin_left = frame.margin_right = Inches(0.06)
        frame.margin_top = frame.margin_bottom = Inches(0.03)
        for i, line in enumerate(item.lines):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = line
        _pptx_style(frame, item.size, item.bold, item.colour)
        if item.fill:
            box.fill.solid()
            box.fill.fore_color.rgb = RGBColor.from_string(item.fill)
    else:
        heights = item.row_heights()
        shape = slide.shapes.add_table(len(item.rows) + 1, len(item.columns), Inches(item.x),
                                       Inches(item.y), Inches(sum(item.widths)),
                                       Inches(sum(heights)))
        table = shape.table
        for j, width in enumerate(item.widths):
            table.columns[j].width = Inches(width)
        for i, height in enumerate(heights):
            table.rows[i].height = Inches(height)
        for i, row in enumerate([None, *item.rows]):
            for j, column in enumerate(item.columns):
                cell = table.cell(i, j)
                cell.text = column if row is None else str(row[column])
                fill, ink = HEADER_FILL if row is None else (
                    STATUS_FILLS.get(str(row[column]), ("FFFFFF", INK))
                    if column == item.coloured else ("FFFFFF", INK))
                cell.fill.solid()
                cell.fill.fore_color.rgb = RGBColor.from_string(fill)
                cell.margin_left = cell.margin_right = Inches(0.06)
                _pptx_style(cell.text_frame, item.size, row is None or column == item.coloured,
                            ink)


# -- PDF ---------------------------------------------------------------------------------

def pack_pdf(content: PackContent) -> bytes:
    """The same pages, the same size and places, as a PDF."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="in", format=(HEIGHT, WIDTH))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pages = pack_pages(content)
    for number, page in enumerate(pages, start=1):
        pdf.add_page()
        if page.cover:
            _pdf_text(pdf, Text(1.0, 2.0, WIDTH - 2.0, 1.3, [page.title], 40, True))
        else:
            _pdf_text(pdf, Text(MARGIN, 0.3, WIDTH - 2 * MARGIN, 0.8, [page.title], 28, True))
        for item in page.items:
            if isinstance(item, Picture):
                pdf.image(io.BytesIO(item.png), x=item.x, y=item.y, w=item.w, h=item.h)
            elif isinstance(item, Text):
                _pdf_text(pdf, item)
            else:
                _pdf_table(pdf, item)
        _pdf_text(pdf, Text(MARGIN, FOOT_TOP, WIDTH - 2 * MARGIN - 1.2, 0.3,
                            [content.footer], 9, colour=GREY))
        _pdf_text(pdf, Text(WIDTH - MARGIN - 1.2, FOOT_TOP, 1.2, 0.3,
                            [f"{number} / {len(pages)}"], 9, colour=GREY))
    return bytes(pdf.output())


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))


def _pdf_text(pdf, item: Text) -> None:
    if item.fill:
        pdf.set_fill_color(*_rgb(item.fill))
        pdf.rect(item.x, item.y, item.w, item.h, style="F")
    pdf.set_font("Helvetica", "B" if item.bold else "", item.size)
    pdf.set_text_color(*_rgb(item.colour))
    pdf.set_xy(item.x + 0.06, item.y + 0.03)
    pdf.multi_cell(item.w - 0.12, item.size * 1.2 / 72, _latin("\n".join(item.lines)),
                   align="L")


def _pdf_table(pdf, item: Table) -> None:
    y = item.y
    for row, height in zip([None, *item.rows], item.row_heights()):
        x = item.x
        for column, width in zip(item.columns, item.widths):
            value = column if row is None else str(row[column])
            fill, ink = HEADER_FILL if row is None else (
                STATUS_FILLS.get(value, ("FFFFFF", INK)) if column == item.coloured
                else ("FFFFFF", INK))
            pdf.set_fill_color(*_rgb(fill))
            pdf.set_draw_color(200, 200, 200)
            pdf.rect(x, y, width, height, style="DF")
            pdf.set_font("Helvetica", "B" if row is None or column == item.coloured else "",
                         item.size)
            pdf.set_text_color(*_rgb(ink))
            pdf.set_xy(x + 0.06, y + 0.06)
            pdf.multi_cell(width - 0.12, item.size * 1.2 / 72, _latin(value), align="L")
            x += width
        y += height


def _latin(text: str) -> str:
    """The PDF's core font is Latin-1: arrows and symbols become words."""
    swaps = {"↑ ": "", "↓ ": "", "→ ": "", "–": "-", "—": "-", "“": '"', "”": '"',
             "’": "'", "‘": "'", "£": "GBP ", "…": "..."}
    for old, new in swaps.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")
