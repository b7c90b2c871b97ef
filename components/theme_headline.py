"""The top of a theme page: one tile per headline indicator and the position statement."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from data_loaders import geography as geo
from metrics.assessment import benchmark_area, compute_assessment
from metrics.comparison import populations_by_area
from metrics.formatting import format_change, tile_figure
from metrics.statement import compose_statement
from metrics.summary import compute_summary
from presentation.judgement_text import (
    benchmark_text,
    rag_text,
    significance_text,
    status_text,
    variation_text,
)

from .cache import (
    DataKey,
    data_read,
    load_assessments,
    load_definition_changes,
    load_observation_index,
    load_reference,
    load_view,
)
from .filters import Filters

DELTA_COLOURS = {"down_good": "inverse", "up_good": "normal", "neutral": "off"}
STALE_WARNING = "⏳ stale: no newer figure held"


def render_tiles(records: list[dict], summaries: dict, sample: set, area_code: str,
                 stale: set = frozenset()) -> None:
    """One tile per headline indicator, made to read at a distance: the one status, the
    figure with its change, what the figure is and when (marked where it is older than the
    other figures held: the ids in ``stale``), and the verdict in words. The detail
    (direction and its test, RAG, SPC variation, benchmark, definition, source) is in the
    figure's help, so the tile stays short."""
    columns = st.columns(3)
    for i, record in enumerate(records):
        row = summaries[record["id"]]
        with columns[i % 3].container(border=True):
            if row["value"] is None:
                st.metric(record["title"], "no data")
                st.caption("Not uploaded for this area yet.")
                continue
            st.markdown(f"**{status_text(row['overall'])}**")
            figure, unit_words = tile_figure(row["value"], record["unit"])
            st.metric(record["title"], figure,
                      delta=format_change(row["change_pct"]) or None,
                      delta_color=DELTA_COLOURS[record["polarity"]],
                      help=tile_detail(record, row, record["id"] in sample))
            warnings = []
            if row["figure_area"] != area_code:
                warnings.append(f"{geo.area_name(row['figure_area'])} figure")
            if row["status"] == "partial":
                warnings.append("⚠ incomplete period")
            if record["id"] in stale:
                warnings.append(STALE_WARNING)
            if record["id"] in sample:
                warnings.append("sample data")
            st.caption(" · ".join(t for t in [unit_words, row["period"], *warnings] if t))
            st.markdown(row["reason"][:1].upper() + row["reason"][1:] + ".")


def tile_detail(record: dict, row: dict, is_sample: bool) -> str:
    """The tile's help (markdown): each judgement behind the status in words, then what the
    indicator is and where it comes from."""
    change = (", ".join(t for t in [row["direction"], significance_text(
        row["significance"], row["untested"])] if t) if row["direction"]
        else f"change withheld: {row['withheld']}")
    parts = {"Change on a year earlier": change, "Target": rag_text(row["rag"]),
             "Variation": variation_text(row["variation"]),
             "Benchmark": benchmark_text(row["benchmark"], row["benchmark_area"]),
             "Sample data": "generated figures, not real ones" if is_sample else ""}
    lines = [f"{name}: {words}" for name, words in parts.items() if words]
    return ("\n".join(f"- {line}" for line in lines)
            + f"\n\n{record['definition']} Source: {record['source']}.")


def render_statement(version: DataKey, record: dict, filters: Filters) -> None:
    """The statement for the area, or for the county where the figure is county-wide."""
    st.subheader("Position statement")
    st.markdown(load_view(statement_text, version, record, filters.area_code, filters.kind,
                          filters.end, reads=data_read(version, [record["id"]], ["population"],
                                                       [record["id"]])))


def statement_text(version: DataKey, record: dict, area_code: str, kind: str,
                   end: dt.date | None) -> str:
    """The position statement (markdown) for the area and window, from the same assessment
    as the tiles (a change across a recorded definition change is withheld in both)."""
    observations = load_observation_index(version)
    populations = populations_by_area(load_reference("population", version))
    # A headline indicator's assessment is the tiles' own, already worked out and held.
    summary = load_assessments(version, record["theme"], area_code, kind,
                               end.isoformat() if end else None).get(record["id"]) or \
        compute_assessment(observations, record, area_code, kind, end, populations,
                           load_definition_changes(version), geo.COUNTY_CODE)
    whose = summary["figure_area"]
    other = benchmark_area(whose)
    theirs = compute_summary(observations, record, other, kind, end,
                             populations.get(other)) if other else None
    text = compose_statement(summary, geo.area_name(whose), theirs,
                             geo.area_name(other) if other else None, record["target"])
    if whose != area_code:
        text += f" (Only a {geo.area_name(whose)} figure is held for this indicator.)"
    return text
