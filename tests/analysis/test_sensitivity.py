"""One-at-a-time sensitivity: every knob maps to its override, the effects are paired and real."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.sensitivity import knobs, sensitivity, settings, with_value
from sim.config.compose import compose, scenario_from_config
from sim.config.overrides import config_key
from sim.core.params import ConfigError
from sim.core.paths import Knob
from tests.forked import run_sim

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def composed():
    cfg = compose(["scenario=baseline"])
    return cfg, scenario_from_config(cfg)


def test_every_numeric_parameter_is_a_knob_named_by_its_parameter_path(composed):
    cfg, scenario = composed
    keys = {k.key for k in knobs(scenario, cfg)}
    for key in (
        "actors.us.war_cost",
        "actors.iran.pressure.sanctions",
        "actors.israel.strike_propensity",
        "actors.oman.effectiveness",
        "actors.uae.deescalation",
        "world.tension",
        "events.protests_flare.hazard",
        "max_rounds",
    ):
        assert key in keys
    assert not any(k.endswith((".name", ".role", ".target")) for k in keys)


@pytest.mark.parametrize(
    "key, value",
    [
        ("actors.us.war_cost", 0.45),
        ("actors.iran.pressure.sanctions", 0.25),
        ("actors.uae.pressure", 0.02),
        ("world.unrest", 0.9),
        ("events.proxy_attack.hazard", 0.1),
        ("max_rounds", 24),
    ],
)
def test_setting_a_knob_gives_the_scenario_its_override_composes(composed, key, value):
    cfg, scenario = composed
    knob = next(k for k in knobs(scenario, cfg) if k.key == key)
    overrides = [f"{config_key(scenario, key)}={value}"]
    assert with_value(scenario, knob, value) == scenario_from_config(compose(overrides), overrides)


def test_settings_move_by_a_share_or_by_delta_and_stay_in_range():
    unit = Knob("world.tension", "", 0.0, 1.0, value=0.9)
    assert settings(unit, 0.2) == pytest.approx((0.72, 1.0))  # 1.08 clipped to the range
    assert settings(unit, 0.2, relative=False) == pytest.approx((0.7, 1.0))
    signed = Knob("actors.us.force_posture_weight", "", -1.0, 1.0, value=-0.3)
    assert settings(signed, 0.5) == pytest.approx((-0.45, -0.15))
    rounds = Knob("max_rounds", "", 1.0, math.inf, integer=True, value=20.0)
    assert settings(rounds, 0.2) == (16.0, 24.0)
    assert settings(dataclasses.replace(rounds, value=1.0), 0.2) == (1.0, 1.0)  # at least one round


def test_a_more_strike_prone_israel_shows_as_more_escalation_with_a_paired_interval(composed):
    cfg, scenario = composed
    only = ("actors.israel.strike_propensity", "actors.us.sovereignty_cost")
    table, base = sensitivity(scenario, cfg, replications=3000, seed=1, delta=0.5, only=only)
    row = table.set_index("parameter").loc["actors.israel.strike_propensity"]
    assert row["d_escalation_high"] - row["d_escalation_high_ci"] > 0
    assert row["d_escalation_low"] + row["d_escalation_low_ci"] < 0
    assert row["provenance"] == "assumption"
    untouched = table.set_index("parameter").loc["actors.us.sovereignty_cost"]  # 0: a share of it is still 0
    assert untouched["d_escalation_high"] == 0.0 and untouched["p_escalation_high"] == base["p_escalation"]
    assert list(table["parameter"]) == [k.key for k in knobs(scenario, cfg) if k.key in only]


def test_without_only_every_knob_is_moved_and_a_prefix_selects_the_knobs_under_it(composed, monkeypatch):
    """The loop's coverage, with the engine replaced by a stand-in that returns the unchanged run (fast)."""
    import sim.core.runner as runner

    cfg, scenario = composed
    real = runner.simulate(scenario, 50, 1)
    monkeypatch.setattr(runner, "simulate", lambda *args, **kwargs: real)
    table, _ = sensitivity(scenario, cfg, replications=50, seed=1, delta=0.2)
    assert len(table) == len(knobs(scenario, cfg))
    israel, _ = sensitivity(scenario, cfg, replications=50, seed=1, delta=0.2, only=("actors.israel",))
    expected = [k.key for k in knobs(scenario, cfg) if k.key.startswith("actors.israel.")]
    assert list(israel["parameter"]) == expected and len(expected) > 3
    with pytest.raises(ConfigError, match=r"actors\.israe: no parameter has that path"):
        sensitivity(scenario, cfg, replications=50, seed=1, delta=0.2, only=("actors.israe",))


def test_the_command_writes_its_table_and_chart(tmp_path):
    proc = run_sim(
        "sensitivity",
        "nuclear_only",
        "actors.uae.deescalation=0.03",
        "replications=500",
        "--assumptions-only",
        "--only",
        "actors.uae,actors.israel",
        "--top",
        "5",
        "--out",
        str(tmp_path),
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "change in P(escalation)" in proc.stdout
    table = pd.read_csv(tmp_path / "sensitivity.csv")
    assert (table["provenance"] == "assumption").all()
    assert table["parameter"].str.match(r"actors\.(uae|israel)\.").all() and len(table) > 5
    assert (tmp_path / "sensitivity.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["nope"], "unknown scenario"),
        (["--outcome", "war"], "--outcome"),
        (["--delta", "1.5"], "--delta"),
        (["actors.us.trustt=0.3"], "did you mean"),
        (["--only", "actors.isreal"], "--only actors.isreal: no parameter"),
    ],
)
def test_bad_arguments_get_one_line(args, fragment):
    proc = run_sim("sensitivity", *args, "replications=100", cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and fragment in proc.stderr
