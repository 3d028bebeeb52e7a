"""The scenario library: every scenario runs by name, moves the odds the way its mechanics imply, and extra actors work.

Orderings are checked as paired differences: the engine uses common random
numbers, so replication i of a scenario and replication i of the baseline
face the same shocks, and the mean of the per-replication differences has a
small standard error. Each asserted shift must lie more than four standard
errors from zero, so Monte Carlo noise cannot produce or flip it.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.config.compose import CONFIG_DIR, known_scenarios, load_scenario
from sim.core.runner import simulate
from sim.core.stats import paired_difference
from tests.forked import run_sim

ROOT = Path(__file__).resolve().parents[2]
REPLICATIONS = 10_000
SEED = 2026  # not the README's seed: the orderings must not depend on one stream of draws
Z = 4.0

SCENARIOS = (
    "baseline",
    "nuclear_only",
    "broad_agenda_standoff",
    "us_military_buildup",
    "israeli_strike_pressure",
    "regional_deescalation",
    "iran_unrest_hardening",
    "sanctions_squeeze",
    "trust_building",
    "textbook_complete_information",
)

#: The direction each scenario's mechanics imply for the odds, relative to the baseline.
EXPECTED = {
    # no scope fight: no rounds lost to the agenda, no dispute tension
    "nuclear_only": {"deal": +1, "escalation": -1},
    # a lasting scope fight; missiles on the agenda leave no zone of agreement
    "broad_agenda_standoff": {"deal": -1, "escalation": +1},
    # posture raises Washington's value of force; collapsed talks escalate more often. Under issue 18's
    # mechanics (ratification, guarantees, a two-year horizon) walk-outs are rare and Washington's force is
    # almost never worth more than continuing: escalation +0.49 +- 0.15 points, deal -0.48 +- 0.15 (20,000
    # replications, seed 7), us_strike 0.035% against 0.010%: the right direction, too small to assert at four
    # standard errors here, so no direction is asserted (a finding, in the README's scenario table)
    # a higher strike hazard every round; lobbying hardens Washington's terms
    "israeli_strike_pressure": {"escalation": +1, "deal": -1},
    # less tension per round: fewer strikes and spirals. (Under the 20-week horizon, holding out was also
    # cheaper and more talks ran to the horizon, P(stalemate) +2.6 points at 30,000 replications, seed 0;
    # under the shared two-year horizon of issue 18 almost no talks reach it, and the stalemates left are
    # walk-outs, fewer here.)
    "regional_deescalation": {"escalation": -1},
    # signing costs Tehran's leadership more at home: fewer deals, talks run out of time
    "iran_unrest_hardening": {"deal": -1, "stalemate": +1},
    # Tehran's value of no deal falls, so its outside option falls and the bargaining range widens
    # (force is unchanged, so it does not become likelier): more deals. (Under the 20-week horizon, fewer talks
    # drifted to it; under the two-year horizon of issue 18 stalemates are about 1% and the squeeze moves them by
    # -0.10 +- 0.11 points, 20,000 replications, seed 7: nothing to assert.)
    "sanctions_squeeze": {"deal": +1},
    # trust discounts a package less: both accept sooner
    "trust_building": {"deal": +1, "escalation": -1},
    # complete information, a zone of agreement, costly delay, no shocks: a deal in round 1, always
    "textbook_complete_information": {"deal": +1, "escalation": -1, "stalemate": -1},
}

#: Escalation causes whose frequency the mechanics say must rise.
EXPECTED_CAUSES = {
    "israeli_strike_pressure": "israeli_strike",
}


def paired_shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of the paired differences a - b of two indicator arrays, and that mean in standard errors."""
    mean, se = paired_difference(b, a)
    return mean, mean / se if se > 0 else 0.0


@pytest.fixture(scope="module")
def runs() -> dict:
    """Episodes of every scenario, same seed (common random numbers)."""
    return {name: simulate(load_scenario(name), REPLICATIONS, SEED).episodes for name in SCENARIOS}


def test_the_library_holds_every_scenario_of_the_issue():
    assert set(SCENARIOS) <= set(known_scenarios())


@pytest.mark.parametrize("name", known_scenarios())
def test_every_scenario_file_says_what_it_represents_and_which_seed_sentence_motivates_it(name):
    text = (CONFIG_DIR / "scenario" / f"{name}.yaml").read_text()
    lines = text.splitlines()
    assert lines[0] == "# @package _global_"
    header = [line for line in lines[1:] if line.startswith("#")]
    assert len(header) >= 2, f"{name}.yaml needs a header comment saying what it represents"
    assert "Article:" in " ".join(header) or name == "baseline", f"{name}.yaml's header must quote the article's sentence"
    meta = yaml.safe_load(text)["scenario"]
    assert meta["name"] == name
    assert meta["description"] and "\n" not in meta["description"]
    assert meta["motivation"].startswith("article:")
    seed_dir = ROOT.parent / "shared" / "seed"  # the seed article, beside the project (absent from a bare clone)
    if seed_dir.exists():
        seed = normalise(" ".join(p.read_text() for p in seed_dir.glob("*.txt")))
        quoted = normalise(meta["motivation"]).removeprefix("article:").strip().strip("'")
        for fragment in quoted.split(" ... "):
            assert fragment.strip("'") in seed, f"{name}: motivation {fragment!r} is not a sentence of the seed article"


