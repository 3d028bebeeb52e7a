"""A sweep job's identity (what decides its results) and the seed it runs with."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from sim.config.overrides import is_hydra_override, model_overrides, override_key, split_override

# Overrides that change how a job runs or prints, not what it computes.
NOT_IDENTITY = ("quiet", "workers", "plots", "output_root")

_FINGERPRINTS: dict[str, str] = {}


def identity_overrides(overrides: Iterable[str]) -> list[str]:
    """The overrides that decide a job's results, sorted (order on the command line does not matter)."""
    return sorted(o for o in overrides if not is_hydra_override(o) and override_key(o) not in NOT_IDENTITY)


def config_fingerprint(config_dir: str | Path | None = None) -> str:
    """A hash of every YAML file under ``configs/`` except ``configs/hydra`` (launchers do not change results)."""
    from sim.config.compose import CONFIG_DIR  # the config layer imports no sweep module

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
    common random numbers and the same sweep without are different jobs; the
    code is the package version and a hash of the simulation's sources.
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
    params = sorted(model_overrides(overrides))
    digest = hashlib.sha256(json.dumps([int(seed), params]).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1  # a non-negative 63-bit integer


def default_sweep_dir(overrides: Iterable[str], base: str = "multirun", crn: bool = True) -> str:
    """A sweep root named after what the sweep asks for, so that the same command finds its own table again.

    A sweep without common random numbers (``crn=False``) gets its own root,
    ``...-nocrn``: its jobs are other jobs (:func:`job_key`), and in a shared
    root each of the two sweeps would overwrite the other's job folders.
    """
    ident = identity_overrides(overrides)
    named = next((split_override(o)[1] for o in ident if override_key(o) == "sweep"), None)
    digest = hashlib.sha1(json.dumps(ident).encode()).hexdigest()[:8]
    return f"{base}/{named or 'sweep'}-{digest}" + ("" if crn else "-nocrn")


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
