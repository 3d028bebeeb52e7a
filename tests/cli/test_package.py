"""The built wheel runs from any directory: configs ship inside it, users add their own config folders.

The wheel is built from the repository and installed with ``pip --target`` (no
dependencies: they are this environment's), then run from an empty directory
with that folder first on the path, so nothing of the repository is used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = """# @package _global_
scenario:
  name: mine
  description: "a user's own scenario, outside the package"
max_rounds: 7
provenance:
  max_rounds: "assumption: a test value"
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", str(ROOT), "-w", str(base / "dist")], check=True, capture_output=True, cwd=base, timeout=300
    )
    wheel = next((base / "dist").glob("muscat_sim-*.whl"))
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(base / "site"), str(wheel)], check=True, capture_output=True, timeout=300
    )
    return base / "site"


def run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_wheel_holds_the_configs_and_runs_the_baseline_from_an_empty_directory(installed, tmp_path):
    where = run(installed, tmp_path, "-c", "import sim; print(sim.__file__)")
    assert where.stdout.strip().startswith(str(installed)), where.stdout + where.stderr
    done = run(installed, tmp_path, "-m", "sim", "replications=1000", "quiet=true")
    assert done.returncode == 0, done.stderr
    summary = next((tmp_path / "outputs" / "run" / "baseline").glob("*/summary.json"))
    assert json.loads(summary.read_text())["replications"] == 1000
    listing = run(installed, tmp_path, "-m", "sim", "scenarios")
    assert listing.returncode == 0 and "nuclear_only" in listing.stdout


def test_a_two_job_sweep_runs_from_the_wheel(installed, tmp_path):
    done = run(
        installed,
        tmp_path,
        "-m",
        "sim",
        "-m",
        "actors.oman.effectiveness=0.3,0.9",
        "replications=200",
        "hydra/launcher=basic",
        "hydra.sweep.dir=sweep",
    )
    assert done.returncode == 0, done.stderr
    assert "2 jobs, 2 run" in done.stdout
    assert (tmp_path / "sweep" / "sweep.parquet").exists()


@pytest.mark.parametrize("how", ["--config-dir", "hydra.searchpath"])
def test_a_scenario_in_a_users_own_folder_runs(installed, tmp_path, how):
    mine = tmp_path / "my_configs"
    (mine / "scenario").mkdir(parents=True)
    (mine / "scenario" / "mine.yaml").write_text(SCENARIO)
    args = ["--config-dir", str(mine)] if how == "--config-dir" else [f"hydra.searchpath=[file://{mine}]"]
    done = run(installed, tmp_path, "-m", "sim", *args, "scenario=mine", "replications=500", "quiet=true", "hydra.run.dir=run")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["scenario"] == "mine" and summary["mean_rounds"]["stalemate"] <= 7
    wrong = run(installed, tmp_path, "-m", "sim", *args, "scenario=mien", "replications=10")
    assert wrong.returncode == 2 and len(wrong.stderr.strip().splitlines()) == 1 and "unknown scenario" in wrong.stderr


def test_the_configs_are_at_the_top_level_and_the_wheel_lists_every_package():
    """configs/ sits beside sim/ in the repository; pyproject.toml's explicit package list misses no package."""
    import tomllib

    from sim.config.compose import CONFIG_DIR

    assert (ROOT / "configs" / "config.yaml").is_file() and not (ROOT / "sim" / "configs").exists()
    assert CONFIG_DIR.resolve() == (ROOT / "configs").resolve()
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("sim", "hydra_plugins")
        for p in (ROOT / top).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert on_disk <= set(setuptools["packages"]), sorted(on_disk - set(setuptools["packages"]))
    assert setuptools["package-dir"] == {"sim.configs": "configs"}
