"""A run's files: summary.json and episodes.parquet written whole or not at all, read back, and loaded in a notebook.

Every file is written under a temporary name in its own folder and renamed
into place, so a reader never sees half a file and a failure leaves no
``.tmp`` file behind. Reading a damaged file ends in :class:`RunFileError`,
one line that names the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.params import ConfigError
from sim.core.runner import Results
from sim.io.identity import run_identity

SUMMARY = "summary.json"
EPISODES = "episodes.parquet"
RUN_KEY = "run_key"  # written in summary.json and in episodes.parquet's metadata: the two files of one run
_PARQUET_KEY = b"muscat.run_key"


class RunFileError(ConfigError):
    """A run's file that cannot be read as what it should be (truncated, not JSON, not parquet)."""


# ---------------------------------------------------------------- writing files whole or not at all


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` on success, removed on failure."""
    path = Path(path)
    tmp = _tmp_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and not exc.filename:  # a failed write() names no file: name it
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise


def remove_stale_tmp(directory: Path) -> int:
    """Remove the temporary files that killed processes left in ``directory`` (``.NAME.PID.tmp``); return how many."""
    removed = 0
    for tmp in directory.glob(".*.tmp"):
        try:
            pid = int(tmp.name.rsplit(".", 2)[-2])
        except (ValueError, IndexError):
            continue
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # that process is still writing it
        except ProcessLookupError:
            pass
        except (PermissionError, OSError):
            continue
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed += 1
    return removed


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_results(results: Results, directory: str | Path, *, episodes: bool = True) -> dict[str, Path]:
    """Write ``summary.json`` (and ``episodes.parquet`` unless ``episodes=False``) into ``directory``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    key = results_key(results)
    results.summary[RUN_KEY] = key
    if episodes:
        paths["episodes"] = directory / EPISODES
        table = pa.Table.from_pandas(results.episodes, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _PARQUET_KEY: key.encode()})
        with atomic_path(paths["episodes"]) as tmp:
            pq.write_table(table, tmp)
    paths["summary"] = directory / SUMMARY
    atomic_write_text(paths["summary"], json.dumps(results.summary, indent=2) + "\n")
    return paths


def results_key(results: Results) -> str:
    """The identity of one run's results, written in both of its files: what it ran and a digest of its outcomes.

    ``python -m sim compare`` refuses an ``episodes.parquet`` whose key is not
    its ``summary.json``'s (a file copied from another run).
    """
    episodes = results.episodes
    digest = hashlib.sha256()
    digest.update(json.dumps(run_identity(results.scenario, results.seed, results.block_size), sort_keys=True).encode())
    digest.update(str(len(episodes)).encode())
    for column in ("outcome", "round"):
        if column in episodes:
            values = episodes[column]
            codes = values.cat.codes if hasattr(values, "cat") else values
            digest.update(np.ascontiguousarray(codes.to_numpy()).tobytes())
    return digest.hexdigest()[:24]


def episodes_key(path: str | Path) -> str | None:
    """The run key in an ``episodes.parquet``'s metadata (None for a file written before keys were)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:120]
        raise RunFileError(f"{path} is damaged or cut short ({reason}): run the command that made it again") from None
    value = meta.get(_PARQUET_KEY)
    return value.decode() if value else None


def episodes_rows(path: str | Path) -> int:
    """The number of rows of an ``episodes.parquet`` (from its footer, without reading the data)."""
    import pyarrow.parquet as pq

    try:
        return int(pq.read_metadata(path).num_rows)
    except (OSError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:120]
        raise RunFileError(f"{path} is damaged or cut short ({reason}): run the command that made it again") from None


def safe_name(name: str) -> str:
    """``name`` made a label fit for one path component (letters, digits, ``_.+-``; never ``..`` or a ``/``)."""
    text = re.sub(r"[^A-Za-z0-9_.+-]+", "_", str(name)).strip("._") or "run"
    return text[:100]


def read_summary(directory: str | Path) -> dict:
    """A run's ``summary.json``; :class:`RunFileError` naming the file if it is missing or damaged."""
    path = Path(directory) / SUMMARY
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFileError(f"{path} does not exist: is {directory} a run's folder?") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunFileError(f"{path} is damaged or cut short ({exc}): run the command that made it again") from None
    if not isinstance(data, dict):
        raise RunFileError(f"{path} holds no run summary: run the command that made it again")
    return data


def read_episodes(directory: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A run's ``episodes.parquet``; :class:`RunFileError` naming the file if it is missing or damaged."""
    path = Path(directory) / EPISODES
    if not path.exists():
        raise RunFileError(f"{path} does not exist (was the run made with episodes=false?): run it again")
    try:
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:120]
        raise RunFileError(f"{path} is damaged or cut short ({reason}): run the command that made it again") from None


# ---------------------------------------------------------------- loading runs and sweeps in a notebook


class Run:
    """A finished run's folder, as :func:`load_run` reads it: ``summary``, ``episodes`` (read on first use), ``overrides``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.summary = read_summary(path)
        self._episodes: pd.DataFrame | None = None

    @property
    def episodes(self) -> pd.DataFrame:
        """One row per replication (``episodes.parquet``); RunFileError if the run was made with episodes=false."""
        if self._episodes is None:
            self._episodes = read_episodes(self.path)
        return self._episodes

    @property
    def overrides(self) -> list[str]:
        """The command line's overrides (from Hydra's ``.hydra/overrides.yaml``; empty for runs made elsewhere)."""
        import yaml

        path = self.path / ".hydra" / "overrides.yaml"
        return [str(o) for o in (yaml.safe_load(path.read_text()) or [])] if path.exists() else []

    @property
    def probabilities(self) -> dict[str, float]:
        from sim.core.params import OUTCOMES

        return {o: self.summary[f"p_{o}"] for o in OUTCOMES if f"p_{o}" in self.summary}

    def __repr__(self) -> str:
        odds = ", ".join(f"{o} {100 * p:.1f}%" for o, p in self.probabilities.items())
        n = self.summary.get("replications", 0)
        return f"Run({str(self.path)!r}: {self.summary.get('scenario')}, {n:,} replications; {odds})"


def _newest(folder: Path, marker: str) -> Path | None:
    found = sorted(folder.rglob(marker), key=lambda p: p.stat().st_mtime)
    return found[-1].parent if found else None


def load_run(path: str | Path) -> Run:
    """A run's folder for a notebook: ``load_run("outputs/run/baseline/2026-12-06_10-00-00-ab12cd")``.

    ``path`` may also be a label's folder (``outputs/run/baseline``) or a command's
    (``outputs/run``): the newest run under it is read. Works for every command's
    run folders that hold a ``summary.json`` (runs, a sweep's jobs, the
    dashboard's saved runs, the runs a comparison made). RunFileError, one line,
    when there is none.
    """
    path = Path(path)
    if (path / SUMMARY).exists():
        return Run(path)
    newest = _newest(path, SUMMARY) if path.is_dir() else None
    if newest is None:
        raise RunFileError(f"{path}: no run's folder (with a {SUMMARY}) here: give a folder under outputs/")
    return Run(newest)


def load_sweep(root: str | Path) -> pd.DataFrame:
    """A sweep's table (one row per job: its swept values, odds, intervals, status and folder) for a notebook.

    ``root`` is the sweep's folder (``multirun/<name>``, printed at the end of the
    sweep); the table is its ``sweep.parquet``, rewritten after every job. Each
    row's ``job_dir`` (relative to ``root``) opens with :func:`load_run`.
    """
    path = Path(root) / "sweep.parquet"
    if not path.exists():
        raise RunFileError(f"{root}: no sweep table here (sweep.parquet): give the folder a sweep printed at its end")
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:120]
        raise RunFileError(f"{path} is damaged ({reason}): run the same sweep again, it rebuilds the table") from None
