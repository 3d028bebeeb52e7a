"""One job of a sweep runs once, even when two identical sweeps run at the same time.

Two sweeps of the same command share a sweep root (it is named after the
command) and so the same job folders. Each job takes a lock named by its key
(:func:`sim.sweep.jobs.job_key`) before it runs: the second sweep's copy of a
job waits for the first one and then finds its summary.json (which records the
key) in the job's folder, and returns it instead of running the job again (or
writing over its files while they are being written). The row of the table
is written after the lock is released, so the summary, not the row, is what
says the job is done.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

CLAIMS = ".claims"


def finished_summary(job_dir: Path, key: str) -> dict | None:
    """The job's summary if its folder holds a complete summary.json of exactly this job (same key)."""
    try:
        summary = json.loads((job_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) and summary.get("job_key") == key else None


@contextlib.contextmanager
def claim_job() -> Iterator[dict | None]:
    """In a sweep job: hold the job's lock while it runs; yield the summary if another sweep has already run it."""
    from filelock import FileLock
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.sweep.identity import job_fingerprint, job_key, sweep_crn

    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN:
        yield None
        return
    root = Path(str(hydra_cfg.sweep.dir))
    key = job_key(list(hydra_cfg.overrides.task), job_fingerprint(hydra_cfg), crn=sweep_crn(hydra_cfg))
    (root / CLAIMS).mkdir(parents=True, exist_ok=True)
    with FileLock(root / CLAIMS / f"{key}.lock"):
        yield finished_summary(Path(str(hydra_cfg.runtime.output_dir)), key)
