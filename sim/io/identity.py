"""What a run's numbers depend on besides its inputs: the package version, a hash of ``sim/core``, NumPy's and Mesa's versions."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import numpy as np

from sim.core.params import Scenario

CACHE_FORMAT = 2  # bump when the layout of a block file changes
#: Files of ``sim/core`` that cannot change a number, left out of :func:`code_fingerprint`.
SCHEDULING_ONLY = frozenset({"pool.py"})


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
    """A hash of the simulation's sources (every ``.py`` file of ``sim/core``): change the model, change the hash.

    ``pool.py`` is left out: it only decides which process runs a block, never
    a number (``workers=2`` gives ``workers=1``'s episodes, tested in
    ``tests/core/test_model.py``), and a fix there should not make every cache and
    the shipped posterior stale.
    """
    root = Path(__file__).resolve().parent.parent / "core"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).as_posix() in SCHEDULING_ONLY:
            continue
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
