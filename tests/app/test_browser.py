"""The dashboard in a real browser: start ``python -m sim.app`` on 127.0.0.1, move a slider, read the odds; send
values the menus do not offer, as a crafted page would, and see one plain line.

Playwright drives Debian's ``chromium-headless-shell`` (``.ci/run`` installs it;
Playwright's own browser download cannot work on these machines). Solara's
front-end files come from the local cache that ``make test`` fills
(``python -m sim.app.assets``); the test fails if the page asked the asset proxy
for a file it could not serve. Its screenshot goes to the test's temporary
folder; ``UPDATE_FIGURES=1`` also copies it to the README's
``docs/figures/dashboard.png`` (so a plain test run leaves the git tree clean)::

    UPDATE_FIGURES=1 .venv/bin/python -m pytest -p no:xdist tests/app/test_browser.py
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

from tests.app.live import HEIGHT, SERVER_LOGS, WIDTH, launch, open_dashboard, serve

ROOT = Path(__file__).resolve().parents[2]
FIGURE = ROOT / "docs" / "figures" / "dashboard.png"  # the README's screenshot: written only with UPDATE_FIGURES=1
UPDATE_FIGURES = os.environ.get("UPDATE_FIGURES", "").strip().lower() not in ("", "0", "false", "no")
#: The least width of the episode's figure in the window the page must read well in (live.WIDTH x live.HEIGHT).
FIGURE_MIN_WIDTH = 700
#: Every element inside a card must end inside it (pixels of slack for borders and rounding).
OVERFLOW_JS = """() => {
  const out = [];
  for (const card of document.querySelectorAll('.v-card')) {
    const box = card.getBoundingClientRect();
    for (const el of card.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      if (el.closest('.v-progress-linear')) continue;  // a busy bar's moving stripe, clipped by the bar itself
      const wide = el.tagName === 'PRE' && el.scrollWidth > el.clientWidth + 2;
      if (r.right > box.right + 2 || r.left < box.left - 2 || wide) {
        const where = `[${Math.round(r.left)}, ${Math.round(r.right)}]`;
        out.push(`${el.tagName}.${el.className} ${where} in a card [${Math.round(box.left)}, ${Math.round(box.right)}]`);
      }
    }
  }
  return out;
}"""
#: A slider change with 10,000 replications must show its odds within this (measured: see the README).
LATENCY_LIMIT_S = 3.0


def move_slider(page, key: str, share: float) -> float:
    """Click knob ``key``'s slider at ``share`` of its width; seconds until the page shows new odds."""
    track = page.locator(".knob-" + key.replace(".", "-").replace("_", "-") + " .v-slider").first
    box = track.bounding_box()
    shown = page.locator(".muscat-odds-line").inner_text()
    clicked = time.perf_counter()
    track.click(position={"x": box["width"] * share, "y": box["height"] / 2})
    page.wait_for_function("b => document.querySelector('.muscat-odds-line').innerText !== b", arg=shown, timeout=30_000)
    return time.perf_counter() - clicked


def step_to_round(page, step, k: int, url: str) -> None:
    """Click Step until the episode's status shows round ``k`` (at most three clicks, 30 s each); else fail with
    what the page and the server said.

    A click that lands while the episode card is being re-created for the scenario just changed on screen reaches
    the card that is going away, and the new one still shows round 0: a person clicks again, and so does this test.
    """
    for _attempt in range(3):
        step.click()
        try:
            page.wait_for_function(
                "k => (document.querySelector('.muscat-episode-state').innerText.match(/round (\\d+)/) || [])[1] == k",
                arg=k,
                timeout=30_000,
            )
            return
        except PlaywrightTimeout:
            status = page.locator(".muscat-episode-status").inner_text()
            if f"round {k - 1} " not in status:  # the round moved, but not to k: no second click
                break
    status = page.locator(".muscat-episode-status").inner_text()
    log = SERVER_LOGS[url].read_text()[-3000:] if url in SERVER_LOGS else "(no log)"
    raise AssertionError(f"round {k} never showed after Step: status {status!r}; page errors {page.errors}; server log:\n{log}")


def odds_from(text: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"P\((deal|escalation|stalemate)\) (\d+\.\d)%", text)}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("app")) as server:
        yield server.url


def check_screenshot(path: Path) -> None:
    """A full-page PNG of the dashboard as it was drawn: the viewport's width, and not a blank page."""
    from PIL import Image

    with Image.open(path) as image:
        assert image.format == "PNG" and image.width == WIDTH and image.height >= HEIGHT, (image.format, image.size)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 100, f"the screenshot has {len(colours)} colours: a blank page?"


