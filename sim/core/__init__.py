"""The simulation core: typed parameters, the rules, the Mesa agents and model, Monte Carlo runs and statistics.

Free of Hydra, files and the terminal: it takes :class:`~sim.core.params.Scenario`
objects and returns :class:`~sim.core.runner.Results`.

The names are imported on first use (as in :mod:`sim`), so that importing one
module of the core (``sim.core.params`` for the command line's checks) does not
import Mesa, pandas and the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.core.model import NegotiationModel
    from sim.core.params import ConfigError, Scenario
    from sim.core.runner import Results, episode, simulate

_LAZY = {
    "NegotiationModel": "sim.core.model",
    "ConfigError": "sim.core.params",
    "Scenario": "sim.core.params",
    "Results": "sim.core.runner",
    "episode": "sim.core.runner",
    "simulate": "sim.core.runner",
}

__all__ = ["ConfigError", "NegotiationModel", "Results", "Scenario", "episode", "simulate"]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim.core' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
