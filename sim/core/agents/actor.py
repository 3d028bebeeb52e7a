"""The base of every agent: a name, a role, its parameters and the shared batch state."""

from __future__ import annotations

import mesa
import numpy as np

from sim.core.state import BatchState


class Actor(mesa.Agent):
    """Common base: every actor has a name, a role, its parameters and the shared batch state."""

    role = "actor"
    REP_ARRAYS: tuple[str, ...] = ()

    def __init__(self, model: mesa.Model, params) -> None:
        # ``model`` is the NegotiationModel that schedules the agent, named by Mesa's base class so that the agents
        # do not import the model (tests/test_layers.py: no import circle in sim.core, type-checking imports too).
        super().__init__(model)
        self.params = params
        self.name = params.name
        self.state: BatchState = model.state

    def compact(self, keep: np.ndarray) -> None:
        """Keep the rows ``keep`` (indices, ascending) of every per-replication array."""
        for name in self.REP_ARRAYS:
            setattr(self, name, np.take(getattr(self, name), keep, axis=0))

    def p(self, name: str):
        """One of its parameters for the replications held (a scalar, or an array over them: issue 12)."""
        return self.state.held(getattr(self.params, name))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
