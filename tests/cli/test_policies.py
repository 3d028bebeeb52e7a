"""python -m sim policies: the table and figure it writes, and bad input in one line."""

from __future__ import annotations

import pandas as pd
import pytest


def test_the_command_writes_its_table_and_figure(tmp_path, capsys):
    from sim.cli.policies import main

    out = tmp_path / "run"
    args = ["--policies", "status_quo,nuclear_first", "--vectors", "20", "--per-vector", "20", "--out", str(out)]
    assert main(["block_size=400", *args]) == 0
    assert {"policies.csv", "odds.csv", "boxes.csv", "summary.json", "tradeoff.png"} <= {p.name for p in out.iterdir()}
    assert "max regret deal" in capsys.readouterr().out
    frame = pd.read_csv(out / "policies.csv")
    assert set(frame["policy"]) == {"status_quo", "nuclear_first"}
    sampled = tmp_path / "sampled"
    assert main(["block_size=400", "--sample-levers", "3", "--vectors", "10", "--per-vector", "10", "--out", str(sampled)]) == 0
    assert set(pd.read_csv(sampled / "policies.csv")["policy"]) == {"sample_0", "sample_1", "sample_2"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policies", "no_such_policy"], "policy 'no_such_policy' is not in configs/policy/"),
        (["policy=nuclear_first"], "choose policies with --policies"),
        (["--deal-at-least", "1.5"], "--deal-at-least 1.5: use a probability"),
        (["--posterior", "/no/such/posterior.parquet", "--vectors", "3"], "does not exist"),
    ],
)
def test_bad_input_is_one_line(args, message, capsys):
    from sim.cli.policies import main

    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
