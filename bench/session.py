"""A browser session without the browser: speaks Streamlit's own websocket protocol to the
server (as the page's JavaScript does), so twenty sessions on a 2-core machine measure the
server and not twenty Chromium renderers. A page time is from the request to the server's
"script finished" message, every element of the page received."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

SUCCESS = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY


@dataclass
class Run:
    """One page run: how long it took, and what went wrong, if anything."""

    page: str
    seconds: float
    errors: list[str] = field(default_factory=list)
    started: float = 0.0


class Session:
    """One user's session: open a page, then change the sidebar filters."""

    def __init__(self, base_url: str, timeout: float = 30):
        self.url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.timeout = timeout
        self.page = ""
        self.query: dict[str, str] = {}
        self.widget_ids: dict[str, str] = {}  # query-parameter key -> widget id
        self.widgets: dict[str, WidgetState] = {}
        self.socket = None

    async def __aenter__(self) -> "Session":
        self.socket = await websockets.connect(self.url, subprotocols=["streamlit"],
                                               max_size=None, open_timeout=self.timeout)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.socket.close()

    async def open(self, page: str, **query: str) -> Run:
        """Go to a page (its URL path; "" for the first page), as a link does."""
        self.page, self.query, self.widgets = page, dict(query), {}
        return await self._run()

    async def choose(self, key: str, label: str) -> Run:
        """Pick ``label`` in the sidebar filter bound to the query parameter ``key``."""
        self.query[key] = label
        self.widgets[key] = WidgetState(id=self.widget_ids[key], string_value=label)
        return await self._run()

    async def _run(self) -> Run:
        message = BackMsg()
        message.rerun_script.page_name = self.page
        message.rerun_script.query_string = "&".join(f"{k}={v}" for k, v in self.query.items())
        message.rerun_script.widget_states.widgets.extend(self.widgets.values())
        run = Run(self.page, 0.0, started=time.perf_counter())
        await self.socket.send(message.SerializeToString())
        try:
            await asyncio.wait_for(self._until_finished(run), self.timeout)
        except asyncio.TimeoutError:
            run.errors.append(f"no answer in {self.timeout} s")
        except websockets.ConnectionClosed as closed:
            run.errors.append(f"connection closed: {closed}")
        run.seconds = time.perf_counter() - run.started
        return run

    async def _until_finished(self, run: Run) -> None:
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.socket.recv())
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                self._note_element(message.delta.new_element, run)
            elif kind == "script_finished":
                if message.script_finished != SUCCESS:
                    run.errors.append(f"script finished with status {message.script_finished}")
                return

    def _note_element(self, element, run: Run) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            run.errors.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "selectbox" and element.selectbox.query_param_key:
            self.widget_ids[element.selectbox.query_param_key] = element.selectbox.id
