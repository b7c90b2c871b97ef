"""python -m bench [--quick] [--only NAMES]: build the data, measure, write bench/results.json
and BENCHMARKS.md. Takes about ten minutes (two with --quick) and wants a quiet machine."""
from __future__ import annotations

import argparse
import json
import sys

from data_loaders.workers import pool

from . import browser, ingest, load, pages, report
from .datasets import copy_of, five_years_police, five_years_store, sample_store

ALL = ["ingest", "pages", "browser", "load", "five_years"]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    runs = 2 if args.quick else 3
    seconds = 15.0 if args.quick else load.DURATION
    chosen = args.only.split(",") if args.only else ALL
    previous = json.loads(report.RESULTS.read_text()) if report.RESULTS.exists() else {}
    kept = {row["id"]: row for row in previous.get("measures", [])}
    info = report.machine()
    measures = {}
    if "ingest" in chosen:
        measures.update(_ingest(runs))
    if "pages" in chosen:
        measures.update(_pages(runs))
    if "browser" in chosen:
        measures.update(_browser(runs))
    if "load" in chosen:
        measures.update(_load(seconds, runs))
        measures.update(_load_upload(seconds, runs))
        measures.update(_load_two_servers(seconds))
    if "five_years" in chosen:
        measures.update(_five_years(runs, seconds))
    for row in measures.values():  # rows kept from an earlier run keep their own stamp
        row["measured"] = f"{info['when'][:16]} UTC, commit {info['commit']}"
    rows = [measures.get(key) or kept.get(key) for key in ORDER if measures.get(key) or
            kept.get(key)]
    report.write({"machine": info, "measures": rows})
    for row in rows:
        print(f"{row['measure']}: {row['figure']} (target {row['target']}; met: {row['met']})")
    return 0


ORDER = ["police_ingest", "officer_ingest", "startup", "filter_change", "map_change", "load",
         "load_upload", "load_two_servers", "memory", "five_years_filter_change"]


def _row(key, measure, target, figure, met, comparison="", details="", **numbers) -> dict:
    return {key: {"id": key, "measure": measure, "target": target, "figure": figure,
                  "met": met, "comparison": comparison, "details": details, **numbers}}


def _ingest(runs: int) -> dict:
    # The app starts its parsing processes when the server starts (components/cache.py);
    # so does the benchmark, before the clock starts.
    pool().start(2)
    police = ingest.police_year(runs)
    officer = ingest.officer_sheet(runs)
    return {
        **_row("police_ingest", "ingest 12 months of police.uk street CSVs "
               f"({police['rows']:,} rows)", "under 2 s", f"{police['seconds']:.2f} s",
               report.met(police["seconds"], 2.0),
               f"{police['naive']}: {police['naive_seconds']:.2f} s (raw rows only)",
               "read, checked, counted by beat, district and board, previewed and stored in "
               "one transaction, as the Upload page does (which then also has the storing "
               "process save the new data for the servers, not timed here); a fresh "
               "reference-only store each run", seconds=police["seconds"],
               naive_seconds=police["naive_seconds"]),
        **_row("officer_ingest", f"ingest a {officer['rows']:,}-row officer xlsx",
               "under 6 s", f"{officer['seconds']:.2f} s", report.met(officer["seconds"], 6.0),
               f"{officer['naive']}: {officer['naive_seconds']:.1f} s (reading alone)",
               "read with python-calamine in a parsing process, every cell checked, "
               "previewed and stored", seconds=officer["seconds"],
               naive_seconds=officer["naive_seconds"]),
    }


def _pages(runs: int) -> dict:
    store = copy_of(sample_store(), "pages.sqlite")
    by_page = pages.filter_changes(store, passes=runs)
    naive = pages.naive_filter_change(store)
    worst = max(by_page, key=lambda p: by_page[p]["warm_ms"])
    return _row("filter_change", "a filter change on any page (script run, warm cache)",
                "under 150 ms", f"{by_page[worst]['warm_ms']:.0f} ms ({worst}, the slowest)",
                report.met(by_page[worst]["warm_ms"], 150),
                f"reading and counting the district's raw incidents with pandas, that alone "
                f"(no page drawn): {1000 * naive:.0f} ms",
                "; ".join(f"{p} {v['warm_ms']:.0f} ms (first showing {v['first_ms']:.0f})"
                          for p, v in by_page.items())
                + ". From the request to the server's last element, one session, sample data",
                pages=by_page, naive_ms=1000 * naive)


def _browser(runs: int) -> dict:
    store = copy_of(sample_store(), "browser.sqlite")
    start = browser.startup(store, runs)
    change = browser.map_change(store, rounds=runs)
    return {
        **_row("startup", "`streamlit run` to the overview drawn in headless Chromium",
               "at most 1.25 x the bare app", f"{start['ratio']:.2f} x "
               f"({start['seconds']:.2f} s)", report.met(start["ratio"], 1.25 + 1e-9),
               f"bare one-page app: {start['bare_seconds']:.2f} s",
               "`streamlit run serve.py` (README), which works out the first page as the server "
               "starts; a restart on data shown before; a first start, with no observations "
               f"kept on disk yet: {start['first_start_ratio']:.2f} x "
               f"({start['first_start_seconds']:.2f} s)", **start),
        **_row("map_change", "a filter change on a map page, until the map has drawn",
               "at most 1.25 x the bare map page", f"{change['ratio']:.2f} x "
               f"({change['seconds']:.2f} s)", report.met(change["ratio"], 1.25 + 1e-9),
               f"bare pydeck page, same beats and incidents: {change['bare_seconds']:.2f} s",
               "crime page, area picked in the sidebar; timed to the script idle and two "
               "frames painted after the map's canvas is in place", **change),
    }