def normalise(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\u2011", "-").split())


@pytest.mark.parametrize("name", known_scenarios())
def test_every_scenario_runs_by_name(name):
    scenario = load_scenario(name)
    assert scenario.name == name
    result = simulate(scenario, 200, 1).summary
    assert result["p_deal"] + result["p_escalation"] + result["p_stalemate"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "name, outcome, sign",
    [(name, outcome, sign) for name, moves in EXPECTED.items() for outcome, sign in moves.items()],
)
def test_each_scenario_moves_the_odds_the_way_its_mechanics_imply(runs, name, outcome, sign):
    base = runs["baseline"]["outcome"].to_numpy() == outcome
    mine = runs[name]["outcome"].to_numpy() == outcome
    shift, z = paired_shift(mine, base)
    assert sign * z > Z, f"{name}: P({outcome}) moved {shift:+.4f} ({z:+.1f} standard errors), expected sign {sign:+d}"


@pytest.mark.parametrize("name, cause", list(EXPECTED_CAUSES.items()))
def test_the_channel_a_scenario_strengthens_causes_more_escalations(runs, name, cause):
    base = runs["baseline"]["cause"].to_numpy() == cause
    mine = runs[name]["cause"].to_numpy() == cause
    shift, z = paired_shift(mine, base)
    assert z > Z, f"{name}: escalations by {cause} moved {shift:+.4f} ({z:+.1f} standard errors)"


def test_the_agenda_scenarios_bracket_the_baseline(runs):
    """Narrow scope > the baseline's scope fight > a standoff over the broad agenda, for P(deal)."""
    p = {n: float((runs[n]["outcome"] == "deal").mean()) for n in ("nuclear_only", "baseline", "broad_agenda_standoff")}
    assert p["nuclear_only"] > p["baseline"] > p["broad_agenda_standoff"]


# ----------------------------------------------------------------- extra actors


def walkouts(episodes) -> np.ndarray:
    return (
        episodes["cause"].astype(str).str.endswith("_walkout").to_numpy()
        | (episodes["cause"].astype(str) == "collapse_to_confrontation").to_numpy()
    )


def test_a_sixth_actor_from_its_yaml_file_changes_results_through_its_role(runs):
    """The EU3 as a second mediator: its standing makes a bad round less likely to end the talks."""
    scenario = load_scenario("baseline", ["+actors@actors.eu3=eu3"])
    assert [m.name for m in scenario.mediators] == ["Oman", "EU3"]
    with_eu3 = simulate(scenario, REPLICATIONS, SEED).episodes
    shift, z = paired_shift(walkouts(with_eu3), walkouts(runs["baseline"]))
    assert z < -Z, f"walk-outs moved {shift:+.4f} ({z:+.1f} standard errors) with the EU3 mediating"


def test_a_new_actor_runs_from_yaml_alone(tmp_path, runs):
    """A stakeholder written as one file, without code, selected by an override, lowers P(escalation)."""
    configs = Path(shutil.copytree(CONFIG_DIR, tmp_path / "configs"))
    (configs / "actors" / "russia.yaml").write_text(
        "defaults:\n  - stakeholder_schema\n  - _self_\n"
        "name: Russia\nrole: stakeholder\ndeescalation: 0.03\nincentive: 0.02\npressure: 0.0\n"
        "provenance: {name: test, role: test, deescalation: test, incentive: test, pressure: test}\n"
    )
    scenario = load_scenario("baseline", ["+actors@actors.russia=russia"], config_dir=configs)
    assert [h.name for h in scenario.stakeholders] == ["UAE", "Russia"]
    with_russia = simulate(scenario, REPLICATIONS, SEED).episodes
    shift, z = paired_shift(
        with_russia["outcome"].to_numpy() == "escalation", runs["baseline"]["outcome"].to_numpy() == "escalation"
    )
    assert z < -Z, f"P(escalation) moved {shift:+.4f} ({z:+.1f} standard errors) with a de-escalating stakeholder"


def test_a_sixth_actor_runs_from_the_command_line(tmp_path):
    out = tmp_path / "run"
    proc = run_sim(
        "scenario=trust_building",
        "+actors@actors.eu3=eu3",
        "replications=2000",
        "seed=3",
        f"hydra.run.dir={out}",
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "deal" in proc.stdout and "escalation" in proc.stdout
    resolved = yaml.safe_load((out / ".hydra" / "config.yaml").read_text())
    assert resolved["actors"]["eu3"]["role"] == "mediator" and resolved["scenario"]["name"] == "trust_building"


def test_a_scenario_can_bring_its_own_actor():
    scenario = load_scenario("regional_deescalation")
    assert [h.name for h in scenario.stakeholders] == ["UAE", "Arab states"]


# ----------------------------------------------------------------- the README table


def _table_module():
    spec = importlib.util.spec_from_file_location("scenario_table", ROOT / "experiments" / "scenario_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_readme_scenario_table_is_the_output_of_the_committed_script():
    """The user guide's numbers must be what `python experiments/scenario_table.py` prints (20,000 replications, seed 7)."""
    readme = (ROOT / "docs" / "guide.md").read_text()
    lines = readme.split("## Scenarios", 1)[1].splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("| scenario | P(deal)"))
    end = next((k for k in range(start, len(lines)) if not lines[k].startswith("|")), len(lines))
    table = "\n".join(lines[start:end])
    module = _table_module()
    expected = module.markdown_table(module.scenario_rows(20_000, 7))
    assert table == expected, "docs/guide.md's scenario table is stale: run `python experiments/scenario_table.py` and paste it"
