"""Each sweep job's saved configuration is written whole or not at all, in a launcher's worker processes too."""

from __future__ import annotations

import errno
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.sweep.job_config import save_config_atomically
from sim.sweep.loader import CachedSweepLoader


def half_then_disk_full(monkeypatch):
    """Every ``Path.write_text`` writes half of its text, then fails as a full disk does."""

    def write_text(self, data, *args, **kwargs):
        with open(self, "w", encoding="utf-8") as handle:
            handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", write_text)


def test_a_save_that_fails_midway_leaves_the_previous_file_whole_and_no_temporary_file(tmp_path, monkeypatch):
    old, new = (
        OmegaConf.create({"seed": 1, "scenario": {"name": "baseline"}}),
        OmegaConf.create({"seed": 2, "x": list(range(50))}),
    )
    save_config_atomically(old, "config.yaml", tmp_path / ".hydra")
    written = (tmp_path / ".hydra" / "config.yaml").read_text()
    assert OmegaConf.create(written) == old
    half_then_disk_full(monkeypatch)
    with pytest.raises(OSError) as caught:
        save_config_atomically(new, "config.yaml", tmp_path / ".hydra")
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(tmp_path / ".hydra" / "config.yaml")
    assert (tmp_path / ".hydra" / "config.yaml").read_text() == written
    assert [p.name for p in (tmp_path / ".hydra").iterdir()] == ["config.yaml"]


def test_hydras_own_save_would_leave_the_half_written_file(tmp_path, monkeypatch):
    # What the atomic save guards against: Hydra writes in place (through open(), so the fault is injected there).
    from hydra.core import utils

    cfg = OmegaConf.create({"seed": 2, "x": list(range(50))})
    real_open = open

    class HalfFile:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("builtins.open", lambda *a, **k: HalfFile(real_open(*a, **k)))
    with pytest.raises(OSError):
        utils._save_config(cfg, "config.yaml", tmp_path)
    monkeypatch.undo()
    text = (tmp_path / "config.yaml").read_text()
    assert text and text != OmegaConf.to_yaml(cfg)


def test_a_worker_process_that_receives_the_sweeps_loader_saves_job_configs_atomically():
    # A joblib or submitit worker unpickles the sweep's config loader before composing and saving its first job.
    code = (
        "import pickle, sys\n"
        "from hydra.core import utils\n"
        "before = utils._save_config.__module__\n"
        "loader = pickle.loads(sys.stdin.buffer.read())\n"
        "print(before, utils._save_config.__module__, utils._save_config.__name__, loader.fast)\n"
    )
    payload = pickle.dumps(CachedSweepLoader(None, fast=False))
    done = subprocess.run([sys.executable, "-c", code], input=payload, capture_output=True, check=True, timeout=120)
    assert done.stdout.decode().split() == ["hydra.core.utils", "sim.sweep.job_config", "save_config_atomically", "False"]


def test_the_command_line_saves_through_the_atomic_save_and_restores_hydras_afterwards(tmp_path, monkeypatch):
    from hydra.core import utils

    import sim.io
    from sim.cli.app import saving_config_in_one_line

    written = []
    atomic = sim.io.atomic_write_text
    monkeypatch.setattr(sim.io, "atomic_write_text", lambda path, text: (written.append(Path(path)), atomic(path, text)))
    hydras_own = utils._save_config
    with saving_config_in_one_line():
        utils._save_config(OmegaConf.create({"seed": 3}), "config.yaml", tmp_path)
    assert written == [tmp_path / "config.yaml"]
    assert OmegaConf.load(tmp_path / "config.yaml") == {"seed": 3}
    assert utils._save_config is hydras_own
