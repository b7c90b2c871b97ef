"""Streamlit is configured for a shared server: the effective configuration, as
`streamlit config show` reads it from the project, has each safety setting."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT

EXPECTED = {
    "server.enableXsrfProtection": "true",
    "server.enableCORS": "true",
    "server.maxUploadSize": "100",
    "server.headless": "true",
    "browser.gatherUsageStats": "false",
    "browser.serverAddress": '"localhost"',  # no lookup of this machine's address on the web
    "client.showErrorDetails": '"none"',
    "client.toolbarMode": '"viewer"',
    "client.disableDataExport": "true",
}


@pytest.fixture(scope="module")
def effective() -> dict[str, str]:
    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout
    values, section = {}, None
    for line in shown.splitlines():
        if match := re.match(r"^\[(\w+)\]", line):
            section = match[1]
        elif section and (match := re.match(r"^(\w+) = (.+)$", line)):
            values[f"{section}.{match[1]}"] = match[2].strip()
    return values


@pytest.mark.parametrize("option", EXPECTED)
def test_shared_server_setting(effective, option):
    assert effective[option] == EXPECTED[option]


def test_no_full_garbage_collection_after_every_page_run():
    """A hidden option, so `config show` leaves it out: read as the server reads it."""
    read = subprocess.run([sys.executable, "-c", "from streamlit import config; "
                           "print(config.get_option('runner.postScriptGC'))"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert read.strip() == "False"
