"""Agent-based Monte Carlo simulator of the February 2026 US-Iran nuclear talks in Muscat.

The core takes typed parameters and returns results, free of Hydra, files and
the terminal::

    from sim import load_scenario, simulate
    results = simulate(load_scenario("baseline"), replications=10_000, seed=7)
    results.summary["p_deal"], results.episodes.head()
"""

from sim.core.model import NegotiationModel
from sim.core.params import ConfigError, Scenario
from sim.core.runner import Results, episode, simulate


def load_scenario(name: str = "baseline", overrides: list[str] | None = None) -> Scenario:
    """A named scenario from ``configs/`` with optional Hydra overrides (imports Hydra lazily)."""
    from sim.config.compose import load_scenario as _load

    return _load(name, overrides)


__all__ = ["ConfigError", "NegotiationModel", "Results", "Scenario", "episode", "load_scenario", "simulate"]
