"""The dashboard's components rendered with ``solara.render`` (no browser): sliders, live odds, episode, save."""

from __future__ import annotations

import re

import ipyvuetify as v
import pytest
import solara

from sim import episode, load_scenario
from sim.analysis.figure_style import plain_cause
from sim.app import dashboard, state
from sim.io import read_summary
from tests.app.conftest import SMALL


def css(key: str) -> str:
    return "knob-" + key.replace(".", "-").replace("_", "-")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S))).strip()


@pytest.fixture
def batches(monkeypatch):
    """Every batch the dashboard runs, as (overrides, replications, seed)."""
    runs = []
    real = dashboard.live_odds

    def counting(configured, values, *, replications, seed):
        odds = real(configured, values, replications=replications, seed=seed)
        runs.append((odds.overrides, replications, seed))
        return odds

    monkeypatch.setattr(dashboard, "live_odds", counting)
    return runs


@pytest.fixture
def page(batches, tmp_path):
    _, rc = solara.render(
        solara.AppLayout(children=[dashboard.Dashboard(replications=SMALL, seed=4, output_root=str(tmp_path / "saved"))]),
        handle_error=False,
    )
    yield rc
    rc.close()


def odds_text(rc) -> str:
    return text_of(rc.find(meta_ref="muscat-odds").widget.unsafe_innerHTML)


def slider(rc, key: str):
    return rc.find(meta_ref=css(key)).find(v.Slider).widget


def test_there_is_a_slider_at_the_configured_value_with_its_provenance_for_every_knob(page, configured):
    for knob in configured.knobs:
        box = page.find(meta_ref=css(knob.key))
        box.assert_single()
        assert slider(page, knob.key).v_model == configured.values[knob.key]
        assert (slider(page, knob.key).min, slider(page, knob.key).max) == (knob.low, knob.high)
        texts = [w.children[0] for w in box.find(v.Html, tag="span").widgets]
        assert any(configured.provenance[knob.key] in t for t in texts), texts


def test_the_first_render_runs_one_batch_of_the_configured_scenario_and_shows_its_odds(page, batches, configured):
    assert batches == [((), SMALL, 4)]
    odds = state.live_odds(configured, configured.values, replications=SMALL, seed=4)
    text = odds_text(page)
    assert f"P(deal) {100 * odds.probability('deal'):.1f}%" in text
    assert f"{SMALL:,} replications, seed 4, the scenario as configured" in text
    assert "Israeli strike" in text  # the causes of escalation, in words (sim.analysis.figure_style.plain_cause)


def test_moving_a_slider_runs_a_new_batch_and_changes_the_odds(page, batches):
    before = odds_text(page)
    slider(page, "actors.israel.strike_propensity").v_model = 0.12
    assert batches[-1] == (("actors.israel.strike_propensity=0.12",), SMALL, 4)
    assert len(batches) == 2
    after = odds_text(page)
    assert after != before
    assert "actors.israel.strike_propensity=0.12" in after
    expected = state.live_odds(
        state.configure("baseline"),
        {**state.configure("baseline").values, "actors.israel.strike_propensity": 0.12},
        replications=SMALL,
        seed=4,
    )
    assert dashboard.odds_text(expected) in after
    mean, _ = expected.difference["escalation"]
    assert f"{100 * mean:+.1f}".replace("-", "−") in after


def test_a_slider_set_between_grid_points_runs_the_grid_value(page, batches):
    slider(page, "actors.oman.effectiveness").v_model = 0.30000000000000004
    assert batches[-1][0] == ("actors.oman.effectiveness=0.3",)


def test_moving_a_slider_back_shows_the_configured_scenario_again_from_the_kept_run(page, batches, configured, monkeypatch):
    first = odds_text(page)
    slider(page, "world.sanctions").v_model = 0.5
    runs = []
    monkeypatch.setattr(state, "simulate", lambda *args, **kwargs: runs.append(args))
    slider(page, "world.sanctions").v_model = configured.values["world.sanctions"]
    assert [b[0] for b in batches] == [(), ("world.sanctions=0.5",), ()]
    assert runs == []  # the scenario as configured was run once and kept
    assert odds_text(page).split("(ran in")[0] == first.split("(ran in")[0]


def test_a_new_scenario_resets_the_sliders_to_its_configured_values(page, batches):
    slider(page, "actors.israel.strike_propensity").v_model = 0.2
    select = page.find(v.Select, label="Scenario").widget
    select.v_model = "israeli_strike_pressure"
    pressure = state.configure("israeli_strike_pressure")
    assert slider(page, "actors.israel.strike_propensity").v_model == pressure.values["actors.israel.strike_propensity"]
    assert batches[-1] == ((), SMALL, 4)
    assert "israeli_strike_pressure" not in odds_text(page)  # as configured: no overrides listed
    assert page.find(meta_ref=css("actors.israel.strike_propensity")).find(v.Html, tag="span").widgets


def test_the_seed_and_the_number_of_replications_start_a_new_batch(page, batches):
    page.find(v.Select, label="Replications per batch").widget.v_model = 1_000
    assert batches[-1] == ((), 1_000, 4)
    seed = page.find(v.TextField, label="Seed of the batch (common to both runs)").widget
    seed.v_model = "9"
    seed.fire_event("keyup.enter", None)  # the seed is taken on Enter or when the field loses focus
    assert batches[-1] == ((), 1_000, 9)


