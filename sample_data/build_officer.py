"""Build the officers' sample spreadsheets (sample_data/officer/): GENERATED figures for the
indicators police.uk does not carry, calibrated to the board's 2023/24 Q1 report, and the
board paper's own Domestic Abuse Dashboard table in its wide layout.

Run by developers: ``.venv/bin/python sample_data/build_officer.py``. The figures are fixed by
the seed; tests/test_build_officer.py checks the committed workbooks read to the same values as
a fresh build, and that the county figures for Q1 2023/24 and Q1 2022/23 are the report's.
The workbooks go through the same reader as an officer's upload.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project root is not on the path
    sys.path.insert(0, str(ROOT))

from data_loaders import geography as geo  # noqa: E402
from data_loaders.catalogue import indicator  # noqa: E402
from data_loaders.periods import period_label, quarter_start  # noqa: E402

OUT = Path(__file__).resolve().parent / "officer"
POPULATION = Path(__file__).resolve().parent / "reference" / "population.csv"
BOARD_PAPERS = Path(__file__).resolve().parents[2] / "shared" / "board-papers"
SEED = 20230630
LONG_FILE = "board_indicators_sample.xlsx"
WIDE_FILE = "domestic_abuse_dashboard_2019-20.xlsx"

FIRST_FY, LAST_FY, LAST_QUARTER = 2020, 2023, 3  # Q1 2020/21 to Q3 2023/24
PREV_ANCHOR, LAST_ANCHOR = (2022, 1), (2023, 1)  # the report's "prev" and "last" quarters
SAMPLE_NOTE = ("SAMPLE DATA: generated figures, calibrated to the board's 2023/24 Q1 report; "
               "not real figures.")

# County (Leicestershire) figures from the 2023/24 Q1 report: (last, prev); prev None where the
# report gives none (one is generated). Rates per 1,000 are rolling 12 months.
RATES = {
    "crime_total_recorded": (73.84, 74.12),
    "crime_residential_burglary": (2.99, 2.28),
    "crime_business_burglary": (1.18, 1.19),
    "crime_vehicle_offences": (5.53, 5.51),
    "crime_violence_with_injury": (9.84, None),
    "da_violence_with_injury": (3.88, None),
    "da_sexual_offences": (2.77, None),
    "asb_police_incidents": (6.57, 6.14),
    "asb_sentinel_cases": (6.51, 12.67),
    "hate_crimes": (1.75, 1.73),
    "hate_racial_religious": (0.83, 0.86),
}
SURVEYS = {  # % agreeing, from the Leicestershire Police community-based survey
    "asb_survey_decreased": (69.70, 90.35),
    "asb_survey_feel_safe": (70.61, 78.72),
    "hate_survey_get_on_well": (87.04, 90.20),
}
DA_RATE_PER_1000 = 17.32  # domestic crimes and incidents in the 12 months to June 2023
FIRST_TIME_ENTRANTS = {2014: 190, 2015: 124, 2016: 126, 2017: 101, 2018: 100, 2019: 111,
                       2020: 88, 2021: 84}  # the report's yearly series, 2014/15 to 2021/22
YOUTH_REOFFENDING = (0.53, 0.77)
ETE_AT_DISPOSAL = ((35, 55), (27, 51))  # (numerator, denominator): 63.6% and 52.9%
MARAC_REPEAT = ((333, 900), 51)  # 37% in the 12 months to June 2023; the peak was 51%
# UAVA services: (name, share of the people waiting, mean days waited), after the board paper.
SERVICES = {"isva": ("ISVA", 0.08, 30), "idva": ("IDVA", 0.02, 5),
            "outreach": ("Outreach", 0.25, 25), "dv_counselling": ("DV counselling", 0.25, 70),
            "sv_counselling": ("SV counselling", 0.20, 150), "group": ("Group", 0.20, 60)}


def quarters() -> list[tuple[int, int]]:
    """(fy start year, quarter) from Q1 2020/21 to Q3 2023/24."""
    return [(fy, q) for fy in range(FIRST_FY, LAST_FY + 1) for q in range(1, 5)
            if (fy, q) <= (LAST_FY, LAST_QUARTER)]


def quarter_name(fy: int, q: int) -> str:
    return period_label(quarter_start(fy, q).isoformat(), "quarter")


def load_population() -> dict[str, float]:
    frame = pd.read_csv(POPULATION)
    return dict(zip(frame["area_code"], frame["population"]))


def anchored_path(rng, last: float, prev: float, noise: float = 0.025) -> np.ndarray:
    """A quarterly series through ``prev`` at Q1 2022/23 and ``last`` at Q1 2023/24, drifting
    smoothly elsewhere; the two anchors are exact."""
    steps = quarters()
    i_prev, i_last = steps.index(PREV_ANCHOR), steps.index(LAST_ANCHOR)
    slope = (last - prev) / (i_last - i_prev)
    early = slope * rng.uniform(0.3, 1.2)  # the trend before the anchors, damped or not
    late = slope * rng.uniform(-0.5, 0.8)
    path = []
    for i in range(len(steps)):
        if i <= i_prev:
            base = prev + early * (i - i_prev)
        elif i <= i_last:
            base = prev + slope * (i - i_prev)
        else:
            base = last + late * (i - i_last)
        path.append(base * (1 + rng.normal(0, noise)))
    path = np.maximum(np.array(path), 0.05 * last)
    path[i_prev], path[i_last] = prev, last
    return path


def split(rng, total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` shared out in proportion to ``weights`` as whole numbers (largest remainder)."""
    raw = total * weights / weights.sum()
    whole = np.floor(raw).astype(int)
    order = np.argsort(-(raw - whole), kind="stable")
    whole[order[: total - whole.sum()]] += 1
    return whole


