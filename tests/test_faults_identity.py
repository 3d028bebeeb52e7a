"""Issue 23's faults: identities that cover every input, sweeps that never overwrite each other, names that are
labels, guards before parsing, workers that die with their parent, and one line for each fault.

Each case is the reproduction of the issue (kept small), the expected exit status, one line on stderr without a
traceback, and the right numbers or a refusal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.core.runner import simulate
from sim.io import BlockStore, write_results
from sim.sweep import plan, table
from tests.conftest import toy_scenario, without_context_odds
from tests.forked import run_sim

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = """# @package _global_
scenario:
  name: mine
  description: a user's scenario
world:
  tension: {tension}
"""


def run(*args: str, cwd: Path = ROOT, module: str = "sim", timeout: float = 300) -> subprocess.CompletedProcess:
    argv = without_context_odds(args) if module == "sim" else list(args)
    if module == "sim":
        return run_sim(*argv, cwd=cwd, timeout=timeout)
    return subprocess.run([sys.executable, "-m", module, *argv], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def one_line(result: subprocess.CompletedProcess, code: int) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    return lines[0]


def project(root: Path, tension: float) -> Path:
    (root / "scenario").mkdir(parents=True, exist_ok=True)
    (root / "scenario" / "mine.yaml").write_text(SCENARIO.format(tension=tension))
    return root


def sweep_deals(root: Path) -> list[float]:
    return [round(p, 6) for p in table.load_table(root).sort_values("job")["p_deal"]]


# ---------------------------------------------------------------- 1. silent wrong results


@pytest.mark.slow
def test_a_sweep_over_a_changed_user_config_recomputes_and_two_projects_never_share(tmp_path):
    mine = project(tmp_path / "my", 0.6)
    sweep = tmp_path / "sweep"
    args = ["-m", "scenario=mine", "seed=1,2", "replications=600", "quiet=true", "hydra/launcher=basic"]
    first = run("--config-dir", str(mine), *args, f"hydra.sweep.dir={sweep}")
    assert first.returncode == 0, first.stderr
    before = sweep_deals(sweep)
    project(mine, 0.95)  # the same file, changed
    again = run("--config-dir", str(mine), *args, f"hydra.sweep.dir={sweep}")
    assert again.returncode == 0, again.stderr
    after = sweep_deals(sweep)
    fresh = tmp_path / "fresh"
    truth = run("--config-dir", str(mine), *args, f"hydra.sweep.dir={fresh}")
    assert truth.returncode == 0, truth.stderr
    assert after == sweep_deals(fresh) and after != before  # recomputed: the numbers of the changed file
    # Another project with its own scenario/mine.yaml, the same command from the same folder: its own folder, its numbers.
    other = project(tmp_path / "other", 0.95)
    default_args = ["-m", "scenario=mine", "seed=1,2", "replications=600", "quiet=true", "hydra/launcher=basic"]
    a = run("--config-dir", str(mine), *default_args, cwd=tmp_path)
    project(mine, 0.6)
    b = run("--config-dir", str(project(tmp_path / "third", 0.6)), *default_args, cwd=tmp_path)
    c = run("--config-dir", str(other), *default_args, cwd=tmp_path)
    assert a.returncode == b.returncode == c.returncode == 0, (a.stderr, b.stderr, c.stderr)
    roots = sorted(p.parent for p in (tmp_path / "multirun").glob("*/sweep.parquet"))
    assert len(roots) == 3  # three projects, three sweep folders
    assert "already done" not in c.stdout


def test_the_block_cache_key_covers_numpy_and_mesa_versions(tmp_path, monkeypatch):
    from sim.io import identity as simio

    scenario = toy_scenario()
    key = BlockStore(tmp_path, scenario, 1, 100).key
    monkeypatch.setattr(simio, "library_versions", lambda: {"numpy": "0.0", "mesa": "0.0"})
    assert BlockStore(tmp_path, scenario, 1, 100).key != key
    assert BlockStore(tmp_path, scenario, 1, 100, configs="a").key != BlockStore(tmp_path, scenario, 1, 100, configs="b").key


def test_a_sweep_job_key_covers_user_config_folders_and_library_versions(tmp_path, monkeypatch):
    from sim.io import identity as simio
    from sim.sweep import identity

    mine = project(tmp_path / "my", 0.6)
    base = identity.job_key(["scenario=mine"], identity.config_fingerprint(None, [mine]))
    project(mine, 0.95)
    changed = identity.job_key(["scenario=mine"], identity.config_fingerprint(None, [mine]))
    other = identity.job_key(["scenario=mine"], identity.config_fingerprint(None, [project(tmp_path / "b", 0.95)]))
    assert len({base, changed, other}) == 3
    monkeypatch.setattr(simio, "library_versions", lambda: {"numpy": "0.0", "mesa": "0.0"})
    assert identity.job_key(["scenario=mine"], identity.config_fingerprint(None, [mine])) != changed


def test_compare_refuses_episodes_that_do_not_belong_to_their_summary(tmp_path, baseline):
    import dataclasses

    for name, seed, tension in (("a", 1, 0.3), ("b", 2, 0.9)):
        scenario = dataclasses.replace(baseline, world=dataclasses.replace(baseline.world, tension=tension))
        write_results(simulate(scenario, 2000, seed), tmp_path / name)
    (tmp_path / "a" / "episodes.parquet").replace(tmp_path / "x.parquet")
    (tmp_path / "b" / "episodes.parquet").rename(tmp_path / "a" / "episodes.parquet")  # b's episodes beside a's summary
    write_results(simulate(baseline, 2000, 3), tmp_path / "b")
    out = tmp_path / "cmp"
    line = one_line(run("compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)), 2)
    assert "does not belong to" in line and "episodes.parquet" in line and "summary.json" in line
    assert not out.exists()
    # A file written before run keys (no key in either file) is checked by its count and odds.
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    del summary["run_key"]
    (tmp_path / "a" / "summary.json").write_text(json.dumps(summary))
    frame = pd.read_parquet(tmp_path / "a" / "episodes.parquet")
    frame.to_parquet(tmp_path / "a" / "episodes.parquet", index=False)
    line = one_line(run("compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)), 2)
    assert "does not belong to" in line


def test_compare_names_a_damaged_summary(tmp_path):
    write_results(simulate(toy_scenario(), 500, 1), tmp_path / "a")
    write_results(simulate(toy_scenario(), 500, 2), tmp_path / "b")
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    summary["replications"] = "lots"
    (tmp_path / "a" / "summary.json").write_text(json.dumps(summary))
    line = one_line(run("compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "c")), 2)
    assert str(tmp_path / "a" / "summary.json") in line and "damaged" in line


# ---------------------------------------------------------------- 2. data lost


def test_another_sweep_pointed_at_a_sweep_folder_is_refused_and_the_first_keeps_its_rows(tmp_path):
    sweep = tmp_path / "sweep"
    common = ["-m", "replications=300", "quiet=true", "hydra/launcher=basic", f"hydra.sweep.dir={sweep}"]
    first = run(*common, "seed=1,2")
    assert first.returncode == 0, first.stderr
    rows = table.read_rows(sweep)
    line = one_line(run(*common, "seed=3,4,5"), 2)
    assert "belongs to another sweep" in line and "hydra.sweep.dir" in line
    assert table.read_rows(sweep) == rows and sorted(p.name for p in sweep.iterdir() if p.name.isdigit()) == ["0", "1"]
    again = run(*[a for a in common if a != "quiet=true"], "seed=1,2")  # the same sweep is let in, its jobs done
    assert again.returncode == 0 and "2 already done" in again.stdout, again.stdout


def test_concurrent_different_sweeps_in_one_folder_cannot_mix(tmp_path):
    sweep = tmp_path / "sweep"
    common = ["-m", "replications=300", "quiet=true", "hydra/launcher=basic", f"hydra.sweep.dir={sweep}"]
    procs = [
        subprocess.Popen([sys.executable, "-m", "sim", *common, f"seed={s}"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for s in ("1,2", "7,8")
    ]
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = next(err for code, err in results if code == 2)
    assert "belongs to another sweep" in refused and len(refused.strip().splitlines()) == 1
    assert len({r["base_seed"] if "base_seed" in r else r["seed"] for r in table.read_rows(sweep)}) == 2


def test_two_dashboard_saves_in_the_same_second_get_two_folders(tmp_path, monkeypatch):
    from sim.app import state

    configured = state.configure("baseline")
    odds = state.live_odds(configured, configured.values, replications=1000, seed=1)
    paths = {state.save_run(odds, root=tmp_path) for _ in range(3)}
    assert len(paths) == 3 and all((p / "summary.json").exists() for p in paths)


# ---------------------------------------------------------------- 3. names are labels, never paths


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["scenario.name=../../escaped"], "scenario.name"),
        (["scenario.name=${oc.env:HOME}"], "interpolation"),
        (["scenario=/etc/passwd"], "not a path"),
        (["scenario=../../x"], "not a path"),
    ],
)
def test_a_name_that_is_a_path_or_an_interpolation_is_refused(tmp_path, args, fragment):
    out = tmp_path / "root" / "out"
    line = one_line(run("replications=100", f"output_root={out}", *args, cwd=tmp_path), 2)
    assert fragment in line
    assert not (tmp_path / "escaped").exists() and not list(tmp_path.rglob("summary.json"))


def test_a_path_as_name_in_a_users_config_file_is_refused(tmp_path):
    mine = tmp_path / "my"
    (mine / "scenario").mkdir(parents=True)
    (mine / "scenario" / "evil.yaml").write_text("# @package _global_\nscenario:\n  name: ../../evil\n  description: x\n")
    line = one_line(run("--config-dir", str(mine), "scenario=evil", "replications=100", f"output_root={tmp_path}/o"), 2)
    assert "scenario.name" in line and "../../evil" in line
    assert not list(tmp_path.rglob("summary.json"))


# ---------------------------------------------------------------- 5. config files are code


def test_a_users_sweep_file_cannot_register_a_callback_unless_allowed(tmp_path):
    mine = tmp_path / "my"
    (mine / "sweep").mkdir(parents=True)
    target = tmp_path / "owned.txt"
    (mine / "sweep" / "evil.yaml").write_text(
        "# @package _global_\nhydra:\n  callbacks:\n    evil:\n      _target_: sim.io.atomic_write_text\n"
        f"      path: {target}\n      text: owned\n  sweeper:\n    params:\n      seed: 1,2\nreplications: 200\n"
    )
    args = ["--config-dir", str(mine), "-m", "sweep=evil", "quiet=true", "hydra/launcher=basic", f"hydra.sweep.dir={tmp_path}/s"]
    line = one_line(run(*args), 2)
    assert "hydra.callbacks.evil" in line and "--allow-callbacks" in line and not target.exists()
    allowed = run(*args, "--allow-callbacks")
    assert target.read_text() == "owned", allowed.stderr[-2000:]  # allowed: Hydra calls it (as the README warns)


# ---------------------------------------------------------------- 6. workers die with their parent


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP, signal.SIGQUIT])
def test_workers_die_with_their_parent_whatever_killed_it(tmp_path, sig):
    code = (
        "import os, sys, time\n"
        "from sim import load_scenario, simulate\n"
        "print(os.getpid(), flush=True)\n"
        "simulate(load_scenario('baseline'), 400_000, 1, block_size=2000, workers=2)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    pid = int(parent.stdout.readline())
    children: list[int] = []
    deadline = time.time() + 60
    while time.time() < deadline and len(children) < 2:
        time.sleep(0.2)
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    assert len(children) >= 2, "the pool did not start"
    os.kill(pid, sig)
    parent.wait(timeout=30)
    parent.stdout.close()
    deadline = time.time() + 10
    alive = children
    while time.time() < deadline and alive:
        time.sleep(0.2)
        alive = [c for c in alive if Path(f"/proc/{c}").exists() and "Z" not in _state(c)]
    assert not alive, f"workers {alive} outlived their parent"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


# ---------------------------------------------------------------- 7. guards


def test_a_billion_laughs_and_a_deeply_nested_yaml_are_refused_in_one_line_quickly(tmp_path):
    mine = tmp_path / "my"
    (mine / "scenario").mkdir(parents=True)
    laughs = ["# @package _global_", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    laughs += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    (mine / "scenario" / "laughs.yaml").write_text("\n".join(laughs) + "\n")
    start = time.perf_counter()
    line = one_line(run("--config-dir", str(mine), "scenario=laughs", "replications=100", f"output_root={tmp_path}/o"), 2)
    assert "laughs.yaml" in line and "aliases" in line and time.perf_counter() - start < 30
    (mine / "scenario" / "laughs.yaml").unlink()
    (mine / "scenario" / "deep.yaml").write_text("# @package _global_\nx: " + "[" * 20000 + "]" * 20000 + "\n")
    line = one_line(run("--config-dir", str(mine), "scenario=deep", "replications=100", f"output_root={tmp_path}/o"), 2)
    assert "deep.yaml" in line and "nested" in line


def test_a_fifo_in_place_of_a_cached_block_is_discarded_not_opened(tmp_path):
    notes: list[str] = []
    store = BlockStore(tmp_path, toy_scenario(), 1, 100, notice=notes.append)
    store.directory.mkdir(parents=True)
    os.mkfifo(store.directory / "block_000000.npz")
    assert store.load(0, 100) is None
    assert notes and "not a regular file" in notes[0]
    assert not (store.directory / "block_000000.npz").exists()


def test_the_size_guard_scales_with_block_size(tmp_path):
    from sim.cli import budget

    scenario = toy_scenario()
    big = budget.estimate_run(scenario, 200_000, 10_000, tmp_path)
    tiny = budget.estimate_run(scenario, 200_000, 1, tmp_path)
    assert tiny.seconds > 5 * big.seconds  # one model per replication costs far more than one per 10,000
    assert tiny.disk_bytes > 20 * big.disk_bytes  # 200,000 small files: a file-system block each


@pytest.mark.parametrize(
    "command, args",
    [
        ("explore", ["replications=300000000", "--rbd", "1000"]),
        ("sensitivity", ["baseline", "replications=300000000"]),
        ("compare", ["baseline", "nuclear_only", "replications=300000000"]),
        ("retro", ["replications=300000000"]),
        (None, ["replications=300000000"]),
    ],
)
def test_every_command_has_the_size_guard(tmp_path, command, args):
    out = ["--out", str(tmp_path / "o")] if command else []
    line = one_line(run(*([command] if command else []), *args, *out, cwd=tmp_path), 2)
    assert "needs about" in line and "fewer replications" in line
    assert not (tmp_path / "o").exists()


def test_workers_above_the_cores_are_capped_with_a_note(tmp_path):
    from sim.cli import budget

    assert budget.effective_workers(100_000, 4000, 1000) == min(4, budget.cores())
    result = run("replications=4000", "block_size=1000", "workers=100000", f"output_root={tmp_path}")
    assert result.returncode == 0 and "note: workers=100000" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- 8. one line for every fault


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["scenario.name=${oc.env:NOPE_NOT_SET}"], "interpolation"),
        (["world.tension=${oc.env:NOPE_NOT_SET}"], "world.tension"),
        (["world.tension=${world.tension}"], "world.tension"),
        (["replications"], "not an override"),
        (["--config-dir", "/nonexistent", "replications=10"], "/nonexistent"),
        (["-m", "hydra.launcher.n_jobs=abc", "seed=1,2"], "n_jobs"),
    ],
)
def test_interpolations_and_odd_arguments_are_one_line_exit_2(tmp_path, args, fragment):
    line = one_line(run(*args, f"output_root={tmp_path}", cwd=tmp_path), 2)
    assert fragment in line


@pytest.mark.parametrize("command", ["compare", "sensitivity", "explore", "retro"])
def test_an_unwritable_out_fails_before_computing(tmp_path, command):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = {"compare": ["baseline", "nuclear_only"], "sensitivity": ["baseline"], "explore": [], "retro": []}
    start = time.perf_counter()
    line = one_line(run(command, *args[command], "--out", str(blocker / "out"), cwd=tmp_path), 2)
    assert "cannot write" in line and str(blocker) in line and time.perf_counter() - start < 60


def test_quiet_with_a_config_dir_runs(tmp_path):
    mine = project(tmp_path / "my", 0.6)
    result = run("quiet=true", "--config-dir", str(mine), "scenario=mine", "replications=200", f"output_root={tmp_path}/o")
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_invalid_utf8_in_the_rows_and_a_damaged_job_summary_do_not_block_a_resume(tmp_path):
    sweep = tmp_path / "sweep"
    common = ["-m", "replications=300", "seed=1,2", "quiet=true", "hydra/launcher=basic", f"hydra.sweep.dir={sweep}"]
    assert run(*common).returncode == 0
    with open(sweep / table.ROWS, "ab") as handle:
        handle.write(b"\xff\xfe not utf-8\n")
    (sweep / "1" / "summary.json").write_text("{damaged")
    assert len(plan.done_keys(sweep)) == 1  # the damaged job is not done
    again = run(*[a for a in common if a != "quiet=true"])
    assert again.returncode == 0 and "1 already done" in again.stdout, (again.stdout, again.stderr)


def run_under_file_limit(tmp_path: Path, limit_bytes: int, *args: str) -> subprocess.CompletedProcess:
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, "-m", "sim", *args, f"output_root={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=300,
    )


def run_folders(root: Path) -> list[Path]:
    return [p for p in (root / "run").glob("*/*")] if (root / "run").is_dir() else []


def test_a_file_size_limit_in_hydras_own_save_is_one_line_exit_1_and_no_run_folder(tmp_path):
    """Below the resolved configuration Hydra saves before the job starts (.hydra/config.yaml, about 29 KB)."""
    line = one_line(run_under_file_limit(tmp_path, 20_000, "replications=2000"), 1)
    assert "ulimit -f" in line and ".hydra" in line and "resume" not in line, line
    assert run_folders(tmp_path) == [] and not (tmp_path / "run").exists(), list(tmp_path.rglob("*"))


def test_a_file_size_limit_on_the_results_is_one_line_exit_1_and_no_empty_run_folder(tmp_path):
    """Above the configuration, below the episodes' file: nothing computed is left in the run folder, so it goes."""
    line = one_line(run_under_file_limit(tmp_path, 100_000, "replications=20000", "block_size=5000"), 1)
    assert "ulimit -f" in line, line
    assert run_folders(tmp_path) == [], [list(p.rglob("*")) for p in run_folders(tmp_path)]
    kept = [f for f in (tmp_path / ".blocks").rglob("*") if f.is_file()]  # the finished blocks: the resume's
    assert kept, list(tmp_path.rglob("*"))


