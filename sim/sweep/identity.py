"""A sweep job's identity (what decides its results) and the seed it runs with."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from sim.config.overrides import is_hydra_override, model_overrides, override_key, split_override

# Overrides that change how a job runs or prints, not what it computes.
NOT_IDENTITY = ("quiet", "workers", "plots", "output_root")

_FINGERPRINTS: dict[str, tuple[str, str]] = {}


def identity_overrides(overrides: Iterable[str]) -> list[str]:
    """The overrides that decide a job's results, sorted (order on the command line does not matter)."""
    return sorted(o for o in overrides if not is_hydra_override(o) and override_key(o) not in NOT_IDENTITY)


def config_dirs(hydra_cfg=None) -> list[Path]:
    """Every config folder a composition reads: the package's, ``--config-dir`` and ``hydra.searchpath`` folders.

    From a job's Hydra config (``hydra.runtime.config_sources``, as Hydra
    searched them) when one is given; otherwise the package's folder only.
    """
    from sim.config.compose import CONFIG_DIR  # the config layer imports no sweep module

    dirs = [Path(CONFIG_DIR).resolve()]
    sources = _select(hydra_cfg, "runtime.config_sources") if hydra_cfg is not None else None
    for source in sources or []:
        path = _source_dir(str(source.get("schema", "")), str(source.get("path", "")))
        if path is not None and path not in dirs:
            dirs.append(path)
    return dirs


def _select(cfg, key: str):
    from omegaconf import OmegaConf

    try:
        return OmegaConf.select(cfg, key, default=None)
    except Exception:
        return None


def _source_dir(schema: str, path: str) -> Path | None:
    """The folder of a config source (``file://DIR`` or ``pkg://module``); Hydra's and its plugins' own are left out."""
    if schema == "file" and path:
        return Path(path).resolve()
    if schema == "pkg" and path and path.split(".")[0] not in ("hydra", "hydra_plugins"):
        from importlib.resources import files

        try:
            return Path(str(files(path.replace("/", ".")))).resolve()
        except (ImportError, TypeError, ValueError):
            return None
    return None


def user_config_dirs(overrides: Iterable[str]) -> list[Path]:
    """The folders of ``hydra.searchpath=[file://DIR,...]`` in a list of overrides (``--config-dir`` adds one)."""
    import re

    return [
        Path(m).resolve()
        for o in overrides
        if override_key(o) == "hydra.searchpath"
        for m in re.findall(r"file://([^,\]'\"]+)", o)
    ]


def config_fingerprint(config_dir: str | Path | None = None, extra_dirs: Iterable[str | Path] = ()) -> str:
    """A hash of every YAML file of the config folders, except their ``hydra/`` folders (launchers do not change results).

    ``config_dir`` (default: the package's configs) and ``extra_dirs``, users'
    own folders (``--config-dir``, ``hydra.searchpath``): two projects with a
    ``scenario/mine.yaml`` each, or one project whose file changed, get
    different fingerprints. Each folder counts with its own path and contents.
    """
    from sim.config.compose import CONFIG_DIR  # the config layer imports no sweep module

    roots = list(dict.fromkeys([Path(config_dir or CONFIG_DIR).resolve(), *(Path(d).resolve() for d in extra_dirs)]))
    digest = hashlib.sha1()
    for n, root in enumerate(roots):
        digest.update(f"{n}:{root if n else 'package'}\0".encode())
        digest.update(_dir_fingerprint(root).encode())
    return digest.hexdigest()[:16]


def _dir_fingerprint(root: Path) -> str:
    """The hash of one folder's YAML files, kept for the process (keyed by each file's size and mtime)."""
    files = []
    for path in sorted(root.rglob("*.yaml")) if root.is_dir() else []:
        rel = path.relative_to(root).as_posix()
        if rel.startswith("hydra/"):
            continue
        try:
            info = path.stat()
        except OSError:
            continue
        files.append((rel, path, info.st_size, info.st_mtime_ns))
    stamp = json.dumps([(rel, size, mtime) for rel, _, size, mtime in files])
    cached = _FINGERPRINTS.get(str(root))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    digest = hashlib.sha1()
    for rel, path, _, _ in files:
        try:
            data = path.read_bytes()
        except OSError:
            data = b"<unreadable>"
        digest.update(rel.encode() + b"\0" + data + b"\0")
    value = digest.hexdigest()
    _FINGERPRINTS[str(root)] = (stamp, value)
    return value