@pytest.mark.slow
def test_moving_a_slider_in_the_browser_updates_the_odds_and_the_episode_steps(app_url, tmp_path):
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = open_dashboard(browser, app_url)
            line = page.locator(".muscat-odds-line")
            start = odds_from(line.inner_text())
            assert set(start) == {"deal", "escalation", "stalemate"}
            assert abs(sum(start.values()) - 100) < 0.2
            assert "10,000 replications" in page.locator(".muscat-odds").inner_text()

            shares = (0.3, 0.45, 0.75, 0.6)  # of a slider from 0 to 0.2: the last one is 0.12 (configured: 0.03)
            latencies = []
            for share in shares:
                page.wait_for_timeout(2000)  # as a person reads the odds; the episode's figure is drawn meanwhile
                latencies.append(move_slider(page, "actors.israel.strike_propensity", share))
            table = page.locator(".muscat-odds").inner_text()
            assert re.search(r"actors\.israel\.strike_propensity=0\.1\d*", table), table
            after = odds_from(line.inner_text())
            assert after != start and abs(sum(after.values()) - 100) < 0.2
            assert after["escalation"] > start["escalation"]  # Israel four times as strike-prone: more escalation
            median = sorted(latencies)[len(latencies) // 2]
            assert median < LATENCY_LIMIT_S, f"the odds took {latencies} s to update"

            state = page.locator(".muscat-episode-state")
            assert "round 0 of at most" in state.inner_text()
            step = page.get_by_role("button", name="Step")
            for k in range(1, 7):
                # The page's own status says when the episode has ended. The button's disabled flag is a separate
                # widget update that can reach the browser after the status (a stale "enabled" read clicked a
                # button whose handler had nothing left to do, and the wait below timed out in CI).
                if "ended in round" in state.inner_text():
                    expect(step).to_be_disabled(timeout=30_000)
                    break
                expect(step).to_be_enabled(timeout=30_000)
                step_to_round(page, step, k, app_url)
            assert "round 0 of at most" not in state.inner_text()
            page.locator(".muscat-episode img").first.wait_for(timeout=30_000)
            page.wait_for_timeout(2500)  # the anatomy of the latest round, drawn in the background
            page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
            figure = page.locator(".muscat-episode img").first.bounding_box()
            assert figure["width"] >= FIGURE_MIN_WIDTH, (
                f"the episode's figure is {figure['width']:.0f} px wide at {WIDTH}x{HEIGHT}"
            )
            overflowing = page.evaluate(OVERFLOW_JS)
            assert overflowing == [], f"elements overflow their card at {WIDTH}x{HEIGHT}: {overflowing[:5]}"
            body = page.locator("body").inner_text()
            assert "Model Parameters" not in body and not re.search(r"\bTime: \d", body), "SolaraViz leftovers on the page"
            assert "plausible range" in body and "runs on Solara" not in body
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
            assert page.unserved == []
            assert page.errors == []
        finally:
            browser.close()
    check_screenshot(shot)
    if UPDATE_FIGURES:  # on request only: the README's copy is tracked by git
        FIGURE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, FIGURE)
    print(f"slider change to updated odds (10,000 replications): {', '.join(f'{x:.2f}' for x in latencies)} s")


#: Sets a menu of the page to ``value`` as its Vue component would (the value goes to the server as the widget's
#: ``v_model``, through Jupyter's widget protocol): a value the menu does not offer, as a crafted page would send it.
CRAFT_JS = """([label, value]) => {
  const field = [...document.querySelectorAll('.v-select')].find(e => (e.querySelector('label') || {}).innerText === label);
  let vm = field && field.__vue__;
  while (vm && vm.$options.name !== 'v-select') vm = vm.$parent;
  if (!vm) return false;
  vm.$emit('input', value);
  return true;
}"""


@pytest.mark.slow
def test_values_a_crafted_page_sends_are_one_plain_line_in_the_browser(app_url):
    """The in-process tests (test_bounds.py) set widgets directly; here the values go through the real server."""
    from sim.app.dashboard import REFUSED_LINE

    log = SERVER_LOGS[app_url]
    crafted = [("Replications per batch", 500_000), ("Replications per batch", "abc"), ("Scenario", "../../etc/passwd")]
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = open_dashboard(browser, app_url)
            odds = page.locator(".muscat-odds-line").inner_text()
            for label, value in crafted:
                assert page.evaluate(CRAFT_JS, [label, value]), f"no menu {label!r} on the page"
                deadline = time.monotonic() + 30
                while f"{str(value)!r}" not in log.read_text():  # the server's log line of the refusal
                    assert time.monotonic() < deadline, f"the server never refused {value!r}: {log.read_text()[-2000:]}"
                    time.sleep(0.2)
                expect(page.get_by_text(REFUSED_LINE)).to_be_visible(timeout=30_000)
                body = page.locator("body").inner_text()
                assert "Traceback" not in body and str(value) not in body, body[-2000:]
            assert page.locator(".muscat-odds-line").inner_text() == odds  # nothing was run
            assert "10,000 replications" in page.locator(".muscat-odds").inner_text()
            assert page.errors == []
        finally:
            browser.close()
