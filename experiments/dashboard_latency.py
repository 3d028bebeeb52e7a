"""How long a slider change takes to show new odds in the browser, with 10,000 replications per batch.

Starts the dashboard (``python -m sim.app``) on a free port of 127.0.0.1, loads
it in Debian's headless Chromium, clicks Israel's strike-propensity slider at
``--moves`` positions in turn and times each click until the page shows new
odds, pausing between changes as a person would (``--pause 0`` for changes
in quick succession, where the figure of the previous change's episode is
still being drawn). Prints every time, their best and median, the time the batch itself took
on the server (shown on the page as "ran in"), and the load average, since the
2-core machine is shared. Same helpers as ``tests/app/test_browser.py``.

    python experiments/dashboard_latency.py            # 12 moves
    python experiments/dashboard_latency.py --moves 30
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

from playwright.sync_api import sync_playwright

from tests.app.test_browser import launch, move_slider, open_dashboard, serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=12)
    parser.add_argument(
        "--pause",
        type=float,
        default=3.0,
        help="seconds between changes, as a person reads the odds (the episode's figure is drawn then)",
    )
    args = parser.parse_args()
    shares = [0.25 + 0.6 * ((k * 7) % 11) / 10 for k in range(1, args.moves + 1)]  # never 0.03, the configured value
    latencies, batches = [], []
    with tempfile.TemporaryDirectory() as workdir, serve(Path(workdir)) as url, sync_playwright() as p:
        browser = launch(p)
        try:
            page = open_dashboard(browser, url)
            for share in shares:
                page.wait_for_timeout(1000 * args.pause)
                latencies.append(move_slider(page, "actors.israel.strike_propensity", share))
                ran = re.search(r"ran in (\d+\.\d+) s", page.locator(".muscat-odds").inner_text())
                batches.append(float(ran.group(1)))
        finally:
            browser.close()
    print("slider change to new odds on the page (s):", " ".join(f"{x:.2f}" for x in latencies))
    print(f"best {min(latencies):.2f} s, median {statistics.median(latencies):.2f} s over {len(latencies)} changes")
    print(f"the batch on the server (live_odds, 10,000 replications): median {statistics.median(batches):.2f} s")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
