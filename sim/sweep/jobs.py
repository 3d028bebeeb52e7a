"""Sweeps: one tidy table of results for a Hydra multirun, written as jobs finish.

A sweep is a Hydra multirun (``python -m sim -m KEY=A,B ...``). Each job runs
like a single run and writes its ``summary.json`` and ``episodes.parquet`` in
its own directory; this module adds what ties the jobs together:

- :class:`SweepTable`, a Hydra callback. When a job ends, in the process that
  ran it (a local worker, a SLURM node), it appends one row to the sweep
  root's ``sweep_rows.jsonl`` under a file lock and rewrites ``sweep.parquet``
  and ``sweep.csv`` atomically from it. A sweep that is interrupted therefore
  keeps every finished job. A failed job is a row with ``status = failed`` and
  its error; the other jobs go on.
- :func:`plan_sweep`, used by the table sweeper (``hydra/sweeper=table``,
  ``hydra_plugins/muscat_sim_sweeper``): it writes the sweep's manifest and
  leaves out the jobs whose row says they are done, so running the same sweep
  again only runs what is missing or failed.
- Common random numbers: by default every job uses the same ``seed``, so job
  ``i``'s replication ``k`` meets the same shocks as every other job's
  replication ``k`` and differences between jobs are paired. ``hydra.sweeper.crn=false``
  gives each job its own seed, derived from the seed and the job's overrides
  (:func:`derived_seed`), recorded in its summary.

A job's identity (its ``key``) is a hash of its overrides (without the ones
that do not change results: ``quiet``, ``workers``, Hydra's own) and of the
contents of ``configs/``: change a config file and the jobs run again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from hydra.experimental.callback import Callback

from sim.core.params import OUTCOMES, ConfigError
from sim.core.stats import summary_columns

log = logging.getLogger(__name__)

ROWS = "sweep_rows.jsonl"
TABLE_PARQUET = "sweep.parquet"
TABLE_CSV = "sweep.csv"
MANIFEST = "sweep.json"
LOCK = ".sweep.lock"
# Overrides that change how a job runs or prints, not what it computes.
NOT_IDENTITY = ("quiet", "workers", "output_root")
# Run settings: excluded from the seed that crn=false derives (they are not "the configuration").
RUN_SETTINGS = ("seed", "crn", "replications", "block_size", "workers", "quiet", "trace", "plots", "episodes",
                "output_root")
# Leading columns of the table, in this order; the swept parameters follow, then the results.
ID_COLUMNS = ("job", "status", "error")
TRAILING_COLUMNS = ("job_dir", "key", "finished_at")

_FINGERPRINTS: dict[str, str] = {}


# ---------------------------------------------------------------- identity, seeds


def split_override(override: str) -> tuple[str, str]:
    """``'a.b=0.3'`` -> ``('a.b', '0.3')``; ``'+experiment=x'`` -> ``('+experiment', 'x')``."""
    key, _, value = override.partition("=")
    return key, value


def bare_key(key: str) -> str:
    return key.lstrip("+~")


def is_hydra_override(override: str) -> bool:
    return bare_key(override).startswith("hydra")


def identity_overrides(overrides: Iterable[str]) -> list[str]:
    """The overrides that decide a job's results, sorted (order on the command line does not matter)."""
    return sorted(
        o for o in overrides if not is_hydra_override(o) and bare_key(split_override(o)[0]) not in NOT_IDENTITY
    )


def config_fingerprint(config_dir: str | Path | None = None) -> str:
    """A hash of every YAML file under ``configs/`` except ``configs/hydra`` (launchers do not change results)."""
    from sim.config.compose import CONFIG_DIR

    root = Path(config_dir or CONFIG_DIR)
    cached = _FINGERPRINTS.get(str(root))
    if cached is not None:
        return cached
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("hydra/"):
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    _FINGERPRINTS[str(root)] = value = digest.hexdigest()[:16]
    return value


