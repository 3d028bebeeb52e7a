"""One output layout for every command: ``outputs/<command>/<label>/<time>-<id>/``.

The label names the scenario and, in short readable form, what the command
line changed: ``baseline``, ``baseline+no-israel``,
``israeli_strike_pressure+us.trust=0.6``, ``baseline+with-eu3``. Run settings
(replications, seed, workers ...) and Hydra's own keys are not part of it:
the folder's ``summary.json`` has them. A label longer than
:data:`MAX_LABEL` characters is cut and ends in a short hash of the whole,
so two different command lines never share a folder by accident.

Sweeps keep Hydra's ``multirun/`` (see :mod:`sim.sweep`). Notebooks read any
of these folders with :func:`sim.io.load_run` and a sweep with
:func:`sim.io.load_sweep`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

from sim.config.overrides import bare_key, split_override

#: Keys that say how a command runs, not what it runs: left out of the label.
NOT_IN_LABEL = (
    "replications",
    "seed",
    "block_size",
    "workers",
    "quiet",
    "plots",
    "episodes",
    "trace",
    "context_odds",
    "output_root",
    "scenario",
)
MAX_LABEL = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+@-]+")


def _short(override: str) -> str | None:
    """One override in the label's words, or None for one that does not change the model."""
    text = override.strip()
    key, value = split_override(text)
    bare = bare_key(key)
    if bare.startswith("hydra") or bare in NOT_IN_LABEL:
        return None
    if text.startswith("~"):
        return "no-" + bare.removeprefix("actors.")
    if "@" in bare and bare.split("@", 1)[0] == "actors":  # +actors@actors.eu3=eu3
        return "with-" + bare.split("@", 1)[1].removeprefix("actors.")
    return f"{bare.removeprefix('actors.')}{'=' if '=' in text else ''}{value}"


def label(scenario: str, overrides: Iterable[str] = ()) -> str:
    """``scenario`` and a short readable form of the model's overrides, safe as one folder name."""
    parts = [scenario, *(s for s in (_short(str(o)) for o in overrides) if s)]
    text = _UNSAFE.sub("-", "+".join(parts)).strip(".-") or "run"
    if len(text) > MAX_LABEL:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        text = f"{text[: MAX_LABEL - 9].rstrip('+-.')}~{digest}"
    return text


def scenario_of(overrides: Iterable[str], default: str = "baseline") -> str:
    """The scenario an override list selects (``scenario=NAME``), or ``default``."""
    name = default
    for o in overrides:
        key, value = split_override(str(o))
        if "=" in str(o) and key.lstrip("+") == "scenario":
            name = value
    return name


def stamp() -> str:
    """``<time>-<id>``: the time to the second and a short random id (two runs in one second stay apart)."""
    return f"{time.strftime('%Y-%m-%d_%H-%M-%S')}-{secrets.token_hex(3)}"


def run_folder(command: str, scenario: str, overrides: Iterable[str] = (), root: str | Path = "outputs") -> Path:
    """``<root>/<command>/<label>/<time>-<id>``: a new folder name (not created)."""
    return Path(root) / command / label(scenario, overrides) / stamp()


def hydra_label(scenario: str, task_overrides) -> str:
    """The resolver ``${sim_label:...}`` of ``hydra.run.dir``: the label from Hydra's task overrides."""
    return label(str(scenario), [str(o) for o in task_overrides or ()])
