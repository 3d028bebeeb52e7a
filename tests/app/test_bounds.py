"""The dashboard held to server-side bounds: crafted values from a browser, errors kept off the page, sessions released."""

from __future__ import annotations

import gc
import math
import tracemalloc

import ipyvuetify as v
import pytest
import solara

from sim.app import dashboard, episode, state
from sim.app.__main__ import CULL_TIMEOUT, cap_malloc_arenas, server_environment, solara_arguments
from tests.app.conftest import SMALL


@pytest.fixture
def batches(monkeypatch):
    runs = []
    real = dashboard.live_odds

    def counting(configured, values, *, replications, seed):
        runs.append((replications, seed))
        return real(configured, values, replications=replications, seed=seed)

    monkeypatch.setattr(dashboard, "live_odds", counting)
    return runs


@pytest.fixture
def page(batches, tmp_path):
    _, rc = solara.render(
        solara.AppLayout(children=[dashboard.Dashboard(replications=SMALL, seed=4, output_root=str(tmp_path / "s"))]),
        handle_error=False,
    )
    yield rc
    rc.close()


def page_text(rc) -> str:
    return " ".join(str(getattr(w, "children", "")) + str(getattr(w, "value", "")) for w in rc.find(v.Html).widgets)


@pytest.mark.parametrize("value", [500_000, -5, 0, "abc", float("nan"), None, 10**12])
def test_a_crafted_replication_count_never_runs(page, batches, value):
    page.find(v.Select, label="Replications per batch").widget.v_model = value
    assert all(n <= state.MAX_REPLICATIONS and n >= 1 for n, _ in batches), batches
    assert "Traceback" not in page_text(page)


@pytest.mark.parametrize("value", ["../../etc/passwd", "no_such_scenario", 7, None])
def test_an_unknown_scenario_from_the_browser_is_ignored(page, batches, value):
    before = list(batches)
    page.find(v.Select, label="Scenario").widget.v_model = value
    assert batches == before and "Traceback" not in page_text(page)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e300, -1e300, "0.5e1"])
def test_a_malformed_slider_value_never_reaches_the_model(page, batches, value):
    """Numbers outside the range are clipped; non-numbers are refused by the knob's bound (sim.app.state.knob_value)."""
    widget = page.find(meta_ref="knob-actors-oman-effectiveness").find(v.Slider).widget
    widget.v_model = value
    assert batches[-1][0] == SMALL and "Traceback" not in page_text(page)
    assert all(math.isfinite(n) for n, _ in batches)


@pytest.mark.parametrize("value", ["-1", str(2**40)])
def test_a_seed_out_of_range_is_an_error_line_not_a_run(page, batches, value):
    before = len(batches)
    seed = page.find(v.TextField, label="Seed of the batch (common to both runs)").widget
    seed.v_model = value
    seed.fire_event("keyup.enter", None)
    assert len(batches) == before
    assert "Traceback" not in page_text(page)


