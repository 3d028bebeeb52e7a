"""The sweep table: one row per finished job, appended under a file lock and rewritten atomically."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from sim.config.overrides import bare_key, is_hydra_override, split_override
from sim.core.params import ConfigError
from sim.core.stats import summary_columns
from sim.sweep.identity import NOT_IDENTITY, job_fingerprint, job_key, sweep_crn

ROWS = "sweep_rows.jsonl"
TABLE_PARQUET = "sweep.parquet"
TABLE_CSV = "sweep.csv"
MANIFEST = "sweep.json"
LOCK = ".sweep.lock"
# Leading columns of the table, in this order; the swept parameters follow, then the results.
ID_COLUMNS = ("job", "status", "error")
TRAILING_COLUMNS = ("job_dir", "key", "finished_at")


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """An exclusive lock on the sweep root (filelock: flock on local disks and NFS with lock support)."""
    from filelock import FileLock

    root.mkdir(parents=True, exist_ok=True)
    with FileLock(root / LOCK):
        yield


def read_rows(root: str | Path) -> list[dict]:
    """Every row appended so far, the last one winning for a job key or a job directory."""
    path = Path(root) / ROWS
    if not path.exists():
        return []
    rows: dict[str, dict] = {}
    by_dir: dict[str, str] = {}
    for raw in path.read_bytes().splitlines():
        try:
            row = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):  # a line cut short by a crash, or damaged
            continue
        if not isinstance(row, dict) or not isinstance(row.get("key"), str):
            continue
        old = by_dir.get(row.get("job_dir", ""))
        if old is not None and old != row["key"]:  # the directory now holds another job
            rows.pop(old, None)
        rows.pop(row["key"], None)
        rows[row["key"]] = row
        by_dir[row.get("job_dir", "")] = row["key"]
    return sorted(rows.values(), key=lambda r: (r.get("job", 0), str(r.get("finished_at", ""))))


def _typed(values: pd.Series) -> pd.Series:
    """Numbers as numbers where every value is one; otherwise text (parquet needs one type per column)."""
    present = values.dropna()
    if present.empty:
        return values
    if all(isinstance(v, bool) for v in present):
        return values.astype("boolean")
    try:
        numbers = pd.to_numeric(values)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            return numbers.astype("Int64")  # whole numbers stay whole when a failed row leaves a gap
        return numbers
    except (TypeError, ValueError):
        return values.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v))


def table_from_rows(rows: list[dict], param_columns: Iterable[str] = ()) -> pd.DataFrame:
    """The sweep table: one row per job, ids first, swept parameters next, results last."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    params = [c for c in param_columns if c in frame.columns]
    for row in rows:
        params += [p for p in row.get("params", []) if p not in params and p in frame.columns]
    first = [c for c in ID_COLUMNS if c in frame.columns]
    last = [c for c in TRAILING_COLUMNS if c in frame.columns]
    rest = [c for c in frame.columns if c not in (*first, *params, *last, "params")]
    frame = frame[first + params + rest + last]
    for column in frame.columns:
        frame[column] = _typed(frame[column])
    return frame.reset_index(drop=True)


def write_table(root: str | Path) -> pd.DataFrame:
    """Rewrite ``sweep.parquet`` and ``sweep.csv`` from the rows (call with the lock held)."""
    root = Path(root)
    manifest = read_manifest(root)
    table = table_from_rows(read_rows(root), manifest.get("swept", []))
    if table.empty:
        return table
    from sim.io import atomic_path

    with atomic_path(root / TABLE_PARQUET) as tmp:
        table.to_parquet(tmp, index=False)
    with atomic_path(root / TABLE_CSV) as tmp:
        table.to_csv(tmp, index=False)
    return table


