"""The domestic abuse service measures as the board paper tables them: the measures by
district for one quarter, and the waiting list and days waiting by service and district.
Pure pandas; does not mutate its inputs."""
from __future__ import annotations

import pandas as pd

from data_loaders import geography as geo

from .series import indicator_rows

SERVICE_PARENTS = ("da_waiting_list", "da_average_days_waiting")


def compute_service_tables(observations, services: list[dict], area_codes: list[str],
                           period_start: str) -> dict[str, pd.DataFrame]:
    """For the quarter starting ``period_start`` (ISO): 'areas', the service totals (records
    with no parent) with areas as rows, and for each of SERVICE_PARENTS its parts among
    ``services`` (none: no rows) with services as rows and areas as columns."""
    rows = pd.concat([indicator_rows(observations, r["id"], None, area_codes)
                      for r in services])
    rows = rows[rows["period_start"] == period_start]
    tables = {"areas": service_table(rows, [r for r in services if not r["parent"]],
                                     area_codes, by="area")}
    for parent in SERVICE_PARENTS:
        tables[parent] = service_table(rows, [r for r in services if r["parent"] == parent],
                                       area_codes, by="service")
    return tables


def service_table(rows: pd.DataFrame, records: list[dict], area_codes: list[str], by: str
                  ) -> pd.DataFrame:
    """Areas as rows and measures as columns (by='area'), or the services as rows and the
    areas as columns (by='service', titles shortened to the service's name)."""
    titles = {r["id"]: r["title"] for r in records}
    wide = rows[rows["indicator_id"].isin(titles)].pivot_table(
        index="area_code", columns="indicator_id", values="value")
    wide = wide.reindex([c for c in area_codes if c in wide.index])
    wide = wide[[i for i in titles if i in wide.columns]]
    if by == "service":
        wide = wide.T
        wide.index = [titles[i].split(": ", 1)[-1] for i in wide.index]
        wide.columns = [geo.area_name(c) for c in wide.columns]
        return wide.reset_index().rename(columns={"index": "Service"})
    wide.index = wide.index.map(geo.area_name)
    return wide.rename(columns=titles).reset_index().rename(columns={"area_code": "Area"})
