"""One job of a sweep runs once, even when two identical sweeps run at the same time.

Two sweeps of the same command share a sweep root (it is named after the
command) and so the same job folders. Each job takes a lock named by its key
(:func:`sim.sweep.jobs.job_key`) before it runs: the second sweep's copy of a
job waits for the first one and then finds it done, and returns its summary
instead of running it again (or writing over its files while they are being
written).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

CLAIMS = ".claims"


def finished_summary(root: Path, key: str) -> dict | None:
    """The summary of the job with ``key`` if a row says it finished and its summary.json names that key."""
    from sim.sweep.jobs import read_rows

    for row in reversed(read_rows(root)):
        if row.get("key") != key or row.get("status") != "ok":
            continue
        path = root / str(row.get("job_dir", "?")) / "summary.json"
        try:
            summary = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return summary if isinstance(summary, dict) and summary.get("job_key") == key else None
    return None


@contextlib.contextmanager
def claim_job() -> Iterator[dict | None]:
    """In a sweep job: hold the job's lock while it runs; yield the summary if another sweep has already run it."""
    from filelock import FileLock
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.sweep.jobs import job_key, sweep_crn

    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN:
        yield None
        return
    root = Path(str(hydra_cfg.sweep.dir))
    key = job_key(list(hydra_cfg.overrides.task), crn=sweep_crn(hydra_cfg))
    (root / CLAIMS).mkdir(parents=True, exist_ok=True)
    with FileLock(root / CLAIMS / f"{key}.lock"):
        yield finished_summary(root, key)
