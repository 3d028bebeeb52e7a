"""End-to-end tests of the command line: real runs in a subprocess, bad input in and out of process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.app import main
from tests.cli.conftest import assert_one_line_error
from tests.conftest import without_context_odds
from tests.forked import run_sim

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    argv = without_context_odds(args)
    return run_sim(*argv, cwd=cwd)


def test_a_baseline_run_prints_the_odds_and_writes_its_files(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("scenario=baseline", "replications=3000", "seed=7", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr
    for word in ("deal", "escalation", "stalemate", "95% interval", "Escalation causes", "Median deal terms"):
        assert word in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "baseline" and summary["replications"] == 3000 and summary["seed"] == 7
    assert summary["p_deal"] + summary["p_escalation"] + summary["p_stalemate"] == pytest.approx(1.0)
    assert set(summary["ci95"]) == {"deal", "escalation", "stalemate"}
    episodes = pd.read_parquet(out / "episodes.parquet")
    assert len(episodes) == 3000
    assert {"outcome", "round", "cause", "scope", "final_tension", "term_enrichment"} <= set(episodes.columns)
    assert (out / ".hydra" / "config.yaml").exists()
    # Mesa's per-step INFO lines must flood neither the console nor the job log
    log = "".join(p.read_text() for p in out.glob("*.log"))
    assert "Step " not in proc.stdout + proc.stderr + log


def test_the_same_command_twice_gives_the_same_numbers(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        assert run_cli("replications=2000", "seed=11", "quiet=true", f"hydra.run.dir={d}").returncode == 0
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    for key in ("p_deal", "p_escalation", "p_stalemate", "ci95", "escalation_causes", "deal_terms_median"):
        assert sa[key] == sb[key]
    pd.testing.assert_frame_equal(pd.read_parquet(a / "episodes.parquet"), pd.read_parquet(b / "episodes.parquet"))


def test_trace_prints_the_rounds_of_one_episode(tmp_path):
    proc = run_cli("replications=1", "trace=true", "seed=4", f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("round")]
    assert any("agenda" in line for line in lines)
    assert any("proposes" in line for line in lines) or any("talks end" in line for line in lines)
    assert "talks end in" in lines[-1]
    assert (tmp_path / "narrative.txt").read_text().strip().splitlines() == lines
    assert (tmp_path / "trace.csv").exists()


def test_a_bad_value_from_the_shell_is_one_line_and_exit_status_two():
    proc = run_cli("actors.us.salience.enrichment=0.9")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "salience" in proc.stderr and "sums to" in proc.stderr


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["actors.us.trustt=0.3"], ["trustt", "did you mean", "actors.us.trust"]),
        (["replications=0"], ["replications", ">= 1"]),
        (["replications=-10"], ["replications", ">= 1"]),
        (["actors.iran.salience.sanctions=0.5"], ["salience", "sums to"]),
        (["actors.iran.red_lines.enrichment=[0.8,0.2]"], ["enrichment", "reversed"]),
        (["actors.iran.red_lines.enrichment=[0.0,1.3]"], ["enrichment", "[0, 1]"]),
        (["actors.us.ideal.enrichment=0.2"], ["ideal", "outside its own red line"]),
        (["scenario=no_such_scenario"], ["no_such_scenario", "baseline"]),
    ],
)
def test_bad_input_gets_one_clear_line_naming_the_problem(capsys, args, fragments):
    assert_one_line_error(capsys, main, args, fragments)


def test_a_long_run_resumes_from_the_blocks_an_interrupted_run_left(tmp_path):
    from sim.config.compose import load_scenario
    from sim.core.runner import run_block
    from sim.io import BlockStore

    scenario = load_scenario("baseline")
    from sim.sweep.identity import config_fingerprint

    # the cache lives under the output root
    store = BlockStore(tmp_path / "out" / ".blocks", scenario, 5, 1000, configs=config_fingerprint())
    store.save(0, run_block(scenario, 1000, 5, 0))  # what an interrupted run had finished
    run = tmp_path / "out" / "run"
    proc = run_cli("replications=3000", "block_size=1000", "seed=5", f"output_root={tmp_path / 'out'}", f"hydra.run.dir={run}")
    assert proc.returncode == 0, proc.stderr
    assert "Resumed an interrupted run: 1 finished block(s)" in proc.stdout
    assert not store.directory.exists()  # cleared once the run is complete
    fresh = tmp_path / "fresh"
    assert run_cli("replications=3000", "block_size=1000", "seed=5", "quiet=true", f"hydra.run.dir={fresh}").returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(run / "episodes.parquet"), pd.read_parquet(fresh / "episodes.parquet"))
