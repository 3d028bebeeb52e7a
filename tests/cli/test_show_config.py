"""Hydra's ``--cfg`` and its companion flags: the configuration printed, or one line and exit status 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from sim.cli.app import main
from tests.cli.conftest import assert_one_line_error
from tests.conftest import without_context_odds
from tests.forked import run_sim

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    argv = without_context_odds(args)
    return run_sim(*argv)


def test_cfg_hydra_resolve_prints_the_hydra_config_with_the_run_folder_resolved(tmp_path):
    # hydra.run.dir refers to output_root and scenario.name, keys outside the hydra node
    proc = run_cli("--cfg", "hydra", "--resolve", "scenario=israeli_strike_pressure", f"output_root={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    cfg = yaml.safe_load(proc.stdout)
    assert list(cfg) == ["hydra"]
    assert cfg["hydra"]["run"]["dir"].startswith(f"{tmp_path}/run/israeli_strike_pressure/")
    assert "${" not in cfg["hydra"]["run"]["dir"]
    assert "help" not in cfg["hydra"] and "hydra_help" not in cfg["hydra"]  # as Hydra prints it


def test_cfg_hydra_resolve_of_one_package_and_without_resolve_as_before():
    proc = run_cli("--cfg", "hydra", "--resolve", "-p", "hydra.run")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# @package hydra.run\n")
    assert yaml.safe_load(proc.stdout)["dir"].startswith("outputs/run/baseline/")
    proc = run_cli("--cfg", "hydra", "-p", "hydra.run")
    assert proc.returncode == 0, proc.stderr
    assert "${output_root}/run/${sim_label:${scenario.name}," in yaml.safe_load(proc.stdout)["dir"]


def test_an_interpolation_that_does_not_resolve_is_one_line():
    proc = run_cli("--cfg", "job", "--resolve", "+note=${nosuch}")
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert "nosuch" in err and "drop --resolve" in err


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--resolve"], ["--resolve", "add --cfg job"]),
        (["--hydra-help", "--resolve"], ["--resolve", "add --cfg job"]),
        (["--cfg", "job", "-m"], ["--multirun and --cfg", "only one"]),
        (["-c", "hydra", "-r"], ["--run and --cfg", "-r is --run", "--resolve has no short form"]),
        (["--cfg", "job", "--info"], ["--cfg and --info", "only one"]),
    ],
)
def test_flags_that_do_not_go_together_are_one_line(capsys, args, fragments):
    assert_one_line_error(capsys, main, args, fragments)


def test_a_changed_scenario_gets_a_folder_and_a_heading_of_its_own(tmp_path):
    proc = run_cli("~actors.israel", "actors.us.trust=0.6", "replications=200", f"output_root={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Scenario baseline+no-israel+us.trust=0.6: 200 replications")
    (folder,) = (tmp_path / "run").iterdir()
    assert folder.name == "baseline+no-israel+us.trust=0.6"
    assert not (tmp_path / "run" / "baseline").exists()
