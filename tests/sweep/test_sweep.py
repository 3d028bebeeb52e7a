"""Sweeps through the real command line: the table, resuming, failures, launchers, common random numbers, errors."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import preflight
from sim.core.params import OUTCOMES
from sim.sweep import identity
from sim.sweep import table as sweep_table
from tests.forked import run_sim

ROOT = Path(__file__).resolve().parents[2]
RESULT_COLUMNS = [f"p_{o}{s}" for o in OUTCOMES for s in ("", "_low", "_high")] + [
    "mean_rounds",
    "main_escalation_cause",
    "seed",
    "replications",
    "block_size",
    "scenario",
    "status",
]


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = run_sim(*args)
    if check and done.returncode != 0:
        raise AssertionError(f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


GRID = ("scenario=baseline,nuclear_only", "actors.israel.strike_propensity=0.02,0.2", "replications=300", "seed=11")


@pytest.mark.slow
def test_joblib_sweep_gives_the_same_table_as_the_serial_launcher_and_hydras_own_composition(tmp_path):
    # Serial: Hydra's basic launcher, every job composed by Hydra itself (fast_compose=false).
    run_cli("-m", *GRID, "hydra/launcher=basic", "hydra.sweeper.fast_compose=false", f"hydra.sweep.dir={tmp_path / 'serial'}")
    # Parallel: joblib on two processes, jobs composed by the cached loader.
    done = run_cli("-m", *GRID, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={tmp_path / 'par'}")
    serial = sweep_table.load_table(tmp_path / "serial").sort_values("job").reset_index(drop=True)
    parallel = sweep_table.load_table(tmp_path / "par").sort_values("job").reset_index(drop=True)
    assert len(serial) == 4 and (serial["status"] == "ok").all()
    # One line per finished job, and the closing line.
    assert sum(line.startswith("[sweep ") for line in done.stdout.splitlines()) == 4
    assert "4 jobs, 4 run, 0 already done, 0 failed" in done.stdout
    # Every swept parameter is a column; the three odds sum to one.
    assert list(serial["actors.israel.strike_propensity"]) == [0.02, 0.2, 0.02, 0.2]
    assert list(serial["scenario"]) == ["baseline", "baseline", "nuclear_only", "nuclear_only"]
    total = serial["p_deal"] + serial["p_escalation"] + serial["p_stalemate"]
    assert total.round(12).eq(1).all()
    pd.testing.assert_frame_equal(serial[RESULT_COLUMNS], parallel[RESULT_COLUMNS])
    for job in range(4):  # the cached loader composes exactly what Hydra composes
        assert (tmp_path / "serial" / str(job) / ".hydra" / "config.yaml").read_text() == (
            tmp_path / "par" / str(job) / ".hydra" / "config.yaml"
        ).read_text()
    # Both files are there and agree; a stronger Israeli strike hazard raises escalation.
    csv = pd.read_csv(tmp_path / "par" / sweep_table.TABLE_CSV)
    assert list(csv["p_deal"]) == pytest.approx(list(parallel["p_deal"]))
    base = serial[serial["scenario"] == "baseline"]
    assert base["p_escalation"].iloc[1] > base["p_escalation"].iloc[0]


def test_common_random_numbers_by_default_and_a_seed_per_job_when_turned_off(tmp_path):
    for folder, extra in (("crn", []), ("free", ["hydra.sweeper.crn=false"])):
        run_cli(
            "-m",
            "actors.israel.strike_propensity=0.02,0.03",
            "replications=50",
            "seed=5",
            "quiet=true",
            "hydra/launcher=basic",
            *extra,
            f"hydra.sweep.dir={tmp_path / folder}",
        )
    crn = sweep_table.load_table(tmp_path / "crn")
    free = sweep_table.load_table(tmp_path / "free")
    assert list(crn["seed"]) == [5, 5] and crn["crn"].all()
    assert free["seed"].nunique() == 2 and not free["crn"].any()
    summary = json.loads((tmp_path / "free" / "1" / "summary.json").read_text())
    assert summary["base_seed"] == 5 and summary["crn"] is False
    assert summary["seed"] == identity.derived_seed(
        5, ["actors.israel.strike_propensity=0.03", "replications=50", "seed=5", "quiet=true"]
    )


def test_derived_seed_depends_on_the_configuration_not_on_run_settings():
    a = identity.derived_seed(1, ["actors.israel.strike_propensity=0.1", "replications=10"])
    assert a == identity.derived_seed(1, ["replications=99", "actors.israel.strike_propensity=0.1", "quiet=true"])
    assert a != identity.derived_seed(1, ["actors.israel.strike_propensity=0.2"])
    assert a != identity.derived_seed(2, ["actors.israel.strike_propensity=0.1"])
    assert 0 <= a < 2**63


def test_an_interrupted_sweep_resumes_and_runs_only_the_missing_jobs(tmp_path):
    root = tmp_path / "sw"
    args = ("-m", "actors.oman.effectiveness=0.3,0.5,0.7", "replications=100", "hydra/launcher=basic", f"hydra.sweep.dir={root}")
    run_cli(*args)
    # Interrupt after two jobs: job 2's row never made it to the table, its directory is half written.
    rows = (root / sweep_table.ROWS).read_text().splitlines()
    (root / sweep_table.ROWS).write_text("\n".join(r for r in rows if json.loads(r)["job"] != 2) + "\n")
    (root / "2" / "summary.json").unlink()
    first_summary = (root / "0" / "summary.json").stat().st_mtime_ns
    done = run_cli(*args)
    assert "3 jobs, 1 run, 2 already done, 0 failed" in done.stdout
    assert "job 2 done" in done.stdout and "job 0 done" not in done.stdout
    assert (root / "0" / "summary.json").stat().st_mtime_ns == first_summary
    table = sweep_table.load_table(root)
    assert list(table["job"]) == [0, 1, 2] and (table["status"] == "ok").all()
    # Running it once more does nothing.
    again = run_cli(*args)
    assert "3 jobs, 0 run, 3 already done" in again.stdout


def test_a_failed_job_is_a_row_with_its_error_and_the_others_go_on(tmp_path):
    root = tmp_path / "sw"
    done = run_cli("-m", "trace=true,false", "replications=40", "hydra/launcher=basic", f"hydra.sweep.dir={root}", check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert "2 jobs, 1 run, 0 already done, 1 failed" in done.stderr
    table = sweep_table.load_table(root).set_index("job")
    assert table.loc[0, "status"] == "failed"
    assert "trace=true needs replications=1" in table.loc[0, "error"]
    assert table.loc[0, "replications"] == 40 and table.loc[0, "scenario"] == "baseline"
    assert table.loc[1, "status"] == "ok" and table.loc[1, "p_deal"] >= 0


@pytest.mark.slow
def test_submitit_local_launcher_runs_a_sweep_into_the_same_table(tmp_path):
    import hydra_plugins.hydra_submitit_launcher  # noqa: F401  (in the dev extra: CI must run this test)

    root = tmp_path / "sw"
    run_cli(
        "-m",
        "actors.israel.strike_propensity=0.02,0.2",
        "replications=100",
        "seed=3",
        "quiet=true",
        "hydra/launcher=local_cluster",
        "hydra.launcher.timeout_min=5",
        f"hydra.sweep.dir={root}",
    )
    table = sweep_table.load_table(root)
    assert sorted(table["job"]) == [0, 1] and (table["status"] == "ok").all()
    assert (root / "0" / "summary.json").exists() and (root / "1" / "episodes.parquet").exists()
    assert table["p_escalation"].iloc[1] > table["p_escalation"].iloc[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("-m", "actors.israel.strike_propensity=0.1,abc", "replications=10"), "strike_propensity"),
        (("-m", "actors.israel.strike_propensty=0.1,0.2", "replications=10"), "did you mean"),
        (("-m", "replications=10,-5"), "replications"),
        (("-m", "hydra/launcher=nonexistent", "replications=10"), "unknown launcher 'nonexistent'"),
    ],
    ids=["bad-value", "misspelt-key", "bad-run-setting", "unknown-launcher"],
)
def test_bad_sweep_input_is_one_line_and_exit_2(args, expected, tmp_path):
    done = run_cli(*args, f"hydra.sweep.dir={tmp_path / 'sw'}", check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert not (tmp_path / "sw").exists()


@pytest.mark.parametrize("name", ["agenda_vs_mediator", "strike_vs_deescalation", "posture_vs_unrest"])
def test_named_sweeps_compose_and_sweep_at_least_two_parameters(name):
    params = preflight.sweeper_params([f"sweep={name}"])
    assert len(params) >= 2 and all("," in v for v in params.values())
    preflight.preflight(["-m", f"sweep={name}", "replications=10"])  # every value of every parameter composes


def test_default_sweep_root_is_named_after_the_command_so_a_rerun_finds_it():
    a = identity.default_sweep_dir(["a.b=1,2", "scenario=x", "quiet=true", "hydra/launcher=joblib"])
    assert a == identity.default_sweep_dir(["scenario=x", "a.b=1,2"])
    assert a != identity.default_sweep_dir(["scenario=x", "a.b=1,3"])
    assert identity.default_sweep_dir(["sweep=agenda_vs_mediator"]).startswith("multirun/agenda_vs_mediator-")
    assert identity.default_sweep_dir(["scenario=x", "a.b=1,2"], crn=False) == f"{a}-nocrn"


def sweep_root(argv: list[str]) -> str:
    return next(a.split("=", 1)[1] for a in preflight.add_default_sweep_dir(argv) if a.startswith("hydra.sweep.dir="))


def test_a_sweep_without_common_random_numbers_gets_a_root_of_its_own(tmp_path):
    plain = sweep_root(["-m", "actors.us.trust=0.3,0.6"])
    assert sweep_root(["-m", "actors.us.trust=0.3,0.6", "hydra.sweeper.crn=true"]) == plain
    assert sweep_root(["-m", "actors.us.trust=0.3,0.6", "hydra.sweeper.crn=false"]) == f"{plain}-nocrn"
    # a named sweep of the user's that turns common random numbers off in its file
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "mine.yaml").write_text(
        "# @package _global_\nhydra:\n  sweeper:\n    crn: false\n    params:\n      actors.us.trust: 0.3,0.6\n"
    )
    named = sweep_root(["-m", "--config-dir", str(tmp_path), "sweep=mine"])
    assert named.startswith("multirun/mine-") and named.endswith("-nocrn")
    assert not sweep_root(["-m", "--config-dir", str(tmp_path), "sweep=mine", "hydra.sweeper.crn=true"]).endswith("-nocrn")


@pytest.mark.slow
def test_toggling_crn_does_not_overwrite_the_other_sweeps_results(tmp_path):
    def sweep(*extra: str) -> str:
        args = ["-m", "actors.us.trust=0.3,0.6", "replications=100", "seed=5", "hydra/launcher=basic", *extra]
        done = run_sim(*args, cwd=tmp_path)  # the default sweep root is relative: multirun/...
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()[-1]

    assert "2 run, 0 already done" in sweep()
    assert "2 run, 0 already done" in sweep("hydra.sweeper.crn=false")
    assert "0 run, 2 already done" in sweep()  # the first sweep's results are still there
    roots = sorted(p.name for p in (tmp_path / "multirun").iterdir())
    assert len(roots) == 2 and roots[1] == f"{roots[0]}-nocrn"
    paired = sweep_table.load_table(tmp_path / "multirun" / roots[0])
    free = sweep_table.load_table(tmp_path / "multirun" / roots[1])
    assert paired["crn"].all() and list(paired["seed"]) == [5, 5]
    assert not free["crn"].any() and free["seed"].nunique() == 2


def _append(root: str, job: int) -> None:
    row = {
        "job": job,
        "key": f"k{job}",
        "status": "ok",
        "error": None,
        "job_dir": str(job),
        "params": ["x"],
        "x": job / 10,
        "p_deal": 0.5,
        "finished_at": str(job),
    }
    sweep_table.append_row(Path(root), row)


def test_rows_appended_concurrently_all_reach_the_table(tmp_path):
    # flock locks belong to each open() of the lock file, so threads contend for it as processes do.
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda j: _append(str(tmp_path), j), range(6)))
    table = pd.read_parquet(tmp_path / sweep_table.TABLE_PARQUET)
    assert sorted(table["job"]) == list(range(6))
    assert list(table.columns[:4]) == ["job", "status", "error", "x"]
    # A re-run of a job replaces its row; a line cut short by a crash is ignored.
    with open(tmp_path / sweep_table.ROWS, "a") as handle:
        handle.write('{"job": 9, "key": "k9", "sta')
    _append(str(tmp_path), 3)
    assert sorted(sweep_table.load_table(tmp_path)["job"]) == list(range(6))


def test_progress_bar_follows_a_single_run_block_by_block(toy):
    from sim.cli.app import progress_bar
    from sim.core.runner import simulate

    seen = []
    with progress_bar(300) as update:  # stderr is not a terminal under pytest: tqdm stays silent
        simulate(toy, 300, 1, block_size=100, progress=lambda done, total: (seen.append(done), update(done, total)))
    assert seen == [100, 200, 300]
    with progress_bar(300, enabled=False) as update:
        assert update is None
