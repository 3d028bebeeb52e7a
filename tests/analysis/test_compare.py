"""The comparison command: paired tests under common random numbers, unpaired otherwise, its files and its errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

from sim.analysis import compare
from sim.cli.compare import main as compare_main
from sim.config.compose import load_scenario
from sim.core.runner import simulate
from sim.io import write_results
from sim.sweep import table as sweep_table
from tests.forked import run_sim

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Three small runs: baseline and a strike-prone Israel with one seed, baseline with another seed."""
    root = tmp_path_factory.mktemp("runs")
    specs = {
        "base": ("baseline", [], 21),
        "strike": ("baseline", ["actors.israel.strike_propensity=0.1"], 21),
        "base_other_seed": ("baseline", [], 22),
    }
    out = {}
    for key, (name, overrides, seed) in specs.items():
        results = simulate(load_scenario(name, overrides), 2000, seed, block_size=1000)
        out[key] = root / key
        write_results(results, out[key])
    return out


# ---------------------------------------------------------------- statistics


def test_two_proportion_p_value_is_the_pearson_chi_square_test():
    k1, n1, k2, n2 = 56, 70, 48, 80
    expected = chi2_contingency([[k1, n1 - k1], [k2, n2 - k2]], correction=False).pvalue
    assert compare.two_proportion_p(k1, n1, k2, n2) == pytest.approx(expected, rel=1e-9)
    assert compare.two_proportion_p(0, 10, 0, 20) == 1.0


def test_mcnemar_p_value_is_the_exact_binomial_test_of_discordant_pairs():
    x = np.array([1] * 10 + [0] * 30, bool)
    y = np.zeros(40, bool)
    assert compare.mcnemar_p(x, y) == pytest.approx(2 * 0.5**10)
    assert compare.mcnemar_p(x, x) == 1.0


def test_newcombe_unpaired_interval_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 vs 48/80, method 10: 0.0524 to 0.3339.
    low, high = compare.newcombe_unpaired(48, 80, 56, 70)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_newcombe_paired_interval_without_association_is_the_square_and_add_of_wilson_intervals():
    # a*d - b*c between 0 and n/2: Newcombe's corrected phi is 0, and the paired interval is the unpaired one
    # on the same margins; a negative association (phi < 0) widens it (Newcombe 1998, Stat Med 17:2635).
    x = np.array([1] * 3 + [0] * 5 + [1] * 2 + [0] * 30, bool)  # a, b, c, d = 3, 5, 2, 30: ad - bc = 80 > n/2 = 20
    y = np.array([1] * 3 + [1] * 5 + [0] * 2 + [0] * 30, bool)
    low, high = compare.newcombe_paired(x, y)
    assert low < y.mean() - x.mean() < high
    x0 = np.array([1] * 1 + [0] * 5 + [1] * 4 + [0] * 10, bool)  # a, b, c, d = 1, 5, 4, 10: ad - bc = -10 < 0
    y0 = np.array([1] * 1 + [1] * 5 + [0] * 4 + [0] * 10, bool)
    xs = np.array([1] * 1 + [0] * 3 + [1] * 3 + [0] * 12, bool)  # a, b, c, d = 1, 3, 3, 12: ad - bc = 3 in [0, n/2]
    ys = np.array([1] * 1 + [1] * 3 + [0] * 3 + [0] * 12, bool)
    assert compare.newcombe_paired(xs, ys) == pytest.approx(compare.newcombe_unpaired(4, 19, 4, 19))
    assert compare.newcombe_paired(x0, y0)[1] - compare.newcombe_paired(x0, y0)[0] > (
        compare.newcombe_unpaired(5, 20, 6, 20)[1] - compare.newcombe_unpaired(5, 20, 6, 20)[0]
    )


def test_paired_intervals_cover_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(3)
    hits, trials, n = 0, 400, 300
    for _ in range(trials):
        u = rng.random(n)
        x, y = u < 0.40, u < 0.45  # strongly paired, as under common random numbers; true difference 0.05
        low, high = compare.newcombe_paired(x, y)
        hits += low <= 0.05 <= high
    assert 0.91 <= hits / trials <= 0.99


# ---------------------------------------------------------------- the command