def test_save_run_writes_the_run_on_screen_for_compare(page, tmp_path):
    slider(page, "actors.oman.effectiveness").v_model = 0.4
    page.find(v.Btn, children=["Save run"]).widget.click()
    labels = list((tmp_path / "saved").iterdir())
    assert [p.name for p in labels] == ["baseline+oman.effectiveness=0.4"]  # outputs/dashboard/<label>/<time>-<id>
    saved = list(labels[0].iterdir())
    assert len(saved) == 1
    summary = read_summary(saved[0])
    assert summary["replications"] == SMALL and summary["seed"] == 4
    message = page.find(v.Alert).widget.children[0]
    assert "python -m sim compare baseline" in message and str(saved[0]) in message


def episode_state(rc) -> str:
    return text_of(rc.find(meta_ref="muscat-episode-state").widget.unsafe_innerHTML)


def test_the_episode_steps_round_by_round_with_its_step_button_and_resets(page):
    from sim.config.compose import load_scenario

    horizon = load_scenario("baseline").max_rounds  # the configured horizon (104 weeks since issue 18)
    assert f"round 0 of at most {horizon}" in episode_state(page)
    # The button is looked up before each click and the state read until it shows the step: the Play task runs in
    # a thread of its own and can re-render the card between a click and the read (seen once under load).
    page.find(v.Btn, children=["Step"]).widget.click()
    assert shows(page, rf"round 1 of at most {horizon}|ended in round 1")
    assert "round  1:" in page.find(v.Html, tag="pre").widget.children[0]
    page.find(v.Btn, children=["Step"]).widget.click()
    assert shows(page, rf"round 2 of at most {horizon}|ended in round [12]")
    page.find(v.Btn, children=["Reset"]).widget.click()
    assert shows(page, f"round 0 of at most {horizon}")


def shows(page, pattern: str, timeout: float = 10.0) -> bool:
    """Whether the episode's state matches ``pattern`` within ``timeout`` seconds (it is re-read every 50 ms)."""
    import time

    end = time.monotonic() + timeout
    while not re.search(pattern, episode_state(page)):
        if time.monotonic() > end:
            return False
        time.sleep(0.05)
    return True


def test_a_slider_change_starts_a_new_episode_of_the_new_scenario(page):
    page.find(v.Btn, children=["Step"]).widget.click()
    slider(page, "max_rounds").v_model = 30
    assert "round 0 of at most 30" in episode_state(page)


def test_the_episode_is_one_replication_of_the_scenario_on_screen_and_ends_like_the_model():
    scenario = load_scenario("baseline", ["actors.israel.strike_propensity=0.1"])
    model = dashboard.Episode(scenario, 11)
    reference = episode(scenario, 11)  # what `python -m sim replications=1 trace=true seed=11` shows
    while model.running:
        model.step()
    assert model.narrative == reference.narrative
    html = text_of(dashboard.episode_html(model))
    outcome = reference.datacollector.get_model_vars_dataframe()["outcome"].iloc[-1]
    assert f"ended in round {reference.state.round}: {outcome.upper()}" in html
    assert plain_cause(reference.causes[int(reference.cause[0])]) in html  # "Israeli strike", as the figures word it


def test_the_episode_shows_each_sides_private_resolve_and_its_belief_about_the_others():
    scenario = load_scenario("baseline")
    model = dashboard.Episode(scenario, 2)
    spread = {p.name: p.resolve_spread for p in scenario.principals}
    us, iran = (p.name for p in scenario.principals)
    assert model.private[0][us][1:] == (-spread[iran], spread[iran])  # the prior: the other's configured spread
    assert model.private[0][iran][1:] == (-spread[us], spread[us])
    while model.running:
        model.step()
    assert len(model.private) == model.state.round + 1
    for beliefs in model.private:  # a belief always holds the other's true resolve
        for me, other in ((us, iran), (iran, us)):
            assert beliefs[me][1] - 1e-12 <= beliefs[other][0] <= beliefs[me][2] + 1e-12
    html = text_of(dashboard.episode_html(model))
    low, high = model.private[-1][us][1:]
    assert "its belief about the other" in html and f"{low:+.2f} to {high:+.2f}".replace("-", "−") in html


def test_no_solaraviz_leftovers_and_every_knob_with_a_range_in_the_assumptions_file_marks_it(page, configured):
    cards = [w.children[0] for w in page.find(v.CardTitle).widgets if w.children]
    assert "Model Parameters" not in cards and not any(str(c).startswith("Time:") for c in cards)
    texts = [str(w.children[0]) for w in page.find(v.Html, tag="span").widgets if w.children]
    assert not any(t.startswith("Time:") for t in texts)
    marked = [k for k in configured.knobs if k.key in configured.plausible]
    assert {k.key for k in marked} >= {"actors.oman.effectiveness", "actors.israel.strike_propensity", "actors.us.trust"}
    for knob in marked:
        low, high = configured.plausible[knob.key]
        box = page.find(meta_ref=css(knob.key))
        assert any(f"plausible range {low:g}–{high:g}" in str(w.children[0]) for w in box.find(v.Html, tag="span").widgets)
