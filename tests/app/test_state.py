"""What the dashboard computes: knobs, provenance, the fast scenario rebuild, live odds, saved runs."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sim import ConfigError, load_scenario, simulate
from sim.app import state
from sim.app.state import KNOBS, Knob, changed, configure, live_odds, overrides, save_run, scenario_with
from sim.config.compose import CONFIG_DIR
from sim.io import read_episodes, read_summary
from tests.app.conftest import SMALL


def moved(knob: Knob, value: float) -> float:
    """A value one quarter of the slider away from ``value``, on the slider's grid."""
    span = knob.high - knob.low
    target = value + span / 4 if value + span / 4 <= knob.high else value - span / 4
    return knob.clip(target)


def test_the_baseline_shows_a_knob_for_each_parameter_users_argue_about(configured):
    keys = {k.key for k in configured.knobs}
    for key in (
        "actors.oman.effectiveness",
        "actors.israel.strike_propensity",
        "world.military_posture",
        "actors.us.trust",
        "actors.iran.trust",
        "world.sanctions",
        "max_rounds",
    ):
        assert key in keys
    assert keys <= {k.key for k in KNOBS}


def test_each_knob_starts_at_the_configured_value_and_carries_its_provenance_from_the_config_files(configured):
    oman = yaml.safe_load((CONFIG_DIR / "actors" / "oman.yaml").read_text())
    world = yaml.safe_load((CONFIG_DIR / "world" / "muscat_2026.yaml").read_text())
    assert configured.values["actors.oman.effectiveness"] == oman["effectiveness"]
    assert configured.provenance["actors.oman.effectiveness"] == oman["provenance"]["effectiveness"]
    assert configured.values["world.sanctions"] == world["sanctions"]
    assert configured.provenance["world.sanctions"] == world["provenance"]["sanctions"]
    assert configured.values["max_rounds"] == configured.scenario.max_rounds
    for key, text in configured.provenance.items():
        assert text and text != "no provenance given", key


def test_a_scenario_file_that_changes_a_knob_gives_its_own_value_and_provenance():
    pressure = configure("israeli_strike_pressure")
    spec = yaml.safe_load((CONFIG_DIR / "scenario" / "israeli_strike_pressure.yaml").read_text())
    israel = spec["actors"]["israel"]
    assert pressure.values["actors.israel.strike_propensity"] == israel["strike_propensity"]
    assert pressure.provenance["actors.israel.strike_propensity"] == israel["provenance"]["strike_propensity"]


@pytest.mark.parametrize("knob", configure("baseline").knobs, ids=lambda k: k.key)
def test_the_fast_rebuild_gives_the_scenario_hydra_composes_with_the_override(configured, knob):
    value = moved(knob, configured.values[knob.key])
    values = {**configured.values, knob.key: value}
    assert overrides(configured, values) == [f"{knob.key}={value}"]
    fast = scenario_with(configured, values)
    assert fast == load_scenario("baseline", [f"{knob.key}={value}"])
    assert fast != configured.scenario


def test_several_knobs_moved_at_once_give_the_composed_scenario(configured):
    values = dict(configured.values)
    for knob in configured.knobs:
        values[knob.key] = moved(knob, values[knob.key])
    assert scenario_with(configured, values) == load_scenario("baseline", overrides(configured, values))


def test_unmoved_knobs_give_the_configured_scenario_itself(configured):
    assert changed(configured, configured.values) == {}
    assert scenario_with(configured, configured.values) is configured.scenario


def test_an_unknown_knob_is_one_line_config_error(configured):
    with pytest.raises(ConfigError, match="not a knob") as info:
        changed(configured, {"actors.oman.effectivenes": 0.5})
    assert "\n" not in str(info.value)


@given(st.sampled_from(KNOBS), st.floats(-10, 100, allow_nan=False))
def test_a_slider_value_is_on_the_grid_inside_the_range_and_stays_put(knob, value):
    x = knob.clip(value)
    assert knob.low <= x <= knob.high
    assert math.isclose(round((x - knob.low) / knob.step), (x - knob.low) / knob.step, abs_tol=1e-6)
    assert knob.clip(x) == x
    assert knob.same(x, knob.clip(x + knob.step / 3))


def test_live_odds_equal_a_run_of_the_composed_scenario_and_pair_it_with_the_configured_one(configured):
    values = {**configured.values, "actors.israel.strike_propensity": 0.1}
    odds = live_odds(configured, values, replications=SMALL, seed=5)
    composed = simulate(load_scenario("baseline", ["actors.israel.strike_propensity=0.1"]), SMALL, 5)
    base = simulate(configured.scenario, SMALL, 5)
    assert odds.results.summary["p_deal"] == composed.summary["p_deal"]
    assert odds.results.episodes["outcome"].equals(composed.episodes["outcome"])
    assert odds.configured.episodes["outcome"].equals(base.episodes["outcome"])
    for outcome in state.OUTCOMES:
        mean, se = odds.difference[outcome]
        assert mean == pytest.approx(composed.summary[f"p_{outcome}"] - base.summary[f"p_{outcome}"], abs=1e-12)
        assert se > 0
        low, high = odds.difference_interval(outcome)
        assert low < mean < high
    assert odds.difference["escalation"][0] > 0  # a more strike-prone Israel: more escalation, pair by pair
    assert odds.overrides == ("actors.israel.strike_propensity=0.1",)
    assert sum(odds.escalation_causes.values()) == pytest.approx(1.0)