def job_fingerprint(hydra_cfg) -> str:
    """The config fingerprint of a sweep job: every folder its composition searched."""
    dirs = config_dirs(hydra_cfg)
    return config_fingerprint(dirs[0], dirs[1:])


def job_key(overrides: Iterable[str], fingerprint: str | None = None, crn: bool = True) -> str:
    """A job's identity: its result-relevant overrides, the configs they apply to, the code, and ``crn``.

    ``crn`` (``hydra.sweeper.crn``) decides the job's seed, so a sweep with
    common random numbers and the same sweep without are different jobs; the
    code is the package version, a hash of the simulation's sources and the
    versions of NumPy and Mesa; the configs are the fingerprint of every config
    folder the job's composition read (:func:`job_fingerprint`).
    """
    from sim.io.identity import code_fingerprint, library_versions, package_version

    code = [package_version(), code_fingerprint(), library_versions()]
    payload = json.dumps([identity_overrides(overrides), fingerprint or config_fingerprint(), code, bool(crn)], sort_keys=True)
    return hashlib.sha1(payload.encode()).hexdigest()[:16]


def sweep_definition(overrides: Iterable[str], crn: bool = True, config_dirs: Iterable[str | Path] = ()) -> dict:
    """What a sweep folder belongs to: the sweep's result-relevant overrides, ``crn`` and the users' config folders.

    Not the contents of the config files: the same sweep after a config file
    changed is the same sweep (its changed jobs run again, :func:`job_key`).
    """
    ident = identity_overrides(o for o in overrides if override_key(o) != "hydra.searchpath")
    dirs = [str(Path(d).resolve()) for d in config_dirs]
    digest = hashlib.sha1(json.dumps([ident, bool(crn), dirs]).encode()).hexdigest()[:16]
    return {"definition": digest, "overrides": ident, "crn": bool(crn), "config_dirs": dirs}


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


def default_sweep_dir(
    overrides: Iterable[str], base: str = "multirun", crn: bool = True, config_dirs: Iterable[str | Path] = ()
) -> str:
    """A sweep root named after what the sweep asks for, so that the same command finds its own table again.

    Users' config folders (``--config-dir``) count too, so two projects running
    the same command keep apart. A sweep without common random numbers (``crn=False``) gets its own root,
    ``...-nocrn``: its jobs are other jobs (:func:`job_key`), and in a shared
    root each of the two sweeps would overwrite the other's job folders.
    """
    ident = identity_overrides(overrides)
    named = next((split_override(o)[1] for o in ident if override_key(o) == "sweep"), None)
    dirs = [str(Path(d).resolve()) for d in config_dirs]  # two projects' same command: two folders
    digest = hashlib.sha1(json.dumps(ident + dirs if dirs else ident).encode()).hexdigest()[:8]
    from sim.io import safe_name

    return f"{base}/{safe_name(named or 'sweep')}-{digest}" + ("" if crn else "-nocrn")


def job_seed(seed: int) -> tuple[int, dict]:
    """The seed a sweep job runs with, and what to record about it in its summary.

    With common random numbers (the default, ``hydra.sweeper.crn=true``) the
    job uses ``seed`` itself; with ``hydra.sweeper.crn=false`` a seed derived
    from ``seed`` and the job's overrides.
    """
    from hydra.core.hydra_config import HydraConfig

    hydra_cfg = HydraConfig.get()
    crn = sweep_crn(hydra_cfg)
    key = job_key(list(hydra_cfg.overrides.task), job_fingerprint(hydra_cfg), crn=crn)
    info = {"crn": crn, "base_seed": int(seed), "job_key": key}
    if crn:
        return int(seed), info
    return derived_seed(seed, list(hydra_cfg.overrides.task)), info
