"""A plain run prints, beneath its configured odds, the odds across the assumptions and history-weighted, and
summary.json carries them; posterior=history draws each replication's behaviour from the shipped posterior."""

from __future__ import annotations

import json

import pytest

from sim.config.posterior import SHIPPED
from tests.cli.test_cli import run_cli


def test_a_run_shows_the_three_sets_of_odds(tmp_path):
    proc = run_cli("replications=2000", "seed=7", "context_odds=true", f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    assert "across the assumptions" in proc.stdout and "configured: the odds if every value is as configured" in proc.stdout
    ctx = json.loads((tmp_path / "summary.json").read_text())["context_odds"]
    for o, v in ctx["assumptions"].items():
        assert 0 <= v["p5"] <= v["p"] <= v["p95"] <= 1, o
    if SHIPPED.exists():
        assert "history-weighted" in proc.stdout and ctx["history"]["deal"]["p5"] <= ctx["history"]["deal"]["p95"]


def test_context_odds_can_be_turned_off(tmp_path):
    proc = run_cli("replications=500", "context_odds=false", f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    assert "across the assumptions" not in proc.stdout
    assert "context_odds" not in json.loads((tmp_path / "summary.json").read_text())


@pytest.mark.skipif(not SHIPPED.exists(), reason="no shipped posterior: python -m sim calibrate --ship makes it")
def test_posterior_history_draws_behaviour_from_the_shipped_posterior(tmp_path):
    proc = run_cli("posterior=history", "replications=2000", "seed=3", "context_odds=true", f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    assert "Behaviour drawn per replication from the posterior" in proc.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["posterior"]["ess"] > 1 and summary["replications"] == 2000
