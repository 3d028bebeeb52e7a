"""The Hydra callback that writes each finished job of a multirun into the sweep table."""

from __future__ import annotations

from pathlib import Path

from hydra.experimental.callback import Callback

from sim.core.params import OUTCOMES
from sim.sweep.table import append_row, job_row, read_manifest


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
            print(_format_line(row, _done(table, manifest), manifest.get("jobs"), manifest.get("swept")), flush=True)


def _done(table, manifest: dict) -> int:
    """How many of this sweep's jobs are done: rows of its job keys (a row kept from before a config file changed
    is another job's, so "[sweep 2/2]" is never printed while the second job still runs)."""
    keys = manifest.get("keys")
    if not keys or "key" not in getattr(table, "columns", ()):
        return len(table)
    return int(table["key"].isin(list(keys)).sum())
