"""bench/results.json and BENCHMARKS.md from one run's measures, with the machine and the
versions they were taken on."""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
MARKDOWN = ROOT / "BENCHMARKS.md"
GAINS = ROOT / "bench" / "gains.md"
PACKAGES = ["streamlit", "pandas", "altair", "pydeck", "SQLAlchemy", "python-calamine",
            "openpyxl", "playwright"]


def machine() -> dict:
    memory_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text()
                         .splitlines() if line.startswith("MemTotal")))
    return {"cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024 ** 2, 1),
            "cpu": _cpu_name(), "python": platform.python_version(),
            "chromium": _command(["chromium", "--version"]),
            "packages": {name: metadata.version(name) for name in PACKAGES},
            "commit": _command(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
            "load_average_before": os.getloadavg()[0],
            "when": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()}


def met(value: float | None, target: float, lower_is_better: bool = True) -> bool | None:
    """Whether a figure meets its target; None when it was not measured."""
    if value is None:
        return None
    return value < target if lower_is_better else value > target


def write(results: dict) -> None:
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    MARKDOWN.write_text(markdown(results))


def markdown(results: dict) -> str:
    info = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `.venv/bin/python -m bench` (README: Benchmarks); the figures are also in "
        "`bench/results.json`. Timings are medians of several runs. Benchmarks are not tests: "
        "no test fails on a time.",
        "",
        f"Measured {info['when']} on commit {info['commit']}: {info['cores']} cores "
        f"({info['cpu']}), {info['memory_gb']} GB memory, Python {info['python']}, "
        f"{info['chromium']}; load average {info['load_average_before']:.2f} at the start. "
        + ", ".join(f"{k} {v}" for k, v in info["packages"].items()) + ".",
        "",
        "| measure | target | figure | met | the naive way, or the bare page |",
        "|---|---|---|---|---|",
    ]
    for row in results["measures"]:
        mark = {True: "yes", False: "**no**", None: "not measured"}[row["met"]]
        lines.append(f"| {row['measure']} | {row['target']} | {row['figure']} | {mark} | "
                     f"{row.get('comparison', '')} |")
    lines += ["", "## Details", ""]
    for row in results["measures"]:
        stamp = f" (measured {row['measured']})" if row.get("measured") else ""
        lines.append(f"- **{row['measure']}**: {row.get('details') or 'as above'}{stamp}")
    if GAINS.exists():
        lines += ["", GAINS.read_text().strip()]
    return "\n".join(lines) + "\n"


def _cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _command(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "not found"
