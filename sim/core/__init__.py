"""The simulation core: typed parameters, the rules, the Mesa agents and model, Monte Carlo runs and statistics.

Free of Hydra, files and the terminal: it takes :class:`~sim.core.params.Scenario`
objects and returns :class:`~sim.core.runner.Results`.
"""

from sim.core.model import NegotiationModel
from sim.core.params import ConfigError, Scenario
from sim.core.runner import Results, episode, simulate

__all__ = ["ConfigError", "NegotiationModel", "Results", "Scenario", "episode", "simulate"]