def test_runs_with_one_seed_are_compared_pair_by_pair(runs, tmp_path, capsys):
    assert compare_main([str(runs["base"]), str(runs["strike"]), "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "paired (McNemar)" in text and "two-proportion" not in text
    table = pd.read_csv(tmp_path / "comparison.csv")
    assert (tmp_path / "comparison.png").stat().st_size > 10_000
    esc = table[(table["outcome"] == "escalation") & (table["index"] == 2)].iloc[0]
    first = table[(table["outcome"] == "escalation") & (table["index"] == 1)].iloc[0]
    assert esc["difference"] == pytest.approx(esc["p"] - first["p"])
    assert esc["difference_low"] <= esc["difference"] <= esc["difference_high"]
    assert esc["difference_low"] > 0 and esc["p_value"] < 1e-6  # a strike-prone Israel: more escalation
    # Pairing tightens the interval: the same two runs compared as independent samples give a wider one.
    assert compare_main([str(runs["base"]), str(runs["strike"]), "--test", "unpaired", "--out", str(tmp_path / "u")]) == 0
    unpaired = pd.read_csv(tmp_path / "u" / "comparison.csv")
    row = unpaired[(unpaired["outcome"] == "escalation") & (unpaired["index"] == 2)].iloc[0]
    assert row["test"] == "two-proportion z"
    assert row["difference_high"] - row["difference_low"] > esc["difference_high"] - esc["difference_low"]


def test_runs_with_different_seeds_get_the_two_proportion_test(runs, tmp_path, capsys):
    assert compare_main([str(runs["base"]), str(runs["base_other_seed"]), "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "comparison.csv")
    assert set(table["test"].dropna()) == {"two-proportion z"}
    # Same configuration, two seeds: no difference to speak of.
    assert (table["p_value"].dropna() > 0.001).all()


def test_sweep_rows_are_selected_by_job_or_by_column_values(runs, tmp_path, capsys):
    root = tmp_path / "sweep"
    for job, key in enumerate(("base", "strike")):
        (root / str(job)).mkdir(parents=True)
        for name in ("summary.json", "episodes.parquet"):
            (root / str(job) / name).write_bytes((runs[key] / name).read_bytes())
        summary = json.loads((runs[key] / "summary.json").read_text())
        row = sweep_table.job_row(
            [f"actors.israel.strike_propensity={0.03 if job == 0 else 0.1}"], job, root / str(job), root, summary
        )
        sweep_table.append_row(root, row)
    assert compare_main([str(root), "--out", str(tmp_path / "all")]) == 0
    assert len(pd.read_csv(tmp_path / "all" / "comparison.csv")) == 6
    assert compare_main([f"{root}@1", f"{root}@actors.israel.strike_propensity=0.03", "--out", str(tmp_path / "sel")]) == 0
    table = pd.read_csv(tmp_path / "sel" / "comparison.csv")
    assert list(table["configuration"][:2]) == ["actors.israel.strike_propensity=0.1", "actors.israel.strike_propensity=0.03"]
    assert set(table["test"].dropna()) == {"paired (McNemar)"}


def test_scenarios_named_on_the_command_line_are_run_on_the_spot_with_one_seed(tmp_path, capsys):
    code = compare_main(
        [
            "baseline",
            "nuclear_only",
            "baseline actors.oman.effectiveness=0.9",
            "replications=400",
            "seed=4",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    table = pd.read_csv(tmp_path / "comparison.csv")
    assert list(table["configuration"][:3]) == ["baseline", "nuclear_only", "baseline actors.oman.effectiveness=0.9"]
    assert set(table["test"].dropna()) == {"paired (McNemar)"}
    assert (table["replications"] == 400).all()
    assert (tmp_path / "runs" / "nuclear_only" / "summary.json").exists()


@pytest.mark.parametrize(
    ("make_args", "expected"),
    [
        (lambda r, t: [str(r["base"])], "nothing to compare"),
        (lambda r, t: [str(r["base"]), str(t / "missing" / "run")], "no such run directory"),
        (lambda r, t: [str(r["base"]), "nuclear_onyl"], "did you mean 'nuclear_only'"),
        (lambda r, t: [str(r["base"]), str(r["base_other_seed"]), "--test", "paired"], "share no random numbers"),
        (lambda r, t: [str(r["base"]), str(t / "alien")], "nothing in common"),
    ],
    ids=["one-run", "missing-dir", "unknown-scenario", "paired-without-common-numbers", "nothing-in-common"],
)
def test_bad_comparisons_are_one_line_and_exit_2(runs, tmp_path, capsys, make_args, expected):
    alien = tmp_path / "alien"
    alien.mkdir()
    (alien / "summary.json").write_text(json.dumps({"scenario": "other model", "replications": 10, "p_win": 0.3}))
    with pytest.raises(SystemExit) as info:
        compare_main([*make_args(runs, tmp_path), "--out", str(tmp_path / "o")])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and expected in err[0]


def test_the_command_line_prints_no_traceback_on_bad_input(tmp_path):
    done = run_sim("compare", str(tmp_path / "nope"), str(tmp_path / "nada"), cwd=ROOT, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_identical_runs_differ_by_exactly_zero(runs, tmp_path):
    configs = [compare.from_run_dir(runs["base"]), compare.from_run_dir(runs["base"])]
    table = compare.compare(configs)
    second = table[table["index"] == 2]
    assert (second["difference"] == 0).all() and (second["p_value"] == 1).all()
    assert all(math.isclose(v, 0, abs_tol=1e-3) or v < 0 for v in second["difference_low"])
