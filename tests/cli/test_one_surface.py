"""One command surface: a user's scenario in an outside folder, and ``output_root=``, work the same in every command.

For each command, ``--config-dir my_configs scenario=mine`` (a scenario that
exists only in the user's folder, with a horizon of 12 rounds) must be composed
from that folder, and the command's folder must follow the one layout
``<output_root>/<command>/<label>/<time>-<id>/`` with the label naming the
scenario (``output_root=`` as a run takes it). The sizes are tiny: what is
checked is where the work went and that it was the user's scenario.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.test_examples import MINE
from tests.forked import run_sim

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}-[0-9a-f]{6}$")
#: command -> (its arguments after the shared ones, the label of its folder, a file it writes there)
COMMANDS = {
    "run": (["replications=200", "context_odds=false"], "mine", "summary.json"),
    "explore": (["replications=2000", "--rbd", "1000", "--no-draws"], "mine", "summary.json"),
    "sensitivity": (["replications=200", "--only", "actors.israel"], "mine", "sensitivity.csv"),
    "retro": (["replications=200", "--case", "jcpoa_2013_2015"], "mine", "retro.csv"),
    "policies": (["--policies", "nuclear_only,status_quo", "--vectors", "4", "--per-vector", "20"], "mine", "policies.csv"),
}


@pytest.fixture
def mine(tmp_path) -> Path:
    folder = tmp_path / "my_configs"
    (folder / "scenario").mkdir(parents=True)
    (folder / "scenario" / "mine.yaml").write_text(MINE)
    return folder


def the_folder(root: Path, command: str, label: str) -> Path:
    """The one folder the command made under ``root``, checked against the layout."""
    made = sorted(p for p in (root / command).glob("*/*") if p.is_dir())
    assert len(made) == 1, made
    assert made[0].parent.name == label and STAMP.match(made[0].name), made[0]
    return made[0]


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_users_scenario_runs_in_every_command_into_the_one_layout(tmp_path, mine, command):
    extra, label, written = COMMANDS[command]
    root = tmp_path / "out"
    head = [] if command == "run" else [command]
    proc = run_sim(*head, "--config-dir", str(mine), "scenario=mine", f"output_root={root}", *extra, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    folder = the_folder(root, command, label)
    assert (folder / written).exists()
    assert not (tmp_path / "outputs").exists()  # nothing went to the default root
    if command in ("run", "explore"):
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["scenario"] == "mine"
        assert summary.get("max_rounds", 12) == 12


@pytest.mark.slow
def test_compare_pairs_a_users_scenario_and_output_root_is_a_setting_not_a_third_configuration(tmp_path, mine):
    root = tmp_path / "out"
    proc = run_sim(
        "compare", "baseline", "mine", "--config-dir", str(mine), "replications=200", f"output_root={root}", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Comparing 2 configurations" in proc.stdout and "output_root" not in proc.stdout.split("\n\n", 1)[1]
    folder = the_folder(root, "compare", "baseline_vs_mine")
    assert (folder / "comparison.csv").exists() and (folder / "comparison.png").exists()


def test_scenarios_lists_and_shows_a_users_scenario(tmp_path, mine):
    listing = run_sim("scenarios", "--config-dir", str(mine), cwd=tmp_path, timeout=300)
    assert listing.returncode == 0, listing.stderr
    assert re.search(r"^\s*mine\b", listing.stdout, re.M), listing.stdout
    shown = run_sim("scenarios", "mine", "--config-dir", str(mine), cwd=tmp_path, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"max_rounds\D+12\b", shown.stdout), shown.stdout


@pytest.mark.parametrize("command", ["explore", "sensitivity", "retro", "policies", "compare", "calibrate"])
def test_an_empty_output_root_is_one_line(tmp_path, command):
    args = ["baseline", "mine"] if command == "compare" else []
    proc = run_sim(command, *args, "output_root=", cwd=tmp_path, timeout=300)
    assert proc.returncode == 2 and proc.stderr.strip().startswith("error: output_root="), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