class Builder:
    """Collects long-table rows: one per area, period and measure."""

    def __init__(self, seed: int = SEED):
        self.rng = np.random.default_rng(seed)
        self.population = load_population()
        self.county = list(geo.COUNTY_DISTRICTS)
        self.rutland = "E06000017"
        self.rows: list[dict] = []

    def add(self, indicator_id: str, area_code: str, period: str, value, numerator=None,
            denominator=None) -> None:
        self.rows.append({"District": geo.area_name(area_code), "Period": period,
                          "Measure": indicator(indicator_id)["title"], "Value": value,
                          "Numerator": numerator, "Denominator": denominator})

    def district_factors(self, spread: float) -> np.ndarray:
        """How far each of the seven county districts sits from the county, and Rutland's."""
        return np.exp(self.rng.normal(0, spread, len(self.county) + 1))

    def rate(self, indicator_id: str, last: float, prev: float | None) -> None:
        """Rolling 12-month rate per 1,000 for every district, the county and the board area,
        from whole counts (the numerator) and mid-2022 population (the denominator)."""
        prev = prev if prev is not None else round(last * self.rng.uniform(0.9, 1.1), 2)
        path = anchored_path(self.rng, last, prev)
        factors = self.district_factors(0.25)
        pops = np.array([self.population[c] for c in self.county])
        county_pop = self.population[geo.COUNTY_CODE]
        for (fy, q), county_rate in zip(quarters(), path):
            period = quarter_name(fy, q)
            county_count = round(county_rate * county_pop / 1000)
            weights = pops * factors[:-1] * np.exp(self.rng.normal(0, 0.04, len(pops)))
            counts = split(self.rng, county_count, weights)
            rutland = round(county_rate * factors[-1] * self.population[self.rutland] / 1000)
            for code, count in [*zip(self.county, counts), (self.rutland, rutland),
                                (geo.COUNTY_CODE, county_count),
                                (geo.BOARD_CODE, county_count + rutland)]:
                pop = self.population[code]
                self.add(indicator_id, code, period, round(count / pop * 1000, 2), int(count),
                         int(pop))

    def survey(self, indicator_id: str, last: float, prev: float) -> None:
        """% agreeing: respondents shared by population (10,000 a quarter in the county), with
        the county's share agreeing exactly the report's figure at the anchors."""
        path = anchored_path(self.rng, last, prev, noise=0.015)
        factors = self.district_factors(0.04)
        pops = np.array([self.population[c] for c in self.county])
        for (fy, q), county_pct in zip(quarters(), path):
            period = quarter_name(fy, q)
            asked = split(self.rng, 10_000, pops)
            agreed_total = round(county_pct * 100)
            weights = asked * np.minimum(factors[:-1] * county_pct, 99) / 100
            agreed = np.minimum(split(self.rng, agreed_total, weights), asked)
            rutland_asked = int(self.rng.integers(500, 700))
            rutland_agreed = round(rutland_asked * min(county_pct * factors[-1], 99) / 100)
            for code, yes, n in [*zip(self.county, agreed, asked),
                                 (self.rutland, rutland_agreed, rutland_asked),
                                 (geo.COUNTY_CODE, int(agreed.sum()), int(asked.sum())),
                                 (geo.BOARD_CODE, int(agreed.sum()) + rutland_agreed,
                                  int(asked.sum()) + rutland_asked)]:
                self.add(indicator_id, code, period, round(yes / n * 100, 2), int(yes), int(n))

    def counts(self, indicator_id: str, county_quarters: np.ndarray, spread: float = 0.2
               ) -> dict[str, np.ndarray]:
        """Quarterly counts for the districts, the county (their sum) and the board area."""
        factors = self.district_factors(spread)
        pops = np.array([self.population[c] for c in self.county])
        by_area = {code: [] for code in [*self.county, self.rutland]}
        for (fy, q), total in zip(quarters(), county_quarters):
            period = quarter_name(fy, q)
            weights = pops * factors[:-1] * np.exp(self.rng.normal(0, 0.06, len(pops)))
            shares = split(self.rng, int(total), weights)
            rutland = int(self.rng.poisson(total * factors[-1] * self.population[self.rutland]
                                           / pops.sum()))
            for code, count in [*zip(self.county, shares), (self.rutland, rutland)]:
                by_area[code].append(int(count))
                self.add(indicator_id, code, period, int(count))
            self.add(indicator_id, geo.COUNTY_CODE, period, int(shares.sum()))
            self.add(indicator_id, geo.BOARD_CODE, period, int(shares.sum()) + rutland)
        return {code: np.array(values) for code, values in by_area.items()}

    def seasonal_counts(self, yearly: float) -> np.ndarray:
        """County quarterly counts around ``yearly``/4 with a summer peak."""
        season = {1: 1.06, 2: 1.04, 3: 0.97, 4: 0.93}
        return np.array([round(yearly / 4 * season[q] * self.rng.normal(1, 0.03))
                         for _, q in quarters()])

    def domestic_abuse(self) -> None:
        """Crimes and incidents, calibrated so the county's 12 months to June 2023 give the
        report's 17.32 per 1,000; split into offences and incidents per district."""
        county = self.seasonal_counts(DA_RATE_PER_1000 * self.population[geo.COUNTY_CODE]
                                      / 1000)
        steps = quarters()
        window = slice(steps.index(LAST_ANCHOR) - 3, steps.index(LAST_ANCHOR) + 1)
        target = round(DA_RATE_PER_1000 * self.population[geo.COUNTY_CODE] / 1000)
        county[window.stop - 1] += target - county[window].sum()
        totals = self.counts("da_crimes_incidents", county, spread=0.15)
        for i, (fy, q) in enumerate(steps):
            sums = {"county": np.zeros(2, int), "board": np.zeros(2, int)}
            for code, series in totals.items():
                crimes = int(self.rng.binomial(series[i], 0.52))
                pair = np.array([crimes, series[i] - crimes])
                sums["board"] += pair
                if code in self.county:
                    sums["county"] += pair
                self._add_pair(code, quarter_name(fy, q), pair)
            self._add_pair(geo.COUNTY_CODE, quarter_name(fy, q), sums["county"])
            self._add_pair(geo.BOARD_CODE, quarter_name(fy, q), sums["board"])

    def _add_pair(self, code: str, period: str, pair: np.ndarray) -> None:
        self.add("da_offences", code, period, int(pair[0]))
        self.add("da_incidents", code, period, int(pair[1]))

    def asb_categories(self) -> None:
        """Personal, environmental and nuisance ASB incidents per quarter."""
        yearly = RATES["asb_police_incidents"][0] * self.population[geo.COUNTY_CODE] / 1000
        for indicator_id, share in (("asb_personal", 0.27), ("asb_environmental", 0.11),
                                    ("asb_nuisance", 0.62)):
            self.counts(indicator_id, self.seasonal_counts(yearly * share))

    def services(self) -> None:
        """Domestic abuse service (UAVA) figures per district and quarter, with the waiting
        list and days waiting by service as the board paper shows them (totals are the sums
        of the services; average days are weighted by the people waiting)."""
        for (fy, q) in quarters():
            period = quarter_name(fy, q)
            county = {k: 0 for k in ("ref", "c48", "c72", "closed", "positive")}
            county_waiting = np.zeros(len(SERVICES), int)
            county_days = np.zeros(len(SERVICES))  # total days waited, per service
            for code in [*self.county, self.rutland]:
                referrals = int(self.rng.poisson(self.population[code] / 1000 * 0.55))
                within_48 = int(self.rng.binomial(referrals, 0.78))
                within_72 = within_48 + int(self.rng.binomial(referrals - within_48, 0.55))
                closed = int(self.rng.binomial(referrals, 0.85))
                positive = int(self.rng.binomial(closed, 0.74))
                self._add_service_rates(code, period, referrals, within_48, within_72, closed,
                                        positive)
                waiting = self.rng.multinomial(
                    int(self.rng.poisson(self.population[code] / 1000 * 0.3)),
                    [share for _, share, _ in SERVICES.values()])
                days = np.array([round(float(self.rng.gamma(4, mean / 4)), 1)
                                 for _, _, mean in SERVICES.values()])
                self._add_waiting(code, period, waiting, days)
                if code in self.county:
                    for key, value in zip(county, (referrals, within_48, within_72, closed,
                                                   positive)):
                        county[key] += value
                    county_waiting += waiting
                    county_days += waiting * days
            self._add_service_rates(geo.COUNTY_CODE, period, *county.values())
            with np.errstate(invalid="ignore", divide="ignore"):
                averages = np.where(county_waiting > 0, county_days / county_waiting, 0.0)
            self._add_waiting(geo.COUNTY_CODE, period, county_waiting, averages.round(1))

    def _add_service_rates(self, code, period, referrals, within_48, within_72, closed,
                           positive) -> None:
        self.add("da_referrals_accepted", code, period, referrals)
        for indicator_id, part, whole in (("da_contact_within_48h", within_48, referrals),
                                          ("da_contact_within_72h", within_72, referrals),
                                          ("da_positive_closures", positive, closed)):
            self.add(indicator_id, code, period, round(part / whole * 100, 2), part, whole)

    def _add_waiting(self, code, period, waiting: np.ndarray, days: np.ndarray) -> None:
        """People waiting and average days waiting per service, and their totals."""
        for key, count, average in zip(SERVICES, waiting, days):
            self.add(f"da_waiting_{key}", code, period, int(count))
            self.add(f"da_days_waiting_{key}", code, period, float(average))
        total = int(waiting.sum())
        self.add("da_waiting_list", code, period, total)
        self.add("da_average_days_waiting", code, period,
                 round(float((waiting * days).sum() / total), 1) if total else 0.0)

    def youth_justice(self) -> None:
        """County-only youth justice figures: first time entrants per year (the report's own
        series), the reoffending rate and ETE at disposal per quarter."""
        for fy, count in FIRST_TIME_ENTRANTS.items():
            self.add("reoff_first_time_entrants", geo.COUNTY_CODE, f"{fy}/{str(fy + 1)[2:]}",
                     count)
        for (fy, q), value in zip(quarters(), anchored_path(self.rng, *YOUTH_REOFFENDING)):
            self.add("reoff_youth_reoffending_rate", geo.COUNTY_CODE, quarter_name(fy, q),
                     round(float(value), 2))
        (last_n, last_d), (prev_n, prev_d) = ETE_AT_DISPOSAL
        path = anchored_path(self.rng, last_n / last_d, prev_n / prev_d, noise=0.06)
        for (fy, q), share in zip(quarters(), path):
            cohort = int(self.rng.integers(40, 65))
            engaged = round(min(share, 1) * cohort)
            if (fy, q) == LAST_ANCHOR:
                engaged, cohort = last_n, last_d
            elif (fy, q) == PREV_ANCHOR:
                engaged, cohort = prev_n, prev_d
            self.add("reoff_ete_at_disposal", geo.COUNTY_CODE, quarter_name(fy, q),
                     round(engaged / cohort * 100, 1), engaged, cohort)

    def marac(self) -> None:
        """MARAC repeat referral rate over the rolling 12 months: a peak of 51% in 2021/22
        falling to 37% in the 12 months to June 2023."""
        (repeats, cases), peak = MARAC_REPEAT
        steps = quarters()
        for i, (fy, q) in enumerate(steps):
            if (fy, q) == LAST_ANCHOR:
                pct, n = repeats / cases * 100, cases
            else:
                pct = peak if (fy, q) == (2021, 2) else float(
                    np.clip(peak - abs(i - 5) * 1.6 + self.rng.normal(0, 1.2), 30, peak - 0.5))
                n = int(self.rng.integers(820, 980))
            k = round(pct / 100 * n)
            self.add("da_marac_repeat_rate", geo.COUNTY_CODE, quarter_name(fy, q),
                     round(k / n * 100, 1), k, n)

    def build(self) -> pd.DataFrame:
        for indicator_id, (last, prev) in RATES.items():
            self.rate(indicator_id, last, prev)
        for indicator_id, (last, prev) in SURVEYS.items():
            self.survey(indicator_id, last, prev)
        self.domestic_abuse()
        self.asb_categories()
        self.services()
        self.youth_justice()
        self.marac()
        return pd.DataFrame(self.rows)


