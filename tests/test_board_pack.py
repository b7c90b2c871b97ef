"""The board pack: opened back with python-pptx and pypdf, its slides, pictures, text and
figures checked against the data; its charts are the screen's; partner packs hide small
numbers; a pack from a snapshot is unchanged by a later upload and a rollback."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from pypdf import PdfReader

from data_loaders.catalogue import THEMES, indicator
from data_loaders.ingest import ingest_paths
from data_loaders.store import Store
from metrics.comparison import compute_trend
from metrics.statement import compose_statement
from metrics.summary import compute_summary
from reports.__main__ import main as pack_command
from reports.board_pack import build_content, pack_data
from reports.pack_layout import STATUS_FILLS, pack_pages, pack_pdf, pack_pptx, paginate, row_height

from conftest import ROOT

BOARD, COUNTY, MELTON = "LRSCSB", "E10000018", "E07000133"
ARTIFACTS = ROOT / "tests" / "artifacts"
THEME_TITLES = ["Crime", "Reoffending", "Domestic abuse", "Anti-social behaviour",
                "Hate crime"]


@pytest.fixture(scope="module")
def store(seeded_store_file, tmp_path_factory) -> Store:
    import shutil
    path = tmp_path_factory.mktemp("pack") / "store.sqlite"
    shutil.copy(seeded_store_file, path)
    return Store(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def content(store):
    return build_content(pack_data(store, None), BOARD, "quarter", None,
                         "Board 15 December 2023", partner=False,
                         meeting_date=dt.date(2023, 12, 15))


@pytest.fixture(scope="module")
def deck(content):
    return Presentation(io.BytesIO(pack_pptx(content)))


def slide_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


def titles(deck) -> list[str]:
    return [slide.shapes.title.text for slide in deck.slides]


def test_the_deck_has_title_scorecard_themes_actions_and_notes(deck, content):
    names = titles(deck)
    assert names[0] == "Board 15 December 2023"
    assert "Leicestershire and Rutland" in slide_text(deck.slides[0])
    assert names[1] == "Scorecard"
    assert [n for n in names if n in THEME_TITLES] == THEME_TITLES
    assert "Action log" in names and names[-1] == "Data notes"
    assert len(deck.slides) == len(pack_pages(content))
    scorecard_rows = sum(len(s.shapes[-3].table.rows) - 1 for s in deck.slides
                         if s.shapes.title.text == "Scorecard")
    assert scorecard_rows == len(content.scorecard)  # every row, each once


def test_every_theme_slide_has_its_chart_as_a_picture(deck):
    for slide in deck.slides:
        if slide.shapes.title.text in THEME_TITLES:
            pictures = [s for s in slide.shapes if s.shape_type == 13]
            assert len(pictures) == 1, slide.shapes.title.text
            assert pictures[0].name.startswith("Chart: ")


def test_scorecard_and_statements_carry_the_datas_figures(deck, store):
    observations = store.observations()
    crime = indicator("crime_total_recorded")
    board = observations[(observations.indicator_id == crime["id"])
                         & (observations.area_code == BOARD)].sort_values("period_start")
    scorecard = "\n".join(slide_text(s) for s in deck.slides if s.shapes.title.text == "Scorecard")
    assert f"{board.value.iloc[-1]:.2f} per 1,000" in scorecard
    summary = compute_summary(observations, crime, BOARD, "quarter")
    expected = compose_statement(summary, "Leicestershire and Rutland", target=crime["target"])
    crime_slide = next(s for s in deck.slides if s.shapes.title.text == "Crime")
    assert expected in slide_text(crime_slide)
    actions = "\n".join(slide_text(s) for s in deck.slides
                        if s.shapes.title.text == "Action log")
    assert "Training on Modern Slavery" in actions


def test_pack_charts_are_the_screens_charts(content, store):
    observations, population = store.observations(), store.reference("population")
    crime = next(t for t in content.themes if t.title == "Crime")
    trend = compute_trend(observations, indicator("crime_total_recorded"),
                          [BOARD, COUNTY], population)
    drawn = next(rows for rows in crime.chart_spec["datasets"].values())
    assert sorted(round(r["value"], 6) for r in drawn) == \
        sorted(round(v, 6) for v in trend["value"])
    assert crime.chart_png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_pdf_has_the_same_pages_text_and_pictures(content, deck):
    reader = PdfReader(io.BytesIO(pack_pdf(content)))
    assert len(reader.pages) == len(deck.slides)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for title in ["Scorecard", *THEME_TITLES, "Action log", "Data notes"]:
        assert title in text
    crime_page = next(p for p in reader.pages if p.extract_text().startswith("Crime"))
    assert len(crime_page.images) == 1


def test_partner_packs_are_built_from_partners_figures_only(store, tmp_path):
    """A partner pack's 3 is the partners' rounded figure (0 or 5, from 1 to 4 rounded),
    and a partner pack cannot be built from raw figures at all."""
    fix = tmp_path / "melton da.csv"
    fix.write_text("District,Period,Measure,Value\nMelton,Q3 2023/24,"
                   "Domestic crimes and incidents,3\n")
    ingest_paths([fix], store, "officer")
    officer = build_content(pack_data(store, None), MELTON, "quarter", None, "Board",
                            partner=False)
    partner = build_content(pack_data(store, None, 5), MELTON, "quarter", None, "Board",
                            partner=True, threshold=5)

    def row(content):
        return next(r for r in content.scorecard
                    if r["Indicator"] == "Domestic crimes and incidents")

    assert row(officer)["Value"] == "3"
    assert row(partner)["Value"] in ("0", "5")
    deck = Presentation(io.BytesIO(pack_pptx(partner)))
    assert "Partner pack: every figure is the partners' protected one" in \
        slide_text(deck.slides[-1])
    drawn = [[c.text for c in row.cells] for s in deck.slides if s.shapes.title.text ==
             "Scorecard" for row in s.shapes[-3].table.rows]
    assert next(r for r in drawn if r[1] == "Domestic crimes and incidents")[2] in ("0", "5")
    with pytest.raises(ValueError, match="protected figures only"):
        build_content(pack_data(store, None), MELTON, "quarter", None, "Board", partner=True)


def test_a_snapshot_pack_is_unchanged_by_a_later_upload_and_rollback(store, tmp_path):
    snapshot = store.create_snapshot("Board 15 December 2023", "Coordinator")
    before = build_content(pack_data(store, snapshot), MELTON, "quarter", None, "B", False)
    fix = tmp_path / "hate.csv"
    fix.write_text("District,Period,Measure,Value\nMelton,Q3 2023/24,Hate crimes,9.99\n")
    ingest_paths([fix], store, "officer")
    ledger = store.uploads()
    sample = ledger.loc[ledger["file_name"] == "board_indicators_sample.xlsx", "upload_id"]
    store.rollback(int(sample.iloc[0]), "officer")  # the officers' figures rolled back
    after = build_content(pack_data(store, snapshot), MELTON, "quarter", None, "B", False)
    assert after.scorecard == before.scorecard
    assert [t.statement for t in after.themes] == [t.statement for t in before.themes]
    live = build_content(pack_data(store, None), MELTON, "quarter", None, "B", False)
    hate = next(r for r in live.scorecard if r["Indicator"] == "Hate crimes")
    assert hate["Value"] == "9.99 per 1,000"  # the later upload, alone now
    assert not any(r["Indicator"] == "Total recorded crime" for r in live.scorecard)


def test_the_command_line_writes_both_files(store, tmp_path, capsys):
    stem = tmp_path / "pack"
    assert pack_command(["pack", str(stem), "--store", store.url, "--partner"]) == 0
    assert Presentation(str(stem.with_suffix(".pptx"))).slides[0].shapes.title.text
    assert len(PdfReader(str(stem.with_suffix(".pdf"))).pages) > 5
    assert pack_command(["pack", str(stem), "--store", store.url, "--snapshot", "999"]) == 1
    assert "snapshot 999 does not exist" in capsys.readouterr().err


def test_every_page_says_its_meeting_area_data_and_number(deck, content):
    """The foot of each page: the meeting and its date, the area, the period most figures
    end at (not the newest date anything is held for) and the page number."""
    count = len(deck.slides)
    assert content.figures_to == "12 months to December 2023"
    for number, slide in enumerate(deck.slides, start=1):
        text = slide_text(slide)
        assert ("Board 15 December 2023 · 15 December 2023 · Leicestershire and Rutland · "
                "figures mostly to 12 months to December 2023") in text
        assert f"{number} / {count}" in text
    assert "2024" not in slide_text(deck.slides[0])  # no data date beyond the figures


def test_the_scorecard_and_tiles_carry_status_colours_and_each_figures_period(deck, content):
    for slide in deck.slides:
        if slide.shapes.title.text != "Scorecard":
            continue
        table = slide.shapes[-3].table
        header = [c.text for c in table.rows[0].cells]
        assert header == ["Theme", "Indicator", "Value", "Period", "Change", "Status", "Why"]
        for row in list(table.rows)[1:]:
            status = row.cells[5]
            assert str(status.fill.fore_color.rgb) == STATUS_FILLS[status.text][0]
            assert row.cells[3].text  # the period the figure ends at
    crime = next(s for s in deck.slides if s.shapes.title.text == "Crime")
    burglary = next(f for f in next(t for t in content.themes if t.title == "Crime").figures
                    if f["Indicator"] == "Residential burglary")
    tiles = [s for s in crime.shapes if s.has_text_frame and s.text_frame.text == "Watch"]
    assert burglary["Status"] == "Watch" and tiles
    assert str(tiles[0].fill.fore_color.rgb) == STATUS_FILLS["Watch"][0]


def test_theme_slides_give_open_actions_their_comments(deck):
    reoffending = slide_text(next(s for s in deck.slides
                                  if s.shapes.title.text == "Reoffending"))
    assert "Latest: Action Plan circulated 4 July 2023." in reoffending


def test_slides_are_widescreen_with_titles_placed_for_it(deck):
    assert (deck.slide_width, deck.slide_height) == (12192000, 6858000)  # 13.33 x 7.5 in
    for slide in deck.slides:
        title = slide.shapes.title
        assert title.left + title.width <= deck.slide_width
        assert abs(title.left - (deck.slide_width - title.left - title.width)) < 9144  # 0.01 in


def test_the_file_names_carry_the_meeting_date_area_and_audience(store, tmp_path):
    assert pack_command(["pack", str(tmp_path), "--store", store.url, "--area", MELTON,
                         "--meeting-date", "2024-03-14", "--partner"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2024-03-14_Melton_board_pack_partner.pdf", "2024-03-14_Melton_board_pack_partner.pptx"]


def pngs(pdf: Path, stem: str) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(ARTIFACTS / stem)],
                   check=True, timeout=120)
    return sorted(ARTIFACTS.glob(f"{stem}-*.png"))


def test_both_files_drawn_to_images_have_the_same_pages_in_colour(content, tmp_path):
    """The PDF drawn by poppler and the deck drawn by LibreOffice (as a partner would open
    them), page by page into tests/artifacts: the same number of 16:9 pages, and the
    scorecard's status colours on the page."""
    from PIL import Image

    for tool in ("pdftoppm", "soffice"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed; .ci/run installs it")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("pack-*.png"):
        old.unlink()
    pdf, deck = tmp_path / "pack.pdf", tmp_path / "pack.pptx"
    pdf.write_bytes(pack_pdf(content))
    deck.write_bytes(pack_pptx(content))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path / "deck"), str(deck)],
                   check=True, timeout=240, capture_output=True)
    from_pdf = pngs(pdf, "pack-pdf")
    from_deck = pngs(tmp_path / "deck" / "pack.pdf", "pack-pptx")
    assert len(from_pdf) == len(from_deck) == len(pack_pages(content))
    for path in (*from_pdf, *from_deck):
        with Image.open(path) as image:
            width, height = image.size
            assert abs(width / height - 16 / 9) < 0.01, path.name
    for scorecard in (from_pdf[1], from_deck[1]):
        with Image.open(scorecard) as image:
            colours = {colour for _, colour in image.convert("RGB").getcolors(1 << 20)}
        for status in ("On track", "Watch"):
            fill = tuple(int(STATUS_FILLS[status][0][i:i + 2], 16) for i in (0, 2, 4))
            assert fill in colours, (scorecard.name, status)


