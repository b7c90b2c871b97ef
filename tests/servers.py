"""What the browser tests share: a free port, `streamlit run serve.py` started and stopped,
and Debian's Chromium launched headless with the flags this machine's closed network needs."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(env: dict[str, str], port: int | None = None, extra_args: tuple = ()
              ) -> tuple[subprocess.Popen, str]:
    """`streamlit run serve.py` (the README's run command) on loopback with ``env`` over this
    process's environment (a None value removes the variable); returns the process and its
    base URL once healthy."""
    port = port or free_port()
    environment = {**os.environ, **env}
    for name in [k for k, v in env.items() if v is None]:
        environment.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false", *extra_args],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return process, url
        except OSError:
            time.sleep(0.5)
    process.kill()
    pytest.fail("streamlit did not start: " + process.stdout.read().decode()[-2000:])


def stop_app(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed; .ci/run installs it")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)


def listed_pages(page) -> list[str]:
    """The page titles app.py's top navigation lists, those in its Board and Data menus too
    (each menu is opened in turn); empty where there is no navigation bar."""
    bar = page.locator("[data-testid=stTopNav]")
    if not bar.count():
        return []
    titles = bar.locator("[data-testid=stTopNavLink]").all_inner_texts()
    for section in bar.locator("[data-testid=stTopNavSection]").all():
        section.click()
        items = page.get_by_role("menuitem")
        items.first.wait_for(timeout=10_000)
        titles += items.all_inner_texts()
        page.keyboard.press("Escape")
        items.first.wait_for(state="detached", timeout=10_000)
    return [title.split("\n")[-1].strip() for title in titles]
