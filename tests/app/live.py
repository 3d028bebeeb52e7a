"""The real dashboard server and Debian's headless Chromium, shared by the tests that use both.

``serve`` starts ``python -m sim.app`` on a free port of 127.0.0.1 (Solara's front-end files from the local
cache), ``launch`` starts ``chromium-headless-shell`` through Playwright (its own browser download cannot work on
these machines), ``open_dashboard`` loads the page until its first odds show. ``live_kernels`` and
``resident_mb`` read the running server from outside: its count of live kernels (Solara's ``/resourcez``) and
its resident memory (``/proc/<pid>/status``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sim.app import assets

CHROMIUM = Path(os.environ.get("MUSCAT_CHROMIUM", "/usr/lib/chromium/chromium-headless-shell"))
#: As a probe of these machines found: no background traffic to hosts the closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
START_TIMEOUT_S = 90
#: The window the page must read well in (a laptop's browser).
WIDTH, HEIGHT = 1400, 1000
#: Each served app's log, by its address: a failing wait quotes it.
SERVER_LOGS: dict[str, Path] = {}


@dataclasses.dataclass(frozen=True)
class Server:
    url: str
    pid: int
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(workdir: Path, env: dict[str, str] | None = None):
    """``python -m sim.app`` on a free port of 127.0.0.1, run in ``workdir`` with ``env`` added to the environment;
    yields the :class:`Server` once its page answers, stops it after."""
    cache = Path(os.environ.get(assets.ENV) or assets.default_directory())
    missing = [p for p in assets.required_packages() if not (cache / p / "package.json").exists()]
    assert not missing, f"Solara's front-end files are missing from {cache}: run `python -m sim.app.assets` ({missing})"
    port = free_port()
    environment = {**os.environ, assets.ENV: str(cache), "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", **(env or {})}
    log_path = workdir / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "sim.app", "--no-open", "--port", str(port)],
            cwd=workdir,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        SERVER_LOGS[url] = log_path
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                assert server.poll() is None, f"the app stopped: {log_path.read_text()[-2000:]}"
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"no answer from {url} in {START_TIMEOUT_S} s"
                time.sleep(0.5)
            yield Server(url, server.pid, log_path)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def launch(playwright):
    """Debian's headless Chromium, driven by Playwright."""
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: make prereqs (apt-get install -y chromium chromium-headless-shell), "
        "or point MUSCAT_CHROMIUM at a headless Chromium"
    )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def open_dashboard(browser, url: str):
    """A page with the dashboard loaded (its first odds shown); records failed requests and script errors."""
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.unserved, page.errors = [], []
    page.on("response", lambda r: page.unserved.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    page.locator(".muscat-odds-line").wait_for(timeout=60_000)
    return page


def live_kernels(url: str) -> dict:
    """The server's own count of its kernels (one per browser page that is open or not yet released): the
    ``kernels`` part of Solara's ``/resourcez`` (``total``, ``has_connected``, ``has_disconnected`` ...)."""
    with urllib.request.urlopen(url.rstrip("/") + "/resourcez", timeout=10) as response:
        return json.load(response)["kernels"]


def resident_mb(pid: int) -> float:
    """The resident memory of process ``pid`` in MB (VmRSS of ``/proc/<pid>/status``: Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS in /proc/{pid}/status")