def long_workbook(rows: pd.DataFrame) -> bytes:
    """An officer's workbook: a cover sheet first (the reader finds the data by content), then
    the long table."""
    workbook = Workbook()
    cover = workbook.active
    cover.title = "About"
    for line in ("Safer Communities Strategy Board: quarterly indicators", SAMPLE_NOTE,
                 "One row per district, period and measure. Rates are per 1,000 residents over "
                 "the rolling 12 months; the numerator is the count and the denominator the "
                 "ONS mid-2022 population.",
                 "Built by sample_data/build_officer.py."):
        cover.append([line])
    cover["A1"].font = Font(bold=True, size=14)
    data = workbook.create_sheet("Data")
    data.append(list(rows.columns))
    for record in rows.itertuples(index=False):
        data.append([None if pd.isna(v) else v for v in record])
    return _save(workbook)


def board_paper_table() -> list[list[str]]:
    """The Domestic Abuse Dashboard table of board-papers/000_*.txt: title lines and the
    tab-separated rows from the year headers to the county row."""
    [paper] = sorted(BOARD_PAPERS.glob("000_*.txt"))
    lines = paper.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Domestic Abuse Dashboard:"))
    header = next(i for i in range(start, len(lines)) if lines[i].startswith("\tFY "))
    end = next(i for i in range(header, len(lines)) if lines[i].startswith("Leicestershire\t"))
    titles = [[lines[start].strip()], [lines[start + 1].strip()]]
    return titles + [line.split("\t") for line in lines[header:end + 1]]