def job_key(overrides: Iterable[str], fingerprint: str | None = None, crn: bool = True) -> str:
    """A job's identity: its result-relevant overrides, the configs they apply to, the code, and ``crn``.

    ``crn`` (``hydra.sweeper.crn``) decides the job's seed, so a sweep with
    common random numbers and the same sweep without are different jobs.
    """
    from sim.io import code_fingerprint, package_version

    code = [package_version(), code_fingerprint()]
    payload = json.dumps([identity_overrides(overrides), fingerprint or config_fingerprint(), code, bool(crn)])
    return hashlib.sha1(payload.encode()).hexdigest()[:16]


def sweep_crn(hydra_cfg) -> bool:
    """``hydra.sweeper.crn`` of a job's Hydra config (true unless turned off)."""
    return bool(hydra_cfg.sweeper.get("crn", True)) if "sweeper" in hydra_cfg else True


def derived_seed(seed: int, overrides: Iterable[str]) -> int:
    """The seed of a job when common random numbers are off: a hash of ``seed`` and the job's parameters.

    Run settings (seed, replications, block size, ...) and Hydra's overrides
    are left out, so the seed depends on the configuration only.
    """
    params = sorted(
        o for o in overrides if not is_hydra_override(o) and bare_key(split_override(o)[0]) not in RUN_SETTINGS
    )
    digest = hashlib.sha256(json.dumps([int(seed), params]).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1  # a non-negative 63-bit integer


def default_sweep_dir(overrides: Iterable[str], base: str = "multirun") -> str:
    """A sweep root named after what the sweep asks for, so that the same command finds its own table again."""
    ident = identity_overrides(overrides)
    experiment = next((split_override(o)[1] for o in ident if bare_key(split_override(o)[0]) == "experiment"), None)
    digest = hashlib.sha1(json.dumps(ident).encode()).hexdigest()[:8]
    return f"{base}/{experiment or 'sweep'}-{digest}"


# ---------------------------------------------------------------- rows and the table


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
    for line in path.read_text().splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a crash
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
            row = job_row(overrides, num, root / str(num), root, summary)
            row["key"] = key
            with open(root / ROWS, "a") as handle:
                handle.write(json.dumps(row, default=str) + "\n")
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

    crn = sweep_crn(config.hydra) if config is not None and "hydra" in config else True
    row: dict = {"job": int(num), "key": job_key(overrides, crn=crn)}
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
    elif config is not None:  # a failed job: what it was asked to run
        row.update(scenario=OmegaConf.select(config, "scenario.name", default=None),
                   **{k: OmegaConf.select(config, k, default=None) for k in ("seed", "replications", "block_size")})
    row["finished_at"] = datetime.now(UTC).isoformat(timespec="milliseconds")
    return row


# ---------------------------------------------------------------- manifest and resuming


def read_manifest(root: str | Path) -> dict:
    path = Path(root) / MANIFEST
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def done_keys(root: str | Path) -> set[str]:
    """Keys of the jobs that finished well and whose files are still there."""
    root = Path(root)
    return {
        r["key"] for r in read_rows(root)
        if r.get("status") == "ok" and (root / r.get("job_dir", "?") / "summary.json").exists()
    }


@dataclass
class SweepPlan:
    """What a sweep will do: every job's overrides, and which of them still have to run."""

    root: Path
    jobs: list[list[str]]
    swept: list[str]
    pending: list[int] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return len(self.jobs) - len(self.pending)

    def launches(self) -> list[tuple[int, list[list[str]]]]:
        """Runs of consecutive pending jobs as (first job number, overrides): job numbers stay those of the full sweep."""
        runs: list[tuple[int, list[list[str]]]] = []
        for num in self.pending:
            if runs and runs[-1][0] + len(runs[-1][1]) == num:
                runs[-1][1].append(self.jobs[num])
            else:
                runs.append((num, [self.jobs[num]]))
        return runs


def plan_sweep(root: str | Path, jobs: list[list[str]], swept: list[str], skip_done: bool = True,
               crn: bool = True) -> SweepPlan:
    """Write the sweep's manifest, repair its table if it has to, and work out which jobs are still to run."""
    from sim.io import atomic_write_text

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    fingerprint = config_fingerprint()
    keys = [job_key(job, fingerprint, crn) for job in jobs]
    manifest = {"jobs": len(jobs), "swept": swept, "keys": keys, "overrides": jobs, "crn": bool(crn),
                "started_at": time.time()}
    with locked(root):
        atomic_write_text(root / MANIFEST, json.dumps(manifest, indent=1) + "\n")
        note = repair_table(root, jobs, keys)
    if note:
        log.warning(f"Sweep {root}: {note}")
    done = done_keys(root) if skip_done else set()
    return SweepPlan(root, jobs, swept, [i for i, k in enumerate(keys) if k not in done])


@dataclass
class SweepReport:
    """What the last sweep of this process did (read by the command line for its closing line)."""

    root: Path
    jobs: int
    skipped: int
    ran: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


LAST_SWEEP: SweepReport | None = None


def finish_report(plan: SweepPlan, returns: Iterable) -> SweepReport:
    """Count what ran and what failed from the launchers' job returns; remember it as LAST_SWEEP."""
    global LAST_SWEEP
    from hydra.core.utils import JobStatus

    report = SweepReport(plan.root, len(plan.jobs), plan.skipped)
    for ret in returns:
        report.ran += 1
        failed = ret.status != JobStatus.COMPLETED
        if failed:
            report.failed += 1
            error = ret._return_value
            text = " ".join(str(error).split())
            report.errors.append(f"job {ret.hydra_cfg.hydra.job.num}: {type(error).__name__}: {text}")
    LAST_SWEEP = report
    return report


# ---------------------------------------------------------------- the Hydra callback


def _format_line(row: dict, done: int, total: int | None, swept: list[str] | None = None) -> str:
    shown = [p for p in row.get("params", []) if not swept or p in swept]
    params = " ".join(f"{p}={row[p]}" for p in shown if p in row)
    head = f"[sweep {done}/{total}]" if total else f"[sweep {done}]"
    if row["status"] != "ok":
        return f"{head} job {row['job']} FAILED  {params}  {row['error']}"
    odds = "  ".join(f"{o} {100 * row[f'p_{o}']:.1f}%" for o in OUTCOMES)
    return f"{head} job {row['job']} done  {params}  {odds}  ({row.get('elapsed_s') or 0:.2f} s)"


class SweepTable(Callback):
    """Hydra callback: each job of a multirun appends its row to the sweep table when it ends.

    Registered in ``configs/config.yaml`` under ``hydra.callbacks.sweep_table``.
    Runs in the job's own process, so it works with every launcher that
    shares a file system with the sweep root (basic, joblib, submitit, ray).
    """

    def __init__(self, echo: bool = True) -> None:
        self.echo = echo

    def on_job_end(self, config, job_return, **kwargs) -> None:
        from hydra.core.utils import JobStatus
        from hydra.types import RunMode

        hydra_cfg = config.hydra
        if hydra_cfg.mode != RunMode.MULTIRUN:
            return
        root = Path(str(hydra_cfg.sweep.dir))
        job_dir = Path(str(hydra_cfg.runtime.output_dir))
        overrides = list(hydra_cfg.overrides.task)
        # A failed job's return value is its exception (reading .return_value would raise it).
        outcome = job_return.return_value if job_return.status == JobStatus.COMPLETED else job_return._return_value
        row = job_row(overrides, int(hydra_cfg.job.num), job_dir, root, outcome, config)
        table = append_row(root, row)
        quiet = bool(config.get("quiet", False))
        if self.echo and not quiet:
            manifest = read_manifest(root)
            print(_format_line(row, len(table), manifest.get("jobs"), manifest.get("swept")), flush=True)


# ---------------------------------------------------------------- command-line support (used by sim.cli.app)


def is_multirun(argv: Iterable[str]) -> bool:
    return any(a in ("-m", "--multirun") for a in argv)


def hydra_group_options(group: str) -> list[str]:
    """The configs Hydra can find for a group of its own (``hydra/launcher``...): plugins' and ``configs/hydra``'s."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.config.compose import CONFIG_DIR

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return sorted(GlobalHydra.instance().config_loader().get_group_options(group))
    finally:
        GlobalHydra.instance().clear()


def check_hydra_choices(overrides: Iterable[str]) -> None:
    """``hydra/launcher=NAME`` and the like must name a config Hydra can find: one line otherwise."""
    for override in overrides:
        key, value = split_override(override)
        group = bare_key(key)
        if not group.startswith("hydra/") or key.startswith("~"):
            continue
        options = hydra_group_options(group)
        if value not in options:
            what = group.split("/", 1)[1]
            hint = ""
            if what == "launcher" and value in ("ray", "ray_local", "ray_aws"):
                hint = " (the Ray launcher is not installed: pip install hydra-ray-launcher)"
            raise ConfigError(f"unknown {what} {value!r} in {override!r}: use one of {', '.join(options)}{hint}")


def sweeper_params(overrides: list[str]) -> dict[str, str]:
    """``hydra.sweeper.params`` of the configuration the overrides select (a named sweep sets them)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.config.compose import CONFIG_DIR

    parsed = OverridesParser.create().parse_overrides(overrides)
    fixed = [text for o, text in zip(parsed, overrides, strict=True) if not o.is_sweep_override()]
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = hydra_compose(config_name="config", overrides=fixed, return_hydra_config=True)
    except Exception:  # the pre-flight composition names the problem better
        return {}
    finally:
        GlobalHydra.instance().clear()
    from omegaconf import OmegaConf

    params = OmegaConf.select(cfg, "hydra.sweeper.params") or {}
    return {str(k): str(v) for k, v in params.items()}


def with_sweeper_params(overrides: list[str]) -> list[str]:
    """The overrides a sweep will really use: the named sweep's parameters, then the command line's (which win)."""
    params = sweeper_params(overrides)
    if not params:
        return list(overrides)
    given = {bare_key(split_override(o)[0]) for o in overrides}
    return [f"{k}={v}" for k, v in params.items() if bare_key(k) not in given] + list(overrides)


def add_default_sweep_dir(argv: list[str]) -> list[str]:
    """Give a sweep a root named after its overrides, unless ``hydra.sweep.dir`` is set.

    The same command then finds its own table again and skips the jobs that
    are done (Hydra's default, a time stamp, would start afresh every time).
    """
    if any(bare_key(split_override(a)[0]) == "hydra.sweep.dir" for a in argv):
        return list(argv)
    overrides = [a for a in argv if not a.startswith("-")]
    return [*argv, f"hydra.sweep.dir={default_sweep_dir(overrides)}"]


def job_seed(seed: int) -> tuple[int, dict]:
    """The seed a sweep job runs with, and what to record about it in its summary.

    With common random numbers (the default, ``hydra.sweeper.crn=true``) the
    job uses ``seed`` itself; with ``hydra.sweeper.crn=false`` a seed derived
    from ``seed`` and the job's overrides.
    """
    from hydra.core.hydra_config import HydraConfig

    hydra_cfg = HydraConfig.get()
    crn = sweep_crn(hydra_cfg)
    info = {"crn": crn, "base_seed": int(seed), "job_key": job_key(list(hydra_cfg.overrides.task), crn=crn)}
    if crn:
        return int(seed), info
    return derived_seed(seed, list(hydra_cfg.overrides.task)), info


class VariantComposer:
    """Composes many variants of one command line quickly (for the pre-flight checks of a sweep).

    Overrides that only set a scalar value (``actors.israel.strike_propensity=0.3``)
    are applied to a configuration composed once for the others (config groups
    such as ``scenario=...``, additions ``+key=...``), instead of composing the
    whole tree again for every value: composing costs ~0.2 s, applying a value
    a millisecond. Whatever the fast path cannot handle goes through ``compose``.
    """

    def __init__(self, compose) -> None:
        self.compose = compose
        self.cache: dict[tuple[str, ...], object] = {}

    def __call__(self, overrides: list[str]):
        import copy

        from hydra.core.override_parser.overrides_parser import OverridesParser
        from omegaconf import DictConfig, ListConfig, OmegaConf

        from sim.config.compose import CONFIG_DIR

        try:
            parsed = OverridesParser.create().parse_overrides(overrides)
        except Exception:
            return self.compose(overrides)
        groups = {p.name for p in CONFIG_DIR.iterdir() if p.is_dir()}
        structural, scalar = [], []
        for override, text in zip(parsed, overrides, strict=True):
            key = text.split("=", 1)[0]
            plain = (not override.is_sweep_override() and key == override.get_key_element()
                     and "/" not in key and "@" not in key and key not in groups)
            (scalar if plain else structural).append((override, text))
        cache_key = tuple(t for _, t in structural)
        base = self.cache.get(cache_key)
        if base is None:
            base = self.cache[cache_key] = self.compose(list(cache_key))
        cfg = copy.deepcopy(base)
        try:
            for override, _text in scalar:
                path = override.get_key_element()
                current = OmegaConf.select(cfg, path, default=None, throw_on_missing=False)
                value = override.value()
                if current is None or isinstance(current, DictConfig | ListConfig) or isinstance(value, dict | list):
                    raise ValueError(path)
                OmegaConf.update(cfg, path, value, merge=False)
        except Exception:
            return self.compose(overrides)
        return cfg


class CachedSweepLoader:
    """Hydra's config loader for the jobs of a sweep, composing each job in milliseconds instead of ~0.3 s.

    Hydra composes every job's configuration from scratch (read the YAML tree,
    merge the defaults list, apply the overrides). In a sweep most jobs differ
    only in values (``actors.israel.strike_propensity=0.3``): this loader
    composes each distinct set of structural overrides (config groups such as
    ``scenario=...``, additions ``+key=...``) once per process with Hydra's own
    loader, and applies the value overrides to a copy, with the same type
    checks (the configuration is a structured config in struct mode). It then
    records the overrides in ``hydra.overrides.task`` and
    ``hydra.job.override_dirname`` as Hydra does. Anything else (a value
    override on a node that is not a scalar, an error) goes through Hydra's
    loader unchanged. Installed by the table sweeper (``fast_compose: true``).
    """

    def __init__(self, inner) -> None:
        self.inner = inner
        self._cache: dict[tuple[str, ...], object] = {}

    def __getstate__(self) -> dict:
        return {"inner": self.inner}  # every process builds its own cache

    def __setstate__(self, state: dict) -> None:
        self.inner = state["inner"]
        self._cache = {}

    def __getattr__(self, name: str):
        if name in ("inner", "_cache"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def _is_group(self, key: str) -> bool:
        try:
            return bool(self.inner.repository.group_exists(key))
        except Exception:
            return True

    def load_sweep_config(self, master_config, sweep_overrides: list[str]):
        overrides = list(sweep_overrides)
        try:
            cfg = self._fast(master_config, overrides)
        except Exception:  # whatever the fast path cannot do, Hydra's loader does (and reports)
            cfg = None
        return cfg if cfg is not None else self.inner.load_sweep_config(master_config, overrides)

    def _fast(self, master_config, overrides: list[str]):
        import copy

        from hydra._internal.config_loader_impl import get_overrides_dirname
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

        parsed = OverridesParser.create().parse_overrides(overrides)
        structural, values = [], []
        for override in parsed:
            key = override.input_line.split("=", 1)[0]
            plain = (not override.is_hydra_override() and not override.is_sweep_override()
                     and key == override.get_key_element() and "/" not in key and "@" not in key
                     and not self._is_group(key))
            (values if plain else structural).append(override)
        if not values:
            return None
        cache_key = tuple(o.input_line for o in structural)
        base = self._cache.get(cache_key)
        if base is None:
            base = self._cache[cache_key] = self.inner.load_sweep_config(master_config, list(cache_key))
        cfg = copy.deepcopy(base)
        for override in values:
            path = override.get_key_element()
            current = OmegaConf.select(cfg, path, default=None, throw_on_missing=False)
            value = override.value()
            if current is None or isinstance(current, DictConfig | ListConfig) or isinstance(value, dict | list):
                return None
            OmegaConf.update(cfg, path, value, merge=False)
        task = [o for o in parsed if not o.is_hydra_override()]
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = [o.input_line for o in task]
            dirname = cfg.hydra.job.config.override_dirname
            cfg.hydra.job.override_dirname = get_overrides_dirname(
                overrides=task, kv_sep=dirname.kv_sep, item_sep=dirname.item_sep, exclude_keys=list(dirname.exclude_keys)
            )
        return cfg
