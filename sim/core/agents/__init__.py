"""The actors as Mesa agents, one class per role; each owns its decisions.

Each agent holds its parameters and its own state as NumPy arrays over the
replications of the batch (``trust`` has shape (R,)), reads the shared
:class:`sim.core.state.BatchState` and decides by calling the rules of
:mod:`sim.core.rules`: a principal assesses its outside option, answers a package,
learns from the other's answer and chooses between continuing, walking out and
force; the mediator proposes and learns; the spoiler lobbies and decides to
strike; the stakeholder de-escalates and presses. Agents never draw random
numbers themselves: the model hands them its draws, so that every mechanism
keeps its own random stream (common random numbers across configurations).
Any scalar parameter may also be an array over the replications (broadcasting).
"""

from sim.core.agents.actor import Actor
from sim.core.agents.mediator import MediatorAgent
from sim.core.agents.outside import SpoilerAgent, StakeholderAgent
from sim.core.agents.principal import PrincipalAgent

__all__ = ["Actor", "MediatorAgent", "PrincipalAgent", "SpoilerAgent", "StakeholderAgent"]
