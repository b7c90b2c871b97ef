"""The benchmark suite's own logic (not its timings): targets judged the right way round,
percentiles, the report, and the load client's reading of Streamlit's protocol."""
from __future__ import annotations

import asyncio

import pytest

from bench import report
from bench.load import _percentile, _summary, assign
from bench.pages import PAGES
from bench.session import Run


def test_a_figure_meets_its_target_only_when_under_it():
    assert report.met(1.9, 2.0) is True
    assert report.met(2.0, 2.0) is False
    assert report.met(2.1, 2.0) is False
    assert report.met(None, 2.0) is None


def test_percentiles_match_a_hand_count():
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert _percentile(values, 50) == pytest.approx(50.5)
    assert _percentile(values, 95) == pytest.approx(95.05)
    assert _percentile([0.3], 95) == 0.3
    assert _percentile([], 95) is None


def test_the_load_summary_counts_errors_and_leaves_page_opens_out_of_page_times():
    runs = [Run("crime-theme (open)", 9.0), Run("crime-theme", 0.2), Run("crime-theme", 0.4),
            Run("hate-crime", 0.3, errors=["KeyError: 'x'"])]
    summary = _summary(runs, 512.0, {}, sessions=2)
    assert summary["filter_changes"] == 3
    assert summary["max_seconds"] == 0.4  # the 9 s page open is not a filter change
    assert summary["errors"] == 1 and "KeyError" in summary["error_examples"][0]
    assert summary["peak_rss_mb"] == 512.0


def test_the_report_marks_each_row(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "GAINS", tmp_path / "none.md")
    info = {"when": "2026-11-23T22:00:00+00:00", "commit": "abc1234", "cores": 2,
            "cpu": "test cpu", "memory_gb": 24.0, "python": "3.11.7", "chromium": "Chromium",
            "load_average_before": 0.1, "packages": {"streamlit": "1.67.0"}}
    rows = [{"measure": "ingest", "target": "under 2 s", "figure": "1.80 s", "met": True},
            {"measure": "load", "target": "p95 under 1 s", "figure": "p95 3.2 s",
             "met": False, "details": "20 sessions"}]
    text = report.markdown({"machine": info, "measures": rows})
    assert "| ingest | under 2 s | 1.80 s | yes |" in text
    assert "| load | p95 under 1 s | p95 3.2 s | **no** |" in text
    assert "2 cores" in text and "streamlit 1.67.0" in text


@pytest.mark.browser
def test_the_load_client_runs_a_page_and_changes_a_filter(seeded_store_copy):
    """The protocol client against the real app: a page opens, the area filter's widget is
    found, and choosing another area runs the page again without an error."""
    from bench.server import SERVE, Server
    from bench.session import Session

    async def drive(url):
        async with Session(url) as session:
            opened = await session.open("hate-crime")
            changed = await session.choose("area", "Melton")
            return opened, changed, session.widget_ids

    with Server(SERVE, seeded_store_copy) as server:
        opened, changed, widgets = asyncio.run(drive(server.url))
    assert not opened.errors and not changed.errors
    assert {"area", "period", "ending"} <= set(widgets)


def test_sessions_spread_evenly_over_the_servers_and_every_page_is_visited():
    spread = assign(["one", "two"], 20)
    assert [url for url, _ in spread].count("one") == 10
    assert {page for _, page in spread} == set(PAGES)
    assert assign(["only"], 20) == [("only", page) for _, page in spread]


def test_a_load_row_reports_the_middle_run_and_every_runs_figure():
    from bench.__main__ import median_run

    runs = [{"p95": 0.9, "n": 1}, {"p95": 0.3, "n": 2}, {"p95": 1.4, "n": 3}]
    assert median_run(runs, "p95") == {"p95": 0.9, "n": 1, "p95_runs": [0.9, 0.3, 1.4]}
    # A run with no figure (an upload that did not finish) is never the middle one.
    assert median_run([{"p95": None}, {"p95": 2.0}], "p95")["p95"] == 2.0
