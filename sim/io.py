"""Writing and reading a run's files (summary.json, episodes.parquet) and the cache of finished blocks.

Every file is written under a temporary name in its own folder and renamed
into place, so a reader never sees half a file and a failure leaves no
``.tmp`` file behind. Reading a damaged file ends in :class:`RunFileError`,
one line that names the file.

:class:`BlockStore` keeps the finished blocks of a long run so that running
the same command again after an interrupt resumes it. A block file is only
ever reused for exactly the block it was computed as: see the class.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import stat
import sys
import zipfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.params import ConfigError, Scenario
from sim.core.runner import Results

SUMMARY = "summary.json"
EPISODES = "episodes.parquet"
BLOCKS = ".blocks"  # the block cache's folder under the output root
CACHE_FORMAT = 2  # bump when the layout of a block file changes
RUN_KEY = "run_key"  # written in summary.json and in episodes.parquet's metadata: the two files of one run
_PARQUET_KEY = b"muscat.run_key"
MAX_BLOCK_FILE = 1 << 31  # a block file larger than this is not a block (2 GB)


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


# ---------------------------------------------------------------- what identifies the code


@cache
def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("muscat-sim")
    except PackageNotFoundError:
        return "0+unknown"


@cache
def code_fingerprint() -> str:
    """A hash of the simulation's sources (every ``.py`` file of ``sim/core``): change the model, change the hash."""
    root = Path(__file__).resolve().parent / "core"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def library_versions() -> dict[str, str]:
    """The versions of the libraries that compute the numbers (NumPy's generators, Mesa's model loop)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"numpy": np.__version__}
    try:
        out["mesa"] = version("mesa")
    except PackageNotFoundError:
        out["mesa"] = "absent"
    return out


def run_identity(scenario: Scenario, seed: int, block_size: int, configs: str | None = None) -> dict[str, object]:
    """Everything a block's numbers depend on, except its index.

    The resolved scenario, seed, block size, the code (package version, a hash
    of ``sim/core``), NumPy's and Mesa's versions and, from the command line,
    ``configs``: a hash of every config file the composition could read
    (:func:`sim.sweep.identity.config_fingerprint`, users' folders included).
    """
    identity: dict[str, object] = {
        "scenario": repr(scenario),
        "seed": int(seed),
        "block_size": int(block_size),
        "version": package_version(),
        "code": code_fingerprint(),
        "libraries": library_versions(),
        "format": CACHE_FORMAT,
    }
    if configs is not None:
        identity["configs"] = configs
    return identity


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _stderr_notice(message: str) -> None:
    print(f"note: {message}", file=sys.stderr, flush=True)


class BlockStore:
    """Finished blocks of one run, one ``.npz`` file each, in a folder named by the run's identity.

    The identity (:func:`run_identity`) covers everything that can change a
    block's numbers: the resolved scenario (every parameter), the seed, the
    block size, the package version and a hash of the simulation's sources.
    Each file also carries its block index, its length and a SHA-256 of its
    arrays, and is checked against all of them when it is loaded. A file that
    is unreadable, cut short, altered, or belongs to another block or another
    run is deleted and the block run again, with a one-line notice
    (``notice``); it is never mixed into the results.
    """

    def __init__(
        self,
        root: str | Path,
        scenario: Scenario,
        seed: int,
        block_size: int,
        notice: Callable[[str], None] | None = _stderr_notice,
        configs: str | None = None,
    ) -> None:
        self.identity = run_identity(scenario, seed, block_size, configs)
        self.key = hashlib.sha256(json.dumps(self.identity, sort_keys=True).encode()).hexdigest()
        self.root = Path(root)
        self.directory = self.root / f"{safe_name(scenario.name)}-{self.key[:16]}"  # a label, never a path
        self.notice = notice or (lambda _message: None)
        self.resumed = 0
        self.discarded = 0
        if self.directory.is_dir():
            remove_stale_tmp(self.directory)  # a block being written when its process was killed

    def _path(self, block: int) -> Path:
        return self.directory / f"block_{block:06d}.npz"

    def _discard(self, path: Path, why: str) -> None:
        self.discarded += 1
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        self.notice(f"discarded cached block file {path.name} ({why}); running that block again")

    def load(self, block: int, n: int) -> dict[str, np.ndarray] | None:
        """Block ``block`` of ``n`` replications if a sound file of exactly that block is here, else None."""
        path = self._path(block)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._discard(path, f"unreadable: {exc.strerror}")
            return None
        if not stat.S_ISREG(info.st_mode):  # a FIFO, a device or a link would block or lead elsewhere: never opened
            self._discard(path, "not a regular file")
            return None
        if info.st_size > MAX_BLOCK_FILE:
            self._discard(path, f"{info.st_size} bytes, too large for a block")
            return None
        try:
            with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NOFOLLOW | os.O_NONBLOCK)) as handle:
                raw = handle.read()
            with np.load(io.BytesIO(raw), allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
            self._discard(path, f"unreadable: {type(exc).__name__}")
            return None
        try:
            meta = json.loads(bytes(arrays.pop("__identity__")).decode())
        except (KeyError, ValueError, TypeError, UnicodeDecodeError):
            self._discard(path, "no identity")
            return None
        if not isinstance(meta, dict) or meta.get("run") != self.key:
            self._discard(path, "made by another configuration, seed, block size or code version")
            return None
        if meta.get("block") != block or meta.get("n") != n or len(arrays.get("outcome", ())) != n:
            self._discard(path, f"holds block {meta.get('block')} of {meta.get('n')} replications, not block {block} of {n}")
            return None
        if meta.get("checksum") != _checksum(arrays):
            self._discard(path, "checksum mismatch: the file was altered or damaged")
            return None
        self.resumed += 1
        return arrays

    def save(self, block: int, arrays: dict[str, np.ndarray]) -> None:
        """Keep a finished block (written whole under a temporary name, then renamed into place)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = {"run": self.key, "block": int(block), "n": len(arrays["outcome"]), "checksum": _checksum(arrays)}
        if not (self.directory / "identity.json").exists():
            atomic_write_text(self.directory / "identity.json", json.dumps({"key": self.key, **self.identity}, indent=1))
        buffer = io.BytesIO()
        try:
            np.savez(buffer, __identity__=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
        except ValueError as exc:
            # A Ctrl-C inside np.savez leaves its zip entry open, and closing the zip then raises ValueError
            # ("open writing handle") with the interrupt as its context: the interrupt is what happened.
            raise _interrupt_behind(exc) or exc from None
        atomic_write_bytes(self._path(block), buffer.getvalue())

    def clear(self) -> None:
        """Remove this run's blocks (once its results are written) and those no run of this code can use.

        Blocks made by another version of the code (another package version,
        sources or file format) can never be reused: they go too. Blocks of
        other configurations made by this code stay (their runs can resume).
        """
        shutil.rmtree(self.directory, ignore_errors=True)
        current = {k: self.identity[k] for k in ("version", "code", "libraries", "format")}
        for other in self.root.glob("*/identity.json"):
            try:
                made = json.loads(other.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(made, dict) and {k: made.get(k) for k in current} != current:
                shutil.rmtree(other.parent, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.root.rmdir()  # only if empty


# ---------------------------------------------------------------- loading runs and sweeps in a notebook


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt (a Ctrl-C, or the command line's SIGTERM) that ``exc`` was raised while handling, if any."""
    seen: set[int] = set()
    cause = exc.__context__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__context__
    return None


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