def test_an_error_inside_the_page_is_logged_not_shown(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret path /home/someone/sim/app/state.py")

    monkeypatch.setattr(dashboard, "live_odds", broken)
    _, rc = solara.render(dashboard.Dashboard(replications=SMALL), handle_error=False)
    try:
        shown = " ".join(str(w.children) for w in rc.find(v.Alert).widgets) + page_text(rc)
        assert "failed on the server" in shown and "secret path" not in shown and "Traceback" not in shown
        assert any("secret path" in str(r.exc_info) for r in caplog.records if r.exc_info)
    finally:
        rc.close()


def test_the_server_runs_in_production_and_releases_closed_sessions_within_minutes(monkeypatch):
    import solara.util

    assert "--production" in solara_arguments([]) and "--production" not in solara_arguments(["-a"])
    for key in ("SOLARA_KERNEL_CULL_TIMEOUT", "SOLARA_KERNEL_MAX_COUNT", "SOLARA_KERNEL_MAX_PER_SESSION"):
        monkeypatch.delenv(key, raising=False)
    server_environment()
    import os

    assert solara.util.parse_timedelta(os.environ["SOLARA_KERNEL_CULL_TIMEOUT"]) <= 300
    assert solara.util.parse_timedelta(CULL_TIMEOUT) <= 300
    assert int(os.environ["SOLARA_KERNEL_MAX_COUNT"]) <= 64


@pytest.mark.slow
def test_twenty_sessions_opened_and_closed_leave_memory_bounded():
    """20 sessions (the number issue 23 asks), each with its own seed (so its own batch), opened and closed.

    The bound: what the first session held (its batches, its episode, its figure and the one-time costs of a
    first page: about 29 MB measured) times 8 (the shared cache of configured runs keeps at most 8 batches,
    sim.app.state._run) plus 8 MB; sessions that kept what they held would grow with their number (20 that
    each kept theirs would hold about 580 MB, well over the bound of about 240 MB; measured: 41 MB kept).
    The release time: the figures still being drawn when a session closes (a background thread each) are
    waited for, as the server's cull waits minutes.
    """
    import threading

    before = set(threading.enumerate())
    batch_bytes = None
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for session in range(20):
            _, rc = solara.render(dashboard.Dashboard(replications=SMALL, seed=100 + session), handle_error=False)
            if batch_bytes is None:
                gc.collect()
                batch_bytes = max(1, tracemalloc.get_traced_memory()[0] - start)
            rc.close()
        for thread in set(threading.enumerate()) - before:
            thread.join(timeout=180)  # the release time: drawings of closed sessions finish and are dropped
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    bound = 8 * batch_bytes + 8e6
    assert kept < bound, f"{kept / 1e6:.1f} MB kept after 20 closed sessions (bound {bound / 1e6:.1f} MB)"
    assert not math.isnan(kept)


#: The real server's test: its release time (set through the environment; the server's own is CULL_TIMEOUT), the wait
#: allowed beyond it, the sessions opened one after another, the first of them that may raise the server's memory
#: (one-time costs, and as many live kernels at once as the release time lets overlap), and the growth allowed after them.
LIVE_CULL_TIMEOUT = "3s"
LIVE_RELEASE_MARGIN_S = 15
LIVE_SESSIONS = 20
LIVE_WARM_UP = 8
LIVE_ALLOWANCE_MB = 16


def test_the_server_keeps_a_release_time_set_in_its_environment(monkeypatch):
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", LIVE_CULL_TIMEOUT)
    server_environment()
    import os

    assert os.environ["SOLARA_KERNEL_CULL_TIMEOUT"] == LIVE_CULL_TIMEOUT


def test_the_malloc_arenas_are_capped_on_glibc_unless_the_environment_sets_them(monkeypatch):
    import platform
    import sys

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert not cap_malloc_arenas()  # glibc read the variable itself when the process started
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert cap_malloc_arenas() == glibc


@pytest.mark.slow
def test_the_running_server_releases_closed_sessions_and_their_memory_after_the_release_time(tmp_path):
    """``python -m sim.app`` with a release time of 3 s; 20 pages opened one after another in Debian's Chromium,
    each closed once its odds show, without Solara's close beacon (as a tab that crashed or lost its network: only the
    release time frees its kernel). The kernel of the last page is still alive when it closes; 15 s after the release
    time, the server's own count of kernels (Solara's ``/resourcez``) is 0.

    The bound on memory: the server's resident memory after the release at most 16 MB above what it was after the 8th
    page. Measured (2 cores shared, load 3-4; ``muscat-sim-app`` caps glibc's malloc arenas at 2): 229 MB at start,
    283-293 MB after the first page, 313-319 MB after the 8th (2-4 kernels alive at once, pages of 1.1-1.9 s), then
    5-10 MB more after the 12 further pages and their release (four runs; 4 MB after 32 further pages in a probe).
    Kept sessions (a release time of 10 minutes) added 38-39 MB over the same 12 pages (324 -> 363 MB, about 3 MB
    each; two runs), over twice the bound. With glibc's default arenas (8 per core, ``MALLOC_ARENA_MAX=16`` here)
    released sessions added 6-22 MB over those 12 pages (five runs): at 20 pages the bound does not tell that from the
    cap of :func:`sim.app.__main__.cap_malloc_arenas`, which shows over longer runs (pages 9 to 40: 29-36 MB with
    glibc's default, 4-7 MB with the cap).

    Cost: 29-43 s (four runs: 3 s to start the server, 21-37 s of pages, 3 s of release, 2 s of Solara's collection
    after it). 20 pages (the number issue 23 asks) are enough to tell 5-10 MB of growth from 38 MB; fewer after the
    8th would narrow that gap, more would cost 1.1-1.9 s each.
    """
    import time

    import solara.util
    from playwright.sync_api import sync_playwright

    from tests.app.live import launch, live_kernels, open_dashboard, resident_mb, serve

    with serve(tmp_path, env={"SOLARA_KERNEL_CULL_TIMEOUT": LIVE_CULL_TIMEOUT}) as server:
        began = time.monotonic()
        assert live_kernels(server.url)["total"] == 0
        resident, alive = [], []
        with sync_playwright() as p:
            browser = launch(p)
            try:
                for _ in range(LIVE_SESSIONS):
                    # no close beacon: as a tab that crashed or lost its network, only the release time frees it
                    page = open_dashboard(browser, server.url + "?solara-no-close-beacon")
                    page.close()
                    alive.append(live_kernels(server.url)["total"])
                    resident.append(resident_mb(server.pid))
            finally:
                browser.close()
        opened = time.monotonic()
        deadline = opened + solara.util.parse_timedelta(LIVE_CULL_TIMEOUT) + LIVE_RELEASE_MARGIN_S
        while (kernels := live_kernels(server.url))["total"] and time.monotonic() < deadline:
            time.sleep(0.25)
        released = time.monotonic()
        time.sleep(2)  # Solara's collection after a kernel closes (1 s after it)
        after = resident_mb(server.pid)
        log = server.log.read_text()
    figures = (
        f"{LIVE_SESSIONS} sessions in {opened - began:.1f} s, released {released - opened:.1f} s after; "
        f"kernels alive after each close {alive}; resident MB after each {[round(r) for r in resident]}, "
        f"{after:.0f} after the release"
    )
    print(figures)
    assert alive[-1] >= 1, f"the last session's kernel was gone at once: the release time was not tested ({figures})"
    assert kernels["total"] == 0, f"kernels still alive {LIVE_RELEASE_MARGIN_S} s after the release time: {kernels} ({figures})"
    warm = resident[LIVE_WARM_UP - 1]
    assert after - warm < LIVE_ALLOWANCE_MB, f"{after - warm:.0f} MB more than after page {LIVE_WARM_UP} ({figures})"
    assert "Traceback" not in log, log[-3000:]


def shown_lines(rc) -> list[str]:
    """The alerts on the page (refusals, failures), one entry each."""
    return [str(w.children[0] if isinstance(w.children, list) and w.children else w.children) for w in rc.find(v.Alert).widgets]


@pytest.mark.parametrize(
    ("label", "value"),
    [("Replications per batch", 500_000), ("Replications per batch", "abc"), ("Scenario", "../../etc/passwd")],
)
def test_a_crafted_value_is_one_plain_line_on_the_page(page, batches, label, value):
    before = list(batches)
    page.find(v.Select, label=label).widget.v_model = value
    assert batches == before
    lines = shown_lines(page)
    assert lines == [dashboard.REFUSED_LINE], lines
    assert all("\n" not in line and "Traceback" not in line and str(value) not in line for line in lines)


@pytest.mark.parametrize("value", [[0.5], "abc", {"x": 1}, "0.5e1"])
def test_a_slider_value_that_is_not_a_number_is_one_plain_line_and_a_good_one_clears_it(page, batches, value):
    """What the browser sends reaches the knob's bound (Solara's own slider cast it first, and a list failed there)."""
    before = list(batches)
    widget = page.find(meta_ref="knob-actors-oman-effectiveness").find(v.Slider).widget
    widget.v_model = value
    assert shown_lines(page) == [dashboard.REFUSED_LINE] and "Traceback" not in page_text(page)
    assert batches == before
    widget.v_model = 0.25
    assert shown_lines(page) == [] and batches[-1][0] == SMALL and len(batches) == len(before) + 1


def test_a_failure_in_a_handler_is_one_plain_line_and_logged(page, monkeypatch, caplog):
    """The error boundary: an exception in a button's handler never reaches the page as a traceback."""

    def broken(*args, **kwargs):
        raise RuntimeError("secret path /home/someone/sim/app/state.py")

    monkeypatch.setattr(episode, "Episode", broken)  # the Reset button of the episode panel (sim.app.episode)
    page.find(v.Btn, children=["Reset"]).widget.click()
    lines = shown_lines(page)
    assert lines == [dashboard.FAILED_LINE], lines
    assert "secret path" not in page_text(page) and "Traceback" not in page_text(page)
    assert any("secret path" in str(r.exc_info) for r in caplog.records if r.exc_info)
    monkeypatch.undo()
    page.find(v.Btn, children=["Draw the page again"]).widget.click()
    assert dashboard.FAILED_LINE not in shown_lines(page) and page.find(v.Select, label="Scenario").widgets


def test_a_save_that_cannot_be_written_is_one_line(page, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/secret/outputs")

    monkeypatch.setattr(dashboard, "save_run", full)
    page.find(v.Btn, children=["Save run"]).widget.click()
    lines = shown_lines(page)
    assert any(line.startswith("could not save the run: No space left on device") for line in lines), lines
    assert "/srv/secret" not in " ".join(lines) and "Traceback" not in page_text(page)


def test_solara_reads_the_release_time_and_the_kernel_cap_the_server_sets():
    """The settings are the ones Solara reads (its settings are read on import: a fresh process, as the server is)."""
    import os
    import subprocess
    import sys

    code = (
        "from sim.app.__main__ import server_environment\n"
        "server_environment()\n"
        "import solara.server.settings as s, solara.util as u\n"
        "print(u.parse_timedelta(s.kernel.cull_timeout), s.kernel.max_count)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLARA_KERNEL_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True)
    seconds, max_count = out.stdout.split()
    assert float(seconds) <= 300 and int(max_count) <= 64
