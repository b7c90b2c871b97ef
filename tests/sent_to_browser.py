"""What the server sent one browser session, read back as data: the WebSocket's messages
decoded (Streamlit's ForwardMsg protobuf), and every table they carry, wherever it sits: a
dataframe's Arrow bytes, a chart's datasets, a map layer's records, a metric's figure and
the files the download buttons give. A privacy test reads these, not the drawn page."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pandas as pd


@dataclass
class SentTable:
    where: str  # e.g. "chart trend", "map HexagonLayer", "download trend.csv"
    frame: pd.DataFrame


def elements_of_last_run(frames: list[bytes]) -> list:
    """The elements the session's last script run sent, with messages sent by reference
    (the same message sent earlier in the session, ref_hash) resolved to that message."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    sent_by_hash, runs = {}, []
    for raw in frames:
        message = ForwardMsg.FromString(raw)
        kind = message.WhichOneof("type")
        if message.hash:
            sent_by_hash[message.hash] = message
        if kind == "new_session":
            runs.append([])
        elif kind == "ref_hash":
            runs[-1].append(sent_by_hash[message.ref_hash])
        elif kind == "delta" and runs:
            runs[-1].append(message)
    return [m.delta.new_element for m in runs[-1]
            if m.delta.WhichOneof("type") == "new_element"]


def _arrow(data: bytes) -> pd.DataFrame:
    import pyarrow as pa

    return pa.ipc.open_stream(io.BytesIO(data)).read_all().to_pandas()


def sent_tables(elements: list) -> list[SentTable]:
    """Every table in ``elements`` (a download's file is written only when it is clicked:
    downloaded_tables)."""
    tables = []
    for element in elements:
        kind = element.WhichOneof("type")
        if kind == "dataframe":
            tables.append(SentTable("dataframe", _arrow(element.dataframe.arrow_data.data)))
        elif kind == "vega_lite_chart":
            chart = element.vega_lite_chart
            for dataset in chart.datasets:
                tables.append(SentTable(f"chart {dataset.name}", _arrow(dataset.data.data)))
            if chart.data.data:
                tables.append(SentTable("chart data", _arrow(chart.data.data)))
        elif kind == "deck_gl_json_chart":
            for layer in json.loads(element.deck_gl_json_chart.json).get("layers", []):
                if isinstance(layer.get("data"), list):
                    tables.append(SentTable(f"map {layer['@@type']}",
                                            pd.DataFrame(layer["data"])))
        elif kind == "metric":
            tables.append(SentTable("metric", pd.DataFrame(
                [{"label": element.metric.label, "figure": element.metric.body}])))
    return tables


def downloaded_tables(page, wait_idle, name: str = "CSV") -> list[SentTable]:
    """Click every download button called ``name`` on a Playwright page and read each file
    (``wait_idle(page)`` waits for the page to settle: a click on a button being redrawn is
    lost, so a click that brings no file is made again)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tables = []
    buttons = page.get_by_role("button", name=name, exact=True)
    for number in range(buttons.count()):
        for attempt in range(3):
            wait_idle(page)
            button = buttons.nth(number)
            button.scroll_into_view_if_needed()
            try:
                with page.expect_download(timeout=60_000) as download:
                    button.click(timeout=90_000)  # disabled while the socket reconnects
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
        path = download.value.path()
        frame = (pd.read_csv(path) if download.value.suggested_filename.endswith(".csv")
                 else pd.read_excel(path))
        tables.append(SentTable(f"download {download.value.suggested_filename}", frame))
    return tables