def median_run(results: list[dict], key: str) -> dict:
    """The run whose ``key`` is the median of the runs' (the upper one of an even number),
    with every run's figure in ``<key>_runs``: one load run's p95 depends on how its first
    seconds fell out, so a row reports the middle of several.

    >>> median_run([{"p95": 0.9}, {"p95": 0.3}, {"p95": 1.4}], "p95")
    {'p95': 0.9, 'p95_runs': [0.9, 0.3, 1.4]}
    """
    ranked = sorted((r for r in results if r.get(key) is not None), key=lambda r: r[key])
    middle = ranked[len(ranked) // 2] if ranked else results[0]
    return {**middle, f"{key}_runs": [r.get(key) for r in results]}


def _runs_text(values: list[float | None]) -> str:
    return ", ".join("none" if v is None else f"{v:.2f}" for v in values) + " s"


def _load(seconds: float, runs: int) -> dict:
    result = median_run([load.run_load(copy_of(sample_store(), "load.sqlite"),
                                       duration=seconds) for _ in range(runs)], "p95_seconds")
    return _row("load", f"{result['sessions']} sessions, each changing a filter every 2 s for "
                f"{seconds:.0f} s", "p95 under 1 s, no errors",
                f"p95 {result['p95_seconds']:.2f} s, p50 {result['p50_seconds']:.2f} s, "
                f"{result['errors']} errors",
                report.met(result["p95_seconds"], 1.0) and result["errors"] == 0, "",
                f"the median of {runs} runs (p95 {_runs_text(result['p95_seconds_runs'])}), "
                f"each {result['filter_changes']} filter changes on one server process, "
                f"started fresh; after its first {load.SETTLING:.0f} s (every page meeting "
                "each area for the first time on the data, worked out once) p95 "
                f"{result['p95_after_first_seconds']:.2f} s; pages opening p95 "
                f"{result['opens_p95_seconds']:.2f} s", **result)


def _load_upload(seconds: float, runs: int) -> dict:
    """Issue 6's "a slow upload in one session must not stall the others": the same
    sessions while an officer uploads a year of police.uk data through the Upload page."""
    upload = load.upload_files(five_years_police()[:12])  # 2019: not yet in the store
    result = median_run([load.run_load(copy_of(sample_store(), "load-upload.sqlite"),
                                       duration=seconds, upload=upload)
                         for _ in range(runs)], "p95_during_upload_seconds")
    during = result.get("p95_during_upload_seconds")
    return _row("load_upload", "the same, while an officer uploads 12 months of police.uk "
                "data through the Upload page", "the others' p95 during the upload under 1 s",
                f"during the upload p95 {during:.2f} s (the upload took "
                f"{result['upload_seconds']:.1f} s)" if during is not None else
                result.get("upload_error", "no figure"),
                report.met(during, 1.0) and result["errors"] == 0 if during is not None
                else False, "",
                f"the median of {runs} runs (p95 during "
                f"{_runs_text(result['p95_during_upload_seconds_runs'])}), each "
                f"{result['filter_changes']} filter changes, {result['errors']} errors; p95 "
                f"outside the upload {result.get('p95_outside_upload_seconds') or 0:.2f} s, "
                f"of which the first {load.AFTER_UPLOAD:.0f} s after it landed (every page "
                "working out its figures for the new data once) "
                f"{result.get('p95_after_upload_seconds') or 0:.2f} s; p95 of the whole run "
                f"{result['p95_seconds']:.2f} s", **result)


def _load_two_servers(seconds: float) -> dict:
    """The same sessions (no upload) on two app processes on one store, each session staying
    on one, as behind the sticky proxy docs/deploying.md describes."""
    result = load.run_load(copy_of(sample_store(), "load-two.sqlite"), duration=seconds,
                           servers=2)
    return _row("load_two_servers", f"{result['sessions']} sessions as above, spread over two "
                "app processes on one store (sticky sessions)", "p95 under 1 s, no errors",
                f"p95 {result['p95_seconds']:.2f} s, p50 {result['p50_seconds']:.2f} s, "
                f"{result['errors']} errors",
                report.met(result["p95_seconds"], 1.0) and result["errors"] == 0, "",
                f"{result['filter_changes']} filter changes; for a board area with more users "
                f"than one process serves; memory of both {result['peak_rss_mb']:.0f} MB",
                **result)


def _five_years(runs: int, seconds: float) -> dict:
    store = five_years_store()
    by_page = pages.filter_changes(copy_of(store, "five-pages.sqlite"), passes=runs)
    worst = max(by_page, key=lambda p: by_page[p]["warm_ms"])
    result = load.run_load(copy_of(store, "five-load.sqlite"), duration=seconds)
    return {
        **_row("memory", "server memory (RSS) with 5 years of force-wide data and "
               f"{result['sessions']} sessions", "under 600 MB",
               f"{result['peak_rss_mb']:.0f} MB", report.met(result["peak_rss_mb"], 600),
               "", "peak of the server and its parsing processes, sampled every 0.25 s "
               f"through the load run (p95 page time there {result['p95_seconds']:.2f} s)",
               **{f"load_{k}": v for k, v in result.items()}),
        **_row("five_years_filter_change", "5 years of force-wide data: a filter change",
               "under 300 ms", f"{by_page[worst]['warm_ms']:.0f} ms ({worst}, the slowest)",
               report.met(by_page[worst]["warm_ms"], 300), "",
               "; ".join(f"{p} {v['warm_ms']:.0f} ms" for p, v in by_page.items()),
               pages=by_page),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and 15-second load runs, to try the suite out")
    parser.add_argument("--only", help=f"comma-separated, from: {','.join(ALL)}; the other "
                                       "rows are kept from the last results.json")
    return parser


if __name__ == "__main__":
    sys.exit(main())
