"""Issue 23's guards in the commands the first pass left out: ``calibrate`` (its unit cache, its --out, its size).

Each case is the reproduction, the exit status, one line on stderr without a traceback, and a refusal before
anything is computed (no unit cached, no output folder made).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.cli.calibrate import UnitStore

ROOT = Path(__file__).resolve().parents[1]
CASES = ["--case", "jcpoa_2013_2015", "--case", "oman_rome_2025", "workers=1", "--no-figures"]


def calibrate(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "sim", "calibrate", *CASES, "--cache-root", str(tmp_path / "cache"), *args]
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)


def one_line(result: subprocess.CompletedProcess, code: int) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    return lines[0]


def test_a_fifo_in_place_of_a_calibration_unit_is_discarded_not_opened(tmp_path):
    store = UnitStore(tmp_path, {"any": "identity"})
    store.directory.mkdir(parents=True)
    os.mkfifo(store._path(0, 0))
    start = time.perf_counter()
    assert store.load(0, 0) is None  # opening the FIFO would block for good
    assert time.perf_counter() - start < 5 and not store._path(0, 0).exists()
    store.save(0, 1, np.ones((3, 3), dtype=np.int64))
    assert store.load(0, 1) is not None and store.resumed == 1  # a regular unit is still read


def test_an_unwritable_calibration_out_fails_before_computing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    line = one_line(calibrate(tmp_path, "--vectors", "4", "--per-vector", "5", "--out", str(blocker / "out")), 2)
    assert "cannot write the calibration to" in line and str(blocker) in line and "--out" in line
    assert "output_root" not in line  # calibrate's folder is --out: the line names that option
    assert not (tmp_path / "cache").exists()  # nothing computed


def test_calibrate_has_the_size_guard_for_replications_and_vectors(tmp_path):
    out = tmp_path / "o"
    line = one_line(calibrate(tmp_path, "--vectors", "4", "--per-vector", "300000000", "--out", str(out)), 2)
    assert "--per-vector=300000000 needs about" in line and "at most about --per-vector=" in line
    line = one_line(calibrate(tmp_path, "--vectors", "300000000000", "--per-vector", "5", "--out", str(out)), 2)
    assert "--vectors 300000000000 needs about" in line and "use fewer vectors" in line
    assert not out.exists() and not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    "command",
    [["scenarios"], ["scenarios", "deep"], ["sensitivity", "deep"], ["compare", "baseline", "deep"], ["calibrate"]],
)
def test_a_deeply_nested_yaml_in_a_users_folder_is_one_line_in_every_command(tmp_path, command):
    """A 20,000-deep YAML file was a 2,990-line RecursionError in ``scenarios`` and ``sensitivity``."""
    mine = tmp_path / "my"
    (mine / "scenario").mkdir(parents=True)
    (mine / "scenario" / "deep.yaml").write_text("# @package _global_\nx: " + "[" * 20000 + "]" * 20000 + "\n")
    argv = [sys.executable, "-m", "sim", *command, "--config-dir", str(mine)]
    out = [] if command[0] == "scenarios" else ["--out", str(tmp_path / "o")]
    line = one_line(subprocess.run([*argv, *out], cwd=tmp_path, capture_output=True, text=True, timeout=300), 2)
    assert "deep.yaml" in line and "nested more than" in line
    assert not (tmp_path / "o").exists()


def test_a_sweeps_progress_counts_only_its_own_jobs():
    """After a config file changed, the old rows are other jobs': '[sweep 2/2]' only once both new jobs are done."""
    import pandas as pd

    from sim.sweep.callback import _done

    table = pd.DataFrame({"job": [0, 1], "key": ["new0", "old1"]})  # job 0 rerun, job 1's row still the old job's
    assert _done(table, {"jobs": 2, "keys": ["new0", "new1"]}) == 1
    assert _done(table, {"jobs": 2, "keys": ["new0", "old1"]}) == 2
    assert _done(table, {}) == 2  # a manifest without keys (an older sweep): every row counts


@pytest.mark.parametrize(
    "command",
    [
        ["sensitivity", "baseline", "world.tension=${oc.env:NOPE_NOT_SET}"],
        ["explore", "world.tension=${oc.env:NOPE_NOT_SET}"],
        ["retro", "world.tension=${world.tension}"],
        ["scenarios", "baseline", "world.tension=${oc.decode:'[1,2'}"],
        ["compare", "baseline", "nuclear_only", "world.tension=${oc.env:NOPE_NOT_SET}"],
    ],
)
def test_an_interpolation_that_does_not_resolve_is_one_line_in_every_command(tmp_path, command):
    """Issue 23 found 70- to 200-line tracebacks here in sensitivity, explore and scenarios."""
    out = [] if command[0] == "scenarios" else ["--out", str(tmp_path / "o")]
    argv = [sys.executable, "-m", "sim", *command, *out]
    line = one_line(subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=300), 2)
    assert "world.tension" in line and "interpolation" in line
    assert not (tmp_path / "o").exists()


def test_ctrl_c_ends_a_calibration_on_two_workers_at_once_and_keeps_its_units(tmp_path):
    """SIGINT to the process group while two workers compute: exit 130 in one line, no worker left, units kept.

    The workers run in sim.core.pool.WorkerPool, whose stop kills them even while one writes its result (a plain
    ProcessPoolExecutor waited for the running units and could hang at exit: tests/core/test_pool.py).
    """
    from tests.test_faults import start_as_a_terminal_would

    argv = [sys.executable, "-m", "sim", "calibrate", "--case", "jcpoa_2013_2015", "--case", "oman_rome_2025"]
    argv += ["workers=2", "--no-figures", "--vectors", "400", "--per-vector", "200", "--stages", "1"]
    argv += ["--cache-root", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]
    proc = start_as_a_terminal_would(argv)
    deadline = time.monotonic() + 120
    while proc.poll() is None and not list((tmp_path / "cache").rglob("unit_*.npy")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()[1][-2000:]
    start = time.monotonic()
    os.killpg(proc.pid, 2)
    _, err = proc.communicate(timeout=60)
    elapsed = time.monotonic() - start
    lines = err.strip().splitlines()
    assert proc.returncode == 130 and len(lines) == 1 and "Traceback" not in err, err[-2000:]
    assert elapsed < 5.0, f"exit took {elapsed:.2f} s"
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):  # nobody left in the command's process group
        os.killpg(proc.pid, 0)
    assert list((tmp_path / "cache").rglob("unit_*.npy"))  # what was finished is kept for the resume
