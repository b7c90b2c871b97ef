"""The board pack: opened back with python-pptx and pypdf, its slides, pictures, text and
figures checked against the data; its charts are the screen's; partner packs hide small
numbers; a pack from a snapshot is unchanged by a later upload and a rollback."""
from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pypdf import PdfReader

from data_loaders.catalogue import indicator
from data_loaders.ingest import ingest_paths
from data_loaders.store import Store
from metrics.comparison import compute_trend
from metrics.statement import compose_statement
from metrics.summary import compute_summary
from reports.__main__ import main as pack_command, pack_data
from reports.board_pack import SCORECARD_ROWS, build_content, pack_pdf, pack_pptx

BOARD, COUNTY, MELTON = "LRSCSB", "E10000018", "E07000133"
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
                         "Board 15 December 2023", partner=False)


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
    assert len(deck.slides) == 1 + -(-len(content.scorecard) // SCORECARD_ROWS) + 5 + \
        -(-len(content.actions) // 8) + 1


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
    row = lambda c: next(r for r in c.scorecard if r["Indicator"] == "Domestic crimes and incidents")
    assert row(officer)["Value"] == "3"
    assert row(partner)["Value"] in ("0", "5")
    deck = Presentation(io.BytesIO(pack_pptx(partner)))
    assert "Partner pack: every figure is the partners' protected one" in \
        slide_text(deck.slides[-1])
    assert "\n3 " not in "\n".join(slide_text(s) for s in deck.slides)
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
