"""Agent-based Monte Carlo simulator of the February 2026 US-Iran nuclear talks in Muscat.

The core takes typed parameters and returns results, free of Hydra, files and
the terminal::

    from sim import load_scenario, simulate
    results = simulate(load_scenario("baseline"), replications=10_000, seed=7)
    results.summary["p_deal"], results.episodes.head()

The names are imported on first use, so that ``import sim`` is instant and the
command line can catch a Ctrl-C during its own (slow) imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.core import ConfigError, NegotiationModel, Results, Scenario, episode, simulate

#: The core's names (sim.core imports each on first use in turn).
_LAZY = ("NegotiationModel", "ConfigError", "Scenario", "Results", "episode", "simulate")


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module("sim.core"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def load_scenario(name: str = "baseline", overrides: list[str] | None = None) -> Scenario:
    """A named scenario from ``configs/`` with optional Hydra overrides (imports Hydra lazily)."""
    from sim.config.compose import load_scenario as _load

    return _load(name, overrides)


__all__ = ["ConfigError", "NegotiationModel", "Results", "Scenario", "episode", "load_scenario", "simulate"]