def wide_workbook(table: list[list[str]]) -> bytes:
    """The board paper's table as the analyst's xlsx: title rows, merged year headers, figures
    as numbers and the % change as a fraction shown as a percentage."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "DA dashboard"
    for row in table:
        cells = []
        for text in row:
            text = text.strip()
            plain = text.replace(",", "").rstrip("%")
            if plain.lstrip("-").replace(".", "", 1).isdigit() and not text.startswith("FY"):
                cells.append(float(plain) / 100 if text.endswith("%") else int(float(plain)))
            else:
                cells.append(text or None)
        sheet.append(cells)
        if any(isinstance(c, float) for c in cells):
            sheet.cell(sheet.max_row, cells.index(next(c for c in cells
                                                        if isinstance(c, float))) + 1
                       ).number_format = "0.0%"
    year_row = 3  # after the two title rows
    sheet.merge_cells(start_row=year_row, start_column=2, end_row=year_row, end_column=6)
    sheet.merge_cells(start_row=year_row, start_column=7, end_row=year_row, end_column=11)
    return _save(workbook)


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build() -> dict[str, bytes]:
    """File name -> workbook bytes for every officer sample file."""
    return {LONG_FILE: long_workbook(Builder().build()),
            WIDE_FILE: wide_workbook(board_paper_table())}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, data in build().items():
        (OUT / name).write_bytes(data)
        print(f"wrote {OUT / name} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