def test_a_run_folder_with_anything_computed_is_never_removed(tmp_path):
    from sim.cli import faults

    kept = tmp_path / "run" / "a" / "t1"
    (kept / ".hydra").mkdir(parents=True)
    (kept / ".hydra" / "config.yaml").write_text("x: 1\n")
    (kept / "blocks").mkdir()
    (kept / "blocks" / "b0.parquet").write_bytes(b"computed")
    assert not faults.remove_unused_run_dir(kept, tmp_path) and (kept / "blocks" / "b0.parquet").exists()
    (kept / "summary.json").write_text("{}")
    (kept / "blocks" / "b0.parquet").unlink()
    (kept / "blocks").rmdir()
    assert not faults.remove_unused_run_dir(kept, tmp_path) and (kept / "summary.json").exists()
    empty = tmp_path / "run" / "b" / "t2"
    (empty / ".hydra").mkdir(parents=True)
    (empty / ".hydra" / "hydra.yaml").write_text("y: 2\n")
    (empty / "app.log").write_text("")
    assert faults.remove_unused_run_dir(empty, tmp_path)
    assert not (tmp_path / "run" / "b").exists() and kept.exists() and tmp_path.exists()


CTRL_C_WHILE_DRAWING = """
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as from a terminal, whatever the pytest worker passed on
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
import sim.analysis.plots as plots

def drawing(*args, **kwargs):  # Ctrl-C arrives while the figures are drawn
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(30)

plots.write_figures = drawing
from sim.cli.app import main
main(sys.argv[1:])
"""


def test_ctrl_c_while_drawing_the_figures_says_where_the_results_are_not_resume(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CTRL_C_WHILE_DRAWING,
            "replications=3000",
            "block_size=1000",
            "plots=true",
            f"output_root={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = one_line(result, 130)
    assert "while drawing the figures" in line and "resume" not in line and "blocks" not in line, line
    (folder,) = run_folders(tmp_path)
    assert str(folder) in line and (folder / "summary.json").exists() and (folder / "episodes.parquet").exists()