def test_each_theme_slide_leads_with_the_indicator_its_page_opens_on(content):
    """First time entrants (2021/22) is stale beside the quarterly figures: the Reoffending
    slide's chart and statement are on the youth reoffending rate, as the page's are."""
    reoffending = next(t for t in content.themes if t.title == "Reoffending")
    fte = indicator("reoff_first_time_entrants")["title"]
    assert reoffending.figures[0]["Indicator"] == fte
    # The stale figure says so, on its tile and in the scorecard; the current ones do not.
    for rows in (reoffending.figures, content.scorecard):
        assert {r["Indicator"] for r in rows if "(stale" in r["Period"]} == {fte}
    assert reoffending.chart_title == indicator("reoff_youth_reoffending_rate")["title"]
    assert reoffending.statement.startswith("Youth reoffending") or \
        "reoffending rate" in reoffending.statement.lower()


def test_long_tables_share_their_rows_evenly_over_the_fewest_pages():
    """23 rows where ten fit a page: three pages of 8, 8 and 7, not 10, 10 and 3."""
    rows = [{"A": f"row {i}", "B": "words " * 6} for i in range(23)]
    widths = [1.0, 3.0]
    room = row_height(["A", "B"], widths, 10) * 11 + 0.01  # the header and ten rows
    pages = paginate(rows, ["A", "B"], widths, 10, room)
    assert [len(p) for p in pages] == [8, 8, 7]
    assert [r for p in pages for r in p] == rows
    assert [len(p) for p in paginate(rows[:10], ["A", "B"], widths, 10, room)] == [10]


