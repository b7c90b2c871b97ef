"""The data the benchmarks run on, built from the project's own sample data with a fixed
seed and kept in bench/.work between runs (delete the folder to rebuild):

- a year of police.uk street crime: the twelve 2023 months in sample_data/police_uk;
- a 200,000-row officer spreadsheet in the upload template's long layout;
- five years of force-wide police.uk data (about 600,000 incidents): each 2023 month is
  written for 2019 to 2023, twice over, the second copy with new crime IDs, so volumes are
  those of a force about twice the size of the sample area over five years.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import random
import shutil
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from data_loaders import geography as geo
from data_loaders.catalogue import catalogue_frame
from data_loaders.ingest import ingest_paths, load_sample_data, sample_files
from data_loaders.store import Store

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(__file__).resolve().parent / ".work"
POLICE_YEAR = sorted((ROOT / "sample_data" / "police_uk").glob("*.csv.gz"))
OFFICER_ROWS = 200_000
FIVE_YEARS = range(2019, 2024)
SEED = 20231


def reference_files() -> list[Path]:
    return sample_files()[0][0]


def reference_store() -> Path:
    """A SQLite store holding only the reference data (areas, population, boundaries): what
    police.uk counts need before they can be placed in beats and districts."""
    path = WORK / "reference.sqlite"
    if not path.exists():
        WORK.mkdir(exist_ok=True)
        ingest_paths(reference_files(), Store(f"sqlite:///{path}"), "bench")
    return path


def sample_store() -> Path:
    """The store a new server seeds itself with: every sample file and the action log."""
    path = WORK / "sample.sqlite"
    if not path.exists():
        WORK.mkdir(exist_ok=True)
        load_sample_data(Store(f"sqlite:///{path}"))
    return path


def officer_xlsx(rows: int = OFFICER_ROWS) -> Path:
    """An officer's long table (District, Period, Measure, Value) of ``rows`` rows: every
    catalogue measure for every district, the county and the board, month by month back from
    Dec 2024 as far as the rows need. Values are in each measure's unit's range."""
    path = WORK / f"officer-{rows}.xlsx"
    if path.exists():
        return path
    WORK.mkdir(exist_ok=True)
    rng = random.Random(SEED)
    catalogue = catalogue_frame()
    measures = catalogue[catalogue["source"].str.contains("police.uk") == False]  # noqa: E712
    areas = [*geo.DISTRICTS.values(), geo.COUNTY_NAME, geo.BOARD_NAME]
    per_month = len(measures) * len(areas)
    months = pd.period_range(end="2024-12", periods=-(-rows // per_month), freq="M")[::-1]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append(["District", "Period", "Measure", "Value"])
    written = 0
    for month in months:
        label = month.strftime("%b %Y")
        for measure in measures.itertuples():
            for area in areas:
                if written == rows:
                    break
                sheet.append([area, label, measure.title, _value(measure.unit, rng)])
                written += 1
    book.save(path)
    return path


def _value(unit: str, rng: random.Random) -> float:
    if unit == "percent":
        return round(rng.uniform(20, 95), 1)
    if unit in ("rate_per_1000", "ratio"):
        return round(rng.uniform(0.5, 40), 2)
    if unit == "days":
        return rng.randint(1, 90)
    return rng.randint(0, 900)


def five_years_police() -> list[Path]:
    """Sixty monthly police.uk files, Jan 2019 to Dec 2023, about 10,000 rows each."""
    folder = WORK / "police-5y"
    paths = [folder / f"{year}-{path.name[5:]}" for year in FIVE_YEARS for path in POLICE_YEAR]
    if all(p.exists() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    for source in POLICE_YEAR:
        month = pd.read_csv(source, dtype=str, keep_default_na=False)
        copy = month.copy()
        copy["Crime ID"] = copy["Crime ID"].map(_new_id)  # ASB rows (no ID) stay distinct
        doubled = pd.concat([month, copy], ignore_index=True)  # by their occurrence number
        for year in FIVE_YEARS:
            shifted = doubled.assign(Month=str(year) + doubled["Month"].str[4:],
                                     **{"Crime ID": doubled["Crime ID"].map(
                                         lambda i, y=year: _new_id(i, y) if i else i)})
            buffer = io.StringIO()
            shifted.to_csv(buffer, index=False)
            target = folder / f"{year}-{source.name[5:]}"
            target.write_bytes(gzip.compress(buffer.getvalue().encode("utf-8"), 1))
    return paths


def _new_id(crime_id: str, salt: object = "copy") -> str:
    return hashlib.sha256(f"{crime_id}|{salt}".encode()).hexdigest() if crime_id else ""


def five_years_store() -> Path:
    """The sample store plus five years of force-wide police.uk data."""
    path = WORK / "five-years.sqlite"
    if not path.exists():
        partial = path.with_suffix(".partial")
        shutil.copy(sample_store(), partial)
        store = Store(f"sqlite:///{partial}")
        files = five_years_police()
        for start in range(0, len(files), 12):  # a year a batch, as an officer would
            ingest_paths(files[start:start + 12], store, "bench")
        store.engine.dispose()
        partial.rename(path)
    return path


def copy_of(path: Path, name: str) -> Path:
    """A private copy of a store, so a benchmark's writes never change the prepared one."""
    target = WORK / "runs" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copy(path, target)
    return target