def append_row(root: str | Path, row: dict) -> pd.DataFrame:
    """Append one job's row and rewrite the table, under the sweep's lock; return the table."""
    root = Path(root)
    with locked(root):
        with open(root / ROWS, "a") as handle:
            handle.write(json.dumps(row, default=str) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return write_table(root)


def load_table(root: str | Path) -> pd.DataFrame:
    """The sweep table of a sweep root (from ``sweep.parquet``; rebuilt from the rows if it is missing or damaged)."""
    root = Path(root)
    if (root / TABLE_PARQUET).exists():
        try:
            return pd.read_parquet(root / TABLE_PARQUET)
        except (OSError, ValueError):  # cut short or overwritten: the rows are the record
            if not (root / ROWS).exists():
                raise ConfigError(f"{root / TABLE_PARQUET} is damaged and {ROWS} is missing: run the sweep again") from None
    if (root / ROWS).exists():
        return table_from_rows(read_rows(root), read_manifest(root).get("swept", []))
    raise FileNotFoundError(f"{root} holds no sweep table ({TABLE_PARQUET} or {ROWS})")


def _param_value(config, key: str, text: str):
    """The value a job's override gave ``key``: the config's own value where it is a scalar, else the text."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    value = OmegaConf.select(config, bare_key(key), default=None) if not key.startswith("~") else None
    if value is None or isinstance(value, DictConfig | ListConfig):
        return text
    return value


def job_row(overrides: list[str], num: int, job_dir: Path, root: Path, outcome, config=None) -> dict:
    """The row of one finished job: ``outcome`` is the job's summary dict or the exception it raised."""
    from omegaconf import OmegaConf

    if isinstance(outcome, dict) and outcome.get("job_key"):
        key = str(outcome["job_key"])  # recorded by the job itself (sim.sweep.identity.job_seed)
    else:
        hydra_cfg = config.hydra if config is not None and "hydra" in config else None
        key = job_key(
            overrides,
            job_fingerprint(hydra_cfg) if hydra_cfg is not None else None,
            crn=sweep_crn(hydra_cfg) if hydra_cfg is not None else True,
        )
    row: dict = {"job": int(num), "key": key}
    if isinstance(outcome, BaseException):
        text = " ".join(str(outcome).split()) or type(outcome).__name__
        row.update(status="failed", error=f"{type(outcome).__name__}: {text}"[:500])
    else:
        row.update(status="ok", error=None)
    try:
        rel = job_dir.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = str(job_dir.resolve())
    row["job_dir"] = rel
    params = []
    for override in overrides:
        if is_hydra_override(override):
            continue
        key, text = split_override(override)
        name = bare_key(key)
        if name in NOT_IDENTITY:
            continue
        row[name] = _param_value(config, key, text) if config is not None else text
        params.append(name)
    row["params"] = params
    if isinstance(outcome, dict):
        row.update(summary_columns(outcome))
        row["crn"] = outcome.get("crn", True)  # common random numbers (sim.sweep.identity.job_seed)
    elif config is not None:  # a failed job: what it was asked to run
        row.update(
            scenario=OmegaConf.select(config, "scenario.name", default=None),
            **{k: OmegaConf.select(config, k, default=None) for k in ("seed", "replications", "block_size")},
        )
    row["finished_at"] = datetime.now(UTC).isoformat(timespec="milliseconds")
    return row


def repair_table(root: str | Path, jobs: list[list[str]] | None = None, keys: list[str] | None = None) -> str | None:
    """Bring ``sweep.parquet``/``.csv`` back in line with the jobs' own records; return a one-line note if it had to.

    Rows lost from ``sweep_rows.jsonl`` are recovered from the jobs' folders
    (a summary.json that names the job's key); a damaged or partial
    ``sweep.parquet`` is rewritten from the rows. Call with the lock held.
    """
    root = Path(root)
    notes = []
    if jobs is not None and keys is not None:
        known = {r["key"] for r in read_rows(root) if r.get("status") == "ok"}
        recovered = 0
        for num, (overrides, key) in enumerate(zip(jobs, keys, strict=True)):
            summary_path = root / str(num) / "summary.json"
            if key in known or not summary_path.exists():
                continue
            try:
                summary = json.loads(summary_path.read_text())
            except (OSError, ValueError):
                continue
            if not isinstance(summary, dict) or summary.get("job_key") != key:
                continue
            with open(root / ROWS, "a") as handle:
                handle.write(json.dumps(job_row(overrides, num, root / str(num), root, summary), default=str) + "\n")
            recovered += 1
        if recovered:
            notes.append(f"{recovered} finished job(s) recovered from their folders")
    rows = read_rows(root)
    if not rows:
        return "; ".join(notes) or None
    try:
        table = pd.read_parquet(root / TABLE_PARQUET)
        sound = len(table) == len(rows) and set(table["key"]) == {r["key"] for r in rows}
    except (OSError, ValueError, KeyError):
        sound = False
    if not sound or notes:
        write_table(root)
        notes.append(f"{TABLE_PARQUET} rebuilt from the {len(rows)} job rows")
    return "; ".join(notes)


def read_manifest(root: str | Path) -> dict:
    path = Path(root) / MANIFEST
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
