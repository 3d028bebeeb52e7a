"""``python -m sim retro`` end to end with small replications: the report, retro.csv, retro.png, bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.history import known_cases, load_case, run_case
from sim.analysis.retro import COLUMNS
from tests.forked import run_sim

ROOT = Path(__file__).resolve().parent.parent


def retro(*args: str) -> subprocess.CompletedProcess:
    return run_sim("retro", *args)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("retro")
    proc = retro("replications=400", "seed=3", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout


def test_retro_writes_the_csv_with_exactly_the_stated_columns_and_a_figure(run_dir):
    out, _ = run_dir
    table = pd.read_csv(out / "retro.csv")
    assert tuple(table.columns) == COLUMNS
    assert list(table["case"]) == known_cases()
    assert (out / "retro.png").stat().st_size > 10_000
    p = table[["p_deal", "p_escalation", "p_stalemate"]].sum(axis=1)
    assert ((p - 1).abs() < 1e-9).all()


def test_retro_numbers_are_those_of_the_api_for_the_same_seed(run_dir):
    out, _ = run_dir
    table = pd.read_csv(out / "retro.csv").set_index("case")
    for name in known_cases():
        case = load_case(name)
        summary = run_case(case, 400, seed=3).summary
        for o in ("deal", "escalation", "stalemate"):
            assert table.loc[name, f"p_{o}"] == pytest.approx(summary[f"p_{o}"])
        assert table.loc[name, "actual"] == case.actual
        assert table.loc[name, "actual_weeks"] == case.actual_weeks


def test_retro_prints_each_case_and_the_scores_against_uniform(run_dir):
    _, stdout = run_dir
    for name in known_cases():
        assert name in stdout
    assert "against uniform -1.10" in stdout
    assert "against uniform 0.667" in stdout
    assert "most likely one in" in stdout


@pytest.mark.parametrize(
    "args, says",
    [
        (["replications=0"], "replications = 0: use a whole number >= 1"),
        (["replications=many"], "replications"),
        (["seed=-1"], "seed = -1: use a whole number >= 0"),
        (["--case", "gulf_war_1991"], "unknown case, known cases are eu3_tehran_2003"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(args, says, tmp_path):
    proc = retro(*args, "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