def test_live_odds_of_the_configured_scenario_differ_by_exactly_nothing(configured):
    odds = live_odds(configured, configured.values, replications=SMALL, seed=5)
    assert odds.overrides == ()
    assert all(odds.difference[o] == (0.0, 0.0) for o in state.OUTCOMES)
    assert odds.results is odds.configured


def test_a_saved_run_is_what_the_command_line_writes_and_compare_pairs_it(configured, tmp_path, capsys):
    from sim.cli import compare

    values = {**configured.values, "actors.oman.effectiveness": 0.3}
    odds = live_odds(configured, values, replications=SMALL, seed=3)
    folder = save_run(odds, tmp_path / "run")
    assert read_summary(folder)["p_deal"] == odds.results.summary["p_deal"]
    episodes = read_episodes(folder)
    assert len(episodes) == SMALL
    assert np.array_equal(episodes["outcome"].astype(str).to_numpy(), odds.results.episodes["outcome"].astype(str).to_numpy())
    assert yaml.safe_load((folder / ".hydra" / "overrides.yaml").read_text()) == [
        "scenario=baseline",
        "actors.oman.effectiveness=0.3",
        "seed=3",
        f"replications={SMALL}",
    ]
    code = compare.main(["baseline", str(folder), f"replications={SMALL}", "seed=3", "--out", str(tmp_path / "cmp")])
    out = capsys.readouterr().out
    assert code == 0
    assert "actors.oman.effectiveness=0.3" in out and "paired" in out


def test_the_default_folder_of_a_saved_run_names_the_scenario(configured, tmp_path):
    odds = live_odds(configured, configured.values, replications=SMALL, seed=0)
    folder = save_run(odds, root=tmp_path)
    assert folder.parent == tmp_path / "baseline" and folder.name.startswith("20")  # <root>/<label>/<time>-<id>
    assert (folder / "summary.json").exists() and (folder / "episodes.parquet").exists()


def test_a_knob_that_has_no_fast_path_is_composed(configured, monkeypatch):
    calls = []
    monkeypatch.setattr(state, "_replace", lambda *args: calls.append(args))  # no fast path for anything
    value = {**configured.values, "world.sanctions": 0.5}
    assert scenario_with(configured, value) == load_scenario("baseline", ["world.sanctions=0.5"])
    assert calls


def test_a_knob_range_widens_to_hold_a_configured_value_outside_it():
    knob = Knob("x", "x", 0.0, 0.2, 0.01)
    assert dataclasses.replace(knob, high=0.5) == knob.around(0.5)
    assert knob.around(0.1) == knob


def test_a_run_that_records_strikes_gets_their_probability_and_paired_difference(configured, monkeypatch):
    from sim import Results
    from sim.app.dashboard import odds_rows

    def with_strikes(scenario, n, seed):  # the column the mechanics of issue 10 add to the episode table
        run = simulate(scenario, n, seed)
        episodes = run.episodes.assign(any_strike=run.episodes["cause"].astype(str).str.endswith("strike"))
        return Results(run.scenario, run.seed, run.block_size, episodes, run.elapsed_s)

    monkeypatch.setattr(state, "simulate", with_strikes)
    state._run.cache_clear()
    values = {**configured.values, "actors.israel.strike_propensity": 0.1}
    odds = live_odds(configured, values, replications=SMALL, seed=77)
    state._run.cache_clear()
    strikes = odds.results.episodes["any_strike"].to_numpy()
    assert odds.probability("any_strike") == strikes.mean()
    mean, se = odds.difference["any_strike"]
    assert mean == pytest.approx(strikes.mean() - odds.configured.episodes["any_strike"].mean(), abs=1e-12)
    assert mean > 0 and se > 0
    row = odds_rows(odds)[-1]
    assert row[0] == "P(any strike during the talks)" and row[1] == f"{100 * strikes.mean():.1f}%"


def test_a_scenario_of_a_users_folder_is_listed_composed_run_and_saved_for_compare(tmp_path, monkeypatch, capsys):
    """``muscat-sim-app --config-dir DIR`` (:data:`state.CONFIG_DIRS_ENV`): the user's scenario works as in every command."""
    from sim.cli import compare

    mine = tmp_path / "my_configs"
    (mine / "scenario").mkdir(parents=True)
    (mine / "scenario" / "mine.yaml").write_text(
        "# @package _global_\n"
        'scenario: {name: mine, description: "my variant: a shorter horizon"}\n'
        "max_rounds: 12\n"
        'provenance: {max_rounds: "assumption: three months of weekly rounds"}\n'
    )
    monkeypatch.setenv(state.CONFIG_DIRS_ENV, str(mine))
    assert {"mine", "baseline"} <= set(state.known_scenarios()) and state.bounded_scenario("mine") == "mine"
    configured = configure("mine")
    assert configured.values["max_rounds"] == 12 and configured.provenance["max_rounds"].startswith("assumption: three")
    monkeypatch.setattr(state, "_replace", lambda *args: None)  # the composed path, which must see the user's folder
    odds = live_odds(configured, {**configured.values, "max_rounds": 10}, replications=SMALL, seed=1)
    assert odds.results.scenario.max_rounds == 10 and odds.configured.scenario.max_rounds == 12
    folder = save_run(odds, root=tmp_path / "saved")
    assert folder.parent.parent == tmp_path / "saved"
    argv = ["mine", str(folder), "--config-dir", str(mine), f"replications={SMALL}", "seed=1", "--out", str(tmp_path / "c")]
    code = compare.main(argv)
    assert code == 0 and "max_rounds=10" in capsys.readouterr().out