def test_the_cover_says_when_the_sources_end_at_different_dates(seeded_store_file):
    """The police.uk months moved on a quarter: the cover says police.uk figures end in
    March 2024 and the officers' in December 2023."""
    data = pack_data(Store(f"sqlite:///{seeded_store_file}"), None)  # read only
    observations = data.observations.copy()
    police = observations["indicator_id"].str.startswith("police_")
    observations.loc[police, "period_start"] = (
        pd.to_datetime(observations.loc[police, "period_start"]) + pd.DateOffset(months=3)
    ).dt.strftime("%Y-%m-%d")
    moved = dataclasses.replace(data, observations=observations)
    content = build_content(moved, BOARD, "quarter", None, "Board", partner=False)
    assert content.subtitle.endswith(" · Police.uk figures to March 2024; officers' figures "
                                     "to December 2023.")
    assert "Police.uk figures" not in build_content(data, BOARD, "quarter", None, "Board",
                                                    partner=False).subtitle


def test_figures_use_each_areas_newest_population_however_the_rows_come(store):
    """Two years of population held, the older listed last (as a database may return them):
    the pack's rates per 1,000 are from the newest year, as the charts' are."""
    data = pack_data(store, None)
    older = data.population.assign(year=data.population["year"] - 1,
                                   population=data.population["population"] * 2)
    mixed = dataclasses.replace(data, population=pd.concat([data.population, older]))
    packs = [build_content(d, BOARD, "quarter", None, "Board 15 December 2023", partner=False,
                           meeting_date=dt.date(2023, 12, 15)) for d in (data, mixed)]

    def statement(pack, theme):
        return next(t.statement for t in pack.themes if t.title == theme)

    assert "per 1,000 residents)" in statement(packs[0], "Domestic abuse")
    for theme in THEMES.values():
        assert statement(packs[1], theme) == statement(packs[0], theme)
