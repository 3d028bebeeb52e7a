"""A sweep's plan: its manifest, which jobs are done (resume), and what the last sweep did."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sim.sweep.identity import config_fingerprint, job_key
from sim.sweep.table import MANIFEST, locked, read_rows, repair_table

log = logging.getLogger(__name__)


def done_keys(root: str | Path) -> set[str]:
    """Keys of the jobs that finished well and whose folder still holds a sound summary.json of exactly that job."""
    from sim.sweep.claims import finished_summary

    root = Path(root)
    return {
        r["key"]
        for r in read_rows(root)
        if r.get("status") == "ok" and finished_summary(root / str(r.get("job_dir", "?")), r["key"]) is not None
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


def plan_sweep(
    root: str | Path,
    jobs: list[list[str]],
    swept: list[str],
    skip_done: bool = True,
    crn: bool = True,
    fingerprint: str | None = None,
) -> SweepPlan:
    """Write the sweep's manifest, repair its table if it has to, and work out which jobs are still to run.

    ``fingerprint``: the config folders' (:func:`sim.sweep.identity.job_fingerprint`
    of the sweep's Hydra config); the package's configs only when not given.
    """
    from sim.io import atomic_write_text

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    swept = list(dict.fromkeys(swept))  # a key swept by a named sweep and again on the command line counts once
    fingerprint = fingerprint or config_fingerprint()
    keys = [job_key(job, fingerprint, crn) for job in jobs]
    manifest = {"jobs": len(jobs), "swept": swept, "keys": keys, "overrides": jobs, "crn": bool(crn), "started_at": time.time()}
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


DEFINITION = "sweep_definition.json"


def claim_sweep_root(root: str | Path, definition: dict) -> None:
    """Make ``root`` this sweep's folder, or refuse in one line if another sweep owns it.

    A sweep folder belongs to one sweep definition (its result-relevant
    overrides, ``crn`` and users' config folders, :func:`sim.sweep.identity.sweep_definition`),
    written in ``sweep_definition.json`` the first time, under the sweep's lock.
    The same sweep again (to resume, or after a config file changed) is let in;
    another sweep pointed at the folder, at the same time or later, is refused
    before any job runs, so it can neither overwrite nor mix with the first
    one's rows and job folders. A folder of an older sweep without the file is
    adopted if it holds no table yet.
    """
    from sim.core.params import ConfigError
    from sim.io import atomic_write_text

    root = Path(root)
    with locked(root):
        path = root / DEFINITION
        try:
            owner = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            owner = None
        except (OSError, ValueError):
            owner = {"definition": "unreadable", "overrides": [f"{path} is damaged"]}
        if owner is None and read_rows(root):
            old = read_manifest_overrides(root)
            owner = {"definition": "older sweep", "overrides": old}
        if owner is None:
            atomic_write_text(path, json.dumps(definition, indent=1) + "\n")
            return
        if isinstance(owner, dict) and owner.get("definition") == definition["definition"]:
            return
    shown = " ".join(map(str, (owner or {}).get("overrides") or []))[:200] or "another sweep"
    raise ConfigError(
        f"hydra.sweep.dir={root} belongs to another sweep ({shown}): give this sweep its own folder "
        "(another hydra.sweep.dir=..., or leave it out for one named after the sweep) or remove that folder"
    )


def read_manifest_overrides(root: Path) -> list[str]:
    from sim.sweep.table import read_manifest

    jobs = read_manifest(root).get("overrides") or []
    return sorted({o for job in jobs for o in job}) if jobs else []
