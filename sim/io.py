"""Writing and reading a run's files: summary.json and episodes.parquet."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from sim.runner import Results

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


def read_episodes(directory: str | Path) -> pd.DataFrame:
    return pd.read_parquet(Path(directory) / EPISODES)
