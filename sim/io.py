"""Writing and reading a run's files: summary.json and episodes.parquet."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.params import Scenario
from sim.core.runner import Results

SUMMARY = "summary.json"
EPISODES = "episodes.parquet"


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_results(results: Results, directory: str | Path) -> dict[str, Path]:
    """Write ``summary.json`` and ``episodes.parquet`` into ``directory``; return their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    episodes = directory / EPISODES
    tmp = episodes.with_suffix(".parquet.tmp")
    results.episodes.to_parquet(tmp, index=False)
    os.replace(tmp, episodes)
    summary = directory / SUMMARY
    _atomic_write_text(summary, json.dumps(results.summary, indent=2) + "\n")
    return {"summary": summary, "episodes": episodes}


def read_summary(directory: str | Path) -> dict:
    return json.loads((Path(directory) / SUMMARY).read_text())


def read_episodes(directory: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    return pd.read_parquet(Path(directory) / EPISODES, columns=columns)


class BlockStore:
    """Finished blocks of one run, one ``.npz`` file each, under a folder named by the run's identity.

    The identity is a hash of the scenario's parameters, the seed and the
    block size: a block's results depend on nothing else, so a block found
    here is exactly the block that running it again would give.
    """

    def __init__(self, root: str | Path, scenario: Scenario, seed: int, block_size: int) -> None:
        key = hashlib.sha256(repr((scenario, seed, block_size)).encode()).hexdigest()[:16]
        self.directory = Path(root) / f"{scenario.name}-{key}"
        self.resumed = 0

    def _path(self, block: int) -> Path:
        return self.directory / f"block_{block:06d}.npz"

    def load(self, block: int, n: int) -> dict[str, np.ndarray] | None:
        path = self._path(block)
        if not path.exists():
            return None
        try:
            with np.load(path) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError):  # a torn or foreign file: run the block again
            return None
        if len(arrays.get("outcome", ())) != n:
            return None
        self.resumed += 1
        return arrays

    def save(self, block: int, arrays: dict[str, np.ndarray]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f".block_{block:06d}.tmp.npz"
        np.savez(tmp, **arrays)
        os.replace(tmp, self._path(block))

    def clear(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
